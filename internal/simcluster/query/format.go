package query

import (
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Canonical renders a value the way the server quotes values in error
// messages ({ a: 1, b: "x" }), so refusals read like a real server's.
func Canonical(v any) string {
	var b strings.Builder
	writeCanonical(&b, v)
	return b.String()
}

func writeCanonical(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil, bson.Null:
		b.WriteString("null")
	case missing:
		b.WriteString("missing")
	case bson.Undefined:
		b.WriteString("undefined")
	case bson.D, bson.M:
		d := asDoc(x)
		if len(d) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{ ")
		for i, e := range d {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.Key)
			b.WriteString(": ")
			writeCanonical(b, e.Value)
		}
		b.WriteString(" }")
	case bson.A, []any:
		a := asArray(x)
		if len(a) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[ ")
		for i, e := range a {
			if i > 0 {
				b.WriteString(", ")
			}
			writeCanonical(b, e)
		}
		b.WriteString(" ]")
	case string:
		b.WriteString(strconv.Quote(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(formatDouble(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case bson.ObjectID:
		b.WriteString("ObjectId('" + x.Hex() + "')")
	case bson.DateTime, time.Time:
		b.WriteString("new Date(" + strconv.FormatInt(dateMillis(x), 10) + ")")
	case bson.Timestamp:
		b.WriteString("Timestamp(" + strconv.FormatUint(uint64(x.T), 10) + ", " + strconv.FormatUint(uint64(x.I), 10) + ")")
	case bson.Regex:
		b.WriteString("/" + x.Pattern + "/" + x.Options)
	default:
		b.WriteString(typeName(v))
	}
}

// formatDouble prints a double the way the server's $toString does: whole
// numbers without a fraction, others in the shortest exact form.
func formatDouble(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// typeName is the server's name for a value's BSON type ($type, error messages).
func typeName(v any) string {
	switch v.(type) {
	case nil, bson.Null:
		return "null"
	case missing:
		return "missing"
	case bson.Undefined:
		return "undefined"
	case float64:
		return "double"
	case string:
		return "string"
	case bson.Symbol:
		return "symbol"
	case bson.D, bson.M:
		return "object"
	case bson.A, []any:
		return "array"
	case bson.Binary:
		return "binData"
	case bson.ObjectID:
		return "objectId"
	case bool:
		return "bool"
	case bson.DateTime, time.Time:
		return "date"
	case bson.Regex:
		return "regex"
	case bson.JavaScript:
		return "javascript"
	case bson.CodeWithScope:
		return "javascriptWithScope"
	case int32, int:
		return "int"
	case bson.Timestamp:
		return "timestamp"
	case int64:
		return "long"
	case bson.Decimal128:
		return "decimal"
	case bson.MinKey:
		return "minKey"
	case bson.MaxKey:
		return "maxKey"
	case bson.DBPointer:
		return "dbPointer"
	}
	return "unknown"
}

// typeCodes maps $type's aliases to BSON type numbers.
var typeCodes = map[string]int{
	"double": 1, "string": 2, "object": 3, "array": 4, "binData": 5, "undefined": 6,
	"objectId": 7, "bool": 8, "date": 9, "null": 10, "regex": 11, "dbPointer": 12,
	"javascript": 13, "symbol": 14, "javascriptWithScope": 15, "int": 16,
	"timestamp": 17, "long": 18, "decimal": 19, "minKey": -1, "maxKey": 127,
}
