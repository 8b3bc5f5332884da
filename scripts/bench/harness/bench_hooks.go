package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The nginx-style docker-entrypoint.sh loop, reading its hook directory from
// $1 instead of /docker-entrypoint.d, then exec'ing the command.
const loopScript = `#!/bin/sh
# nginx-style docker-entrypoint.sh loop (benchmark copy: the hook directory is $1)
set -e
dir=$1
shift
find "$dir" -follow -type f -print | sort -V | while read -r f; do
    case "$f" in
        *.envsh) . "$f";;
        *.sh) "$f";;
    esac
done
exec "$@"
`

// hookBody is one small hook: pure shell, the kind of check-and-configure
// step an entrypoint hook does. ext adds one external command.
func hookBody(shebang string, n int, ext bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!%s\n", shebang)
	fmt.Fprintf(&b, "# benchmark hook %02d: a small entrypoint hook\n", n)
	b.WriteString("set -eu\n")
	fmt.Fprintf(&b, "me=%02d-hook.sh\n", n)
	b.WriteString(": \"${BENCH_PORT:=8080}\"\n")
	fmt.Fprintf(&b, "if [ \"${BENCH_SKIP:-}\" = %02d ]; then\n\techo \"$me: skipped\" >&2\n\texit 0\nfi\n", n)
	fmt.Fprintf(&b, "conf=\"listen ${BENCH_PORT}; worker_processes %d;\"\n", n)
	b.WriteString("case \"$conf\" in\n*listen*) status=ok ;;\n*) status=bad ;;\nesac\n")
	b.WriteString("i=0\nwhile [ \"$i\" -lt 5 ]; do\n\ti=$((i + 1))\ndone\n")
	if ext {
		b.WriteString("/bin/true\n")
	}
	b.WriteString("printf '%s: %s after %s steps: %s\\n' \"$me\" \"$status\" \"$i\" \"$conf\" >/dev/null\n")
	return b.String()
}

type hookDirSet struct {
	sh50, bash50, extSh50, extBash50, empty, twenty, loop string
}

