package hooks

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestLess(t *testing.T) {
	t.Parallel()
	// Each pair is strictly ordered: a before b.
	for _, c := range []struct{ a, b string }{
		{"9-a", "10-a"},
		{"9", "10"},
		{"a9", "a10"},
		{"a9b", "a10a"},
		{"10-a", "10-b"},
		{"", "a"},
		{"1", "1a"},
		{"01-a", "1-a"},      // equal as numbers: byte order decides
		{"1-b", "01-c"},      // the number ties, the rest decides before zeros do
		{"10-x.sh", "10.sh"}, // '-' before '.'
		{"-1", "1"},          // bytes below '0' before numbers
		{"1", "a"},           // numbers before letters
		{"99", "A"},
		{"Z", "a"},        // plain byte order: upper case first
		{"1.sh", "1a.sh"}, // '.' before a letter
		{"99999999999999999999999-a", "100000000000000000000000-a"},
		{"v1.9", "v1.10"},
		{"x", "x0"},
	} {
		if !Less(c.a, c.b) {
			t.Errorf("Less(%q, %q) = false, want true", c.a, c.b)
		}
		if Less(c.b, c.a) {
			t.Errorf("Less(%q, %q) = true, want false", c.b, c.a)
		}
	}
	for _, s := range []string{"", "a", "10", "010"} {
		if Less(s, s) {
			t.Errorf("Less(%q, %q) = true", s, s)
		}
	}
}

func TestLessSortsMixedNames(t *testing.T) {
	t.Parallel()
	want := []string{
		"00-first.sh",
		"1-one.sh",
		"2-two.envsh",
		"9-nine.sh",
		"10-ten.sh",
		"10-ten.sh.d",
		"10a-ten.sh",
		"11-eleven",
		"20-env.envsh",
		"100-hundred.sh",
		"Zebra.sh",
		"a.sh",
		"a2.sh",
		"a10.sh",
		"b.sh",
		"zz",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		got := slices.Clone(want)
		r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortFunc(got, compareNames)
		if !slices.Equal(got, want) {
			t.Fatalf("sorted:\n%q\nwant:\n%q", got, want)
		}
	}
}

// FuzzLess checks that Less is a strict total order, which sort needs to
// give every run the same hook order.
func FuzzLess(f *testing.F) {
	for _, s := range [][3]string{
		{"9-a", "10-a", "010-a"},
		{"a1", "a01", "a-1"},
		{"1a", "a", "/"},
		{"", "0", "00"},
		{"x9y", "x10", "x:"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		ab, ba := Less(a, b), Less(b, a)
		switch {
		case a == b && (ab || ba):
			t.Fatalf("Less(%q, %q) = %v, %v for equal names", a, b, ab, ba)
		case a != b && ab == ba:
			t.Fatalf("Less(%q, %q) = %v and Less(%q, %q) = %v: want exactly one", a, b, ab, b, a, ba)
		}
		if got := compareNames(a, b); (got < 0) != ab || (got == 0) != (a == b) {
			t.Fatalf("compareNames(%q, %q) = %d, Less = %v", a, b, got, ab)
		}
		// Transitivity, on every ordering of the triple.
		for _, p := range [][3]string{{a, b, c}, {a, c, b}, {b, a, c}, {b, c, a}, {c, a, b}, {c, b, a}} {
			if Less(p[0], p[1]) && Less(p[1], p[2]) && !Less(p[0], p[2]) {
				t.Fatalf("Less(%q, %q) and Less(%q, %q) but not Less(%q, %q)", p[0], p[1], p[1], p[2], p[0], p[2])
			}
			// The numeric comparison alone must be a preorder too, or
			// the byte tie-break could not repair it.
			x, y, z := naturalCompare(p[0], p[1]), naturalCompare(p[1], p[2]), naturalCompare(p[0], p[2])
			if x <= 0 && y <= 0 && z > 0 {
				t.Fatalf("naturalCompare not transitive on %q", p)
			}
		}
	})
}
