package query

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FuzzMatch feeds arbitrary BSON as document and filter: Match, Find and
// Aggregate may refuse, but must never panic, and a refusal is always *Error.
func FuzzMatch(f *testing.F) {
	seed := func(doc, filter bson.D) {
		db, _ := bson.Marshal(doc)
		fb, _ := bson.Marshal(filter)
		f.Add(db, fb)
	}
	seed(d("a", int32(1), "b", a("x", d("c", 2.5))), d("b.c", d("$gt", int32(1))))
	seed(d("s", "move"), d("$or", a(d("s", bson.Regex{Pattern: "^m", Options: "i"}), d("t", d("$exists", false)))))
	seed(d("a", a(int32(1), int32(2))), d("a", d("$elemMatch", d("$gt", int32(1))), "$expr", d("$lt", a("$a", int32(3)))))
	seed(d("a", d("b", nil)), d("a.b", d("$type", a("null", "number")), "a", d("$size", int32(0))))
	f.Fuzz(func(t *testing.T, docBytes, filterBytes []byte) {
		var doc, filter bson.D
		if bson.Unmarshal(docBytes, &doc) != nil || bson.Unmarshal(filterBytes, &filter) != nil {
			return
		}
		if _, err := Match(doc, filter); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Match returned %T, want *Error", err)
			}
		}
		_, _ = Find([]bson.D{doc}, filter, filter, filter, 0, 1)
		_, _ = Aggregate([]bson.D{doc, filter}, []bson.D{{{Key: "$match", Value: filter}}, {{Key: "$project", Value: filter}}, {{Key: "$group", Value: filter}}})
		_, _ = Update(doc, filter)
		_, _ = Upsert(filter, doc)
	})
}
