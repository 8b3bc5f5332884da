package runner

import (
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{
		"TERM": unix.SIGTERM, "SIGTERM": unix.SIGTERM, "term": unix.SIGTERM, "15": unix.SIGTERM,
		"hup": unix.SIGHUP, "RTMIN": 34, "RTMIN+3": 37, "RTMAX": 64, "SIGRTMAX-2": 62, "64": 64,
	} {
		got, err := ParseSignal(in, false)
		if err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "FOO", "0", "65", "-1", "RTMIN+31", "TERMX"} {
		if got, err := ParseSignal(in, false); err == nil {
			t.Errorf("ParseSignal(%q) = %v, want an error", in, got)
		}
	}
	if got, err := ParseSignal("0", true); err != nil || got != 0 {
		t.Errorf("ParseSignal(0, allowZero) = %v, %v", got, err)
	}
}

func TestParseRewriteAndRemap(t *testing.T) {
	if f, to, err := ParseRewrite("TERM:QUIT"); err != nil || f != unix.SIGTERM || to != unix.SIGQUIT {
		t.Errorf("TERM:QUIT = %v %v %v", f, to, err)
	}
	if f, to, err := ParseRewrite("USR1:0"); err != nil || f != unix.SIGUSR1 || to != 0 {
		t.Errorf("USR1:0 = %v %v %v", f, to, err)
	}
	for _, bad := range []string{"TERM", "TERM:FOO", "0:TERM", ":", "KILL:TERM", "URG:TERM", "CHLD:0", "33:TERM"} {
		_, _, err := ParseRewrite(bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseRewrite(%q) error %v does not quote the spec", bad, err)
		}
	}
	if f, to, err := ParseRemapExit("143:0"); err != nil || f != 143 || to != 0 {
		t.Errorf("143:0 = %v %v %v", f, to, err)
	}
	for _, bad := range []string{"143", "256:0", "1:-1", "a:b"} {
		_, _, err := ParseRemapExit(bad)
		if err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseRemapExit(%q) error %v does not quote the spec", bad, err)
		}
	}
}

func TestLookPath(t *testing.T) {
	if p, err := lookPath("sh", "/nonexistent:/bin:/usr/bin", "/"); err != nil || !strings.HasSuffix(p, "/sh") {
		t.Errorf("lookPath(sh) = %q, %v", p, err)
	}
	if _, err := lookPath("no-such-command-here", "/bin", "/"); execFailureCode(err) != 127 {
		t.Errorf("missing command: code %d, want 127 (%v)", execFailureCode(err), err)
	}
	if _, err := lookPath("/etc/passwd", "", "/"); execFailureCode(err) != 126 {
		t.Errorf("not executable: code %d, want 126 (%v)", execFailureCode(err), err)
	}
	if _, err := lookPath("./etc", "", "/"); execFailureCode(err) != 126 {
		t.Errorf("directory: code %d, want 126 (%v)", execFailureCode(err), err)
	}
	if _, err := lookPath("./nope", "", "/"); execFailureCode(err) != 127 {
		t.Errorf("missing path: code %d, want 127 (%v)", execFailureCode(err), err)
	}
}

func TestValidateReady(t *testing.T) {
	for _, ok := range []string{"tcp://127.0.0.1:80", "http://localhost:8080/health", "file:///tmp/ready"} {
		if err := ValidateReady(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"tcp://host", "ftp://x:1", "file://", "localhost:80"} {
		if err := ValidateReady(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
