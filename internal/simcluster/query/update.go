package query

import (
	"math"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Update applies an update document to doc and returns the new document:
// operators ($set, $unset, $inc, $min, $max; $setOnInsert only applies on
// the upsert path) or a whole replacement that keeps doc's _id.
func Update(doc bson.D, update bson.D) (bson.D, error) {
	return applyUpdate(doc, update, false)
}

// Upsert returns the document an update with upsert: true inserts when
// nothing matched: the filter's equality fields, then the update, then a
// fresh ObjectId if there is still no _id.
func Upsert(filter, update bson.D) (bson.D, error) {
	if _, err := Compile(filter); err != nil {
		return nil, err
	}
	base := bson.D{}
	if !isReplacement(update) {
		var err error
		if base, err = equalityFields(base, filter); err != nil {
			return nil, err
		}
	} else if id, ok := getField(filter, "_id"); ok && !isOperatorDoc(id) {
		base = bson.D{{Key: "_id", Value: id}}
	}
	doc, err := applyUpdate(base, update, true)
	if err != nil {
		return nil, err
	}
	if _, ok := getField(doc, "_id"); !ok {
		doc = append(bson.D{{Key: "_id", Value: bson.NewObjectID()}}, doc...)
	}
	return doc, nil
}

func isOperatorDoc(v any) bool {
	d, ok := v.(bson.D)
	return ok && len(d) > 0 && strings.HasPrefix(d[0].Key, "$")
}

func isReplacement(update bson.D) bool {
	return len(update) == 0 || !strings.HasPrefix(update[0].Key, "$")
}

// equalityFields copies the filter's equality conditions (a: v, a: {$eq: v},
// and those inside $and) into the new document.
func equalityFields(base, filter bson.D) (bson.D, error) {
	var err error
	for _, e := range filter {
		switch {
		case e.Key == "$and":
			for _, sub := range asArray(e.Value) {
				if d, ok := sub.(bson.D); ok {
					if base, err = equalityFields(base, d); err != nil {
						return nil, err
					}
				}
			}
		case strings.HasPrefix(e.Key, "$"):
		case isOperatorDoc(e.Value):
			for _, op := range e.Value.(bson.D) {
				if op.Key == "$eq" {
					if base, err = setPath(base, splitPath(e.Key), op.Value, true); err != nil {
						return nil, err
					}
				}
			}
		default:
			if _, isRegex := e.Value.(bson.Regex); isRegex {
				continue
			}
			if base, err = setPath(base, splitPath(e.Key), e.Value, true); err != nil {
				return nil, err
			}
		}
	}
	return base, nil
}

func applyUpdate(doc, update bson.D, inserting bool) (bson.D, error) {
	if isReplacement(update) {
		return replaceDoc(doc, update)
	}
	if err := checkConflicts(update); err != nil {
		return nil, err
	}
	oldID, hadID := getField(doc, "_id")
	out := doc
	for _, op := range update {
		fields, ok := op.Value.(bson.D)
		if m, isM := op.Value.(bson.M); isM {
			fields, ok = asDoc(m), true
		}
		if !ok {
			if !strings.HasPrefix(op.Key, "$") {
				return nil, failedToParse("Unknown modifier: %s. Expected a valid update modifier or pipeline-style update specified as an array", op.Key)
			}
			return nil, failedToParse("Modifiers operate on fields but we found type %s instead. For example: {$mod: {<field>: ...}} not {%s: %s}", typeName(op.Value), op.Key, Canonical(op.Value))
		}
		var err error
		switch op.Key {
		case "$set":
			out, err = eachField(out, fields, setField)
		case "$setOnInsert":
			if inserting {
				out, err = eachField(out, fields, setField)
			}
		case "$unset":
			out, err = eachField(out, fields, func(d bson.D, parts []string, _ any) (bson.D, error) {
				return removePath(d, parts, true), nil
			})
		case "$inc":
			out, err = eachField(out, fields, incField)
		case "$min", "$max":
			sign := 1
			if op.Key == "$min" {
				sign = -1
			}
			out, err = eachField(out, fields, func(d bson.D, parts []string, v any) (bson.D, error) {
				var buf [1]any
				cur := queryValues(d, parts, buf[:0])
				if len(cur) == 1 && cur[0] != (missing{}) && Compare(v, cur[0])*sign <= 0 {
					return d, nil
				}
				return setPath(d, parts, v, true)
			})
		default:
			return nil, failedToParse("Unknown modifier: %s. Expected a valid update modifier or pipeline-style update specified as an array", op.Key)
		}
		if err != nil {
			return nil, err
		}
	}
	if newID, ok := getField(out, "_id"); hadID && (!ok || !equal(newID, oldID) || typeName(newID) != typeName(oldID)) {
		return nil, errorf(66, "ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'")
	}
	return out, nil
}

func eachField(doc, fields bson.D, apply func(bson.D, []string, any) (bson.D, error)) (bson.D, error) {
	for _, f := range fields {
		if f.Key == "" || strings.HasPrefix(f.Key, "$") || strings.Contains(f.Key, "..") {
			return nil, errorf(56, "EmptyFieldName", "The update path '%s' contains an empty field name, which is not allowed.", f.Key)
		}
		var err error
		if doc, err = apply(doc, splitPath(f.Key), f.Value); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func setField(d bson.D, parts []string, v any) (bson.D, error) { return setPath(d, parts, v, true) }

func incField(d bson.D, parts []string, by any) (bson.D, error) {
	if !isNumber(by) {
		return nil, typeMismatch("Cannot increment with non-numeric argument: {%s: %s}", strings.Join(parts, "."), Canonical(by))
	}
	var buf [1]any
	cur := queryValues(d, parts, buf[:0])
	if len(cur) != 1 || cur[0] == (missing{}) {
		return setPath(d, parts, by, true)
	}
	if !isNumber(cur[0]) {
		id, _ := getField(d, "_id")
		return nil, typeMismatch("Cannot apply $inc to a value of non-numeric type. {_id: %s} has the field '%s' of non-numeric type %s",
			Canonical(id), parts[len(parts)-1], typeName(cur[0]))
	}
	sum := addNumbers(cur[0], by)
	if f, isFloat := sum.(float64); isFloat && !isFloatInput(cur[0], by) && !math.IsInf(f, 0) {
		return nil, badValue("Failed to apply $inc operations to current value (%s) for document {_id: %s}", Canonical(cur[0]), Canonical(firstID(d)))
	}
	return setPath(d, parts, sum, true)
}

func isFloatInput(a, b any) bool {
	_, af := a.(float64)
	_, bf := b.(float64)
	return af || bf
}

func firstID(d bson.D) any {
	id, _ := getField(d, "_id")
	return id
}

func replaceDoc(doc, repl bson.D) (bson.D, error) {
	for _, e := range repl {
		if strings.HasPrefix(e.Key, "$") {
			return nil, errorf(52, "DollarPrefixedFieldName", "The dollar ($) prefixed field '%s' in '%s' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.", e.Key, e.Key)
		}
	}
	oldID, hadID := getField(doc, "_id")
	newID, hasID := getField(repl, "_id")
	switch {
	case hadID && hasID && (!equal(oldID, newID) || typeName(oldID) != typeName(newID)):
		return nil, errorf(66, "ImmutableField", "After applying the update, the (immutable) field '_id' was found to have been altered to _id: %s", Canonical(newID))
	case hadID && !hasID:
		return append(bson.D{{Key: "_id", Value: oldID}}, repl...), nil
	}
	return append(bson.D{}, repl...), nil
}

// checkConflicts refuses two operators touching the same path or a path
// and its parent, as the server does before changing anything.
func checkConflicts(update bson.D) error {
	var paths []string
	for _, op := range update {
		for _, f := range asDoc(op.Value) {
			for _, p := range paths {
				if p == f.Key || strings.HasPrefix(f.Key, p+".") || strings.HasPrefix(p, f.Key+".") {
					return errorf(40, "ConflictingUpdateOperators", "Updating the path '%s' would create a conflict at '%s'", f.Key, shorter(p, f.Key))
				}
			}
			paths = append(paths, f.Key)
		}
	}
	return nil
}

func shorter(a, b string) string {
	if len(a) < len(b) {
		return a
	}
	return b
}
