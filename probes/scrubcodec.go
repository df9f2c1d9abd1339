package probes

import (
	"math"
	"math/bits"
	"reflect"
	"slices"
	"time"
)

// The scrub store's delta codec: it writes what changed between a base
// value and the current one, and rebuilds the current one from the base
// and those bytes. Types are walked by reflection once (a codec per type,
// compiled at start-up) so a field added to Snapshot is kept without anyone
// having to remember it; a field of a kind the codec cannot keep panics
// when the package loads, which every test sees. Only exported fields are
// kept (Op.cmd is dropped once rendered anyway).
//
// Encoding, per kind, of a value that changed (an unchanged value writes
// nothing; its parent's bitmap says so):
//   - struct: a bitmap of its changed fields, then each changed field;
//   - bool: nothing (it flipped);
//   - integers: the zigzag varint of the difference;
//   - floats: the difference of their decimal form when they have one
//     (2.5 s of secsRunning, 0.397 s of lag), else the XOR of their bits
//     without its zero bytes at either end;
//   - strings: an id in the segment's table for short ones, else inline;
//   - time.Time: a reference to a time written just before (a node's lastOK
//     is its serverStatus probe's), or seconds and nanoseconds differences;
//   - pointers: 0 nil, 1 points to the base value, 2 then the change;
//   - slices: length (0 for nil), for keyed elements (ops by node and opid,
//     nodes and members by address) each one's position in the base, then
//     a bitmap of the changed elements and their changes;
//   - maps (string keys): "same keys" or the keys, then a bitmap and changes.
type deltaCodec interface {
	// encode appends what turns base into cur; false, having appended
	// nothing, when they are equal.
	encode(e *deltaEncoder, base, cur reflect.Value) bool
	// decode sets out, which holds a copy of base, to the encoded value. It
	// never modifies what base refers to: maps and slices are made anew.
	decode(d *deltaDecoder, base, out reflect.Value)
}

// scrubKeys names the fields that identify an element of a slice, so an op
// that moved from row 7 to row 3 is one op whose secsRunning changed, not
// two whose every field did.
var scrubKeys = map[reflect.Type][]string{
	reflect.TypeFor[Op]():            {"Node", "OpID"},
	reflect.TypeFor[Node]():          {"Address"},
	reflect.TypeFor[ReplicaSet]():    {"Set"},
	reflect.TypeFor[Member]():        {"Address"},
	reflect.TypeFor[HotCollection](): {"NS"},
}

var snapshotCodec = buildCodec(reflect.TypeFor[Snapshot]())

var timeType = reflect.TypeFor[time.Time]()

func buildCodec(t reflect.Type) deltaCodec {
	if t == timeType {
		return timeCodec{}
	}
	switch t.Kind() {
	case reflect.Bool:
		return boolCodec{}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intCodec{}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return uintCodec{}
	case reflect.Float32, reflect.Float64:
		return floatCodec{}
	case reflect.String:
		return stringCodec{}
	case reflect.Pointer:
		return &pointerCodec{t: t, elem: buildCodec(t.Elem()), zero: zeroOf(t.Elem())}
	case reflect.Slice:
		return buildSliceCodec(t)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic("scrub store: cannot keep a map keyed by " + t.Key().String())
		}
		return &mapCodec{t: t, elem: buildCodec(t.Elem()), zero: zeroOf(t.Elem())}
	case reflect.Struct:
		return buildStructCodec(t)
	}
	panic("scrub store: cannot keep a " + t.String())
}

// zeroOf is an addressable zero value (times inside it are read without
// allocating); nothing ever writes to it.
func zeroOf(t reflect.Type) reflect.Value { return reflect.New(t).Elem() }

func buildStructCodec(t reflect.Type) *structCodec {
	c := &structCodec{}
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			c.fields = append(c.fields, i)
			c.codecs = append(c.codecs, buildCodec(f.Type))
		}
	}
	return c
}

func buildSliceCodec(t reflect.Type) deltaCodec {
	c := &sliceCodec{t: t, elem: buildCodec(t.Elem()), zero: zeroOf(t.Elem())}
	for _, name := range scrubKeys[t.Elem()] {
		f, ok := t.Elem().FieldByName(name)
		if !ok || f.Type.Kind() != reflect.String {
			panic("scrub store: " + t.Elem().String() + " has no string field " + name)
		}
		c.keyFields = append(c.keyFields, f.Index[0])
	}
	return c
}

