package hooks

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/pattern"
)

// The interpreter lists kill and umask as builtins but does not implement
// them, rejects set -E, and ignores an exit inside an EXIT trap. The call
// handler, which sees every simple command before it runs, gives those a
// real implementation, refuses what cannot be done faithfully, and keeps
// the bookkeeping for background jobs. State that must follow the shell's
// scoping rules (a subshell's umask does not leak into its parent) lives in
// private shell variables, which the interpreter copies and scopes for us.

// Private names. Commands are run in-process by the exec handler; variables
// are never exported to children (see execEnv).
const (
	privPrefix = "__hookinit_"

	cmdKill      = privPrefix + "kill"      // kill ARGS: the kill builtin
	cmdUmask     = privPrefix + "umask"     // umask [-S|-p]: print the mask
	cmdFail      = privPrefix + "fail"      // fail CODE MSG: print MSG, exit CODE
	cmdTrapPrint = privPrefix + "trapprint" // trap with no arguments
	cmdBg        = privPrefix + "bg"        // before a & job: allocate its token
	cmdBgJob     = privPrefix + "bgjob"     // first thing a & job runs
	cmdBgEnd     = privPrefix + "bgend"     // after a & job started: record $!
	cmdBgExit    = privPrefix + "bgexit"    // a & job's EXIT trap: it is over
	cmdCmdSubst  = privPrefix + "cs"        // first thing a $(...) runs
	fnSource     = privPrefix + "source"    // the function a *.envsh runs in
	cmdStatus    = privPrefix + "status"    // exits with $__hookinit_st
	cmdHandoff   = privPrefix + "handoff"   // handoff CMD ARG...: a top-level exec (--script)
	cmdTrapRun   = privPrefix + "traprun"   // traprun CMD ARG...: pending traps, then CMD
	cmdTrapDone  = privPrefix + "trapdone"  // the last thing a trap action runs
	cmdWait      = privPrefix + "wait"      // wait ARG...: a wait a trapped signal ends
	cmdTrapCheck = privPrefix + "tc"        // where pending traps run; keeps $?
	cmdFuncEnter = privPrefix + "fenter"    // fenter NAME FILE#: a function's first command
	cmdSrcInit   = privPrefix + "srcinit"   // srcinit FILE#: a script's first command
	cmdSrcPush   = privPrefix + "srcpush"   // srcpush FILE#: "." begins
	cmdSub       = privPrefix + "sub"       // first thing a copy of the shell runs (--script)
	cmdRet       = privPrefix + "ret"       // ret N: exits with N
	cmdQuoteMeta = privPrefix + "qm"        // qm TEXT: prints TEXT with pattern characters escaped
	cmdWaitNext  = privPrefix + "waitnext"  // waitnext gN...: wait -n
	cmdSrcPop    = privPrefix + "srcpop"    // srcpop STATUS: "." ended with STATUS
	cmdDot       = privPrefix + "dot"       // dot PATH ARG...: the "." builtin, as it is
	// Builtins that hookinit's own code runs, under names of their own so
	// that set -x can leave them out (trace.go).
	cmdNop   = privPrefix + "nop"   // :
	cmdExit  = privPrefix + "exit"  // exit [N]
	cmdSet   = privPrefix + "set"   // set ARG...
	cmdEcho  = privPrefix + "echo"  // echo TEXT: what echo prints, in one write
	cmdUnset = privPrefix + "unset" // unset ARG...

	varStatus      = privPrefix + "st"              // a compound command's status
	varSaved       = privPrefix + "sv"              // $? kept across save0's assignment
	varFnPrefix    = privPrefix + "fn_"             // fn_NAME: a function NAME was declared
	varUmask       = privPrefix + "umask"           // the shell's umask, octal
	varJob         = privPrefix + "job"             // token of the & job we are in
	varNextJob     = privPrefix + "nextjob"         // token for the & job about to start
	varExitTrap    = privPrefix + "exittrap"        // the EXIT trap's action
	varInheritErrx = privPrefix + "inherit_errexit" // shopt -s inherit_errexit
	varBgPrefix    = privPrefix + "bg_"             // bg_N: token of job $! = gN
	varPctPrefix   = privPrefix + "pct_"            // pct_N: $! of job %N
	varPctCur      = privPrefix + "pct_cur"         // $! of job %%
	varNJobs       = privPrefix + "njobs"           // how many & jobs this shell started
	varBang        = privPrefix + "bang"            // $!: the pid of the last & job, or its gN
	varPidPrefix   = privPrefix + "pid_"            // pid_PID: gN of the job whose $! is PID
	varSub         = privPrefix + "sub"             // set in ( ), $( ), <( ) and pipelines (--script)
	varRedir       = privPrefix + "rd"              // set for a command with redirections (--script)
	varMain        = privPrefix + "main"            // set for the command a one-command & job runs
	varFrames      = privPrefix + "frames"          // the names of the active functions and sources
	varFuncname    = privPrefix + "funcname"        // FUNCNAME
	varSource      = privPrefix + "bash_source"     // BASH_SOURCE
)

