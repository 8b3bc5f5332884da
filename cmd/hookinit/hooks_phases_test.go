package main

// End-to-end tests for the hook phases (issue 3): pre-start failures and
// signals, post-start after the app and after --ready, background
// supervision and stopping, and what hooks leave behind. The hook trees
// are built in temporary directories by each test; hooks_test.go has the
// helpers.

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// trappingApp logs "app", then runs until SIGTERM, on which it logs
// "app-term" and exits 0.
var trappingApp = sh(`trap '` + logLine("app-term") + `; exit 0' TERM
` + logLine("app") + `
while :; do sleep 0.05; done`)

// waitApp is a hook's wait (with builtins and grep) until trappingApp has
// logged "app": its trap is set, so a SIGTERM is sure to show as app-term.
const waitApp = `i=0; until grep -qx app "$HOOKINIT_TEST_LOG"; do i=$((i+1)); [ $i -lt 2000 ] || exit 98; sleep 0.01; done
`

// execHook is an executable hook (not run by the embedded shell) that
// executes argv.
func execHook(argv ...string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + a + "'"
	}
	return "#!/bin/sh\nexec " + strings.Join(q, " ") + "\n"
}

// A failing pre-start hook stops start-up with its exit code (128+n when a
// signal killed it); later hooks and the app never run, and stderr names
// the hook and the code.
func TestPreStartFailure(t *testing.T) {
	t.Parallel()
	fail := logLine("fail")
	for _, c := range []struct {
		name, file, body string
		want             int
	}{
		{"exit 7", "20-fail.sh", fail + "\nexit 7\n", 7},
		{"exit 7, executed", "20-fail", "#!/bin/sh\n" + fail + "\nexit 7\n", 7},
		{"exit 4 in an envsh", "20-fail.envsh", fail + "\nexit 4\n", 4},
		{"set -e", "20-fail.sh", "set -e\n" + fail + "\nfalse\n" + logLine("after false") + "\n", 1},
		{"command not found", "20-fail.sh", fail + "\nno-such-command-here\n", 127},
		{"its command killed by SIGKILL", "20-fail.sh", fail + "\nsh -c 'kill -KILL $$'\n", 128 + 9},
		{"killed by SIGUSR2, executed", "20-fail", "#!/bin/sh\n" + fail + "\nkill -USR2 $$\nsleep 5\n", 128 + 12},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := hookRoot(t, map[string]string{
				"10-ok.sh":    logLine("ok"),
				c.file:        c.body,
				"30-later.sh": logLine("later"),
			})
			lg := newHookLog(t)
			code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, append([]string{"--hooks", root}, appLogs("app")...)...)
			if code != c.want {
				t.Errorf("exit %d, want %d\nstderr: %s", code, c.want, stderr)
			}
			if got := lg.lines(); !slices.Equal(got, []string{"ok", "fail"}) {
				t.Errorf("the log is %q, want [ok fail]: nothing after the failing hook", got)
			}
			want := fmt.Sprintf("pre-start hook %s failed with exit code %d", filepath.Join(root, c.file), c.want)
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr)
			}
		})
	}
}

// A pre-start hook can also hang inside hookinit itself, with no process
// of its own: the embedded shell opening a FIFO that nobody opens for
// writing. A stop signal still ends start-up at once with 128+n.
func TestPreStartStopSignalHookStuckInShell(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			fifo := filepath.Join(t.TempDir(), "fifo")
			if err := unix.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			root := hookRoot(t, map[string]string{"10-read.sh": logLine("started") + "\nread -r x <'" + fifo + "'\n"})
			lg := newHookLog(t)
			r := startWith(t, m, opts{env: lg.env()}, slices.Concat([]string{"--hooks", root}, appLogs("app"))...)
			lg.wait(t, "started")
			time.Sleep(100 * time.Millisecond) // into the open
			r.signal(unix.SIGTERM)
			if code := r.wait(10 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143\nstderr: %s", code, r.stderr.String())
			}
			if lg.has("app") {
				t.Error("the app ran")
			}
		})
	}
}

