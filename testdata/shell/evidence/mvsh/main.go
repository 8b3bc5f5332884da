// Command mvsh runs a script with the plain mvdan.cc/sh interpreter and its
// default handlers, nothing of hookinit's: the "raw interpreter" column of
// the evidence table (see ../raw.sh).
package main

import (
	"context"
	"fmt"
	"os"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(126)
	}
	prog, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(f, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r, err := interp.New(interp.StdIO(os.Stdin, os.Stdout, os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = r.Run(context.Background(), prog)
	if es, ok := err.(interp.ExitStatus); ok {
		os.Exit(int(es))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
