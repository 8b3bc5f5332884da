package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

// execHandler runs every external command a script starts. It never forks
// or waits itself: the process is started through the Starter, so the
// runner's one wait4(-1) reaper collects its exit, and its end is observed
// through Process.Done. Each command leads a process group of its own, so
// that signals relayed to the app's group do not reach hooks, and so that
// cancelling a hook can reach everything its commands started.
func (s *Shell) execHandler(ctx context.Context, args []string) error {
	h := runOf(ctx)
	if h == nil {
		return errors.New("hooks: internal: a command ran outside any hook")
	}
	hc := interp.HandlerCtx(ctx)
	if err, ok := h.builtinCall(ctx, hc, args); ok {
		return err
	}
	return h.execExternal(ctx, hc, args)
}

// execExternal runs an external command.
func (h *hookRun) execExternal(ctx context.Context, hc interp.HandlerContext, args []string) error {
	if tok := hc.Env.Get(varJob).String(); tok != "" {
		// If this was a one-command job's command, $! is known by now.
		defer h.jobNoPid(tok)
	}
	if h.isStopping() {
		return h.stoppingErr()
	}
	path, code, msg := lookCommand(hc, args[0])
	if code != 0 {
		fmt.Fprintf(hc.Stderr, "%s: line %d: %s\n", h.path, hc.Pos.Line(), msg)
		return exitStatus(code)
	}
	return h.runProcess(ctx, hc, path, args)
}

// lookCommand finds the file a command name runs, with bash's messages and
// exit codes when there is none: 127 for a missing command, 126 for one
// that cannot be executed.
func lookCommand(hc interp.HandlerContext, name string) (string, int, string) {
	if !strings.Contains(name, "/") {
		p, err := interp.LookPathDir(hc.Dir, hc.Env, name)
		if err != nil {
			return "", 127, name + ": command not found"
		}
		return p, 0, ""
	}
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(hc.Dir, p)
	}
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", 127, name + ": No such file or directory"
	case err != nil:
		return "", 126, name + ": " + errText(err)
	case fi.IsDir():
		return "", 126, name + ": Is a directory"
	case fi.Mode()&0o111 == 0:
		return "", 126, name + ": Permission denied"
	}
	return p, 0, ""
}

// runProcess starts one command and waits for its end.
func (h *hookRun) runProcess(ctx context.Context, hc interp.HandlerContext, path string, args []string) error {
	cio, err := newCmdIO(hc)
	if err != nil {
		return fmt.Errorf("hooks: %s: %w", args[0], err)
	}
	tok := hc.Env.Get(varJob).String()
	cmd := &Command{
		Path:   path,
		Args:   args,
		Env:    execEnv(hc.Env),
		Dir:    hc.Dir,
		Stdin:  cio.stdin,
		Stdout: cio.stdout,
		Stderr: cio.stderr,
		Umask:  h.umaskOf(hc.Env),
		// On the script's terminal, a command outside & jobs takes the
		// foreground (see terminal).
		Foreground: h.tty != nil && tok == "",
	}
	p, err := h.start(cmd, tok)
	cio.started()
	if err != nil {
		cio.wait(context.Background())
		return h.startFailed(ctx, hc, path, args, err)
	}
	if tok != "" {
		h.jobStarted(tok, p.Pid())
	}
	if cmd.Foreground {
		h.tty.started(p.Pid())
	}
	<-p.Done()
	if cmd.Foreground {
		h.tty.ended(p.Pid())
		if sig := p.Signal(); sig == syscall.SIGINT || sig == syscall.SIGQUIT {
			if err := h.terminalSignal(sig); err != nil {
				h.forget(p, tok)
				cio.wait(h.ctx)
				return err
			}
		}
	}
	h.forget(p, tok)
	cio.wait(h.ctx)
	if tok != "" {
		if sig := h.jobKilled(tok); sig != 0 {
			// The job was killed while this command ran: the subshell
			// running the job would have died with it.
			h.jobDone(tok)
			return hc.Builtin(ctx, []string{"exit", strconv.Itoa(128 + int(sig))})
		}
	}
	if code := p.ExitCode(); code != 0 {
		return exitStatus(code)
	}
	return nil
}