// A stop signal during a hanging pre-start hook (`sleep 100 & sleep 100`)
// ends hookinit promptly with 128+n; no process of the hook is left, later
// hooks and the app never run. A hook that ignores SIGTERM (and passed
// that on to its sleeps) gets SIGKILL after --grace.
func TestPreStartStopSignal(t *testing.T) {
	t.Parallel()
	hang := logLine("started") + "\nsleep 100 & sleep 100\n"
	for _, c := range []struct {
		name, file, body string
		// grace is --grace; the hook holds out that long.
		grace time.Duration
	}{
		{"interpreted", "10-hang.sh", hang, 0},
		{"executed", "10-hang", "#!/bin/sh\n" + hang, 0},
		{"executed, ignores TERM", "10-hang", "#!/bin/sh\ntrap '' TERM\n" + hang, time.Second},
	} {
		for _, m := range []mode{direct, pid1} {
			t.Run(c.name+"/"+m.String(), func(t *testing.T) {
				t.Parallel()
				root := hookRoot(t, map[string]string{c.file: c.body, "20-later.sh": logLine("later")})
				lg := newHookLog(t)
				args := []string{"--hooks", root}
				if c.grace > 0 {
					args = append(args, "--grace", c.grace.String())
				}
				r := startWith(t, m, opts{env: lg.env()}, append(args, appLogs("app")...)...)
				lg.wait(t, "started")
				var hook []procInfo
				waitFor(t, 10*time.Second, "both sleeps of the hook", func() bool {
					hook = subtree(r.pid())
					n := 0
					for _, p := range hook {
						if p.comm == "sleep" {
							n++
						}
					}
					return n == 2
				})
				sent := time.Now()
				r.signal(unix.SIGTERM)
				if code := r.wait(15 * time.Second); code != 143 {
					t.Errorf("exit %d, want 143\nstderr: %s", code, r.stderr.String())
				}
				took := time.Since(sent)
				if took > c.grace+3*time.Second || took < c.grace {
					t.Errorf("hookinit exited %v after SIGTERM, want between %v and %v", took, c.grace, c.grace+3*time.Second)
				}
				if got := lg.lines(); !slices.Equal(got, []string{"started"}) {
					t.Errorf("the log is %q, want [started]: nothing after the hook", got)
				}
				if !strings.Contains(r.stderr.String(), "SIGTERM during pre-start hook "+filepath.Join(root, c.file)) {
					t.Errorf("stderr does not name the signal and the hook:\n%s", r.stderr.String())
				}
				checkGone(t, m, hook)
			})
		}
	}
}

// checkGone fails the test for each of procs that is still running once
// hookinit has exited. Run as PID 1 (or under noreap), there is nothing to
// check: the PID namespace ends with it.
func checkGone(t *testing.T, m mode, procs []procInfo) {
	t.Helper()
	if m != direct {
		return
	}
	for _, p := range procs {
		if alive(p.pid) {
			t.Errorf("%s (pid %d) is still running after hookinit exited", p.comm, p.pid)
		}
	}
}

// A signal that is not a stop signal, received during pre-start, is queued
// and delivered to the app once it runs. (hookinit is started with SIGUSR1
// blocked, which the app inherits: a signal relayed right after exec
// waits until the app has installed its handler.)
func TestPreStartQueuesOtherSignals(t *testing.T) {
	t.Parallel()
	goFile := filepath.Join(t.TempDir(), "go")
	root := hookRoot(t, map[string]string{
		"10-wait.sh": logLine("waiting") + `
			i=0
			while [ ! -e "$GO" ]; do i=$((i+1)); [ $i -lt 1000 ] || exit 99; sleep 0.02; done
			` + logLine("done"),
	})
	lg := newHookLog(t)
	rec := newRecorder(t)
	r := startArgv(t, direct, opts{env: lg.env("GO=" + goFile)},
		slices.Concat([]string{bin.sigstate, "-block", "USR1", "--", bin.hookinit, "--hooks", root}, rec.argv("-exit-on", "TERM"))...)
	lg.wait(t, "waiting")
	r.signal(unix.SIGUSR1)
	time.Sleep(100 * time.Millisecond) // hookinit takes it during the hook
	touch(t, goFile)
	rec.waitReady(t)
	if got := rec.waitCount(t, 1); !slices.Equal(got, []syscall.Signal{unix.SIGUSR1}) {
		t.Errorf("the app received %s, want [SIGUSR1]", sigNames(got))
	}
	r.signal(unix.SIGTERM)
	if code := r.wait(15 * time.Second); code != 143 {
		t.Errorf("exit %d, want 143\nstderr: %s", code, r.stderr.String())
	}
	if got, want := rec.signals(), []syscall.Signal{unix.SIGUSR1, unix.SIGTERM}; !slices.Equal(got, want) {
		t.Errorf("the app received %s, want %s", sigNames(got), sigNames(want))
	}
	if got := lg.lines(); !slices.Equal(got, []string{"waiting", "done"}) {
		t.Errorf("the log is %q: the hook did not run to its end", got)
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Post-start hooks run after the app started: without --ready as soon as
// it runs (the hook finds it in /proc); with --ready once the URL answers
// (tcp: accepts, http: 2xx, file: exists) and not before: the hook checks
// a marker the test (or the app) creates just before the app becomes
// ready, and fails otherwise.
func TestPostStart(t *testing.T) {
	t.Parallel()
	hook := `[ -e "$MARK" ] || { ` + logLine("post-start ran before ready") + `; exit 9; }
` + logLine("post ok")
	type setup struct {
		args []string
		app  []string
		// ready, if set, makes the app ready after the test has seen the
		// post-start hook wait a while.
		ready func()
	}
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, mark string) setup
	}{
		{"no --ready", func(t *testing.T, mark string) setup {
			touch(t, mark)
			return setup{app: []string{"sleep", "1000"}}
		}},
		{"file", func(t *testing.T, mark string) setup {
			// The app itself makes the marker, which is also what is
			// probed, once it is the sleep (not before its exec).
			return setup{
				args: []string{"--ready", "file://" + mark},
				app:  sh(`(sleep 0.3; : >"$MARK") & exec sleep 1000`),
			}
		}},
		{"tcp", func(t *testing.T, mark string) setup {
			port := freePort(t)
			return setup{
				args: []string{"--ready", "tcp://127.0.0.1:" + strconv.Itoa(port)},
				app:  []string{"sleep", "1000"},
				ready: func() {
					touch(t, mark)
					l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { l.Close() })
				},
			}
		}},
		{"http", func(t *testing.T, mark string) setup {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var ready atomic.Bool
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path != "/healthz" || r.URL.RawQuery != "deep=1":
					http.NotFound(w, r)
				case !ready.Load():
					http.Error(w, "starting", http.StatusServiceUnavailable)
				default:
					w.WriteHeader(http.StatusNoContent)
				}
			})}
			go func() { _ = srv.Serve(l) }()
			t.Cleanup(func() { srv.Close() })
			return setup{
				args:  []string{"--ready", "http://" + l.Addr().String() + "/healthz?deep=1"},
				app:   []string{"sleep", "1000"},
				ready: func() { touch(t, mark); ready.Store(true) },
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mark := filepath.Join(t.TempDir(), "mark")
			s := c.setup(t, mark)
			root := hookRoot(t, map[string]string{
				"post-start/10-check.sh": hook,
				// The app is running: the only sleep in the namespace.
				"post-start/20-app-runs.sh": `pgrep -x sleep >/dev/null || exit 8` + "\n" + logLine("app runs"),
			})
			lg := newHookLog(t)
			r := startWith(t, pid1, opts{env: lg.env("MARK=" + mark)}, slices.Concat([]string{"--hooks", root}, s.args, s.app)...)
			if s.ready != nil {
				time.Sleep(500 * time.Millisecond)
				if got := lg.lines(); len(got) != 0 || r.exited() {
					t.Fatalf("before the app is ready: exited %v, log %q\nstderr: %s", r.exited(), got, r.stderr.String())
				}
				s.ready()
			}
			lg.wait(t, "app runs")
			r.signal(unix.SIGTERM)
			if code := r.wait(15 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143 (the app's)\nstderr: %s", code, r.stderr.String())
			}
			if got := lg.lines(); !slices.Equal(got, []string{"post ok", "app runs"}) {
				t.Errorf("the log is %q, want [post ok, app runs]", got)
			}
		})
	}
}