// unsupportedError is a construct refused while a script runs: something
// the static check could not see (eval'd code, a computed option).
type unsupportedError struct{ Problem }

// Error names the file, the position and the construct.
func (e *unsupportedError) Error() string { return "hooks: " + e.Problem.String() }

// refuse stops the script at a construct the embedded shell cannot run
// faithfully. The error halts the interpreter; in a & job, whose errors
// nobody may collect, it is printed as well.
func (h *hookRun) refuse(hc interp.HandlerContext, msg string) error {
	err := &unsupportedError{Problem{Path: h.path, Line: int(hc.Pos.Line()), Col: int(hc.Pos.Col()), Msg: msg}}
	if tok := hc.Env.Get(varJob).String(); tok != "" {
		fmt.Fprintf(hc.Stderr, "hookinit: %s\n", err.Problem)
		h.jobDone(tok) // the error ends the job
	}
	h.mu.Lock()
	if h.refused == nil {
		// In a copy of the shell (a $(...), a & job) the error ends only
		// the copy: the run's next command fails with it too.
		h.refused = err
	}
	h.mu.Unlock()
	return err
}

// refusedErr is the first construct refused while the run ran, if any.
func (h *hookRun) refusedErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.refused == nil {
		return nil
	}
	return h.refused
}

// callHandler runs before every simple command, builtins and function
// calls included, and may replace its arguments.
func (s *Shell) callHandler(ctx context.Context, args []string) ([]string, error) {
	h := runOf(ctx)
	if h == nil {
		return args, nil
	}
	hc := interp.HandlerCtx(ctx)
	if t := traceOf(hc.Stderr); t != nil {
		t.retrace(args) // set -x: this command's line, as bash prints it
	}
	if t := traceOf(hc.Stdout); t != nil {
		_ = t.flush() // a line held there (2>&1 once) waits no longer
	}
	if h.isStopping() {
		return nil, h.stoppingErr()
	}
	if err := h.refusedErr(); err != nil && args[0] != cmdBgExit {
		return nil, err
	}
	if err := h.interruptedErr(); err != nil && args[0] != cmdBgExit {
		return nil, err
	}
	tok := hc.Env.Get(varJob).String()
	if tok != "" && args[0] != cmdBgExit {
		// A & job that was killed: bash would have killed the subshell
		// running it, so it runs nothing more.
		if sig := h.jobKilled(tok); sig != 0 {
			// It exits now, so it is over (it may have been killed before
			// it could set its EXIT trap).
			h.jobDone(tok)
			return []string{"exit", strconv.Itoa(128 + int(sig))}, nil
		}
		h.jobCall(tok, hc, args[0])
	}
	out, err := h.rewriteCall(ctx, hc, args)
	if err != nil || len(out) == 0 {
		return out, err
	}
	if h.script && h.trapsDue(hc, args[0]) {
		return append([]string{cmdTrapRun}, out...), nil
	}
	return out, nil
}

