package main

// End-to-end tests for the hooks (issue 3): discovery, order, layering,
// the environment *.envsh hooks build, skipped files, --check and the
// refusal to start on bad input, hook roots, and a *.sh hook in a chroot
// without a shell. The phases (pre-start, post-start, background) are in
// hooks_phases_test.go. Each test judges the built binary by what a user
// sees: exit codes, what hooks wrote, what the app printed, and what
// hookinit said on stderr.

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testdataHooks is the shared two-root tree (testdata/hooks/README.md).
var testdataHooks = func() string {
	dir, err := filepath.Abs("../../testdata/hooks")
	if err != nil {
		panic(err)
	}
	return dir
}()

// hookLog is the file hooks append to: every hook of testdata/hooks, and
// every hook the tests write with logLine, appends one line to
// $HOOKINIT_TEST_LOG.
type hookLog string

func newHookLog(t *testing.T) hookLog { return hookLog(filepath.Join(t.TempDir(), "hook.log")) }

// env is the test's environment with HOOKINIT_TEST_LOG and extra set.
func (l hookLog) env(extra ...string) []string {
	return slices.Concat(os.Environ(), []string{"HOOKINIT_TEST_LOG=" + string(l)}, extra)
}

// lines is what was logged so far, one entry a line.
func (l hookLog) lines() []string {
	b, _ := os.ReadFile(string(l))
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}

func (l hookLog) has(line string) bool { return slices.Contains(l.lines(), line) }

func (l hookLog) count(line string) int {
	n := 0
	for _, s := range l.lines() {
		if s == line {
			n++
		}
	}
	return n
}

// wait waits until line has been logged.
func (l hookLog) wait(t *testing.T, line string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !l.has(line) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never logged; the log is %q", line, l.lines())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLog waits until cond holds for the lines logged so far, failing the
// test with the log, hookinit's stderr and its process tree when hookinit
// ends first or timeout passes.
func (l hookLog) waitLog(t *testing.T, r *instance, timeout time.Duration, what string, cond func([]string) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond(l.lines()) {
		if r.exited() {
			t.Fatalf("hookinit ended before %s: exit %d\nstderr: %s\nlog: %q", what, r.wait(0), r.stderr.String(), l.lines())
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s\nlog: %q\nstderr: %s\nprocesses: %s",
				timeout, what, l.lines(), r.stderr.String(), describeTree(r.cmd.Process.Pid))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logLine is the shell command that appends line to the hook log. It uses
// only builtins, so it works in the embedded shell anywhere.
func logLine(line string) string {
	return `echo "` + line + `" >>"$HOOKINIT_TEST_LOG"`
}

// appLogs is an app that logs line and exits 0.
func appLogs(line string) []string { return sh(logLine(line)) }

// hookRoot writes files (path below the root → content) as executable
// files into a new directory and returns it.
func hookRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		writeFile(t, filepath.Join(root, name), body, 0o755)
	}
	return root
}

// writeFile writes path with exactly mode, creating its directory.
func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

// countLines counts the lines of s that contain sub.
func countLines(s, sub string) int {
	n := 0
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			n++
		}
	}
	return n
}

