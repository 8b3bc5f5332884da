package hooks

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	utf8pkg "unicode/utf8"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/expand"
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
	cmdNop  = privPrefix + "nop"  // :
	cmdExit = privPrefix + "exit" // exit [N]
	cmdSet  = privPrefix + "set"  // set ARG...
	cmdEcho = privPrefix + "echo" // echo TEXT: what echo prints, in one write

	varStatus      = privPrefix + "st"              // a compound command's status
	varSaved       = privPrefix + "sv"              // $? kept across save0's assignment
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

// printfFormatProblem finds conversions the interpreter's printf does not
// have: it knows %s %b %c %d %i %u %o %x with a width and one of the flags
// "-+ " (and hookinit gives it %q, see printfQ), and fails on anything
// else (precision, %f, %(...)T, ...).
func printfFormatProblem(format string) string {
	_, msg := printfConvs(format)
	return msg
}

// printfConv is a conversion of a printf format that takes an argument:
// where it starts (its %) and ends (its letter), the letter, its width and
// whether it is left-justified (the - flag).
type printfConv struct {
	start, at int
	verb      byte
	width     int
	left      bool
}

// printfConvs lists the conversions of a format, or says why the
// embedded shell cannot run it.
func printfConvs(format string) ([]printfConv, string) {
	var convs []printfConv
	for i := 0; i < len(format); i++ {
		switch format[i] {
		case '\\':
			i++
		case '%':
			j := i + 1
			flags := 0
			left := false
			for j < len(format) && strings.IndexByte("-+ #", format[j]) >= 0 {
				if format[j] == '#' {
					return nil, "printf flag # is not supported by the embedded shell"
				}
				left = left || format[j] == '-'
				flags++
				j++
			}
			width := 0
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				width = min(width*10+int(format[j]-'0'), 1<<20)
				j++
			}
			if j >= len(format) {
				return nil, "printf format ends in the middle of a conversion"
			}
			c := format[j]
			switch {
			case c == '%' && j == i+1:
			case c == 'b' && width > 0:
				return nil, "printf %b with a width is not supported by the embedded shell"
			case strings.IndexByte("sbcdiuoxq", c) >= 0:
				if flags > 1 {
					return nil, "printf with more than one flag in a conversion is not supported by the embedded shell"
				}
				convs = append(convs, printfConv{i, j, c, width, left})
			case c == '.':
				return nil, "printf precision (%.N) is not supported by the embedded shell"
			case c == '*':
				return nil, "printf width * is not supported by the embedded shell"
			case c == '(':
				return nil, "printf %(...)T is not supported by the embedded shell"
			default:
				return nil, fmt.Sprintf("printf %%%c is not supported by the embedded shell", c)
			}
			i = j
		}
	}
	return convs, ""
}

// printfArgs does for the interpreter's printf what it lacks: %q, which
// it gets as %s with the argument quoted as bash quotes it, and widths of
// %s and %q counted in bytes as bash counts them (the interpreter counts
// characters), which it gets as %s with the argument padded. The format is
// reused while arguments are left, as printf does; the conversions of the
// last round that get none are given what bash uses then: an empty quoted string for %q, 0
// for numbers, nothing for the rest.
func printfArgs(format string, args []string, utf8 bool) (string, []string) {
	convs, _ := printfConvs(format)
	mine := func(c printfConv) bool { return c.verb == 'q' || c.verb == 's' && c.width > 0 }
	if !slices.ContainsFunc(convs, mine) {
		return format, args
	}
	var f strings.Builder
	last := 0
	for _, c := range convs {
		if mine(c) {
			f.WriteString(format[last:c.start])
			f.WriteString("%s")
			last = c.at + 1
		}
	}
	f.WriteString(format[last:])
	n := len(convs)
	rounds := max(1, (len(args)+n-1)/n)
	out := make([]string, 0, rounds*n)
	for i := range rounds * n {
		c := convs[i%n]
		var a string
		switch {
		case i < len(args):
			a = args[i]
		case strings.IndexByte("diuox", c.verb) >= 0:
			a = "0"
		}
		if c.verb == 'q' {
			a = bashQuote(a, utf8)
		}
		if mine(c) && len(a) < c.width {
			pad := strings.Repeat(" ", c.width-len(a))
			if c.left {
				a += pad
			} else {
				a = pad + a
			}
		}
		out = append(out, a)
	}
	return f.String(), out
}