// deltaEncoder appends deltas to buf. dict and table are the strings of
// the segment being written; the rest is reset for every delta.
type deltaEncoder struct {
	buf   []byte
	dict  map[string]uint32
	table *stringTable
	deltaContext
}

// deltaContext is what the encoder and the decoder both learn while going
// through one delta, in the same order, to predict what comes next.
type deltaContext struct {
	recent   recentTimes
	key      string           // the innermost map key or slice element key: whose figures these are
	divisors map[string]int64 // per key, the interval in ms its rates were counted over
	divisor  int64            // the last interval found, where the next search starts
	last     decimalDelta     // the last float written in decimal form
}

type decimalDelta struct {
	form  int
	delta int64
}

func newDeltaContext() deltaContext {
	return deltaContext{divisors: map[string]int64{}, last: decimalDelta{form: -1}}
}

// stringTable holds a segment's interned strings in one byte slice: four
// bytes of overhead each, and nothing for the collector to scan.
type stringTable struct {
	arena []byte
	ends  []uint32
}

func (t *stringTable) add(s string) uint32 {
	t.arena = append(t.arena, s...)
	t.ends = append(t.ends, uint32(len(t.arena)))
	return uint32(len(t.ends) - 1)
}

func (t *stringTable) get(id uint64) string {
	start := uint32(0)
	if id > 0 {
		start = t.ends[id-1]
	}
	return string(t.arena[start:t.ends[id]])
}

// clip gives back what growing the table left unused.
func (t *stringTable) clip() {
	t.arena, t.ends = slices.Clip(slices.Clone(t.arena)), slices.Clip(slices.Clone(t.ends))
}

func (t *stringTable) bytes() int { return cap(t.arena) + 4*cap(t.ends) }

// maxInterned: longer strings (commands, messages) are rarely repeated
// and go inline; so do strings once a segment interned maxDict of them.
const (
	maxInterned = 64
	maxDict     = 1 << 14
)

