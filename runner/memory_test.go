package runner

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The pages hookinit drops after the hooks come only from read-only
// mappings of its own executable: the text at least, never a writable one.
func TestCleanMappings(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	perms := map[uintptr]string{} // start → perms, for the executable's mappings
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && fields[5] == exe {
			lo, _, _ := strings.Cut(fields[0], "-")
			start, _ := strconv.ParseUint(lo, 16, 64)
			perms[uintptr(start)] = fields[1]
		}
	}
	ms := cleanMappings(exe)
	text := false
	for _, m := range ms {
		p, ok := perms[m.start]
		switch {
		case !ok:
			t.Errorf("%#x is not a mapping of %s", m.start, exe)
		case strings.Contains(p, "w"):
			t.Errorf("%#x is writable (%s)", m.start, p)
		case strings.Contains(p, "x"):
			text = true
		}
	}
	if !text {
		t.Errorf("the executable's text is not among %v (mappings %v)", ms, perms)
	}
}
