package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/pattern"
	"mvdan.cc/sh/v3/syntax"
)

// ShellOptions configure the embedded shell that runs hooks.
type ShellOptions struct {
	// Env is the starting environment ("K=V"), which *.envsh hooks extend.
	Env []string
	// Dir is the working directory of hooks; "" is hookinit's own.
	Dir string
	// Stdout and Stderr receive what hooks write; nil means hookinit's
	// own standard output and error.
	Stdout, Stderr *os.File
	// LogPrefix prefixes every line a hook writes, on both streams, with
	// "[name] ", name being the hook's file name.
	LogPrefix bool
	// Logf, if set, receives hookinit's -v lines (format without newline).
	Logf func(format string, args ...any)
	// Args are the positional parameters ("$@") a sourced *.envsh hook
	// sees: docker-entrypoint.sh sources them with its own arguments, the
	// app's command line.
	Args []string
	// Stdin is the standard input of a script run by RunScript (hooks
	// always read /dev/null); nil means hookinit's own standard input.
	Stdin *os.File
	// CallerStops says that the caller signals every process itself when
	// it stops the container: a cancelled ctx and Close then only keep new
	// commands from starting (and Run and RunScript return once their
	// processes are gone), and send no signal. By default they send
	// SIGTERM to every process group a hook started.
	CallerStops bool
}

// Shell runs hooks with the embedded shell (mvdan.cc/sh), starting every
// process through a Starter so that the runner's one reaper collects every
// exit. It keeps the state that *.envsh hooks build up (variables, working
// directory, umask) for later hooks and for the app. Run may be called
// concurrently (background hooks); *.envsh hooks are run one at a time.
type Shell struct {
	st        Starter
	o         ShellOptions
	procUmask int      // hookinit's own umask, which created files get by default
	hostname  string   // bash reads it once, as it starts
	devnull   *os.File // hooks' standard input
	outMu     sync.Mutex

	srcMu sync.Mutex     // one *.envsh at a time: they share src
	src   *interp.Runner // the shell *.envsh hooks are sourced into; nil before the first

	mu    sync.Mutex
	env   []string // what later hooks and the app get
	dir   string
	umask int
	runs  map[*hookRun]bool // runs with something still running
	// prefixers are the --log-prefix pipes whose reader has not ended:
	// Flush waits for them.
	prefixers map[*prefixer]bool
	closed    bool
	virt      map[string]string // rewritten sourced files, by the name given to "."
	nvirt     int
	funcs     map[string]bool // names of the functions declared in prepared code
	files     []string        // file names for BASH_SOURCE, by index (see fileIndex)
	fileIx    map[string]int
}

// NewShell returns a Shell that starts processes with st.
func NewShell(st Starter, o ShellOptions) *Shell {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	s := &Shell{
		st:        st,
		o:         o,
		procUmask: processUmask(),
		env:       slices.Clone(o.Env),
		dir:       o.Dir,
		runs:      map[*hookRun]bool{},
		prefixers: map[*prefixer]bool{},
		virt:      map[string]string{},
	}
	s.umask = s.procUmask
	s.hostname, _ = os.Hostname()
	if f, err := os.Open(os.DevNull); err == nil {
		s.devnull = f
	}
	return s
}

// Environ returns the environment after all *.envsh hooks sourced so far:
// the exported variables, which is what a shell that sourced them and then
// exec'd the app would pass on.
func (s *Shell) Environ() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.env)
}

// Dir returns the working directory after the *.envsh hooks sourced so
// far (one may cd): the app's working directory.
func (s *Shell) Dir() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dir
}

// Umask returns the umask after the *.envsh hooks sourced so far (one may
// run umask): the app's umask.
func (s *Shell) Umask() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.umask
}

// Signal relays sig. While a script started by RunScript exists (running,
// or its & jobs after a hand-off), it stands for the app: sig goes to its
// process groups only (its foreground command and its & jobs), not to
// hooks'. Otherwise it goes to every process group a hook started that is
// still running, including what background jobs of finished hooks left
// running. A process being started while Signal runs gets it as soon as it
// exists. SIGINT and SIGQUIT do not reach & jobs: a shell without job
// control starts them with both ignored.
//
// A running script that set a trap on sig (trap ACTION TERM) gets the
// signal instead of its processes, as bash as PID 1 does: its processes
// are not signalled, a wait builtin it is blocked in returns 128+sig at
// once, and the action runs before the script's next command (once the
// running foreground command has ended). Signal reports whether such a
// trap took the signal; the caller then leaves stopping to the script.
func (s *Shell) Signal(sig syscall.Signal) (trapped bool) {
	runs := s.signalTargets()
	for _, h := range runs {
		if h.trapSignal(sig) {
			trapped = true
			continue
		}
		h.signal(sig)
	}
	return trapped
}

