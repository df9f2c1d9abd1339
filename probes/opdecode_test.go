package probes

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// DecodeOp reads each document in one walk; the decoder it replaced looked
// each field up with its own scan. Its reading is kept here as the
// reference: both must give the same Op, to the unexported fields
// (originals kept for JSON, the command to render), on the real captures,
// on what the simulated releases serve, and on whatever bytes the fuzzer
// makes. (Until commit a7c7849 the whole old decoder, classification
// included, was the reference.)

// decodeOpByLookups reads doc a lookup per field, as the replaced decoder
// did, then finishes the op as DecodeOp does.
func decodeOpByLookups(doc bson.Raw, src OpSource) (op Op, ok bool) {
	defer func() {
		if recover() != nil {
			op, ok = Op{}, false
		}
	}()
	if doc.Validate() != nil {
		return Op{}, false
	}
	if t := getString(doc, "type"); t != "" && t != "op" {
		return Op{}, false
	}
	if v, ok := lookup(doc, "active"); ok && v.Type == bson.TypeBoolean && !v.Boolean() {
		return Op{}, false
	}
	op = opByLookups(doc, src)
	if op.OpID == "" {
		return Op{}, false
	}
	shard, _ := lookup(doc, "shard")
	host, _ := lookup(doc, "host")
	route(&op, src, shard, host)
	cmd, _ := getDoc(doc, "command")
	_, hasConn := lookup(doc, "connectionId")
	_, awaitable := lookup(cmd, "maxAwaitTimeMS")
	finishOp(&op, cmd, opFacts{first: firstKeyByElements(cmd), awaitable: awaitable, tailable: getBool(cmd, "tailable"),
		hasConn: hasConn, driver: getString(doc, "clientMetadata", "driver", "name"), cursorTailable: getBool(doc, "cursor", "tailable")}, src)
	return op, true
}

// opByLookups reads the op's own fields a lookup each.
func opByLookups(doc bson.Raw, src OpSource) Op {
	op := Op{Node: src.Node, Shard: src.Shard, Op: getString(doc, "op"), NS: getString(doc, "ns"),
		PlanSummary: getString(doc, "planSummary"), AppName: getString(doc, "appName"), Desc: getString(doc, "desc"),
		WaitingForLock: getBool(doc, "waitingForLock"), KillPending: getBool(doc, "killPending"), Msg: getString(doc, "msg")}
	if v, ok := lookup(doc, "opid"); ok {
		op.OpID = rawString(v)
	}
	if micros, ok := getInt(doc, "microsecs_running"); ok {
		op.SecsRunning = float64(micros) / 1e6
	} else if secs, ok := getFloat(doc, "secs_running"); ok {
		op.SecsRunning = secs
	}
	for _, path := range [][]string{{"client"}, {"clientMetadata", "mongos", "client"}, {"client_s"}} {
		if op.Client == "" {
			op.Client = getString(doc, path...)
		}
	}
	if users := getArray(doc, "effectiveUsers"); len(users) > 0 {
		if u, ok := users[0].DocumentOK(); ok {
			op.User = getString(u, "user") + "@" + getString(u, "db")
		}
	}
	op.ConnectionID, _ = getInt(doc, "connectionId")
	if v, ok := lookup(doc, "lsid", "id"); ok {
		if _, data, ok := v.BinaryOK(); ok {
			op.LSID = hex.EncodeToString(data)
		}
	}
	op.NumYields, _ = getInt(doc, "numYields")
	op.ProgressDone, _ = getFloat(doc, "progress", "done")
	op.ProgressTotal, _ = getFloat(doc, "progress", "total")
	return op
}

// firstKeyByElements is the command's name as bson.Raw.Elements gives it:
// nothing unless every element reads.
func firstKeyByElements(doc bson.Raw) []byte {
	if len(doc) < 5 {
		return nil
	}
	elems, err := doc.Elements()
	if err != nil || len(elems) == 0 {
		return nil
	}
	return []byte(elems[0].Key())
}

// fixtureOpSamples are the ops of the real captures (../shared/fixtures).
func fixtureOpSamples(t testing.TB) []opSample {
	t.Helper()
	var out []opSample
	add := func(from string, docs []bson.Raw) {
		for _, d := range docs {
			out = append(out, opSample{doc: d, src: OpSource{Node: "h:27017", SelfAppName: "mongoscope"}, from: from})
		}
	}
	agg := "aggregate-currentOp-standalone+rs-COLLSCAN-waitingForLatch-datadog.json"
	vals, _ := loadFixture(t, agg).Lookup("a").Array().Values()
	for _, v := range vals {
		add(agg, []bson.Raw{v.Document()})
	}
	for _, paste := range []string{"currentOp-cmd-4.2.7-rs-primary+secondary-indexBuild-internalThreads-shellpaste.txt",
		"currentOp-inprog-6.0.12-rs-primary-longExplainCount-OplogFetcher-internalThreads-mongosh-kubedb.txt"} {
		add(paste, pasteOps(t, paste))
	}
	return out
}

// sourceVariants are the ways one document can be decoded: as the poller
// asked, rendered at once (default and tiny caps), read through a mongos
// or directly, with a short long-op limit and without a self appName.
func sourceVariants(src OpSource) []OpSource {
	out := []OpSource{src}
	for _, cap := range []int{0, 16} {
		v := src
		v.CommandCap = cap
		out = append(out, v)
	}
	flipped := src
	flipped.ViaMongos = !src.ViaMongos
	flipped.Mongos, flipped.Shard = "m:27017", ""
	short := src
	short.LongOpSecs, short.SelfAppName = 0.5, ""
	return append(out, flipped, short)
}

