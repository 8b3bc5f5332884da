// Command harness measures hookinit against tini, dumb-init and catatonit and
// writes BENCHMARKS.md. It is run by scripts/bench.sh, which builds it, the
// benchapp helper (scripts/bench/app) and a static stripped hookinit first;
// run that script rather than this program.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

type config struct {
	out      string
	app      string // benchapp
	hookinit string // "" when there is none yet
	command  string // the command line that produced the report
	source   string // what hookinit was built from
	build    string // how hookinit was built
	analysis string // hand-written notes appended to the report
	work     string // scratch directory
	only     map[string]bool
	quick    bool

	startRuns    int
	relayRuns    int
	relaySettle  time.Duration
	reapOrphans  int
	reapReps     int
	reapWorkers  int
	reapBurst    int
	idleSecs     int
	hooksRuns    int
	stopRuns     int
	stopLeftRuns int
}

// initDef is one init under test: the argv that comes before the app's.
type initDef struct {
	name   string
	prefix []string
}

func (d initDef) argv(app ...string) []string {
	return append(append([]string(nil), d.prefix...), app...)
}

// display is how the command line reads in the report, with the binaries'
// full paths shortened.
func (d initDef) display(app ...string) string {
	a := d.argv(app...)
	for i, s := range a {
		if strings.HasPrefix(s, "/") && (i == 0 || strings.HasSuffix(s, "benchapp")) {
			a[i] = s[strings.LastIndexByte(s, '/')+1:]
		}
	}
	return strings.Join(a, " ")
}

type harness struct {
	cfg     config
	inits   []initDef // tini, dumb-init, catatonit[, hookinit]
	tini    initDef
	hook    *initDef
	notes   []string
	targets []target
	body    strings.Builder

	hooksChecked bool
	hooksOK      bool
	hooksWhy     string
	hdirs        hookDirSet
}

// target is one line of the targets table.
type target struct {
	what, goal, measured, result string
}

func (h *harness) note(format string, a ...any) {
	h.notes = append(h.notes, fmt.Sprintf(format, a...))
}

func (h *harness) printf(format string, a ...any) {
	fmt.Fprintf(&h.body, format, a...)
}

func (h *harness) target(what, goal, measured string, ok bool, na bool) {
	r := "miss"
	switch {
	case na:
		r = "n/a"
	case ok:
		r = "pass"
	}
	h.targets = append(h.targets, target{what, goal, measured, r})
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
}

func mustLook(name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s not found: %v\n", name, err)
		os.Exit(1)
	}
	return p
}

