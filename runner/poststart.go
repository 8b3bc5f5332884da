package runner

import (
	"fmt"

	"github.com/hookinit/hookinit/hooks"
)

// startPostStart runs the post-start hooks in order once the app has
// started and, with --ready, once it is ready. A failure or a readiness
// timeout stops the container with that code; with --post-start-failure
// ignore it is logged and the remaining hooks run all the same.
func (c *container) startPostStart(plan *hooks.Plan) {
	hs := plan.Runnable(hooks.PostStart)
	if len(hs) == 0 && c.cfg.Ready == "" {
		return
	}
	c.goProtected("post-start hooks", func() {
		if c.cfg.Ready != "" {
			if err := waitReady(c.hooksCtx, c.cfg.Ready, c.cfg.ReadyTimeout); err != nil {
				if c.hooksCtx.Err() != nil || !c.postStartFailed(err.Error(), 124) {
					return
				}
			} else {
				c.log.debugf("%s is ready", c.cfg.Ready)
			}
		}
		for _, h := range hs {
			c.log.debugf("running post-start hook %s", h.Path)
			code := c.runHook(c.hooksCtx, h)
			if c.hooksCtx.Err() != nil {
				return
			}
			c.log.debugf("post-start hook %s exited with %d", h.Path, code)
			if code != 0 && !c.postStartFailed(fmt.Sprintf("post-start hook %s failed with exit code %d", h.Path, code), code) {
				return
			}
		}
	})
}

// postStartFailed stops the container, or with --post-start-failure ignore
// logs the failure and reports that post-start goes on.
func (c *container) postStartFailed(reason string, code int) (goOn bool) {
	if c.cfg.IgnorePostStartFailure {
		c.log.errorf("%s (ignored: --post-start-failure ignore)", reason)
		return true
	}
	c.stop(stopEvent{reason: reason, code: code})
	return false
}
