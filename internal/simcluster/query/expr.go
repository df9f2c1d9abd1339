package query

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// evalCtx is what an expression sees: the current document and $$NOW.
type evalCtx struct {
	root bson.D
	now  bson.DateTime
}

// expr is a compiled aggregation expression. It returns missing{} for a
// path that leads nowhere, which callers drop from output documents.
type expr func(c *evalCtx) (any, error)

func constant(v any) expr { return func(*evalCtx) (any, error) { return v, nil } }

func compileExpr(v any) (expr, error) {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "$") {
			return compileFieldPath(x)
		}
		return constant(x), nil
	case bson.D:
		if len(x) > 0 && strings.HasPrefix(x[0].Key, "$") {
			if len(x) > 1 {
				return nil, location(15983, "an expression specification must contain exactly one field, the name of the expression. Found %d fields in %s, while parsing object %s",
					len(x), Canonical(x), Canonical(x))
			}
			return compileOperatorExpr(x[0].Key, x[0].Value)
		}
		return compileObjectExpr(x)
	case bson.M:
		return compileExpr(asDoc(x))
	case bson.A, []any:
		arr := asArray(x)
		elems := make([]expr, len(arr))
		for i, e := range arr {
			c, err := compileExpr(e)
			if err != nil {
				return nil, err
			}
			elems[i] = c
		}
		return func(c *evalCtx) (any, error) {
			out := make(bson.A, len(elems))
			for i, e := range elems {
				v, err := e(c)
				if err != nil {
					return nil, err
				}
				if _, m := v.(missing); m {
					v = nil
				}
				out[i] = v
			}
			return out, nil
		}, nil
	}
	return constant(v), nil
}

func compileFieldPath(s string) (expr, error) {
	if strings.HasPrefix(s, "$$") {
		name, rest, _ := strings.Cut(s[2:], ".")
		var parts []string
		if rest != "" {
			parts = splitPath(rest)
		}
		switch name {
		case "ROOT", "CURRENT":
			return func(c *evalCtx) (any, error) { return docPathValue(c.root, parts), nil }, nil
		case "NOW":
			return func(c *evalCtx) (any, error) { return c.now, nil }, nil
		case "REMOVE":
			return constant(missing{}), nil
		}
		return nil, location(17276, "Use of undefined variable: %s", name)
	}
	if s == "$" {
		return nil, location(16872, "'$' by itself is not a valid FieldPath")
	}
	parts := splitPath(s[1:])
	for _, p := range parts {
		if p == "" {
			return nil, location(15998, "FieldPath field names may not be empty strings.")
		}
	}
	return func(c *evalCtx) (any, error) { return docPathValue(c.root, parts), nil }, nil
}

// compileObjectExpr builds a document; fields that evaluate to missing are left out.
func compileObjectExpr(d bson.D) (expr, error) {
	keys := make([]string, len(d))
	vals := make([]expr, len(d))
	for i, e := range d {
		if err := checkFieldName(e.Key); err != nil {
			return nil, err
		}
		c, err := compileExpr(e.Value)
		if err != nil {
			return nil, err
		}
		keys[i], vals[i] = e.Key, c
	}
	return func(c *evalCtx) (any, error) {
		out := make(bson.D, 0, len(keys))
		for i, k := range keys {
			v, err := vals[i](c)
			if err != nil {
				return nil, err
			}
			if _, m := v.(missing); !m {
				out = append(out, bson.E{Key: k, Value: v})
			}
		}
		return out, nil
	}, nil
}

func checkFieldName(k string) error {
	switch {
	case k == "":
		return location(16410, "FieldPath field names may not be empty strings.")
	case strings.HasPrefix(k, "$"):
		return location(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.")
	case strings.Contains(k, "."):
		return location(16412, "FieldPath field names may not contain '.'. Consider using $getField or $setField.")
	}
	return nil
}

func compileExprFilter(v any) (docPred, error) {
	e, err := compileExpr(v)
	if err != nil {
		return nil, err
	}
	return func(doc bson.D) (bool, error) {
		r, err := e(&evalCtx{root: doc, now: bson.NewDateTimeFromTime(timeNow())})
		if err != nil {
			return false, err
		}
		return truthy(r), nil
	}, nil
}

// aggCompare is Compare with one difference: in expressions a missing
// field sorts below null, so {$eq: ["$nope", null]} is false as on a server.
func aggCompare(a, b any) int {
	_, am := a.(missing)
	_, bm := b.(missing)
	switch {
	case am && bm:
		return 0
	case am && typeRank(b) == rankNull:
		return -1
	case bm && typeRank(a) == rankNull:
		return 1
	}
	return Compare(a, b)
}
