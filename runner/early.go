package runner

import (
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// This file holds what must happen before anything else: catching signals
// (a TERM that arrives before the app exists must wait for it, not kill
// hookinit) and noting the file descriptors hookinit inherited.

// startSignals is filled before main runs: signals that arrive between the
// start of the process and the start of the app wait here, in order, so
// none is lost. The buffer is large because a full channel drops signals.
var startSignals = make(chan os.Signal, 512)

// ignoredAtStart records the job-control and terminal signals that were
// ignored when hookinit was executed (nohup, a shell's background job). They
// are left ignored, so the app inherits SIG_IGN exactly as without hookinit,
// and, as with tini, they are not relayed (the kernel discards them).
var ignoredAtStart = map[syscall.Signal]bool{}

func init() {
	// The Go runtime installs its own handlers before any package init
	// runs, except for these signals, whose inherited disposition is still
	// the one we were executed with. Asking the kernel is the only way to
	// see it.
	for _, s := range []syscall.Signal{unix.SIGHUP, unix.SIGINT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU, unix.SIGCONT} {
		if dispositionIgnored(s) {
			ignoredAtStart[s] = true
		}
	}
	var catch []os.Signal
	for _, s := range relayable {
		if !ignoredAtStart[s] {
			catch = append(catch, s)
		}
	}
	signal.Notify(startSignals, catch...)
	inheritedFDs = openFDs()
}

// dispositionIgnored reports whether sig's handler is SIG_IGN, with a raw
// rt_sigaction that changes nothing.
func dispositionIgnored(sig syscall.Signal) bool {
	var old [8]uint64 // larger than any kernel struct sigaction; handler first
	_, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0,
		uintptr(unsafe.Pointer(&old[0])), 8, 0, 0)
	return errno == 0 && old[0] == 1 // SIG_IGN
}

// inheritedFDs are the descriptors >= 3 open when hookinit started. The app
// inherits them; hookinit closes its own copies once the app has started, so
// that it holds no pipe, socket or file open that is not its business.
var inheritedFDs []int

func openFDs() []int {
	// Raw syscalls on purpose: os.Open would initialise the runtime's
	// poller, whose own descriptors would then look inherited.
	dir, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(dir)
	var names []string
	buf := make([]byte, 4096)
	for {
		n, err := unix.Getdents(dir, buf)
		if err != nil || n <= 0 {
			break
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
	var fds []int
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < 3 || fd == dir {
			continue
		}
		fds = append(fds, fd)
	}
	return fds
}

// closeInheritedFDs closes hookinit's copies of the inherited descriptors.
func closeInheritedFDs() {
	for _, fd := range inheritedFDs {
		_ = unix.Close(fd)
	}
	inheritedFDs = nil
}
