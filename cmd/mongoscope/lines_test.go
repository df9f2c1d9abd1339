package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mongoscope/mongoscope/internal/simcluster"
	"github.com/mongoscope/mongoscope/probes"
)

// Before two samples exist a node has no rate: the line says "-" and the
// JSON leaves the field out, never a made-up zero.
func TestFirstLineHasNoMadeUpRates(t *testing.T) {
	node := probes.Node{Address: "127.0.0.1:1", Role: "primary", Shard: "shard0", Up: true}
	first := probes.Snapshot{TakenAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	first.Deployment.Nodes = []probes.Node{node}
	second := first
	second.TakenAt = first.TakenAt.Add(time.Second)
	second.Opcounters = &probes.OpcounterRates{Nodes: map[string]probes.Rates{node.Address: {Insert: 42}}}

	for _, asJSON := range []bool{false, true} {
		out, lines := printed(asJSON, first, second)
		if asJSON {
			if len(lines) != 2 || strings.Contains(lines[0], `"insert"`) || !strings.Contains(lines[1], `"insert":42`) {
				t.Fatalf("JSON lines:\n%s", out)
			}
			continue
		}
		if len(lines) != 3 || strings.Fields(lines[1])[4] != "-" || strings.Fields(lines[2])[4] != "42" {
			t.Fatalf("text lines:\n%s", out)
		}
	}
}

// The line printer judges nodes as the TUI does (probes' health
// thresholds): a node near its connection limit and a lagging secondary
// say so in text and JSON; byte rates stay one awk field.
func TestLinesShowHealth(t *testing.T) {
	lag := 12.0
	s := probes.Snapshot{TakenAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Connections: &probes.ConnectionStats{Nodes: map[string]probes.NodeConnections{"p:1": {Current: 900, PercentUsed: 90}}},
		Network:     &probes.NetworkRates{Nodes: map[string]probes.NetworkRate{"p:1": {BytesInPerSec: 38e6, BytesOutPerSec: 212e3}}},
		Replication: []probes.ReplicaSet{{Set: "rs0", Primary: "p:1", Members: []probes.Member{{Address: "p:1"}, {Address: "s:1", LagSeconds: &lag}}}}}
	s.Deployment.Nodes = []probes.Node{{Address: "p:1", Role: "primary", Shard: "sh0", Up: true},
		{Address: "s:1", Role: "secondary", Shard: "sh0", Up: true, Slow: true}}
	for _, asJSON := range []bool{false, true} {
		out, lines := printed(asJSON, s)
		if asJSON {
			if len(lines) != 2 || !strings.Contains(lines[0], `"health":[{"check":"connections","severity":"crit"}]`) ||
				!strings.Contains(lines[1], `"health":[{"check":"lag","severity":"crit"}]`) {
				t.Fatalf("JSON lines:\n%s", out)
			}
			continue
		}
		primary, secondary := strings.Fields(lines[1]), strings.Fields(lines[2])
		if len(lines) != 3 || !strings.HasSuffix(lines[0], "health") || primary[10] != "38.0MB" || primary[11] != "212KB" ||
			primary[len(primary)-1] != "connections:crit" || strings.Join(secondary[len(secondary)-2:], " ") != "slow lag:crit" {
			t.Fatalf("text lines:\n%s", out)
		}
	}
}

// printed runs the line printer over snaps: its whole output and its lines.
func printed(asJSON bool, snaps ...probes.Snapshot) (string, []string) {
	ch := make(chan probes.Snapshot, len(snaps))
	for _, s := range snaps {
		ch <- s
	}
	close(ch)
	var out strings.Builder
	printLines(context.Background(), ch, asJSON, &out)
	return out.String(), strings.Split(strings.TrimSpace(out.String()), "\n")
}

// JSON lines carry the full time with its zone (RFC 3339); text keeps the
// short clock time.
func TestJSONLinesHaveFullTimestamps(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	s := probes.Snapshot{TakenAt: time.Date(2026, 1, 2, 3, 4, 5, 0, zone)}
	s.Deployment.Nodes = []probes.Node{{Address: "p:1", Role: "primary", Up: true}}
	out, _ := printed(true, s)
	if !strings.Contains(out, `"time":"2026-01-02T03:04:05+01:00"`) {
		t.Fatalf("JSON time: %s", out)
	}
	out, lines := printed(false, s)
	if !strings.HasPrefix(lines[1], "03:04:05 ") {
		t.Fatalf("text time: %s", out)
	}
}

// Ticket counts held from an earlier poll (before 8.0 they are read every
// few polls) say how old they are, in text and JSON; stale ones say so.
func TestLinesShowTicketsAge(t *testing.T) {
	age := 0.8
	s := probes.Snapshot{TakenAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Queues: &probes.QueueStats{Nodes: map[string]probes.NodeQueues{
			"p:1": {ReadTicketsOut: 12, ReadTicketsTotal: 128, WriteTicketsOut: 3, WriteTicketsTotal: 128, TicketsAgeSeconds: &age},
			"s:1": {ReadTicketsOut: 1, ReadTicketsTotal: 128, WriteTicketsOut: 0, WriteTicketsTotal: 128,
				TicketsStale: "as of 03:03:57, 8s old: s:1 no ticket counts since"}}}}
	s.Deployment.Nodes = []probes.Node{{Address: "p:1", Role: "primary", Up: true}, {Address: "s:1", Role: "secondary", Up: true},
		{Address: "m:1", Role: "mongos", Up: true}}
	out, lines := printed(false, s)
	if len(lines) != 4 || !strings.Contains(lines[0], "tickets r,w") || !strings.Contains(lines[1], " 12/128,3/128,0.8s-old ") ||
		!strings.Contains(lines[2], " 1/128,0/128,stale ") || !strings.Contains(lines[3], " - ") {
		t.Fatalf("text lines:\n%s", out)
	}
	out, lines = printed(true, s)
	if len(lines) != 3 || !strings.Contains(lines[0], `"ticketsAgeSeconds":0.8`) || !strings.Contains(lines[1], `"ticketsStale":"as of 03:03:57, 8s old`) ||
		strings.Contains(lines[2], `"queues"`) {
		t.Fatalf("JSON lines:\n%s", out)
	}
}

// Line mode on a mongos that may not list its shards: the mongos's lines,
// one line saying the shards are unknown and why, and one when they are
// listed again, from a real poller over the wire.
func TestLinesSayShardsUnknown(t *testing.T) {
	sim, mongos := simRefusingListShards(t)
	p, err := probes.NewPoller(probes.Config{URI: sim.URI(), Interval: 200 * time.Millisecond, ConnectTimeout: 3 * time.Second,
		ReadOnly: true, Rediscover: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); p.Close(context.Background()) }()
	if _, err := p.Connect(ctx); err != nil {
		t.Fatalf("connecting to a mongos that may not list its shards: %v", err)
	}
	ch := p.Run(ctx)
	snaps := []probes.Snapshot{<-ch, <-ch}
	sim.Fault(simcluster.Fault{Kind: "clear", Node: mongos})
	for deadline := time.After(20 * time.Second); len(snaps[len(snaps)-1].Deployment.Nodes) < len(sim.Nodes()); {
		select {
		case s := <-ch:
			snaps = append(snaps, s)
		case <-deadline:
			t.Fatalf("the shards never appeared: %+v", snaps[len(snaps)-1].Deployment)
		}
	}
	out, lines := printed(false, snaps...)
	want := " SHARDS unknown: listShards on " + mongos + " failed: (Unauthorized) not authorized"
	if strings.Count(out, want) != 1 || strings.Count(out, " SHARDS listed") != 1 || strings.Join(strings.Fields(lines[1])[1:3], " ") != mongos+" mongos" {
		t.Fatalf("text lines:\n%s", out)
	}
	out, _ = printed(true, snaps...)
	if strings.Count(out, `"event":"shards-unknown","why":"listShards on `+mongos) != 1 || strings.Count(out, `"event":"shards-listed"`) != 1 {
		t.Fatalf("JSON lines:\n%s", out)
	}
}
