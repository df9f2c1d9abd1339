package wire

import (
	"net"
	"time"
)

// Stop closes the listener and resets every open connection, like a node
// that died; Addr stays reserved for Start.
func (s *Server) Stop() {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	conns := make([]*serverConn, 0, len(s.conns))
	for sc := range s.conns {
		conns = append(conns, sc)
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, sc := range conns {
		s.drop(sc, true)
	}
}

// Start listens again on the same address after Stop.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept(ln)
	return nil
}

// Running reports whether the server is listening.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln != nil
}

// Close stops the server for good and waits for every goroutine.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.Stop()
	s.wg.Wait()
	return nil
}

// SetDelay delays every reply by d (0: off).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// SetHang makes the server read requests and never answer them while on.
func (s *Server) SetHang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hang && !on {
		close(s.unhang)
		s.unhang = make(chan struct{})
	}
	s.hang = on
}

// SetReset makes the server write half of each reply and drop the connection.
func (s *Server) SetReset(on bool) {
	s.mu.Lock()
	s.reset = on
	s.mu.Unlock()
}

// Clear removes every connection-level fault.
func (s *Server) Clear() {
	s.SetDelay(0)
	s.SetHang(false)
	s.SetReset(false)
}

// Stats returns what the server has served so far.
func (s *Server) Stats() Stats { return s.ledger.snapshot() }

// ResetStats zeroes the accounting.
func (s *Server) ResetStats() { s.ledger.reset() }

// Conns lists the open client connections, as copies: the connections'
// own goroutines keep writing theirs (the handshake sets AppName).
func (s *Server) Conns() []*ConnInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*ConnInfo, 0, len(s.conns))
	for sc := range s.conns {
		out = append(out, sc.info.snapshot())
	}
	return out
}

// ExhaustCounts is how many connections stream awaitable hello and
// isMaster replies (serverStatus connections.exhaustHello/exhaustIsMaster).
func (s *Server) ExhaustCounts() (hello, isMaster int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sc := range s.conns {
		switch sc.info.Exhaust() {
		case "hello":
			hello++
		case "isMaster":
			isMaster++
		}
	}
	return hello, isMaster
}

// Interrupt is killOp on a real request: the one running with opID, if
// any, has its context ended with cause ErrKilled and shows killPending.
func (s *Server) Interrupt(opID int32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sc := range s.conns {
		c := sc.info
		c.mu.Lock()
		hit := c.running != nil && c.opID == opID
		if hit {
			c.killed = true
			c.interrupt(ErrKilled)
		}
		c.mu.Unlock()
		if hit {
			return true
		}
	}
	return false
}

// Charge records, as served, a request a real deployment would have sent
// this node on a client's behalf (see ledger.charge).
func (s *Server) Charge(app, name string, bytesIn, bytesOut int) {
	s.ledger.charge(app, name, bytesIn, bytesOut)
}
