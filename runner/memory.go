package runner

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// trimMemory gives back what start-up used once the app runs: hookinit then
// idles for the life of the container, and its resident set is what users
// see next to the app's.
//   - The garbage of the hook interpreter: the heap stays below the first
//     GC goal during a few hooks, so nothing would ever return it.
//   - The pages of hookinit's own binary that start-up touched: clean,
//     read-only file pages that the kernel refaults from the page cache if
//     they are needed again. Writable mappings are never touched.
func trimMemory(hooksRan bool) {
	if hooksRan {
		debug.FreeOSMemory()
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != exe || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_DONTNEED)
	}
}