// rewriteCall gives the builtins hookinit implements or corrects their
// implementation, and refuses what cannot run faithfully.
func (h *hookRun) rewriteCall(ctx context.Context, hc interp.HandlerContext, args []string) ([]string, error) {
	if hc.Env.Get(varFnPrefix + args[0]).IsSet() {
		return args, nil // a function of the script's: the interpreter calls it
	}
	// "command kill" and "builtin umask" are the same builtins.
	name, rest := args[0], args[1:]
	for (name == "command" || name == "builtin") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	switch name {
	case cmdBg:
		return keepStatus(hc, h.bgStart(rest)), nil
	case cmdBgJob:
		return keepStatus(hc, newCopy(hc)+varJob+"="+hc.Env.Get(varNextJob).String()+"; trap "+cmdBgExit+" EXIT"), nil
	case cmdBgEnd:
		return h.bgEnd(hc, rest), nil
	case cmdBgExit:
		h.jobDone(hc.Env.Get(varJob).String())
		return []string{":"}, nil
	case cmdNop:
		return []string{":"}, nil
	case cmdExit:
		return append([]string{"exit"}, rest...), nil
	case cmdSet:
		return append([]string{"set"}, rest...), nil
	case cmdUnset:
		return append([]string{"unset"}, rest...), nil
	case cmdFuncEnter:
		return keepStatus(hc, funcEnter(hc, rest, h.s.fileName)), nil
	case cmdSrcPush:
		if len(rest) == 1 {
			return keepStatus(hc, srcPush(hc, h.s.fileName(rest[0]))), nil
		}
	case cmdSrcPop:
		if len(rest) == 1 {
			return srcPop(hc, rest[0]), nil
		}
	case cmdDot:
		return append([]string{"."}, rest...), nil
	case cmdSrcInit:
		file := ""
		if len(rest) > 0 {
			file = h.s.fileName(rest[0])
		}
		return []string{"eval", "unset " + varFrames + " " + varFuncname + "; " + varSource + "=(" + shellQuote(file) + ")"}, nil
	case cmdCmdSubst:
		// bash clears -e in $(...) unless inherit_errexit is set; the
		// embedded shell always keeps it.
		code := newCopy(hc) + cmdSet + " +e"
		if hc.Env.Get(varInheritErrx).String() != "" {
			code = newCopy(hc) + cmdNop
		}
		return keepStatus(hc, code), nil
	case cmdSub:
		return keepStatus(hc, newCopy(hc)+cmdNop), nil
	case "kill":
		return append([]string{cmdKill}, rest...), nil
	case "umask":
		return h.umask(hc, rest), nil
	case "trap":
		return h.trap(hc, rest)
	case "set":
		out, msg := filterSetArgs(rest)
		if msg != "" {
			return nil, h.refuse(hc, msg)
		}
		if len(out) == 0 && len(rest) > 0 {
			return []string{":"}, nil
		}
		return append([]string{"set"}, out...), nil
	case "shopt":
		return h.shopt(hc, rest)
	case "wait":
		return h.wait(hc, rest)
	case "read":
		if msg := unsupportedCall(append([]string{"read"}, rest...)); msg != "" {
			return nil, h.refuse(hc, msg)
		}
		if cmd, ok := h.read(ctx, hc, rest); ok {
			return cmd, nil
		}
		return append([]string{"read"}, readArgs(hc, rest)...), nil
	case "echo":
		return []string{cmdEcho, echoOutput(rest)}, nil
	case "unset":
		return unset(hc, rest), nil
	case "printf":
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:] // the interpreter would print "--"
		}
		if msg := unsupportedCall(append([]string{"printf"}, rest...)); msg != "" {
			return nil, h.refuse(hc, msg)
		}
		if len(rest) > 0 {
			format, args := printfArgs(rest[0], rest[1:], localeUTF8(hc.Env))
			rest = append([]string{format}, args...)
		}
		return append([]string{"printf"}, rest...), nil
	case "cd", "exec":
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:] // the interpreter would take "--" as an operand
		}
		if msg := unsupportedCall(append([]string{name}, rest...)); msg != "" {
			return nil, h.refuse(hc, msg)
		}
		if name == "exec" && len(rest) > 0 && h.isMain(hc) {
			return append([]string{cmdHandoff}, rest...), nil
		}
		return append([]string{name}, rest...), nil
	case "[", "test":
		ex := rest
		if name == "[" && len(ex) > 0 && ex[len(ex)-1] == "]" {
			ex = ex[:len(ex)-1]
		}
		if len(ex) == 3 && (ex[1] == "<" || ex[1] == ">") {
			// The interpreter's test has no < and >; bash's compares
			// bytes.
			if ex[1] == "<" && ex[0] < ex[2] || ex[1] == ">" && ex[0] > ex[2] {
				return []string{"true"}, nil
			}
			return []string{"false"}, nil
		}
	case ".", "source":
		return h.source(hc, name, rest)
	case "eval":
		return h.eval(hc, rest)
	}
	if msg := unsupportedCall(append([]string{name}, rest...)); msg != "" {
		return nil, h.refuse(hc, msg)
	}
	return args, nil
}

// readArgs drops read's -p PROMPT when standard input is not a terminal:
// bash shows the prompt only to a terminal, the interpreter always.
func readArgs(hc interp.HandlerContext, args []string) []string {
	if f, ok := hc.Stdin.(*os.File); ok && f != nil && isTerminal(f) {
		return args
	}
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return append(out, args[i:]...)
		}
		p := strings.IndexByte(a, 'p')
		if p < 0 {
			out = append(out, a)
			continue
		}
		if a[:p] != "-" {
			out = append(out, a[:p])
		}
		if p == len(a)-1 {
			i++ // the prompt is the next argument
		}
	}
	return out
}

