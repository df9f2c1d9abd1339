package query

import (
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// maxBackfill is the server's limit on padding an array with nulls when an
// update sets a far index ("a.1000000").
const maxBackfill = 1500000

func splitPath(path string) []string { return strings.Split(path, ".") }

func getField(d bson.D, key string) (any, bool) {
	for _, e := range d {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// arrayIndex reports whether a path part names an array position ("0", "12").
func arrayIndex(part string) (int, bool) {
	if part == "" || len(part) > 9 || (len(part) > 1 && part[0] == '0') {
		return 0, false
	}
	n, err := strconv.Atoi(part)
	return n, err == nil && n >= 0
}

// docValues is queryValues starting at a document; taking bson.D rather
// than any saves boxing the document for every one matched or sorted.
func docValues(doc bson.D, parts []string, out []any) []any {
	val, ok := getField(doc, parts[0])
	if !ok {
		return append(out, missing{})
	}
	return queryValues(val, parts[1:], out)
}

// queryValues collects what a dotted path reaches in a query: it descends
// through arrays of documents and indexes arrays by numeric parts. A branch
// that ends nowhere contributes missing{}, so {"a.b": null} can match it.
func queryValues(v any, parts []string, out []any) []any {
	if len(parts) == 0 {
		return append(out, v)
	}
	switch x := v.(type) {
	case bson.D:
		val, ok := getField(x, parts[0])
		if !ok {
			return append(out, missing{})
		}
		return queryValues(val, parts[1:], out)
	case bson.M:
		return queryValues(asDoc(x), parts, out)
	case bson.A, []any:
		arr := asArray(x)
		if idx, ok := arrayIndex(parts[0]); ok {
			if idx < len(arr) {
				return queryValues(arr[idx], parts[1:], out)
			}
			return append(out, missing{})
		}
		before := len(out)
		for _, e := range arr {
			if isDoc(e) {
				out = queryValues(e, parts, out)
			}
		}
		if len(out) == before {
			out = append(out, missing{})
		}
		return out
	}
	return append(out, missing{})
}

// fieldPathValue is what "$a.b" evaluates to in an expression: arrays map
// over their documents (numeric parts do not index, unlike in queries), and
// a path that leads nowhere is missing{}.
func fieldPathValue(v any, parts []string) any {
	if len(parts) == 0 {
		return v
	}
	switch x := v.(type) {
	case bson.D:
		val, ok := getField(x, parts[0])
		if !ok {
			return missing{}
		}
		return fieldPathValue(val, parts[1:])
	case bson.M:
		return fieldPathValue(asDoc(x), parts)
	case bson.A, []any:
		out := bson.A{}
		for _, e := range asArray(x) {
			if isDoc(e) || isArray(e) {
				if r := fieldPathValue(e, parts); r != (missing{}) {
					out = append(out, r)
				}
			}
		}
		return out
	}
	return missing{}
}

// docPathValue is fieldPathValue starting at a document (no boxing).
func docPathValue(doc bson.D, parts []string) any {
	if len(parts) == 0 {
		return doc
	}
	val, ok := getField(doc, parts[0])
	if !ok {
		return missing{}
	}
	return fieldPathValue(val, parts[1:])
}

// setPath returns a copy of doc with the dotted path set to value, creating
// documents on the way. strict (update semantics) refuses to go through a
// scalar, as the server does; otherwise ($addFields) the scalar is replaced.
func setPath(doc bson.D, parts []string, value any, strict bool) (bson.D, error) {
	out := make(bson.D, len(doc), len(doc)+1)
	copy(out, doc)
	i := -1
	for j, e := range out {
		if e.Key == parts[0] {
			i = j
			break
		}
	}
	if len(parts) == 1 {
		if i >= 0 {
			out[i].Value = value
		} else {
			out = append(out, bson.E{Key: parts[0], Value: value})
		}
		return out, nil
	}
	var child any = missing{}
	if i >= 0 {
		child = out[i].Value
	}
	newChild, err := setInValue(child, parts[0], parts[1:], value, strict)
	if err != nil {
		return nil, err
	}
	if i >= 0 {
		out[i].Value = newChild
	} else {
		out = append(out, bson.E{Key: parts[0], Value: newChild})
	}
	return out, nil
}

// key names child in error messages, the way the server quotes the parent.
func setInValue(child any, key string, parts []string, value any, strict bool) (any, error) {
	switch c := child.(type) {
	case missing:
		return setPath(bson.D{}, parts, value, strict)
	case bson.D:
		return setPath(c, parts, value, strict)
	case bson.M:
		return setPath(asDoc(c), parts, value, strict)
	case bson.A, []any:
		arr := asArray(c)
		if idx, ok := arrayIndex(parts[0]); ok && strict {
			if idx >= maxBackfill {
				return nil, badValue("can't backfill array to larger than %d elements", maxBackfill)
			}
			na := make(bson.A, max(len(arr), idx+1))
			copy(na, arr)
			if len(parts) == 1 {
				na[idx] = value
				return na, nil
			}
			var elem any = missing{}
			if idx < len(arr) && arr[idx] != nil {
				elem = arr[idx]
			}
			v, err := setInValue(elem, parts[0], parts[1:], value, strict)
			if err != nil {
				return nil, err
			}
			na[idx] = v
			return na, nil
		}
		if strict {
			return nil, errorf(28, "PathNotViable", "Cannot create field '%s' in element {%s: %s}",
				parts[0], key, Canonical(c))
		}
		na := make(bson.A, len(arr))
		for k, e := range arr {
			v, err := setInValue(e, key, parts, value, strict)
			if err != nil {
				return nil, err
			}
			na[k] = v
		}
		return na, nil
	}
	if strict {
		return nil, errorf(28, "PathNotViable", "Cannot create field '%s' in element {%s: %s}",
			parts[0], key, Canonical(child))
	}
	return setPath(bson.D{}, parts, value, strict)
}

// removePath returns doc without the dotted path. Arrays are walked into
// (each document element loses the field); a numeric part in update mode
// nulls that element, as $unset does.
func removePath(doc bson.D, parts []string, strict bool) bson.D {
	for i, e := range doc {
		if e.Key != parts[0] {
			continue
		}
		out := make(bson.D, 0, len(doc))
		out = append(out, doc[:i]...)
		if len(parts) > 1 {
			out = append(out, bson.E{Key: e.Key, Value: removeInValue(e.Value, parts[1:], strict)})
		}
		return append(out, doc[i+1:]...)
	}
	return doc
}

func removeInValue(v any, parts []string, strict bool) any {
	switch c := v.(type) {
	case bson.D:
		return removePath(c, parts, strict)
	case bson.M:
		return removePath(asDoc(c), parts, strict)
	case bson.A, []any:
		arr := asArray(c)
		if idx, ok := arrayIndex(parts[0]); ok && strict {
			if idx >= len(arr) {
				return arr
			}
			na := append(bson.A{}, arr...)
			if len(parts) == 1 {
				na[idx] = nil
			} else {
				na[idx] = removeInValue(arr[idx], parts[1:], strict)
			}
			return na
		}
		if strict {
			return arr
		}
		na := make(bson.A, len(arr))
		for k, e := range arr {
			na[k] = removeInValue(e, parts, strict)
		}
		return na
	}
	return v
}
