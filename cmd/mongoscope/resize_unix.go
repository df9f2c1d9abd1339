//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// onResize calls f after every terminal resize (SIGWINCH) until the
// returned function is called.
func onResize(f func()) func() {
	resized := make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range resized {
			f()
		}
	}()
	return func() { signal.Stop(resized); close(resized); <-done }
}
