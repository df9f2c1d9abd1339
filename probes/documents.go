package probes

import (
	"cmp"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// What statements did to documents. opcounters count statements as the
// server received them: "operations that affect multiple documents, such as
// bulk insert or multi-update operations, [count] as a single operation",
// and they "increment even when operations are not successful" (MongoDB
// manual, serverStatus, opcounters:
// https://www.mongodb.com/docs/manual/reference/command/serverStatus/#opcounters).
// serverStatus.metrics counts documents (same page, #metrics):
//   - metrics.document.{inserted,returned,updated,deleted}: documents
//     inserted, returned by queries, updated and deleted. "updated" counts
//     the documents each update statement MATCHED, not those it modified:
//     "This value is not necessarily the same as the number of documents
//     modified by updates" (DOCS-15950, which clarified the manual; a
//     metrics.document.modified is only proposed, SERVER-87778). An update
//     statement that matches nothing adds 1 to opcounters.update and 0 here.
//   - metrics.queryExecutor.scanned / scannedObjects: index keys and
//     documents examined "during queries and query-plan evaluation", the
//     totalKeysExamined / totalDocsExamined of explain, summed;
//     collectionScans.total (4.4+): queries that scanned a collection.
//   - metrics.operation.scanAndOrder: queries that sorted in memory (no
//     index gave the order); writeConflicts: operations that hit a write
//     conflict and were retried.
//   - metrics.ttl.deletedDocuments: documents the TTL monitor deleted.
//
// Modified documents are nowhere in serverStatus, but the oplog shows them:
// an update that changes nothing writes no oplog entry ("An empty update
// results in no changes and no oplog entry is created", 5.0 compatibility
// notes; the same holds for a $set to the value already there, nModified
// 0), and a multi-update writes one entry per document it changed. So the
// update entries a secondary applies (opcountersRepl.update) are the
// documents its primary's updates modified; against the primary's
// metrics.document.updated they say how many matched documents were left
// as they were.

// DocumentCounters are the cumulative per-document counters of one
// serverStatus (see above). The optional ones are nil when absent.
type DocumentCounters struct {
	Inserted, Returned, Updated, Deleted        int64
	KeysExamined, DocsExamined, CollectionScans *int64
	ScanAndOrder, WriteConflicts                *int64
}

// decodeDocuments reads metrics.document and the query executor and
// operation counters beside it: nil when metrics.document is missing or
// one of its four counters is not a number (their rates are then unknown).
func decodeDocuments(document, queryExecutor, operation bson.RawValue) *DocumentCounters {
	if document.Type != bson.TypeEmbeddedDocument {
		return nil
	}
	var doc [4]bson.RawValue
	firstValues(inner(document), []string{"inserted", "returned", "updated", "deleted"}, doc[:])
	var bad []string
	d := &DocumentCounters{}
	d.Inserted = readCounter(doc[0], &bad, "metrics.document", "inserted")
	d.Returned = readCounter(doc[1], &bad, "metrics.document", "returned")
	d.Updated = readCounter(doc[2], &bad, "metrics.document", "updated")
	d.Deleted = readCounter(doc[3], &bad, "metrics.document", "deleted")
	if len(bad) > 0 {
		return nil
	}
	var qe [3]bson.RawValue
	var scans [1]bson.RawValue
	var op [2]bson.RawValue
	firstValues(inner(queryExecutor), []string{"scanned", "scannedObjects", "collectionScans"}, qe[:])
	firstValues(inner(qe[2]), []string{"total"}, scans[:])
	firstValues(inner(operation), []string{"scanAndOrder", "writeConflicts"}, op[:])
	d.KeysExamined, d.DocsExamined, d.CollectionScans = optCounter(qe[0]), optCounter(qe[1]), optCounter(scans[0])
	d.ScanAndOrder, d.WriteConflicts = optCounter(op[0]), optCounter(op[1])
	return d
}

// optCounter reads a cumulative counter a server may not report: nil when
// absent, not a number or negative.
func optCounter(v bson.RawValue) *int64 {
	n, ok := rawInt(v)
	if !ok || n < 0 {
		return nil
	}
	return &n
}

// documentRates turns two samples' document counters into rates; false
// when either lacks them or one went backwards. UpdateStatements is the
// same samples' opcounters.update, so the two read against each other.
func documentRates(prev, cur ServerStatus, dt time.Duration) (DocumentRates, bool) {
	p, c := prev.Documents, cur.Documents
	if p == nil || c == nil {
		return DocumentRates{}, false
	}
	var r DocumentRates
	pairs := []struct {
		p, c int64
		out  *float64
	}{{p.Inserted, c.Inserted, &r.Inserted}, {p.Returned, c.Returned, &r.Returned}, {p.Updated, c.Updated, &r.Updated},
		{p.Deleted, c.Deleted, &r.Deleted}, {prev.Opcounters.Update, cur.Opcounters.Update, &r.UpdateStatements}}
	for _, x := range pairs {
		v, ok := PerSecond(x.p, x.c, dt)
		if !ok {
			return DocumentRates{}, false
		}
		*x.out = v
	}
	r.KeysExamined, r.DocsExamined = optRate(p.KeysExamined, c.KeysExamined, dt), optRate(p.DocsExamined, c.DocsExamined, dt)
	r.CollectionScans = optRate(p.CollectionScans, c.CollectionScans, dt)
	r.ScanAndOrder, r.WriteConflicts = optRate(p.ScanAndOrder, c.ScanAndOrder, dt), optRate(p.WriteConflicts, c.WriteConflicts, dt)
	r.TTLDeleted = optRate(prev.TTLDeletedDocuments, cur.TTLDeletedDocuments, dt)
	return r, true
}

// optRate is the rate of an optional counter: nil unless both samples
// have it and it did not go backwards.
func optRate(prev, cur *int64, dt time.Duration) *float64 {
	if prev == nil || cur == nil {
		return nil
	}
	v, ok := PerSecond(*prev, *cur, dt)
	if !ok {
		return nil
	}
	return &v
}

// add sums two nodes' rates; an optional rate one of them lacks is
// unknown in the sum.
func (r DocumentRates) add(o DocumentRates) DocumentRates {
	sum := func(a, b *float64) *float64 {
		if a == nil || b == nil {
			return nil
		}
		v := *a + *b
		return &v
	}
	return DocumentRates{Inserted: r.Inserted + o.Inserted, Returned: r.Returned + o.Returned, Updated: r.Updated + o.Updated,
		Deleted: r.Deleted + o.Deleted, UpdateStatements: r.UpdateStatements + o.UpdateStatements,
		KeysExamined: sum(r.KeysExamined, o.KeysExamined), DocsExamined: sum(r.DocsExamined, o.DocsExamined),
		CollectionScans: sum(r.CollectionScans, o.CollectionScans), ScanAndOrder: sum(r.ScanAndOrder, o.ScanAndOrder),
		WriteConflicts: sum(r.WriteConflicts, o.WriteConflicts), TTLDeleted: sum(r.TTLDeleted, o.TTLDeleted)}
}

// dataPrimary says whether a node runs the statements against the
// documents of its share of the data: a shard's primary (not the config
// servers'), the replica set's primary, a standalone.
func dataPrimary(kind Kind, n Node) bool {
	switch kind {
	case KindSharded:
		return n.Role == RolePrimary && n.Shard != "" && n.Shard != "config"
	case KindReplicaSet:
		return n.Role == RolePrimary
	}
	return n.Role == RoleStandalone
}

// dataSet names the replica set (or shard) a data-bearing node belongs to,
// "" for mongos, config servers and standalones.
func dataSet(kind Kind, n Node) string {
	if n.Role == RoleMongos || n.Role == RoleConfig || n.Shard == "config" || kind == KindStandalone {
		return ""
	}
	return n.Set
}

// documentTotals builds Snapshot.Documents: every node's rates, the sum
// over the data primaries, and the updates their secondaries applied.
type documentTotals struct {
	nodes   map[string]DocumentRates
	cluster *DocumentRates
	counted map[string]bool // sets whose primary is in cluster
	why     string          // why cluster is unknown
}

func newDocumentTotals() *documentTotals {
	return &documentTotals{nodes: map[string]DocumentRates{}, counted: map[string]bool{}}
}

// missing records that a node has no document rates now.
func (t *documentTotals) missing(kind Kind, n Node, why string) {
	if dataPrimary(kind, n) && t.why == "" {
		t.why = n.Address + ": " + why
	}
}

func (t *documentTotals) add(kind Kind, n Node, r DocumentRates) {
	t.nodes[n.Address] = r
	if !dataPrimary(kind, n) {
		return
	}
	t.counted[n.Set] = true
	if t.cluster == nil {
		c := r
		t.cluster = &c
		return
	}
	*t.cluster = t.cluster.add(r)
}

// into puts the totals in the snapshot; repl are the nodes' opcountersRepl
// rates. With no node's document rates the stream is not available.
func (t *documentTotals) into(snap *Snapshot, repl map[string]Rates) {
	if len(t.nodes) == 0 {
		snap.NotAvailable["documents"] = cmp.Or(t.why, "rates need two samples")
		return
	}
	d := &DocumentStats{Nodes: t.nodes, Cluster: t.cluster}
	kind := snap.Deployment.Kind
	for _, n := range snap.Deployment.Nodes { // a set without a primary counted (an election) voids the sum
		if set := dataSet(kind, n); set != "" && !t.counted[set] && t.why == "" {
			t.why = set + " has no primary with fresh counters"
		}
	}
	if t.cluster == nil && t.why == "" {
		t.why = "no data-bearing primary reports its counters"
	}
	if t.why != "" {
		d.Cluster, d.ClusterWhy = nil, t.why
	}
	d.UpdatesApplied, d.UpdatesAppliedWhy = t.updatesApplied(snap, repl)
	snap.Documents = d
}

// updatesApplied sums, over the sets whose primary is counted, the update
// oplog entries their most caught-up secondary applies per second.
func (t *documentTotals) updatesApplied(snap *Snapshot, repl map[string]Rates) (*float64, string) {
	if snap.Deployment.Kind == KindStandalone {
		return nil, "a standalone has no oplog"
	}
	best := map[string]float64{}
	for _, n := range snap.Deployment.Nodes {
		if r, ok := repl[n.Address]; ok && n.Role == RoleSecondary && t.counted[n.Set] {
			best[n.Set] = max(best[n.Set], r.Update) // rates are never negative: 0 is a sound start
		}
	}
	sets := make([]string, 0, len(t.counted))
	for set := range t.counted {
		sets = append(sets, set)
	}
	sort.Strings(sets)
	sum := 0.0
	for _, set := range sets {
		v, ok := best[set]
		if !ok {
			return nil, fmt.Sprintf("%s: no secondary with a fresh opcountersRepl rate", set)
		}
		sum += v
	}
	if len(sets) == 0 {
		return nil, "no data-bearing primary reports its counters"
	}
	return &sum, ""
}
