package runner

import (
	"fmt"
	"runtime/debug"
)

// A panic in PID 1 kills the whole container at once: the kernel SIGKILLs
// every process of a PID namespace whose init dies, mid-write. hookinit's
// goroutines therefore run protected: a panic is logged with its stack and
// the container stops in order (the app gets the stop signal, leftovers
// their grace), exiting 2. The hook interpreter has its own guard (a panic
// there fails the hook); this is for hookinit's own code.

// goProtected runs fn in a goroutine of its own, protected.
func (c *container) goProtected(what string, fn func()) {
	go func() {
		defer c.recoverPanic(what)
		fn()
	}()
}

// recoverPanic, deferred, turns a panic into an orderly stop with exit 2.
func (c *container) recoverPanic(what string) {
	p := recover()
	if p == nil {
		return
	}
	c.log.errorf("internal error in %s: %v\n%s", what, p, debug.Stack())
	c.stop(stopEvent{reason: fmt.Sprintf("internal error in %s", what), code: 2})
}

// stopAfterPanic stops what is left after a panic in the main goroutine,
// as far as it can: a second panic is only logged.
func (c *container) stopAfterPanic() {
	defer func() {
		if p := recover(); p != nil {
			c.log.errorf("internal error while stopping: %v", p)
		}
	}()
	c.stopAll()
}
