package record

import (
	"reflect"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// sanitizeStrings makes every string reachable from v (a pointer) safe to
// show, map keys included. The probes sanitize what servers send before
// it is recorded, but a recording is a file: whoever hands one over
// chooses its bytes, and replay shows them on a terminal.
func sanitizeStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			sanitizeStrings(v.Elem())
		}
	case reflect.String:
		if v.CanSet() && !safetext.Safe(v.String()) {
			v.SetString(safetext.Line(v.String()))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				sanitizeStrings(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			sanitizeStrings(v.Index(i))
		}
	case reflect.Map:
		sanitizeMap(v)
	}
}

// sanitizeMap rebuilds a map with safe keys and values (map entries cannot
// be changed in place).
func sanitizeMap(m reflect.Value) {
	if m.IsNil() || !m.CanSet() {
		return
	}
	out := reflect.MakeMapWithSize(m.Type(), m.Len())
	iter := m.MapRange()
	for iter.Next() {
		k := reflect.New(m.Type().Key()).Elem()
		k.Set(iter.Key())
		sanitizeStrings(k)
		val := reflect.New(m.Type().Elem()).Elem()
		val.Set(iter.Value())
		sanitizeStrings(val)
		out.SetMapIndex(k, val)
	}
	m.Set(out)
}
