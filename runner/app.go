package runner

import (
	"github.com/hookinit/hookinit/runner/early"

	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/hookinit/hookinit/hooks"
)

// startApp starts the app as the leader of its own process group (the
// terminal's foreground group when hookinit has the terminal), delivers the
// signals that arrived before it existed, and closes hookinit's copies of
// inherited descriptors. On failure it returns 127 or 126, as a shell would.
func (c *container) startApp() (int, bool) {
	if len(c.cfg.Command) == 0 {
		c.log.errorf("no command to run")
		return 2, false
	}
	cmd := &hooks.Command{
		Args:       c.cfg.Command,
		Env:        c.env,
		Dir:        c.dir,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Umask:      c.umask,
		Foreground: ownsTerminal(),
	}
	return c.startAppCommand(cmd)
}

// startAppCommand starts cmd (its Path resolved here) as the app. When
// hookinit is not PID 1, the app dies with it: nothing else would stop an
// app whose init was killed (as PID 1, the kernel ends the whole namespace).
func (c *container) startAppCommand(cmd *hooks.Command) (int, bool) {
	cmd.DieWithParent = os.Getpid() != 1
	name := cmd.Args[0]
	path, err := lookPath(name, envValue(cmd.Env, "PATH"), cmd.Dir)
	if err == nil {
		cmd.Path = path
		early.WaitCaught() // from here on, no signal may go uncaught
		c.app, err = c.reaper.start(cmd)
	}
	if err != nil {
		code := execFailureCode(err)
		if errors.Is(err, errNotFound) {
			c.log.errorf("%s: command not found", name)
		} else {
			c.log.errorf("cannot run %s: %v", name, err)
		}
		return code, false
	}
	c.log.debugf("started %s as pid %d", name, c.app.pid)
	early.CloseInherited()
	for _, sig := range c.queued {
		c.relay(sig)
	}
	c.queued = nil
	return 0, true
}

// errNotFound is a command name that is nowhere in PATH.
var errNotFound = errors.New("command not found")

// execFailureCode maps a failed start to the shell's convention: 127 when
// there is nothing to run, 126 when there is something but it cannot run.
func execFailureCode(err error) int {
	if errors.Is(err, errNotFound) || errors.Is(err, syscall.ENOENT) {
		return 127
	}
	return 126
}

// lookPath finds name like execvp does: a name with a slash is used as it
// is (relative to dir); otherwise the PATH entries are tried in order.
func lookPath(name, path, dir string) (string, error) {
	if name == "" {
		return "", errNotFound // not the PATH directories themselves
	}
	if strings.Contains(name, "/") {
		return name, checkExecutable(absFrom(dir, name))
	}
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	denied := error(nil)
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(absFrom(dir, d), name)
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, syscall.ENOENT) && denied == nil {
			denied = &os.PathError{Op: "exec", Path: p, Err: err}
		}
	}
	if denied != nil {
		return "", denied // found, but not runnable: 126 like a shell
	}
	return "", errNotFound
}

func checkExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return unwrapErrno(err)
	}
	if fi.IsDir() {
		return syscall.EISDIR
	}
	if err := unix.Access(p, unix.X_OK); err != nil {
		return err
	}
	return nil
}

func unwrapErrno(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// ownsTerminal reports whether stdin is a terminal whose foreground process
// group is hookinit's own. Only then does the app take the terminal over:
// hookinit started in the background must not steal it.
func ownsTerminal() bool {
	fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}