// When --ready does not answer within --ready-timeout, the app gets the
// stop signal and hookinit exits 124; no post-start hook runs.
func TestReadyTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "never ready", http.StatusServiceUnavailable)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	for name, url := range map[string]string{
		"tcp":  "tcp://127.0.0.1:" + strconv.Itoa(freePort(t)),
		"http": "http://" + l.Addr().String() + "/",
		"file": "file://" + filepath.Join(t.TempDir(), "never"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			root := hookRoot(t, map[string]string{"post-start/10-post.sh": logLine("post")})
			lg := newHookLog(t)
			r := startWith(t, pid1, opts{env: lg.env()}, slices.Concat([]string{"--hooks", root, "--ready", url, "--ready-timeout", "1s"}, trappingApp)...)
			code := r.wait(15 * time.Second)
			if code != 124 {
				t.Errorf("exit %d, want 124\nstderr: %s", code, r.stderr.String())
			}
			if el := r.elapsed(); el < time.Second || el > 8*time.Second {
				t.Errorf("exited after %v; want about the 1s timeout", el)
			}
			if got := lg.lines(); !slices.Equal(got, []string{"app", "app-term"}) {
				t.Errorf("the log is %q, want [app app-term]: the app stopped, no post-start hook", got)
			}
			if !strings.Contains(r.stderr.String(), url) || !strings.Contains(r.stderr.String(), "not ready") {
				t.Errorf("stderr does not say %s is not ready:\n%s", url, r.stderr.String())
			}
		})
	}
}

// A failing post-start hook stops the container with the hook's code (the
// app gets SIGTERM); with --post-start-failure ignore it is logged and the
// app runs on and decides the exit code.
func TestPostStartFailure(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"post-start/10-fail.sh": waitApp + logLine("post-fail") + "\nexit 5\n",
		"post-start/20-next.sh": logLine("next"),
	}
	t.Run("stop", func(t *testing.T) {
		t.Parallel()
		root := hookRoot(t, files)
		lg := newHookLog(t)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, append([]string{"--hooks", root}, trappingApp...)...)
		if code != 5 {
			t.Errorf("exit %d, want the hook's 5\nstderr: %s", code, stderr)
		}
		if got := lg.lines(); !slices.Contains(got, "app-term") || slices.Contains(got, "next") {
			t.Errorf("the log is %q: want the app stopped (app-term), 20-next.sh not run", got)
		}
		if !strings.Contains(stderr, "post-start hook "+filepath.Join(root, "post-start/10-fail.sh")+" failed with exit code 5") {
			t.Errorf("stderr does not name the hook and its code:\n%s", stderr)
		}
	})
	t.Run("ignore", func(t *testing.T) {
		t.Parallel()
		root := hookRoot(t, files)
		lg := newHookLog(t)
		app := sh(logLine("app") + `; i=0; until grep -q post-fail "$HOOKINIT_TEST_LOG"; do i=$((i+1)); [ $i -lt 1000 ] || exit 99; sleep 0.01; done
			sleep 0.5; exit 3`)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, slices.Concat([]string{"--hooks", root, "--post-start-failure", "ignore"}, app)...)
		if code != 3 {
			t.Errorf("exit %d, want the app's 3\nstderr: %s", code, stderr)
		}
		if !strings.Contains(stderr, "10-fail.sh failed with exit code 5") || !strings.Contains(stderr, "ignore") {
			t.Errorf("stderr does not log the ignored failure:\n%s", stderr)
		}
		// Whether 20-next.sh runs after an ignored failure is not pinned
		// down by the issue; today it does not.
		t.Logf("after the ignored failure the log is %q", lg.lines())
	})
}

