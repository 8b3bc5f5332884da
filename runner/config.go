package runner

import (
	"slices"

	"github.com/hookinit/hookinit/runner/early"

	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultHooksDir is the hook root used when the user names none: the
// convention of the official images' entrypoints.
const DefaultHooksDir = "/docker-entrypoint.d"

// SignalTarget selects who receives relayed signals.
type SignalTarget int

const (
	// TargetGroup sends relayed signals to the app's whole process group,
	// so the children of a shell wrapper that does not forward see them too.
	TargetGroup SignalTarget = iota
	// TargetChild sends relayed signals to the app process alone.
	TargetChild
)

// Config is everything the command line and HOOKINIT_* variables decide.
type Config struct {
	// Command is the app and its arguments (without --script), or the
	// script's arguments (with --script).
	Command []string
	// Script is the docker-entrypoint.sh to interpret, if any.
	Script string
	// Check validates the hooks, prints the plan and runs nothing.
	Check bool
	// Hooks are the hook roots in order; nil means DefaultHooksDir, whose
	// absence is not an error.
	Hooks []string

	SignalTarget SignalTarget
	// Rewrite maps a received signal to the one relayed; 0 drops it.
	Rewrite map[syscall.Signal]syscall.Signal
	// RemapExit maps the app's exit code to hookinit's.
	RemapExit map[int]int
	// StopTimeout, when positive, is how long after a relayed stop signal
	// the app's group gets SIGKILL.
	StopTimeout time.Duration
	// Grace is how long leftover processes get between SIGTERM and SIGKILL
	// once the app has exited.
	Grace time.Duration

	// Ready is the readiness probe that gates post-start hooks
	// (tcp://HOST:PORT, http://HOST:PORT/PATH, file:///PATH).
	Ready        string
	ReadyTimeout time.Duration
	// IgnorePostStartFailure logs a failed post-start hook or readiness
	// timeout instead of stopping the container.
	IgnorePostStartFailure bool
	// LogPrefix prefixes each line a hook writes with "[name] ".
	LogPrefix bool

	Verbosity Verbosity
}

// ParseRewrite reads a --rewrite spec "FROM:TO" (names or numbers; TO may
// be 0 to drop the signal).
func ParseRewrite(spec string) (from, to syscall.Signal, err error) {
	a, b, ok := strings.Cut(spec, ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q: want FROM:TO, e.g. TERM:QUIT", spec)
	}
	if from, err = ParseSignal(a, false); err != nil {
		return 0, 0, fmt.Errorf("%q: %w", spec, err)
	}
	if !slices.Contains(early.Relayable, from) {
		return 0, 0, fmt.Errorf("%q: %s is never relayed, so it cannot be rewritten", spec, SignalName(from))
	}
	if to, err = ParseSignal(b, true); err != nil {
		return 0, 0, fmt.Errorf("%q: %w", spec, err)
	}
	return from, to, nil
}

// ParseRemapExit reads a --remap-exit spec "FROM:TO", both 0-255.
func ParseRemapExit(spec string) (from, to int, err error) {
	a, b, ok := strings.Cut(spec, ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q: want FROM:TO, e.g. 143:0", spec)
	}
	if from, err = exitStatus(a); err != nil {
		return 0, 0, fmt.Errorf("%q: %w", spec, err)
	}
	if to, err = exitStatus(b); err != nil {
		return 0, 0, fmt.Errorf("%q: %w", spec, err)
	}
	return from, to, nil
}

func exitStatus(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 255 {
		return 0, fmt.Errorf("exit status %q is not a number from 0 to 255", s)
	}
	return n, nil
}
