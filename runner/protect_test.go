package runner

import (
	"context"
	"testing"
	"time"
)

// A panic in one of hookinit's goroutines stops the container in order,
// with exit code 2, instead of killing PID 1.
func TestPanicStopsTheContainer(t *testing.T) {
	c := &container{log: newLogger(Quiet), events: make(chan stopEvent, 8)}
	c.hooksCtx, c.cancelHooks = context.WithCancel(context.Background())
	defer c.cancelHooks()
	c.goProtected("a test goroutine", func() { panic("boom") })
	select {
	case ev := <-c.events:
		if ev.code != 2 || ev.reason != "internal error in a test goroutine" {
			t.Errorf("stop event %+v, want code 2 naming the goroutine", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no stop event after the panic")
	}
}
