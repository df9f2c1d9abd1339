package wire

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Server is one simulated node's listener.
type Server struct {
	h         Handler
	opts      Options
	auth      *authenticator // nil: authentication disabled
	addr      string
	ledger    *ledger
	nextID    atomic.Int64
	reqID     atomic.Int32
	opSeq     atomic.Int32           // opids of the requests served, as $currentOp shows them
	compStats [4]compressionCounters // by compressor id

	mu     sync.Mutex
	ln     net.Listener
	conns  map[*serverConn]struct{}
	closed bool
	delay  time.Duration
	hang   bool
	reset  bool
	unhang chan struct{} // closed when hang turns off
	wg     sync.WaitGroup
}

type serverConn struct {
	raw    net.Conn // the TCP connection, for resets
	conn   net.Conn // raw, or TLS over it
	info   *ConnInfo
	ctx    context.Context
	cancel context.CancelFunc
	auth   connAuth
}

// firstOpID is the opid before the first request's: clear of the small
// opids mongod gives its internal threads.
const firstOpID = 1000000

// Listen starts serving h on addr ("127.0.0.1:0" picks a free port).
func Listen(addr string, h Handler, opts Options) (*Server, error) {
	s := &Server{h: h, opts: opts, ledger: newLedger(), conns: map[*serverConn]struct{}{}, unhang: make(chan struct{})}
	s.nextID.Store(opts.FirstConnID)
	s.opSeq.Store(firstOpID)
	if len(opts.Users) > 0 {
		a, err := newAuthenticator(opts.Users)
		if err != nil {
			return nil, err
		}
		s.auth = a
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().String()
	s.ln = ln
	s.wg.Add(1)
	go s.accept(ln)
	return s, nil
}

// Addr is the listening address; it stays the same across Stop and Start.
func (s *Server) Addr() string { return s.addr }

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		sc := &serverConn{raw: c, conn: c, ctx: ctx, cancel: cancel,
			info: &ConnInfo{ID: s.nextID.Add(1), Remote: c.RemoteAddr().String()}}
		if s.opts.TLS != nil {
			sc.conn = tls.Server(c, s.opts.TLS)
		}
		s.mu.Lock()
		if s.closed || s.ln != ln {
			s.mu.Unlock()
			cancel()
			c.Close()
			continue
		}
		s.conns[sc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(sc)
	}
}

// serve reads requests one at a time, like mongod's per-connection
// thread; in an exhaust stream it runs the next request itself.
func (s *Server) serve(sc *serverConn) {
	defer s.wg.Done()
	defer s.drop(sc, false)
	r := bufio.NewReader(sc.conn)
	var next *message
	for {
		m, bytesIn := next, 0
		if m == nil {
			frame, err := readFrame(r)
			if err != nil {
				return
			}
			if m, err = s.decode(frame); err != nil {
				s.logf("%s: closing connection %d: %v", s.addr, sc.info.ID, err)
				return
			}
			if m.name == "hello" || m.name == "isMaster" || m.name == "ismaster" {
				sc.noteHello(m.body)
			}
			bytesIn = len(frame)
		}
		var ok bool
		if next, ok = s.serveOne(sc, m, bytesIn); !ok {
			return
		}
	}
}

// serveOne answers one request; it returns the exhaust stream's next
// request (nil if none) and false once the connection is gone.
func (s *Server) serveOne(sc *serverConn, m *message, bytesIn int) (*message, bool) {
	done := s.ledger.begin(sc.info.AppName, m.name, bytesIn)
	if !s.waitFaults(sc.ctx) {
		done(0)
		return nil, false
	}
	req := &Request{Conn: sc.info, DB: m.db, Name: m.name, Body: m.body, Legacy: m.legacy, SecondaryOk: m.secondaryOk}
	ctx, interrupt := context.WithCancelCause(sc.ctx)
	defer interrupt(nil)
	sc.info.setRunning(req, s.opSeq.Add(1), sc.info.Exhaust(), interrupt)
	reply := s.dispatch(ctx, sc, req)
	s.logf("%s conn%d app=%q %s.%s in=%d out=%d", s.addr, sc.info.ID, sc.info.AppName, m.db, m.name, bytesIn, len(reply))
	if m.moreToCome {
		sc.info.setRunning(nil, 0, "", nil)
		done(0)
		return nil, true
	}
	replyID := s.reqID.Add(1)
	next := exhaustNext(m, reply, replyID)
	exhaust := ""
	if next != nil {
		exhaust = map[bool]string{true: "hello", false: "isMaster"}[m.name == "hello"]
	}
	sc.info.setRunning(nil, 0, exhaust, nil)
	out, err := s.encode(m, replyID, next != nil, reply)
	if err != nil {
		s.logf("%s: closing connection %d: %v", s.addr, sc.info.ID, err)
		return nil, false
	}
	if s.resetting() {
		half := out[:len(out)/2]
		done(len(half))
		sc.conn.Write(half)
		s.drop(sc, true)
		return nil, false
	}
	// Count the reply before writing it: once the client has read it, it may
	// look at Stats and must not see this request still in flight.
	done(len(out))
	if _, err := sc.conn.Write(out); err != nil {
		return nil, false
	}
	return next, true
}

