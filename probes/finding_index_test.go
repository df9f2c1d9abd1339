package probes

import (
	"fmt"
	"strings"
	"testing"
)

func TestIndexCandidateFollowsESR(t *testing.T) {
	cases := []struct {
		name, cmd string
		want      []string // keysText of each candidate
	}{
		{"equality", `{"find":"users","filter":{"email":"ann@example.com"},"$db":"app"}`, []string{"{ email: 1 }"}},
		{"equality, sort, range", `{"find":"orders","filter":{"status":"paid","total":{"$gte":100}},"sort":{"created":-1},"limit":20}`,
			[]string{"{ status: 1, created: -1, total: 1 }"}},
		{"$in alone is equality", `{"find":"orders","filter":{"status":{"$in":["paid","shipped"]},"customer":"c042"}}`,
			[]string{"{ customer: 1, status: 1 }"}},
		{"$in with a sort is a range", `{"find":"orders","filter":{"status":{"$in":["paid","shipped"]},"customer":"c042"},"sort":{"created":-1}}`,
			[]string{"{ customer: 1, created: -1, status: 1 }"}},
		{"$in of one value is equality", `{"find":"orders","filter":{"total":{"$lt":5},"status":{"$in":["paid"]}},"sort":{"created":1}}`,
			[]string{"{ status: 1, created: 1, total: 1 }"}},
		{"$or: an index per clause", `{"find":"tickets","filter":{"tenant":"t1","$or":[{"state":"open"},{"assignee":"bob","due":{"$lt":{"$date":"2025-03-01T00:00:00Z"}}}]}}`,
			[]string{"{ tenant: 1, state: 1 }", "{ tenant: 1, assignee: 1, due: 1 }"}},
		{"$or with a sort", `{"find":"tickets","filter":{"$or":[{"state":"open"},{"priority":{"$gte":3}}]},"sort":{"updated":-1}}`,
			[]string{"{ state: 1, updated: -1 }", "{ updated: -1, priority: 1 }"}},
		{"$regex and $ne are ranges", `{"find":"users","filter":{"name":{"$regex":"^jo","$options":"i"},"country":"FR","deleted":{"$ne":true}}}`,
			[]string{"{ country: 1, name: 1, deleted: 1 }"}},
		{"regex literal", `{"find":"users","filter":{"name":{"$regularExpression":{"pattern":"^jo","options":""}},"country":"FR"}}`,
			[]string{"{ country: 1, name: 1 }"}},
		{"aggregate $match then $sort", `{"aggregate":"orders","pipeline":[{"$match":{"status":"paid"}},{"$match":{"created":{"$gte":{"$date":"2025-01-01T00:00:00Z"}}}},{"$sort":{"total":-1}},{"$limit":10}],"cursor":{}}`,
			[]string{"{ status: 1, total: -1, created: 1 }"}},
		{"analytics $match $in then $group", `{"aggregate":"orders","pipeline":[{"$match":{"status":{"$in":["paid","shipped"]}}},{"$group":{"_id":"$customer","total":{"$sum":"$total"}}}],"allowDiskUse":true,"cursor":{}}`,
			[]string{"{ status: 1 }"}},
		{"update statement", `{"q":{"customer":"c7","created":{"$lt":{"$date":"2024-01-01T00:00:00Z"}}},"u":{"$set":{"archived":true}},"multi":true}`,
			[]string{"{ customer: 1, created: 1 }"}},
		{"update command", `{"update":"orders","updates":[{"q":{"sku":"A-1"},"u":{"$inc":{"stock":-1}}}],"ordered":true}`, []string{"{ sku: 1 }"}},
		{"count", `{"count":"events","query":{"type":"click","ts":{"$gte":{"$date":"2025-03-01T00:00:00Z"},"$lt":{"$date":"2025-03-02T00:00:00Z"}}}}`,
			[]string{"{ type: 1, ts: 1 }"}},
		{"findAndModify with a sort", `{"findAndModify":"jobs","query":{"state":"ready"},"sort":{"priority":-1,"_id":1},"update":{"$set":{"state":"taken"}}}`,
			[]string{"{ state: 1, priority: -1, _id: 1 }"}},
		{"sorting on an equality field", `{"find":"x","filter":{"a":1},"sort":{"a":1,"b":-1}}`, []string{"{ a: 1, b: -1 }"}},
		{"range and sort on one field", `{"find":"x","filter":{"a":1,"t":{"$gt":5}},"sort":{"t":-1}}`, []string{"{ a: 1, t: -1 }"}},
		{"$and and $expr", `{"find":"x","filter":{"$and":[{"a":1},{"b":{"$gt":2}}],"$expr":{"$gt":["$c","$d"]}}}`, []string{"{ a: 1, b: 1 }"}},
		{"embedded document and dotted field", `{"find":"x","filter":{"address.city":"Paris","meta":{"v":2}}}`, []string{`{ "address.city": 1, meta: 1 }`}},
		{"geo is not a B-tree index", `{"find":"shops","filter":{"loc":{"$near":{"$geometry":{"type":"Point","coordinates":[2.3,48.8]}}},"open":true}}`,
			[]string{"{ open: 1 }"}},
		{"textScore sort ignored", `{"find":"docs","filter":{"lang":"en"},"sort":{"score":{"$meta":"textScore"}}}`, []string{"{ lang: 1 }"}},
	}
	for _, c := range cases {
		_, q, ok := ParseQueryShape(c.cmd)
		if !ok {
			t.Errorf("%s: not parsed", c.name)
			continue
		}
		var got []string
		for _, keys := range q.Candidates() {
			got = append(got, keysText(keys))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: candidates %v, want %v (shape %s)", c.name, got, c.want, q)
		}
	}
}

