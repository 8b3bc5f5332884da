// Command orphans leaves processes behind for hookinit to reap: it starts an
// intermediate process that starts N children and exits without waiting for
// them, so they are re-parented to the nearest subreaper (or PID 1).
//
//	orphans -n N [-sh SCRIPT] [-hold FILE]
//
// Each orphan is `/bin/sh -c SCRIPT` (default `exit 0`). orphans prints
// "orphan PID" for each, then "created N"; with -wait it then waits until
// every orphan has exited (reaped or not), and with -hold it stays alive
// until FILE exists.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 1, "how many orphans")
	script := flag.String("sh", "exit 0", "what each orphan runs, with /bin/sh -c")
	hold := flag.String("hold", "", "stay alive until `FILE` exists")
	wait := flag.Bool("wait", false, "wait until every orphan has exited")
	intermediate := flag.Bool("intermediate", false, "internal: start the orphans and exit")
	flag.Parse()

	if *intermediate {
		startOrphans(*n, *script)
		return
	}
	cmd := exec.Command("/proc/self/exe", "-intermediate", "-n", strconv.Itoa(*n), "-sh", *script)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "orphans: intermediate: %v\n", err)
		os.Exit(111)
	}
	os.Stdout.Write(out)
	fmt.Printf("created %d\n", *n)
	if *wait {
		for _, line := range strings.Split(string(out), "\n") {
			if pid, ok := strings.CutPrefix(line, "orphan "); ok {
				for running(pid) {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}
	}
	if *hold != "" {
		for {
			if _, err := os.Stat(*hold); err == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// running reports whether pid exists and is not a zombie.
func running(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func startOrphans(n int, script string) {
	null, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "orphans: %v\n", err)
		os.Exit(111)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	attr := &syscall.ProcAttr{Files: []uintptr{null.Fd(), null.Fd(), null.Fd()}}
	for i := 0; i < n; i++ {
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", script}, attr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "orphans: %v\n", err)
			os.Exit(111)
		}
		fmt.Fprintf(w, "orphan %d\n", pid)
	}
}
