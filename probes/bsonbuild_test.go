package probes

import "go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

// bsonBuild writes BSON by hand for the decoders' edge documents (keys
// twice, arrays where documents are expected, broken lengths), which no
// encoder would produce.
type bsonBuild struct{}

func (bsonBuild) doc(elems ...[]byte) []byte {
	idx, doc := bsoncore.AppendDocumentStart(nil)
	for _, e := range elems {
		doc = append(doc, e...)
	}
	doc, _ = bsoncore.AppendDocumentEnd(doc, idx)
	return doc
}

func (bsonBuild) str(k, v string) []byte         { return bsoncore.AppendStringElement(nil, k, v) }
func (bsonBuild) i32(k string, v int32) []byte   { return bsoncore.AppendInt32Element(nil, k, v) }
func (bsonBuild) i64(k string, v int64) []byte   { return bsoncore.AppendInt64Element(nil, k, v) }
func (bsonBuild) dbl(k string, v float64) []byte { return bsoncore.AppendDoubleElement(nil, k, v) }
func (bsonBuild) boolean(k string, v bool) []byte {
	return bsoncore.AppendBooleanElement(nil, k, v)
}
func (bsonBuild) sub(k string, doc []byte) []byte { return bsoncore.AppendDocumentElement(nil, k, doc) }
func (bsonBuild) arr(k string, doc []byte) []byte { return bsoncore.AppendArrayElement(nil, k, doc) }