// Background hooks: restarted on failure after 1 s, then 2 s; not after
// exit 0; restart=always and restart=never; an essential one that ends for
// good stops the container with its code.
func TestBackgroundSupervision(t *testing.T) {
	t.Parallel()
	run := logLine("run")
	for _, c := range []struct {
		name, body string
		// runs is how many runs to wait for; then quiet is how long no
		// further run may come.
		runs  int
		quiet time.Duration
		// say and notSay are about stderr.
		say, notSay []string
		// exit, when >= 0, is the code hookinit ends with by itself.
		exit    int
		verbose bool
	}{
		{name: "on failure: backoff", body: run + "\nexit 1\n", runs: 3, quiet: 500 * time.Millisecond,
			say: []string{"10-bg.sh exited with 1: restarting in 1s", "10-bg.sh exited with 1: restarting in 2s"}, exit: -1},
		{name: "exit 0: not restarted", body: run + "\nexit 0\n", runs: 1, quiet: 1500 * time.Millisecond,
			notSay: []string{"restarting"}, exit: -1},
		// A restart that follows a success is no news at the default
		// verbosity.
		{name: "restart=always", body: "# hookinit: restart=always\n" + run + "\nexit 0\n", runs: 2, quiet: 200 * time.Millisecond,
			notSay: []string{"10-bg.sh"}, exit: -1},
		{name: "restart=always -v", verbose: true, body: "# hookinit: restart=always\n" + run + "\nexit 0\n", runs: 2, quiet: 200 * time.Millisecond,
			say: []string{"10-bg.sh exited with 0: restarting in 1s"}, exit: -1},
		{name: "restart=never", body: "#!/bin/sh\n# hookinit: restart=never\n" + run + "\nexit 1\n", runs: 1, quiet: 1500 * time.Millisecond,
			say: []string{"10-bg.sh exited with 1"}, notSay: []string{"restarting"}, exit: -1},
		{name: "essential restart=never", body: "# hookinit: essential restart=never\n" + waitApp + run + "\nexit 7\n", runs: 1,
			say: []string{"essential background hook", "10-bg.sh exited with 7"}, exit: 7},
		{name: "essential, exit 0", body: "# hookinit: essential\n" + waitApp + run + "\nexit 0\n", runs: 1,
			say: []string{"essential background hook"}, exit: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := hookRoot(t, map[string]string{"background/10-bg.sh": c.body})
			lg := newHookLog(t)
			args := []string{"--hooks", root}
			if c.verbose {
				args = append(args, "-v")
			}
			r := startWith(t, pid1, opts{env: lg.env()}, append(args, trappingApp...)...)
			if c.exit >= 0 {
				if code := r.wait(15 * time.Second); code != c.exit {
					t.Errorf("exit %d, want %d\nstderr: %s", code, c.exit, r.stderr.String())
				}
				if !lg.has("app-term") {
					t.Errorf("the app was not stopped: the log is %q", lg.lines())
				}
			} else {
				lg.waitLog(t, r, 15*time.Second, fmt.Sprintf("%d runs", c.runs), func([]string) bool {
					return lg.count("run") >= c.runs
				})
				took := r.elapsed()
				time.Sleep(c.quiet)
				if n := lg.count("run"); n != c.runs {
					t.Errorf("%d runs, want %d: restarted too soon", n, c.runs)
				}
				if c.runs == 3 && took < 2500*time.Millisecond {
					t.Errorf("three runs within %v: the backoff is 1s, then 2s", took)
				}
				r.signal(unix.SIGTERM)
				if code := r.wait(15 * time.Second); code != 0 {
					t.Errorf("exit %d, want the app's 0\nstderr: %s", code, r.stderr.String())
				}
			}
			for _, s := range c.say {
				if !strings.Contains(r.stderr.String(), s) {
					t.Errorf("stderr does not say %q:\n%s", s, r.stderr.String())
				}
			}
			for _, s := range c.notSay {
				if strings.Contains(r.stderr.String(), s) {
					t.Errorf("stderr says %q:\n%s", s, r.stderr.String())
				}
			}
		})
	}
}