// Traps reports whether a running script has a trap on sig, which Signal
// would run: a caller that stops the container itself on an untrapped
// stop signal asks first, and signals each process once.
func (s *Shell) Traps(sig syscall.Signal) bool {
	for _, h := range s.signalTargets() {
		h.mu.Lock()
		_, ok := h.scr.traps[sig]
		ok = ok && h.script && h.running && h.scr.handoff == nil
		h.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// signalTargets are the runs Signal reaches: the scripts if any, else all.
func (s *Shell) signalTargets() []*hookRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	var scripts, all []*hookRun
	for h := range s.runs {
		all = append(all, h)
		if h.script {
			scripts = append(scripts, h)
		}
	}
	if len(scripts) > 0 {
		return scripts
	}
	return all
}

// Close stops what hooks left running in the background: their & jobs
// start nothing more and, unless ShellOptions.CallerStops is set, their
// processes get SIGTERM. It returns once no process is being started, so
// that a caller signalling every process afterwards misses none. Run
// refuses to run hooks afterwards. The runner calls it when the container
// stops.
func (s *Shell) Close() {
	s.mu.Lock()
	s.closed = true
	runs := slices.Collect(maps.Keys(s.runs))
	s.mu.Unlock()
	for _, h := range runs {
		h.stop()
	}
	for _, h := range runs {
		h.waitStarts()
	}
}

func (s *Shell) logf(format string, args ...any) {
	if s.o.Logf != nil {
		s.o.Logf(format, args...)
	}
}

// Run runs one hook to completion and returns its exit code: 0..255, or
// 128+n if signal n killed it. kind says how: Source sources a *.envsh
// file into the shell's environment, Interpret runs a *.sh file in a fresh
// shell, Execute starts the file itself.
//
// A hook using a construct the embedded shell does not support is not run
// (code 2, and the error lists the problems with line and column); one met
// only at run time (in eval'd code) stops the hook there, with the same
// code. When ctx is cancelled, every process group the hook started gets
// SIGTERM, no new command starts, and Run returns once its processes have
// exited (the runner kills what does not), with an error wrapping
// ctx.Err(). Processes a hook leaves running in the background keep
// running after Run returns, as they would after a real shell exits;
// Signal and Close reach them.
func (s *Shell) Run(ctx context.Context, path string, kind Kind) (int, error) {
	return s.run(ctx, path, kind, nil)
}

// RunHook runs a hook of a Plan as Run runs its file. Its first run uses
// the script as Discover read and checked it, so that what was checked is
// what runs and the file is not parsed twice; later runs (a background
// hook's restarts) read the file again.
func (s *Shell) RunHook(ctx context.Context, h Hook) (int, error) {
	return s.run(ctx, h.Path, h.Kind, h.checked)
}

func (s *Shell) run(ctx context.Context, path string, kind Kind, checked *checkedScript) (int, error) {
	if err := ctx.Err(); err != nil {
		return 1, fmt.Errorf("hooks: %s: %w", path, err)
	}
	var f *syntax.File
	var flags []string
	switch kind {
	case Source, Interpret:
		var code int
		var err error
		if f, flags, code, err = s.loadScript(path, kind, checked); err != nil {
			return code, err
		}
	case Execute:
	default:
		return 2, fmt.Errorf("hooks: %s: a %s hook does not run", path, kind)
	}
	h, err := s.newRun(path, false)
	if err != nil {
		return 1, err
	}
	stopWatch := context.AfterFunc(ctx, h.stop)
	code, err := guard(path, func() (int, error) {
		switch kind {
		case Source:
			return s.runSource(h, f)
		case Interpret:
			return s.runInterpret(h, f, flags)
		}
		return s.runExecute(h)
	})
	stopWatch()
	h.finish()
	if cerr := ctx.Err(); cerr != nil && h.isStopping() {
		return code, fmt.Errorf("hooks: %s: %w", path, cerr)
	}
	if rerr := h.refusedErr(); rerr != nil {
		return 2, rerr
	}
	return code, err
}

// guard runs a hook, turning a panic into the hook's failure: a bug in the
// embedded shell, or below it, must fail that hook and not take PID 1 down
// with the whole container. (A panic in a goroutine the interpreter starts
// for a pipeline or a & job cannot be caught here.)
func guard(path string, run func() (int, error)) (code int, err error) {
	defer func() {
		if p := recover(); p != nil {
			code, err = 2, fmt.Errorf("hooks: %s: internal error in the embedded shell: %v", path, p)
		}
	}()
	return run()
}

// loadScript returns a *.sh or *.envsh hook ready to run: checked's tree
// if it has one left, else the file read and checked now. On error, the
// code is the hook's: 126 for a file it cannot read, 2 for problems.
func (s *Shell) loadScript(path string, kind Kind, checked *checkedScript) (*syntax.File, []string, int, error) {
	mode := modeScript
	if kind == Source {
		mode = modeEnvsh
	}
	f, flags := checked.take()
	if f == nil {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, 126, fmt.Errorf("hooks: %s: %w", path, err)
		}
		var probs []Problem
		if f, probs = checkAs(path, src, mode, false); len(probs) > 0 {
			return nil, nil, 2, &ProblemsError{Path: path, Problems: probs}
		}
		flags, _ = shebangFlags(src)
	}
	if kind == Source {
		flags = nil // a sourced file's #! line means nothing
	}
	s.prepare(f, prep{mode: mode, file: path, top: true})
	return f, flags, 0, nil
}

// ProblemsError is why a hook was not run: what checkScript found in it.
type ProblemsError struct {
	Path     string
	Problems []Problem
}

// Error lists the problems, one per line, each with its position.
func (e *ProblemsError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return fmt.Sprintf("hooks: %s: not run:\n  %s", e.Path, strings.Join(msgs, "\n  "))
}

// runSource sources a *.envsh hook into the shell the later hooks and the
// app take their environment from. The file runs as the body of a
// function, which gives "return" the meaning it has in a sourced file.
func (s *Shell) runSource(h *hookRun, f *syntax.File) (int, error) {
	s.srcMu.Lock()
	defer s.srcMu.Unlock()
	if s.src == nil {
		r, err := s.newRunner(s.Environ(), s.Umask(), s.Dir(), h.stdin, h.tout, h.terr, append([]string{"--"}, s.o.Args...))
		if err != nil {
			return 1, fmt.Errorf("hooks: %s: %w", h.path, err)
		}
		s.src = r
	}
	if err := interp.StdIO(stdinReader(h.stdin), h.tout, h.terr)(s.src); err != nil {
		return 1, fmt.Errorf("hooks: %s: %w", h.path, err)
	}
	body := &syntax.Stmt{Cmd: &syntax.Block{Stmts: f.Stmts}}
	wrapper := &syntax.File{Name: h.path, Stmts: []*syntax.Stmt{
		{Cmd: &syntax.FuncDecl{Name: &syntax.Lit{Value: fnSource}, Body: body}},
		callStmt(litWord(fnSource), allParams()),
	}}
	code, err := exitOf(s.src.Run(h.ctx, wrapper))
	s.mu.Lock()
	s.env = envFromVars(s.src.Vars, s.env)
	s.dir = s.src.Dir
	if v := s.src.Vars[varUmask]; v.IsSet() {
		if m, perr := strconv.ParseUint(v.String(), 8, 32); perr == nil {
			s.umask = int(m)
		}
	}
	s.mu.Unlock()
	return code, err
}

// runInterpret runs a *.sh hook in a fresh shell with the current
// environment: its variables do not leak, $0 is its path, and the options
// on its #! line apply.
func (s *Shell) runInterpret(h *hookRun, f *syntax.File, flags []string) (int, error) {
	r, err := s.newRunner(s.Environ(), s.Umask(), s.Dir(), h.stdin, h.tout, h.terr, append(flags, "--"))
	if err != nil {
		return 1, fmt.Errorf("hooks: %s: %w", h.path, err)
	}
	return s.runMain(h.ctx, r, f, nil)
}

// runExecute starts a hook file directly.
func (s *Shell) runExecute(h *hookRun) (int, error) {
	cmd := &Command{
		Path:   h.path,
		Args:   []string{h.path},
		Env:    s.Environ(),
		Dir:    s.Dir(),
		Stdin:  h.stdin,
		Stdout: h.stdout,
		Stderr: h.stderr,
		Umask:  s.Umask(),
	}
	p, err := h.start(cmd, "")
	if err != nil {
		code := 126
		if errors.Is(err, syscall.ENOENT) {
			code = 127
		}
		return code, fmt.Errorf("hooks: %s: %w", h.path, err)
	}
	<-p.Done()
	h.forget(p, "")
	return p.ExitCode(), nil
}

