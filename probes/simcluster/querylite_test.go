package simcluster

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestLiteQueryEngine(t *testing.T) {
	docs := []bson.D{
		{{Key: "_id", Value: int32(1)}, {Key: "shard", Value: "a"}, {Key: "n", Value: int64(5)}, {Key: "d", Value: bson.D{{Key: "x", Value: "p"}}}},
		{{Key: "_id", Value: int32(2)}, {Key: "shard", Value: "b"}, {Key: "n", Value: 2.5}},
		{{Key: "_id", Value: int32(3)}, {Key: "shard", Value: "a"}, {Key: "n", Value: int32(9)}},
	}
	cases := []struct {
		filter bson.D
		want   int
	}{
		{bson.D{{Key: "shard", Value: "a"}}, 2},
		{bson.D{{Key: "n", Value: bson.D{{Key: "$gt", Value: 3}}}}, 2},
		{bson.D{{Key: "n", Value: bson.D{{Key: "$gte", Value: 2.5}, {Key: "$lt", Value: int64(9)}}}}, 2},
		{bson.D{{Key: "d.x", Value: "p"}}, 1},
		{bson.D{{Key: "d", Value: bson.D{{Key: "$exists", Value: false}}}}, 2},
		{bson.D{{Key: "shard", Value: bson.D{{Key: "$in", Value: bson.A{"b", "c"}}}}}, 1},
		{bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "n", Value: 2.5}}}}}, 2},
		{bson.D{{Key: "shard", Value: bson.D{{Key: "$ne", Value: "a"}}}}, 1},
	}
	for _, tc := range cases {
		got, err := liteFind(docs, tc.filter, nil, nil, 0, 0)
		if err != nil || len(got) != tc.want {
			t.Errorf("filter %v: got %d docs (%v), want %d", tc.filter, len(got), err, tc.want)
		}
	}
	if _, err := liteFind(docs, bson.D{{Key: "n", Value: bson.D{{Key: "$where", Value: "1"}}}}, nil, nil, 0, 0); err == nil {
		t.Error("an unknown operator must fail")
	}
	sorted, _ := liteFind(docs, nil, bson.D{{Key: "n", Value: -1}}, nil, 0, 2)
	if len(sorted) != 2 || sorted[0][0].Value != int32(3) || sorted[1][0].Value != int32(1) {
		t.Errorf("sort n desc limit 2 = %v", sorted)
	}
	out, err := liteAggregate(docs, []bson.D{
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$shard"}, {Key: "cnt", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
		{{Key: "$project", Value: bson.D{{Key: "_id", Value: 0}, {Key: "shard", Value: "$_id"}, {Key: "nChunks", Value: "$cnt"}}}},
		{{Key: "$sort", Value: bson.D{{Key: "shard", Value: 1}}}},
	})
	if err != nil || len(out) != 2 || lookupD(out[0], "shard") != "a" || lookupD(out[0], "nChunks") != int32(2) || lookupD(out[0], "_id") != nil {
		t.Errorf("group/project/sort = %v, %v", out, err)
	}
	if out, _ := liteAggregate(nil, []bson.D{{{Key: "$count", Value: "n"}}}); len(out) != 0 {
		t.Errorf("$count of nothing = %v", out)
	}
	upd, err := liteUpdate(docs[0], bson.D{{Key: "$set", Value: bson.D{{Key: "shard", Value: "z"}}}, {Key: "$unset", Value: bson.D{{Key: "d", Value: ""}}}})
	if err != nil || lookupD(upd, "shard") != "z" || lookupD(upd, "d") != nil {
		t.Errorf("update = %v, %v", upd, err)
	}
}
