// Command mongoscope shows a MongoDB deployment live in the terminal and
// lets an operator act on it. main owns os.Exit; nothing else exits the
// process, so the terminal is always restored first.
package main

import (
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr))
}
