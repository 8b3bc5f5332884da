package hooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
)

// hookRun is one hook being run, or what it left running: the processes
// and & jobs it started.
type hookRun struct {
	s    *Shell
	path string
	name string
	// ctx is what the interpreter and the hook's & jobs run under. It is
	// detached from Run's ctx, which stops the hook only while Run runs.
	ctx    context.Context
	cancel context.CancelFunc
	umask0 int
	stdin  *os.File
	stdout *os.File
	stderr *os.File
	outs   []*prefixer
	// tout and terr are stdout and stderr as the interpreter writes to
	// them: through the set -x filter (trace.go), which holds trace lines
	// until the next command starts, while Run runs (holding).
	tout, terr *traceFilter
	holding    atomic.Bool

	// script is set for a --script entrypoint (RunScript): a top-level
	// exec hands off, and signal traps of its main shell run.
	script bool
	tty    *terminal // the terminal the script runs on, if it holds it

	mu       sync.Mutex
	started  *sync.Cond // broadcast when starting drops
	stopping bool
	retired  bool
	running  bool            // Run has not returned
	starting int             // processes being started
	procs    map[int]Process // by pid, which is also the pgid
	orphans  map[int]bool    // groups whose leader exited, still populated
	jobs     map[string]*job // & jobs by token
	nextJob  int
	// sigLog holds the signals sent while processes were being started,
	// which those get once they exist (see start).
	sigLog []syscall.Signal

	scr     scriptState       // RunScript's state, under mu
	refused *unsupportedError // the first construct refused at run time
}

type runKey struct{}

// runOf returns the hook run a handler works for: Run puts it in the
// context the interpreter passes to every handler.
func runOf(ctx context.Context) *hookRun {
	h, _ := ctx.Value(runKey{}).(*hookRun)
	return h
}

func (s *Shell) newRun(path string, script bool) (*hookRun, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("hooks: %s: the shell is closed", path)
	}
	h := &hookRun{
		s:       s,
		path:    path,
		name:    filepath.Base(path),
		umask0:  s.Umask(),
		stdin:   s.devnull,
		stdout:  s.o.Stdout,
		stderr:  s.o.Stderr,
		running: true,
		procs:   map[int]Process{},
		orphans: map[int]bool{},
		jobs:    map[string]*job{},
	}
	h.started = sync.NewCond(&h.mu)
	if script {
		// The entrypoint reads hookinit's standard input, and writes to
		// hookinit's output unprefixed: it is not a hook.
		h.script = true
		h.stdin = s.o.Stdin
		if h.stdin == nil {
			h.stdin = os.Stdin
		}
		h.scr.init()
		h.tty = scriptTerminal(h.stdin)
	}
	if s.o.LogPrefix && !script {
		for _, dst := range []**os.File{&h.stdout, &h.stderr} {
			p, err := s.newPrefixer("["+h.name+"] ", *dst)
			if err != nil {
				h.closeOutputs()
				return nil, fmt.Errorf("hooks: %s: %w", path, err)
			}
			h.outs = append(h.outs, p)
			*dst = p.w
		}
	}
	h.holding.Store(true)
	h.tout = newTraceFilter(h.stdout, &h.holding)
	h.terr = h.tout
	if h.stderr != h.stdout {
		h.terr = newTraceFilter(h.stderr, &h.holding)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.ctx = context.WithValue(ctx, runKey{}, h)
	h.cancel = cancel
	s.mu.Lock()
	s.runs[h] = true
	s.mu.Unlock()
	return h, nil
}

func (h *hookRun) isStopping() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stopping
}

var errStopping = errors.New("stopping: no new command is started")

func (h *hookRun) stoppingErr() error {
	return fmt.Errorf("hooks: %s: %w", h.name, errStopping)
}

// stop cancels the hook: no new command, and (unless the caller stops
// processes itself) SIGTERM to every process group it started. Its
// processes are still waited for; the runner kills whatever ignores
// SIGTERM after its grace period.
func (h *hookRun) stop() {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		return
	}
	h.stopping = true
	var groups []int
	if !h.s.o.CallerStops {
		groups = h.groupsLocked(false)
	}
	h.mu.Unlock()
	for _, pg := range groups {
		_ = syscall.Kill(-pg, syscall.SIGTERM)
	}
	h.cancel()
	h.wakeWaiters()
	// A & job between two commands just ends: nothing else would notice.
	h.maybeRetire()
}

// waitStarts returns once no process of the run is being started.
func (h *hookRun) waitStarts() {
	h.mu.Lock()
	for h.starting > 0 {
		h.started.Wait() // reaper-safe: a sync.WaitGroup of starts in progress, not a process
	}
	h.mu.Unlock()
}

// signal sends sig to the run's process groups; a process being started
// gets it once it exists.
func (h *hookRun) signal(sig syscall.Signal) {
	h.mu.Lock()
	groups := h.groupsLocked(sig == syscall.SIGINT || sig == syscall.SIGQUIT)
	if h.starting > 0 {
		h.sigLog = append(h.sigLog, sig)
	}
	h.mu.Unlock()
	for _, pg := range groups {
		_ = syscall.Kill(-pg, sig)
	}
}

// groupsLocked lists the process groups to signal; noJobs leaves out the
// groups of & jobs.
func (h *hookRun) groupsLocked(noJobs bool) []int {
	inJob := map[int]bool{}
	if noJobs {
		for _, j := range h.jobs {
			for pg := range j.pgids {
				inJob[pg] = true
			}
		}
	}
	var groups []int
	for pg := range h.procs {
		if !inJob[pg] {
			groups = append(groups, pg)
		}
	}
	for pg := range h.orphans {
		if h.procs[pg] == nil && !inJob[pg] {
			groups = append(groups, pg)
		}
	}
	return groups
}

// finish ends Run's part: the output written so far is passed on, and
// groups whose leader is gone are no longer tracked (their pgid could be
// reused once empty).
func (h *hookRun) finish() {
	h.mu.Lock()
	h.running = false
	clear(h.orphans)
	h.mu.Unlock()
	h.holding.Store(false) // what & jobs write later is not held
	_ = h.tout.flush()
	_ = h.terr.flush()
	for _, p := range h.outs {
		p.drain()
	}
	h.maybeRetire()
}

// closeOutputs closes our end of the prefixing pipes: once the processes
// that inherited them are gone too, the prefixers see the end.
func (h *hookRun) closeOutputs() {
	for _, p := range h.outs {
		p.w.Close()
	}
}

// maybeRetire forgets a run once nothing of it is left: Run has returned,
// no process is running or being started, and every & job is over (or the
// run was stopped, after which none starts anything).
func (h *hookRun) maybeRetire() {
	h.mu.Lock()
	idle := !h.running && len(h.procs) == 0 && h.starting == 0 && !h.retired
	for _, j := range h.jobs {
		idle = idle && (j.done || h.stopping)
	}
	if idle {
		h.retired = true
	}
	h.mu.Unlock()
	if idle {
		h.cancel()
		h.closeOutputs()
		h.s.mu.Lock()
		delete(h.s.runs, h)
		h.s.mu.Unlock()
	}
}
