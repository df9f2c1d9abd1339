package probes

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// DecodeServerStatus reads the reply in one walk over its top-level
// elements and one over each section it needs; the decoder it replaced
// looked each field up with its own scan from the top. That reading is
// kept here as the reference: both must give the same ServerStatus and
// the same error, on the real captures, on every reply the simulated
// releases serve, on edge documents and on whatever bytes the fuzzer makes.

// decodeServerStatusByLookups is the replaced decoder, a lookup per field.
func decodeServerStatusByLookups(raw bson.Raw) (s ServerStatus, err error) {
	defer safely("serverStatus", &err)
	if err := raw.Validate(); err != nil {
		return s, errors.New("serverStatus reply is not a valid BSON document")
	}
	if _, ok := lookup(raw, "opcounters"); !ok {
		if msg := getString(raw, "errmsg"); msg != "" {
			return s, errors.New(msg)
		}
		return s, errors.New("serverStatus reply has no opcounters section")
	}
	s.Host, s.Version, s.Process = getText(raw, "host"), getText(raw, "version"), getText(raw, "process")
	s.Uptime, _ = getFloat(raw, "uptime")
	s.Pid, _ = getInt(raw, "pid")
	s.LocalTime, _ = getTime(raw, "localTime")
	s.Opcounters = countersByLookups(raw, "opcounters", &s.Bad)
	if _, ok := getDoc(raw, "opcountersRepl"); ok {
		var ignored []string
		c := countersByLookups(raw, "opcountersRepl", &ignored)
		if len(ignored) == 0 {
			s.OpcountersRepl = &c
		}
	}
	counter := func(dst *int64, path ...string) { *dst = counterByLookup(raw, &s.Bad, path...) }
	counter(&s.Network.BytesIn, "network", "bytesIn")
	counter(&s.Network.BytesOut, "network", "bytesOut")
	counter(&s.Network.NumRequests, "network", "numRequests")
	counter(&s.Connections.Current, "connections", "current")
	counter(&s.Connections.Available, "connections", "available")
	counter(&s.Connections.TotalCreated, "connections", "totalCreated")
	s.Connections.Active, _ = getInt(raw, "connections", "active")
	if n, ok := getInt(raw, "connections", "rejected"); ok {
		s.Connections.Rejected = &n
	}
	if _, ok := getDoc(raw, "globalLock", "currentQueue"); ok {
		g := &struct{ QueueReaders, QueueWriters, ActiveReaders, ActiveWriters int64 }{}
		g.QueueReaders, _ = getInt(raw, "globalLock", "currentQueue", "readers")
		g.QueueWriters, _ = getInt(raw, "globalLock", "currentQueue", "writers")
		g.ActiveReaders, _ = getInt(raw, "globalLock", "activeClients", "readers")
		g.ActiveWriters, _ = getInt(raw, "globalLock", "activeClients", "writers")
		s.GlobalLock = g
	}
	s.Tickets = ticketsByLookups(raw)
	if n, ok := getInt(raw, "metrics", "repl", "apply", "ops"); ok {
		s.ReplApplyOps = &n
	}
	if n, ok := getInt(raw, "metrics", "repl", "buffer", "apply", "count"); ok {
		s.ReplBufferCount = &n
	} else if n, ok := getInt(raw, "metrics", "repl", "buffer", "count"); ok {
		s.ReplBufferCount = &n
	}
	s.TTLDeletedDocuments = optCounterByLookup(raw, "metrics", "ttl", "deletedDocuments")
	s.Documents = documentsByLookups(raw)
	if repl, ok := getDoc(raw, "repl"); ok {
		r := &ReplInfo{SetName: getText(repl, "setName"), Primary: getText(repl, "primary"), Me: getText(repl, "me"),
			Secondary: getBool(repl, "secondary")}
		r.IsWritablePrimary = getBool(repl, "isWritablePrimary") || getBool(repl, "ismaster")
		for _, h := range getArray(repl, "hosts") {
			if str, ok := h.StringValueOK(); ok {
				r.Hosts = append(r.Hosts, str)
			}
		}
		s.Repl = r
	}
	s.OplogEarliest, _ = getTime(raw, "oplog", "earliestOptime")
	s.OplogLatest, _ = getTime(raw, "oplog", "latestOptime")
	return s, nil
}

