package simcluster

import (
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/simcluster/wire"
)

func sectAsserts(s *statusCtx) any {
	return bson.D{
		{Key: "regular", Value: int32(0)}, {Key: "warning", Value: int32(0)}, {Key: "msg", Value: int32(0)},
		{Key: "user", Value: int32(s.ops[opCommand] / 5000)}, {Key: "tripwire", Value: int32(0)}, {Key: "rollovers", Value: int32(0)},
	}
}

func sectConnections(s *statusCtx) any {
	exhaustHello, exhaustIsMaster := s.n.srv.ExhaustCounts()
	return bson.D{
		{Key: "current", Value: int32(s.conns)},
		{Key: "available", Value: int32(s.n.c.scn.connLimit(s.n) - s.conns)},
		{Key: "totalCreated", Value: int32(s.created)},
		{Key: "rejected", Value: int32(0)},
		{Key: "active", Value: int32(s.active)},
		{Key: "threaded", Value: int32(s.conns)},
		{Key: "exhaustIsMaster", Value: exhaustIsMaster},
		{Key: "exhaustHello", Value: exhaustHello},
		{Key: "awaitingTopologyChanges", Value: s.n.topo.awaiting.Load()},
		{Key: "loadBalanced", Value: int64(0)},
	}
}

// queued is how many operations wait for a ticket: only on a primary
// during the analytics spike, more on the hot shard.
func queued(s *statusCtx) (readers, writers int32) {
	if r, w, decided := s.n.c.scn.queued(s); decided {
		return r, w
	}
	if s.hot == 0 {
		return 0, 0
	}
	f := s.n.load.connSpike / 60
	return int32(math.Round(8 * f * s.hot)), int32(math.Round(2 * f * s.hot))
}

func sectGlobalLock(s *statusCtx) any {
	qr, qw := queued(s)
	ar := int32(s.active * 2 / 3)
	aw := int32(s.active) - ar
	return bson.D{
		{Key: "totalTime", Value: int64(s.uptime * 1e6)},
		{Key: "currentQueue", Value: bson.D{{Key: "total", Value: qr + qw}, {Key: "readers", Value: qr}, {Key: "writers", Value: qw}}},
		{Key: "activeClients", Value: bson.D{{Key: "total", Value: ar + aw}, {Key: "readers", Value: ar}, {Key: "writers", Value: aw}}},
	}
}

func sectMem(s *statusCtx) any {
	resident := int32(3900 + 20*s.conns/10)
	return bson.D{{Key: "bits", Value: int32(64)}, {Key: "resident", Value: resident}, {Key: "virtual", Value: resident + 1700}, {Key: "supported", Value: true}}
}

func sectMirroredReads(s *statusCtx) any {
	return bson.D{{Key: "seen", Value: s.ops[opQuery] / 100}, {Key: "sent", Value: int64(0)}}
}

func sectNetwork(s *statusCtx) any {
	o := s.ops
	in := o[opInsert]*420 + o[opQuery]*210 + o[opUpdate]*380 + o[opDelete]*190 + o[opGetmore]*150 + o[opCommand]*260
	out := o[opInsert]*170 + o[opQuery]*5200 + o[opUpdate]*230 + o[opDelete]*180 + o[opGetmore]*16000 + o[opCommand]*900
	reqs := o[opInsert] + o[opQuery] + o[opUpdate] + o[opDelete] + o[opGetmore] + o[opCommand]
	return bson.D{
		{Key: "bytesIn", Value: in},
		{Key: "bytesOut", Value: out},
		{Key: "physicalBytesIn", Value: in},
		{Key: "physicalBytesOut", Value: out},
		{Key: "numSlowDNSOperations", Value: int64(0)},
		{Key: "numSlowSSLOperations", Value: int64(0)},
		{Key: "numRequests", Value: reqs},
		{Key: "tcpFastOpen", Value: bson.D{{Key: "kernelSetting", Value: int64(1)}, {Key: "serverSupported", Value: true}, {Key: "clientSupported", Value: true}, {Key: "accepted", Value: int64(0)}}},
		{Key: "compression", Value: compressionSection(s.n.srv.CompressionStats())},
		{Key: "serviceExecutors", Value: bson.D{{Key: "passthrough", Value: bson.D{
			{Key: "threadsRunning", Value: int32(s.conns)}, {Key: "clientsInTotal", Value: int32(s.conns)},
			{Key: "clientsRunning", Value: int32(s.conns)}, {Key: "clientsWaitingForData", Value: int32(0)},
		}}}},
		{Key: "listenerProcessingTime", Value: bson.D{{Key: "durationMicros", Value: s.created * 31}}},
	}
}

