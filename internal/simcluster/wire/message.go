// Package wire is the simulated cluster's MongoDB wire protocol server: it
// frames OP_MSG and the legacy OP_QUERY handshake, authenticates with SCRAM,
// injects connection-level faults and counts what it really served. It knows
// nothing about commands; a Handler answers them.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// Opcodes and limits of the wire protocol, as mongod uses them.
const (
	opReply      = 1
	opQuery      = 2004
	opCompressed = 2012
	opMsg        = 2013

	headerLen      = 16
	maxMessageSize = 48000000

	flagChecksumPresent = 1 << 0
	flagMoreToCome      = 1 << 1
	flagExhaustAllowed  = 1 << 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// message is one decoded request.
type message struct {
	requestID  int32
	db, name   string
	body       bson.Raw
	legacy     bool
	moreToCome bool
	// exhaustAllowed: the client can read a stream of replies (OP_MSG
	// flag), which the server sends for an awaitable hello.
	exhaustAllowed bool
	// compressed: the request came in OP_COMPRESSED with compressor; the
	// reply goes back compressed the same way.
	compressed bool
	compressor byte
	// secondaryOk is OP_QUERY's SecondaryOk flag or a non-primary
	// $readPreference outside the $query wrapper; OP_MSG carries its read
	// preference in the body, where handlers read it.
	secondaryOk bool
}

// queryFlagSecondaryOk is OP_QUERY's SecondaryOk bit (formerly SlaveOk).
const queryFlagSecondaryOk = 1 << 2

// readFrame reads one whole message (header included) from r.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(hdr[:])))
	if n < headerLen || n > maxMessageSize {
		return nil, fmt.Errorf("message length %d out of bounds", n)
	}
	frame := make([]byte, n)
	copy(frame, hdr[:])
	if _, err := io.ReadFull(r, frame[4:]); err != nil {
		return nil, err
	}
	return frame, nil
}

// parseMessage decodes a whole frame. It never panics on malformed input.
func parseMessage(frame []byte) (*message, error) {
	if len(frame) < headerLen {
		return nil, errors.New("short header")
	}
	m := &message{requestID: int32(binary.LittleEndian.Uint32(frame[4:]))}
	opcode := int32(binary.LittleEndian.Uint32(frame[12:]))
	payload := frame[headerLen:]
	var err error
	switch opcode {
	case opMsg:
		err = m.parseOpMsg(frame, payload)
	case opQuery:
		err = m.parseOpQuery(payload)
	case opCompressed:
		return nil, errors.New("OP_COMPRESSED inside OP_COMPRESSED")
	default:
		return nil, fmt.Errorf("unsupported opcode %d", opcode)
	}
	if err != nil {
		return nil, err
	}
	elems, err := m.body.Elements()
	if err != nil || len(elems) == 0 {
		return nil, errors.New("empty or invalid command document")
	}
	m.name = elems[0].Key()
	if m.name == "" {
		return nil, errors.New("command document starts with an empty field name")
	}
	return m, nil
}

func (m *message) parseOpMsg(frame, p []byte) error {
	if len(p) < 4 {
		return errors.New("short OP_MSG")
	}
	flags := binary.LittleEndian.Uint32(p)
	p = p[4:]
	if flags&flagChecksumPresent != 0 {
		if len(p) < 4 {
			return errors.New("missing checksum")
		}
		want := binary.LittleEndian.Uint32(p[len(p)-4:])
		if crc32.Checksum(frame[:len(frame)-4], castagnoli) != want {
			return errors.New("OP_MSG checksum mismatch")
		}
		p = p[:len(p)-4]
	}
	m.moreToCome = flags&flagMoreToCome != 0
	m.exhaustAllowed = flags&flagExhaustAllowed != 0
	var body bsoncore.Document
	type sequence struct {
		id   string
		docs []bsoncore.Document
	}
	var seqs []sequence
	for len(p) > 0 {
		kind := p[0]
		p = p[1:]
		switch kind {
		case 0:
			doc, rest, ok := bsoncore.ReadDocument(p)
			if !ok || body != nil {
				return errors.New("bad OP_MSG body section")
			}
			body, p = doc, rest
		case 1:
			if len(p) < 4 {
				return errors.New("short document sequence")
			}
			size := int(int32(binary.LittleEndian.Uint32(p)))
			if size < 5 || size > len(p) {
				return errors.New("bad document sequence size")
			}
			sec := p[4:size]
			p = p[size:]
			id, rest, ok := readCString(sec)
			if !ok {
				return errors.New("bad document sequence identifier")
			}
			s := sequence{id: id}
			for len(rest) > 0 {
				doc, r, ok := bsoncore.ReadDocument(rest)
				if !ok {
					return errors.New("bad document in sequence")
				}
				s.docs = append(s.docs, doc)
				rest = r
			}
			seqs = append(seqs, s)
		default:
			return fmt.Errorf("unknown OP_MSG section kind %d", kind)
		}
	}
	if body == nil {
		return errors.New("OP_MSG without a body section")
	}
	if err := body.Validate(); err != nil {
		return err
	}
	for _, s := range seqs {
		body = mergeSequence(body, s.id, s.docs)
	}
	m.body = bson.Raw(body)
	m.db, _ = m.body.Lookup("$db").StringValueOK()
	return nil
}

