package hooks

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

// compatCase is one run of an entrypoint of testdata/shell/compat.
type compatCase struct {
	name   string
	script string
	args   []string
	env    []string          // added to PATH and HOME
	files  map[string]string // written to the working directory first
	stdin  string
}

var compatCases = []compatCase{
	{name: "db-init", script: "db-entrypoint.sh", args: []string{"-c", "shared_buffers=128MB"},
		env: []string{"DB_PASSWORD_FILE=secret"}, files: map[string]string{"secret": "s3cret\n"}},
	{name: "db-again", script: "db-entrypoint.sh", args: []string{"dbserver"},
		files: map[string]string{"data/VERSION": "16\n"}},
	{name: "db-both-set", script: "db-entrypoint.sh", args: []string{"dbserver"},
		env: []string{"DB_PASSWORD=x", "DB_PASSWORD_FILE=secret"}, files: map[string]string{"secret": "y\n"}},
	{name: "db-other-command", script: "db-entrypoint.sh", args: []string{"report", "direct"}, stdin: "piped in\n"},
	{name: "web", script: "web-entrypoint.sh", args: []string{"report", "-g", "daemon off;"}},
	{name: "web-quiet", script: "web-entrypoint.sh", args: []string{"report"},
		env: []string{"ENTRYPOINT_QUIET_LOGS=1", "LISTEN_PORT=9000", "SERVER_NAME=example.org"}},
	{name: "web-not-found", script: "web-entrypoint.sh", args: []string{"no-such-server-x"}},
}

// compatResult is what a run leaves behind.
type compatResult struct {
	code           int
	stdout, stderr string
	files          string // path mode content, one file after the other
}

// TestCompat runs each entrypoint of testdata/shell/compat under bash and
// with RunScript, the hand-off started as the runner starts the app, each
// in an empty directory with the same environment, arguments and standard
// input, and compares what they leave: exit code, output, and every file
// written (path, mode, content), the report of the app (its arguments,
// directory, umask, environment, input) included.
func TestCompat(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "shell", "compat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range compatCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			script := filepath.Join(dir, c.script)
			if probs := CheckScriptFile(script); len(probs) > 0 {
				t.Fatalf("CheckScriptFile: %v", probs)
			}
			want := runCompat(t, c, func(work string, env []string, in, out, errf *os.File) int {
				cmd := exec.Command(bash, append([]string{script}, c.args...)...)
				cmd.Dir, cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = work, env, in, out, errf
				if err := cmd.Run(); err != nil {
					if ee, ok := err.(*exec.ExitError); ok {
						return ee.ExitCode()
					}
					t.Fatal(err)
				}
				return 0
			})
			got := runCompat(t, c, func(work string, env []string, in, out, errf *os.File) int {
				code, err := runEntrypoint(t, script, c.args, work, env, in, out, errf)
				if err != nil {
					t.Fatal(err)
				}
				return code
			})
			if got.code != want.code {
				t.Errorf("exit code: hookinit %d, bash %d", got.code, want.code)
			}
			for _, d := range []struct{ what, got, want string }{
				{"stdout", got.stdout, want.stdout}, {"stderr", got.stderr, want.stderr}, {"files", got.files, want.files},
			} {
				if d.got != d.want {
					t.Errorf("%s differ:\n--- hookinit\n%s\n--- bash\n%s", d.what, d.got, d.want)
				}
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("bash's files:\n%s\nstdout:\n%s\nstderr:\n%s", want.files, want.stdout, want.stderr)
			}
		})
	}
}

// runCompat prepares a working directory for c, runs it with run and
// collects the result, with the directory's path replaced by WORK.
func runCompat(t *testing.T, c compatCase, run func(work string, env []string, in, out, errf *os.File) int) compatResult {
	t.Helper()
	work := t.TempDir()
	for name, content := range c.files {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	side := t.TempDir()
	in := tempWith(t, side, "stdin", c.stdin)
	out := tempWith(t, side, "stdout", "")
	errf := tempWith(t, side, "stderr", "")
	env := append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + work, "LC_ALL=C"}, c.env...)
	code := run(work, env, in, out, errf)
	read := func(f *os.File) string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(b), work, "WORK")
	}
	var files strings.Builder
	err := filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == work {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(work, p)
		fmt.Fprintf(&files, "%s %v\n", rel, fi.Mode())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			content := strings.ReplaceAll(string(b), work, "WORK")
			if strings.HasSuffix(p, ".pid") {
				// A pidfile: a pid in both, never the same one.
				if _, err := strconv.Atoi(strings.TrimSpace(content)); err == nil {
					content = "a pid\n"
				}
			}
			files.WriteString(content)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return compatResult{code: code, stdout: read(out), stderr: read(errf), files: files.String()}
}

func tempWith(t *testing.T, dir, name, content string) *os.File {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
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

// TestCompatScriptsAreValid keeps the compat scripts runnable by bash.
func TestCompatScriptsAreValid(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	names, _ := filepath.Glob(filepath.Join("..", "testdata", "shell", "compat", "*.sh"))
	if len(names) == 0 || !slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, "db-entrypoint.sh") }) {
		t.Fatalf("compat scripts: %v", names)
	}
	for _, n := range names {
		if out, err := exec.Command(bash, "-n", n).CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", n, err, out)
		}
	}
}
