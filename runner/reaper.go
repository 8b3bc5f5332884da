package runner

import (
	"errors"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/hookinit/hookinit/hooks"
)

// Reaper is the one place where hookinit collects exit statuses: a single
// goroutine that sleeps in waitid(P_ALL, WNOWAIT) until some child has
// exited, then collects every exit with wait4(-1, WNOHANG). It needs no
// SIGCHLD: each delivery through os/signal would cost two thread wake-ups,
// per child, in a loop that reaps thousands of orphans. Processes are started through
// it (Start), so an exit can never be claimed by anyone else, and an exit
// that happens before Start has returned is kept until Start registers the
// process.
type Reaper struct {
	log *logger

	mu       sync.Mutex
	procs    map[int]*process           // started and not yet reaped
	starting int                        // Starts between fork and registration
	early    map[int]syscall.WaitStatus // exits reaped while starting > 0
	empty    []chan struct{}            // closed the next time no child is left
	// childless is set when the last pass found no child at all, and
	// cleared by Start; orphans cannot appear without a child to start them.
	childless bool
	// starts counts Starts: a pass that saw no child sets childless only if
	// no Start began meanwhile (its child may be running by then).
	starts uint64

	kick    chan struct{}
	devnull int
	// umask is hookinit's own, read once: forks that ask for it need not
	// change the process-wide umask (hooks pass theirs on every command).
	umask int
}

// NewReaper starts the reaper loop. It must exist before the first process
// is started.
func NewReaper(log *logger) *Reaper {
	r := &Reaper{
		log:     log,
		procs:   map[int]*process{},
		early:   map[int]syscall.WaitStatus{},
		kick:    make(chan struct{}, 1),
		devnull: -1,
	}
	// Read by setting and restoring it: nothing else creates files or
	// processes yet.
	r.umask = syscall.Umask(0o022)
	syscall.Umask(r.umask)
	if fd, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0); err == nil {
		r.devnull = fd
	}
	go r.loop()
	return r
}

// kickLoop makes the loop look for exits now.
func (r *Reaper) kickLoop() {
	select {
	case r.kick <- struct{}{}:
	default: // a pass is already pending; it will see everything
	}
}

// loop reaps until the process ends. While hookinit has children it waits
// in the kernel; with none it waits for Start (or Empty) to kick it. Being
// childless happens only before the app starts and after it exited: while
// the app runs it is a child, so orphans adopted meanwhile wake waitid too.
func (r *Reaper) loop() {
	defer func() {
		if p := recover(); p != nil {
			// Nothing else collects exits: log the bug and go on.
			r.log.errorf("internal error in the reaper: %v\n%s", p, debug.Stack())
			go r.loop()
		}
	}()
	for {
		if r.reapAll() {
			<-r.kick
			continue
		}
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != nil && !errors.Is(err, unix.EINTR) && !errors.Is(err, unix.ECHILD) {
			r.log.errorf("waitid: %v", err)
			<-r.kick // never spin; the next Start or Empty retries
		}
	}
}

// reapAll collects every exited child. SIGCHLDs coalesce, so one signal may
// stand for many exits: loop until the kernel says there is nothing more.
// Exits are announced after the pass, so that whoever wakes up on an exit
// already knows whether any child is left. It reports whether none is.
func (r *Reaper) reapAll() bool {
	r.mu.Lock()
	starts := r.starts
	r.mu.Unlock()
	exits, childless := r.collect()
	return r.settle(starts, exits, childless)
}

// collect takes every exit the kernel has, and reports whether it then had
// no child at all (ECHILD).
func (r *Reaper) collect() (exits []exit, childless bool) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.ECHILD) {
			childless = true
		} else if err != nil {
			r.log.errorf("wait4: %v", err)
		}
		if err != nil || pid <= 0 {
			return exits, childless
		}
		exits = append(exits, exit{pid, ws})
	}
}

// settle records what a pass found, starts being the Start count read
// before it, and announces the exits.
func (r *Reaper) settle(starts uint64, exits []exit, childless bool) bool {
	r.mu.Lock()
	var waiters []chan struct{}
	if childless && (r.starting > 0 || r.starts != starts) {
		// A child was started after wait4 looked: it may be running now,
		// and Empty must not say otherwise (stopAll would skip it, and PID
		// 1's exit would SIGKILL it).
		childless = false
	}
	r.childless = childless
	if childless {
		waiters, r.empty = r.empty, nil
	}
	r.mu.Unlock()
	for _, e := range exits {
		r.exited(e.pid, e.ws)
	}
	for _, c := range waiters {
		close(c)
	}
	return childless
}

type exit struct {
	pid int
	ws  syscall.WaitStatus
}

