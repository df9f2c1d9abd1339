package probes

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// chunksProbe counts chunks per shard, and jumbo chunks, through one mongos
// about every 30 s: counting chunks is slow on big clusters.
type chunksProbe struct {
	perShard map[string]int
	jumbo    int
	at       time.Time
}

func newChunksProbe() *chunksProbe { return &chunksProbe{} }

func (*chunksProbe) name() string        { return probeChunks }
func (*chunksProbe) every(st *state) int { return st.slowEvery() }
func (cp *chunksProbe) due(st *state) []string {
	return onMongos(st, st.slowEvery())
}

func (cp *chunksProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	group := bson.A{bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$shard"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}}}
	docs, err := n.conn.aggregate(ctx, n.cfg.DownAfter, "config", "chunks", group, 0)
	if err != nil {
		return nil, err
	}
	perShard := map[string]int{}
	for _, d := range docs {
		c, _ := getInt(d, "n")
		perShard[getText(d, "_id")] = int(c)
	}
	jumbo := 0
	match := bson.A{bson.D{{Key: "$match", Value: bson.D{{Key: "jumbo", Value: true}}}}, bson.D{{Key: "$count", Value: "n"}}}
	if docs, err := n.conn.aggregate(ctx, n.cfg.DownAfter, "config", "chunks", match, 0); err == nil && len(docs) > 0 {
		c, _ := getInt(docs[0], "n")
		jumbo = int(c)
	}
	at := n.now
	return func(*state) { cp.perShard, cp.jumbo, cp.at = perShard, jumbo, at }, nil
}

func (cp *chunksProbe) fill(snap *Snapshot, _ *state) {
	b := snap.Balancer
	if b == nil || cp.perShard == nil {
		return
	}
	for k, v := range cp.perShard {
		b.ChunksPerShard[k] = v
	}
	b.JumboChunks, b.ChunksAt = cp.jumbo, cp.at
}

// rangeDeletionsProbe counts, on each shard primary about every 30 s, the
// ranges left to delete after migrations (config.rangeDeletions): pending
// deletions load a shard long after the balancer moved on.
type rangeDeletionsProbe struct {
	pending map[string]int // shard -> ranges
}

func newRangeDeletionsProbe() *rangeDeletionsProbe {
	return &rangeDeletionsProbe{pending: map[string]int{}}
}

func (*rangeDeletionsProbe) name() string        { return probeRangeDel }
func (*rangeDeletionsProbe) every(st *state) int { return st.slowEvery() }

func (*rangeDeletionsProbe) due(st *state) []string {
	if st.dep.Kind != KindSharded || !st.dueEvery(st.slowEvery()) {
		return nil
	}
	var out []string
	for _, ns := range st.byRole(RolePrimary) {
		if ns.node.Shard != "config" {
			out = append(out, ns.node.Address)
		}
	}
	return out
}

func (rp *rangeDeletionsProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	docs, err := n.conn.aggregate(ctx, n.cfg.DownAfter, "config", "rangeDeletions", bson.A{bson.D{{Key: "$count", Value: "n"}}}, 0)
	if err != nil {
		return nil, err
	}
	c := 0
	if len(docs) > 0 {
		v, _ := getInt(docs[0], "n")
		c = int(v)
	}
	shard := n.node.Shard
	return func(*state) { rp.pending[shard] = c }, nil
}

func (rp *rangeDeletionsProbe) fill(snap *Snapshot, _ *state) {
	if b := snap.Balancer; b != nil {
		for k, v := range rp.pending {
			b.RangeDeletionsPending[k] = v
		}
	}
}
