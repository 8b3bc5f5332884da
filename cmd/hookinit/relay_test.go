package main

import (
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// relayable lists what issue 2 says hookinit relays: 1-31 except KILL,
// STOP, CHLD, URG and PROF, and the real-time signals 35-64 (32-34 belong
// to the Go runtime and libc).
func relayable() []syscall.Signal {
	var out []syscall.Signal
	for n := 1; n <= 64; n++ {
		switch syscall.Signal(n) {
		case unix.SIGKILL, unix.SIGSTOP, unix.SIGCHLD, unix.SIGURG, unix.SIGPROF:
			continue
		}
		if n >= 32 && n <= 34 {
			continue
		}
		out = append(out, syscall.Signal(n))
	}
	return out
}

// Point 4: every relayable signal sent to hookinit reaches the app
// unchanged, one at a time and in order, and nothing else reaches it: no
// SIGURG from Go's runtime, no SIGCHLD. hookinit is not stopped by the
// job-control signals it relays.
func TestRelayEverySignal(t *testing.T) {
	t.Parallel()
	for _, m := range allModes {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			r := start(t, m, rec.argv("-exit-on", "TERM")...)
			rec.waitReady(t)
			var sent []syscall.Signal
			send := func(sig syscall.Signal) {
				r.signal(sig)
				sent = append(sent, sig)
				got := rec.waitCount(t, len(sent))
				if !slices.Equal(got, sent) {
					t.Fatalf("sent %s, the app received %s", sigNames(sent), sigNames(got))
				}
			}
			for _, sig := range relayable() {
				if sig == unix.SIGTERM {
					continue // last: it ends the recorder
				}
				if sig == unix.SIGUSR1 {
					// Sent to hookinit, SIGURG is not relayed (Go cannot
					// tell it from its own); the next signal shows it
					// did not arrive first.
					r.signal(unix.SIGURG)
				}
				send(sig)
				if sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU {
					if p, _ := readStat(r.pid()); p.state == 'T' {
						t.Fatalf("%s stopped hookinit", sigName(sig))
					}
				}
			}
			send(unix.SIGTERM)
			if code := r.wait(20 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143 (the app died of the relayed SIGTERM)\nstderr: %s", code, r.stderr.String())
			}
		})
	}
}

// The recorder does see a SIGURG when one reaches it, so the absence of URG
// above means something.
func TestRecorderSeesURG(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t)
	r := start(t, direct, rec.argv()...)
	pid := rec.waitReady(t)
	if err := unix.Kill(pid, unix.SIGURG); err != nil {
		t.Fatal(err)
	}
	if got := rec.waitCount(t, 1); !slices.Equal(got, []syscall.Signal{unix.SIGURG}) {
		t.Errorf("the recorder received %s, want [SIGURG]", sigNames(got))
	}
	_ = unix.Kill(pid, unix.SIGKILL)
	if code := r.wait(20 * time.Second); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
}

