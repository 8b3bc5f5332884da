// hookinit's GOMAXPROCS is irrelevant (it idles), and the runtime's
// periodic re-reading of the cgroup CPU limit runs on the sysmon thread:
// under load on a cgroup v1 machine it crashed a test build with SIGSEGV in
// the allocator (internal/runtime/cgroup.parseV1Number via
// runtime.adjustCgroupGOMAXPROCS). A PID 1 does without it.
//go:debug updatemaxprocs=0

// Command hookinit is a container init: it runs the hooks of
// /docker-entrypoint.d with an embedded shell, then starts the app as a
// managed child while it, as PID 1, reaps every zombie and relays every
// signal. This file only turns flags and HOOKINIT_* variables into a
// runner.Config; everything else lives in the runner and hooks packages.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hookinit/hookinit/runner"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usageLine = "hookinit [OPTIONS] [--] COMMAND [ARG...] | --script FILE [--] [ARG...] | --check"

func main() {
	os.Exit(run(os.Args))
}

// run parses args and runs hookinit, returning the exit code. Usage and
// configuration errors are 2.
func run(args []string) int {
	code := 0
	app := newApp(func(cfg runner.Config) { code = runner.Run(cfg) })
	if err := app.Run(args); err != nil {
		// Every error cli returns is about how hookinit was called.
		fmt.Fprintf(os.Stderr, "hookinit: %v\nusage: %s\nRun 'hookinit --help' for the options.\n", err, usageLine)
		return 2
	}
	return code
}

func newApp(runFn func(runner.Config)) *cli.App {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version and exit"}
	return &cli.App{
		Name:            "hookinit",
		Usage:           "a container init that runs entrypoint hooks, reaps zombies and relays signals",
		UsageText:       usageLine,
		Version:         version,
		HideHelpCommand: true,
		Writer:          os.Stdout, // only --help and --version write here: no app is running
		ErrWriter:       os.Stderr,
		Flags:           flags(),
		// Without this, cli prints usage errors and help to stdout, which
		// belongs to the app.
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return err },
		Action: func(c *cli.Context) error {
			cfg, err := configFrom(c)
			if err != nil {
				return err
			}
			runFn(cfg)
			return nil
		},
	}
}

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "hooks", Value: &pathList{repeatable: repeatable{env: "HOOKINIT_HOOKS"}}, EnvVars: env("HOOKS"),
			Usage: "hook root `DIR` (repeatable; HOOKINIT_HOOKS is colon-separated) (default: " + runner.DefaultHooksDir + ")"},
		&cli.StringFlag{Name: "script", EnvVars: env("SCRIPT"), Usage: "interpret `FILE` (an existing docker-entrypoint.sh); its exec CMD starts CMD as the app"},
		&cli.BoolFlag{Name: "check", EnvVars: env("CHECK"), Usage: "validate the hooks, print the plan, run nothing"},
		&cli.StringFlag{Name: "signal-target", Value: "group", EnvVars: env("SIGNAL_TARGET"), Usage: "relay signals to the app's process `group` or to the child alone"},
		&cli.GenericFlag{Name: "rewrite", Value: &rewrites{repeatable: repeatable{env: "HOOKINIT_REWRITE"}}, EnvVars: env("REWRITE"), Usage: "relay signal FROM as TO, `FROM:TO` (repeatable; TO=0 drops it), e.g. TERM:QUIT"},
		&cli.GenericFlag{Name: "remap-exit", Value: &remaps{repeatable: repeatable{env: "HOOKINIT_REMAP_EXIT"}}, EnvVars: env("REMAP_EXIT"), Usage: "exit with TO when the app exits with FROM, `FROM:TO` (repeatable), e.g. 143:0"},
		&cli.DurationFlag{Name: "stop-timeout", EnvVars: env("STOP_TIMEOUT"), Usage: "SIGKILL the app's group `DURATION` after a relayed stop signal (0: never, the orchestrator decides)"},
		&cli.DurationFlag{Name: "grace", Value: 5 * time.Second, EnvVars: env("GRACE"), Usage: "once the app exited, the `DURATION` leftover processes get between SIGTERM and SIGKILL"},
		&cli.StringFlag{Name: "ready", EnvVars: env("READY"), Usage: "run post-start hooks once `URL` is ready: tcp://HOST:PORT, http://HOST:PORT/PATH, file:///PATH"},
		&cli.DurationFlag{Name: "ready-timeout", Value: 60 * time.Second, EnvVars: env("READY_TIMEOUT"), Usage: "give up waiting for --ready after `DURATION` (exit 124)"},
		&cli.StringFlag{Name: "post-start-failure", Value: "stop", EnvVars: env("POST_START_FAILURE"), Usage: "`stop` the container or ignore it when a post-start hook fails"},
		&cli.BoolFlag{Name: "log-prefix", EnvVars: env("LOG_PREFIX"), Usage: "prefix each line a hook writes with [name]"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, EnvVars: env("VERBOSE"), Usage: "log each hook, signal and reaped orphan"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, EnvVars: env("QUIET"), Usage: "log errors only"},
	}
}