func (e *deltaEncoder) byte(b byte)      { e.buf = append(e.buf, b) }
func (e *deltaEncoder) uvarint(v uint64) { e.buf = appendUvarint(e.buf, v) }
func (e *deltaEncoder) varint(v int64)   { e.uvarint(zigzag(v)) }
func zigzag(v int64) uint64              { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64            { return int64(u>>1) ^ -int64(u&1) }
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func (e *deltaEncoder) str(s string) {
	id, ok := e.dict[s]
	if !ok && len(s) <= maxInterned && len(e.dict) < maxDict {
		id, ok = e.table.add(s), true
		e.dict[s] = id
	}
	if ok {
		e.uvarint(uint64(id) + 1)
		return
	}
	e.uvarint(0)
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// changes writes a bitmap of n entries followed by the changes of those
// that changed, and says whether any did.
func (e *deltaEncoder) changes(n int, changed func(i int) bool) bool {
	at := len(e.buf)
	e.buf = append(e.buf, make([]byte, (n+7)/8)...)
	any := false
	for i := range n {
		mark := len(e.buf)
		if changed(i) {
			e.buf[at+i/8] |= 1 << (i % 8)
			any = true
		} else {
			e.buf = e.buf[:mark]
		}
	}
	return any
}

// deltaDecoder reads what deltaEncoder wrote. The bytes are the store's
// own, so a malformed delta is a bug and panics.
type deltaDecoder struct {
	data  []byte
	pos   int
	table *stringTable
	deltaContext
}

func (d *deltaDecoder) byte() byte { b := d.data[d.pos]; d.pos++; return b }
func (d *deltaDecoder) uvarint() uint64 {
	var v uint64
	for shift := 0; ; shift += 7 {
		b := d.byte()
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
}
func (d *deltaDecoder) varint() int64 { return unzigzag(d.uvarint()) }
func (d *deltaDecoder) str() string {
	id := d.uvarint()
	if id > 0 {
		return d.table.get(id - 1)
	}
	n := int(d.uvarint())
	s := string(d.data[d.pos : d.pos+n])
	d.pos += n
	return s
}

type bitmap []byte

func (b bitmap) has(i int) bool { return b[i/8]&(1<<(i%8)) != 0 }
func (d *deltaDecoder) bitmap(n int) bitmap {
	b := d.data[d.pos : d.pos+(n+7)/8]
	d.pos += len(b)
	return b
}

type structCodec struct {
	fields []int // exported fields' indices
	codecs []deltaCodec
}

func (c *structCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	mark := len(e.buf)
	if !e.changes(len(c.fields), func(i int) bool {
		return c.codecs[i].encode(e, base.Field(c.fields[i]), cur.Field(c.fields[i]))
	}) {
		e.buf = e.buf[:mark]
		return false
	}
	return true
}

func (c *structCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	changed := d.bitmap(len(c.fields))
	for i, f := range c.fields {
		if changed.has(i) {
			c.codecs[i].decode(d, base.Field(f), out.Field(f))
		}
	}
}

type boolCodec struct{}

func (boolCodec) encode(_ *deltaEncoder, base, cur reflect.Value) bool {
	return base.Bool() != cur.Bool()
}
func (boolCodec) decode(_ *deltaDecoder, base, out reflect.Value) { out.SetBool(!base.Bool()) }

type intCodec struct{}

func (intCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	if base.Int() == cur.Int() {
		return false
	}
	e.varint(cur.Int() - base.Int())
	return true
}
func (intCodec) decode(d *deltaDecoder, base, out reflect.Value) { out.SetInt(base.Int() + d.varint()) }

type uintCodec struct{}

func (uintCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	if base.Uint() == cur.Uint() {
		return false
	}
	e.varint(int64(cur.Uint() - base.Uint()))
	return true
}
func (uintCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	out.SetUint(base.Uint() + uint64(d.varint()))
}

type stringCodec struct{}

func (stringCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	if base.String() == cur.String() {
		return false
	}
	e.str(cur.String())
	return true
}
func (stringCodec) decode(d *deltaDecoder, _, out reflect.Value) { out.SetString(d.str()) }

// floatCodec: a float32 is exact as a float64 and its low mantissa bytes
// are zero, which the XOR form drops.
type floatCodec struct{}

// Float forms, by tag. Decimal forms: whole numbers, milli, micro and a
// duration's seconds (time.Duration.Seconds, not n/1e9: they differ in the
// last bit). A rate is a count over an interval in whole milliseconds (the
// server's clock), the same interval for all of one node's rates: its
// count is written, with the interval when it is not the key's known one.
// A repeat is the last decimal difference again (every op's secsRunning
// grew by the same time). From xorTag on, the XOR form.
const (
	decimalForms = 4
	rateKnown    = 4
	rateNew      = 5
	repeatTag    = 6
	xorTag       = 16
)

var decimalScale = [decimalForms]float64{1, 1e3, 1e6, 1e9}

// scaled is v in decimal form f, and whether that form rebuilds v exactly.
func scaled(v float64, f int) (int64, bool) {
	m := math.Round(v * decimalScale[f])
	if !(math.Abs(m) < 1<<53) {
		return 0, false
	}
	return int64(m), math.Float64bits(unscaled(int64(m), f)) == math.Float64bits(v)
}

func unscaled(m int64, f int) float64 {
	if f == decimalForms-1 {
		return time.Duration(m).Seconds()
	}
	return float64(m) / decimalScale[f]
}

// count is v as a count over ms milliseconds, as PerSecond computes it.
func count(v float64, ms int64) (int64, bool) {
	secs := (time.Duration(ms) * time.Millisecond).Seconds()
	m := math.Round(v * secs)
	if !(math.Abs(m) < 1<<53) {
		return 0, false
	}
	return int64(m), math.Float64bits(float64(int64(m))/secs) == math.Float64bits(v)
}

func perSecond(n, ms int64) float64 {
	return float64(n) / (time.Duration(ms) * time.Millisecond).Seconds()
}

// findInterval looks for the interval v is a rate over: a small count over
// any interval up to an hour, or any count over an interval near the last
// one found.
func findInterval(v float64, near int64) (int64, bool) {
	if !(v > 0) || math.IsInf(v, 0) {
		return 0, false
	}
	for n := 1.0; n <= 256; n++ {
		ms := int64(math.Round(n / v * 1000))
		if ms < 1 || ms > 3_600_000 {
			continue
		}
		if _, ok := count(v, ms); ok {
			return ms, true
		}
	}
	for d := range int64(256) {
		for _, ms := range [2]int64{near - d, near + d + 1} {
			if _, ok := count(v, ms); ok && ms > 0 {
				return ms, true
			}
		}
	}
	return 0, false
}

func (floatCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	b, v := base.Float(), cur.Float()
	if math.Float64bits(b) == math.Float64bits(v) {
		return false
	}
	if e.decimal(b, v) || e.rate(b, v) {
		return true
	}
	x := math.Float64bits(v) ^ math.Float64bits(b)
	lead, trail := bits.LeadingZeros64(x)/8, bits.TrailingZeros64(x)/8
	e.byte(byte(xorTag + lead*8 + trail))
	for i := 7 - lead; i >= trail; i-- {
		e.byte(byte(x >> (8 * i)))
	}
	return true
}

func (e *deltaEncoder) decimal(b, v float64) bool {
	for f := range decimalForms {
		m, ok := scaled(v, f)
		if !ok {
			continue
		}
		bm, _ := scaled(b, f) // a base without this form still gives a near integer
		if dd := (decimalDelta{f, m - bm}); dd == e.last {
			e.byte(repeatTag)
		} else {
			e.byte(byte(f))
			e.varint(dd.delta)
			e.last = dd
		}
		return true
	}
	return false
}

func (e *deltaEncoder) rate(b, v float64) bool {
	ms, known := e.divisors[e.key]
	if _, ok := count(v, ms); !known || !ok {
		if ms, ok = findInterval(v, e.divisor); !ok {
			return false
		}
		e.byte(rateNew)
		e.uvarint(uint64(ms))
		e.divisors[e.key], e.divisor = ms, ms
	} else {
		e.byte(rateKnown)
	}
	m, _ := count(v, ms)
	bm, _ := count(b, ms)
	e.varint(m - bm)
	return true
}

func (floatCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	tag := int(d.byte())
	switch {
	case tag == repeatTag:
		bm, _ := scaled(base.Float(), d.last.form)
		out.SetFloat(unscaled(bm+d.last.delta, d.last.form))
	case tag < decimalForms:
		bm, _ := scaled(base.Float(), tag)
		d.last = decimalDelta{tag, d.varint()}
		out.SetFloat(unscaled(bm+d.last.delta, tag))
	case tag == rateKnown || tag == rateNew:
		if tag == rateNew {
			ms := int64(d.uvarint())
			d.divisors[d.key], d.divisor = ms, ms
		}
		ms := d.divisors[d.key]
		bm, _ := count(base.Float(), ms)
		out.SetFloat(perSecond(bm+d.varint(), ms))
	default:
		lead, trail := (tag-xorTag)/8, (tag-xorTag)%8
		var x uint64
		for i := 7 - lead; i >= trail; i-- {
			x |= uint64(d.byte()) << (8 * i)
		}
		out.SetFloat(math.Float64frombits(math.Float64bits(base.Float()) ^ x))
	}
}

// recentTimes are the last times a delta wrote: a node's lastOK repeats
// its serverStatus probe's, written just before.
type recentTimes struct {
	t    [4]time.Time
	next int
}

func (r *recentTimes) find(t time.Time) int {
	for i, u := range r.t {
		if sameTime(t, u) {
			return i
		}
	}
	return -1
}

func (r *recentTimes) push(t time.Time) { r.t[r.next] = t; r.next = (r.next + 1) % len(r.t) }

func sameTime(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }

func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

// Time tags: below len(recentTimes.t) a reference; then a written time in
// UTC, in Local or in a fixed zone (name and offset follow).
const (
	timeUTC = 4 + iota
	timeLocal
	timeFixed
)

type timeCodec struct{}

func (timeCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	b, t := timeOf(base), timeOf(cur)
	if sameTime(b, t) {
		return false
	}
	if i := e.recent.find(t); i >= 0 {
		e.byte(byte(i))
		return true
	}
	switch loc := t.Location(); loc {
	case time.UTC:
		e.byte(timeUTC)
	case time.Local:
		e.byte(timeLocal)
	default:
		name, offset := t.Zone()
		e.byte(timeFixed)
		e.str(name)
		e.varint(int64(offset))
	}
	e.varint(t.Unix() - b.Unix())
	e.varint(int64(t.Nanosecond() - b.Nanosecond()))
	e.recent.push(t)
	return true
}

func (timeCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	p := out.Addr().Interface().(*time.Time)
	tag := d.byte()
	if int(tag) < len(d.recent.t) {
		*p = d.recent.t[tag]
		return
	}
	var loc *time.Location
	switch tag {
	case timeUTC:
		loc = time.UTC
	case timeLocal:
		loc = time.Local
	default:
		name := d.str()
		loc = time.FixedZone(name, int(d.varint()))
	}
	b := timeOf(base)
	sec := b.Unix() + d.varint()
	nsec := int64(b.Nanosecond()) + d.varint()
	*p = time.Unix(sec, nsec).In(loc)
	d.recent.push(*p)
}

type pointerCodec struct {
	t    reflect.Type
	elem deltaCodec
	zero reflect.Value
}

func (c *pointerCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	if cur.IsNil() {
		if base.IsNil() {
			return false
		}
		e.byte(0)
		return true
	}
	be := c.zero
	if !base.IsNil() {
		be = base.Elem()
	}
	at := len(e.buf)
	e.byte(2)
	if c.elem.encode(e, be, cur.Elem()) {
		return true
	}
	if !base.IsNil() {
		e.buf = e.buf[:at]
		return false
	}
	e.buf[at] = 1 // a new pointer to the zero value
	return true
}

func (c *pointerCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	tag := d.byte()
	if tag == 0 {
		out.SetZero()
		return
	}
	be := c.zero
	if !base.IsNil() {
		be = base.Elem()
	}
	p := reflect.New(c.t.Elem())
	p.Elem().Set(be)
	if tag == 2 {
		c.elem.decode(d, be, p.Elem())
	}
	out.Set(p)
}

type sliceCodec struct {
	t         reflect.Type
	elem      deltaCodec
	zero      reflect.Value
	keyFields []int // fields identifying an element; none: by position
}

type elemKey [2]string

func (c *sliceCodec) key(v reflect.Value) elemKey {
	var k elemKey
	for i, f := range c.keyFields {
		k[i] = v.Field(f).String()
	}
	return k
}

func (c *sliceCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	mark := len(e.buf)
	n := cur.Len()
	if cur.IsNil() {
		e.uvarint(0)
	} else {
		e.uvarint(uint64(n) + 1)
	}
	from, moved := c.matches(e, base, cur)
	outer := e.key
	changed := e.changes(n, func(i int) bool {
		b := c.zero
		if from[i] >= 0 {
			b = base.Index(from[i])
		}
		e.key = c.contextKey(b, from[i], outer)
		return c.elem.encode(e, b, cur.Index(i))
	})
	e.key = outer
	if !changed && !moved && n == base.Len() && cur.IsNil() == base.IsNil() {
		e.buf = e.buf[:mark]
		return false
	}
	return true
}

// matches finds each element's base element (-1: none) and, for keyed
// elements, writes each one's distance from where the previous one's
// successor was; moved says the elements are not the base's, in order.
func (c *sliceCodec) matches(e *deltaEncoder, base, cur reflect.Value) (from []int, moved bool) {
	n, nb := cur.Len(), base.Len()
	from = make([]int, n)
	if len(c.keyFields) == 0 {
		for i := range from {
			from[i] = -1
			if i < nb {
				from[i] = i
			}
		}
		return from, false
	}
	index := make(map[elemKey]int, nb)
	for j := range nb {
		index[c.key(base.Index(j))] = j
	}
	expect := 0
	for i := range from {
		j, ok := index[c.key(cur.Index(i))]
		if !ok {
			from[i], moved = -1, true
			e.uvarint(0)
			continue
		}
		from[i], moved = j, moved || j != i
		e.uvarint(zigzag(int64(j-expect)) + 1) // 0 is a new element
		expect = j + 1
	}
	return from, moved
}

func (c *sliceCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	hdr := d.uvarint()
	if hdr == 0 {
		out.SetZero()
		return
	}
	n := int(hdr - 1)
	from := c.readMatches(d, n, base.Len())
	changed := d.bitmap(n)
	s := reflect.MakeSlice(c.t, n, n)
	outer := d.key
	for i, j := range from {
		b := c.zero
		if j >= 0 {
			b = base.Index(j)
		}
		s.Index(i).Set(b)
		if changed.has(i) {
			d.key = c.contextKey(b, j, outer)
			c.elem.decode(d, b, s.Index(i))
		}
	}
	d.key = outer
	out.Set(s)
}

// contextKey is whose figures an element holds: its key, when it matched
// a base element (a new one's key is not decoded yet).
func (c *sliceCodec) contextKey(base reflect.Value, from int, outer string) string {
	if len(c.keyFields) == 0 || from < 0 {
		return outer
	}
	return base.Field(c.keyFields[0]).String()
}

// readMatches reads what matches wrote.
func (c *sliceCodec) readMatches(d *deltaDecoder, n, nb int) []int {
	from := make([]int, n)
	expect := 0
	for i := range from {
		from[i] = -1
		switch {
		case len(c.keyFields) == 0:
			if i < nb {
				from[i] = i
			}
		default:
			if v := d.uvarint(); v > 0 {
				from[i] = expect + int(unzigzag(v-1))
				expect = from[i] + 1
			}
		}
	}
	return from
}

type mapCodec struct {
	t    reflect.Type
	elem deltaCodec
	zero reflect.Value
}

// Map tags.
const (
	mapNil = iota
	mapSameKeys
	mapNewKeys
)

func sortedMapKeys(m reflect.Value) []string {
	keys := make([]string, 0, m.Len())
	for it := m.MapRange(); it.Next(); {
		keys = append(keys, it.Key().String())
	}
	slices.Sort(keys)
	return keys
}

func (c *mapCodec) encode(e *deltaEncoder, base, cur reflect.Value) bool {
	if cur.IsNil() {
		if base.IsNil() {
			return false
		}
		e.byte(mapNil)
		return true
	}
	mark := len(e.buf)
	keys := sortedMapKeys(cur)
	same := !base.IsNil() && slices.Equal(keys, sortedMapKeys(base))
	if same {
		e.byte(mapSameKeys)
	} else {
		e.byte(mapNewKeys)
		e.uvarint(uint64(len(keys)))
		for _, k := range keys {
			e.str(k)
		}
	}
	kv := reflect.New(c.t.Key()).Elem()
	bv, cv := reflect.New(c.t.Elem()).Elem(), reflect.New(c.t.Elem()).Elem() // addressable copies
	outer := e.key
	changed := e.changes(len(keys), func(i int) bool {
		kv.SetString(keys[i])
		cv.Set(cur.MapIndex(kv))
		bv.Set(c.zero)
		if v := base.MapIndex(kv); v.IsValid() {
			bv.Set(v)
		}
		e.key = keys[i]
		return c.elem.encode(e, bv, cv)
	})
	e.key = outer
	if same && !changed {
		e.buf = e.buf[:mark]
		return false
	}
	return true
}

func (c *mapCodec) decode(d *deltaDecoder, base, out reflect.Value) {
	var keys []string
	switch d.byte() {
	case mapNil:
		out.SetZero()
		return
	case mapSameKeys:
		keys = sortedMapKeys(base)
	default:
		keys = make([]string, d.uvarint())
		for i := range keys {
			keys[i] = d.str()
		}
	}
	changed := d.bitmap(len(keys))
	m := reflect.MakeMapWithSize(c.t, len(keys))
	kv := reflect.New(c.t.Key()).Elem()
	outer := d.key
	defer func() { d.key = outer }()
	for i, k := range keys {
		kv.SetString(k)
		b := c.zero
		if !base.IsNil() {
			if v := base.MapIndex(kv); v.IsValid() {
				b = v
			}
		}
		if !changed.has(i) {
			m.SetMapIndex(kv, b)
			continue
		}
		v := reflect.New(c.t.Elem()).Elem()
		v.Set(b)
		d.key = k
		c.elem.decode(d, b, v)
		m.SetMapIndex(kv, v)
	}
	out.Set(m)
}