// runMain runs a script to its end, then its EXIT trap (if it set one and
// was not cancelled), where an exit sets the final status as in bash. For
// a --script entrypoint (main is its run), signal traps still pending at
// the end run first, and a hand-off ends it without the EXIT trap.
func (s *Shell) runMain(ctx context.Context, r *interp.Runner, f *syntax.File, main *hookRun) (int, error) {
	code, err := exitOf(r.Run(ctx, f))
	if err != nil || ctx.Err() != nil {
		return code, err
	}
	if main != nil && !r.Exited() {
		var exited bool
		if code, exited, err = s.runEndTraps(ctx, main, r, code); exited || err != nil {
			return code, err
		}
	}
	cb := r.Vars[varExitTrap]
	if !cb.IsSet() || cb.String() == "" {
		return code, nil
	}
	tf, probs := checkAs("EXIT trap", []byte(cb.String()), modeDotted, main != nil)
	if len(probs) > 0 {
		// trap checked the action when it was set; this cannot happen.
		return 2, &ProblemsError{Path: "EXIT trap", Problems: probs}
	}
	s.prepare(tf, prep{mode: modeDotted, entry: main != nil, file: f.Name})
	tcode, terr := exitOf(r.Run(ctx, tf))
	if terr != nil {
		return tcode, terr
	}
	if r.Exited() {
		return tcode, nil
	}
	return code, nil
}

// exitOf splits what Runner.Run returns into an exit code and an error
// that stopped the script (a refused construct, cancellation).
func exitOf(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var es interp.ExitStatus
	if errors.As(err, &es) {
		return int(es), nil
	}
	var ue *unsupportedError
	if errors.As(err, &ue) {
		return 2, err
	}
	return 1, err
}

// newRunner creates an interpreter with hookinit's handlers.
func (s *Shell) newRunner(env []string, umask int, dir string, stdin io.Reader, stdout, stderr io.Writer, params []string) (*interp.Runner, error) {
	return interp.New(
		interp.Env(privEnviron{expand.ListEnviron(env...), fmt.Sprintf("%04o", umask), s.hostname}),
		interp.Dir(dir),
		interp.StdIO(stdinReader(stdin), stdout, stderr),
		interp.CallHandler(s.callHandler),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return s.execHandler }),
		interp.OpenHandler(s.openHandler),
		interp.Params(params...),
	)
}

// stdinReader avoids handing the interpreter a typed nil.
func stdinReader(r io.Reader) io.Reader {
	if f, ok := r.(*os.File); ok && f == nil {
		return nil
	}
	return r
}

// privEnviron is a starting environment plus the umask, which a new shell
// inherits like a variable that is not exported.
type privEnviron struct {
	expand.Environ
	umask    string
	hostname string // for HOSTNAME, read when the Shell was made
}

// Get returns a variable: the umask and HOSTNAME come from here, the rest
// from the environment.
func (e privEnviron) Get(name string) expand.Variable {
	switch name {
	case varUmask:
		return expand.Variable{Set: true, Kind: expand.String, Str: e.umask}
	case "HOSTNAME":
		// bash sets it (not exported) when the environment has none.
		if v := e.Environ.Get(name); v.IsSet() {
			return v
		}
		if e.hostname != "" {
			return expand.Variable{Set: true, Kind: expand.String, Str: e.hostname}
		}
	}
	return e.Environ.Get(name)
}

// Each lists the variables Get knows.
func (e privEnviron) Each(f func(name string, vr expand.Variable) bool) {
	if !f(varUmask, e.Get(varUmask)) {
		return
	}
	if !e.Environ.Get("HOSTNAME").IsSet() {
		if v := e.Get("HOSTNAME"); v.IsSet() && !f("HOSTNAME", v) {
			return
		}
	}
	e.Environ.Each(f)
}

// envFromVars computes the exported environment from a shell's variables,
// keeping the order of the previous environment.
func envFromVars(vars map[string]expand.Variable, prev []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, kv := range prev {
		name, _, _ := strings.Cut(kv, "=")
		if seen[name] {
			continue
		}
		seen[name] = true
		if vr, ok := vars[name]; ok && exported(name, vr) {
			out = append(out, name+"="+vr.String())
		}
	}
	var names []string
	for name, vr := range vars {
		if !seen[name] && exported(name, vr) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, name+"="+vars[name].String())
	}
	return out
}

func exported(name string, vr expand.Variable) bool {
	return vr.IsSet() && vr.Exported && vr.Kind == expand.String && !strings.HasPrefix(name, privPrefix)
}

// hookRun is one hook being run, or what it left running: the processes
// and & jobs it started.
type hookRun struct {
	s    *Shell
	path string
	name string
	// ctx is what the interpreter and the hook's & jobs run under. It is
	// detached from Run's ctx, which stops the hook only while Run runs.
	ctx    context.Context
	cancel context.CancelFunc
	umask0 int
	stdin  *os.File
	stdout *os.File
	stderr *os.File
	outs   []*prefixer
	// tout and terr are stdout and stderr as the interpreter writes to
	// them: through the set -x filter (trace.go).
	tout, terr *traceFilter

	// script is set for a --script entrypoint (RunScript): a top-level
	// exec hands off, and signal traps of its main shell run.
	script bool
	tty    *terminal // the terminal the script runs on, if it holds it

	mu       sync.Mutex
	started  *sync.Cond // broadcast when starting drops
	stopping bool
	retired  bool
	running  bool            // Run has not returned
	starting int             // processes being started
	procs    map[int]Process // by pid, which is also the pgid
	orphans  map[int]bool    // groups whose leader exited, still populated
	jobs     map[string]*job // & jobs by token
	nextJob  int
	// sigLog holds the signals sent while processes were being started,
	// which those get once they exist (see start).
	sigLog []syscall.Signal

	scr     scriptState       // RunScript's state, under mu
	refused *unsupportedError // the first construct refused at run time
}

type runKey struct{}

// runOf returns the hook run a handler works for: Run puts it in the
// context the interpreter passes to every handler.
func runOf(ctx context.Context) *hookRun {
	h, _ := ctx.Value(runKey{}).(*hookRun)
	return h
}

func (s *Shell) newRun(path string, script bool) (*hookRun, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("hooks: %s: the shell is closed", path)
	}
	h := &hookRun{
		s:       s,
		path:    path,
		name:    filepath.Base(path),
		umask0:  s.Umask(),
		stdin:   s.devnull,
		stdout:  s.o.Stdout,
		stderr:  s.o.Stderr,
		running: true,
		procs:   map[int]Process{},
		orphans: map[int]bool{},
		jobs:    map[string]*job{},
	}
	h.started = sync.NewCond(&h.mu)
	if script {
		// The entrypoint reads hookinit's standard input, and writes to
		// hookinit's output unprefixed: it is not a hook.
		h.script = true
		h.stdin = s.o.Stdin
		if h.stdin == nil {
			h.stdin = os.Stdin
		}
		h.scr.init()
		h.tty = scriptTerminal(h.stdin)
	}
	if s.o.LogPrefix && !script {
		for _, dst := range []**os.File{&h.stdout, &h.stderr} {
			p, err := s.newPrefixer("["+h.name+"] ", *dst)
			if err != nil {
				h.closeOutputs()
				return nil, fmt.Errorf("hooks: %s: %w", path, err)
			}
			h.outs = append(h.outs, p)
			*dst = p.w
		}
	}
	h.tout = newTraceFilter(h.stdout)
	h.terr = h.tout
	if h.stderr != h.stdout {
		h.terr = newTraceFilter(h.stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.ctx = context.WithValue(ctx, runKey{}, h)
	h.cancel = cancel
	s.mu.Lock()
	s.runs[h] = true
	s.mu.Unlock()
	return h, nil
}

func (h *hookRun) isStopping() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stopping
}