// start starts a command in a process group of its own and tracks the
// group, retrying while the file is briefly busy (ETXTBSY: another fork
// still holds it open for writing, see https://go.dev/issue/22315). A
// signal sent to the run's groups while the process was being started
// reaches it once it exists.
func (h *hookRun) start(cmd *Command, tok string) (Process, error) {
	cmd.Pgid = 0
	h.mu.Lock()
	if h.stopping {
		h.mu.Unlock()
		return nil, h.stoppingErr()
	}
	h.starting++
	mark := len(h.sigLog)
	h.mu.Unlock()
	p, err := h.s.st.Start(cmd)
	for delay := time.Millisecond; errors.Is(err, syscall.ETXTBSY) && delay < 300*time.Millisecond; delay *= 2 {
		time.Sleep(delay)
		p, err = h.s.st.Start(cmd)
	}
	if err != nil {
		h.mu.Lock()
		h.doneStartingLocked()
		h.mu.Unlock()
		h.maybeRetire()
		return nil, err
	}
	pid := p.Pid()
	h.mu.Lock()
	sigs := slices.Clone(h.sigLog[mark:])
	h.doneStartingLocked()
	h.procs[pid] = p
	if j := h.jobs[tok]; j != nil {
		if j.pgids == nil {
			j.pgids = map[int]bool{}
		}
		j.pgids[pid] = true
		// A & job ignores SIGINT and SIGQUIT (see Shell.Signal).
		sigs = slices.DeleteFunc(sigs, func(s syscall.Signal) bool { return s == syscall.SIGINT || s == syscall.SIGQUIT })
		if j.killed != 0 {
			sigs = append(sigs, j.killed)
		}
	}
	if h.stopping && !h.s.o.CallerStops {
		sigs = append(sigs, syscall.SIGTERM)
	}
	h.mu.Unlock()
	// Cancelled, signalled, or its job killed while it started: it gets
	// what the others got.
	for _, sig := range sigs {
		_ = syscall.Kill(-pid, sig)
	}
	return p, nil
}

// doneStartingLocked counts a start as over; the signals logged for
// starts in flight are dropped once none is left.
func (h *hookRun) doneStartingLocked() {
	h.starting--
	if h.starting == 0 {
		h.sigLog = nil
	}
	h.started.Broadcast()
}

// forget drops a process that has ended. Its group stays on the list of
// groups to signal on cancellation while something still lives in it (a
// command that left a child behind).
func (h *hookRun) forget(p Process, tok string) {
	pid := p.Pid()
	h.mu.Lock()
	delete(h.procs, pid)
	if j := h.jobs[tok]; j != nil {
		delete(j.pgids, pid)
	}
	if syscall.Kill(-pid, 0) == nil && h.running {
		h.orphans[pid] = true
	}
	h.mu.Unlock()
	h.maybeRetire()
}

// startFailed turns a failed start into bash's message and exit code, or
// runs the file with the embedded shell where bash would have run it as a
// script: a file without #! (ENOEXEC), or a #! naming a shell this image
// does not have.
func (h *hookRun) startFailed(ctx context.Context, hc interp.HandlerContext, path string, args []string, err error) error {
	if h.isStopping() {
		return h.stoppingErr()
	}
	say := func(code int, msg string) error {
		fmt.Fprintf(hc.Stderr, "%s: line %d: %s: %s\n", h.path, hc.Pos.Line(), args[0], msg)
		return exitStatus(code)
	}
	switch {
	case errors.Is(err, syscall.ENOEXEC):
		return h.runEmbedded(ctx, hc, path, args)
	case errors.Is(err, syscall.ENOENT):
		head := readHead(path)
		if interp, ok := shebangShell(head); ok {
			if _, serr := os.Stat(interp); errors.Is(serr, fs.ErrNotExist) {
				h.s.logf("%s: %s is not in this image; running %s with the embedded shell", h.name, interp, path)
				return h.runEmbedded(ctx, hc, path, args)
			}
		}
		if bytes.HasPrefix(head, []byte("#!")) {
			line, _, _ := bytes.Cut(head[2:], []byte("\n"))
			f := strings.Fields(string(line))
			if len(f) > 0 {
				return say(126, f[0]+": bad interpreter: No such file or directory")
			}
		}
		return say(127, "No such file or directory")
	case errors.Is(err, syscall.EACCES):
		return say(126, "Permission denied")
	case errors.Is(err, syscall.EISDIR):
		return say(126, "Is a directory")
	}
	return say(126, errText(err))
}

// readHead returns the first bytes of a file, enough for its #! line.
func readHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 256)
	n, _ := io.ReadFull(f, b)
	return b[:n]
}