func (r *Reaper) exited(pid int, ws syscall.WaitStatus) {
	r.mu.Lock()
	p := r.procs[pid]
	delete(r.procs, pid)
	orphan := p == nil && r.starting == 0
	if p == nil && !orphan {
		r.early[pid] = ws // maybe the process a Start is about to register
	}
	r.mu.Unlock()
	if p != nil {
		p.finish(ws)
	} else if orphan && r.log.level >= Verbose {
		// Checked first: an init reaping thousands of orphans a second
		// should not format a line per orphan for nobody.
		r.log.debugf("reaped orphan pid %d (%s)", pid, describeStatus(ws))
	}
}

// Empty returns a channel that is closed once hookinit has no child left
// (including orphans it adopted).
func (r *Reaper) Empty() <-chan struct{} {
	c := make(chan struct{})
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.childless {
		close(c)
		return c
	}
	r.empty = append(r.empty, c)
	r.kickLoop()
	return c
}

// Start starts cmd and registers it with the reaper. It implements
// hooks.Starter. Signals stay queued in the caller while it runs: the
// fork/exec returns only once the exec has succeeded or failed.
func (r *Reaper) Start(cmd *hooks.Command) (hooks.Process, error) {
	p, err := r.start(cmd)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (r *Reaper) start(cmd *hooks.Command) (*process, error) {
	attr := &syscall.ProcAttr{
		Dir:   cmd.Dir,
		Env:   cmd.Env,
		Files: []uintptr{r.fd(cmd.Stdin), r.fd(cmd.Stdout), r.fd(cmd.Stderr)},
		Sys: &syscall.SysProcAttr{
			Setpgid:    true,
			Pgid:       cmd.Pgid,
			Foreground: cmd.Foreground && cmd.Pgid == 0,
			Ctty:       0,
			Pdeathsig:  pdeathsig(cmd.DieWithParent),
		},
	}
	r.mu.Lock()
	r.starting++
	r.starts++
	r.childless = false
	r.mu.Unlock()

	pid, err := r.forkExec(cmd, attr)

	r.mu.Lock()
	defer r.mu.Unlock()
	r.starting--
	var p *process
	if err == nil {
		p = &process{pid: pid, done: make(chan struct{})}
		if ws, ok := r.early[pid]; ok {
			delete(r.early, pid)
			p.finish(ws)
		} else {
			r.procs[pid] = p
		}
	}
	if r.starting == 0 {
		clear(r.early) // orphans that happened to exit during a fork
	}
	r.kickLoop() // a childless loop must start waiting for this one
	return p, err
}

func (r *Reaper) fd(f *os.File) uintptr {
	if f == nil {
		return uintptr(r.devnull) // -1 when /dev/null is missing: closed in the child
	}
	return f.Fd()
}

// umaskMu serialises forks that need a umask other than hookinit's: the
// umask is per process, so it is set around the fork and put back.
var umaskMu sync.Mutex

func (r *Reaper) forkExec(cmd *hooks.Command, attr *syscall.ProcAttr) (int, error) {
	if cmd.Umask < 0 || cmd.Umask == r.umask {
		return syscall.ForkExec(cmd.Path, cmd.Args, attr)
	}
	umaskMu.Lock()
	defer umaskMu.Unlock()
	old := syscall.Umask(cmd.Umask)
	defer syscall.Umask(old)
	return syscall.ForkExec(cmd.Path, cmd.Args, attr)
}

// process is a child registered with the reaper.
type process struct {
	pid  int
	done chan struct{}
	ws   syscall.WaitStatus
}

func (p *process) Pid() int              { return p.pid }
func (p *process) Done() <-chan struct{} { return p.done }
func (p *process) ExitCode() int         { return exitCode(p.ws) }
func (p *process) Signal() syscall.Signal {
	if p.ws.Signaled() {
		return p.ws.Signal()
	}
	return 0
}
func (p *process) finish(ws syscall.WaitStatus) {
	p.ws = ws
	close(p.done)
}

// exitCode is what a shell would report for ws: the status, or 128+n when
// signal n killed the process.
func exitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func describeStatus(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "killed by " + SignalName(ws.Signal())
	}
	return "exit " + strconv.Itoa(ws.ExitStatus())
}

// pdeathsig is the parent-death signal for a process that must not outlive
// hookinit. The kernel sends it when the thread that forked the process
// ends; hookinit's threads end only with the process (no goroutine exits
// while locked to its thread), so that is when hookinit dies.
func pdeathsig(dieWithParent bool) syscall.Signal {
	if dieWithParent {
		return syscall.SIGKILL
	}
	return 0
}
