module github.com/hookinit/hookinit

go 1.26.8

require (
	github.com/creack/pty v1.1.24
	github.com/urfave/cli/v2 v2.27.7
	golang.org/x/sys v0.50.0
	mvdan.cc/sh/v3 v3.14.1
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.7 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	github.com/xrash/smetrics v0.0.0-20240521201337-686a1a2994c1 // indirect
	golang.org/x/term v0.45.0 // indirect
)
