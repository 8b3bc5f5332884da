// Command noreap is a PID 1 that never reaps: it starts its arguments as a
// child and waits for that child's exit with WNOWAIT, leaving it and every
// orphan re-parented to it as zombies. It exits with the child's status
// (128+n when signal n killed it), which ends the PID namespace.
//
//	unshare --pid --fork --mount-proc noreap hookinit …
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: noreap COMMAND [ARG...]")
		os.Exit(2)
	}
	path, err := exec.LookPath(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "noreap: %v\n", err)
		os.Exit(127)
	}
	pid, err := syscall.ForkExec(path, os.Args[1:], &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, 1, 2},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "noreap: %v\n", err)
		os.Exit(126)
	}
	var info unix.Siginfo
	for {
		err = unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "noreap: waitid: %v\n", err)
		os.Exit(111)
	}
	// The siginfo of a child exit: si_code, then si_status at a fixed
	// offset (after si_pid and si_uid).
	code := int32(info.Code)
	status := int(*(*int32)(unsafe.Add(unsafe.Pointer(&info), 24)))
	if code == 1 { // CLD_EXITED
		os.Exit(status)
	}
	os.Exit(128 + status)
}
