package probes

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/mongoscope/mongoscope/internal/safetext"
)

// Counters are serverStatus.opcounters (or opcountersRepl), cumulative.
type Counters struct {
	Insert, Query, Update, Delete, Getmore, Command int64
}

// ServerStatus is the part of one serverStatus reply mongoscope reads.
// Pointers are nil where the server did not report the section.
type ServerStatus struct {
	Host, Version, Process string // process: "mongod" or "mongos"
	Uptime                 float64
	LocalTime              time.Time
	Opcounters             Counters
	OpcountersRepl         *Counters
	Network                struct{ BytesIn, BytesOut, NumRequests int64 }
	Connections            struct {
		Current, Available, TotalCreated, Active int64
		Rejected                                 *int64
	}
	GlobalLock *struct{ QueueReaders, QueueWriters, ActiveReaders, ActiveWriters int64 }
	Tickets    *struct {
		ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
	}
	ReplApplyOps    *int64
	ReplBufferCount *int64
	Repl            *ReplInfo
	// OplogEarliest/Latest come from the opt-in `oplog` section.
	OplogEarliest, OplogLatest time.Time
	// TTLDeletedDocuments is metrics.ttl.deletedDocuments: documents the
	// TTL monitor deleted (it runs on primaries only).
	TTLDeletedDocuments *int64
	// Documents are the per-document counters of metrics; nil when the
	// server does not report metrics.document.
	Documents *DocumentCounters
	Pid       int64
	// Bad lists the counters that were missing, not numbers, or negative:
	// their rates are unknown, never zero.
	Bad []string
}

// ReplInfo is serverStatus.repl, the hello subset a member reports.
type ReplInfo struct {
	SetName, Primary, Me         string
	Hosts                        []string
	IsWritablePrimary, Secondary bool
}

// A poll decodes every node's serverStatus, so DecodeServerStatus reads the
// reply in one walk over its top-level elements and each section it needs
// in one walk of its own (a lookup per field scanned the reply from the top
// each time: bsoncore.LookupErr was 7.8 % of the poller's CPU, BENCHMARKS.md).
// Each walk keeps the first element of each key, the one a lookup finds,
// and descends into an array where a lookup would (inner).

// The top-level fields of a serverStatus reply that DecodeServerStatus reads.
const (
	ssOpcounters = iota
	ssErrmsg
	ssHost
	ssVersion
	ssProcess
	ssUptime
	ssPid
	ssLocalTime
	ssOpcountersRepl
	ssNetwork
	ssConnections
	ssGlobalLock
	ssQueues
	ssWiredTiger
	ssMetrics
	ssRepl
	ssOplog
	numStatusFields
)

var statusKeys = []string{ssOpcounters: "opcounters", ssErrmsg: "errmsg", ssHost: "host", ssVersion: "version",
	ssProcess: "process", ssUptime: "uptime", ssPid: "pid", ssLocalTime: "localTime", ssOpcountersRepl: "opcountersRepl",
	ssNetwork: "network", ssConnections: "connections", ssGlobalLock: "globalLock", ssQueues: "queues",
	ssWiredTiger: "wiredTiger", ssMetrics: "metrics", ssRepl: "repl", ssOplog: "oplog"}

