// Command mongoscope shows a MongoDB deployment live in the terminal and
// lets an operator act on it. main owns os.Exit; nothing else exits the
// process, so the terminal is always restored first.
//
// There is no built-in memory limit: the 52 MiB soft limit mongoscope used
// to set made the collector run flat out once what mongoscope keeps
// outgrew it (56 % of a core against 3 %). Instead the heap may grow by
// half of what is live between collections rather than double (GOGC 50):
// that bounds RSS in proportion to what is kept, never runs the collector
// without end, and what is kept is mostly pointer-free (float32 rings,
// delta bytes), which a collection does not scan. BENCHMARKS.md shows the
// three side by side. GOGC and GOMEMLIMIT still apply.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}

// gcPercent is mongoscope's GOGC.
const gcPercent = 50
