package probes

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Real server output from ../shared/fixtures, copied into testdata (the
// percona and datadog files as captured; shell pastes converted to
// extended JSON inline below, with the values unchanged).

func loadFixture(t testing.TB, name string) bson.Raw {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if data[0] == '[' { // extended JSON arrays must be wrapped in a document
		data = append(append([]byte(`{"a":`), data...), '}')
	}
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON(data, false, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw
}

func extJSON(t testing.TB, js string) bson.Raw {
	t.Helper()
	var raw bson.Raw
	if err := bson.UnmarshalExtJSON([]byte(js), false, &raw); err != nil {
		t.Fatalf("%v in %s", err, js)
	}
	return raw
}

func TestDecodeServerStatus428(t *testing.T) {
	s, err := DecodeServerStatus(loadFixture(t, "serverStatus-4.2.8-rs-primary-percona_mongodb_exporter.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := Counters{Insert: 2083, Query: 6132, Update: 1559, Delete: 2064, Getmore: 19527, Command: 44255}
	if s.Opcounters != want || s.OpcountersRepl == nil || *s.OpcountersRepl != (Counters{}) {
		t.Errorf("opcounters %+v repl %+v", s.Opcounters, s.OpcountersRepl)
	}
	if s.Host != "a48cbf11789d" || s.Version != "4.2.8" || s.Process != "mongod" || s.Uptime != 9137 {
		t.Errorf("identity %q %q %q %v", s.Host, s.Version, s.Process, s.Uptime)
	}
	c := s.Connections
	if c.Current != 22 || c.Available != 838838 || c.TotalCreated != 83 || c.Active != 2 || c.Rejected != nil {
		t.Errorf("connections %+v", c)
	}
	if s.Network.BytesIn != 32556669 || s.Network.NumRequests != 63334 {
		t.Errorf("network %+v", s.Network)
	}
	if s.GlobalLock == nil || s.GlobalLock.QueueReaders != 0 || s.Tickets == nil || s.Tickets.ReadTotal != 128 || s.Tickets.WriteAvailable != 128 {
		t.Errorf("queues %+v tickets %+v", s.GlobalLock, s.Tickets)
	}
	if s.Repl == nil || s.Repl.SetName != "rs1" || s.Repl.Primary != "172.19.0.9:27017" || !s.Repl.IsWritablePrimary {
		t.Errorf("repl %+v", s.Repl)
	}
	if s.ReplApplyOps == nil || *s.ReplApplyOps != 0 || s.ReplBufferCount == nil || s.TTLDeletedDocuments == nil || *s.TTLDeletedDocuments != 9 {
		t.Errorf("metrics: apply %v buffer %v ttl %v", s.ReplApplyOps, s.ReplBufferCount, s.TTLDeletedDocuments)
	}
}

func TestDecodeServerStatus8xReplBuffer(t *testing.T) {
	// metrics.repl from the 8.x session paste (replicationLag-8.x…): buffer split into write/apply.
	s, err := DecodeServerStatus(extJSON(t, `{"opcounters": {"insert": 1}, "metrics": {"repl": {
		"buffer": {"write": {"count": {"$numberLong": "0"}, "sizeBytes": {"$numberLong": "0"}, "maxSizeBytes": {"$numberLong": "268435456"}},
		           "apply": {"count": {"$numberLong": "0"}, "sizeBytes": {"$numberLong": "0"}, "maxSizeBytes": {"$numberLong": "104857600"}, "maxCount": {"$numberLong": "10000"}}},
		"apply": {"attemptsToBecomeSecondary": {"$numberLong": "1"}, "batchSize": {"$numberLong": "29"}, "batches": {"num": 26, "totalMillis": 30}, "ops": {"$numberLong": "43"}}}}}`))
	if err != nil || s.ReplApplyOps == nil || *s.ReplApplyOps != 43 || s.ReplBufferCount == nil || *s.ReplBufferCount != 0 {
		t.Fatalf("%v apply %v buffer %v", err, s.ReplApplyOps, s.ReplBufferCount)
	}
	if s.OpcountersRepl != nil || s.GlobalLock != nil || s.Tickets != nil {
		t.Error("absent sections must stay unknown")
	}
}

func TestDecodeCurrentOpDatadog(t *testing.T) {
	raw := loadFixture(t, "aggregate-currentOp-standalone+rs-COLLSCAN-waitingForLatch-datadog.json")
	vals, _ := raw.Lookup("a").Array().Values()
	var ops []Op
	for _, v := range vals {
		if op, ok := DecodeOp(v.Document(), OpSource{Node: "h:27017", SelfAppName: "mongoscope"}); ok {
			ops = append(ops, op)
		}
	}
	if len(ops) != 4 {
		t.Fatalf("%d ops", len(ops))
	}
	find := ops[0]
	if find.OpID != "1538838" || find.Op != "query" || find.NS != "integration.products" || find.SecsRunning != 167e-6 ||
		find.Client != "192.168.65.1:39517" || find.ConnectionID != 104 || find.System || !hasFlag(find, FlagCollscan) || find.KillVia != "h:27017" {
		t.Errorf("COLLSCAN find: %+v", find)
	}
	// An awaitable hello (maxAwaitTimeMS): driver monitoring, hidden as system.
	if hello := ops[1]; hello.AppName != "orders-mongo" || hello.SecsRunning != 0.954999 || !hello.System {
		t.Errorf("awaitable hello: %+v", hello)
	}
	if applier := ops[2]; !applier.System || applier.Desc != "OplogApplier-0" {
		t.Errorf("the oplog applier is internal: %+v", applier)
	}
	if fetch := ops[3]; !fetch.System || hasFlag(fetch, FlagCollscan) || fetch.AppName != "OplogFetcher" {
		t.Errorf("the oplog-tailing getmore is internal, not a COLLSCAN to fix: %+v", fetch)
	}
}

func TestDecodeCurrentOpIndexBuildAndMongos(t *testing.T) {
	// From currentOp-cmd-4.2.7…shellpaste: an index build with msg/progress (values as in the paste).
	build := extJSON(t, `{"type": "op", "host": "m1:27017", "desc": "conn4", "connectionId": 4, "client": "127.0.0.1:52454",
		"appName": "MongoDB Shell", "active": true, "currentOpTime": "2020-06-22T12:11:01.292+0800", "opid": 2183,
		"secs_running": {"$numberLong": "33"}, "microsecs_running": {"$numberLong": "33497604"}, "op": "command",
		"ns": "test.$cmd", "command": {"createIndexes": "coll", "indexes": [{"key": {"x": 1}, "name": "x_1"}], "$db": "test"},
		"msg": "Index Build: scanning collection Index Build: scanning collection: 3631292/5126153 70%",
		"progress": {"done": 3631292, "total": 5126153}, "numYields": 28369, "waitingForLock": false}`)
	op, ok := DecodeOp(build, OpSource{Node: "m1:27017"})
	if !ok || !hasFlag(op, FlagIndexBuild) || op.ProgressDone != 3631292 || op.ProgressTotal != 5126153 || op.SecsRunning != 33.497604 || op.NumYields != 28369 {
		t.Fatalf("index build: %+v", op)
	}
	// Through mongos: string opid "shard:opid", client_s, shard from the opid prefix.
	routed := extJSON(t, `{"shard": "shard01", "type": "op", "desc": "conn27", "connectionId": 27, "client_s": "10.0.0.5:40122",
		"active": true, "opid": "shard01:1399119188", "secs_running": 412, "op": "command", "ns": "analytics.events",
		"planSummary": "COLLSCAN", "effectiveUsers": [{"user": "reporter", "db": "admin"}],
		"lsid": {"id": {"$binary": {"base64": "AAECAwQFBgcICQoLDA0ODw==", "subType": "04"}}}}`)
	op, ok = DecodeOp(routed, OpSource{ViaMongos: true, Mongos: "mongos1:27017", LongOpSecs: 60})
	if !ok || op.OpID != "shard01:1399119188" || op.Shard != "shard01" || op.KillVia != "mongos1:27017" || op.User != "reporter@admin" ||
		op.Client != "10.0.0.5:40122" || op.LSID != "000102030405060708090a0b0c0d0e0f" || !hasFlag(op, FlagLong) || !hasFlag(op, FlagCollscan) {
		t.Fatalf("routed op: %+v", op)
	}
	// An idle session is not a running op.
	if _, ok := DecodeOp(extJSON(t, `{"type": "idleSession", "opid": 5}`), OpSource{}); ok {
		t.Error("idle sessions are not ops")
	}
	// An awaitable hello is monitoring: system, never "long".
	hello := extJSON(t, `{"type":"op","desc":"conn9","connectionId":9,"active":true,"opid":9,"secs_running":9,"op":"command","ns":"admin.$cmd","command":{"hello":1,"maxAwaitTimeMS":10000}}`)
	if op, _ := DecodeOp(hello, OpSource{LongOpSecs: 5}); !op.System || hasFlag(op, FlagLong) {
		t.Errorf("awaitable hello: %+v", op)
	}
}

func TestDecodeReplSetGetStatus428(t *testing.T) {
	rs, date, err := DecodeReplSetGetStatus(loadFixture(t, "replSetGetStatus-4.2.8-rs-primary-percona_mongodb_exporter.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Set != "rs1" || rs.Primary != "172.19.0.9:27017" || len(rs.Members) != 3 || date.IsZero() {
		t.Fatalf("%+v %v", rs, date)
	}
	sec := rs.Members[1]
	if sec.Address != "172.19.0.7:27017" || sec.State != "SECONDARY" || sec.LagSeconds == nil || *sec.LagSeconds != 0 ||
		sec.PingMs == nil || *sec.PingMs != 0 || sec.SyncSource != "172.19.0.9:27017" || sec.UptimeSecs != 9135 {
		t.Errorf("secondary %+v", sec)
	}
	if rs.Members[0].LagSeconds != nil {
		t.Error("the primary has no lag")
	}
}

// From replicationLag-8.x…: m05-3 SIGSTOPped. Wall times say m05-3 is 4.861 s
// behind and m05-2 caught up (its optimeDate lags by the 1 s granularity
// and heartbeat delay, which is why we prefer lastAppliedWallTime); later
// m05-3 is unreachable with an epoch optimeDate: no lag rather than 56 years.
func TestDecodeReplicationLag8x(t *testing.T) {
	raw := extJSON(t, `{"set": "rs0", "date": {"$date": "2026-09-27T13:33:20.000Z"}, "members": [
		{"name": "m05-1:27017", "health": 1, "state": 1, "stateStr": "PRIMARY", "optimeDate": {"$date": "2026-09-27T13:33:19.000Z"}, "lastAppliedWallTime": {"$date": "2026-09-27T13:33:19.949Z"}},
		{"name": "m05-2:27017", "health": 1, "state": 2, "stateStr": "SECONDARY", "optimeDate": {"$date": "2026-09-27T13:33:16.000Z"}, "lastAppliedWallTime": {"$date": "2026-09-27T13:33:19.949Z"}, "syncSourceHost": "m05-1:27017"},
		{"name": "m05-3:27017", "health": 1, "state": 2, "stateStr": "SECONDARY", "optimeDate": {"$date": "2026-09-27T13:33:15.000Z"}, "lastAppliedWallTime": {"$date": "2026-09-27T13:33:15.088Z"}, "syncSourceHost": "m05-1:27017"}]}`)
	rs, _, err := DecodeReplSetGetStatus(raw)
	if err != nil {
		t.Fatal(err)
	}
	if l := rs.Members[1].LagSeconds; l == nil || *l != 0 {
		t.Errorf("m05-2 lag %v, want 0", l)
	}
	if l := rs.Members[2].LagSeconds; l == nil || *l < 4.860 || *l > 4.862 {
		t.Errorf("m05-3 lag %v, want 4.861", l)
	}
	down := extJSON(t, `{"set": "rs0", "members": [
		{"name": "m05-1:27017", "health": 1, "state": 1, "stateStr": "PRIMARY", "optimeDate": {"$date": "2026-09-27T13:33:30.000Z"}},
		{"name": "m05-3:27017", "health": 0, "state": 8, "stateStr": "(not reachable/healthy)", "optimeDate": {"$date": "1970-01-01T00:00:00.000Z"}}]}`)
	rs, _, _ = DecodeReplSetGetStatus(down)
	if rs.Members[1].LagSeconds != nil || rs.Members[1].Health != 0 {
		t.Errorf("unreachable member: %+v", rs.Members[1])
	}
}

func TestDecodeBalancerFixtures(t *testing.T) {
	// mongos-4.2.8 session paste.
	mode, inRound, rounds, err := DecodeBalancerStatus(extJSON(t, `{"mode": "full", "inBalancerRound": false, "numBalancerRounds": {"$numberLong": "1579"}, "ok": 1}`))
	if err != nil || mode != "full" || inRound || rounds != 1579 {
		t.Errorf("balancerStatus: %s %v %d %v", mode, inRound, rounds, err)
	}
	// config.settings paste B (3.0 era) and paste A's stopped:false doc.
	enabled, w, _ := DecodeBalancerSettings(extJSON(t, `{"_id": "balancer", "activeWindow": {"start": "12:00", "stop": "19:30"}, "stopped": false, "_waitForDelete": true}`))
	if !enabled || w == nil || w.Start != "12:00" || w.Stop != "19:30" {
		t.Errorf("settings B: %v %+v", enabled, w)
	}
	if enabled, w, _ := DecodeBalancerSettings(nil); !enabled || w != nil {
		t.Error("a missing balancer document means enabled, no window")
	}
	if enabled, _, _ := DecodeBalancerSettings(extJSON(t, `{"_id": "balancer", "mode": "off", "stopped": true}`)); enabled {
		t.Error("stopped balancer reads as enabled")
	}
	// config.changelog moveChunk.from (Definitive Guide 3e): 6 steps, 17,575 ms.
	ev, ok := DecodeChangelogMigration(extJSON(t, `{"_id": "router1-2018-11-04T17:29:39.753-0500-5bdf72d321b6e3be02fabf0b", "server": "bob",
		"clientAddr": "127.0.0.1:64743", "time": {"$date": "2018-11-04T22:29:39.753Z"}, "what": "moveChunk.from", "ns": "video.movies",
		"details": {"min": {"imdbId": {"$minKey": 1}}, "max": {"imdbId": {"$numberLong": "-7262221363006655132"}},
		"step 1 of 6": 0, "step 2 of 6": 4, "step 3 of 6": 191, "step 4 of 6": 17000, "step 5 of 6": 341, "step 6 of 6": 39,
		"to": "shard01", "from": "shard02", "note": "success"}}`))
	if !ok || ev.NS != "video.movies" || ev.From != "shard02" || ev.To != "shard01" || ev.DurationSecs != 17.575 || ev.Error != "" ||
		!ev.Time.Equal(time.Date(2018, 11, 4, 22, 29, 39, 753e6, time.UTC)) {
		t.Errorf("moveChunk.from: %+v", ev)
	}
	if _, ok := DecodeChangelogMigration(extJSON(t, `{"what": "split", "ns": "video.movies"}`)); ok {
		t.Error("a split is not a migration")
	}
}

func TestInsideWindowAcrossMidnight(t *testing.T) {
	w := &Window{Start: "23:00", Stop: "06:00"}
	at := func(h, m int) time.Time { return time.Date(2026, 1, 1, h, m, 0, 0, time.UTC) }
	if in, d := InsideWindow(w, at(2, 2)); !in || d != 3*time.Hour+58*time.Minute {
		t.Errorf("02:02: %v %v", in, d)
	}
	if in, d := InsideWindow(w, at(12, 0)); in || d != 11*time.Hour {
		t.Errorf("12:00: %v %v", in, d)
	}
	if in, _ := InsideWindow(&Window{Start: "02:00", Stop: "06:00"}, at(6, 0)); in {
		t.Error("the stop minute is outside")
	}
}

func TestRatesAndRestarts(t *testing.T) {
	r, ok := CounterRates(Counters{Query: 100, Update: 10}, Counters{Query: 300, Update: 50}, 2*time.Second)
	if !ok || r.Query != 100 || r.Update != 20 {
		t.Errorf("rates %+v %v", r, ok)
	}
	if _, ok := CounterRates(Counters{Query: 100}, Counters{Query: 5}, time.Second); ok {
		t.Error("a counter going down (restart) must give no rate")
	}
	if _, ok := PerSecond(1, 2, 0); ok {
		t.Error("no rate over a zero gap")
	}
	// int32, int64 and double counters read alike.
	s, _ := DecodeServerStatus(extJSON(t, `{"opcounters": {"insert": 5, "query": {"$numberLong": "6000000000"}, "update": 7.0}}`))
	if s.Opcounters.Insert != 5 || s.Opcounters.Query != 6000000000 || s.Opcounters.Update != 7 {
		t.Errorf("mixed types: %+v", s.Opcounters)
	}
	// A string where a number belongs is unknown, not a panic.
	s, _ = DecodeServerStatus(extJSON(t, `{"opcounters": {"insert": "lots"}, "connections": {"current": "many"}}`))
	if s.Opcounters.Insert != 0 || s.Connections.Current != 0 {
		t.Errorf("wrong types: %+v", s)
	}
}

func TestPrivilegesFromConnectionStatus(t *testing.T) {
	all := Privileges{KillOp: true, Balancer: true}
	monitor := extJSON(t, `{"authInfo": {"authenticatedUsers": [{"user": "watch", "db": "admin"}], "authenticatedUserPrivileges": [
		{"resource": {"cluster": true}, "actions": ["serverStatus", "inprog", "top"]},
		{"resource": {"db": "config", "collection": ""}, "actions": ["find"]}]}, "ok": 1}`)
	p := privilegesFrom(monitor, all)
	if p.KillOp || p.Balancer || p.KillOpWhy == "" || p.BalancerWhy == "" {
		t.Errorf("clusterMonitor only: %+v", p)
	}
	admin := extJSON(t, `{"authInfo": {"authenticatedUsers": [{"user": "ops", "db": "admin"}], "authenticatedUserPrivileges": [
		{"resource": {"cluster": true}, "actions": ["killop", "inprog"]},
		{"resource": {"db": "config", "collection": "settings"}, "actions": ["find", "update", "insert"]}]}, "ok": 1}`)
	if p := privilegesFrom(admin, all); !p.KillOp || !p.Balancer {
		t.Errorf("operator role: %+v", p)
	}
	noAuth := extJSON(t, `{"authInfo": {"authenticatedUsers": [], "authenticatedUserPrivileges": []}, "ok": 1}`)
	if p := privilegesFrom(noAuth, all); !p.KillOp || !p.Balancer {
		t.Errorf("without auth everything is allowed: %+v", p)
	}
}
