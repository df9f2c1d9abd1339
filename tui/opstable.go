package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/table"

	"github.com/mongoscope/mongoscope/probes"
)

// refresh re-applies filter and sort and rebuilds the rows, keeping the
// selected op selected when it is still there.
func (p *opsPane) refresh() {
	var keep string
	if sel, ok := p.selected(); ok {
		keep = sel.Node + "/" + sel.OpID
	}
	terms := parseFilter(p.filter.Value())
	p.visible = p.visible[:0]
	p.hidden = 0
	for _, op := range p.snap.Ops {
		if op.System && !p.showSystem {
			p.hidden++
			continue
		}
		if terms.match(op) {
			p.visible = append(p.visible, op)
		}
	}
	sortOps(p.visible, opSorts[p.sortCol], p.reverse)
	rows := make([]table.Row, len(p.visible))
	cursor := 0
	stale := p.staleSource()
	for i, op := range p.visible {
		rows[i] = opRow(op, stale(op))
		if op.Node+"/"+op.OpID == keep {
			cursor = i
		}
	}
	p.table.SetRows(rows)
	p.table.SetCursor(cursor)
}

func (p *opsPane) selected() (probes.Op, bool) {
	i := p.table.Cursor()
	if i < 0 || i >= len(p.visible) {
		return probes.Op{}, false
	}
	return p.visible[i], true
}

// killable are the ops a bulk kill would take: the filtered user ops.
func (p *opsPane) killable() []probes.Op {
	var out []probes.Op
	for _, op := range p.visible {
		if !op.System {
			out = append(out, op)
		}
	}
	return out
}

// sizeTable lays the columns out for the width: flexible ns and client.
func (p *opsPane) sizeTable(w, h int) {
	if w == p.tableW && h == p.tableH {
		return // re-laying the columns re-renders every visible row
	}
	p.tableW, p.tableH = w, h
	fixed := []int{8, 18, 9, 0, 7, 10, 11, 0, 22}
	if w < 110 { // narrow: drop the client column, shorten the rest
		fixed = []int{7, 14, 8, 0, 7, 9, -1, -1, 12}
	}
	titles := []string{"node", "opid", "op", "ns", "time", "plan", "app", "client", "flags"}
	used := 0
	for _, f := range fixed {
		if f > 0 {
			used += f + 2 // cell padding of the default styles
		}
	}
	flex := max(w-used-4, 10)
	if fixed[7] < 0 {
		fixed[3] = flex
	} else {
		fixed[3], fixed[7] = flex*3/5, flex*2/5
	}
	for i := range fixed {
		fixed[i] = max(fixed[i], 0) // a zero-width column is hidden
	}
	cols := make([]table.Column, len(titles))
	for i := range titles {
		cols[i] = table.Column{Title: titles[i], Width: fixed[i]}
	}
	p.table.SetColumns(cols)
	p.table.SetWidth(w)
	p.table.SetHeight(max(h, 2))
}

// staleSource says which ops come from a source whose list is old (the
// one probes names in Stale["ops"]; every op when it names none).
func (p *opsPane) staleSource() func(probes.Op) bool {
	text, ok := p.snap.Stale["ops"]
	if !ok {
		return func(probes.Op) bool { return false }
	}
	addr := parseStale(text).addr
	return func(op probes.Op) bool { return addr == "" || opSource(op) == addr }
}

// opSource is the node whose $currentOp listed the op: the mongos for
// ops routed through it, else the node itself.
func opSource(op probes.Op) string {
	if op.KillVia != "" {
		return op.KillVia
	}
	return op.Node
}

func opRow(op probes.Op, stale bool) table.Row {
	node := op.Shard // routed through mongos: the shard (its primary) is what matters
	if node == "" || op.KillVia == op.Node {
		node = shortHost(op.Node) // asked directly (a secondary, a replica set): the member
	}
	flags := flagText(op)
	if stale {
		flags = strings.TrimSpace("stale " + flags)
	}
	return table.Row{node, op.OpID, op.Op, op.NS, secs(op.SecsRunning), dash(op.PlanSummary), dash(op.AppName), op.Client, flags}
}

// flagText says in words what is special about an op.
func flagText(op probes.Op) string {
	var parts []string
	for _, f := range op.Flags {
		switch f {
		case probes.FlagLockWait:
			parts = append(parts, "lock wait")
		case probes.FlagIndexBuild:
			if op.ProgressTotal > 0 {
				parts = append(parts, fmt.Sprintf("index build %.0f%%", op.ProgressDone/op.ProgressTotal*100))
			} else {
				parts = append(parts, "index build")
			}
		case probes.FlagMigration:
			parts = append(parts, "migration")
		case probes.FlagKillPending:
			parts = append(parts, "killPending")
		case probes.FlagLong:
			parts = append(parts, "long")
		case probes.FlagTTL:
			parts = append(parts, "TTL")
		case probes.FlagCollscan:
			parts = append(parts, "COLLSCAN")
		}
	}
	if op.System {
		parts = append(parts, "system")
	}
	return strings.Join(parts, " ")
}

func sortOps(ops []probes.Op, col string, reverse bool) {
	less := func(a, b probes.Op) bool { return a.SecsRunning > b.SecsRunning }
	switch col {
	case "ns":
		less = func(a, b probes.Op) bool { return a.NS < b.NS }
	case "op":
		less = func(a, b probes.Op) bool { return a.Op < b.Op }
	case "node":
		less = func(a, b probes.Op) bool { return a.Shard+a.Node < b.Shard+b.Node }
	case "app":
		less = func(a, b probes.Op) bool { return a.AppName < b.AppName }
	}
	sort.SliceStable(ops, func(i, j int) bool {
		if reverse {
			return less(ops[j], ops[i])
		}
		return less(ops[i], ops[j])
	})
}

// setStyles applies the styles to the table (on start and when the
// terminal's background changes: it re-renders the visible rows).
func (p *opsPane) setStyles(st Styles) {
	s := table.DefaultStyles()
	s.Header = st.TableHeader.Padding(0, 1)
	s.Selected = st.Selected
	p.table.SetStyles(s)
}
