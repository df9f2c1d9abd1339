package probes

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

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
	ev.sanitize()
	return ev, true
}

// DecodeMigrationsDoc reads a config.migrations entry (a migration the
// balancer has started and not finished). The entry has no start time (ns,
// min, max, fromShard, toShard, chunkVersion, waitForDelete, forceJumbo:
// type_migration.cpp), so ElapsedSecs is left unknown; the poller takes it
// from the donor's op (migrationsProbe.fill).
func DecodeMigrationsDoc(raw bson.Raw) (Migration, bool) {
	if raw.Validate() != nil {
		return Migration{}, false
	}
	m := Migration{NS: getString(raw, "ns"), From: getString(raw, "fromShard"), To: getString(raw, "toShard")}
	if m.From == "" && m.To == "" {
		return Migration{}, false
	}
	m.sanitize()
	return m, true
}

// migrationsProbe reads, every few polls through one mongos, the chunk
// migrations in flight (config.migrations) and the last 20 finished or
// failed ones (config.changelog). How long each has run comes from the ops
// probe: its donor command in $currentOp.
type migrationsProbe struct {
	ops      *opsProbe
	inFlight []Migration
	recent   []MigrationEvent
	read     bool
}

func newMigrationsProbe(ops *opsProbe) *migrationsProbe { return &migrationsProbe{ops: ops} }

func (*migrationsProbe) name() string     { return probeMigrations }
func (*migrationsProbe) every(*state) int { return everyFewPolls }
func (*migrationsProbe) due(st *state) []string {
	return onMongos(st, everyFewPolls)
}

func (mp *migrationsProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	running, err := n.conn.find(ctx, n.cfg.DownAfter, "config", "migrations", bson.D{})
	if err != nil {
		return nil, err
	}
	var inFlight []Migration
	for _, d := range running {
		if m, ok := DecodeMigrationsDoc(d); ok {
			inFlight = append(inFlight, m)
		}
	}
	filter := bson.D{{Key: "what", Value: bson.D{{Key: "$in", Value: bson.A{"moveChunk.from", "moveChunk.error"}}}}}
	opts := options.Find().SetSort(bson.D{{Key: "time", Value: -1}}).SetLimit(20)
	events, err := n.conn.find(ctx, n.cfg.DownAfter, "config", "changelog", filter, opts)
	if err != nil {
		return nil, err
	}
	var recent []MigrationEvent
	for _, d := range events {
		if ev, ok := DecodeChangelogMigration(d); ok {
			recent = append(recent, ev)
		}
	}
	return func(*state) { mp.inFlight, mp.recent, mp.read = inFlight, recent, true }, nil
}

// fill runs after the ops probe's (newProbes' order), whose donor ops give
// each migration its elapsed time.
func (mp *migrationsProbe) fill(snap *Snapshot, st *state) {
	b := snap.Balancer
	if b == nil || !mp.read {
		return
	}
	donors := mp.ops.freshDonors(st)
	for _, m := range mp.inFlight {
		m.ElapsedSecs = donorSecs(donors, m)
		b.Migrations = append(b.Migrations, m)
	}
	b.RecentMigrations = append(b.RecentMigrations, mp.recent...)
}

// donorSecs is how long m's donor command has run: the op on m's donor
// shard moving m's namespace (the longest, if a second moveChunk joined
// it); nil when there is none.
func donorSecs(donors []donorMigration, m Migration) *float64 {
	var secs *float64
	for _, d := range donors {
		if d.shard == m.From && d.ns == m.NS && (secs == nil || d.secs > *secs) {
			s := d.secs
			secs = &s
		}
	}
	return secs
}
