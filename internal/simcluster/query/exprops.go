package query

import (
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// timeNow is $$NOW's clock; tests pin it.
var timeNow = time.Now

// exprOperators maps each supported expression to its compiler; anything
// else is the server's InvalidPipelineOperator.
var exprOperators map[string]func(args any) (expr, error)

func init() {
	exprOperators = map[string]func(args any) (expr, error){
		"$literal":      func(a any) (expr, error) { return constant(a), nil },
		"$ifNull":       compileIfNull,
		"$cond":         compileCond,
		"$eq":           comparisonExpr("$eq", func(c int) bool { return c == 0 }),
		"$ne":           comparisonExpr("$ne", func(c int) bool { return c != 0 }),
		"$gt":           comparisonExpr("$gt", func(c int) bool { return c > 0 }),
		"$gte":          comparisonExpr("$gte", func(c int) bool { return c >= 0 }),
		"$lt":           comparisonExpr("$lt", func(c int) bool { return c < 0 }),
		"$lte":          comparisonExpr("$lte", func(c int) bool { return c <= 0 }),
		"$cmp":          compileCmp,
		"$and":          logicalExpr(true),
		"$or":           logicalExpr(false),
		"$not":          compileNot,
		"$add":          compileAdd,
		"$subtract":     compileSubtract,
		"$multiply":     compileMultiply,
		"$divide":       compileDivide,
		"$toString":     compileToString,
		"$concat":       compileConcat,
		"$size":         compileSize,
		"$arrayElemAt":  compileArrayElemAt,
		"$in":           compileIn,
		"$dateToString": compileDateToString,
		"$toLower":      stringCase("$toLower", strings.ToLower),
		"$toUpper":      stringCase("$toUpper", strings.ToUpper),
		"$type":         compileTypeExpr,
	}
}

func compileOperatorExpr(name string, args any) (expr, error) {
	compile, ok := exprOperators[name]
	if !ok {
		return nil, errorf(168, "InvalidPipelineOperator", "Unrecognized expression '%s'", name)
	}
	return compile(args)
}

// compileArgs compiles an operator's arguments: an array is the list, any
// other value is a list of one.
func compileArgs(name string, args any, min, max int) ([]expr, error) {
	list := asArray(args)
	if list == nil {
		list = bson.A{args}
	}
	if len(list) < min || (max >= 0 && len(list) > max) {
		if min == max {
			return nil, location(16020, "Expression %s takes exactly %d arguments. %d were passed in.", name, min, len(list))
		}
		if max < 0 {
			return nil, location(16021, "Expression %s takes at least %d arguments, and %d were passed in.", name, min, len(list))
		}
		return nil, location(16021, "Expression %s takes at least %d arguments, and at most %d, but %d were passed in.", name, min, max, len(list))
	}
	out := make([]expr, len(list))
	for i, a := range list {
		e, err := compileExpr(a)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func evalAll(c *evalCtx, es []expr) ([]any, error) {
	out := make([]any, len(es))
	for i, e := range es {
		v, err := e(c)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func compileIfNull(args any) (expr, error) {
	list := asArray(args)
	if len(list) < 2 {
		return nil, location(1257300, "$ifNull needs at least two arguments, had: %d", len(list))
	}
	es, err := compileArgs("$ifNull", list, 2, -1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		for _, e := range es[:len(es)-1] {
			v, err := e(c)
			if err != nil || !isNullish(v) {
				return v, err
			}
		}
		return es[len(es)-1](c)
	}, nil
}

func compileCond(args any) (expr, error) {
	var parts [3]any
	if d, ok := args.(bson.D); ok {
		var seen [3]bool
		for _, e := range d {
			i := map[string]int{"if": 0, "then": 1, "else": 2}
			k, known := i[e.Key]
			if !known {
				return nil, location(17083, "Unrecognized parameter to $cond: %s", e.Key)
			}
			parts[k], seen[k] = e.Value, true
		}
		for k, name := range []string{"if", "then", "else"} {
			if !seen[k] {
				return nil, location(int32(17080+k), "Missing '%s' parameter to $cond", name)
			}
		}
	} else {
		list := asArray(args)
		if len(list) != 3 {
			return nil, location(16020, "Expression $cond takes exactly 3 arguments. %d were passed in.", len(list))
		}
		copy(parts[:], list)
	}
	es, err := compileArgs("$cond", bson.A{parts[0], parts[1], parts[2]}, 3, 3)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		v, err := es[0](c)
		if err != nil {
			return nil, err
		}
		if truthy(v) {
			return es[1](c)
		}
		return es[2](c)
	}, nil
}

func comparisonExpr(name string, ok func(int) bool) func(any) (expr, error) {
	return func(args any) (expr, error) {
		es, err := compileArgs(name, args, 2, 2)
		if err != nil {
			return nil, err
		}
		return func(c *evalCtx) (any, error) {
			vs, err := evalAll(c, es)
			if err != nil {
				return nil, err
			}
			return ok(aggCompare(vs[0], vs[1])), nil
		}, nil
	}
}

func compileCmp(args any) (expr, error) {
	es, err := compileArgs("$cmp", args, 2, 2)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		return int32(aggCompare(vs[0], vs[1])), nil
	}, nil
}

func logicalExpr(isAnd bool) func(any) (expr, error) {
	return func(args any) (expr, error) {
		es, err := compileArgs("$and", args, 0, -1)
		if err != nil {
			return nil, err
		}
		return func(c *evalCtx) (any, error) {
			for _, e := range es {
				v, err := e(c)
				if err != nil {
					return nil, err
				}
				if truthy(v) != isAnd {
					return !isAnd, nil
				}
			}
			return isAnd, nil
		}, nil
	}
}

func compileNot(args any) (expr, error) {
	es, err := compileArgs("$not", args, 1, 1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		v, err := es[0](c)
		return !truthy(v), err
	}, nil
}

func compileSize(args any) (expr, error) {
	es, err := compileArgs("$size", args, 1, 1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		v, err := es[0](c)
		if err != nil {
			return nil, err
		}
		arr := asArray(v)
		if arr == nil {
			return nil, location(17124, "The argument to $size must be an array. Type of argument is %s", typeName(v))
		}
		return int32(len(arr)), nil
	}, nil
}

func compileArrayElemAt(args any) (expr, error) {
	es, err := compileArgs("$arrayElemAt", args, 2, 2)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		if isNullish(vs[0]) || isNullish(vs[1]) {
			return nil, nil
		}
		arr := asArray(vs[0])
		if arr == nil {
			return nil, location(28689, "$arrayElemAt's first argument must be an array, but is %s", typeName(vs[0]))
		}
		if !isNumber(vs[1]) {
			return nil, location(28690, "$arrayElemAt's second argument must be a numeric value, but is %s", typeName(vs[1]))
		}
		f := asFloat(vs[1])
		if f != float64(int32(f)) {
			return nil, location(28691, "$arrayElemAt's second argument must be representable as a 32-bit integer: %s", Canonical(vs[1]))
		}
		i := int(f)
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return missing{}, nil
		}
		return arr[i], nil
	}, nil
}

func compileIn(args any) (expr, error) {
	es, err := compileArgs("$in", args, 2, 2)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		arr := asArray(vs[1])
		if arr == nil {
			return nil, location(40081, "$in requires an array as a second argument, found: %s", typeName(vs[1]))
		}
		for _, x := range arr {
			if aggCompare(vs[0], x) == 0 {
				return true, nil
			}
		}
		return false, nil
	}, nil
}

func compileTypeExpr(args any) (expr, error) {
	es, err := compileArgs("$type", args, 1, 1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		v, err := es[0](c)
		return typeName(v), err
	}, nil
}
