// Package hooks finds, checks and runs entrypoint hooks and --script
// entrypoints with an embedded shell (mvdan.cc/sh/v3), so that they run in
// images that have no /bin/sh, exactly as bash would run them or not at
// all.
//
// Finding and checking, before anything runs:
//   - discover.go, order.go, directives.go, plan.go: hook roots, layering
//     and masks, natural order, kinds, "# hookinit:" directives, the plan
//     that --check prints;
//   - check.go: the static checker, which refuses every construct the
//     embedded shell would run differently from bash (with file:line:col).
//
// Running (Shell, in shell.go): every process a hook starts goes through a
// Starter, the runner's single reaper; nothing here forks or waits itself.
//   - hookrun.go: one run of a hook and what it started;
//   - rewrite.go: the rewrites that make the interpreter behave like bash
//     (job and status bookkeeping, $?, tildes, function markers);
//   - builtins.go: the call handler, which sees every command before it
//     runs, with the builtins hookinit implements or corrects in kill.go,
//     umask.go, jobs.go (& jobs, wait), traps.go, options.go (set, shopt),
//     printf.go (printf, echo), read.go and source.go (".", eval, frames);
//   - exec.go: external commands; script.go: --script entrypoints (exec
//     hand-off, signal traps, the terminal);
//   - trace.go (set -x) and prefix.go (--log-prefix): the output path.
package hooks
