package probes

import (
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Server documents change types between versions and values (int32 while
// small, int64 later, double on some builds), so every read goes through
// these helpers: they accept any numeric type and report absence or a wrong
// type as "unknown" instead of panicking.

func lookup(doc bson.Raw, keys ...string) (v bson.RawValue, ok bool) {
	if len(doc) < 5 {
		return bson.RawValue{}, false
	}
	// The driver's lookup panics on some malformed nested documents (found
	// by fuzzing); a reply that broken reads as "field unknown".
	defer func() {
		if recover() != nil {
			v, ok = bson.RawValue{}, false
		}
	}()
	v, err := doc.LookupErr(keys...)
	return v, err == nil
}

// safely runs a decoder and turns a panic inside the BSON library into an
// error, so a malformed reply is a failed sample, never a crash.
func safely(what string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s reply is malformed: %v", what, r)
	}
}

func getInt(doc bson.Raw, keys ...string) (int64, bool) {
	v, ok := lookup(doc, keys...)
	if !ok {
		return 0, false
	}
	return rawInt(v)
}

func rawInt(v bson.RawValue) (int64, bool) {
	switch v.Type {
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDecimal128:
		if v.Type == bson.TypeDouble {
			f := v.Double()
			return int64(f), f == f
		}
		return v.AsInt64OK()
	case bson.TypeBoolean:
		if v.Boolean() {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func getFloat(doc bson.Raw, keys ...string) (float64, bool) {
	v, ok := lookup(doc, keys...)
	if !ok {
		return 0, false
	}
	switch v.Type {
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble:
		return v.AsFloat64OK()
	}
	return 0, false
}

func getString(doc bson.Raw, keys ...string) string {
	v, ok := lookup(doc, keys...)
	if !ok {
		return ""
	}
	s, _ := v.StringValueOK()
	return s
}

func getBool(doc bson.Raw, keys ...string) bool {
	v, ok := lookup(doc, keys...)
	if !ok {
		return false
	}
	if b, ok := v.BooleanOK(); ok {
		return b
	}
	n, ok := rawInt(v)
	return ok && n != 0
}

func getDoc(doc bson.Raw, keys ...string) (bson.Raw, bool) {
	v, ok := lookup(doc, keys...)
	if !ok {
		return nil, false
	}
	return v.DocumentOK()
}

func getArray(doc bson.Raw, keys ...string) (vals []bson.RawValue) {
	v, ok := lookup(doc, keys...)
	if !ok {
		return nil
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return nil
	}
	defer func() {
		if recover() != nil {
			vals = nil
		}
	}()
	vals, _ = arr.Values()
	return vals
}

// getTime reads a BSON date, a Timestamp (seconds) or an ISO string.
func getTime(doc bson.Raw, keys ...string) (time.Time, bool) {
	v, ok := lookup(doc, keys...)
	if !ok {
		return time.Time{}, false
	}
	return rawTime(v)
}

func rawTime(v bson.RawValue) (time.Time, bool) {
	switch v.Type {
	case bson.TypeDateTime:
		return v.Time(), true
	case bson.TypeTimestamp:
		t, _ := v.Timestamp()
		return time.Unix(int64(t), 0).UTC(), true
	case bson.TypeString:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999-0700", "2006-01-02T15:04:05.999Z07:00"} {
			if t, err := time.Parse(layout, v.StringValue()); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// rawString renders a scalar as text (opids are ints on mongod and strings
// on mongos; both become strings).
func rawString(v bson.RawValue) string {
	switch v.Type {
	case bson.TypeString:
		return v.StringValue()
	case bson.TypeInt32, bson.TypeInt64:
		n, _ := v.AsInt64OK()
		return strconv.FormatInt(n, 10)
	case bson.TypeDouble:
		return strconv.FormatFloat(v.Double(), 'f', -1, 64)
	}
	return ""
}
