package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// nodesPane lists every node, down and slow ones first with the reason,
// and the topology changes seen.
type nodesPane struct{ paneBase }

func (p *nodesPane) View() string {
	st := p.st
	nodes := append([]probes.Node(nil), p.snap.Deployment.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool { return !nodes[i].Up && nodes[j].Up })
	word := map[probes.Severity]string{probes.OK: st.Good.Render("up  "), probes.Warn: st.Warn.Render("slow"),
		probes.Crit: st.Bad.Render("DOWN")}
	var lines []string
	for _, n := range nodes {
		line := fmt.Sprintf("%s %-21s %-9s %-7s %s", word[probes.NodeSeverity(n)], n.Address, n.Role, n.Shard, n.Version)
		if n.Error != "" {
			line += "  " + st.Bad.Render(n.Error)
		}
		lines = append(lines, line)
	}
	for _, c := range p.snap.Deployment.Changes {
		lines = append(lines, st.Warn.Render("changed: "+c))
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}
