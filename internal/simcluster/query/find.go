package query

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Find runs a find command over docs: filter, then sort, skip, limit and
// projection, in the server's order. limit 0 means no limit and a negative
// limit counts like its absolute value (the single-batch form).
func Find(docs []bson.D, filter, sort, projection bson.D, skip, limit int64) ([]bson.D, error) {
	if skip < 0 {
		return nil, badValue("skip value must be non-negative, but received: %d", skip)
	}
	f, err := Compile(filter)
	if err != nil {
		return nil, err
	}
	spec, err := compileSort(sort)
	if err != nil {
		return nil, err
	}
	var proj *projectionSpec
	if len(projection) > 0 {
		if proj, err = compileProjection(projection, ""); err != nil {
			return nil, err
		}
	}
	if limit < 0 {
		limit = -limit
	}
	out, err := filterDocs(docs, f, 0)
	if err != nil {
		return nil, err
	}
	if len(sort) > 0 {
		keep := 0
		if limit > 0 {
			keep = int(min(skip+limit, int64(len(out))))
		}
		out = sortDocs(out, spec, keep)
	}
	out = window(out, skip, limit)
	if proj == nil {
		return out, nil
	}
	c := &evalCtx{now: bson.NewDateTimeFromTime(timeNow())}
	for i, d := range out {
		c.root = d
		if out[i], err = proj.apply(d, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// filterDocs keeps the matching documents in a new slice; stopAfter > 0
// ends the scan early once that many have matched.
func filterDocs(docs []bson.D, f *Filter, stopAfter int) ([]bson.D, error) {
	out := make([]bson.D, 0, min(len(docs), 64))
	for _, d := range docs {
		ok, err := f.Match(d)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
			if stopAfter > 0 && len(out) == stopAfter {
				break
			}
		}
	}
	return out, nil
}

func window(docs []bson.D, skip, limit int64) []bson.D {
	if skip >= int64(len(docs)) {
		return []bson.D{}
	}
	docs = docs[skip:]
	if limit > 0 && limit < int64(len(docs)) {
		docs = docs[:limit]
	}
	return docs
}
