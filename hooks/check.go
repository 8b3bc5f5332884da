package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"mvdan.cc/sh/v3/syntax"
)

// The embedded shell (mvdan.cc/sh) runs most of bash, but not all of it,
// and for a few constructs it prints an error and carries on, or quietly
// does something else. checkScript finds those constructs before anything
// runs, so that a hook never half-works. Every entry below was verified by
// running the construct under bash 5.2 and under mvdan.cc/sh v3.14.1 (see
// testdata/shell/evidence.txt and TestEvidence); constructs that hookinit
// implements itself (umask, kill, set -E, EXIT traps, ...) are not listed.

func init() { scriptChecker = checkHook }

// newParser returns the parser every script goes through: bash syntax, with
// comments kept so that positions in the file stay meaningful.
func newParser() *syntax.Parser {
	return syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash))
}

// parseScript parses a hook or entrypoint script. A file with CRLF line
// endings is refused before parsing: the carriage returns would end up in
// words and make every error message misleading.
func parseScript(path string, src []byte) (*syntax.File, []Problem) {
	if i := bytes.Index(src, []byte("\r\n")); i >= 0 {
		line := bytes.Count(src[:i], []byte("\n")) + 1
		return nil, []Problem{{Path: path, Line: line, Msg: "CRLF line endings; convert with dos2unix"}}
	}
	f, err := newParser().Parse(bytes.NewReader(src), path)
	if err != nil {
		p := Problem{Path: path, Msg: err.Error()}
		var pe syntax.ParseError
		var le syntax.LangError
		switch {
		case errors.As(err, &pe):
			p.Line, p.Col, p.Msg = int(pe.Pos.Line()), int(pe.Pos.Col()), pe.Text
		case errors.As(err, &le):
			p.Line, p.Col, p.Msg = int(le.Pos.Line()), int(le.Pos.Col()), strings.TrimPrefix(le.Error(), le.Pos.String()+": ")
		}
		return nil, []Problem{p}
	}
	return f, nil
}

// checkScript reports everything in a *.sh or *.envsh hook (or a --script
// entrypoint) that keeps it from running exactly as bash would run it:
// syntax errors, CRLF line endings, a #! line that names no shell, and
// every construct the embedded shell does not support or runs
// differently, each with its line and column.
func checkScript(path string, src []byte) []Problem {
	_, probs := checkHook(path, src)
	return probs
}

// checkHook is checkScript for discovery: a hook without problems comes
// back parsed, so that its first run need not read and parse it again.
func checkHook(path string, src []byte) (*checkedScript, []Problem) {
	mode := modeScript
	if strings.HasSuffix(path, ".envsh") {
		mode = modeEnvsh
	}
	f, probs := checkAs(path, src, mode, false)
	if f == nil {
		return nil, probs
	}
	c := &checkedScript{file: f}
	if mode == modeScript {
		c.flags, _ = shebangFlags(src)
	}
	return c, nil
}

// checkedScript is a hook script that discovery read, parsed and found
// without problems. Running a script rewrites its tree (Shell.prepare), so
// it is handed out once: a background hook's restarts read the file again,
// as a shell would.
type checkedScript struct {
	taken atomic.Bool
	file  *syntax.File
	flags []string // from the #! line
}

// take returns the parsed script the first time, nil after.
func (c *checkedScript) take() (*syntax.File, []string) {
	if c == nil || c.taken.Swap(true) {
		return nil, nil
	}
	return c.file, c.flags
}

// CheckScriptFile reports what keeps a --script entrypoint from running
// exactly as bash would run it (for --check --script FILE), each problem
// with file:line:col; RunScript refuses to run a file that has any.
func CheckScriptFile(path string) []Problem {
	src, err := os.ReadFile(path)
	if err != nil {
		return []Problem{{Path: path, Msg: errText(err)}}
	}
	_, probs := checkAs(path, src, modeScript, true)
	return probs
}

// checkMode says how a checked piece of shell code is going to run.
type checkMode int

const (
	// modeScript: a *.sh hook or an entrypoint, run as a script; its #!
	// line names the shell and may carry options.
	modeScript checkMode = iota
	// modeEnvsh: a *.envsh hook, sourced into hookinit's shell.
	modeEnvsh
	// modeDotted: a file a running script sources with "." or source, or
	// a string it passes to eval: checked when it runs.
	modeDotted
)

