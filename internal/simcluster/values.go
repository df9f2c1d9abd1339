package simcluster

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Small value helpers the command handlers share.

func badValue(format string, a ...any) error {
	return &queryError{code: 2, codeName: "BadValue", msg: fmt.Sprintf(format, a...)}
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

// checkMaxTimeMS validates the generic maxTimeMS argument as the server's
// parseMaxTimeMS does (BadValue); aggregate parses it with its IDL struct,
// so a value of the wrong type is a TypeMismatch there.
func checkMaxTimeMS(name string, body bson.Raw) error {
	v, err := body.LookupErr("maxTimeMS")
	if err != nil {
		return nil
	}
	var x any
	if err := v.Unmarshal(&x); err != nil {
		return badValue("maxTimeMS must be a number")
	}
	f, isNum := toFloat(x)
	switch {
	case !isNum && name == "aggregate":
		return typeMismatch("BSON field 'aggregate.maxTimeMS' is the wrong type '" + serverTypeName(x) + "', expected types '[long, int, decimal, double']")
	case !isNum:
		return badValue("maxTimeMS must be a number")
	case f < 0 || f > math.MaxInt32:
		return badValue("%d value for maxTimeMS is out of range", int64(f))
	case f != math.Trunc(f):
		return badValue("maxTimeMS has non-integral value")
	}
	return nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
