package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writeHook writes an executable hook file.
func writeHook(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// runScript writes src as a hook named name and runs it.
func runScript(t *testing.T, sh *Shell, dir, name, src string, kind Kind) (int, error) {
	t.Helper()
	return sh.Run(context.Background(), writeHook(t, dir, name, src), kind)
}

// newTestShell returns a shell whose hooks run in a fresh directory and
// write to one file, which the returned function reads back.
func newTestShell(t *testing.T, o ShellOptions) (*Shell, string, func() string) {
	t.Helper()
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	if o.Stdout == nil {
		o.Stdout = out
	}
	if o.Stderr == nil {
		o.Stderr = out
	}
	if o.Dir == "" {
		o.Dir = dir
	}
	if o.Env == nil {
		o.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	}
	sh := newShell(newTestStarter(t), o)
	t.Cleanup(func() { closeShell(t, sh) })
	read := func() string {
		b, err := os.ReadFile(out.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return sh, dir, read
}

// closeShell stops what hooks left running and waits until it is gone, so
// that a test does not close files that a leftover job still uses.
func closeShell(t *testing.T, sh *Shell) {
	sh.Close()
	for range 500 {
		sh.mu.Lock()
		n := len(sh.runs)
		sh.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("hooks still running 5s after Close")
}

// TestQuick runs the script in $SRC, for trying things out.
func TestQuick(t *testing.T) {
	src := os.Getenv("SRC")
	if src == "" {
		t.Skip("SRC not set")
	}
	sh, dir, out := newTestShell(t, ShellOptions{})
	code, err := runScript(t, sh, dir, "a.sh", src, Interpret)
	t.Logf("code=%d err=%v out=%q", code, err, out())
}

func TestRunOrderEnvAndLeaks(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{Env: []string{"PATH=" + os.Getenv("PATH"), "KEEP=1"}})
	hooks := []struct {
		name, src string
		kind      Kind
	}{
		{"10-env.envsh", "export GREETING=hello\nLOCAL_ONLY=x\nunset KEEP\nhelper() { echo helper; }\n", Source},
		{"20-use.sh", "#!/bin/sh\necho \"1 GREETING=$GREETING LOCAL_ONLY=$LOCAL_ONLY KEEP=$KEEP\"\nexport LEAK=yes\nGREETING=changed\ncd /\n", Interpret},
		{"30-env.envsh", "[ -n \"$GREETING\" ] || return 0\nexport SECOND=\"$GREETING world\"\necho \"3 LOCAL_ONLY=$LOCAL_ONLY\"\nhelper\ndeclare -x DECLARED=yes\n", Source},
		{"40-use.sh", "echo \"4 GREETING=$GREETING LEAK=$LEAK SECOND=$SECOND DECLARED=$DECLARED\"; pwd\n", Interpret},
	}
	for _, h := range hooks {
		code, err := runScript(t, sh, dir, h.name, h.src, h.kind)
		if code != 0 || err != nil {
			t.Fatalf("%s: code %d, err %v; output:\n%s", h.name, code, err, out())
		}
	}
	want := "1 GREETING=hello LOCAL_ONLY= KEEP=\n" +
		"3 LOCAL_ONLY=x\nhelper\n" +
		"4 GREETING=hello LEAK= SECOND=hello world DECLARED=yes\n" + dir + "\n"
	if got := out(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	env := sh.Environ()
	for _, kv := range []string{"GREETING=hello", "SECOND=hello world", "DECLARED=yes"} {
		if !slices.Contains(env, kv) {
			t.Errorf("Environ() lacks %s: %q", kv, env)
		}
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "LOCAL_ONLY=") || strings.HasPrefix(kv, "LEAK=") || strings.HasPrefix(kv, "KEEP=") || strings.HasPrefix(kv, privPrefix) {
			t.Errorf("Environ() has %s", kv)
		}
	}
}

func TestEnvshArgsDirUmask(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{Args: []string{"nginx", "-g", "daemon off;"}})
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	code, err := runScript(t, sh, dir, "a.envsh", "echo \"$# $1 $3\"\ncd sub\numask 0027\n", Source)
	if code != 0 || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	if got := out(); got != "3 nginx daemon off;\n" {
		t.Errorf("output %q", got)
	}
	if sh.Dir() != sub || sh.Umask() != 0o027 {
		t.Errorf("Dir %q Umask %04o, want %q 0027", sh.Dir(), sh.Umask(), sub)
	}
	// The next hook starts there, with that umask.
	if code, err := runScript(t, sh, dir, "b.sh", "pwd; umask; touch made\n", Interpret); code != 0 || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	if got := out(); !strings.HasSuffix(got, sub+"\n0027\n") {
		t.Errorf("output %q", got)
	}
	if fi, err := os.Stat(filepath.Join(sub, "made")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("made: %v %v, want mode 0640", fi.Mode(), err)
	}
}

func TestExitCodes(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	noexec := writeHook(t, dir, "noexec", "#!/bin/sh\n")
	if err := os.Chmod(noexec, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		src  string
		code int
		msg  string
	}{
		{"true", 0, ""},
		{"exit 3", 3, ""},
		{"false", 1, ""},
		{"no-such-command-x", 127, "line 1: no-such-command-x: command not found"},
		{"./no-such-file", 127, "./no-such-file: No such file or directory"},
		{"./noexec", 126, "./noexec: Permission denied"},
		{"/", 126, "/: Is a directory"},
		{"sh -c 'kill -9 $$'", 137, ""},
		{"sh -c 'kill -TERM $$'", 143, ""},
		{"set -e; false; echo not reached", 1, ""},
	} {
		before := len(out())
		code, err := runScript(t, sh, dir, "x.sh", c.src+"\n", Interpret)
		got := out()[before:]
		if code != c.code || err != nil || !strings.Contains(got, c.msg) || strings.Contains(got, "not reached") {
			t.Errorf("%s: code %d err %v output %q; want code %d and %q", c.src, code, err, got, c.code, c.msg)
		}
	}
	// Execute: the file itself.
	bin := writeHook(t, dir, "50-bin", "#!/bin/sh\necho from binary; exit 5\n")
	code, err := sh.Run(context.Background(), bin, Execute)
	if code != 5 || err != nil || !strings.HasSuffix(out(), "from binary\n") {
		t.Errorf("execute: code %d err %v output %q", code, err, out())
	}
	code, err = sh.Run(context.Background(), filepath.Join(dir, "missing"), Execute)
	if code != 127 || err == nil {
		t.Errorf("execute missing: code %d err %v", code, err)
	}
}

// groupAlive reports whether any process that is not a zombie is left in
// process group pgid.
func groupAlive(pgid int) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) && pid != 0 {
			return true
		}
	}
	return false
}

