package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// nodesPane lists every node, down and slow ones first, each with why and
// how old each probe's last answer is, then the topology changes seen;
// first, when the shards cannot be listed, why.
type nodesPane struct{ paneBase }

// stateRank sorts down before slow before up.
var stateRank = map[string]int{probes.StateDown: 0, probes.StateSlow: 1, probes.StateUp: 2}

func (p *nodesPane) View() string {
	st := p.st
	nodes := append([]probes.Node(nil), p.snap.Deployment.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool { return stateRank[nodeState(nodes[i])] < stateRank[nodeState(nodes[j])] })
	word := map[string]string{probes.StateUp: st.Good.Render("UP  "), probes.StateSlow: st.Warn.Render("SLOW"),
		probes.StateDown: st.Bad.Render("DOWN")}
	addrW := 0
	for _, n := range nodes {
		addrW = max(addrW, len(n.Address))
	}
	// Short of room, only nodes with something wrong get their probe line.
	roomy := 2*len(nodes)+len(p.snap.Deployment.Changes) <= p.h
	var lines []string
	for _, n := range nodes {
		state := nodeState(n)
		line := fmt.Sprintf("%s %-*s %-9s %-7s %s", word[state], addrW, n.Address, n.Role, n.Shard, n.Version)
		if n.Error != "" {
			line += "  " + st.mark(probes.NodeSeverity(n), clean(n.Error))
		}
		lines = append(lines, line)
		if ages, wrong := p.probeAges(n); roomy || wrong || state != probes.StateUp {
			lines = append(lines, "     "+ages)
		}
	}
	if why := p.snap.Deployment.ShardsUnknown; why != "" {
		lines = append(strings.Split(st.Warn.Render(wrap("shards unknown: "+clean(why), p.w)), "\n"), lines...)
	}
	for _, c := range p.snap.Deployment.Changes {
		lines = append(lines, st.Warn.Render("changed: "+clean(c)))
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

// probeAges is each probe's age on the node ("serverStatus 0.4s"), old
// ones and failing ones marked with their error; wrong says there is one.
func (p *nodesPane) probeAges(n probes.Node) (ages string, wrong bool) {
	names := make([]string, 0, len(n.Probes))
	for name := range n.Probes {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return p.dim("no probe has answered yet"), true
	}
	var parts []string
	for _, name := range names {
		ps := n.Probes[name]
		age := "never"
		old := true
		if ps.AgeSeconds != nil {
			d := time.Duration(*ps.AgeSeconds * float64(time.Second))
			age, old = AgeText(d), everyPollProbes[name] && d > 2*interval(p.snap)
		}
		part := name + " " + age
		switch {
		case ps.Error != "":
			part, wrong = p.st.Bad.Render(part+" ✗ "+clean(ps.Error)), true
		case old:
			part, wrong = p.st.Warn.Render(part+" old"), true
		default:
			part = p.dim(part)
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, p.dim(" · ")), wrong
}
