package probes

import (
	"testing"

	"go.uber.org/goleak"
)

// Every poller, client and simulated cluster a test starts must be gone
// when the tests end: Close stops every goroutine.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