// checkAs parses and checks shell code that is about to run in the given
// way, returning the parsed file when it has no problems at all. entry
// says the code belongs to a --script entrypoint, where signal traps of
// the script's own shell are supported.
func checkAs(path string, src []byte, mode checkMode, entry bool) (*syntax.File, []Problem) {
	if mode == modeScript {
		// A sourced file's #! line means nothing; a script's names the
		// shell it was written for and may carry options. Another
		// language's syntax errors would only confuse.
		if _, p := shebangFlags(src); p != "" {
			return nil, []Problem{{Path: path, Line: 1, Col: 1, Msg: p}}
		}
	}
	f, probs := parseScript(path, src)
	if f == nil {
		return nil, probs
	}
	c := &checker{path: path, mode: mode, entry: entry, sourced: mode == modeEnvsh, assoc: map[string]bool{}}
	c.check(f)
	probs = append(probs, c.probs...)
	if len(probs) > 0 {
		return nil, probs
	}
	return f, nil
}

// shellNames are the interpreters whose scripts the embedded shell runs.
var shellNames = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true}

// shebangFlags reads a script's #! line and returns the shell options it
// sets (as in "#!/bin/sh -eu"), so that the embedded shell starts with the
// same options the named shell would. The second result explains why the
// line cannot be honoured: another interpreter, or an option the embedded
// shell does not have.
func shebangFlags(src []byte) ([]string, string) {
	if !bytes.HasPrefix(src, []byte("#!")) {
		return nil, ""
	}
	line, _, _ := bytes.Cut(src[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return nil, ""
	}
	interp := filepath.Base(fields[0])
	args := fields[1:]
	if interp == "env" {
		for len(args) > 0 && strings.HasPrefix(args[0], "-") {
			args = args[1:] // env -S and friends; the shell comes next
		}
		if len(args) == 0 {
			return nil, "#! line runs env without a program"
		}
		interp, args = filepath.Base(args[0]), args[1:]
	}
	if interp == "busybox" && len(args) > 0 && (args[0] == "sh" || args[0] == "ash") {
		interp, args = args[0], args[1:]
	}
	if !shellNames[interp] {
		return nil, fmt.Sprintf("#! line names %s, not a POSIX shell or bash: the embedded shell would run this file as a shell script", interp)
	}
	var flags []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-" || a == "--":
			// The end of the options, as in "#!/bin/sh -".
		case a == "-o" || a == "+o":
			if i+1 >= len(args) {
				return nil, fmt.Sprintf("#! line: %s needs an option name", a)
			}
			if msg := setOptionProblem(a[:1], args[i+1]); msg != "" {
				return nil, "#! line: " + msg
			}
			flags = append(flags, a, args[i+1])
			i++
		case len(a) > 1 && (a[0] == '-' || a[0] == '+') && a != "--":
			for _, ch := range a[1:] {
				if msg := setFlagProblem(a[:1], ch); msg != "" {
					return nil, "#! line: " + msg
				}
				if ch == 'E' {
					continue // errtrace: accepted, nothing to do
				}
				flags = append(flags, a[:1]+string(ch))
			}
		default:
			return nil, fmt.Sprintf("#! line: %q: only shell options can be honoured", a)
		}
	}
	return flags, ""
}

// checker walks one parsed script and collects the problems in it.
type checker struct {
	path    string
	mode    checkMode
	entry   bool // code of a --script entrypoint
	sourced bool // a *.envsh file: it runs inside a function that stands in for "."
	probs   []Problem
	// assoc holds the names declared as associative arrays anywhere in the
	// file; the embedded shell miscounts and misassigns those (see below).
	assoc map[string]bool
	// stack holds the nodes enclosing the one being visited.
	stack []syntax.Node
	// exitTrap: the file sets an EXIT trap somewhere. In a hook, bash does
	// not run it after `exec CMD`; the embedded shell, which runs CMD as a
	// child and carries on, would.
	exitTrap bool
}

