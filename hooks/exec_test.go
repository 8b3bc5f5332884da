package hooks

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
)

// testStarter starts real processes for tests, standing in for the
// runner's reaper: fork/exec, then one goroutine per process that waits
// for that pid only (the test binary is not PID 1 and reaps nothing else).
type testStarter struct {
	devnull *os.File
	started []int
}

// umaskMu serialises the forks that set hookinit's umask for the child,
// across all test starters (the umask is process-wide), and what reads
// the umask meanwhile (newShell).
var umaskMu sync.Mutex

// runLocked runs cmd, forked while no test starter has changed the umask.
func runLocked(cmd *exec.Cmd) error {
	umaskMu.Lock()
	err := cmd.Start()
	umaskMu.Unlock()
	if err != nil {
		return err
	}
	return cmd.Wait()
}

// newShell is NewShell for tests: it reads the process's umask while no
// test starter has changed it for a fork.
func newShell(st Starter, o ShellOptions) *Shell {
	umaskMu.Lock()
	defer umaskMu.Unlock()
	return NewShell(st, o)
}

func newTestStarter(t *testing.T) *testStarter {
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &testStarter{devnull: f}
}

type testProc struct {
	pid  int
	done chan struct{}
	code int
}

func (p *testProc) Pid() int              { return p.pid }
func (p *testProc) Done() <-chan struct{} { return p.done }
func (p *testProc) ExitCode() int         { return p.code }
func (p *testProc) Signal() syscall.Signal {
	if p.code > 128 {
		return syscall.Signal(p.code - 128)
	}
	return 0
}

func (s *testStarter) Start(c *Command) (Process, error) {
	fd := func(f *os.File) uintptr {
		if f == nil {
			f = s.devnull
		}
		return f.Fd()
	}
	attr := &syscall.ProcAttr{
		Dir:   c.Dir,
		Env:   c.Env,
		Files: []uintptr{fd(c.Stdin), fd(c.Stdout), fd(c.Stderr)},
		Sys:   &syscall.SysProcAttr{Setpgid: true, Pgid: c.Pgid},
	}
	umaskMu.Lock()
	old := -1
	if c.Umask >= 0 {
		old = syscall.Umask(c.Umask)
	}
	pid, err := syscall.ForkExec(c.Path, c.Args, attr)
	if old >= 0 {
		syscall.Umask(old)
	}
	if err == nil {
		s.started = append(s.started, pid)
	}
	umaskMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", c.Path, err)
	}
	p := &testProc{pid: pid, done: make(chan struct{})}
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				break
			}
		}
		switch {
		case ws.Signaled():
			p.code = 128 + int(ws.Signal())
		default:
			p.code = ws.ExitStatus()
		}
		close(p.done)
	}()
	return p, nil
}