func writeHooks(dir, shebang string, count int, ext bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 1; i <= count; i++ {
		p := filepath.Join(dir, fmt.Sprintf("%02d-hook.sh", i))
		if err := os.WriteFile(p, []byte(hookBody(shebang, i, ext)), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// probe runs argv with a hook directory whose one hook creates a marker
// file, and says whether the hook ran and the command succeeded.
func probe(argv []string, mark string) error {
	os.Remove(mark)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = childEnv("BENCH_MARK=" + mark)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("`%s` failed (%v): %s", strings.Join(argv, " "), err, firstLine(string(out)))
	}
	if _, err := os.Stat(mark); err != nil {
		return fmt.Errorf("`%s` exited 0 but the hook did not run", strings.Join(argv, " "))
	}
	return nil
}

// runOK runs argv and fails with its output unless it exits 0.
func runOK(argv ...string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = childEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("`%s` failed (%v): %s", strings.Join(argv, " "), err, firstLine(string(out)))
	}
	return nil
}

// hookDirs writes the hook trees once and checks whether hookinit runs hooks.
func (h *harness) hookDirs() (hookDirSet, bool) {
	if h.hooksChecked {
		return h.hdirs, h.hooksOK
	}
	h.hooksChecked = true
	w := filepath.Join(h.cfg.work, "hooks")
	d := hookDirSet{
		sh50: filepath.Join(w, "sh50"), bash50: filepath.Join(w, "bash50"),
		extSh50: filepath.Join(w, "ext-sh50"), extBash50: filepath.Join(w, "ext-bash50"),
		empty: filepath.Join(w, "empty"), twenty: filepath.Join(w, "sh20"),
		loop: filepath.Join(w, "docker-entrypoint.sh"),
	}
	h.hdirs = d
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	must(writeHooks(d.sh50, "/bin/sh", 50, false))
	must(writeHooks(d.bash50, "/bin/bash", 50, false))
	must(writeHooks(d.extSh50, "/bin/sh", 50, true))
	must(writeHooks(d.extBash50, "/bin/bash", 50, true))
	must(writeHooks(d.twenty, "/bin/sh", 20, false))
	must(os.MkdirAll(d.empty, 0o755))
	must(os.WriteFile(d.loop, []byte(loopScript), 0o755))
	pd := filepath.Join(w, "probe")
	must(os.MkdirAll(pd, 0o755))
	must(os.WriteFile(filepath.Join(pd, "01-probe.sh"), []byte("#!/bin/sh\n: > \"$BENCH_MARK\"\n"), 0o755))
	// the loop must run the probe hook, and the hooks must work under dash and bash
	for _, sh := range []string{"dash", "bash"} {
		must(probe([]string{mustLook(sh), d.loop, pd, "true"}, filepath.Join(w, "mark")))
		for _, dir := range []string{d.sh50, d.bash50, d.extSh50, d.extBash50} {
			must(runOK(mustLook(sh), d.loop, dir, "true"))
		}
	}
	if h.hook == nil {
		h.hooksWhy = "hookinit is not built"
		return d, false
	}
	if err := probe([]string{h.hook.prefix[0], "--hooks", pd, "true"}, filepath.Join(w, "mark")); err != nil {
		h.hooksWhy = "hookinit: hooks not available yet: " + err.Error()
		logf("%s", h.hooksWhy)
		return d, false
	}
	for _, dir := range []string{d.sh50, d.extSh50} {
		if err := runOK(h.hook.prefix[0], "--hooks", dir, "true"); err != nil {
			h.hooksWhy = "hookinit: the benchmark hooks fail under hookinit: " + err.Error()
			logf("%s", h.hooksWhy)
			return d, false
		}
	}
	h.hooksOK = true
	return d, true
}

// 6. Hooks: 50 small *.sh hooks by hookinit's embedded shell against the
// nginx-style loop under dash and bash.
func (h *harness) benchHooks() {
	d, ok := h.hookDirs()
	type row struct {
		runner, set, cmd string
		argv             []string
		hooks            int
		wall, cpu        sample
		fails            int
	}
	dash, bash := mustLook("dash"), mustLook("bash")
	var rows []*row
	type set struct {
		name           string
		shDir, bashDir string
		hooks          int
	}
	sets := []set{
		{"50 hooks, builtins only", d.sh50, d.bash50, 50},
		{"50 hooks, one external command each", d.extSh50, d.extBash50, 50},
		{"no hooks (empty dir)", d.empty, d.empty, 0},
	}
	for _, s := range sets {
		if ok {
			rows = append(rows, &row{runner: "hookinit", set: s.name, hooks: s.hooks,
				cmd: "hookinit --hooks DIR true", argv: []string{h.hook.prefix[0], "--hooks", s.shDir, "true"}})
		}
		rows = append(rows, &row{runner: "dash loop", set: s.name, hooks: s.hooks,
			cmd: "dash docker-entrypoint.sh DIR true", argv: []string{dash, d.loop, s.shDir, "true"}})
		rows = append(rows, &row{runner: "bash loop", set: s.name, hooks: s.hooks,
			cmd: "bash docker-entrypoint.sh DIR true", argv: []string{bash, d.loop, s.bashDir, "true"}})
	}
	env := childEnv()
	one := func(r *row, record bool) {
		t := time.Now()
		p, err := spawn(r.argv, env, false)
		if err != nil {
			r.fails++
			return
		}
		ws, ru, _ := p.wait()
		dt := time.Since(t)
		if !ws.Exited() || ws.ExitStatus() != 0 {
			r.fails++
		}
		if record {
			r.wall = append(r.wall, float64(dt.Nanoseconds()))
			r.cpu = append(r.cpu, float64(syscall.TimevalToNsec(ru.Utime)+syscall.TimevalToNsec(ru.Stime)))
		}
	}
	for i := 0; i < 3; i++ {
		for _, r := range rows {
			one(r, false)
		}
	}
	for _, r := range rows {
		r.fails = 0
	}
	for i := 0; i < h.cfg.hooksRuns; i++ {
		for _, r := range rows {
			one(r, true)
		}
	}
	find := func(runner, set string) *row {
		for _, r := range rows {
			if r.runner == runner && r.set == set {
				return r
			}
		}
		return nil
	}

	h.printf("## 6. Hooks\n\n")
	h.printf("The same 50 small `*.sh` hooks (set -eu, parameter defaults, a test, a case, a 5-step while loop with arithmetic, a printf to /dev/null; the second set adds one external command, `/bin/true`) run by hookinit's embedded shell (`hookinit --hooks DIR true`) and by the nginx-style loop `find DIR -follow -type f -print | sort -V | while read -r f; do case \"$f\" in *.envsh) . \"$f\";; *.sh) \"$f\";; esac; done; exec \"$@\"` under dash (hooks with `#!/bin/sh`, i.e. dash) and under bash (the same hooks with `#!/bin/bash`). Wall time from fork to exit of the whole thing, %d runs per row, interleaved; *per hook* is (median − the same runner's empty-directory median) / 50. tini and the others run no hooks, so there is no tini ratio here.\n\n", h.cfg.hooksRuns)
	if !ok {
		h.printf("**%s** — only the shell loops were measured; rerun `scripts/bench.sh` once hooks land.\n\n", h.hooksWhy)
		if h.hook != nil {
			h.note("%s", h.hooksWhy)
		}
	}
	h.printf("| runner | hooks | command | median | p90 | per hook | CPU (median) | dash loop ÷ this | failed |\n")
	h.printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		per := "—"
		if r.hooks > 0 {
			if e := find(r.runner, sets[2].name); e != nil {
				per = us((r.wall.median() - e.wall.median()) / float64(r.hooks))
			}
		}
		sp := "—"
		if dl := find("dash loop", r.set); dl != nil {
			sp = ratio(dl.wall.median(), r.wall.median())
		}
		h.printf("| %s | %s | `%s` | %s | %s | %s | %s | %s | %d |\n", r.runner, r.set, r.cmd,
			ms(r.wall.median()), ms(r.wall.pct(90)), per, ms(r.cpu.median()), sp, r.fails)
	}
	h.printf("\n")
	if ok {
		hk, dl := find("hookinit", sets[0].name), find("dash loop", sets[0].name)
		sp := dl.wall.median() / hk.wall.median()
		h.target("50 hooks vs dash loop", "≥ 3× faster", fmt.Sprintf("%s vs %s = %.2f× faster", ms(hk.wall.median()), ms(dl.wall.median()), sp), sp >= 3 && hk.fails == 0, false)
	} else {
		h.target("50 hooks vs dash loop", "≥ 3× faster", h.hooksWhy, false, true)
	}
}