func TestIndexShapeUnreadableOrEmpty(t *testing.T) {
	if _, _, ok := ParseQueryShape(`{"find":"orders","filter":{"status":"pa…`); ok {
		t.Errorf("a truncated command must not parse")
	}
	if _, _, ok := ParseQueryShape(`{"getMore":{"$numberLong":"1234"},"collection":"orders"}`); ok {
		t.Errorf("a getMore has no shape of its own")
	}
	coll, q, ok := ParseQueryShape(`{"aggregate":"orders","pipeline":[{"$group":{"_id":"$status","n":{"$sum":1}}}],"cursor":{}}`)
	if !ok || !q.Empty() || coll != "orders" || len(q.Candidates()) != 0 {
		t.Errorf("a whole-collection aggregation: %q %v %v", coll, q, ok)
	}
}

func TestIndexCreateCommandIsSafeShell(t *testing.T) {
	keys := []IndexKey{{"status", 1}, {"created", -1}}
	if got, want := CreateIndexCommand("shop.orders", keys), `db.getSiblingDB("shop").getCollection("orders").createIndex({ status: 1, created: -1 })`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// A hostile collection and field name stay inside their quotes.
	got := CreateIndexCommand("shop.x\"); db.dropDatabase(); (\"", []IndexKey{{"a\x1b[31m", 1}})
	if strings.Contains(got, "\x1b") || !strings.Contains(got, `getCollection("x\"); db.dropDatabase(); (\"")`) || !strings.Contains(got, `"a\u001b[31m": 1`) {
		t.Errorf("unsafe command: %s", got)
	}
	// Collections with dots and shell method names.
	if got := CreateIndexCommand("app.stats.daily", []IndexKey{{"day", 1}}); !strings.Contains(got, `getCollection("stats.daily")`) {
		t.Errorf("dotted collection: %s", got)
	}
}

// reportScan is the "reports" app's find on shop.orders, without an index:
// a new one every 10 s, each running 8 s.
func reportScan(step int, s *Snapshot, from int) {
	if step < from {
		return
	}
	k := (step - from) / 10
	age := float64((step-from)%10) + 0.4
	if age > 8 {
		return
	}
	s.Ops = append(s.Ops, Op{Node: member("shard1", "a"), Shard: "shard1", OpID: fmt.Sprintf("shard1:%d", 5550000+k), Op: "query", NS: "shop.orders",
		SecsRunning: age, PlanSummary: "COLLSCAN", AppName: "reports", User: "reporter@admin", Desc: "conn812", ConnectionID: 812,
		Flags:   []string{FlagCollscan},
		Command: `{"find":"orders","filter":{"status":"paid","total":{"$gte":100}},"sort":{"created":-1},"limit":50,"$db":"shop"}`})
}

