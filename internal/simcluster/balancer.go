package simcluster

import (
	"fmt"
	"math"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The balancer runs rounds on a fixed workload-time schedule. State is
// advanced lazily (advanceLocked) up to "now" whenever someone looks, so
// rounds stay deterministic and no goroutine ticks in the background.
const (
	roundEvery     = 30.0 // workload seconds between round starts
	roundLength    = 8.0  // a round (and its one migration) lasts this long
	changelogCap   = 2000 // config.changelog is capped
	rangeDeleteFor = 60.0 // a donor's range deletion stays pending this long
	errorEvery     = 5    // every 5th migration aborts, as real ones sometimes do
	splitEvery     = 3    // the hot shard's inserts split a chunk every 3rd round…
	maxChunks      = 400  // …up to this many chunks per collection
)

type chunk struct {
	id       bson.ObjectID
	min, max int64
	shard    string
	lastmod  bson.Timestamp
	since    bson.Timestamp
}

type shardedColl struct {
	ns       string
	uuid     bson.Binary
	epoch    bson.ObjectID
	created  time.Time
	chunks   []*chunk
	docsEach int64 // documents per chunk, for $shardedDataDistribution
}

type rangeDeletion struct {
	doc    bson.D
	shard  string
	expire float64
}

type balancer struct {
	c          *Cluster
	settings   bson.D // config.settings {_id: "balancer"}
	roundsDone int64  // round boundaries processed (the schedule)
	rounds     int64  // rounds actually run: balancerStatus.numBalancerRounds
	roundStart float64
	inRound    bool
	length     float64 // how long a round (and its migration) lasts: roundLength unless a scenario says
	migrations int64
	colls      []*shardedColl
	changelog  []bson.D
	actionlog  []bson.D
	deletions  []rangeDeletion
	moving     bson.D // config.migrations doc of the migration in flight
	movingFrom string
	movingTo   string
	wakeCh     chan struct{}
}

func newBalancer(c *Cluster) *balancer {
	b := &balancer{c: c, roundStart: -1, wakeCh: make(chan struct{}), length: c.scn.story.migrationSecs()}
	// The window is in the config primary's time zone: this host's.
	open, shut := c.wallZero.Add(-time.Hour).Local().Format("15:00"), c.wallZero.Add(6*time.Hour).Local().Format("15:00")
	if o, s, ok := c.scn.story.balancerWindow(c.wallZero); ok {
		open, shut = o, s
	}
	b.settings = bson.D{{Key: "_id", Value: "balancer"}, {Key: "mode", Value: "full"}, {Key: "stopped", Value: false},
		{Key: "activeWindow", Value: bson.D{{Key: "start", Value: open}, {Key: "stop", Value: shut}}}}
	for i, ns := range []string{"shop.orders", "shop.events"} {
		coll := &shardedColl{ns: ns, uuid: uuidFor(c.cfg.Seed, i), epoch: objectIDFor(c.cfg.Seed, 900+i),
			created: c.wallZero.Add(-40 * 24 * time.Hour), docsEach: 250000 / int64(i+1)}
		// The hot shard starts with most chunks: the balancer has work to do.
		n := 0
		for s := 0; s < c.cfg.Shards; s++ {
			count := 10 - 4*i
			if s == 0 {
				count = 40 - 10*i
			}
			for k := 0; k < count; k++ {
				coll.chunks = append(coll.chunks, &chunk{id: objectIDFor(c.cfg.Seed, 10000*(i+1)+n), min: int64(n) << 40, max: int64(n+1) << 40,
					shard: fmt.Sprintf("shard%d", s), lastmod: bson.Timestamp{T: 1, I: uint32(n)}, since: tsOf(coll.created)})
				n++
			}
		}
		coll.chunks[0].min = math.MinInt64
		coll.chunks[len(coll.chunks)-1].max = math.MaxInt64
		b.colls = append(b.colls, coll)
	}
	return b
}

func (b *balancer) enabledLocked() bool {
	stopped, _ := lookupD(b.settings, "stopped").(bool)
	mode, _ := lookupD(b.settings, "mode").(string)
	return !stopped && mode != "off"
}

// window returns the configured active window, if any.
func (b *balancer) windowLocked() (start, stop string, ok bool) {
	w, _ := lookupD(b.settings, "activeWindow").(bson.D)
	start, _ = lookupD(w, "start").(string)
	stop, _ = lookupD(w, "stop").(string)
	return start, stop, start != "" && stop != ""
}

func (b *balancer) insideWindowLocked(at time.Time) bool {
	start, stop, ok := b.windowLocked()
	if !ok {
		return true
	}
	hm := at.Local().Format("15:04")
	if start <= stop {
		return hm >= start && hm < stop
	}
	return hm >= start || hm < stop
}

// advanceLocked plays every round boundary between the last call and now.
func (b *balancer) advanceLocked(now time.Time) {
	c := b.c
	tau := c.tau(now)
	if b.inRound && tau >= b.roundStart+b.length {
		b.endRoundLocked(b.roundStart + b.length)
	}
	next := float64(b.roundsDone+1) * roundEvery
	// After a long jump of a fake clock only the last rounds matter.
	if skip := math.Floor(tau/roundEvery) - float64(b.roundsDone) - 200; skip > 0 {
		b.roundsDone += int64(skip)
		next = float64(b.roundsDone+1) * roundEvery
	}
	for next <= tau {
		b.roundsDone++
		if b.inRound && next >= b.roundStart+b.length { // a round longer than roundEvery ended
			b.endRoundLocked(b.roundStart + b.length)
		}
		at := c.wallZero.Add(time.Duration(next / c.cfg.Speed * float64(time.Second)))
		if !b.inRound && b.enabledLocked() && b.insideWindowLocked(at) {
			b.startRoundLocked(next, at)
			if tau >= next+b.length {
				b.endRoundLocked(next + b.length)
			}
		}
		next += roundEvery
	}
	b.expireDeletionsLocked(tau)
}

func (b *balancer) wallAt(tau float64) time.Time {
	return b.c.wallZero.Add(time.Duration(tau / b.c.cfg.Speed * float64(time.Second)))
}

func (b *balancer) startRoundLocked(tau float64, at time.Time) {
	b.inRound, b.roundStart = true, tau
	b.rounds++
	coll := b.colls[0]
	if b.rounds%splitEvery == 0 {
		b.splitHotChunk(coll, at)
	}
	from, to := b.imbalanceLocked(coll)
	if from == "" {
		return
	}
	ch := b.firstChunkOn(coll, from)
	b.movingFrom, b.movingTo = from, to
	b.moving = bson.D{{Key: "_id", Value: objectIDFor(b.c.cfg.Seed, int(b.migrations)+50000)}, {Key: "nss", Value: coll.ns}, {Key: "ns", Value: coll.ns},
		{Key: "min", Value: bson.D{{Key: "_id", Value: ch.min}}}, {Key: "max", Value: bson.D{{Key: "_id", Value: ch.max}}},
		{Key: "fromShard", Value: from}, {Key: "toShard", Value: to}, {Key: "waitForDelete", Value: false}, {Key: "forceJumbo", Value: "doNotForceJumbo"}}
	b.logChange(at, "moveChunk.start", coll.ns, from, bson.D{{Key: "min", Value: bson.D{{Key: "_id", Value: ch.min}}}, {Key: "max", Value: bson.D{{Key: "_id", Value: ch.max}}}, {Key: "from", Value: from}, {Key: "to", Value: to}})
}

func (b *balancer) endRoundLocked(tau float64) {
	at := b.wallAt(tau)
	b.inRound = false
	moved := int32(0)
	if b.moving != nil {
		coll := b.colls[0]
		from, to := b.movingFrom, b.movingTo
		ch := b.firstChunkOn(coll, from)
		b.migrations++
		ms := int64(b.length / b.c.cfg.Speed * 1000)
		steps := bson.D{{Key: "step 1 of 6", Value: int32(ms / 40)}, {Key: "step 2 of 6", Value: int32(ms / 20)}, {Key: "step 3 of 6", Value: int32(ms / 10)}, {Key: "step 4 of 6", Value: int32(ms / 2)}, {Key: "step 5 of 6", Value: int32(ms / 5)}, {Key: "step 6 of 6", Value: int32(ms / 20)}}
		rng := bson.D{{Key: "min", Value: bson.D{{Key: "_id", Value: ch.min}}}, {Key: "max", Value: bson.D{{Key: "_id", Value: ch.max}}}}
		if b.migrations%errorEvery == 0 {
			msg := "Migration aborted: chunk migration critical section timed out (simulated)"
			b.logChange(at, "moveChunk.error", coll.ns, from, append(append(bson.D{}, rng...), bson.E{Key: "from", Value: from}, bson.E{Key: "to", Value: to}, bson.E{Key: "errmsg", Value: msg}))
			b.logChange(at, "moveChunk.from", coll.ns, from, append(append(append(bson.D{}, rng...), steps[:3]...), bson.E{Key: "from", Value: from}, bson.E{Key: "to", Value: to}, bson.E{Key: "note", Value: "aborted"}, bson.E{Key: "errmsg", Value: msg}))
		} else {
			b.logChange(at, "moveChunk.to", coll.ns, to, append(append(append(bson.D{}, rng...), steps[:5]...), bson.E{Key: "note", Value: "success"}))
			b.logChange(at, "moveChunk.commit", coll.ns, from, append(append(bson.D{}, rng...), bson.E{Key: "from", Value: from}, bson.E{Key: "to", Value: to}, bson.E{Key: "counts", Value: bson.D{{Key: "cloned", Value: coll.docsEach}}}))
			b.logChange(at, "moveChunk.from", coll.ns, from, append(append(append(bson.D{}, rng...), steps...), bson.E{Key: "from", Value: from}, bson.E{Key: "to", Value: to}, bson.E{Key: "note", Value: "success"}))
			ch.shard = to
			ch.lastmod = bson.Timestamp{T: ch.lastmod.T + 1, I: 0}
			ch.since = tsOf(at)
			b.deletions = append(b.deletions, rangeDeletion{shard: from, expire: tau + rangeDeleteFor, doc: bson.D{
				{Key: "_id", Value: uuidFor(b.c.cfg.Seed, 70000+int(b.migrations))}, {Key: "nss", Value: coll.ns}, {Key: "collectionUuid", Value: coll.uuid},
				{Key: "donorShardId", Value: from}, {Key: "range", Value: rng}, {Key: "whenToClean", Value: "delayed"},
				{Key: "timestamp", Value: tsOf(at)}, {Key: "numOrphanDocs", Value: coll.docsEach}}})
			moved = 1
		}
		b.moving = nil
	}
	b.actionlog = append(b.actionlog, bson.D{{Key: "_id", Value: objectIDFor(b.c.cfg.Seed, 90000+int(b.rounds))}, {Key: "server", Value: b.configPrimaryAddr()},
		{Key: "time", Value: bson.NewDateTimeFromTime(at)}, {Key: "what", Value: "balancer.round"}, {Key: "ns", Value: ""},
		{Key: "details", Value: bson.D{{Key: "executionTimeMillis", Value: int32(b.length / b.c.cfg.Speed * 1000)}, {Key: "errorOccured", Value: false}, {Key: "candidateChunks", Value: moved}, {Key: "chunksMoved", Value: moved}}}})
	if len(b.actionlog) > 100 {
		b.actionlog = b.actionlog[len(b.actionlog)-100:]
	}
}

func (b *balancer) expireDeletionsLocked(tau float64) {
	kept := b.deletions[:0]
	for _, d := range b.deletions {
		if d.expire > tau {
			kept = append(kept, d)
		}
	}
	b.deletions = kept
}

// imbalanceLocked picks the shard with the most and the least chunks of a
// collection when they differ by more than the migration threshold.
func (b *balancer) imbalanceLocked(coll *shardedColl) (from, to string) {
	counts := map[string]int{}
	for s := 0; s < len(b.c.shards); s++ {
		counts[b.c.shards[s].name] = 0
	}
	for _, ch := range coll.chunks {
		counts[ch.shard]++
	}
	most, least := -1, math.MaxInt
	for s := 0; s < len(b.c.shards); s++ {
		name := b.c.shards[s].name
		if counts[name] > most {
			most, from = counts[name], name
		}
		if counts[name] < least {
			least, to = counts[name], name
		}
	}
	if most-least <= 2 {
		return "", ""
	}
	return from, to
}

func (b *balancer) firstChunkOn(coll *shardedColl, shard string) *chunk {
	for _, ch := range coll.chunks {
		if ch.shard == shard {
			return ch
		}
	}
	return coll.chunks[0]
}

func (b *balancer) configPrimaryAddr() string {
	if p := b.c.configRS.primaryNode(); p != nil {
		return p.addr
	}
	return b.c.configRS.members[0].addr
}

func (b *balancer) logChange(at time.Time, what, ns, shard string, details bson.D) {
	server := b.configPrimaryAddr()
	if sh := b.c.shardByName(shard); sh != nil && sh.primaryNode() != nil {
		server = sh.primaryNode().addr
	}
	b.changelog = append(b.changelog, bson.D{
		{Key: "_id", Value: fmt.Sprintf("%s-%s-%s", server, at.UTC().Format("2006-01-02T15:04:05.000Z07:00"), objectIDFor(b.c.cfg.Seed, len(b.changelog)+200000).Hex())},
		{Key: "server", Value: server}, {Key: "shard", Value: shard}, {Key: "clientAddr", Value: ""},
		{Key: "time", Value: bson.NewDateTimeFromTime(at)}, {Key: "what", Value: what}, {Key: "ns", Value: ns}, {Key: "details", Value: details},
	})
	if len(b.changelog) > changelogCap {
		b.changelog = b.changelog[len(b.changelog)-changelogCap:]
	}
}

// wake releases balancerStop waiters when the cluster closes.
func (b *balancer) wake() {
	select {
	case <-b.wakeCh:
	default:
		close(b.wakeCh)
	}
}

func (c *Cluster) shardByName(name string) *replSet {
	for _, rs := range c.shards {
		if rs.name == name {
			return rs
		}
	}
	return nil
}

func lookupD(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// splitHotChunk splits the widest chunk on the hot shard, as its inserts
// would, so the balancer keeps finding work long after the initial
// imbalance; past maxChunks the AutoMerger (7.0+) first merges a pair.
func (b *balancer) splitHotChunk(coll *shardedColl, at time.Time) {
	if len(coll.chunks) >= maxChunks && b.c.atLeast(7, 0) { // the AutoMerger runs from 7.0
		b.mergePair(coll, at)
	}
	hot := b.c.shards[0].name
	best := -1
	for i, ch := range coll.chunks {
		if ch.shard != hot || ch.min == math.MinInt64 || ch.max == math.MaxInt64 || ch.max-ch.min < 2 {
			continue
		}
		if best < 0 || ch.max-ch.min > coll.chunks[best].max-coll.chunks[best].min {
			best = i
		}
	}
	if best < 0 {
		return
	}
	ch := coll.chunks[best]
	mid := ch.min + (ch.max-ch.min)/2
	right := &chunk{id: objectIDFor(b.c.cfg.Seed, 400000+int(b.rounds)), min: mid, max: ch.max, shard: hot,
		lastmod: bson.Timestamp{T: ch.lastmod.T, I: ch.lastmod.I + 1}, since: ch.since}
	before := rangeDoc(ch.min, ch.max)
	ch.max = mid
	coll.chunks = append(coll.chunks[:best+1], append([]*chunk{right}, coll.chunks[best+1:]...)...)
	b.logChange(at, "split", coll.ns, hot, bson.D{{Key: "before", Value: before},
		{Key: "left", Value: rangeDoc(ch.min, mid)}, {Key: "right", Value: rangeDoc(mid, right.max)}})
}

// mergePair merges the first two adjacent chunks that live on one shard.
func (b *balancer) mergePair(coll *shardedColl, at time.Time) {
	sorted := append([]*chunk(nil), coll.chunks...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].min < sorted[j].min })
	for i := 0; i+1 < len(sorted); i++ {
		a, z := sorted[i], sorted[i+1]
		if a.shard != z.shard || a.max != z.min {
			continue
		}
		a.max = z.max
		kept := coll.chunks[:0]
		for _, ch := range coll.chunks {
			if ch != z {
				kept = append(kept, ch)
			}
		}
		coll.chunks = kept
		b.logChange(at, "merge", coll.ns, a.shard, bson.D{{Key: "merged", Value: rangeDoc(a.min, a.max)}, {Key: "shard", Value: a.shard}})
		return
	}
}

func rangeDoc(min, max int64) bson.D {
	return bson.D{{Key: "min", Value: bson.D{{Key: "_id", Value: boundValue(min)}}}, {Key: "max", Value: bson.D{{Key: "_id", Value: boundValue(max)}}}}
}
