package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/interp"
)

// --script: hookinit interprets an existing docker-entrypoint.sh. What
// differs from running a hook:
//
//   - A top-level exec CMD ARG... (in the script's own shell, also inside
//     a function it calls, with the exec's redirections applied) stops the
//     script and hands CMD back to the caller, which starts it as the app.
//     The EXIT trap does not run, as with a real exec. An exec in ( ),
//     $( ), a pipeline or a & job runs CMD there, as in bash.
//   - The script reads hookinit's standard input; its & jobs read
//     /dev/null (a shell without job control does that).
//   - Its own shell may trap HUP, INT, QUIT, USR1, USR2, ALRM, TERM and
//     WINCH (trap cleanup EXIT INT TERM is common). A trapped signal goes
//     to the script, as it goes to bash as PID 1 (docker stop signals PID
//     1 only): its processes are not signalled, a wait returns 128+n at
//     once, and the action runs before the next command, once the
//     foreground command has ended; kill -SIG $$ gets there too. This was
//     checked against bash 5.2 as PID 1 (cmd/hookinit TestScriptTrap*).
//     An untrapped signal is relayed to the script's processes (where bash
//     as PID 1 would ignore it: that is what makes docker stop work while
//     the script runs a long command). Refused up front: trap '' SIG (the
//     commands would not inherit the ignored signal) and a signal trap set
//     in a copy of the shell (only the script's own shell gets signals).
//   - On hookinit's terminal, the foreground command gets the terminal
//     (see terminal).
//
// "Its own shell" (the main shell) is told from copies of it by private
// variables: a copy (( ), $( ), <( ), an element of a pipeline, a & job)
// starts by setting varSub, and & jobs carry their token (varJob).

// Handoff is what a top-level `exec CMD ARG…` hands back: the app to start.
type Handoff struct {
	// Args are CMD and its arguments, unresolved: the caller looks CMD up
	// in the PATH of Env. (RunScript has checked that it exists: a
	// command that is not found fails the script with 127 as in bash.)
	Args []string
	// Env is the environment the script built (its exported variables).
	Env []string
	// Dir is the script's working directory at the exec.
	Dir string
	// Umask is the script's umask.
	Umask int
	// Stdin, Stdout and Stderr are the streams after the exec's own
	// redirections and those of earlier "exec >FILE"s; nil means
	// hookinit's own (ShellOptions.Stdin, Stdout, Stderr). The files that
	// are not nil belong to the Handoff: Close them once the app started.
	Stdin, Stdout, Stderr *os.File
}

// Close closes the files the Handoff holds.
func (ho *Handoff) Close() error {
	var errs []error
	for _, f := range []*os.File{ho.Stdin, ho.Stdout, ho.Stderr} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}

// errHandoff stops the interpreter at a top-level exec.
var errHandoff = errors.New("exec: handing off to the app")

// scriptState is what RunScript keeps about its script's main shell,
// under hookRun.mu.
type scriptState struct {
	traps    map[syscall.Signal]string // the main shell's signal traps
	pending  []syscall.Signal          // trapped signals whose action has not run
	inTrap   bool                      // an action is running: others wait
	trapDone bool                      // the running action reached its end
	wake     chan struct{}             // closed (and replaced) when a trapped signal arrives
	mainJobs []string                  // tokens of the & jobs the main shell started
	handoff  *Handoff
	// interrupt is the untrapped Ctrl-C (SIGINT) or Ctrl-\ (SIGQUIT) typed
	// on the script's terminal, which ends the script; unwound is set once
	// it has, so that the EXIT trap can run, as bash runs it.
	interrupt syscall.Signal
	unwound   bool
}

// terminal is the terminal a --script entrypoint runs on, when hookinit's
// standard input is one and hookinit's process group is in its
// foreground (docker run -it). Under bash every command would share that
// foreground group; here each command has a group of its own, so the
// command that runs in the foreground (not in a & job) gets the terminal
// and hookinit takes it back when the command is over: the app must find
// hookinit in the foreground to be given the terminal after the hand-off.
type terminal struct {
	mu  sync.Mutex
	fg  []int // the groups of the foreground commands running, in start order
	own int   // hookinit's process group
}

