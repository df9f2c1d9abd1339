package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/mongoscope/mongoscope/probes"
)

// headerPart is one item of the header line; when the line is too long
// the parts of lowest rank go first, so what is wrong stays on screen.
type headerPart struct {
	text string
	rank int // higher stays longer
}

// Ranks of the header's parts.
const (
	rankSelf = iota
	rankInterval
	rankDeployment
	rankClock
	rankMode
	rankNodes
	rankTitle
)

// headerView is one line (who, nodes up, mode markers, the moment shown),
// a second line naming each stale source when there is one, then, once
// polling has begun, the findings line.
func (m *Model) headerView() string {
	line := fitParts(m.headerParts(), m.layout.w)
	if alerts := m.alertLine(); alerts != "" {
		line += "\n" + alerts
	}
	if m.tl.have {
		line += "\n" + m.findingsLine()
	}
	return line
}

// headerLines is how many lines headerView takes for the snapshot shown.
func (m *Model) headerLines() int {
	n := 1
	if m.tl.have {
		n++
	}
	if len(staleSources(m.tl.shown)) > 0 {
		n++
	}
	return n
}

func (m *Model) headerParts() []headerPart {
	st, s := m.styles, m.tl.shown
	title := m.opts.Title
	if title == "" {
		title = s.Deployment.Name
	}
	parts := []headerPart{{st.Title.Render(" mongoscope"), rankTitle}}
	if d := s.Deployment; d.Kind != "" {
		parts = append(parts, headerPart{fmt.Sprintf("%s (%s, %s)", title, d.Kind, d.Version), rankDeployment})
	}
	if m.opts.Demo {
		parts = append(parts, headerPart{st.Warn.Render("DEMO"), rankTitle})
	}
	if nodes := m.nodesSummary(); nodes != "" {
		parts = append(parts, headerPart{nodes, rankNodes})
	}
	for _, mk := range m.modeMarkers() {
		parts = append(parts, headerPart{st.Warn.Render(mk), rankMode})
	}
	if m.opts.Replay == nil {
		parts = append(parts, headerPart{"every " + m.interval.String(), rankInterval})
	}
	if s.TakenAt.IsZero() {
		return parts // nothing polled yet
	}
	parts = append(parts, headerPart{s.TakenAt.Local().Format("15:04:05"), rankClock})
	parts = append(parts, headerPart{st.Dim.Render(fmt.Sprintf("self: %s cmd/s %s", num(s.Overhead.CommandsPerSec),
		bytesRate(s.Overhead.BytesPerSec))), rankSelf})
	return parts
}

// nodesSummary: "12/13 nodes up (slow: a) (down: b)"; slow nodes answer, so they
// count as up, and are named apart.
func (m *Model) nodesSummary() string {
	nodes := m.tl.shown.Deployment.Nodes
	if len(nodes) == 0 {
		return ""
	}
	var slow, down []string
	for _, n := range nodes {
		switch nodeState(n) {
		case probes.StateSlow:
			slow = append(slow, shortHost(n.Address))
		case probes.StateDown:
			down = append(down, shortHost(n.Address))
		}
	}
	st := m.styles
	out := fmt.Sprintf("%d/%d nodes up", len(nodes)-len(down), len(nodes))
	if len(slow) > 0 {
		out += " " + st.Warn.Render("(slow: "+someOf(slow, 3)+")")
	}
	if len(down) > 0 {
		out = st.Bad.Render(out) + " " + st.Bad.Render("(down: "+someOf(down, 3)+")")
	}
	if m.tl.shown.Deployment.ShardsUnknown != "" { // the routers alone: why is in the nodes pane
		out += " " + st.Warn.Render("(shards unknown)")
	}
	return out
}

// someOf lists the first n names and how many more there are.
func someOf(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" +%d more", len(names)-n)
}

// modeMarkers say what the screen is not: live (replay, paused, scrubbed),
// or able to act (read-only).
func (m *Model) modeMarkers() []string {
	var out []string
	if r := m.opts.Replay; r != nil {
		at, start, end := r.Position()
		state := "playing"
		switch {
		case r.AtEnd():
			state = "at the end (" + m.keys.Replay.Back.Help().Key + " seeks back)"
		case r.Paused():
			state = "paused"
		}
		out = append(out, fmt.Sprintf("REPLAY %s %gx %s (%s–%s)", state, r.Speed(),
			at.Local().Format("15:04:05"), start.Local().Format("15:04"), end.Local().Format("15:04")))
	}
	if !m.tl.live() {
		out = append(out, m.pastMarker())
	}
	if m.opts.ReadOnly && m.opts.Replay == nil {
		out = append(out, "READ-ONLY")
	}
	if m.opts.Marks != nil { // the program's own: REC, REC STOPPED
		out = append(out, m.opts.Marks()...)
	}
	return out
}

// pastMarker says the screen is not live: which moment it shows, how far
// behind live that is, and the key back: "◀ 14:02:31, 23s behind live
// (end: live)", "PAUSED 14:02:31, 0s behind live (+0)".
func (m *Model) pastMarker() string {
	word := "◀"
	if m.tl.paused && !m.tl.back {
		word = "PAUSED"
	}
	return fmt.Sprintf("%s %s, %s behind live (+%d) %s: live", word, m.tl.shown.TakenAt.Local().Format("15:04:05"),
		AgeText(m.tl.lag()), m.tl.behind, m.keys.Global.Live.Help().Key)
}

// alertLine names every stale source: "stale: ops 23s old — 127.0.0.1:27017
// answering late · balancer 40s old — …"; "" when all is fresh.
func (m *Model) alertLine() string {
	src := staleSources(m.tl.shown)
	if len(src) == 0 {
		return ""
	}
	return fit(m.styles.Warn.Render(" stale: "+strings.Join(src, " · ")), m.layout.w)
}

// fitParts joins the parts with two spaces, leaving out the lowest-ranked
// ones (latest first) until the line fits in w; then cuts what remains.
func fitParts(parts []headerPart, w int) string {
	for {
		line := joinParts(parts)
		if lipgloss.Width(line) <= w || len(parts) <= 1 {
			return fit(line, w)
		}
		drop := 0
		for i, p := range parts {
			if p.rank <= parts[drop].rank {
				drop = i
			}
		}
		parts = append(parts[:drop:drop], parts[drop+1:]...)
	}
}

func joinParts(parts []headerPart) string {
	texts := make([]string, len(parts))
	for i, p := range parts {
		texts[i] = p.text
	}
	return strings.Join(texts, "  ")
}
