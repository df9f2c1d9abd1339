package probes

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// Before 8.0 the ticket counts are read every few polls and held between:
// through the real poller on a 4.4 replica set, held counts carry their
// time and age (in the snapshot and its JSON), and fresh ones do not.
func TestHeldTicketsCarryTheirAge(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 2, Version: "4.4"})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	primary := nodeByRole(sim, "primary", "")
	tickets := func(s Snapshot) (NodeQueues, bool) {
		q, ok := s.Queues.Node(primary)
		return q, ok && q.ReadTicketsTotal > 0
	}
	s := waitFor(t, ch, "held tickets", func(s Snapshot) bool {
		q, ok := tickets(s)
		return ok && q.TicketsAgeSeconds != nil
	})
	q, _ := tickets(s)
	statusAt := snapNode(s, primary).Probes[probeStatus].LastOK
	if q.TicketsAsOf.IsZero() || !q.TicketsAsOf.Before(statusAt) || *q.TicketsAgeSeconds <= 0 {
		t.Errorf("held tickets as of %v (age %vs) are not older than the node's serverStatus (%v)",
			q.TicketsAsOf, *q.TicketsAgeSeconds, statusAt)
	}
	js, _ := json.Marshal(s)
	if !strings.Contains(string(js), `"ticketsAgeSeconds":`) || !strings.Contains(string(js), `"ticketsAsOf":`) {
		t.Errorf("the JSON does not carry the tickets' age: %s", js)
	}
	s = waitFor(t, ch, "freshly read tickets", func(s Snapshot) bool {
		q, ok := tickets(s)
		return ok && q.TicketsAgeSeconds == nil
	})
	if q, _ := tickets(s); q.TicketsAsOf.IsZero() || q.TicketsStale != "" {
		t.Errorf("fresh tickets: as of %v, stale %q", q.TicketsAsOf, q.TicketsStale)
	}
}

// From 8.0 the tickets come with every serverStatus: never held.
func TestTicketsFrom80AreNeverHeld(t *testing.T) {
	sim := startSim(t, simcluster.Config{Topology: "replset", Members: 2, Version: "8.0"})
	_, ch, _ := pollerOn(t, sim.URI(), nil)
	primary := nodeByRole(sim, "primary", "")
	seen := 0
	waitFor(t, ch, "eight polls with tickets", func(s Snapshot) bool {
		q, ok := s.Queues.Node(primary)
		if !ok || q.ReadTicketsTotal == 0 {
			return false
		}
		if q.TicketsAgeSeconds != nil || q.TicketsAsOf.IsZero() {
			t.Fatalf("8.0 tickets held or undated: %+v", q)
		}
		seen++
		return seen == 8
	})
}

// Held tickets older than their bound are marked stale (judgments leave
// them); a reply that was asked for the tickets and has none has none.
func TestTicketsPastTheirBoundAreStale(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	clock := t0
	st := &state{cfg: &Config{Now: func() time.Time { return clock }, MaxOps: 10}, interval: time.Second,
		dep: Deployment{Kind: KindReplicaSet}, nodes: map[string]*nodeState{"a:1": {node: Node{Address: "a:1", Role: RolePrimary}}},
		oplog: map[string]oplogWindow{}}
	sp := newStatusProbe()
	withTickets := strings.TrimSuffix(statusDoc("a", 7, 100, t0, "5", "5"), "}") +
		`, "wiredTiger": {"concurrentTransactions": {"read": {"out": 12, "available": 116, "totalTickets": 128},
		"write": {"out": 3, "available": 125, "totalTickets": 128}}}}`
	poll := func(after time.Duration, doc string, askedWT bool) NodeQueues {
		t.Helper()
		clock = t0.Add(after)
		sample := sampleAt(t, doc, clock)
		sample.askedWT = askedWT
		sp.apply(st, "a:1", sample)
		snap := Snapshot{Deployment: Deployment{Kind: KindReplicaSet, Nodes: []Node{{Address: "a:1", Role: RolePrimary, State: StateUp}}},
			NotAvailable: map[string]string{}}
		sp.fill(&snap, st)
		q, _ := snap.Queues.Node("a:1")
		return q
	}
	if q := poll(0, withTickets, true); q.ReadTicketsOut != 12 || q.TicketsAgeSeconds != nil || !q.TicketsAsOf.Equal(t0) {
		t.Errorf("fresh: %+v", q)
	}
	q := poll(time.Second, statusDoc("a", 7, 101, t0.Add(time.Second), "6", "5"), false)
	if q.WriteTicketsOut != 3 || q.TicketsAgeSeconds == nil || *q.TicketsAgeSeconds != 1 || q.TicketsStale != "" {
		t.Errorf("held a second: %+v", q)
	}
	q = poll(8*time.Second, statusDoc("a", 7, 108, t0.Add(8*time.Second), "7", "5"), false)
	if !strings.Contains(q.TicketsStale, "8s old: a:1") || TicketsCurrent(q) {
		t.Errorf("held 8 s at a 1 s interval (read every %d polls) is not stale: %+v", everyFewPolls, q)
	}
	q = poll(9*time.Second, statusDoc("a", 7, 109, t0.Add(9*time.Second), "8", "5"), true)
	if q.ReadTicketsTotal != 0 || !q.TicketsAsOf.IsZero() {
		t.Errorf("a reply asked for tickets without them still shows the old ones: %+v", q)
	}
}
