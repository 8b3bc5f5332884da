package runner

import "runtime/debug"

// trimMemory gives back the hook interpreter's garbage once the app runs:
// the heap stays below the first GC goal during a few hooks, so nothing
// would ever return it, and hookinit then idles for the life of the
// container. (Dropping the binary's clean pages with MADV_DONTNEED as well
// took RSS under 4 MiB, but crashed race-enabled builds in tests; it stays
// out until that is understood.)
func trimMemory(hooksRan bool) {
	if hooksRan {
		debug.FreeOSMemory()
	}
}
