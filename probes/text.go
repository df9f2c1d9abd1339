package probes

import (
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// Text from servers and their clients is hostile: an appName, a comment or
// a collection name can carry escape sequences that would rewrite the
// operator's screen, hide the rest of a row or write the clipboard. It is
// sanitized here, once, where it enters the model (safetext.Line), so the
// TUI, line mode, stderr and the audit log only ever see visible text.
//
// Text a client chooses (an op's fields, the connection breakdown's app,
// host and user, namespaces) keeps its original bytes for JSON (snapshot,
// --json, recordings): the types holding it keep the originals that
// sanitizing changed in an unexported field, and their MarshalJSON writes
// them back, escaped by JSON (safetext.EscapeJSON also escapes what
// encoding/json leaves raw). Reading JSON back (replay) sanitizes again.
// Names that identify nodes, sets and shards, and mongoscope's own
// sentences around server errors, are sanitized only: they join the
// snapshot's parts and must read the same everywhere.

// getText is getString, sanitized.
func getText(doc bson.Raw, keys ...string) string {
	return safetext.Line(getString(doc, keys...))
}

// sanitizeFields sanitizes each field in place and returns the originals
// of those it changed, by position ("" for a field left alone); nil when
// nothing changed, the common case, which costs no allocation.
func sanitizeFields(fields ...*string) []string {
	var raw []string
	for i, f := range fields {
		if clean := safetext.Line(*f); clean != *f {
			if raw == nil {
				raw = make([]string, len(fields))
			}
			raw[i], *f = *f, clean
		}
	}
	return raw
}

// restoreFields puts the originals sanitizeFields kept back in place.
func restoreFields(raw []string, fields ...*string) {
	for i, r := range raw {
		if r != "" && i < len(fields) {
			*fields[i] = r
		}
	}
}

// marshalJSON is json.Marshal with what a terminal would act on escaped.
func marshalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return safetext.EscapeJSON(b), err
}

// texts are the Op fields a client controls, in the order of Op.raw.
// Node and Shard are identifiers: sanitized, not kept.
func (o *Op) texts() []*string {
	return []*string{&o.OpID, &o.Op, &o.NS, &o.PlanSummary, &o.AppName, &o.Client, &o.User, &o.Desc, &o.Msg, &o.Command}
}

const opCommandText = 9 // Command's position in texts

func (o *Op) sanitize() {
	o.Node, o.Shard = safetext.Line(o.Node), safetext.Line(o.Shard)
	o.raw = sanitizeFields(o.texts()...)
}

// setCommand sets Command, sanitized, keeping its original for JSON.
func (o *Op) setCommand(js string) {
	o.Command = js
	if clean := safetext.Line(js); clean != js {
		if o.raw == nil {
			o.raw = make([]string, len(o.texts()))
		}
		o.raw[opCommandText], o.Command = js, clean
	}
}

// wireOpID is the opid as the server sent it, for killOp.
func (o Op) wireOpID() string {
	if len(o.raw) > 0 && o.raw[0] != "" {
		return o.raw[0]
	}
	return o.OpID
}

// MarshalJSON writes the op with its original text.
func (o Op) MarshalJSON() ([]byte, error) {
	type plain Op
	restoreFields(o.raw, o.texts()...)
	return marshalJSON(plain(o))
}

// UnmarshalJSON reads an op (a recording) and sanitizes it again.
func (o *Op) UnmarshalJSON(b []byte) error {
	type plain Op
	return unmarshalSanitized(b, (*plain)(o), o.sanitize)
}

// unmarshalSanitized reads JSON into v (a method-less copy of the type, so
// its UnmarshalJSON does not recurse), then sanitizes what it read.
func unmarshalSanitized[T any](b []byte, v *T, sanitize func()) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	sanitize()
	return nil
}

func newHotCollection(ns string) *HotCollection {
	h := &HotCollection{NS: ns}
	h.sanitize()
	return h
}

func (h *HotCollection) sanitize() { h.raw = sanitizeFields(&h.NS) }

// MarshalJSON writes the namespace as the server sent it.
func (h HotCollection) MarshalJSON() ([]byte, error) {
	type plain HotCollection
	restoreFields(h.raw, &h.NS)
	return marshalJSON(plain(h))
}

// UnmarshalJSON reads a hot collection and sanitizes its namespace again.
func (h *HotCollection) UnmarshalJSON(b []byte) error {
	type plain HotCollection
	return unmarshalSanitized(b, (*plain)(h), h.sanitize)
}

func (m *Migration) sanitize() {
	m.From, m.To = safetext.Line(m.From), safetext.Line(m.To)
	m.raw = sanitizeFields(&m.NS)
}

// MarshalJSON writes the namespace as the server sent it.
func (m Migration) MarshalJSON() ([]byte, error) {
	type plain Migration
	restoreFields(m.raw, &m.NS)
	return marshalJSON(plain(m))
}

// UnmarshalJSON reads a migration and sanitizes it again.
func (m *Migration) UnmarshalJSON(b []byte) error {
	type plain Migration
	return unmarshalSanitized(b, (*plain)(m), m.sanitize)
}

func (e *MigrationEvent) sanitize() {
	e.From, e.To, e.Error = safetext.Line(e.From), safetext.Line(e.To), safetext.Line(e.Error)
	e.raw = sanitizeFields(&e.NS)
}

// MarshalJSON writes the namespace as the server sent it.
func (e MigrationEvent) MarshalJSON() ([]byte, error) {
	type plain MigrationEvent
	restoreFields(e.raw, &e.NS)
	return marshalJSON(plain(e))
}

// UnmarshalJSON reads a migration event and sanitizes it again.
func (e *MigrationEvent) UnmarshalJSON(b []byte) error {
	type plain MigrationEvent
	return unmarshalSanitized(b, (*plain)(e), e.sanitize)
}

// sanitizeKeys returns counts with sanitized keys (two keys that read the
// same once sanitized add up), and whether any key changed.
func sanitizeKeys(counts map[string]int) (map[string]int, bool) {
	changed := false
	for k := range counts {
		if !safetext.Safe(k) {
			changed = true
			break
		}
	}
	if !changed {
		return counts, false
	}
	out := make(map[string]int, len(counts))
	for k, n := range counts {
		out[safetext.Line(k)] += n
	}
	return out, true
}

// sanitize makes the breakdown's keys safe, keeping the original maps for
// JSON when a key changed.
func (b *ConnectionBreakdown) sanitize() {
	orig := *b
	orig.raw = nil
	var a, h, u bool
	b.ByApp, a = sanitizeKeys(b.ByApp)
	b.ByHost, h = sanitizeKeys(b.ByHost)
	b.ByUser, u = sanitizeKeys(b.ByUser)
	b.raw = nil
	if a || h || u {
		b.raw = &orig
	}
}

// MarshalJSON writes the keys as the server sent them.
func (b ConnectionBreakdown) MarshalJSON() ([]byte, error) {
	type plain ConnectionBreakdown
	if b.raw != nil {
		return marshalJSON(plain(*b.raw))
	}
	return marshalJSON(plain(b))
}

// UnmarshalJSON reads a breakdown and sanitizes its keys again.
func (b *ConnectionBreakdown) UnmarshalJSON(data []byte) error {
	type plain ConnectionBreakdown
	return unmarshalSanitized(data, (*plain)(b), b.sanitize)
}
