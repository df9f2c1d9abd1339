package tui

import (
	"fmt"
	"strings"
)

// hotPane is the merged cluster-wide `top` ranking.
type hotPane struct{ paneBase }

func (p *hotPane) View() string {
	s := p.snap
	if why, ok := s.NotAvailable["top"]; ok {
		return p.dim(why)
	}
	var lines []string
	if text, ok := s.Stale["hotCollections"]; ok {
		lines = append(lines, p.st.Warn.Render(staleLine(text)))
	}
	if len(s.HotCollections) == 0 {
		return strings.Join(append(lines, p.dim("no collection busy (top)")), "\n")
	}
	// The numbers keep their width; the namespace gets the rest, cut.
	nsW := max(p.w-16, 4)
	lines = append(lines, p.dim(fmt.Sprintf("%-*s %7s %7s", nsW, "ms/s", "read", "write")))
	for _, hc := range s.HotCollections {
		lines = append(lines, fmt.Sprintf("%s %7s %7s", fit(clean(hc.NS), nsW), num(hc.ReadMsPerSec), num(hc.WriteMsPerSec)))
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

// Strip: the hottest collection.
func (p *hotPane) Strip() string {
	if len(p.snap.HotCollections) == 0 {
		return ""
	}
	s := "hot " + clean(p.snap.HotCollections[0].NS)
	if text, ok := p.snap.Stale["hotCollections"]; ok {
		s += " " + p.st.Warn.Render("("+parseStale(text).old()+")")
	}
	return s
}