func TestFindingMissingIndex(t *testing.T) {
	r := scene{}.run(300, func(step int, s *Snapshot) { reportScan(step, s, 60) })
	inc := r.only(t, FindingMissingIndex)
	if at := r.firstStart[FindingMissingIndex]; at > 60+30 {
		t.Errorf("started %d s after the scans began", at-60)
	}
	if inc.ID != "missing-index:shop.orders" || !contains(inc.Evidence.Namespaces, "shop.orders") || !contains(inc.Evidence.Apps, "reports") ||
		!contains(inc.Evidence.Shards, "shard1") || !contains(inc.Evidence.Members, member("shard1", "a")) {
		t.Errorf("evidence: %+v", inc.Evidence)
	}
	want := `db.getSiblingDB("shop").getCollection("orders").createIndex({ status: 1, created: -1, total: 1 })`
	if inc.Action.Copy != want || inc.Action.Filter != "ns:shop.orders collscan" || inc.Action.Key != "/" || !strings.Contains(inc.Summary, "suggestion") {
		t.Errorf("action %+v, summary %q", inc.Action, inc.Summary)
	}
	if inc.Evidence.Shape != "{status: eq, total: range} sort { created: -1 }" {
		t.Errorf("shape %q", inc.Evidence.Shape)
	}
	t.Logf("%s %s: %s\n  %+v\n  %+v", inc.Severity, inc.ID, inc.Summary, inc.Evidence, inc.Action)
	last, _ := r.latest(inc.ID)
	if n := figure(last, "collection scans"); n < 20 || figure(last, "scanning") < 100 {
		t.Errorf("figures %+v", last.Evidence.Figures)
	}
	if len(r.ended) != 0 {
		t.Errorf("ended while the scans go on: %+v", r.ended)
	}
}

func TestFindingMissingIndexEndsAfterTheWindow(t *testing.T) {
	// Scans for 3 minutes, then none: the finding outlives them by the
	// window (a periodic job stays one finding), then ends.
	r := scene{}.run(1500, func(step int, s *Snapshot) {
		if step < 240 {
			reportScan(step, s, 60)
		}
	})
	r.only(t, FindingMissingIndex)
	if len(r.ended) != 1 {
		t.Fatalf("want one end, got %d", len(r.ended))
	}
	if gap := r.ended[0].Until.Sub(t0.Add(240 * 1e9)); gap < scanWindow || gap > scanWindow+2*60*1e9 {
		t.Errorf("ended %s after the last scan, want about %s", gap, scanWindow)
	}
}

func TestFindingMissingIndexIgnoresQuickAndWholeScans(t *testing.T) {
	r := scene{}.run(400, func(step int, s *Snapshot) {
		// A small lookup table scanned in 20 ms, and a nightly full export.
		s.Ops = append(s.Ops, Op{Node: member("shard2", "a"), Shard: "shard2", OpID: fmt.Sprintf("shard2:%d", 100+step), Op: "query", NS: "shop.countries",
			SecsRunning: 0.02, PlanSummary: "COLLSCAN", AppName: "web-frontend", Flags: []string{FlagCollscan}, Command: `{"find":"countries","filter":{"code":"FR"}}`},
			Op{Node: member("shard2", "a"), Shard: "shard2", OpID: "shard2:99", Op: "command", NS: "shop.orders", SecsRunning: float64(step),
				PlanSummary: "COLLSCAN", AppName: "export", Flags: []string{FlagCollscan}, Command: `{"aggregate":"orders","pipeline":[{"$project":{"_id":1,"total":1}}],"cursor":{}}`})
	})
	for _, inc := range r.started {
		t.Errorf("started %s: %s", inc.ID, inc.Summary)
	}
}

func TestFindingMissingIndexUnknownOpsStartNothing(t *testing.T) {
	r := scene{}.run(300, func(step int, s *Snapshot) {
		reportScan(step, s, 0)
		s.Stale = map[string]string{"ops": "as of 03:00:00, 23s old: shard1-a:27018 answering late"}
	})
	if len(r.started) != 0 {
		t.Errorf("stale ops started %v", r.started[0].ID)
	}
}
