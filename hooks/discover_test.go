package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Files for the trees the tests build.
const (
	script = "#!/bin/sh\necho hi\n"
	elf    = "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is subject to the umask.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// logger collects Logf lines.
type logger struct {
	mu    sync.Mutex
	lines []string
}

func (l *logger) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// discover runs Discover on named roots and fails the test on an error.
func discover(t *testing.T, roots ...string) (*Plan, *logger) {
	t.Helper()
	l := &logger{}
	p, err := Discover(roots, DiscoverOptions{Logf: l.logf})
	if err != nil {
		t.Fatalf("Discover(%q): %v", roots, err)
	}
	return p, l
}

// withScriptChecker replaces the package's script checker for one test, so
// that tests of discovery neither depend on the real checker nor run in
// parallel with another test that replaces it.
func withScriptChecker(t *testing.T, c func(string, []byte) []Problem) {
	old := scriptChecker
	scriptChecker = func(path string, src []byte) (*checkedScript, []Problem) { return nil, c(path, src) }
	t.Cleanup(func() { scriptChecker = old })
}

func noScriptChecker(t *testing.T) {
	withScriptChecker(t, func(string, []byte) []Problem { return nil })
}

// summary renders hooks as "name kind path (reason)" lines for comparison.
func summary(hs []Hook) []string {
	var s []string
	for _, h := range hs {
		line := fmt.Sprintf("%s %s %s", h.Name, h.Kind, h.Path)
		if h.Reason != "" {
			line += " (" + h.Reason + ")"
		}
		s = append(s, line)
	}
	return s
}

func names(hs []Hook) []string {
	var s []string
	for _, h := range hs {
		s = append(s, h.Name)
	}
	return s
}

func problemStrings(ps []Problem) []string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return s
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestDiscoverTestdata checks the shared two-root tree against the plan
// other tests (and the end-to-end suite) rely on. It keeps the real script
// checker, if the package has one, so that the tree stays clean for it.
func TestDiscoverTestdata(t *testing.T) {
	t.Chdir("../testdata/hooks")
	p, l := discover(t, "base", "app")
	var out bytes.Buffer
	if _, err := p.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	golden, err := os.ReadFile("plan.golden")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(golden) {
		t.Errorf("plan:\n%s\nwant (plan.golden):\n%s", out.String(), golden)
	}
	wantLines(t, "runnable pre-start", names(p.Runnable(PreStart)),
		[]string{"9-early.sh", "10-base.sh", "20-env.envsh", "50-override.sh", "60-app.envsh"})
	wantLines(t, "runnable post-start", names(p.Runnable(PostStart)), []string{"10-provision.sh", "20-app-post.sh"})
	wantLines(t, "runnable background", names(p.Runnable(Background)), []string{"10-sidecar.sh", "20-app-sidecar.sh"})
	for _, h := range p.Background {
		if h.Directives != (Directives{Restart: RestartNever}) {
			t.Errorf("%s: directives %v, want restart=never", h.Path, h.Directives)
		}
	}
	wantLines(t, "log", l.lines, []string{
		"ignoring base/10-base.sh~: editor or package manager leftover",
		"ignoring app/.hidden.sh: hidden file",
		"ignoring directory app/lib",
	})
}

func TestDiscoverOrderAcrossRoots(t *testing.T) {
	noScriptChecker(t)
	a, b := t.TempDir(), t.TempDir()
	for _, n := range []string{"10-a.sh", "2-a.sh", "100-a.sh", "a.sh"} {
		writeFile(t, filepath.Join(a, n), script, 0o755)
	}
	for _, n := range []string{"9-b.sh", "10-b.sh", "1-b.sh", "B.sh"} {
		writeFile(t, filepath.Join(b, n), script, 0o755)
	}
	writeFile(t, filepath.Join(b, "post-start", "10-p.sh"), script, 0o755)
	writeFile(t, filepath.Join(a, "post-start", "9-p.sh"), script, 0o755)
	p, _ := discover(t, a, b)
	wantLines(t, "pre-start", names(p.PreStart),
		[]string{"1-b.sh", "2-a.sh", "9-b.sh", "10-a.sh", "10-b.sh", "100-a.sh", "B.sh", "a.sh"})
	wantLines(t, "post-start", names(p.PostStart), []string{"9-p.sh", "10-p.sh"})
	if len(p.Background) != 0 || len(p.Problems) != 0 {
		t.Errorf("background %v, problems %v; want none", p.Background, p.Problems)
	}
}

func TestDiscoverLayering(t *testing.T) {
	noScriptChecker(t)
	base, mid, app := t.TempDir(), t.TempDir(), t.TempDir()
	for _, n := range []string{"10-over.sh", "20-empty.sh", "30-null.sh", "40-rel.sh", "50-twice.sh", "60-back.sh", "70-broken.sh"} {
		writeFile(t, filepath.Join(base, n), script, 0o755)
	}
	writeFile(t, filepath.Join(base, "background", "10-bg.sh"), script, 0o755)
	writeFile(t, filepath.Join(mid, "10-over.sh"), script, 0o755)
	writeFile(t, filepath.Join(mid, "20-empty.sh"), "", 0o644) // x bit does not matter for a mask
	symlink(t, "/dev/null", filepath.Join(mid, "30-null.sh"))
	rel, err := filepath.Rel(mid, "/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	symlink(t, rel, filepath.Join(mid, "40-rel.sh"))
	writeFile(t, filepath.Join(mid, "50-twice.sh"), "", 0o755)
	writeFile(t, filepath.Join(mid, "60-back.sh"), "", 0o755)
	writeFile(t, filepath.Join(mid, "80-nothing.sh"), "", 0o755)
	symlink(t, "/dev/null", filepath.Join(mid, "90-nothing.sh"))
	symlink(t, "/dev/null", filepath.Join(mid, "background", "10-bg.sh"))
	writeFile(t, filepath.Join(app, "10-over.sh"), script, 0o755)
	symlink(t, "/dev/null", filepath.Join(app, "50-twice.sh"))
	writeFile(t, filepath.Join(app, "60-back.sh"), script, 0o755) // a file again after a mask
	// A broken file in an earlier root that a later one replaces is no
	// problem: it never runs.
	if err := os.Remove(filepath.Join(base, "70-broken.sh")); err != nil {
		t.Fatal(err)
	}
	symlink(t, "nowhere", filepath.Join(base, "70-broken.sh"))
	writeFile(t, filepath.Join(app, "70-broken.sh"), script, 0o755)

	p, _ := discover(t, base, mid, app)
	wantLines(t, "pre-start", summary(p.PreStart), []string{
		"10-over.sh interpret " + app + "/10-over.sh",
		"20-empty.sh masked " + base + "/20-empty.sh (masked by " + mid + "/20-empty.sh)",
		"30-null.sh masked " + base + "/30-null.sh (masked by " + mid + "/30-null.sh)",
		"40-rel.sh masked " + base + "/40-rel.sh (masked by " + mid + "/40-rel.sh)",
		"50-twice.sh masked " + base + "/50-twice.sh (masked by " + app + "/50-twice.sh)",
		"60-back.sh interpret " + app + "/60-back.sh",
		"70-broken.sh interpret " + app + "/70-broken.sh",
		"80-nothing.sh masked " + mid + "/80-nothing.sh (empty file, nothing to mask)",
		"90-nothing.sh masked " + mid + "/90-nothing.sh (symlink to /dev/null, nothing to mask)",
	})
	wantLines(t, "background", summary(p.Background), []string{
		"10-bg.sh masked " + base + "/background/10-bg.sh (masked by " + mid + "/background/10-bg.sh)",
	})
	for _, h := range p.PreStart {
		if want := filepath.Dir(h.Path); h.Root != want {
			t.Errorf("%s: root %q, want %q", h.Name, h.Root, want)
		}
	}
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
	if got := names(p.Runnable(PreStart)); !slices.Equal(got, []string{"10-over.sh", "60-back.sh", "70-broken.sh"}) {
		t.Errorf("runnable: %q", got)
	}
}

func TestDiscoverClassification(t *testing.T) {
	noScriptChecker(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "10-env.envsh"), "export A=1\n", 0o755)
	writeFile(t, filepath.Join(root, "20-run.sh"), "echo hi\n", 0o700)
	writeFile(t, filepath.Join(root, "30-group-x.sh"), "echo hi\n", 0o610) // any x bit will do
	writeFile(t, filepath.Join(root, "40-bin"), elf, 0o755)
	writeFile(t, filepath.Join(root, "50-script"), "#!/bin/sh\necho hi\n", 0o755)
	writeFile(t, filepath.Join(root, "60-spaced"), "#!  /bin/sh -e\necho hi\n", 0o755)
	writeFile(t, filepath.Join(root, "70-noexec.sh"), "echo hi\n", 0o644)
	writeFile(t, filepath.Join(root, "71-noexec.envsh"), "echo hi\n", 0o644)
	writeFile(t, filepath.Join(root, "72-noexec-bin"), elf, 0o644)
	writeFile(t, filepath.Join(root, "lib", "real.sh"), "echo hi\n", 0o755)
	symlink(t, "lib/real.sh", filepath.Join(root, "80-link.envsh")) // the link's name decides
	writeFile(t, filepath.Join(root, "lib", "noexec"), "echo hi\n", 0o644)
	symlink(t, "lib/noexec", filepath.Join(root, "81-link-noexec.sh"))
	writeFile(t, filepath.Join(root, "README"), "docs\n", 0o644)

	p, l := discover(t, root)
	wantLines(t, "pre-start", summary(p.PreStart), []string{
		"10-env.envsh source " + root + "/10-env.envsh",
		"20-run.sh interpret " + root + "/20-run.sh",
		"30-group-x.sh interpret " + root + "/30-group-x.sh",
		"40-bin execute " + root + "/40-bin",
		"50-script execute " + root + "/50-script",
		"60-spaced execute " + root + "/60-spaced",
		"70-noexec.sh skipped " + root + "/70-noexec.sh (not executable)",
		"71-noexec.envsh skipped " + root + "/71-noexec.envsh (not executable)",
		"72-noexec-bin skipped " + root + "/72-noexec-bin (not executable)",
		"80-link.envsh source " + root + "/80-link.envsh",
		"81-link-noexec.sh skipped " + root + "/81-link-noexec.sh (not executable)",
		"README skipped " + root + "/README (not executable)",
	})
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
	wantLines(t, "log", l.lines, []string{
		"ignoring directory " + root + "/lib",
	})
}

func TestDiscoverIgnored(t *testing.T) {
	noScriptChecker(t)
	root := t.TempDir()
	var want []string
	for _, n := range []string{".hidden.sh", ".swp"} {
		writeFile(t, filepath.Join(root, n), script, 0o755)
		want = append(want, "ignoring "+root+"/"+n+": hidden file")
	}
	for _, s := range ignoredSuffixes {
		n := "10-x.sh" + s
		writeFile(t, filepath.Join(root, n), script, 0o755)
		want = append(want, "ignoring "+root+"/"+n+": editor or package manager leftover")
	}
	writeFile(t, filepath.Join(root, "background", "10-bg.sh.bak"), script, 0o755)
	want = append(want, "ignoring "+root+"/background/10-bg.sh.bak: editor or package manager leftover")
	mkdir(t, filepath.Join(root, ".git"))
	want = append(want, "ignoring "+root+"/.git: hidden file")
	mkdir(t, filepath.Join(root, "helpers.d"))
	want = append(want, "ignoring directory "+root+"/helpers.d")
	writeFile(t, filepath.Join(root, "10-x.sh"), script, 0o755)

	p, l := discover(t, root)
	wantLines(t, "pre-start", names(p.PreStart), []string{"10-x.sh"})
	if len(p.Background) != 0 || len(p.Problems) != 0 {
		t.Errorf("background %v, problems %v", p.Background, p.Problems)
	}
	slices.Sort(want)
	slices.Sort(l.lines)
	wantLines(t, "log", l.lines, want)
}

// TestDiscoverProblems builds one root with every kind of problem and
// checks each is reported once, naming its file, while the file takes its
// place in the plan as skipped.
func TestDiscoverProblems(t *testing.T) {
	var checked []string
	withScriptChecker(t, func(path string, src []byte) []Problem {
		checked = append(checked, filepath.Base(path))
		if bytes.Contains(src, []byte("BAD")) {
			return []Problem{{Path: path, Line: 2, Col: 1, Msg: "checker says bad"}}
		}
		return nil
	})
	root := t.TempDir()
	dir := func(n string) string { return filepath.Join(root, n) }
	mkdir(t, dir("10-dir.sh"))
	mkdir(t, dir("11-dir.envsh"))
	mkdir(t, dir("post-start/12-sub"))
	mkdir(t, dir("background/13-sub.d"))
	symlink(t, "/nonexistent/target", dir("20-broken.sh"))
	symlink(t, "21-loop-b.sh", dir("21-loop-a.sh"))
	symlink(t, "21-loop-a.sh", dir("21-loop-b.sh"))
	if err := syscall.Mkfifo(dir("22-fifo.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir("30-python"), "#!/nonexistent/python3\nprint(1)\n", 0o755)
	writeFile(t, dir("lib/not-exec"), "#!/bin/sh\n", 0o644)
	writeFile(t, dir("31-noexec-interp"), "#!"+dir("lib/not-exec")+" -x\n", 0o755)
	writeFile(t, dir("32-dir-interp"), "#! "+root+"\n", 0o755)
	writeFile(t, dir("33-crlf"), "#!/bin/sh\r\necho hi\r\n", 0o755)
	writeFile(t, dir("34-empty-shebang"), "#!\necho hi\n", 0o755)
	writeFile(t, dir("35-no-shebang"), "echo hi\n", 0o755)
	writeFile(t, dir("36-other-binary"), "MZ\x00\x00", 0o755)
	writeFile(t, dir("40-checked.sh"), "#!/bin/sh\nBAD\n", 0o755)
	writeFile(t, dir("41-checked.envsh"), "#!/bin/sh\nexport OK=1\n", 0o755)
	writeFile(t, dir("42-directive.sh"), "#!/bin/sh\n# hookinit: essential\n", 0o755)
	writeFile(t, dir("background/43-bad-directive.sh"), "#!/bin/sh\n# hookinit: restart=always\n# hookinit: restart=sometimes\n", 0o755)
	writeFile(t, dir("background/44-good.sh"), "#!/bin/sh\n# hookinit: restart=always essential\n", 0o755)
	writeFile(t, dir("background/45-bin"), elf+"\n# hookinit: bogus\n", 0o755)
	writeFile(t, dir("post-start/46-crlf-directive.sh"), "#!/bin/sh\r\n# hookinit: restart=never\r\n", 0o755)
	writeFile(t, dir("background/47-binary-directive"), "#!/bin/sh\n# hookinit: essential\n\x00", 0o755)

	p, _ := discover(t, root)
	r := root + "/"
	wantLines(t, "problems", problemStrings(p.Problems), []string{
		r + "10-dir.sh: is a directory named like a hook; a hook must be a file",
		r + "11-dir.envsh: is a directory named like a hook; a hook must be a file",
		r + `20-broken.sh: broken symlink to "/nonexistent/target"`,
		r + "21-loop-a.sh: cannot read: too many levels of symbolic links",
		r + "21-loop-b.sh: cannot read: too many levels of symbolic links",
		r + "22-fifo.sh: not a regular file (named pipe)",
		r + "30-python:1:3: #! interpreter /nonexistent/python3 does not exist",
		r + "31-noexec-interp:1:3: #! interpreter " + r + "lib/not-exec is not an executable file",
		r + "32-dir-interp:1:4: #! interpreter " + root + " is not an executable file",
		r + `33-crlf:1:3: #! interpreter "/bin/sh\r" ends in a carriage return: the file has CRLF (Windows) line endings`,
		r + "34-empty-shebang:1:3: #! line names no interpreter",
		r + "35-no-shebang: executable but neither a #! script nor an ELF binary, so it cannot be executed; name it *.sh to run it with the embedded shell",
		r + "36-other-binary: executable but neither a #! script nor an ELF binary, so it cannot be executed; name it *.sh to run it with the embedded shell",
		r + "40-checked.sh:2:1: checker says bad",
		r + "42-directive.sh:2: hookinit directives apply to background hooks only; this is a pre-start hook",
		r + "post-start/12-sub: is a directory; a post-start hook must be a file",
		r + "post-start/46-crlf-directive.sh:2: hookinit directives apply to background hooks only; this is a post-start hook",
		r + "background/13-sub.d: is a directory; a background hook must be a file",
		r + `background/43-bad-directive.sh:3:13: unknown restart value "sometimes" (want restart=on-failure, restart=always or restart=never)`,
	})
	wantLines(t, "checked by the script checker", checked,
		[]string{"40-checked.sh", "41-checked.envsh", "42-directive.sh", "46-crlf-directive.sh", "43-bad-directive.sh", "44-good.sh"})
	skipped := map[string]string{}
	for _, ph := range phases {
		for _, h := range p.Hooks(ph) {
			if h.Kind == Skipped {
				skipped[h.Name] = h.Reason
			}
		}
	}
	for _, n := range []string{"10-dir.sh", "11-dir.envsh", "12-sub", "13-sub.d", "20-broken.sh", "21-loop-a.sh", "22-fifo.sh"} {
		if skipped[n] == "" {
			t.Errorf("%s: not skipped with a reason", n)
		}
	}
	bg := map[string]Directives{}
	for _, h := range p.Background {
		bg[h.Name] = h.Directives
	}
	for n, want := range map[string]Directives{
		"43-bad-directive.sh": {Restart: RestartAlways},
		"44-good.sh":          {Restart: RestartAlways, Essential: true},
		"45-bin":              {},
		"47-binary-directive": {},
	} {
		if bg[n] != want {
			t.Errorf("%s: directives %v, want %v", n, bg[n], want)
		}
	}
}

// TestDiscoverUnreadable covers a file that cannot be opened. Root reads
// any file whatever its mode, so as root (how the tests usually run) the
// test makes the open fail another way that is real: the file is replaced
// by a FIFO after it was looked at (the race readFileMax guards against),
// which must neither block nor be read.
func TestDiscoverUnreadable(t *testing.T) {
	noScriptChecker(t)
	root := t.TempDir()
	path := filepath.Join(root, "10-secret.sh")
	if os.Geteuid() != 0 {
		writeFile(t, path, script, 0o311) // executable, not readable
		p, _ := discover(t, root)
		wantLines(t, "problems", problemStrings(p.Problems), []string{path + ": cannot read: permission denied"})
		wantLines(t, "plan", summary(p.PreStart), []string{"10-secret.sh skipped " + path + " (cannot read: permission denied)"})
	}
	if err := syscall.Mkfifo(path+".fifo", 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := readFileMax(path+".fifo", headLen, false); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("readFileMax(FIFO) = %v, want a not-a-regular-file error", err)
	}
}

func TestDiscoverPhaseDirProblems(t *testing.T) {
	noScriptChecker(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "post-start"), script, 0o755)
	symlink(t, "nowhere", filepath.Join(root, "background"))
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "background"), "", 0o644)
	p, _ := discover(t, root, other)
	wantLines(t, "problems", problemStrings(p.Problems), []string{
		other + "/background: background must be a directory: it holds the background hooks",
		root + "/post-start: post-start must be a directory: it holds the post-start hooks",
	})
	// A phase directory reached through a symlink is fine.
	root2 := t.TempDir()
	writeFile(t, filepath.Join(root2, "real-bg", "10-bg.sh"), script, 0o755)
	symlink(t, "real-bg", filepath.Join(root2, "background"))
	p, _ = discover(t, root2)
	wantLines(t, "background", names(p.Background), []string{"10-bg.sh"})
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
}

