package probes

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// statusDoc is a serverStatus with the fields rates depend on.
func statusDoc(host string, pid int64, uptime float64, at time.Time, query string, current string) string {
	return fmt.Sprintf(`{"host": %q, "pid": {"$numberLong": "%d"}, "process": "mongod", "uptime": %v,
		"localTime": {"$date": "%s"},
		"opcounters": {"insert": 1, "query": %s, "update": 1, "delete": 1, "getmore": 1, "command": 1},
		"network": {"bytesIn": 10, "bytesOut": 10, "numRequests": 10},
		"connections": {"current": %s, "available": 100, "totalCreated": 5}}`,
		host, pid, uptime, at.UTC().Format(time.RFC3339Nano), query, current)
}

// sampleAt decodes doc as received at recv on our monotonic clock.
func sampleAt(t *testing.T, doc string, recv time.Time) *statusSample {
	t.Helper()
	s, err := DecodeServerStatus(extJSON(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	return &statusSample{s: s, at: s.LocalTime, sent: recv.Add(-time.Millisecond), recv: recv}
}

// Rates that cannot be wrong silently: each absurd case from the field is
// rejected with a reason instead of shown.
func TestRatesRefuseAbsurdSamples(t *testing.T) {
	t0, mono := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), time.Now()
	n := func(q string) string { return `{"$numberLong": "` + q + `"}` }
	base := sampleAt(t, statusDoc("a", 7, 100, t0, n("1000"), "5"), mono)
	cases := []struct {
		name, doc, want string
		recv            time.Duration
	}{
		{"another process behind the same address (a load balancer)",
			statusDoc("b", 9, 5000, t0.Add(time.Second), n("4005104"), "5"), "another process", time.Second},
		{"a restart", statusDoc("a", 7, 3, t0.Add(time.Second), n("10"), "5"), "restarted", time.Second},
		{"a counter near the int64 limit that wrapped", statusDoc("a", 7, 101, t0.Add(time.Second),
			n(fmt.Sprint(int64(math.MinInt64+5))), "5"), "", time.Second},
		{"a server clock moving 1 ms per poll", statusDoc("a", 7, 101, t0.Add(time.Millisecond), n("2000"), "5"),
			"clock", time.Second},
	}
	for _, c := range cases {
		cur := sampleAt(t, c.doc, mono.Add(c.recv))
		gap := rateGap(base, cur)
		bad := cur.s.badIn("opcounters")
		if gap == "" && bad == "" {
			t.Errorf("%s: a rate was made (%+v)", c.name, cur.s.Opcounters)
		}
		if c.want != "" && !strings.Contains(gap, c.want) {
			t.Errorf("%s: reason %q, want it to mention %q", c.name, gap, c.want)
		}
	}
	good := sampleAt(t, statusDoc("a", 7, 101, t0.Add(time.Second), n("1500"), "5"), mono.Add(time.Second))
	if gap := rateGap(base, good); gap != "" {
		t.Errorf("a sound pair was refused: %s", gap)
	}
}

// Wrong-typed or negative counters are unknown ("-"), never 0, and the
// node's connections are left out rather than shown negative.
func TestWrongTypedCountersAreUnknown(t *testing.T) {
	t0, mono := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), time.Now()
	st := &state{cfg: &Config{Now: func() time.Time { return t0.Add(time.Second) }, MaxOps: 10}, interval: time.Second,
		dep: Deployment{Kind: KindReplicaSet}, nodes: map[string]*nodeState{"a:1": {node: Node{Address: "a:1", Role: RolePrimary}}},
		oplog: map[string]oplogWindow{}}
	sp := newStatusProbe()
	sp.apply(st, "a:1", sampleAt(t, statusDoc("a", 7, 100, t0, `{"$numberLong": "1000"}`, "5"), mono))
	sp.apply(st, "a:1", sampleAt(t, statusDoc("a", 7, 101, t0.Add(time.Second), `"lots"`, "-3"), mono.Add(time.Second)))
	snap := Snapshot{Deployment: Deployment{Kind: KindReplicaSet, Nodes: []Node{{Address: "a:1", Role: RolePrimary, State: StateUp}}},
		NotAvailable: map[string]string{}}
	sp.fill(&snap, st)
	if snap.Opcounters != nil {
		t.Errorf("rates from a counter that is not a number: %+v", snap.Opcounters)
	}
	if !strings.Contains(snap.NotAvailable["opcounters"], "opcounters.query") {
		t.Errorf("the reason does not name the bad counter: %q", snap.NotAvailable["opcounters"])
	}
	if _, ok := snap.Connections.Nodes["a:1"]; ok {
		t.Errorf("a negative connections.current is shown: %+v", snap.Connections.Nodes["a:1"])
	}
}
