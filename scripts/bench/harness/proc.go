package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// mono reads CLOCK_MONOTONIC, the clock benchapp stamps its handler with.
func mono() int64 {
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, 1 /* CLOCK_MONOTONIC */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

var devNull *os.File

func init() {
	f, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		panic(err)
	}
	devNull = f
}

// childEnv is the environment every measured process gets: ours without any
// HOOKINIT_* variable, so that no setting of the caller changes hookinit.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOOKINIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// proc is a started process: its pid and, when asked for, the read end of a
// pipe on its stdout.
type proc struct {
	pid int
	out *os.File
}

// spawn starts argv (argv[0] an absolute path) in a process group of its
// own, stdin and stderr on /dev/null, stdout on a pipe when pipeOut is set.
func spawn(argv []string, env []string, pipeOut bool) (*proc, error) {
	stdout := devNull
	var r, w *os.File
	if pipeOut {
		var err error
		r, w, err = os.Pipe()
		if err != nil {
			return nil, err
		}
		stdout = w
	}
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{devNull.Fd(), stdout.Fd(), devNull.Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
	pid, err := syscall.ForkExec(argv[0], argv, attr)
	if w != nil {
		w.Close()
	}
	if err != nil {
		if r != nil {
			r.Close()
		}
		return nil, fmt.Errorf("%s: %w", argv[0], err)
	}
	return &proc{pid: pid, out: r}, nil
}

// readN reads exactly n bytes from the process's stdout within d.
func (p *proc) readN(n int, d time.Duration) ([]byte, error) {
	p.out.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, n)
	_, err := io.ReadFull(p.out, buf)
	return buf, err
}

// readAll reads stdout to EOF within d.
func (p *proc) readAll(d time.Duration) ([]byte, error) {
	p.out.SetReadDeadline(time.Now().Add(d))
	var b bytes.Buffer
	_, err := io.Copy(&b, p.out)
	return b.Bytes(), err
}

// wait reaps the process and returns its wait status and rusage.
func (p *proc) wait() (syscall.WaitStatus, syscall.Rusage, error) {
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	for {
		_, err := syscall.Wait4(p.pid, &ws, 0, &ru)
		if err == syscall.EINTR {
			continue
		}
		if p.out != nil {
			p.out.Close()
		}
		return ws, ru, err
	}
}

// waitTimeout waits at most d, then kills the process (and its group) and
// reaps it. It reports whether the process exited by itself.
func (p *proc) waitTimeout(d time.Duration) (syscall.WaitStatus, bool) {
	deadline := time.Now().Add(d)
	var ws syscall.WaitStatus
	for {
		pid, err := syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid == p.pid || err != nil {
			if p.out != nil {
				p.out.Close()
			}
			return ws, true
		}
		if time.Now().After(deadline) {
			p.kill()
			ws, _, _ := p.wait()
			return ws, false
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// kill sends SIGKILL to the process and to its process group.
func (p *proc) kill() {
	syscall.Kill(-p.pid, syscall.SIGKILL)
	syscall.Kill(p.pid, syscall.SIGKILL)
}

// children lists the direct children of pid (from /proc/PID/task/*/children).
func children(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// procStats is what /proc says about one process.
type procStats struct {
	rssKiB, pssKiB   int64
	anonKiB, fileKiB int64 // RssAnon and RssFile from /proc/PID/status
	threads          int
	ctxVol, ctxInv   int64 // summed over all threads
	cpuTicks         int64 // utime+stime
}

func readProcStats(pid int) (procStats, error) {
	var s procStats
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Rss:":
			s.rssKiB = v
		case "Pss:":
			s.pssKiB = v
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			v, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "RssAnon:":
				s.anonKiB = v
			case "RssFile:":
				s.fileKiB = v
			}
		}
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return s, err
	}
	s.threads = len(tasks)
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			v, _ := strconv.ParseInt(f[1], 10, 64)
			switch f[0] {
			case "voluntary_ctxt_switches:":
				s.ctxVol += v
			case "nonvoluntary_ctxt_switches:":
				s.ctxInv += v
			}
		}
	}
	b, err = os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return s, errors.New("bad stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// fields after ')': state(0) ... utime(11) stime(12)
	if len(f) > 12 {
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		s.cpuTicks = u + st
	}
	return s, nil
}
