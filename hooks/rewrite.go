package hooks

import (
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/pattern"
	"mvdan.cc/sh/v3/syntax"
)

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
			if fd, ok := n.Cmd.(*syntax.FuncDecl); ok && !skip[n] {
				if decl := markFunc(n, fd); decl != nil {
					skip[decl] = true
				}
			}
			if !skip[n] {
				if jump := loopJump(n); jump != nil {
					skip[jump] = true
				}
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
		case *syntax.CallExpr:
			for _, a := range n.Args {
				expandArgTildes(a)
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
// It reports whether it changed anything.
func expandColonTildes(w *syntax.Word) bool {
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
			if v[j] != ':' || v[j+1] != '~' || !tildeEnds(v[j+2:], last) || escaped(v, j) {
				continue
			}
			// "${HOME}": the result of a tilde is never split or globbed.
			parts = append(parts, &syntax.Lit{Value: v[start : j+1]},
				&syntax.DblQuoted{Parts: []syntax.WordPart{&syntax.ParamExp{Param: &syntax.Lit{Value: "HOME"}}}})
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
	return changed
}

// expandArgTildes gives a command's argument that looks like an assignment
// (env DATA=~/data:~/more app) the tilde expansion bash does, outside POSIX
// mode, after its '=' and each ':'. (dash leaves such words alone; hookinit
// follows bash.)
func expandArgTildes(w *syntax.Word) {
	prefix, value, ok := assignmentArg(w)
	if !ok || !expandColonTildes(value) {
		return
	}
	first := value.Parts[0].(*syntax.Lit) // the leading ':' is a literal's
	w.Parts = append([]syntax.WordPart{&syntax.Lit{Value: prefix + first.Value[1:]}}, value.Parts[1:]...)
}

// assignmentArg splits an argument that looks like an assignment into
// "NAME=" and its value, with a ':' put in front of the value so that a ~
// right after '=' reads like one after ':' (the caller takes it off).
func assignmentArg(w *syntax.Word) (prefix string, value *syntax.Word, ok bool) {
	if len(w.Parts) == 0 {
		return "", nil, false
	}
	lit, ok := w.Parts[0].(*syntax.Lit)
	if !ok {
		return "", nil, false
	}
	eq := strings.IndexByte(lit.Value, '=')
	if eq <= 0 || !identifier.MatchString(lit.Value[:eq]) {
		return "", nil, false
	}
	value = &syntax.Word{Parts: append([]syntax.WordPart{&syntax.Lit{Value: ":" + lit.Value[eq+1:]}}, w.Parts[1:]...)}
	return lit.Value[:eq+1], value, true
}

// escaped reports whether v[i] follows an odd number of backslashes.
func escaped(v string, i int) bool {
	n := 0
	for i > 0 && v[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
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

// loopJump makes break and continue (status 0, like bash's) also set
// __hookinit_st=0: the loop's status is restored from it afterwards, and a
// compound command that ran before the jump had set it to its own status.
// It returns the statement now holding the jump.
func loopJump(st *syntax.Stmt) *syntax.Stmt {
	ce, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) == 0 || st.Negated || st.Background {
		return nil
	}
	if name := ce.Args[0].Lit(); name != "break" && name != "continue" {
		return nil
	}
	// The jump keeps its redirections and assignments (break 2>/dev/null).
	jump := &syntax.Stmt{Position: st.Position, Cmd: ce, Redirs: st.Redirs}
	st.Redirs = nil
	st.Cmd = &syntax.Block{Stmts: []*syntax.Stmt{saveStmt(litWord("0")), jump}}
	return jump
}

// markFunc makes a function declaration also set __hookinit_fn_NAME, so
// that the call handler, which sees every call before the interpreter
// looks for a function of that name, leaves a function that shadows a
// builtin hookinit implements (echo() { …; }) to the interpreter. A
// variable is scoped like the function: by subshells, from the moment the
// declaration runs. It returns the statement now holding the declaration.
func markFunc(st *syntax.Stmt, fd *syntax.FuncDecl) *syntax.Stmt {
	if fd.Name == nil || !identifier.MatchString(fd.Name.Value) {
		return nil
	}
	decl := &syntax.Stmt{Position: st.Position, Cmd: fd}
	st.Cmd = &syntax.Block{Stmts: []*syntax.Stmt{decl, {Cmd: &syntax.CallExpr{Assigns: []*syntax.Assign{markAssign(varFnPrefix + fd.Name.Value)}}}}}
	return decl
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
