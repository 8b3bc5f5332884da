package hooks

import (
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

// umaskOf returns the umask in effect for the shell whose environment this
// is: the one set by the umask builtin, or the one the run started with.
func (h *hookRun) umaskOf(env expand.Environ) int {
	if v := env.Get(varUmask); v.IsSet() {
		if m, err := strconv.ParseUint(v.String(), 8, 32); err == nil {
			return int(m)
		}
	}
	return h.umask0
}

// umask implements "umask [-p] [-S] [mode]": the mask goes into a shell
// variable, from where the open handler and the exec handler apply it.
func (h *hookRun) umask(hc interp.HandlerContext, args []string) []string {
	var flags []string
	for len(args) > 0 && (args[0] == "-S" || args[0] == "-p" || args[0] == "-pS" || args[0] == "-Sp") {
		flags = append(flags, args[0])
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	switch {
	case len(args) == 0:
		return append([]string{cmdUmask}, flags...)
	case len(args) > 1:
		return fail(2, "umask: too many arguments")
	case len(args[0]) > 0 && strings.HasPrefix(args[0], "-"):
		return fail(2, "umask: "+args[0]+": invalid option")
	}
	mask, msg := parseUmask(args[0], h.umaskOf(hc.Env))
	if msg != "" {
		return fail(1, "umask: "+msg)
	}
	return assign(varUmask, fmt.Sprintf("%04o", mask))
}

// parseUmask reads an octal or a symbolic (u=rwx,g=rx,o=) umask; a symbolic
// mode edits the permissions that cur leaves, as bash does.
func parseUmask(s string, cur int) (int, string) {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		m, err := strconv.ParseUint(s, 8, 32)
		if err != nil || m > 0o777 {
			return 0, s + ": octal number out of range"
		}
		return int(m), ""
	}
	whoBits := map[byte]int{'u': 0o700, 'g': 0o070, 'o': 0o007, 'a': 0o777}
	permBits := map[byte]int{'r': 0o444, 'w': 0o222, 'x': 0o111}
	perm := ^cur & 0o777
	for clause := range strings.SplitSeq(s, ",") {
		i, who := 0, 0
		for ; i < len(clause) && whoBits[clause[i]] != 0; i++ {
			who |= whoBits[clause[i]]
		}
		if who == 0 {
			who = 0o777
		}
		if i >= len(clause) || strings.IndexByte("+-=", clause[i]) < 0 {
			return 0, fmt.Sprintf("%s: invalid symbolic mode operator", s)
		}
		for i < len(clause) && strings.IndexByte("+-=", clause[i]) >= 0 {
			op := clause[i]
			bits := 0
			for i++; i < len(clause) && permBits[clause[i]] != 0; i++ {
				bits |= permBits[clause[i]]
			}
			if i < len(clause) && strings.IndexByte("+-=", clause[i]) < 0 {
				return 0, fmt.Sprintf("%s: invalid symbolic mode character", s)
			}
			switch op {
			case '+':
				perm |= bits & who
			case '-':
				perm &^= bits & who
			case '=':
				perm = perm&^who | bits&who
			}
		}
	}
	return ^perm & 0o777, ""
}

// printUmask prints the mask like bash: 0022, or u=rwx,g=rx,o=rx with -S,
// each prefixed "umask " (and -S) with -p.
func (h *hookRun) printUmask(hc interp.HandlerContext, flags []string) error {
	mask := h.umaskOf(hc.Env)
	sym, p := false, false
	for _, f := range flags {
		sym = sym || strings.Contains(f, "S")
		p = p || strings.Contains(f, "p")
	}
	out := fmt.Sprintf("%04o", mask)
	if sym {
		perm := ^mask & 0o777
		part := func(shift int) string {
			var b strings.Builder
			for i, c := range "rwx" {
				if perm>>(shift+2-i)&1 == 1 {
					b.WriteRune(c)
				}
			}
			return b.String()
		}
		out = "u=" + part(6) + ",g=" + part(3) + ",o=" + part(0)
		if p {
			out = "-S " + out
		}
	}
	if p {
		out = "umask " + out
	}
	_, err := fmt.Fprintln(hc.Stdout, out)
	if err != nil {
		return interp.ExitStatus(1)
	}
	return nil
}
