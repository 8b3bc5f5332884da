// Command sigstate sets up the signal state a process is started with, then
// executes its arguments, so a test can compare what a command sees with and
// without hookinit in between.
//
//	sigstate [-block SIG,...] [-ignore SIG,...] [-join-parent-group] [--] COMMAND [ARG...]
//
// -block adds signals to the signal mask, -ignore sets their disposition to
// SIG_IGN; both survive exec. -join-parent-group moves the process into its
// parent's process group first (when hookinit started it as the leader of a
// group of its own, that group is left empty).
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

	"golang.org/x/sys/unix"
)

func main() {
	block := flag.String("block", "", "signals to block")
	ignore := flag.String("ignore", "", "signals to ignore")
	join := flag.Bool("join-parent-group", false, "move into the parent's process group")
	flag.Parse()
	if flag.NArg() == 0 {
		fail("no command")
	}
	path, err := exec.LookPath(flag.Arg(0))
	if err != nil {
		fail("%v", err)
	}
	if *join {
		pg, err := unix.Getpgid(os.Getppid())
		if err != nil {
			fail("getpgid: %v", err)
		}
		if err := unix.Setpgid(0, pg); err != nil {
			fail("setpgid: %v", err)
		}
	}
	for _, s := range signals(*ignore) {
		signal.Ignore(s)
	}
	// The mask is per thread: block on this thread and exec from it.
	runtime.LockOSThread()
	var set unix.Sigset_t
	for _, s := range signals(*block) {
		n := uint(s) - 1
		set.Val[n/64] |= 1 << (n % 64)
	}
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, nil); err != nil {
		fail("sigprocmask: %v", err)
	}
	err = syscall.Exec(path, flag.Args(), os.Environ())
	fail("exec %s: %v", path, err)
}

func signals(list string) []syscall.Signal {
	var out []syscall.Signal
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if n, err := strconv.Atoi(s); err == nil {
			out = append(out, syscall.Signal(n))
			continue
		}
		sig := unix.SignalNum("SIG" + strings.TrimPrefix(strings.ToUpper(s), "SIG"))
		if sig == 0 {
			fail("unknown signal %q", s)
		}
		out = append(out, sig)
	}
	return out
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sigstate: "+format+"\n", args...)
	os.Exit(111)
}
