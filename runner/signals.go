package runner

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// isStopSignal reports whether sig asks the container to stop: what docker
// stop, Ctrl-C and Ctrl-\ send.
func isStopSignal(sig syscall.Signal) bool {
	return sig == unix.SIGTERM || sig == unix.SIGINT || sig == unix.SIGQUIT
}

// ParseSignal reads a signal by name ("TERM", "SIGTERM", "term", "RTMIN+3")
// or number ("15"). Zero is accepted where allowZero is set: it means "drop".
func ParseSignal(s string, allowZero bool) (syscall.Signal, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if n, err := strconv.Atoi(t); err == nil {
		if (n == 0 && allowZero) || (n >= 1 && n <= 64) {
			return syscall.Signal(n), nil
		}
		return 0, fmt.Errorf("signal %q out of range", s)
	}
	t = strings.TrimPrefix(t, "SIG")
	if sig := unix.SignalNum("SIG" + t); sig != 0 {
		return sig, nil
	}
	for prefix, base := range map[string]int{"RTMIN": 34, "RTMAX": 64} {
		rest, ok := strings.CutPrefix(t, prefix)
		if !ok {
			continue
		}
		off := 0
		if rest != "" {
			var err error
			if off, err = strconv.Atoi(rest); err != nil {
				return 0, fmt.Errorf("unknown signal %q", s)
			}
		}
		if n := base + off; n >= 34 && n <= 64 {
			return syscall.Signal(n), nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// SignalName is the conventional name of sig ("SIGTERM", "SIGRTMIN+1").
func SignalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	if sig >= 34 && sig <= 64 {
		return fmt.Sprintf("SIGRTMIN+%d", int(sig)-34)
	}
	return fmt.Sprintf("signal %d", int(sig))
}
