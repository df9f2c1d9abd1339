package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// memberStart is how every gzip member Writer writes begins: no name, no
// comment, no time, default level, unknown OS. Each member is one line, so
// finding these bytes finds the lines without decompressing anything.
var memberStart = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// Recording is a recording opened for playing: an index of where each
// snapshot's gzip member starts, built by one scan of the raw bytes in the
// background, and snapshots decoded one at a time when asked for. Memory
// does not grow with the recording's length beyond 8 bytes per snapshot.
type Recording struct {
	Header  Header
	f       *os.File
	stop    chan struct{}
	closing sync.Once
	done    chan struct{}

	mu      sync.Mutex
	offsets []int64 // where each snapshot's member starts
	end     int64   // where the last member ends, once the scan is done
	scanned bool
	damage  error // why the index stops short of the file's end
	last    time.Time
}

// OpenRecording opens a recording, reads its header and starts indexing it.
func OpenRecording(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the recording: %w", err)
	}
	r := &Recording{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	first, err := r.readHeader(path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.offsets = []int64{first}
	go r.scan(first)
	return r, nil
}

// readHeader decodes the first member and says where the second starts.
func (r *Recording) readHeader(path string) (int64, error) {
	cr := &countingReader{r: bufio.NewReader(r.f)}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return 0, fmt.Errorf("%s is not a mongoscope recording (not gzip): %v", path, err)
	}
	zr.Multistream(false)
	line, err := io.ReadAll(io.LimitReader(zr, 1<<20))
	if err != nil || json.Unmarshal(line, &r.Header) != nil || r.Header.Format != "mongoscope-recording" {
		return 0, fmt.Errorf("%s is not a mongoscope recording", path)
	}
	if bytes.Count(line, []byte("\n")) != 1 {
		return 0, fmt.Errorf("%s holds its lines in one gzip stream (recompressed?): replay needs them as mongoscope wrote them", path)
	}
	return cr.n, nil
}

// countingReader counts what the gzip reader consumed: it reads bytes one
// at a time from a ByteReader, never past its member's end.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// scan finds every member start after from, publishing them as it goes.
func (r *Recording) scan(from int64) {
	defer close(r.done)
	buf := make([]byte, 1<<20)
	pos := from
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		n, err := r.f.ReadAt(buf, pos)
		r.publish(findStarts(buf[:n], pos))
		if err != nil {
			r.finish(pos + int64(n))
			return
		}
		pos += int64(n - len(memberStart) + 1) // a start may straddle two reads
	}
}

func findStarts(b []byte, base int64) []int64 {
	var out []int64
	for i := 0; ; {
		j := bytes.Index(b[i:], memberStart)
		if j < 0 {
			return out
		}
		out = append(out, base+int64(i+j))
		i += j + 1
	}
}

func (r *Recording) publish(starts []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range starts {
		if s > r.offsets[len(r.offsets)-1] { // straddling reads find some twice
			r.offsets = append(r.offsets, s)
		}
	}
}

// finish checks the last member (a recording cut short by a crash ends in
// half a member) and marks the index complete.
func (r *Recording) finish(end int64) {
	r.mu.Lock()
	r.end = end
	if n := len(r.offsets); r.offsets[n-1] >= end { // nothing after the last line
		r.offsets = r.offsets[:n-1]
	}
	r.mu.Unlock()
	for {
		r.mu.Lock()
		n := len(r.offsets)
		r.mu.Unlock()
		if n == 0 {
			break
		}
		s, err := r.decode(n - 1)
		r.mu.Lock()
		if err == nil {
			r.last = s.TakenAt
			r.mu.Unlock()
			break
		}
		r.damage = fmt.Errorf("recording damaged after %d snapshots: %v", n-1, err)
		r.offsets, r.end = r.offsets[:n-1], r.offsets[n-1]
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.scanned = true
	r.mu.Unlock()
}

// Len is how many snapshots can be played now; it grows while the index is
// built (Indexed says when it is done).
func (r *Recording) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.scanned {
		return len(r.offsets)
	}
	return len(r.offsets) - 1 // the last start found may not be whole yet
}

// Indexed says the whole file is indexed; damage says why it ends early
// (nil when the recording ends cleanly), and last is the newest snapshot's
// time.
func (r *Recording) Indexed() (done bool, damage error, last time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.scanned, r.damage, r.last
}

// Snapshot decodes snapshot i (0 is the first), i < Len().
func (r *Recording) Snapshot(i int) (probes.Snapshot, error) {
	if i < 0 || i >= r.Len() {
		return probes.Snapshot{}, fmt.Errorf("no snapshot %d in the recording", i)
	}
	return r.decode(i)
}

func (r *Recording) decode(i int) (probes.Snapshot, error) {
	r.mu.Lock()
	start, end := r.offsets[i], r.end
	if i+1 < len(r.offsets) {
		end = r.offsets[i+1]
	}
	r.mu.Unlock()
	var s probes.Snapshot
	zr, err := gzip.NewReader(io.NewSectionReader(r.f, start, end-start))
	if err != nil {
		return s, fmt.Errorf("snapshot %d: %v", i+1, err)
	}
	zr.Multistream(false)
	if err := json.NewDecoder(zr).Decode(&s); err != nil {
		return s, fmt.Errorf("snapshot %d: %v", i+1, err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil { // the checksum is checked at the member's end
		return s, fmt.Errorf("snapshot %d: %v", i+1, err)
	}
	return s, nil
}

// Close stops the scan and closes the file.
func (r *Recording) Close() error {
	r.closing.Do(func() { close(r.stop) })
	<-r.done
	return r.f.Close()
}

// Wait blocks until the index is complete (or the recording closed).
func (r *Recording) Wait() { <-r.done }