func waitFile(t *testing.T, path string) string {
	t.Helper()
	for range 500 {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 && b[len(b)-1] == '\n' {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never written", path)
	return ""
}

func TestCancelKillsProcessGroup(t *testing.T) {
	sh, dir, _ := newTestShell(t, ShellOptions{})
	pidFile := filepath.Join(dir, "pid")
	path := writeHook(t, dir, "hang.sh", "sh -c 'echo $$ > "+pidFile+"; sleep 100 & sleep 100'\necho not reached\n")
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		code int
		err  error
	}
	res := make(chan result, 1)
	go func() {
		code, err := sh.Run(ctx, path, Interpret)
		res <- result{code, err}
	}()
	pgid, _ := strconv.Atoi(waitFile(t, pidFile))
	if !groupAlive(pgid) {
		t.Fatalf("group %d not running", pgid)
	}
	cancel()
	select {
	case r := <-res:
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("Run: code %d err %v, want context.Canceled", r.code, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	deadline := time.Now().Add(3 * time.Second)
	for groupAlive(pgid) {
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has processes after cancel", pgid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCancelEndsLoop(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	path := writeHook(t, dir, "loop.sh", "while true; do sleep 1; done\n")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := sh.Run(ctx, path, Interpret)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Errorf("err %v after %v; output %q", err, time.Since(start), out())
	}
	// A builtin-only loop stops as well.
	path = writeHook(t, dir, "spin.sh", "while :; do :; done\n")
	ctx2, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	if _, err := sh.Run(ctx2, path, Interpret); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("spin: err %v", err)
	}
}

func TestLogPrefix(t *testing.T) {
	dir := t.TempDir()
	stdout, _ := os.Create(filepath.Join(dir, "stdout"))
	stderr, _ := os.Create(filepath.Join(dir, "stderr"))
	defer stdout.Close()
	defer stderr.Close()
	sh, hdir, _ := newTestShell(t, ShellOptions{LogPrefix: true, Stdout: stdout, Stderr: stderr})
	for _, h := range []struct{ name, src string }{
		{"10-a.sh", "echo one; echo two >&2; sh -c 'echo child'; printf 'no newline'\n"},
		{"20-closes.sh", "sh -c 'exec 1>&-; echo child err >&2'\nsh -c 'exec 1>&- 2>&-; sleep 0.1'\necho still here >&2\n"},
		{"30-b.sh", "echo three\n"},
	} {
		if code, err := runScript(t, sh, hdir, h.name, h.src, Interpret); code != 0 || err != nil {
			t.Fatalf("%s: %d %v", h.name, code, err)
		}
	}
	b, _ := os.ReadFile(stdout.Name())
	if want := "[10-a.sh] one\n[10-a.sh] child\n[10-a.sh] no newline\n[30-b.sh] three\n"; string(b) != want {
		t.Errorf("stdout %q, want %q", b, want)
	}
	b, _ = os.ReadFile(stderr.Name())
	if want := "[10-a.sh] two\n[20-closes.sh] child err\n[20-closes.sh] still here\n"; string(b) != want {
		t.Errorf("stderr %q, want %q", b, want)
	}
}

func TestStdinIsDevNull(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	code, err := runScript(t, sh, dir, "in.sh", "cat; read x; echo \"read=$? x=$x\"\n", Interpret)
	if code != 0 || err != nil || out() != "read=1 x=\n" {
		t.Errorf("code %d err %v output %q", code, err, out())
	}
}

func TestENOEXECAndMissingShell(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	writeHook(t, dir, "plain", "echo \"plain $0 $1\"; x=inner; exit 4\n")
	writeHook(t, dir, "noshell", "#!/nonexistent/bin/sh -e\necho \"noshell $1\"; false; echo not reached\n")
	writeHook(t, dir, "python", "#!/nonexistent/python3\nprint(1)\n")
	code, err := runScript(t, sh, dir, "run.sh", "x=outer; ./plain a; echo \"rc=$? x=$x\"; ./noshell b; echo rc=$?; ./python; echo rc=$?\n", Interpret)
	want := "plain ./plain a\nrc=4 x=outer\nnoshell b\nrc=1\n"
	if code != 0 || err != nil || !strings.HasPrefix(out(), want) || !strings.Contains(out(), "/nonexistent/python3: bad interpreter") || !strings.HasSuffix(out(), "rc=126\n") {
		t.Errorf("code %d err %v output %q", code, err, out())
	}
}

func TestPipelinesAndSubstitutions(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := `x=$(echo hello | tr a-z A-Z); echo "$x"
printf 'b\na\n' | sort | head -n1
y=$(ls /nonexistent-dir 2>&1); echo "${y:0:2}"
n=0; printf '1\n2\n' | while read -r l; do n=$((n+l)); done; echo "n=$n"
echo a | while read x; do exit 3; done; echo "after $?"
set -e; z=$(false; echo y); echo "z=$z"
cat <<-EOF
	tab $x
	EOF
echo $(echo one; echo two >&2)
`
	code, err := runScript(t, sh, dir, "p.sh", src, Interpret)
	want := "HELLO\na\nls\nn=0\nafter 3\nz=y\ntab HELLO\ntwo\none\n"
	if code != 0 || err != nil || out() != want {
		t.Errorf("code %d err %v output %q, want %q", code, err, out(), want)
	}
}

func TestUmask(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := `umask 0077
echo > redirected
touch touched
(umask 000; echo > sub; touch subtouched)
echo > after
umask u=rwx,g=rx,o=
umask; umask -S; umask -p
umask 8; echo "bad=$?"
`
	code, err := runScript(t, sh, dir, "u.sh", src, Interpret)
	if code != 0 || err != nil {
		t.Fatalf("code %d err %v output %q", code, err, out())
	}
	for name, mode := range map[string]os.FileMode{"redirected": 0o600, "touched": 0o600, "sub": 0o666, "subtouched": 0o666, "after": 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v %v, want %v", name, fi.Mode().Perm(), err, mode)
		}
	}
	if got := out(); !strings.HasPrefix(got, "0027\nu=rwx,g=rx,o=\numask 0027\n") || !strings.Contains(got, "umask: 8: octal number out of range") || !strings.HasSuffix(got, "bad=1\n") {
		t.Errorf("output %q", got)
	}
}

// Job numbers are bash's: a job leaves the table once a wait collected it,
// so the job after "cmd & wait $!" is %1 again (the script hangs in bash
// if it names them otherwise; checked against bash 5.2).
func TestKillJobs(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := `sleep 100 & p=$!
kill "$p"; wait "$p"; echo "simple=$?"
kill -0 "$p" 2>/dev/null; echo "alive=$?"
{ sleep 100; echo second; } & q=$!
sleep 0.2; kill -s KILL "$q"; wait "$q"; echo "compound=$?"
sleep 100 & kill %1; wait %1; echo "pct=$?"
true & sleep 0.2; sleep 100 & kill %2; echo "done=$?"; wait
sh -c 'exec sleep 100' & r=$!; kill -0 $r; echo "zero=$?"; kill -n 15 -- $r; wait $r; echo "n=$?"
kill 0; echo "zero-pid=$?"; kill -TERM $$; echo "self=$?"
kill -l 143; kill -l KILL
`
	code, err := runScript(t, sh, dir, "k.sh", src, Interpret)
	want := "simple=143\nalive=1\ncompound=137\npct=143\ndone=0\nzero=0\nn=143\n"
	got := out()
	if code != 0 || err != nil || !strings.HasPrefix(got, want) || strings.Contains(got, "second") || !strings.HasSuffix(got, "zero-pid=1\n"+dir+"/k.sh: line 9: kill: "+strconv.Itoa(os.Getpid())+": refusing to signal hookinit itself, its process group or every process\nself=1\nTERM\n9\n") {
		t.Errorf("code %d err %v output %q", code, err, got)
	}
}

func TestExitTrap(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	for _, c := range []struct {
		src, out string
		code     int
	}{
		{"trap 'echo bye $?' EXIT; echo hi; false\n", "hi\nbye 1\n", 1},
		{"trap 'exit 7' EXIT; exit 3\n", "", 7},
		{"cleanup() { echo clean; exit 5; }; trap cleanup EXIT; true\n", "clean\n", 5},
		{"set -e; trap 'echo trapped' EXIT; false; echo no\n", "trapped\n", 1},
		{"trap 'echo x' EXIT; trap - EXIT; trap\n", "", 0},
		{"trap 'echo x' 0; trap\n", "trap -- 'echo x' EXIT\nx\n", 0},
	} {
		before := len(out())
		code, err := runScript(t, sh, dir, "t.sh", c.src, Interpret)
		if got := out()[before:]; code != c.code || err != nil || got != c.out {
			t.Errorf("%q: code %d err %v output %q, want %d %q", c.src, code, err, got, c.code, c.out)
		}
	}
}

func TestRefusals(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	// Static: nothing runs.
	code, err := runScript(t, sh, dir, "static.sh", "echo ran\ntrap 'echo x' TERM\n", Interpret)
	var pe *ProblemsError
	if code != 2 || !errors.As(err, &pe) || out() != "" || !strings.Contains(err.Error(), "static.sh:2:1: trap on TERM") {
		t.Errorf("static: code %d err %v output %q", code, err, out())
	}
	// At run time: eval'd code; nothing after it runs.
	code, err = runScript(t, sh, dir, "dyn.sh", "echo ran\nsig=TERM\ntrap 'echo x' $sig\necho not reached\n", Interpret)
	var ue *unsupportedError
	if code != 2 || !errors.As(err, &ue) || out() != "ran\n" || !strings.Contains(err.Error(), "dyn.sh:3:1") {
		t.Errorf("dynamic: code %d err %v output %q", code, err, out())
	}
	// set -E and friends are accepted.
	code, err = runScript(t, sh, dir, "ok.sh", "set -Eeuo pipefail\nset -o errtrace +o posix -h\necho ok\n", Interpret)
	if code != 0 || err != nil || !strings.HasSuffix(out(), "ok\n") {
		t.Errorf("set -E: code %d err %v output %q", code, err, out())
	}
	// A sourced file is checked when it is sourced.
	writeHook(t, dir, "lib.sh", "read -t 1 x\n")
	code, err = runScript(t, sh, dir, "src.sh", ". ./lib.sh\necho not reached\n", Interpret)
	if code != 2 || !errors.As(err, &ue) || strings.Contains(out(), "not reached") {
		t.Errorf("source: code %d err %v output %q", code, err, out())
	}
}

func TestShebangOptions(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	code, err := runScript(t, sh, dir, "e.sh", "#!/bin/sh -eu\nfalse\necho not reached\n", Interpret)
	if code != 1 || err != nil || out() != "" {
		t.Errorf("code %d err %v output %q", code, err, out())
	}
	code, err = runScript(t, sh, dir, "py.sh", "#!/usr/bin/env python3\nprint(1)\n", Interpret)
	if code != 2 || err == nil || !strings.Contains(err.Error(), "#! line names python3") {
		t.Errorf("python: code %d err %v", code, err)
	}
}

func TestSourcedDeclareAndReturn(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := "declare -x A=1\nf() { declare B=2; export C=3; }\nf\n[ -z \"$B\" ] && return 0\necho not reached\n"
	if code, err := runScript(t, sh, dir, "a.envsh", src, Source); code != 0 || err != nil || out() != "" {
		t.Fatalf("code %d err %v output %q", code, err, out())
	}
	env := sh.Environ()
	if !slices.Contains(env, "A=1") || !slices.Contains(env, "C=3") || slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "B=") }) {
		t.Errorf("Environ %q", env)
	}
	if code, err := runScript(t, sh, dir, "b.envsh", "exit 4\n", Source); code != 4 || err != nil {
		t.Errorf("exit in envsh: code %d err %v", code, err)
	}
}