func TestDiscoverTooLarge(t *testing.T) {
	noScriptChecker(t)
	root := t.TempDir()
	path := filepath.Join(root, "10-huge.sh")
	writeFile(t, path, "", 0o755)
	if err := os.Truncate(path, maxScriptLen+1); err != nil { // sparse: cheap
		t.Fatal(err)
	}
	p, _ := discover(t, root)
	wantLines(t, "problems", problemStrings(p.Problems), []string{path + ": larger than 64 MiB: too large for a hook script"})
}

// TestDiscoverLongHeader checks that only the start of a file is read for
// directives, and that a line cut by that limit is not misread.
func TestDiscoverLongHeader(t *testing.T) {
	noScriptChecker(t)
	root := t.TempDir()
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# hookinit: restart=never\n")
	for b.Len() < headLen-10 {
		b.WriteString("# padding\n")
	}
	b.WriteString("# hookinit: restart=bogus\n") // straddles the limit
	b.WriteString("# hookinit: restart=bogus\n") // beyond it
	writeFile(t, filepath.Join(root, "background", "10-long.sh"), b.String(), 0o755)
	writeFile(t, filepath.Join(root, "background", "20-long"), b.String(), 0o755) // executed: read up to headLen only
	p, _ := discover(t, root)
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
	for _, h := range p.Background {
		if h.Directives.Restart != RestartNever {
			t.Errorf("%s: directives %v", h.Name, h.Directives)
		}
	}
}

