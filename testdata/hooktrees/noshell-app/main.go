// noshell-app is the app of the chroot test (cmd/hookinit TestNoShellChroot):
// a static program for a root file system that has no shell. It prints
// $GREETING (which an *.envsh hook exports) and the content of each file
// named on its command line (which a *.sh hook writes), then exits 3 so that
// the test can tell its exit code from hookinit's own.
//
//	noshell-app FILE...
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	fmt.Printf("GREETING=%s\n", os.Getenv("GREETING"))
	for _, name := range os.Args[1:] {
		b, err := os.ReadFile(name)
		if err != nil {
			fmt.Printf("%s: %v\n", filepath.Base(name), err)
			continue
		}
		fmt.Printf("%s: %s", filepath.Base(name), b)
	}
	os.Exit(3)
}
