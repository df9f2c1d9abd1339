package simcluster

import (
	"fmt"
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

func truthy(v any) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	f, ok := toFloat(v)
	return ok && f != 0
}
