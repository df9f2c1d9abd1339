package query

import (
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// accumulator folds one group's values; result gives the output value.
type accumulator interface {
	add(v any)
	result() any
}

type accumulatorField struct {
	name  string
	value expr
	make  func() accumulator
}

var accumulators = map[string]func() accumulator{
	"$sum":      func() accumulator { return &sumAcc{total: int32(0)} },
	"$avg":      func() accumulator { return &avgAcc{} },
	"$min":      func() accumulator { return &extremeAcc{sign: -1} },
	"$max":      func() accumulator { return &extremeAcc{sign: 1} },
	"$first":    func() accumulator { return &firstAcc{} },
	"$last":     func() accumulator { return &lastAcc{} },
	"$push":     func() accumulator { return &pushAcc{list: bson.A{}} },
	"$addToSet": func() accumulator { return &setAcc{list: bson.A{}, seen: map[string]bool{}} },
	"$count":    func() accumulator { return &sumAcc{total: int32(0), countOnly: true} },
}

func groupStage(arg any) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, location(15947, "a group's fields must be specified in an object")
	}
	var idExpr expr
	var fields []accumulatorField
	for _, e := range d {
		if e.Key == "_id" {
			c, err := compileExpr(e.Value)
			if err != nil {
				return nil, err
			}
			idExpr = c
			continue
		}
		if strings.Contains(e.Key, ".") {
			return nil, location(40235, "The field name '%s' cannot contain '.'", e.Key)
		}
		if strings.HasPrefix(e.Key, "$") {
			return nil, location(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.")
		}
		spec, isDoc := e.Value.(bson.D)
		if !isDoc || len(spec) != 1 {
			return nil, location(40234, "The field '%s' must be an accumulator object", e.Key)
		}
		mk, known := accumulators[spec[0].Key]
		if !known {
			return nil, location(15952, "unknown group operator '%s'", spec[0].Key)
		}
		c, err := compileExpr(spec[0].Value)
		if err != nil {
			return nil, err
		}
		fields = append(fields, accumulatorField{name: e.Key, value: c, make: mk})
	}
	if idExpr == nil {
		return nil, location(15955, "a group specification must include an _id")
	}
	return func(docs []bson.D, c *evalCtx) ([]bson.D, error) {
		return runGroup(docs, c, idExpr, fields)
	}, nil
}

type group struct {
	id   any
	accs []accumulator
}

// runGroup keeps groups in first-seen order so output is deterministic
// (a server's order is unspecified, so clients cannot rely on it anyway).
func runGroup(docs []bson.D, c *evalCtx, idExpr expr, fields []accumulatorField) ([]bson.D, error) {
	index := map[string]int{}
	var groups []*group
	for _, d := range docs {
		c.root = d
		id, err := idExpr(c)
		if err != nil {
			return nil, err
		}
		if _, m := id.(missing); m {
			id = nil
		}
		key := groupKey(id)
		i, seen := index[key]
		if !seen {
			g := &group{id: id, accs: make([]accumulator, len(fields))}
			for j, f := range fields {
				g.accs[j] = f.make()
			}
			i = len(groups)
			index[key] = i
			groups = append(groups, g)
		}
		for j, f := range fields {
			v, err := f.value(c)
			if err != nil {
				return nil, err
			}
			groups[i].accs[j].add(v)
		}
	}
	out := make([]bson.D, len(groups))
	for i, g := range groups {
		row := make(bson.D, 0, len(fields)+1)
		row = append(row, bson.E{Key: "_id", Value: g.id})
		for j, f := range fields {
			row = append(row, bson.E{Key: f.name, Value: g.accs[j].result()})
		}
		out[i] = row
	}
	return out, nil
}

// groupKey is a string equal for values the server groups together:
// numbers by value whatever their type, everything else by type and value.
func groupKey(v any) string {
	var b strings.Builder
	writeGroupKey(&b, v)
	return b.String()
}

func writeGroupKey(b *strings.Builder, v any) {
	b.WriteString(strconv.Itoa(typeRank(v)))
	b.WriteByte(':')
	switch {
	case isNumber(v):
		if i, ok := asInt64(v); ok {
			b.WriteString(strconv.FormatInt(i, 10))
			return
		}
		f := asFloat(v)
		if f == math.Trunc(f) && math.Abs(f) < 9e18 {
			b.WriteString(strconv.FormatInt(int64(f), 10))
			return
		}
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	case isDoc(v):
		b.WriteByte('{')
		for _, e := range asDoc(v) {
			b.WriteString(strconv.Quote(e.Key))
			writeGroupKey(b, e.Value)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case isArray(v):
		b.WriteByte('[')
		for _, e := range asArray(v) {
			writeGroupKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case typeRank(v) == rankNull:
	default:
		b.WriteString(Canonical(v))
	}
}

// sumAcc ignores non-numbers like the server and keeps int32 until a sum
// needs more room.
type sumAcc struct {
	total     any
	countOnly bool
}

func (a *sumAcc) add(v any) {
	if a.countOnly {
		a.total = addNumbers(a.total, int32(1))
		return
	}
	if isNumber(v) {
		a.total = addNumbers(a.total, v)
	}
}
func (a *sumAcc) result() any { return a.total }

type avgAcc struct {
	sum float64
	n   int
}

func (a *avgAcc) add(v any) {
	if isNumber(v) {
		a.sum += asFloat(v)
		a.n++
	}
}

func (a *avgAcc) result() any {
	if a.n == 0 {
		return nil
	}
	return a.sum / float64(a.n)
}

// extremeAcc is $min (sign -1) or $max (sign 1); null and missing are skipped.
type extremeAcc struct {
	best any
	set  bool
	sign int
}

func (a *extremeAcc) add(v any) {
	if isNullish(v) {
		return
	}
	if !a.set || Compare(v, a.best)*a.sign > 0 {
		a.best, a.set = v, true
	}
}
func (a *extremeAcc) result() any { return a.best }

type firstAcc struct {
	v   any
	set bool
}

func (a *firstAcc) add(v any) {
	if !a.set {
		a.v, a.set = nullIfMissing(v), true
	}
}
func (a *firstAcc) result() any { return a.v }

type lastAcc struct{ v any }

func (a *lastAcc) add(v any)   { a.v = nullIfMissing(v) }
func (a *lastAcc) result() any { return a.v }

type pushAcc struct{ list bson.A }

func (a *pushAcc) add(v any) {
	if _, m := v.(missing); !m {
		a.list = append(a.list, v)
	}
}
func (a *pushAcc) result() any { return a.list }

type setAcc struct {
	list bson.A
	seen map[string]bool
}

func (a *setAcc) add(v any) {
	if _, m := v.(missing); m {
		return
	}
	k := groupKey(v)
	if !a.seen[k] {
		a.seen[k] = true
		a.list = append(a.list, v)
	}
}
func (a *setAcc) result() any { return a.list }

func nullIfMissing(v any) any {
	if _, m := v.(missing); m {
		return nil
	}
	return v
}
