package simcluster

import (
	"strings"
	"testing"
	"time"
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
