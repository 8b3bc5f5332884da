package runner

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// relay passes a received signal on to the app, after --rewrite.
func (c *container) relay(sig syscall.Signal) {
	to := c.rewritten(sig)
	if to == 0 {
		c.log.debugf("dropped %s (--rewrite)", SignalName(sig))
		return
	}
	if to != sig {
		c.log.debugf("relaying %s as %s", SignalName(sig), SignalName(to))
	} else {
		c.log.debugf("relaying %s", SignalName(sig))
	}
	c.signalApp(to, c.cfg.SignalTarget == TargetGroup)
}

// rewritten is sig after --rewrite; 0 means drop it.
func (c *container) rewritten(sig syscall.Signal) syscall.Signal {
	if to, ok := c.cfg.Rewrite[sig]; ok {
		return to
	}
	return sig
}

// signalApp sends sig to the app's process group, or to the app alone. A
// failed kill is logged, never fatal: the app may have just exited.
func (c *container) signalApp(sig syscall.Signal, group bool) {
	target := c.app.pid
	if group {
		target = -target
	}
	err := unix.Kill(target, sig)
	switch {
	case err == nil:
	case errors.Is(err, unix.ESRCH):
		c.log.debugf("%s not delivered: the app is gone", SignalName(sig))
	default:
		c.log.errorf("sending %s to the app: %v", SignalName(sig), err)
	}
}