func (c *checker) report(pos syntax.Pos, format string, args ...any) {
	c.probs = append(c.probs, Problem{Path: c.path, Line: int(pos.Line()), Col: int(pos.Col()), Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) check(f *syntax.File) {
	// First pass: which names are associative arrays; is there an EXIT trap.
	syntax.Walk(f, func(n syntax.Node) bool {
		if ce, ok := n.(*syntax.CallExpr); ok && len(ce.Args) > 0 {
			if name, _ := wordLit(ce.Args[0]); name == "trap" {
				args := make([]string, len(ce.Args))
				for i, w := range ce.Args {
					args[i], _ = wordLit(w)
				}
				c.exitTrap = c.exitTrap || trapSetsExit(args)
			}
		}
		if d, ok := n.(*syntax.DeclClause); ok {
			if flags := declFlags(d); strings.Contains(flags, "A") {
				for _, as := range d.Args {
					if as.Name != nil {
						c.assoc[as.Name.Value] = true
					}
				}
			}
		}
		return true
	})
	syntax.Walk(f, func(n syntax.Node) bool {
		if n == nil {
			c.stack = c.stack[:len(c.stack)-1]
			return true
		}
		c.visit(n)
		c.stack = append(c.stack, n)
		return true
	})
}

// inFunc reports whether the node being visited is inside a function body.
func (c *checker) inFunc() bool {
	for _, n := range c.stack {
		if _, ok := n.(*syntax.FuncDecl); ok {
			return true
		}
	}
	return false
}

// inSubshell reports whether the node being visited runs in a copy of the
// shell: ( ), $( ), <( ), an element of a pipeline, or a & job.
func (c *checker) inSubshell() bool {
	for i, n := range c.stack {
		switch n := n.(type) {
		case *syntax.Subshell, *syntax.CmdSubst, *syntax.ProcSubst:
			return true
		case *syntax.Stmt:
			if n.Background || n.Coprocess {
				return true
			}
		case *syntax.BinaryCmd:
			if (n.Op == syntax.Pipe || n.Op == syntax.PipeAll) && i+1 < len(c.stack) {
				return true
			}
		}
	}
	return false
}

func (c *checker) visit(n syntax.Node) {
	switch n := n.(type) {
	case *syntax.CoprocClause:
		c.report(n.Pos(), "coproc is not supported by the embedded shell")
	case *syntax.Stmt:
		if n.Coprocess {
			c.report(n.Pos(), "coproc is not supported by the embedded shell")
		}
	case *syntax.Redirect:
		c.redirect(n)
	case *syntax.ParamExp:
		c.paramExp(n)
	case *syntax.DeclClause:
		c.decl(n)
	case *syntax.Assign:
		if n.Array != nil && n.Name != nil && c.assoc[n.Name.Value] && !c.parentIsDecl() {
			c.report(n.Pos(), "assigning a list to associative array %s outside declare: the embedded shell stores the wrong values; use declare -A %s=(...) or %s[key]=value", n.Name.Value, n.Name.Value, n.Name.Value)
		}
		if n.Array != nil && n.Name != nil && c.assoc[n.Name.Value] {
			for _, e := range n.Array.Elems {
				if e.Index == nil {
					c.report(e.Pos(), "an element of associative array %s without [key]=: the embedded shell cannot store it; write [key]=value", n.Name.Value)
					break
				}
			}
		}
		if n.Name != nil && n.Value != nil && !n.Naked && colonTildeUser(n.Value) {
			c.report(n.Value.Pos(), "~user after ':' in an assignment is not expanded by the embedded shell; write the directory out")
		}
	case *syntax.CallExpr:
		c.call(n)
		if len(n.Args) == 0 {
			break
		}
		if name, ok := wordLit(n.Args[0]); ok && (name == "break" || name == "continue") && c.jumpOutOfFunc() {
			c.report(n.Pos(), "%s outside a loop of its function: bash ignores it there (\"only meaningful in a loop\"), the embedded shell would end the caller's loop", name)
		}
		for _, a := range n.Args {
			if argTildeUser(a) {
				c.report(a.Pos(), "~user in an argument like NAME=~user is not expanded by the embedded shell (bash expands it); write the directory out")
			}
		}
	case *syntax.TimeClause:
		c.report(n.Pos(), "time is not supported by the embedded shell (it reports on standard output, with zero user and system times)")
	}
}

// jumpOutOfFunc reports whether a break or continue here sits in a
// function body with no loop of its own around it.
func (c *checker) jumpOutOfFunc() bool {
	for i := len(c.stack) - 1; i >= 0; i-- {
		switch c.stack[i].(type) {
		case *syntax.WhileClause, *syntax.ForClause:
			return false
		case *syntax.FuncDecl:
			return true
		}
	}
	return false
}

func (c *checker) parentIsDecl() bool {
	if len(c.stack) == 0 {
		return false
	}
	_, ok := c.stack[len(c.stack)-1].(*syntax.DeclClause)
	return ok
}

func (c *checker) redirect(r *syntax.Redirect) {
	fd := ""
	if r.N != nil {
		fd = r.N.Value
	}
	switch {
	case strings.HasPrefix(fd, "{"):
		c.report(r.Pos(), "redirection to a named file descriptor %s is not supported by the embedded shell (only 0, 1 and 2)", fd)
		return
	case fd != "" && fd != "0" && fd != "1" && fd != "2":
		c.report(r.Pos(), "redirection of file descriptor %s is not supported by the embedded shell (only 0, 1 and 2)", fd)
		return
	}
	input := r.Op == syntax.RdrIn || r.Op == syntax.DplIn || r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc || r.Op == syntax.WordHdoc
	switch {
	case input && (fd == "1" || fd == "2"):
		c.report(r.Pos(), "input redirection %s%s is not supported by the embedded shell (it would redirect standard input)", fd, r.Op)
		return
	case !input && fd == "0":
		c.report(r.Pos(), "output redirection 0%s is not supported by the embedded shell (it would redirect standard output)", r.Op)
		return
	}
	arg, lit := wordLit(r.Word)
	switch r.Op {
	case syntax.RdrInOut:
		c.report(r.Pos(), "the <> redirection is not supported by the embedded shell")
	case syntax.RdrClob:
		c.report(r.Pos(), "the >| redirection is not supported by the embedded shell")
	}
	switch r.Op {
	case syntax.DplOut, syntax.DplIn:
		if lit && arg == "-" {
			c.report(r.Pos(), "closing a file descriptor (%s%s-) is not supported by the embedded shell: commands would get /dev/null and builtins would not fail", fd, r.Op)
			return
		}
	}
	switch r.Op {
	case syntax.DplOut:
		if !lit || (arg != "1" && arg != "2") {
			c.report(r.Pos(), "%s>&%s: the embedded shell only duplicates onto 1 and 2 (or closes with -)", fd, printWord(r.Word))
		}
	case syntax.DplIn:
		c.report(r.Pos(), "%s<&%s: duplicating input is not supported by the embedded shell", fd, printWord(r.Word))
	}
}

// unsupportedVars are bash's special variables that the embedded shell
// leaves unset: a script reading one would silently get an empty string.
var unsupportedVars = map[string]bool{
	"BASH": true, "BASHOPTS": true, "BASHPID": true, "BASH_ARGC": true, "BASH_ARGV": true,
	"BASH_COMMAND": true, "BASH_LINENO": true, "BASH_SUBSHELL": true,
	"BASH_VERSINFO": true, "BASH_VERSION": true, "EPOCHREALTIME": true, "EPOCHSECONDS": true,
	"GROUPS": true, "HOSTTYPE": true, "MACHTYPE": true, "OSTYPE": true,
	"PIPESTATUS": true, "SECONDS": true, "SHELLOPTS": true, "SHLVL": true,
}

func (c *checker) paramExp(p *syntax.ParamExp) {
	if p.Param == nil {
		return
	}
	name := p.Param.Value
	if unsupportedVars[name] && !p.Excl {
		c.report(p.Pos(), "$%s is not set by the embedded shell", name)
	}
	if name == "-" {
		c.report(p.Pos(), "$- differs in the embedded shell (it lacks bash's default flags h and B)")
	}
	if (name == "@" || name == "*") && p.Exp != nil {
		switch p.Exp.Op {
		case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AlternateUnset, syntax.AlternateUnsetOrNull,
			syntax.ErrorUnset, syntax.ErrorUnsetOrNull, syntax.AssignUnset, syntax.AssignUnsetOrNull:
			c.report(p.Pos(), "${%s%s...} is not supported by the embedded shell (it expands differently); test $# instead", name, p.Exp.Op)
		}
	}
	if p.Repl != nil && p.Repl.With != nil {
		for _, wp := range p.Repl.With.Parts {
			if lit, ok := wp.(*syntax.Lit); ok && unescapedAmp(lit.Value) {
				c.report(p.Pos(), "& in the replacement of ${%s/.../...} is not supported by the embedded shell (bash puts the matched text there); write \\& for a literal &", name)
				break
			}
		}
	}
	if p.Repl != nil && p.Repl.Orig != nil {
		if s, _ := wordPrefixLit(p.Repl.Orig); strings.HasPrefix(s, "#") || strings.HasPrefix(s, "%") {
			c.report(p.Pos(), "${%s/%c...}: anchored replacement is not supported by the embedded shell (it looks for a literal %c)", name, s[0], s[0])
		}
	}
	if p.Exp != nil && p.Exp.Op == syntax.OtherParamOps && p.Exp.Word != nil {
		switch op, _ := wordLit(p.Exp.Word); op {
		case "A", "K", "k":
			c.report(p.Pos(), "${%s@%s} is not supported by the embedded shell (it prints something else)", name, op)
		case "Q":
			c.report(p.Pos(), "${%s@Q} is not supported by the embedded shell (it quotes only where needed, bash always quotes)", name)
		}
	}
	if p.Length && c.assoc[name] && p.Index != nil {
		if w, ok := p.Index.(*syntax.Word); ok {
			if s, _ := wordLit(w); s == "@" || s == "*" {
				c.report(p.Pos(), "${#%s[%s]} of an associative array is wrong in the embedded shell (it counts 1)", name, s)
			}
		}
	}
}

// unescapedAmp reports whether s has an & that no backslash escapes.
func unescapedAmp(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '&':
			return true
		}
	}
	return false
}

