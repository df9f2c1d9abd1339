package query

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// stage turns one document stream into the next.
type stage func(docs []bson.D, c *evalCtx) ([]bson.D, error)

// Aggregate runs a pipeline over docs. The whole pipeline is parsed before
// any document moves, so a bad stage fails the command up front like on a
// server. Stages that read collections or the server ($currentOp,
// $collStats…) belong to the caller, which runs them first and hands their
// output here with the rest of the pipeline.
func Aggregate(docs []bson.D, pipeline []bson.D) ([]bson.D, error) {
	stages := make([]stage, 0, len(pipeline))
	for i, spec := range pipeline {
		s, err := compileStage(spec)
		if err != nil {
			return nil, err
		}
		if keep := sortLimit(pipeline, i); keep > 0 {
			s, _ = sortStageKeeping(spec[0].Value, keep)
		}
		stages = append(stages, s)
	}
	c := &evalCtx{now: bson.NewDateTimeFromTime(timeNow())}
	out := docs
	for _, s := range stages {
		var err error
		if out, err = s(out, c); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []bson.D{}
	}
	return out, nil
}

// unsupportedStages are real stages outside what the simulator needs; they
// get an honest "not supported" instead of "unrecognized".
var unsupportedStages = map[string]bool{
	"$lookup": true, "$facet": true, "$graphLookup": true, "$bucket": true, "$bucketAuto": true,
	"$out": true, "$merge": true, "$sample": true, "$replaceRoot": true, "$replaceWith": true,
	"$sortByCount": true, "$redact": true, "$geoNear": true, "$unionWith": true, "$densify": true,
	"$fill": true, "$setWindowFields": true, "$documents": true, "$indexStats": true,
	"$collStats": true, "$currentOp": true, "$listSessions": true, "$planCacheStats": true,
	"$shardedDataDistribution": true, "$changeStream": true, "$search": true,
}

func compileStage(spec bson.D) (stage, error) {
	if len(spec) != 1 {
		return nil, location(40323, "A pipeline stage specification object must contain exactly one field.")
	}
	name, arg := spec[0].Key, spec[0].Value
	switch name {
	case "$match":
		return matchStage(arg)
	case "$project":
		return projectStage(arg)
	case "$addFields", "$set":
		return addFieldsStage(name, arg)
	case "$unset":
		return unsetStage(arg)
	case "$sort":
		return sortStage(arg)
	case "$limit":
		return limitStage(arg)
	case "$skip":
		return skipStage(arg)
	case "$count":
		return countStage(arg)
	case "$group":
		return groupStage(arg)
	case "$unwind":
		return unwindStage(arg)
	}
	if unsupportedStages[name] {
		if name == "$currentOp" || name == "$collStats" || name == "$shardedDataDistribution" {
			return nil, location(40602, "%s is only valid as the first stage in a pipeline", name)
		}
		return nil, errorf(238, "NotImplemented", "%s is not supported by the simulated cluster", name)
	}
	return nil, location(40324, "Unrecognized pipeline stage name: '%s'", name)
}

func matchStage(arg any) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, location(15959, "the match filter must be an expression in an object")
	}
	f, err := Compile(d)
	if err != nil {
		return nil, err
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) { return filterDocs(docs, f, 0) }, nil
}

func projectStage(arg any) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, location(15969, "$project specification must be an object")
	}
	if len(d) == 0 {
		return nil, location(51272, "Invalid $project :: caused by :: projection specification must have at least one field")
	}
	p, err := compileProjection(d, "Invalid $project :: caused by :: ")
	if err != nil {
		return nil, err
	}
	return mapStage(func(doc bson.D, c *evalCtx) (bson.D, error) { return p.apply(doc, c) }), nil
}

func mapStage(f func(bson.D, *evalCtx) (bson.D, error)) stage {
	return func(docs []bson.D, c *evalCtx) ([]bson.D, error) {
		out := make([]bson.D, len(docs))
		for i, d := range docs {
			c.root = d
			r, err := f(d, c)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
}

func addFieldsStage(name string, arg any) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, location(40272, "%s specification stage must be an object, got %s", name, typeName(arg))
	}
	type field struct {
		parts []string
		value expr
	}
	fields := make([]field, 0, len(d))
	for _, e := range d {
		if e.Key == "" || strings.HasPrefix(e.Key, "$") {
			return nil, location(16410, "Invalid %s :: caused by :: FieldPath field names may not start with '$'. Consider using $getField or $setField.", name)
		}
		c, err := compileExpr(e.Value)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{splitPath(e.Key), c})
	}
	return mapStage(func(doc bson.D, c *evalCtx) (bson.D, error) {
		out := doc
		for _, f := range fields {
			v, err := f.value(c)
			if err != nil {
				return nil, err
			}
			if _, m := v.(missing); m {
				out = removePath(out, f.parts, false)
				continue
			}
			if out, err = setPath(out, f.parts, v, false); err != nil {
				return nil, err
			}
		}
		return out, nil
	}), nil
}

