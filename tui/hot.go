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
	if len(s.HotCollections) == 0 {
		return p.dim("no collection busy (top)")
	}
	nsW := max(p.w-18, 8)
	lines := []string{p.dim(fmt.Sprintf("%-*s %7s %7s", nsW, "ms/s", "read", "write"))}
	for _, hc := range s.HotCollections {
		lines = append(lines, fmt.Sprintf("%-*s %7s %7s", nsW, hc.NS, num(hc.ReadMsPerSec), num(hc.WriteMsPerSec)))
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

// Strip: the hottest collection.
func (p *hotPane) Strip() string {
	if len(p.snap.HotCollections) == 0 {
		return ""
	}
	return "hot " + p.snap.HotCollections[0].NS
}
