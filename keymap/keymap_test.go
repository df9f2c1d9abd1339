package keymap

import (
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func TestDisabledActionsDoNotMatch(t *testing.T) {
	k := Default()
	if !key.Matches(press("k"), k.Kill) {
		t.Fatal("k should kill by default")
	}
	k.SetActions(false, false)
	if key.Matches(press("k"), k.Kill) || key.Matches(press("b"), k.Balancer) || key.Matches(press("K"), k.KillFiltered) {
		t.Fatal("disabled actions still match")
	}
	k.SetReplay(true)
	if key.Matches(press("+"), k.Faster) || !key.Matches(press("p"), k.ReplayPause) {
		t.Fatal("replay mode keys wrong")
	}
}

func TestEveryHelpEntryHasKeys(t *testing.T) {
	k := Default()
	for _, group := range k.FullHelp() {
		for _, b := range group {
			if len(b.Keys()) == 0 || b.Help().Key == "" || b.Help().Desc == "" {
				t.Errorf("binding %+v lacks keys or help", b.Help())
			}
		}
	}
}
