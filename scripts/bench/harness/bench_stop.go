package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

func wsString(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit %d", ws.ExitStatus())
	case ws.Signaled():
		return "killed by " + ws.Signal().String()
	}
	return "?"
}

// 7. Stop: SIGTERM to the init (PID 1 of a PID namespace) until the whole
// namespace is gone.
func (h *harness) benchStop() {
	type row struct {
		name, cmd string
		argv      []string
		left      bool
		dur, done sample
		statuses  map[string]int
		fails     int
		lastErr   string
		dir       string
	}
	unshare := mustLook("unshare")
	ns := []string{unshare, "--pid", "--fork", "--mount-proc"}
	const leftovers, leftMS = 10, 100
	var coop, left []*row
	coop = append(coop, &row{name: "none (app is PID 1)", cmd: "unshare … benchapp stop", argv: append(append([]string(nil), ns...), h.cfg.app, "stop")})
	for _, d := range h.inits {
		coop = append(coop, &row{name: d.name, cmd: "unshare … " + d.display(h.cfg.app, "stop"), argv: append(append([]string(nil), ns...), d.argv(h.cfg.app, "stop")...)})
	}
	for _, d := range h.inits {
		dir := filepath.Join(h.cfg.work, "left-"+d.name)
		app := []string{h.cfg.app, "stopleft", strconv.Itoa(leftovers), dir, strconv.Itoa(leftMS)}
		left = append(left, &row{name: d.name, left: true, dir: dir,
			cmd:  fmt.Sprintf("unshare … %s", d.display(h.cfg.app, "stopleft", "10", "DIR", "100")),
			argv: append(append([]string(nil), ns...), d.argv(app...)...)})
	}
	env := childEnv()
	one := func(r *row, record bool) {
		if r.left {
			os.RemoveAll(r.dir)
			os.MkdirAll(r.dir, 0o755)
		}
		p, err := spawn(r.argv, env, true)
		if err != nil {
			r.fails++
			r.lastErr = err.Error()
			return
		}
		if b, err := p.readN(1, 10*time.Second); err != nil || b[0] != 'R' {
			r.fails++
			r.lastErr = fmt.Sprintf("app not ready: %v", err)
			p.kill()
			p.wait()
			return
		}
		// the init is unshare's only child
		var kids []int
		for i := 0; i < 100; i++ {
			if kids = children(p.pid); len(kids) == 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if len(kids) != 1 {
			r.fails++
			r.lastErr = fmt.Sprintf("unshare has children %v", kids)
			p.kill()
			p.wait()
			return
		}
		time.Sleep(2 * time.Millisecond)
		t0 := time.Now()
		syscall.Kill(kids[0], syscall.SIGTERM)
		ws, exited := p.waitTimeout(20 * time.Second)
		d := time.Since(t0)
		if !exited {
			r.fails++
			r.lastErr = "did not exit within 20 s"
			// the init is PID 1 of the namespace: killing it ends the rest
			syscall.Kill(kids[0], syscall.SIGKILL)
			return
		}
		if !record {
			return
		}
		if r.statuses == nil {
			r.statuses = map[string]int{}
		}
		r.statuses[wsString(ws)]++
		r.dur = append(r.dur, float64(d.Nanoseconds()))
		if r.left {
			ents, _ := os.ReadDir(r.dir)
			r.done = append(r.done, float64(len(ents)))
		}
	}
	for i := 0; i < 2; i++ {
		for _, r := range coop {
			one(r, false)
		}
	}
	for _, r := range coop {
		r.fails = 0
	}
	for i := 0; i < h.cfg.stopRuns; i++ {
		for _, r := range coop {
			one(r, true)
		}
	}
	for i := 0; i < h.cfg.stopLeftRuns; i++ {
		for _, r := range left {
			one(r, true)
		}
	}
	statuses := func(r *row) string {
		var keys []string
		for k := range r.statuses {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := ""
		for i, k := range keys {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%s ×%d", k, r.statuses[k])
		}
		return s
	}
	h.printf("## 7. Stop\n\n")
	h.printf("`unshare --pid --fork --mount-proc INIT benchapp …`: the init is PID 1 of a PID namespace, as in a container. Time from `kill -TERM` to the init (found as unshare's child) until `unshare` has been reaped, i.e. until PID 1 and, with it, every process of the namespace is gone; unshare's own exit is in every row. The exit status is unshare's, which passes on the init's.\n\n")
	h.printf("**Cooperative app** (`benchapp stop`: its SIGTERM handler exits at once), %d runs per row, interleaved:\n\n", h.cfg.stopRuns)
	h.printf("| init | command | median | p99 | ratio to tini | exit status | failed |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	tini := coop[1]
	for _, r := range coop {
		h.printf("| %s | `%s` | %s | %s | %s | %s | %d |\n", r.name, r.cmd, ms(r.dur.median()), ms(r.dur.pct(99)), ratio(r.dur.median(), tini.dur.median()), statuses(r), r.fails)
	}
	h.printf("\n**With %d leftovers** (`benchapp stopleft 10 DIR 100`): before saying ready, the app starts %d background processes, each in a session of its own (so no relayed signal reaches them), whose SIGTERM handler takes %d ms and then creates a file in DIR; the app itself exits on SIGTERM at once. *handlers completed* counts those files after the namespace is gone: a leftover that the kernel SIGKILLs when PID 1 exits writes none. hookinit is *meant* to take longer here: once the app has exited it sends SIGTERM to every remaining process and waits (up to `--grace`, 5 s) until they are gone, so their handlers complete; tini, dumb-init and catatonit exit as soon as the app has, and the kernel kills the rest. %d runs per row, interleaved:\n\n", leftovers, leftovers, leftMS, h.cfg.stopLeftRuns)
	h.printf("| init | command | median | max | ratio to tini | handlers completed (median / min, of %d) | exit status | failed |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n", leftovers)
	lt := left[0]
	for _, r := range left {
		h.printf("| %s | `%s` | %s | %s | %s | %.0f / %.0f | %s | %d |\n", r.name, r.cmd, ms(r.dur.median()), ms(r.dur.max()), ratio(r.dur.median(), lt.dur.median()), r.done.median(), r.done.min(), statuses(r), r.fails)
	}
	h.printf("\n")
	for _, rs := range [][]*row{coop, left} {
		for _, r := range rs {
			if r.fails > 0 {
				h.note("stop, %s: %d failed runs; last: %s", r.cmd, r.fails, r.lastErr)
			}
		}
	}
}
