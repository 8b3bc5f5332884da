package runner

import (
	"github.com/hookinit/hookinit/runner/early"

	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stopAll ends everything still running once the app is gone: hook shells
// are cancelled so they start nothing new, every remaining process gets
// SIGTERM (a stopped one SIGCONT too, so that it can act on it), and SIGKILL
// after the grace period. It returns as soon as no child is left, so a tree
// that stops quickly never costs the full grace.
// A second stop signal while waiting skips the rest of the grace. Last,
// what hooks wrote is passed on. Only the first call does anything; later
// ones return once it is done.
func (c *container) stopAll() {
	c.stopOnce.Do(c.stopEverything)
}

func (c *container) stopEverything() {
	c.cancelHooks()
	if c.shell != nil {
		c.shell.Close()
		defer c.shell.Flush(time.Second)
	}
	if c.reaper == nil {
		return
	}
	empty := c.reaper.Empty()
	select {
	case <-empty:
		return // the common case: the app left nothing behind
	default:
	}
	sig := c.stopSignal
	if sig == 0 {
		sig = unix.SIGTERM
	}
	c.signalRemaining(sig)
	continueStopped()
	if c.waitEmpty(empty, c.cfg.Grace) {
		return
	}
	c.log.infof("processes still running %v after %s: sending SIGKILL", c.cfg.Grace, SignalName(sig))
	c.signalRemaining(unix.SIGKILL)
	if !c.waitEmpty(empty, 5*time.Second) {
		c.log.errorf("processes still running after SIGKILL; exiting anyway")
	}
}

// waitEmpty waits for no child to be left, at most d. Stop signals that
// arrive meanwhile cut the wait short; others are dropped, there is no app
// left to receive them.
func (c *container) waitEmpty(empty <-chan struct{}, d time.Duration) bool {
	deadline := time.After(d)
	for {
		select {
		case <-empty:
			return true
		case <-deadline:
			return false
		case s := <-early.Signals:
			if isStopSignal(s.(syscall.Signal)) {
				c.log.infof("%s while stopping: not waiting any longer", SignalName(s.(syscall.Signal)))
				return false
			}
		}
	}
}

// signalRemaining sends sig to every process below hookinit. As PID 1, kill(-1) reaches all processes of the
// namespace; as a subreaper, the descendants are found through /proc.
func (c *container) signalRemaining(sig syscall.Signal) {
	if os.Getpid() == 1 {
		if err := unix.Kill(-1, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			c.log.errorf("kill -%s -1: %v", SignalName(sig), err)
		}
		return
	}
	for _, pid := range descendants(os.Getpid()) {
		_ = unix.Kill(pid, sig) // ESRCH: it exited meanwhile
	}
}

// continueStopped sends SIGCONT to the stopped processes below hookinit: a
// stopped process acts on its SIGTERM only once it is continued, and would
// otherwise sit out the grace period and be killed. (As PID 1, every process
// of the namespace is below hookinit.) Processes that are not stopped get
// no SIGCONT: for a shell or an editor it means "you were resumed".
func continueStopped() {
	for _, pid := range descendants(os.Getpid()) {
		if stoppedOrStopping(pid) {
			_ = unix.Kill(pid, unix.SIGCONT) // ESRCH: it exited meanwhile
		}
	}
}

// stopSignals is the mask of SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU as
// /proc/PID/status shows pending signals (bit n-1 for signal n).
const stopSignals = 1<<(unix.SIGSTOP-1) | 1<<(unix.SIGTSTP-1) | 1<<(unix.SIGTTIN-1) | 1<<(unix.SIGTTOU-1)

// stoppedOrStopping reports whether pid is stopped or about to be. A stop
// signal sent just before the container stopped may still be pending, or
// be taken by a thread that is not the one /proc/PID/stat describes, with
// the others not stopped yet: continuing only what shows "T" there would
// leave such a process stopped, with its SIGTERM pending, for the whole
// grace. The kernel takes a stop signal and stops the taking thread under
// the lock that also guards the pending sets, so reading those first and
// every thread's state after misses no stop that was already sent.
func stoppedOrStopping(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		name, val, _ := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		switch name {
		case "State":
			if strings.HasPrefix(val, "T") {
				return true
			}
		case "SigPnd", "ShdPnd":
			if m, err := strconv.ParseUint(val, 16, 64); err == nil && m&stopSignals != 0 {
				return true
			}
		}
	}
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/stat")
	for _, t := range tasks {
		if b, err := os.ReadFile(t); err == nil {
			if f, ok := afterComm(string(b)); ok && f[0] == "T" {
				return true
			}
		}
	}
	return false
}

// descendants lists the processes below pid. The kernel's per-thread
// children lists are cheap; a full scan of /proc is the fallback for kernels
// built without them.
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		kids, ok := childrenOf(next)
		if !ok {
			return scanDescendants(pid)
		}
		out = append(out, kids...)
		queue = append(queue, kids...)
	}
	return out
}

// childrenOf reads /proc/PID/task/*/children: each thread has its own list.
func childrenOf(pid int) ([]int, bool) {
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	if err != nil || len(tasks) == 0 {
		_, statErr := os.Stat("/proc/" + strconv.Itoa(pid))
		return nil, statErr != nil // the process is gone: no children, not a missing feature
	}
	var kids []int
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if k, err := strconv.Atoi(f); err == nil {
				kids = append(kids, k)
			}
		}
	}
	return kids, true
}

// scanDescendants finds the processes below pid by reading every
// /proc/PID/stat.
func scanDescendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		out = append(out, children[next]...)
		queue = append(queue, children[next]...)
	}
	return out
}

// parentOf reads the parent pid from /proc/PID/stat.
func parentOf(pid int) (int, bool) {
	f, ok := statFields(pid)
	if !ok || len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// statFields are the fields of /proc/PID/stat after the command name, from
// the state on.
func statFields(pid int) ([]string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	return afterComm(string(b))
}

// afterComm splits a stat line after the command name, which may contain
// spaces and parentheses: the fields start after the last ')'.
func afterComm(stat string) ([]string, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(stat[i+1:])
	return f, len(f) > 0
}
