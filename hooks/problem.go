package hooks

import "fmt"

// Problem is one thing wrong with a hook, found before anything runs. It
// names the file and, where one is known, the line and column.
type Problem struct {
	Path string
	Line int // 0 when the problem is not at a position in the file
	Col  int
	Msg  string
}

// String formats the problem as path:line:col: msg, the form editors and
// compilers use, so that a terminal can jump to it.
func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.Path, p.Line, p.Col, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Msg)
	default:
		return fmt.Sprintf("%s: %s", p.Path, p.Msg)
	}
}
