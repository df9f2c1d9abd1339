package simcluster

import (
	"errors"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/query"
)

// The query engine the CRUD commands use.
var (
	qMatch     = query.Match
	qFind      = query.Find
	qAggregate = query.Aggregate
	qUpdate    = query.Update
)

// queryReply turns a query engine error into the server's error shape.
// queryError is a refusal the simulator makes itself, in the server's shape.
type queryError struct {
	code     int32
	codeName string
	msg      string
}

func (e *queryError) Error() string { return e.msg }

func queryReply(err error) bson.D {
	var e *query.Error
	if errors.As(err, &e) {
		return errorReply(e.Code, e.CodeName, e.Msg)
	}
	var qe *queryError
	if errors.As(err, &qe) {
		return errorReply(qe.code, qe.codeName, qe.msg)
	}
	return errorReply(2, "BadValue", err.Error())
}

func cursorReply(ns string, docs []bson.D) bson.D {
	batch := make(bson.A, 0, len(docs))
	for _, d := range docs {
		batch = append(batch, d)
	}
	return bson.D{{Key: "cursor", Value: bson.D{{Key: "firstBatch", Value: batch}, {Key: "id", Value: int64(0)}, {Key: "ns", Value: ns}}}}
}

func docField(body bson.Raw, key string) bson.D {
	v, err := body.LookupErr(key)
	if err != nil || v.Type != bson.TypeEmbeddedDocument {
		return nil
	}
	var d bson.D
	if bson.Unmarshal(v.Document(), &d) != nil {
		return nil
	}
	return d
}

func intField(body bson.Raw, key string) int64 {
	v, _ := body.Lookup(key).AsInt64OK()
	return v
}

// readNamespace copies a collection's documents under the lock.
func (n *node) readNamespace(db, coll string) (namespace, bool) {
	now := n.c.cfg.Now()
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	ns, ok := n.namespaceLocked(db, coll, now)
	ns.docs = append([]bson.D(nil), ns.docs...)
	return ns, ok
}

func cmdFind(n *node, r *request) bson.D {
	coll := stringField(r.body, "find")
	ns, _ := n.readNamespace(r.db, coll)
	sortSpec := docField(r.body, "sort")
	docs := ns.docs
	// $natural is insertion order; -1 reads it backwards (oplog's newest entry).
	var rest bson.D
	for _, e := range sortSpec {
		if e.Key == "$natural" {
			if f, _ := toFloat(e.Value); f < 0 {
				rev := make([]bson.D, len(docs))
				for i, d := range docs {
					rev[len(docs)-1-i] = d
				}
				docs = rev
			}
			continue
		}
		rest = append(rest, e)
	}
	limit := intField(r.body, "limit")
	if limit < 0 {
		limit = -limit
	}
	out, err := qFind(docs, docField(r.body, "filter"), rest, docField(r.body, "projection"), intField(r.body, "skip"), limit)
	if err != nil {
		return queryReply(err)
	}
	return cursorReply(r.db+"."+coll, out)
}

func cmdCount(n *node, r *request) bson.D {
	ns, _ := n.readNamespace(r.db, stringField(r.body, "count"))
	out, err := qFind(ns.docs, docField(r.body, "query"), nil, nil, 0, 0)
	if err != nil {
		return queryReply(err)
	}
	return bson.D{{Key: "n", Value: int32(len(out))}}
}

// Every cursor is answered in its first batch, so getMore only meets
// cursors that no longer exist.
func cmdGetMore(n *node, r *request) bson.D {
	id, _ := r.body.Lookup("getMore").AsInt64OK()
	return errorReply(43, "CursorNotFound", "cursor id "+strconv.FormatInt(id, 10)+" not found")
}

func cmdKillCursors(n *node, r *request) bson.D {
	killed := bson.A{}
	if arr, ok := r.body.Lookup("cursors").ArrayOK(); ok {
		vals, _ := arr.Values()
		for _, v := range vals {
			id, _ := v.AsInt64OK()
			killed = append(killed, id)
		}
	}
	return bson.D{{Key: "cursorsKilled", Value: bson.A{}}, {Key: "cursorsNotFound", Value: killed}, {Key: "cursorsAlive", Value: bson.A{}}, {Key: "cursorsUnknown", Value: bson.A{}}}
}

