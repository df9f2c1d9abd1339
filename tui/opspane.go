package tui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/table"
	"charm.land/bubbles/v2/textinput"

	"github.com/mongoscope/mongoscope/probes"
)

// Sort columns of the operations table, cycled with s.
var opSorts = []string{"time", "ns", "op", "node", "app"}

// opsPane is the in-progress operations table: filtered, sorted, with
// system ops hidden by default. The bubbles table renders only the rows
// around the cursor, so 50,000 ops cost what 50 do.
type opsPane struct {
	all        []probes.Op
	total      int
	visible    []probes.Op
	hidden     int // system ops hidden
	table      table.Model
	filter     textinput.Model
	filtering  bool
	sortCol    int
	reverse    bool
	showSystem bool
	width      int
	height     int
}

func newOpsPane() opsPane {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "text, user: app: ns: op: secs>N"
	p := opsPane{table: table.New(table.WithFocused(true)), filter: ti}
	p.setSize(fullWidth, 10) // columns must exist before the first rows
	return p
}

func (p *opsPane) setOps(ops []probes.Op, total int) {
	p.all, p.total = ops, total
	p.refresh()
}

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
	for _, op := range p.all {
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
	for i, op := range p.visible {
		rows[i] = opRow(op)
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

// setSize lays the columns out for the width: flexible ns and client.
func (p *opsPane) setSize(w, h int) {
	if w == p.width && h == p.height {
		return // re-laying the columns re-renders every visible row
	}
	p.width, p.height = w, h
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

func opRow(op probes.Op) table.Row {
	node := op.Shard // routed through mongos: the shard (its primary) is what matters
	if node == "" || op.KillVia == op.Node {
		node = shortHost(op.Node) // asked directly (a secondary, a replica set): the member
	}
	plan := op.PlanSummary
	if plan == "" {
		plan = "—"
	}
	app := op.AppName
	if app == "" {
		app = "—"
	}
	return table.Row{node, op.OpID, op.Op, op.NS, secs(op.SecsRunning), plan, app, op.Client, flagText(op)}
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

// opFilter is a parsed filter: field terms and free text, all must match.
type opFilter struct {
	user, app, ns, op []string
	minSecs           float64
	text              []string
}

func parseFilter(s string) opFilter {
	var f opFilter
	for _, term := range strings.Fields(strings.ToLower(s)) {
		switch {
		case strings.HasPrefix(term, "user:"):
			f.user = append(f.user, term[5:])
		case strings.HasPrefix(term, "app:"):
			f.app = append(f.app, term[4:])
		case strings.HasPrefix(term, "ns:"):
			f.ns = append(f.ns, term[3:])
		case strings.HasPrefix(term, "op:"):
			f.op = append(f.op, term[3:])
		case strings.HasPrefix(term, "secs>"):
			if v, err := strconv.ParseFloat(term[5:], 64); err == nil {
				f.minSecs = v
			}
		default:
			f.text = append(f.text, term)
		}
	}
	return f
}

func (f opFilter) match(op probes.Op) bool {
	has := func(field string, want []string) bool {
		field = strings.ToLower(field)
		for _, w := range want {
			if !strings.Contains(field, w) {
				return false
			}
		}
		return true
	}
	if op.SecsRunning <= f.minSecs && f.minSecs > 0 {
		return false
	}
	if !has(op.User, f.user) || !has(op.AppName, f.app) || !has(op.NS, f.ns) || !has(op.Op, f.op) {
		return false
	}
	if len(f.text) == 0 {
		return true
	}
	all := strings.Join([]string{op.Node, op.Shard, op.OpID, op.Op, op.NS, op.PlanSummary, op.AppName, op.Client,
		op.User, op.Desc, flagText(op)}, " ")
	return has(all, f.text)
}

// view renders the table with a status line above it.
func (p *opsPane) view(st Styles, h int) string {
	status := fmt.Sprintf("%d running, %d shown", p.total, len(p.visible))
	if p.hidden > 0 {
		status += fmt.Sprintf(" (%d system hidden: a)", p.hidden)
	} else if p.showSystem {
		status += " (system shown: a hides)"
	}
	dir := "▾"
	if p.reverse {
		dir = "▴"
	}
	status += "  sort: " + opSorts[p.sortCol] + " " + dir
	if p.filtering {
		status += "  " + p.filter.View()
	} else if v := p.filter.Value(); v != "" {
		status += "  filter: " + v
	}
	if len(p.visible) == 0 {
		return status + "\n" + st.Dim.Render("  no operation running"+map[bool]string{true: " matches the filter", false: ""}[p.filter.Value() != ""])
	}
	return status + "\n" + p.table.View()
}

// setStyles applies the styles to the table (on start and when the
// terminal's background changes: it re-renders the visible rows).
func (p *opsPane) setStyles(st Styles) {
	s := table.DefaultStyles()
	s.Header = st.TableHeader.Padding(0, 1)
	s.Selected = st.Selected
	p.table.SetStyles(s)
}
