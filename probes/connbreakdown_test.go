package probes

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// connStatusDoc is a serverStatus with connections current of 1,000 and
// totalCreated as given.
func connStatusDoc(at time.Time, current, created int64) string {
	return fmt.Sprintf(`{"host": "a", "pid": {"$numberLong": "7"}, "process": "mongod", "uptime": %d,
		"localTime": {"$date": "%s"},
		"opcounters": {"insert": 1, "query": 1, "update": 1, "delete": 1, "getmore": 1, "command": 1},
		"network": {"bytesIn": 10, "bytesOut": 10, "numRequests": 10},
		"connections": {"current": %d, "available": %d, "totalCreated": {"$numberLong": "%d"}}}`,
		100+at.Unix()%100000, at.UTC().Format(time.RFC3339Nano), current, 1000-current, created)
}

// Without the connections pane open, the breakdown is read while a node's
// connections are at the connection-storm finding's levels (near the
// limit, or opened fast), at its every-few-polls cadence and never more
// often, holding while the finding would hold, and stops when they fall
// back. A mongos whose own connections storm is asked for its own.
func TestBreakdownReadWhileConnectionsStorm(t *testing.T) {
	t0, mono := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), time.Now()
	clock := t0
	nodes := []Node{{Address: "m:1", Role: RoleMongos}, {Address: "p:1", Role: RolePrimary, Shard: "shard0"}}
	st := &state{cfg: &Config{Now: func() time.Time { return clock }, MaxOps: 10}, interval: time.Second,
		dep: Deployment{Kind: KindSharded, Nodes: nodes}, oplog: map[string]oplogWindow{},
		nodes: map[string]*nodeState{"m:1": {node: nodes[0]}, "p:1": {node: nodes[1]}}}
	sp, cb := newStatusProbe(), newConnBreakdownProbe()
	created := map[string]int64{}
	type phase struct {
		node            string
		polls           int
		current, perSec int64
	}
	var asked []string
	for _, ph := range []phase{
		{"m:1", 10, 50, 1},  // calm
		{"m:1", 20, 850, 1}, // 85 % of the limit: a storm
		{"m:1", 10, 750, 1}, // 75 %: the finding would hold
		{"m:1", 10, 600, 1}, // 60 %: fallen back
		{"m:1", 10, 60, 60}, // 60 opened a second: a storm
		{"m:1", 10, 60, 30}, // 30/s: holding
		{"m:1", 10, 60, 10}, // 10/s: fallen back
		{"p:1", 10, 850, 1}, // a shard primary near its limit
		{"p:1", 10, 100, 1}, // fallen back
	} {
		for range ph.polls {
			st.cycle++
			clock = clock.Add(time.Second)
			for _, addr := range []string{"m:1", "p:1"} {
				cur, rate := int64(50), int64(1)
				if addr == ph.node {
					cur, rate = ph.current, ph.perSec
				}
				created[addr] += rate
				sp.apply(st, addr, sampleAt(t, connStatusDoc(clock, cur, created[addr]), mono.Add(clock.Sub(t0))))
			}
			for _, addr := range cb.due(st) {
				asked = append(asked, fmt.Sprintf("%d %s", st.cycle, addr))
			}
		}
	}
	var want []string
	for _, c := range []int{11, 16, 21, 26, 31, 36, 51, 56, 61, 66} {
		want = append(want, fmt.Sprintf("%d m:1", c))
	}
	want = append(want, "81 m:1", "86 m:1") // a shard primary storms: the apps still connect to the mongos
	if !slices.Equal(asked, want) {
		t.Errorf("the breakdown was asked for at\n%q, want\n%q", asked, want)
	}
	st.breakdown = true // the pane open: as before, every few polls
	st.cycle = 101
	if got := cb.due(st); !slices.Equal(got, []string{"m:1"}) {
		t.Errorf("with the pane open: %v", got)
	}
}

// A breakdown read the last time it was wanted (the pane opened long ago,
// an earlier storm) is not shown as who holds the connections now.
func TestOldBreakdownIsNotShown(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	clock := t0
	st := &state{cfg: &Config{Now: func() time.Time { return clock }}, interval: time.Second, breakdown: true,
		nodes: map[string]*nodeState{"m:1": {node: Node{Address: "m:1", Role: RoleMongos}}}}
	cb := newConnBreakdownProbe()
	cb.last, cb.at, cb.from = &ConnectionBreakdown{ByApp: map[string]int{"web": 3}}, t0, "m:1"
	fill := func() *ConnectionBreakdown {
		snap := Snapshot{Connections: &ConnectionStats{}}
		cb.fill(&snap, st)
		return snap.Connections.Breakdown
	}
	if fill() == nil {
		t.Fatal("a fresh breakdown is not shown")
	}
	clock = t0.Add(time.Hour)
	if b := fill(); b != nil {
		t.Errorf("an hour-old breakdown is shown: %+v", b)
	}
}

// On a sharded cluster the breakdown counts the clients of the mongos (the
// applications, from their own hosts), not the shards' connections, whose
// client is the mongos and whose appName is none.
func TestBreakdownCountsTheMongosClients(t *testing.T) {
	var s Snapshot
	if err := json.Unmarshal(pinnableSnapshot(t, "8.0"), &s); err != nil {
		t.Fatal(err)
	}
	b := s.Connections.Breakdown
	if b == nil {
		t.Fatal("no breakdown with the connections pane open")
	}
	if b.ByApp["web-frontend"] < 50 || b.ByHost["127.0.0.1"] > b.ByApp["web-frontend"] {
		t.Errorf("the breakdown does not count the applications' connections to the mongos: %+v", b)
	}
}
