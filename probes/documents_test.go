package probes

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecodeDocumentCountersFromCaptures(t *testing.T) {
	// 4.2.8 (percona capture): metrics.document, queryExecutor without
	// collectionScans (4.4+), operation, ttl.
	s, err := DecodeServerStatus(loadFixture(t, "serverStatus-4.2.8-rs-primary-percona_mongodb_exporter.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := s.Documents
	if d == nil || d.Inserted != 2083 || d.Returned != 21729 || d.Updated != 1542 || d.Deleted != 1030 {
		t.Fatalf("metrics.document %+v", d)
	}
	if d.KeysExamined == nil || *d.KeysExamined != 9181 || d.DocsExamined == nil || *d.DocsExamined != 24285 || d.CollectionScans != nil {
		t.Errorf("queryExecutor %v %v %v", d.KeysExamined, d.DocsExamined, d.CollectionScans)
	}
	if d.ScanAndOrder == nil || *d.ScanAndOrder != 0 || d.WriteConflicts == nil || *d.WriteConflicts != 0 {
		t.Errorf("operation %v %v", d.ScanAndOrder, d.WriteConflicts)
	}
	// 6.0.12 (mongosh paste serverStatus-6.0.12-rs-primary-full…, values
	// unchanged, Long as $numberLong).
	s, err = DecodeServerStatus(extJSON(t, `{"opcounters": {"insert": 1}, "metrics": {
		"document": {"deleted": {"$numberLong": "0"}, "inserted": {"$numberLong": "51500003"}, "returned": {"$numberLong": "51579688"}, "updated": {"$numberLong": "364"}},
		"operation": {"scanAndOrder": {"$numberLong": "3"}, "temporarilyUnavailableErrors": {"$numberLong": "0"}, "writeConflicts": {"$numberLong": "0"}},
		"queryExecutor": {"scanned": {"$numberLong": "15"}, "scannedObjects": {"$numberLong": "51581133"},
		                  "collectionScans": {"nonTailable": {"$numberLong": "1030"}, "total": {"$numberLong": "1032"}}},
		"ttl": {"deletedDocuments": {"$numberLong": "0"}, "passes": {"$numberLong": "22"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	d = s.Documents
	if d == nil || d.Updated != 364 || d.Inserted != 51500003 || d.CollectionScans == nil || *d.CollectionScans != 1032 || *d.ScanAndOrder != 3 {
		t.Errorf("6.0.12 counters %+v", d)
	}
	if s.TTLDeletedDocuments == nil || *s.TTLDeletedDocuments != 0 {
		t.Errorf("ttl %v", s.TTLDeletedDocuments)
	}
	// A counter that is not a number makes the document counters unknown;
	// a server without them (or without ttl) leaves them nil.
	s, _ = DecodeServerStatus(extJSON(t, `{"opcounters": {"insert": 1}, "metrics": {"document": {"deleted": 1, "inserted": 1, "returned": "many", "updated": 1}}}`))
	if s.Documents != nil || s.TTLDeletedDocuments != nil {
		t.Errorf("bad counters decoded: %+v, ttl %v", s.Documents, s.TTLDeletedDocuments)
	}
}

// docStatus is a serverStatus of a replica set member with document
// counters; repl gives its opcountersRepl.update.
func docStatus(host string, at time.Time, updates, matched, ttl, repl int64) string {
	return fmt.Sprintf(`{"host": %q, "pid": 7, "process": "mongod", "uptime": %d, "localTime": {"$date": "%s"},
		"opcounters": {"insert": 1, "query": 100, "update": %d, "delete": 1, "getmore": 1, "command": 1},
		"opcountersRepl": {"insert": 0, "query": 0, "update": %d, "delete": 0, "getmore": 0, "command": 0},
		"metrics": {"document": {"deleted": 5, "inserted": 5, "returned": 500, "updated": %d},
		            "queryExecutor": {"scanned": %d, "scannedObjects": %d}, "ttl": {"deletedDocuments": %d, "passes": 1}}}`,
		host, at.Unix(), at.UTC().Format(time.RFC3339Nano), updates, repl, matched, updates, updates, ttl)
}

// TestDocumentRatesInTheSnapshot: per node, the sum over the primaries and
// the updates their secondaries applied; a primary without a rate voids
// the sum (null with why), never a zero.
func TestDocumentRatesInTheSnapshot(t *testing.T) {
	t0, mono := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC), time.Now()
	nodes := []Node{{Address: "p:1", Role: RolePrimary, Set: "rs", State: StateUp}, {Address: "s:1", Role: RoleSecondary, Set: "rs", State: StateUp}}
	dep := Deployment{Kind: KindReplicaSet, Nodes: nodes}
	st := &state{cfg: &Config{Now: func() time.Time { return t0.Add(10 * time.Second) }, MaxOps: 10}, interval: time.Second, dep: dep,
		nodes: map[string]*nodeState{"p:1": {node: nodes[0]}, "s:1": {node: nodes[1]}}, oplog: map[string]oplogWindow{}}
	sp := newStatusProbe()
	fill := func() Snapshot {
		snap := Snapshot{Deployment: dep, NotAvailable: map[string]string{}}
		sp.fill(&snap, st)
		return snap
	}
	sp.apply(st, "p:1", sampleAt(t, docStatus("p", t0, 1000, 1000, 50, 0), mono))
	sp.apply(st, "s:1", sampleAt(t, docStatus("s", t0, 0, 0, 0, 1000), mono))
	if snap := fill(); snap.Documents != nil || snap.NotAvailable["documents"] == "" {
		t.Errorf("one sample made document rates: %+v", snap.Documents)
	}
	// 10 s later: 900 update statements a second, 36 matched a document,
	// 30 modified one (the secondary applied 30 updates a second); the TTL
	// monitor deleted 250 documents a second.
	sp.apply(st, "p:1", sampleAt(t, docStatus("p", t0.Add(10*time.Second), 10000, 1360, 2550, 0), mono.Add(10*time.Second)))
	sp.apply(st, "s:1", sampleAt(t, docStatus("s", t0.Add(10*time.Second), 0, 0, 0, 1300), mono.Add(10*time.Second)))
	snap := fill()
	d := snap.Documents
	if d == nil || d.Cluster == nil || d.ClusterWhy != "" {
		t.Fatalf("documents %+v", d)
	}
	c := *d.Cluster
	if c.UpdateStatements != 900 || c.Updated != 36 || c.Returned != 0 || c.TTLDeleted == nil || *c.TTLDeleted != 250 || c.KeysExamined == nil || *c.KeysExamined != 900 {
		t.Errorf("cluster %+v", c)
	}
	if d.UpdatesApplied == nil || *d.UpdatesApplied != 30 {
		t.Errorf("updates applied %v (%s)", d.UpdatesApplied, d.UpdatesAppliedWhy)
	}
	if sec, ok := d.Nodes["s:1"]; !ok || sec.TTLDeleted == nil || *sec.TTLDeleted != 0 || sec.CollectionScans != nil {
		t.Errorf("secondary %+v", sec)
	}
	// The primary's sample is refused (another process answered): its
	// node rate is gone and the sum is unknown, with the reason.
	sp.apply(st, "p:1", sampleAt(t, strings.Replace(docStatus("p", t0.Add(11*time.Second), 10900, 1400, 2800, 0), `"pid": 7`, `"pid": 8`, 1), mono.Add(11*time.Second)))
	sp.apply(st, "s:1", sampleAt(t, docStatus("s", t0.Add(11*time.Second), 0, 0, 0, 1330), mono.Add(11*time.Second)))
	d = fill().Documents
	if _, ok := d.Nodes["p:1"]; ok || d.Cluster != nil || !strings.Contains(d.ClusterWhy, "p:1") {
		t.Errorf("after a refused sample: node %+v, cluster %+v (%q)", d.Nodes["p:1"], d.Cluster, d.ClusterWhy)
	}
	if d.UpdatesApplied != nil {
		t.Errorf("updates applied without the primary counted: %v", *d.UpdatesApplied)
	}
}
