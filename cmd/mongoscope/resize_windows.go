//go:build windows

package main

// onResize does nothing on Windows, where there is no SIGWINCH: the size
// read at start stays (capped like everywhere).
func onResize(func()) func() { return func() {} }
