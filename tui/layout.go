package tui

// Terminal sizes the layouts need.
const (
	minWidth   = 80 // below this (or minHeight) the dashboard does not fit
	minHeight  = 24
	fullWidth  = 120 // from here (and fullHeight) every pane has its own box
	fullHeight = 40
)

// Fixed heights, in lines.
const (
	footerH    = 1
	topRowH    = 11 // full layout at 40 lines: throughput and replication
	bottomRowH = 8  // full layout: connections, hot collections, balancer
	stripLines = 2  // compact layout: one-line summaries under the ops table
)

type layoutKind int

const (
	layoutTooSmall layoutKind = iota // a message instead of the dashboard
	layoutCompact                    // the ops table and strips
	layoutFull                       // every pane but the node list
	layoutZoomed                     // the focused pane alone
)

// band is a row of panes side by side, all of its height.
type band struct {
	h      int
	panes  []int
	widths []int
}

// layout is where everything goes: a pure function of the terminal size,
// the focus and zoom (computeLayout), recomputed only when one changes.
type layout struct {
	kind   layoutKind
	w, h   int
	headH  int    // the header: 1 line, 2 when a source is stale
	bodyH  int    // between header and footer
	bands  []band // top to bottom
	strips int    // summary lines under the bands (compact)
}

func computeLayout(w, h, headH, focus int, zoomed bool) layout {
	l := layout{kind: layoutTooSmall, w: w, h: h, headH: headH, bodyH: max(h-headH-footerH, 0)}
	switch {
	case w < minWidth || h < minHeight:
		l.bodyH = 0
	case zoomed:
		l.kind = layoutZoomed
		l.bands = []band{{h: l.bodyH, panes: []int{focus}, widths: []int{w}}}
	case w >= fullWidth && h >= fullHeight:
		l.kind = layoutFull
		leftW, third := w*55/100, w/3
		// A taller terminal gives a third of its extra lines to the top row,
		// where the replica sets are.
		top := topRowH + (h-fullHeight)/3
		l.bands = []band{
			{h: top, panes: []int{paneThroughput, paneReplication}, widths: []int{leftW, w - leftW}},
			{h: l.bodyH - top - bottomRowH, panes: []int{paneOps}, widths: []int{w}},
			{h: bottomRowH, panes: []int{paneConnections, paneHot, paneBalancer}, widths: []int{third, third, w - 2*third}},
		}
	default:
		l.kind = layoutCompact
		l.strips = stripLines
		l.bands = []band{{h: l.bodyH - stripLines, panes: []int{paneOps}, widths: []int{w}}}
	}
	return l
}

// size is a pane's outer size in this layout; ok is false when it is not
// drawn.
func (l layout) size(p int) (w, h int, ok bool) {
	for _, b := range l.bands {
		for i, q := range b.panes {
			if q == p {
				return b.widths[i], b.h, true
			}
		}
	}
	return 0, 0, false
}

// shows reports whether the unzoomed layout at this size draws pane p;
// a number key opens a pane it does not draw zoomed.
func shows(w, h, p int) bool {
	_, _, ok := computeLayout(w, h, 1, p, false).size(p)
	return ok
}
