package hooks

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/interp"
)

// kill implements kill [-s SIG | -n N | -SIG] target... and kill -l. A
// target is a pid, -pgid, a job's $! (gN) or %N: a job's signal goes to
// every process group the job started, and a job killed by a signal that
// terminates runs nothing more, as when bash kills the subshell running it.
func (h *hookRun) kill(hc interp.HandlerContext, args []string) error {
	errf := func(code int, format string, a ...any) error {
		fmt.Fprintf(hc.Stderr, "%s: line %d: kill: %s\n", h.path, hc.Pos.Line(), fmt.Sprintf(format, a...))
		return exitStatus(code)
	}
	sig := syscall.SIGTERM
	if len(args) > 0 && (args[0] == "-l" || args[0] == "-L") {
		return listSignals(hc.Stdout, args[1:], errf)
	}
	switch {
	case len(args) == 0:
		return errf(2, "usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]")
	case args[0] == "-s" || args[0] == "-n":
		if len(args) < 2 {
			return errf(2, "%s: option requires an argument", args[0])
		}
		s, ok := parseSignal(args[1])
		if !ok {
			return errf(1, "%s: invalid signal specification", args[1])
		}
		sig, args = s, args[2:]
	case args[0] == "--":
		args = args[1:]
	case strings.HasPrefix(args[0], "-") && len(args[0]) > 1:
		s, ok := parseSignal(args[0][1:])
		if !ok {
			return errf(1, "%s: invalid signal specification", args[0][1:])
		}
		sig, args = s, args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return errf(2, "usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ...")
	}
	var status error
	for _, t := range args {
		if err := h.killOne(hc, t, sig, errf); err != nil {
			status = err
		}
	}
	return status
}

func (h *hookRun) killOne(hc interp.HandlerContext, target string, sig syscall.Signal, errf func(int, string, ...any) error) error {
	g := target
	if strings.HasPrefix(target, "%") {
		if g = jobSpec(hc.Env, target); g == "" {
			return errf(1, "%s: no such job", target)
		}
	}
	if strings.HasPrefix(g, "g") {
		tok := hc.Env.Get(varBgPrefix + g[1:]).String()
		if tok == "" {
			return errf(1, "(%s) - No such process", target)
		}
		// A bash script keeps finished jobs in its table: %N of one that
		// is over is quietly nothing to do, while its $! is an error.
		return h.killJob(tok, target, sig, strings.HasPrefix(target, "%"), errf)
	}
	pid, err := strconv.Atoi(target)
	if err != nil {
		return errf(1, "%s: arguments must be process or job IDs", target)
	}
	if sig == 0 && pid == os.Getpid() {
		return nil // kill -0 $$: the script is running
	}
	if pid == os.Getpid() && h.trapSignal(sig) {
		return nil // kill -TERM $$ in an entrypoint that traps TERM
	}
	if pid == 0 || pid == -1 || pid == os.Getpid() || -pid == syscall.Getpgrp() {
		// $$ is hookinit's pid in the embedded shell: kill $$ would signal
		// hookinit (PID 1), kill 0 its process group, kill -1 every process
		// in the container.
		return errf(1, "%s: refusing to signal hookinit itself, its process group or every process", target)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		if err == syscall.ESRCH {
			return errf(1, "(%d) - No such process", pid)
		}
		return errf(1, "(%d) - %s", pid, err)
	}
	return nil
}

func (h *hookRun) killJob(tok, target string, sig syscall.Signal, quiet bool, errf func(int, string, ...any) error) error {
	h.mu.Lock()
	j := h.jobs[tok]
	if j == nil || j.done {
		h.mu.Unlock()
		if quiet {
			return nil
		}
		return errf(1, "(%s) - No such process", target)
	}
	if sig != 0 && terminates(sig) && j.killed == 0 {
		j.killed = sig
	}
	pgids := make([]int, 0, len(j.pgids))
	for pg := range j.pgids {
		pgids = append(pgids, pg)
	}
	h.mu.Unlock()
	for _, pg := range pgids {
		if err := syscall.Kill(-pg, sig); err != nil && err != syscall.ESRCH {
			return errf(1, "(%s) - %s", target, err)
		}
	}
	return nil
}

// terminates reports whether a signal's default action ends a process.
func terminates(sig syscall.Signal) bool {
	switch sig {
	case syscall.SIGCHLD, syscall.SIGCONT, syscall.SIGSTOP, syscall.SIGTSTP,
		syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGURG, syscall.SIGWINCH:
		return false
	}
	return true
}

// parseSignal reads TERM, SIGTERM, term or 15.
func parseSignal(s string) (syscall.Signal, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n <= 64 {
			return syscall.Signal(n), true
		}
		return 0, false
	}
	up := strings.ToUpper(s)
	if !strings.HasPrefix(up, "SIG") {
		up = "SIG" + up
	}
	if sig := unix.SignalNum(up); sig != 0 {
		return sig, true
	}
	return 0, false
}

// signalName is a signal's name without SIG, as kill -l prints it.
func signalName(sig syscall.Signal) string {
	return strings.TrimPrefix(unix.SignalName(sig), "SIG")
}

// listSignals implements kill -l: all signals, or the name of each number
// (an exit status above 128 names the signal that caused it) and the
// number of each name.
func listSignals(w io.Writer, args []string, errf func(int, string, ...any) error) error {
	if len(args) == 0 {
		var names []string
		for n := syscall.Signal(1); n <= 31; n++ {
			if name := signalName(n); name != "" {
				names = append(names, fmt.Sprintf("%2d) SIG%s", int(n), name))
			}
		}
		for i := 0; i < len(names); i += 5 {
			fmt.Fprintln(w, strings.Join(names[i:min(i+5, len(names))], "\t"))
		}
		return nil
	}
	for _, a := range args {
		if n, err := strconv.Atoi(a); err == nil {
			if n > 128 {
				n -= 128
			}
			name := signalName(syscall.Signal(n))
			if n <= 0 || name == "" {
				return errf(1, "%s: invalid signal specification", a)
			}
			fmt.Fprintln(w, name)
			continue
		}
		sig, ok := parseSignal(a)
		if !ok {
			return errf(1, "%s: invalid signal specification", a)
		}
		fmt.Fprintln(w, int(sig))
	}
	return nil
}
