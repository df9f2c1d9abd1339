package query

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// d builds a bson.D from alternating keys and values, to keep tables short.
func d(kv ...any) bson.D {
	out := make(bson.D, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return out
}

func a(v ...any) bson.A { return bson.A(v) }

// same compares documents by canonical text, which shows types (1 vs 1.0
// differ only through the Go type check in sameTyped).
func sameDocs(t *testing.T, got, want []bson.D) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d docs %s, want %d %s", len(got), docsText(got), len(want), docsText(want))
	}
	for i := range got {
		if !identical(got[i], want[i]) {
			t.Fatalf("doc %d: got %s, want %s", i, Canonical(got[i]), Canonical(want[i]))
		}
	}
}

func docsText(ds []bson.D) string {
	arr := make(bson.A, len(ds))
	for i, x := range ds {
		arr[i] = x
	}
	return Canonical(arr)
}

// identical is equality that also requires the same Go types, so an int32
// count is not mistaken for an int64 one.
func identical(x, y any) bool {
	switch xv := x.(type) {
	case bson.D:
		yv, ok := y.(bson.D)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for i := range xv {
			if xv[i].Key != yv[i].Key || !identical(xv[i].Value, yv[i].Value) {
				return false
			}
		}
		return true
	case bson.A:
		yv, ok := y.(bson.A)
		if !ok || len(xv) != len(yv) {
			return false
		}
		for i := range xv {
			if !identical(xv[i], yv[i]) {
				return false
			}
		}
		return true
	}
	return typeName(x) == typeName(y) && Compare(x, y) == 0
}

func wantError(t *testing.T, err error, code int32, msg string) {
	t.Helper()
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("got error %v, want *Error code %d", err, code)
	}
	if qe.Code != code || (msg != "" && qe.Msg != msg) {
		t.Fatalf("got %d %q (%s), want %d %q", qe.Code, qe.Msg, qe.CodeName, code, msg)
	}
}