func TestLeftoverJobAndClose(t *testing.T) {
	sh, dir, _ := newTestShell(t, ShellOptions{})
	pidFile := filepath.Join(dir, "pid")
	code, err := runScript(t, sh, dir, "d.sh", "sh -c 'echo $$ > "+pidFile+"; exec sleep 100' &\n", Interpret)
	if code != 0 || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	pid, _ := strconv.Atoi(waitFile(t, pidFile))
	if !groupAlive(pid) {
		t.Fatal("background job not running after the hook returned")
	}
	sh.Close()
	deadline := time.Now().Add(3 * time.Second)
	for groupAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatal("Close left the job running")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := runScript(t, sh, dir, "e.sh", "true\n", Interpret); err == nil {
		t.Error("Run after Close succeeded")
	}
}

func TestSignal(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	path := writeHook(t, dir, "s.sh", "sh -c 'trap \"echo got HUP; exit 0\" HUP; echo ready; while :; do sleep 0.05; done'\necho rc=$?\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if code, err := sh.Run(context.Background(), path, Interpret); code != 0 || err != nil {
			t.Errorf("code %d err %v", code, err)
		}
	}()
	for !strings.Contains(out(), "ready") {
		time.Sleep(10 * time.Millisecond)
	}
	sh.Signal(syscall.SIGHUP)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("hook did not end")
	}
	// The whole group gets the signal: dash reports its sleep's death.
	if got := out(); !strings.HasPrefix(got, "ready\n") || !strings.HasSuffix(got, "got HUP\nrc=0\n") {
		t.Errorf("output %q", got)
	}
}

