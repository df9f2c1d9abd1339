// Package record writes and reads mongoscope recordings: gzip'd JSON lines,
// a header then one probes.Snapshot per line. Each line is flushed as its
// own gzip member, so a recording cut short by a crash still replays up to
// its last whole line. It imports probes for the Snapshot type only, and
// nothing of the terminal.
package record

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"time"

	"github.com/mongoscope/mongoscope/probes"
)

// Version of the recording format.
const Version = 1

// Header is the first line of a recording. It never holds credentials.
type Header struct {
	Format     string            `json:"format"` // "mongoscope-recording"
	Version    int               `json:"version"`
	StartedAt  time.Time         `json:"startedAt"`
	Interval   time.Duration     `json:"interval"`
	Deployment probes.Deployment `json:"deployment"`
}

// Writer appends snapshots to a recording file.
type Writer struct {
	f       *os.File
	max     int64
	written int64
	full    bool
}

// ErrFull is returned once the recording reached its size limit.
var ErrFull = errors.New("recording reached --record-max; recording stopped")

// Create starts a recording at path, bounded by max bytes (0: no bound).
// It never overwrites: an existing file is an error (fs.ErrExist).
func Create(path string, h Header, max int64) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create the recording: %w", err)
	}
	h.Format, h.Version = "mongoscope-recording", Version
	w := &Writer{f: f, max: max}
	if err := w.writeLine(h); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// Append continues the recording at path (Create when there is none). The
// file must be a mongoscope recording; its existing size counts towards
// max. No second header is written: the snapshots simply follow.
func Append(path string, h Header, max int64) (*Writer, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Create(path, h, max)
	}
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot append to the recording: %w", err)
	}
	r, err := Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot append: %w", err)
	}
	r.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot append to the recording: %w", err)
	}
	return &Writer{f: f, max: max, written: fi.Size(), full: max > 0 && fi.Size() >= max}, nil
}

// Write appends one snapshot, durably.
func (w *Writer) Write(s probes.Snapshot) error {
	if w.full {
		return ErrFull
	}
	return w.writeLine(s)
}

func (w *Writer) writeLine(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var buf bytesCounter
	zw := gzip.NewWriter(&buf)
	zw.Write(append(line, '\n'))
	zw.Close()
	if w.max > 0 && w.written+int64(len(buf.b)) > w.max {
		w.full = true
		return ErrFull
	}
	n, err := w.f.Write(buf.b)
	w.written += int64(n)
	if err != nil {
		return err
	}
	return w.f.Sync()
}

// Close finishes the recording.
func (w *Writer) Close() error { return w.f.Close() }

type bytesCounter struct{ b []byte }

func (c *bytesCounter) Write(p []byte) (int, error) { c.b = append(c.b, p...); return len(p), nil }

// Reader reads a recording line by line.
type Reader struct {
	Header Header
	sc     *bufio.Scanner
	f      io.Closer
	n      int
	last   time.Time
}

// Open opens a recording and reads its header.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the recording: %w", err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is not a mongoscope recording (not gzip): %v", path, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	r := &Reader{sc: sc, f: f}
	if !sc.Scan() {
		f.Close()
		return nil, fmt.Errorf("%s is empty or damaged before its header", path)
	}
	if err := json.Unmarshal(sc.Bytes(), &r.Header); err != nil || r.Header.Format != "mongoscope-recording" {
		f.Close()
		return nil, fmt.Errorf("%s is not a mongoscope recording", path)
	}
	sanitizeStrings(reflect.ValueOf(&r.Header.Deployment))
	return r, nil
}

// Next returns the next snapshot, io.EOF at a clean end, or an error that
// says where the recording is damaged.
func (r *Reader) Next() (probes.Snapshot, error) {
	var s probes.Snapshot
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil && !errors.Is(err, io.EOF) {
			return s, r.damaged(err)
		}
		return s, io.EOF
	}
	if err := json.Unmarshal(r.sc.Bytes(), &s); err != nil {
		return s, r.damaged(err)
	}
	sanitizeStrings(reflect.ValueOf(&s))
	r.n++
	r.last = s.TakenAt
	return s, nil
}

func (r *Reader) damaged(err error) error {
	at := "its start"
	if !r.last.IsZero() {
		at = r.last.Format("15:04:05")
	}
	return fmt.Errorf("recording damaged after %d snapshots (%s): %v", r.n, at, err)
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }
