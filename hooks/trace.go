package hooks

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// set -x, as bash prints it. The interpreter traces every command it runs,
// and hookinit's bookkeeping (job tokens, saved statuses, the parts of
// $(...) that make it behave like bash) runs as shell code between the
// hook's own commands; it also quotes a builtin's arguments as one word
// ("+ trap 'echo bye EXIT'" for trap 'echo bye' EXIT). So a hook's output
// streams go through a traceFilter:
//   - trace lines that name a private command or variable (all of the
//     bookkeeping does) are dropped;
//   - the other trace lines are held until the next command starts, when
//     the call handler hands over the command's words (retrace): the
//     interpreter's line for that command is replaced with bash's, and
//     everything held is written out, in order. Any other write, and the
//     end of the hook, writes them out as they are.
// The interpreter writes each trace line with one Write of its own, which
// is what makes them recognisable. The hook's own output may start with
// "+ " too: it is held no longer than trace lines are, until the next
// command starts (both streams are released then), and only until Run
// returns: a & job that writes later is not held at all.

// traceFilter is a hook's output stream with set -x handled as above. The
// lock guards held only, never a write: a stream that blocks (a full pipe)
// blocks the writer, as in a shell, and nothing else.
type traceFilter struct {
	w    io.Writer
	hold *atomic.Bool // the run's: Run has not returned
	mu   sync.Mutex
	held [][]byte // trace lines not written yet
}

func newTraceFilter(w io.Writer, hold *atomic.Bool) *traceFilter {
	return &traceFilter{w: w, hold: hold}
}

// Write passes b on, except for trace lines (see above).
func (t *traceFilter) Write(b []byte) (int, error) {
	if isTrace(b) && bytes.Contains(b, []byte(privPrefix)) {
		return len(b), nil
	}
	if isTrace(b) {
		// hold is read under the lock: finish clears it, then flushes
		// under the lock, so a line is either flushed or not held.
		t.mu.Lock()
		if t.hold.Load() {
			t.held = append(t.held, bytes.Clone(b))
			t.mu.Unlock()
			return len(b), nil
		}
		t.mu.Unlock()
	}
	if err := t.flush(); err != nil {
		return 0, err
	}
	return t.w.Write(b)
}

// Fd is the descriptor of the file behind the filter, so that test -t 1
// and -t 2 see the real stream; ^0 (no terminal) for anything else.
func (t *traceFilter) Fd() uintptr {
	if f, ok := t.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// retrace is called as a command with these words starts: its trace line,
// if held, becomes bash's, and what is held is written out.
func (t *traceFilter) retrace(words []string) {
	t.mu.Lock()
	if len(t.held) == 0 {
		t.mu.Unlock()
		return
	}
	if theirs := interpTrace(words); theirs != nil {
		for i := len(t.held) - 1; i >= 0; i-- {
			if bytes.Equal(t.held[i], theirs) {
				t.held[i] = bashTrace(words)
				break
			}
		}
	}
	t.mu.Unlock()
	_ = t.flush()
}

// flush writes out what is held.
func (t *traceFilter) flush() error {
	t.mu.Lock()
	held := t.held
	t.held = nil
	t.mu.Unlock()
	for _, line := range held {
		if _, err := t.w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// tracedFile is a file a hook redirected output to (2>file): its trace
// lines go through a traceFilter too.
type tracedFile struct {
	*os.File
	t *traceFilter
}

func newTracedFile(f *os.File, hold *atomic.Bool) tracedFile {
	return tracedFile{f, newTraceFilter(f, hold)}
}

// Write passes b through the file's trace filter.
func (f tracedFile) Write(b []byte) (int, error) { return f.t.Write(b) }

// Close writes out what is held, then closes the file.
func (f tracedFile) Close() error {
	_ = f.t.flush()
	return f.File.Close()
}

// isTrace reports whether b looks like one set -x line.
func isTrace(b []byte) bool {
	return bytes.HasPrefix(b, []byte("+ ")) && bytes.HasSuffix(b, []byte("\n")) &&
		bytes.IndexByte(b[:len(b)-1], '\n') < 0
}

// traceOf returns the trace filter behind an output stream, if any.
func traceOf(w io.Writer) *traceFilter {
	switch t := w.(type) {
	case *traceFilter:
		return t
	case tracedFile:
		return t.t
	}
	return nil
}

// unwrapOutput returns the stream a filter wraps, with what it holds
// written out: the file that a command started from the hook, or the app
// it hands over to, writes to directly.
func unwrapOutput(w io.Writer) io.Writer {
	switch t := w.(type) {
	case *traceFilter:
		_ = t.flush()
		return t.w
	case tracedFile:
		_ = t.t.flush()
		return t.File
	}
	return w
}

// interpTrace is the line mvdan.cc/sh's tracer writes for a command with
// these words (interp's tracer.call), or nil.
func interpTrace(words []string) []byte {
	if len(words) == 0 {
		return nil
	}
	line := "+ " + words[0]
	args := strings.Join(words[1:], " ")
	switch {
	case strings.TrimSpace(args) == "":
	case interp.IsBuiltin(words[0]):
		q, err := syntax.Quote(args, syntax.LangBash)
		if err != nil {
			return nil
		}
		line += " " + q
	default:
		line += " " + args
	}
	return []byte(line + "\n")
}

// bashTrace is the line bash's set -x prints for a command with these
// words: each word as it is, or in single quotes when it holds anything the
// shell would read specially (bash's sh_contains_shell_metas).
func bashTrace(words []string) []byte {
	var b strings.Builder
	b.WriteString("+")
	for _, w := range words {
		b.WriteByte(' ')
		if !needsQuotes(w) {
			b.WriteString(w)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(w, "'", `'\''`))
		b.WriteByte('\'')
	}
	b.WriteByte('\n')
	return []byte(b.String())
}

func needsQuotes(w string) bool {
	if w == "" {
		return true
	}
	for i := 0; i < len(w); i++ {
		switch c := w[i]; c {
		case ' ', '\t', '\n', '\'', '"', '\\', '|', '&', ';', '(', ')', '<', '>',
			'!', '{', '}', '*', '[', '?', ']', '^', '$', '`':
			return true
		case '~':
			if i == 0 || w[i-1] == '=' || w[i-1] == ':' {
				return true
			}
		case '#':
			if i == 0 {
				return true
			}
		}
	}
	return false
}
