package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// balancerPane: on/off and round, the window with a countdown, migrations
// in flight, recent ones (each one when zoomed), chunks per shard and
// pending range deletions.
type balancerPane struct{ paneBase }

func (p *balancerPane) View() string {
	st, s := p.st, p.snap
	b := s.Balancer
	if b == nil {
		if why, ok := s.NotAvailable["balancer"]; ok {
			return p.dim(why)
		}
		return p.dim("waiting for balancerStatus…")
	}
	var lines []string
	if b.Stale != "" {
		lines = append(lines, st.Warn.Render(staleLine(b.Stale)))
	}
	lines = append(lines, windowLine(b))
	for _, mg := range b.Migrations {
		lines = append(lines, st.Warn.Render(migratingLine(mg)))
	}
	lines = append(lines, p.recentLines(b.RecentMigrations)...)
	if len(b.ChunksPerShard) > 0 {
		lines = append(lines, strings.Split(shardCounts("chunks", b.ChunksPerShard, p.zoomed, p.w), "\n")...)
	}
	pending := 0
	for _, n := range b.RangeDeletionsPending {
		pending += n
	}
	if pending > 0 {
		lines = append(lines, strings.Split(shardCounts("range deletions pending", b.RangeDeletionsPending, false, p.w), "\n")...)
	}
	if b.JumboChunks > 0 {
		lines = append(lines, st.Warn.Render(fmt.Sprintf("%d jumbo chunks", b.JumboChunks)))
	}
	return cutLines(strings.Join(lines, "\n"), p.h)
}

// migratingLine names a migration in flight, with how long it has run when
// its donor's op says (config.migrations has no start time).
func migratingLine(mg probes.Migration) string {
	line := fmt.Sprintf("migrating %s %s→%s", mg.NS, mg.From, mg.To)
	if mg.ElapsedSecs != nil {
		line += " " + secs(*mg.ElapsedSecs)
	}
	return line
}

func windowLine(b *probes.Balancer) string {
	if b.Window == nil {
		return "window: none (balances any time)"
	}
	state := "closes in"
	if !b.InsideWindow {
		state = "opens in"
	}
	return fmt.Sprintf("window %s–%s  %s %s", b.Window.Start, b.Window.Stop, state, countdown(b.UntilWindowChange.D()))
}

// recentLines sums up the recent migrations; zoomed, one line each.
func (p *balancerPane) recentLines(recent []probes.MigrationEvent) []string {
	n := len(recent)
	if n == 0 {
		return nil
	}
	errs, total := 0, 0.0
	for _, ev := range recent {
		if ev.Error != "" {
			errs++
		}
		total += ev.DurationSecs
	}
	summary := fmt.Sprintf("last %d: %d ok, %d error (avg %s)", n, n-errs, errs, secs(total/float64(n)))
	if errs > 0 {
		summary = p.st.Warn.Render(summary)
	}
	lines := []string{summary}
	if !p.zoomed {
		return lines
	}
	for _, ev := range recent {
		line := fmt.Sprintf("  %s %s %s→%s %s", ev.Time.Local().Format("15:04:05"), ev.NS, ev.From, ev.To, secs(ev.DurationSecs))
		if ev.Error != "" {
			line = p.st.Bad.Render(line + " " + ev.Error)
		}
		lines = append(lines, line)
	}
	return lines
}

// state is ON, OFF or ON in round, as words with their colour; from a
// stale answer it is what was last seen, with its age, never as current.
func (p *balancerPane) state() (word, rest string) {
	b := p.snap.Balancer
	if b.Stale != "" {
		was := "OFF"
		if b.Enabled {
			was = "ON"
		}
		return p.st.Warn.Render("was " + was), " " + p.st.Warn.Render(parseStale(b.Stale).old())
	}
	switch {
	case !b.Enabled:
		return p.st.Warn.Render("OFF"), ""
	case b.InRound:
		return p.st.Good.Render("ON"), " in round"
	}
	return p.st.Good.Render("ON"), ""
}

func (p *balancerPane) Title() string {
	if p.snap.Balancer == nil {
		return p.name
	}
	word, rest := p.state()
	return p.name + "  " + word + rest
}

// Strip: the balancer's state.
func (p *balancerPane) Strip() string {
	if p.snap.Balancer == nil {
		return ""
	}
	word, rest := p.state()
	return "balancer " + word + rest
}

// shardCounts is "chunks shard0 412  shard1 301", wrapped to w between
// shards; with bars, one shard a line with a bar.
func shardCounts(label string, counts map[string]int, bars bool, w int) string {
	var names []string
	hi := 0
	for k, v := range counts {
		names = append(names, k)
		hi = max(hi, v)
	}
	sort.Strings(names)
	parts := []string{label}
	for _, k := range names {
		if bars && hi > 0 {
			parts = append(parts, fmt.Sprintf("\n  %-8s %s %d", k, bar(float64(counts[k])/float64(hi), max(w-20, 4)), counts[k]))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
	}
	if bars || len(parts) == 1 {
		return strings.Join(parts, "")
	}
	parts[1] = label + " " + parts[1]
	return wrapCells(parts[1:], "  ", w)
}