// decode parses a frame, unwrapping OP_COMPRESSED.
func (s *Server) decode(frame []byte) (*message, error) {
	if len(frame) < headerLen || binary.LittleEndian.Uint32(frame[12:]) != opCompressed {
		return parseMessage(frame)
	}
	inner, id, err := unwrapCompressed(frame)
	if err != nil {
		return nil, err
	}
	c := &s.compStats[id]
	c.decompIn.Add(int64(len(frame) - headerLen - 9))
	c.decompOut.Add(int64(len(inner) - headerLen))
	m, err := parseMessage(inner)
	if err == nil {
		m.compressed, m.compressor = true, id
	}
	return m, err
}

// encode frames a reply: with the negotiated compressors on a hello that
// offered some, compressed like its request otherwise.
func (s *Server) encode(m *message, replyID int32, moreToCome bool, reply bson.Raw) ([]byte, error) {
	if m.name == "hello" || m.name == "isMaster" || m.name == "ismaster" {
		if names := negotiate(m.body); len(names) > 0 {
			reply = appendFields(reply, bson.D{{Key: "compression", Value: names}})
		}
	}
	out := encodeReply(m.requestID, replyID, m.legacy, moreToCome, reply)
	if !m.compressed || uncompressible[m.name] {
		return out, nil
	}
	w, err := wrapCompressed(out, m.compressor)
	if err != nil {
		return nil, err
	}
	c := &s.compStats[m.compressor]
	c.compIn.Add(int64(len(out) - headerLen))
	c.compOut.Add(int64(len(w) - headerLen - 9))
	return w, nil
}

// noteHello records what a hello tells about the client: its metadata (on
// the first one only, as mongod refuses to change it) and helloOk.
func (sc *serverConn) noteHello(body bson.Raw) {
	sc.info.mu.Lock() // Conns() copies these from other goroutines
	defer sc.info.mu.Unlock()
	if ok, found := body.Lookup("helloOk").BooleanOK(); found {
		sc.info.supportsHello = ok
	}
	if sc.info.ClientMetadata != nil {
		return
	}
	if client, ok := body.Lookup("client").DocumentOK(); ok {
		app, _ := client.Lookup("application", "name").StringValueOK()
		sc.info.ClientMetadata, sc.info.AppName = client, app
	}
}

func (s *Server) dispatch(ctx context.Context, sc *serverConn, req *Request) []byte {
	if s.auth == nil {
		return s.h.Handle(ctx, req)
	}
	switch req.Name {
	case "saslStart", "saslContinue":
		return s.handleSASL(sc, req.Name, req.DB, req.Body)
	case "hello", "isMaster", "ismaster":
		return s.augmentHello(sc, req.Body, s.h.Handle(ctx, req))
	}
	if user, _, _ := sc.info.Auth(); user == "" && !unauthenticatedCommands[req.Name] {
		return errorReply(13, "Unauthorized", fmt.Sprintf("Command %s requires authentication", req.Name))
	}
	return s.h.Handle(ctx, req)
}

// waitFaults applies hang and delay; false means the connection went away.
func (s *Server) waitFaults(ctx context.Context) bool {
	for {
		s.mu.Lock()
		hang, unhang, delay := s.hang, s.unhang, s.delay
		s.mu.Unlock()
		if hang {
			select {
			case <-unhang:
				continue
			case <-ctx.Done():
				return false
			}
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
}

func (s *Server) resetting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reset
}

// drop forgets a connection and closes it; abort resets it (RST) rather
// than closing it politely.
func (s *Server) drop(sc *serverConn, abort bool) {
	s.mu.Lock()
	delete(s.conns, sc)
	s.mu.Unlock()
	sc.cancel()
	if tcp, ok := sc.raw.(*net.TCPConn); ok && abort {
		tcp.SetLinger(0)
	}
	sc.raw.Close()
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}
