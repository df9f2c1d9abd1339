package simcluster

import (
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Every scenario starts on the default deployment; an unknown name is
// refused in one line that lists the names.
func TestScenarioNames(t *testing.T) {
	for _, name := range append([]string{""}, ScenarioNames...) {
		if err := CheckScenario(Config{Scenario: name}); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	_, err := Start(Config{Scenario: "meltdown"})
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("unknown scenario: %v", err)
	}
	for _, name := range ScenarioNames {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the refusal does not name %s: %v", name, err)
		}
	}
}

// schedule's closed forms agree with summing it second by second.
func TestScheduleTimeIn(t *testing.T) {
	s := schedule{offset: 60, period: 300, length: 60}
	inside := 0.0
	for tau := 0.0; tau < 1000; tau += 0.5 {
		if got := s.timeIn(tau); got != inside {
			t.Fatalf("timeIn(%v) = %v, want %v", tau, got, inside)
		}
		if s.in(tau) {
			inside += 0.5
		}
	}
	if at, k := s.start(700); at != 660 || k != 2 {
		t.Errorf("start(700) = %v, %v", at, k)
	}
	if p := s.progress(690); p != 0.5 {
		t.Errorf("progress(690) = %v", p)
	}
}

// The calm cluster runs none of the default workload's stories: no
// analytics scan, no index build, no shard taking more than its share.
func TestCalmHasNoStory(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c, err := Start(Config{Scenario: ScenarioCalm, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now = now.Add(3 * time.Minute) // inside the default's first analytics spike
	for _, n := range c.Nodes() {
		for _, op := range c.Ops(n.Address) {
			if op.AppName == "analytics" || strings.HasPrefix(op.Desc, "IndexBuilds") || op.NS == "shop.events" {
				t.Errorf("%s runs %+v", n.Address, op)
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.scn.shardFactor(0); f != 1 {
		t.Errorf("shard0 takes %v× the others' traffic", f)
	}
	if sh := c.shards[0].members[0].load.primary; sh[opUpdate].base >= 0.5*sh[opQuery].base || sh[opQuery].spike != 0 {
		t.Errorf("calm primary mix: %+v", sh)
	}
}

// The needless-updates story moves the document counters as a guarded
// "mark as seen" would: the primaries' metrics.document.updated (documents
// matched) grows by a 25th of their update statements, and so do their
// secondaries' opcountersRepl.update (only a modification is replicated);
// on the calm cluster every update matches and modifies one document. The
// TTL story's primary counts its mass expiry in metrics.ttl.deletedDocuments.
func TestStoriesMoveTheDocumentCounters(t *testing.T) {
	type deltas struct{ statements, matched, applied, ttl float64 }
	over := func(scenario string, shard string) deltas {
		clk := newFakeClock()
		c := startSim(t, Config{Scenario: scenario, Now: clk.now, Seed: 3})
		prim, sec := nodeByRole(t, c, "primary", shard), nodeByRole(t, c, "secondary", shard)
		read := func(addr string, path ...string) float64 {
			v := call(t, c, addr, "admin", bson.D{{Key: "serverStatus", Value: 1}}).Lookup(path...)
			if v.Type != bson.TypeInt64 {
				t.Fatalf("%s %v is %v, want int64 (as in the captures)", addr, path, v.Type)
			}
			return float64(v.Int64())
		}
		snap := func() deltas {
			return deltas{read(prim, "opcounters", "update"), read(prim, "metrics", "document", "updated"),
				read(sec, "opcountersRepl", "update"), read(prim, "metrics", "ttl", "deletedDocuments")}
		}
		clk.advance(10 * time.Second)
		a := snap()
		clk.advance(40 * time.Second)
		b := snap()
		return deltas{b.statements - a.statements, b.matched - a.matched, b.applied - a.applied, b.ttl - a.ttl}
	}
	near := func(got, want float64) bool { return got >= want*0.9-2 && got <= want*1.1+2 }
	calm := over(ScenarioCalm, "shard0")
	if calm.statements < 100 || !near(calm.matched, calm.statements) || !near(calm.applied, calm.statements) || calm.ttl > 1000 {
		t.Errorf("calm over 40 s: %+v, want every update to match and modify one document", calm)
	}
	needless := over("needless-updates", "shard0")
	if needless.statements < 2*calm.statements || !near(needless.matched, needless.statements/25) || !near(needless.applied, needless.statements/25) {
		t.Errorf("needless-updates over 40 s: %+v, want a 25th of the statements matched and replicated", needless)
	}
	ttl := over("ttl-deletes", "shard2")
	if ttl.ttl < 40*ttlStoryRate*0.9 {
		t.Errorf("ttl-deletes over 40 s of a pass: %v documents deleted by the TTL monitor", ttl.ttl)
	}
}
