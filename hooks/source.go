package hooks

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

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