// cmdUpdate applies updates to config.settings (balancer control and the
// active window); other collections accept and ignore writes.
func cmdUpdate(n *node, r *request) bson.D {
	coll := stringField(r.body, "update")
	arr, _ := r.body.Lookup("updates").ArrayOK()
	vals, _ := arr.Values()
	matched, modified := int32(0), int32(0)
	var upserted bson.A
	for i, v := range vals {
		spec, ok := v.DocumentOK()
		if !ok {
			continue
		}
		q, u := docField(spec, "q"), docField(spec, "u")
		upsert, _ := spec.Lookup("upsert").BooleanOK()
		if !n.holdsBalancerSettings(r.db, coll) {
			continue
		}
		res, err := n.updateSettings(q, u, upsert)
		if err != nil {
			return queryReply(err)
		}
		matched += res.matched
		modified += res.modified
		if res.upsertedID != nil {
			upserted = append(upserted, bson.D{{Key: "index", Value: int32(i)}, {Key: "_id", Value: res.upsertedID}})
		}
	}
	reply := bson.D{{Key: "n", Value: matched + int32(len(upserted))}, {Key: "nModified", Value: modified}}
	if len(upserted) > 0 {
		reply = append(reply, bson.E{Key: "upserted", Value: upserted})
	}
	return reply
}

// holdsBalancerSettings says whether db.coll on this node is the
// config.settings the balancer reads: on the mongos (which routes to the
// config servers) and the config servers. A shard's own config.settings is
// just a collection.
func (n *node) holdsBalancerSettings(db, coll string) bool {
	return db == "config" && coll == "settings" && n.c.bal != nil && (n.kind == kindMongos || n.kind == kindConfig)
}

// cmdFindAndModify updates the balancer document like cmdUpdate and returns
// it (before, or after with new: true); elsewhere it matches nothing.
func cmdFindAndModify(n *node, r *request) bson.D {
	coll := stringField(r.body, "findAndModify")
	if coll == "" {
		coll = stringField(r.body, "findandmodify")
	}
	q, u := docField(r.body, "query"), docField(r.body, "update")
	upsert, _ := r.body.Lookup("upsert").BooleanOK()
	wantNew, _ := r.body.Lookup("new").BooleanOK()
	if remove, _ := r.body.Lookup("remove").BooleanOK(); remove || !n.holdsBalancerSettings(r.db, coll) {
		return bson.D{{Key: "lastErrorObject", Value: bson.D{{Key: "n", Value: int32(0)}, {Key: "updatedExisting", Value: false}}}, {Key: "value", Value: nil}}
	}
	res, err := n.updateSettings(q, u, upsert)
	if err != nil {
		return queryReply(err)
	}
	lastErr := bson.D{{Key: "n", Value: res.matched}, {Key: "updatedExisting", Value: res.matched > 0}}
	if res.upsertedID != nil {
		lastErr = bson.D{{Key: "n", Value: int32(1)}, {Key: "updatedExisting", Value: false}, {Key: "upserted", Value: res.upsertedID}}
	}
	var value any
	if res.matched > 0 {
		value = res.before
		if wantNew {
			value = res.after
		}
	}
	return bson.D{{Key: "lastErrorObject", Value: lastErr}, {Key: "value", Value: value}}
}

// settingsUpdate is what an update of the balancer document did.
type settingsUpdate struct {
	matched, modified int32
	upsertedID        any
	before, after     bson.D // the document before and after, when matched
}

// updateSettings updates the balancer document; other settings documents
// are not modelled and an upsert of one is acknowledged and dropped.
func (n *node) updateSettings(q, u bson.D, upsert bool) (settingsUpdate, error) {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bal.advanceLocked(now)
	ok, err := qMatch(c.bal.settings, q)
	if err != nil || !ok {
		var res settingsUpdate
		if err == nil && upsert {
			res.upsertedID, _ = lookupPath(q, "_id")
		}
		return res, err
	}
	next, err := qUpdate(c.bal.settings, u)
	if err != nil {
		return settingsUpdate{}, err
	}
	before := c.bal.settings
	c.bal.settings = next
	return settingsUpdate{matched: 1, modified: 1, before: before, after: next}, nil
}

func cmdInsert(n *node, r *request) bson.D {
	arr, _ := r.body.Lookup("documents").ArrayOK()
	vals, _ := arr.Values()
	return bson.D{{Key: "n", Value: int32(len(vals))}}
}

func cmdDelete(n *node, r *request) bson.D {
	return bson.D{{Key: "n", Value: int32(0)}}
}
