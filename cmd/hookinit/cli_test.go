package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// Point 2: option parsing stops at the first argument that is not an
// option; nothing after it is read as hookinit's.
func TestArgumentsBelongToTheApp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"sh -c", sh("echo hi"), "hi\n"},
		{"after --", append([]string{"--"}, sh("echo hi")...), "hi\n"},
		{"options of ours after the command", sh(`echo "$@"`, "x", "-v", "--help", "--grace", "bogus", "--"), "-v --help --grace bogus --\n"},
		{"our option, then the command", append([]string{"-q", "--grace", "1s"}, sh("echo hi")...), "hi\n"},
		{"-- as the app's argument", []string{"echo", "--", "-v"}, "-- -v\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runHookinit(t, direct, c.args...)
			if code != 0 || stdout != c.want {
				t.Errorf("hookinit %q: exit %d, stdout %q; want 0, %q\nstderr: %s", c.args, code, stdout, c.want, stderr)
			}
		})
	}
	t.Run("ls -l /dev/null", func(t *testing.T) {
		t.Parallel()
		_, want, _ := runPlain(t, opts{}, "ls", "-l", "/dev/null")
		code, stdout, stderr := runHookinit(t, direct, "ls", "-l", "/dev/null")
		if code != 0 || stdout != want || !strings.HasPrefix(stdout, "crw") {
			t.Errorf("hookinit ls -l /dev/null: exit %d, stdout %q; want 0, %q\nstderr: %s", code, stdout, want, stderr)
		}
	})
}

// Point 2: usage errors are exit 2 with a message on stderr that names what
// was wrong, and the app never runs.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	app := sh("echo app ran")
	cases := []struct {
		name     string
		env      []string
		args     []string
		mentions []string
	}{
		{"no arguments", nil, nil, []string{"usage", "no command"}},
		{"only options", nil, []string{"-v", "--grace", "1s"}, []string{"usage", "no command"}},
		{"unknown long option", nil, append([]string{"--bogus"}, app...), []string{"bogus"}},
		{"unknown short option", nil, append([]string{"-x"}, app...), []string{"-x"}},
		{"bad duration", nil, append([]string{"--grace", "soon"}, app...), []string{`"soon"`, "grace"}},
		{"negative duration", nil, append([]string{"--stop-timeout", "-1s"}, app...), []string{"stop-timeout", "-1s"}},
		{"missing value", nil, []string{"--grace"}, []string{"grace"}},
		{"bad --signal-target", nil, append([]string{"--signal-target", "parent"}, app...), []string{`"parent"`}},
		{"bad --post-start-failure", nil, append([]string{"--post-start-failure", "maybe"}, app...), []string{`"maybe"`}},
		{"-v with -q", nil, append([]string{"-v", "-q"}, app...), []string{"-v", "-q"}},
		// Point 5: invalid specs quote the bad value.
		{"rewrite unknown signal", nil, append([]string{"--rewrite", "FOO:QUIT"}, app...), []string{`"FOO:QUIT"`}},
		{"rewrite without colon", nil, append([]string{"--rewrite", "TERM"}, app...), []string{`"TERM"`}},
		{"rewrite out of range", nil, append([]string{"--rewrite", "TERM:65"}, app...), []string{`"TERM:65"`}},
		{"rewrite FROM 0", nil, append([]string{"--rewrite", "0:TERM"}, app...), []string{`"0:TERM"`}},
		{"rewrite empty", nil, append([]string{"--rewrite", ":"}, app...), []string{`":"`}},
		{"remap-exit out of range", nil, append([]string{"--remap-exit", "300:0"}, app...), []string{`"300:0"`}},
		{"remap-exit negative", nil, append([]string{"--remap-exit", "1:-1"}, app...), []string{`"1:-1"`}},
		{"remap-exit not numbers", nil, append([]string{"--remap-exit", "abc"}, app...), []string{`"abc"`}},
		{"remap-exit name", nil, append([]string{"--remap-exit", "TERM:0"}, app...), []string{`"TERM:0"`}},
		// Every option reads HOOKINIT_<NAME>, bad values included.
		{"HOOKINIT_REWRITE", []string{"HOOKINIT_REWRITE=TERM:BOGUS"}, app, []string{`"TERM:BOGUS"`}},
		{"HOOKINIT_REMAP_EXIT", []string{"HOOKINIT_REMAP_EXIT=256:0"}, app, []string{`"256:0"`}},
		{"HOOKINIT_SIGNAL_TARGET", []string{"HOOKINIT_SIGNAL_TARGET=everyone"}, app, []string{`"everyone"`}},
		{"HOOKINIT_GRACE", []string{"HOOKINIT_GRACE=forever"}, app, []string{`"forever"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runWith(t, direct, opts{env: append(os.Environ(), c.env...)}, c.args...)
			if code != 2 {
				t.Errorf("hookinit %q exited %d, want 2\nstderr: %s", c.args, code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing (usage goes to stderr, the app must not run)", stdout)
			}
			if !strings.HasPrefix(stderr, "hookinit: ") {
				t.Errorf("stderr %q does not start with hookinit:", stderr)
			}
			for _, m := range c.mentions {
				if !strings.Contains(stderr, m) {
					t.Errorf("stderr does not mention %s:\n%s", m, stderr)
				}
			}
		})
	}
}

// --help and --version: exit 0, on stdout (no app runs). Every option in the
// help names its HOOKINIT_* variable.
func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runHookinit(t, direct, "--help")
	if code != 0 {
		t.Fatalf("--help exited %d\nstderr: %s", code, stderr)
	}
	for _, want := range []string{"--signal-target", "--rewrite", "--remap-exit", "--stop-timeout", "--grace", "--verbose", "--quiet"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help does not mention %s:\n%s", want, stdout)
		}
	}
	// urfave/cli turns the first `word` of a usage into the placeholder and
	// shows any other backquotes as they are.
	if strings.Contains(stdout, "`") {
		t.Errorf("--help shows backquotes:\n%s", stdout)
	}
	opt := regexp.MustCompile(`(?m)^\s+--([a-z-]+)`)
	options := opt.FindAllStringSubmatch(stdout, -1)
	if len(options) < 10 {
		t.Errorf("--help lists %d options:\n%s", len(options), stdout)
	}
	for _, m := range options {
		name := m[1]
		if name == "help" || name == "version" {
			continue
		}
		env := "HOOKINIT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if !strings.Contains(stdout, env) {
			t.Errorf("--help: --%s does not mention %s", name, env)
		}
	}

	code, stdout, stderr = runHookinit(t, direct, "--version")
	if code != 0 || !strings.Contains(stdout, "hookinit") {
		t.Errorf("--version: exit %d, stdout %q\nstderr: %s", code, stdout, stderr)
	}
}