func (m *message) parseOpQuery(p []byte) error {
	if len(p) < 4 {
		return errors.New("short OP_QUERY")
	}
	m.secondaryOk = binary.LittleEndian.Uint32(p)&queryFlagSecondaryOk != 0
	ns, rest, ok := readCString(p[4:])
	if !ok || len(rest) < 8 {
		return errors.New("bad OP_QUERY namespace")
	}
	doc, _, ok := bsoncore.ReadDocument(rest[8:])
	if !ok || doc.Validate() != nil {
		return errors.New("bad OP_QUERY document")
	}
	db, coll, found := cut(ns, '.')
	if !found || coll != "$cmd" {
		return fmt.Errorf("OP_QUERY on %q: only commands are supported", ns)
	}
	m.db, m.legacy = db, true
	m.body = bson.Raw(doc)
	if q, err := m.body.LookupErr("$query"); err == nil {
		if inner, ok := q.DocumentOK(); ok {
			if mode, ok := m.body.Lookup("$readPreference", "mode").StringValueOK(); ok && mode != "primary" {
				m.secondaryOk = true
			}
			m.body = inner
		}
	}
	return nil
}

func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// encodeReply frames a reply document: OP_REPLY for the legacy handshake,
// OP_MSG otherwise, with moreToCome set in an exhaust stream. Replies carry
// no checksum, as mongod's don't.
func encodeReply(responseTo int32, requestID int32, legacy, moreToCome bool, doc bson.Raw) []byte {
	var out []byte
	if legacy {
		out = make([]byte, headerLen+20, headerLen+20+len(doc))
		binary.LittleEndian.PutUint32(out[12:], opReply)
		// responseFlags 0, cursorID 0, startingFrom 0, numberReturned 1
		binary.LittleEndian.PutUint32(out[headerLen+16:], 1)
	} else {
		out = make([]byte, headerLen+5, headerLen+5+len(doc))
		binary.LittleEndian.PutUint32(out[12:], opMsg)
		if moreToCome {
			binary.LittleEndian.PutUint32(out[headerLen:], flagMoreToCome)
		}
		// then section kind 0
	}
	out = append(out, doc...)
	binary.LittleEndian.PutUint32(out[0:], uint32(len(out)))
	binary.LittleEndian.PutUint32(out[4:], uint32(requestID))
	binary.LittleEndian.PutUint32(out[8:], uint32(responseTo))
	return out
}

// readCString splits a NUL-terminated string off the front of b.
func readCString(b []byte) (string, []byte, bool) {
	for i, c := range b {
		if c == 0 {
			return string(b[:i]), b[i+1:], true
		}
	}
	return "", nil, false
}

// exhaustNext is the request an exhaust stream runs next (the server's
// makeExhaustMessage): an awaitable hello that allowed exhaust and
// succeeded is asked again with the topologyVersion of its reply. nil ends
// the stream.
func exhaustNext(m *message, reply bson.Raw, replyID int32) *message {
	if !m.exhaustAllowed || m.legacy || (m.name != "hello" && m.name != "isMaster" && m.name != "ismaster") {
		return nil
	}
	if ok, _ := reply.Lookup("ok").AsFloat64OK(); ok != 1 {
		return nil
	}
	tv, err := reply.LookupErr("topologyVersion")
	if err != nil {
		return nil
	}
	if _, err := m.body.LookupErr("maxAwaitTimeMS"); err != nil {
		return nil
	}
	elems, err := m.body.Elements()
	if err != nil {
		return nil
	}
	idx, b := bsoncore.AppendDocumentStart(nil)
	for _, e := range elems {
		if e.Key() == "topologyVersion" {
			b = bsoncore.AppendValueElement(b, "topologyVersion", bsoncore.Value{Type: bsoncore.Type(tv.Type), Data: tv.Value})
			continue
		}
		b = append(b, e...)
	}
	body, _ := bsoncore.AppendDocumentEnd(b, idx)
	next := *m
	next.requestID, next.body = replyID, bson.Raw(body)
	return &next
}

// mergeSequence appends a document sequence to the body as an array field:
// handlers see one document, what the command would have been inline.
func mergeSequence(body bsoncore.Document, id string, docs []bsoncore.Document) bsoncore.Document {
	idx, b := bsoncore.AppendDocumentStart(nil)
	elems, _ := body.Elements()
	for _, e := range elems {
		b = append(b, e...)
	}
	aidx, b := bsoncore.AppendArrayElementStart(b, id)
	for i, d := range docs {
		b = bsoncore.AppendDocumentElement(b, fmt.Sprint(i), d)
	}
	b, _ = bsoncore.AppendArrayEnd(b, aidx)
	out, _ := bsoncore.AppendDocumentEnd(b, idx)
	return out
}
