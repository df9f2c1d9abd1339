package query

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Filter is a compiled query filter: compile once, test many documents.
type Filter struct {
	match docPred
}

// docPred tests a whole document; only $expr can fail while running.
type docPred func(doc bson.D) (bool, error)

// valuesPred tests the values a path reaches (see queryValues).
type valuesPred func(vals []any) bool

// Compile parses a query filter, refusing what the server would refuse.
func Compile(filter bson.D) (*Filter, error) {
	p, err := compileFilter(filter, true)
	if err != nil {
		return nil, err
	}
	return &Filter{match: p}, nil
}

// Match reports whether the document satisfies the filter.
func (f *Filter) Match(doc bson.D) (bool, error) {
	if f == nil || f.match == nil {
		return true, nil
	}
	return f.match(doc)
}

// Match reports whether doc satisfies filter (a find/$match filter).
func Match(doc bson.D, filter bson.D) (bool, error) {
	f, err := Compile(filter)
	if err != nil {
		return false, err
	}
	return f.Match(doc)
}

func compileFilter(filter bson.D, topLevel bool) (docPred, error) {
	preds := make([]docPred, 0, len(filter))
	for _, e := range filter {
		p, err := compileClause(e, topLevel)
		if err != nil {
			return nil, err
		}
		if p != nil {
			preds = append(preds, p)
		}
	}
	if len(preds) == 1 {
		return preds[0], nil
	}
	return func(doc bson.D) (bool, error) {
		for _, p := range preds {
			if ok, err := p(doc); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	}, nil
}

func compileClause(e bson.E, topLevel bool) (docPred, error) {
	switch e.Key {
	case "$and", "$or", "$nor":
		return compileLogical(e, topLevel)
	case "$expr":
		if !topLevel {
			return nil, badValue("$expr can only be applied to the top-level document")
		}
		return compileExprFilter(e.Value)
	case "$comment":
		return nil, nil
	case "$where", "$text", "$jsonSchema", "$sampleRate":
		return nil, badValue("%s is not supported by the simulated cluster; filter on fields instead", e.Key)
	}
	if strings.HasPrefix(e.Key, "$") {
		return nil, badValue("unknown top level operator: %s. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.", e.Key)
	}
	vp, err := compileFieldValue(e.Value)
	if err != nil {
		return nil, err
	}
	parts := splitPath(e.Key)
	return func(doc bson.D) (bool, error) {
		buf := getValuesBuf()
		*buf = docValues(doc, parts, (*buf)[:0])
		ok := vp(*buf)
		putValuesBuf(buf)
		return ok, nil
	}, nil
}

func compileLogical(e bson.E, topLevel bool) (docPred, error) {
	arr := asArray(e.Value)
	if len(arr) == 0 {
		return nil, badValue("$and/$or/$nor must be a nonempty array")
	}
	subs := make([]docPred, len(arr))
	for i, x := range arr {
		d, ok := x.(bson.D)
		if !ok {
			if m, isM := x.(bson.M); isM {
				d, ok = asDoc(m), true
			}
		}
		if !ok {
			return nil, badValue("$or/$and/$nor entries need to be full objects")
		}
		p, err := compileFilter(d, topLevel)
		if err != nil {
			return nil, err
		}
		subs[i] = p
	}
	want := e.Key == "$or" // $or stops at the first true, $and/$nor at the first false
	return func(doc bson.D) (bool, error) {
		for _, p := range subs {
			ok, err := p(doc)
			if err != nil {
				return false, err
			}
			switch {
			case e.Key == "$and" && !ok:
				return false, nil
			case e.Key == "$nor" && ok:
				return false, nil
			case want && ok:
				return true, nil
			}
		}
		return !want, nil
	}, nil
}

// compileFieldValue compiles what follows a field name: an operator
// document, a regex, or a value to compare for equality.
func compileFieldValue(v any) (valuesPred, error) {
	if m, ok := v.(bson.M); ok {
		v = asDoc(m)
	}
	if d, ok := v.(bson.D); ok && len(d) > 0 && strings.HasPrefix(d[0].Key, "$") {
		return compileOperators(d)
	}
	if r, ok := v.(bson.Regex); ok {
		return compileRegexPred(r.Pattern, r.Options)
	}
	return anyValue(func(x any) bool { return equal(x, v) }), nil
}

func compileOperators(ops bson.D) (valuesPred, error) {
	var preds []valuesPred
	var regex, options any
	hasRegex, hasOptions := false, false
	for _, op := range ops {
		switch op.Key {
		case "$regex":
			regex, hasRegex = op.Value, true
			continue
		case "$options":
			options, hasOptions = op.Value, true
			continue
		}
		p, err := compileOperator(op)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	if hasOptions && !hasRegex {
		return nil, badValue("$options needs a $regex")
	}
	if hasRegex {
		p, err := regexOperator(regex, options, hasOptions)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	if len(preds) == 1 {
		return preds[0], nil
	}
	return func(vals []any) bool {
		for _, p := range preds {
			if !p(vals) {
				return false
			}
		}
		return true
	}, nil
}

func regexOperator(regex, options any, hasOptions bool) (valuesPred, error) {
	opts := ""
	if hasOptions {
		s, ok := options.(string)
		if !ok {
			return nil, badValue("$options has to be a string")
		}
		opts = s
	}
	switch r := regex.(type) {
	case string:
		return compileRegexPred(r, opts)
	case bson.Regex:
		if hasOptions && r.Options != "" {
			return nil, badValue("options set in both $regex and $options")
		}
		if !hasOptions {
			opts = r.Options
		}
		return compileRegexPred(r.Pattern, opts)
	}
	return nil, badValue("$regex has to be a string")
}

// anyValue matches when some reached value, or an element of a reached
// array, passes the test — MongoDB's "array contains" rule.
func anyValue(test func(any) bool) valuesPred {
	return func(vals []any) bool {
		for _, v := range vals {
			if test(v) {
				return true
			}
			if arr := asArray(v); arr != nil {
				for _, e := range arr {
					if test(e) {
						return true
					}
				}
			}
		}
		return false
	}
}

// wholeValue tests reached values without looking inside arrays ($size, $elemMatch).
func wholeValue(test func(any) bool) valuesPred {
	return func(vals []any) bool {
		for _, v := range vals {
			if test(v) {
				return true
			}
		}
		return false
	}
}

func negate(p valuesPred) valuesPred {
	return func(vals []any) bool { return !p(vals) }
}