// bashQuote quotes s as bash's printf %q does: a pair of quotes for nothing, $'...' when
// s has a character that is not printable (in the C locale: any byte
// outside ASCII; with a UTF-8 locale, invalid bytes and characters that
// are not graphic, as glibc's iswprint has them), else a backslash before
// each character special to the shell (# only first, ~ first or after =
// or :).
func bashQuote(s string, utf8 bool) string {
	if s == "" {
		return "''"
	}
	if !quotePrintable(s, utf8) {
		return ansiQuote(s, utf8)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(" !\"$&'()*,;<>?[\\]^`{|}", c) >= 0,
			c == '#' && i == 0,
			c == '~' && (i == 0 || s[i-1] == '=' || s[i-1] == ':'):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func quotePrintable(s string, utf8 bool) bool {
	if !utf8 {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(s); {
		r, size := utf8pkg.DecodeRuneInString(s[i:])
		if r == utf8pkg.RuneError && size == 1 || !unicode.IsGraphic(r) {
			return false
		}
		i += size
	}
	return true
}

// ansiQuote is bash's $'...' form of s.
func ansiQuote(s string, utf8 bool) string {
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if utf8 && s[i] >= 0x80 {
			r, size = utf8pkg.DecodeRuneInString(s[i:])
		}
		switch {
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80 && strings.ContainsRune("\a\b\f\n\r\t\v", r):
			b.WriteString(strconv.Quote(string(r))[1:3])
		case r == 0x1b:
			b.WriteString("\\E")
		case r >= 0x20 && r < 0x7f, utf8 && r >= 0x80 && size > 1 && unicode.IsGraphic(r):
			b.WriteString(s[i : i+size])
		default:
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, "\\%03o", c)
			}
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}

// localeUTF8 reports whether the shell's locale (LC_ALL, else LC_CTYPE,
// else LANG) is a UTF-8 one.
func localeUTF8(env expand.Environ) bool {
	for _, name := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := strings.ToLower(env.Get(name).String()); v != "" {
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}

// shellOpt describes one "set -o" option as the embedded shell sees it.
type shellOpt struct {
	flag rune // one-letter form, or 0
	// supported: the interpreter implements it.
	supported bool
	// ignorable: it changes nothing for a non-interactive script, so set
	// accepts it and the interpreter never sees it.
	ignorable bool
	// on: bash's default for a script; setting an option to its default
	// is always accepted.
	on bool
}

var shellOpts = map[string]shellOpt{
	"allexport": {flag: 'a', supported: true},
	"errexit":   {flag: 'e', supported: true},
	"noexec":    {flag: 'n', supported: true},
	"noglob":    {flag: 'f', supported: true},
	"nounset":   {flag: 'u', supported: true},
	"xtrace":    {flag: 'x', supported: true},
	"pipefail":  {supported: true},
	// The ERR trap is refused, so errtrace has nothing to change; it is
	// accepted because "set -Eeuo pipefail" is a common opening line.
	"errtrace": {flag: 'E', ignorable: true},
	// DEBUG and RETURN traps are refused, so functrace changes nothing.
	"functrace": {flag: 'T', ignorable: true},
	// Command hashing only caches PATH look-ups.
	"hashall":              {flag: 'h', ignorable: true, on: true},
	"notify":               {flag: 'b', ignorable: true},
	"emacs":                {ignorable: true},
	"vi":                   {ignorable: true},
	"history":              {ignorable: true},
	"ignoreeof":            {ignorable: true},
	"nolog":                {ignorable: true},
	"braceexpand":          {flag: 'B', on: true},
	"interactive-comments": {on: true},
	"histexpand":           {flag: 'H'},
	"keyword":              {flag: 'k'},
	"monitor":              {flag: 'm'},
	"noclobber":            {flag: 'C'},
	"onecmd":               {flag: 't'},
	"physical":             {flag: 'P'},
	"posix":                {},
	"privileged":           {flag: 'p'},
	"verbose":              {flag: 'v'},
}

// setOptionProblem says why "set -o name" (sign "-") or "set +o name"
// cannot be honoured, or returns "".
func setOptionProblem(sign, name string) string {
	o, ok := shellOpts[name]
	switch {
	case !ok:
		return fmt.Sprintf("set %so %s: no such option", sign, name)
	case o.supported || o.ignorable || o.on == (sign == "-"):
		return ""
	}
	return fmt.Sprintf("set %so %s is not supported by the embedded shell", sign, name)
}

// setFlagProblem is setOptionProblem for a one-letter flag.
func setFlagProblem(sign string, ch rune) string {
	for name, o := range shellOpts {
		if o.flag == ch {
			if msg := setOptionProblem(sign, name); msg != "" {
				return fmt.Sprintf("set %s%c (%s) is not supported by the embedded shell", sign, ch, name)
			}
			return ""
		}
	}
	return fmt.Sprintf("set %s%c: no such option", sign, ch)
}

// filterSetArgs drops the options of a set command that change nothing for
// the embedded shell (errtrace, hashall, options set to their default),
// and says why it cannot run if one is not supported.
func filterSetArgs(args []string) ([]string, string) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == unknownArg {
			return args, ""
		}
		if a == "--" || a == "-" || a == "+" || len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			return append(out, args[i:]...), ""
		}
		sign := a[:1]
		kept := sign
		for _, ch := range a[1:] {
			if ch != 'o' {
				if msg := setFlagProblem(sign, ch); msg != "" {
					return nil, msg
				}
				if o := optByFlag(ch); o.supported {
					kept += string(ch)
				}
				continue
			}
			if i+1 >= len(args) {
				kept += "o" // set -o alone lists the options
				continue
			}
			i++
			name := args[i]
			if name == unknownArg {
				return args, ""
			}
			if msg := setOptionProblem(sign, name); msg != "" {
				return nil, msg
			}
			if shellOpts[name].supported {
				if len(kept) > 1 {
					out = append(out, kept)
				}
				out = append(out, sign+"o", name)
				kept = sign
			}
		}
		if len(kept) > 1 {
			out = append(out, kept)
		}
	}
	return out, ""
}

