package hooks

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Plan is what Discover found: every hook of every phase in run order, and
// every problem. The runner runs nothing while Problems is not empty, and
// --check prints the plan with WriteTo.
type Plan struct {
	// Roots are the hook roots, in layering order (later wins).
	Roots []string
	// PreStart, PostStart and Background hold each phase's hooks in run
	// order, Skipped and Masked entries included so the plan can show them.
	PreStart, PostStart, Background []Hook
	// Problems found while discovering, in run order of their hooks.
	Problems []Problem
}

// Hooks returns all entries of a phase, in order, including those that do
// not run.
func (p *Plan) Hooks(ph Phase) []Hook {
	switch ph {
	case PreStart:
		return p.PreStart
	case PostStart:
		return p.PostStart
	case Background:
		return p.Background
	}
	return nil
}

// Runnable returns the hooks of a phase that actually run (Source,
// Interpret, Execute), in order. The result is a new slice.
func (p *Plan) Runnable(ph Phase) []Hook {
	var hs []Hook
	for _, h := range p.Hooks(ph) {
		if h.Kind.Runs() {
			hs = append(hs, h)
		}
	}
	return hs
}

// WriteTo writes the plan as --check shows it: the roots, then each phase
// with one hook per line (name, kind, path, and why it does not run or, for
// background hooks, its directives), then the problems, one per line as
// path:line:col: msg. Every phase and the problems section appear even when
// empty, so that the output is stable to read and to compare. Names and
// paths with blanks or control characters are quoted, so one line is always
// one hook.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	roots := make([]string, len(p.Roots))
	for i, r := range p.Roots {
		roots[i] = quoteIfNeeded(r)
	}
	if len(roots) == 0 {
		roots = []string{"(none)"}
	}
	fmt.Fprintf(&b, "hookinit: plan for roots %s\n", strings.Join(roots, ":"))
	width := 0
	for _, ph := range phases {
		for _, h := range p.Hooks(ph) {
			width = max(width, utf8.RuneCountInString(quoteIfNeeded(h.Name)))
		}
	}
	for _, ph := range phases {
		fmt.Fprintf(&b, "%s:\n", ph)
		hs := p.Hooks(ph)
		if len(hs) == 0 {
			b.WriteString("  (none)\n")
		}
		for _, h := range hs {
			fmt.Fprintf(&b, "  %-*s  %-9s  %s", width, quoteIfNeeded(h.Name), h.Kind, quoteIfNeeded(h.Path))
			switch {
			case h.Reason != "":
				fmt.Fprintf(&b, " (%s)", oneLine(h.Reason))
			case h.Phase == Background && h.Kind.Runs():
				fmt.Fprintf(&b, " %s", h.Directives)
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString("problems:\n")
	if len(p.Problems) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, pr := range p.Problems {
		pr.Path = quoteIfNeeded(pr.Path)
		fmt.Fprintf(&b, "  %s\n", oneLine(pr.String()))
	}
	n, err := w.Write(b.Bytes())
	return int64(n), err
}

// quoteIfNeeded quotes s Go-style if it is empty or holds anything but
// printable non-blank characters: a file name may contain a newline.
func quoteIfNeeded(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '"' {
			return strconv.Quote(s)
		}
	}
	return s
}

// oneLine escapes line breaks and other control characters in a message
// that may quote file content, so that it stays on its line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
