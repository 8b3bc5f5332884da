package hooks

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func examplePlan() *Plan {
	return &Plan{
		Roots: []string{"/base", "/app"},
		PreStart: []Hook{
			{Name: "10-base.sh", Path: "/base/10-base.sh", Root: "/base", Kind: Interpret},
			{Name: "20-env.envsh", Path: "/app/20-env.envsh", Root: "/app", Kind: Source},
			{Name: "30-old.sh", Path: "/base/30-old.sh", Root: "/base", Kind: Masked, Reason: "masked by /app/30-old.sh"},
			{Name: "40-readme.txt", Path: "/base/40-readme.txt", Root: "/base", Kind: Skipped, Reason: "not executable"},
			{Name: "50-bin", Path: "/app/50-bin", Root: "/app", Kind: Execute},
		},
		Background: []Hook{
			{Name: "10-sidecar.sh", Path: "/app/background/10-sidecar.sh", Root: "/app", Phase: Background, Kind: Interpret,
				Directives: Directives{Restart: RestartAlways, Essential: true}},
			{Name: "20-default", Path: "/app/background/20-default", Root: "/app", Phase: Background, Kind: Execute},
			{Name: "30-off.sh", Path: "/base/background/30-off.sh", Root: "/base", Phase: Background, Kind: Masked, Reason: "masked by /app/background/30-off.sh"},
		},
		Problems: []Problem{
			{Path: "/app/bad.sh", Line: 3, Col: 5, Msg: "unsupported: trap ... TERM"},
			{Path: "/app/dir.sh", Msg: "is a directory named like a hook; a hook must be a file"},
		},
	}
}

func TestWriteTo(t *testing.T) {
	t.Parallel()
	const want = `hookinit: plan for roots /base:/app
pre-start:
  10-base.sh     interpret  /base/10-base.sh
  20-env.envsh   source     /app/20-env.envsh
  30-old.sh      masked     /base/30-old.sh (masked by /app/30-old.sh)
  40-readme.txt  skipped    /base/40-readme.txt (not executable)
  50-bin         execute    /app/50-bin
post-start:
  (none)
background:
  10-sidecar.sh  interpret  /app/background/10-sidecar.sh restart=always essential
  20-default     execute    /app/background/20-default restart=on-failure
  30-off.sh      masked     /base/background/30-off.sh (masked by /app/background/30-off.sh)
problems:
  /app/bad.sh:3:5: unsupported: trap ... TERM
  /app/dir.sh: is a directory named like a hook; a hook must be a file
`
	var b bytes.Buffer
	n, err := examplePlan().WriteTo(&b)
	if err != nil || n != int64(len(want)) || b.String() != want {
		t.Errorf("WriteTo = %d, %v:\n%s\nwant:\n%s", n, err, b.String(), want)
	}
}

func TestWriteToEmpty(t *testing.T) {
	t.Parallel()
	const want = `hookinit: plan for roots (none)
pre-start:
  (none)
post-start:
  (none)
background:
  (none)
problems:
  (none)
`
	var b bytes.Buffer
	if _, err := (&Plan{}).WriteTo(&b); err != nil || b.String() != want {
		t.Errorf("WriteTo = %v:\n%s\nwant:\n%s", err, b.String(), want)
	}
}

// TestWriteToOddNames checks that a name with a line break or blanks
// cannot split or shift a line of the plan.
func TestWriteToOddNames(t *testing.T) {
	t.Parallel()
	p := &Plan{
		Roots: []string{"/my hooks"},
		PreStart: []Hook{
			{Name: "10\nevil.sh", Path: "/my hooks/10\nevil.sh", Kind: Interpret},
			{Name: "20 x.sh", Path: "/my hooks/20 x.sh", Kind: Skipped, Reason: "not\nexecutable"},
		},
		Problems: []Problem{{Path: "/my hooks/10\nevil.sh", Line: 1, Msg: "bad\r\nthing"}},
	}
	const want = `hookinit: plan for roots "/my hooks"
pre-start:
  "10\nevil.sh"  interpret  "/my hooks/10\nevil.sh"
  "20 x.sh"      skipped    "/my hooks/20 x.sh" (not\nexecutable)
post-start:
  (none)
background:
  (none)
problems:
  "/my hooks/10\nevil.sh":1: bad\r\nthing
`
	var b bytes.Buffer
	if _, err := p.WriteTo(&b); err != nil || b.String() != want {
		t.Errorf("WriteTo = %v:\n%s\nwant:\n%s", err, b.String(), want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteToError(t *testing.T) {
	t.Parallel()
	if n, err := examplePlan().WriteTo(failWriter{}); err == nil || n != 0 {
		t.Errorf("WriteTo(failing writer) = %d, %v", n, err)
	}
}

func TestRunnable(t *testing.T) {
	t.Parallel()
	p := examplePlan()
	for ph, want := range map[Phase][]string{
		PreStart:   {"10-base.sh", "20-env.envsh", "50-bin"},
		PostStart:  nil,
		Background: {"10-sidecar.sh", "20-default"},
		Phase(9):   nil,
	} {
		if got := names(p.Runnable(ph)); !slices.Equal(got, want) {
			t.Errorf("Runnable(%v) = %q, want %q", ph, got, want)
		}
	}
	// The result is the caller's to change.
	r := p.Runnable(PreStart)
	r[0].Name = "changed"
	if p.PreStart[0].Name != "10-base.sh" {
		t.Error("Runnable shares its result with the plan")
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	for _, c := range [][2]string{
		{PreStart.String(), "pre-start"},
		{PostStart.String(), "post-start"},
		{Background.String(), "background"},
		{Phase(5).String(), "Phase(5)"},
		{Source.String(), "source"},
		{Interpret.String(), "interpret"},
		{Execute.String(), "execute"},
		{Skipped.String(), "skipped"},
		{Masked.String(), "masked"},
		{Kind(-1).String(), "Kind(-1)"},
		{RestartOnFailure.String(), "on-failure"},
		{RestartAlways.String(), "always"},
		{RestartNever.String(), "never"},
	} {
		if c[0] != c[1] {
			t.Errorf("String() = %q, want %q", c[0], c[1])
		}
	}
}
