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

// cleanMappings returns the read-only mappings of path without anonymous
// pages, from /proc/self/smaps.
func cleanMappings(path string) []mapping {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mapping
	var cur mapping
	candidate := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 6 && strings.Contains(fields[0], "-") {
			// A mapping's header: start-end perms offset dev inode path.
			lo, hi, _ := strings.Cut(fields[0], "-")
			s, err1 := strconv.ParseUint(lo, 16, 64)
			e, err2 := strconv.ParseUint(hi, 16, 64)
			candidate = err1 == nil && err2 == nil && e > s && fields[5] == path && !strings.Contains(fields[1], "w")
			cur = mapping{uintptr(s), uintptr(e)}
			continue
		}
		if candidate && len(fields) >= 2 && fields[0] == "Anonymous:" {
			if fields[1] == "0" {
				out = append(out, cur)
			}
			candidate = false
		}
	}
	return out
}