// declFlags returns the option letters given to declare/local/typeset/...
// as literal words, e.g. "Ax" for declare -A -x.
func declFlags(d *syntax.DeclClause) string {
	var b strings.Builder
	for _, as := range d.Args {
		if as.Name != nil || as.Value == nil {
			continue
		}
		s, ok := wordLit(as.Value)
		if ok && len(s) > 1 && (s[0] == '-' || s[0] == '+') {
			b.WriteString(s[1:])
		}
	}
	return b.String()
}

func (c *checker) decl(d *syntax.DeclClause) {
	variant := d.Variant.Value
	if variant == "local" && c.sourced && !c.inFunc() {
		c.report(d.Pos(), "local outside a function: bash refuses it in a sourced file, the embedded shell would accept it")
	}
	for _, as := range d.Args {
		if as.Name != nil || as.Value == nil {
			continue
		}
		s, ok := wordLit(as.Value)
		if !ok {
			continue
		}
		if s == "-" && variant == "local" {
			c.report(as.Pos(), "local - is not supported by the embedded shell")
			continue
		}
		if len(s) < 2 || (s[0] != '-' && s[0] != '+') {
			continue
		}
		if s[0] == '+' {
			c.report(as.Pos(), "%s %s is not supported by the embedded shell", variant, s)
			continue
		}
		for _, ch := range s[1:] {
			switch {
			case ch == 'n' && variant == "export":
				c.report(as.Pos(), "export -n is not supported by the embedded shell (it exports the variable); use unset, or assign without export")
			case strings.ContainsRune("ilutFI", ch):
				c.report(as.Pos(), "%s -%c is not supported by the embedded shell", variant, ch)
			case ch == 'f' && (variant == "export" || variant == "readonly"):
				c.report(as.Pos(), "%s -f is not supported by the embedded shell (it prints the function instead)", variant)
			}
		}
	}
}

