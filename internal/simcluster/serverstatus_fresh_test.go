package simcluster

import (
	"regexp"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func commandTotal(t *testing.T, ss bson.Raw, name string) int64 {
	t.Helper()
	v, err := ss.LookupErr("metrics", "commands", name, "total")
	if err != nil {
		t.Fatalf("metrics.commands.%s missing", name)
	}
	n, _ := v.AsInt64OK()
	return n
}

func TestServerStatusMetricsCommandsAreServed(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	cl := connect(t, "mongodb://"+nodeByRole(t, c, "primary", "")+"/?directConnection=true")
	first := runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
	for i := 0; i < 3; i++ {
		runCmd(t, cl, "admin", bson.D{{Key: "hello", Value: 1}})
	}
	_ = cl.Database("admin").RunCommand(ctxT(t), bson.D{{Key: "replSetStepDown", Value: "x"}, {Key: "secondaryCatchUpPeriodSecs", Value: "y"}}).Err()
	second := runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
	if got := commandTotal(t, second, "hello") - commandTotal(t, first, "hello"); got < 3 {
		t.Fatalf("metrics.commands.hello grew by %d after 3 hellos", got)
	}
	if got := commandTotal(t, second, "serverStatus") - commandTotal(t, first, "serverStatus"); got != 1 {
		t.Fatalf("metrics.commands.serverStatus grew by %d between two serverStatus", got)
	}
	for _, gone := range []string{"geoSearch", "mapreduce", "touch", "repairDatabase", "cloneCollection", "donorStartMigration", "commitShardSplit"} {
		if _, err := second.LookupErr("metrics", "commands", gone); err == nil {
			t.Errorf("metrics.commands lists %s, which 8.0 does not have", gone)
		}
	}
	for _, present := range []string{"bulkWrite", "hello", "analyzeShardKey", "<UNKNOWN>"} {
		if _, err := second.LookupErr("metrics", "commands", present); err != nil {
			t.Errorf("metrics.commands lacks %s", present)
		}
	}
}

// TestServerStatusTimesAreRecentDates walks a whole serverStatus: every date
// and timestamp lies within the node's uptime, and no text looks like one.
func TestServerStatusTimesAreRecentDates(t *testing.T) {
	c := startSim(t, Config{Topology: ReplSet})
	for _, role := range []string{"primary", "secondary"} {
		cl := connect(t, "mongodb://"+nodeByRole(t, c, role, "")+"/?directConnection=true")
		ss := runCmd(t, cl, "admin", bson.D{{Key: "serverStatus", Value: 1}})
		local := ss.Lookup("localTime").Time()
		uptime := time.Duration(ss.Lookup("uptime").Double()) * time.Second
		if d := time.Since(local); d < -time.Minute || d > time.Minute {
			t.Fatalf("localTime %v is not now", local)
		}
		oldest := local.Add(-uptime - time.Hour)
		isoLike := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)
		walkRaw(ss, "", func(path string, v bson.RawValue) {
			var at time.Time
			switch v.Type {
			case bson.TypeDateTime:
				at = v.Time()
			case bson.TypeTimestamp:
				sec, _ := v.Timestamp()
				if sec == 0 || sec == 1<<32-1 {
					return
				}
				at = time.Unix(int64(sec), 0)
			case bson.TypeString:
				if isoLike.MatchString(v.StringValue()) {
					t.Errorf("%s %s: a time sent as text %q", role, path, v.StringValue())
				}
				return
			default:
				return
			}
			if at.Before(oldest) || at.After(local.Add(time.Minute)) {
				t.Errorf("%s %s = %v, outside the node's life (%v .. %v)", role, path, at, oldest, local)
			}
		})
		if role == "secondary" {
			ins, _ := ss.Lookup("opcountersRepl", "insert").AsInt64OK()
			if ins < int64(uptime.Seconds()) {
				t.Fatalf("a secondary up %v applied only %d inserts", uptime, ins)
			}
		}
	}
}

func walkRaw(doc bson.Raw, prefix string, visit func(string, bson.RawValue)) {
	elems, _ := doc.Elements()
	for _, e := range elems {
		path := prefix + "." + e.Key()
		v := e.Value()
		switch v.Type {
		case bson.TypeEmbeddedDocument:
			walkRaw(v.Document(), path, visit)
		case bson.TypeArray:
			walkRaw(bson.Raw(v.Array()), path, visit)
		default:
			visit(path, v)
		}
	}
}
