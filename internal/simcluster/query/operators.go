package query

import (
	"math"
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func compileOperator(op bson.E) (valuesPred, error) {
	v := op.Value
	switch op.Key {
	case "$eq":
		return anyValue(func(x any) bool { return equal(x, v) }), nil
	case "$ne":
		return negate(anyValue(func(x any) bool { return equal(x, v) })), nil
	case "$gt", "$gte", "$lt", "$lte":
		return comparison(op.Key, v), nil
	case "$in", "$nin":
		arr, ok := v.(bson.A)
		if !ok {
			if a2, isSlice := v.([]any); isSlice {
				arr, ok = bson.A(a2), true
			}
		}
		if !ok {
			return nil, badValue("%s needs an array", op.Key)
		}
		p, err := inList(arr)
		if err != nil {
			return nil, err
		}
		if op.Key == "$nin" {
			return negate(p), nil
		}
		return p, nil
	case "$exists":
		exists := wholeValue(func(x any) bool { _, m := x.(missing); return !m })
		if truthy(v) {
			return exists, nil
		}
		return negate(exists), nil
	case "$not":
		return notOperator(v)
	case "$type":
		return typeOperator(v)
	case "$size":
		return sizeOperator(v)
	case "$elemMatch":
		return elemMatch(v)
	case "$all":
		return allOperator(v)
	case "$mod":
		return modOperator(v)
	}
	return nil, badValue("unknown operator: %s", op.Key)
}

// comparison only compares within a type bracket: {$gt: 5} never matches a
// string, and {$gte: null} matches null and missing.
func comparison(op string, target any) valuesPred {
	rank := typeRank(target)
	return anyValue(func(x any) bool {
		if typeRank(x) != rank {
			return false
		}
		c := Compare(x, target)
		switch op {
		case "$gt":
			return c > 0
		case "$gte":
			return c >= 0
		case "$lt":
			return c < 0
		}
		return c <= 0
	})
}

func inList(arr bson.A) (valuesPred, error) {
	var regexes []*regexp.Regexp
	var values []any
	for _, x := range arr {
		switch r := x.(type) {
		case bson.Regex:
			re, err := compileRegex(r.Pattern, r.Options)
			if err != nil {
				return nil, err
			}
			regexes = append(regexes, re)
		case bson.D:
			if len(r) > 0 && strings.HasPrefix(r[0].Key, "$") {
				return nil, badValue("cannot nest $ under $in")
			}
			values = append(values, x)
		default:
			values = append(values, x)
		}
	}
	return anyValue(func(x any) bool {
		for _, v := range values {
			if equal(x, v) {
				return true
			}
		}
		if s, ok := x.(string); ok {
			for _, re := range regexes {
				if re.MatchString(s) {
					return true
				}
			}
		}
		return false
	}), nil
}

func notOperator(v any) (valuesPred, error) {
	switch x := v.(type) {
	case bson.Regex:
		p, err := compileRegexPred(x.Pattern, x.Options)
		if err != nil {
			return nil, err
		}
		return negate(p), nil
	case bson.D:
		if len(x) == 0 {
			return nil, badValue("$not cannot be empty")
		}
		if !strings.HasPrefix(x[0].Key, "$") {
			return nil, badValue("unknown operator: %s", x[0].Key)
		}
		p, err := compileOperators(x)
		if err != nil {
			return nil, err
		}
		return negate(p), nil
	}
	return nil, badValue("$not needs a regex or a document")
}

func compileRegexPred(pattern, options string) (valuesPred, error) {
	re, err := compileRegex(pattern, options)
	if err != nil {
		return nil, err
	}
	return anyValue(func(x any) bool {
		switch s := x.(type) {
		case string:
			return re.MatchString(s)
		case bson.Symbol:
			return re.MatchString(string(s))
		case bson.Regex:
			return s.Pattern == pattern && s.Options == options
		}
		return false
	}), nil
}

// compileRegex maps PCRE options onto Go's RE2. Patterns RE2 cannot run
// (lookaround, backreferences) are refused rather than matched wrongly.
func compileRegex(pattern, options string) (*regexp.Regexp, error) {
	flags := ""
	for _, o := range options {
		switch o {
		case 'i', 'm', 's':
			flags += string(o)
		case 'u':
		case 'x':
			return nil, badValue("$regex option 'x' is not supported by the simulated cluster; remove the whitespace from the pattern instead")
		default:
			return nil, location(51108, "invalid flag in regex options: %c", o)
		}
	}
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, location(51091, "Regular expression is invalid: %s", err.Error())
	}
	return re, nil
}