var errStopping = errors.New("stopping: no new command is started")

func (h *hookRun) stoppingErr() error {
	return fmt.Errorf("hooks: %s: %w", h.name, errStopping)
}

// stop cancels the hook: no new command, and (unless the caller stops
// processes itself) SIGTERM to every process group it started. Its
// processes are still waited for; the runner kills whatever ignores
// SIGTERM after its grace period.
func (h *hookRun) stop() {
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		return
	}
	h.stopping = true
	var groups []int
	if !h.s.o.CallerStops {
		groups = h.groupsLocked(false)
	}
	h.mu.Unlock()
	for _, pg := range groups {
		_ = syscall.Kill(-pg, syscall.SIGTERM)
	}
	h.cancel()
	h.wakeWaiters()
	// A & job between two commands just ends: nothing else would notice.
	h.maybeRetire()
}

// waitStarts returns once no process of the run is being started.
func (h *hookRun) waitStarts() {
	h.mu.Lock()
	for h.starting > 0 {
		h.started.Wait() // reaper-safe: a sync.WaitGroup of starts in progress, not a process
	}
	h.mu.Unlock()
}

// signal sends sig to the run's process groups; a process being started
// gets it once it exists.
func (h *hookRun) signal(sig syscall.Signal) {
	h.mu.Lock()
	groups := h.groupsLocked(sig == syscall.SIGINT || sig == syscall.SIGQUIT)
	if h.starting > 0 {
		h.sigLog = append(h.sigLog, sig)
	}
	h.mu.Unlock()
	for _, pg := range groups {
		_ = syscall.Kill(-pg, sig)
	}
}

// groupsLocked lists the process groups to signal; noJobs leaves out the
// groups of & jobs.
func (h *hookRun) groupsLocked(noJobs bool) []int {
	inJob := map[int]bool{}
	if noJobs {
		for _, j := range h.jobs {
			for pg := range j.pgids {
				inJob[pg] = true
			}
		}
	}
	var groups []int
	for pg := range h.procs {
		if !inJob[pg] {
			groups = append(groups, pg)
		}
	}
	for pg := range h.orphans {
		if h.procs[pg] == nil && !inJob[pg] {
			groups = append(groups, pg)
		}
	}
	return groups
}

// finish ends Run's part: the output written so far is passed on, and
// groups whose leader is gone are no longer tracked (their pgid could be
// reused once empty).
func (h *hookRun) finish() {
	h.mu.Lock()
	h.running = false
	clear(h.orphans)
	h.mu.Unlock()
	_ = h.tout.flush()
	_ = h.terr.flush()
	for _, p := range h.outs {
		p.drain()
	}
	h.maybeRetire()
}

// closeOutputs closes our end of the prefixing pipes: once the processes
// that inherited them are gone too, the prefixers see the end.
func (h *hookRun) closeOutputs() {
	for _, p := range h.outs {
		p.w.Close()
	}
}

// maybeRetire forgets a run once nothing of it is left: Run has returned,
// no process is running or being started, and every & job is over (or the
// run was stopped, after which none starts anything).
func (h *hookRun) maybeRetire() {
	h.mu.Lock()
	idle := !h.running && len(h.procs) == 0 && h.starting == 0 && !h.retired
	for _, j := range h.jobs {
		idle = idle && (j.done || h.stopping)
	}
	if idle {
		h.retired = true
	}
	h.mu.Unlock()
	if idle {
		h.cancel()
		h.closeOutputs()
		h.s.mu.Lock()
		delete(h.s.runs, h)
		h.s.mu.Unlock()
	}
}

// prep says how prepare rewrites a piece of code.
type prep struct {
	mode checkMode
	// entry: the code belongs to a --script entrypoint.
	entry bool
	// file is the file the code comes from, as BASH_SOURCE names it: the
	// functions it declares were declared there.
	file string
	// top: the code starts a shell (a script, not sourced or eval'd
	// code), which sets up BASH_SOURCE.
	top bool
}