// Background hooks do not get the signals relayed to the app; once the app
// has exited they get SIGTERM, and SIGKILL after --grace if they stay.
// The hook is testdata/apps/sigrec, started from a #! script (the embedded
// shell refuses `trap … TERM`).
func TestBackgroundStop(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{direct, pid1} {
		t.Run("TERM after the app/"+m.String(), func(t *testing.T) {
			t.Parallel()
			bg, app := newRecorder(t), newRecorder(t)
			root := hookRoot(t, map[string]string{"background/10-rec": execHook(bg.argv("-exit-on", "TERM")...)})
			r := start(t, m, slices.Concat([]string{"--hooks", root, "--grace", "20s"}, app.argv("-exit-on", "TERM"))...)
			bg.waitReady(t)
			app.waitReady(t)
			r.signal(unix.SIGUSR1)
			app.waitCount(t, 1)
			r.signal(unix.SIGTERM)
			if code := r.wait(15 * time.Second); code != 143 {
				t.Errorf("exit %d, want the app's 143\nstderr: %s", code, r.stderr.String())
			}
			if el := r.elapsed(); el > 10*time.Second {
				t.Errorf("took %v: hookinit waited out the grace instead of returning when all were gone", el)
			}
			if got := app.signals(); !slices.Equal(got, []syscall.Signal{unix.SIGUSR1, unix.SIGTERM}) {
				t.Errorf("the app received %s, want [SIGUSR1 SIGTERM]", sigNames(got))
			}
			if got := bg.signals(); !slices.Equal(got, []syscall.Signal{unix.SIGTERM}) {
				t.Errorf("the background hook received %s, want [SIGTERM] (not the app's USR1)", sigNames(got))
			}
		})
		t.Run("KILL after --grace/"+m.String(), func(t *testing.T) {
			t.Parallel()
			bg := newRecorder(t) // records TERM and carries on
			root := hookRoot(t, map[string]string{"background/10-rec": execHook(bg.argv()...)})
			app := sh(`while [ ! -s "$1" ]; do sleep 0.01; done; exit 3`, "app", bg.ready)
			r := start(t, m, slices.Concat([]string{"--hooks", root, "--grace", "1s"}, app)...)
			code := r.wait(15 * time.Second)
			if code != 3 {
				t.Errorf("exit %d, want the app's 3\nstderr: %s", code, r.stderr.String())
			}
			got := bg.signals()
			if len(got) == 0 || slices.ContainsFunc(got, func(s syscall.Signal) bool { return s != unix.SIGTERM }) {
				t.Errorf("the background hook received %s, want SIGTERM, then SIGKILL", sigNames(got))
			}
			if len(got) > 1 {
				// Known bug: the hook's shell run and stopAll each send it
				// SIGTERM; TestBackgroundStopOneTerm pins it down.
				t.Logf("the background hook received %s: SIGTERM more than once", sigNames(got))
			}
			if el := r.elapsed(); el < time.Second || el > 8*time.Second {
				t.Errorf("took %v, want the 1s grace and a little", el)
			}
			if !strings.Contains(r.stderr.String(), "SIGKILL") {
				t.Errorf("stderr does not mention the SIGKILL:\n%s", r.stderr.String())
			}
			if m == direct {
				if pid := bg.waitReady(t); alive(pid) {
					t.Errorf("the background hook (pid %d) is still running", pid)
				}
			}
		})
	}
}

