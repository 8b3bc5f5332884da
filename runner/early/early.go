// Package early catches signals and notes inherited file descriptors as the
// very first thing hookinit does. It is a package of its own, with nothing
// but the standard library below it, because Go initialises packages in
// dependency order and, among those ready, in the order of their import
// paths: with only os/signal and syscall to wait for, its init runs right
// after package os's, about 0.6 ms after the process started. Depending on
// golang.org/x/sys would put it behind every package whose path sorts
// before "golang.org" (crypto, encoding, the command line library: 1.7 ms).
// Until then a SIGTERM kills the process (or, as PID 1, is discarded by the
// kernel).
package early

import (
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"
)

// Relayable lists the signals hookinit relays: every catchable signal except those the
// kernel or the Go runtime keep for themselves.
//   - KILL and STOP cannot be caught.
//   - CHLD drives the reaper; relaying it would confuse the app.
//   - URG is sent constantly by the Go runtime to preempt goroutines, so a
//     relayed URG would almost always be spurious.
//   - PROF belongs to the runtime's profiler.
//   - 32 is glibc's thread cancellation signal and 33 the Go runtime's
//     per-thread syscall signal (glibc's setxid); 34 is reserved by musl
//     and counted as SIGRTMIN by glibc's tools. hookinit cannot catch them.
var Relayable = func() []syscall.Signal {
	var s []syscall.Signal
	for n := 1; n <= 64; n++ {
		switch syscall.Signal(n) {
		case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGCHLD, syscall.SIGURG, syscall.SIGPROF:
			continue
		}
		if n >= 32 && n <= 34 {
			continue
		}
		s = append(s, syscall.Signal(n))
	}
	return s
}()

// Signals is filled before main runs: signals that arrive between the
// start of the process and the start of the app wait here, in order, so
// none is lost. The buffer is large because a full channel drops signals.
var Signals = make(chan os.Signal, 512)

// IgnoredAtStart records the job-control and terminal signals that were
// ignored when hookinit was executed (nohup, a shell's background job). They
// are left ignored, so the app inherits SIG_IGN exactly as without hookinit,
// and, as with tini, they are not relayed (the kernel discards them).
var IgnoredAtStart = map[syscall.Signal]bool{}

func init() {
	// The Go runtime installs its own handlers before any package init
	// runs, except for these signals, whose inherited disposition is still
	// the one we were executed with. Asking the kernel is the only way to
	// see it.
	for _, s := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGCONT} {
		if dispositionIgnored(s) {
			IgnoredAtStart[s] = true
		}
	}
	// Each signal costs the runtime a round trip to its signal thread, so
	// the ones that stop a container are caught first.
	var stop, rest, realtime []os.Signal
	for _, s := range Relayable {
		switch {
		case IgnoredAtStart[s]:
		case s == syscall.SIGTERM || s == syscall.SIGINT || s == syscall.SIGQUIT || s == syscall.SIGHUP:
			stop = append(stop, s)
		case s >= 32:
			realtime = append(realtime, s)
		default:
			rest = append(rest, s)
		}
	}
	signal.Notify(Signals, stop...)
	// The rest take milliseconds: they are caught while hookinit goes on
	// starting. WaitCaught makes sure the classic signals are caught before the
	// app runs; the thirty real-time signals, which almost nothing sends
	// to an init, follow while the app starts, so that they do not double
	// hookinit's start-up time.
	go func() {
		signal.Notify(Signals, rest...)
		close(allCaught)
		signal.Notify(Signals, realtime...)
	}()
	inherited = openFDs()
}

var allCaught = make(chan struct{})

// WaitCaught returns once every relayable signal below the real-time range is
// being caught.
func WaitCaught() { <-allCaught }

// dispositionIgnored reports whether sig's handler is SIG_IGN, with a raw
// rt_sigaction that changes nothing.
func dispositionIgnored(sig syscall.Signal) bool {
	var old [8]uint64 // larger than any kernel struct sigaction; handler first
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0,
		uintptr(unsafe.Pointer(&old[0])), 8, 0, 0)
	return errno == 0 && old[0] == 1 // SIG_IGN
}

// inherited are the descriptors >= 3 open when hookinit started. The app
// inherits them; hookinit closes its own copies once the app has started, so
// that it holds no pipe, socket or file open that is not its business.
var inherited []int

func openFDs() []int {
	// Raw syscalls on purpose: os.Open would initialise the runtime's
	// poller, whose own descriptors would then look inherited.
	dir, err := syscall.Open("/proc/self/fd", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer syscall.Close(dir)
	var names []string
	buf := make([]byte, 4096)
	for {
		n, err := syscall.Getdents(dir, buf)
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

// CloseInherited closes hookinit's copies of the inherited descriptors.
func CloseInherited() {
	for _, fd := range inherited {
		_ = syscall.Close(fd)
	}
	inherited = nil
}