// prepare rewrites a parsed script where the interpreter would run it
// differently from bash:
//   - the last command of a pipeline runs in the current shell in the
//     interpreter (as with bash's lastpipe), so an exit or a variable set
//     there would escape: it is wrapped in ( );
//   - $(...) keeps set -e in the interpreter, bash clears it (unless
//     inherit_errexit): the call handler resets it first thing;
//   - a & job is bracketed with bookkeeping that gives it a token, so kill
//     and kill -0 can find the process groups it started and know whether
//     it is still running, and $! the pid of a job that is one command;
//     its standard input is /dev/null, as in a shell without job control;
//   - $! reads hookinit's own variable (the interpreter's is "gN");
//   - FUNCNAME and BASH_SOURCE, which the interpreter does not have, read
//     hookinit's own arrays, kept by a first command in every function
//     body and around "." (see funcEnter and sourceRun);
//   - in a *.envsh file, which runs as a function body, a top-level
//     declare gets -g, as it would be global in a sourced file;
//   - compound commands keep their status without tripping set -e (see
//     fixStatus).
//
// Code that runs in a copy of the shell (( ), $( ), <( ), the elements of
// a pipeline, & jobs) starts with a command that empties the job table
// (a copy has no jobs) and sets a private variable, which tells the
// handlers of a --script entrypoint that an exec there is local and a
// signal trap cannot be set there. In an entrypoint (entry), a command
// with redirections of its own is marked, so that a pending signal trap
// runs before the redirections rather than into them (see checkpoints).
func (s *Shell) prepare(f *syntax.File, o prep) {
	mode, entry := o.mode, o.entry
	if o.top {
		f.Stmts = append([]*syntax.Stmt{callStmt(litWord(cmdSrcInit), litWord(strconv.Itoa(s.fileIndex(o.file))))}, f.Stmts...)
	}
	var stack []syntax.Node
	skip := map[syntax.Node]bool{}
	inner := map[*syntax.BinaryCmd]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		switch n := n.(type) {
		case *syntax.Stmt:
			if n.Background && !n.Coprocess && !skip[n] {
				job, bang := wrapJob(n)
				skip[job], skip[bang] = true, true
			}
			if ce, ok := n.Cmd.(*syntax.CallExpr); ok && entry && len(n.Redirs) > 0 && len(ce.Args) > 0 {
				ce.Assigns = append([]*syntax.Assign{markAssign(varRedir)}, ce.Assigns...)
			}
		case *syntax.File:
			n.Stmts = checkpoints(fixStatus(n.Stmts), entry)
		case *syntax.Block:
			n.Stmts = checkpoints(fixStatus(n.Stmts), entry)
		case *syntax.Subshell:
			n.Stmts = fixStatus(n.Stmts)
			if !skip[n] {
				n.Stmts = append([]*syntax.Stmt{keepStmt(cmdSub)}, n.Stmts...)
				skip[n] = true
			}
		case *syntax.IfClause:
			n.Cond, n.Then = checkpoints(fixStatus(n.Cond), entry), checkpoints(fixStatus(n.Then), entry)
		case *syntax.WhileClause:
			n.Cond, n.Do = checkpoints(fixStatus(n.Cond), entry), checkpoints(fixStatus(n.Do), entry)
		case *syntax.ForClause:
			n.Do = checkpoints(fixStatus(n.Do), entry)
		case *syntax.CaseItem:
			n.Stmts = checkpoints(fixStatus(n.Stmts), entry)
		case *syntax.ProcSubst:
			n.Stmts = fixStatus(n.Stmts)
			if !skip[n] {
				n.Stmts = append([]*syntax.Stmt{keepStmt(cmdSub)}, n.Stmts...)
				skip[n] = true
			}
		case *syntax.CmdSubst:
			n.Stmts = fixStatus(n.Stmts)
			if !skip[n] {
				if resetsErrexit(n) {
					// (In a --script run it also marks the copy of the shell.)
					n.Stmts = append([]*syntax.Stmt{keepStmt(cmdCmdSubst)}, n.Stmts...)
				}
				skip[n] = true
			}
		case *syntax.ParamExp:
			if n.Param == nil || skip[n] {
				break
			}
			if n.Exp != nil && n.Exp.Word != nil && !inDblQuoted(stack) {
				switch n.Exp.Op {
				case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AlternateUnset, syntax.AlternateUnsetOrNull,
					syntax.ErrorUnset, syntax.ErrorUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull:
					// A word, not a pattern (patterns keep their escapes).
					unescapeLits(n.Exp.Word)
				}
			}
			if n.Exp != nil && n.Exp.Word != nil {
				switch n.Exp.Op {
				case syntax.RemSmallPrefix, syntax.RemLargePrefix, syntax.RemSmallSuffix, syntax.RemLargeSuffix:
					quotePatternParts(n.Exp.Word)
				}
			}
			if n.Repl != nil {
				// bash drops the backslash of \X in the replacement, also
				// within "..."; the interpreter kept it.
				unescapeLits(n.Repl.With)
			}
			switch {
			case n.Param.Value == "!" && !n.Excl:
				n.Param = &syntax.Lit{ValuePos: n.Param.ValuePos, ValueEnd: n.Param.ValueEnd, Value: varBang}
			case n.Param.Value == "FUNCNAME":
				n.Param = &syntax.Lit{ValuePos: n.Param.ValuePos, ValueEnd: n.Param.ValueEnd, Value: varFuncname}
			case n.Param.Value == "BASH_SOURCE":
				n.Param = &syntax.Lit{ValuePos: n.Param.ValuePos, ValueEnd: n.Param.ValueEnd, Value: varSource}
			}
		case *syntax.FuncDecl:
			if n.Name != nil && n.Body != nil {
				s.addFunc(n.Name.Value)
				enter := keepStmt(cmdFuncEnter, n.Name.Value, strconv.Itoa(s.fileIndex(o.file)))
				if b, ok := n.Body.Cmd.(*syntax.Block); ok {
					b.Stmts = append([]*syntax.Stmt{enter}, b.Stmts...)
				} else {
					n.Body = &syntax.Stmt{Cmd: &syntax.Block{Stmts: []*syntax.Stmt{enter, n.Body}}}
				}
			}
		case *syntax.BinaryCmd:
			if n.Op != syntax.Pipe && n.Op != syntax.PipeAll {
				break
			}
			// a | b | c is (a | b) | c: the interpreter runs the left side
			// in a subshell already, only the outermost right side needs it.
			if x, ok := n.X.Cmd.(*syntax.BinaryCmd); ok {
				inner[x] = true
			}
			if !inner[n] {
				if _, ok := n.Y.Cmd.(*syntax.Subshell); !ok {
					n.Y = &syntax.Stmt{Cmd: &syntax.Subshell{Stmts: []*syntax.Stmt{n.Y}}}
				}
				if !skip[n] {
					// The left side runs in a copy of the shell: mark it.
					n.X = &syntax.Stmt{Cmd: &syntax.Block{Stmts: []*syntax.Stmt{keepStmt(cmdSub), n.X}}}
					skip[n] = true
				}
			}
		case *syntax.Assign:
			if n.Name != nil && n.Value != nil && !n.Naked {
				unescapeLits(n.Value)
				expandColonTildes(n.Value)
			}
		case *syntax.Redirect:
			if n.Op != syntax.Hdoc && n.Op != syntax.DashHdoc {
				unescapeLits(n.Word)
			}
		case *syntax.DeclClause:
			if mode == modeEnvsh && n.Variant.Value == "declare" && !inFuncDecl(stack) {
				n.Args = append([]*syntax.Assign{{Naked: true, Value: litWord("-g")}}, n.Args...)
			}
		}
		stack = append(stack, n)
		return true
	})
}

// checkpoints puts, in a --script entrypoint, a place where pending signal
// traps run before each statement that begins with redirections: bash runs
// a trap before it sets those up, so the action must not write into them.
// The checkpoint keeps $? and does not trip set -e: "__hookinit_tc && :".
func checkpoints(list []*syntax.Stmt, entry bool) []*syntax.Stmt {
	if !entry {
		return list
	}
	var out []*syntax.Stmt
	for i, st := range list {
		if !st.Background && leadRedirs(st) {
			if out == nil {
				out = append(make([]*syntax.Stmt, 0, len(list)+1), list[:i]...)
			}
			out = append(out, &syntax.Stmt{Cmd: &syntax.BinaryCmd{Op: syntax.AndStmt,
				X: callStmt(litWord(cmdTrapCheck)), Y: callStmt(litWord(cmdNop))}})
		}
		if out != nil {
			out = append(out, st)
		}
	}
	if out == nil {
		return list
	}
	return out
}

// leadRedirs reports whether a statement, or the command it starts with,
// has redirections.
func leadRedirs(st *syntax.Stmt) bool {
	for st != nil {
		if len(st.Redirs) > 0 {
			return true
		}
		b, ok := st.Cmd.(*syntax.BinaryCmd)
		if !ok {
			return false
		}
		st = b.X
	}
	return false
}

