package hooks

import (
	"bytes"
	"fmt"
	"iter"
	"strings"
)

// Restart says what happens when a background hook ends.
type Restart int

const (
	// RestartOnFailure restarts a background hook that failed (non-zero
	// exit or killed) and lets one that exited 0 stay down. It is the zero
	// value so that a hook without directives gets it.
	RestartOnFailure Restart = iota
	// RestartAlways restarts a background hook however it ended.
	RestartAlways
	// RestartNever leaves a background hook down once it has ended.
	RestartNever
)

// String returns the value as written in a directive (restart=<value>).
func (r Restart) String() string {
	switch r {
	case RestartOnFailure:
		return "on-failure"
	case RestartAlways:
		return "always"
	case RestartNever:
		return "never"
	}
	return fmt.Sprintf("Restart(%d)", int(r))
}

// Directives are the per-hook settings a hook file declares about itself in
// its leading comment lines, so that the setting travels with the file from
// a base image to a derived one. The zero value holds the defaults.
type Directives struct {
	Restart Restart
	// Essential: when the background hook ends for good, the container
	// stops with its exit code.
	Essential bool
}

// String returns the directives in the form a directive line takes, e.g.
// "restart=always essential", so that the plan shows what ParseDirectives
// would read back. The restart value is always shown, default or not.
func (d Directives) String() string {
	s := "restart=" + d.Restart.String()
	if d.Essential {
		s += " essential"
	}
	return s
}

// directivePrefix starts a directive comment: "# hookinit: restart=never".
const directivePrefix = "hookinit:"

// binarySniffLen is how much of a file decides whether it is a binary, as
// git and grep do it.
const binarySniffLen = 512

// isBinary reports whether src looks like a binary rather than a script:
// an ELF header, or a NUL byte near the start.
func isBinary(src []byte) bool {
	if bytes.HasPrefix(src, []byte("\x7fELF")) {
		return true
	}
	return bytes.IndexByte(src[:min(len(src), binarySniffLen)], 0) >= 0
}

// ParseDirectives reads the directives in the leading comment lines of a
// hook file: after an optional "#!" line, the run of lines that start with
// "#" (blank lines within the run are allowed, leading blanks too). A line
// "# hookinit: restart=always essential" sets directives; fields are
// separated by spaces or tabs, and several such lines may appear. The first
// line that is not a comment ends the header; later comments are code's
// business, not ours.
//
// Binaries (see isBinary) are not parsed and get the defaults. The caller
// passes only the start of a file; a directive beyond what it passes is not
// seen.
//
// Each unknown key or value, and each contradiction, is a Problem with the
// line and column of the offending field. Their Path is empty: the caller
// knows the file and fills it in.
func ParseDirectives(src []byte) (Directives, []Problem) {
	d, probs, _ := parseDirectives(src)
	return d, probs
}

// parseDirectives is ParseDirectives that also returns the line of the first
// directive (0 if there is none), so that Discover can point at a directive
// on a hook whose phase has no use for it.
func parseDirectives(src []byte) (Directives, []Problem, int) {
	var (
		d           Directives
		probs       []Problem
		first       int
		restartLine int // where restart was set, to report a contradiction
	)
	if isBinary(src) {
		return d, nil, 0
	}
	rest := src
	for lineNo := 1; len(rest) > 0; lineNo++ {
		var raw []byte
		raw, rest, _ = bytes.Cut(rest, []byte("\n"))
		line := string(bytes.TrimSuffix(raw, []byte("\r")))
		if lineNo == 1 && strings.HasPrefix(line, "#!") {
			continue
		}
		body := strings.TrimLeft(line, " \t")
		if body == "" {
			continue
		}
		if body[0] != '#' {
			break
		}
		body = strings.TrimLeft(body[1:], " \t")
		fields, ok := strings.CutPrefix(body, directivePrefix)
		if !ok {
			continue
		}
		if first == 0 {
			first = lineNo
		}
		// off is where fields starts in line, for column numbers.
		off := len(line) - len(fields)
		at := func(col int, format string, args ...any) {
			probs = append(probs, Problem{Line: lineNo, Col: col, Msg: fmt.Sprintf(format, args...)})
		}
		n := 0
		for f, col := range directiveFields(fields, off+1) {
			n++
			key, value, hasValue := strings.Cut(f, "=")
			switch {
			case key == "essential" && !hasValue:
				d.Essential = true
			case key == "essential":
				at(col, "hookinit directive essential takes no value (got %q)", f)
			case key == "restart" && hasValue:
				r, ok := parseRestart(value)
				switch {
				case !ok:
					at(col, "unknown restart value %q (want restart=on-failure, restart=always or restart=never)", value)
				case restartLine != 0 && r != d.Restart:
					at(col, "restart=%s contradicts restart=%s on line %d", r, d.Restart, restartLine)
				default:
					d.Restart, restartLine = r, lineNo
				}
			case key == "restart":
				at(col, "hookinit directive restart needs a value (restart=on-failure, restart=always or restart=never)")
			default:
				at(col, "unknown hookinit directive %q (known: restart=on-failure|always|never, essential)", f)
			}
		}
		if n == 0 {
			at(off+1-len(directivePrefix), "empty hookinit: directive line (known: restart=on-failure|always|never, essential)")
		}
	}
	return d, probs, first
}

// directiveFields yields the space- or tab-separated fields of s with their
// 1-based column, where col is the column of s[0].
func directiveFields(s string, col int) iter.Seq2[string, int] {
	return func(yield func(string, int) bool) {
		i := 0
		for i < len(s) {
			if s[i] == ' ' || s[i] == '\t' {
				i++
				continue
			}
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			if !yield(s[i:j], col+i) {
				return
			}
			i = j
		}
	}
}

func parseRestart(s string) (Restart, bool) {
	for _, r := range []Restart{RestartOnFailure, RestartAlways, RestartNever} {
		if s == r.String() {
			return r, true
		}
	}
	return RestartOnFailure, false
}
