package query

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestMatch(t *testing.T) {
	t0 := bson.NewDateTimeFromTime(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	doc := d(
		"_id", int32(1),
		"n", int64(5),
		"f", 2.5,
		"s", "moveChunk.from",
		"tags", a("a", "b"),
		"nums", a(int32(1), int32(7)),
		"sub", d("x", int32(1), "y", d("z", "deep")),
		"items", a(d("k", "p", "v", int32(3)), d("k", "q", "v", int32(9))),
		"time", t0,
		"ts", bson.Timestamp{T: 100, I: 2},
		"nil", nil,
		"ok", true,
	)
	cases := []struct {
		name   string
		filter bson.D
		want   bool
	}{
		{"empty", d(), true},
		{"implicit eq", d("s", "moveChunk.from"), true},
		{"implicit eq miss", d("s", "moveChunk.to"), false},
		{"number across types", d("n", 5.0), true},
		{"int32 equals int64", d("n", int32(5)), true},
		{"array contains", d("tags", "b"), true},
		{"array whole", d("tags", a("a", "b")), true},
		{"array order matters", d("tags", a("b", "a")), false},
		{"dotted subdoc", d("sub.y.z", "deep"), true},
		{"dotted into array", d("items.k", "q"), true},
		{"array index", d("items.1.v", int32(9)), true},
		{"array index wrong", d("items.0.v", int32(9)), false},
		{"subdoc equality", d("sub", d("x", int32(1), "y", d("z", "deep"))), true},
		{"subdoc field order", d("sub", d("y", d("z", "deep"), "x", int32(1))), false},
		{"null matches missing", d("nope", nil), true},
		{"null matches null", d("nil", nil), true},
		{"null vs value", d("s", nil), false},
		{"$eq", d("f", d("$eq", 2.5)), true},
		{"$ne", d("s", d("$ne", "x")), true},
		{"$ne array", d("tags", d("$ne", "a")), false},
		{"$ne null on missing", d("nope", d("$ne", nil)), false},
		{"$gt", d("n", d("$gt", int32(4))), true},
		{"$gt equal", d("n", d("$gt", int32(5))), false},
		{"$gte", d("n", d("$gte", 5.0)), true},
		{"$lt", d("f", d("$lt", int64(3))), true},
		{"$lte", d("f", d("$lte", 2.4)), false},
		{"$gt array element", d("nums", d("$gt", int32(5))), true},
		{"$gt no cross type", d("s", d("$gt", int32(1))), false},
		{"$gt string", d("s", d("$gt", "m")), true},
		{"range", d("n", d("$gt", int32(1), "$lt", int32(6))), true},
		{"date $gt", d("time", d("$gt", t0-1000)), true},
		{"date $lt", d("time", d("$lt", t0)), false},
		{"timestamp $gte", d("ts", d("$gte", bson.Timestamp{T: 100, I: 1})), true},
		{"timestamp $gt", d("ts", d("$gt", bson.Timestamp{T: 100, I: 2})), false},
		{"$in", d("s", d("$in", a("x", "moveChunk.from"))), true},
		{"$in array field", d("tags", d("$in", a("z", "a"))), true},
		{"$in regex", d("s", d("$in", a(bson.Regex{Pattern: "^move"}))), true},
		{"$in null missing", d("nope", d("$in", a(nil))), true},
		{"$nin", d("s", d("$nin", a("x", "y"))), true},
		{"$nin hit", d("tags", d("$nin", a("b"))), false},
		{"$exists true", d("sub.x", d("$exists", true)), true},
		{"$exists false", d("details.errmsg", d("$exists", false)), true},
		{"$exists null field", d("nil", d("$exists", true)), true},
		{"$exists 0", d("s", d("$exists", int32(0))), false},
		{"$regex", d("s", d("$regex", "^move")), true},
		{"$regex options", d("s", d("$regex", "^MOVE", "$options", "i")), true},
		{"$regex case", d("s", d("$regex", "^MOVE")), false},
		{"regex value", d("s", bson.Regex{Pattern: "chunk\\.", Options: "i"}), true},
		{"regex array", d("tags", bson.Regex{Pattern: "^b$"}), true},
		{"$and", d("$and", a(d("n", int64(5)), d("s", "moveChunk.from"))), true},
		{"$and false", d("$and", a(d("n", int64(5)), d("s", "x"))), false},
		{"$or", d("$or", a(d("details.errmsg", d("$exists", true)), d("s", d("$ne", "success")))), true},
		{"$or false", d("$or", a(d("n", int32(1)), d("s", "x"))), false},
		{"$nor", d("$nor", a(d("n", int32(1)), d("s", "x"))), true},
		{"$not", d("n", d("$not", d("$gt", int32(10)))), true},
		{"$not regex", d("s", d("$not", bson.Regex{Pattern: "^move"})), false},
		{"$not on missing", d("nope", d("$not", d("$gt", int32(1)))), true},
		{"$type string", d("s", d("$type", "string")), true},
		{"$type long", d("n", d("$type", "long")), true},
		{"$type int is not long", d("_id", d("$type", "long")), false},
		{"$type number", d("f", d("$type", "number")), true},
		{"$type code", d("f", d("$type", int32(1))), true},
		{"$type array", d("tags", d("$type", "array")), true},
		{"$type list", d("ts", d("$type", a("date", "timestamp"))), true},
		{"$type null", d("nil", d("$type", "null")), true},
		{"$type missing", d("nope", d("$type", "null")), false},
		{"$size", d("tags", d("$size", int32(2))), true},
		{"$size wrong", d("tags", d("$size", int32(1))), false},
		{"$elemMatch doc", d("items", d("$elemMatch", d("k", "q", "v", d("$gt", int32(5))))), true},
		{"$elemMatch no one element", d("items", d("$elemMatch", d("k", "p", "v", d("$gt", int32(5))))), false},
		{"$elemMatch values", d("nums", d("$elemMatch", d("$gt", int32(5), "$lt", int32(8)))), true},
		{"$all", d("tags", d("$all", a("b", "a"))), true},
		{"$all missing one", d("tags", d("$all", a("b", "c"))), false},
		{"$mod", d("nums", d("$mod", a(int32(4), int32(3)))), true},
		{"$expr", d("$expr", d("$gt", a("$n", "$f"))), true},
		{"$expr false", d("$expr", d("$eq", a("$n", "$f"))), false},
		{"$comment", d("$comment", "why", "ok", true), true},
		{"bool", d("ok", false), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Match(doc, tc.filter)
			if err != nil {
				t.Fatalf("Match(%s): %v", Canonical(tc.filter), err)
			}
			if got != tc.want {
				t.Fatalf("Match(%s) = %v, want %v", Canonical(tc.filter), got, tc.want)
			}
		})
	}
}

