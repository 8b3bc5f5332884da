package hooks

import (
	"fmt"
	"strings"
	"syscall"

	"mvdan.cc/sh/v3/interp"
)

const (
	trapOther = iota
	trapExit
	trapSignal
)

// trapCmd is a trap command, parsed.
type trapCmd struct {
	list   bool // "trap" alone: print the traps
	own    bool // "trap __hookinit_bgexit EXIT": a job's bookkeeping
	set    bool // an action is set; otherwise the conditions are reset
	action string
	conds  []string // EXIT, signals, ERR, ...
}

func parseTrap(args []string) (trapCmd, string) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	switch {
	case len(args) == 0:
		return trapCmd{list: true}, ""
	case args[0] == "-p" || args[0] == "-l":
		return trapCmd{}, fmt.Sprintf("trap %s is not supported by the embedded shell", args[0])
	case len(args) == 1:
		return trapCmd{conds: args}, "" // "trap SIG" resets SIG
	case args[0] == cmdBgExit:
		return trapCmd{own: true}, ""
	case args[0] == "-":
		return trapCmd{conds: args[1:]}, ""
	}
	return trapCmd{set: true, action: args[0], conds: args[1:]}, ""
}

// trapTarget reads a trap's condition: EXIT (0), a signal, or another
// (ERR, DEBUG, RETURN, an invalid name).
func trapTarget(name string) (syscall.Signal, int) {
	switch strings.ToUpper(name) {
	case "EXIT", "0", "SIGEXIT":
		return 0, trapExit
	case "ERR", "DEBUG", "RETURN":
		return 0, trapOther
	}
	if sig, ok := parseSignal(name); ok && sig > 0 {
		return sig, trapSignal
	}
	return 0, trapOther
}

// trappable are the signals a --script entrypoint may trap: those a
// container receives from outside (docker stop, docker kill -s, a
// terminal). The others either never reach a shell that way (CHLD and
// PIPE concern the process itself) or cannot be caught.
var trappable = map[syscall.Signal]bool{
	syscall.SIGHUP: true, syscall.SIGINT: true, syscall.SIGQUIT: true, syscall.SIGUSR1: true,
	syscall.SIGUSR2: true, syscall.SIGALRM: true, syscall.SIGTERM: true, syscall.SIGWINCH: true,
}

// trapProblem checks a trap command. A hook may set EXIT actions only (the
// ERR trap fires again for every enclosing compound command and ignores
// exit; signals belong to hookinit). A --script entrypoint (entry) may
// also trap the signals a container receives, in its own shell (not
// inSub, a copy of it): see Shell.Signal.
func trapProblem(args []string, entry, inSub bool) string {
	t, msg := parseTrap(args)
	if msg != "" || t.list || t.own {
		return msg
	}
	for _, name := range t.conds {
		if name == unknownArg {
			continue
		}
		sig, kind := trapTarget(name)
		switch {
		case kind == trapExit:
		case strings.EqualFold(name, "ERR"):
			return "trap on ERR is not supported by the embedded shell: it fires again for every enclosing compound command and function, and ignores exit in the action"
		case kind == trapOther:
			return fmt.Sprintf("trap on %s is not supported by the embedded shell", name)
		case !entry:
			return fmt.Sprintf("trap on %s is not supported by the embedded shell: hookinit relays signals to the processes a script starts, and stops the script itself when the container stops", name)
		case !trappable[sig]:
			return fmt.Sprintf("trap on %s is not supported by the embedded shell: only HUP, INT, QUIT, USR1, USR2, ALRM, TERM and WINCH can be trapped", name)
		case !t.set:
		case t.action == "":
			return fmt.Sprintf("trap '' %s (ignoring a signal) is not supported by the embedded shell: the commands the script starts would not ignore it", name)
		case inSub:
			return fmt.Sprintf("a trap on %s set inside ( ), $( ), a pipeline or a & job is not supported by the embedded shell: only the script's own shell receives signals", name)
		}
	}
	return ""
}

// trap keeps the EXIT action in a shell variable; hookinit runs it when
// the script ends, so that an exit inside it sets the exit status, as in
// bash (the interpreter's own EXIT trap discards it). The signal actions
// of a --script entrypoint's own shell go into the run's table (see
// Shell.Signal).
func (h *hookRun) trap(hc interp.HandlerContext, args []string) ([]string, error) {
	if msg := trapProblem(args, h.script, !h.isMain(hc)); msg != "" {
		return nil, h.refuse(hc, msg)
	}
	t, _ := parseTrap(args)
	switch {
	case t.list:
		return []string{cmdTrapPrint}, nil
	case t.own:
		return append([]string{"trap"}, args...), nil
	case t.set:
		if _, probs := checkAs("trap action", []byte(t.action), modeDotted, h.script); len(probs) > 0 {
			return nil, h.refuseProblems(hc, probs)
		}
	}
	out := []string{":"}
	for _, name := range t.conds {
		sig, kind := trapTarget(name)
		switch {
		case kind == trapExit && t.set:
			out = assign(varExitTrap, t.action)
		case kind == trapExit:
			out = []string{"unset", varExitTrap}
		case kind == trapSignal:
			h.setSignalTrap(sig, t.action, t.set)
		}
	}
	return out, nil
}
