package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
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
	procUmask int // hookinit's own umask, which created files get by default
	// hostname is read once, when the first hook starts, as bash reads it
	// as it starts: not at all for a container without hooks.
	hostname func() string
	devnull  *os.File // hooks' standard input
	outMu    sync.Mutex

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
	s.hostname = sync.OnceValue(func() string {
		h, _ := os.Hostname()
		return h
	})
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
	var ie interruptError
	if main != nil && errors.As(err, &ie) {
		// Ctrl-C on the terminal ended the script: its EXIT trap runs,
		// as bash runs it when SIGINT kills it.
		main.unwind()
		code, err = 128+int(ie.sig), nil
	}
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
		interp.Env(privEnviron{expand.ListEnviron(env...), fmt.Sprintf("%04o", umask), s.hostname()}),
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
	hostname string // for HOSTNAME
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