// settled waits until all that is left below hookinit is the app, a child
// of hookinit named comm, plus the processes keep accepts, and nothing is
// a zombie.
func settled(t *testing.T, r *instance, comm string, keep func(procInfo) bool) {
	t.Helper()
	var left []procInfo
	deadline := time.Now().Add(15 * time.Second)
	for {
		left = subtree(r.pid())
		ok := len(left) > 0
		apps := 0
		for _, p := range left {
			switch {
			case p.state == 'Z':
				ok = false
			case p.ppid == r.pid() && p.comm == comm:
				apps++
			case keep == nil || !keep(p):
				ok = false
			}
		}
		if ok && apps == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("below hookinit, want only the app (%s): %s", comm, describeTree(r.pid()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// As PID 1 (and as a subreaper under a PID 1 that never reaps), 20 hooks
// in all phases that run commands and leave short-lived processes behind
// leave no <defunct> once they are done: all that is left is the app.
func TestManyHooksNoZombies(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for i := 1; i <= 10; i++ {
		if i%2 == 0 {
			files[fmt.Sprintf("%02d-pre", i)] = "#!/bin/sh\n(sleep 0.2 &)\n/bin/true\n" + logLine(fmt.Sprintf("pre %d", i)) + "\n"
		} else {
			files[fmt.Sprintf("%02d-pre.sh", i)] = "true\nsh -c 'sleep 0.2 &'\nsleep 0.1 &\n" + logLine(fmt.Sprintf("pre %d", i)) + "\n"
		}
	}
	for i := 1; i <= 5; i++ {
		files[fmt.Sprintf("post-start/%d-post.sh", i)] = "sh -c 'sleep 0.2 &'\nsleep 0.1 &\n" + logLine(fmt.Sprintf("post %d", i)) + "\n"
		files[fmt.Sprintf("background/%d-bg.sh", i)] = "# hookinit: restart=never\nsh -c 'sleep 0.2 &'\nsleep 0.1 &\n" + logLine(fmt.Sprintf("bg %d", i)) + "\n"
	}
	root := hookRoot(t, files)
	for _, m := range []mode{pid1, underNoReap} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			r := startWith(t, m, opts{env: lg.env()}, "--hooks", root, "sleep", "1000")
			waitFor(t, 20*time.Second, "all 20 hooks", func() bool { return len(lg.lines()) == 20 })
			settled(t, r, "sleep", nil)
			if z := zombies(r.cmd.Process.Pid); z != 0 {
				t.Errorf("%d zombies:%s", z, describeTree(r.cmd.Process.Pid))
			}
			r.signal(unix.SIGTERM)
			if code := r.wait(15 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143\nstderr: %s", code, r.stderr.String())
			}
		})
	}
}

// A hook that starts daemons and exits: one that ends soon is reaped by
// hookinit, one that runs on is stopped with the rest (SIGTERM once the
// app has exited).
func TestHookForksDaemon(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			q := "'" + strings.Join(rec.argv("-exit-on", "TERM"), "' '") + "'"
			root := hookRoot(t, map[string]string{
				// A real daemon: double fork, new session, output closed.
				"10-daemon": "#!/bin/sh\n(setsid " + q + " </dev/null >/dev/null 2>&1 &)\n(setsid sleep 0.3 &)\n" + logLine("daemon.sh") + "\n",
				// A job the embedded shell leaves running.
				"20-job.sh": "sleep 0.3 &\n" + logLine("job.sh"),
			})
			lg := newHookLog(t)
			r := startWith(t, m, opts{env: lg.env()}, "--hooks", root, "--grace", "20s", "sleep", "1000")
			rec.waitReady(t)
			// The short ones are reaped; the app and the daemon are left.
			settled(t, r, "sleep", func(p procInfo) bool { return p.comm == "sigrec" })
			r.signal(unix.SIGTERM)
			if code := r.wait(15 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143\nstderr: %s", code, r.stderr.String())
			}
			if el := r.elapsed(); el > 10*time.Second {
				t.Errorf("took %v: the daemon was not stopped promptly", el)
			}
			if got := rec.signals(); !slices.Equal(got, []syscall.Signal{unix.SIGTERM}) {
				t.Errorf("the daemon received %s, want [SIGTERM]", sigNames(got))
			}
			if m == direct {
				if pid := rec.waitReady(t); alive(pid) {
					t.Errorf("the daemon (pid %d) is still running", pid)
				}
			}
		})
	}
}

// Hooks that close their stdout and stderr (an executed script, and a
// command a *.sh hook runs) harm neither hookinit, nor the hooks after
// them, nor the app. (The embedded shell refuses `exec >&-` itself;
// TestBadInput covers that.)
func TestHookClosesOutput(t *testing.T) {
	t.Parallel()
	root := hookRoot(t, map[string]string{
		"10-close":    "#!/bin/sh\nexec >&- 2>&-\necho lost\necho lost >&2\nls /nonexistent\n" + logLine("close") + "\n",
		"20-close.sh": "sh -c 'exec >&- 2>&-; echo lost; ls /nonexistent'\n" + logLine("close.sh"),
		"30-after.sh": "echo after-out\necho after-err >&2\n",
	})
	for _, prefix := range []bool{false, true} {
		t.Run(fmt.Sprintf("log-prefix=%v", prefix), func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			args := []string{"--hooks", root}
			want := "after-out\napp-out\n"
			if prefix {
				args = append(args, "--log-prefix")
				want = "[30-after.sh] after-out\napp-out\n"
			}
			code, stdout, stderr := runWith(t, pid1, opts{env: lg.env()}, append(args, sh(`echo app-out; echo app-err >&2`)...)...)
			if code != 0 || stdout != want {
				t.Errorf("exit %d, stdout %q; want 0, %q\nstderr: %s", code, stdout, want, stderr)
			}
			if !strings.Contains(stderr, "after-err\n") || !strings.Contains(stderr, "app-err\n") || strings.Contains(stderr, "lost") {
				t.Errorf("stderr:\n%s", stderr)
			}
			if got := lg.lines(); !slices.Equal(got, []string{"close", "close.sh"}) {
				t.Errorf("the log is %q, want [close close.sh]", got)
			}
		})
	}
}