// The shared tree with both roots, from flags and from HOOKINIT_HOOKS: the
// pre-start hooks run in numeric order across the roots (9 before 10), the
// override and the masks hold, the editor leftover, the hidden file and
// lib/ are ignored, the envsh variables reach the app, background hooks
// start with the app and post-start hooks run after it, and the one
// non-executable file is reported once.
func TestHooksTwoRoots(t *testing.T) {
	t.Parallel()
	// The app logs what it sees, then waits for the last post-start hook
	// and both background hooks: an app that exits at once would cancel
	// them.
	app := sh(logLine(`app BASE_ENV=${BASE_ENV-unset} APP_ENV=${APP_ENV-unset}`) + `
		i=0
		until grep -q '^post-start 20-app-post.sh app$' "$HOOKINIT_TEST_LOG" &&
			[ "$(grep -c '^background ' "$HOOKINIT_TEST_LOG")" = 2 ]; do
			i=$((i+1)); [ $i -lt 1000 ] || exit 99
			sleep 0.01
		done`)
	for _, c := range []struct {
		name string
		args []string
		env  []string
	}{
		{"--hooks", []string{"--hooks", "base", "--hooks", "app"}, nil},
		{"HOOKINIT_HOOKS", nil, []string{"HOOKINIT_HOOKS=base:app"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			code, stdout, stderr := runWith(t, pid1, opts{dir: testdataHooks, env: lg.env(c.env...)}, append(c.args, app...)...)
			if code != 0 {
				t.Fatalf("exit %d, want 0\nlog: %q\nstderr: %s", code, lg.lines(), stderr)
			}
			got := lg.lines()
			wantPre := []string{
				"pre-start 9-early.sh app",
				"pre-start 10-base.sh base",
				"pre-start 20-env.envsh base",
				"pre-start 50-override.sh app",
				"pre-start 60-app.envsh app",
			}
			if len(got) < len(wantPre) || !slices.Equal(got[:len(wantPre)], wantPre) {
				t.Fatalf("the log starts\n%q\nwant the pre-start hooks in order\n%q", got, wantPre)
			}
			rest := got[len(wantPre):]
			wantRest := []string{
				"app BASE_ENV=from-base APP_ENV=app+from-base",
				"background 10-sidecar.sh base",
				"background 20-app-sidecar.sh app",
				"post-start 10-provision.sh base",
				"post-start 20-app-post.sh app",
			}
			if !slices.Equal(slices.Sorted(slices.Values(rest)), wantRest) {
				t.Errorf("after the pre-start hooks the log has\n%q\nwant (in any order)\n%q", rest, wantRest)
			}
			// Post-start hooks run in order. (That they run after the
			// app started is TestPostStart's; the app's log line may
			// come after them.)
			if slices.Index(rest, wantRest[3]) > slices.Index(rest, wantRest[4]) {
				t.Errorf("want 10-provision.sh before 20-app-post.sh; the log is %q", got)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing (no hook writes to it)", stdout)
			}
			if n := countLines(stderr, "40-readme.txt"); n != 1 || !strings.Contains(stderr, "base/40-readme.txt: not executable") {
				t.Errorf("stderr names 40-readme.txt on %d lines, want one line saying it is not executable:\n%s", n, stderr)
			}
			if strings.Contains(stderr, "editor leftover") {
				t.Errorf("the editor leftover 10-base.sh~ ran:\n%s", stderr)
			}
		})
	}
}

// `hookinit --check` prints testdata/hooks/plan.golden for the shared tree
// and exits 0, from flags and from HOOKINIT_HOOKS. The plan shows the roots
// made absolute; with that prefix taken off it is the golden file.
func TestCheckPlanGolden(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile(filepath.Join(testdataHooks, "plan.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		args, env []string
	}{
		"--hooks":        {args: []string{"--check", "--hooks", "base", "--hooks", "app"}},
		"HOOKINIT_HOOKS": {args: []string{"--check"}, env: []string{"HOOKINIT_HOOKS=base:app"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			code, stdout, stderr := runWith(t, direct, opts{dir: testdataHooks, env: lg.env(c.env...)}, c.args...)
			if code != 0 {
				t.Errorf("exit %d, want 0\nstderr: %s", code, stderr)
			}
			if got := strings.ReplaceAll(stdout, testdataHooks+"/", ""); got != string(golden) {
				t.Errorf("--check printed\n%s\nwant (plan.golden)\n%s", got, golden)
			}
			if n := len(lg.lines()); n != 0 {
				t.Errorf("--check ran %d hooks: %q", n, lg.lines())
			}
		})
	}
}

// Numbers in names compare as numbers, merged across roots; a later root's
// file of the same name replaces the earlier one.
func TestHooksOrderAcrossRoots(t *testing.T) {
	t.Parallel()
	hook := func(name string) string { return logLine(name) }
	first := hookRoot(t, map[string]string{
		"1-a.sh": hook("1-a.sh"), "10-a.sh": hook("10-a.sh"), "100-a.sh": hook("100-a.sh"),
		"20-b.sh": hook("20-b.sh from the first root"), "010-c.sh": hook("010-c.sh"),
	})
	second := hookRoot(t, map[string]string{
		"2-b.sh": hook("2-b.sh"), "9-b.sh": hook("9-b.sh"), "20-b.sh": hook("20-b.sh"),
		"a.sh": hook("a.sh"),
	})
	lg := newHookLog(t)
	code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, append([]string{"--hooks", first, "--hooks", second}, appLogs("app")...)...)
	want := []string{"1-a.sh", "2-b.sh", "9-b.sh", "10-a.sh", "010-c.sh", "20-b.sh", "100-a.sh", "a.sh", "app"}
	if got := lg.lines(); code != 0 || !slices.Equal(got, want) {
		t.Errorf("exit %d, log\n%q\nwant 0,\n%q\nstderr: %s", code, got, want, stderr)
	}
}

