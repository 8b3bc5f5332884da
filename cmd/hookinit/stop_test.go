package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// leftoverApp is an app that starts argv in the background (through setsid
// when daemon is set), waits until it is ready, and exits 5, leaving it
// behind.
func leftoverApp(ready string, daemon bool, argv ...string) []string {
	launch := `"$@" &`
	if daemon {
		launch = `setsid "$@" &`
	}
	return sh(launch+` while [ ! -s '`+ready+`' ]; do sleep 0.01; done; exit 5`, append([]string{"sh"}, argv...)...)
}

// Point 7: once the app has exited, what it left behind gets SIGTERM, and
// SIGKILL after --grace; hookinit then exits with the app's code.
func TestLeftoversGetTermThenKill(t *testing.T) {
	t.Parallel()
	for _, m := range allModes {
		for _, daemon := range []bool{false, true} {
			name := m.String()
			if daemon {
				name += "/setsid"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				rec := newRecorder(t) // records TERM and carries on
				r := start(t, m, append([]string{"--grace", "2s"}, leftoverApp(rec.ready, daemon, rec.argv()...)...)...)
				code := r.wait(30 * time.Second)
				if code != 5 {
					t.Errorf("exit %d, want the app's 5\nstderr: %s", code, r.stderr.String())
				}
				if got := rec.signals(); !slices.Equal(got, []syscall.Signal{unix.SIGTERM}) {
					t.Errorf("the leftover received %s, want [SIGTERM] (then SIGKILL)", sigNames(got))
				}
				if el := r.elapsed(); el < 2*time.Second {
					t.Errorf("hookinit exited after %v, before the 2s grace was out: the leftover was killed early", el)
				}
				if !strings.Contains(r.stderr.String(), "SIGKILL") {
					t.Errorf("stderr does not mention the SIGKILL:\n%s", r.stderr.String())
				}
				if m == direct {
					pid := rec.waitReady(t)
					if alive(pid) {
						t.Errorf("the leftover (pid %d) is still running", pid)
					}
				}
			})
		}
	}
	t.Run("-q", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := runHookinit(t, direct, append([]string{"-q", "--grace", "1s"},
			sh(`trap '' TERM; sleep 1000 & exit 0`)...)...)
		if code != 0 || stderr != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing with -q", code, stderr)
		}
	})
}

// Point 7: hookinit returns as soon as everything is gone; it never sleeps
// out the grace period.
func TestStopReturnsWhenAllAreGone(t *testing.T) {
	t.Parallel()
	for _, m := range allModes {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			r := start(t, m, append([]string{"--grace", "60s"}, leftoverApp(rec.ready, false, rec.argv("-exit-on", "TERM")...)...)...)
			if code := r.wait(20 * time.Second); code != 5 {
				t.Errorf("exit %d, want 5\nstderr: %s", code, r.stderr.String())
			}
			if got := rec.signals(); !slices.Equal(got, []syscall.Signal{unix.SIGTERM}) {
				t.Errorf("the leftover received %s, want [SIGTERM]", sigNames(got))
			}
		})
	}
}

// A second stop signal while the leftovers have their grace ends the wait.
func TestStopSignalDuringGrace(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t) // records TERM and carries on
			r := start(t, m, append([]string{"--grace", "60s"}, leftoverApp(rec.ready, false, rec.argv()...)...)...)
			rec.waitCount(t, 1) // the leftover got its SIGTERM: hookinit is in its grace
			r.signal(unix.SIGTERM)
			if code := r.wait(20 * time.Second); code != 5 {
				t.Errorf("exit %d, want 5\nstderr: %s", code, r.stderr.String())
			}
		})
	}
}

// Point 7, the test from the issue: as PID 1 of a PID namespace, the app
// exits 7 while a background process traps SIGTERM to write a file. The
// file is written (the background process got SIGTERM and time to act on it
// before the namespace ended), and hookinit exits 7.
func TestBackgroundProcessFinishesAfterApp(t *testing.T) {
	t.Parallel()
	script := `(trap 'echo bye > written; exit 0' TERM; touch ready; while :; do sleep 0.1; done) &
while [ ! -e ready ]; do sleep 0.01; done
exit 7`
	for _, m := range allModes {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			code, _, stderr := runWith(t, m, opts{dir: dir}, sh(script)...)
			if code != 7 {
				t.Errorf("exit %d, want 7\nstderr: %s", code, stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "written"))
			if err != nil || string(b) != "bye\n" {
				t.Errorf("the background process did not write its file: %q, %v", b, err)
			}
		})
	}
	// The same without hookinit: the shell is PID 1, its exit makes the
	// kernel SIGKILL the namespace, and the file is lost. This is what the
	// test above can tell apart.
	t.Run("control: sh as PID 1", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		code, _, _ := runPlain(t, opts{dir: dir}, append([]string{"unshare", "--pid", "--fork", "--mount-proc", "--kill-child"}, sh(script)...)...)
		if code != 7 {
			t.Errorf("exit %d, want 7", code)
		}
		if _, err := os.Stat(filepath.Join(dir, "written")); err == nil {
			t.Errorf("the file was written without hookinit; the test above proves nothing")
		}
	})
}

// A leftover that is stopped (SIGSTOP, Ctrl-Z) cannot act on the SIGTERM
// until it is continued: it must get its chance to stop cleanly (here, the
// recorder ends on SIGTERM) rather than sit out the grace period and be
// killed.
func TestStoppedLeftoverGetsToHandleTerm(t *testing.T) {
	t.Parallel()
	for _, m := range allModes {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			script := `"$@" & pid=$!
while [ ! -s '` + rec.ready + `' ]; do sleep 0.01; done
kill -STOP $pid
exit 5`
			r := start(t, m, append([]string{"--grace", "60s"}, sh(script, append([]string{"sh"}, rec.argv("-exit-on", "TERM")...)...)...)...)
			if code := r.wait(20 * time.Second); code != 5 {
				t.Errorf("exit %d, want 5\nstderr: %s", code, r.stderr.String())
			}
			if got := rec.signals(); !slices.Contains(got, unix.SIGTERM) {
				t.Errorf("the stopped leftover received %s, no SIGTERM", sigNames(got))
			}
		})
	}
}

// hookinit killed (not PID 1, so the kernel does not end the namespace):
// its app is not left running without an init.
func TestAppDiesWithHookinit(t *testing.T) {
	t.Parallel()
	r := start(t, direct, "sleep", "1000")
	app := r.waitBelow("sleep")
	r.signal(unix.SIGKILL)
	r.wait(10 * time.Second)
	waitFor(t, 5*time.Second, "the app to die with hookinit", func() bool { return !alive(app.pid) })
}
