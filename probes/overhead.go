package probes

import "time"

// fillOverhead measures our own load over the last polls (a sliding
// window: one late poll followed by a prompt one would otherwise read as a
// spike).
func (p *Poller) fillOverhead(snap *Snapshot, now time.Time) {
	cur := costPoint{at: now, commands: p.meter.commands.Load(), bytes: p.meter.bytes.Load()}
	p.costWindow = append(p.costWindow, cur)
	if len(p.costWindow) > overheadWindow {
		p.costWindow = p.costWindow[len(p.costWindow)-overheadWindow:]
	}
	first := p.costWindow[0]
	dt := cur.at.Sub(first.at).Seconds()
	polls := len(p.costWindow) - 1
	if dt <= 0 || polls == 0 {
		return
	}
	snap.Overhead.CommandsPerSec = float64(cur.commands-first.commands) / dt
	snap.Overhead.BytesPerSec = float64(cur.bytes-first.bytes) / dt
	if n := len(p.st.nodes); n > 0 {
		snap.Overhead.CommandsPerNodePoll = float64(cur.commands-first.commands) / float64(polls) / float64(n)
	}
}

// overheadWindow is how many polls the overhead figures average over.
const overheadWindow = 10

type costPoint struct {
	at              time.Time
	commands, bytes int64
}
