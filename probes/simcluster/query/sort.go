package query

import (
	"slices"
	"strings"

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
	var buf [4]any
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
	for _, v := range queryValues(doc, k.parts, buf[:0]) {
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
func sortDocs(docs []bson.D, s sortSpec) []bson.D {
	out := slices.Clone(docs)
	if len(s.keys) == 0 {
		if s.naturalReverse {
			slices.Reverse(out)
		}
		return out
	}
	type keyed struct {
		doc  bson.D
		vals []any
	}
	rows := make([]keyed, len(out))
	vals := make([]any, len(out)*len(s.keys))
	for i, d := range out {
		row := vals[i*len(s.keys) : (i+1)*len(s.keys)]
		for j, k := range s.keys {
			row[j] = sortValue(d, k)
		}
		rows[i] = keyed{doc: d, vals: row}
	}
	slices.SortStableFunc(rows, func(a, b keyed) int {
		for j, k := range s.keys {
			c := Compare(a.vals[j], b.vals[j])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	for i := range rows {
		out[i] = rows[i].doc
	}
	return out
}