// DecodeServerStatus reads one serverStatus reply; it never panics and
// leaves what it cannot read unknown.
func DecodeServerStatus(raw bson.Raw) (s ServerStatus, err error) {
	defer safely("serverStatus", &err)
	if err := raw.Validate(); err != nil {
		return s, errors.New("serverStatus reply is not a valid BSON document")
	}
	var f [numStatusFields]bson.RawValue
	firstValues(raw, statusKeys, f[:])
	if f[ssOpcounters].Type == 0 {
		if msg := rawText(f[ssErrmsg]); msg != "" {
			return s, errors.New(msg)
		}
		return s, errors.New("serverStatus reply has no opcounters section")
	}
	s.Host, s.Version, s.Process = textLine(f[ssHost]), textLine(f[ssVersion]), textLine(f[ssProcess])
	s.Uptime, _ = rawFloat(f[ssUptime])
	s.Pid, _ = rawInt(f[ssPid])
	s.LocalTime, _ = rawTime(f[ssLocalTime])
	s.Opcounters = decodeCounters(f[ssOpcounters], "opcounters", &s.Bad)
	if f[ssOpcountersRepl].Type == bson.TypeEmbeddedDocument {
		var ignored []string // a bad repl counter only loses the repl rate
		c := decodeCounters(f[ssOpcountersRepl], "opcountersRepl", &ignored)
		if len(ignored) == 0 {
			s.OpcountersRepl = &c
		}
	}
	decodeNetwork(&s, f[ssNetwork])
	decodeConnections(&s, f[ssConnections])
	s.GlobalLock = decodeGlobalLock(f[ssGlobalLock])
	s.Tickets = decodeTickets(f[ssQueues], f[ssWiredTiger])
	decodeMetrics(&s, f[ssMetrics])
	s.Repl = decodeRepl(f[ssRepl])
	var oplog [2]bson.RawValue
	firstValues(inner(f[ssOplog]), []string{"earliestOptime", "latestOptime"}, oplog[:])
	s.OplogEarliest, _ = rawTime(oplog[0])
	s.OplogLatest, _ = rawTime(oplog[1])
	return s, nil
}

// textLine is a string value made safe to show on one line.
func textLine(v bson.RawValue) string { return safetext.Line(rawText(v)) }

var counterKeys = []string{"insert", "query", "update", "delete", "getmore", "command"}

// decodeCounters reads opcounters or opcountersRepl (section names it in bad).
func decodeCounters(section bson.RawValue, name string, bad *[]string) Counters {
	var v [6]bson.RawValue
	firstValues(inner(section), counterKeys, v[:])
	return Counters{Insert: readCounter(v[0], bad, name, "insert"), Query: readCounter(v[1], bad, name, "query"),
		Update: readCounter(v[2], bad, name, "update"), Delete: readCounter(v[3], bad, name, "delete"),
		Getmore: readCounter(v[4], bad, name, "getmore"), Command: readCounter(v[5], bad, name, "command")}
}

// readCounter reads a cumulative counter; a missing, non-numeric or
// negative one is listed in bad as section.key (its rate is then unknown,
// not zero).
func readCounter(v bson.RawValue, bad *[]string, section, key string) int64 {
	n, ok := rawInt(v)
	if !ok || n < 0 {
		*bad = append(*bad, section+"."+key)
		return 0
	}
	return n
}

// badIn says which of the bad counters lie under a section ("" if none).
func (s ServerStatus) badIn(section string) string {
	for _, b := range s.Bad {
		if strings.HasPrefix(b, section+".") {
			return b + " is missing or not a number"
		}
	}
	return ""
}

func decodeNetwork(s *ServerStatus, network bson.RawValue) {
	var v [3]bson.RawValue
	firstValues(inner(network), []string{"bytesIn", "bytesOut", "numRequests"}, v[:])
	s.Network.BytesIn = readCounter(v[0], &s.Bad, "network", "bytesIn")
	s.Network.BytesOut = readCounter(v[1], &s.Bad, "network", "bytesOut")
	s.Network.NumRequests = readCounter(v[2], &s.Bad, "network", "numRequests")
}

func decodeConnections(s *ServerStatus, connections bson.RawValue) {
	var v [5]bson.RawValue
	firstValues(inner(connections), []string{"current", "available", "totalCreated", "active", "rejected"}, v[:])
	s.Connections.Current = readCounter(v[0], &s.Bad, "connections", "current")
	s.Connections.Available = readCounter(v[1], &s.Bad, "connections", "available")
	s.Connections.TotalCreated = readCounter(v[2], &s.Bad, "connections", "totalCreated")
	s.Connections.Active, _ = rawInt(v[3])
	if n, ok := rawInt(v[4]); ok {
		s.Connections.Rejected = &n
	}
}

// decodeGlobalLock reads the queued and active readers and writers; nil
// without a globalLock.currentQueue document.
func decodeGlobalLock(globalLock bson.RawValue) *struct{ QueueReaders, QueueWriters, ActiveReaders, ActiveWriters int64 } {
	var sections [2]bson.RawValue
	firstValues(inner(globalLock), []string{"currentQueue", "activeClients"}, sections[:])
	if sections[0].Type != bson.TypeEmbeddedDocument {
		return nil
	}
	g := &struct{ QueueReaders, QueueWriters, ActiveReaders, ActiveWriters int64 }{}
	g.QueueReaders, g.QueueWriters = readersWriters(sections[0])
	g.ActiveReaders, g.ActiveWriters = readersWriters(sections[1])
	return g
}

