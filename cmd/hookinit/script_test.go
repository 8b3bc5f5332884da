package main

// --script: hookinit interprets an unchanged docker-entrypoint.sh. These
// tests run the built binary, as PID 1 unless said otherwise, and compare
// with what bash does with the same script.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// repoFile is the absolute path of a file of the repository.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stdoutHas reports whether hookinit's captured stdout has line.
func stdoutHas(r *instance, line string) bool {
	for _, l := range strings.Split(r.stdout.String(), "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// TestScriptSeed is the seed story: an entrypoint starts a provisioner in
// the background and execs the app, which waits for the provisioner's
// message on a FIFO. Under hookinit as PID 1 the provisioner is reaped
// once it is done, and docker stop's SIGTERM reaches the app, which exits
// 0 at once. The same with the provisioner as a post-start hook.
func TestScriptSeed(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	seed := repoFile(t, "testdata/seed")
	for _, form := range []struct {
		name string
		args []string
	}{
		{"script", []string{"--script", filepath.Join(seed, "entrypoint.sh"), "--"}},
		{"post-start-hook", []string{"--hooks", filepath.Join(seed, "hooks"), "python3", filepath.Join(seed, "app.py")}},
	} {
		for _, m := range []mode{pid1, underNoReap} {
			t.Run(form.name+"/"+m.String(), func(t *testing.T) {
				t.Parallel()
				env := append(os.Environ(), "SEED_DIR="+t.TempDir())
				r := startWith(t, m, opts{env: env}, form.args...)
				waitFor(t, 20*time.Second, "the app to be provisioned", func() bool {
					return stdoutHas(r, "provision: the app acknowledged (ok)") && stdoutHas(r, "app: received 'config v1'")
				})
				// Once the provisioner is gone, only the app is left, and
				// nothing is <defunct>.
				waitFor(t, 5*time.Second, "only the app to be left", func() bool {
					procs := subtree(r.pid())
					return len(procs) == 1 && procs[0].comm == "python3"
				})
				time.Sleep(200 * time.Millisecond)
				if n := zombies(r.cmd.Process.Pid); n != 0 {
					t.Fatalf("%d zombies after provisioning:%s", n, describeTree(r.cmd.Process.Pid))
				}
				r.signal(syscall.SIGTERM)
				stopped := time.Now()
				code := r.wait(5 * time.Second)
				if took := time.Since(stopped); code != 0 || took > time.Second || !stdoutHas(r, "app: SIGTERM, shutting down") {
					t.Errorf("exit %d after %v; stdout:\n%s\nstderr:\n%s", code, took, r.stdout.String(), r.stderr.String())
				}
			})
		}
	}
}

// TestScriptSeedWithoutHookinit is the problem the seed story is about:
// the same entrypoint run by sh as PID 1 leaves the provisioner <defunct>,
// as the app it execs never reaps it.
func TestScriptSeedWithoutHookinit(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	env := append(os.Environ(), "SEED_DIR="+t.TempDir())
	r := startArgv(t, pid1, opts{env: env}, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
		"sh", repoFile(t, "testdata/seed/entrypoint.sh"))
	waitFor(t, 20*time.Second, "the app to be provisioned", func() bool {
		return stdoutHas(r, "provision: the app acknowledged (ok)")
	})
	waitFor(t, 5*time.Second, "the provisioner to be <defunct>", func() bool {
		return zombies(r.cmd.Process.Pid) == 1
	})
}

// compatCase is one run of an entrypoint of testdata/shell/compat, as
// cases.json lists them.
type compatCase struct {
	Name   string
	Script string
	Args   []string
	Env    []string
	Files  map[string]string
	Stdin  string
}

// TestScriptCompatLikeBash runs each entrypoint of testdata/shell/compat
// under `hookinit --script` as PID 1 and under bash, each in an empty
// directory with the same environment, arguments and standard input, and
// compares exit code, output and every file written (path, mode,
// content), the report of the app it hands off to included (arguments,
// directory, umask, environment, input). hookinit's own messages
// ("hookinit: ..." on stderr) are left out.
func TestScriptCompatLikeBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	dir := repoFile(t, "testdata/shell/compat")
	b, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []compatCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			script := filepath.Join(dir, c.Script)
			if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
				t.Fatalf("bash -n %s: %v\n%s", script, err, out)
			}
			want := runCompatCase(t, c, func(o opts) *instance {
				return startArgv(t, direct, o, append([]string{bash, script}, c.Args...)...)
			})
			got := runCompatCase(t, c, func(o opts) *instance {
				return startWith(t, pid1, o, append([]string{"--script", script, "--"}, c.Args...)...)
			})
			if got != want {
				t.Errorf("hookinit --script and bash differ:\n--- hookinit\n%s\n--- bash\n%s", got, want)
			}
		})
	}
}