func ExampleShell_Run() {
	// A test-only starter; the runner passes its reaper.
	var st Starter = &testStarter{}
	sh := NewShell(st, ShellOptions{Env: []string{"PATH=/usr/bin:/bin"}})
	defer sh.Close()
	_ = fmt.Sprint(sh.Environ())
	// Output:
}

// A hook of a plan runs as Discover checked it, even when its file changed
// since (nothing unchecked ever runs, and the file is parsed once); a
// second run, a background hook's restart, reads the file again, as a
// shell would.
func TestRunHookRunsWhatWasChecked(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	for _, name := range []string{"10-a.sh", "20-b.envsh"} {
		t.Run(name, func(t *testing.T) {
			path := writeHook(t, dir, name, "echo "+name+" checked\n")
			plan, err := Discover([]string{dir}, DiscoverOptions{})
			if err != nil || len(plan.Problems) > 0 {
				t.Fatalf("Discover: %v %v", err, plan.Problems)
			}
			i := slices.IndexFunc(plan.Hooks(PreStart), func(h Hook) bool { return h.Name == name })
			h := plan.Hooks(PreStart)[i]
			writeHook(t, dir, name, "echo "+name+" edited\n")
			for range 2 {
				if code, err := sh.RunHook(context.Background(), h); code != 0 || err != nil {
					t.Fatalf("RunHook %s: %d %v", path, code, err)
				}
			}
			if got, want := out(), name+" checked\n"+name+" edited\n"; !strings.HasSuffix(got, want) {
				t.Errorf("output %q, want it to end with %q", got, want)
			}
		})
	}
}

