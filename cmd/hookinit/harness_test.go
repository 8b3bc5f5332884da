package main

// The harness the end-to-end tests share. TestMain builds hookinit and the
// helper programs of testdata/apps once per `go test` run; the tests run the
// real binary, directly (a child subreaper under the test), as PID 1 of a new
// PID namespace, or under a PID 1 that never reaps, and judge it by what a
// user sees: exit codes, output, what reached the app, and what is left in
// /proc.

import (
	"bytes"
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

	"golang.org/x/sys/unix"
)

// bin holds the paths of the binaries TestMain built.
var bin struct {
	hookinit string
	// hookinitPlain is hookinit built without the race detector, whose
	// start-up is several times slower: for the tests about what happens in
	// the first milliseconds.
	hookinitPlain string
	sigrec        string // records the signals it receives (testdata/apps/sigrec)
	orphans       string // leaves orphans behind (testdata/apps/orphans)
	noreap        string // a PID 1 that never reaps (testdata/apps/noreap)
	sigstate      string // starts a command with signals blocked or ignored (testdata/apps/sigstate)
}

// raceBuild is set by race_test.go when the tests run with -race; hookinit is
// then built with the race detector too, so a data race in it fails the run.
var raceBuild bool

func TestMain(m *testing.M) {
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "hookinit-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	builds := [][]string{
		{"build", "-o", filepath.Join(dir, "plain", "hookinit"), "."},
		{"build", "-o", dir + "/", "../../testdata/apps/..."},
	}
	bin.hookinit = filepath.Join(dir, "plain", "hookinit")
	bin.hookinitPlain = bin.hookinit
	if raceBuild {
		builds = append(builds, []string{"build", "-race", "-o", filepath.Join(dir, "hookinit"), "."})
		bin.hookinit = filepath.Join(dir, "hookinit")
	}
	if raceBuild {
		// The race runtime sleeps a second at exit by default.
		os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	for _, b := range builds {
		cmd := exec.Command("go", b...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("go %s: %v\n%s", strings.Join(b, " "), err, out)
		}
	}
	bin.sigrec = filepath.Join(dir, "sigrec")
	bin.orphans = filepath.Join(dir, "orphans")
	bin.noreap = filepath.Join(dir, "noreap")
	bin.sigstate = filepath.Join(dir, "sigstate")
	return m.Run(), nil
}

// mode is how hookinit is started.
type mode int

const (
	// direct: a child of the test; not PID 1, so a child subreaper.
	direct mode = iota
	// pid1: PID 1 of a new PID namespace (unshare --pid --fork --mount-proc).
	pid1
	// underNoReap: not PID 1, in a PID namespace whose PID 1 never reaps
	// (testdata/apps/noreap): orphans that hookinit does not adopt stay
	// zombies there forever.
	underNoReap
)

var allModes = []mode{direct, pid1, underNoReap}

func (m mode) String() string {
	return [...]string{"direct", "pid1", "under-noreap"}[m]
}

// argv is how mode starts hookinit with args.
func (m mode) argv(args []string) []string {
	unshare := []string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}
	switch m {
	case pid1:
		return slices.Concat(unshare, []string{bin.hookinit}, args)
	case underNoReap:
		return slices.Concat(unshare, []string{bin.noreap, bin.hookinit}, args)
	}
	return slices.Concat([]string{bin.hookinit}, args)
}

// opts are the optional parts of a run.
type opts struct {
	dir        string   // working directory; default a fresh temp dir
	env        []string // environment; default the test's
	stdin      *os.File // default /dev/null
	stdout     *os.File // default: captured
	stderr     *os.File // default: captured
	extraFiles []*os.File
	sys        *syscall.SysProcAttr
}

// instance is one hookinit process started by a test.
type instance struct {
	t      *testing.T
	mode   mode
	cmd    *exec.Cmd
	start  time.Time
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	state  *os.ProcessState
	// pidCache is hookinit's pid as the test sees it.
	pidCache int
}

// start starts hookinit with args in mode m.
func start(t *testing.T, m mode, args ...string) *instance {
	t.Helper()
	return startWith(t, m, opts{}, args...)
}

func startWith(t *testing.T, m mode, o opts, args ...string) *instance {
	t.Helper()
	return startArgv(t, m, o, m.argv(args)...)
}

