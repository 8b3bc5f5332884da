package main

import (
	"fmt"
	"syscall"
	"time"
)

// 4. Idle cost: memory, threads and wakeups of the init while the app idles.
func (h *harness) benchIdle() {
	type row struct {
		name, cmd string
		argv      []string
		s0, s1    procStats
		ok        bool
		err       string
	}
	app := []string{h.cfg.app, "idle"}
	var rows []*row
	for _, d := range h.inits {
		rows = append(rows, &row{name: d.name, cmd: d.display(app...), argv: d.argv(app...)})
	}
	if h.hook != nil {
		if dir, ok := h.hookDirs(); ok {
			hd := initDef{"hookinit", []string{h.hook.prefix[0], "--hooks", dir.twenty}}
			rows = append(rows, &row{name: "hookinit after 20 hooks", cmd: "hookinit --hooks DIR20 benchapp idle", argv: hd.argv(app...)})
		} else {
			h.note("idle: hookinit after 20 hooks not measured: %s", h.hooksWhy)
		}
	}
	env := childEnv()
	settle := time.Second
	window := time.Duration(h.cfg.idleSecs) * time.Second
	// One at a time, so that no two copies of a binary share pages (PSS).
	for _, r := range rows {
		logf("   idle %s", r.name)
		p, err := spawn(r.argv, env, true)
		if err != nil {
			r.err = err.Error()
			continue
		}
		if b, err := p.readN(1, 20*time.Second); err != nil || b[0] != 'R' {
			r.err = fmt.Sprintf("app not ready: %v", err)
			p.kill()
			p.wait()
			continue
		}
		time.Sleep(settle)
		s0, err0 := readProcStats(p.pid)
		time.Sleep(window)
		s1, err1 := readProcStats(p.pid)
		syscall.Kill(p.pid, syscall.SIGTERM)
		p.waitTimeout(10 * time.Second)
		if err0 != nil || err1 != nil {
			r.err = fmt.Sprintf("reading /proc: %v %v", err0, err1)
			continue
		}
		r.s0, r.s1, r.ok = s0, s1, true
	}

	h.printf("## 4. Idle cost\n\n")
	h.printf("`INIT benchapp idle` (the app blocks in pause()), one init at a time so that PSS is not shared between copies. RSS and PSS of the init process from /proc/PID/smaps_rollup, threads from /proc/PID/task, and wakeups as voluntary + involuntary context switches summed over the init's threads, counted over %d s of idle that start 1 s after the app is ready; CPU is utime+stime over that window (10 ms ticks). RSS splits into anonymous memory (heap, stacks) and file pages (the mapped binary and libraries, from /proc/PID/status): file pages are clean page cache, shared with every other process that maps the same file and dropped under memory pressure; on this kernel a static Go binary ends up mapped almost whole (a 1.3 MB Go \"hello world\" shows 1.3 MB of RssFile), so hookinit's file part is close to its binary size. \"after 20 hooks\" runs 20 of the hook benchmark's `*.sh` hooks first (`hookinit --hooks DIR20 benchapp idle`).\n\n", h.cfg.idleSecs)
	h.printf("| init | command | RSS | anon / file | PSS | threads | wakeups in %d s (vol + invol) | wakeups/s | CPU in window | RSS ratio to tini | wakeups ratio to tini |\n", h.cfg.idleSecs)
	h.printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	wake := func(r *row) float64 {
		return float64(r.s1.ctxVol + r.s1.ctxInv - r.s0.ctxVol - r.s0.ctxInv)
	}
	tini := rows[0]
	for _, r := range rows {
		if !r.ok {
			h.printf("| %s | `%s` | failed: %s | | | | | | | | |\n", r.name, r.cmd, r.err)
			continue
		}
		w := wake(r)
		h.printf("| %s | `%s` | %s | %s / %s | %s | %d | %.0f (%d + %d) | %.1f | %d ms | %s | %s |\n", r.name, r.cmd,
			kib(float64(r.s1.rssKiB)), kib(float64(r.s1.anonKiB)), kib(float64(r.s1.fileKiB)), kib(float64(r.s1.pssKiB)), r.s1.threads, w,
			r.s1.ctxVol-r.s0.ctxVol, r.s1.ctxInv-r.s0.ctxInv, w/float64(h.cfg.idleSecs),
			(r.s1.cpuTicks-r.s0.cpuTicks)*10,
			ratio(float64(r.s1.rssKiB), float64(tini.s1.rssKiB)), ratio(w, wake(tini)))
	}
	h.printf("\n")
	for _, r := range rows {
		switch r.name {
		case "hookinit after 20 hooks":
			if r.ok {
				h.target("RSS after 20 hooks", "≤ 4 MiB", fmt.Sprintf("%s (anon %s, file %s)", kib(float64(r.s1.rssKiB)), kib(float64(r.s1.anonKiB)), kib(float64(r.s1.fileKiB))), r.s1.rssKiB <= 4096, false)
			} else {
				h.target("RSS after 20 hooks", "≤ 4 MiB", "not measured: "+r.err, false, true)
			}
			fallthrough
		case "hookinit":
			if r.ok && tini.ok {
				w, t := wake(r), wake(tini)
				h.target("idle wakeups ("+r.name+")", "≤ tini", fmt.Sprintf("%.0f vs %.0f in %d s", w, t, h.cfg.idleSecs), w <= t, false)
			}
		}
	}
}