// compressionSection is network.compression: what the listener really
// compressed and decompressed with each compressor.
func compressionSection(stats map[string]wire.CompressionStats) bson.D {
	var d bson.D
	for _, name := range []string{"snappy", "zstd", "zlib"} {
		st := stats[name]
		d = append(d, bson.E{Key: name, Value: bson.D{
			{Key: "compressor", Value: bson.D{{Key: "bytesIn", Value: st.CompressorIn}, {Key: "bytesOut", Value: st.CompressorOut}}},
			{Key: "decompressor", Value: bson.D{{Key: "bytesIn", Value: st.DecompressorIn}, {Key: "bytesOut", Value: st.DecompressorOut}}},
		}})
	}
	return d
}

func sectOpLatencies(s *statusCtx) any {
	reads := s.ops[opQuery] + s.ops[opGetmore]
	writes := s.ops[opInsert] + s.ops[opUpdate] + s.ops[opDelete]
	hist, _ := s.r.body.Lookup("opLatencies", "histograms").BooleanOK()
	entry := func(ops, avgMicros int64) bson.D {
		d := bson.D{{Key: "latency", Value: ops * avgMicros}, {Key: "ops", Value: ops}, {Key: "queryableEncryptionLatencyMicros", Value: int64(0)}}
		if hist {
			buckets := bson.A{}
			for i, micros := range []int64{0, 8, 64, 512, 3072, 8192, 24576, 65536, 131072} {
				buckets = append(buckets, bson.D{{Key: "micros", Value: micros}, {Key: "count", Value: ops >> (2 * i) / 2}})
			}
			d = append(bson.D{{Key: "histogram", Value: buckets}}, d...)
		}
		return d
	}
	return bson.D{
		{Key: "reads", Value: entry(reads, 880)},
		{Key: "writes", Value: entry(writes, 310)},
		{Key: "commands", Value: entry(s.ops[opCommand], 190)},
		{Key: "transactions", Value: entry(0, 0)},
	}
}

func ticketDoc(out, total int32, queued int32, processed int64) bson.D {
	return bson.D{
		{Key: "out", Value: out}, {Key: "available", Value: total - out}, {Key: "totalTickets", Value: total},
		{Key: "addedToQueue", Value: processed}, {Key: "removedFromQueue", Value: processed - int64(queued)},
		{Key: "queueLength", Value: int64(queued)}, {Key: "startedProcessing", Value: processed},
		{Key: "processing", Value: int64(out)}, {Key: "finishedProcessing", Value: processed - int64(out)},
		{Key: "totalTimeProcessingMicros", Value: processed * 420}, {Key: "canceled", Value: int64(0)},
		{Key: "newAdmissions", Value: processed}, {Key: "totalTimeQueuedMicros", Value: processed * 3},
	}
}

// sectQueues is 8.0's storage-engine admission: tickets out/available.
func sectQueues(s *statusCtx) any {
	if !s.n.c.atLeast(8, 0) {
		return nil // before 8.0 tickets are wiredTiger.concurrentTransactions
	}
	qr, qw := queued(s)
	ar := int32(s.active * 2 / 3)
	aw := int32(s.active) - ar
	if qr > 0 {
		ar = 128
	}
	return bson.D{{Key: "execution", Value: bson.D{
		{Key: "write", Value: ticketDoc(aw, 128, qw, s.ops[opInsert]+s.ops[opUpdate]+s.ops[opDelete])},
		{Key: "read", Value: ticketDoc(ar, 128, qr, s.ops[opQuery]+s.ops[opGetmore])},
		{Key: "monitor", Value: bson.D{{Key: "timesDecreased", Value: int64(0)}, {Key: "timesIncreased", Value: int64(0)}, {Key: "totalAmountDecreased", Value: int64(0)}, {Key: "totalAmountIncreased", Value: int64(0)}}},
	}}}
}