func countersByLookups(raw bson.Raw, section string, bad *[]string) Counters {
	var c Counters
	c.Insert = counterByLookup(raw, bad, section, "insert")
	c.Query = counterByLookup(raw, bad, section, "query")
	c.Update = counterByLookup(raw, bad, section, "update")
	c.Delete = counterByLookup(raw, bad, section, "delete")
	c.Getmore = counterByLookup(raw, bad, section, "getmore")
	c.Command = counterByLookup(raw, bad, section, "command")
	return c
}

func counterByLookup(raw bson.Raw, bad *[]string, path ...string) int64 {
	n, ok := getInt(raw, path...)
	if !ok || n < 0 {
		*bad = append(*bad, strings.Join(path, "."))
		return 0
	}
	return n
}

func optCounterByLookup(raw bson.Raw, path ...string) *int64 {
	n, ok := getInt(raw, path...)
	if !ok || n < 0 {
		return nil
	}
	return &n
}

func ticketsByLookups(raw bson.Raw) *struct {
	ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
} {
	for _, base := range [][]string{{"queues", "execution"}, {"wiredTiger", "concurrentTransactions"}} {
		if _, ok := getDoc(raw, base...); !ok {
			continue
		}
		t := &struct {
			ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
		}{}
		path := func(k ...string) []string { return append(append([]string{}, base...), k...) }
		t.ReadOut, _ = getInt(raw, path("read", "out")...)
		t.ReadAvailable, _ = getInt(raw, path("read", "available")...)
		t.ReadTotal, _ = getInt(raw, path("read", "totalTickets")...)
		t.WriteOut, _ = getInt(raw, path("write", "out")...)
		t.WriteAvailable, _ = getInt(raw, path("write", "available")...)
		t.WriteTotal, _ = getInt(raw, path("write", "totalTickets")...)
		return t
	}
	return nil
}

func documentsByLookups(raw bson.Raw) *DocumentCounters {
	if _, ok := getDoc(raw, "metrics", "document"); !ok {
		return nil
	}
	var bad []string
	d := &DocumentCounters{}
	d.Inserted = counterByLookup(raw, &bad, "metrics", "document", "inserted")
	d.Returned = counterByLookup(raw, &bad, "metrics", "document", "returned")
	d.Updated = counterByLookup(raw, &bad, "metrics", "document", "updated")
	d.Deleted = counterByLookup(raw, &bad, "metrics", "document", "deleted")
	if len(bad) > 0 {
		return nil
	}
	d.KeysExamined = optCounterByLookup(raw, "metrics", "queryExecutor", "scanned")
	d.DocsExamined = optCounterByLookup(raw, "metrics", "queryExecutor", "scannedObjects")
	d.CollectionScans = optCounterByLookup(raw, "metrics", "queryExecutor", "collectionScans", "total")
	d.ScanAndOrder = optCounterByLookup(raw, "metrics", "operation", "scanAndOrder")
	d.WriteConflicts = optCounterByLookup(raw, "metrics", "operation", "writeConflicts")
	return d
}

// statusSameAsLookups reports how DecodeServerStatus and the lookup
// decoder differ on doc.
func statusSameAsLookups(doc bson.Raw) error {
	got, gotErr := DecodeServerStatus(doc)
	want, wantErr := decodeServerStatusByLookups(doc)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		return fmt.Errorf("\none walk %v %+v\nlookups  %v %+v", gotErr, got, wantErr, want)
	}
	return nil
}

