package main

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestHugeTerminalIsCapped runs the real program on a 10000×10000
// pseudo-terminal: it draws, answers q and stays small (uncapped, it took
// 3.6 GB and ignored q for 40 s).
func TestHugeTerminalIsCapped(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "mongoscope")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run, err := startPTY(bin, 10000, 10000, "--demo", "--read-only")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.waitFor(60*time.Second, "nodes up"); err != nil {
		run.quit(time.Second)
		t.Fatal(err)
	}
	peak, err := run.quit(60 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak RSS %.0f MiB", peak)
	if peak > 200 {
		t.Fatalf("a 10000×10000 terminal took %.0f MiB", peak)
	}
}
