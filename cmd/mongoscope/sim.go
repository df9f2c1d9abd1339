package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// runSim is `mongoscope sim`: the simulated cluster, headless, until Ctrl-C.
func runSim(argv []string, stdout, stderr io.Writer) int {
	fs := subcommandFlagSet("sim", stderr) // the flags: simFlags
	if err := fs.Parse(argv); err != nil {
		return exitUsage
	}
	port, shards, members := flagValue[int](fs, "port"), flagValue[int](fs, "shards"), flagValue[int](fs, "members")
	topology, seed, speed := flagValue[string](fs, "topology"), flagValue[int64](fs, "seed"), flagValue[float64](fs, "speed")
	switch topology {
	case "sharded", "replset", "standalone":
	default:
		fmt.Fprintf(stderr, "mongoscope sim: --topology %q: use sharded, replset or standalone\n", topology)
		return exitUsage
	}
	if shards < 1 || members < 1 || speed <= 0 || port < 0 || port > 65535 {
		fmt.Fprintln(stderr, "mongoscope sim: --shards and --members must be at least 1, --speed positive, --port 0-65535")
		return exitUsage
	}
	version, membersSpec := flagValue[string](fs, "version"), flagValue[string](fs, "members-spec")
	if membersSpec != "" {
		if err := simcluster.CheckMembersSpec(membersSpec); err != nil {
			fmt.Fprintf(stderr, "mongoscope sim: --members-spec: %v\n", err)
			return exitUsage
		}
	}
	switch version {
	case "4.4", "5.0", "6.0", "7.0", "8.0":
	default:
		fmt.Fprintf(stderr, "mongoscope sim: --version %q: use 4.4, 5.0, 6.0, 7.0 or 8.0\n", version)
		return exitUsage
	}
	advertise, scenario := flagValue[string](fs, "advertise-host"), flagValue[string](fs, "scenario")
	cfg := simcluster.Config{Topology: simcluster.Topology(topology), Shards: shards,
		Members: members, BasePort: port, Seed: seed, Speed: speed, Version: version, MembersSpec: membersSpec,
		AdvertiseHost: advertise, Scenario: scenario}
	if err := simcluster.CheckScenario(cfg); err != nil {
		fmt.Fprintf(stderr, "mongoscope sim: --scenario: %s\n", strings.TrimPrefix(err.Error(), "simcluster: "))
		return exitUsage
	}
	c, err := simcluster.Start(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mongoscope sim: cannot start: %v (is port %d free? try --port 0 for free ports)\n", err, port)
		return exitFailure
	}
	defer c.Close()
	names := c.AdvertisedNames()
	if dup := duplicateName(names); dup != "" {
		fmt.Fprintf(stderr, "mongoscope sim: --advertise-host gives two nodes the name %s: add {set} or {i}\n", dup)
		return exitUsage
	}
	fmt.Fprintf(stdout, "simulated %s cluster (MongoDB %s wire protocol) running; Ctrl-C stops it\n", topology, version)
	if scenario != "" {
		fmt.Fprintf(stdout, "scenario: %s\n", scenario)
	}
	fmt.Fprintf(stdout, "URI: %s\n", c.URI())
	if advertise != "" {
		fmt.Fprintf(stdout, "one node, as through a tunnel: mongodb://%s/?directConnection=true\n", c.Nodes()[0].Address)
	}
	for _, n := range c.Nodes() {
		fmt.Fprintf(stdout, "  %-21s %-10s %-8s %-10s %s\n", n.Address, n.Role, n.Shard, n.Member, advertisedAs(n.Address, names))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return exitOK
}

// duplicateName is a name two nodes advertise, or "".
func duplicateName(names map[string]string) string {
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			return name
		}
		seen[name] = true
	}
	return ""
}

// advertisedAs says under which name a node advertises itself, if not its own.
func advertisedAs(addr string, names map[string]string) string {
	if names[addr] == addr {
		return ""
	}
	return "advertised as " + names[addr]
}

// scenarioFlag is --scenario, for `sim` and (with --demo) the watch command.
func scenarioFlag(group string) flagDef {
	usage := "tell one incident story on a calm cluster: " + strings.Join(simcluster.ScenarioNames, ", ") + " (see README)"
	if group != "" {
		usage = "with --demo, " + usage
	}
	return flagDef{name: "scenario", group: group, def: "", arg: "NAME", usage: usage, values: simcluster.ScenarioNames}
}

// checkDemoScenario refuses --scenario without --demo, and unknown names.
func checkDemoScenario(o *options) error {
	if o.scenario == "" {
		return nil
	}
	if !o.demo {
		return usageError{"--scenario tells a story on the demo cluster: add --demo"}
	}
	if err := simcluster.CheckScenario(demoCluster(o.scenario)); err != nil {
		return usageError{"--scenario: " + strings.TrimPrefix(err.Error(), "simcluster: ")}
	}
	return nil
}

// demoCluster is the cluster --demo runs: the default workload, where
// several stories overlap, ten times faster than life; or one scenario in
// real time, since the findings judge stories in wall time (how long a
// condition held, spikes in the minute history).
func demoCluster(scenario string) simcluster.Config {
	if scenario != "" {
		return simcluster.Config{Seed: 1, Speed: 1, Scenario: scenario}
	}
	return simcluster.Config{Seed: 1, Speed: 10}
}
