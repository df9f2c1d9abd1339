package query

import (
	"math"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Arithmetic keeps the server's result types: int32 op int32 stays int32
// unless it overflows (then int64), int64 overflow becomes a double, and any
// double makes the result a double.

func isInt32(v any) bool { _, ok := v.(int32); return ok }

func narrow(n int64, bothInt32 bool) any {
	if bothInt32 && n >= math.MinInt32 && n <= math.MaxInt32 {
		return int32(n)
	}
	return n
}

func addNumbers(a, b any) any {
	ai, aInt := asInt64(a)
	bi, bInt := asInt64(b)
	if aInt && bInt {
		s := ai + bi
		if (ai > 0 && bi > 0 && s < 0) || (ai < 0 && bi < 0 && s >= 0) {
			return float64(ai) + float64(bi)
		}
		return narrow(s, isInt32(a) && isInt32(b))
	}
	return asFloat(a) + asFloat(b)
}

func multiplyNumbers(a, b any) any {
	ai, aInt := asInt64(a)
	bi, bInt := asInt64(b)
	if aInt && bInt {
		p := ai * bi
		if ai != 0 && (p/ai != bi || (ai == -1 && bi == math.MinInt64)) {
			return float64(ai) * float64(bi)
		}
		return narrow(p, isInt32(a) && isInt32(b))
	}
	return asFloat(a) * asFloat(b)
}

func negateNumber(v any) any {
	switch n := v.(type) {
	case int32:
		if n == math.MinInt32 {
			return -int64(n)
		}
		return -n
	case int64:
		if n == math.MinInt64 {
			return -float64(n)
		}
		return -n
	case int:
		return -int64(n)
	}
	return -asFloat(v)
}

func compileAdd(args any) (expr, error) {
	es, err := compileArgs("$add", args, 0, -1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		var sum any = int32(0)
		var date *int64
		for _, v := range vs {
			switch {
			case isNullish(v):
				return nil, nil
			case typeRank(v) == rankDate:
				if date != nil {
					return nil, location(16612, "only one date allowed in an $add expression")
				}
				ms := dateMillis(v)
				date = &ms
			case isNumber(v):
				sum = addNumbers(sum, v)
			default:
				return nil, location(16554, "$add only supports numeric or date types, not %s", typeName(v))
			}
		}
		if date != nil {
			return bson.DateTime(*date + int64(math.Round(asFloat(sum)))), nil
		}
		return sum, nil
	}, nil
}

func compileSubtract(args any) (expr, error) {
	es, err := compileArgs("$subtract", args, 2, 2)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		a, b := vs[0], vs[1]
		switch {
		case isNullish(a) || isNullish(b):
			return nil, nil
		case isNumber(a) && isNumber(b):
			return addNumbers(a, negateNumber(b)), nil
		case typeRank(a) == rankDate && typeRank(b) == rankDate:
			return dateMillis(a) - dateMillis(b), nil
		case typeRank(a) == rankDate && isNumber(b):
			return bson.DateTime(dateMillis(a) - int64(math.Round(asFloat(b)))), nil
		}
		return nil, location(16556, "can't $subtract %s from %s", typeName(b), typeName(a))
	}, nil
}

func compileMultiply(args any) (expr, error) {
	es, err := compileArgs("$multiply", args, 0, -1)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		var product any = int32(1)
		for _, v := range vs {
			switch {
			case isNullish(v):
				return nil, nil
			case !isNumber(v):
				return nil, location(16555, "$multiply only supports numeric types, not %s", typeName(v))
			}
			product = multiplyNumbers(product, v)
		}
		return product, nil
	}, nil
}

func compileDivide(args any) (expr, error) {
	es, err := compileArgs("$divide", args, 2, 2)
	if err != nil {
		return nil, err
	}
	return func(c *evalCtx) (any, error) {
		vs, err := evalAll(c, es)
		if err != nil {
			return nil, err
		}
		a, b := vs[0], vs[1]
		switch {
		case isNullish(a) || isNullish(b):
			return nil, nil
		case !isNumber(a) || !isNumber(b):
			return nil, location(16609, "$divide only supports numeric types, not %s and %s", typeName(a), typeName(b))
		case asFloat(b) == 0:
			return nil, location(16608, "can't $divide by zero")
		}
		return asFloat(a) / asFloat(b), nil
	}, nil
}
