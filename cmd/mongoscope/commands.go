package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// runFunc runs a subcommand with the arguments after its name.
type runFunc func(argv []string, env map[string]string, stdin io.Reader, stdout, stderr io.Writer) int

// command is a subcommand, or with no name the watch command itself. The
// dispatch in run, --help, the completion scripts and the man page all
// come from commands().
type command struct {
	name    string
	args    string // what follows the name in the synopsis
	summary string
	// takesWatchFlags: the command parses watchFlags (the watch command
	// and snapshot); otherwise flags, if not nil, is its own table.
	takesWatchFlags bool
	flags           func() []flagDef
	run             runFunc // nil for the watch command, which run handles
	// What completion offers for the operand: file names, or these values
	// (neither: nothing, as for a URI).
	operandIsFile bool
	operandValues []string
}

func commands() []command {
	return []command{
		{args: "[flags] [URI]", summary: "watch a deployment (URI, else $MONGODB_URI, else mongodb://localhost:27017)",
			takesWatchFlags: true},
		{name: "snapshot", args: "[flags] [URI]", summary: "poll twice, --interval apart, and print one JSON document",
			takesWatchFlags: true, run: runSnapshot},
		{name: "replay", args: "FILE", summary: "replay a recording made with --record", operandIsFile: true,
			run: outputsOnly(runReplay)},
		{name: "sim", args: "[flags]", summary: "run the simulated cluster headless until Ctrl-C (see README)", flags: simFlags,
			run: outputsOnly(runSim)},
		{name: "bench", args: "[flags]", summary: "measure mongoscope's cost to a simulated cluster and to this host", flags: benchFlags,
			run: outputsOnly(runBench)},
		{name: "completion", args: strings.Join(shells, "|"), summary: "print a shell completion script",
			operandValues: shells, run: runCompletion},
		{name: "man", summary: "print the man page (roff: mongoscope man | man -l -)", run: runMan},
	}
}

// outputsOnly adapts a subcommand that reads neither the environment nor stdin.
func outputsOnly(run func(argv []string, stdout, stderr io.Writer) int) runFunc {
	return func(argv []string, _ map[string]string, _ io.Reader, stdout, stderr io.Writer) int {
		return run(argv, stdout, stderr)
	}
}

// subcommand finds a subcommand by name.
func subcommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c, true
		}
	}
	return command{}, false
}

// flagDefs is the command's flag table (nil when it takes no flag).
func (c command) flagDefs() []flagDef {
	if c.takesWatchFlags {
		return watchFlags()
	}
	if c.flags != nil {
		return c.flags()
	}
	return nil
}

func (c command) synopsis() string {
	return strings.Join(strings.Fields("mongoscope "+c.name+" "+c.args), " ")
}

func simFlags() []flagDef {
	return []flagDef{
		{name: "port", def: 27017, arg: "N", usage: "port of the mongos (or first member); the other nodes take the next ports (0: free ports)"},
		{name: "shards", def: 3, arg: "N", usage: "number of shards"},
		{name: "members", def: 3, arg: "N", usage: "members per shard replica set"},
		{name: "topology", def: "sharded", arg: "NAME", usage: "sharded, replset or standalone",
			values: []string{"sharded", "replset", "standalone"}},
		{name: "seed", def: int64(1), arg: "N", usage: "workload seed: the same seed and speed give the same counters"},
		{name: "speed", def: 1.0, arg: "X", usage: "workload speed-up (10 = ten simulated seconds per second)"},
		{name: "version", def: "8.0", arg: "X.Y", usage: "MongoDB release to simulate: 4.4, 5.0, 6.0, 7.0 or 8.0",
			values: []string{"4.4", "5.0", "6.0", "7.0", "8.0"}},
		{name: "members-spec", def: "", arg: "SPEC", usage: "every shard's members by kind, e.g. data,data,priority0,hidden,delayed=3600,arbiter (overrides --members)"},
		{name: "advertise-host", def: "", arg: "TEMPLATE", usage: "name the nodes give of themselves, e.g. 'rs0-data-{n}.mongo.svc' ({set}, {n} member, {i} node index; the real port unless given)"},
		scenarioFlag(""),
	}
}

func benchFlags() []flagDef {
	return []flagDef{
		{name: "shards", def: 30, arg: "N", usage: "shards of the simulated cluster (30: 94 nodes; 100: 304)"},
		{name: "members", def: 3, arg: "N", usage: "members per shard"},
		{name: "interval", def: time.Second, arg: "DURATION", usage: "polling interval"},
		{name: "duration", def: 30 * time.Second, arg: "DURATION", usage: "how long each steady state lasts"},
		{name: "fill-interval", def: 100 * time.Millisecond, arg: "DURATION", usage: "polling interval while filling the history with distinct polls"},
		{name: "fill-points", def: 3600, arg: "N", usage: "distinct polls to fill the history with (3600: the whole hour)"},
		{name: "replay-mb", def: 0, arg: "MB", usage: "instead: make a recording of this many MB from real polls and time replaying it"},
	}
}

// subcommandFlagSet parses a subcommand's own flags; a mistake prints the
// error and that subcommand's help on stderr.
func subcommandFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	c, _ := subcommand(name)
	fs := newFlagSet(name, c.flagDefs())
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n", c.synopsis())
		printFlagHelp(stderr, c.flagDefs())
	}
	return fs
}

const tagline = "a live view of a MongoDB deployment, and the keys to act on it"

// printHelp is --help: every command, then the flags by group.
func printHelp(w io.Writer) {
	fmt.Fprintf(w, "mongoscope: %s\n\nusage:\n", tagline)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-36s %s\n", c.synopsis(), c.summary)
	}
	defs := watchFlags()
	for _, g := range flagGroups {
		fmt.Fprintf(w, "\n%s:\n", g)
		printFlagHelp(w, flagsOfGroup(defs, g))
	}
	for _, c := range commands() {
		if c.flags != nil {
			fmt.Fprintf(w, "\n%s flags:\n", c.name)
			printFlagHelp(w, c.flags())
		}
	}
}

func flagsOfGroup(defs []flagDef, group string) []flagDef {
	var out []flagDef
	for _, d := range defs {
		if d.group == group {
			out = append(out, d)
		}
	}
	return out
}

func printFlagHelp(w io.Writer, defs []flagDef) {
	for _, d := range defs {
		usage := d.usage
		if def := d.defaultText(); def != "" {
			usage += " (default " + def + ")"
		}
		fmt.Fprintf(w, "  %-26s %s\n", strings.TrimSpace("--"+d.name+" "+d.arg), usage)
	}
}