// readersWriters reads a section's readers and writers (0 if unknown).
func readersWriters(section bson.RawValue) (readers, writers int64) {
	var v [2]bson.RawValue
	firstValues(inner(section), []string{"readers", "writers"}, v[:])
	readers, _ = rawInt(v[0])
	writers, _ = rawInt(v[1])
	return readers, writers
}

// decodeTickets reads storage-engine admission: queues.execution on 8.0+,
// wiredTiger.concurrentTransactions up to 7.0.
func decodeTickets(queues, wiredTiger bson.RawValue) *struct {
	ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
} {
	var base [1]bson.RawValue
	firstValues(inner(queues), []string{"execution"}, base[:])
	if base[0].Type != bson.TypeEmbeddedDocument {
		base[0] = bson.RawValue{}
		firstValues(inner(wiredTiger), []string{"concurrentTransactions"}, base[:])
		if base[0].Type != bson.TypeEmbeddedDocument {
			return nil
		}
	}
	var rw [2]bson.RawValue
	firstValues(inner(base[0]), []string{"read", "write"}, rw[:])
	t := &struct {
		ReadOut, ReadAvailable, ReadTotal, WriteOut, WriteAvailable, WriteTotal int64
	}{}
	t.ReadOut, t.ReadAvailable, t.ReadTotal = ticketCounts(rw[0])
	t.WriteOut, t.WriteAvailable, t.WriteTotal = ticketCounts(rw[1])
	return t
}

// ticketCounts reads one direction's out, available and totalTickets.
func ticketCounts(direction bson.RawValue) (out, available, total int64) {
	var v [3]bson.RawValue
	firstValues(inner(direction), []string{"out", "available", "totalTickets"}, v[:])
	out, _ = rawInt(v[0])
	available, _ = rawInt(v[1])
	total, _ = rawInt(v[2])
	return out, available, total
}

// decodeMetrics reads metrics: replication's apply and buffer counts, the
// TTL monitor's deletions and the per-document counters.
func decodeMetrics(s *ServerStatus, metrics bson.RawValue) {
	var m [5]bson.RawValue // repl, ttl, document, queryExecutor, operation
	firstValues(inner(metrics), []string{"repl", "ttl", "document", "queryExecutor", "operation"}, m[:])
	decodeReplMetrics(s, m[0])
	var ttl [1]bson.RawValue
	firstValues(inner(m[1]), []string{"deletedDocuments"}, ttl[:])
	s.TTLDeletedDocuments = optCounter(ttl[0])
	s.Documents = decodeDocuments(m[2], m[3], m[4])
}

// decodeReplMetrics reads metrics.repl.apply.ops and the buffer's count.
func decodeReplMetrics(s *ServerStatus, repl bson.RawValue) {
	var r, apply, buffer, bufferApply [2]bson.RawValue
	firstValues(inner(repl), []string{"apply", "buffer"}, r[:])
	firstValues(inner(r[0]), []string{"ops"}, apply[:1])
	if n, ok := rawInt(apply[0]); ok {
		s.ReplApplyOps = &n
	}
	// 8.0 split the buffer into write and apply stages; ≤7.0 has a flat count.
	firstValues(inner(r[1]), []string{"apply", "count"}, buffer[:])
	firstValues(inner(buffer[0]), []string{"count"}, bufferApply[:1])
	if n, ok := rawInt(bufferApply[0]); ok {
		s.ReplBufferCount = &n
	} else if n, ok := rawInt(buffer[1]); ok {
		s.ReplBufferCount = &n
	}
}