func typeOperator(v any) (valuesPred, error) {
	specs := bson.A{v}
	if arr := asArray(v); arr != nil {
		specs = arr
	}
	var codes []int
	number := false
	for _, s := range specs {
		switch x := s.(type) {
		case string:
			if x == "number" {
				number = true
				continue
			}
			c, ok := typeCodes[x]
			if !ok {
				return nil, badValue("Unknown type name alias: %s", x)
			}
			codes = append(codes, c)
		default:
			if !isNumber(s) {
				return nil, typeMismatch("type must be represented as a number or a string")
			}
			f := asFloat(s)
			c := int(f)
			if f != math.Trunc(f) || !validTypeCode(c) {
				return nil, badValue("Invalid numerical type code: %s", Canonical(s))
			}
			codes = append(codes, c)
		}
	}
	return anyValue(func(x any) bool {
		if _, m := x.(missing); m {
			return false
		}
		if number && isNumber(x) {
			return true
		}
		code := typeCodes[typeName(x)]
		for _, c := range codes {
			if c == code {
				return true
			}
		}
		return false
	}), nil
}

func validTypeCode(c int) bool {
	for _, k := range typeCodes {
		if k == c {
			return true
		}
	}
	return false
}

func sizeOperator(v any) (valuesPred, error) {
	if !isNumber(v) {
		return nil, badValue("$size needs a number")
	}
	f := asFloat(v)
	if f != math.Trunc(f) {
		return nil, badValue("$size must be a whole number")
	}
	if f < 0 {
		return nil, badValue("$size may not be negative")
	}
	n := int(f)
	return wholeValue(func(x any) bool {
		arr := asArray(x)
		return arr != nil && len(arr) == n
	}), nil
}

// elemMatch takes either operators on each element ({$gt: 1, $lt: 5}) or a
// filter on element documents ({a: 1, b: {$gt: 2}}).
func elemMatch(v any) (valuesPred, error) {
	d, ok := v.(bson.D)
	if !ok {
		return nil, badValue("$elemMatch needs an Object")
	}
	var elemTest func(any) bool
	if len(d) > 0 && strings.HasPrefix(d[0].Key, "$") && !isLogicalKey(d[0].Key) {
		p, err := compileOperators(d)
		if err != nil {
			return nil, err
		}
		elemTest = func(e any) bool { return p([]any{e}) }
	} else {
		p, err := compileFilter(d, false)
		if err != nil {
			return nil, err
		}
		elemTest = func(e any) bool {
			doc, isD := e.(bson.D)
			if !isD {
				return false
			}
			ok, _ := p(doc) // cannot fail: $expr is refused below the top level
			return ok
		}
	}
	return wholeValue(func(x any) bool {
		for _, e := range asArray(x) {
			if elemTest(e) {
				return true
			}
		}
		return false
	}), nil
}

func isLogicalKey(k string) bool { return k == "$and" || k == "$or" || k == "$nor" }

func allOperator(v any) (valuesPred, error) {
	arr := asArray(v)
	if arr == nil {
		return nil, badValue("$all needs an array")
	}
	if len(arr) == 0 {
		return func([]any) bool { return false }, nil
	}
	preds := make([]valuesPred, len(arr))
	for i, want := range arr {
		p, err := compileFieldValue(want)
		if err != nil {
			return nil, err
		}
		preds[i] = p
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

func modOperator(v any) (valuesPred, error) {
	arr := asArray(v)
	switch {
	case arr == nil:
		return nil, badValue("malformed mod, needs to be an array")
	case len(arr) < 2:
		return nil, badValue("malformed mod, not enough elements")
	case len(arr) > 2:
		return nil, badValue("malformed mod, too many elements")
	case !isNumber(arr[0]):
		return nil, badValue("malformed mod, divisor not a number")
	case !isNumber(arr[1]):
		return nil, badValue("malformed mod, remainder not a number")
	}
	div, rem := int64(asFloat(arr[0])), int64(asFloat(arr[1]))
	if div == 0 {
		return nil, badValue("divisor cannot be 0")
	}
	return anyValue(func(x any) bool {
		if !isNumber(x) {
			return false
		}
		f := asFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
		return int64(f)%div == rem
	}), nil
}