// startArgv starts argv, which starts hookinit as mode m says (or, for a
// comparison, does not start it at all).
func startArgv(t *testing.T, m mode, o opts, argv ...string) *instance {
	t.Helper()
	r := &instance{t: t, mode: m, done: make(chan struct{})}
	r.cmd = exec.Command(argv[0], argv[1:]...)
	r.cmd.Dir = o.dir
	if r.cmd.Dir == "" {
		r.cmd.Dir = t.TempDir()
	}
	r.cmd.Env = o.env
	if o.stdin != nil {
		r.cmd.Stdin = o.stdin
	}
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if o.stdout != nil {
		r.cmd.Stdout = o.stdout
	}
	if o.stderr != nil {
		r.cmd.Stderr = o.stderr
	}
	r.cmd.ExtraFiles = o.extraFiles
	r.cmd.SysProcAttr = o.sys
	// Orphans of a failed run may hold the output pipes open.
	r.cmd.WaitDelay = 5 * time.Second
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting %v: %v", argv, err)
	}
	go func() {
		_ = r.cmd.Wait()
		r.state = r.cmd.ProcessState
		close(r.done)
	}()
	root := r.cmd.Process.Pid
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			killTree(root)
			<-r.done
		}
		// Whatever a failed run left behind.
		killTree(root)
	})
	return r
}

// wait waits at most timeout for hookinit to exit and returns its exit code
// the way a shell reports it: 128+n when signal n killed it. Output that
// shows a panic or a data race fails the test.
func (r *instance) wait(timeout time.Duration) int {
	r.t.Helper()
	if !r.waitDone(timeout) {
		r.t.Fatalf("hookinit %v still running after %v\nstdout: %s\nstderr: %s\nprocesses: %s",
			r.cmd.Args, timeout, r.stdout.String(), r.stderr.String(), describeTree(r.cmd.Process.Pid))
	}
	r.checkStderr()
	return shellCode(r.state)
}

