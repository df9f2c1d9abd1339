package simcluster

import (
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// currentOpOptions are the options of a $currentOp stage.
type currentOpOptions struct {
	allUsers, idleConnections, idleSessions, localOps, targetAllNodes bool
}

// currentOpFlags are the stage's boolean options, in the server's order.
var currentOpFlags = []string{"allUsers", "idleConnections", "idleCursors", "idleSessions", "localOps", "truncateOps", "targetAllNodes"}

// liteParseCurrentOp is the check DocumentSourceCurrentOp::LiteParsed::parse
// makes before authorization: the spec is a document, and allUsers and
// localOps, which decide the privilege needed, are booleans.
func liteParseCurrentOp(spec any) (bson.D, error) {
	d, ok := spec.(bson.D)
	if !ok {
		return nil, typeMismatch("$currentOp options must be specified in an object, but found: " + serverTypeName(spec))
	}
	for _, e := range d {
		if _, isBool := e.Value.(bool); !isBool && (e.Key == "allUsers" || e.Key == "localOps") {
			return nil, typeMismatch(fmt.Sprintf("The '%s' parameter of the $currentOp stage must be a boolean value, but found: %s", e.Key, serverTypeName(e.Value)))
		}
	}
	return d, nil
}

// parseCurrentOpSpec is createFromBson: from 7.1 the strict IDL struct
// CurrentOpSpec (document_source_current_op.idl: unknown fields are
// IDLUnknownField, optionalBool fields TypeMismatch); before, a hand-written
// loop answering FailedToParse (document_source_current_op.cpp, 4.4–7.0).
func (c *Cluster) parseCurrentOpSpec(d bson.D, onMongos bool) (currentOpOptions, error) {
	o := currentOpOptions{idleSessions: true}
	idl := c.atLeast(7, 1)
	for _, e := range d {
		if !isCurrentOpFlag(e.Key, c) {
			if idl {
				return o, &queryError{code: 40415, codeName: "IDLUnknownField", msg: "BSON field '$currentOp." + e.Key + "' is an unknown field."}
			}
			return o, failedToParse("Unrecognized option '" + e.Key + "' in $currentOp stage.")
		}
		b, isBool := e.Value.(bool)
		switch {
		case !isBool && idl:
			return o, typeMismatch(fmt.Sprintf("Field '%s' should be a boolean value, but found: %s", e.Key, serverTypeName(e.Value)))
		case !isBool:
			return o, failedToParse(fmt.Sprintf("The '%s' parameter of the $currentOp stage must be a boolean value, but found: %s", e.Key, serverTypeName(e.Value)))
		}
		o.set(e.Key, b)
	}
	if o.localOps && o.targetAllNodes {
		return o, failedToParse("The 'localOps' parameter of the $currentOp stage cannot be true when 'targetAllNodes' is also true")
	}
	if o.targetAllNodes && !onMongos {
		return o, failedToParse("$currentOp supports targetAllNodes parameter only for sharded clusters")
	}
	return o, nil
}

// isCurrentOpFlag: targetAllNodes exists from 7.1, backtrace until 7.0.
func isCurrentOpFlag(key string, c *Cluster) bool {
	switch key {
	case "targetAllNodes":
		return c.atLeast(7, 1)
	case "backtrace":
		return !c.atLeast(7, 1)
	}
	for _, f := range currentOpFlags {
		if f == key {
			return true
		}
	}
	return false
}

func (o *currentOpOptions) set(key string, b bool) {
	switch key {
	case "allUsers":
		o.allUsers = b
	case "idleConnections":
		o.idleConnections = b
	case "idleSessions":
		o.idleSessions = b
	case "localOps":
		o.localOps = b
	case "targetAllNodes":
		o.targetAllNodes = b
	}
}

func typeMismatch(msg string) error {
	return &queryError{code: 14, codeName: "TypeMismatch", msg: msg}
}

func failedToParse(msg string) error {
	return &queryError{code: 9, codeName: "FailedToParse", msg: msg}
}

// serverTypeName is the server's typeName() of a decoded BSON value.
func serverTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int32:
		return "int"
	case int64:
		return "long"
	case float64:
		return "double"
	case string:
		return "string"
	case bson.D, bson.M:
		return "object"
	case bson.A:
		return "array"
	case bson.ObjectID:
		return "objectId"
	case bson.DateTime:
		return "date"
	case bson.Timestamp:
		return "timestamp"
	case bson.Binary:
		return "binData"
	case bson.Decimal128:
		return "decimal"
	case bson.Regex:
		return "regex"
	case bson.MinKey:
		return "minKey"
	case bson.MaxKey:
		return "maxKey"
	}
	return "unknown"
}
