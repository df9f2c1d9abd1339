package query

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// unwindStage accepts "$path" or {path, includeArrayIndex, preserveNullAndEmptyArrays}.
func unwindStage(arg any) (stage, error) {
	var path, indexField string
	preserve := false
	switch x := arg.(type) {
	case string:
		path = x
	case bson.D:
		for _, e := range x {
			switch e.Key {
			case "path":
				s, ok := e.Value.(string)
				if !ok {
					return nil, location(28808, "expected a string as the path for $unwind stage, got %s", typeName(e.Value))
				}
				path = s
			case "includeArrayIndex":
				s, ok := e.Value.(string)
				if !ok || s == "" || strings.HasPrefix(s, "$") {
					return nil, location(28810, "expected a non-empty string for the includeArrayIndex option to $unwind stage, got %s", typeName(e.Value))
				}
				indexField = s
			case "preserveNullAndEmptyArrays":
				b, ok := e.Value.(bool)
				if !ok {
					return nil, location(28809, "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage, got %s", typeName(e.Value))
				}
				preserve = b
			default:
				return nil, location(28811, "unrecognized option to $unwind stage: %s", e.Key)
			}
		}
		if path == "" {
			return nil, location(28812, "no path specified to $unwind stage")
		}
	default:
		return nil, location(15981, "expected either a string or an object as specification for $unwind stage, got %s", typeName(arg))
	}
	if !strings.HasPrefix(path, "$") || len(path) < 2 {
		return nil, location(28818, "path option to $unwind stage should be prefixed with a '$': %s", path)
	}
	parts := splitPath(path[1:])
	var indexParts []string
	if indexField != "" {
		indexParts = splitPath(indexField)
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) {
		out := make([]bson.D, 0, len(docs))
		for _, d := range docs {
			v := fieldPathValue(d, parts)
			emit := func(elem any, idx any) error {
				r, err := setPath(d, parts, elem, false)
				if err != nil {
					return err
				}
				if indexParts != nil {
					if r, err = setPath(r, indexParts, idx, false); err != nil {
						return err
					}
				}
				out = append(out, r)
				return nil
			}
			arr, isArr := v.(bson.A)
			switch {
			case isArr && len(arr) > 0:
				for i, e := range arr {
					if err := emit(e, int64(i)); err != nil {
						return nil, err
					}
				}
			case isArr || isNullish(v):
				if !preserve {
					continue
				}
				r := d
				if isArr {
					r = removePath(d, parts, false)
				}
				if indexParts != nil {
					var err error
					if r, err = setPath(r, indexParts, nil, false); err != nil {
						return nil, err
					}
				}
				out = append(out, r)
			default:
				if err := emit(v, nil); err != nil {
					return nil, err
				}
			}
		}
		return out, nil
	}, nil
}
