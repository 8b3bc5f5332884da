package runner

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"

	"github.com/hookinit/hookinit/hooks"
	"github.com/hookinit/hookinit/runner/early"
)

// runScript interprets --script FILE, an unchanged docker-entrypoint.sh,
// until its top-level `exec CMD` hands CMD over as the app, or it ends.
// While it runs, every signal is relayed to the commands it started (or
// taken by its trap), so a script that runs the app without exec still
// lets the app see docker stop. An untrapped stop signal ends the script
// like a stop during pre-start: stopAll sends that signal to every process
// once, and the container exits 128+n.
func (c *container) runScript() (h *hooks.Handoff, code int, ok bool) {
	type result struct {
		h    *hooks.Handoff
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{nil, 2, fmt.Errorf("internal error running %s: %v\n%s", c.cfg.Script, p, debug.Stack())}
			}
		}()
		h, code, err := c.shell.RunScript(c.hooksCtx, c.cfg.Script, c.cfg.Command)
		done <- result{h, code, err}
	}()
	for {
		select {
		case r := <-done:
			if r.err != nil {
				c.logScriptError(r.err)
				if r.code == 0 {
					r.code = 1
				}
				return nil, r.code, false
			}
			return r.h, r.code, true
		case s := <-early.Signals:
			sig := s.(syscall.Signal)
			to := c.rewritten(sig)
			if to == 0 {
				continue
			}
			if isStopSignal(sig) && !c.shell.Traps(to) {
				// stopAll sends it to every process, once.
				c.log.infof("%s while %s runs: stopping", SignalName(sig), c.cfg.Script)
				c.stopSignal = to
				return nil, 128 + int(sig), false
			}
			c.shell.Signal(to) // to the script's commands, or its trap
		}
	}
}

func (c *container) logScriptError(err error) {
	var pe *hooks.ProblemsError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			c.log.errorf("%s", p)
		}
		return
	}
	c.log.errorf("%v", err)
}

// checkScriptFile refuses a --script file with problems before anything
// runs, pre-start hooks included.
func (c *container) checkScriptFile() bool {
	if c.cfg.Script == "" {
		return true
	}
	probs := hooks.CheckScriptFile(c.cfg.Script)
	for _, p := range probs {
		c.log.errorf("%s", p)
	}
	if len(probs) > 0 {
		c.log.errorf("not starting: fix %s ('hookinit --check --script %s' lists the problems)", c.cfg.Script, c.cfg.Script)
	}
	return len(probs) == 0
}

// handoffCommand turns the script's exec into the app's command: the
// environment, directory, umask and redirections the script built.
func (c *container) handoffCommand(h *hooks.Handoff) *hooks.Command {
	cmd := &hooks.Command{
		Args:   h.Args,
		Env:    h.Env,
		Dir:    h.Dir,
		Umask:  h.Umask,
		Stdin:  orDefault(h.Stdin, os.Stdin),
		Stdout: orDefault(h.Stdout, os.Stdout),
		Stderr: orDefault(h.Stderr, os.Stderr),
	}
	// The app takes the terminal only when its stdin is hookinit's own.
	cmd.Foreground = cmd.Stdin == os.Stdin && ownsTerminal()
	return cmd
}

func orDefault(f, def *os.File) *os.File {
	if f == nil {
		return def
	}
	return f
}