func main() {
	var c config
	var only string
	flag.StringVar(&c.out, "out", "BENCHMARKS.md", "report to write")
	flag.StringVar(&c.app, "app", "", "path of the built benchapp")
	flag.StringVar(&c.hookinit, "hookinit", "", "path of the static hookinit binary (empty: not built yet)")
	flag.StringVar(&c.command, "command", "scripts/bench.sh", "command line shown in the report")
	flag.StringVar(&c.source, "source", "", "what hookinit was built from, for the report")
	flag.StringVar(&c.analysis, "analysis", "", "a hand-written markdown file appended to the report (profiling notes)")
	flag.StringVar(&c.build, "build", "CGO_ENABLED=0 go build -trimpath -ldflags='-s -w'", "how hookinit was built, for the report")
	flag.StringVar(&c.work, "work", "", "scratch directory")
	flag.StringVar(&only, "only", "start,relay,reap,idle,size,hooks,stop", "comma-separated benchmarks to run")
	flag.BoolVar(&c.quick, "quick", false, "smoke run: few repetitions (numbers not meaningful)")
	flag.IntVar(&c.startRuns, "start-runs", 500, "runs per init for start-to-exit")
	flag.IntVar(&c.relayRuns, "relay-runs", 500, "samples per init for signal relay")
	flag.DurationVar(&c.relaySettle, "relay-settle", 2*time.Millisecond, "pause between the app being ready and the kill")
	flag.IntVar(&c.reapOrphans, "reap-orphans", 20000, "orphans per reaping run")
	flag.IntVar(&c.reapReps, "reap-reps", 3, "reaping runs per init and pattern")
	flag.IntVar(&c.reapWorkers, "reap-workers", 2, "processes creating orphans in parallel")
	flag.IntVar(&c.reapBurst, "reap-burst", 100, "orphans per intermediate process in the burst pattern")
	flag.IntVar(&c.idleSecs, "idle-secs", 10, "idle window in seconds")
	flag.IntVar(&c.hooksRuns, "hooks-runs", 40, "runs per runner for the hooks benchmark")
	flag.IntVar(&c.stopRuns, "stop-runs", 100, "runs per init for the cooperative stop")
	flag.IntVar(&c.stopLeftRuns, "stopleft-runs", 10, "runs per init for the stop with leftovers")
	var variants multiFlag
	flag.Var(&variants, "variant", "NAME=PATH: also measure another hookinit binary (e.g. an experimental build) as \"hookinit[NAME]\" (repeatable)")
	flag.Parse()
	if c.quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		def := func(name string, p *int, v int) {
			if !set[name] {
				*p = v
			}
		}
		def("start-runs", &c.startRuns, 30)
		def("relay-runs", &c.relayRuns, 30)
		def("reap-orphans", &c.reapOrphans, 2000)
		def("reap-reps", &c.reapReps, 1)
		def("idle-secs", &c.idleSecs, 2)
		def("hooks-runs", &c.hooksRuns, 5)
		def("stop-runs", &c.stopRuns, 10)
		def("stopleft-runs", &c.stopLeftRuns, 2)
	}
	c.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		c.only[strings.TrimSpace(s)] = true
	}
	if c.app == "" {
		fmt.Fprintln(os.Stderr, "bench: -app is required (run scripts/bench.sh)")
		os.Exit(2)
	}
	if c.work == "" {
		d, err := os.MkdirTemp("", "hookinit-bench-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer os.RemoveAll(d)
		c.work = d
	}

	h := &harness{cfg: c}
	h.tini = initDef{"tini", []string{mustLook("tini"), "--"}}
	h.inits = []initDef{
		h.tini,
		{"dumb-init", []string{mustLook("dumb-init")}},
		{"catatonit", []string{mustLook("catatonit"), "--"}},
	}
	if c.hookinit != "" {
		d := initDef{"hookinit", []string{c.hookinit}}
		h.hook = &d
		h.inits = append(h.inits, d)
	}
	for _, v := range variants {
		name, path, ok := strings.Cut(v, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "bench: -variant %q: want NAME=PATH\n", v)
			os.Exit(2)
		}
		h.inits = append(h.inits, initDef{"hookinit[" + name + "]", []string{path}})
		h.note("hookinit[%s] is an extra build measured alongside: `%s`.", name, path)
	}
	if c.hookinit == "" {
		h.note("hookinit was not built (cmd/hookinit is missing or does not build): its rows are absent.")
	}
	if _, err := os.Stat("/docker-entrypoint.d"); err == nil {
		h.note("**/docker-entrypoint.d exists on this host**: plain `hookinit CMD` runs the hooks in it, so hookinit's start, relay, idle and stop numbers include them.")
	}

	start := time.Now()
	load0 := loadavg()
	type section struct {
		key string
		fn  func()
	}
	for _, s := range []section{
		{"start", h.benchStart},
		{"relay", h.benchRelay},
		{"reap", h.benchReap},
		{"idle", h.benchIdle},
		{"size", h.benchSize},
		{"hooks", h.benchHooks},
		{"stop", h.benchStop},
	} {
		if c.only[s.key] {
			t := time.Now()
			logf("== %s", s.key)
			s.fn()
			logf("   %s took %s", s.key, time.Since(t).Round(time.Millisecond))
		}
	}
	elapsed := time.Since(start)
	load1 := loadavg()

	report := h.report(start, elapsed, load0, load1)
	if err := os.WriteFile(c.out, []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	logf("wrote %s (%s)", c.out, elapsed.Round(time.Second))
	fmt.Print(h.targetsTable())
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
