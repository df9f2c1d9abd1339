package probes

import (
	"context"
	"time"

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
	m.sanitize()
	return m, true
}

// migrationsProbe reads, every few polls through one mongos, the chunk
// migrations in flight (config.migrations) and the last 20 finished or
// failed ones (config.changelog).
type migrationsProbe struct {
	inFlight []Migration
	recent   []MigrationEvent
	read     bool
}

func newMigrationsProbe() *migrationsProbe { return &migrationsProbe{} }

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
		if m, ok := DecodeMigrationsDoc(d, n.now); ok {
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

func (mp *migrationsProbe) fill(snap *Snapshot, _ *state) {
	if b := snap.Balancer; b != nil && mp.read {
		b.Migrations = append(b.Migrations, mp.inFlight...)
		b.RecentMigrations = append(b.RecentMigrations, mp.recent...)
	}
}
