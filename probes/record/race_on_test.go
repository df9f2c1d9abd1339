//go:build race

package record

// raceEnabled: the race detector slows polling about tenfold, so the soak
// test takes longer simulated steps under it.
const raceEnabled = true
