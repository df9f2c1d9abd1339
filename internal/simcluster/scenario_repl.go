package simcluster

import (
	"math"
	"time"
)

// Stories told by replication and the balancer.

// laggingSecondaryStory: 10 s in, shard0's last data-bearing secondary
// starts applying slower than its primary writes: its lag grows half a
// second every second, up to 90 s, and its apply buffer fills (400 ops per
// second of lag, up to the 10,000 ops it holds).
type laggingSecondaryStory struct{ quiet }

const (
	lagStoryFrom   = 10.0
	lagStoryGrowth = 0.5
	lagStoryTop    = 90.0
	applyBufferMax = 10000 // metrics.repl.buffer.apply.maxCount
)

// lagStoryMember is the member that falls behind: shard0's last one that
// holds data and is not primary; -1 for none.
func lagStoryMember(rs *replSet) int {
	if rs.kind != kindShard || rs.shardIdx != 0 {
		return -1
	}
	for i := len(rs.members) - 1; i >= 0; i-- {
		if !rs.members[i].mcfg.arbiter {
			if i == rs.primary {
				return -1
			}
			return i
		}
	}
	return -1
}

func (laggingSecondaryStory) lag(rs *replSet, member int, tau float64) (float64, bool) {
	if member != lagStoryMember(rs) {
		return 0, false
	}
	return 0.3 + ramp(tau, lagStoryFrom, lagStoryGrowth, lagStoryTop), true
}

func (laggingSecondaryStory) replBuffer(n *node, _, lag float64) (int64, bool) {
	if n.rs == nil || n.member != lagStoryMember(n.rs) {
		return 0, false
	}
	return int64(math.Min(400*lag, applyBufferMax)), true
}

// oplogWindowStory: shard1's oplog was sized for a quieter year: it holds
// a little over two hours of writes, less than a host's patching and disk
// swap would take with margin.
type oplogWindowStory struct{ quiet }

const oplogStoryShard = 1

func (oplogWindowStory) oplogWindow(n *node, tau float64) (time.Duration, bool) {
	if !n.onShard(oplogStoryShard) {
		return 0, false
	}
	minutes := 130 + 4*math.Sin(tau/900)
	return time.Duration(minutes * float64(time.Minute)), true
}

// windowClosingStory: the balancer's window closes 4 to 5 minutes after
// Start, and the chunk it moves from 30 s in is a big one: each migration
// takes 7 minutes, so the one in flight runs past the window.
type windowClosingStory struct{ quiet }

const bigMigrationSecs = 420.0

func (windowClosingStory) balancerWindow(start time.Time) (open, shut string, ok bool) {
	opens := start.Add(-3 * time.Hour).Local()
	shuts := start.Add(4 * time.Minute).Truncate(time.Minute).Add(time.Minute).Local()
	return opens.Format("15:04"), shuts.Format("15:04"), true
}

func (windowClosingStory) migrationSecs() float64 { return bigMigrationSecs }
