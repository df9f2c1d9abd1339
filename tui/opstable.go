package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/table"
	"github.com/charmbracelet/x/ansi"

	"github.com/mongoscope/mongoscope/probes"
)

// selection is the op the cursor is on, followed by its node and opid
// across snapshots, sorts and filters.
type selection struct {
	key   string    // node/opid; "" before the first row
	op    probes.Op // as last seen
	pos   int       // its row
	ended time.Time // the first live snapshot without it: it finished by then
}

func opKey(op probes.Op) string { return op.Node + "/" + op.OpID }

// refresh re-applies filter and sort and rebuilds the rows. The selected
// op stays selected; when it has finished it stays on its row, marked
// ended, rather than the cursor jumping to another op.
func (p *opsPane) refresh() {
	terms, err := parseFilter(p.filter.Value())
	p.filterErr = err
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
	cursor := p.placeSelection()
	rows := make([]table.Row, len(p.visible))
	stale := p.staleSource()
	for i, op := range p.visible {
		rows[i] = opRow(op, stale(op), p.labels)
		if i == p.ghost {
			rows[i][colTime] = "ended"
			rows[i][colFlags] = "finished by " + p.sel.ended.Local().Format("15:04:05")
		}
	}
	p.natural = naturalWidths(rows)
	p.fitColumns(false)
	p.table.SetRows(rows)
	p.table.SetCursor(cursor)
	p.noteCursor()
}

// placeSelection finds the selected op's row. Live, an op that is no
// longer running keeps its row as a ghost; one only filtered out, or
// absent from a past moment, leaves the cursor where it was.
func (p *opsPane) placeSelection() int {
	p.ghost = -1
	if p.sel.key == "" {
		return 0
	}
	for i, op := range p.visible {
		if opKey(op) == p.sel.key {
			return i
		}
	}
	pos := min(p.sel.pos, len(p.visible))
	if !p.live || p.running(p.sel.key) {
		return max(min(pos, len(p.visible)-1), 0)
	}
	if p.sel.ended.IsZero() {
		p.sel.ended = p.snap.TakenAt
	}
	p.visible = append(p.visible, probes.Op{})
	copy(p.visible[pos+1:], p.visible[pos:])
	p.visible[pos] = p.sel.op
	p.ghost = pos
	return pos
}

// running says whether the snapshot shown lists the op (whatever the
// filter).
func (p *opsPane) running(key string) bool {
	for _, op := range p.snap.Ops {
		if opKey(op) == key {
			return true
		}
	}
	return false
}

// noteCursor remembers the op under the cursor as the selection.
func (p *opsPane) noteCursor() {
	i := p.table.Cursor()
	switch {
	case i < 0 || i >= len(p.visible):
		return
	case i == p.ghost:
		p.sel.pos = i
	default:
		p.sel = selection{key: opKey(p.visible[i]), op: p.visible[i], pos: i}
	}
}

func (p *opsPane) selected() (probes.Op, bool) {
	i := p.table.Cursor()
	if i < 0 || i >= len(p.visible) {
		return probes.Op{}, false
	}
	return p.visible[i], true
}

// selectedEnded says when the selected op was seen gone, if it was.
func (p *opsPane) selectedEnded() (time.Time, bool) {
	if p.ghost >= 0 && p.table.Cursor() == p.ghost {
		return p.sel.ended, true
	}
	return time.Time{}, false
}

// killable are the ops a bulk kill would take: the filtered user ops
// still running.
func (p *opsPane) killable() []probes.Op {
	var out []probes.Op
	for i, op := range p.visible {
		if !op.System && i != p.ghost {
			out = append(out, op)
		}
	}
	return out
}

// Columns of the operations table.
const (
	colNode = iota
	colOpID
	colOp
	colNS
	colTime
	colPlan
	colApp
	colClient
	colFlags
	colCount
)

var colTitles = [colCount]string{"node", "opid", "op", "ns", "time", "plan", "app", "client", "flags"}

// cellPad is what each cell's padding adds to its width (one space a side).
const cellPad = 2

// sizeTable sizes the table's viewport; the columns follow the rows.
func (p *opsPane) sizeTable(w, h int) {
	if w == p.tableW && h == p.tableH {
		return // re-laying the columns re-renders every visible row
	}
	p.tableW, p.tableH = w, h
	p.table.SetWidth(w)
	p.table.SetHeight(max(h, 2))
	p.fitColumns(true)
}

