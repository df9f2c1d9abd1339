package probes

import (
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
	mode = getString(raw, "mode")
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
	start, stop := getString(raw, "activeWindow", "start"), getString(raw, "activeWindow", "stop")
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

// DecodeChangelogMigration reads a config.changelog entry about a chunk
// migration: moveChunk.from (with per-step timings on 4.x), moveChunk.commit,
// moveChunk.error. Other entries return false.
func DecodeChangelogMigration(raw bson.Raw) (ev MigrationEvent, ok bool) {
	defer func() {
		if recover() != nil {
			ev, ok = MigrationEvent{}, false
		}
	}()
	if raw.Validate() != nil {
		return MigrationEvent{}, false
	}
	what := getString(raw, "what")
	switch what {
	case "moveChunk.from", "moveChunk.commit", "moveChunk.error", "moveChunk.to":
	default:
		return MigrationEvent{}, false
	}
	ev = MigrationEvent{NS: getString(raw, "ns"), From: getString(raw, "details", "from"), To: getString(raw, "details", "to")}
	ev.Time, _ = getTime(raw, "time")
	if what == "moveChunk.error" {
		ev.Error = getString(raw, "details", "errmsg")
		if ev.Error == "" {
			ev.Error = "migration failed"
		}
	}
	if ms, ok := getFloat(raw, "details", "totalTimeMillis"); ok {
		ev.DurationSecs = ms / 1000
	} else {
		// 4.x records each step's milliseconds: "step 1 of 6" … "step 6 of 6".
		details, _ := getDoc(raw, "details")
		elems, _ := details.Elements()
		var total float64
		for _, e := range elems {
			if len(e.Key()) > 5 && e.Key()[:5] == "step " {
				if ms, ok := rawInt(e.Value()); ok {
					total += float64(ms)
				}
			}
		}
		ev.DurationSecs = total / 1000
	}
	if errmsg := getString(raw, "details", "errmsg"); errmsg != "" && ev.Error == "" {
		ev.Error = errmsg
	}
	return ev, true
}

// DecodeMigrationsDoc reads a config.migrations entry (a migration the
// balancer has started and not finished).
func DecodeMigrationsDoc(raw bson.Raw, now time.Time) (Migration, bool) {
	if raw.Validate() != nil {
		return Migration{}, false
	}
	m := Migration{NS: getString(raw, "ns"), From: getString(raw, "fromShard"), To: getString(raw, "toShard")}
	if m.From == "" && m.To == "" {
		return Migration{}, false
	}
	if start, ok := getTime(raw, "startTime"); ok && !now.Before(start) {
		m.ElapsedSecs = now.Sub(start).Seconds()
	}
	return m, true
}