// Exported variables of *.envsh hooks reach later hooks and the app; what a
// *.sh hook changes, exported or not, stays in that hook; unexported
// variables of an *.envsh hook stay in the shell.
func TestHooksEnvironment(t *testing.T) {
	t.Parallel()
	show := `FROM_ENVSH=${FROM_ENVSH-unset} LOCAL=${LOCAL-unset} LEAKED=${LEAKED-unset} CHANGED=${CHANGED-unset} KEPT=${KEPT-unset}`
	root := hookRoot(t, map[string]string{
		"10-env.envsh":         "export FROM_ENVSH=yes\nLOCAL=only-in-the-shell\nexport CHANGED=by-envsh\n",
		"20-leak.sh":           "export LEAKED=yes\nCHANGED=by-sh; export CHANGED\nunset KEPT\n" + logLine("leak.sh "+show),
		"30-see.sh":            logLine("see.sh " + show),
		"40-see.envsh":         logLine("see.envsh " + show),
		"post-start/10-see.sh": logLine("post " + show),
		"background/10-see.sh": "# hookinit: restart=never\n" + logLine("bg "+show),
	})
	lg := newHookLog(t)
	// The app waits for the post-start and background hooks.
	app := sh(`i=0
		until [ "$(grep -c '^post \|^bg ' "$HOOKINIT_TEST_LOG")" = 2 ]; do i=$((i+1)); [ $i -lt 1000 ] || exit 99; sleep 0.01; done
		echo "app ` + show + `"`)
	code, stdout, stderr := runWith(t, pid1, opts{env: lg.env("KEPT=kept", "CHANGED=orig")}, append([]string{"--hooks", root}, app...)...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	after := "FROM_ENVSH=yes LOCAL=unset LEAKED=unset CHANGED=by-envsh KEPT=kept"
	want := []string{
		"leak.sh FROM_ENVSH=yes LOCAL=unset LEAKED=yes CHANGED=by-sh KEPT=unset",
		"see.sh " + after,
		// A later *.envsh is sourced into the same shell: it sees LOCAL.
		"see.envsh FROM_ENVSH=yes LOCAL=only-in-the-shell LEAKED=unset CHANGED=by-envsh KEPT=kept",
		// Background and post-start hooks, in either order.
		"bg " + after,
		"post " + after,
	}
	got := lg.lines()
	if len(got) == len(want) {
		slices.Sort(got[3:])
	}
	if !slices.Equal(got, want) {
		t.Errorf("the hooks saw\n%q\nwant\n%q", got, want)
	}
	if want := "app " + after + "\n"; stdout != want {
		t.Errorf("the app saw %q, want %q", stdout, want)
	}
}

// A file that is not executable is skipped with one line naming it, in any
// phase, at the default verbosity and at -v; -q says nothing.
func TestSkippedFileLoggedOnce(t *testing.T) {
	t.Parallel()
	root := hookRoot(t, map[string]string{"20-runs.sh": logLine("runs")})
	for _, name := range []string{"10-plain.sh", "post-start/10-plain.sh", "background/10-plain.sh", "30-notes.txt"} {
		writeFile(t, filepath.Join(root, name), logLine("skipped file ran: "+name)+"\n", 0o644)
	}
	for _, c := range []struct {
		flag string
		want int
	}{{"", 1}, {"-v", 1}, {"-q", 0}} {
		t.Run("verbosity"+c.flag, func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			args := []string{"--hooks", root}
			if c.flag != "" {
				args = append(args, c.flag)
			}
			code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, append(args, appLogs("app")...)...)
			if got := lg.lines(); code != 0 || !slices.Equal(got, []string{"runs", "app"}) {
				t.Errorf("exit %d, log %q; want 0, [runs app]\nstderr: %s", code, got, stderr)
			}
			for _, name := range []string{"/10-plain.sh", "post-start/10-plain.sh", "background/10-plain.sh", "30-notes.txt"} {
				if n := countLines(stderr, root+"/"+strings.TrimPrefix(name, "/")); n != c.want {
					t.Errorf("stderr names %s on %d lines, want %d:\n%s", name, n, c.want, stderr)
				}
			}
			if c.want > 0 && countLines(stderr, "not executable") != 4 {
				t.Errorf("want 4 lines saying 'not executable':\n%s", stderr)
			}
		})
	}
}