// sectWiredTiger is the captured wiredTiger section with the cache figures
// mongostat and mongoscope read made live.
func sectWiredTiger(s *statusCtx) any {
	const maxCache = 16 << 30
	used := int64(float64(maxCache) * (0.62 + 0.15*s.hot + 0.03*math.Sin(s.tau/50)))
	dirty := int64(float64(maxCache) * (0.012 + 0.04*s.hot))
	live := map[string]int64{
		"bytes currently in the cache":         used,
		"maximum bytes configured":             maxCache,
		"tracked dirty bytes in the cache":     dirty,
		"pages read into cache":                s.ops[opQuery] / 3,
		"pages written from cache":             (s.ops[opInsert] + s.ops[opUpdate]) / 4,
		"pages evicted by application threads": 0,
	}
	out := make(bson.D, 0, len(staticWT))
	for _, e := range staticWT {
		switch e.Key {
		case "concurrentTransactions": // moved to queues.execution in 8.0
			if !s.n.c.atLeast(8, 0) {
				out = append(out, bson.E{Key: e.Key, Value: concurrentTransactions(s)})
			}
			continue
		case "oplog":
			out = append(out, bson.E{Key: "oplog", Value: bson.D{{Key: "visibility timestamp", Value: tsOf(s.applied)}}})
			continue
		case "snapshot-window-settings":
			out = append(out, bson.E{Key: e.Key, Value: liveSnapshotWindow(e.Value, s.majority)})
			continue
		}
		if e.Key != "cache" {
			out = append(out, e)
			continue
		}
		cache, _ := e.Value.(bson.D)
		patched := make(bson.D, len(cache))
		for i, ce := range cache {
			if v, ok := live[ce.Key]; ok {
				ce.Value = v
			}
			patched[i] = ce
		}
		out = append(out, bson.E{Key: "cache", Value: patched})
	}
	return out
}

func (n *node) shardingSectionLocked() bson.D {
	c := n.c
	if c.configRS == nil || n.kind == kindConfig {
		return nil
	}
	cfgTime := c.appliedLocked(c.configRS, 0, c.cfg.Now())
	return bson.D{
		{Key: "configsvrConnectionString", Value: c.configRS.connString()},
		{Key: "lastSeenConfigServerOpTime", Value: optime(cfgTime, c.configRS.term)},
		{Key: "maxChunkSizeInBytes", Value: int64(128 << 20)},
	}
}

// replSectionLocked is serverStatus.repl: the hello subset plus rbid.
func (n *node) replSectionLocked(now time.Time) bson.D {
	rs := n.rs
	hosts, _, _ := rs.helloLists()
	d := append(bson.D{{Key: "hosts", Value: hosts}}, n.helloMemberFields()...)
	d = append(d, bson.E{Key: "setName", Value: rs.name}, bson.E{Key: "setVersion", Value: rs.setVersion},
		bson.E{Key: n.c.writablePrimaryField(), Value: n.isPrimaryLocked()}, bson.E{Key: "secondary", Value: !n.isPrimaryLocked() && !n.mcfg.arbiter})
	d = append(d, n.helloSelfFlags()...)
	if p := rs.primaryNode(); p != nil {
		d = append(d, bson.E{Key: "primary", Value: p.name()})
	}
	d = append(d, bson.E{Key: "me", Value: n.name()})
	if n.isPrimaryLocked() {
		d = append(d, bson.E{Key: "electionId", Value: rs.electionID()})
	}
	applied := n.c.appliedLocked(rs, n.member, now)
	majority := n.c.majorityLocked(rs, now)
	d = append(d,
		bson.E{Key: "lastWrite", Value: bson.D{
			{Key: "opTime", Value: optime(applied, rs.term)},
			{Key: "lastWriteDate", Value: bson.NewDateTimeFromTime(applied.Truncate(time.Second))},
			{Key: "majorityOpTime", Value: optime(majority, rs.term)},
			{Key: "majorityWriteDate", Value: bson.NewDateTimeFromTime(majority.Truncate(time.Second))},
		}},
		bson.E{Key: "primaryOnlyServices", Value: bson.D{}},
		bson.E{Key: "rbid", Value: int32(1)},
	)
	return d
}

// liveSnapshotWindow sets the majority snapshot time, which WiredTiger
// formats as text ("Sep 10 17:39:47:1" in the capture).
func liveSnapshotWindow(v any, majority time.Time) any {
	d, ok := v.(bson.D)
	if !ok {
		return v
	}
	out := append(bson.D(nil), d...)
	for i := range out {
		if out[i].Key == "latest majority snapshot timestamp available" {
			ts := tsOf(majority)
			out[i].Value = fmt.Sprintf("%s:%d", majority.UTC().Format("Jan 02 15:04:05"), ts.I)
		}
	}
	return out
}

// concurrentTransactions is the ticket view before 8.0 (fixture
// serverStatus-6.0.12…: write and read {out, available, totalTickets}).
func concurrentTransactions(s *statusCtx) bson.D {
	qr, _ := queued(s)
	ar := int32(s.active * 2 / 3)
	aw := int32(s.active) - ar
	if qr > 0 {
		ar = 128
	}
	tickets := func(out int32) bson.D {
		return bson.D{{Key: "out", Value: out}, {Key: "available", Value: 128 - out}, {Key: "totalTickets", Value: int32(128)}}
	}
	return bson.D{{Key: "write", Value: tickets(aw)}, {Key: "read", Value: tickets(ar)}}
}