// fixtureStatusReplies are the serverStatus documents of the real
// captures (../shared/fixtures): the percona export, the mongosh paste
// (converted as opdecode_test.go converts its pastes), the 8.3 fragment
// (whole and its serverStatus), and netdata's projections (its own key
// names: both decoders must refuse them alike).
func fixtureStatusReplies(t testing.TB) []serverStatusReply {
	t.Helper()
	var out []serverStatusReply
	for _, name := range []string{"serverStatus-4.2.8-rs-primary-percona_mongodb_exporter.json",
		"serverStatus-8.3-metrics+opLatencies-fragment-percona_mongodb_exporter.json",
		"netdata-projection-6.0.3-mongod-serverStatus.json", "netdata-projection-6.0.3-mongos-serverStatus.json"} {
		doc := loadFixture(t, name)
		out = append(out, serverStatusReply{doc: doc, from: name})
		if inner, ok := doc.Lookup("serverStatus").DocumentOK(); ok {
			out = append(out, serverStatusReply{doc: inner, from: name + " .serverStatus"})
		}
	}
	paste := "serverStatus-6.0.12-rs-primary-full-concurrentTransactions-mongosh-kubedb.txt"
	p := &shellParser{src: string(readTestdata(t, paste))}
	js, err := p.value()
	if err != nil {
		t.Fatalf("%s: %v", paste, err)
	}
	return append(out, serverStatusReply{doc: extJSON(t, js), from: paste})
}

func TestDecodeServerStatusSameAsLookupsOnCapturesAndSimulator(t *testing.T) {
	fixtures := fixtureStatusReplies(t)
	replies := append(fixtures, simStatusReplies(t)...)
	for _, doc := range edgeStatusDocs() {
		replies = append(replies, serverStatusReply{doc: doc, from: "edge document"})
	}
	decoded, versions, tickets := 0, map[string]bool{}, 0
	for _, r := range replies {
		if err := statusSameAsLookups(r.doc); err != nil {
			t.Fatalf("%s: %v\ndocument %s", r.from, err, r.doc)
		}
		if s, err := DecodeServerStatus(r.doc); err == nil {
			decoded++
			versions[s.Version] = true
			if s.Tickets != nil {
				tickets++
			}
		}
	}
	// The comparison must have seen the real shapes, not only refusals.
	for _, v := range []string{"4.2.8", "6.0.12"} {
		if !versions[v] {
			t.Errorf("the %s capture did not decode", v)
		}
	}
	if len(versions) < 7 || tickets < len(replies)/4 || decoded < len(replies)*3/4 {
		t.Errorf("%d of %d replies decoded (%d with tickets), versions %v: the comparison saw too few", decoded, len(replies), tickets, versions)
	}
}