// runCompatCase prepares a directory for c, runs it with start and
// describes the outcome, the directory's path replaced by WORK.
func runCompatCase(t *testing.T, c compatCase, start func(opts) *instance) string {
	t.Helper()
	work := t.TempDir()
	for name, content := range c.Files {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(in, []byte(c.Stdin), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	env := append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + work, "LC_ALL=C"}, c.Env...)
	r := start(opts{dir: work, env: env, stdin: stdin})
	code := r.wait(30 * time.Second)
	var stderr []string
	for _, l := range strings.SplitAfter(r.stderr.String(), "\n") {
		if !strings.HasPrefix(l, "hookinit: ") {
			stderr = append(stderr, l)
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "exit %d\nstdout:\n%s\nstderr:\n%s\nfiles:\n", code, r.stdout.String(), strings.Join(stderr, ""))
	err = filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == work {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(work, p)
		fmt.Fprintf(&out, "%s %v\n", rel, fi.Mode())
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && strings.HasSuffix(p, ".pid") {
			b = []byte("a pid\n") // a pid in both, never the same one
		}
		out.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out.String(), work, "WORK")
}

// scriptFile writes an entrypoint script into a fresh directory.
func scriptFile(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "entrypoint.sh")
	if err := os.WriteFile(p, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScriptStopSignal: docker stop while the script runs a long
// foreground command (no trap): the command gets the signal exactly once
// and the container exits 128+15 at once; nothing after it runs.
func TestScriptStopSignal(t *testing.T) {
	rec := newRecorder(t)
	script := scriptFile(t, fmt.Sprintf("%s -exit-on TERM\necho not reached\n", strings.Join(rec.argv(), " ")))
	r := start(t, pid1, "--script", script)
	rec.waitReady(t)
	r.signal(syscall.SIGTERM)
	stopped := time.Now()
	code := r.wait(10 * time.Second)
	rec.waitCount(t, 1)
	time.Sleep(100 * time.Millisecond)
	got := rec.signals()
	if code != 128+15 || time.Since(stopped) > 2*time.Second || sigNames(got) != "[SIGTERM]" || strings.Contains(r.stdout.String(), "not reached") {
		t.Errorf("exit %d after %v; the command got %s; stdout %q stderr %q", code, time.Since(stopped), sigNames(got), r.stdout.String(), r.stderr.String())
	}
}

// TestScriptStopSignalOnce: a foreground command that takes its time over
// SIGTERM gets it once, then SIGKILL after --grace (a second SIGTERM is
// "force quit" to many apps).
func TestScriptStopSignalOnce(t *testing.T) {
	rec := newRecorder(t)
	script := scriptFile(t, strings.Join(rec.argv(), " ")+"\necho not reached\n")
	r := start(t, pid1, "--grace", "500ms", "--script", script)
	rec.waitReady(t)
	r.signal(syscall.SIGTERM)
	stopped := time.Now()
	code := r.wait(10 * time.Second)
	if got := sigNames(rec.signals()); got != "[SIGTERM]" || code != 128+15 || time.Since(stopped) > 1500*time.Millisecond {
		t.Errorf("exit %d after %v; the command got %s; stderr %q", code, time.Since(stopped), got, r.stderr.String())
	}
}

// TestScriptTrapForwards is the entrypoint that runs its app without exec
// and forwards docker stop by hand (trap ... TERM; app & wait): as with
// bash as PID 1, wait returns at once, the trap sends the app its one
// SIGTERM, and the script's exit status is the container's.
func TestScriptTrapForwards(t *testing.T) {
	src := func(rec recorder) string {
		return fmt.Sprintf(`term() { echo "trap: wait gave $?"; kill -TERM "$child"; wait "$child"; echo "app ended $?"; exit 3; }
trap term TERM INT
trap 'echo "exit trap $?"' EXIT
%s -exit-on TERM &
child=$!
wait "$child"
echo not reached
`, strings.Join(rec.argv(), " "))
	}
	type outcome struct {
		code    int
		sigs    string
		stdout  string
		elapsed time.Duration
	}
	run := func(t *testing.T, withHookinit bool) outcome {
		rec := newRecorder(t)
		script := scriptFile(t, src(rec))
		var r *instance
		if withHookinit {
			r = start(t, pid1, "--script", script)
		} else {
			r = startArgv(t, pid1, opts{}, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "bash", script)
		}
		rec.waitReady(t)
		// As PID 1, bash (and hookinit) get docker stop's signal alone.
		pid := r.cmd.Process.Pid
		if withHookinit {
			pid = r.pid()
		} else {
			waitFor(t, 5*time.Second, "bash", func() bool {
				p, ok := findBelow(r.cmd.Process.Pid, "bash")
				pid = p.pid
				return ok
			})
		}
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		stopped := time.Now()
		code := r.wait(10 * time.Second)
		return outcome{code, sigNames(rec.signals()), r.stdout.String(), time.Since(stopped)}
	}
	want := run(t, false)
	got := run(t, true)
	if got.code != want.code || got.sigs != want.sigs || got.stdout != want.stdout || got.elapsed > 2*time.Second {
		t.Errorf("hookinit: %+v\nbash as PID 1: %+v", got, want)
	}
	if want.code != 3 || want.sigs != "[SIGTERM]" {
		t.Errorf("bash did not do what the test expects: %+v", want)
	}
}

// TestScriptTrapDeferred: a trapped TERM while the script runs a
// foreground command: as with bash as PID 1, the command is not signalled,
// the action runs once it is over (with its status in $?), and the script
// goes on after an action that does not exit.
func TestScriptTrapDeferred(t *testing.T) {
	run := func(t *testing.T, withHookinit bool) string {
		dir := t.TempDir()
		rec := newRecorder(t)
		script := scriptFile(t, fmt.Sprintf(`trap 'echo "trap ran, status $?"' TERM
%s -exit-on USR1 &
pid=$!
sh -c 'touch %s/started; while [ ! -e %s/go ]; do sleep 0.02; done; exit 5'
echo "after the command: $?"
kill -USR1 "$pid"; wait "$pid"
echo "end"
`, strings.Join(rec.argv(), " "), dir, dir))
		var r *instance
		if withHookinit {
			r = start(t, pid1, "--script", script)
		} else {
			r = startArgv(t, pid1, opts{}, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "bash", script)
		}
		rec.waitReady(t)
		waitFor(t, 10*time.Second, "the command", func() bool { _, err := os.Stat(filepath.Join(dir, "started")); return err == nil })
		var pid int
		waitFor(t, 5*time.Second, "the shell", func() bool {
			for _, comm := range []string{"hookinit", "bash"} {
				if p, ok := findBelow(r.cmd.Process.Pid, comm); ok {
					pid = p.pid
					return true
				}
			}
			return false
		})
		if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		touch(t, filepath.Join(dir, "go"))
		code := r.wait(10 * time.Second)
		return fmt.Sprintf("exit %d, the job got %s, stdout:\n%s", code, sigNames(rec.signals()), r.stdout.String())
	}
	want := run(t, false)
	if got := run(t, true); got != want {
		t.Errorf("hookinit: %s\nbash as PID 1: %s", got, want)
	}
	if !strings.Contains(want, "trap ran, status 5\nafter the command: 5\n") {
		t.Errorf("bash did not do what the test expects: %s", want)
	}
}

// TestScriptWaitAny is Docker's example of a container that runs two
// processes: start both, wait -n, exit with the status of the first to
// end. The container exits with it, and the other process is stopped.
func TestScriptWaitAny(t *testing.T) {
	rec := newRecorder(t)
	script := scriptFile(t, strings.Join(rec.argv("-exit-on", "TERM"), " ")+` &
sh -c 'sleep 0.3; exit 3' &
wait -n
exit $?
`)
	r := start(t, pid1, "--script", script)
	rec.waitReady(t)
	if code := r.wait(10 * time.Second); code != 3 || sigNames(rec.signals()) != "[SIGTERM]" {
		t.Errorf("exit %d; the other process got %s; stderr %q", code, sigNames(rec.signals()), r.stderr.String())
	}
}

// TestScriptEndsWithoutExec: a script that does not exec decides the exit
// code, after its EXIT trap.
func TestScriptEndsWithoutExec(t *testing.T) {
	script := scriptFile(t, "trap 'echo cleanup; exit 4' EXIT\necho \"$0 $#: $*\"\nfalse\n")
	code, stdout, stderr := runHookinit(t, pid1, "--script", script, "--", "a", "b c")
	if code != 4 || stdout != script+" 2: a b c\ncleanup\n" {
		t.Errorf("exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

// TestScriptRefused: a construct the embedded shell does not support
// stops everything before anything runs, with file:line:col; --check
// --script lists it.
func TestScriptRefused(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	script := scriptFile(t, "touch "+marker+"\ntrap '' TERM\nexec sleep 1\n")
	code, stdout, stderr := runHookinit(t, pid1, "--script", script)
	where := script + ":2:1: trap '' TERM (ignoring a signal) is not supported"
	if _, err := os.Stat(marker); code != 2 || err == nil || !strings.Contains(stderr, where) {
		t.Errorf("exit %d (ran: %v) stdout %q stderr %q", code, err == nil, stdout, stderr)
	}
	code, stdout, stderr = runHookinit(t, direct, "--check", "--script", script)
	if code != 2 || !strings.Contains(stdout+stderr, where) {
		t.Errorf("--check: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	ok := scriptFile(t, "trap 'exit 0' TERM\nexec sleep 1\n")
	if code, stdout, stderr = runHookinit(t, direct, "--check", "--script", ok); code != 0 {
		t.Errorf("--check of a good script: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
}

// TestScriptStdinAndHandOff: the script's commands read hookinit's
// standard input; the app gets what is left, or what the exec redirects.
func TestScriptStdinAndHandOff(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.WriteFile(in, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	script := scriptFile(t, `read -r first; echo "script read $first"
head -n 1 | sed 's/^/head read /'
cat & wait
umask 0027
cd "$1"
export FROM_SCRIPT=yes
exec sh -c 'echo "app read $(cat) in $PWD umask $(umask) $FROM_SCRIPT"; echo "to stderr" >&2' 2>app.err
`)
	code, stdout, stderr := runWith(t, pid1, opts{stdin: stdin}, "--script", script, "--", dir)
	want := "script read one\nhead read two\napp read three in " + dir + " umask 0027 yes\n"
	b, _ := os.ReadFile(filepath.Join(dir, "app.err"))
	if code != 0 || stdout != want || string(b) != "to stderr\n" {
		t.Errorf("exit %d stdout %q (want %q) stderr %q app.err %q", code, stdout, want, stderr, b)
	}
}

// TestScriptJobsReaped: & jobs of the script are reaped when they end,
// also after the hand-off, and $! is their pid.
func TestScriptJobsReaped(t *testing.T) {
	for _, m := range []mode{pid1, underNoReap} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			script := scriptFile(t, `for i in 1 2 3; do sleep 0.2 & echo $! >> "$1/pids"; done
sh -c 'sleep 0.3; echo late' &
exec sleep 30
`)
			r := start(t, m, "--script", script, "--", dir)
			waitFor(t, 10*time.Second, "the late job", func() bool { return strings.Contains(r.stdout.String(), "late") })
			waitFor(t, 5*time.Second, "only the app to be left", func() bool {
				procs := subtree(r.pid())
				return len(procs) == 1 && procs[0].comm == "sleep"
			})
			if n := zombies(r.cmd.Process.Pid); n != 0 {
				t.Errorf("%d zombies:%s", n, describeTree(r.cmd.Process.Pid))
			}
			b, _ := os.ReadFile(filepath.Join(dir, "pids"))
			if f := strings.Fields(string(b)); len(f) != 3 {
				t.Errorf("pids %q", b)
			} else {
				for _, p := range f {
					if _, err := strconv.Atoi(p); err != nil {
						t.Errorf("$! is %q, not a pid", p)
					}
				}
			}
			r.signal(syscall.SIGTERM)
			if code := r.wait(5 * time.Second); code != 128+15 {
				t.Errorf("exit %d", code)
			}
		})
	}
}

// scriptOnTerminal runs hookinit --script script as under docker run -it:
// hookinit is PID 1, leads its session and process group, and the terminal
// is its controlling terminal.
// Options go before --script.
func scriptOnTerminal(t *testing.T, script string, options ...string) *terminal {
	t.Helper()
	argv := []string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "setsid", "-c", bin.hookinit}
	return openTerminal(t, pid1, nil, slices.Concat(argv, options, []string{"--script", script})...)
}

// TestScriptTerminal: on a terminal (docker run -it), the commands the
// script runs in the foreground can read it and set its modes, as under a
// shell, and the app it hands off to gets it too.
func TestScriptTerminal(t *testing.T) {
	script := scriptFile(t, `echo "script: type a line"
line=$(head -n 1); echo "command read: $line"
stty -echo; stty echo
read -r again; echo "builtin read: $again"
exec sh -c 'read -r last; echo "app read: $last"'
`)
	tm := scriptOnTerminal(t, script)
	tm.expect("script: type a line")
	tm.write("first\n")
	tm.expect("command read: first")
	tm.write("second\n")
	tm.expect("builtin read: second")
	tm.write("third\n")
	tm.expect("app read: third")
	if code := tm.wait(10 * time.Second); code != 0 {
		t.Errorf("exit %d; terminal:\n%s", code, tm.out.String())
	}
}

// TestScriptTerminalCtrlC: Ctrl-C on the terminal while the script waits
// for a foreground command ends the whole script with 130, as it ends bash
// (which shares the command's process group): not only the command, after
// which the script would go on. A script that traps INT runs its trap and
// goes on, as under bash; without one, the EXIT trap still runs (bash).
func TestScriptTerminalCtrlC(t *testing.T) {
	for _, c := range []struct {
		name, trap, want string
		code             int
	}{
		{"untrapped", `trap 'echo "exit trap ran"' EXIT`, "", 130},
		{"trapped", `trap 'echo "trapped INT"' INT`, "trapped INT", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			script := scriptFile(t, c.trap+`
echo "script: ready"
sleep 100
echo "script: after the sleep"
exec sh -c 'echo "app: started"'
`)
			tm := scriptOnTerminal(t, script)
			tm.expect("script: ready")
			tm.foreground("sleep")
			tm.write("\x03")
			code := tm.finish()
			out := tm.out.String()
			if code != c.code {
				t.Errorf("exit %d, want %d; terminal:\n%s", code, c.code, out)
			}
			if c.want != "" {
				tm.expect(c.want)
				tm.expect("app: started")
			} else if strings.Contains(out, "after the sleep") || strings.Contains(out, "app: started") {
				t.Errorf("the script went on after Ctrl-C; terminal:\n%s", out)
			} else if !strings.Contains(out, "exit trap ran") {
				t.Errorf("the EXIT trap did not run, as it does when SIGINT ends bash; terminal:\n%s", out)
			}
		})
	}
}

// test -t sees the terminal on the script's standard streams, and on a
// hook's output, as under bash.
func TestScriptTerminalTest(t *testing.T) {
	root := hookRoot(t, map[string]string{"10-t.sh": `[ -t 1 ] && [ -t 2 ] && echo "hook: out and err are terminals"` + "\n"})
	script := scriptFile(t, `[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo "script: all three are terminals"`+"\n")
	tm := scriptOnTerminal(t, script, "--hooks", root)
	tm.expect("hook: out and err are terminals")
	tm.expect("script: all three are terminals")
	if code := tm.finish(); code != 0 {
		t.Errorf("exit %d; terminal:\n%s", code, tm.out.String())
	}
}

// A second Ctrl-C ends an EXIT trap that the first one started, as in bash.
func TestScriptTerminalCtrlCTwice(t *testing.T) {
	script := scriptFile(t, `trap 'echo "exit trap: waiting"; while :; do sleep 1; done' EXIT
echo "script: ready"
sleep 100
`)
	tm := scriptOnTerminal(t, script)
	tm.expect("script: ready")
	tm.foreground("sleep")
	tm.write("\x03")
	tm.expect("exit trap: waiting")
	tm.foreground("sleep")
	tm.write("\x03")
	if code := tm.finish(); code != 130 {
		t.Errorf("exit %d, want 130; terminal:\n%s", code, tm.out.String())
	}
}