// keepStmt is "NAME ARG... && :": one of hookinit's commands that keeps $?
// as it was (see keepStatus), also under set -e.
func keepStmt(name string, args ...string) *syntax.Stmt {
	words := []*syntax.Word{litWord(name)}
	for _, a := range args {
		words = append(words, litWord(a))
	}
	return &syntax.Stmt{Cmd: &syntax.BinaryCmd{Op: syntax.AndStmt,
		X: &syntax.Stmt{Cmd: &syntax.CallExpr{Args: words}}, Y: callStmt(litWord(cmdNop))}}
}

// unescapeLits fixes a word the interpreter expands as one string (an
// assignment's value, a redirection's file, the word of an unquoted
// ${x:-word}): it keeps the backslash of an unquoted \X there, where bash
// drops it (it\'s stayed so, for the usual way of writing it's in
// single quotes). Each \X becomes a quoted X.
func unescapeLits(w *syntax.Word) {
	if w == nil {
		return
	}
	var parts []syntax.WordPart
	changed := false
	for _, p := range w.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok || !strings.Contains(lit.Value, `\`) {
			parts = append(parts, p)
			continue
		}
		s := lit.Value
		for {
			i := strings.IndexByte(s, '\\')
			if i < 0 || i == len(s)-1 {
				break // a trailing backslash stays
			}
			if i > 0 {
				parts = append(parts, &syntax.Lit{ValuePos: lit.ValuePos, ValueEnd: lit.ValuePos, Value: s[:i]})
			}
			_, size := utf8.DecodeRuneInString(s[i+1:])
			x := s[i+1 : i+1+size]
			if x == "'" {
				parts = append(parts, &syntax.DblQuoted{Left: lit.ValuePos, Right: lit.ValuePos,
					Parts: []syntax.WordPart{&syntax.Lit{ValuePos: lit.ValuePos, ValueEnd: lit.ValuePos, Value: x}}})
			} else {
				parts = append(parts, &syntax.SglQuoted{Left: lit.ValuePos, Right: lit.ValuePos, Value: x})
			}
			s = s[i+1+size:]
			changed = true
		}
		if s != "" {
			parts = append(parts, &syntax.Lit{ValuePos: lit.ValuePos, ValueEnd: lit.ValueEnd, Value: s})
		}
	}
	if changed {
		w.Parts = parts
	}
}

// quotePatternParts fixes the pattern of ${x#pat} (and ##, %, %%): the
// interpreter matches the quoted parts of it as patterns too, where bash
// matches them literally (${path#"$dir/"} failed for a dir with [, *, ?
// or \ in its name). A quoted part that is literal text becomes that text
// with the pattern characters escaped; one with expansions becomes
// $(__hookinit_qm "..."), which prints its value so escaped.
func quotePatternParts(w *syntax.Word) {
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.SglQuoted:
			if !p.Dollar {
				w.Parts[i] = &syntax.Lit{ValuePos: p.Left, ValueEnd: p.Right, Value: pattern.QuoteMeta(p.Value, 0)}
			}
		case *syntax.DblQuoted:
			if text, ok := dqLiteral(p); ok {
				w.Parts[i] = &syntax.Lit{ValuePos: p.Left, ValueEnd: p.Right, Value: pattern.QuoteMeta(text, 0)}
				continue
			}
			w.Parts[i] = &syntax.CmdSubst{Left: p.Left, Right: p.Right, Stmts: []*syntax.Stmt{
				callStmt(litWord(cmdQuoteMeta), &syntax.Word{Parts: []syntax.WordPart{p}}),
			}}
		}
	}
}

// dqLiteral returns the text of a "..." that holds no expansion.
func dqLiteral(dq *syntax.DblQuoted) (string, bool) {
	var b strings.Builder
	for _, p := range dq.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok {
			return "", false
		}
		s := lit.Value
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\$`\"", s[i+1]) >= 0 {
				i++
			}
			b.WriteByte(s[i])
		}
	}
	return b.String(), true
}

func inDblQuoted(stack []syntax.Node) bool {
	for _, n := range stack {
		if _, ok := n.(*syntax.DblQuoted); ok {
			return true
		}
	}
	return false
}

// expandColonTildes gives an assignment's value the tilde expansion bash
// and dash do after each unquoted ':' (PATH=~/bin:~/.local/bin): the
// interpreter expands only a leading ~. A ~ that ends at '/', ':' or the
// end of the word becomes ${HOME}; ~user there is refused by the checker.
func expandColonTildes(w *syntax.Word) {
	var parts []syntax.WordPart
	changed := false
	for i, p := range w.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok {
			parts = append(parts, p)
			continue
		}
		last := i == len(w.Parts)-1
		v, start := lit.Value, 0
		for j := 0; j+1 < len(v); j++ {
			if v[j] != ':' || v[j+1] != '~' || !tildeEnds(v[j+2:], last) {
				continue
			}
			parts = append(parts, &syntax.Lit{Value: v[start : j+1]},
				&syntax.ParamExp{Param: &syntax.Lit{Value: "HOME"}})
			start, changed = j+2, true
		}
		if start == 0 {
			parts = append(parts, lit)
		} else if start < len(v) {
			parts = append(parts, &syntax.Lit{Value: v[start:]})
		}
	}
	if changed {
		w.Parts = parts
	}
}

// tildeEnds reports whether a ~ followed by rest (within its literal)
// stands for $HOME: it ends at '/' or ':', or where the word ends.
func tildeEnds(rest string, lastPart bool) bool {
	if rest == "" {
		return lastPart
	}
	return rest[0] == '/' || rest[0] == ':'
}

// markAssign is name=1, a marker the handlers see in the environment.
func markAssign(name string) *syntax.Assign {
	return &syntax.Assign{Name: &syntax.Lit{Value: name}, Value: litWord("1")}
}

// wrapJob turns "X &" into
//
//	{ __hookinit_bg && :; { __hookinit_bgjob && :; X; exit; } </dev/null & __hookinit_bgend "$!"; }
//
// and returns the new & statement and the "$!" it passes on. The trailing
// exit makes the job's subshell exit through its EXIT trap, which tells
// that the job is over; the job reads /dev/null unless X redirects its
// input, as in bash without job control. When X is one command whose
// words run nothing (no $(...)), "__hookinit_bg 1" announces it and X
// gets a marker, so that the job can tell its pid for $! (see bgEnd).
func wrapJob(st *syntax.Stmt) (*syntax.Stmt, *syntax.ParamExp) {
	x := *st
	x.Background = false
	x.Semicolon = syntax.Pos{}
	bg := keepStmt(cmdBg)
	if ce, ok := x.Cmd.(*syntax.CallExpr); ok && len(ce.Args) > 0 && !runsCode(&x) {
		ce.Assigns = append([]*syntax.Assign{markAssign(varMain)}, ce.Assigns...)
		bg = keepStmt(cmdBg, "1")
	}
	job := &syntax.Stmt{Background: true, Cmd: &syntax.Block{Stmts: []*syntax.Stmt{
		keepStmt(cmdBgJob), &x, callStmt(litWord(cmdExit)),
	}}, Redirs: []*syntax.Redirect{{Op: syntax.RdrIn, Word: litWord(os.DevNull)}}}
	bang := specialParam("!")
	*st = syntax.Stmt{Position: st.Position, Comments: st.Comments, Cmd: &syntax.Block{Stmts: []*syntax.Stmt{
		bg, job, callStmt(litWord(cmdBgEnd), bang),
	}}}
	return job, bang.Parts[0].(*syntax.DblQuoted).Parts[0].(*syntax.ParamExp)
}

