package main

import "sync/atomic"

// countingWriter counts bytes written to it (the bench's fake terminal).
type countingWriter struct{ n atomic.Int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}