// isTerminal reports whether f is a terminal, without putting it into
// blocking mode as File.Fd would.
func isTerminal(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	_ = rc.Control(func(fd uintptr) {
		_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		tty = err == nil
	})
	return tty
}

// assign returns a command that sets shell variables in the current scope:
// eval of name='value' pairs. The interpreter offers handlers no other way
// to set a variable, and eval runs in the caller's scope, which is what
// keeps a subshell's umask or EXIT trap inside the subshell.
func assign(pairs ...string) []string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pairs[i])
		b.WriteByte('=')
		b.WriteString(shellQuote(pairs[i+1]))
	}
	return []string{"eval", b.String()}
}

// shellQuote quotes s as one shell word for code hookinit hands the
// interpreter: a single quote inside is written as a double-quoted one
// between two single-quoted strings, since in an assignment the
// interpreter keeps the backslash of a backslash-escaped one.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// printQuote quotes s as bash prints a word (trap, for one): a single
// quote inside is backslash-escaped between two single-quoted strings.
func printQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// exitStatus is the error an exec handler returns for exit code code. The
// interpreter panics on an ExitStatus of 0, so code is taken modulo 256
// (as exit does) and 0 is no error.
func exitStatus(code int) error {
	if c := uint8(code); c != 0 {
		return interp.ExitStatus(c)
	}
	return nil
}

// fail returns a command that prints msg (bash's style, on stderr) and
// exits with code, for a builtin used wrongly.
func fail(code int, msg string) []string {
	return []string{cmdFail, strconv.Itoa(code), msg}
}

// unsupportedCall says why a simple command (its literal arguments; an
// argument known only at run time is unknownArg) cannot run faithfully in
// the embedded shell, or returns "". It serves both the static check and
// the call handler, so that --check and a running hook agree.
func unsupportedCall(args []string) string {
	name := args[0]
	rest := args[1:]
	if interp.IsBuiltin(name) && !implementedBuiltins[name] {
		if name == "ulimit" {
			return "ulimit is not supported by the embedded shell; set limits with docker run --ulimit"
		}
		return name + " is not supported by the embedded shell"
	}
	if f, ok := builtinFlags[name]; ok {
		if name == "cd" && len(rest) > 0 && rest[0] == "-" {
			return "" // cd -: back to $OLDPWD
		}
		return flagsProblem(name, rest, f.plain, f.valued)
	}
	switch name {
	case "set":
		_, msg := filterSetArgs(rest)
		return msg
	case "printf":
		if len(rest) > 0 && rest[0] == "-v" {
			return "printf -v is not supported by the embedded shell"
		}
		if len(rest) > 0 && rest[0] != unknownArg {
			return printfFormatProblem(rest[0])
		}
	case "shopt":
		return shoptProblem(rest)
	}
	return ""
}

// implementedBuiltins are the builtins that either the interpreter or
// hookinit implements (see interp's builtin.go; the rest of IsBuiltin's
// list ends in "unsupported builtin").
var implementedBuiltins = map[string]bool{
	":": true, "true": true, "false": true, "help": true, "exit": true, "set": true,
	"shift": true, "unset": true, "echo": true, "printf": true, "break": true,
	"continue": true, "pwd": true, "cd": true, "wait": true, "builtin": true,
	"type": true, "hash": true, "eval": true, "source": true, ".": true, "[": true,
	"test": true, "exec": true, "command": true, "dirs": true, "pushd": true,
	"popd": true, "return": true, "read": true, "getopts": true, "shopt": true,
	"alias": true, "unalias": true, "trap": true, "readarray": true, "mapfile": true,
	// hookinit's own:
	"kill": true, "umask": true,
}

// builtinFlags are the options the interpreter implements for builtins
// that otherwise fail or silently differ: plain ones, and ones that take a
// value.
var builtinFlags = map[string]struct{ plain, valued string }{
	"read":      {"rsa", "pd"},
	"mapfile":   {"t", "d"},
	"readarray": {"t", "d"},
	"wait":      {"n", ""},
	"type":      {"tpP", ""},
	"command":   {"v", ""},
	"cd":        {},
	"exec":      {},
}

// flagsProblem checks a builtin's options: plain lists the option letters
// it supports, valued those that take a value. Anything else is refused.
func flagsProblem(name string, args []string, plain, valued string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == unknownArg {
			return ""
		}
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return ""
		}
		for j := 1; j < len(a); j++ {
			ch := rune(a[j])
			switch {
			case strings.ContainsRune(plain, ch):
			case strings.ContainsRune(valued, ch):
				if j == len(a)-1 {
					i++ // the value is the next argument
				}
				j = len(a)
			default:
				return fmt.Sprintf("%s -%c is not supported by the embedded shell", name, ch)
			}
		}
	}
	return ""
}