// Point 4: a SIGTERM sent 0-2 ms after hookinit started, 200 times: the app
// always dies and hookinit always reports 143. A signal that arrives before
// the Go runtime has installed its handlers kills hookinit itself by
// SIGTERM, before the app exists; a shell reports that as 143 too, so
// "killed by SIGTERM" counts as 143 here (shellCode). Any other outcome, a
// hang, or an app left running fails. (A SIGTERM that lands between the Go
// runtime's handlers and early's signal.Notify can kill hookinit even after
// the app started: the runtime's dying thread, preempted under load, resets
// SIGTERM to its default and raises it again milliseconds later. The app
// dies with hookinit then, by PR_SET_PDEATHSIG.) It runs the build without the race
// detector: that one takes ~7 ms to start, so every signal would land before
// Go's handlers and the queue would go untested.
func TestEarlySignal(t *testing.T) {
	t.Parallel()
	const marker = "987.654321"
	appAlive := func() bool {
		for _, p := range allProcs() {
			if p.comm != "sleep" || p.state == 'Z' {
				continue
			}
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/cmdline")
			if string(b) == "sleep\x00"+marker+"\x00" {
				return true
			}
		}
		return false
	}
	killed, exited := 0, 0
	for i := range 200 {
		r := startArgv(t, direct, opts{dir: "/"}, bin.hookinitPlain, "sleep", marker)
		time.Sleep(time.Duration(rand.IntN(2001)) * time.Microsecond)
		r.signal(unix.SIGTERM)
		code := r.wait(20 * time.Second)
		if r.state.Sys().(syscall.WaitStatus).Signaled() {
			killed++
		} else {
			exited++
		}
		if code != 143 {
			t.Fatalf("iteration %d: exit %d, want 143", i, code)
		}
		// When hookinit was killed, the kernel kills the app right after
		// (PR_SET_PDEATHSIG): allow it a moment.
		for deadline := time.Now().Add(2 * time.Second); appAlive(); {
			if time.Now().After(deadline) {
				t.Fatalf("iteration %d: the app (sleep %s) is still running", i, marker)
			}
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("200 runs: %d exited 143 after relaying, %d were killed by SIGTERM before Go caught it", exited, killed)
}

// Signals are caught before any package outside the standard library
// initialises: runner/early's init runs right after os/signal's, not behind
// the shell's, the command line library's or x/sys's. Its place is decided
// by its imports (Go initialises ready packages in import path order), so
// one import too many would silently widen the window in which a SIGTERM
// kills hookinit (TestEarlySignal) by a millisecond.
func TestSignalsCaughtFirst(t *testing.T) {
	t.Parallel()
	r := startWith(t, direct, opts{env: append(os.Environ(), "GODEBUG=inittrace=1")}, "--version")
	if code := r.wait(10 * time.Second); code != 0 {
		t.Fatalf("--version: exit %d\nstderr: %s", code, r.stderr.String())
	}
	const early = "github.com/hookinit/hookinit/runner/early"
	var before []string
	for line := range strings.Lines(r.stderr.String()) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		if f[1] == early {
			if len(before) > 0 {
				t.Errorf("initialised before %s: %v", early, before)
			}
			return
		}
		if first, _, _ := strings.Cut(f[1], "/"); strings.Contains(first, ".") {
			before = append(before, f[1])
		}
	}
	t.Fatalf("no init line for %s in:\n%s", early, r.stderr.String())
}

// Point 4: the default target is the app's process group. A shell that
// traps TERM and waits for a foreground sleep only runs its trap once the
// sleep ends: promptly when the group got the signal, not at all within
// seconds when only the shell did.
func TestSignalTarget(t *testing.T) {
	t.Parallel()
	script := `trap 'echo trapped; exit 0' TERM; sleep 30; echo slept`
	startShell := func(t *testing.T, o opts, args ...string) (*instance, procInfo) {
		r := startWith(t, direct, o, append(args, sh(script)...)...)
		var sleep procInfo
		waitFor(t, 10*time.Second, "the shell to start sleep", func() bool {
			var ok bool
			sleep, ok = findBelow(r.pid(), "sleep")
			return ok
		})
		return r, sleep
	}
	t.Run("group", func(t *testing.T) {
		t.Parallel()
		r, _ := startShell(t, opts{})
		r.signal(unix.SIGTERM)
		if code := r.wait(15 * time.Second); code != 0 || r.stdout.String() != "trapped\n" {
			t.Errorf("exit %d, stdout %q; want 0, trapped", code, r.stdout.String())
		}
	})
	for name, o := range map[string]struct {
		env  []string
		args []string
	}{
		"child":                  {args: []string{"--signal-target", "child"}},
		"HOOKINIT_SIGNAL_TARGET": {env: append(os.Environ(), "HOOKINIT_SIGNAL_TARGET=child")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, sleep := startShell(t, opts{env: o.env}, o.args...)
			r.signal(unix.SIGTERM)
			time.Sleep(2 * time.Second)
			if r.exited() || !alive(sleep.pid) {
				t.Fatalf("with the child target, the shell's sleep saw SIGTERM: exited %v, stdout %q", r.exited(), r.stdout.String())
			}
			// Once the sleep ends, the shell runs the trap for the
			// SIGTERM it did receive.
			_ = unix.Kill(sleep.pid, unix.SIGKILL)
			if code := r.wait(15 * time.Second); code != 0 || r.stdout.String() != "trapped\n" {
				t.Errorf("exit %d, stdout %q; want 0, trapped", code, r.stdout.String())
			}
		})
	}
	// The same with recorders: the app and a second process in its group.
	for _, target := range []string{"group", "child"} {
		t.Run("recorders/"+target, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			other := recorder{out: rec.out + ".child", ready: rec.out + ".child.ready"}
			r := start(t, direct, append([]string{"--signal-target", target}, rec.argv("-child-out", other.out, "-exit-on", "TERM")...)...)
			rec.waitReady(t)
			otherPid := other.waitReady(t)
			r.signal(unix.SIGUSR1)
			rec.waitCount(t, 1)
			// A USR2 sent straight to the other process marks the point
			// by which a relayed USR1 (queued before it, and lower) would
			// have arrived.
			if err := unix.Kill(otherPid, unix.SIGUSR2); err != nil {
				t.Fatal(err)
			}
			got := other.waitCount(t, 1)
			if len(got) == 1 && got[0] == unix.SIGUSR1 {
				got = other.waitCount(t, 2)
			}
			want := []syscall.Signal{unix.SIGUSR1, unix.SIGUSR2}
			if target == "child" {
				want = want[1:]
			}
			if !slices.Equal(got, want) {
				t.Errorf("the other process in the app's group received %s, want %s", sigNames(got), sigNames(want))
			}
			r.signal(unix.SIGTERM)
			if code := r.wait(15 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143", code)
			}
			if got, want := rec.signals(), []syscall.Signal{unix.SIGUSR1, unix.SIGTERM}; !slices.Equal(got, want) {
				t.Errorf("the app received %s, want %s", sigNames(got), sigNames(want))
			}
		})
	}
}