// Point 2: options come from HOOKINIT_* variables too (the ones with a
// visible effect; --signal-target and --rewrite from the environment are in
// the relay tests).
func TestOptionsFromEnvironment(t *testing.T) {
	t.Parallel()
	t.Run("HOOKINIT_VERBOSE", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := runWith(t, direct, opts{env: append(os.Environ(), "HOOKINIT_VERBOSE=true")}, "true")
		if code != 0 || !strings.Contains(stderr, "hookinit: started true") {
			t.Errorf("exit %d, stderr %q; want -v's log of the start", code, stderr)
		}
	})
	t.Run("flag wins over the environment", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := runWith(t, direct, opts{env: append(os.Environ(), "HOOKINIT_REMAP_EXIT=3:0")},
			append([]string{"--remap-exit", "3:9"}, sh("exit 3")...)...)
		if code != 9 {
			t.Errorf("exit %d, want 9\nstderr: %s", code, stderr)
		}
	})
}

// Point 8: hookinit never writes to stdout; stdout is the app's alone, and
// everything hookinit says on stderr is prefixed hookinit:.
func TestStdoutIsTheApps(t *testing.T) {
	t.Parallel()
	script := `echo out; echo err >&2; printf 'no newline'; exit 3`
	wantCode, wantOut, wantErr := runPlain(t, opts{}, sh(script)...)
	for _, m := range allModes {
		for _, flags := range [][]string{nil, {"-v"}, {"-q"}, {"-v", "--grace", "1s", "--stop-timeout", "1s"}} {
			t.Run(m.String()+"/"+strings.Join(flags, " "), func(t *testing.T) {
				t.Parallel()
				code, stdout, stderr := runHookinit(t, m, append(flags, sh(script)...)...)
				if code != wantCode || stdout != wantOut {
					t.Errorf("exit %d, stdout %q; want %d, %q", code, stdout, wantCode, wantOut)
				}
				var own []string
				for _, line := range strings.SplitAfter(stderr, "\n") {
					if strings.HasPrefix(line, "hookinit: ") {
						own = append(own, line)
					}
				}
				rest := stderr
				for _, l := range own {
					rest = strings.Replace(rest, l, "", 1)
				}
				if rest != wantErr {
					t.Errorf("stderr without hookinit's lines is %q, want the app's %q\nstderr: %s", rest, wantErr, stderr)
				}
				if len(flags) > 0 && flags[0] == "-q" && len(own) > 0 {
					t.Errorf("-q: hookinit logged %q", own)
				}
				if len(flags) > 0 && flags[0] == "-v" && len(own) == 0 {
					t.Errorf("-v: hookinit logged nothing")
				}
			})
		}
	}
}

// Point 9: no input makes hookinit panic; odd arguments get a clean error
// or run.
func TestOddInputs(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--"}, {"-"}, {"--", ""}, {"--rewrite="}, {"--remap-exit="}, {"--grace="}, {"--hooks="},
		{"--rewrite", ",", "true"}, {"--remap-exit", ",", "true"}, {"--rewrite", "TERM:0:0", "true"},
		{"--signal-target="}, {"--stop-timeout", "9999999h", "true"}, {"--grace", "0", "true"},
		{"--rewrite", "RTMIN+99:TERM", "true"}, {"--rewrite", "RTMAX-1:TERM", "true"}, {"--rewrite", "SIG:TERM", "true"},
		{strings.Repeat("x", 5000)},
	} {
		code, stdout, stderr := runHookinit(t, direct, args...)
		if code != 0 && code != 2 && code != 126 && code != 127 {
			t.Errorf("hookinit %q exited %d\nstderr: %s", args, code, stderr)
		}
		if code != 0 && !strings.HasPrefix(stderr, "hookinit: ") {
			t.Errorf("hookinit %q exited %d without a message: %q", args, code, stderr)
		}
		if stdout != "" {
			t.Errorf("hookinit %q wrote %q to stdout", args, stdout)
		}
	}
}