func (c *checker) call(ce *syntax.CallExpr) {
	if len(ce.Args) == 0 {
		return
	}
	args := make([]string, len(ce.Args))
	for i, w := range ce.Args {
		if s, ok := wordLit(w); ok {
			args[i] = s
		} else {
			args[i] = unknownArg
		}
	}
	// "command kill" and "builtin trap" are the same builtins.
	for len(args) > 1 && (args[0] == "command" || args[0] == "builtin") && !strings.HasPrefix(args[1], "-") {
		args = args[1:]
	}
	if args[0] == "trap" {
		c.trap(ce, args[1:])
		return
	}
	if msg := unsupportedCall(args); msg != "" {
		c.report(ce.Pos(), "%s", msg)
		return
	}
	switch args[0] {
	case "return":
		if c.mode == modeScript && !c.inFunc() {
			c.report(ce.Pos(), "return outside a function: bash fails with status 2, the embedded shell with 1")
		}
	case "exec":
		if c.sourced && len(args) > 1 {
			c.report(ce.Pos(), "exec in a sourced *.envsh hook would replace the whole entrypoint; the embedded shell cannot do that")
		}
		if c.mode == modeScript && !c.entry && !c.sourced && c.exitTrap && len(args) > 1 {
			c.report(ce.Pos(), "exec CMD in a hook with an EXIT trap: bash does not run the trap after exec, the embedded shell would")
		}
	}
}

