package simcluster

// A stopgap query engine until package query lands: equality and the
// comparison operators, $in, $exists, $or/$and, dotted paths, one-key
// sorts, and the $match/$sort/$skip/$limit/$count/$group($sum)/$project
// stages. Everything else fails honestly.

import (
	"fmt"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

type queryError struct {
	code     int32
	codeName string
	msg      string
}

func (e *queryError) Error() string { return e.msg }

func badValue(format string, a ...any) error {
	return &queryError{code: 2, codeName: "BadValue", msg: fmt.Sprintf(format, a...)}
}

func toRaw(v any) bson.RawValue {
	t, data, err := bson.MarshalValue(v)
	if err != nil {
		return bson.RawValue{}
	}
	return bson.RawValue{Type: t, Value: data}
}

func lookupPath(doc bson.D, path string) (any, bool) {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		d, ok := cur.(bson.D)
		if !ok {
			return nil, false
		}
		found := false
		for _, e := range d {
			if e.Key == part {
				cur, found = e.Value, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return cur, true
}

// compareValues orders numbers by value, strings, dates and timestamps by
// value, and anything else by canonical extended JSON.
func compareValues(a, b any) int {
	fa, aNum := toFloat(a)
	fb, bNum := toFloat(b)
	if aNum && bNum {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	if ra, rb := typeRank(a), typeRank(b); ra != rb {
		return compareInt(int64(ra), int64(rb))
	}
	switch x := a.(type) {
	case bson.D:
		y, _ := b.(bson.D)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := strings.Compare(x[i].Key, y[i].Key); c != 0 {
				return c
			}
			if c := compareValues(x[i].Value, y[i].Value); c != 0 {
				return c
			}
		}
		return compareInt(int64(len(x)), int64(len(y)))
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case bson.DateTime:
		if y, ok := b.(bson.DateTime); ok {
			return compareInt(int64(x), int64(y))
		}
	case bson.Timestamp:
		if y, ok := b.(bson.Timestamp); ok {
			if x.T != y.T {
				return compareInt(int64(x.T), int64(y.T))
			}
			return compareInt(int64(x.I), int64(y.I))
		}
	case bool:
		if y, ok := b.(bool); ok && x != y {
			if x {
				return 1
			}
			return -1
		}
		return 0
	}
	return strings.Compare(toRaw(a).String(), toRaw(b).String())
}

// typeRank is BSON's cross-type sort order (MinKey < numbers < strings <
// documents < … < MaxKey), coarsely.
func typeRank(v any) int {
	switch v.(type) {
	case bson.MinKey:
		return 0
	case nil:
		return 1
	case int32, int64, float64, int:
		return 2
	case string:
		return 3
	case bson.D:
		return 4
	case bson.A:
		return 5
	case bson.Binary:
		return 6
	case bson.ObjectID:
		return 7
	case bool:
		return 8
	case bson.DateTime:
		return 9
	case bson.Timestamp:
		return 10
	case bson.MaxKey:
		return 12
	}
	return 11
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func liteMatch(doc, filter bson.D) (bool, error) {
	for _, e := range filter {
		ok, err := matchElem(doc, e)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func matchElem(doc bson.D, e bson.E) (bool, error) {
	switch e.Key {
	case "$or", "$and", "$nor":
		arr, _ := e.Value.(bson.A)
		any, all := false, true
		for _, sub := range arr {
			sd, _ := sub.(bson.D)
			ok, err := liteMatch(doc, sd)
			if err != nil {
				return false, err
			}
			any = any || ok
			all = all && ok
		}
		return map[string]bool{"$or": any, "$and": all, "$nor": !any}[e.Key], nil
	}
	val, present := lookupPath(doc, e.Key)
	ops, isOps := e.Value.(bson.D)
	if !isOps || len(ops) == 0 || !strings.HasPrefix(ops[0].Key, "$") {
		return present && compareValues(val, e.Value) == 0, nil
	}
	for _, op := range ops {
		ok, err := applyOp(val, present, op)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func applyOp(val any, present bool, op bson.E) (bool, error) {
	switch op.Key {
	case "$exists":
		want := truthy(op.Value)
		return present == want, nil
	case "$eq":
		return present && compareValues(val, op.Value) == 0, nil
	case "$ne":
		return !present || compareValues(val, op.Value) != 0, nil
	case "$gt", "$gte", "$lt", "$lte":
		if !present {
			return false, nil
		}
		c := compareValues(val, op.Value)
		return map[string]bool{"$gt": c > 0, "$gte": c >= 0, "$lt": c < 0, "$lte": c <= 0}[op.Key], nil
	case "$in", "$nin":
		arr, _ := op.Value.(bson.A)
		in := false
		for _, x := range arr {
			if present && compareValues(val, x) == 0 {
				in = true
			}
		}
		return in == (op.Key == "$in"), nil
	}
	return false, badValue("unknown operator: %s", op.Key)
}

func truthy(v any) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	f, ok := toFloat(v)
	return ok && f != 0
}

func liteSort(docs []bson.D, spec bson.D) {
	sort.SliceStable(docs, func(i, j int) bool {
		for _, k := range spec {
			a, _ := lookupPath(docs[i], k.Key)
			b, _ := lookupPath(docs[j], k.Key)
			c := compareValues(a, b)
			if f, _ := toFloat(k.Value); f < 0 {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
}

func liteFind(docs []bson.D, filter, sortSpec, projection bson.D, skip, limit int64) ([]bson.D, error) {
	var out []bson.D
	for _, d := range docs {
		ok, err := liteMatch(d, filter)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	liteSort(out, sortSpec)
	if skip > 0 {
		out = out[min(int(skip), len(out)):]
	}
	if limit > 0 && int(limit) < len(out) {
		out = out[:limit]
	}
	return liteProject(out, projection), nil
}

func liteProject(docs []bson.D, proj bson.D) []bson.D {
	if len(proj) == 0 {
		return docs
	}
	keepID := true
	for _, k := range proj {
		if k.Key == "_id" && !truthy(k.Value) {
			if _, isNum := toFloat(k.Value); isNum {
				keepID = false
			}
		}
	}
	if isExclusion(proj) {
		return excludeFields(docs, proj)
	}
	out := make([]bson.D, 0, len(docs))
	for _, d := range docs {
		var p bson.D
		if id, ok := lookupPath(d, "_id"); ok && keepID && lookupD(proj, "_id") == nil {
			p = append(p, bson.E{Key: "_id", Value: id})
		}
		for _, k := range proj {
			switch v := k.Value.(type) {
			case string, bson.D:
				if x, ok := evalExpr(d, v); ok {
					p = append(p, bson.E{Key: k.Key, Value: x})
				}
			default:
				if x, ok := lookupPath(d, k.Key); ok && truthy(v) && (k.Key != "_id" || keepID) {
					p = append(p, bson.E{Key: k.Key, Value: x})
				}
			}
		}
		out = append(out, p)
	}
	return out
}

func isExclusion(proj bson.D) bool {
	for _, k := range proj {
		if _, isNum := toFloat(k.Value); !isNum {
			if _, isBool := k.Value.(bool); !isBool {
				return false
			}
		}
		if k.Key != "_id" && truthy(k.Value) {
			return false
		}
	}
	return true
}

func excludeFields(docs []bson.D, proj bson.D) []bson.D {
	out := make([]bson.D, 0, len(docs))
	for _, d := range docs {
		var p bson.D
		for _, e := range d {
			if lookupD(proj, e.Key) == nil {
				p = append(p, e)
			}
		}
		out = append(out, p)
	}
	return out
}

// evalExpr evaluates "$path" and {$ifNull: [expr, default]}.
func evalExpr(doc bson.D, e any) (any, bool) {
	switch v := e.(type) {
	case string:
		if strings.HasPrefix(v, "$") {
			return lookupPath(doc, v[1:])
		}
		return v, true
	case bson.D:
		if len(v) == 1 && v[0].Key == "$ifNull" {
			args, _ := v[0].Value.(bson.A)
			for _, a := range args {
				if x, ok := evalExpr(doc, a); ok && x != nil {
					return x, true
				}
			}
			return nil, true
		}
		return v, true
	}
	return e, true
}

func liteAggregate(docs []bson.D, pipeline []bson.D) ([]bson.D, error) {
	cur := docs
	for _, stage := range pipeline {
		if len(stage) != 1 {
			return nil, badValue("A pipeline stage specification object must contain exactly one field.")
		}
		arg, _ := stage[0].Value.(bson.D)
		var err error
		switch stage[0].Key {
		case "$match":
			cur, err = liteFind(cur, arg, nil, nil, 0, 0)
		case "$sort":
			cur = append([]bson.D(nil), cur...)
			liteSort(cur, arg)
		case "$limit", "$skip":
			n, _ := toFloat(stage[0].Value)
			if stage[0].Key == "$limit" {
				cur, err = liteFind(cur, nil, nil, nil, 0, int64(n))
			} else {
				cur, err = liteFind(cur, nil, nil, nil, int64(n), 0)
			}
		case "$count":
			name, _ := stage[0].Value.(string)
			if len(cur) > 0 { // like the server, $count of nothing is no document
				cur = []bson.D{{{Key: name, Value: int32(len(cur))}}}
			}
		case "$project":
			cur = liteProject(cur, arg)
		case "$group":
			cur, err = liteGroup(cur, arg)
		default:
			return nil, &queryError{code: 40324, codeName: "Location40324", msg: "Unrecognized pipeline stage name: '" + stage[0].Key + "'"}
		}
		if err != nil {
			return nil, err
		}
	}
	return cur, nil
}

func liteGroup(docs []bson.D, spec bson.D) ([]bson.D, error) {
	var idExpr any
	var accs bson.D
	for _, e := range spec {
		if e.Key == "_id" {
			idExpr = e.Value
		} else {
			accs = append(accs, e)
		}
	}
	type group struct {
		id   any
		sums []float64
	}
	var groups []*group
	index := map[string]*group{}
	for _, d := range docs {
		id := idExpr
		if s, ok := idExpr.(string); ok && strings.HasPrefix(s, "$") {
			id, _ = lookupPath(d, s[1:])
		}
		key := toRaw(id).String()
		g := index[key]
		if g == nil {
			g = &group{id: id, sums: make([]float64, len(accs))}
			index[key] = g
			groups = append(groups, g)
		}
		for i, a := range accs {
			op, _ := a.Value.(bson.D)
			if len(op) != 1 || op[0].Key != "$sum" {
				return nil, badValue("unsupported accumulator in simulator: %v", a.Value)
			}
			v := op[0].Value
			if s, ok := v.(string); ok && strings.HasPrefix(s, "$") {
				v, _ = lookupPath(d, s[1:])
			}
			f, _ := toFloat(v)
			g.sums[i] += f
		}
	}
	out := make([]bson.D, 0, len(groups))
	for _, g := range groups {
		d := bson.D{{Key: "_id", Value: g.id}}
		for i, a := range accs {
			d = append(d, bson.E{Key: a.Key, Value: int32(g.sums[i])})
		}
		out = append(out, d)
	}
	return out, nil
}

func liteUpdate(doc, update bson.D) (bson.D, error) {
	if len(update) == 0 || !strings.HasPrefix(update[0].Key, "$") {
		out := bson.D{}
		if id, ok := lookupPath(doc, "_id"); ok {
			out = append(out, bson.E{Key: "_id", Value: id})
		}
		for _, e := range update {
			if e.Key != "_id" {
				out = append(out, e)
			}
		}
		return out, nil
	}
	out := append(bson.D(nil), doc...)
	for _, op := range update {
		fields, _ := op.Value.(bson.D)
		for _, f := range fields {
			switch op.Key {
			case "$set":
				out = setD(out, f.Key, f.Value)
			case "$unset":
				kept := out[:0:0]
				for _, e := range out {
					if e.Key != f.Key {
						kept = append(kept, e)
					}
				}
				out = kept
			default:
				return nil, badValue("unsupported update operator in simulator: %s", op.Key)
			}
		}
	}
	return out, nil
}
