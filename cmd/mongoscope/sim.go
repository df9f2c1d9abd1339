package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// runSim is `mongoscope sim`: the simulated cluster, headless, until Ctrl-C.
func runSim(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 27017, "port of the mongos (or first member); the other nodes take the next ports")
	shards := fs.Int("shards", 3, "number of shards")
	members := fs.Int("members", 3, "members per shard replica set")
	topology := fs.String("topology", "sharded", "sharded, replset or standalone")
	seed := fs.Int64("seed", 1, "workload seed: the same seed and speed give the same counters")
	speed := fs.Float64("speed", 1, "workload speed-up (10 = ten simulated seconds per second)")
	version := fs.String("version", simcluster.DefaultVersion, "MongoDB release to simulate: 4.4, 5.0, 6.0, 7.0 or 8.0")
	membersSpec := fs.String("members-spec", "", "every shard's members by kind, e.g. data,data,priority0,hidden,delayed=3600,arbiter (overrides --members)")
	if err := fs.Parse(argv); err != nil {
		return exitUsage
	}
	switch *topology {
	case "sharded", "replset", "standalone":
	default:
		fmt.Fprintf(stderr, "mongoscope sim: --topology %q: use sharded, replset or standalone\n", *topology)
		return exitUsage
	}
	if *shards < 1 || *members < 1 || *speed <= 0 || *port < 0 || *port > 65535 {
		fmt.Fprintln(stderr, "mongoscope sim: --shards and --members must be at least 1, --speed positive, --port 0-65535")
		return exitUsage
	}
	if *membersSpec != "" {
		if err := simcluster.CheckMembersSpec(*membersSpec); err != nil {
			fmt.Fprintf(stderr, "mongoscope sim: --members-spec: %v\n", err)
			return exitUsage
		}
	}
	switch *version {
	case "4.4", "5.0", "6.0", "7.0", "8.0":
	default:
		fmt.Fprintf(stderr, "mongoscope sim: --version %q: use 4.4, 5.0, 6.0, 7.0 or 8.0\n", *version)
		return exitUsage
	}
	c, err := simcluster.Start(simcluster.Config{Topology: simcluster.Topology(*topology), Shards: *shards,
		Members: *members, BasePort: *port, Seed: *seed, Speed: *speed, Version: *version, MembersSpec: *membersSpec})
	if err != nil {
		fmt.Fprintf(stderr, "mongoscope sim: cannot start: %v (is port %d free? try --port 0 for free ports)\n", err, *port)
		return exitFailure
	}
	defer c.Close()
	fmt.Fprintf(stdout, "simulated %s cluster (MongoDB %s wire protocol) running; Ctrl-C stops it\n", *topology, *version)
	fmt.Fprintf(stdout, "URI: %s\n", c.URI())
	for _, n := range c.Nodes() {
		fmt.Fprintf(stdout, "  %-21s %-10s %-8s %s\n", n.Address, n.Role, n.Shard, n.Member)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return exitOK
}