// badInput is one kind of broken hook: what the root holds, and the line
// --check and the refusal to start print for it.
type badInput struct {
	name  string
	setup func(t *testing.T, root string)
	// problem is the start of the problem line: the file below the root,
	// and ":line:col: message" as far as it is fixed.
	problem string
	// say must appear in the message too.
	say string
}

func badInputs() []badInput {
	file := func(name, body string) func(*testing.T, string) {
		return func(t *testing.T, root string) { writeFile(t, filepath.Join(root, name), body, 0o755) }
	}
	symlink := func(name, target string) func(*testing.T, string) {
		return func(t *testing.T, root string) {
			if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return []badInput{
		{"syntax error", file("10-bad.sh", "#!/bin/sh\necho hi\nif then\n"), "10-bad.sh:3:1: ", "must be followed by"},
		{"syntax error in post-start", file("post-start/10-bad.sh", "echo 'unterminated\n"), "post-start/10-bad.sh:1:6: ", "without closing quote"},
		{"syntax error in background", file("background/10-bad.sh", "while true; do sleep 1\n"), "background/10-bad.sh:1:1: ", "must end with"},
		{"syntax error in envsh", file("10-bad.envsh", "export A=$((1+)\n"), "10-bad.envsh:1:", ""},
		{"trap TERM", file("10-bad.sh", "echo hi\ntrap 'echo bye' TERM\n"), "10-bad.sh:2:1: ", "not supported"},
		{"file descriptor 3", file("10-bad.sh", "echo hi\n  exec 3>/dev/null\n"), "10-bad.sh:2:8: ", "file descriptor 3"},
		{"printf precision", file("10-bad.sh", "printf '%.2f' 1\n"), "10-bad.sh:1:1: ", "precision"},
		{"ulimit", file("10-bad.sh", "ulimit -n 10\n"), "10-bad.sh:1:1: ", "ulimit"},
		{"exec with an EXIT trap", file("10-bad.sh", "trap 'echo bye' EXIT\nexec echo hi\n"), "10-bad.sh:2:1: ", "EXIT trap"},
		{"read -t", file("10-bad.envsh", "read -t 1 v\n"), "10-bad.envsh:1:1: ", "read -t"},
		{"closing stdout", file("10-bad.sh", "echo hi\nexec >&- 2>&-\n"), "10-bad.sh:2:6: ", "closing a file descriptor"},
		{"named pipe", func(t *testing.T, root string) {
			if err := unix.Mkfifo(filepath.Join(root, "10-bad.sh"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "10-bad.sh: ", "not a regular file (named pipe)"},
		{"post-start is a file", file("post-start", "echo hi\n"), "post-start: ", "must be a directory"},
		{"CRLF", file("10-bad.sh", "echo a\r\necho b\r\n"), "10-bad.sh:1", "CRLF"},
		{"CRLF in a #! script", file("10-bad", "#!/bin/sh\r\necho a\r\n"), "10-bad:1:3: ", "CRLF"},
		{"directory named x.sh", func(t *testing.T, root string) {
			if err := os.Mkdir(filepath.Join(root, "10-bad.sh"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "10-bad.sh: ", "directory"},
		{"broken symlink", symlink("10-bad.sh", "/nonexistent/hook.sh"), "10-bad.sh: ", `broken symlink to "/nonexistent/hook.sh"`},
		{"symlink loop", symlink("10-bad.sh", "10-bad.sh"), "10-bad.sh: ", "cannot read: too many levels of symbolic links"},
		{"missing #! interpreter", file("10-bad", "#!/nonexistent/python3 -u\nprint(1)\n"), "10-bad:1:3: ", "#! interpreter /nonexistent/python3 does not exist"},
		{"executable without #!", file("10-bad", "echo hi\n"), "10-bad: ", "neither a #! script nor an ELF binary"},
		{"unknown directive", file("background/10-bad.sh", "# hookinit: restart=sometimes\nsleep 1\n"), "background/10-bad.sh:1:13: ", `unknown restart value "sometimes"`},
	}
}

// Each bad input: --check exits 2 and prints a problem line naming the
// file, line and column; hookinit without --check refuses to start with
// exit 2 and the same line, and runs nothing: not the good hook before the
// bad one, not the app.
func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range badInputs() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := hookRoot(t, map[string]string{"05-good.sh": logLine("good hook ran")})
			c.setup(t, root)
			problem := root + "/" + c.problem
			t.Run("check", func(t *testing.T) {
				t.Parallel()
				code, stdout, stderr := runHookinit(t, direct, "--check", "--hooks", root)
				if code != 2 {
					t.Errorf("--check: exit %d, want 2\nstdout: %s\nstderr: %s", code, stdout, stderr)
				}
				if !hasProblem(stdout, "  "+problem, c.say) {
					t.Errorf("--check does not print a problem line %q…%q:\n%s", problem, c.say, stdout)
				}
			})
			t.Run("run", func(t *testing.T) {
				t.Parallel()
				lg := newHookLog(t)
				code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, append([]string{"--hooks", root}, appLogs("app ran")...)...)
				if code != 2 {
					t.Errorf("exit %d, want 2\nstderr: %s", code, stderr)
				}
				if _, err := os.Stat(string(lg)); err == nil {
					t.Errorf("something ran: the log holds %q", lg.lines())
				}
				if !hasProblem(stderr, "hookinit: "+problem, c.say) || !strings.Contains(stderr, "not starting") {
					t.Errorf("stderr does not say %q…%q and 'not starting':\n%s", problem, c.say, stderr)
				}
			})
		})
	}
}

// hasProblem reports whether out has a line that starts with prefix and
// contains say after it.
func hasProblem(out, prefix, say string) bool {
	for line := range strings.Lines(out) {
		if rest, ok := strings.CutPrefix(line, prefix); ok && strings.Contains(rest, say) {
			return true
		}
	}
	return false
}

// A binary that is not executable is skipped, not a problem: --check says
// so and exits 0, and hookinit runs the rest and the app.
func TestNonExecutableBinarySkipped(t *testing.T) {
	t.Parallel()
	root := hookRoot(t, map[string]string{"20-good.sh": logLine("good")})
	elf, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "10-tool"), string(elf), 0o644)
	code, stdout, stderr := runHookinit(t, direct, "--check", "--hooks", root)
	if code != 0 || !strings.Contains(stdout, "skipped    "+root+"/10-tool (not executable)") || !strings.Contains(stdout, "problems:\n  (none)\n") {
		t.Errorf("--check: exit %d, want 0, 10-tool skipped and no problems\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	lg := newHookLog(t)
	code, _, stderr = runWith(t, pid1, opts{env: lg.env()}, append([]string{"--hooks", root}, appLogs("app")...)...)
	if got := lg.lines(); code != 0 || !slices.Equal(got, []string{"good", "app"}) {
		t.Errorf("exit %d, log %q; want 0, [good app]\nstderr: %s", code, got, stderr)
	}
	if countLines(stderr, root+"/10-tool") != 1 {
		t.Errorf("stderr does not name 10-tool once:\n%s", stderr)
	}
}

// Hook roots: a root the user named must exist (flag or HOOKINIT_HOOKS,
// exit 2 naming it, nothing run); the default /docker-entrypoint.d may be
// missing (no hooks, the app runs).
func TestHookRoots(t *testing.T) {
	t.Parallel()
	good := hookRoot(t, map[string]string{"10-good.sh": logLine("good")})
	missing := filepath.Join(t.TempDir(), "no-such-root")
	file := filepath.Join(t.TempDir(), "a-file")
	touch(t, file)
	for _, c := range []struct {
		name string
		args []string
		env  []string
		say  string
	}{
		{"missing --hooks", []string{"--hooks", good, "--hooks", missing}, nil, missing},
		{"missing in HOOKINIT_HOOKS", nil, []string{"HOOKINIT_HOOKS=" + good + ":" + missing}, missing},
		{"root is a file", []string{"--hooks", file}, nil, file},
		{"missing with --check", []string{"--check", "--hooks", missing}, nil, missing},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			code, _, stderr := runWith(t, pid1, opts{env: lg.env(c.env...)}, append(c.args, appLogs("app")...)...)
			if code != 2 || !strings.Contains(stderr, c.say) {
				t.Errorf("exit %d, want 2 and stderr naming %s:\n%s", code, c.say, stderr)
			}
			if got := lg.lines(); len(got) != 0 {
				t.Errorf("ran %q, want nothing", got)
			}
		})
	}
	t.Run("HOOKINIT_HOOKS with empty parts", func(t *testing.T) {
		t.Parallel()
		other := hookRoot(t, map[string]string{"5-other.sh": logLine("other")})
		lg := newHookLog(t)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env("HOOKINIT_HOOKS=:" + good + "::" + other + ":")}, appLogs("app")...)
		if got := lg.lines(); code != 0 || !slices.Equal(got, []string{"other", "good", "app"}) {
			t.Errorf("exit %d, log %q; want 0, [other good app]\nstderr: %s", code, got, stderr)
		}
	})
	// As with every other option (TestOptionsFromEnvironment), the
	// command line wins over HOOKINIT_HOOKS: a base image's ENV must not
	// add roots, or a missing one, to those the user named.
	t.Run("--hooks wins over HOOKINIT_HOOKS", func(t *testing.T) {
		t.Parallel()
		lg := newHookLog(t)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env("HOOKINIT_HOOKS=" + missing)}, append([]string{"--hooks", good}, appLogs("app")...)...)
		if got := lg.lines(); code != 0 || !slices.Equal(got, []string{"good", "app"}) {
			t.Errorf("exit %d, log %q; want 0, [good app]\nstderr: %s", code, got, stderr)
		}
	})
	t.Run("default root missing", func(t *testing.T) {
		t.Parallel()
		if _, err := os.Lstat(runnerDefaultHooks); err == nil {
			t.Skipf("%s exists on this machine; TestNoShellChroot covers this case", runnerDefaultHooks)
		}
		lg := newHookLog(t)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, appLogs("app")...)
		if got := lg.lines(); code != 0 || !slices.Equal(got, []string{"app"}) || stderr != "" {
			t.Errorf("exit %d, log %q, stderr %q; want 0, [app], nothing", code, got, stderr)
		}
	})
}