func optByFlag(ch rune) shellOpt {
	for _, o := range shellOpts {
		if o.flag == ch {
			return o
		}
	}
	return shellOpt{}
}

// bashOptDefaults are the shopt options bash turns on for a script.
var bashOptDefaults = map[string]bool{
	"checkwinsize": true, "cmdhist": true, "complete_fullquote": true, "extquote": true,
	"force_fignore": true, "globasciiranges": true, "hostcomplete": true,
	"interactive_comments": true, "progcomp": true, "promptvars": true, "sourcepath": true,
	"patsub_replacement": true,
}

// bashOptsSupported are the shopt options the interpreter implements, plus
// inherit_errexit, which hookinit implements.
var bashOptsSupported = map[string]bool{
	"dotglob": true, "expand_aliases": true, "extglob": true, "globstar": true,
	"nocaseglob": true, "nullglob": true, "inherit_errexit": true,
}

// shoptProblem checks a shopt command.
func shoptProblem(args []string) string {
	mode, posix := "", false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-s", "-u":
			mode = args[0]
		case "-o":
			posix = true
		case unknownArg:
			return ""
		default:
			return fmt.Sprintf("shopt %s is not supported by the embedded shell", args[0])
		}
		args = args[1:]
	}
	if mode == "" {
		return ""
	}
	for _, name := range args {
		switch {
		case name == unknownArg:
		case posix:
			sign := "-"
			if mode == "-u" {
				sign = "+"
			}
			if msg := setOptionProblem(sign, name); msg != "" {
				return msg
			}
		case bashOptsSupported[name], bashOptDefaults[name] == (mode == "-s"):
		default:
			return fmt.Sprintf("shopt %s %s is not supported by the embedded shell", mode, name)
		}
	}
	return ""
}

// shopt handles inherit_errexit itself and drops options set to their
// default, which the interpreter would reject as unsupported.
func (h *hookRun) shopt(hc interp.HandlerContext, args []string) ([]string, error) {
	if msg := shoptProblem(args); msg != "" {
		return nil, h.refuse(hc, msg)
	}
	mode, posix := "", false
	var names []string
	for _, a := range args {
		switch a {
		case "-s", "-u":
			mode = a
		case "-o":
			posix = true
		default:
			names = append(names, a)
		}
	}
	if mode == "" || posix {
		return append([]string{"shopt"}, args...), nil
	}
	var keep []string
	var cmds []string
	for _, n := range names {
		switch {
		case n == "inherit_errexit":
			if mode == "-s" {
				cmds = append(cmds, varInheritErrx+"=1")
			} else {
				cmds = append(cmds, "unset "+varInheritErrx)
			}
		case bashOptsSupported[n]:
			keep = append(keep, n)
		}
	}
	switch {
	case len(cmds) == 0 && len(keep) == 0:
		return []string{":"}, nil
	case len(cmds) == 0:
		return append([]string{"shopt", mode}, keep...), nil
	case len(keep) > 0:
		// Comes back here through eval, with supported names only.
		cmds = append(cmds, "shopt "+mode+" "+strings.Join(keep, " "))
	}
	return []string{"eval", strings.Join(cmds, "; ")}, nil
}

