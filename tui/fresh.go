package tui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// What the screen says about old data. probes decides what is stale and
// writes why ("as of 12:34:56, 23s old: 127.0.0.1:27017 answering late");
// the TUI shows it where the data is drawn, never as live.

// staleNote is a stale section's text, split into its parts.
type staleNote struct {
	when string // "as of 12:34:56, 23s old"
	age  string // "23s"
	addr string // the source that is late; "" when the text names none
	why  string // "answering late"
}

// parseStale reads probes' staleness text; an unexpected form keeps the
// whole text as when, so nothing is lost.
func parseStale(text string) staleNote {
	when, rest, ok := strings.Cut(text, ": ")
	if !ok || !strings.HasPrefix(when, "as of ") {
		return staleNote{when: text}
	}
	n := staleNote{when: when}
	if _, age, ok := strings.Cut(when, ", "); ok {
		n.age = strings.TrimSuffix(age, " old")
	}
	n.addr, n.why, _ = strings.Cut(rest, " ")
	return n
}

// old is "23s old", or "stale" when the text gives no age.
func (n staleNote) old() string {
	if n.age == "" {
		return "stale"
	}
	return n.age + " old"
}

// short is the header's form: "23s old — 127.0.0.1:27017 answering late".
func (n staleNote) short() string {
	if n.age == "" {
		return n.when
	}
	s := n.old()
	if n.addr != "" {
		s += " — " + strings.TrimSpace(n.addr+" "+n.why)
	}
	return s
}

// staleSources names each source whose data on screen is old, for the
// header: "ops 23s old — 127.0.0.1:27017 answering late".
func staleSources(s probes.Snapshot) []string {
	var out []string
	sections := make([]string, 0, len(s.Stale))
	for k := range s.Stale {
		sections = append(sections, k)
	}
	sort.Strings(sections)
	for _, k := range sections {
		out = append(out, sectionName(k)+" "+parseStale(s.Stale[k]).short())
	}
	for _, rs := range s.Replication {
		if rs.Stale != "" {
			out = append(out, "replication "+rs.Set+" "+parseStale(rs.Stale).short())
		}
	}
	if b := s.Balancer; b != nil && b.Stale != "" {
		out = append(out, "balancer "+parseStale(b.Stale).short())
	}
	return out
}

// sectionName is how the screen calls a snapshot section.
func sectionName(k string) string {
	switch k {
	case "hotCollections":
		return "hot collections"
	}
	return k
}

// nodeState is up, slow or down; recordings made before State existed
// have only Up and Slow.
func nodeState(n probes.Node) string {
	switch {
	case n.State != "":
		return n.State
	case !n.Up:
		return probes.StateDown
	case n.Slow:
		return probes.StateSlow
	}
	return probes.StateUp
}

// interval is the polling interval a snapshot was taken at (1 s if it
// does not say).
func interval(s probes.Snapshot) time.Duration {
	if d := s.IntervalSeconds.D(); d > 0 {
		return d
	}
	return time.Second
}

// everyPollProbes are the probes asked every poll; the others have slower
// cadences the snapshot does not give, so only these are judged old by
// their age (more than two intervals).
var everyPollProbes = map[string]bool{"serverStatus": true, "replication": true, "top": true, "balancer": true}

// probeStale says how old a node's probe result is when it is older than
// two intervals ("23s old"), else "".
func probeStale(s probes.Snapshot, addr, probe string) string {
	for _, n := range s.Deployment.Nodes {
		if n.Address != addr {
			continue
		}
		ps, ok := n.Probes[probe]
		if !ok || ps.AgeSeconds == nil {
			return ""
		}
		if age := time.Duration(*ps.AgeSeconds * float64(time.Second)); age > 2*interval(s) {
			return AgeText(age) + " old"
		}
	}
	return ""
}

// AgeText is a short age (the line printer uses it too): 0.4s, 23s, 4m10s, 2h05m.
func AgeText(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// staleLine is a pane's first line when its data is old: "as of
// 12:34:56, 23s old — 127.0.0.1:27017 answering late".
func staleLine(text string) string {
	n := parseStale(text)
	if n.addr == "" {
		return n.when
	}
	return n.when + " — " + strings.TrimSpace(n.addr+" "+n.why)
}
