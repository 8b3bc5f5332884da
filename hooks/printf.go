package hooks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	utf8pkg "unicode/utf8"

	"mvdan.cc/sh/v3/expand"
)

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