// scriptTerminal returns the terminal of a script reading in, or nil.
func scriptTerminal(in *os.File) *terminal {
	if in != os.Stdin || !isTerminal(in) {
		return nil
	}
	fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	if err != nil || fg != unix.Getpgrp() || fg == 0 {
		// Not in the foreground, or hookinit's group is outside its PID
		// namespace (0): it could not take the terminal back.
		return nil
	}
	return &terminal{own: fg}
}

// started and ended keep the foreground with the last foreground command
// still running, else with hookinit.
func (tm *terminal) started(pgid int) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.fg = append(tm.fg, pgid)
	tm.setLocked()
}

func (tm *terminal) ended(pgid int) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	tm.fg = slices.DeleteFunc(tm.fg, func(p int) bool { return p == pgid })
	tm.setLocked()
}

func (tm *terminal) setLocked() {
	pgrp := tm.own
	if len(tm.fg) > 0 {
		pgrp = tm.fg[len(tm.fg)-1]
	}
	// From a background group, TIOCSPGRP would stop hookinit with SIGTTOU
	// (or, the signal being caught, fail and retry forever); blocked on
	// this thread, the kernel lets it through and sends nothing.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var ttou, old unix.Sigset_t
	ttou.Val[0] = 1 << (unix.SIGTTOU - 1)
	if unix.PthreadSigmask(unix.SIG_BLOCK, &ttou, &old) != nil {
		return
	}
	_ = unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, pgrp)
	_ = unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
}

func (st *scriptState) init() {
	st.traps = map[syscall.Signal]string{}
	st.wake = make(chan struct{})
}

// RunScript interprets path as a docker-entrypoint.sh: $0 is path, "$@"
// are args. It starts with the environment, directory and umask the
// *.envsh hooks sourced so far left, and with hookinit's standard streams.
//
// It returns (h, 0, nil) when a top-level exec handed off: the script's &
// jobs keep running, supervised like a hook's, and Signal and Close reach
// them. It returns (nil, status, nil) when the script ended without exec
// (its status, after its EXIT trap), and (nil, 2, *ProblemsError) when the
// script uses a construct the embedded shell does not support (nothing
// ran); a construct met only at run time (eval'd code) stops it there with
// status 2 and an error. When ctx is cancelled, no new command starts,
// the script's processes get SIGTERM (unless ShellOptions.CallerStops),
// and RunScript returns once the foreground command has ended, with an
// error wrapping ctx.Err().
func (s *Shell) RunScript(ctx context.Context, path string, args []string) (*Handoff, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 1, fmt.Errorf("hooks: %s: %w", path, err)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		code := 126
		if errors.Is(err, fs.ErrNotExist) {
			code = 127
		}
		return nil, code, fmt.Errorf("hooks: %s: %w", path, err)
	}
	f, probs := checkAs(path, src, modeScript, true)
	if len(probs) > 0 {
		return nil, 2, &ProblemsError{Path: path, Problems: probs}
	}
	flags, _ := shebangFlags(src)
	s.prepare(f, prep{mode: modeScript, entry: true, file: path, top: true})
	h, err := s.newRun(path, true)
	if err != nil {
		return nil, 1, err
	}
	stopWatch := context.AfterFunc(ctx, h.stop)
	var code int
	r, err := s.newRunner(s.Environ(), s.Umask(), s.Dir(), h.stdin, h.tout, h.terr,
		append(append(flags, "--"), args...))
	if err != nil {
		code, err = 1, fmt.Errorf("hooks: %s: %w", path, err)
	} else {
		code, err = guard(path, func() (int, error) { return s.runMain(h.ctx, r, f, h) })
	}
	stopWatch()
	h.finish()
	h.mu.Lock()
	ho := h.scr.handoff
	h.mu.Unlock()
	if ho != nil {
		return ho, 0, nil
	}
	if cerr := ctx.Err(); cerr != nil && h.isStopping() {
		return nil, code, fmt.Errorf("hooks: %s: %w", path, cerr)
	}
	if rerr := h.refusedErr(); rerr != nil {
		return nil, 2, rerr
	}
	if sig := h.interrupted(); sig != 0 {
		return nil, 128 + int(sig), nil
	}
	return nil, code, err
}

// isMain reports whether a handler runs for the main shell of a --script
// entrypoint, not for a copy of it.
func (h *hookRun) isMain(hc interp.HandlerContext) bool {
	return h.script && !hc.Env.Get(varSub).IsSet() && hc.Env.Get(varJob).String() == ""
}