func TestMatchNullInArrayOfDocs(t *testing.T) {
	doc := d("a", a(d("b", int32(1)), d("c", int32(2))))
	for _, tc := range []struct {
		filter bson.D
		want   bool
	}{
		{d("a.b", nil), true}, // the second element has no b
		{d("a.b", d("$exists", true)), true},
		{d("a.c", int32(2)), true},
		{d("a.b", int32(2)), false},
	} {
		got, err := Match(doc, tc.filter)
		if err != nil || got != tc.want {
			t.Fatalf("Match(%s) = %v, %v; want %v", Canonical(tc.filter), got, err, tc.want)
		}
	}
}

func TestMatchErrors(t *testing.T) {
	doc := d("a", int32(1))
	cases := []struct {
		filter bson.D
		code   int32
		msg    string
	}{
		{d("a", d("$foo", int32(1))), 2, "unknown operator: $foo"},
		{d("$foo", int32(1)), 2, "unknown top level operator: $foo. If you have a field name that starts with a '$' symbol, consider using $getField or $setField."},
		{d("$or", a()), 2, "$and/$or/$nor must be a nonempty array"},
		{d("$and", "x"), 2, "$and/$or/$nor must be a nonempty array"},
		{d("$or", a(int32(1))), 2, "$or/$and/$nor entries need to be full objects"},
		{d("a", d("$in", int32(1))), 2, "$in needs an array"},
		{d("a", d("$nin", "x")), 2, "$nin needs an array"},
		{d("a", d("$not", int32(1))), 2, "$not needs a regex or a document"},
		{d("a", d("$size", "x")), 2, "$size needs a number"},
		{d("a", d("$type", "nope")), 2, "Unknown type name alias: nope"},
		{d("a", d("$options", "i")), 2, "$options needs a $regex"},
		{d("a", d("$regex", int32(1))), 2, "$regex has to be a string"},
		{d("a", d("$regex", "(?=x)")), 51091, ""},
		{d("a", d("$regex", "x", "$options", "q")), 51108, "invalid flag in regex options: q"},
		{d("a", d("$elemMatch", int32(1))), 2, "$elemMatch needs an Object"},
		{d("$expr", d("$nope", int32(1))), 168, "Unrecognized expression '$nope'"},
	}
	for _, tc := range cases {
		_, err := Match(doc, tc.filter)
		wantError(t, err, tc.code, tc.msg)
	}
}

func TestCompare(t *testing.T) {
	oid1, oid2 := bson.ObjectID{1}, bson.ObjectID{2}
	ordered := []any{
		bson.MinKey{}, nil, int32(-3), int64(2), 2.5, int32(3), "a", "b", d("a", int32(1)),
		a(int32(1)), oid1, oid2, false, true, bson.DateTime(5), bson.DateTime(6),
		bson.Timestamp{T: 1, I: 1}, bson.Timestamp{T: 1, I: 2}, bson.MaxKey{},
	}
	for i := range ordered {
		for j := range ordered {
			got := Compare(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Fatalf("Compare(%s, %s) = %d, want %d", Canonical(ordered[i]), Canonical(ordered[j]), got, want)
			}
		}
	}
	if Compare(int64(1<<62+1), float64(1<<62)) != 1 {
		t.Fatal("int64 precision lost against a double")
	}
	if Compare(missing{}, nil) != 0 || Compare(int32(2), 2.0) != 0 {
		t.Fatal("missing must equal null and 2 must equal 2.0")
	}
}

func TestMatchAcceptsBsonM(t *testing.T) {
	ok, err := Match(d("a", int32(3)), d("a", bson.M{"$gt": int32(1), "$lt": int32(5)}))
	if err != nil || !ok {
		t.Fatalf("bson.M operators: %v %v", ok, err)
	}
	got, err := Update(d("_id", int32(1)), d("$set", bson.M{"b": int32(2)}))
	if err != nil {
		t.Fatal(err)
	}
	sameDocs(t, []bson.D{got}, []bson.D{d("_id", int32(1), "b", int32(2))})
}
