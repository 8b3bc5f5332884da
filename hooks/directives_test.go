package hooks

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestParseDirectives(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		src  string
		want Directives
	}{
		{"none", "#!/bin/sh\necho hi\n", Directives{}},
		{"empty file", "", Directives{}},
		{"restart always", "#!/bin/sh\n# hookinit: restart=always\n", Directives{Restart: RestartAlways}},
		{"restart never", "# hookinit: restart=never\n", Directives{Restart: RestartNever}},
		{"explicit default", "# hookinit: restart=on-failure\n", Directives{}},
		{"essential", "#!/bin/sh\n# hookinit: essential\n", Directives{Essential: true}},
		{"both on one line", "#!/bin/sh\n# hookinit: restart=always  essential\n", Directives{Restart: RestartAlways, Essential: true}},
		{"tabs", "#!/bin/sh\n#\thookinit:\trestart=never\tessential\t\n", Directives{Restart: RestartNever, Essential: true}},
		{"several lines", "#!/bin/sh\n# A sidecar.\n# hookinit: essential\n#\n# hookinit: restart=never\n", Directives{Restart: RestartNever, Essential: true}},
		{"same restart twice", "# hookinit: restart=never\n# hookinit: restart=never\n", Directives{Restart: RestartNever}},
		{"no space after #", "#hookinit: essential\n", Directives{Essential: true}},
		{"blank lines in header", "#!/bin/sh\n\n# hookinit: essential\n\n", Directives{Essential: true}},
		{"indented", "  # hookinit: essential\n", Directives{Essential: true}},
		{"CRLF", "#!/bin/sh\r\n# hookinit: restart=always\r\n", Directives{Restart: RestartAlways}},
		{"no newline at end", "# hookinit: essential", Directives{Essential: true}},
		{"after code: not a directive", "#!/bin/sh\nset -e\n# hookinit: restart=bogus\n", Directives{}},
		{"not a directive comment", "# this hook uses hookinit: nothing to see\n", Directives{}},
		{"#! not on line 1 is a comment", "# hookinit: essential\n#!/bin/sh\n# hookinit: restart=never\n", Directives{Restart: RestartNever, Essential: true}},
		{"ELF binary", "\x7fELF# hookinit: restart=bogus\n", Directives{}},
		{"NUL in the start", "# hookinit: restart=always\n\x00", Directives{}},
	} {
		got, probs := ParseDirectives([]byte(c.src))
		if got != c.want || len(probs) != 0 {
			t.Errorf("%s: ParseDirectives(%q) = %+v, %v; want %+v, no problems", c.name, c.src, got, probs, c.want)
		}
	}
}

func TestParseDirectivesProblems(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		src  string
		want Directives
		// problems as line:col: substring of the message
		probs []string
	}{
		{"#!/bin/sh\n# hookinit: restart=sometimes\n", Directives{},
			[]string{`2:13: unknown restart value "sometimes"`}},
		{"#!/bin/sh\n# hookinit: essential bogus\n", Directives{Essential: true},
			[]string{`2:23: unknown hookinit directive "bogus"`}},
		{"# hookinit: oneshot=yes\n", Directives{},
			[]string{`1:13: unknown hookinit directive "oneshot=yes"`}},
		{"# hookinit: essential=true\n", Directives{},
			[]string{`1:13: essential takes no value`}},
		{"# hookinit: restart\n", Directives{},
			[]string{`1:13: restart needs a value`}},
		{"# hookinit: restart=\n", Directives{},
			[]string{`1:13: unknown restart value ""`}},
		{"# hookinit: Restart=always\n", Directives{},
			[]string{`1:13: unknown hookinit directive "Restart=always"`}},
		{"#!/bin/sh\n# hookinit:\n", Directives{},
			[]string{`2:3: empty hookinit: directive line`}},
		{"# hookinit: restart=always\n# hookinit: restart=never\n", Directives{Restart: RestartAlways},
			[]string{`2:13: restart=never contradicts restart=always on line 1`}},
		{"# hookinit: restart=always restart=never\n", Directives{Restart: RestartAlways},
			[]string{`1:28: restart=never contradicts restart=always on line 1`}},
		{"#!/bin/sh\n# hookinit: bad1\n# hookinit: restart=always bad2\n", Directives{Restart: RestartAlways},
			[]string{`2:13: unknown hookinit directive "bad1"`, `3:28: unknown hookinit directive "bad2"`}},
	} {
		got, probs := ParseDirectives([]byte(c.src))
		if got != c.want {
			t.Errorf("ParseDirectives(%q) = %+v, want %+v", c.src, got, c.want)
		}
		if len(probs) != len(c.probs) {
			t.Errorf("ParseDirectives(%q): problems %v, want %q", c.src, probs, c.probs)
			continue
		}
		for i, p := range probs {
			s := fmt.Sprintf("%d:%d: %s", p.Line, p.Col, p.Msg)
			pos, msg, _ := strings.Cut(c.probs[i], ": ")
			if !strings.HasPrefix(s, pos+": ") || !strings.Contains(p.Msg, msg) || p.Path != "" {
				t.Errorf("ParseDirectives(%q): problem %q (path %q), want %q", c.src, s, p.Path, c.probs[i])
			}
		}
	}
}

func TestDirectivesString(t *testing.T) {
	t.Parallel()
	for d, want := range map[Directives]string{
		{}:                                       "restart=on-failure",
		{Restart: RestartAlways}:                 "restart=always",
		{Restart: RestartNever, Essential: true}: "restart=never essential",
		{Restart: Restart(7)}:                    "restart=Restart(7)",
	} {
		if got := d.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", d, got, want)
		}
	}
}

// FuzzParseDirectives checks that no input makes the parser panic, that
// every problem points into the input, and that what it parsed prints as
// a directive line that parses back to the same directives.
func FuzzParseDirectives(f *testing.F) {
	for _, s := range []string{
		"#!/bin/sh\n# hookinit: restart=always essential\n",
		"# hookinit: restart=never\n# hookinit: essential\n",
		"#!/bin/sh\n# hookinit: restart=sometimes bogus\necho\n",
		"#hookinit:\n",
		"\x7fELF\x00\x00",
		"#!/bin/sh\r\n# hookinit: essential\r\n",
		"# hookinit: restart=always restart=never",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		d, probs := ParseDirectives(src)
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, p := range probs {
			if p.Path != "" || p.Line < 1 || p.Line > lines || p.Col < 1 || p.Msg == "" {
				t.Fatalf("ParseDirectives(%q): bad problem %+v", src, p)
			}
		}
		if isBinary(src) && (d != Directives{} || len(probs) != 0) {
			t.Fatalf("ParseDirectives(binary %q) = %+v, %v; want defaults", src, d, probs)
		}
		line := "#!/bin/sh\n# hookinit: " + d.String() + "\n"
		back, probs := ParseDirectives([]byte(line))
		if back != d || len(probs) != 0 {
			t.Fatalf("round trip of %+v through %q: %+v, %v", d, line, back, probs)
		}
	})
}