// trapSignal hands sig to the script's trap, if its main shell has one
// and is still running: the action is run before the next command, a
// wait returns at once.
func (h *hookRun) trapSignal(sig syscall.Signal) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.script || !h.running || h.scr.handoff != nil {
		return false
	}
	if _, ok := h.scr.traps[sig]; !ok {
		return false
	}
	if !slices.Contains(h.scr.pending, sig) {
		h.scr.pending = append(h.scr.pending, sig)
	}
	h.wakeLocked()
	return true
}

// wakeWaiters ends an interruptible wait (the run is stopping).
func (h *hookRun) wakeWaiters() {
	h.mu.Lock()
	h.wakeLocked()
	h.mu.Unlock()
}

func (h *hookRun) wakeLocked() {
	if h.scr.wake != nil {
		close(h.scr.wake)
		h.scr.wake = make(chan struct{})
	}
}

// setSignalTrap sets (or resets) the action of a signal trap of the
// script's own shell.
func (h *hookRun) setSignalTrap(sig syscall.Signal, action string, set bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set {
		h.scr.traps[sig] = action
		return
	}
	delete(h.scr.traps, sig)
	h.scr.pending = slices.DeleteFunc(h.scr.pending, func(p syscall.Signal) bool { return p == sig })
}

// printSignalTraps prints the script's signal traps as bash's trap does.
func (h *hookRun) printSignalTraps(w io.Writer) {
	h.mu.Lock()
	sigs := make([]syscall.Signal, 0, len(h.scr.traps))
	for sig := range h.scr.traps {
		sigs = append(sigs, sig)
	}
	slices.Sort(sigs)
	lines := make([]string, len(sigs))
	for i, sig := range sigs {
		lines[i] = fmt.Sprintf("trap -- %s SIG%s\n", printQuote(h.scr.traps[sig]), signalName(sig))
	}
	h.mu.Unlock()
	for _, l := range lines {
		_, _ = io.WriteString(w, l)
	}
}

// trapsDue reports whether pending signal traps must run before the
// command the call handler sees: in the main shell, for a command of the
// script (not hookinit's bookkeeping), unless the command has redirections
// of its own, which bash would set up only after running the trap.
func (h *hookRun) trapsDue(hc interp.HandlerContext, name string) bool {
	if strings.HasPrefix(name, privPrefix) && name != cmdTrapCheck || hc.Env.Get(varRedir).IsSet() || !h.isMain(hc) {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.scr.pending) > 0 && !h.scr.inTrap
}

// takePending returns the pending trap actions, and marks them running.
func (h *hookRun) takePending() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var actions []string
	for _, sig := range h.scr.pending {
		if a, ok := h.scr.traps[sig]; ok {
			actions = append(actions, a)
		}
	}
	h.scr.pending = nil
	h.scr.inTrap = len(actions) > 0
	return actions
}

func (h *hookRun) endTrap() {
	h.mu.Lock()
	h.scr.inTrap = false
	h.mu.Unlock()
}

// runTrapsThen runs the pending trap actions in the shell, then the
// command (args, as the call handler rewrote it) with $? as it was before
// the actions, as bash does. An action that exits (or fails under set -e)
// ends the script there.
func (h *hookRun) runTrapsThen(ctx context.Context, hc interp.HandlerContext, args []string) error {
	status := hc.LastExitStatus
	actions := h.takePending()
	for _, a := range actions {
		code, err := h.eval(hc, []string{a + "\n" + cmdTrapDone})
		if err != nil {
			h.endTrap()
			return err
		}
		h.mu.Lock()
		h.scr.trapDone = false
		h.mu.Unlock()
		err = hc.Builtin(ctx, code)
		h.mu.Lock()
		done := h.scr.trapDone
		h.mu.Unlock()
		if !done {
			h.endTrap()
			return err
		}
	}
	h.endTrap()
	if len(actions) > 0 {
		_ = hc.Builtin(ctx, []string{"eval", varStatus + "=" + strconv.Itoa(status) + "; " + cmdStatus + " && :"})
	}
	return h.dispatch(ctx, hc, args)
}

