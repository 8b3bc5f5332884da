package runner

import (
	"fmt"
	"time"

	"github.com/hookinit/hookinit/hooks"
)

// Restart backoff for background hooks: a hook that keeps failing is
// restarted after 1 s, then 2 s, 4 s … at most 30 s; one that stayed up a
// minute is considered healthy again.
const (
	backoffMin   = time.Second
	backoffMax   = 30 * time.Second
	healthyAfter = time.Minute
)

// startBackground starts each background hook under its own supervisor.
// They live as long as the app; stopAll ends them.
func (c *container) startBackground(plan *hooks.Plan) {
	for _, h := range plan.Runnable(hooks.Background) {
		c.goProtected("background hook "+h.Path, func() { c.superviseHook(h) })
	}
}

// superviseHook runs h again and again according to its directives.
func (c *container) superviseHook(h hooks.Hook) {
	backoff := backoffMin
	for {
		started := time.Now()
		c.log.debugf("starting background hook %s", h.Path)
		code, stopped := c.runHookStopped(c.hooksCtx, h)
		if stopped {
			return // the container is stopping: the exit is ours
		}
		if c.hooksCtx.Err() != nil {
			// It ended by itself just as the container began to stop:
			// worth its line, not a restart.
			c.backgroundEnded(h, code)
			return
		}
		if !restarts(h.Directives.Restart, code) {
			c.backgroundEnded(h, code)
			return
		}
		if time.Since(started) >= healthyAfter {
			backoff = backoffMin
		}
		// A failure is worth a line at the default verbosity; a
		// restart=always hook that exited 0 did nothing wrong.
		logf := c.log.infof
		if code == 0 {
			logf = c.log.debugf
		}
		logf("background hook %s exited with %d: restarting in %v", h.Path, code, backoff)
		select {
		case <-time.After(backoff):
		case <-c.hooksCtx.Done():
			return
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// restarts applies a restart policy to an exit code.
func restarts(r hooks.Restart, code int) bool {
	switch r {
	case hooks.RestartAlways:
		return true
	case hooks.RestartNever:
		return false
	default:
		return code != 0
	}
}

// backgroundEnded handles a background hook that will not run again: an
// essential one takes the container down with its exit code.
func (c *container) backgroundEnded(h hooks.Hook, code int) {
	if !h.Directives.Essential {
		if code != 0 {
			c.log.infof("background hook %s exited with %d", h.Path, code)
		} else {
			c.log.debugf("background hook %s finished", h.Path)
		}
		return
	}
	c.stop(stopEvent{reason: fmt.Sprintf("essential background hook %s exited with %d", h.Path, code), code: code})
}
