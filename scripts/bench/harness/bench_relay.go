package main

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"time"
)

// 2. Signal relay latency: kill -TERM <init> until the app's handler runs.
func (h *harness) benchRelay() {
	type row struct {
		name, cmd, to string
		argv          []string
		lat           sample
		fails         int
		lastErr       string
	}
	app := h.cfg.app
	rows := []*row{{name: "none (app alone)", cmd: "benchapp relay", to: "the app itself", argv: []string{app, "relay"}}}
	add := func(name, to string, d initDef) {
		rows = append(rows, &row{name: name, cmd: d.display(app, "relay"), to: to, argv: d.argv(app, "relay")})
	}
	add("tini", "child", h.tini)
	add("tini -g", "child's group", initDef{"tini -g", []string{h.tini.prefix[0], "-g", "--"}})
	for _, d := range h.inits[1:] {
		switch d.name {
		case "dumb-init":
			add(d.name, "child's group (setsid mode)", d)
		case "catatonit":
			add(d.name, "child", d)
		case "hookinit":
			add(d.name, "app's group (default)", d)
			add("hookinit --signal-target child", "app only", initDef{"hookinit", []string{d.prefix[0], "--signal-target", "child"}})
		default: // an extra build (-variant)
			add(d.name, "app's group (default)", d)
		}
	}
	env := childEnv()
	one := func(r *row, record bool) {
		p, err := spawn(r.argv, env, true)
		if err != nil {
			r.fails++
			r.lastErr = err.Error()
			return
		}
		defer p.waitTimeout(5 * time.Second)
		if b, err := p.readN(1, 10*time.Second); err != nil || b[0] != 'R' {
			r.fails++
			r.lastErr = fmt.Sprintf("app not ready: %v", err)
			p.kill()
			return
		}
		time.Sleep(h.cfg.relaySettle)
		t0 := mono()
		syscall.Kill(p.pid, syscall.SIGTERM)
		b, err := p.readN(8, 5*time.Second)
		if err != nil {
			r.fails++
			r.lastErr = fmt.Sprintf("no timestamp from the app's handler: %v", err)
			p.kill()
			return
		}
		t1 := int64(binary.NativeEndian.Uint64(b))
		if record {
			r.lat = append(r.lat, float64(t1-t0))
		}
	}
	for i := 0; i < 5; i++ {
		for _, r := range rows {
			one(r, false)
		}
	}
	for _, r := range rows {
		r.fails = 0
	}
	for i := 0; i < h.cfg.relayRuns; i++ {
		for _, r := range rows {
			one(r, true)
		}
	}

	tini := rows[1]
	h.printf("## 2. Signal relay latency\n\n")
	h.printf("The harness reads CLOCK_MONOTONIC, sends `kill -TERM` to the init, and the app's SIGTERM handler stamps CLOCK_MONOTONIC first thing; latency is the difference. A fresh init and app per sample, %s after the app said it was ready; %d samples per row, interleaved. \"none\" sends the signal to the app directly: the floor of the method.\n\n", h.cfg.relaySettle, h.cfg.relayRuns)
	h.printf("| init | command | signal goes to | median | p90 | p99 | max | ratio to tini (median) | ratio to tini (p99) | failed |\n")
	h.printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		h.printf("| %s | `%s` | %s | %s | %s | %s | %s | %s | %s | %d |\n", r.name, r.cmd, r.to,
			us(r.lat.median()), us(r.lat.pct(90)), us(r.lat.pct(99)), us(r.lat.max()),
			ratio(r.lat.median(), tini.lat.median()), ratio(r.lat.pct(99), tini.lat.pct(99)), r.fails)
	}
	h.printf("\n")
	for _, r := range rows {
		if r.fails > 0 {
			h.note("relay, %s: %d failed samples; last: %s", r.name, r.fails, r.lastErr)
		}
	}
	for _, r := range rows {
		if r.name == "hookinit" || r.name == "hookinit --signal-target child" {
			m, t := r.lat.median(), tini.lat.median()
			goal := "≤ 1.2× tini"
			what := "relay latency (" + r.name + ")"
			h.target(what, goal, us(m)+" vs "+us(t)+" = "+ratio(m, t)+" (p99 "+ratio(r.lat.pct(99), tini.lat.pct(99))+")", m <= 1.2*t && r.fails == 0, false)
		}
	}
}
