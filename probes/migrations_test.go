package probes

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster"
)

// config.migrations carries no start time (MONGODB-INTERFACE §5.2; server
// db/s/balancer/type_migration.cpp): a migration's elapsed time is its donor
// command's running time in $currentOp on the donor shard's primary,
// moveChunk up to 5.x and _shardsvrMoveRange from 6.0. Read over the wire
// from the simulator of each release, it is the time since the balancer
// started the migration (30 s in: its first round), and the
// balancer-window-closing finding says it.
func TestMigrationElapsedFromTheDonorOp(t *testing.T) {
	const migrationStart = 30 * time.Second
	for _, v := range []string{"4.4", "5.0", "6.0", "8.0"} {
		t.Run(v, func(t *testing.T) {
			r := newScenarioRunOn(t, simcluster.Config{Scenario: "balancer-window-closing", Version: v}, scenarioStep)
			inc, ok := r.until(FindingWindowClosing, scenarioBudget)
			if !ok {
				t.Fatalf("no %s finding; others: %v", FindingWindowClosing, r.others(FindingWindowClosing))
			}
			if fig := figure(inc, "migration running"); !(fig >= 1) || strings.Contains(inc.Summary, " 0s in") {
				t.Errorf("the finding does not say how long the migration has run: %q, figure %v", inc.Summary, fig)
			}
			r.pollFor(20 * time.Second)
			b := r.last.Balancer
			if b == nil || len(b.Migrations) != 1 {
				t.Fatalf("want one migration in flight: %+v", b)
			}
			donorCmd := map[string]string{"4.4": "moveChunk", "5.0": "moveChunk", "6.0": "_shardsvrMoveRange", "8.0": "_shardsvrMoveRange"}[v]
			if !slices.ContainsFunc(r.last.Ops, func(o Op) bool {
				return o.Shard == "shard0" && o.NS == "shop.orders" && strings.HasPrefix(o.Command, `{"`+donorCmd+`":"shop.orders"`)
			}) {
				t.Errorf("no %s op on shard0 for shop.orders as %s runs it: %+v", donorCmd, v, r.last.Ops)
			}
			secs, known := migrationElapsed(b.Migrations[0])
			want := (r.elapsed() - migrationStart).Seconds()
			if !known || math.Abs(secs-want) > scenarioStep.Seconds() {
				t.Errorf("%+v: elapsed %v (known %v), want %.0f s", b.Migrations[0], secs, known, want)
			}
		})
	}
}

func migrationElapsed(m Migration) (float64, bool) {
	if m.ElapsedSecs == nil {
		return 0, false
	}
	return *m.ElapsedSecs, true
}

// The snapshot's contract: a migration's unknown elapsed time is null,
// never 0, and reads back as unknown.
func TestMigrationElapsedJSON(t *testing.T) {
	secs := 42.5
	for _, c := range []struct {
		m    Migration
		want string
	}{
		{Migration{NS: "shop.orders", From: "shard0", To: "shard1"}, `{"ns":"shop.orders","from":"shard0","to":"shard1","elapsedSecs":null}`},
		{Migration{NS: "shop.orders", From: "shard0", To: "shard1", ElapsedSecs: &secs}, `{"ns":"shop.orders","from":"shard0","to":"shard1","elapsedSecs":42.5}`},
	} {
		js, err := json.Marshal(c.m)
		if err != nil || string(js) != c.want {
			t.Errorf("%s (%v), want %s", js, err, c.want)
		}
		var back Migration
		if err := json.Unmarshal(js, &back); err != nil || (back.ElapsedSecs == nil) != (c.m.ElapsedSecs == nil) ||
			back.ElapsedSecs != nil && *back.ElapsedSecs != secs {
			t.Errorf("%s reads back as %+v (%v)", js, back, err)
		}
	}
}

// A config.migrations entry as the server writes it (type_migration.cpp)
// has no start time: its elapsed time is unknown until the donor's op says.
func TestDecodeMigrationsDocHasNoElapsed(t *testing.T) {
	raw, _ := bson.Marshal(bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "ns", Value: "shop.orders"},
		{Key: "min", Value: bson.D{{Key: "_id", Value: 0}}}, {Key: "max", Value: bson.D{{Key: "_id", Value: 100}}},
		{Key: "fromShard", Value: "shard0"}, {Key: "toShard", Value: "shard1"},
		{Key: "chunkVersion", Value: bson.A{bson.Timestamp{T: 3, I: 1}, bson.NewObjectID()}},
		{Key: "waitForDelete", Value: false}, {Key: "forceJumbo", Value: "doNotForceJumbo"}})
	m, ok := DecodeMigrationsDoc(raw)
	if !ok || m.NS != "shop.orders" || m.From != "shard0" || m.To != "shard1" || m.ElapsedSecs != nil {
		t.Errorf("%+v, %v", m, ok)
	}
}
