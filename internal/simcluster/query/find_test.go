package query

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func settingsLike() []bson.D {
	return []bson.D{
		d("_id", "balancer", "mode", "full", "stopped", false, "activeWindow", d("start", "01:00", "stop", "05:00")),
		d("_id", "chunksize", "value", int32(128)),
		d("_id", "autosplit", "enabled", true),
	}
}

func opsLike() []bson.D {
	return []bson.D{
		d("opid", int32(1), "secs_running", int64(3), "ns", "shop.orders", "client", d("app", "web")),
		d("opid", int32(2), "secs_running", int64(40), "ns", "shop.events", "client", d("app", "analytics")),
		d("opid", int32(3), "ns", "admin.$cmd", "client", d("app", "web")),
		d("opid", int32(4), "secs_running", int64(12), "ns", "shop.orders", "tags", a("z", "a")),
	}
}

func TestFind(t *testing.T) {
	ops := opsLike()
	cases := []struct {
		name                     string
		filter, sort, projection bson.D
		skip, limit              int64
		want                     []bson.D
	}{
		{name: "findOne by _id", filter: d("_id", "chunksize"), want: []bson.D{settingsLike()[1]}},
		{name: "sort desc limit", sort: d("secs_running", int32(-1)), limit: 2,
			projection: d("opid", int32(1), "_id", int32(0)),
			want:       []bson.D{d("opid", int32(2)), d("opid", int32(4))}},
		{name: "missing sorts first ascending", sort: d("secs_running", int32(1)), limit: 1,
			projection: d("opid", true), want: []bson.D{d("opid", int32(3))}},
		{name: "negative limit", sort: d("opid", int32(1)), limit: -1, projection: d("opid", int32(1)),
			want: []bson.D{d("opid", int32(1))}},
		{name: "skip", sort: d("opid", int32(1)), skip: 3, projection: d("opid", int32(1)),
			want: []bson.D{d("opid", int32(4))}},
		{name: "skip past end", skip: 10, want: []bson.D{}},
		{name: "multi-key sort", sort: d("ns", int32(1), "opid", int32(-1)), projection: d("opid", int32(1), "ns", int32(1)),
			want: []bson.D{d("opid", int32(3), "ns", "admin.$cmd"), d("opid", int32(2), "ns", "shop.events"),
				d("opid", int32(4), "ns", "shop.orders"), d("opid", int32(1), "ns", "shop.orders")}},
		{name: "dotted sort and projection", filter: d("client.app", d("$exists", true)), sort: d("client.app", int32(1), "opid", int32(1)),
			projection: d("client.app", int32(1)),
			want:       []bson.D{d("client", d("app", "analytics")), d("client", d("app", "web")), d("client", d("app", "web"))}},
		{name: "exclusion", filter: d("opid", int32(3)), projection: d("client", int32(0), "ns", false),
			want: []bson.D{d("opid", int32(3))}},
		{name: "dotted exclusion", filter: d("opid", int32(3)), projection: d("client.app", int32(0)),
			want: []bson.D{d("opid", int32(3), "ns", "admin.$cmd", "client", d())}},
		{name: "natural reverse", sort: d("$natural", int32(-1)), limit: 1, projection: d("opid", int32(1)),
			want: []bson.D{d("opid", int32(4))}},
		{name: "natural forward", sort: d("$natural", int32(1)), limit: 1, projection: d("opid", int32(1)),
			want: []bson.D{d("opid", int32(1))}},
		{name: "array sorts by min ascending", filter: d("tags", d("$exists", true)), projection: d("tags", int32(1)),
			want: []bson.D{d("tags", a("z", "a"))}},
		{name: "computed projection", filter: d("opid", int32(2)), projection: d("_id", int32(0), "app", "$client.app"),
			want: []bson.D{d("app", "analytics")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs := ops
			if tc.name == "findOne by _id" {
				docs = settingsLike()
			}
			got, err := Find(docs, tc.filter, tc.sort, tc.projection, tc.skip, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			sameDocs(t, got, tc.want)
		})
	}
	if ops[0][0].Key != "opid" || len(ops) != 4 || ops[3][0].Value != int32(4) {
		t.Fatal("Find changed its input")
	}
}

func TestFindErrors(t *testing.T) {
	_, err := Find(opsLike(), nil, d("a", int32(2)), nil, 0, 0)
	wantError(t, err, 15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")
	_, err = Find(opsLike(), nil, nil, d("a", int32(1), "b", int32(0)), 0, 0)
	wantError(t, err, 31254, "Cannot do exclusion on field b in inclusion projection")
	_, err = Find(opsLike(), nil, nil, d("a", int32(0), "b", int32(1)), 0, 0)
	wantError(t, err, 31253, "Cannot do inclusion on field b in exclusion projection")
	_, err = Find(opsLike(), nil, nil, d("a", int32(1), "a.b", int32(1)), 0, 0)
	wantError(t, err, 31250, "Path collision at a.b")
	_, err = Find(opsLike(), nil, nil, nil, -1, 0)
	wantError(t, err, 2, "skip value must be non-negative, but received: -1")
	_, err = Find(opsLike(), nil, nil, d("a", d("$slice", int32(1))), 0, 0)
	wantError(t, err, 2, "projection operator $slice is not supported by the simulated cluster")
}