// runnerDefaultHooks is runner.DefaultHooksDir, spelled out: the tests
// judge the binary, not the package.
const runnerDefaultHooks = "/docker-entrypoint.d"

// buildStatic builds hookinit and testdata/hooktrees/noshell-app without
// cgo, for a root file system that has nothing else.
func buildStatic(t *testing.T) (hookinit, app string) {
	t.Helper()
	dir := t.TempDir()
	hookinit, app = filepath.Join(dir, "hookinit"), filepath.Join(dir, "app")
	for _, b := range [][]string{
		{"build", "-o", hookinit, "."},
		{"build", "-o", app, "../../testdata/hooktrees/noshell-app"},
	} {
		cmd := exec.Command("go", b...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(b, " "), err, out)
		}
	}
	return hookinit, app
}

// copyFile copies src to dst with mode.
func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, string(b), mode)
}

// *.sh and *.envsh hooks run in a root file system that has no shell at
// all: only the static hookinit, a static app and the hooks. The hook
// writes a file with builtins only; the envsh exports a variable; the app
// prints both. The same with the hooks in the default root, and with no
// default root (no hooks, the app runs). As PID 1 too (without /proc).
func TestNoShellChroot(t *testing.T) {
	t.Parallel()
	hookinit, app := buildStatic(t)
	hooks := map[string]string{
		"10-write.sh": "#!/bin/sh\n" +
			`[ -e /bin/sh ] && echo "there is a /bin/sh" >&2 && exit 9` + "\n" +
			`echo "written by $0" >/out/hook.txt` + "\n",
		"20-env.envsh": "#!/bin/bash\nexport GREETING='hello from envsh'\n",
	}
	chroot := func(t *testing.T, hookDir string) string {
		dir := t.TempDir()
		copyFile(t, hookinit, filepath.Join(dir, "hookinit"), 0o755)
		copyFile(t, app, filepath.Join(dir, "app"), 0o755)
		if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
			t.Fatal(err)
		}
		if hookDir != "" {
			for name, body := range hooks {
				writeFile(t, filepath.Join(dir, hookDir, name), body, 0o755)
			}
		}
		return dir
	}
	withHooks := "GREETING=hello from envsh\nhook.txt: written by %s\n"
	for _, c := range []struct {
		name, hookDir string
		args          []string
		pid1          bool
		want          string
	}{
		{"--hooks /hooks", "hooks", []string{"--hooks", "/hooks"}, false, strings.Replace(withHooks, "%s", "/hooks/10-write.sh", 1)},
		{"--hooks /hooks as PID 1", "hooks", []string{"--hooks", "/hooks"}, true, strings.Replace(withHooks, "%s", "/hooks/10-write.sh", 1)},
		{"/docker-entrypoint.d", "docker-entrypoint.d", nil, false, strings.Replace(withHooks, "%s", "/docker-entrypoint.d/10-write.sh", 1)},
		{"no /docker-entrypoint.d", "", nil, false, "GREETING=\nhook.txt: open /out/hook.txt: no such file or directory\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := chroot(t, c.hookDir)
			if _, err := os.Lstat(filepath.Join(dir, "bin", "sh")); err == nil {
				t.Fatal("the chroot has a /bin/sh")
			}
			argv := slices.Concat([]string{"chroot", dir, "/hookinit"}, c.args, []string{"/app", "/out/hook.txt"})
			if c.pid1 {
				argv = append([]string{"unshare", "--pid", "--fork", "--kill-child"}, argv...)
			}
			r := startArgv(t, direct, opts{dir: "/", env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}}, argv...)
			code := r.wait(30 * time.Second)
			if code != 3 || r.stdout.String() != c.want {
				t.Errorf("exit %d, stdout\n%s\nwant 3 (the app's),\n%s\nstderr: %s", code, r.stdout.String(), c.want, r.stderr.String())
			}
		})
	}
	t.Run("a command that is not there", func(t *testing.T) {
		t.Parallel()
		dir := chroot(t, "")
		writeFile(t, filepath.Join(dir, "hooks", "10-cat.sh"), "cat /etc/hostname\n", 0o755)
		r := startArgv(t, direct, opts{dir: "/", env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}}, "chroot", dir, "/hookinit", "--hooks", "/hooks", "/app")
		code := r.wait(30 * time.Second)
		if code != 127 || r.stdout.String() != "" || !strings.Contains(r.stderr.String(), "cat") {
			t.Errorf("exit %d, stdout %q; want 127 (the hook's), no app, stderr naming cat:\n%s", code, r.stdout.String(), r.stderr.String())
		}
	})
}

