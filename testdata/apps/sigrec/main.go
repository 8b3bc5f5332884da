// Command sigrec records the signals it receives, one number a line, so a
// test can see exactly what reached the app.
//
//	sigrec -out FILE -ready FILE [-exit-on SIG,...] [-child-out FILE]
//
// Every signal Go lets a program catch is recorded (SIGCHLD and SIGURG
// included, so a spurious one shows up). Once the handlers are installed,
// the pid is written to the -ready file. A signal listed in -exit-on is
// recorded and then kills sigrec the default way, so its parent sees it die
// by that signal. -child-out starts a second recorder in the same process
// group that records into its own file (ready file FILE.ready).
//
// Go's runtime sends itself SIGURG to preempt goroutines; sigrec re-executes
// itself with GODEBUG=asyncpreemptoff=1 so that every SIGURG it records came
// from outside.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	self, err := os.Executable() // not /proc/self/exe: the process would be named exe
	if err != nil {
		fail("%v", err)
	}
	if !strings.Contains(os.Getenv("GODEBUG"), "asyncpreemptoff=1") {
		env := append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
		if err := syscall.Exec(self, os.Args, env); err != nil {
			fail("re-exec: %v", err)
		}
	}
	out := flag.String("out", "", "append each received signal's number to `FILE`")
	ready := flag.String("ready", "", "write the pid to `FILE` once signals are caught")
	exitOn := flag.String("exit-on", "", "comma-separated signal numbers or names that end sigrec after being recorded")
	childOut := flag.String("child-out", "", "start a second recorder in this process group, recording into `FILE`")
	flag.Parse()
	if *out == "" || *ready == "" {
		fail("-out and -ready are required")
	}
	exits := map[syscall.Signal]bool{}
	for _, s := range strings.Split(*exitOn, ",") {
		if s = strings.TrimSpace(s); s != "" {
			exits[parseSignal(s)] = true
		}
	}

	var catch []os.Signal
	for n := 1; n <= 64; n++ {
		switch {
		case n == int(unix.SIGKILL), n == int(unix.SIGSTOP), n >= 32 && n <= 34:
			continue // cannot be caught, or belong to the Go runtime
		}
		catch = append(catch, syscall.Signal(n))
	}
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs, catch...)

	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fail("%v", err)
	}
	var child *exec.Cmd
	if *childOut != "" {
		child = exec.Command(self, "-out", *childOut, "-ready", *childOut+".ready", "-exit-on", *exitOn)
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fail("starting the child recorder: %v", err)
		}
		waitReady(*childOut + ".ready")
	}
	writeFile(*ready, strconv.Itoa(os.Getpid()))

	for s := range sigs {
		sig := s.(syscall.Signal)
		if _, err := fmt.Fprintf(f, "%d\n", int(sig)); err != nil {
			fail("%v", err)
		}
		if exits[sig] {
			if child != nil {
				_ = child.Process.Kill()
				_ = child.Wait()
			}
			die(sig)
		}
	}
}

// die ends the process by sig with the kernel's default action. Go's own
// default would not do for all of them (on SIGQUIT it prints its goroutines
// and exits 2), so the disposition is set to SIG_DFL directly.
func die(sig syscall.Signal) {
	var act [4]uint64 // struct kernel_sigaction: handler, flags, restorer, mask
	_, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0)
	if errno != 0 {
		fail("rt_sigaction: %v", errno)
	}
	var set unix.Sigset_t
	set.Val[(sig-1)/64] |= 1 << ((sig - 1) % 64)
	runtime.LockOSThread()
	_ = unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
	_ = unix.Tgkill(os.Getpid(), unix.Gettid(), sig)
	fail("still alive after %v", sig)
}

func parseSignal(s string) syscall.Signal {
	if n, err := strconv.Atoi(s); err == nil {
		return syscall.Signal(n)
	}
	sig := unix.SignalNum("SIG" + strings.TrimPrefix(strings.ToUpper(s), "SIG"))
	if sig == 0 {
		fail("unknown signal %q", s)
	}
	return sig
}

func waitReady(path string) {
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 5e6}, nil)
	}
}

// writeFile writes atomically, so a reader never sees a partial pid.
func writeFile(path, content string) {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		fail("%v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sigrec: "+format+"\n", args...)
	os.Exit(111)
}