// decodeRepl reads serverStatus.repl; nil when it is not a document.
func decodeRepl(repl bson.RawValue) *ReplInfo {
	if repl.Type != bson.TypeEmbeddedDocument {
		return nil
	}
	var v [7]bson.RawValue
	firstValues(inner(repl), []string{"setName", "primary", "me", "secondary", "isWritablePrimary", "ismaster", "hosts"}, v[:])
	r := &ReplInfo{SetName: textLine(v[0]), Primary: textLine(v[1]), Me: textLine(v[2]), Secondary: rawBool(v[3]),
		IsWritablePrimary: rawBool(v[4]) || rawBool(v[5])}
	if hosts, ok := v[6].ArrayOK(); ok {
		it := walk(hosts)
		for {
			_, _, h, ok := it.next()
			if !ok {
				break
			}
			if str, ok := h.StringValueOK(); ok {
				r.Hosts = append(r.Hosts, str)
			}
		}
	}
	return r
}

// ServerStatusCommand is the cheap serverStatus mongoscope sends. The
// heavy sections (wiredTiger's hundreds of stats, locks, tcmalloc, the
// per-command metrics) are excluded. Before 8.0 the ticket counts live only
// in wiredTiger.concurrentTransactions (8.0 moved them to `queues`), so
// wantWiredTiger keeps that section, every few polls. The oplog section
// (first/last optime, i.e. the oplog window) is opt-in: wantOplog.
func ServerStatusCommand(process string, wantOplog, wantWiredTiger bool) bson.D {
	cmd := bson.D{{Key: "serverStatus", Value: 1}}
	if !wantWiredTiger {
		cmd = append(cmd, bson.E{Key: "wiredTiger", Value: 0})
	}
	for _, section := range []string{"locks", "tcmalloc", "transactions", "flowControl",
		"electionMetrics", "storageEngine", "logicalSessionRecordCache", "catalogStats", "indexBuilds",
		"twoPhaseCommitCoordinator", "encryptionAtRest", "security", "sharding", "shardingStatistics", "asserts",
		"extra_info", "opLatencies", "opWorkingTime", "planCache", "queryAnalyzers", "readConcernCounters",
		"readPreferenceCounters", "scramCache", "tenantMigrations", "trafficRecording", "transportSecurity",
		"watchdog", "health", "defaultRWConcern", "collectionCatalog", "mirroredReads", "changeStreamPreImages",
		"indexBulkBuilder", "internalTransactions", "batchedDeletes", "service", "routerOpLatencies", "ingressAppEstablishment",
		"featureCompatibilityVersion", "oplogTruncation", "shardedIndexConsistency", "hedgingMetrics", "mem", "periodicNoopWriter"} {
		cmd = append(cmd, bson.E{Key: section, Value: 0})
	}
	// metrics is large (commands, aggStageCounters, query…); repl, ttl,
	// document, queryExecutor and operation are read (a few counters each),
	// so keep it but drop its big sub-documents.
	cmd = append(cmd, bson.E{Key: "metrics", Value: bson.D{
		{Key: "commands", Value: 0}, {Key: "aggStageCounters", Value: 0}, {Key: "query", Value: 0},
		{Key: "operatorCounters", Value: 0}, {Key: "cursor", Value: 0}, {Key: "network", Value: 0}}})
	if process == "mongos" {
		return cmd
	}
	if wantOplog {
		cmd = append(cmd, bson.E{Key: "oplog", Value: 1})
	}
	return cmd
}

// statusProbe asks every node for a trimmed serverStatus: opcounters,
// network, connections, queues and tickets, replication apply counters and,
// on primaries every few polls, the oplog window.
type statusProbe struct {
	pairs map[string]*statusPair
}

// statusSample is one serverStatus with when it was taken: the server's
// localTime (at), and the poller's clock (Config.Now: time.Now, monotonic,
// unless a test or soak run fakes it, as it fakes the server's) when the
// request was sent and the reply received (the server's moment lies
// between).
type statusSample struct {
	s          ServerStatus
	at         time.Time
	sent, recv time.Time
	// askedWT says the request kept the wiredTiger section (the tickets
	// before 8.0); ticketsAt is the receipt time of the sample the ticket
	// counts come from (this one, or an earlier one they are held from).
	askedWT   bool
	ticketsAt time.Time
}

// statusPair is a node's last two samples and why they give no rate, if so.
type statusPair struct {
	prev, cur *statusSample
	gap       string
}

func newStatusProbe() *statusProbe { return &statusProbe{pairs: map[string]*statusPair{}} }

