package runner

import (
	"github.com/hookinit/hookinit/hooks"
	"github.com/hookinit/hookinit/runner/early"

	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// container is one run of hookinit: the hooks, the app and everything they
// leave behind.
type container struct {
	cfg    Config
	log    *logger
	reaper *Reaper
	cwd    string   // the caller's directory: hooks start there
	env    []string // the app's environment; *.envsh hooks extend it
	dir    string   // the app's directory: the caller's, unless an *.envsh cd'd
	umask  int      // the app's umask; -1 keeps hookinit's

	// hooksCtx is cancelled when the container stops, so that hook shells
	// start nothing new and end their process groups.
	hooksCtx    context.Context
	cancelHooks context.CancelFunc

	queued []syscall.Signal // received before the app existed
	// stopSignal is what the first sweep of stopAll sends: the stop signal
	// that cancelled start-up, so that each process gets exactly that one;
	// SIGTERM for leftovers of an app that exited.
	stopSignal syscall.Signal
	app        *process
	shell      *hooks.Shell
	stopOnce   sync.Once // stopAll's work is done once
	// events carries what ends the container besides the app's exit: a
	// failed post-start hook, an essential background hook that ended.
	events chan stopEvent
}

// stopEvent asks the container to stop and exit with code.
type stopEvent struct {
	reason string
	code   int
}

// Run runs hookinit with cfg and returns its exit code. The phases read top
// to bottom: set up, pre-start hooks, background hooks, the app, post-start
// hooks, supervision, stopping everything that is left.
func Run(cfg Config) (code int) {
	log := newLogger(cfg.Verbosity)
	defer log.flush(2 * time.Second)
	c := &container{cfg: cfg, log: log, events: make(chan stopEvent, 8)}
	defer func() {
		if p := recover(); p != nil {
			log.errorf("internal error: %v\n%s", p, debug.Stack())
			c.stopAfterPanic()
			code = 2
		}
	}()
	return c.run()
}

func (c *container) run() int {
	c.setup()
	if c.cfg.Check {
		return c.check()
	}
	plan, code, ok := c.loadHooks()
	if !ok {
		return code
	}
	if !c.checkScriptFile() {
		return 2
	}
	c.reaper = NewReaper(c.log)
	c.newShell()
	defer c.cancelHooks()

	if code, ok := c.preStart(plan); !ok {
		c.stopAll()
		return code
	}
	c.startBackground(plan)
	if code, ok := c.startTheApp(); !ok {
		c.stopAll()
		return code
	}
	// Beside the app's start rather than in its way; not later either,
	// or the collection would wake an idle hookinit up.
	hooksRan := len(plan.Runnable(hooks.PreStart)) > 0
	c.goProtected("trimming memory", func() { trimMemory(hooksRan) })
	c.startPostStart(plan)
	code = c.supervise()
	c.stopAll()
	return c.remap(code)
}

// startTheApp starts the command line's app, or, with --script, runs the
// script until its exec hands the app over. A script that ends without
// exec ends the container with its status.
func (c *container) startTheApp() (int, bool) {
	if c.cfg.Script == "" {
		return c.startApp()
	}
	h, code, ok := c.runScript()
	if !ok {
		return code, false
	}
	if h == nil {
		c.log.debugf("%s ended with %d without exec", c.cfg.Script, code)
		return c.remap(code), false
	}
	defer h.Close() // the app has its own copies of the redirected files
	return c.startAppCommand(c.handoffCommand(h))
}

// setup makes hookinit a proper parent for everything below it: a child
// subreaper when it is not PID 1, and out of the caller's directory so that
// it holds no mount busy. Paths are made absolute first.
func (c *container) setup() {
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "/"
	}
	c.cwd, c.dir, c.umask = cwd, cwd, -1
	c.env = os.Environ()
	for i, root := range c.cfg.Hooks {
		c.cfg.Hooks[i] = absFrom(cwd, root)
	}
	if c.cfg.Script != "" {
		c.cfg.Script = absFrom(cwd, c.cfg.Script)
	}
	c.hooksCtx, c.cancelHooks = context.WithCancel(context.Background())
	if os.Getpid() != 1 {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			c.log.infof("cannot become a child subreaper (%v): orphans will not be reaped", err)
		}
	}
	if err := os.Chdir("/"); err != nil {
		c.log.debugf("chdir /: %v", err)
	}
}

func absFrom(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// supervise relays signals to the app until it exits, and handles the
// events that stop the container early. It returns the exit code.
func (c *container) supervise() int {
	var stopTimer <-chan time.Time
	override := -1
	for {
		select {
		case s := <-early.Signals:
			sig := s.(syscall.Signal)
			c.relay(sig)
			if isStopSignal(sig) && c.cfg.StopTimeout > 0 && stopTimer == nil {
				stopTimer = time.After(c.cfg.StopTimeout)
			}
		case <-c.app.Done():
			if override >= 0 {
				return override
			}
			return c.app.ExitCode()
		case <-stopTimer:
			c.log.infof("app still running %v after the stop signal: sending SIGKILL", c.cfg.StopTimeout)
			c.signalApp(unix.SIGKILL, true)
		case ev := <-c.events:
			c.log.errorf("%s: stopping the app", ev.reason)
			if override < 0 {
				override = ev.code
			}
			c.signalApp(c.rewritten(unix.SIGTERM), true)
			if c.cfg.StopTimeout > 0 && stopTimer == nil {
				stopTimer = time.After(c.cfg.StopTimeout)
			}
		}
	}
}

// remap applies --remap-exit.
func (c *container) remap(code int) int {
	if to, ok := c.cfg.RemapExit[code]; ok {
		return to
	}
	return code
}
