package probes

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DecodeBalancerStatus reads {mode, inBalancerRound, numBalancerRounds}.
func DecodeBalancerStatus(raw bson.Raw) (mode string, inRound bool, rounds int64, err error) {
	defer safely("balancerStatus", &err)
	if raw.Validate() != nil {
		return "", false, 0, errors.New("balancerStatus reply is not a valid BSON document")
	}
	mode = getText(raw, "mode")
	if mode == "" {
		if msg := getString(raw, "errmsg"); msg != "" {
			return "", false, 0, errors.New(msg)
		}
		return "", false, 0, errors.New("balancerStatus reply has no mode")
	}
	rounds, _ = getInt(raw, "numBalancerRounds")
	return mode, getBool(raw, "inBalancerRound"), rounds, nil
}

// DecodeBalancerSettings reads config.settings {_id: "balancer"}. A missing
// document (nil raw) means enabled with no window, as mongosh reads it.
func DecodeBalancerSettings(raw bson.Raw) (enabled bool, window *Window, err error) {
	defer safely("config.settings", &err)
	if len(raw) == 0 {
		return true, nil, nil
	}
	if raw.Validate() != nil {
		return true, nil, errors.New("config.settings balancer document is not valid BSON")
	}
	enabled = !getBool(raw, "stopped") && getString(raw, "mode") != "off"
	start, stop := getText(raw, "activeWindow", "start"), getText(raw, "activeWindow", "stop")
	if start != "" && stop != "" {
		window = &Window{Start: start, Stop: stop}
	}
	return enabled, window, nil
}

// InsideWindow says whether now falls in the window (which may cross
// midnight, e.g. 23:00–06:00) and how long until it closes or opens.
// The window is in the config primary's time zone; now should be too.
func InsideWindow(w *Window, now time.Time) (bool, time.Duration) {
	if w == nil {
		return true, 0
	}
	start, ok1 := clockMinutes(w.Start)
	stop, ok2 := clockMinutes(w.Stop)
	if !ok1 || !ok2 || start == stop {
		return true, 0
	}
	cur := now.Hour()*60 + now.Minute()
	inside := start < stop && cur >= start && cur < stop || start > stop && (cur >= start || cur < stop)
	target := start
	if inside {
		target = stop
	}
	mins := (target - cur + 24*60) % (24 * 60)
	d := time.Duration(mins)*time.Minute - time.Duration(now.Second())*time.Second - time.Duration(now.Nanosecond())
	if d < 0 {
		d += 24 * time.Hour
	}
	return inside, d
}

func clockMinutes(hhmm string) (int, bool) {
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// balancerProbe asks one mongos for balancerStatus every poll: the mode and
// whether a round is running.
type balancerProbe struct {
	last *balancerStatus
}

type balancerStatus struct {
	mode    string
	inRound bool
	rounds  int64
	at      time.Time
	by      string
}

func newBalancerProbe() *balancerProbe { return &balancerProbe{} }

func (*balancerProbe) name() string     { return probeBalancer }
func (*balancerProbe) every(*state) int { return everyPoll }
func (*balancerProbe) due(st *state) []string {
	return onMongos(st, everyPoll)
}

// onMongos lists the mongos to ask when a cadence is due.
func onMongos(st *state, every int) []string {
	m := st.mongos()
	if m == nil || !st.dueEvery(every) {
		return nil
	}
	return []string{m.node.Address}
}

func (bp *balancerProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	raw, err := n.conn.command(ctx, n.cfg.DownAfter, "admin", bson.D{{Key: "balancerStatus", Value: 1}})
	if err != nil {
		return nil, err
	}
	mode, inRound, rounds, err := DecodeBalancerStatus(raw)
	if err != nil {
		return nil, err
	}
	st := &balancerStatus{mode: mode, inRound: inRound, rounds: rounds, at: n.now, by: n.node.Address}
	return func(*state) { bp.last = st }, nil
}

// fill starts the balancer section; the settings, migrations and chunk
// probes add to it. A stale status carries its age.
func (bp *balancerProbe) fill(snap *Snapshot, st *state) {
	if st.dep.Kind != KindSharded {
		snap.NotAvailable["balancer"] = "not a sharded cluster"
		return
	}
	s := bp.last
	if s == nil {
		if why, gone := st.unavailable[probeBalancer]; gone {
			snap.NotAvailable["balancer"] = why
		}
		return
	}
	snap.Balancer = &Balancer{Mode: s.mode, InRound: s.inRound, Rounds: s.rounds, Enabled: s.mode != "off",
		AsOf: s.at, Stale: st.staleness(bp, s.at, s.by), InsideWindow: true,
		Migrations: []Migration{}, RecentMigrations: []MigrationEvent{}, ChunksPerShard: map[string]int{},
		RangeDeletionsPending: map[string]int{}}
}

// balancerSettingsProbe reads config.settings {_id: "balancer"} every few
// polls: whether the balancer is stopped and its window.
type balancerSettingsProbe struct {
	enabled bool
	window  *Window
	at      time.Time
	read    bool
}

func newBalancerSettingsProbe() *balancerSettingsProbe { return &balancerSettingsProbe{} }

func (*balancerSettingsProbe) name() string     { return probeBalSettings }
func (*balancerSettingsProbe) every(*state) int { return everyFewPolls }
func (*balancerSettingsProbe) due(st *state) []string {
	return onMongos(st, everyFewPolls)
}

func (bs *balancerSettingsProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	docs, err := n.conn.find(ctx, n.cfg.DownAfter, "config", "settings", bson.D{{Key: "_id", Value: "balancer"}})
	if err != nil {
		return nil, err
	}
	var raw bson.Raw
	if len(docs) > 0 {
		raw = docs[0]
	}
	enabled, window, err := DecodeBalancerSettings(raw)
	if err != nil {
		return nil, err
	}
	at := n.now
	return func(*state) { bs.enabled, bs.window, bs.at, bs.read = enabled, window, at, true }, nil
}

func (bs *balancerSettingsProbe) fill(snap *Snapshot, st *state) {
	b := snap.Balancer
	if b == nil || !bs.read {
		return
	}
	b.Enabled = b.Enabled && bs.enabled
	b.Window = bs.window
	inside, until := InsideWindow(b.Window, st.now().Local())
	b.InsideWindow, b.UntilWindowChange = inside, Seconds(until)
}
