// Command mongoscope shows a MongoDB deployment live in the terminal and
// lets an operator act on it. main owns os.Exit; nothing else exits the
// process, so the terminal is always restored first.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	// A bastion host is small: keep the heap near what is live (history and
	// one client per node, ~30 MiB live for 94 nodes) rather than letting it grow
	// to twice that between collections. GOMEMLIMIT overrides this.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}

// memoryLimit is the Go runtime's soft memory limit for mongoscope.
const memoryLimit = 52 << 20
