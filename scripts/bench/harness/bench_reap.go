package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// 3. Reaping: the init is PID 1 of a PID namespace, the app creates orphans
// as fast as it can.
func (h *harness) benchReap() {
	type row struct {
		name, pattern, cmd            string
		argv                          []string
		total, tail, maxZ, left, rate sample
		initCPU                       sample
		fails                         int
		lastErr                       string
	}
	unshare := mustLook("unshare")
	ns := []string{unshare, "--pid", "--fork", "--mount-proc"}
	n := h.cfg.reapOrphans
	patterns := []struct {
		name  string
		batch int
	}{
		{"stream", 1},
		{fmt.Sprintf("bursts of %d", h.cfg.reapBurst), h.cfg.reapBurst},
	}
	var rows []*row
	for _, pt := range patterns {
		for _, d := range h.inits {
			app := []string{h.cfg.app, "reap", strconv.Itoa(n), strconv.Itoa(h.cfg.reapWorkers), strconv.Itoa(pt.batch)}
			rows = append(rows, &row{
				name: d.name, pattern: pt.name,
				cmd:  "unshare --pid --fork --mount-proc " + d.display(app...),
				argv: append(append([]string(nil), ns...), d.argv(app...)...),
			})
		}
	}
	env := childEnv()
	for rep := 0; rep < h.cfg.reapReps; rep++ {
		for _, r := range rows {
			logf("   reap %d/%d %s, %s", rep+1, h.cfg.reapReps, r.name, r.pattern)
			p, err := spawn(r.argv, env, true)
			if err != nil {
				r.fails++
				r.lastErr = err.Error()
				continue
			}
			out, err := p.readAll(150 * time.Second)
			p.waitTimeout(10 * time.Second)
			kv := map[string]float64{}
			for _, f := range strings.Fields(string(out)) {
				if k, v, ok := strings.Cut(f, "="); ok {
					x, _ := strconv.ParseFloat(v, 64)
					kv[k] = x
				}
			}
			if _, ok := kv["total_ms"]; !ok || err != nil {
				r.fails++
				r.lastErr = fmt.Sprintf("no result (%v): %q", err, firstLine(string(out)))
				continue
			}
			r.total = append(r.total, kv["total_ms"]*1e6)
			r.tail = append(r.tail, (kv["total_ms"]-kv["forked_ms"])*1e6)
			r.maxZ = append(r.maxZ, kv["max_zombies"])
			r.left = append(r.left, kv["zombies_left"]+kv["procs_left"]-kv["base_procs"])
			r.rate = append(r.rate, float64(n)/(kv["total_ms"]/1e3))
			if v, ok := kv["init_cpu_ms"]; ok && v >= 0 {
				r.initCPU = append(r.initCPU, v*1e6)
			}
		}
	}

	h.printf("## 3. Reaping orphans as PID 1\n\n")
	h.printf("`unshare --pid --fork --mount-proc INIT benchapp reap …`: the init is PID 1 of a new PID namespace, the app (PID 2) makes %d orphans with %d worker processes: each worker forks an intermediate that forks the orphans (one per intermediate in the stream pattern, %d in the burst pattern) and exits without waiting, so every orphan ends up a zombie child of PID 1. A watcher thread in the app scans the namespace's /proc every millisecond and counts processes in state Z. Time runs from the first fork until /proc shows no zombie and no process beyond those present at the start; *tail* is the part of it after the last fork; *init CPU* is the user+system time PID 1 itself spent meanwhile (from /proc/1/stat, 10 ms ticks), which on 2 CPUs is taken from the app's forking and is less sensitive to other load on the machine than the rate. %d runs per row, interleaved; the app's own forking bounds the rate, so the stream pattern mostly measures that.\n\n",
		n, h.cfg.reapWorkers, h.cfg.reapBurst, h.cfg.reapReps)
	h.printf("| init | pattern | time until last reaped (median) | rate (orphans/s, median) | tail after last fork (median) | most zombies at once (median / max) | zombies left (max) | init CPU (median) | rate ratio to tini | init CPU ratio to tini | failed |\n")
	h.printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	tiniOf := map[string]*row{}
	for _, r := range rows {
		if r.name == "tini" {
			tiniOf[r.pattern] = r
		}
	}
	for _, r := range rows {
		left := "n/a"
		if len(r.left) > 0 {
			left = fmt.Sprintf("%.0f", r.left.max())
		}
		maxz := "n/a"
		if len(r.maxZ) > 0 {
			maxz = fmt.Sprintf("%.0f / %.0f", r.maxZ.median(), r.maxZ.max())
		}
		h.printf("| %s | %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %d |\n", r.name, r.pattern, ms(r.total.median()),
			r.rate.median(), ms(r.tail.median()), maxz, left, ms(r.initCPU.median()),
			ratio(r.rate.median(), tiniOf[r.pattern].rate.median()), ratio(r.initCPU.median(), tiniOf[r.pattern].initCPU.median()), r.fails)
	}
	h.printf("\n")
	for _, r := range rows {
		if r.fails > 0 {
			h.note("reaping, %s (%s): %d failed runs; last: %s", r.name, r.pattern, r.fails, r.lastErr)
		}
		if r.name == "hookinit" {
			t := tiniOf[r.pattern]
			m, tm := r.rate.median(), t.rate.median()
			left := r.left.max()
			ok := len(r.rate) > 0 && m >= tm && left == 0 && r.fails == 0
			res := fmt.Sprintf("%.0f/s vs %.0f/s = %s, %.0f left; PID 1's CPU %s× tini's", m, tm, ratio(m, tm), left,
				strings.TrimSuffix(ratio(r.initCPU.median(), t.initCPU.median()), "×"))
			if !ok && m >= 0.95*tm && left == 0 && r.fails == 0 {
				res += " (within 5%: noise on this machine)"
			}
			h.target("reaping rate, "+r.pattern, "≥ tini, 0 zombies left", res, ok, false)
		}
	}
}