func TestDiscoverRoots(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := Discover([]string{missing}, DiscoverOptions{})
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != "hooks: hook root "+missing+": no such file or directory" {
		t.Errorf("missing named root: %v", err)
	}

	l := &logger{}
	p, err := Discover([]string{missing}, DiscoverOptions{MissingOK: true, Logf: l.logf})
	if err != nil || len(p.PreStart)+len(p.PostStart)+len(p.Background)+len(p.Problems) != 0 {
		t.Errorf("missing root with MissingOK: %+v, %v", p, err)
	}
	wantLines(t, "log", l.lines, []string{"no hook root " + missing + ": no hooks from it"})
	if !slices.Equal(p.Roots, []string{missing}) {
		t.Errorf("roots %q", p.Roots)
	}

	file := filepath.Join(t.TempDir(), "file")
	writeFile(t, file, "", 0o644)
	for _, ok := range []bool{false, true} {
		_, err = Discover([]string{file}, DiscoverOptions{MissingOK: ok})
		if !errors.Is(err, syscall.ENOTDIR) || !strings.Contains(err.Error(), file) {
			t.Errorf("root is a file (MissingOK %v): %v", ok, err)
		}
	}

	// A root that exists but cannot be read: a symlink loop fails even
	// for root.
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	symlink(t, "loop", loop)
	_, err = Discover([]string{loop}, DiscoverOptions{MissingOK: true})
	if !errors.Is(err, syscall.ELOOP) || !strings.HasPrefix(err.Error(), "hooks: hook root "+loop+": ") {
		t.Errorf("unreadable root: %v", err)
	}

	// An error in a later root fails the whole discovery.
	good := t.TempDir()
	if _, err = Discover([]string{good, missing}, DiscoverOptions{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("good then missing root: %v", err)
	}

	p, err = Discover(nil, DiscoverOptions{})
	if err != nil || len(p.PreStart) != 0 {
		t.Errorf("no roots: %+v, %v", p, err)
	}
}

// FuzzDiscover puts one file of any name, content and mode into a root
// and checks that discovery classifies it as the rules say and that the
// plan stays one line per hook.
func FuzzDiscover(f *testing.F) {
	f.Add("10-a.sh", []byte(script), uint16(0o755), uint8(0))
	f.Add("20-env.envsh", []byte("export A=1\n"), uint16(0o700), uint8(1))
	f.Add("bin", []byte(elf), uint16(0o755), uint8(2))
	f.Add("x.sh~", []byte(script), uint16(0o755), uint8(0))
	f.Add(".hidden", []byte(script), uint16(0o755), uint8(0))
	f.Add("empty", []byte{}, uint16(0o644), uint8(0))
	f.Add("line\nbreak.sh", []byte("#!/bin/sh\n# hookinit: bogus\n"), uint16(0o755), uint8(2))
	f.Add("README", []byte("text"), uint16(0o644), uint8(1))
	f.Fuzz(func(t *testing.T, name string, content []byte, mode uint16, phase uint8) {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
			return
		}
		ph := phases[int(phase)%len(phases)]
		root := t.TempDir()
		path := filepath.Join(root, ph.dir(), name)
		if ph == PreStart && (name == PostStart.dir() || name == Background.dir()) {
			return
		}
		perm := os.FileMode(mode) & 0o777
		writeFile(t, path, string(content), perm|0o400)
		p, err := Discover([]string{root}, DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var all []Hook
		for _, ph := range phases {
			all = append(all, p.Hooks(ph)...)
		}
		var want Kind
		switch {
		case ignoredName(name) != "":
			if len(all) != 0 {
				t.Fatalf("ignored %q is in the plan: %v", name, all)
			}
			return
		case len(content) == 0:
			want = Masked
		case perm&0o111 == 0:
			want = Skipped
		default:
			want = kindByName(name)
		}
		if len(all) != 1 || all[0].Name != name || all[0].Path != path || all[0].Phase != ph {
			t.Fatalf("plan for %q: %+v", path, all)
		}
		if h := all[0]; h.Kind != want && !(want == Execute && h.Kind == Skipped) {
			t.Fatalf("%q classified %v, want %v", name, h.Kind, want)
		}
		var out bytes.Buffer
		if _, err := p.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		// Title, three phase headers, two "(none)", the hook, the
		// problems header and one line per problem or "(none)".
		want2 := 8 + max(len(p.Problems), 1)
		if n := strings.Count(out.String(), "\n"); n != want2 {
			t.Fatalf("plan has %d lines, want %d:\n%s", n, want2, out.String())
		}
	})
}
