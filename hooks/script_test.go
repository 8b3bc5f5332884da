package hooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

// runEntry writes src as an entrypoint and runs it with RunScript.
func runEntry(t *testing.T, sh *Shell, dir, src string, args ...string) (*Handoff, int, error) {
	t.Helper()
	path := writeHook(t, dir, "entrypoint.sh", src)
	ho, code, err := sh.RunScript(context.Background(), path, args)
	if ho != nil {
		t.Cleanup(func() { ho.Close() })
	}
	return ho, code, err
}

// appOptions are shell options whose PATH has a command named app.
func appOptions(t *testing.T) ShellOptions {
	t.Helper()
	bin := t.TempDir()
	writeHook(t, bin, "app", "#!/bin/sh\nexit 0\n")
	home := t.TempDir()
	return ShellOptions{Env: []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + home}}
}

// runEntrypoint does what hookinit --script does, in-process: RunScript,
// then the hand-off started like the app (resolved in the script's PATH,
// with its environment, directory, umask and streams), and returns the
// exit code, or RunScript's error.
func runEntrypoint(t *testing.T, script string, args []string, work string, env []string, in, out, errf *os.File) (int, error) {
	t.Helper()
	st := newTestStarter(t)
	sh := newShell(st, ShellOptions{Env: env, Dir: work, Stdin: in, Stdout: out, Stderr: errf})
	defer closeShell(t, sh)
	ho, code, err := sh.RunScript(context.Background(), script, args)
	if err != nil || ho == nil {
		return code, err
	}
	defer ho.Close()
	path, err := interp.LookPathDir(ho.Dir, expand.ListEnviron(ho.Env...), ho.Args[0])
	if err != nil {
		return 127, fmt.Errorf("hand-off %q: %w", ho.Args, err)
	}
	cmd := &Command{Path: path, Args: ho.Args, Env: ho.Env, Dir: ho.Dir, Umask: ho.Umask,
		Stdin: cmpFile(ho.Stdin, in), Stdout: cmpFile(ho.Stdout, out), Stderr: cmpFile(ho.Stderr, errf)}
	p, err := st.Start(cmd)
	if err != nil {
		return 126, fmt.Errorf("starting the hand-off %q: %w", ho.Args, err)
	}
	<-p.Done()
	return p.ExitCode(), nil
}

func cmpFile(f, own *os.File) *os.File {
	if f != nil {
		return f
	}
	return own
}

// TestQuickScript runs the entrypoint in $SRC with RunScript, for trying
// things out.
func TestQuickScript(t *testing.T) {
	src := os.Getenv("SRC")
	if src == "" {
		t.Skip("SRC not set")
	}
	sh, dir, out := newTestShell(t, ShellOptions{})
	ho, code, err := runEntry(t, sh, dir, src, "a", "b")
	t.Logf("handoff=%+v code=%d err=%v out=%q", ho, code, err, out())
}

func TestScriptHandoff(t *testing.T) {
	sh, dir, out := newTestShell(t, appOptions(t))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := `#!/bin/bash
set -e
trap 'echo exit trap ran' EXIT
echo "0=$(basename "$0") #=$# 1=$1"
if [ "${1:0:1}" = '-' ]; then set -- app "$@"; fi
export FROM_SCRIPT=yes
NOT_EXPORTED=no
cd sub
umask 0077
main() {
	VIA_PREFIX=1 exec "$@" --extra
	echo not reached
}
main "$@"
echo not reached either
`
	ho, code, err := runEntry(t, sh, dir, src, "-v", "x y")
	if ho == nil || code != 0 || err != nil {
		t.Fatalf("handoff %v code %d err %v output %q", ho, code, err, out())
	}
	if got := out(); got != "0=entrypoint.sh #=2 1=-v\n" {
		t.Errorf("output %q (the EXIT trap must not run at a hand-off)", got)
	}
	if want := []string{"app", "-v", "x y", "--extra"}; !slices.Equal(ho.Args, want) {
		t.Errorf("Args %q, want %q", ho.Args, want)
	}
	if ho.Dir != filepath.Join(dir, "sub") || ho.Umask != 0o077 {
		t.Errorf("Dir %q Umask %04o", ho.Dir, ho.Umask)
	}
	for _, kv := range []string{"FROM_SCRIPT=yes", "VIA_PREFIX=1"} {
		if !slices.Contains(ho.Env, kv) {
			t.Errorf("Env lacks %s: %q", kv, ho.Env)
		}
	}
	for _, kv := range ho.Env {
		if strings.HasPrefix(kv, "NOT_EXPORTED=") || strings.HasPrefix(kv, privPrefix) {
			t.Errorf("Env has %s", kv)
		}
	}
	if ho.Stdin != nil || ho.Stdout != nil || ho.Stderr != nil {
		t.Errorf("streams %v %v %v, want hookinit's own (nil)", ho.Stdin, ho.Stdout, ho.Stderr)
	}
}