// builtinCall runs one of hookinit's in-process commands for the exec
// handler; ok is false for any other command.
func (h *hookRun) builtinCall(ctx context.Context, hc interp.HandlerContext, args []string) (err error, ok bool) {
	switch args[0] {
	case cmdKill:
		return h.kill(hc, args[1:]), true
	case cmdUmask:
		return h.printUmask(hc, args[1:]), true
	case cmdFail:
		if len(args) != 3 {
			break // not ours: called by hand
		}
		code, _ := strconv.Atoi(args[1])
		fmt.Fprintf(hc.Stderr, "%s: line %d: %s\n", h.path, hc.Pos.Line(), args[2])
		return exitStatus(code), true
	case cmdStatus:
		code, _ := strconv.Atoi(hc.Env.Get(varStatus).String())
		return exitStatus(code), true
	case cmdTrapPrint:
		if cb := hc.Env.Get(varExitTrap); cb.IsSet() {
			fmt.Fprintf(hc.Stdout, "trap -- %s EXIT\n", printQuote(cb.String()))
		}
		h.printSignalTraps(hc.Stdout)
		return nil, true
	case cmdHandoff:
		return h.handoffExec(ctx, hc, args[1:]), true
	case cmdTrapRun:
		return h.runTrapsThen(ctx, hc, args[1:]), true
	case cmdTrapCheck:
		return exitStatus(hc.LastExitStatus), true
	case cmdEcho:
		if len(args) != 2 {
			break
		}
		if hc.Stdout == nil {
			return nil, true // no stream at all: like a closed one (>&-)
		}
		if _, err := io.WriteString(hc.Stdout, args[1]); err != nil {
			fmt.Fprintf(hc.Stderr, "%s: line %d: echo: write error: %s\n", h.path, hc.Pos.Line(), errText(err))
			return interp.ExitStatus(1), true
		}
		return nil, true
	case cmdQuoteMeta:
		if len(args) != 2 {
			break
		}
		_, err := io.WriteString(hc.Stdout, pattern.QuoteMeta(args[1], 0))
		if err != nil {
			return interp.ExitStatus(1), true
		}
		return nil, true
	case cmdRet:
		if len(args) != 2 {
			break
		}
		code, _ := strconv.Atoi(args[1])
		return exitStatus(code), true
	case cmdTrapDone:
		h.mu.Lock()
		h.scr.trapDone = true
		h.mu.Unlock()
		return nil, true
	case cmdWait:
		return h.waitCmd(ctx, hc, args[1:]), true
	case cmdWaitNext:
		return h.waitNext(ctx, hc, args[1:]), true
	}
	if strings.HasPrefix(args[0], privPrefix) {
		return fmt.Errorf("hooks: internal command %s used out of place", args[0]), true
	}
	return nil, false
}

// unset is unset ARGS, also dropping the marker of each function it
// removes (markFunc): unset -f NAME, or unset NAME when NAME is no variable
// but a function. A removed function's name is hookinit's builtin again.
// An empty name, which the interpreter cannot take, is what bash makes of
// it: nothing, or with -v an error.
func unset(hc interp.HandlerContext, args []string) []string {
	funcs, vars, names := false, false, args
	var opts []string
	for len(names) > 0 && strings.HasPrefix(names[0], "-") {
		if names[0] == "--" {
			names = names[1:]
			break
		}
		funcs = funcs || strings.Contains(names[0], "f")
		vars = vars || strings.Contains(names[0], "v")
		opts = append(opts, names[0])
		names = names[1:]
	}
	if slices.Contains(names, "") {
		if vars {
			return fail(1, "unset: `': not a valid identifier")
		}
		kept := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "" })
		return unset(hc, slices.Concat(opts, []string{"--"}, kept))
	}
	var markers []string
	for _, n := range names {
		if !identifier.MatchString(n) {
			continue // no function marker; unset itself complains
		}
		m := varFnPrefix + n
		// Without -f, unset takes a variable, declared even if empty, and
		// only failing that a function; -v never takes a function.
		if hc.Env.Get(m).IsSet() && (funcs || !vars && !hc.Env.Get(n).Declared()) {
			markers = append(markers, m)
		}
	}
	if len(markers) == 0 {
		return append([]string{"unset"}, args...)
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	// The status is unset's own, kept across the markers' unset.
	return []string{"eval", cmdUnset + " " + strings.Join(quoted, " ") + "; " + varSaved + "=$?; " + cmdUnset + " " +
		strings.Join(markers, " ") + "; " + cmdRet + " \"$" + varSaved + "\""}
}
