package simcluster

import (
	"fmt"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// authorize returns the real Unauthorized message, or "" when the user
// holds every privilege the command requires.
func (n *node) authorize(r *request, spec cmdSpec) string {
	for _, nd := range spec.needs(r) {
		if !r.can(nd.action, nd.res) {
			return unauthorizedMsg(r.db, r.body)
		}
	}
	return ""
}

func unauthorizedMsg(db string, body bson.Raw) string {
	return "not authorized on " + db + " to execute command " + shellRepr(body)
}

// shellRepr renders a document the way server error messages do:
// { killOp: 1, op: 1234, $db: "admin" }.
func shellRepr(doc bson.Raw) string {
	elems, err := doc.Elements()
	if err != nil || len(elems) == 0 {
		return "{}"
	}
	parts := make([]string, 0, len(elems))
	for _, e := range elems {
		parts = append(parts, e.Key()+": "+valueRepr(e.Value()))
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

func valueRepr(v bson.RawValue) string {
	switch v.Type {
	case bson.TypeString:
		return fmt.Sprintf("%q", v.StringValue())
	case bson.TypeInt32:
		return fmt.Sprint(v.Int32())
	case bson.TypeInt64:
		return fmt.Sprint(v.Int64())
	case bson.TypeDouble:
		return fmt.Sprint(v.Double())
	case bson.TypeBoolean:
		return fmt.Sprint(v.Boolean())
	case bson.TypeEmbeddedDocument:
		return shellRepr(v.Document())
	case bson.TypeArray:
		vals, _ := v.Array().Values()
		parts := make([]string, 0, len(vals))
		for _, x := range vals {
			parts = append(parts, valueRepr(x))
		}
		return "[ " + strings.Join(parts, ", ") + " ]"
	case bson.TypeBinary:
		return "UUID(...)"
	}
	return v.String()
}

// privilegesFor is connectionStatus{showPrivileges: true}'s
// authenticatedUserPrivileges: the user's roles resolved, one entry per
// resource with its actions sorted, as real servers list them.
func privilegesFor(r *request) bson.A {
	byRes := map[Resource]map[string]bool{}
	var order []Resource
	for _, p := range r.privs {
		if byRes[p.Resource] == nil {
			byRes[p.Resource] = map[string]bool{}
			order = append(order, p.Resource)
		}
		for _, a := range p.Actions {
			byRes[p.Resource][a] = true
		}
	}
	out := bson.A{}
	for _, res := range order {
		actions := make([]string, 0, len(byRes[res]))
		for a := range byRes[res] {
			actions = append(actions, a)
		}
		sort.Strings(actions)
		out = append(out, bson.D{{Key: "resource", Value: resourceDoc(res)}, {Key: "actions", Value: actions}})
	}
	return out
}

func resourceDoc(res Resource) bson.D {
	switch {
	case res.AnyResource:
		return bson.D{{Key: "anyResource", Value: true}}
	case res.Cluster:
		return bson.D{{Key: "cluster", Value: true}}
	}
	return bson.D{{Key: "db", Value: res.DB}, {Key: "collection", Value: res.Collection}}
}

func stringField(doc bson.Raw, key string) string {
	s, _ := doc.Lookup(key).StringValueOK()
	return s
}
