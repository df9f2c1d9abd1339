package main

import (
	"testing"

	"go.uber.org/goleak"
)

// run must leave nothing behind: pollers, simulators and recorders stop.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