// sameAsLookups reports how DecodeOp and the lookup decoder differ on doc.
func sameAsLookups(doc bson.Raw, src OpSource) error {
	got, gotOK := DecodeOp(doc, src)
	want, wantOK := decodeOpByLookups(doc, src)
	if src.CommandCap < 0 {
		both := []Op{got, want}
		RenderCommands(both, 2048)
		got, want = both[0], both[1]
	}
	if gotOK != wantOK || !reflect.DeepEqual(got, want) {
		return fmt.Errorf("source %+v:\nsingle pass %v %+v\nlookups     %v %+v", src, gotOK, got, wantOK, want)
	}
	return nil
}

func TestDecodeOpSameAsLookupsOnCapturesAndSimulator(t *testing.T) {
	fixtures := fixtureOpSamples(t)
	if len(fixtures) < 20 {
		t.Fatalf("%d ops in the captures", len(fixtures))
	}
	samples := append(fixtures, simOpSamples(t)...)
	kept := 0
	for _, s := range samples {
		for _, src := range sourceVariants(s.src) {
			if err := sameAsLookups(s.doc, src); err != nil {
				t.Fatalf("%s: %v\ndocument %s", s.from, err, s.doc)
			}
		}
		if _, ok := DecodeOp(s.doc, s.src); ok {
			kept++
		}
	}
	if kept < len(samples)/2 {
		t.Errorf("only %d of %d documents decode as ops: the comparison saw too few", kept, len(samples))
	}
}

// edgeOpDocs are documents where one walk could part from lookups: keys
// twice (a lookup finds the first), arrays where documents are expected (a
// lookup descends into them), wrong types, nested documents whose length
// is broken, bytes after the document's end.
func edgeOpDocs() []bson.Raw {
	var b bsonBuild
	d, str, i32, sub, arr := b.doc, b.str, b.i32, b.sub, b.arr
	broken := []byte{2, 0, 0, 0}       // declares 2 bytes: no document
	unreadable := []byte{0x20, 'x', 0} // no such BSON type
	rawSub := func(k string, body []byte) []byte {
		return append(bsoncore.AppendHeader(nil, bsoncore.TypeEmbeddedDocument, k), body...)
	}
	return []bson.Raw{
		d(i32("opid", 1), str("opid", "s:2"), str("desc", "conn1"), str("desc", "Balancer"), sub("command", d(i32("hello", 1))), sub("command", d(str("find", "c")))),
		d(i32("opid", 3), arr("clientMetadata", d(sub("mongos", d(str("client", "1.2.3.4:5"))), sub("driver", d(str("name", "NetworkInterfaceTL")))))),
		d(i32("opid", 4), sub("clientMetadata", d(rawSub("mongos", broken), sub("driver", d(str("name", "MongoDB Internal Client")))))),
		d(i32("opid", 5), sub("command", d(str("aggregate", "x"), rawSub("pipeline", broken), i32("maxAwaitTimeMS", 5), bsoncore.AppendBooleanElement(nil, "tailable", true)))),
		d(i32("opid", 6), arr("effectiveUsers", d(str("0", "root"), sub("1", d(str("user", "u"), str("db", "admin")))))),
		d(i32("opid", 7), arr("effectiveUsers", d(sub("0", d(str("user", "__system")))))),
		d(i32("opid", 8), arr("lsid", d(bsoncore.AppendBinaryElement(nil, "id", 4, []byte{1, 2}))), sub("progress", d(str("done", "1"), i32("total", 9)))),
		d(i32("opid", 9), i32("active", 0), str("type", "op"), bsoncore.AppendBooleanElement(nil, "microsecs_running", true), bsoncore.AppendDoubleElement(nil, "secs_running", 2.5)),
		d(bsoncore.AppendDoubleElement(nil, "opid", 1.5), bsoncore.AppendBooleanElement(nil, "active", false)),
		append(d(i32("opid", 10), str("ns", "local.oplog.rs"), sub("cursor", d(i32("tailable", 1)))), 0, 0, 0),
		d(i32("opid", 11), rawSub("command", broken), rawSub("progress", broken), str("client_s", "c:1"), i32("connectionId", 4)),
		d(i32("opid", 12), sub("progress", d(i32("done", 1), i32("done", 2))), sub("clientMetadata", d(sub("driver", d(str("name", "x"))),
			sub("driver", d(str("name", "NetworkInterfaceTL"))))), sub("command", d(i32("tailable", 0), i32("tailable", 1)))),
		d(i32("opid", 13), sub("command", d(str("createIndexes", "c"), i32("maxAwaitTimeMS", 1), unreadable))),
		d(i32("opid", 14), sub("command", d(str("createIndexes", "c"), unreadable, i32("maxAwaitTimeMS", 1)))),
	}
}

// FuzzDecodeOpSameAsLookups: whatever the bytes, the one-walk decoder and
// the lookup decoder agree.
func FuzzDecodeOpSameAsLookups(f *testing.F) {
	fixtureSeeds(f)
	for _, s := range fixtureOpSamples(f) {
		f.Add([]byte(s.doc))
	}
	for _, doc := range edgeOpDocs() {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, src := range sourceVariants(OpSource{Node: "n:1", CommandCap: -1, SelfAppName: "app"}) {
			if err := sameAsLookups(bson.Raw(b), src); err != nil {
				t.Fatal(err)
			}
		}
	})
}