// edgeStatusDocs are documents where one walk could part from lookups:
// keys twice (a lookup finds the first), arrays where documents are
// expected (a lookup descends into them), wrong and odd numeric types,
// sections missing, both 8.0 and 7.0 ticket and buffer shapes at once,
// an error reply, bytes that are no document.
func edgeStatusDocs() []bson.Raw {
	var b bsonBuild
	d, str, i32, i64, dbl, boolean, sub, arr := b.doc, b.str, b.i32, b.i64, b.dbl, b.boolean, b.sub, b.arr
	ops := d(i32("insert", 1), i64("query", 6_000_000_000), dbl("update", 7), i32("delete", 0), i32("getmore", 2), i32("command", 3))
	rw := func(out, avail, total int32) []byte {
		return d(i32("out", out), i32("available", avail), i32("totalTickets", total))
	}
	tickets := d(sub("read", rw(1, 2, 3)), sub("write", rw(4, 5, 6)))
	return []bson.Raw{
		d(sub("opcounters", ops), sub("opcounters", d(i32("insert", 9))), str("host", "h\x1b[31m:1"), str("host", "x"),
			sub("connections", d(i32("current", 1), i32("current", 2), str("available", "many"), i32("rejected", 3))),
			sub("network", d(i32("bytesIn", -1), dbl("bytesOut", 1.5e300), boolean("numRequests", true)))),
		d(arr("opcounters", ops), arr("opcountersRepl", ops), arr("network", d(i32("bytesIn", 1))), arr("connections", d(i32("current", 1)))),
		d(sub("opcounters", ops), sub("opcountersRepl", d(i32("insert", 1), str("query", "x"))), sub("queues", d(sub("execution", tickets))),
			sub("wiredTiger", d(sub("concurrentTransactions", d(sub("read", rw(9, 9, 9))))))),
		d(sub("opcounters", ops), arr("queues", d(sub("execution", tickets))), sub("wiredTiger", d(arr("concurrentTransactions", tickets)))),
		d(sub("opcounters", ops), sub("queues", d(i32("execution", 1))), arr("wiredTiger", d(sub("concurrentTransactions", tickets), sub("concurrentTransactions", rw(0, 0, 0))))),
		d(sub("opcounters", ops), sub("globalLock", d(arr("currentQueue", d(i32("readers", 1))), sub("activeClients", d(i32("readers", 2)))))),
		d(sub("opcounters", ops), sub("globalLock", d(sub("currentQueue", d(i32("readers", 1), dbl("writers", 2.9))), arr("activeClients", d(i32("writers", 2)))))),
		d(sub("opcounters", ops), sub("metrics", d(sub("repl", d(sub("apply", d(i64("ops", 5))), sub("buffer", d(i32("count", 4), sub("apply", d(i32("count", 7)))))))))),
		d(sub("opcounters", ops), sub("metrics", d(sub("repl", d(sub("buffer", d(i32("count", 4), sub("apply", d(str("count", "x")))))))))),
		d(sub("opcounters", ops), sub("metrics", d(sub("ttl", d(i32("deletedDocuments", -4))), sub("document", d(i32("inserted", 1), i32("returned", 2), i32("updated", 3), i32("deleted", 4))),
			sub("queryExecutor", d(i32("scanned", 1), dbl("scannedObjects", 2), sub("collectionScans", d(i64("total", 3))))), sub("operation", d(str("scanAndOrder", "x"), i32("writeConflicts", 5))))),
			sub("metrics", d(sub("ttl", d(i32("deletedDocuments", 4)))))),
		d(sub("opcounters", ops), sub("metrics", d(arr("document", d(i32("inserted", 1))), arr("queryExecutor", d(i32("scanned", 1)))))),
		d(sub("opcounters", ops), sub("metrics", d(sub("document", d(i32("inserted", 1), i32("returned", 2), i32("updated", -3), i32("deleted", 4)))))),
		d(sub("opcounters", ops), sub("repl", d(str("setName", "rs\x07"), i32("ismaster", 1), boolean("secondary", false), str("me", "a:1"),
			arr("hosts", d(str("0", "a:1"), i32("1", 2), str("2", "b:2"))), str("setName", "other")))),
		d(sub("opcounters", ops), arr("repl", d(str("setName", "rs"))), sub("oplog", d(bsoncore.AppendTimestampElement(nil, "earliestOptime", 100, 1), str("latestOptime", "2024-04-11T16:06:47.330Z")))),
		d(sub("opcounters", ops), sub("repl", d(boolean("isWritablePrimary", false), boolean("ismaster", true), str("hosts", "a:1"))),
			bsoncore.AppendDateTimeElement(nil, "localTime", 1712851606000), i64("uptime", 5), dbl("pid", 7), i32("version", 8)),
		d(str("errmsg", "not authorized on admin"), i32("ok", 0)),
		d(i32("ok", 1)),
		d(i32("opcounters", 1), str("errmsg", "x")),
		{5, 0, 0, 0},
		{12, 0, 0, 0, 0x10, 'o', 0, 1, 0, 0, 0, 0},
	}
}

// FuzzDecodeServerStatusSameAsLookups: whatever the bytes, the one-walk
// decoder and the lookup decoder agree.
func FuzzDecodeServerStatusSameAsLookups(f *testing.F) {
	fixtureSeeds(f)
	for _, r := range fixtureStatusReplies(f) {
		f.Add([]byte(r.doc))
	}
	for _, doc := range edgeStatusDocs() {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := statusSameAsLookups(bson.Raw(b)); err != nil {
			t.Fatal(err)
		}
	})
}
