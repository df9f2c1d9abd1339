package query

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// unwindSpec is a parsed $unwind.
type unwindSpec struct {
	parts, indexParts []string
	preserve          bool
}

// unwindStage accepts "$path" or {path, includeArrayIndex, preserveNullAndEmptyArrays}.
func unwindStage(arg any) (stage, error) {
	spec, err := parseUnwind(arg)
	if err != nil {
		return nil, err
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) {
		out := make([]bson.D, 0, len(docs))
		for _, d := range docs {
			var err error
			if out, err = spec.unwind(out, d); err != nil {
				return nil, err
			}
		}
		return out, nil
	}, nil
}

// parseUnwind reads the stage's argument, refusing what the server refuses.
func parseUnwind(arg any) (unwindSpec, error) {
	var path, indexField string
	var spec unwindSpec
	switch x := arg.(type) {
	case string:
		path = x
	case bson.D:
		for _, e := range x {
			if err := spec.option(e, &path, &indexField); err != nil {
				return spec, err
			}
		}
		if path == "" {
			return spec, location(28812, "no path specified to $unwind stage")
		}
	default:
		return spec, location(15981, "expected either a string or an object as specification for $unwind stage, got %s", typeName(arg))
	}
	if !strings.HasPrefix(path, "$") || len(path) < 2 {
		return spec, location(28818, "path option to $unwind stage should be prefixed with a '$': %s", path)
	}
	spec.parts = splitPath(path[1:])
	if indexField != "" {
		spec.indexParts = splitPath(indexField)
	}
	return spec, nil
}

// option reads one field of the object form.
func (spec *unwindSpec) option(e bson.E, path, indexField *string) error {
	switch e.Key {
	case "path":
		s, ok := e.Value.(string)
		if !ok {
			return location(28808, "expected a string as the path for $unwind stage, got %s", typeName(e.Value))
		}
		*path = s
	case "includeArrayIndex":
		s, ok := e.Value.(string)
		if !ok || s == "" || strings.HasPrefix(s, "$") {
			return location(28810, "expected a non-empty string for the includeArrayIndex option to $unwind stage, got %s", typeName(e.Value))
		}
		*indexField = s
	case "preserveNullAndEmptyArrays":
		b, ok := e.Value.(bool)
		if !ok {
			return location(28809, "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage, got %s", typeName(e.Value))
		}
		spec.preserve = b
	default:
		return location(28811, "unrecognized option to $unwind stage: %s", e.Key)
	}
	return nil
}

// unwind appends what one document unwinds to.
func (spec unwindSpec) unwind(out []bson.D, d bson.D) ([]bson.D, error) {
	v := fieldPathValue(d, spec.parts)
	arr, isArr := v.(bson.A)
	switch {
	case isArr && len(arr) > 0:
		for i, e := range arr {
			r, err := spec.emit(d, e, int64(i))
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	case isArr || isNullish(v):
		if !spec.preserve {
			return out, nil
		}
		r := d
		if isArr {
			r = removePath(d, spec.parts, false)
		}
		if spec.indexParts != nil {
			var err error
			if r, err = setPath(r, spec.indexParts, nil, false); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	default:
		r, err := spec.emit(d, v, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// emit is d with the path set to one element, and its index if asked.
func (spec unwindSpec) emit(d bson.D, elem, idx any) (bson.D, error) {
	r, err := setPath(d, spec.parts, elem, false)
	if err != nil || spec.indexParts == nil {
		return r, err
	}
	return setPath(r, spec.indexParts, idx, false)
}