// set -x shows the hook's own commands, not the bookkeeping hookinit runs
// between them as shell code (job tokens, saved statuses, $(...) setup),
// also in a file stderr was redirected to; each command as bash shows it.
func TestXtraceShowsOnlyTheHooksCommands(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := `set -x
a=1
if [ "$a" = 1 ]; then echo yes; fi
for i in 1 2; do :; done
f() { echo "in f"; }
f
sleep 0.01 & wait
x=$(echo sub) || exit 1
echo "$x" | cat
{ trap 'echo bye' EXIT; } 2>` + dir + `/trace.log
`
	if code, err := runScript(t, sh, dir, "x.sh", src, Interpret); code != 0 || err != nil {
		t.Fatalf("code %d err %v output %q", code, err, out())
	}
	file, _ := os.ReadFile(filepath.Join(dir, "trace.log"))
	traces := traceLines(out() + string(file))
	for _, l := range traces {
		if strings.Contains(l, privPrefix) {
			t.Errorf("bookkeeping in the trace: %q", l)
		}
	}
	// bash prints "++ echo sub" inside $(...), and nothing for the EXIT
	// trap's own run; the pipeline's sides race, so cat is left out.
	want := []string{"+ a=1", "+ '[' 1 = 1 ']'", "+ echo yes", "+ for i in 1 2", "+ :", "+ for i in 1 2", "+ :",
		"+ f", "+ echo 'in f'", "+ sleep 0.01", "+ wait", "+ echo sub", "+ x=sub", "+ echo sub", "+ echo bye", "+ trap 'echo bye' EXIT"}
	got := slices.DeleteFunc(traces, func(l string) bool { return l == "+ cat" })
	if !slices.Equal(got, want) {
		t.Errorf("trace\n%q\nwant\n%q", got, want)
	}
}