// --log-prefix (and HOOKINIT_LOG_PREFIX) prefixes each line a hook writes,
// on stdout and stderr, including what its commands write, with [name];
// a last line without a newline gets one. The app's output is untouched.
// Without it, hook output passes through unchanged.
func TestLogPrefix(t *testing.T) {
	t.Parallel()
	root := hookRoot(t, map[string]string{
		"10-say.sh":            "echo out1\necho err1 >&2\nsh -c 'echo ext-out; echo ext-err >&2'\nprintf 'no newline'\n",
		"20-say":               "#!/bin/sh\necho exec-out\necho exec-err >&2\n",
		"post-start/10-say.sh": "echo post-out\n",
	})
	// The app writes once the post-start hooks are done, so that the
	// order of the output is fixed.
	app := sh(`i=0; until grep -q post-done "$HOOKINIT_TEST_LOG" 2>/dev/null; do i=$((i+1)); [ $i -lt 1000 ] || exit 99; sleep 0.01; done
		echo app-out; echo app-err >&2`)
	writeFile(t, filepath.Join(root, "post-start/20-done.sh"), logLine("post-done"), 0o755)
	for _, c := range []struct {
		name       string
		args, env  []string
		out, err   string
		unprefixed bool
	}{
		{name: "--log-prefix", args: []string{"--log-prefix"},
			out: "[10-say.sh] out1\n[10-say.sh] ext-out\n[10-say.sh] no newline\n[20-say] exec-out\n[10-say.sh] post-out\napp-out\n",
			err: "[10-say.sh] err1\n[10-say.sh] ext-err\n[20-say] exec-err\napp-err\n"},
		{name: "HOOKINIT_LOG_PREFIX", env: []string{"HOOKINIT_LOG_PREFIX=true"},
			out: "[10-say.sh] out1\n[10-say.sh] ext-out\n[10-say.sh] no newline\n[20-say] exec-out\n[10-say.sh] post-out\napp-out\n",
			err: "[10-say.sh] err1\n[10-say.sh] ext-err\n[20-say] exec-err\napp-err\n"},
		{name: "default",
			out: "out1\next-out\nno newlineexec-out\npost-out\napp-out\n",
			err: "err1\next-err\nexec-err\napp-err\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			code, stdout, stderr := runWith(t, pid1, opts{env: lg.env(c.env...)}, slices.Concat(c.args, []string{"-q", "--hooks", root}, app)...)
			if code != 0 || stdout != c.out || stderr != c.err {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant 0\nstdout %q\nstderr %q", code, stdout, stderr, c.out, c.err)
			}
		})
	}
}

// -v logs each hook as it starts and how it ended, in every phase; the
// default verbosity says nothing about hooks that succeed and one line per
// failure. (The app may look at the log before any hook created it: grep -s;
// once it saw the failing hook's line, it gives hookinit a moment to see
// that hook end before the app's own exit stops everything.)
func TestHookLogVerbosity(t *testing.T) {
	t.Parallel()
	root := hookRoot(t, map[string]string{
		"10-ok.sh":              "true\n",
		"post-start/10-post.sh": "true\n",
		"post-start/20-done.sh": logLine("done"),
		"background/10-bg.sh":   "# hookinit: restart=never\ntrue\n",
		"background/20-fail.sh": "# hookinit: restart=never\n" + logLine("fail") + "\nexit 2\n",
	})
	app := sh(`i=0; until [ "$(grep -sc '^done\|^fail' "$HOOKINIT_TEST_LOG")" = 2 ]; do i=$((i+1)); [ $i -lt 1000 ] || exit 99; sleep 0.01; done; sleep 0.5`)
	fail := "hookinit: background hook " + root + "/background/20-fail.sh exited with 2\n"
	t.Run("-v", func(t *testing.T) {
		t.Parallel()
		lg := newHookLog(t)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, slices.Concat([]string{"-v", "--hooks", root}, app)...)
		if code != 0 {
			t.Errorf("exit %d\nstderr: %s", code, stderr)
		}
		for _, want := range []string{
			"running pre-start hook " + root + "/10-ok.sh",
			"pre-start hook " + root + "/10-ok.sh exited with 0",
			"running post-start hook " + root + "/post-start/10-post.sh",
			"post-start hook " + root + "/post-start/10-post.sh exited with 0",
			"starting background hook " + root + "/background/10-bg.sh",
			"background hook " + root + "/background/10-bg.sh finished",
			fail,
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("-v does not say %q:\n%s", want, stderr)
			}
		}
	})
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		lg := newHookLog(t)
		code, _, stderr := runWith(t, pid1, opts{env: lg.env()}, slices.Concat([]string{"--hooks", root}, app)...)
		if code != 0 || stderr != fail {
			t.Errorf("exit %d, stderr\n%s\nwant 0 and only\n%s", code, stderr, fail)
		}
	})
}

// Hooks still running when the app exits (a post-start hook in `sleep
// 100`, an interpreted background loop, an executed one) are stopped with
// it: hookinit exits with the app's code at once, not after --grace.
func TestHangingHooksStopWithApp(t *testing.T) {
	t.Parallel()
	root := hookRoot(t, map[string]string{
		"post-start/10-hang.sh": logLine("post") + "\nsleep 100\n",
		"background/10-loop.sh": logLine("bg.sh") + "\nwhile :; do sleep 1; done\n",
		"background/20-loop":    "#!/bin/sh\n" + logLine("bg") + "\nwhile :; do sleep 1; done\n",
	})
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			goFile := filepath.Join(t.TempDir(), "go")
			app := sh(`while [ ! -e "$1" ]; do sleep 0.01; done; exit 3`, "app", goFile)
			r := startWith(t, m, opts{env: lg.env()}, slices.Concat([]string{"--hooks", root, "--grace", "20s"}, app)...)
			lg.waitLog(t, r, 10*time.Second, "the hooks to run", func(lines []string) bool { return len(lines) == 3 })
			hooks := subtree(r.pid())
			touch(t, goFile)
			if code := r.wait(15 * time.Second); code != 3 {
				t.Errorf("exit %d, want the app's 3\nstderr: %s", code, r.stderr.String())
			}
			if el := r.elapsed(); el > 5*time.Second {
				t.Errorf("took %v: the hooks were not stopped at once", el)
			}
			checkGone(t, m, hooks)
		})
	}
}

