package probes

import "time"

// PerSecond is the rate between two readings of a cumulative counter. A
// counter that went down (the server restarted) or a non-positive gap yields
// no rate rather than a negative or huge spike.
func PerSecond(prev, cur int64, dt time.Duration) (float64, bool) {
	if dt <= 0 || cur < prev {
		return 0, false
	}
	return float64(cur-prev) / dt.Seconds(), true
}

// CounterRates turns two opcounters readings into rates; any counter going
// backwards voids the whole sample (a restart resets them all).
func CounterRates(prev, cur Counters, dt time.Duration) (Rates, bool) {
	var r Rates
	pairs := []struct {
		p, c int64
		out  *float64
	}{{prev.Insert, cur.Insert, &r.Insert}, {prev.Query, cur.Query, &r.Query}, {prev.Update, cur.Update, &r.Update},
		{prev.Delete, cur.Delete, &r.Delete}, {prev.Getmore, cur.Getmore, &r.Getmore}, {prev.Command, cur.Command, &r.Command}}
	for _, p := range pairs {
		v, ok := PerSecond(p.p, p.c, dt)
		if !ok {
			return Rates{}, false
		}
		*p.out = v
	}
	return r, true
}

// Add sums rates (per shard, per cluster).
func (r Rates) Add(o Rates) Rates {
	return Rates{r.Insert + o.Insert, r.Query + o.Query, r.Update + o.Update, r.Delete + o.Delete, r.Getmore + o.Getmore, r.Command + o.Command}
}

// Total is all operations per second.
func (r Rates) Total() float64 {
	return r.Insert + r.Query + r.Update + r.Delete + r.Getmore + r.Command
}