// For commands without & jobs, pipelines or $(...), the trace is bash's,
// line for line. Known differences, from mvdan.cc/sh's tracer: an empty
// assignment (b=) prints nothing, local assignments print without "local",
// and a command's own redirection of stderr (g 2>/dev/null) also takes its
// trace line.
func TestXtraceLikeBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to compare with")
	}
	src := `set -x
a='two words' b=x
if [ "$a" != "$b" ]; then printf '%s|\n' "$a" '' "it's" '*' '~x' 'a~b' '#c' 'd#' 'e=f'; fi
for w in $a; do : "$w"; done
case $a in two*) echo matched ;; esac
g() { echo "$1"; }
g "a b"
echo done
`
	sh, dir, out := newTestShell(t, ShellOptions{})
	if code, err := runScript(t, sh, dir, "b.sh", src, Interpret); code != 0 || err != nil {
		t.Fatalf("code %d err %v output %q", code, err, out())
	}
	cmd := exec.Command(bash, "-c", src)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash: %v\n%s", err, stderr.String())
	}
	if got, want := traceLines(out()), traceLines(stderr.String()); !slices.Equal(got, want) {
		t.Errorf("trace\n%q\nbash's\n%q", got, want)
	}
}

// traceLines are the set -x lines in out.
func traceLines(out string) []string {
	var lines []string
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, "+") {
			lines = append(lines, strings.TrimSuffix(line, "\n"))
		}
	}
	return lines
}