// trapCmd is a trap command, parsed.
type trapCmd struct {
	list   bool // "trap" alone: print the traps
	own    bool // "trap __hookinit_bgexit EXIT": a job's bookkeeping
	set    bool // an action is set; otherwise the conditions are reset
	action string
	conds  []string // EXIT, signals, ERR, ...
}

func parseTrap(args []string) (trapCmd, string) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	switch {
	case len(args) == 0:
		return trapCmd{list: true}, ""
	case args[0] == "-p" || args[0] == "-l":
		return trapCmd{}, fmt.Sprintf("trap %s is not supported by the embedded shell", args[0])
	case len(args) == 1:
		return trapCmd{conds: args}, "" // "trap SIG" resets SIG
	case args[0] == cmdBgExit:
		return trapCmd{own: true}, ""
	case args[0] == "-":
		return trapCmd{conds: args[1:]}, ""
	}
	return trapCmd{set: true, action: args[0], conds: args[1:]}, ""
}

const (
	trapOther = iota
	trapExit
	trapSignal
)

// trapTarget reads a trap's condition: EXIT (0), a signal, or another
// (ERR, DEBUG, RETURN, an invalid name).
func trapTarget(name string) (syscall.Signal, int) {
	switch strings.ToUpper(name) {
	case "EXIT", "0", "SIGEXIT":
		return 0, trapExit
	case "ERR", "DEBUG", "RETURN":
		return 0, trapOther
	}
	if sig, ok := parseSignal(name); ok && sig > 0 {
		return sig, trapSignal
	}
	return 0, trapOther
}

// trappable are the signals a --script entrypoint may trap: those a
// container receives from outside (docker stop, docker kill -s, a
// terminal). The others either never reach a shell that way (CHLD and
// PIPE concern the process itself) or cannot be caught.
var trappable = map[syscall.Signal]bool{
	syscall.SIGHUP: true, syscall.SIGINT: true, syscall.SIGQUIT: true, syscall.SIGUSR1: true,
	syscall.SIGUSR2: true, syscall.SIGALRM: true, syscall.SIGTERM: true, syscall.SIGWINCH: true,
}

// trapProblem checks a trap command. A hook may set EXIT actions only (the
// ERR trap fires again for every enclosing compound command and ignores
// exit; signals belong to hookinit). A --script entrypoint (entry) may
// also trap the signals a container receives, in its own shell (not
// inSub, a copy of it): see Shell.Signal.
func trapProblem(args []string, entry, inSub bool) string {
	t, msg := parseTrap(args)
	if msg != "" || t.list || t.own {
		return msg
	}
	for _, name := range t.conds {
		if name == unknownArg {
			continue
		}
		sig, kind := trapTarget(name)
		switch {
		case kind == trapExit:
		case strings.EqualFold(name, "ERR"):
			return "trap on ERR is not supported by the embedded shell: it fires again for every enclosing compound command and function, and ignores exit in the action"
		case kind == trapOther:
			return fmt.Sprintf("trap on %s is not supported by the embedded shell", name)
		case !entry:
			return fmt.Sprintf("trap on %s is not supported by the embedded shell: hookinit relays signals to the processes a script starts, and stops the script itself when the container stops", name)
		case !trappable[sig]:
			return fmt.Sprintf("trap on %s is not supported by the embedded shell: only HUP, INT, QUIT, USR1, USR2, ALRM, TERM and WINCH can be trapped", name)
		case !t.set:
		case t.action == "":
			return fmt.Sprintf("trap '' %s (ignoring a signal) is not supported by the embedded shell: the commands the script starts would not ignore it", name)
		case inSub:
			return fmt.Sprintf("a trap on %s set inside ( ), $( ), a pipeline or a & job is not supported by the embedded shell: only the script's own shell receives signals", name)
		}
	}
	return ""
}

// trap keeps the EXIT action in a shell variable; hookinit runs it when
// the script ends, so that an exit inside it sets the exit status, as in
// bash (the interpreter's own EXIT trap discards it). The signal actions
// of a --script entrypoint's own shell go into the run's table (see
// Shell.Signal).
func (h *hookRun) trap(hc interp.HandlerContext, args []string) ([]string, error) {
	if msg := trapProblem(args, h.script, !h.isMain(hc)); msg != "" {
		return nil, h.refuse(hc, msg)
	}
	t, _ := parseTrap(args)
	switch {
	case t.list:
		return []string{cmdTrapPrint}, nil
	case t.own:
		return append([]string{"trap"}, args...), nil
	case t.set:
		if _, probs := checkAs("trap action", []byte(t.action), modeDotted, h.script); len(probs) > 0 {
			return nil, h.refuseProblems(hc, probs)
		}
	}
	out := []string{":"}
	for _, name := range t.conds {
		sig, kind := trapTarget(name)
		switch {
		case kind == trapExit && t.set:
			out = assign(varExitTrap, t.action)
		case kind == trapExit:
			out = []string{"unset", varExitTrap}
		case kind == trapSignal:
			h.setSignalTrap(sig, t.action, t.set)
		}
	}
	return out, nil
}

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

