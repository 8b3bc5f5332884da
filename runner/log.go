package runner

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Verbosity selects which of hookinit's own messages are written.
type Verbosity int

// The verbosity levels: -q, default, -v.
const (
	Quiet Verbosity = iota - 1
	Normal
	Verbose
)

// logger writes hookinit's messages to stderr, prefixed "hookinit: ". A PID 1
// must never block on a full pipe, so lines go through a bounded queue to a
// writer goroutine; when the queue is full (nobody reads stderr), lines are
// dropped and counted rather than stalling signal relay or reaping.
type logger struct {
	level   Verbosity
	queue   chan logItem
	pending atomic.Int64 // lines queued and not yet written
	dropped atomic.Int64
}

// logItem is a line to write, or, with ack set, a request to say when
// everything before it has been written.
type logItem struct {
	line string
	ack  chan struct{}
}

func newLogger(level Verbosity) *logger {
	l := &logger{level: level, queue: make(chan logItem, 1024)}
	go l.write()
	return l
}

func (l *logger) write() {
	// On a terminal where hookinit is in the background (the app has the
	// foreground) and tostop is set, a write makes the kernel send SIGTTOU
	// to hookinit's group, which would be relayed to the app and stop it.
	// With SIGTTOU blocked on the writing thread, the kernel lets the write
	// through; a SIGTTOU sent to hookinit still reaches its other threads.
	runtime.LockOSThread()
	var ttou unix.Sigset_t
	ttou.Val[0] = 1 << (unix.SIGTTOU - 1)
	_ = unix.PthreadSigmask(unix.SIG_BLOCK, &ttou, nil)
	for it := range l.queue {
		if it.ack != nil {
			close(it.ack)
			continue
		}
		_, _ = os.Stderr.WriteString(it.line)
		l.pending.Add(-1)
	}
}

func (l *logger) emit(format string, args ...any) {
	line := "hookinit: " + fmt.Sprintf(format, args...) + "\n"
	l.pending.Add(1)
	select {
	case l.queue <- logItem{line: line}:
	default:
		l.pending.Add(-1)
		l.dropped.Add(1)
	}
}

// errorf logs a message that is shown even with -q.
func (l *logger) errorf(format string, args ...any) { l.emit(format, args...) }

// infof logs a message shown at the default verbosity.
func (l *logger) infof(format string, args ...any) {
	if l.level >= Normal {
		l.emit(format, args...)
	}
}

// debugf logs a message shown only with -v.
func (l *logger) debugf(format string, args ...any) {
	if l.level >= Verbose {
		l.emit(format, args...)
	}
}

// flush waits until what is queued has been written, at most d: a stderr
// nobody reads must not keep the container from exiting.
func (l *logger) flush(d time.Duration) {
	deadline := time.After(d)
	if n := l.dropped.Swap(0); n > 0 {
		// Not through emit: this line must not be dropped in turn.
		l.pending.Add(1)
		select {
		case l.queue <- logItem{line: fmt.Sprintf("hookinit: %d log lines dropped: stderr was not being read\n", n)}:
		case <-deadline:
			return
		}
	}
	if l.pending.Load() == 0 {
		return // nothing to wait for: spare the writer a wake-up
	}
	ack := make(chan struct{})
	select {
	case l.queue <- logItem{ack: ack}:
	case <-deadline:
		return
	}
	select {
	case <-ack:
	case <-deadline:
	}
}
