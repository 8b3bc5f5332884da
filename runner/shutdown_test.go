package runner

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// startHelper starts argv and returns its pid; the process is killed and
// waited for at the end of the test (tests may use exec.Cmd.Wait: the
// reaper rule is for hookinit's own processes).
func startHelper(t *testing.T, argv ...string) int {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start %v: %v", argv, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = syscall.Kill(cmd.Process.Pid, syscall.SIGCONT)
		_ = cmd.Wait()
	})
	return cmd.Process.Pid
}

// state is pid's state letter from /proc/PID/stat.
func state(pid int) string {
	if f, ok := statFields(pid); ok {
		return f[0]
	}
	return ""
}

func waitState(t *testing.T, pid int, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); state(pid) != want; {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d in state %q, want %q", pid, state(pid), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// A process that is stopped, or has a stop signal pending, gets SIGCONT at
// stop; one that is running or sleeping does not.
func TestStoppedOrStopping(t *testing.T) {
	sleeping := startHelper(t, "sleep", "100")
	waitState(t, sleeping, "S")
	if stoppedOrStopping(sleeping) {
		t.Errorf("a sleeping process counts as stopped")
	}

	stopped := startHelper(t, "sleep", "100")
	if err := unix.Kill(stopped, unix.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, stopped, "T")
	if !stoppedOrStopping(stopped) {
		t.Errorf("a stopped process does not count as stopped")
	}

	// A pending stop signal: blocked here, so that it stays pending long
	// enough to be seen (a stop signal that was just sent is pending until
	// the process next runs).
	blocked := startHelper(t, "perl", "-MPOSIX", "-e",
		`sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGTSTP)); print "ok\n"; sleep 100`)
	for deadline := time.Now().Add(5 * time.Second); !blocksTSTP(blocked); {
		if time.Now().After(deadline) {
			t.Fatalf("perl did not block SIGTSTP")
		}
		time.Sleep(time.Millisecond)
	}
	if stoppedOrStopping(blocked) {
		t.Errorf("counts as stopped before any stop signal")
	}
	if err := unix.Kill(blocked, unix.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	if !stoppedOrStopping(blocked) {
		t.Errorf("a process with SIGTSTP pending does not count as stopping")
	}
}

func blocksTSTP(pid int) bool {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "SigBlk:"); ok {
			m, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return m&(1<<(unix.SIGTSTP-1)) != 0
		}
	}
	return false
}
