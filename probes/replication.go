package probes

import (
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DecodeReplSetGetStatus reads a replSetGetStatus reply into a ReplicaSet
// and the server's date.
//
// Lag ("oplog apply delay") is the primary's last applied wall time minus
// the member's. lastAppliedWallTime (4.4+) is the wall clock of the last
// applied write with millisecond precision; optimeDate, the fallback for
// older servers, has 1 s granularity. Both are the primary's clock, so the
// difference does not depend on clock skew between members. Without a
// primary the freshest member is the reference, as mongosh does. Members
// that are down report the epoch; they, arbiters and the primary get no lag.
func DecodeReplSetGetStatus(raw bson.Raw) (rs ReplicaSet, date time.Time, err error) {
	defer safely("replSetGetStatus", &err)
	if raw.Validate() != nil {
		return rs, time.Time{}, errors.New("replSetGetStatus reply is not a valid BSON document")
	}
	members := getArray(raw, "members")
	if members == nil {
		if msg := getString(raw, "errmsg"); msg != "" {
			return rs, time.Time{}, errors.New(msg)
		}
		return rs, time.Time{}, errors.New("replSetGetStatus reply has no members")
	}
	rs.Set = getString(raw, "set")
	date, _ = getTime(raw, "date")
	type applied struct {
		at time.Time
		ok bool
	}
	times := make([]applied, len(members))
	var ref time.Time
	primaryIdx := -1
	for i, v := range members {
		m, ok := v.DocumentOK()
		if !ok {
			continue
		}
		member := Member{Address: getString(m, "name"), State: getString(m, "stateStr"),
			SyncSource: getString(m, "syncSourceHost")}
		member.Health, _ = getFloat(m, "health")
		member.UptimeSecs, _ = getInt(m, "uptime")
		if ms, ok := getFloat(m, "pingMs"); ok {
			member.PingMs = &ms
		}
		state, _ := getInt(m, "state")
		at, ok := getTime(m, "lastAppliedWallTime")
		if !ok || at.Unix() <= 0 {
			at, ok = getTime(m, "optimeDate")
		}
		usable := ok && at.Unix() > 0 && member.Health > 0 && state != 7
		times[i] = applied{at, usable}
		if state == 1 {
			rs.Primary = member.Address
			primaryIdx = i
			if usable {
				ref = at
			}
		}
		rs.Members = append(rs.Members, member)
	}
	if primaryIdx < 0 {
		for _, t := range times {
			if t.ok && t.at.After(ref) {
				ref = t.at
			}
		}
	}
	for i := range rs.Members {
		if i == primaryIdx || !times[i].ok || ref.IsZero() {
			continue
		}
		lag := ref.Sub(times[i].at).Seconds()
		if lag < 0 {
			lag = 0
		}
		rs.Members[i].LagSeconds = &lag
	}
	return rs, date, nil
}

// OplogWindowHours is the time between the first and last oplog entries.
func OplogWindowHours(first, last time.Time) *float64 {
	if first.IsZero() || last.IsZero() || last.Before(first) {
		return nil
	}
	h := last.Sub(first).Hours()
	return &h
}
