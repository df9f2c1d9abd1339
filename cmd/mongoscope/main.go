// Command mongoscope shows a MongoDB deployment live in the terminal and
// lets an operator act on it. main owns os.Exit; nothing else exits the
// process, so the terminal is always restored first.
//
// There is no built-in memory limit: the 52 MiB soft limit mongoscope used
// to set made the collector run flat out once 10 minutes of whole snapshots
// outgrew it (56 % of a core). What is kept now is small and mostly
// pointer-free (float32 rings, delta bytes), so the default collector
// keeps RSS within the budget at a fraction of the CPU (BENCHMARKS.md shows
// both side by side). GOMEMLIMIT and GOGC still apply.
package main

import "os"

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}
