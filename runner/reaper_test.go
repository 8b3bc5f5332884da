package runner

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/hookinit/hookinit/hooks"
)

// newTestReaper is a Reaper without its loop: the test runs the passes.
func newTestReaper() *Reaper {
	return &Reaper{
		log:     newLogger(Quiet),
		procs:   map[int]*process{},
		early:   map[int]syscall.WaitStatus{},
		kick:    make(chan struct{}, 1),
		devnull: -1,
		umask:   -1,
	}
}

// A pass that found no child while a Start was under way must not leave
// the reaper saying it has none: Empty would then tell stopAll that the
// container is empty while the new child runs, and PID 1 would exit and
// SIGKILL it. (Seen under load: a --script's first command never got the
// stop signal.)
func TestPassRacingAStartKeepsTheChild(t *testing.T) {
	r := newTestReaper()
	r.mu.Lock()
	starts := r.starts
	r.mu.Unlock()
	exits, childless := r.collect() // the test process has no other children
	if !childless || len(exits) > 0 {
		t.Skipf("this test process has children of its own (%v, %v)", childless, exits)
	}
	// The Start that the pass did not see.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	p, err := r.start(&hooks.Command{Path: "/bin/cat", Args: []string{"cat"}, Stdin: pr, Umask: -1})
	pr.Close()
	if err != nil {
		t.Fatal(err)
	}
	if r.settle(starts, exits, childless) {
		t.Errorf("the pass reports no child while cat runs")
	}
	select {
	case <-r.Empty():
		t.Fatalf("Empty is closed while cat runs")
	default:
	}
	pw.Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		r.reapAll()
		select {
		case <-p.Done():
			return
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("cat was never reaped")
		}
		time.Sleep(time.Millisecond)
	}
}
