package hooks

import (
	"strconv"
	"strings"
	"syscall"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

// wait rewrites %N job specs and the pids $! gives into the
// interpreter's gN ids. In the main shell of a --script entrypoint that
// traps signals, a trapped signal ends the wait (see waitCmd).
func (h *hookRun) wait(hc interp.HandlerContext, args []string) ([]string, error) {
	if msg := unsupportedCall(append([]string{"wait"}, args...)); msg != "" {
		return nil, h.refuse(hc, msg)
	}
	next := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		next = next || args[0] != "--"
		stop := args[0] == "--"
		args = args[1:]
		if stop {
			break
		}
	}
	out := []string{"wait"}
	if next {
		out[0] = cmdWaitNext
	}
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "%"):
			g := jobSpec(hc.Env, a)
			if g == "" {
				return fail(127, "wait: "+a+": no such job"), nil
			}
			a = g
		case a != "" && a[0] >= '0' && a[0] <= '9':
			g := hc.Env.Get(varPidPrefix + a).String()
			if g == "" {
				return fail(127, "wait: pid "+a+" is not a child of this shell"), nil
			}
			a = g
		}
		out = append(out, a)
	}
	if !next {
		h.markReported(hc, out[1:])
	}
	if next {
		if len(args) == 0 {
			// Every job this shell started (the next one to end counts).
			n, _ := strconv.Atoi(hc.Env.Get(varNJobs).String())
			for i := 1; i <= n; i++ {
				out = append(out, hc.Env.Get(varPctPrefix+strconv.Itoa(i)).String())
			}
		}
		return out, nil
	}
	if h.isMain(hc) {
		h.mu.Lock()
		traps := len(h.scr.traps) > 0
		h.mu.Unlock()
		if traps {
			out[0] = cmdWait
		}
	}
	return out, nil
}

// jobSpec resolves %N, %% and %+ to the interpreter's gN id of that job.
func jobSpec(env expand.Environ, spec string) string {
	switch spec {
	case "%", "%%", "%+":
		return env.Get(varPctCur).String()
	}
	if _, err := strconv.Atoi(spec[1:]); err != nil {
		return ""
	}
	return env.Get(varPctPrefix + spec[1:]).String()
}

// bgStart allocates the token of a & job about to start; the job reads it
// from the variable it inherits (see cmdBgJob). "1" announces a job that
// runs one command, whose pid $! is to be. It returns the code that sets
// the variable.
func (h *hookRun) bgStart(args []string) string {
	j := &job{doneCh: make(chan struct{}), pidReady: make(chan struct{})}
	if len(args) == 0 || args[0] != "1" {
		j.pidSet = true
		close(j.pidReady)
	}
	h.mu.Lock()
	h.nextJob++
	tok := "j" + strconv.Itoa(h.nextJob)
	h.jobs[tok] = j
	h.mu.Unlock()
	return varNextJob + "=" + tok
}

// bgEnd runs in the parent right after a & job started: $! (gN) now names
// it. It records which token gN is, and gives the job its number for %N: as
// in a bash script, jobs are numbered in the order they start. $! becomes
// the pid of the job's command when the job runs one external command, as
// in bash, and stays gN otherwise (a job of several commands is no process
// here); kill and wait take either.
func (h *hookRun) bgEnd(hc interp.HandlerContext, args []string) []string {
	tok := hc.Env.Get(varNextJob).String()
	if len(args) == 0 || !strings.HasPrefix(args[0], "g") || tok == "" {
		return []string{":"}
	}
	g := args[0]
	h.mu.Lock()
	j := h.jobs[tok]
	h.mu.Unlock()
	bang := g
	pairs := []string{}
	if j != nil {
		// The job tells soon: it starts its command, or meets something
		// else first (a builtin, a function, a FIFO to open).
		select {
		case <-j.pidReady:
		case <-h.ctx.Done():
		}
		h.mu.Lock()
		if j.pidSet && j.pid > 0 {
			bang = strconv.Itoa(j.pid)
			pairs = append(pairs, varPidPrefix+bang, g)
		}
		if h.isMain(hc) {
			h.scr.mainJobs = append(h.scr.mainJobs, tok)
		}
		h.mu.Unlock()
	}
	n := h.nextJobNumber(hc)
	return assign(append(pairs, varBgPrefix+g[1:], tok, varPctPrefix+strconv.Itoa(n), g, varPctCur, g,
		varNJobs, strconv.Itoa(n), varBang, bang)...)
}

