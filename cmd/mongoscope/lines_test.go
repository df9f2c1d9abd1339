package main

import (
	"context"
	"strings"
	"testing"
	"time"

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
		ch := make(chan probes.Snapshot, 2)
		ch <- first
		ch <- second
		close(ch)
		var out strings.Builder
		printLines(context.Background(), ch, asJSON, &out)
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if asJSON {
			if len(lines) != 2 || strings.Contains(lines[0], `"insert"`) || !strings.Contains(lines[1], `"insert":42`) {
				t.Fatalf("JSON lines:\n%s", out.String())
			}
			continue
		}
		if len(lines) != 3 || strings.Fields(lines[1])[4] != "-" || strings.Fields(lines[2])[4] != "42" {
			t.Fatalf("text lines:\n%s", out.String())
		}
	}
}
