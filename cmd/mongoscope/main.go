// Command mongoscope shows a MongoDB deployment live in the terminal and
// lets an operator act on it. main owns os.Exit; nothing else exits the
// process, so the terminal is always restored first.
//
// The collector's setting is in memlimit.go.
package main

import "os"

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		tuneMemoryLimit()
	}
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}
