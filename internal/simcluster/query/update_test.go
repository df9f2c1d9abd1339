package query

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestUpdate(t *testing.T) {
	balancer := d("_id", "balancer", "mode", "full", "stopped", false, "stats", d("rounds", int32(4)))
	cases := []struct {
		name   string
		update bson.D
		want   bson.D
	}{
		{"$set existing in place", d("$set", d("stopped", true, "mode", "off")),
			d("_id", "balancer", "mode", "off", "stopped", true, "stats", d("rounds", int32(4)))},
		{"$set new dotted", d("$set", d("activeWindow.start", "01:00")),
			d("_id", "balancer", "mode", "full", "stopped", false, "stats", d("rounds", int32(4)), "activeWindow", d("start", "01:00"))},
		{"$unset", d("$unset", d("mode", "", "stats.rounds", int32(1), "nope", int32(1))),
			d("_id", "balancer", "stopped", false, "stats", d())},
		{"$inc int32", d("$inc", d("stats.rounds", int32(1))),
			d("_id", "balancer", "mode", "full", "stopped", false, "stats", d("rounds", int32(5)))},
		{"$inc by long and new field", d("$inc", d("stats.rounds", int64(1), "stats.moves", int32(2))),
			d("_id", "balancer", "mode", "full", "stopped", false, "stats", d("rounds", int64(5), "moves", int32(2)))},
		{"$max keeps larger", d("$max", d("stats.rounds", int32(2))), balancer},
		{"$min lowers", d("$min", d("stats.rounds", int32(2))),
			d("_id", "balancer", "mode", "full", "stopped", false, "stats", d("rounds", int32(2)))},
		{"$setOnInsert ignored", d("$setOnInsert", d("x", int32(1))), balancer},
		{"replacement keeps _id", d("mode", "off"), d("_id", "balancer", "mode", "off")},
		{"$set same _id", d("$set", d("_id", "balancer")), balancer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := d("_id", "balancer", "mode", "full", "stopped", false, "stats", d("rounds", int32(4)))
			got, err := Update(in, tc.update)
			if err != nil {
				t.Fatal(err)
			}
			sameDocs(t, []bson.D{got}, []bson.D{tc.want})
			sameDocs(t, []bson.D{in}, []bson.D{balancer})
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	doc := d("_id", int32(1), "s", "x", "n", int64(9223372036854775807))
	cases := []struct {
		update bson.D
		code   int32
		msg    string
	}{
		{d("$push", d("a", int32(1))), 9, "Unknown modifier: $push. Expected a valid update modifier or pipeline-style update specified as an array"},
		{d("$inc", d("s", int32(1))), 14, "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 's' of non-numeric type string"},
		{d("$inc", d("a", "x")), 14, "Cannot increment with non-numeric argument: {a: \"x\"}"},
		{d("$inc", d("n", int32(1))), 2, "Failed to apply $inc operations to current value (9223372036854775807) for document {_id: 1}"},
		{d("$set", d("s.t", int32(1))), 28, "Cannot create field 't' in element {s: \"x\"}"},
		{d("$set", d("a", int32(1)), "$unset", d("a", "")), 40, "Updating the path 'a' would create a conflict at 'a'"},
		{d("$set", d("_id", int32(2))), 66, "Performing an update on the path '_id' would modify the immutable field '_id'"},
		{d("_id", int32(2)), 66, "After applying the update, the (immutable) field '_id' was found to have been altered to _id: 2"},
		{d("$set", int32(1)), 9, ""},
	}
	for _, tc := range cases {
		_, err := Update(doc, tc.update)
		wantError(t, err, tc.code, tc.msg)
	}
}

func TestUpsert(t *testing.T) {
	// sh.stopBalancer's legacy path: update({_id: 'balancer'}, {$set: {stopped: true}}, {upsert: true}).
	got, err := Upsert(d("_id", "balancer"), d("$set", d("stopped", true), "$setOnInsert", d("mode", "off")))
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, []bson.D{got}, []bson.D{d("_id", "balancer", "stopped", true, "mode", "off")})

	got, err = Upsert(d("_id", "chunksize", "value", d("$gt", int32(0))), d("value", int32(64)))
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, []bson.D{got}, []bson.D{d("_id", "chunksize", "value", int32(64))})

	got, err = Upsert(d("$and", a(d("a.b", int32(1)), d("c", d("$eq", "x")))), d("$inc", d("n", int32(1))))
	if err != nil {
		t.Fatal(err)
	}
	if _, isOID := got[0].Value.(bson.ObjectID); got[0].Key != "_id" || !isOID {
		t.Fatalf("upsert without _id must get an ObjectId first, got %s", Canonical(got))
	}
	sameDocs(t, []bson.D{got[1:]}, []bson.D{d("a", d("b", int32(1)), "c", "x", "n", int32(1))})

	_, err = Upsert(d("a", d("$bad", int32(1))), d("$set", d("x", int32(1))))
	wantError(t, err, 2, "unknown operator: $bad")
}

func TestUpdateArrayIndex(t *testing.T) {
	got, err := Update(d("_id", int32(1), "a", a(int32(1))), d("$set", d("a.2", int32(3))))
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, []bson.D{got}, []bson.D{d("_id", int32(1), "a", a(int32(1), nil, int32(3)))})
	_, err = Update(d("_id", int32(1), "a", a()), d("$set", d("a.999999999", int32(3))))
	wantError(t, err, 2, "can't backfill array to larger than 1500000 elements")
}
