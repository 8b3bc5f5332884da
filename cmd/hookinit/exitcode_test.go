package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Issue 2, point 1: hookinit exits with the app's status, or 128+n when
// signal n killed it, as PID 1 and not.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		want   int
	}{
		{"exit 0", "exit 0", 0},
		{"exit 1", "exit 1", 1},
		{"exit 2", "exit 2", 2},
		{"exit 32", "exit 32", 32},
		{"exit 127", "exit 127", 127},
		{"exit 254", "exit 254", 254},
		{"exit 255", "exit 255", 255},
		{"SIGTERM", "kill -TERM $$", 143},
		{"SIGHUP", "kill -HUP $$", 129},
		{"SIGQUIT", "kill -QUIT $$", 131},
		{"SIGKILL", "kill -KILL $$", 137},
		{"SIGSEGV", "kill -SEGV $$", 139},
	}
	for _, m := range []mode{direct, pid1} {
		for _, c := range cases {
			t.Run(m.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				// The same command without hookinit must agree, or the
				// case would not test what it says.
				if plain, _, _ := runPlain(t, opts{dir: t.TempDir()}, sh(c.script)...); plain != c.want {
					t.Fatalf("without hookinit %q exits %d, want %d", c.script, plain, c.want)
				}
				code, stdout, stderr := runHookinit(t, m, sh(c.script)...)
				if code != c.want {
					t.Errorf("hookinit sh -c %q exited %d, want %d\nstderr: %s", c.script, code, c.want, stderr)
				}
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
			})
		}
	}
}

// Point 1: a command that is not there is 127, one that cannot be executed
// is 126, each with a message that names the path.
func TestCommandNotRunnable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\necho ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badFormat := filepath.Join(dir, "bad-format")
	if err := os.WriteFile(badFormat, []byte("\x7fELF garbage"), 0o755); err != nil {
		t.Fatal(err)
	}
	pathDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(pathDir, 0o755); err != nil {
		t.Fatal(err)
	}
	inPath := filepath.Join(pathDir, "tool")
	if err := os.WriteFile(inPath, []byte("#!/bin/sh\necho ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+pathDir+":/usr/bin:/bin")

	cases := []struct {
		name     string
		argv     []string
		want     int
		mentions string
	}{
		{"not in PATH", []string{"no-such-command-xyz"}, 127, "no-such-command-xyz"},
		{"missing path", []string{"/nonexistent/dir/cmd"}, 127, "/nonexistent/dir/cmd"},
		{"relative missing path", []string{"./missing-cmd"}, 127, "./missing-cmd"},
		{"not executable", []string{notExec}, 126, notExec},
		{"not executable via PATH", []string{"tool"}, 126, inPath},
		{"directory", []string{dir}, 126, dir},
		{"exec format error", []string{badFormat}, 126, badFormat},
	}
	for _, m := range []mode{direct, pid1} {
		for _, c := range cases {
			t.Run(m.String()+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				code, stdout, stderr := runWith(t, m, opts{env: env}, c.argv...)
				if code != c.want {
					t.Errorf("hookinit %v exited %d, want %d\nstderr: %s", c.argv, code, c.want, stderr)
				}
				if !strings.Contains(stderr, c.mentions) || !strings.HasPrefix(stderr, "hookinit: ") {
					t.Errorf("stderr %q does not name %s in a hookinit: message", stderr, c.mentions)
				}
				if stdout != "" {
					t.Errorf("stdout %q, want nothing", stdout)
				}
			})
		}
	}
}

// An empty command name is not found, as in a shell.
func TestEmptyCommandName(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runHookinit(t, direct, "")
	if code != 127 {
		t.Errorf("hookinit '' exited %d, want 127\nstderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "not found") {
		t.Errorf("stderr %q does not say the command was not found", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
}

// Point 5: --remap-exit, on the command line and from HOOKINIT_REMAP_EXIT.
func TestRemapExit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"143:0 on a TERM death", nil, append([]string{"--remap-exit", "143:0"}, sh("kill -TERM $$")...), 0},
		{"143:0 leaves 3 alone", nil, append([]string{"--remap-exit", "143:0"}, sh("exit 3")...), 3},
		{"repeated", nil, append([]string{"--remap-exit", "1:0", "--remap-exit", "3:4"}, sh("exit 3")...), 4},
		{"env", []string{"HOOKINIT_REMAP_EXIT=3:0"}, sh("exit 3"), 0},
		{"env, comma-separated", []string{"HOOKINIT_REMAP_EXIT=3:5,4:6"}, sh("exit 4"), 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runWith(t, direct, opts{env: append(os.Environ(), c.env...)}, c.args...)
			if code != c.want {
				t.Errorf("%v %v exited %d, want %d\nstderr: %s", c.env, c.args, code, c.want, stderr)
			}
		})
	}
}

// Point 1 across the range: every status 0-255 comes through unchanged.
func TestEveryExitStatus(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for n := 0; n < 256; n += 17 {
		b.WriteString(strconv.Itoa(n) + " ")
	}
	for _, f := range strings.Fields(b.String()) {
		n, _ := strconv.Atoi(f)
		code, _, stderr := runHookinit(t, direct, sh("exit "+f)...)
		if code != n {
			t.Errorf("exit %d came out as %d\nstderr: %s", n, code, stderr)
		}
	}
}