// source checks a file that a script sources, rewrites it like a hook (see
// prepare) and hands the interpreter the rewritten text under a name that
// only the open handler knows.
func (h *hookRun) source(hc interp.HandlerContext, name string, args []string) ([]string, error) {
	if len(args) == 0 {
		return append([]string{name}, args...), nil
	}
	path := sourcePath(hc, args[0])
	src, err := os.ReadFile(path)
	if err != nil {
		// The interpreter reports it as bash would.
		return append([]string{name}, args...), nil
	}
	f, probs := checkAs(path, src, modeDotted, h.script)
	if len(probs) > 0 {
		return nil, h.refuseProblems(hc, probs)
	}
	h.s.prepare(f, prep{mode: modeDotted, entry: h.script, file: args[0]})
	file := h.s.fileIndex(args[0])
	text, ok := printRewritten(f)
	if !ok {
		h.s.logf("%s: %s: could not rewrite it; sourcing it as it is", h.name, path)
		return sourceFrame(file, args), nil
	}
	vpath := h.s.addVirtual(path, text)
	return sourceFrame(file, append([]string{vpath}, args[1:]...)), nil
}

// eval checks and rewrites the code a script evaluates.
func (h *hookRun) eval(hc interp.HandlerContext, args []string) ([]string, error) {
	src := strings.Join(args, " ")
	f, probs := checkAs("eval", []byte(src), modeDotted, h.script)
	if len(probs) > 0 {
		if f == nil && len(probs) == 1 && probs[0].Line > 0 && !strings.Contains(probs[0].Msg, "not supported") {
			// A syntax error: the interpreter reports it as bash would.
			return append([]string{"eval"}, args...), nil
		}
		return nil, h.refuseProblems(hc, probs)
	}
	if !needsRewrite(f, h.script) {
		return append([]string{"eval"}, args...), nil
	}
	// Functions declared in eval'd code come from the file running it.
	h.s.prepare(f, prep{mode: modeDotted, entry: h.script, file: currentFile(hc.Env)})
	text, ok := printRewritten(f)
	if !ok {
		h.s.logf("%s: could not rewrite eval'd code; running it as it is", h.name)
		return append([]string{"eval"}, args...), nil
	}
	return []string{"eval", text}, nil
}

func (h *hookRun) refuseProblems(hc interp.HandlerContext, probs []Problem) error {
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.String()
	}
	return h.refuse(hc, "refusing to run code with constructs the embedded shell does not support:\n  "+strings.Join(msgs, "\n  "))
}

// sourcePath finds the file "." would read, as the interpreter does: a
// name with a slash is relative to the current directory, another is
// looked up in PATH and then in the current directory.
func sourcePath(hc interp.HandlerContext, file string) string {
	if strings.Contains(file, "/") {
		if filepath.IsAbs(file) {
			return filepath.Clean(file)
		}
		return filepath.Join(hc.Dir, file)
	}
	for _, dir := range filepath.SplitList(hc.Env.Get("PATH").String()) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if !filepath.IsAbs(p) {
			p = filepath.Join(hc.Dir, p)
		}
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return filepath.Join(hc.Dir, file)
}

// FUNCNAME and BASH_SOURCE. bash keeps a stack of frames: the script
// ("main"), each function running (its name, and the file that declared
// it) and each file being sourced ("source", and the file). BASH_SOURCE
// lists their files; FUNCNAME their names, but only while a function runs.
// hookinit keeps the stack in private arrays: a function's first command
// declares them local with its frame added (they are restored when it
// returns), and "." sets them around the sourcing.

// frames reads the stack: names (FUNCNAME without "main") and files.
func frames(env expand.Environ) (names, files []string) {
	return env.Get(varFrames).List, env.Get(varSource).List
}

