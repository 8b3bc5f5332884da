// noshell-app is the app of testdata/images/noshell: a static program for an image that has
// no shell. It prints what the hooks exported, then waits for SIGTERM or SIGINT and exits 0.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	fmt.Printf("noshell-app: started, NOSHELL_GREETING=%s\n", os.Getenv("NOSHELL_GREETING"))
	s := <-sigs
	fmt.Printf("noshell-app: caught %v, shutting down\n", s)
}
