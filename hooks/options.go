package hooks

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/interp"
)

// shellOpt describes one "set -o" option as the embedded shell sees it.
type shellOpt struct {
	flag rune // one-letter form, or 0
	// supported: the interpreter implements it.
	supported bool
	// ignorable: it changes nothing for a non-interactive script, so set
	// accepts it and the interpreter never sees it.
	ignorable bool
	// on: bash's default for a script; setting an option to its default
	// is always accepted.
	on bool
}

var shellOpts = map[string]shellOpt{
	"allexport": {flag: 'a', supported: true},
	"errexit":   {flag: 'e', supported: true},
	"noexec":    {flag: 'n', supported: true},
	"noglob":    {flag: 'f', supported: true},
	"nounset":   {flag: 'u', supported: true},
	"xtrace":    {flag: 'x', supported: true},
	"pipefail":  {supported: true},
	// The ERR trap is refused, so errtrace has nothing to change; it is
	// accepted because "set -Eeuo pipefail" is a common opening line.
	"errtrace": {flag: 'E', ignorable: true},
	// DEBUG and RETURN traps are refused, so functrace changes nothing.
	"functrace": {flag: 'T', ignorable: true},
	// Command hashing only caches PATH look-ups.
	"hashall":              {flag: 'h', ignorable: true, on: true},
	"notify":               {flag: 'b', ignorable: true},
	"emacs":                {ignorable: true},
	"vi":                   {ignorable: true},
	"history":              {ignorable: true},
	"ignoreeof":            {ignorable: true},
	"nolog":                {ignorable: true},
	"braceexpand":          {flag: 'B', on: true},
	"interactive-comments": {on: true},
	"histexpand":           {flag: 'H'},
	"keyword":              {flag: 'k'},
	"monitor":              {flag: 'm'},
	"noclobber":            {flag: 'C'},
	"onecmd":               {flag: 't'},
	"physical":             {flag: 'P'},
	"posix":                {},
	"privileged":           {flag: 'p'},
	"verbose":              {flag: 'v'},
}

// setOptionProblem says why "set -o name" (sign "-") or "set +o name"
// cannot be honoured, or returns "".
func setOptionProblem(sign, name string) string {
	o, ok := shellOpts[name]
	switch {
	case !ok:
		return fmt.Sprintf("set %so %s: no such option", sign, name)
	case o.supported || o.ignorable || o.on == (sign == "-"):
		return ""
	}
	return fmt.Sprintf("set %so %s is not supported by the embedded shell", sign, name)
}

// setFlagProblem is setOptionProblem for a one-letter flag.
func setFlagProblem(sign string, ch rune) string {
	for name, o := range shellOpts {
		if o.flag == ch {
			if msg := setOptionProblem(sign, name); msg != "" {
				return fmt.Sprintf("set %s%c (%s) is not supported by the embedded shell", sign, ch, name)
			}
			return ""
		}
	}
	return fmt.Sprintf("set %s%c: no such option", sign, ch)
}

// filterSetArgs drops the options of a set command that change nothing for
// the embedded shell (errtrace, hashall, options set to their default),
// and says why it cannot run if one is not supported.
func filterSetArgs(args []string) ([]string, string) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == unknownArg {
			return args, ""
		}
		if a == "--" || a == "-" || a == "+" || len(a) < 2 || (a[0] != '-' && a[0] != '+') {
			return append(out, args[i:]...), ""
		}
		sign := a[:1]
		kept := sign
		for _, ch := range a[1:] {
			if ch != 'o' {
				if msg := setFlagProblem(sign, ch); msg != "" {
					return nil, msg
				}
				if o := optByFlag(ch); o.supported {
					kept += string(ch)
				}
				continue
			}
			if i+1 >= len(args) {
				kept += "o" // set -o alone lists the options
				continue
			}
			i++
			name := args[i]
			if name == unknownArg {
				return args, ""
			}
			if msg := setOptionProblem(sign, name); msg != "" {
				return nil, msg
			}
			if shellOpts[name].supported {
				if len(kept) > 1 {
					out = append(out, kept)
				}
				out = append(out, sign+"o", name)
				kept = sign
			}
		}
		if len(kept) > 1 {
			out = append(out, kept)
		}
	}
	return out, ""
}

func optByFlag(ch rune) shellOpt {
	for _, o := range shellOpts {
		if o.flag == ch {
			return o
		}
	}
	return shellOpt{}
}

// bashOptDefaults are the shopt options bash turns on for a script.
var bashOptDefaults = map[string]bool{
	"checkwinsize": true, "cmdhist": true, "complete_fullquote": true, "extquote": true,
	"force_fignore": true, "globasciiranges": true, "hostcomplete": true,
	"interactive_comments": true, "progcomp": true, "promptvars": true, "sourcepath": true,
	"patsub_replacement": true,
}

// bashOptsSupported are the shopt options the interpreter implements, plus
// inherit_errexit, which hookinit implements.
var bashOptsSupported = map[string]bool{
	"dotglob": true, "expand_aliases": true, "extglob": true, "globstar": true,
	"nocaseglob": true, "nullglob": true, "inherit_errexit": true,
}

// shoptProblem checks a shopt command.
func shoptProblem(args []string) string {
	mode, posix := "", false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-s", "-u":
			mode = args[0]
		case "-o":
			posix = true
		case unknownArg:
			return ""
		default:
			return fmt.Sprintf("shopt %s is not supported by the embedded shell", args[0])
		}
		args = args[1:]
	}
	if mode == "" {
		return ""
	}
	for _, name := range args {
		switch {
		case name == unknownArg:
		case posix:
			sign := "-"
			if mode == "-u" {
				sign = "+"
			}
			if msg := setOptionProblem(sign, name); msg != "" {
				return msg
			}
		case bashOptsSupported[name], bashOptDefaults[name] == (mode == "-s"):
		default:
			return fmt.Sprintf("shopt %s %s is not supported by the embedded shell", mode, name)
		}
	}
	return ""
}

// shopt handles inherit_errexit itself and drops options set to their
// default, which the interpreter would reject as unsupported.
func (h *hookRun) shopt(hc interp.HandlerContext, args []string) ([]string, error) {
	if msg := shoptProblem(args); msg != "" {
		return nil, h.refuse(hc, msg)
	}
	mode, posix := "", false
	var names []string
	for _, a := range args {
		switch a {
		case "-s", "-u":
			mode = a
		case "-o":
			posix = true
		default:
			names = append(names, a)
		}
	}
	if mode == "" || posix {
		return append([]string{"shopt"}, args...), nil
	}
	var keep []string
	var cmds []string
	for _, n := range names {
		switch {
		case n == "inherit_errexit":
			if mode == "-s" {
				cmds = append(cmds, varInheritErrx+"=1")
			} else {
				cmds = append(cmds, "unset "+varInheritErrx)
			}
		case bashOptsSupported[n]:
			keep = append(keep, n)
		}
	}
	switch {
	case len(cmds) == 0 && len(keep) == 0:
		return []string{":"}, nil
	case len(cmds) == 0:
		return append([]string{"shopt", mode}, keep...), nil
	case len(keep) > 0:
		// Comes back here through eval, with supported names only.
		cmds = append(cmds, "shopt "+mode+" "+strings.Join(keep, " "))
	}
	return []string{"eval", strings.Join(cmds, "; ")}, nil
}
