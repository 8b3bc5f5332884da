package runner

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// trimMemory gives back what the hooks used once the app runs: hookinit
// then idles for the life of the container, and its resident set is what
// users see next to the app's.
//   - The garbage of the hook interpreter: the heap stays below the first
//     GC goal during a few hooks, so nothing would ever return it.
//   - The pages of hookinit's own binary that the interpreter touched
//     (about 5 MiB of code and tables): clean file pages that the kernel
//     refaults from the page cache if they are ever needed again.
func trimMemory(hooksRan bool) {
	if !hooksRan {
		return
	}
	debug.FreeOSMemory()
	dropBinaryPages()
}

// dropBinaryPages releases the resident pages of the executable's
// mappings that are exactly the file's contents: not writable, and with no
// page of their own (Anonymous: 0 kB). MADV_DONTNEED on such a private
// file mapping only lets go of page cache; a page the process had changed
// (a writable one, or one relocated before it was made read-only) would be
// lost, so any mapping with anonymous pages is left alone.
func dropBinaryPages() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	for _, m := range cleanMappings(exe) {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED)
	}
}

// mapping is an address range of the process.
type mapping struct{ start, end uintptr }

// cleanMappings returns the read-only mappings of path that hold nothing
// of the process's own, from /proc/self/smaps: no anonymous page and
// nothing swapped out (a private page the process changed, then swapped,
// shows up as Swap, not as Anonymous).
func cleanMappings(path string) []mapping {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mapping
	var cur mapping
	candidate, anon, swap := false, -1, -1
	done := func() {
		if candidate && anon == 0 && swap == 0 {
			out = append(out, cur)
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 5 && strings.Contains(fields[0], "-") {
			// A mapping's header: start-end perms offset dev inode [path].
			done()
			lo, hi, _ := strings.Cut(fields[0], "-")
			s, err1 := strconv.ParseUint(lo, 16, 64)
			e, err2 := strconv.ParseUint(hi, 16, 64)
			candidate = err1 == nil && err2 == nil && e > s && len(fields) >= 6 && fields[5] == path && !strings.Contains(fields[1], "w")
			cur, anon, swap = mapping{uintptr(s), uintptr(e)}, -1, -1
			continue
		}
		if len(fields) >= 2 {
			switch fields[0] {
			case "Anonymous:":
				anon, _ = strconv.Atoi(fields[1])
			case "Swap:":
				swap, _ = strconv.Atoi(fields[1])
			}
		}
	}
	done()
	return out
}
