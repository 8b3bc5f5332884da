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

// The read builtin. The interpreter's read splits a line into variables
// differently from bash when IFS has characters other than white space
// (IFS=, read -r a b c <<< "a,,c" gave b=c), and has no -d. hookinit
// reads the input itself and assigns the variables as bash's read does
// (builtins/read.def): -r or backslash processing, -d DELIM (read -r -d ''
// sql <<-EOSQL of the mysql and mariadb entrypoints, find -print0 loops),
// -a, -p, REPLY, the exit status. The interpreter's read is left only
// -s on a terminal (it reads a password without echo).

// readOpts is a read command, parsed.
type readOpts struct {
	raw    bool // -r
	delim  byte // -d, '\n' by default
	array  string
	prompt string
	silent bool
	names  []string
}

// parseRead parses read's arguments; ok is false for an option hookinit
// does not implement (the checks refuse it).
func parseRead(args []string) (o readOpts, ok bool) {
	o.delim = '\n'
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
				o.raw = true
			case 's':
				o.silent = true
			case 'd', 'a', 'p':
				v := a[j+1:]
				if v == "" {
					if i+1 >= len(args) {
						return o, false
					}
					i++
					v = args[i]
				}
				switch c {
				case 'd':
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
				return o, false
			}
		}
	}
	o.names = args[i:]
	return o, true
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// read runs the read builtin: it reads standard input up to the delimiter
// and returns the command that assigns the variables and ends with read's
// status (1 when the input ended first). ok is false when the
// interpreter's read is to run instead.
func (h *hookRun) read(ctx context.Context, hc interp.HandlerContext, args []string) (cmd []string, ok bool) {
	o, ok := parseRead(args)
	if !ok {
		return nil, false
	}
	for _, n := range append(o.names, o.array) {
		if n != "" && !identifier.MatchString(n) {
			return fail(1, "read: `"+n+"': not a valid identifier"), true
		}
	}
	in, _ := hc.Stdin.(*os.File)
	if in == nil {
		return fail(1, "read: read error: 0: Bad file descriptor"), true
	}
	if isTerminal(in) {
		if o.silent {
			return nil, false // the interpreter reads without echo
		}
		fmt.Fprint(hc.Stderr, o.prompt)
	}
	data, esc, found, err := readInput(ctx, in, o.delim, o.raw)
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
	sp := splitter{s: data, esc: esc, ifs: ifs}
	var code strings.Builder
	switch {
	case o.array != "":
		code.WriteString(o.array + "=(")
		for i, f := range sp.fields() {
			if i > 0 {
				code.WriteByte(' ')
			}
			code.WriteString(shellQuote(f))
		}
		code.WriteString(")")
	case len(o.names) == 0:
		code.WriteString("REPLY=" + shellQuote(string(data)))
	default:
		for i, v := range sp.split(len(o.names)) {
			if i > 0 {
				code.WriteByte(' ')
			}
			code.WriteString(o.names[i] + "=" + shellQuote(v))
		}
	}
	return []string{"eval", code.String() + "; " + cmdRet + " " + status}, true
}

// readInput reads f a byte at a time (what follows the delimiter is left
// for the next reader) up to delim, which is not returned; found is false
// when the input ended first. Without raw, a backslash escapes the next
// character (esc marks it: it is no separator) and a backslash-newline is
// dropped. A cancelled ctx ends a read waiting on a pipe.
func readInput(ctx context.Context, f *os.File, delim byte, raw bool) (data []byte, esc []bool, found bool, err error) {
	stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	defer func() {
		if !stop() {
			_ = f.SetReadDeadline(time.Time{})
		}
	}()
	var one [1]byte
	escaped := false
	for {
		n, err := f.Read(one[:])
		if n == 1 {
			c := one[0]
			switch {
			case escaped:
				escaped = false
				if c != '\n' {
					data = append(data, c)
					esc = append(esc, true)
				}
			case !raw && c == '\\':
				escaped = true
			case c == delim:
				return data, esc, true, nil
			default:
				data = append(data, c)
				esc = append(esc, false)
			}
		}
		if err != nil {
			return data, esc, false, err
		}
	}
}

// splitter splits read's input as bash does; esc marks the characters a
// backslash escaped, which are never separators.
type splitter struct {
	s   []byte
	esc []bool
	ifs string
	i   int
}

func (p *splitter) isIFS(i int) bool {
	return !p.esc[i] && strings.IndexByte(p.ifs, p.s[i]) >= 0
}

// isWhite reports whether the character at i is IFS white space.
func (p *splitter) isWhite(i int) bool {
	c := p.s[i]
	return (c == ' ' || c == '\t' || c == '\n') && p.isIFS(i)
}

func (p *splitter) skipWhite() {
	for p.i < len(p.s) && p.isWhite(p.i) {
		p.i++
	}
}

// word takes the next field (bash's get_word_from_string): IFS white
// space before it goes, then the field up to an IFS character, then its
// separator (IFS white space around at most one other IFS character). ok
// is false when only IFS white space is left.
func (p *splitter) word() (string, bool) {
	p.skipWhite()
	if p.i == len(p.s) {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) && !p.isIFS(p.i) {
		p.i++
	}
	w := string(p.s[start:p.i])
	whitesep := p.i < len(p.s) && p.isWhite(p.i)
	if p.i < len(p.s) {
		p.i++
	}
	p.skipWhite()
	if p.i < len(p.s) && whitesep && p.isIFS(p.i) && !p.isWhite(p.i) {
		p.i++
		p.skipWhite()
	}
	return w, true
}

// split assigns the input to n variables: each but the last takes a field;
// the last takes the one field left without its separator, or all that is
// left without trailing IFS white space.
func (p *splitter) split(n int) []string {
	out := make([]string, n)
	if p.ifs == "" {
		out[0] = string(p.s) // no splitting: the others are empty
		return out
	}
	p.skipWhite()
	for k := 0; k < n-1 && p.i < len(p.s); k++ {
		out[k], _ = p.word()
	}
	if p.i == len(p.s) {
		return out
	}
	rest := p.i
	if w, ok := p.word(); ok && p.i == len(p.s) {
		out[n-1] = w
		return out
	}
	end := len(p.s)
	for end > rest && p.isWhite(end-1) {
		end--
	}
	out[n-1] = string(p.s[rest:end])
	return out
}

// fields splits the whole input, as read -a does.
func (p *splitter) fields() []string {
	if p.ifs == "" {
		if len(p.s) == 0 {
			return nil
		}
		return []string{string(p.s)}
	}
	var out []string
	for {
		w, ok := p.word()
		if !ok {
			return out
		}
		out = append(out, w)
	}
}
