package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
)

// ptyRun is mongoscope itself running on a pseudo-terminal, as a user runs
// it: keys are bytes written to the terminal, frames are the bytes the
// program writes back. Nothing is timed inside the program.
type ptyRun struct {
	cmd     *exec.Cmd
	tty     *os.File
	started time.Time
	mu      sync.Mutex
	out     bytes.Buffer // what the program wrote since the last mark
	total   int64
	arrived chan struct{} // a nudge per read
	exited  chan error
}

// startPTY runs the mongoscope executable exe with args on a cols×rows
// terminal.
func startPTY(exe string, cols, rows int, args ...string) (*ptyRun, error) {
	var err error
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	r := &ptyRun{cmd: cmd, arrived: make(chan struct{}, 1), exited: make(chan error, 1), started: time.Now()}
	r.tty, err = pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return nil, err
	}
	go r.read()
	go func() { r.exited <- cmd.Wait() }()
	return r, nil
}

func (r *ptyRun) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := r.tty.Read(buf)
		r.mu.Lock()
		r.out.Write(buf[:n])
		r.total += int64(n)
		if r.out.Len() > 4<<20 { // only recent output is searched
			r.out.Next(r.out.Len() - 1<<20)
		}
		r.mu.Unlock()
		select {
		case r.arrived <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

var ansiSequence = regexp.MustCompile(`\x1b(\[[0-9;:?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])`)

// waitFor waits until the output since the last mark, escape sequences
// removed, holds one of texts; it returns when that was seen.
func (r *ptyRun) waitFor(within time.Duration, texts ...string) (time.Time, error) {
	at, _, err := r.waitForWhich(within, texts...)
	return at, err
}

// waitForWhich is waitFor, saying which text was seen.
func (r *ptyRun) waitForWhich(within time.Duration, texts ...string) (time.Time, int, error) {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		plain := ansiSequence.ReplaceAll(r.out.Bytes(), nil)
		r.mu.Unlock()
		for i, t := range texts {
			if bytes.Contains(plain, []byte(t)) {
				return time.Now(), i, nil
			}
		}
		select {
		case <-r.arrived:
		case err := <-r.exited:
			r.exited <- err
			return time.Time{}, -1, fmt.Errorf("mongoscope exited (%v) before showing %q", err, texts)
		case <-deadline.C:
			return time.Time{}, -1, fmt.Errorf("the screen never showed %q in %s", texts, within)
		}
	}
}

// press writes a key's bytes and times until the output shows one of texts.
func (r *ptyRun) press(key string, texts ...string) (time.Duration, error) {
	d, _, err := r.pressWhich(key, texts...)
	return d, err
}

// pressWhich is press, saying which text was seen.
func (r *ptyRun) pressWhich(key string, texts ...string) (time.Duration, int, error) {
	r.mark()
	start := time.Now()
	if _, err := r.tty.Write([]byte(key)); err != nil {
		return 0, -1, err
	}
	seen, which, err := r.waitForWhich(20*time.Second, texts...)
	return seen.Sub(start), which, err
}

// mark forgets the output so far: waitFor looks at what comes next.
func (r *ptyRun) mark() {
	r.mu.Lock()
	r.out.Reset()
	r.mu.Unlock()
}

// cpu is the program's CPU time so far.
func (r *ptyRun) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", r.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// rssMiB is the program's resident memory now.
func (r *ptyRun) rssMiB() float64 {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid))
	return statusMiB(string(data), "VmRSS:")
}

func statusMiB(status, field string) float64 {
	for _, line := range strings.Split(status, "\n") {
		if kb, ok := strings.CutPrefix(line, field); ok {
			v, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 64)
			return v / 1024
		}
	}
	return 0
}

// quit presses q and waits for the program to end; it returns the peak
// resident memory the program reached (VmHWM: since its exec, so the
// parent's memory the child shared before it is not counted).
func (r *ptyRun) quit(within time.Duration) (peakMiB float64, err error) {
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.cmd.Process.Pid))
	peakMiB = statusMiB(string(status), "VmHWM:")
	r.tty.Write([]byte("q"))
	defer r.tty.Close()
	select {
	case err = <-r.exited:
	case <-time.After(within):
		r.cmd.Process.Kill()
		<-r.exited
		return 0, errors.New("mongoscope did not quit on q")
	}
	return peakMiB, err
}

// pressAnyOutput writes a key's bytes and times until the program writes
// anything: for a screen where nothing else changes (a paused replay).
func (r *ptyRun) pressAnyOutput(key string) (time.Duration, error) {
	r.mark()
	start := time.Now()
	if _, err := r.tty.Write([]byte(key)); err != nil {
		return 0, err
	}
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		n := r.out.Len()
		r.mu.Unlock()
		if n > 0 {
			return time.Since(start), nil
		}
		select {
		case <-r.arrived:
		case <-deadline.C:
			return 0, fmt.Errorf("nothing was drawn in 20s after %q", key)
		}
	}
}
