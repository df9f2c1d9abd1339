package wire

import (
	"maps"
	"sync"
)

// ledger counts requests and bytes per command and per appName.
type ledger struct {
	mu    sync.Mutex
	stats Stats
}

func newLedger() *ledger {
	return &ledger{stats: Stats{Commands: map[string]int64{}, ByApp: map[string]AppStats{}}}
}

// begin records a request arriving and returns the function that records
// its reply going out (0 bytes when none was sent).
func (l *ledger) begin(app, name string, bytesIn int) func(bytesOut int) {
	l.mu.Lock()
	s := &l.stats
	s.Commands[name]++
	s.BytesIn += int64(bytesIn)
	s.InFlight++
	s.MaxInFlight = max(s.MaxInFlight, s.InFlight)
	a := s.ByApp[app]
	a.Commands++
	a.BytesIn += int64(bytesIn)
	a.InFlight++
	a.MaxInFlight = max(a.MaxInFlight, a.InFlight)
	s.ByApp[app] = a
	l.mu.Unlock()
	var once sync.Once
	return func(bytesOut int) {
		once.Do(func() {
			l.mu.Lock()
			s.BytesOut += int64(bytesOut)
			s.InFlight--
			a := s.ByApp[app]
			a.BytesOut += int64(bytesOut)
			a.InFlight--
			s.ByApp[app] = a
			l.mu.Unlock()
		})
	}
}

func (l *ledger) snapshot() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.stats
	out.Commands = maps.Clone(l.stats.Commands)
	out.ByApp = maps.Clone(l.stats.ByApp)
	return out
}

// reset zeroes the counters but keeps requests in flight counted.
func (l *ledger) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	inFlight := l.stats.InFlight
	apps := map[string]AppStats{}
	for k, a := range l.stats.ByApp {
		if a.InFlight > 0 {
			apps[k] = AppStats{InFlight: a.InFlight, MaxInFlight: a.InFlight}
		}
	}
	l.stats = Stats{Commands: map[string]int64{}, ByApp: apps, InFlight: inFlight, MaxInFlight: inFlight}
}

// charge counts a request the node did not receive over its listener but
// would have in a real deployment (a mongos fanning a client's command out
// to it), under the client's appName.
func (l *ledger) charge(app, name string, bytesIn, bytesOut int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := &l.stats
	s.Commands[name]++
	s.BytesIn += int64(bytesIn)
	s.BytesOut += int64(bytesOut)
	a := s.ByApp[app]
	a.Commands++
	a.BytesIn += int64(bytesIn)
	a.BytesOut += int64(bytesOut)
	s.ByApp[app] = a
}
