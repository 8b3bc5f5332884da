package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"mvdan.cc/sh/v3/interp"
)

// read -d DELIM: the interpreter's read stops at a newline only. With -r
// (no backslash processing), hookinit reads up to the delimiter itself and
// assigns the variables as bash's read does (builtins/read.def), as in
// `read -r -d '' sql <<-EOSQL || true` of the mysql and mariadb entrypoints
// or `find ... -print0 | while IFS= read -r -d '' f`. Without -r, -d is
// refused.

// readOpts is a read command with -d, parsed.
type readOpts struct {
	delim  byte
	array  string // -a NAME
	prompt string // -p PROMPT
	silent bool   // -s
	names  []string
}

// parseReadD parses read's arguments when they have -d; ok is false
// without -d (the interpreter's read runs).
func parseReadD(args []string) (o readOpts, ok bool, msg string) {
	raw := false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'r':
				raw = true
			case 's':
				o.silent = true
			case 'd', 'a', 'p':
				v := a[j+1:]
				if v == "" {
					if i+1 >= len(args) {
						return o, false, fmt.Sprintf("read: -%c: option requires an argument", c)
					}
					i++
					v = args[i]
				}
				switch c {
				case 'd':
					ok = true
					o.delim = 0
					if v != "" {
						o.delim = v[0]
					}
				case 'a':
					o.array = v
				case 'p':
					o.prompt = v
				}
				j = len(a)
			default:
				return o, false, "" // refused by the checks
			}
		}
	}
	o.names = args[i:]
	if ok && !raw {
		return o, false, "read -d without -r is not supported by the embedded shell"
	}
	return o, ok, ""
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// readD runs read -r -d: it reads standard input up to the delimiter and
// returns the command that assigns the variables and ends with read's
// status (1 when the input ended first).
func (h *hookRun) readD(ctx context.Context, hc interp.HandlerContext, o readOpts) []string {
	for _, n := range append(o.names, o.array) {
		if n != "" && !identifier.MatchString(n) {
			return fail(1, "read: `"+n+"': not a valid identifier")
		}
	}
	in, _ := hc.Stdin.(*os.File)
	if in == nil {
		return fail(1, "read: read error: 0: Bad file descriptor")
	}
	if isTerminal(in) {
		if o.silent {
			return fail(2, "read -s -d on a terminal is not supported by the embedded shell")
		}
		fmt.Fprint(hc.Stderr, o.prompt)
	}
	data, found, err := readUntil(ctx, in, o.delim)
	status := "0"
	if !found {
		status = "1"
	}
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(hc.Stderr, "%s: line %d: read: read error: 0: %v\n", h.path, hc.Pos.Line(), errText(err))
	}
	ifs := " \t\n"
	if v := hc.Env.Get("IFS"); v.IsSet() {
		ifs = v.String()
	}
	var code strings.Builder
	switch {
	case o.array != "":
		code.WriteString(o.array + "=(")
		for i, f := range ifsFields(data, ifs) {
			if i > 0 {
				code.WriteByte(' ')
			}
			code.WriteString(shellQuote(f))
		}
		code.WriteString(")")
	case len(o.names) == 0:
		code.WriteString("REPLY=" + shellQuote(data))
	default:
		for i, v := range readSplit(data, ifs, len(o.names)) {
			if i > 0 {
				code.WriteByte(' ')
			}
			code.WriteString(o.names[i] + "=" + shellQuote(v))
		}
	}
	return []string{"eval", code.String() + "; " + cmdRet + " " + status}
}

// readUntil reads f a byte at a time (what follows the delimiter is
// left for the next reader) up to delim, which is not returned; found is
// false when the input ended first. A cancelled ctx ends a read waiting
// on a pipe.
func readUntil(ctx context.Context, f *os.File, delim byte) (string, bool, error) {
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer func() {
		if !stop() {
			_ = f.SetReadDeadline(time.Time{})
		}
	}()
	var b []byte
	var one [1]byte
	for {
		n, err := f.Read(one[:])
		if n == 1 {
			if one[0] == delim {
				return string(b), true, nil
			}
			b = append(b, one[0])
		}
		if err != nil {
			return string(b), false, err
		}
	}
}

// isIFSWhite reports whether c is IFS white space: a space, tab or
// newline that is in ifs.
func isIFSWhite(c byte, ifs string) bool {
	return (c == ' ' || c == '\t' || c == '\n') && strings.IndexByte(ifs, c) >= 0
}

// readSplit assigns s to n variables as bash's read does: leading IFS
// white space goes; each variable but the last takes a field; the last
// takes what is left, without trailing IFS white space (or the one field
// left, without its separator).
func readSplit(s, ifs string, n int) []string {
	out := make([]string, n)
	if ifs == "" {
		out[0] = s // no splitting: the others are empty
		return out
	}
	i := 0
	for i < len(s) && isIFSWhite(s[i], ifs) {
		i++
	}
	s = s[i:]
	for k := 0; k < n-1; k++ {
		if s == "" {
			break
		}
		var w string
		w, s, _ = ifsWord(s, ifs)
		out[k] = w
	}
	if s != "" {
		if w, rest, ok := ifsWord(s, ifs); ok && rest == "" {
			out[n-1] = w
		} else {
			out[n-1] = strings.TrimRightFunc(s, func(r rune) bool { return r < 0x80 && isIFSWhite(byte(r), ifs) })
		}
	}
	return out
}

// ifsWord takes the first field of s (bash's get_word_from_string): IFS
// white space before it goes, then the field up to an IFS character, then
// its separator (IFS white space around at most one other IFS character).
// ok is false when s holds nothing but IFS white space.
func ifsWord(s, ifs string) (word, rest string, ok bool) {
	i := 0
	for i < len(s) && isIFSWhite(s[i], ifs) {
		i++
	}
	if i == len(s) {
		return "", "", false
	}
	s = s[i:]
	j := 0
	for j < len(s) && strings.IndexByte(ifs, s[j]) < 0 {
		j++
	}
	word = s[:j]
	whitesep := j < len(s) && isIFSWhite(s[j], ifs)
	if j < len(s) {
		j++
	}
	for j < len(s) && isIFSWhite(s[j], ifs) {
		j++
	}
	if j < len(s) && whitesep && strings.IndexByte(ifs, s[j]) >= 0 && !isIFSWhite(s[j], ifs) {
		j++
		for j < len(s) && isIFSWhite(s[j], ifs) {
			j++
		}
	}
	return word, s[j:], true
}

// ifsFields splits s into all its fields, as read -a does.
func ifsFields(s, ifs string) []string {
	if ifs == "" {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var out []string
	for {
		w, rest, ok := ifsWord(s, ifs)
		if !ok {
			return out
		}
		out = append(out, w)
		s = rest
	}
}