// runsCode reports whether expanding a statement's words runs code:
// a $(...) or <(...) anywhere in them.
func runsCode(st *syntax.Stmt) bool {
	found := false
	syntax.Walk(st, func(n syntax.Node) bool {
		switch n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			found = true
		}
		return !found
	})
	return found
}

// fixStatus works around two differences in how the interpreter ends a
// compound command ({ }, if, case, for, while, until):
//
//   - with set -e it exits when the compound command's status is not 0,
//     even when that status comes from a command exempt from set -e (as in
//     "if c; then [ -n "$x" ] && run; fi"), where bash goes on;
//   - a while or until loop ends with status 0, where bash keeps the
//     status of the last command the body ran.
//
// So each compound statement ends with status 0, having saved its real
// status in a variable (at the end of each branch and loop body; a loop
// body starts by saving 0, the status bash gives a loop left by break or
// continue), and is followed by a statement that restores the status in a
// form set -e ignores (status && :), exactly as bash leaves it.
func fixStatus(list []*syntax.Stmt) []*syntax.Stmt {
	var out []*syntax.Stmt
	for i, st := range list {
		if st.Negated || st.Background || st.Coprocess || !addSaves(st.Cmd) {
			if out != nil {
				out = append(out, st)
			}
			continue
		}
		if out == nil {
			out = append(make([]*syntax.Stmt, 0, len(list)+2), list[:i]...)
		}
		restore := &syntax.Stmt{Cmd: &syntax.BinaryCmd{Op: syntax.AndStmt,
			X: callStmt(litWord(cmdStatus)), Y: callStmt(litWord(cmdNop))}}
		out = append(append(out, save0()...), st, restore)
	}
	if out == nil {
		return list
	}
	return out
}

// addSaves makes a compound command save its status as it ends; it reports
// false for any other command, or one already done.
func addSaves(cmd syntax.Command) bool {
	var ends []*[]*syntax.Stmt // the statement lists the command ends with
	var body *[]*syntax.Stmt   // a loop's body
	switch c := cmd.(type) {
	case *syntax.Block:
		ends = append(ends, &c.Stmts)
	case *syntax.IfClause:
		for ; c != nil; c = c.Else {
			ends = append(ends, &c.Then)
		}
	case *syntax.WhileClause:
		body = &c.Do
	case *syntax.ForClause:
		body = &c.Do
	case *syntax.CaseClause:
		for _, it := range c.Items {
			ends = append(ends, &it.Stmts)
		}
	}
	if body != nil {
		ends = append(ends, body)
	}
	if len(ends) == 0 || isSave(*ends[0]) {
		return false
	}
	if body != nil {
		*body = append(save0(), *body...)
	}
	for _, l := range ends {
		*l = append(*l, saveStmt(specialParam("?")))
	}
	return true
}

// isSave reports whether a statement list already ends with a saveStmt.
func isSave(list []*syntax.Stmt) bool {
	if len(list) == 0 {
		return false
	}
	ce, ok := list[len(list)-1].Cmd.(*syntax.CallExpr)
	return ok && len(ce.Args) == 0 && len(ce.Assigns) == 1 && ce.Assigns[0].Name != nil && ce.Assigns[0].Name.Value == varStatus
}

// save0 sets __hookinit_st=0 and keeps $?, as plain statements: no eval
// to parse at every pass through a loop (runtime parses were 8% of the
// CPU of 50 small hooks).
//
//	__hookinit_sv=$? __hookinit_st=0
//	__hookinit_ret "$__hookinit_sv" && __hookinit_nop
func save0() []*syntax.Stmt {
	assign := &syntax.Stmt{Cmd: &syntax.CallExpr{Assigns: []*syntax.Assign{
		{Name: &syntax.Lit{Value: varSaved}, Value: specialParam("?")},
		{Name: &syntax.Lit{Value: varStatus}, Value: litWord("0")},
	}}}
	saved := &syntax.Word{Parts: []syntax.WordPart{&syntax.DblQuoted{Parts: []syntax.WordPart{
		&syntax.ParamExp{Param: &syntax.Lit{Value: varSaved}},
	}}}}
	ret := &syntax.Stmt{Cmd: &syntax.BinaryCmd{Op: syntax.AndStmt,
		X: &syntax.Stmt{Cmd: &syntax.CallExpr{Args: []*syntax.Word{litWord(cmdRet), saved}}},
		Y: callStmt(litWord(cmdNop))}}
	return []*syntax.Stmt{assign, ret}
}

// saveStmt is __hookinit_st=VALUE.
func saveStmt(value *syntax.Word) *syntax.Stmt {
	return &syntax.Stmt{Cmd: &syntax.CallExpr{Assigns: []*syntax.Assign{
		{Name: &syntax.Lit{Value: varStatus}, Value: value},
	}}}
}

// resetsErrexit reports whether a $(...) needs set -e cleared: anything
// but $(<file), which reads a file and runs nothing.
func resetsErrexit(cs *syntax.CmdSubst) bool {
	if len(cs.Stmts) == 0 {
		return false
	}
	if len(cs.Stmts) == 1 {
		st := cs.Stmts[0]
		if st.Cmd == nil && len(st.Redirs) == 1 && st.Redirs[0].Op == syntax.RdrIn {
			return false
		}
	}
	return true
}

func inFuncDecl(stack []syntax.Node) bool {
	for _, n := range stack {
		if _, ok := n.(*syntax.FuncDecl); ok {
			return true
		}
	}
	return false
}

