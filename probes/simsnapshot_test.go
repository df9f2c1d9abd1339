package probes

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// The snapshots the poller takes from the simulated 4.4 and 8.0 clusters,
// pinned in testdata so that tui's golden screens are drawn from what the
// real poller reads over the wire from each release (tui/sim_golden_test.go),
// not only from a snapshot built by hand. The clock is simulated and the
// workload seeded, so the same code gives the same snapshot; what depends on
// the machine (how long a reply took, the bytes of mongoscope's own
// requests, its own requests in flight) is fixed or left out before pinning.

// SimSnapshotFile is where the snapshot of release version is pinned.
func simSnapshotFile(version string) string {
	return filepath.Join("testdata", "sim-"+version+".snapshot.json")
}

func TestPinnedSimSnapshots(t *testing.T) {
	for _, v := range []string{"4.4", "8.0"} {
		t.Run(v, func(t *testing.T) {
			got := pinnableSnapshot(t, v)
			path := simSnapshotFile(v)
			if *updateSimSnapshots {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./probes -run TestPinnedSimSnapshots -update-sim-snapshots writes it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("the %s snapshot differs from %s (-update-sim-snapshots rewrites it, then go test ./tui -update):\n%s", v, path, got)
			}
		})
	}
}

// pinnableSnapshot polls a seeded simulated cluster of release version seven
// times, a simulated second apart (on 4.4 the last holds the ticket counts
// read a poll before: they are asked every few polls there), and returns
// the last snapshot as JSON.
func pinnableSnapshot(t *testing.T, version string) []byte {
	t.Helper()
	clock := &fakeClock{now: scenarioStart}
	// Nodes named as in production, on fixed ports, so that the pinned
	// snapshot does not carry this run's free ports; --map dials them.
	sim := startSim(t, simcluster.Config{Version: version, Seed: 1, Now: clock.Now, AdvertiseHost: "{set}-{n}.prod.example:27017"})
	var mapping []string
	seed := ""
	for addr, name := range sim.AdvertisedNames() {
		mapping = append(mapping, name+"="+addr)
		if strings.HasPrefix(name, "mongos") {
			seed = name
		}
	}
	p, err := NewPoller(Config{URI: "mongodb://" + seed + "/", Map: mapping, Interval: time.Second, ConnectTimeout: 5 * time.Second, Now: clock.Now, Rediscover: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	if _, err := p.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	p.SetConnectionBreakdown(true)
	var s Snapshot
	for range 7 {
		clock.Advance(time.Second)
		s = p.poll(context.Background())
	}
	s.Overhead = Overhead{}
	// mongoscope's own requests in flight on other nodes when a node
	// answered $currentOp depend on this run's timing.
	own := func(op Op) bool { return op.AppName == "mongoscope" }
	s.OpsTotal -= len(s.Ops)
	s.Ops = slices.DeleteFunc(s.Ops, own)
	s.OpsTotal += len(s.Ops)
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return fixedPorts(out, sim.AdvertisedNames())
}

// fixedPorts replaces this run's free ports (where a node is dialed, the
// replication client's address) with fixed ones, in the order of names.
func fixedPorts(js []byte, names map[string]string) []byte {
	addrs := slices.SortedFunc(maps.Keys(names), func(a, b string) int { return strings.Compare(names[a], names[b]) })
	var pairs []string
	for i, addr := range addrs {
		pairs = append(pairs, `"`+addr+`"`, fmt.Sprintf(`"127.0.0.1:%d"`, 47017+i))
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(js)))
}

var updateSimSnapshots = flag.Bool("update-sim-snapshots", false, "rewrite testdata/sim-*.snapshot.json")
