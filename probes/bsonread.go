package probes

import (
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
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

// elements walks a document's elements once, in order, the way the
// driver's LookupErr does: within the length the document declares,
// stopping at the first element it cannot read. Reading every field a
// decoder needs in one such walk gives each the value a lookup would find
// (the first element with its key) at the cost of one scan, not one each.
type elements struct {
	rem    []byte
	length int32
	broken bool // the walk stopped at bytes that are not an element
}

func walk(doc []byte) elements {
	length, rem, ok := bsoncore.ReadLength(doc)
	if !ok {
		return elements{broken: true}
	}
	return elements{rem: rem, length: length - 4}
}

// next returns the next element, its key, and its value.
func (it *elements) next() (elem bsoncore.Element, key []byte, v bson.RawValue, ok bool) {
	if it.broken || it.length <= 1 {
		return nil, nil, bson.RawValue{}, false
	}
	elem, rem, ok := bsoncore.ReadElement(it.rem)
	if !ok {
		it.broken = true
		return nil, nil, bson.RawValue{}, false
	}
	it.length -= int32(len(elem))
	it.rem = rem
	key = elem.KeyBytes() // ReadElement has found the key's end
	return elem, key, bson.RawValue{Type: bson.Type(elem[0]), Value: elem[len(key)+2:]}, true
}

// firstValues sets vals[i] to the value of keys[i] in doc, as
// lookup(doc, keys[i]) finds it, in one walk; absent keys leave the zero
// RawValue, which every raw* reader takes as unknown.
func firstValues(doc []byte, keys []string, vals []bson.RawValue) {
	it := walk(doc)
	for {
		_, key, v, ok := it.next()
		if !ok {
			return
		}
		for i, k := range keys {
			if vals[i].Type == 0 && string(key) == k {
				vals[i] = v
			}
		}
	}
}

// inner is the document a lookup with more keys descends into through v
// (an embedded document or an array); nil when it cannot descend.
func inner(v bson.RawValue) []byte {
	switch v.Type {
	case bson.TypeEmbeddedDocument, bson.TypeArray:
		if d, _, ok := bsoncore.ReadDocument(v.Value); ok {
			return d
		}
	}
	return nil
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
	v, _ := lookup(doc, keys...)
	return rawFloat(v)
}

// rawFloat reads a number as a float; absent (the zero RawValue) or
// another type is unknown.
func rawFloat(v bson.RawValue) (float64, bool) {
	switch v.Type {
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble:
		return v.AsFloat64OK()
	}
	return 0, false
}

func getString(doc bson.Raw, keys ...string) string {
	v, _ := lookup(doc, keys...)
	return rawText(v)
}

// rawText is a string value; "" for absent or any other type.
func rawText(v bson.RawValue) string {
	s, _ := v.StringValueOK()
	return s
}

// rawTextBytes is rawText's bytes, in the document: for text that is
// joined before it is kept. It accepts what the driver's StringValueOK does.
func rawTextBytes(v bson.RawValue) []byte {
	if v.Type != bson.TypeString {
		return nil
	}
	l, rem, ok := bsoncore.ReadLength(v.Value)
	if !ok || len(rem) < int(l) || l == 0 {
		return nil
	}
	return rem[:l-1]
}

func getBool(doc bson.Raw, keys ...string) bool {
	v, _ := lookup(doc, keys...)
	return rawBool(v)
}

// rawBool reads a boolean, or a number as true when it is not 0.
func rawBool(v bson.RawValue) bool {
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
