package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// completionCases are command lines (ending where Tab is pressed) and a
// completion each shell must offer.
var completionCases = []struct{ line, want string }{
	{"mongoscope ", "snapshot"},
	{"mongoscope --int", "--interval"},
	{"mongoscope sim --to", "--topology"},
	{"mongoscope sim --topology r", "replset"},
	{"mongoscope completion ", "fish"},
	{"mongoscope snapshot --record-m", "--record-max"},
	{"mongoscope bench --du", "--duration"},
	{"mongoscope --audit-log DIR/aud", "DIR/audit.log"},
	{"mongoscope replay DIR/rec", "DIR/recording.gz"},
}

// completionDir holds the files the file-name cases complete.
func completionDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"audit.log", "recording.gz"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBashCompletionCompletes loads the script in bash and asks it, as
// bash would on Tab, for each case.
func TestBashCompletionCompletes(t *testing.T) {
	_, script, _ := runCapture(t, nil, "completion", "bash")
	dir := completionDir(t)
	for _, c := range completionCases {
		line := strings.ReplaceAll(c.line, "DIR", dir)
		probe := script + "\nCOMP_WORDS=(" + line + "); [[ " + zshQuote(line) + " == *' ' ]] && COMP_WORDS+=('')\n" +
			"COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _mongoscope; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
		out, err := exec.Command("bash", "--norc", "--noprofile", "-c", probe).CombinedOutput()
		want := strings.ReplaceAll(c.want, "DIR", dir)
		if err != nil || !containsLine(string(out), want) {
			t.Errorf("bash: %q offers %q (err %v), want %q", line, out, err, want)
		}
	}
}

// TestFishAndZshCompletion: fish (when installed) completes each case
// with `complete -C`; zsh (when installed) parses its script. CI has
// neither shell; bash's test above covers the shared tables there.
func TestFishAndZshCompletion(t *testing.T) {
	if _, err := exec.LookPath("zsh"); err == nil {
		_, script, _ := runCapture(t, nil, "completion", "zsh")
		cmd := exec.Command("zsh", "-n")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("zsh -n: %v\n%s", err, out)
		}
	} else {
		t.Log("zsh is not installed: its script is checked only for its content")
	}
	if _, err := exec.LookPath("fish"); err != nil {
		t.Log("fish is not installed: its script is checked only for its content")
		return
	}
	_, script, _ := runCapture(t, nil, "completion", "fish")
	file := filepath.Join(t.TempDir(), "mongoscope.fish")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := completionDir(t)
	for _, c := range completionCases {
		line := strings.ReplaceAll(c.line, "DIR", dir)
		out, err := exec.Command("fish", "--no-config", "-c", "source "+file+"; complete -C "+fishQuote(line)).CombinedOutput()
		want := strings.ReplaceAll(c.want, "DIR", dir)
		if err != nil || !containsLine(cutDescriptions(string(out)), want) {
			t.Errorf("fish: %q offers %q (err %v), want %q", line, out, err, want)
		}
	}
}

func containsLine(text, want string) bool {
	for _, line := range strings.Split(text, "\n") {
		if line == want {
			return true
		}
	}
	return false
}

// cutDescriptions drops fish's tab-separated descriptions.
func cutDescriptions(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i], _, _ = strings.Cut(l, "\t")
	}
	return strings.Join(lines, "\n")
}
