package tui

import (
	"math"
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

// parseFilter reads the filter; err names each term it cannot apply
// ("secs>abc: not a number"), which the pane shows and which turns bulk
// kill off: a typo must never widen what K would take. Terms it can apply
// still filter.
func parseFilter(s string) (opFilter, string) {
	var f opFilter
	var errs []string
	for _, term := range strings.Fields(strings.ToLower(s)) {
		field, value, hasColon := strings.Cut(term, ":")
		switch {
		case strings.HasPrefix(term, "secs"):
			if why := f.setMinSecs(term); why != "" {
				errs = append(errs, why)
			}
		case hasColon && value == "" && fieldTerms[field]:
			errs = append(errs, term+" needs a value")
		case hasColon && field == "user":
			f.user = append(f.user, value)
		case hasColon && field == "app":
			f.app = append(f.app, value)
		case hasColon && field == "ns":
			f.ns = append(f.ns, value)
		case hasColon && field == "op":
			f.op = append(f.op, value)
		default:
			f.text = append(f.text, term)
		}
	}
	return f, strings.Join(errs, "; ")
}

// fieldTerms are the prefixes a term can name a field with.
var fieldTerms = map[string]bool{"user": true, "app": true, "ns": true, "op": true}

// setMinSecs reads secs>N; anything else starting with secs is an error.
func (f *opFilter) setMinSecs(term string) string {
	rest, ok := strings.CutPrefix(term, "secs>")
	if !ok {
		return term + ": write secs>N (ops running more than N seconds)"
	}
	v, err := strconv.ParseFloat(rest, 64)
	if err != nil || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return term + ": " + strconv.Quote(rest) + " is not a number of seconds"
	}
	f.minSecs = v
	return ""
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