// With --log-prefix, hooks that write at the same time (two background
// hooks, one interpreted, one executed) never mix within a line: each line
// is whole, carries its own hook's name, and each hook's lines keep their
// order.
func TestLogPrefixConcurrentHooks(t *testing.T) {
	t.Parallel()
	loop := func(name string) string {
		return `i=0; while [ $i -lt 300 ]; do echo "` + name + ` line $i of a hook that writes a lot"; i=$((i+1)); done
` + logLine(name+" done") + "\n"
	}
	root := hookRoot(t, map[string]string{
		"background/10-a.sh": "# hookinit: restart=never\n" + loop("a"),
		"background/20-b":    "#!/bin/sh\n# hookinit: restart=never\n" + loop("b"),
	})
	lg := newHookLog(t)
	app := sh(`i=0; until [ "$(grep -c done "$HOOKINIT_TEST_LOG")" = 2 ]; do i=$((i+1)); [ $i -lt 1000 ] || exit 99; sleep 0.01; done`)
	code, stdout, stderr := runWith(t, pid1, opts{env: lg.env()}, slices.Concat([]string{"--log-prefix", "--hooks", root}, app)...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr)
	}
	next := map[string]int{}
	for line := range strings.Lines(stdout) {
		var want string
		switch {
		case strings.HasPrefix(line, "[10-a.sh] a "):
			want = "[10-a.sh] a"
		case strings.HasPrefix(line, "[20-b] b "):
			want = "[20-b] b"
		default:
			t.Fatalf("a mixed or unprefixed line: %q", line)
		}
		if exp := fmt.Sprintf("%s line %d of a hook that writes a lot\n", want, next[want]); line != exp {
			t.Fatalf("line %q, want %q", line, exp)
		}
		next[want]++
	}
	if next["[10-a.sh] a"] != 300 || next["[20-b] b"] != 300 {
		t.Errorf("lines per hook: %v, want 300 each", next)
	}
}

// With --log-prefix, hook output passes through pipes that hookinit reads:
// what a hook wrote just before the container stopped still reaches
// stdout, whole, even when the app exits the moment the hooks are done.
func TestLogPrefixOutputKeptAtStop(t *testing.T) {
	t.Parallel()
	const n = 1500 // about 60 KB: the pipe holds it all when the hook exits
	loop := func(name string) string {
		return `i=0; while [ $i -lt ` + strconv.Itoa(n) + ` ]; do echo "` + name + ` $i"; i=$((i+1)); done
` + logLine(name+" done") + "\n"
	}
	root := hookRoot(t, map[string]string{
		"background/10-a.sh": "# hookinit: restart=never\n" + loop("a"),
		"background/20-b":    "#!/bin/sh\n# hookinit: restart=never\n" + loop("b"),
	})
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			lg := newHookLog(t)
			app := sh(`until [ "$(grep -c done "$HOOKINIT_TEST_LOG")" = 2 ]; do sleep 0.002; done`)
			code, stdout, stderr := runWith(t, m, opts{env: lg.env()}, slices.Concat([]string{"--log-prefix", "--hooks", root}, app)...)
			if code != 0 {
				t.Fatalf("exit %d\nstderr: %s", code, stderr)
			}
			for _, want := range []string{"[10-a.sh] a", "[20-b] b"} {
				if got := strings.Count(stdout, want+" "); got != n {
					t.Errorf("%d lines of %s, want %d", got, want, n)
				}
				if last := fmt.Sprintf("%s %d\n", want, n-1); !strings.Contains(stdout, last) {
					t.Errorf("no last line %q", last)
				}
			}
		})
	}
}

// A background hook gets exactly one SIGTERM when the container stops: a
// second one is, for many programs, the request to skip the graceful
// shutdown (a second Ctrl-C). The hook records TERM and holds out until
// --grace is over, so that every SIGTERM sent to it is seen.
func TestBackgroundStopOneTerm(t *testing.T) {
	t.Parallel()
	for range 5 {
		bg := newRecorder(t)
		root := hookRoot(t, map[string]string{"background/10-rec": execHook(bg.argv()...)})
		app := sh(`while [ ! -s "$1" ]; do sleep 0.01; done; exit 3`, "app", bg.ready)
		r := start(t, direct, slices.Concat([]string{"--hooks", root, "--grace", "500ms"}, app)...)
		if code := r.wait(15 * time.Second); code != 3 {
			t.Errorf("exit %d, want the app's 3\nstderr: %s", code, r.stderr.String())
		}
		if got := bg.signals(); !slices.Equal(got, []syscall.Signal{unix.SIGTERM}) {
			t.Fatalf("the background hook received %s, want one SIGTERM (then SIGKILL)", sigNames(got))
		}
	}
}