// Point 5: --rewrite FROM:TO relays FROM as TO; TO=0 drops it. Names and
// numbers, on the command line and from HOOKINIT_REWRITE.
func TestRewrite(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  []string
		args []string
	}{
		{"flags", nil, []string{"--rewrite", "TERM:QUIT", "--rewrite", "USR1:0"}},
		{"numbers", nil, []string{"--rewrite", "15:3", "--rewrite", "SIGUSR1:0"}},
		{"env", []string{"HOOKINIT_REWRITE=term:quit,10:0"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			r := startWith(t, direct, opts{env: append(os.Environ(), c.env...)}, append(c.args, rec.argv("-exit-on", "QUIT")...)...)
			rec.waitReady(t)
			r.signal(unix.SIGUSR1) // dropped
			r.signal(unix.SIGUSR2)
			rec.waitCount(t, 1)
			r.signal(unix.SIGTERM) // relayed as QUIT, which ends the recorder
			if code := r.wait(15 * time.Second); code != 131 {
				t.Errorf("exit %d, want 131 (the app died of SIGQUIT)\nstderr: %s", code, r.stderr.String())
			}
			want := []syscall.Signal{unix.SIGUSR2, unix.SIGQUIT}
			if got := rec.signals(); !slices.Equal(got, want) {
				t.Errorf("the app received %s, want %s", sigNames(got), sigNames(want))
			}
		})
	}
}

// Point 7: with --stop-timeout, an app that ignores SIGTERM is killed (its
// whole group) that long after the stop signal.
func TestStopTimeout(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := startWith(t, m, opts{dir: dir}, append([]string{"--stop-timeout", "1s", "--grace", "30s"},
				sh(`trap '' TERM; touch ready; while :; do sleep 1; done`)...)...)
			waitFor(t, 10*time.Second, "the app to ignore SIGTERM", func() bool {
				_, err := os.Stat(dir + "/ready")
				return err == nil
			})
			r.signal(unix.SIGTERM)
			if code := r.wait(20 * time.Second); code != 137 {
				t.Errorf("exit %d, want 137 (SIGKILL after --stop-timeout)\nstderr: %s", code, r.stderr.String())
			}
			if el := r.elapsed(); el < time.Second {
				t.Errorf("killed after %v, before --stop-timeout 1s", el)
			}
		})
	}
}

// Point 6: SIGTSTP, SIGTTIN and SIGTTOU sent to hookinit stop the app (they
// are relayed), never hookinit; SIGCONT resumes the app.
func TestJobControlSignals(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			r := start(t, m, "sleep", "30")
			app := r.waitBelow("sleep")
			for _, sig := range []syscall.Signal{unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU} {
				r.signal(sig)
				waitFor(t, 10*time.Second, "the app to stop on "+sigName(sig), func() bool {
					p, _ := readStat(app.pid)
					return p.state == 'T'
				})
				if p, _ := readStat(r.pid()); p.state == 'T' {
					t.Fatalf("%s stopped hookinit", sigName(sig))
				}
				r.signal(unix.SIGCONT)
				waitFor(t, 10*time.Second, "the app to continue", func() bool {
					p, _ := readStat(app.pid)
					return p.state != 'T'
				})
			}
			r.signal(unix.SIGTERM)
			if code := r.wait(15 * time.Second); code != 143 {
				t.Errorf("exit %d, want 143", code)
			}
		})
	}
}

// Point 9: a relay that fails (here ESRCH: the app left its process group,
// so the group is empty) is logged, not fatal: hookinit keeps running and
// still exits with the app's code.
func TestFailedKillIsNotFatal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := startWith(t, direct, opts{dir: dir}, "-v", bin.sigstate, "-join-parent-group", "--", "sh", "-c", "touch ready; exec sleep 30")
	// The ready file comes before the exec: wait for the sleep itself.
	app := r.waitBelow("sleep")
	r.signal(unix.SIGUSR1)
	r.signal(unix.SIGTERM)
	waitFor(t, 10*time.Second, "hookinit to log the failed relay", func() bool {
		return strings.Contains(r.stderr.String(), "SIGTERM not delivered")
	})
	if r.exited() || !alive(app.pid) {
		t.Fatalf("a failed relay ended hookinit or the app\nstderr: %s", r.stderr.String())
	}
	_ = unix.Kill(app.pid, unix.SIGKILL)
	if code := r.wait(15 * time.Second); code != 137 {
		t.Errorf("exit %d, want 137\nstderr: %s", code, r.stderr.String())
	}
}