// trap checks a trap command: the signals it names, and the action when it
// is literal text (it runs when the trap fires, where its problems would
// stop the script halfway).
func (c *checker) trap(ce *syntax.CallExpr, args []string) {
	if msg := trapProblem(args, c.entry, c.inSubshell()); msg != "" {
		c.report(ce.Pos(), "%s", msg)
		return
	}
	if c.inSubshell() && trapSetsExit(append([]string{"trap"}, args...)) {
		c.report(ce.Pos(), "an EXIT trap set inside ( ), $( ), a pipeline or a & job does not run in the embedded shell")
	}
	if t, _ := parseTrap(args); t.set && t.action != unknownArg {
		if _, probs := checkAs("trap action", []byte(t.action), modeDotted, c.entry); len(probs) > 0 {
			c.report(ce.Pos(), "trap action: %s", probs[0].Msg)
		}
	}
}

// trapSetsExit reports whether a trap command sets an EXIT action.
func trapSetsExit(args []string) bool {
	if len(args) < 3 {
		return false
	}
	for _, a := range args[2:] {
		if a == "EXIT" || a == "0" || a == "SIGEXIT" || a == "exit" {
			return true
		}
	}
	return false
}

// unknownArg stands for a word whose value is only known at run time.
const unknownArg = "\x00?"

// wordLit returns the value of a word that has no expansions (plain,
// 'single' or "double" quoted literal text), backslash escapes decoded as
// the shell decodes them.
func wordLit(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			s := p.Value
			for i := 0; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			text, ok := dqLiteral(p)
			if !ok {
				return "", false
			}
			b.WriteString(text)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// wordPrefixLit returns the literal text a word starts with.
func wordPrefixLit(w *syntax.Word) (string, bool) {
	if w == nil || len(w.Parts) == 0 {
		return "", false
	}
	if l, ok := w.Parts[0].(*syntax.Lit); ok {
		return l.Value, true
	}
	return "", false
}

// printWord renders a word as it appears in the source, for messages.
func printWord(w *syntax.Word) string {
	if w == nil {
		return ""
	}
	var b strings.Builder
	if err := syntax.NewPrinter().Print(&b, w); err != nil {
		return "?"
	}
	return b.String()
}

// colonTildeUser reports whether an assignment's value has ~name after an
// unquoted ':' (PATH=$PATH:~root/bin), which bash expands to that user's
// home directory.
func colonTildeUser(w *syntax.Word) bool {
	for _, p := range w.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok {
			continue
		}
		for j := 0; j+2 < len(lit.Value); j++ {
			if lit.Value[j] == ':' && lit.Value[j+1] == '~' && lit.Value[j+2] != '/' && lit.Value[j+2] != ':' && !escaped(lit.Value, j) {
				return true
			}
		}
	}
	return false
}

// argTildeUser reports whether an argument that looks like an assignment
// has ~name after its '=' or a ':' (env DIR=~root/x), which bash expands.
func argTildeUser(w *syntax.Word) bool {
	_, value, ok := assignmentArg(w)
	return ok && colonTildeUser(value)
}