func TestScriptHandoffRedirections(t *testing.T) {
	sh, dir, out := newTestShell(t, appOptions(t))
	src := "exec >log\necho to-log\nexec app 2>&1 <input\n"
	if err := os.WriteFile(filepath.Join(dir, "input"), []byte("in\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ho, code, err := runEntry(t, sh, dir, src)
	if ho == nil || code != 0 || err != nil {
		t.Fatalf("handoff %v code %d err %v output %q", ho, code, err, out())
	}
	if ho.Stdin == nil || ho.Stdout == nil || ho.Stderr == nil {
		t.Fatalf("streams %v %v %v", ho.Stdin, ho.Stdout, ho.Stderr)
	}
	// The files outlive the interpreter's redirection: the app can use them.
	if _, err := ho.Stderr.WriteString("from-app\n"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 3)
	if n, err := ho.Stdin.Read(b); err != nil || string(b[:n]) != "in\n" {
		t.Errorf("stdin read %q %v", b[:n], err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "log")); string(got) != "to-log\nfrom-app\n" {
		t.Errorf("log %q", got)
	}
	if got := out(); got != "" {
		t.Errorf("output %q", got)
	}
}

func TestScriptExecStaysLocal(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	src := `( exec echo in-subshell )
x=$(exec echo in-cmdsubst); echo "x=$x"
f() { exec echo "in-$1"; }
f pipe | cat
y=$(f func-cmdsubst); echo "y=$y"
exec echo in-job &
wait
exec
echo "still here"
exit 3
`
	ho, code, err := runEntry(t, sh, dir, src)
	if ho != nil || code != 3 || err != nil {
		t.Fatalf("handoff %v code %d err %v", ho, code, err)
	}
	if want := "in-subshell\nx=in-cmdsubst\nin-pipe\ny=in-func-cmdsubst\nin-job\nstill here\n"; out() != want {
		t.Errorf("output %q, want %q", out(), want)
	}
}

func TestScriptExecNotFound(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	ho, code, err := runEntry(t, sh, dir, "trap 'echo trap $?' EXIT\nexec no-such-app-x\necho not reached\n")
	if ho != nil || code != 127 || err != nil {
		t.Fatalf("handoff %v code %d err %v", ho, code, err)
	}
	// bash: "entrypoint.sh: line 2: exec: no-such-app-x: not found", and
	// its EXIT trap runs.
	if got := out(); !strings.HasSuffix(got, "line 2: exec: no-such-app-x: not found\ntrap 127\n") {
		t.Errorf("output %q", got)
	}
}

func TestScriptEndsWithoutExec(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	ho, code, err := runEntry(t, sh, dir, "trap 'echo bye $?' EXIT\necho hi\n(exit 4)\n")
	if ho != nil || code != 4 || err != nil || out() != "hi\nbye 4\n" {
		t.Errorf("handoff %v code %d err %v output %q", ho, code, err, out())
	}
}

func TestScriptRefused(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	for _, c := range []struct{ src, want string }{
		{"echo ran\ntrap '' TERM\n", "entrypoint.sh:2:1: trap '' TERM (ignoring a signal) is not supported"},
		{"echo ran\n( trap 'echo x' TERM; sleep 1 )\n", "entrypoint.sh:2:3: a trap on TERM set inside ( )"},
		{"echo ran\ntrap 'echo x' CHLD\n", "entrypoint.sh:2:1: trap on CHLD is not supported"},
		{"echo ran\ntrap 'read -n 1 y' TERM\n", "entrypoint.sh:2:1: trap action: read -n is not supported"},
		{"echo ran\nexec 3>&1\n", "entrypoint.sh:2:6: redirection of file descriptor 3"},
	} {
		ho, code, err := runEntry(t, sh, dir, c.src)
		var pe *ProblemsError
		if ho != nil || code != 2 || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) || out() != "" {
			t.Errorf("%q: handoff %v code %d err %v output %q", c.src, ho, code, err, out())
		}
		if probs := CheckScriptFile(filepath.Join(dir, "entrypoint.sh")); len(probs) != 1 || !strings.Contains(probs[0].String(), c.want) {
			t.Errorf("%q: CheckScriptFile %v", c.src, probs)
		}
	}
	// A trap on TERM is fine in an entrypoint, not in a hook.
	path := writeHook(t, dir, "ok.sh", "trap 'echo x' TERM INT\ntrap - TERM\n")
	if probs := CheckScriptFile(path); len(probs) != 0 {
		t.Errorf("CheckScriptFile: %v", probs)
	}
	if probs := checkScript(path, []byte("trap 'echo x' TERM\n")); len(probs) != 1 {
		t.Errorf("checkScript: %v", probs)
	}
	// At run time: a trap set in a function that runs in a copy of the shell.
	ho, code, err := runEntry(t, sh, dir, "f() { trap 'echo x' TERM; }\necho ran\nx=$(f)\necho not reached\n")
	var ue *unsupportedError
	if ho != nil || code != 2 || !errors.As(err, &ue) || !strings.HasPrefix(out(), "ran\n") || strings.Contains(out(), "not reached") {
		t.Errorf("dynamic: handoff %v code %d err %v output %q", ho, code, err, out())
	}
	if probs := CheckScriptFile(filepath.Join(dir, "missing.sh")); len(probs) != 1 {
		t.Errorf("missing file: %v", probs)
	}
}

func TestScriptJobs(t *testing.T) {
	sh, dir, out := newTestShell(t, appOptions(t))
	src := `sleep 100 & pid=$!
echo "$pid" > pidfile
case "$pid" in *[!0-9]*) echo "not a pid: $pid";; esac
kill -0 "$pid" && echo alive
kill "$pid"; wait "$pid"; echo "wait=$?"
{ sleep 100; } & g=$!
kill "$g"; wait "$g"; echo "compound=$?"
wait 12345678; echo "other=$?"
cat & wait $!; echo "cat=$?"
sh -c 'sleep 0.2; echo late > late' &
exec app
`
	ho, code, err := runEntry(t, sh, dir, src)
	if ho == nil || code != 0 || err != nil {
		t.Fatalf("handoff %v code %d err %v output %q", ho, code, err, out())
	}
	pid, _ := strconv.Atoi(waitFile(t, filepath.Join(dir, "pidfile")))
	if pid <= 0 {
		t.Errorf("pidfile holds %q", waitFile(t, filepath.Join(dir, "pidfile")))
	}
	got := out()
	if !strings.HasPrefix(got, "alive\nwait=143\ncompound=143\n") || !strings.Contains(got, "wait: pid 12345678 is not a child of this shell\nother=127\n") || !strings.HasSuffix(got, "cat=0\n") {
		t.Errorf("output %q", got)
	}
	// The job outlives the hand-off.
	if got := waitFile(t, filepath.Join(dir, "late")); got != "late" {
		t.Errorf("late %q", got)
	}
}

func TestScriptStdin(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.WriteFile(in, []byte("line1\nline2\nline3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	o := appOptions(t)
	o.Stdin = stdin
	sh, hdir, out := newTestShell(t, o)
	// read reads one line, head the next; a & job reads /dev/null.
	ho, code, err := runEntry(t, sh, hdir, "read -r a; echo \"a=$a\"\nhead -n 1\ncat & wait\nexec app\n")
	if ho == nil || code != 0 || err != nil || out() != "a=line1\nline2\n" {
		t.Fatalf("handoff %v code %d err %v output %q", ho, code, err, out())
	}
	// The app gets what is left.
	rest := make([]byte, 100)
	n, _ := stdin.Read(rest)
	if ho.Stdin != nil || string(rest[:n]) != "line3\n" {
		t.Errorf("handoff stdin %v, rest %q", ho.Stdin, rest[:n])
	}
}

// startEntry runs an entrypoint in the background; the channel yields its
// result.
type entryResult struct {
	ho   *Handoff
	code int
	err  error
}

func startEntry(t *testing.T, sh *Shell, ctx context.Context, path string) <-chan entryResult {
	res := make(chan entryResult, 1)
	go func() {
		ho, code, err := sh.RunScript(ctx, path, nil)
		res <- entryResult{ho, code, err}
	}()
	return res
}

func waitEntry(t *testing.T, res <-chan entryResult) entryResult {
	t.Helper()
	select {
	case r := <-res:
		if r.ho != nil {
			t.Cleanup(func() { r.ho.Close() })
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("RunScript did not return")
	}
	return entryResult{}
}

func TestScriptSignalNoTrap(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	// No trap: the foreground command and the & job get TERM; INT reaches
	// the foreground command only (a job ignores it in bash).
	path := writeHook(t, dir, "e.sh", `sh -c 'trap "echo job got INT" INT; trap "echo job got TERM; exit 0" TERM; touch job.ready; while :; do sleep 0.02; done' &
sh -c 'trap "echo fg got INT" INT; trap "echo fg got TERM; exit 7" TERM; touch ready; while :; do sleep 0.02; done'
echo "fg=$?"
wait
`)
	res := startEntry(t, sh, context.Background(), path)
	waitFile0(t, filepath.Join(dir, "ready"))
	waitFile0(t, filepath.Join(dir, "job.ready"))
	if sh.Signal(syscall.SIGINT) {
		t.Error("Signal says trapped")
	}
	time.Sleep(100 * time.Millisecond)
	sh.Signal(syscall.SIGTERM)
	r := waitEntry(t, res)
	got := out()
	if r.code != 0 || r.err != nil || strings.Contains(got, "job got INT") || !strings.Contains(got, "fg got INT\n") ||
		!strings.Contains(got, "fg got TERM\n") || !strings.Contains(got, "job got TERM\n") || !strings.Contains(got, "fg=7\n") {
		t.Errorf("code %d err %v output %q", r.code, r.err, got)
	}
}

// waitFile0 waits until path exists.
func waitFile0(t *testing.T, path string) {
	t.Helper()
	for range 1000 {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never created", path)
}

func TestScriptTrapForeground(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	// bash as PID 1: the trap runs once the foreground command is over (it
	// does not get the signal), with $? its status; then the script goes
	// on unless the action exits.
	path := writeHook(t, dir, "e.sh", `trap 'echo "trap $?"' TERM
trap 'echo "cleanup $?"; exit 3' INT
sh -c 'trap "echo fg got TERM" TERM; touch ready; while [ ! -e go ]; do sleep 0.02; done; exit 5'
echo "after $?" >&2
rm ready
sh -c 'touch ready; while [ ! -e go2 ]; do sleep 0.02; done'
echo not reached
`)
	res := startEntry(t, sh, context.Background(), path)
	waitFile0(t, filepath.Join(dir, "ready"))
	if !sh.Signal(syscall.SIGTERM) {
		t.Error("Signal says not trapped")
	}
	time.Sleep(100 * time.Millisecond)
	touch(t, filepath.Join(dir, "go"))
	for {
		time.Sleep(10 * time.Millisecond)
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil && strings.Contains(out(), "after") {
			break
		}
	}
	sh.Signal(syscall.SIGINT)
	touch(t, filepath.Join(dir, "go2"))
	r := waitEntry(t, res)
	if got := out(); r.code != 3 || r.err != nil || got != "trap 5\nafter 5\ncleanup 0\n" {
		t.Errorf("code %d err %v output %q", r.code, r.err, got)
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScriptTrapWait(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	// The classic entrypoint that forwards TERM to its app by hand: the app
	// gets TERM once, from the trap; wait returns 143 at once.
	path := writeHook(t, dir, "e.sh", `term() { echo "trap: wait gave $?"; kill -TERM "$child"; }
trap term TERM
sh -c 'trap "exit 0" TERM; touch ready; while :; do sleep 0.02; done' &
child=$!
wait "$child"
echo "first wait $?"
trap - TERM
wait "$child"
echo "app exited $?"
`)
	res := startEntry(t, sh, context.Background(), path)
	waitFile0(t, filepath.Join(dir, "ready"))
	start := time.Now()
	if !sh.Signal(syscall.SIGTERM) {
		t.Error("Signal says not trapped")
	}
	r := waitEntry(t, res)
	if got := out(); r.code != 0 || r.err != nil || got != "trap: wait gave 143\nfirst wait 143\napp exited 0\n" || time.Since(start) > 2*time.Second {
		t.Errorf("code %d err %v output %q after %v", r.code, r.err, got, time.Since(start))
	}
}

func TestScriptTrapAtEndAndSelf(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	// kill -TERM $$ reaches the script's trap; a trap still pending when
	// the script ends runs before the EXIT trap.
	ho, code, err := runEntry(t, sh, dir, "trap 'echo term' TERM\ntrap 'echo exit $?' EXIT\nkill -TERM $$\necho after\n(exit 6)\nkill -s TERM $$\n")
	if ho != nil || code != 0 || err != nil || out() != "term\nafter\nterm\nexit 0\n" {
		t.Errorf("handoff %v code %d err %v output %q", ho, code, err, out())
	}
	before := len(out())
	ho, code, err = runEntry(t, sh, dir, "trap 'echo x' HUP INT TERM\ntrap 'echo y' 1\ntrap\n")
	if want := "trap -- 'echo y' SIGHUP\ntrap -- 'echo x' SIGINT\ntrap -- 'echo x' SIGTERM\n"; ho != nil || code != 0 || err != nil || out()[before:] != want {
		t.Errorf("handoff %v code %d err %v output %q", ho, code, err, out()[before:])
	}
}

func TestScriptCancel(t *testing.T) {
	for _, callerStops := range []bool{false, true} {
		sh, dir, out := newTestShell(t, ShellOptions{CallerStops: callerStops})
		path := writeHook(t, dir, "e.sh", "sh -c 'trap \"echo got TERM; exit 1\" TERM; echo $$ > pid; while :; do sleep 0.02; done'\necho not reached\n")
		ctx, cancel := context.WithCancel(context.Background())
		res := startEntry(t, sh, ctx, path)
		pid, _ := strconv.Atoi(waitFile(t, filepath.Join(dir, "pid")))
		cancel()
		time.Sleep(200 * time.Millisecond)
		if callerStops {
			// The caller signals: nothing was sent yet.
			if strings.Contains(out(), "got TERM") {
				t.Errorf("CallerStops: the shell sent TERM; output %q", out())
			}
			sh.Close()
			time.Sleep(100 * time.Millisecond)
			if strings.Contains(out(), "got TERM") {
				t.Errorf("CallerStops: Close sent TERM; output %q", out())
			}
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
		r := waitEntry(t, res)
		if got := out(); !errors.Is(r.err, context.Canceled) || !strings.HasSuffix(got, "got TERM\n") {
			t.Errorf("CallerStops=%v: code %d err %v output %q", callerStops, r.code, r.err, got)
		}
	}
}

// TestSignalDuringStart: a signal sent while a process is being started
// reaches it (it used to be lost when the process did not yet count as
// the hook's).
func TestSignalDuringStart(t *testing.T) {
	st := &gateStarter{testStarter: newTestStarter(t), gate: make(chan struct{}), in: make(chan struct{}, 1)}
	sh, dir, _ := newTestShell(t, ShellOptions{})
	sh.st = st
	path := writeHook(t, dir, "s.sh", "sleep 100\necho rc=$? > rc\n")
	res := make(chan int, 1)
	go func() {
		code, _ := sh.Run(context.Background(), path, Interpret)
		res <- code
	}()
	<-st.in // the process exists, its start has not returned
	sh.Signal(syscall.SIGTERM)
	close(st.gate)
	select {
	case <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("the signal was lost")
	}
	if got := waitFile(t, filepath.Join(dir, "rc")); got != "rc=143" {
		t.Errorf("rc %q", got)
	}
}

// gateStarter holds Start after the fork until gate is closed.
type gateStarter struct {
	*testStarter
	gate chan struct{}
	in   chan struct{}
}

func (g *gateStarter) Start(c *Command) (Process, error) {
	p, err := g.testStarter.Start(c)
	select {
	case g.in <- struct{}{}:
	default:
	}
	<-g.gate
	return p, err
}

// TestFuncnameBashSourceLikeBash compares FUNCNAME and BASH_SOURCE with
// bash's, through functions, sourced files, eval and copies of the shell;
// _is_sourced is the test the official postgres and mysql entrypoints
// make.
func TestFuncnameBashSourceLikeBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	dir := t.TempDir()
	writeHook(t, dir, "lib.sh", `echo "lib top: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}] n=${#FUNCNAME[@]}"
g() { echo "g: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}] 0=${FUNCNAME[0]} 1=${FUNCNAME[1]} last=${FUNCNAME[-1]}"; }
g
return 3
echo not reached
`)
	main := writeHook(t, dir, "main.sh", `echo "top: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}] one=$BASH_SOURCE set=${FUNCNAME+yes}"
f() { echo "f: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}]"; g; }
. ./lib.sh; echo "rc=$?"
echo "back: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}]"
f
k() { . ./lib.sh; echo "k: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}]"; }
k
eval 'e() { echo "e: F=[${FUNCNAME[*]}] S=[${BASH_SOURCE[*]}]"; }'
e
( echo "sub: S=[${BASH_SOURCE[*]}]"; f )
echo "$(f)"
f &
wait
r() ( echo "r: F=[${FUNCNAME[*]}]" )
r
FUNCNAME=x BASH_SOURCE=y; echo "after assign: [${FUNCNAME[*]}] $BASH_SOURCE"
_is_sourced() {
	# https://unix.stackexchange.com/a/215279
	[ "${#FUNCNAME[@]}" -ge 2 ] \
		&& [ "${FUNCNAME[0]}" = '_is_sourced' ] \
		&& [ "${FUNCNAME[1]}" = 'source' ]
}
if ! _is_sourced; then echo "run, not sourced"; fi
`)
	cmd := exec.Command(bash, main)
	cmd.Dir = dir
	want, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, want)
	}
	sh, _, out := newTestShell(t, ShellOptions{Dir: dir})
	ho, code, err := sh.RunScript(context.Background(), main, nil)
	if ho != nil || code != 0 || err != nil || out() != string(want) {
		t.Errorf("handoff %v code %d err %v\n--- hookinit\n%s\n--- bash\n%s", ho, code, err, out(), want)
	}
	// The same in a hook.
	before := len(out())
	if code, err := sh.Run(context.Background(), main, Interpret); code != 0 || err != nil || out()[before:] != string(want) {
		t.Errorf("hook: code %d err %v\n--- hookinit\n%s\n--- bash\n%s", code, err, out()[before:], want)
	}
}

// TestScriptSignalNotHooks: while a script runs, it stands for the app:
// Signal reaches its processes, not what hooks left running; Traps says
// whether its trap would take a signal.
func TestScriptSignalNotHooks(t *testing.T) {
	sh, dir, out := newTestShell(t, ShellOptions{})
	hook := writeHook(t, dir, "10-bg.sh", "sh -c 'trap \"echo hook got HUP\" HUP; touch hook.ready; while :; do sleep 0.02; done' &\n")
	if code, err := sh.Run(context.Background(), hook, Interpret); code != 0 || err != nil {
		t.Fatalf("hook: %d %v", code, err)
	}
	path := writeHook(t, dir, "e.sh", `trap 'echo script trap' USR1
sh -c 'trap "echo script got HUP; exit 0" HUP; touch ready; while :; do sleep 0.02; done'
`)
	res := startEntry(t, sh, context.Background(), path)
	waitFile0(t, filepath.Join(dir, "ready"))
	waitFile0(t, filepath.Join(dir, "hook.ready"))
	if !sh.Traps(syscall.SIGUSR1) || sh.Traps(syscall.SIGHUP) || sh.Traps(syscall.SIGTERM) {
		t.Errorf("Traps: USR1 %v HUP %v TERM %v", sh.Traps(syscall.SIGUSR1), sh.Traps(syscall.SIGHUP), sh.Traps(syscall.SIGTERM))
	}
	sh.Signal(syscall.SIGHUP)
	r := waitEntry(t, res)
	time.Sleep(100 * time.Millisecond)
	if got := out(); r.code != 0 || r.err != nil || !strings.Contains(got, "script got HUP") || strings.Contains(got, "hook got HUP") {
		t.Errorf("code %d err %v output %q", r.code, r.err, got)
	}
	if sh.Traps(syscall.SIGUSR1) {
		t.Error("Traps after the script ended")
	}
}

// TestPrintfQLikeBash compares printf %q (which the embedded shell gets
// from hookinit) with bash's, in the C locale and in a UTF-8 one.
func TestPrintfQLikeBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	args := []string{"", "plain", "a b", "it's", `back\slash`, "a\nb", "\t", "\x01x", "#x", "a#b", "~", "~/x", "a=~b",
		"x:~y", "=~", "é", "a\x80", "é\n", "\x1b[0m", "\x7f", "-c listen_addresses=''", "$HOME", "*?[]", "{a,b}", "a;b|c&d",
		"(x)", "<>", "!", "`cmd`", "\"q\"", "^x", ",", "%s", "\u00a0", "日本"}
	for _, locale := range []string{"C", "C.UTF-8"} {
		for _, c := range []struct {
			format string
			args   []string
		}{
			{"%q\n", args}, {"%q ", args}, {"[%q|%s]\n", args}, {"%5q|%-4q|\n", args}, {"%s=%q\n", args},
			{"%q|%d|%q|%s.\n", []string{"a b"}}, {"%q|%q\n", nil}, {"%d %q\n", []string{"7", "x y", "8"}},
			{"[%6s|%-6s|%3s|%-2d|%4x]\n", []string{"é", "日本", "toolong", "5", "255"}}, {"%% %s %5q\n", []string{"a", "b"}},
		} {
			cmd := exec.Command(bash, append([]string{"-c", `printf "$FMT" "$@"`, "bash"}, c.args...)...)
			cmd.Env = []string{"LC_ALL=" + locale, "FMT=" + c.format, "PATH=" + os.Getenv("PATH")}
			want, err := cmd.Output()
			if err != nil {
				t.Fatalf("bash: %v", err)
			}
			sh, dir, out := newTestShell(t, ShellOptions{Env: cmd.Env})
			ho, code, err := runEntry(t, sh, dir, `printf "$FMT" "$@"`+"\n", c.args...)
			if ho != nil || code != 0 || err != nil || out() != string(want) {
				t.Errorf("LC_ALL=%s %q: code %d err %v\nhookinit %q\nbash     %q", locale, c.format, code, err, out(), want)
			}
		}
	}
}

// TestReadDelimLikeBash compares read (which hookinit implements: the
// interpreter has no -d and splits differently) with bash's, over IFS
// values, inputs with and without the delimiter and with backslashes, with
// and without -r, one or more names, -a and REPLY.
func TestReadDelimLikeBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	show := `; echo "s=$? a=[$a] b=[$b] c=[$c] r=[$REPLY] arr=${#arr[@]}[${arr[*]}]"` + "\n"
	var src strings.Builder
	for _, ifs := range []string{"unset IFS", "IFS=", "IFS=:", "IFS=' :'", "IFS=$'\\n'"} {
		for _, in := range []string{`'x y  z'`, `$'  lead\ttab \n next\n\n'`, `'a::b:'`, `' a : b : '`, `'one:'`, `''`, `$'l1\nl2\n'`,
			`'a\ b\:c d\\e'`, `$'one\\\ntwo three\n'`, `'x\'`, `'p:q\:'`} {
			fmt.Fprintf(&src, "%s; a=; b=; c=; REPLY=; arr=()\n", ifs)
			for _, read := range []string{
				"read -r -d '' a", "read -r -d '' a b", "read -r -d '' a b c", "read -rd : a b", "read -r -d '' -a arr",
				"read -r -d ''", "read -r -d x a", "read a b", "read -r a b c", "read -a arr", "read", "read -d : a",
			} {
				fmt.Fprintf(&src, "printf %%s %s | { %s%s; }\n", in, read, strings.TrimSuffix(show, "\n"))
			}
		}
	}
	src.WriteString("read -r -d '' sql <<-EOSQL || true\n\tCREATE USER 'root' ;\n\tGRANT ALL ;\nEOSQL\necho \"[$sql]\"\n")
	src.WriteString("printf 'a\\0b c\\0' | while IFS= read -r -d '' f; do echo \"f=[$f]\"; done\n")
	dir := t.TempDir()
	path := writeHook(t, dir, "r.sh", src.String())
	want, err := exec.Command(bash, path).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, want)
	}
	sh, _, out := newTestShell(t, ShellOptions{})
	if code, err := sh.Run(context.Background(), path, Interpret); code != 0 || err != nil || out() != string(want) {
		got := strings.Split(out(), "\n")
		for i, w := range strings.Split(string(want), "\n") {
			if i >= len(got) || got[i] != w {
				t.Errorf("line %d: hookinit %q, bash %q", i+1, got[min(i, len(got)-1)], w)
				break
			}
		}
		t.Errorf("code %d err %v", code, err)
	}

}
