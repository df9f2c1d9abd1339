package tui

import (
	"strconv"
	"strings"

	"github.com/mongoscope/mongoscope/probes"
)

// opFilter is a parsed filter: field terms and free text, all must match.
type opFilter struct {
	user, app, ns, op []string
	minSecs           float64
	text              []string
}

func parseFilter(s string) opFilter {
	var f opFilter
	for _, term := range strings.Fields(strings.ToLower(s)) {
		switch {
		case strings.HasPrefix(term, "user:"):
			f.user = append(f.user, term[5:])
		case strings.HasPrefix(term, "app:"):
			f.app = append(f.app, term[4:])
		case strings.HasPrefix(term, "ns:"):
			f.ns = append(f.ns, term[3:])
		case strings.HasPrefix(term, "op:"):
			f.op = append(f.op, term[3:])
		case strings.HasPrefix(term, "secs>"):
			if v, err := strconv.ParseFloat(term[5:], 64); err == nil {
				f.minSecs = v
			}
		default:
			f.text = append(f.text, term)
		}
	}
	return f
}

func (f opFilter) match(op probes.Op) bool {
	has := func(field string, want []string) bool {
		field = strings.ToLower(field)
		for _, w := range want {
			if !strings.Contains(field, w) {
				return false
			}
		}
		return true
	}
	if op.SecsRunning <= f.minSecs && f.minSecs > 0 {
		return false
	}
	if !has(op.User, f.user) || !has(op.AppName, f.app) || !has(op.NS, f.ns) || !has(op.Op, f.op) {
		return false
	}
	if len(f.text) == 0 {
		return true
	}
	all := strings.Join([]string{op.Node, op.Shard, op.OpID, op.Op, op.NS, op.PlanSummary, op.AppName, op.Client,
		op.User, op.Desc, flagText(op)}, " ")
	return has(all, f.text)
}
