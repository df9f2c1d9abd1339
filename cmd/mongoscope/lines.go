package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mongoscope/mongoscope/internal/safetext"
	"github.com/mongoscope/mongoscope/probes"
	"github.com/mongoscope/mongoscope/tui"
)

// printLines is the non-terminal mode: one mongostat-like line per node
// per interval, with a header, until interrupted (for watch, tee, CI logs);
// and one line per finding that starts or ends, judged from its own
// history as the TUI judges them.
func printLines(ctx context.Context, snaps <-chan probes.Snapshot, asJSON bool, out io.Writer) int {
	header := true
	j := newJudge()
	shards := ""
	for {
		select {
		case <-ctx.Done():
			return exitOK
		case s, ok := <-snaps:
			if !ok {
				return exitOK
			}
			_, started, ended := j.update(s)
			shardsNote := shardsChange(shards, s.Deployment.ShardsUnknown)
			shards = s.Deployment.ShardsUnknown
			if asJSON {
				printJSONLines(out, s, started, ended)
				printJSONShards(out, s, shardsNote)
				continue
			}
			if header {
				fmt.Fprintf(out, "%-8s %-21s %-9s %-7s %7s %7s %7s %7s %7s %7s %9s %9s %6s %5s %-12s %s\n",
					"time", "node", "role", "shard", "insert", "query", "update", "delete", "getmore", "command",
					"netIn/s", "netOut/s", "conn", "ops", "tickets r,w", "health")
				header = false
			}
			printTextLines(out, s, started, ended)
			if shardsNote != "" {
				fmt.Fprintf(out, "%s SHARDS %s\n", s.TakenAt.Format("15:04:05"), safetext.Line(shardsNote))
			}
		}
	}
}

// printTextLines writes a snapshot's node lines, then its finding events:
// "12:34:56 FINDING warn missing-index  <summary>", "… ENDED …".
func printTextLines(out io.Writer, s probes.Snapshot, started, ended []probes.Finding) {
	for _, r := range nodeLines(s) {
		if !r.Up {
			fmt.Fprintf(out, "%-8s %-21s %-9s %-7s %s\n", r.Time, r.Node, r.Role, r.Shard, "DOWN: "+r.Error)
			continue
		}
		fmt.Fprintf(out, "%-8s %-21s %-9s %-7s %s %9s %9s %6d %5d %-12s %s\n",
			r.Time, r.Node, r.Role, r.Shard, rateColumns(r.Rates),
			bytesColumn(r.NetInPerSec), bytesColumn(r.NetOutPerSec), r.Connections, r.Ops, ticketsColumn(r.Queues), healthColumn(r))
	}
	for _, e := range findingEvents(s, started, ended) {
		word := "FINDING"
		if e.Event == eventEnded {
			word = "ENDED"
		}
		f := e.Finding
		fmt.Fprintf(out, "%s %s %s %s  %s\n", s.TakenAt.Format("15:04:05"), word, f.Severity, f.Kind, safetext.Line(f.Summary))
	}
}

// printJSONLines writes a snapshot's node lines, then its finding events,
// each one JSON line.
func printJSONLines(out io.Writer, s probes.Snapshot, started, ended []probes.Finding) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false) // "<U+202E>" reads as itself
	for _, r := range nodeLines(s) {
		r.Time = s.TakenAt.Format(time.RFC3339) // machines get the date and zone; people the short time
		enc.Encode(r)
	}
	for _, e := range findingEvents(s, started, ended) {
		enc.Encode(e)
	}
}

// shardsChange is what line mode says when the shards become unknown (a
// router answers, but listShards fails) or listed again; "" otherwise.
func shardsChange(before, now string) string {
	switch {
	case now != "" && now != before:
		return "unknown: " + now
	case now == "" && before != "":
		return "listed"
	}
	return ""
}

// printJSONShards writes a shards change as a JSON line:
// {"time", "event": "shards-unknown", "why"} or {"time", "event": "shards-listed"}.
func printJSONShards(out io.Writer, s probes.Snapshot, note string) {
	if note == "" {
		return
	}
	e := struct {
		Time  string `json:"time"`
		Event string `json:"event"`
		Why   string `json:"why,omitempty"`
	}{Time: s.TakenAt.Format(time.RFC3339), Event: "shards-listed"}
	if why := s.Deployment.ShardsUnknown; why != "" {
		e.Event, e.Why = "shards-unknown", why
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.Encode(e)
}

// Finding events of line mode.
const (
	eventStarted = "finding-started"
	eventEnded   = "finding-ended"
)

// findingEvent is a finding that started or ended, as a JSON line.
type findingEvent struct {
	Time    string         `json:"time"` // RFC 3339
	Event   string         `json:"event"`
	Finding probes.Finding `json:"finding"`
}

// findingEvents are the findings that started, then those that ended, at s.
func findingEvents(s probes.Snapshot, started, ended []probes.Finding) []findingEvent {
	at := s.TakenAt.Format(time.RFC3339)
	var out []findingEvent
	for _, f := range started {
		out = append(out, findingEvent{at, eventStarted, f})
	}
	for _, f := range ended {
		out = append(out, findingEvent{at, eventEnded, f})
	}
	return out
}

// judge keeps the history and the findings tracker of a mode without the
// TUI (line mode, snapshot --follow), which judge every snapshot as the
// TUI does.
type judge struct {
	history  *probes.History
	findings *probes.Findings
}

func newJudge() *judge {
	// An hour of points as the TUI keeps (the findings look back up to 15
	// minutes, the minute tier a day); no whole snapshots: nothing scrubs.
	return &judge{history: probes.NewHistory(3600, 1), findings: probes.NewFindings()}
}

// update judges s: the active findings (never nil: JSON says []), and
// those that started and ended with it.
func (j *judge) update(s probes.Snapshot) (active, started, ended []probes.Finding) {
	j.history.Add(s)
	active, started, ended = j.findings.Update(s, j.history)
	if active == nil {
		active = []probes.Finding{}
	}
	return active, started, ended
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
	// Queues are the node's queues and tickets, with the tickets' age when
	// they are held from an earlier poll (before 8.0) and whether they are
	// stale.
	Queues *probes.NodeQueues `json:"queues,omitempty"`
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
		if q, ok := s.Queues.Node(n.Address); ok {
			r.Queues = &q
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

// ticketsColumn is the tickets out of the total, read then write, as one
// awk field: "12/128,3/128"; ",8.0s-old" when held from an earlier poll,
// ",stale" when too old to judge; "-" when unknown.
func ticketsColumn(q *probes.NodeQueues) string {
	if q == nil || q.ReadTicketsTotal+q.WriteTicketsTotal == 0 {
		return "-"
	}
	s := fmt.Sprintf("%d/%d,%d/%d", q.ReadTicketsOut, q.ReadTicketsTotal, q.WriteTicketsOut, q.WriteTicketsTotal)
	if q.TicketsAgeSeconds != nil {
		s += "," + tui.AgeText(time.Duration(*q.TicketsAgeSeconds*float64(time.Second))) + "-old"
	}
	if !probes.TicketsCurrent(*q) {
		s += ",stale"
	}
	return s
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