// Hooks that echo into one file (or hookinit's stdout) at the same time
// never mix within a line: like a real shell's, each echo is one write.
func TestConcurrentEchoKeepsLines(t *testing.T) {
	sh, dir, _ := newTestShell(t, ShellOptions{})
	log := filepath.Join(dir, "log")
	const n = 300
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		path := writeHook(t, dir, name+".sh", `i=0; while [ $i -lt `+strconv.Itoa(n)+` ]; do echo hook `+name+` line "$i" >>'`+log+`'; i=$((i+1)); done`+"\n")
		wg.Go(func() {
			if code, err := sh.Run(context.Background(), path, Interpret); code != 0 || err != nil {
				t.Errorf("%s: %d %v", path, code, err)
			}
		})
	}
	wg.Wait()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]int{}
	for line := range strings.Lines(string(b)) {
		var name string
		var i int
		if _, err := fmt.Sscanf(line, "hook %s line %d\n", &name, &i); err != nil || i != next[name] {
			t.Fatalf("a mixed line %q (next of %s: %d)", line, name, next[name])
		}
		next[name]++
	}
	if len(next) != 3 || next["a"] != n || next["b"] != n || next["c"] != n {
		t.Errorf("lines per hook %v, want %d each", next, n)
	}
}

// panicStarter is a Starter with a bug.
type panicStarter struct{}

func (panicStarter) Start(*Command) (Process, error) { panic("a bug below the shell") }

// A panic below the interpreter fails the hook, with the panic in the
// error, instead of killing hookinit (PID 1); the shell runs later hooks.
func TestPanicFailsTheHook(t *testing.T) {
	dir := t.TempDir()
	sh := newShell(panicStarter{}, ShellOptions{Env: []string{"PATH=" + os.Getenv("PATH")}, Dir: dir, Stdout: devNullFile(t), Stderr: devNullFile(t)})
	for _, kind := range []Kind{Interpret, Execute} {
		path := writeHook(t, dir, "p-"+kind.String(), "#!/bin/sh\ntrue\n/bin/true\n")
		code, err := sh.Run(context.Background(), path, kind)
		if code != 2 || err == nil || !strings.Contains(err.Error(), "a bug below the shell") {
			t.Errorf("%s: code %d err %v, want 2 and the panic", kind, code, err)
		}
	}
	if code, err := sh.Run(context.Background(), writeHook(t, dir, "ok.sh", "true\n"), Interpret); code != 0 || err != nil {
		t.Errorf("a later hook: %d %v", code, err)
	}
}

// Output that merely starts with "+ " is held no longer than until the next
// command starts, also after set +x, and not at all when a & job writes
// it after the hook ended.
func TestPlusLinesAreNotHeld(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := "echo '+ first'\n{ sleep 0.2; echo '+ from a job'; } &\n"
	if code, err := runScript(t, sh, dir, "p.sh", src, Interpret); code != 0 || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	if got := out(); got != "+ first\n" {
		t.Errorf("output %q when the hook ended, want its line", got)
	}
	for deadline := time.Now().Add(5 * time.Second); out() != "+ first\n+ from a job\n"; {
		if time.Now().After(deadline) {
			t.Fatalf("output %q, want the job's line too", out())
		}
		time.Sleep(10 * time.Millisecond)
	}

	// After set +x, while the hook goes on with builtins only.
	src = "set -x\nset +x\necho '+ step 1'\nwhile [ ! -e go ]; do :; done\n"
	path := writeHook(t, dir, "q.sh", src)
	done := make(chan error, 1)
	go func() { _, err := sh.Run(context.Background(), path, Interpret); done <- err }()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out(), "+ step 1\n"); {
		if time.Now().After(deadline) {
			t.Errorf("output %q while the hook runs, want its line", out())
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	writeHook(t, dir, "go", "")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A #! line's -x turns set -x on, and traces as bash would.
func TestXtraceFromShebang(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	if code, err := runScript(t, sh, dir, "s.sh", "#!/bin/sh -x\n[ 1 = 1 ]\n", Interpret); code != 0 || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	if got := out(); got != "+ '[' 1 = 1 ']'\n" {
		t.Errorf("output %q", got)
	}
}

// set +x in a subshell leaves the parent tracing as bash prints it.
func TestXtraceAfterSubshellSetPlusX(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := "set -x\nv=$(set +x; echo s)\ntrap 'echo bye' EXIT\n"
	if code, err := runScript(t, sh, dir, "s.sh", src, Interpret); code != 0 || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	if got := out(); !strings.Contains(got, "+ trap 'echo bye' EXIT\n") {
		t.Errorf("output %q, want bash's trace of the trap", got)
	}
}