func env(name string) []string { return []string{"HOOKINIT_" + name} }

// configFrom checks the parsed options against each other and builds the
// runner's configuration.
func configFrom(c *cli.Context) (runner.Config, error) {
	cfg := runner.Config{
		Command:      c.Args().Slice(),
		Script:       c.String("script"),
		Check:        c.Bool("check"),
		Hooks:        c.Generic("hooks").(*pathList).paths,
		Rewrite:      c.Generic("rewrite").(*rewrites).m,
		RemapExit:    c.Generic("remap-exit").(*remaps).m,
		StopTimeout:  c.Duration("stop-timeout"),
		Grace:        c.Duration("grace"),
		Ready:        c.String("ready"),
		ReadyTimeout: c.Duration("ready-timeout"),
		LogPrefix:    c.Bool("log-prefix"),
	}
	switch t := c.String("signal-target"); t {
	case "group":
		cfg.SignalTarget = runner.TargetGroup
	case "child":
		cfg.SignalTarget = runner.TargetChild
	default:
		return cfg, fmt.Errorf("--signal-target %q: want group or child", t)
	}
	switch p := c.String("post-start-failure"); p {
	case "stop":
	case "ignore":
		cfg.IgnorePostStartFailure = true
	default:
		return cfg, fmt.Errorf("--post-start-failure %q: want stop or ignore", p)
	}
	switch {
	case c.Bool("verbose") && c.Bool("quiet"):
		return cfg, errors.New("-v and -q exclude each other")
	case c.Bool("verbose"):
		cfg.Verbosity = runner.Verbose
	case c.Bool("quiet"):
		cfg.Verbosity = runner.Quiet
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"stop-timeout", cfg.StopTimeout}, {"grace", cfg.Grace}, {"ready-timeout", cfg.ReadyTimeout}} {
		if d.v < 0 {
			return cfg, fmt.Errorf("--%s %v: must not be negative", d.name, d.v)
		}
	}
	if cfg.Ready != "" {
		if err := runner.ValidateReady(cfg.Ready); err != nil {
			return cfg, fmt.Errorf("--ready: %w", err)
		}
	}
	if !cfg.Check && cfg.Script == "" && len(cfg.Command) == 0 {
		return cfg, errors.New("no command given")
	}
	return cfg, nil
}

// repeatable is the part every repeatable option shares. cli hands it the
// environment variable's value first, then each use of the flag; flags on
// the command line replace what the environment said instead of adding to
// it, as for every other option.
type repeatable struct {
	env     string // the HOOKINIT_ variable
	calls   int
	fromEnv bool
}

// replace reports whether the values collected so far came from the
// environment and must give way to the command line's.
func (r *repeatable) replace(value string) bool {
	r.calls++
	if r.calls == 1 {
		v, ok := os.LookupEnv(r.env)
		r.fromEnv = ok && v == value
		return false
	}
	was := r.fromEnv
	r.fromEnv = false
	return was
}

// pathList is a repeatable path option; from the environment it is
// colon-separated like PATH.
type pathList struct {
	repeatable
	paths []string
}

func (p *pathList) Set(s string) error {
	if p.replace(s) {
		p.paths = nil
	}
	for _, part := range strings.Split(s, ":") {
		if part = strings.TrimSpace(part); part != "" {
			p.paths = append(p.paths, part)
		}
	}
	return nil
}

func (p *pathList) String() string { return strings.Join(p.paths, ":") }

// rewrites is the repeatable --rewrite FROM:TO; from the environment,
// comma-separated.
type rewrites struct {
	repeatable
	m map[syscall.Signal]syscall.Signal
}

func (r *rewrites) Set(s string) error {
	if r.replace(s) || r.m == nil {
		r.m = map[syscall.Signal]syscall.Signal{}
	}
	for _, spec := range strings.Split(s, ",") {
		from, to, err := runner.ParseRewrite(spec)
		if err != nil {
			return err
		}
		r.m[from] = to
	}
	return nil
}

func (r *rewrites) String() string { return "" }

// remaps is the repeatable --remap-exit FROM:TO; from the environment,
// comma-separated.
type remaps struct {
	repeatable
	m map[int]int
}

func (r *remaps) Set(s string) error {
	if r.replace(s) || r.m == nil {
		r.m = map[int]int{}
	}
	for _, spec := range strings.Split(s, ",") {
		from, to, err := runner.ParseRemapExit(spec)
		if err != nil {
			return err
		}
		r.m[from] = to
	}
	return nil
}

func (r *remaps) String() string { return "" }