func (*statusProbe) name() string           { return probeStatus }
func (*statusProbe) every(*state) int       { return everyPoll }
func (*statusProbe) due(st *state) []string { return st.allNodes() }

func (sp *statusProbe) ask(ctx context.Context, n nodeCall) (func(*state), error) {
	process := "mongod"
	if n.node.Role == RoleMongos {
		process = "mongos"
	}
	// The seed's own window stands in when its primary is not polled.
	fromHere := n.node.Role == RolePrimary || n.node.Role == RoleConfig || n.seed && n.node.Set != ""
	wantOplog := fromHere && (n.cycle == 1 || n.cycle%oplogEvery == 1)
	sent := n.cfg.Now()
	wantWT := process == "mongod" && ticketsInWiredTiger(n.node.Version) && (n.cycle == 1 || n.cycle%everyFewPolls == 1)
	raw, err := n.conn.command(ctx, n.cfg.DownAfter, "admin", ServerStatusCommand(process, wantOplog, wantWT))
	if err != nil {
		return nil, err
	}
	recv := n.cfg.Now()
	s, err := DecodeServerStatus(raw)
	if err != nil {
		return nil, err
	}
	sample := &statusSample{s: s, at: s.LocalTime, sent: sent, recv: recv, askedWT: wantWT}
	if sample.at.IsZero() {
		sample.at = n.now
	}
	addr := n.node.Address
	return func(st *state) { sp.apply(st, addr, sample) }, nil
}

func (sp *statusProbe) apply(st *state, addr string, sample *statusSample) {
	pair, ok := sp.pairs[addr]
	if !ok {
		pair = &statusPair{}
		sp.pairs[addr] = pair
	}
	holdTickets(pair.cur, sample)
	pair.prev, pair.cur = pair.cur, sample
	pair.gap = ""
	if pair.prev != nil {
		pair.gap = rateGap(pair.prev, pair.cur)
	}
	if ns, ok := st.nodes[addr]; ok {
		if sample.s.Version != "" {
			ns.node.Version = sample.s.Version
		}
		ns.connStormy = connectionsStormy(nodeConnections(sample.s, pair), ns.connStormy)
	}
	if !sample.s.OplogEarliest.IsZero() {
		st.oplog[addr] = oplogWindow{first: sample.s.OplogEarliest, last: sample.s.OplogLatest, at: st.now()}
	}
}

// holdTickets dates the sample's ticket counts. Before 8.0 they are read
// every few polls, so a sample that did not ask for them holds the last
// ones with their time; one that asked and got none has none (unknown).
func holdTickets(last, sample *statusSample) {
	switch {
	case sample.s.Tickets != nil:
		sample.ticketsAt = sample.recv
	case last != nil && !sample.askedWT && ticketsInWiredTiger(sample.s.Version):
		sample.s.Tickets, sample.ticketsAt = last.s.Tickets, last.ticketsAt
	}
}

// forget drops what the probe holds of nodes that left.
func (sp *statusProbe) forget(st *state) {
	for addr := range sp.pairs {
		if _, ok := st.nodes[addr]; !ok {
			delete(sp.pairs, addr)
		}
	}
}

// fill adds rates, connections and queues of every node whose sample is
// fresh. A node without a fresh pair has no rate (unknown, never zero), and
// a cluster or shard total missing one of its nodes is null with the reason.
func (sp *statusProbe) fill(snap *Snapshot, st *state) {
	sp.forget(st)
	agg := newStatusTotals()
	for _, n := range snap.Deployment.Nodes {
		pair, ok := sp.pairs[n.Address]
		if !ok || pair.cur == nil {
			agg.missing(n, st, "no serverStatus yet")
			continue
		}
		if why := st.staleness(sp, pair.cur.recvWall(st), n.Address); why != "" || n.State == StateDown {
			agg.missing(n, st, cmp.Or(why, n.Error))
			continue
		}
		agg.add(n, st, pair)
	}
	agg.into(snap)
}

// recvWall is the wall time of receipt, for ages.
func (s *statusSample) recvWall(*state) time.Time { return s.recv }

// ticketsInWiredTiger says whether a release (unknown: assume so) reports
// its tickets under wiredTiger.concurrentTransactions only (before 8.0).
func ticketsInWiredTiger(version string) bool {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return err != nil || n < 8
}
