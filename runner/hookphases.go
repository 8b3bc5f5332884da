package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"

	"github.com/hookinit/hookinit/hooks"
	"github.com/hookinit/hookinit/runner/early"
)

// loadHooks discovers and checks every hook before anything runs: a hook
// with a problem stops start-up with exit 2 and nothing half-done.
func (c *container) loadHooks() (*hooks.Plan, int, bool) {
	plan, err := c.discover()
	if err != nil {
		c.log.errorf("%v", err)
		return nil, 2, false
	}
	if len(plan.Problems) > 0 {
		for _, p := range plan.Problems {
			c.log.errorf("%s", p)
		}
		c.log.errorf("not starting: fix the hooks above ('hookinit --check' shows the plan)")
		return nil, 2, false
	}
	for _, ph := range []hooks.Phase{hooks.PreStart, hooks.Background, hooks.PostStart} {
		for _, h := range plan.Hooks(ph) {
			if h.Kind == hooks.Skipped {
				c.log.infof("skipping %s hook %s: %s", ph, h.Path, h.Reason)
			}
		}
	}
	return plan, 0, true
}

// discover reads the hook roots. The default root may be missing; a root
// the user named may not. With --script and no --hooks, the script owns
// /docker-entrypoint.d (it usually loops over it itself), so hookinit
// reads no hooks at all.
func (c *container) discover() (*hooks.Plan, error) {
	roots, missingOK := c.cfg.Hooks, false
	if roots == nil {
		if c.cfg.Script != "" {
			return &hooks.Plan{}, nil
		}
		roots, missingOK = []string{DefaultHooksDir}, true
	}
	return hooks.Discover(roots, hooks.DiscoverOptions{MissingOK: missingOK, Logf: c.log.debugf})
}

// check is --check: print the plan, exit 2 on any problem, run nothing.
// With --script, the script's problems are listed after the plan.
func (c *container) check() int {
	plan, err := c.discover()
	if err != nil {
		c.log.errorf("%v", err)
		return 2
	}
	if _, err := plan.WriteTo(os.Stdout); err != nil {
		c.log.errorf("writing the plan: %v", err)
		return 2
	}
	bad := len(plan.Problems) > 0
	if c.cfg.Script != "" {
		probs := hooks.CheckScriptFile(c.cfg.Script)
		fmt.Fprintf(os.Stdout, "script %s:\n", c.cfg.Script)
		if len(probs) == 0 {
			fmt.Fprintln(os.Stdout, "  (no problems)")
		}
		for _, p := range probs {
			fmt.Fprintf(os.Stdout, "  %s\n", p)
		}
		bad = bad || len(probs) > 0
	}
	if bad {
		return 2
	}
	return 0
}

// newShell prepares the embedded shell that runs every hook, with the
// environment and directory hookinit was started with.
func (c *container) newShell() {
	c.shell = hooks.NewShell(c.reaper, hooks.ShellOptions{
		Env:       c.env,
		Dir:       c.cwd,
		Stdout:    os.Stdout,
		Stderr:    os.Stderr,
		LogPrefix: c.cfg.LogPrefix,
		Logf:      c.log.debugf,
		Args:      c.cfg.Command,
		// stopAll signals every process once; the shell must not add a
		// second SIGTERM of its own when its hooks are cancelled.
		CallerStops: true,
	})
}

// preStart runs the pre-start hooks in order. A failing hook stops
// start-up with its exit code; a stop signal cancels the running hook and
// stops start-up with 128+n. Other signals wait for the app.
func (c *container) preStart(plan *hooks.Plan) (int, bool) {
	hs := plan.Runnable(hooks.PreStart)
	if len(hs) == 0 {
		return 0, true
	}
	// The interpreter's garbage is short-lived and trimMemory returns it
	// once the app runs: collecting it during the hooks is wasted time.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	ctx, cancel := context.WithCancel(c.hooksCtx)
	defer cancel()
	// One goroutine runs the hooks, one after the other (a goroutine per
	// hook would grow a fresh interpreter stack every time), while this one
	// watches for signals: a stop signal must end start-up even when a hook
	// is stuck inside hookinit itself (reading a FIFO nobody opens).
	next := make(chan hooks.Hook)
	done := make(chan int, 1)
	defer close(next)
	go func() {
		for h := range next {
			done <- c.runHookRecovered(ctx, h)
		}
	}()
	for _, h := range hs {
		c.log.debugf("running %s hook %s (%s)", h.Phase, h.Path, h.Kind)
		next <- h
		code, stopped := c.waitHook(h, done)
		if stopped {
			return code, false
		}
		c.log.debugf("%s hook %s exited with %d", h.Phase, h.Path, code)
		if code != 0 {
			c.log.errorf("pre-start hook %s failed with exit code %d: not starting the app", h.Path, code)
			return code, false
		}
	}
	// The app gets what a docker-entrypoint.sh that sourced the *.envsh
	// hooks and then exec'd it would give it.
	c.env, c.dir, c.umask = c.shell.Environ(), c.shell.Dir(), c.shell.Umask()
	return 0, true
}

// waitHook waits for the pre-start hook h to end while taking signals: a
// stop signal stops start-up with 128+n (stopAll then ends the hook's
// processes, one signal each), the others wait for the app.
func (c *container) waitHook(h hooks.Hook, done <-chan int) (code int, stopped bool) {
	for {
		select {
		case code := <-done:
			return code, false
		case s := <-early.Signals:
			sig := s.(syscall.Signal)
			if !isStopSignal(sig) {
				c.queued = append(c.queued, sig)
				continue
			}
			c.log.infof("%s during %s hook %s: stopping", SignalName(sig), h.Phase, h.Path)
			c.stopSignal = c.rewritten(sig)
			return 128 + int(sig), true
		}
	}
}

// runHook runs h with the shell and returns its exit code; an error of the
// shell itself counts as a failure.
func (c *container) runHook(ctx context.Context, h hooks.Hook) int {
	code, _ := c.runHookStopped(ctx, h)
	return code
}

// runHookRecovered is runHook for the pre-start worker, which the main
// goroutine waits for: a panic there fails the hook (exit 2) instead of
// leaving start-up waiting forever.
func (c *container) runHookRecovered(ctx context.Context, h hooks.Hook) (code int) {
	defer func() {
		if p := recover(); p != nil {
			c.log.errorf("internal error running %s: %v\n%s", h.Path, p, debug.Stack())
			code = 2
		}
	}()
	return c.runHook(ctx, h)
}

// runHookStopped is runHook that also reports whether the hook was stopped
// (ctx cancelled while it ran) rather than ending by itself.
func (c *container) runHookStopped(ctx context.Context, h hooks.Hook) (code int, stopped bool) {
	code, err := c.shell.RunHook(ctx, h)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return code, true
	}
	if err != nil {
		c.log.errorf("%s hook %s: %v", h.Phase, h.Path, err)
		if code == 0 {
			code = 1
		}
	}
	return code, false
}

// stop asks the container to stop early; ignored once it is stopping.
func (c *container) stop(ev stopEvent) {
	select {
	case c.events <- ev:
	case <-c.hooksCtx.Done():
	}
}
