// Package runner is hookinit as a process: the phases of a container's life
// (run.go, read top to bottom), with one file per concern:
//   - reaper.go: the one place exit statuses are collected (waitid, then
//     wait4(-1)); processes are registered before they can exit;
//   - hookphases.go, background.go, poststart.go, ready.go, script.go: the
//     hook phases and --script, run through the hooks package;
//   - app.go, relay.go, signals.go: starting the app and relaying signals
//     to it; the signals themselves are caught first thing by runner/early;
//   - shutdown.go: stopping everything that is left, once, in order;
//   - log.go (stderr that never blocks PID 1), memory.go, protect.go
//     (a panic stops the container in order instead of killing PID 1).
package runner