// frameArrays is the code that sets the private arrays to a stack, with
// declare (plain assignments when declare is "").
func frameArrays(declare string, names, files []string) string {
	list := func(l []string) string {
		q := make([]string, len(l))
		for i, v := range l {
			q[i] = shellQuote(v)
		}
		return "(" + strings.Join(q, " ") + ")"
	}
	fn := "unset " + varFuncname
	if slices.ContainsFunc(names, func(n string) bool { return n != "source" }) {
		fn = varFuncname + "=" + list(append(slices.Clone(names), "main"))
		if declare != "" {
			fn = declare + " " + fn
		}
	}
	head := varFrames + "=" + list(names) + " " + varSource + "=" + list(files)
	if declare != "" {
		head = declare + " " + head
	}
	return head + "; " + fn
}

// sourceFrame runs "." with a "source" frame for file (the name as given):
// hookinit's commands around it push the frame and pop it, keeping the
// status; a return in the sourced file ends the "." only.
func sourceFrame(file int, dot []string) []string {
	q := make([]string, len(dot))
	for i, a := range dot {
		q[i] = shellQuote(a)
	}
	return []string{"eval", cmdSrcPush + " " + strconv.Itoa(file) + " && :; " + cmdDot + " " + strings.Join(q, " ") + "; " + cmdSrcPop + " $?"}
}

// srcPush and srcPop are the commands around "." (see sourceFrame).
func srcPush(hc interp.HandlerContext, file string) string {
	names, files := frames(hc.Env)
	return frameArrays("", append([]string{"source"}, names...), append([]string{file}, files...))
}

func srcPop(hc interp.HandlerContext, status string) []string {
	names, files := frames(hc.Env)
	if len(names) > 0 {
		names = names[1:]
	}
	if len(files) > 0 {
		files = files[1:]
	}
	if _, err := strconv.Atoi(status); err != nil {
		status = "0"
	}
	return []string{"eval", frameArrays("", names, files) + "; " + varStatus + "=" + status + "; " + cmdStatus}
}

// funcEnter is a function's first command (fenter NAME FILE#): its frame.
func funcEnter(hc interp.HandlerContext, args []string, fileName func(string) string) string {
	if len(args) != 2 {
		return cmdNop
	}
	names, files := frames(hc.Env)
	return frameArrays("local -a", append([]string{args[0]}, names...), append([]string{fileName(args[1])}, files...))
}

// keepStatus is a command that runs code (which sets variables: it must
// run in the shell, through eval) and then leaves $? as it was before. It
// stands for one of hookinit's commands that prepare inserted as
// "CMD && :", so that a status other than 0 does not trip set -e.
func keepStatus(hc interp.HandlerContext, code string) []string {
	return []string{"eval", code + "; " + cmdRet + " " + strconv.Itoa(hc.LastExitStatus)}
}