// dispatch runs a command from the exec handler as the interpreter would
// have: hookinit's own commands, builtins, functions, then external
// commands.
func (h *hookRun) dispatch(ctx context.Context, hc interp.HandlerContext, args []string) error {
	if err, ok := h.builtinCall(ctx, hc, args); ok {
		return err
	}
	if interp.IsBuiltin(args[0]) {
		return hc.Builtin(ctx, args)
	}
	if h.s.isFunc(args[0]) {
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = shellQuote(a)
		}
		return hc.Builtin(ctx, []string{"eval", strings.Join(quoted, " ")})
	}
	return h.execExternal(ctx, hc, args)
}

// runEndTraps runs the trap actions still pending when the script reached
// its end, as bash runs them before exiting; code is the script's status.
// It returns the status and whether an action exited.
func (s *Shell) runEndTraps(ctx context.Context, h *hookRun, r *interp.Runner, code int) (int, bool, error) {
	actions := h.takePending()
	defer h.endTrap()
	for _, a := range actions {
		f, probs := checkAs("trap action", []byte(a), modeDotted, true)
		if len(probs) > 0 {
			return 2, true, &ProblemsError{Path: h.path, Problems: probs}
		}
		s.prepare(f, prep{mode: modeDotted, entry: true, file: currentFile(r.Env)})
		tcode, err := exitOf(r.Run(ctx, f))
		if err != nil || r.Exited() {
			return tcode, true, err
		}
	}
	if len(actions) > 0 {
		// $? as it was, for the EXIT trap.
		f, _ := newParser().Parse(strings.NewReader(varStatus+"="+strconv.Itoa(code)+"; "+cmdStatus+" && :"), "")
		_ = r.Run(ctx, f)
	}
	return code, false, nil
}

// handoffExec is a top-level exec CMD ARG...: it records the hand-off and
// stops the interpreter. A CMD that is not found fails like bash's exec:
// a message, then the script exits with 127 (its EXIT trap runs).
func (h *hookRun) handoffExec(ctx context.Context, hc interp.HandlerContext, args []string) error {
	if len(args) == 0 {
		return hc.Builtin(ctx, []string{"exec"})
	}
	if _, code, msg := lookCommand(hc, args[0]); code == 127 {
		if !strings.Contains(args[0], "/") {
			msg = "exec: " + args[0] + ": not found"
		}
		fmt.Fprintf(hc.Stderr, "%s: line %d: %s\n", h.path, hc.Pos.Line(), msg)
		return hc.Builtin(ctx, []string{"exit", "127"})
	}
	ho := &Handoff{
		Args:  slices.Clone(args),
		Env:   execEnv(hc.Env),
		Dir:   hc.Dir,
		Umask: h.umaskOf(hc.Env),
	}
	var err error
	in, _ := hc.Stdin.(*os.File)
	if ho.Stdin, err = handoffFile(in, h.stdin); err == nil {
		if ho.Stdout, err = handoffFile(hc.Stdout, h.stdout); err == nil {
			ho.Stderr, err = handoffFile(hc.Stderr, h.stderr)
		}
	}
	if err != nil {
		_ = ho.Close()
		fmt.Fprintf(hc.Stderr, "%s: line %d: exec: %s: %v\n", h.path, hc.Pos.Line(), args[0], err)
		return hc.Builtin(ctx, []string{"exit", "126"})
	}
	h.mu.Lock()
	h.scr.handoff = ho
	h.mu.Unlock()
	return errHandoff
}