// fitColumns lays the columns out from what they hold and the width
// (columnWidths); the table re-renders only when a width changed.
func (p *opsPane) fitColumns(force bool) {
	widths := columnWidths(p.natural, p.tableW)
	if widths == p.widths && !force {
		return
	}
	p.widths = widths
	cols := make([]table.Column, colCount)
	for i := range cols {
		cols[i] = table.Column{Title: colTitles[i], Width: widths[i]}
	}
	p.table.SetColumns(cols)
}

// naturalWidths is each column's widest cell, its title included.
func naturalWidths(rows []table.Row) [colCount]int {
	var n [colCount]int
	for i, t := range colTitles {
		n[i] = len(t)
	}
	for _, r := range rows {
		for i, cell := range r {
			n[i] = max(n[i], cellWidth(cell))
		}
	}
	return n
}

// cellWidth is a cell's width on screen; most cells are ASCII.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// columnWidths fits the columns to the width w: node, opid, op and time
// whole, always (an opid cut is an opid that cannot be read back); ns and
// flags at least a little; then app, plan and client if they fit, in that
// order (the rest of an op is one key away, in its detail); the room left
// goes to the columns that are cut, evenly. 0 hides a column.
func columnWidths(natural [colCount]int, w int) [colCount]int {
	var out [colCount]int
	used := 0
	take := func(c, width int) {
		out[c] = width
		used += width + cellPad
	}
	for _, c := range []int{colNode, colOpID, colOp, colTime} {
		take(c, natural[c])
	}
	take(colNS, min(natural[colNS], 12))
	take(colFlags, min(natural[colFlags], 10))
	for _, opt := range []struct{ c, least int }{{colApp, 10}, {colPlan, 8}, {colClient, 15}} {
		if need := min(natural[opt.c], opt.least); used+need+cellPad <= w {
			take(opt.c, need)
		}
	}
	// First the namespace (up to two fifths of the width), flags, app and
	// client, then whatever is still cut (the plan, a long namespace), evenly.
	for _, g := range []struct{ c, upTo int }{{colNS, w * 2 / 5}, {colFlags, natural[colFlags]}, {colApp, 40}, {colClient, 25}} {
		if out[g.c] > 0 {
			more := max(min(natural[g.c], g.upTo)-out[g.c], 0)
			more = min(more, max(w-used, 0))
			out[g.c] += more
			used += more
		}
	}
	grow := []int{colNS, colApp, colFlags, colPlan, colClient}
	for used < w {
		widest := -1 // the shown column furthest from its natural width
		for _, c := range grow {
			if out[c] > 0 && out[c] < natural[c] && (widest < 0 || natural[c]-out[c] > natural[widest]-out[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			break
		}
		out[widest]++
		used++
	}
	return out
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

func opRow(op probes.Op, stale bool, labels map[string]string) table.Row {
	flags := flagText(op)
	if stale {
		flags = strings.TrimSpace("stale " + flags)
	}
	return table.Row{opNode(op, labels), clean(op.OpID), clean(op.Op), clean(op.NS), secs(op.SecsRunning),
		dash(clean(op.PlanSummary)), dash(clean(op.AppName)), clean(op.Client), flags}
}

// opNode is where an op runs, short: the shard for ops routed through
// mongos (its primary is what matters), else the member's label.
func opNode(op probes.Op, labels map[string]string) string {
	if op.Shard != "" && op.KillVia != op.Node {
		return clean(op.Shard)
	}
	if l, ok := labels[op.Node]; ok {
		return l
	}
	return clean(shortHost(op.Node))
}

// nodeLabels names each member short and whole: the set's primary by its
// shard (or set), the others "shard1/s2" (their order in the set) or
// "shard1/db2" when the host has a name; never a cut address.
func nodeLabels(nodes []probes.Node) map[string]string {
	out := map[string]string{}
	seen := map[string]int{} // secondaries so far, per set
	used := map[string]bool{}
	for _, n := range nodes {
		set := n.Shard
		if set == "" {
			set = n.Set
		}
		if set == "" {
			continue // mongos, standalone: the address is short enough
		}
		label := set
		if n.Role != probes.RolePrimary && !n.ConfigPrimary {
			seen[set]++
			label = fmt.Sprintf("%s/s%d", set, seen[set])
			host, _, _ := strings.Cut(n.Address, ":")
			if short := strings.SplitN(host, ".", 2)[0]; !isIP(host) && len(short) <= 10 {
				label = set + "/" + short // a short host name says more than an ordinal
			}
		}
		if used[label] { // two hosts with one short name: keep them apart
			label = set + "/" + shortHost(n.Address)
		}
		used[label] = true
		out[n.Address] = clean(label)
	}
	return out
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
	p.filter.SetStyles(st.inputStyles())
}
