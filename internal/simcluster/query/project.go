package query

import (
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// projNode is one level of a projection: included leaves, computed fields
// and deeper levels, in the order the specification named them.
type projNode struct {
	children map[string]*projNode
	order    []string
	leaf     bool // include (or, in an exclusion, remove) the whole field
	compute  expr
	computed bool // this node or a descendant is computed
}

type projectionSpec struct {
	exclusion bool
	root      *projNode
	excluded  [][]string
}

func newProjNode() *projNode { return &projNode{children: map[string]*projNode{}} }

// compileProjection parses a find projection or a $project stage. prefix
// is put before messages the way the server words stage errors.
func compileProjection(spec bson.D, prefix string) (*projectionSpec, error) {
	p := &projectionSpec{root: newProjNode()}
	idExcluded, idSeen := false, false
	hasInclusion := false
	var walk func(spec bson.D, path string) error
	walk = func(spec bson.D, path string) error {
		for _, e := range spec {
			full := e.Key
			if path != "" {
				full = path + "." + e.Key
			}
			if strings.HasPrefix(e.Key, "$") || e.Key == "" || strings.HasSuffix(e.Key, ".$") {
				return badValue("%sprojection field %s is not supported by the simulated cluster", prefix, full)
			}
			if d, ok := e.Value.(bson.D); ok && len(d) > 0 && !strings.HasPrefix(d[0].Key, "$") {
				if err := walk(d, full); err != nil {
					return err
				}
				continue
			}
			if d, ok := e.Value.(bson.D); ok && len(d) == 1 && isFindOnlyOperator(d[0].Key) {
				return badValue("%sprojection operator %s is not supported by the simulated cluster", prefix, d[0].Key)
			}
			include, isFlag := projectionFlag(e.Value)
			switch {
			case full == "_id" && isFlag:
				idSeen, idExcluded = true, !include
				if include {
					hasInclusion = true
				}
				continue
			case isFlag && !include:
				if hasInclusion {
					return location(31254, "%sCannot do exclusion on field %s in inclusion projection", prefix, full)
				}
				p.exclusion = true
				p.excluded = append(p.excluded, splitPath(full))
				continue
			case p.exclusion:
				if isFlag {
					return location(31253, "%sCannot do inclusion on field %s in exclusion projection", prefix, full)
				}
				return location(31252, "%sCannot use expression other than $meta in exclusion projection", prefix)
			}
			hasInclusion = true
			var compute expr
			if !isFlag {
				c, err := compileExpr(e.Value)
				if err != nil {
					return err
				}
				compute = c
				if full == "_id" {
					idSeen = true
				}
			}
			if err := p.root.insert(splitPath(full), compute); err != nil {
				return location(31250, "%sPath collision at %s", prefix, full)
			}
		}
		return nil
	}
	if err := walk(spec, ""); err != nil {
		return nil, err
	}
	if p.exclusion || (!hasInclusion && idExcluded) {
		p.exclusion = true
		if idExcluded {
			p.excluded = append(p.excluded, []string{"_id"})
		}
		return p, nil
	}
	if !idExcluded && (!idSeen || p.root.children["_id"] == nil) {
		if err := p.root.insert([]string{"_id"}, nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func isFindOnlyOperator(k string) bool {
	return k == "$slice" || k == "$elemMatch" || k == "$meta"
}

// projectionFlag reads 1/0/true/false; anything else is an expression.
func projectionFlag(v any) (include, isFlag bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case int32, int64, int, float64, bson.Decimal128:
		return asFloat(x) != 0, true
	}
	return false, false
}

func (n *projNode) insert(parts []string, compute expr) error {
	child, ok := n.children[parts[0]]
	if ok && (child.leaf || child.compute != nil || len(parts) == 1) {
		return errCollision
	}
	if !ok {
		child = newProjNode()
		n.children[parts[0]] = child
		n.order = append(n.order, parts[0])
	}
	if compute != nil {
		n.computed = true
	}
	if len(parts) == 1 {
		child.leaf = compute == nil
		child.compute = compute
		child.computed = compute != nil
		return nil
	}
	return child.insert(parts[1:], compute)
}

var errCollision = &Error{Code: 31250, CodeName: "Location31250", Msg: "Path collision"}

func (p *projectionSpec) apply(doc bson.D, c *evalCtx) (bson.D, error) {
	if p.exclusion {
		for _, parts := range p.excluded {
			doc = removePath(doc, parts, false)
		}
		return doc, nil
	}
	out := p.root.include(doc)
	return p.root.addComputed(out, c, true)
}

func (n *projNode) include(doc bson.D) bson.D {
	out := make(bson.D, 0, len(n.order))
	for _, e := range doc {
		child := n.children[e.Key]
		if child == nil || child.compute != nil {
			continue
		}
		if child.leaf {
			out = append(out, e)
			continue
		}
		if v, ok := child.includeValue(e.Value); ok {
			out = append(out, bson.E{Key: e.Key, Value: v})
		}
	}
	return out
}

// includeValue projects below a document or through an array of them;
// scalars under a dotted inclusion disappear, as on the server.
func (n *projNode) includeValue(v any) (any, bool) {
	switch x := v.(type) {
	case bson.D:
		return n.include(x), true
	case bson.A:
		out := bson.A{}
		for _, e := range x {
			if r, ok := n.includeValue(e); ok {
				out = append(out, r)
			}
		}
		return out, true
	}
	if n.computed {
		return bson.D{}, true
	}
	return nil, false
}

func (n *projNode) addComputed(out bson.D, c *evalCtx, top bool) (bson.D, error) {
	if !n.computed {
		return out, nil
	}
	for _, k := range n.order {
		child := n.children[k]
		if !child.computed {
			continue
		}
		var v any
		if child.compute != nil {
			r, err := child.compute(c)
			if err != nil {
				return nil, err
			}
			if _, m := r.(missing); m {
				continue
			}
			v = r
		} else {
			sub, _ := getField(out, k)
			d, _ := sub.(bson.D)
			r, err := child.addComputed(d, c, false)
			if err != nil {
				return nil, err
			}
			v = r
		}
		out = setTopField(out, k, v, top && k == "_id")
	}
	return out, nil
}

// setTopField replaces a field in place or appends it (computed _id goes first).
func setTopField(d bson.D, k string, v any, front bool) bson.D {
	for i := range d {
		if d[i].Key == k {
			d[i].Value = v
			return d
		}
	}
	if front {
		return append(bson.D{{Key: k, Value: v}}, d...)
	}
	return append(d, bson.E{Key: k, Value: v})
}
