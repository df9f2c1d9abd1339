package query

import (
	"slices"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type sortKey struct {
	parts []string
	desc  bool
}

// sortSpec is a parsed sort: field keys, or {$natural: ±1} alone.
type sortSpec struct {
	keys           []sortKey
	naturalReverse bool
}

func compileSort(spec bson.D) (sortSpec, error) {
	var s sortSpec
	for _, e := range spec {
		if d, ok := e.Value.(bson.D); ok && len(d) == 1 && d[0].Key == "$meta" {
			return s, badValue("$meta sort (%s) is not supported by the simulated cluster", Canonical(d[0].Value))
		}
		dir := 0.0
		if isNumber(e.Value) {
			dir = asFloat(e.Value)
		}
		if dir != 1 && dir != -1 {
			return s, location(15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")
		}
		if e.Key == "$natural" {
			s.naturalReverse = dir < 0
			continue
		}
		if e.Key == "" || strings.HasPrefix(e.Key, "$") {
			return s, badValue("FieldPath field names may not start with '$'. Consider using $getField or $setField.")
		}
		s.keys = append(s.keys, sortKey{parts: splitPath(e.Key), desc: dir < 0})
	}
	return s, nil
}

// sortValue is the value a document sorts by: for arrays, the smallest
// element ascending and the largest descending, as the server does.
func sortValue(doc bson.D, k sortKey) any {
	buf := getValuesBuf()
	defer putValuesBuf(buf)
	var best any = missing{}
	first := true
	consider := func(v any) {
		if first {
			best, first = v, false
			return
		}
		c := Compare(v, best)
		if (k.desc && c > 0) || (!k.desc && c < 0) {
			best = v
		}
	}
	*buf = docValues(doc, k.parts, (*buf)[:0])
	for _, v := range *buf {
		if arr := asArray(v); arr != nil {
			for _, e := range arr {
				consider(e)
			}
			if len(arr) == 0 && first {
				best = missing{}
			}
			continue
		}
		consider(v)
	}
	return best
}

// sortDocs returns a stably sorted copy; the input slice is not touched.
// keep > 0 says only the first keep documents are wanted (a $sort followed
// by $limit, or find's skip+limit): those are selected without sorting the rest.
func sortDocs(docs []bson.D, s sortSpec, keep int) []bson.D {
	if len(s.keys) == 0 {
		out := slices.Clone(docs)
		if s.naturalReverse {
			slices.Reverse(out)
		}
		return out
	}
	type keyed struct {
		idx  int
		vals []any
	}
	rows := make([]keyed, len(docs))
	vals := make([]any, len(docs)*len(s.keys))
	for i, d := range docs {
		row := vals[i*len(s.keys) : (i+1)*len(s.keys)]
		for j, k := range s.keys {
			row[j] = sortValue(d, k)
		}
		rows[i] = keyed{idx: i, vals: row}
	}
	// Ties fall back to input order, which makes the sort stable.
	cmp := func(a, b keyed) int {
		for j, k := range s.keys {
			c := Compare(a.vals[j], b.vals[j])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp3(a.idx, b.idx)
	}
	if keep > 0 && keep < len(rows) {
		top := make([]keyed, 0, keep+1)
		for _, r := range rows {
			if len(top) == keep && cmp(r, top[keep-1]) >= 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(top, r, cmp)
			top = slices.Insert(top, i, r)
			if len(top) > keep {
				top = top[:keep]
			}
		}
		rows = top
	} else {
		slices.SortFunc(rows, cmp)
	}
	out := make([]bson.D, len(rows))
	for i := range rows {
		out[i] = docs[rows[i].idx]
	}
	return out
}

// valuesBufs recycles the small slices queryValues fills, so matching and
// sorting ten thousand documents does not allocate for each of them.
var valuesBufs = sync.Pool{New: func() any { b := make([]any, 0, 8); return &b }}

func getValuesBuf() *[]any { return valuesBufs.Get().(*[]any) }

func putValuesBuf(b *[]any) {
	clear(*b)
	*b = (*b)[:0]
	valuesBufs.Put(b)
}
