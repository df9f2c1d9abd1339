package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/tui"
)

// printLines is the non-terminal mode: one mongostat-like line per node
// per interval, with a header, until interrupted (for watch, tee, CI logs).
func printLines(ctx context.Context, snaps <-chan probes.Snapshot, asJSON bool, out io.Writer) int {
	header := true
	for {
		select {
		case <-ctx.Done():
			return exitOK
		case s, ok := <-snaps:
			if !ok {
				return exitOK
			}
			rows := nodeLines(s)
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetEscapeHTML(false) // "<U+202E>" reads as itself
				for _, r := range rows {
					r.Time = s.TakenAt.Format(time.RFC3339) // machines get the date and zone; people the short time
					enc.Encode(r)
				}
				continue
			}
			if header {
				fmt.Fprintf(out, "%-8s %-21s %-9s %-7s %7s %7s %7s %7s %7s %7s %9s %9s %6s %5s %s\n",
					"time", "node", "role", "shard", "insert", "query", "update", "delete", "getmore", "command",
					"netIn/s", "netOut/s", "conn", "ops", "health")
				header = false
			}
			for _, r := range rows {
				if !r.Up {
					fmt.Fprintf(out, "%-8s %-21s %-9s %-7s %s\n", r.Time, r.Node, r.Role, r.Shard, "DOWN: "+r.Error)
					continue
				}
				fmt.Fprintf(out, "%-8s %-21s %-9s %-7s %s %9s %9s %6d %5d %s\n",
					r.Time, r.Node, r.Role, r.Shard, rateColumns(r.Rates),
					bytesColumn(r.NetInPerSec), bytesColumn(r.NetOutPerSec), r.Connections, r.Ops, healthColumn(r))
			}
		}
	}
}

// nodeLine is one node at one moment, for the line printer.
type nodeLine struct {
	Time  string `json:"time"`
	Node  string `json:"node"`
	Role  string `json:"role"`
	Shard string `json:"shard,omitempty"`
	Up    bool   `json:"up"`
	Error string `json:"error,omitempty"`
	// Rates and network are nil until two samples exist: the first line
	// shows "-" (JSON omits them) rather than a made-up zero.
	*probes.Rates
	NetInPerSec  *float64 `json:"netInPerSec,omitempty"`
	NetOutPerSec *float64 `json:"netOutPerSec,omitempty"`
	Connections  int64    `json:"connections"`
	Ops          int      `json:"ops"`
	// Health is what probes judges worrying about this node (lag,
	// connections, churn, queues, oplog window), the same judgments the
	// TUI colours.
	Health []probes.NodeCheck `json:"health,omitempty"`
}

func nodeLines(s probes.Snapshot) []nodeLine {
	opsPer := map[string]int{}
	for _, op := range s.Ops {
		if !op.System {
			opsPer[op.Node]++
		}
	}
	var rows []nodeLine
	for _, n := range s.Deployment.Nodes {
		r := nodeLine{Time: s.TakenAt.Format("15:04:05"), Node: n.Address, Role: string(n.Role), Shard: n.Shard,
			Up: n.Up, Error: n.Error, Ops: opsPer[n.Address], Health: probes.NodeChecks(s, n.Address)}
		if s.Opcounters != nil {
			if rates, ok := s.Opcounters.Nodes[n.Address]; ok {
				r.Rates = &rates
			}
		}
		if s.Network != nil {
			if nr, ok := s.Network.Nodes[n.Address]; ok {
				r.NetInPerSec, r.NetOutPerSec = &nr.BytesInPerSec, &nr.BytesOutPerSec
			}
		}
		if s.Connections != nil {
			r.Connections = s.Connections.Nodes[n.Address].Current
		}
		if n.Slow && r.Error == "" {
			r.Error = "slow"
		}
		rows = append(rows, r)
	}
	return rows
}

// rateColumns is the six opcounter columns, or dashes before a rate exists.
func rateColumns(r *probes.Rates) string {
	if r == nil {
		return fmt.Sprintf("%7s %7s %7s %7s %7s %7s", "-", "-", "-", "-", "-", "-")
	}
	return fmt.Sprintf("%7.0f %7.0f %7.0f %7.0f %7.0f %7.0f", r.Insert, r.Query, r.Update, r.Delete, r.Getmore, r.Command)
}

// bytesColumn is a byte rate without spaces, so each column stays one
// field for awk; "-" before a rate exists.
func bytesColumn(p *float64) string {
	if p == nil {
		return "-"
	}
	n, unit := tui.ScaleBytes(*p)
	return n + unit
}

// healthColumn is the node's error, then its findings: "slow lag:crit".
func healthColumn(r nodeLine) string {
	parts := []string{}
	if r.Error != "" {
		parts = append(parts, r.Error)
	}
	for _, f := range r.Health {
		parts = append(parts, string(f.Check)+":"+f.Severity.String())
	}
	return strings.Join(parts, " ")
}
