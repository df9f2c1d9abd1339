package query

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// missing stands for a path that leads nowhere. Queries treat it like null;
// expressions keep it apart (a missing field is left out of a projected doc).
type missing struct{}

// Ranks of BSON's cross-type comparison order (MinKey < null < numbers <
// strings < objects < arrays < binData < ObjectId < bool < date < timestamp <
// regex < MaxKey); values of different ranks compare by rank alone.
const (
	rankMinKey    = 1
	rankNull      = 5
	rankNumber    = 10
	rankString    = 15
	rankObject    = 20
	rankArray     = 25
	rankBinary    = 30
	rankObjectID  = 35
	rankBool      = 40
	rankDate      = 45
	rankTimestamp = 47
	rankRegex     = 50
	rankCode      = 60
	rankMaxKey    = 127
)

func typeRank(v any) int {
	switch v.(type) {
	case nil, missing, bson.Null, bson.Undefined:
		return rankNull
	case bson.MinKey:
		return rankMinKey
	case bson.MaxKey:
		return rankMaxKey
	case int32, int64, float64, int, bson.Decimal128:
		return rankNumber
	case string, bson.Symbol:
		return rankString
	case bson.D, bson.M:
		return rankObject
	case bson.A, []any:
		return rankArray
	case bson.Binary:
		return rankBinary
	case bson.ObjectID:
		return rankObjectID
	case bool:
		return rankBool
	case bson.DateTime, time.Time:
		return rankDate
	case bson.Timestamp:
		return rankTimestamp
	case bson.Regex:
		return rankRegex
	}
	return rankCode
}

// Compare orders two values the way the server sorts them: first by type
// bracket, then by value. Numbers compare by value across int32, int64 and
// double; null and missing are equal.
func Compare(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return cmp3(ra, rb)
	}
	switch ra {
	case rankNumber:
		return compareNumbers(a, b)
	case rankString:
		return strings.Compare(asString(a), asString(b))
	case rankObject:
		return compareDocs(asDoc(a), asDoc(b))
	case rankArray:
		return compareArrays(asArray(a), asArray(b))
	case rankBinary:
		x, y := a.(bson.Binary), b.(bson.Binary)
		if len(x.Data) != len(y.Data) {
			return cmp3(len(x.Data), len(y.Data))
		}
		if x.Subtype != y.Subtype {
			return cmp3(x.Subtype, y.Subtype)
		}
		return bytes.Compare(x.Data, y.Data)
	case rankObjectID:
		x, y := a.(bson.ObjectID), b.(bson.ObjectID)
		return bytes.Compare(x[:], y[:])
	case rankBool:
		x, y := a.(bool), b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case rankDate:
		return cmp3(dateMillis(a), dateMillis(b))
	case rankTimestamp:
		x, y := a.(bson.Timestamp), b.(bson.Timestamp)
		if x.T != y.T {
			return cmp3(x.T, y.T)
		}
		return cmp3(x.I, y.I)
	case rankRegex:
		x, y := a.(bson.Regex), b.(bson.Regex)
		if c := strings.Compare(x.Pattern, y.Pattern); c != 0 {
			return c
		}
		return strings.Compare(x.Options, y.Options)
	}
	return 0
}

func cmp3[T int | int64 | uint32 | byte | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareDocs(a, b bson.D) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := cmp3(typeRank(a[i].Value), typeRank(b[i].Value)); c != 0 {
			return c
		}
		if c := strings.Compare(a[i].Key, b[i].Key); c != 0 {
			return c
		}
		if c := Compare(a[i].Value, b[i].Value); c != 0 {
			return c
		}
	}
	return cmp3(len(a), len(b))
}

func compareArrays(a, b bson.A) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp3(len(a), len(b))
}

// compareNumbers compares without losing int64 precision: two integers
// compare as integers, and only a double on either side brings floats in.
func compareNumbers(a, b any) int {
	ia, aInt := asInt64(a)
	ib, bInt := asInt64(b)
	if aInt && bInt {
		return cmp3(ia, ib)
	}
	fa, fb := asFloat(a), asFloat(b)
	// NaN sorts below every other number.
	switch {
	case math.IsNaN(fa) && math.IsNaN(fb):
		return 0
	case math.IsNaN(fa):
		return -1
	case math.IsNaN(fb):
		return 1
	}
	if aInt && fb > -9.2e18 && fb < 9.2e18 && fb == math.Trunc(fb) {
		return cmp3(ia, int64(fb))
	}
	if bInt && fa > -9.2e18 && fa < 9.2e18 && fa == math.Trunc(fa) {
		return cmp3(int64(fa), ib)
	}
	return cmp3(fa, fb)
}

// equal is query equality: same type bracket and Compare == 0.
func equal(a, b any) bool { return Compare(a, b) == 0 }

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

func asFloat(v any) float64 {
	switch n := v.(type) {
	case int32:
		return float64(n)
	case int64:
		return float64(n)
	case int:
		return float64(n)
	case float64:
		return n
	case bson.Decimal128:
		if f, err := strconv.ParseFloat(n.String(), 64); err == nil {
			return f
		}
	}
	return math.NaN()
}

func isNumber(v any) bool { return typeRank(v) == rankNumber }

func asString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case bson.Symbol:
		return string(s)
	}
	return ""
}

func asDoc(v any) bson.D {
	switch d := v.(type) {
	case bson.D:
		return d
	case bson.M:
		out := make(bson.D, 0, len(d))
		for k, x := range d {
			out = append(out, bson.E{Key: k, Value: x})
		}
		return out
	}
	return nil
}

func asArray(v any) bson.A {
	switch a := v.(type) {
	case bson.A:
		return a
	case []any:
		return bson.A(a)
	}
	return nil
}

func isDoc(v any) bool   { return typeRank(v) == rankObject }
func isArray(v any) bool { return typeRank(v) == rankArray }

func dateMillis(v any) int64 {
	switch d := v.(type) {
	case bson.DateTime:
		return int64(d)
	case time.Time:
		return d.UnixMilli()
	}
	return 0
}

func isNullish(v any) bool { return typeRank(v) == rankNull }

// truthy is the aggregation notion of true: false, null, missing and zero
// are false; everything else, empty strings and arrays included, is true.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case nil, missing, bson.Null, bson.Undefined:
		return false
	}
	if isNumber(v) {
		return asFloat(v) != 0
	}
	return true
}