// nextJobNumber numbers a new & job as bash does: one more than the
// highest job still in the table, so that %1 names the new job once the
// first one was waited for (bash keeps an ended job until a wait collects
// it).
func (h *hookRun) nextJobNumber(hc interp.HandlerContext) int {
	n, _ := strconv.Atoi(hc.Env.Get(varNJobs).String())
	h.mu.Lock()
	defer h.mu.Unlock()
	for ; n > 0; n-- {
		g := hc.Env.Get(varPctPrefix + strconv.Itoa(n)).String()
		if !strings.HasPrefix(g, "g") {
			continue
		}
		if j := h.jobs[hc.Env.Get(varBgPrefix+g[1:]).String()]; j == nil || !j.done || !j.reported {
			break
		}
	}
	return n + 1
}

// newCopy is the code a copy of the shell starts with: it has no jobs
// (the interpreter numbers their gN afresh in it), and it is marked as a
// copy (see isMain).
func newCopy(hc interp.HandlerContext) string {
	names := []string{varNJobs, varPctCur}
	for name := range hc.Env.Each {
		if strings.HasPrefix(name, varPctPrefix) || strings.HasPrefix(name, varBgPrefix) || strings.HasPrefix(name, varPidPrefix) {
			names = append(names, name)
		}
	}
	return "unset " + strings.Join(names, " ") + "; " + varSub + "=1; "
}

// markReported notes that a wait collects the status of jobs, which
// wait -n then leaves out: those named (gN ids), or with none, as bash
// does, the jobs of this shell that are still running (one that ended
// before a bare wait is still there for wait -n).
func (h *hookRun) markReported(hc interp.HandlerContext, ids []string) {
	running := len(ids) == 0
	if running {
		n, _ := strconv.Atoi(hc.Env.Get(varNJobs).String())
		for i := 1; i <= n; i++ {
			ids = append(ids, hc.Env.Get(varPctPrefix+strconv.Itoa(i)).String())
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, g := range ids {
		if strings.HasPrefix(g, "g") {
			if j := h.jobs[hc.Env.Get(varBgPrefix+g[1:]).String()]; j != nil && !(running && j.done) {
				j.reported = true
			}
		}
	}
}

// job is one & job of a script: the process groups it started and whether
// it is over or was killed.
type job struct {
	pgids    map[int]bool
	done     bool
	doneCh   chan struct{} // closed when done
	reported bool          // a wait collected its status (see waitNext)
	killed   syscall.Signal
	// For $!: phase 1 once the job's one command is being run; pid is its
	// process, or 0 when it is none (pidSet, pidReady closed: known).
	phase    int
	pid      int
	pidSet   bool
	pidReady chan struct{}
}

// setPidLocked records what $! of the job is.
func (j *job) setPidLocked(pid int) {
	if !j.pidSet {
		j.pid, j.pidSet = pid, true
		close(j.pidReady)
	}
}

// jobCall follows a one-command job to its command, for $!: the call
// handler sees the command (marked by prepare) and knows whether it is a
// builtin or may be a function; anything that comes after it means it was
// not an external command.
func (h *hookRun) jobCall(tok string, hc interp.HandlerContext, name string) {
	main := hc.Env.Get(varMain).IsSet()
	noProc := strings.HasPrefix(name, privPrefix) || interp.IsBuiltin(name) || h.s.isFunc(name)
	h.mu.Lock()
	defer h.mu.Unlock()
	j := h.jobs[tok]
	if j == nil || j.pidSet {
		return
	}
	switch {
	case j.phase == 0 && main:
		j.phase = 1
		if noProc {
			j.setPidLocked(0)
		}
	case j.phase == 1:
		j.setPidLocked(0)
	}
}

// jobStarted records the first process of a one-command job's command.
func (h *hookRun) jobStarted(tok string, pid int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.jobs[tok]; j != nil && j.phase == 1 {
		j.setPidLocked(pid)
	}
}

// jobNoPid says a job's $! is not a pid after all: its command did not
// start, or the job is about to block (opening a FIFO) before it would.
func (h *hookRun) jobNoPid(tok string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.jobs[tok]; j != nil {
		j.setPidLocked(0)
	}
}

func (h *hookRun) jobKilled(tok string) syscall.Signal {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.jobs[tok]; j != nil {
		return j.killed
	}
	return 0
}

func (h *hookRun) jobDone(tok string) {
	h.mu.Lock()
	if j := h.jobs[tok]; j != nil && !j.done {
		j.done = true
		close(j.doneCh)
		j.setPidLocked(0)
	}
	h.mu.Unlock()
	h.maybeRetire()
}
