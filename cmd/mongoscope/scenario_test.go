package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/probes"
)

// --scenario is refused in one line, exit 2, naming what to do: unknown
// names list the known ones, a story the deployment cannot tell says what
// it needs, and on the watch command it needs --demo.
func TestScenarioMistakesAreOneLineAndExit2(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"--demo", "--scenario", "meltdown"}, append([]string{"mongoscope: --scenario: unknown scenario \"meltdown\""}, simcluster.ScenarioNames...)},
		{[]string{"--scenario", "calm"}, []string{"mongoscope: --scenario", "add --demo"}},
		{[]string{"snapshot", "--demo", "--scenario", "Calm"}, []string{"unknown scenario \"Calm\"", "hot-shard"}},
		{[]string{"sim", "--port", "0", "--scenario", "meltdown"}, append([]string{"mongoscope sim: --scenario: unknown scenario"}, simcluster.ScenarioNames...)},
		{[]string{"sim", "--port", "0", "--topology", "replset", "--scenario", "hot-shard"}, []string{"mongoscope sim: --scenario: scenario hot-shard needs a sharded cluster"}},
		{[]string{"sim", "--port", "0", "--topology", "standalone", "--scenario", "lagging-secondary"}, []string{"needs replica sets of 2 members or more that hold data"}},
	}
	for _, c := range cases {
		code, out, errOut := runCapture(t, nil, c.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || len(lines) != 1 || out != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%q: stderr %q lacks %q", c.args, errOut, w)
			}
		}
	}
}

// The demo cluster plays a scenario in real time, the default workload ten
// times faster.
func TestDemoClusterConfig(t *testing.T) {
	if c := demoCluster(""); c.Scenario != "" || c.Speed != 10 {
		t.Errorf("--demo runs %+v", c)
	}
	if c := demoCluster("ttl-deletes"); c.Scenario != "ttl-deletes" || c.Speed != 1 {
		t.Errorf("--demo --scenario ttl-deletes runs %+v", c)
	}
	for _, name := range simcluster.ScenarioNames {
		if err := simcluster.CheckScenario(demoCluster(name)); err != nil {
			t.Errorf("the demo cluster cannot tell %s: %v", name, err)
		}
	}
}

// Through the whole program: the demo tells the story it is asked for
// (an index build with an op waiting behind it), and the calm demo has no
// index build and no collection scan, where the default demo has both.
func TestSnapshotOfADemoScenario(t *testing.T) {
	flagged := func(args ...string) map[string]int {
		code, out, errOut := runCapture(t, nil, append([]string{"snapshot", "--interval", "200ms", "--demo"}, args...)...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", args, code, errOut)
		}
		var snap probes.Snapshot
		if err := json.Unmarshal([]byte(out), &snap); err != nil {
			t.Fatalf("%q: not a snapshot: %v", args, err)
		}
		seen := map[string]int{}
		for _, op := range snap.Ops {
			for _, f := range op.Flags {
				seen[f+" "+op.NS]++
			}
			if op.WaitingForLock {
				seen["waiting "+op.NS]++
			}
		}
		return seen
	}
	build := flagged("--scenario", "index-build")
	if build[probes.FlagIndexBuild+" shop.events"] == 0 || build["waiting shop.events"] == 0 {
		t.Errorf("--scenario index-build shows no index build with a waiter: %v", build)
	}
	calm := flagged("--scenario", "calm")
	for k := range calm {
		if strings.HasPrefix(k, probes.FlagIndexBuild) || strings.HasPrefix(k, probes.FlagCollscan) || strings.HasPrefix(k, "waiting") {
			t.Errorf("the calm demo shows %s", k)
		}
	}
	def := flagged()
	keys := make([]string, 0, len(def))
	for k := range def {
		keys = append(keys, k)
	}
	if !slices.Contains(keys, probes.FlagCollscan+" shop.orders") || !slices.Contains(keys, probes.FlagIndexBuild+" shop.events") {
		t.Errorf("the default demo lost its stories: %v", keys)
	}
}
