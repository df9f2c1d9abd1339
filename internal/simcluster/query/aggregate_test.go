package query

import (
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func orders() []bson.D {
	return []bson.D{
		d("_id", int32(1), "cust", "ann", "total", int32(10), "items", a("pen", "ink"), "at", date(time.Hour)),
		d("_id", int32(2), "cust", "bob", "total", 2.5, "items", a(), "at", date(2*time.Hour)),
		d("_id", int32(3), "cust", "ann", "total", int64(7), "items", a("pen"), "at", date(3*time.Hour)),
		d("_id", int32(4), "cust", "cy", "items", nil),
	}
}

func TestStages(t *testing.T) {
	cases := []struct {
		name     string
		pipeline []bson.D
		want     []bson.D
	}{
		{"count", []bson.D{d("$match", d("cust", "ann")), d("$count", "n")}, []bson.D{d("n", int32(2))}},
		{"count empty", []bson.D{d("$match", d("cust", "zed")), d("$count", "n")}, []bson.D{}},
		{"skip limit", []bson.D{d("$skip", int32(1)), d("$limit", int32(2)), d("$project", d("_id", int32(1)))},
			[]bson.D{d("_id", int32(2)), d("_id", int32(3))}},
		{"group accumulators", []bson.D{
			d("$group", d("_id", "$cust", "sum", d("$sum", "$total"), "avg", d("$avg", "$total"),
				"min", d("$min", "$total"), "max", d("$max", "$total"), "first", d("$first", "$_id"),
				"last", d("$last", "$_id"), "all", d("$push", "$total"), "n", d("$sum", int32(1)))),
			d("$sort", d("_id", int32(1)))},
			[]bson.D{
				d("_id", "ann", "sum", int64(17), "avg", 8.5, "min", int64(7), "max", int32(10), "first", int32(1), "last", int32(3), "all", a(int32(10), int64(7)), "n", int32(2)),
				d("_id", "bob", "sum", 2.5, "avg", 2.5, "min", 2.5, "max", 2.5, "first", int32(2), "last", int32(2), "all", a(2.5), "n", int32(1)),
				d("_id", "cy", "sum", int32(0), "avg", nil, "min", nil, "max", nil, "first", int32(4), "last", int32(4), "all", a(), "n", int32(1)),
			}},
		{"group null id", []bson.D{d("$group", d("_id", nil, "total", d("$sum", "$total")))},
			[]bson.D{d("_id", nil, "total", 19.5)}},
		{"group numbers across types", []bson.D{
			d("$project", d("k", d("$cond", a(d("$eq", a("$cust", "ann")), int32(1), 1.0)))),
			d("$group", d("_id", "$k", "n", d("$sum", int32(1))))},
			[]bson.D{d("_id", int32(1), "n", int32(4))}},
		{"addToSet", []bson.D{d("$unwind", "$items"), d("$group", d("_id", nil, "s", d("$addToSet", "$items")))},
			[]bson.D{d("_id", nil, "s", a("pen", "ink"))}},
		{"unwind string", []bson.D{d("$unwind", "$items"), d("$project", d("_id", int32(1), "items", int32(1)))},
			[]bson.D{d("_id", int32(1), "items", "pen"), d("_id", int32(1), "items", "ink"), d("_id", int32(3), "items", "pen")}},
		{"unwind preserve", []bson.D{
			d("$unwind", d("path", "$items", "includeArrayIndex", "i", "preserveNullAndEmptyArrays", true)),
			d("$project", d("items", int32(1), "i", int32(1)))},
			[]bson.D{d("_id", int32(1), "items", "pen", "i", int64(0)), d("_id", int32(1), "items", "ink", "i", int64(1)),
				d("_id", int32(2), "i", nil), d("_id", int32(3), "items", "pen", "i", int64(0)), d("_id", int32(4), "items", nil, "i", nil)}},
		{"addFields and unset", []bson.D{d("$match", d("_id", int32(1))), d("$addFields", d("n", d("$size", "$items"), "sub.x", int32(1))),
			d("$unset", a("items", "at"))},
			[]bson.D{d("_id", int32(1), "cust", "ann", "total", int32(10), "n", int32(2), "sub", d("x", int32(1)))}},
		{"set replaces in place", []bson.D{d("$match", d("_id", int32(3))), d("$set", d("cust", d("$toUpper", "$cust"))), d("$project", d("cust", int32(1), "_id", int32(0)))},
			[]bson.D{d("cust", "ANN")}},
		{"sort with missing", []bson.D{d("$sort", d("total", int32(1))), d("$project", d("_id", int32(1)))},
			[]bson.D{d("_id", int32(4)), d("_id", int32(2)), d("_id", int32(3)), d("_id", int32(1))}},
		{"project nested", []bson.D{d("$match", d("_id", int32(1))), d("$project", d("_id", int32(0), "o", d("c", "$cust", "t", "$total")))},
			[]bson.D{d("o", d("c", "ann", "t", int32(10)))}},
		{"project exclusion", []bson.D{d("$match", d("_id", int32(2))), d("$project", d("items", int32(0), "at", int32(0)))},
			[]bson.D{d("_id", int32(2), "cust", "bob", "total", 2.5)}},
		{"project literal and remove", []bson.D{d("$match", d("_id", int32(2))), d("$project", d("x", d("$literal", "$notapath"), "y", "$$REMOVE"))},
			[]bson.D{d("_id", int32(2), "x", "$notapath")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := orders()
			got, err := Aggregate(in, tc.pipeline)
			if err != nil {
				t.Fatal(err)
			}
			sameDocs(t, got, tc.want)
			sameDocs(t, in, orders()) // input untouched
		})
	}
}

func TestStageErrors(t *testing.T) {
	cases := []struct {
		stage bson.D
		code  int32
		msg   string
	}{
		{d("$x", int32(1)), 40324, "Unrecognized pipeline stage name: '$x'"},
		{d("$match", d(), "$limit", int32(1)), 40323, "A pipeline stage specification object must contain exactly one field."},
		{d("$lookup", d()), 238, "$lookup is not supported by the simulated cluster"},
		{d("$currentOp", d()), 40602, "$currentOp is only valid as the first stage in a pipeline"},
		{d("$match", d("a", d("$bad", int32(1)))), 2, "unknown operator: $bad"},
		{d("$project", d("a", d("$bad", int32(1)))), 168, "Unrecognized expression '$bad'"},
		{d("$project", d()), 51272, "Invalid $project :: caused by :: projection specification must have at least one field"},
		{d("$limit", int32(0)), 15958, "the limit must be positive"},
		{d("$skip", int32(-1)), 15956, "Argument to $skip cannot be negative"},
		{d("$sort", d()), 15976, "$sort stage must have at least one sort key"},
		{d("$count", ""), 40157, "the count field must be a non-empty string"},
		{d("$count", "a.b"), 40160, "the count field cannot contain '.'"},
		{d("$group", d("n", d("$sum", int32(1)))), 15955, "a group specification must include an _id"},
		{d("$group", d("_id", nil, "n", d("$median", "$a"))), 15952, "unknown group operator '$median'"},
		{d("$group", d("_id", nil, "n", int32(1))), 40234, "The field 'n' must be an accumulator object"},
		{d("$unwind", "items"), 28818, "path option to $unwind stage should be prefixed with a '$': items"},
		{d("$project", d("a", "$$FOO")), 17276, "Use of undefined variable: FOO"},
	}
	for _, tc := range cases {
		_, err := Aggregate(orders(), []bson.D{tc.stage})
		wantError(t, err, tc.code, tc.msg)
	}
}

func TestExpressions(t *testing.T) {
	timeNow = func() time.Time { return now }
	defer func() { timeNow = time.Now }()
	doc := d("i", int32(7), "l", int64(3), "f", 1.5, "s", "ab", "arr", a(int32(1), int32(2), int32(3)),
		"t", bson.NewDateTimeFromTime(time.Date(2026, 3, 4, 5, 6, 7, 89e6, time.UTC)), "n", nil,
		"sub", d("x", int32(1)), "big", int32(2147483647))
	cases := []struct {
		expr any
		want any
	}{
		{"$sub.x", int32(1)},
		{d("$ifNull", a("$nope", "$n", "dflt")), "dflt"},
		{d("$ifNull", a("$i", "dflt")), int32(7)},
		{d("$cond", a(d("$gt", a("$i", int32(5))), "big", "small")), "big"},
		{d("$cond", d("if", false, "then", int32(1), "else", int32(2))), int32(2)},
		{d("$eq", a("$l", 3.0)), true},
		{d("$eq", a("$nope", nil)), false},
		{d("$lte", a("$nope", nil)), true},
		{d("$ne", a("$s", "ab")), false},
		{d("$gte", a("$s", "aa")), true},
		{d("$lt", a("$i", "$l")), false},
		{d("$and", a(true, int32(1), "$s")), true},
		{d("$and", a(true, int32(0))), false},
		{d("$or", a(false, "$nope")), false},
		{d("$not", a("$n")), true},
		{d("$add", a("$i", "$l")), int64(10)},
		{d("$add", a("$i", int32(1))), int32(8)},
		{d("$add", a("$big", int32(1))), int64(2147483648)},
		{d("$add", a("$i", "$f")), 8.5},
		{d("$add", a("$t", int32(1000))), bson.NewDateTimeFromTime(time.Date(2026, 3, 4, 5, 6, 8, 89e6, time.UTC))},
		{d("$add", a("$i", "$nope")), nil},
		{d("$subtract", a("$i", "$l")), int64(4)},
		{d("$subtract", a("$$NOW", "$t")), int64(now.Sub(time.Date(2026, 3, 4, 5, 6, 7, 89e6, time.UTC)) / time.Millisecond)},
		{d("$multiply", a("$i", "$f")), 10.5},
		{d("$multiply", a("$i", int32(2))), int32(14)},
		{d("$divide", a("$i", int32(2))), 3.5},
		{d("$toString", "$i"), "7"},
		{d("$toString", "$f"), "1.5"},
		{d("$toString", "$t"), "2026-03-04T05:06:07.089Z"},
		{d("$toString", "$nope"), nil},
		{d("$concat", a("$s", "-", "$s")), "ab-ab"},
		{d("$concat", a("$s", "$n")), nil},
		{d("$size", "$arr"), int32(3)},
		{d("$arrayElemAt", a("$arr", int32(-1))), int32(3)},
		{d("$arrayElemAt", a("$arr", int32(0))), int32(1)},
		{d("$in", a(int32(2), "$arr")), true},
		{d("$in", a(int32(9), "$arr")), false},
		{d("$literal", d("$add", a(int32(1)))), d("$add", a(int32(1)))},
		{d("$dateToString", d("date", "$t")), "2026-03-04T05:06:07.089Z"},
		{d("$dateToString", d("date", "$t", "format", "%Y/%m/%d %H:%M:%S %j %%", "timezone", "+02:00")), "2026/03/04 07:06:07 063 %"},
		{d("$dateToString", d("date", "$nope", "onNull", "none")), "none"},
		{d("$cmp", a("$i", int32(9))), int32(-1)},
		{d("$type", "$l"), "long"},
		{a("$i", "$nope"), a(int32(7), nil)},
		{d("a", "$i", "b", "$nope"), d("a", int32(7))},
	}
	for _, tc := range cases {
		got, err := Aggregate([]bson.D{doc}, []bson.D{d("$project", d("_id", int32(0), "v", tc.expr))})
		if err != nil {
			t.Fatalf("%s: %v", Canonical(tc.expr), err)
		}
		var v any = missing{}
		if len(got[0]) > 0 {
			v = got[0][0].Value
		}
		if !identical(v, tc.want) {
			t.Fatalf("%s = %s (%s), want %s (%s)", Canonical(tc.expr), Canonical(v), typeName(v), Canonical(tc.want), typeName(tc.want))
		}
	}
}

func TestExpressionErrors(t *testing.T) {
	doc := d("s", "x", "i", int32(1))
	cases := []struct {
		expr any
		code int32
		msg  string
	}{
		{d("$add", a("$s", int32(1))), 16554, "$add only supports numeric or date types, not string"},
		{d("$divide", a("$i", int32(0))), 16608, "can't $divide by zero"},
		{d("$concat", a("$i")), 16702, "$concat only supports strings, not int"},
		{d("$size", "$s"), 17124, "The argument to $size must be an array. Type of argument is string"},
		{d("$eq", a(int32(1))), 16020, "Expression $eq takes exactly 2 arguments. 1 were passed in."},
		{d("$in", a(int32(1), "$s")), 40081, "$in requires an array as a second argument, found: string"},
		{d("$arrayElemAt", a("$s", int32(0))), 28689, "$arrayElemAt's first argument must be an array, but is string"},
		{d("$dateToString", d("date", "$s")), 16006, "can't convert from BSON type string to Date"},
		{d("$dateToString", d("date", "$i", "format", "%Q")), 18536, "Invalid format character '%Q' in format string"},
		{d("$toString", d("$literal", d("a", int32(1)))), 241, "Unsupported conversion from object to string in $convert with no onError value"},
		{d("$add", int32(1), "$x", int32(2)), 15983, ""},
	}
	for _, tc := range cases {
		_, err := Aggregate([]bson.D{doc}, []bson.D{d("$project", d("v", tc.expr))})
		wantError(t, err, tc.code, tc.msg)
	}
}

func TestIdenticalHelper(t *testing.T) {
	if identical(int32(1), int64(1)) || identical(d("a", int32(1)), d("a", 1.0)) || !identical(a("x"), a("x")) {
		t.Fatal("identical must tell BSON types apart")
	}
}