// shebangShell returns the interpreter a #! line names, if it is a shell
// the embedded shell can stand in for.
func shebangShell(head []byte) (string, bool) {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return "", false
	}
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return "", false
	}
	name := filepath.Base(f[0])
	if name == "env" && len(f) > 1 {
		name = filepath.Base(f[1])
	}
	return f[0], shellNames[name]
}

// runEmbedded runs a script file the kernel would not run, in a fresh
// embedded shell, as other shells do. Its processes belong to the hook.
func (h *hookRun) runEmbedded(ctx context.Context, hc interp.HandlerContext, path string, args []string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(hc.Stderr, "%s: %s\n", args[0], errText(err))
		return interp.ExitStatus(126)
	}
	if line, _, _ := bytes.Cut(src, []byte("\n")); bytes.IndexByte(line, 0) >= 0 {
		// Like bash: a NUL byte before the first newline is a binary.
		fmt.Fprintf(hc.Stderr, "%s: cannot execute binary file\n", args[0])
		return interp.ExitStatus(126)
	}
	f, probs := checkAs(path, src, modeScript, false)
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(hc.Stderr, "hookinit: %s\n", p)
		}
		fmt.Fprintf(hc.Stderr, "hookinit: %s: not run: it uses constructs the embedded shell does not support\n", path)
		return interp.ExitStatus(2)
	}
	flags, _ := shebangFlags(src)
	f.Name = args[0] // $0, as bash sets it
	h.s.prepare(f, prep{mode: modeScript, file: args[0], top: true})
	env := execEnv(hc.Env)
	if h.script {
		// Another script: not the entrypoint's own shell.
		env = append(env, varSub+"=1")
	}
	r, err := h.s.newRunner(env, h.umaskOf(hc.Env), hc.Dir, hc.Stdin, hc.Stdout, hc.Stderr,
		append(append(flags, "--"), args[1:]...))
	if err != nil {
		fmt.Fprintf(hc.Stderr, "%s: %v\n", args[0], err)
		return interp.ExitStatus(126)
	}
	code, err := h.s.runMain(ctx, r, f, nil)
	if err != nil {
		return err
	}
	if code != 0 {
		return exitStatus(code)
	}
	return nil
}

// cmdIO connects a command to the shell's current standard streams. A
// stream that is not a file (the buffer of a $(...), a pipe the
// interpreter built) is fed through a pipe and a goroutine.
type cmdIO struct {
	stdin, stdout, stderr *os.File
	childEnds             []*os.File // our ends of pipes given to the child
	readers               []*os.File // pipe ends we copy output from
	copiers               sync.WaitGroup
}

func newCmdIO(hc interp.HandlerContext) (*cmdIO, error) {
	c := &cmdIO{}
	switch r := hc.Stdin.(type) {
	case nil:
	case *os.File:
		c.stdin = r
	default:
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		// The stdin copier is closed, not waited for: the command need not
		// read all of its input.
		go func() {
			_, _ = io.Copy(pw, r)
			pw.Close()
		}()
		c.stdin = pr
		c.childEnds = append(c.childEnds, pr)
	}
	var err error
	if c.stdout, err = c.output(hc.Stdout); err != nil {
		c.started()
		c.wait(context.Background())
		return nil, err
	}
	if sameWriter(unwrapOutput(hc.Stdout), unwrapOutput(hc.Stderr)) {
		c.stderr = c.stdout
	} else if c.stderr, err = c.output(hc.Stderr); err != nil {
		c.started()
		c.wait(context.Background())
		return nil, err
	}
	return c, nil
}