// needsRewrite reports whether prepare would change a file.
func needsRewrite(f *syntax.File, entry bool) bool {
	found := false
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Stmt:
			found = found || n.Background || entry && len(n.Redirs) > 0
		case *syntax.CmdSubst:
			found = true
		case *syntax.ParamExp:
			found = found || n.Param != nil && n.Param.Value == "!" && !n.Excl || n.Exp != nil
		case *syntax.Subshell, *syntax.ProcSubst:
			found = found || entry
		case *syntax.BinaryCmd:
			found = found || n.Op == syntax.Pipe || n.Op == syntax.PipeAll
		case *syntax.Block, *syntax.IfClause, *syntax.WhileClause, *syntax.ForClause, *syntax.CaseClause:
			found = true
		case *syntax.FuncDecl:
			found = true // its name is recorded
		case *syntax.Lit:
			found = found || strings.Contains(n.Value, `\`) // see unescapeLits
		}
		return !found
	})
	return found
}

// fileIndex registers a file name that rewritten code refers to by
// number (a name may hold any character; a number prints and parses back
// as it is).
func (s *Shell) fileIndex(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.fileIx[name]; ok {
		return i
	}
	if s.fileIx == nil {
		s.fileIx = map[string]int{}
	}
	s.files = append(s.files, name)
	s.fileIx[name] = len(s.files) - 1
	return len(s.files) - 1
}

// fileName is the name registered under index i.
func (s *Shell) fileName(i string) string {
	n, err := strconv.Atoi(i)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || n < 0 || n >= len(s.files) {
		return ""
	}
	return s.files[n]
}

// addFunc records the name of a function a script may define; see
// isFunc.
func (s *Shell) addFunc(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.funcs == nil {
		s.funcs = map[string]bool{}
	}
	s.funcs[name] = true
}

// isFunc reports whether name may be a function: some code prepared so
// far declares a function of that name (the interpreter does not tell its
// handlers which functions exist).
func (s *Shell) isFunc(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.funcs[name]
}

func litWord(s string) *syntax.Word {
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: s}}}
}

// specialParam is "$name", e.g. "$!".
func specialParam(name string) *syntax.Word {
	return &syntax.Word{Parts: []syntax.WordPart{&syntax.DblQuoted{Parts: []syntax.WordPart{
		&syntax.ParamExp{Short: true, Param: &syntax.Lit{Value: name}},
	}}}}
}

// allParams is "$@".
func allParams() *syntax.Word { return specialParam("@") }

func callStmt(args ...*syntax.Word) *syntax.Stmt {
	return &syntax.Stmt{Cmd: &syntax.CallExpr{Args: args}}
}

// printFile prints a (rewritten) file back as shell code.
func printFile(w io.Writer, f *syntax.File) error {
	return syntax.NewPrinter().Print(w, f)
}

// printRewritten prints rewritten code for eval or ".", which parse text.
// The printer cannot print everything so that it parses back the same
// (a $(...) spread over lines inside a <<- here-document), so the result
// is checked; ok is false when it does not parse.
func printRewritten(f *syntax.File) (string, bool) {
	var b strings.Builder
	if err := printFile(&b, f); err != nil {
		return "", false
	}
	if _, err := newParser().Parse(strings.NewReader(b.String()), ""); err != nil {
		return "", false
	}
	return b.String(), true
}

// addVirtual registers rewritten text for the source builtin under a name
// no file has, which only the open handler resolves, once.
func (s *Shell) addVirtual(path, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nvirt++
	name := path + "#hookinit" + strconv.Itoa(s.nvirt)
	s.virt[name] = text
	return name
}

func (s *Shell) takeVirtual(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ok := s.virt[name]
	delete(s.virt, name)
	return text, ok
}

// prefixer copies what a hook writes to one stream, line by line, each
// line prefixed with the hook's name. A line is written with one write,
// under a lock shared by all hooks, so lines of hooks running at the same
// time do not mix.
type prefixer struct {
	prefix []byte
	dst    *os.File
	mu     *sync.Mutex
	r, w   *os.File
	carry  []byte
	drainQ chan chan struct{}
	done   chan struct{}
}

// maxLine bounds a line kept waiting for its newline.
const maxLine = 64 << 10

// newPrefixer starts a prefixer that writes to dst, registered for Flush.
func (s *Shell) newPrefixer(prefix string, dst *os.File) (*prefixer, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p := &prefixer{prefix: []byte(prefix), dst: dst, mu: &s.outMu, r: r, w: w,
		drainQ: make(chan chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	s.prefixers[p] = true
	s.mu.Unlock()
	go func() {
		p.loop()
		s.mu.Lock()
		delete(s.prefixers, p)
		s.mu.Unlock()
	}()
	return p, nil
}

// Flush passes on the output that hooks wrote before they ended. With
// --log-prefix it goes through pipes that hookinit reads, and the last lines
// of a hook that ended as the container stopped may still be in them when
// the app has exited. Call it after Close, once no process is left: it
// closes hookinit's ends of the pipes and waits, at most d, for every line
// to be written out.
func (s *Shell) Flush(d time.Duration) {
	s.mu.Lock()
	ps := slices.Collect(maps.Keys(s.prefixers))
	s.mu.Unlock()
	for _, p := range ps {
		p.w.Close()
	}
	deadline := time.After(d)
	for _, p := range ps {
		select {
		case <-p.done:
		case <-deadline:
			s.logf("hook output still open after %v: not waiting for it", d)
			return
		}
	}
}

func (p *prefixer) loop() {
	defer close(p.done)
	defer p.r.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := p.r.Read(buf)
		if n > 0 {
			p.write(buf[:n])
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			// drain: take what is in the pipe now, without waiting.
			_ = p.r.SetReadDeadline(time.Time{})
			if rc, err := p.r.SyscallConn(); err == nil {
				_ = rc.Read(func(fd uintptr) bool {
					for {
						n, err := syscall.Read(int(fd), buf)
						if n <= 0 || err != nil {
							return true
						}
						p.write(buf[:n])
					}
				})
			}
			p.flush()
			select {
			case d := <-p.drainQ:
				close(d)
			default:
			}
		default:
			p.flush()
			return
		}
	}
}

func (p *prefixer) write(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.carry = append(p.carry, b...)
			if len(p.carry) >= maxLine {
				p.flush()
			}
			return
		}
		p.emit(append(p.carry, b[:i]...))
		p.carry = p.carry[:0]
		b = b[i+1:]
	}
}

// flush writes out a line that has no newline yet.
func (p *prefixer) flush() {
	if len(p.carry) > 0 {
		p.emit(p.carry)
		p.carry = p.carry[:0]
	}
}

func (p *prefixer) emit(line []byte) {
	out := make([]byte, 0, len(p.prefix)+len(line)+1)
	out = append(append(append(out, p.prefix...), line...), '\n')
	p.mu.Lock()
	_, _ = p.dst.Write(out)
	p.mu.Unlock()
}

// drain returns once everything written to the pipe so far has been passed
// on. It does not wait for the end of the stream: a process the hook left
// in the background may hold it open forever.
func (p *prefixer) drain() {
	d := make(chan struct{})
	select {
	case p.drainQ <- d:
	case <-p.done:
		return
	}
	_ = p.r.SetReadDeadline(time.Unix(1, 0))
	select {
	case <-d:
	case <-p.done:
	}
}
