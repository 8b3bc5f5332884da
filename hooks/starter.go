package hooks

import (
	"os"
	"syscall"
)

// Command describes one process to start. The runner's reaper starts it;
// hooks never forks or waits on its own, so that the single wait4(-1) loop
// in the runner is the only place an exit status is collected.
type Command struct {
	// Path is the resolved executable (already looked up in PATH).
	Path string
	// Args is argv, Args[0] included.
	Args []string
	// Env is the complete environment ("K=V").
	Env []string
	// Dir is the working directory; "" keeps the caller's.
	Dir string
	// Stdin, Stdout and Stderr are passed as fds 0-2; nil means /dev/null.
	Stdin, Stdout, Stderr *os.File
	// Pgid selects the process group: 0 makes the process the leader of a
	// new group, a positive value joins that group.
	Pgid int
	// Umask is applied to the child only; a negative value keeps hookinit's.
	Umask int
	// Foreground makes the new group the foreground group of the
	// controlling terminal on fd 0 (only meaningful with Pgid 0).
	Foreground bool
	// DieWithParent makes the kernel SIGKILL the process if hookinit dies
	// first (PR_SET_PDEATHSIG).
	DieWithParent bool
}

// Process is a started process. Its exit is collected by the one reaper.
type Process interface {
	// Pid is the process id.
	Pid() int
	// Done is closed once the process has exited and was reaped.
	Done() <-chan struct{}
	// ExitCode is valid after Done: the exit status, or 128+n when signal n
	// killed the process.
	ExitCode() int
	// Signal is valid after Done: the signal that killed the process, or 0
	// when it exited.
	Signal() syscall.Signal
}

// Starter starts processes through the runner's single reaper: the exit of
// a process it starts can never be lost, even if the process exits before
// Start returns. Start's error wraps the errno of a failed exec (ENOENT,
// EACCES, ENOEXEC, ...).
type Starter interface {
	Start(cmd *Command) (Process, error)
}