// output returns the file a command writes w through.
func (c *cmdIO) output(w io.Writer) (*os.File, error) {
	w = unwrapOutput(w)
	switch f := w.(type) {
	case nil:
		return nil, nil
	case *os.File:
		return f, nil
	}
	if w == io.Discard {
		// A closed stream (>&-): the command gets /dev/null.
		return nil, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.readers = append(c.readers, pr)
	c.childEnds = append(c.childEnds, pw)
	c.copiers.Go(func() { _, _ = io.Copy(w, pr) })
	return pw, nil
}

// sameWriter reports whether two writers are the same one (2>&1 inside a
// $(...)), without comparing values whose type cannot be compared.
func sameWriter(a, b io.Writer) bool {
	if a == nil || b == nil {
		return false
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || !ta.Comparable() {
		return false
	}
	return a == b
}

// started closes our copies of the pipe ends the child got, so that the
// copiers see EOF once the child (and whatever inherited them) is done.
func (c *cmdIO) started() {
	for _, f := range c.childEnds {
		f.Close()
	}
	c.childEnds = nil
}

// wait waits for the output copiers to reach EOF; when ctx is done first
// (the hook is being cancelled), it stops copying instead.
func (c *cmdIO) wait(ctx context.Context) {
	if len(c.readers) == 0 {
		return // the command wrote to files: nothing to copy
	}
	done := make(chan struct{})
	go func() {
		c.copiers.Wait() // reaper-safe: a sync.WaitGroup of output copiers, not a process
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		for _, r := range c.readers {
			r.Close()
		}
		<-done
	}
	for _, r := range c.readers {
		r.Close()
	}
}

// execEnv is the environment a command gets: the exported string
// variables, each once (the last value wins), without hookinit's private
// variables.
func execEnv(env expand.Environ) []string {
	idx := map[string]int{}
	var list []string
	for name, vr := range env.Each {
		if strings.HasPrefix(name, privPrefix) {
			continue
		}
		i, seen := idx[name]
		if !vr.IsSet() || !vr.Exported || vr.Kind != expand.String {
			if seen {
				list[i] = ""
			}
			continue
		}
		kv := name + "=" + vr.String()
		if seen {
			list[i] = kv
			continue
		}
		idx[name] = len(list)
		list = append(list, kv)
	}
	out := list[:0]
	for _, kv := range list {
		if kv != "" {
			out = append(out, kv)
		}
	}
	return out
}

// openHandler opens the files of redirections. Files it creates get the
// shell's umask (set by the umask builtin) applied to 0666, as in bash.
func (s *Shell) openHandler(ctx context.Context, path string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	if text, ok := s.takeVirtual(path); ok {
		return virtualFile{strings.NewReader(text)}, nil
	}
	hc := interp.HandlerCtx(ctx)
	if path != "" && !filepath.IsAbs(path) {
		path = filepath.Join(hc.Dir, path)
	}
	if h := runOf(ctx); h != nil {
		if tok := hc.Env.Get(varJob).String(); tok != "" {
			if fi, err := os.Stat(path); err == nil && fi.Mode()&fs.ModeNamedPipe != 0 {
				// Opening a FIFO waits for its other end, which the
				// parent may be about to open: $! cannot wait for the job.
				h.jobNoPid(tok)
			}
		}
	}
	f, err := s.open(ctx, hc, path, flag, perm)
	h := runOf(ctx)
	if err != nil || h == nil || flag&(os.O_WRONLY|os.O_RDWR) != os.O_WRONLY {
		return f, err
	}
	return newTracedFile(f, &h.holding), nil
}

func (s *Shell) open(ctx context.Context, hc interp.HandlerContext, path string, flag int, perm os.FileMode) (*os.File, error) {
	if flag&os.O_CREATE == 0 {
		return os.OpenFile(path, flag, perm)
	}
	mask := s.procUmask
	if h := runOf(ctx); h != nil {
		mask = h.umaskOf(hc.Env)
	}
	if mask == s.procUmask {
		return os.OpenFile(path, flag, 0o666)
	}
	return createMode(path, flag, fs.FileMode(0o666&^mask))
}

// createMode opens a file like os.OpenFile, giving a file it creates
// exactly mode, whatever hookinit's own umask is (hookinit does not
// change its umask: other goroutines are creating files and processes).
func createMode(path string, flag int, mode fs.FileMode) (*os.File, error) {
	for range 10 {
		f, err := os.OpenFile(path, flag&^os.O_CREATE, 0)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		f, err = os.OpenFile(path, flag|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) {
			continue // created meanwhile: open it as existing
		}
		if err != nil {
			return nil, err
		}
		if err := f.Chmod(mode); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EAGAIN}
}

// virtualFile serves rewritten script text to the source builtin.
type virtualFile struct{ *strings.Reader }

// Write fails: the text is only read.
func (virtualFile) Write([]byte) (int, error) { return 0, syscall.EBADF }

// Close does nothing: there is no file.
func (virtualFile) Close() error { return nil }

// processUmask reads hookinit's own umask without changing it (umask(2)
// can only be read by setting it, which would race with other goroutines).
func processUmask() int {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return int(m)
				}
			}
		}
	}
	return 0o022
}
