package wire

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// errorReply is the shape every real server uses for a failed command.
func errorReply(code int32, codeName, msg string) bson.Raw {
	return mustMarshal(bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: msg}, {Key: "code", Value: code}, {Key: "codeName", Value: codeName}})
}

func mustMarshal(d bson.D) bson.Raw {
	b, err := bson.Marshal(d)
	if err != nil {
		b, _ = bson.Marshal(bson.D{{Key: "ok", Value: 0.0}, {Key: "errmsg", Value: "internal error encoding reply: " + err.Error()},
			{Key: "code", Value: int32(1)}, {Key: "codeName", Value: "InternalError"}})
	}
	return b
}

// appendFields returns doc with extra fields appended.
func appendFields(doc bson.Raw, extra bson.D) bson.Raw {
	elems, err := doc.Elements()
	if err != nil {
		return doc
	}
	d := make(bson.D, 0, len(elems)+len(extra))
	for _, e := range elems {
		d = append(d, bson.E{Key: e.Key(), Value: e.Value()})
	}
	return mustMarshal(append(d, extra...))
}
