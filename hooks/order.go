package hooks

import (
	"cmp"
	"strings"
)

// Less reports whether hook name a sorts before b. Runs of digits compare
// as numbers, so "9-a" sorts before "10-a" as people who number their hooks
// expect; everything else compares byte by byte. A number sorts where its
// digits would in byte order: after "-" and ".", before letters.
//
// Names equal as numbers ("01-a" and "1-a") fall back to plain byte order,
// so Less is a strict total order: exactly one of Less(a, b), Less(b, a)
// and a == b holds, and the hook order never depends on the order in which
// directories were read.
func Less(a, b string) bool { return compareNames(a, b) < 0 }

// naturalCompare compares a and b as sequences of tokens: each maximal run
// of digits is one token valued as a number, every other byte is a token of
// its own. A number token ranks between the bytes below '0' and those above
// '9', which keeps the comparison transitive when a number meets a letter.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		da, db := isDigit(a[i]), isDigit(b[j])
		switch {
		case da && db:
			ei, ej := digitsEnd(a, i), digitsEnd(b, j)
			if c := compareNumbers(a[i:ei], b[j:ej]); c != 0 {
				return c
			}
			i, j = ei, ej
		case da:
			return numberVersusByte(b[j])
		case db:
			return -numberVersusByte(a[i])
		default:
			if c := cmp.Compare(a[i], b[j]); c != 0 {
				return c
			}
			i++
			j++
		}
	}
	// One name is used up: the shorter rest (nothing) comes first.
	return cmp.Compare(len(a)-i, len(b)-j)
}

// numberVersusByte compares a number token with a non-digit byte.
func numberVersusByte(c byte) int {
	if c < '0' {
		return 1
	}
	return -1
}

// compareNumbers compares two runs of decimal digits by value without
// converting them, so that names with hundreds of digits cannot overflow.
func compareNumbers(x, y string) int {
	x = strings.TrimLeft(x, "0")
	y = strings.TrimLeft(y, "0")
	if c := cmp.Compare(len(x), len(y)); c != 0 {
		return c
	}
	return strings.Compare(x, y)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// compareNames is Less as a three-way comparison, for the slices package.
func compareNames(a, b string) int {
	if c := naturalCompare(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}