// Layering over three roots, in every phase: a mask (empty file, symlink
// to /dev/null) switches off what earlier roots have, including a broken
// hook (a problem only counts in the file that wins); a later real file
// wins over a mask again; an override may be non-executable, and is then
// skipped.
func TestLayeringThreeRoots(t *testing.T) {
	t.Parallel()
	devnull := func(t *testing.T, path string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/dev/null", path); err != nil {
			t.Fatal(err)
		}
	}
	base := hookRoot(t, map[string]string{
		"10-a.sh":              logLine("a base"),
		"20-broken.sh":         "if then\n",
		"30-c.sh":              logLine("c base"),
		"post-start/10-p.sh":   logLine("p base"),
		"background/10-b.sh":   "# hookinit: restart=never\n" + logLine("b base"),
		"background/20-bad.sh": "# hookinit: restart=sometimes\n",
	})
	mid := hookRoot(t, map[string]string{"30-c.sh": "", "post-start/10-p.sh": ""})
	devnull(t, filepath.Join(mid, "10-a.sh"))
	devnull(t, filepath.Join(mid, "20-broken.sh"))
	devnull(t, filepath.Join(mid, "background", "10-b.sh"))
	devnull(t, filepath.Join(mid, "background", "20-bad.sh"))
	top := hookRoot(t, map[string]string{"10-a.sh": logLine("a top")})
	writeFile(t, filepath.Join(top, "post-start", "10-p.sh"), logLine("p top"), 0o644)
	roots := []string{"--hooks", base, "--hooks", mid, "--hooks", top}

	code, stdout, stderr := runHookinit(t, direct, append([]string{"--check"}, roots...)...)
	for _, want := range []string{
		"10-a.sh       interpret  " + top + "/10-a.sh\n",
		"20-broken.sh  masked     " + base + "/20-broken.sh (masked by " + mid + "/20-broken.sh)\n",
		"30-c.sh       masked     " + base + "/30-c.sh (masked by " + mid + "/30-c.sh)\n",
		"10-p.sh       skipped    " + top + "/post-start/10-p.sh (not executable)\n",
		"10-b.sh       masked     " + base + "/background/10-b.sh (masked by " + mid + "/background/10-b.sh)\n",
		"problems:\n  (none)\n",
	} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("--check: exit %d, want 0 and %q in\n%s\nstderr: %s", code, want, stdout, stderr)
		}
	}
	lg := newHookLog(t)
	code, _, stderr = runWith(t, pid1, opts{env: lg.env()}, append(roots, sh(logLine("app")+"; sleep 0.2")...)...)
	if got := lg.lines(); code != 0 || !slices.Equal(got, []string{"a top", "app"}) {
		t.Errorf("exit %d, log %q; want 0, [a top, app]\nstderr: %s", code, got, stderr)
	}
}

// The app gets the working directory and umask the *.envsh hooks left, as
// after a docker-entrypoint.sh that sourced them and exec'd it; *.envsh
// hooks see the app's command line as "$@". A *.sh hook's cd and umask
// stay in it.
func TestEnvshDirUmaskArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := hookRoot(t, map[string]string{
		"10-args.envsh": logLine(`args $# $1 $2`),
		"20-cd.envsh":   "cd \"$APPDIR\"\numask 027\n",
		"30-sh.sh":      "cd /\numask 077\n" + logLine(`sh.sh $(pwd)`),
	})
	lg := newHookLog(t)
	code, stdout, stderr := runWith(t, pid1, opts{env: lg.env("APPDIR=" + dir)},
		append([]string{"--hooks", root}, sh(`echo "$(pwd) $(umask)"`, "x", "y")...)...)
	if want := dir + " 0027\n"; code != 0 || stdout != want {
		t.Errorf("exit %d, the app printed %q; want 0, %q\nstderr: %s", code, stdout, want, stderr)
	}
	want := []string{"args 5 sh -c", "sh.sh /"}
	if got := lg.lines(); !slices.Equal(got, want) {
		t.Errorf("the log is %q, want %q", got, want)
	}
}
