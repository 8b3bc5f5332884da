package hooks

import (
	"bytes"
	"io"
	"os"
)

// The interpreter's set -x prints every command it runs, and hookinit's
// bookkeeping (job tokens, saved statuses, the parts of $(...) that make it
// behave like bash) runs as shell code between the hook's own commands: a
// hook with set -x would show dozens of __hookinit_ lines. Every piece of
// that code names a private command or variable, so the trace lines that
// mention one are dropped on their way out; the hook's own trace lines
// pass. The interpreter writes each trace line with one Write of its own,
// which is what makes them recognisable.

// traceFilter is a hook's output stream with hookinit's own trace lines
// taken out.
type traceFilter struct{ w io.Writer }

// Write passes b on unless it is a trace line of hookinit's bookkeeping.
func (t traceFilter) Write(b []byte) (int, error) {
	if privateTrace(b) {
		return len(b), nil
	}
	return t.w.Write(b)
}

// tracedFile is a file a hook redirected output to (2>file), with the same
// filter; it is still the file for everything else.
type tracedFile struct{ *os.File }

// Write passes b on unless it is a trace line of hookinit's bookkeeping.
func (t tracedFile) Write(b []byte) (int, error) {
	if privateTrace(b) {
		return len(b), nil
	}
	return t.File.Write(b)
}

// privateTrace reports whether b is a set -x line of hookinit's own code.
func privateTrace(b []byte) bool {
	return bytes.HasPrefix(b, []byte("+ ")) && bytes.HasSuffix(b, []byte("\n")) &&
		bytes.Contains(b, []byte(privPrefix))
}

// filterTrace wraps a hook's output stream; nil stays nil, so that the
// interpreter still sees a closed stream.
func filterTrace(w io.Writer) io.Writer {
	switch f := w.(type) {
	case nil:
		return nil
	case *os.File:
		if f == nil {
			return nil
		}
	case traceFilter, tracedFile:
		return w
	}
	if w == io.Discard {
		return w
	}
	return traceFilter{w}
}

// unwrapOutput returns the stream a filter wraps: the file that a command
// started from the hook, or the app it hands over to, writes to directly.
func unwrapOutput(w io.Writer) io.Writer {
	switch t := w.(type) {
	case traceFilter:
		return t.w
	case tracedFile:
		return t.File
	}
	return w
}