// handoffFile returns the file the app gets for a stream: nil when it is
// hookinit's own, else a duplicate that outlives the interpreter's
// redirection (which closes its file when the statement ends).
func handoffFile(w any, own *os.File) (*os.File, error) {
	if w == nil {
		// A closed stream; refused by the checks, the app gets /dev/null.
		return os.Open(os.DevNull)
	}
	if o, ok := w.(io.Writer); ok {
		w = unwrapOutput(o)
	}
	f, ok := w.(*os.File)
	if !ok {
		if w == io.Discard {
			return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		}
		return nil, fmt.Errorf("cannot hand a %T to the app", w)
	}
	if f == own {
		return nil, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	if err := rc.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

// waitCmd is the wait builtin of a main shell that traps signals: it
// returns 128+n as soon as trapped signal n arrives (the action runs before
// the next command), as in bash; otherwise the interpreter's wait collects
// the statuses once the jobs are over. args are gN ids.
func (h *hookRun) waitCmd(ctx context.Context, hc interp.HandlerContext, args []string) error {
	var toks []string
	for _, a := range args {
		if strings.HasPrefix(a, "g") {
			if tok := hc.Env.Get(varBgPrefix + a[1:]).String(); tok != "" {
				toks = append(toks, tok)
			}
		}
	}
	h.mu.Lock()
	if len(args) == 0 {
		toks = slices.Clone(h.scr.mainJobs)
	}
	h.mu.Unlock()
	for {
		h.mu.Lock()
		if len(h.scr.pending) > 0 && !h.scr.inTrap {
			sig := h.scr.pending[0]
			h.mu.Unlock()
			return exitStatus(128 + int(sig))
		}
		wake := h.scr.wake
		var next chan struct{}
		for _, tok := range toks {
			if j := h.jobs[tok]; j != nil && !j.done {
				next = j.doneCh
				break
			}
		}
		stopping := h.stopping
		h.mu.Unlock()
		if next == nil || stopping {
			break
		}
		select {
		case <-next:
		case <-wake:
		case <-ctx.Done():
		}
	}
	return hc.Builtin(ctx, append([]string{"wait"}, args...))
}

// waitNext is wait -n: it returns the status of the first of the jobs
// (gN ids) that ended and was not waited for yet, as bash 5.2 does in a
// script, else waits for the next one to end; 127 when there is none. In
// the main shell of an entrypoint, a trapped signal ends it with 128+n.
func (h *hookRun) waitNext(ctx context.Context, hc interp.HandlerContext, ids []string) error {
	type cand struct {
		g string
		j *job
	}
	var cands []cand
	h.mu.Lock()
	for _, g := range ids {
		if !strings.HasPrefix(g, "g") {
			continue
		}
		if j := h.jobs[hc.Env.Get(varBgPrefix+g[1:]).String()]; j != nil && !j.reported {
			cands = append(cands, cand{g, j})
		}
	}
	h.mu.Unlock()
	if len(cands) == 0 {
		return exitStatus(127)
	}
	main := h.isMain(hc)
	for {
		h.mu.Lock()
		if main && len(h.scr.pending) > 0 && !h.scr.inTrap {
			sig := h.scr.pending[0]
			h.mu.Unlock()
			return exitStatus(128 + int(sig))
		}
		for _, c := range cands {
			if c.j.done {
				c.j.reported = true
				h.mu.Unlock()
				return hc.Builtin(ctx, []string{"wait", c.g})
			}
		}
		wake := h.scr.wake
		stopping := h.stopping
		h.mu.Unlock()
		if stopping {
			return h.stoppingErr()
		}
		cases := make([]reflect.SelectCase, 0, len(cands)+2)
		for _, c := range cands {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c.j.doneCh)})
		}
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
		if wake != nil {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(wake)})
		}
		reflect.Select(cases)
	}
}

// terminalSignal handles the death of a foreground command by SIGINT or
// SIGQUIT, typed on the script's terminal: the terminal sent it to the
// command's process group, which under bash would also hold bash itself.
// As bash does, a trap on the signal runs before the next command, and
// without one the script ends, with 128+n, at once.
func (h *hookRun) terminalSignal(sig syscall.Signal) error {
	if h.trapSignal(sig) {
		return nil
	}
	h.mu.Lock()
	if h.scr.interrupt == 0 {
		h.scr.interrupt = sig
	}
	h.scr.unwound = false // a second one, in the EXIT trap, ends that too
	h.mu.Unlock()
	return h.interruptedErr()
}

// interruptedErr is the error that ends every shell of an interrupted
// script (its $(...) and pipelines too), or nil.
func (h *hookRun) interruptedErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.scr.interrupt == 0 || h.scr.unwound {
		return nil
	}
	return interruptError{h.scr.interrupt}
}

// interrupted returns the signal that ended the script on its terminal, or
// 0.
func (h *hookRun) interrupted() syscall.Signal {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.scr.interrupt
}

// unwind lets an interrupted script's EXIT trap run.
func (h *hookRun) unwind() {
	h.mu.Lock()
	h.scr.unwound = true
	h.mu.Unlock()
}

// interruptError halts the interpreter of a script interrupted on its
// terminal; RunScript turns it into the exit code 128+n.
type interruptError struct{ sig syscall.Signal }

func (e interruptError) Error() string {
	return fmt.Sprintf("hooks: interrupted by %s on the terminal", unix.SignalName(e.sig))
}
