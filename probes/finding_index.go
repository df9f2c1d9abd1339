package probes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The candidate index of a collection scan, by the ESR (Equality, Sort,
// Range) guideline (MongoDB manual, "The ESR (Equality, Sort, Range)
// Guideline"): equality fields first, then the sort fields in the sort's
// order and directions, then range fields. In that guideline $ne, $nin and
// $regex are range operators; $in alone is a series of equality matches,
// but acts like a range when the query also sorts. A $or is served only
// when every clause has an index of its own (manual, "$or Clauses and
// Indexes"), so each clause gets its own candidate.

// IndexKey is one field of an index and its direction (1 or -1).
type IndexKey struct {
	Field string `json:"field"`
	Dir   int    `json:"dir"`
}

// QueryShape is which fields a query matches by equality, by $in, bounds
// by a range and sorts on; each $or clause apart.
type QueryShape struct {
	Equality []string     `json:"equality,omitempty"`
	In       []string     `json:"in,omitempty"`
	Range    []string     `json:"range,omitempty"`
	Sort     []IndexKey   `json:"sort,omitempty"`
	Or       []QueryShape `json:"or,omitempty"`
}

// maxIndexKeys is MongoDB's limit on the fields of a compound index.
const maxIndexKeys = 32

// ParseQueryShape reads the filter and sort of a command as $currentOp
// shows it (relaxed extended JSON: find, aggregate's leading $match and
// $sort, count, distinct, findAndModify, update and delete statements).
// coll is the collection the command names ("" when it names none); ok is
// false when the command cannot be read (truncated, not a query).
func ParseQueryShape(command string) (coll string, q QueryShape, ok bool) {
	var doc bson.D
	if command == "" || bson.UnmarshalExtJSON([]byte(command), false, &doc) != nil || len(doc) == 0 {
		return "", QueryShape{}, false
	}
	coll, _ = doc[0].Value.(string)
	filter, sortDoc, ok := queryParts(doc)
	if !ok {
		return coll, QueryShape{}, false
	}
	q.addFilter(filter)
	for _, e := range sortDoc {
		if dir, ok := direction(e.Value); ok {
			q.Sort = append(q.Sort, IndexKey{Field: e.Key, Dir: dir})
		}
	}
	return coll, q, true
}

// queryParts finds a command's filter and sort.
func queryParts(doc bson.D) (filter, sortDoc bson.D, ok bool) {
	switch strings.ToLower(doc[0].Key) {
	case "find":
		return docField(doc, "filter"), docField(doc, "sort"), true
	case "aggregate":
		return pipelineParts(doc)
	case "count", "distinct":
		return docField(doc, "query"), nil, true
	case "findandmodify":
		return docField(doc, "query"), docField(doc, "sort"), true
	case "update", "delete":
		key := map[string]string{"update": "updates", "delete": "deletes"}[strings.ToLower(doc[0].Key)]
		if stmts := docsOf(fieldValue(doc, key)); len(stmts) > 0 {
			return docField(stmts[0], "q"), nil, true
		}
		return nil, nil, false
	}
	// One statement of an update or delete, as $currentOp shows it.
	if q, found := fieldValue(doc, "q").(bson.D); found {
		return q, nil, true
	}
	return nil, nil, false
}

// pipelineParts reads the leading $match and $sort stages of a pipeline:
// only those can use an index.
func pipelineParts(doc bson.D) (filter, sortDoc bson.D, ok bool) {
	stages := docsOf(fieldValue(doc, "pipeline"))
	if stages == nil {
		return nil, nil, false
	}
	for _, st := range stages {
		if len(st) == 0 {
			break
		}
		if m, isDoc := st[0].Value.(bson.D); isDoc && st[0].Key == "$match" {
			filter = append(filter, bson.E{Key: "$and", Value: bson.A{m}})
			continue
		}
		if s, isDoc := st[0].Value.(bson.D); isDoc && st[0].Key == "$sort" && sortDoc == nil {
			sortDoc = s
			continue
		}
		break
	}
	return filter, sortDoc, true
}

func (q *QueryShape) addFilter(filter bson.D) {
	for _, e := range filter {
		switch {
		case e.Key == "$and":
			for _, sub := range docsOf(e.Value) {
				q.addFilter(sub)
			}
		case e.Key == "$or":
			for _, sub := range docsOf(e.Value) {
				var clause QueryShape
				clause.addFilter(sub)
				q.Or = append(q.Or, clause)
			}
		case strings.HasPrefix(e.Key, "$"):
			// $expr, $text, $where, $nor, $comment: no ESR index serves them.
		default:
			q.addField(e.Key, e.Value)
		}
	}
}

type predicate int

const (
	predNone predicate = iota // no B-tree index helps (geo, $size, $where)
	predRange
	predIn
	predEquality
)

func (q *QueryShape) addField(field string, v any) {
	switch predicateOf(v) {
	case predEquality:
		q.Equality = appendNew(q.Equality, field)
	case predIn:
		q.In = appendNew(q.In, field)
	case predRange:
		q.Range = appendNew(q.Range, field)
	}
}

// predicateOf classifies one field's condition; the strongest operator in
// it decides ({$gte: a, $lt: b} is a range, {$eq: x, $ne: y} an equality).
func predicateOf(v any) predicate {
	switch x := v.(type) {
	case bson.Regex:
		return predRange
	case bson.D:
		if len(x) == 0 || !strings.HasPrefix(x[0].Key, "$") {
			return predEquality // an embedded document matched whole
		}
		best := predNone
		for _, op := range x {
			best = max(best, operatorPredicate(op))
		}
		return best
	}
	return predEquality
}

func operatorPredicate(op bson.E) predicate {
	switch op.Key {
	case "$eq", "$all", "$elemMatch":
		return predEquality
	case "$in":
		if a, ok := op.Value.(bson.A); ok && len(a) == 1 {
			return predEquality
		}
		return predIn
	case "$near", "$nearSphere", "$geoWithin", "$geoIntersects", "$size", "$options":
		return predNone
	}
	return predRange // $gt $gte $lt $lte $ne $nin $regex $exists $type $mod $not…
}

// Candidates are the indexes the ESR guideline suggests: one for a plain
// query, one per clause of a $or (each with the fields outside the $or).
func (q QueryShape) Candidates() [][]IndexKey {
	if len(q.Or) == 0 {
		if keys := q.esr(); len(keys) > 0 {
			return [][]IndexKey{keys}
		}
		return nil
	}
	var out [][]IndexKey
	seen := map[string]bool{}
	for _, clause := range q.Or {
		merged := QueryShape{Equality: concatNew(q.Equality, clause.Equality), In: concatNew(q.In, clause.In),
			Range: concatNew(q.Range, clause.Range), Sort: q.Sort}
		keys := merged.esr()
		if id := fmt.Sprint(keys); len(keys) > 0 && !seen[id] {
			seen[id] = true
			out = append(out, keys)
		}
	}
	return out
}

// esr orders the fields: equality (and $in without a sort), sort, range
// (and $in with a sort); a field keeps its first place only.
func (q QueryShape) esr() []IndexKey {
	var keys []IndexKey
	placed := map[string]bool{}
	add := func(f string, dir int) {
		if !placed[f] && len(keys) < maxIndexKeys {
			placed[f] = true
			keys = append(keys, IndexKey{Field: f, Dir: dir})
		}
	}
	sorted := len(q.Sort) > 0
	for _, f := range q.Equality {
		add(f, 1)
	}
	if !sorted {
		for _, f := range q.In {
			add(f, 1)
		}
	}
	for _, k := range q.Sort {
		add(k.Field, k.Dir)
	}
	if sorted {
		for _, f := range q.In {
			add(f, 1)
		}
	}
	for _, f := range q.Range {
		add(f, 1)
	}
	return keys
}

// Empty says the query has no filter and no sort (a whole-collection read:
// no index avoids it).
func (q QueryShape) Empty() bool {
	return len(q.Equality)+len(q.In)+len(q.Range)+len(q.Sort) == 0 && len(q.Or) == 0
}

// String is the shape in a line: {status: eq, created: range} sort {created: -1}.
func (q QueryShape) String() string {
	var parts []string
	for _, list := range []struct {
		fields []string
		word   string
	}{{q.Equality, "eq"}, {q.In, "in"}, {q.Range, "range"}} {
		for _, f := range list.fields {
			parts = append(parts, printable(f, 60)+": "+list.word)
		}
	}
	out := "{" + strings.Join(parts, ", ") + "}"
	if len(q.Or) > 0 {
		clauses := make([]string, len(q.Or))
		for i, c := range q.Or {
			clauses[i] = c.String()
		}
		out += " or [" + strings.Join(clauses, " | ") + "]"
	}
	if len(q.Sort) > 0 {
		out += " sort " + keysText(q.Sort)
	}
	return out
}

// keysText writes index keys as mongosh reads them: { status: 1, "a.b": -1 }.
func keysText(keys []IndexKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fieldName(k.Field) + ": " + fmt.Sprint(k.Dir)
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// fieldName quotes a field name unless it is a plain identifier.
func fieldName(f string) string {
	if identifier.MatchString(f) {
		return f
	}
	return jsString(f)
}

// jsString quotes text for the shell: every control character escaped.
func jsString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// CreateIndexCommand is the mongosh command that builds keys on ns. It is
// a suggestion to review; mongoscope never runs it.
func CreateIndexCommand(ns string, keys []IndexKey) string {
	db, coll, _ := strings.Cut(ns, ".")
	return fmt.Sprintf("db.getSiblingDB(%s).getCollection(%s).createIndex(%s)", jsString(db), jsString(coll), keysText(keys))
}

func direction(v any) (int, bool) {
	var f float64
	switch x := v.(type) {
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return 0, false // {$meta: "textScore"}: not an index order
	}
	if f < 0 {
		return -1, true
	}
	return 1, true
}

func fieldValue(doc bson.D, key string) any {
	for _, e := range doc {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

func docField(doc bson.D, key string) bson.D {
	d, _ := fieldValue(doc, key).(bson.D)
	return d
}

// docsOf reads an array of documents; nil when v is not an array.
func docsOf(v any) []bson.D {
	a, ok := v.(bson.A)
	if !ok {
		return nil
	}
	out := make([]bson.D, 0, len(a))
	for _, x := range a {
		if d, ok := x.(bson.D); ok {
			out = append(out, d)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func concatNew(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		out = appendNew(out, s)
	}
	return out
}