// waitDone waits at most timeout for hookinit to exit, and reports whether
// it has.
func (r *instance) waitDone(timeout time.Duration) bool {
	select {
	case <-r.done:
		return true
	default:
	}
	select {
	case <-r.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// exited reports whether hookinit has exited.
func (r *instance) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func (r *instance) elapsed() time.Duration { return time.Since(r.start) }

// checkStderr fails the test on the signs of a crash in hookinit's output.
func (r *instance) checkStderr() {
	r.t.Helper()
	s := r.stderr.String()
	for _, bad := range []string{"panic:", "fatal error:", "WARNING: DATA RACE", "goroutine "} {
		if strings.Contains(s, bad) {
			r.t.Errorf("hookinit's stderr shows %q:\n%s", bad, s)
		}
	}
}

// shellCode is what a shell reports for state: the exit status, or 128+n
// when signal n killed the process.
func shellCode(state *os.ProcessState) int {
	ws := state.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// pid is hookinit's pid as the test sees it: the test's child when run
// directly, else the process named hookinit below unshare.
func (r *instance) pid() int {
	r.t.Helper()
	if r.pidCache != 0 {
		return r.pidCache
	}
	if r.mode == direct {
		r.pidCache = r.cmd.Process.Pid
		return r.pidCache
	}
	waitFor(r.t, 10*time.Second, "hookinit to start in its namespace", func() bool {
		for _, p := range subtree(r.cmd.Process.Pid) {
			if p.comm == "hookinit" {
				r.pidCache = p.pid
				return true
			}
		}
		return false
	})
	return r.pidCache
}

// signal sends sig to hookinit.
func (r *instance) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := unix.Kill(r.pid(), sig); err != nil {
		r.t.Fatalf("kill %d %v: %v", r.pid(), sig, err)
	}
}

// runHookinit runs hookinit to the end (at most 30 s) and returns its exit
// code and output.
func runHookinit(t *testing.T, m mode, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runWith(t, m, opts{}, args...)
}

func runWith(t *testing.T, m mode, o opts, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	r := startWith(t, m, o, args...)
	code = r.wait(30 * time.Second)
	return code, r.stdout.String(), r.stderr.String()
}

// runPlain runs argv without hookinit, for comparison.
func runPlain(t *testing.T, o opts, argv ...string) (code int, stdout, stderr string) {
	t.Helper()
	r := startArgv(t, direct, o, argv...)
	code = r.wait(30 * time.Second)
	return code, r.stdout.String(), r.stderr.String()
}

// waitFor polls cond every 10 ms until it holds, and fails the test when it
// does not within timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the copying goroutine of exec.Cmd
// and a test reading it meanwhile.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// --- /proc ---

// procInfo is what /proc/PID/stat says about a process.
type procInfo struct {
	pid, ppid, pgrp, tpgid int
	state                  byte // R, S, D, T, Z, …
	comm                   string
}

func readStat(pid int) (procInfo, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, false
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procInfo{}, false
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 6 {
		return procInfo{}, false
	}
	p := procInfo{pid: pid, comm: s[open+1 : end], state: f[0][0]}
	p.ppid, _ = strconv.Atoi(f[1])
	p.pgrp, _ = strconv.Atoi(f[2])
	p.tpgid, _ = strconv.Atoi(f[5])
	return p, true
}

func allProcs() []procInfo {
	entries, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if p, ok := readStat(pid); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// subtree lists the processes below root (root excluded), parents before
// their children.
func subtree(root int) []procInfo {
	kids := map[int][]procInfo{}
	for _, p := range allProcs() {
		kids[p.ppid] = append(kids[p.ppid], p)
	}
	var out []procInfo
	queue := []int{root}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, k := range kids[next] {
			out = append(out, k)
			queue = append(queue, k.pid)
		}
	}
	return out
}

// zombies counts the zombies below root.
func zombies(root int) int {
	n := 0
	for _, p := range subtree(root) {
		if p.state == 'Z' {
			n++
		}
	}
	return n
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	p, ok := readStat(pid)
	return ok && p.state != 'Z'
}

// findBelow returns the first process below root whose command name is comm.
func findBelow(root int, comm string) (procInfo, bool) {
	for _, p := range subtree(root) {
		if p.comm == comm {
			return p, true
		}
	}
	return procInfo{}, false
}

// waitBelow waits until a process named comm runs below hookinit, and
// returns it.
func (r *instance) waitBelow(comm string) procInfo {
	r.t.Helper()
	var p procInfo
	waitFor(r.t, 10*time.Second, comm+" below hookinit", func() bool {
		var ok bool
		p, ok = findBelow(r.pid(), comm)
		return ok
	})
	return p
}

func describeTree(root int) string {
	var b strings.Builder
	for _, p := range subtree(root) {
		fmt.Fprintf(&b, "\n  pid %d ppid %d pgrp %d %c %s", p.pid, p.ppid, p.pgrp, p.state, p.comm)
	}
	return b.String()
}

// killTree SIGKILLs root and everything below it.
func killTree(root int) {
	for range 3 {
		procs := subtree(root)
		_ = unix.Kill(root, unix.SIGKILL)
		for _, p := range procs {
			_ = unix.Kill(p.pid, unix.SIGKILL)
		}
		if len(procs) == 0 {
			return
		}
	}
}

// --- the signal recorder ---

// recorder is an instance of testdata/apps/sigrec: the files it writes.
type recorder struct {
	out, ready string
}

func newRecorder(t *testing.T) recorder {
	dir := t.TempDir()
	return recorder{out: filepath.Join(dir, "signals"), ready: filepath.Join(dir, "ready")}
}

// argv is the command line that starts the recorder, followed by extra
// flags (-exit-on, -child-out).
func (r recorder) argv(extra ...string) []string {
	return append([]string{bin.sigrec, "-out", r.out, "-ready", r.ready}, extra...)
}

// waitReady waits until the recorder catches signals and returns its pid as
// it sees itself (its namespace's pid).
func (r recorder) waitReady(t *testing.T) int {
	t.Helper()
	var pid int
	waitFor(t, 20*time.Second, "the signal recorder to be ready", func() bool {
		b, err := os.ReadFile(r.ready)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(string(b))
		return err == nil
	})
	return pid
}

// signals is what the recorder has received so far, in order.
func (r recorder) signals() []syscall.Signal {
	b, _ := os.ReadFile(r.out)
	var out []syscall.Signal
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, syscall.Signal(n))
		}
	}
	return out
}

// waitCount waits until the recorder has received n signals.
func (r recorder) waitCount(t *testing.T, n int) []syscall.Signal {
	t.Helper()
	var got []syscall.Signal
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = r.signals()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recorder received %s, want %d signals", sigNames(got), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sigNames(sigs []syscall.Signal) string {
	names := make([]string, len(sigs))
	for i, s := range sigs {
		names[i] = sigName(s)
	}
	return "[" + strings.Join(names, " ") + "]"
}

func sigName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return "signal " + strconv.Itoa(int(s))
}

// touch creates an empty file.
func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sh is the shell command line that runs script with args ($0, $1, …).
func sh(script string, args ...string) []string {
	return append([]string{"sh", "-c", script}, args...)
}