// currentFile is BASH_SOURCE[0]: the file the running code comes from.
func currentFile(env expand.Environ) string {
	if _, files := frames(env); len(files) > 0 {
		return files[0]
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

// umaskOf returns the umask in effect for the shell whose environment this
// is: the one set by the umask builtin, or the one the run started with.
func (h *hookRun) umaskOf(env expand.Environ) int {
	if v := env.Get(varUmask); v.IsSet() {
		if m, err := strconv.ParseUint(v.String(), 8, 32); err == nil {
			return int(m)
		}
	}
	return h.umask0
}

// umask implements "umask [-p] [-S] [mode]": the mask goes into a shell
// variable, from where the open handler and the exec handler apply it.
func (h *hookRun) umask(hc interp.HandlerContext, args []string) []string {
	var flags []string
	for len(args) > 0 && (args[0] == "-S" || args[0] == "-p" || args[0] == "-pS" || args[0] == "-Sp") {
		flags = append(flags, args[0])
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	switch {
	case len(args) == 0:
		return append([]string{cmdUmask}, flags...)
	case len(args) > 1:
		return fail(2, "umask: too many arguments")
	case len(args[0]) > 0 && strings.HasPrefix(args[0], "-"):
		return fail(2, "umask: "+args[0]+": invalid option")
	}
	mask, msg := parseUmask(args[0], h.umaskOf(hc.Env))
	if msg != "" {
		return fail(1, "umask: "+msg)
	}
	return assign(varUmask, fmt.Sprintf("%04o", mask))
}

// parseUmask reads an octal or a symbolic (u=rwx,g=rx,o=) umask; a symbolic
// mode edits the permissions that cur leaves, as bash does.
func parseUmask(s string, cur int) (int, string) {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		m, err := strconv.ParseUint(s, 8, 32)
		if err != nil || m > 0o777 {
			return 0, s + ": octal number out of range"
		}
		return int(m), ""
	}
	whoBits := map[byte]int{'u': 0o700, 'g': 0o070, 'o': 0o007, 'a': 0o777}
	permBits := map[byte]int{'r': 0o444, 'w': 0o222, 'x': 0o111}
	perm := ^cur & 0o777
	for clause := range strings.SplitSeq(s, ",") {
		i, who := 0, 0
		for ; i < len(clause) && whoBits[clause[i]] != 0; i++ {
			who |= whoBits[clause[i]]
		}
		if who == 0 {
			who = 0o777
		}
		if i >= len(clause) || strings.IndexByte("+-=", clause[i]) < 0 {
			return 0, fmt.Sprintf("%s: invalid symbolic mode operator", s)
		}
		for i < len(clause) && strings.IndexByte("+-=", clause[i]) >= 0 {
			op := clause[i]
			bits := 0
			for i++; i < len(clause) && permBits[clause[i]] != 0; i++ {
				bits |= permBits[clause[i]]
			}
			if i < len(clause) && strings.IndexByte("+-=", clause[i]) < 0 {
				return 0, fmt.Sprintf("%s: invalid symbolic mode character", s)
			}
			switch op {
			case '+':
				perm |= bits & who
			case '-':
				perm &^= bits & who
			case '=':
				perm = perm&^who | bits&who
			}
		}
	}
	return ^perm & 0o777, ""
}

// printUmask prints the mask like bash: 0022, or u=rwx,g=rx,o=rx with -S,
// each prefixed "umask " (and -S) with -p.
func (h *hookRun) printUmask(hc interp.HandlerContext, flags []string) error {
	mask := h.umaskOf(hc.Env)
	sym, p := false, false
	for _, f := range flags {
		sym = sym || strings.Contains(f, "S")
		p = p || strings.Contains(f, "p")
	}
	out := fmt.Sprintf("%04o", mask)
	if sym {
		perm := ^mask & 0o777
		part := func(shift int) string {
			var b strings.Builder
			for i, c := range "rwx" {
				if perm>>(shift+2-i)&1 == 1 {
					b.WriteRune(c)
				}
			}
			return b.String()
		}
		out = "u=" + part(6) + ",g=" + part(3) + ",o=" + part(0)
		if p {
			out = "-S " + out
		}
	}
	if p {
		out = "umask " + out
	}
	_, err := fmt.Fprintln(hc.Stdout, out)
	if err != nil {
		return interp.ExitStatus(1)
	}
	return nil
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

// kill implements kill [-s SIG | -n N | -SIG] target... and kill -l. A
// target is a pid, -pgid, a job's $! (gN) or %N: a job's signal goes to
// every process group the job started, and a job killed by a signal that
// terminates runs nothing more, as when bash kills the subshell running it.
func (h *hookRun) kill(hc interp.HandlerContext, args []string) error {
	errf := func(code int, format string, a ...any) error {
		fmt.Fprintf(hc.Stderr, "%s: line %d: kill: %s\n", h.path, hc.Pos.Line(), fmt.Sprintf(format, a...))
		return exitStatus(code)
	}
	sig := syscall.SIGTERM
	if len(args) > 0 && (args[0] == "-l" || args[0] == "-L") {
		return listSignals(hc.Stdout, args[1:], errf)
	}
	switch {
	case len(args) == 0:
		return errf(2, "usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]")
	case args[0] == "-s" || args[0] == "-n":
		if len(args) < 2 {
			return errf(2, "%s: option requires an argument", args[0])
		}
		s, ok := parseSignal(args[1])
		if !ok {
			return errf(1, "%s: invalid signal specification", args[1])
		}
		sig, args = s, args[2:]
	case args[0] == "--":
		args = args[1:]
	case strings.HasPrefix(args[0], "-") && len(args[0]) > 1:
		s, ok := parseSignal(args[0][1:])
		if !ok {
			return errf(1, "%s: invalid signal specification", args[0][1:])
		}
		sig, args = s, args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errf(2, "usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ...")
	}
	var status error
	for _, t := range args {
		if err := h.killOne(hc, t, sig, errf); err != nil {
			status = err
		}
	}
	return status
}

func (h *hookRun) killOne(hc interp.HandlerContext, target string, sig syscall.Signal, errf func(int, string, ...any) error) error {
	g := target
	if strings.HasPrefix(target, "%") {
		if g = jobSpec(hc.Env, target); g == "" {
			return errf(1, "%s: no such job", target)
		}
	}
	if strings.HasPrefix(g, "g") {
		tok := hc.Env.Get(varBgPrefix + g[1:]).String()
		if tok == "" {
			return errf(1, "(%s) - No such process", target)
		}
		// A bash script keeps finished jobs in its table: %N of one that
		// is over is quietly nothing to do, while its $! is an error.
		return h.killJob(tok, target, sig, strings.HasPrefix(target, "%"), errf)
	}
	pid, err := strconv.Atoi(target)
	if err != nil {
		return errf(1, "%s: arguments must be process or job IDs", target)
	}
	if sig == 0 && pid == os.Getpid() {
		return nil // kill -0 $$: the script is running
	}
	if pid == os.Getpid() && h.trapSignal(sig) {
		return nil // kill -TERM $$ in an entrypoint that traps TERM
	}
	if pid == 0 || pid == -1 || pid == os.Getpid() || -pid == syscall.Getpgrp() {
		// $$ is hookinit's pid in the embedded shell: kill $$ would signal
		// hookinit (PID 1), kill 0 its process group, kill -1 every process
		// in the container.
		return errf(1, "%s: refusing to signal hookinit itself, its process group or every process", target)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		if err == syscall.ESRCH {
			return errf(1, "(%d) - No such process", pid)
		}
		return errf(1, "(%d) - %s", pid, err)
	}
	return nil
}

func (h *hookRun) killJob(tok, target string, sig syscall.Signal, quiet bool, errf func(int, string, ...any) error) error {
	h.mu.Lock()
	j := h.jobs[tok]
	if j == nil || j.done {
		h.mu.Unlock()
		if quiet {
			return nil
		}
		return errf(1, "(%s) - No such process", target)
	}
	if sig != 0 && terminates(sig) && j.killed == 0 {
		j.killed = sig
	}
	pgids := make([]int, 0, len(j.pgids))
	for pg := range j.pgids {
		pgids = append(pgids, pg)
	}
	h.mu.Unlock()
	for _, pg := range pgids {
		if err := syscall.Kill(-pg, sig); err != nil && err != syscall.ESRCH {
			return errf(1, "(%s) - %s", target, err)
		}
	}
	return nil
}

// terminates reports whether a signal's default action ends a process.
func terminates(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGCHLD, syscall.SIGCONT, syscall.SIGSTOP, syscall.SIGTSTP,
		syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGURG, syscall.SIGWINCH:
		return false
	}
	return true
}

// parseSignal reads TERM, SIGTERM, term or 15.
func parseSignal(s string) (syscall.Signal, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n <= 64 {
			return syscall.Signal(n), true
		}
		return 0, false
	}
	up := strings.ToUpper(s)
	if !strings.HasPrefix(up, "SIG") {
		up = "SIG" + up
	}
	if sig := unix.SignalNum(up); sig != 0 {
		return sig, true
	}
	return 0, false
}

// signalName is a signal's name without SIG, as kill -l prints it.
func signalName(sig syscall.Signal) string {
	return strings.TrimPrefix(unix.SignalName(sig), "SIG")
}

// listSignals implements kill -l: all signals, or the name of each number
// (an exit status above 128 names the signal that caused it) and the
// number of each name.
func listSignals(w io.Writer, args []string, errf func(int, string, ...any) error) error {
	if len(args) == 0 {
		var names []string
		for n := syscall.Signal(1); n <= 31; n++ {
			if name := signalName(n); name != "" {
				names = append(names, fmt.Sprintf("%2d) SIG%s", int(n), name))
			}
		}
		for i := 0; i < len(names); i += 5 {
			fmt.Fprintln(w, strings.Join(names[i:min(i+5, len(names))], "\t"))
		}
		return nil
	}
	for _, a := range args {
		if n, err := strconv.Atoi(a); err == nil {
			if n > 128 {
				n -= 128
			}
			name := signalName(syscall.Signal(n))
			if n <= 0 || name == "" {
				return errf(1, "%s: invalid signal specification", a)
			}
			fmt.Fprintln(w, name)
			continue
		}
		sig, ok := parseSignal(a)
		if !ok {
			return errf(1, "%s: invalid signal specification", a)
		}
		fmt.Fprintln(w, int(sig))
	}
	return nil
}

// echoOutput is what echo prints for args, with the options the
// interpreter's echo takes (-n, -e, -E, each a word of its own). The
// interpreter would write each word, space and newline separately: two
// hooks echoing into one file or pipe at the same time would mix their
// lines, which a real shell's single write never does.
func echoOutput(args []string) string {
	newline, escapes := true, false
opts:
	for len(args) > 0 {
		switch args[0] {
		case "-n":
			newline = false
		case "-e":
			escapes = true
		case "-E":
		default:
			break opts
		}
		args = args[1:]
	}
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if escapes {
			a, _, _ = expand.Format(nil, a, nil)
		}
		b.WriteString(a)
	}
	if newline {
		b.WriteByte('\n')
	}
	return b.String()
}
