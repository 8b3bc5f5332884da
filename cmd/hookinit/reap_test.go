package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Point 3: 2,000 double-forked orphans leave no zombie behind, as PID 1, as a
// subreaper under a PID 1 that never reaps, and directly under the test.
func TestReapOrphans(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		mode mode
		n    int
	}{{pid1, 2000}, {underNoReap, 2000}, {direct, 300}} {
		t.Run(fmt.Sprintf("%s/%d", c.mode, c.n), func(t *testing.T) {
			t.Parallel()
			hold := filepath.Join(t.TempDir(), "hold")
			r := start(t, c.mode, "-v", bin.orphans, "-n", fmt.Sprint(c.n), "-hold", hold)
			waitFor(t, 60*time.Second, "the orphans to be created", func() bool {
				return strings.Contains(r.stdout.String(), fmt.Sprintf("created %d\n", c.n))
			})
			if got := strings.Count(r.stdout.String(), "orphan "); got != c.n {
				t.Fatalf("the factory reports %d orphans, want %d", got, c.n)
			}
			// Everything below hookinit but the app has exited and was
			// reaped: the only processes left are hookinit and the app.
			var left []procInfo
			deadline := time.Now().Add(60 * time.Second)
			for {
				left = subtree(r.pid())
				if len(left) == 1 && left[0].comm == "orphans" && left[0].state != 'Z' {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("60s after the orphans were made, below hookinit: %d processes, %d zombies%s",
						len(left), zombies(r.pid()), describeTree(r.pid()))
				}
				time.Sleep(20 * time.Millisecond)
			}
			if z := zombies(r.cmd.Process.Pid); z != 0 {
				t.Errorf("%d zombies in the whole tree:%s", z, describeTree(r.cmd.Process.Pid))
			}
			touch(t, hold)
			if code := r.wait(30 * time.Second); code != 0 {
				t.Errorf("exit %d, want 0\nstderr: %s", code, r.stderr.String())
			}
			// hookinit reaped them, not someone else: -v logs each one
			// (or counts the lines it had to drop).
			reaped := strings.Count(r.stderr.String(), "hookinit: reaped orphan pid ")
			if m := dropped.FindStringSubmatch(r.stderr.String()); m != nil {
				n, _ := strconv.Atoi(m[1])
				reaped += n
			}
			if reaped != c.n {
				t.Errorf("hookinit logged %d reaped orphans, want %d", reaped, c.n)
			}
		})
	}
}

var dropped = regexp.MustCompile(`hookinit: (\d+) log lines dropped`)

// The zombie count above can fail: the same factory under a PID 1 that never
// reaps, without hookinit, leaves every orphan a zombie.
func TestOrphansStayZombiesWithoutHookinit(t *testing.T) {
	t.Parallel()
	hold := filepath.Join(t.TempDir(), "hold")
	r := startArgv(t, pid1, opts{}, "unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
		bin.noreap, bin.orphans, "-n", "20", "-hold", hold)
	waitFor(t, 20*time.Second, "20 zombies under the non-reaping PID 1", func() bool {
		return zombies(r.cmd.Process.Pid) >= 20
	})
	touch(t, hold)
	if code := r.wait(20 * time.Second); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}

// Point 3: -v logs each reaped orphan with its pid and how it ended; the
// default is silent about them.
func TestVerboseLogsReapedOrphans(t *testing.T) {
	t.Parallel()
	// The factory waits until its orphans have exited, so that none is
	// still running (and stopped by SIGTERM) when the app exits.
	script := fmt.Sprintf(`%s -wait -n 3 -sh 'exit 3' && %s -wait -n 2 -sh 'kill -KILL $$'`, bin.orphans, bin.orphans)
	orphanLine := regexp.MustCompile(`(?m)^orphan (\d+)$`)
	for _, m := range []mode{direct, pid1} {
		t.Run(m.String(), func(t *testing.T) {
			t.Parallel()
			r := start(t, m, append([]string{"-v"}, sh(script)...)...)
			code := r.wait(30 * time.Second)
			if code != 0 {
				t.Fatalf("exit %d\nstderr: %s", code, r.stderr.String())
			}
			pids := orphanLine.FindAllStringSubmatch(r.stdout.String(), -1)
			if len(pids) != 5 {
				t.Fatalf("want 5 orphans, the app reports:\n%s", r.stdout.String())
			}
			for i, p := range pids {
				want := fmt.Sprintf("reaped orphan pid %s (exit 3)", p[1])
				if i >= 3 {
					want = fmt.Sprintf("reaped orphan pid %s (killed by SIGKILL)", p[1])
				}
				if !strings.Contains(r.stderr.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, r.stderr.String())
				}
			}
		})
	}
	t.Run("silent by default", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := runHookinit(t, direct, sh(script)...)
		if code != 0 || stderr != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing", code, stderr)
		}
	})
}

// Point 9: the reaper never blocks on anything but the kernel. With -v and a
// stderr that nobody reads (a full pipe), 2,000 orphans are still reaped and
// hookinit still exits.
func TestReapingWithStderrBlocked(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close() // held open, never read
	hold := filepath.Join(t.TempDir(), "hold")
	r := startWith(t, direct, opts{stderr: pw}, "-v", bin.orphans, "-n", "2000", "-hold", hold)
	pw.Close()
	waitFor(t, 60*time.Second, "the orphans to be created and reaped", func() bool {
		left := subtree(r.pid())
		return strings.Contains(r.stdout.String(), "created 2000\n") && len(left) == 1 && left[0].state != 'Z'
	})
	touch(t, hold)
	if code := r.wait(30 * time.Second); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
}