func unsetStage(arg any) (stage, error) {
	var names []string
	switch x := arg.(type) {
	case string:
		names = []string{x}
	case bson.A:
		for _, n := range x {
			s, ok := n.(string)
			if !ok {
				return nil, location(31120, "$unset specification must be a string or an array containing only string values")
			}
			names = append(names, s)
		}
	default:
		return nil, location(31002, "$unset specification must be a string or an array")
	}
	if len(names) == 0 {
		return nil, location(31119, "$unset specification must be a string or an array with at least one field")
	}
	paths := make([][]string, len(names))
	for i, n := range names {
		if n == "" || strings.HasPrefix(n, "$") {
			return nil, location(16410, "FieldPath field names may not start with '$'. Consider using $getField or $setField.")
		}
		paths[i] = splitPath(n)
	}
	return mapStage(func(doc bson.D, _ *evalCtx) (bson.D, error) {
		for _, p := range paths {
			doc = removePath(doc, p, false)
		}
		return doc, nil
	}), nil
}

// sortLimit returns the $limit that directly follows a $sort at i (0 if
// none), so the sort only has to find the first few documents.
func sortLimit(pipeline []bson.D, i int) int {
	if i+1 >= len(pipeline) || len(pipeline[i]) != 1 || pipeline[i][0].Key != "$sort" ||
		len(pipeline[i+1]) != 1 || pipeline[i+1][0].Key != "$limit" {
		return 0
	}
	n, ok := wholeNumber(pipeline[i+1][0].Value)
	if !ok || n <= 0 || n > 1<<20 {
		return 0
	}
	return int(n)
}

func sortStage(arg any) (stage, error) { return sortStageKeeping(arg, 0) }

func sortStageKeeping(arg any, keep int) (stage, error) {
	d, ok := arg.(bson.D)
	if !ok {
		return nil, location(15973, "the $sort key specification must be an object")
	}
	if len(d) == 0 {
		return nil, location(15976, "$sort stage must have at least one sort key")
	}
	s, err := compileSort(d)
	if err != nil {
		return nil, err
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) { return sortDocs(docs, s, keep), nil }, nil
}

// wholeNumber reads a stage's numeric argument, refusing fractions.
func wholeNumber(v any) (int64, bool) {
	if !isNumber(v) {
		return 0, false
	}
	f := asFloat(v)
	if i, ok := asInt64(v); ok {
		return i, true
	}
	if f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

func limitStage(arg any) (stage, error) {
	n, ok := wholeNumber(arg)
	if !ok {
		return nil, location(15957, "the limit must be specified as a number")
	}
	if n <= 0 {
		return nil, location(15958, "the limit must be positive")
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) { return window(docs, 0, n), nil }, nil
}

func skipStage(arg any) (stage, error) {
	n, ok := wholeNumber(arg)
	if !ok {
		return nil, location(15972, "Argument to $skip must be a number not a %s", typeName(arg))
	}
	if n < 0 {
		return nil, location(15956, "Argument to $skip cannot be negative")
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) { return window(docs, n, 0), nil }, nil
}

func countStage(arg any) (stage, error) {
	name, ok := arg.(string)
	switch {
	case !ok:
		return nil, location(40156, "the count field must be a non-empty string")
	case name == "":
		return nil, location(40157, "the count field must be a non-empty string")
	case strings.HasPrefix(name, "$"):
		return nil, location(40158, "the count field cannot be a $-prefixed path")
	case strings.Contains(name, "."):
		return nil, location(40160, "the count field cannot contain '.'")
	}
	return func(docs []bson.D, _ *evalCtx) ([]bson.D, error) {
		if len(docs) == 0 {
			return []bson.D{}, nil
		}
		return []bson.D{{{Key: name, Value: int32(len(docs))}}}, nil
	}, nil
}
