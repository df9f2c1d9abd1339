package probes

import (
	"encoding/hex"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// A poll decodes every running op of every node it asks, so DecodeOp reads
// each document in one walk over its elements (a lookup per field scanned
// the document once per field: a fifth of the poller's CPU at 94 nodes,
// BENCHMARKS.md), and each nested document it needs once as well.

// Internal thread names (desc) of replication, sharding and storage work.
var internalDescPrefixes = []string{"ReplBatcher", "rsSync", "OplogApplier", "NoopWriter", "waitForMajority",
	"monitoring-keys", "WT-", "IndexBuildsCoordinator", "migrateThread", "TransactionCoordinator", "Balancer",
	"TTLMonitor", "ReplWriterWorker", "repl-", "OplogFetcher", "BackgroundSync", "ReplCoord", "JournalFlusher",
	"Checkpointer", "clientcursormon", "FlowControlRefresher", "LogicalSessionCacheRefresh", "PeriodicTaskRunner",
	"ftdc", "SignalHandler", "startPeriodicThreadToAbortExpiredTransactions", "ReplicaSetMonitor", "query analyzer",
	"inactive transaction", "RangeDeleter", "range-deleter", "ChunkSplitter", "ShardServerCatalogCacheLoader"}

// Drivers and servers whose connections are internal traffic.
var internalDrivers = []string{"NetworkInterfaceTL", "MongoDB Internal Client"}

// The top-level fields of a $currentOp document that DecodeOp reads.
const (
	fType = iota
	fActive
	fOp
	fNS
	fPlanSummary
	fAppName
	fDesc
	fWaitingForLock
	fKillPending
	fMsg
	fOpID
	fMicros
	fSecs
	fClient
	fClientS
	fClientMetadata
	fEffectiveUsers
	fConnectionID
	fLSID
	fNumYields
	fProgress
	fShard
	fHost
	fCommand
	fCursor
	numOpFields
)

// opFieldIndex is the field a key holds, or -1 for a key DecodeOp skips.
func opFieldIndex(key []byte) int {
	switch string(key) {
	case "type":
		return fType
	case "active":
		return fActive
	case "op":
		return fOp
	case "ns":
		return fNS
	case "planSummary":
		return fPlanSummary
	case "appName":
		return fAppName
	case "desc":
		return fDesc
	case "waitingForLock":
		return fWaitingForLock
	case "killPending":
		return fKillPending
	case "msg":
		return fMsg
	case "opid":
		return fOpID
	case "microsecs_running":
		return fMicros
	case "secs_running":
		return fSecs
	case "client":
		return fClient
	case "client_s":
		return fClientS
	case "clientMetadata":
		return fClientMetadata
	case "effectiveUsers":
		return fEffectiveUsers
	case "connectionId":
		return fConnectionID
	case "lsid":
		return fLSID
	case "numYields":
		return fNumYields
	case "progress":
		return fProgress
	case "shard":
		return fShard
	case "host":
		return fHost
	case "command":
		return fCommand
	case "cursor":
		return fCursor
	}
	return -1
}

// opFields is one op document read in one walk: the value of each field
// as a lookup finds it (the first element with its key); the zero
// RawValue when absent.
type opFields [numOpFields]bson.RawValue

// read validates doc exactly as bson.Raw.Validate does, in the same walk
// that keeps the fields; false for a malformed document.
func (f *opFields) read(doc bson.Raw) bool {
	length, _, ok := bsoncore.ReadLength(doc)
	if !ok || int(length) > len(doc) || length < 5 || doc[length-1] != 0x00 {
		return false
	}
	it := walk(doc)
	for {
		elem, key, v, ok := it.next()
		if !ok {
			break
		}
		if elem.Validate() != nil {
			return false
		}
		if i := opFieldIndex(key); i >= 0 && f[i].Type == 0 {
			f[i] = v
		}
	}
	return !it.broken && len(it.rem) > 0 && it.rem[0] == 0x00
}

// running is false for what is not a running operation: idle sessions,
// idle cursors, inactive connections.
func (f *opFields) running() bool {
	if t := rawText(f[fType]); t != "" && t != "op" {
		return false
	}
	active := f[fActive]
	return active.Type != bson.TypeBoolean || active.Boolean()
}

// opFacts is what classify reads beyond the Op: from the command, the
// client's metadata and the cursor.
type opFacts struct {
	first               []byte // the command's name: its first key (in the document)
	awaitable, tailable bool   // the command's maxAwaitTimeMS; its tailable
	hasConn             bool   // a client connection, not a server thread
	driver              string // clientMetadata.driver.name
	cursorTailable      bool   // cursor.tailable
}

// DecodeOp reads one $currentOp (or currentOp inprog) document. It returns
// false for documents that are not running operations (idle sessions,
// idle cursors, inactive connections).
func DecodeOp(doc bson.Raw, src OpSource) (op Op, ok bool) {
	defer func() {
		if recover() != nil {
			op, ok = Op{}, false
		}
	}()
	var f opFields
	if !f.read(doc) || !f.running() {
		return Op{}, false
	}
	op = f.op(src)
	if op.OpID == "" {
		return Op{}, false
	}
	facts := f.clientFacts(&op)
	route(&op, src, f[fShard], f[fHost])
	cmd, _ := f[fCommand].DocumentOK()
	facts.readCommand(cmd)
	finishOp(&op, cmd, facts, src)
	return op, true
}

// finishOp renders the command (or keeps it to render), classifies and
// sanitizes: what follows reading the document's fields.
func finishOp(op *Op, cmd bson.Raw, facts opFacts, src OpSource) {
	if src.CommandCap >= 0 {
		op.Command = commandJSON(cmd, src.CommandCap)
	} else {
		op.cmd = cmd // rendered later by RenderCommands, for the ops kept
	}
	classify(op, facts, src) // on the text as sent: mongoscope's own appName, prefixes
	op.sanitize()
}

// op fills the fields read from the document alone.
func (f *opFields) op(src OpSource) Op {
	op := Op{Node: src.Node, Shard: src.Shard, Op: rawText(f[fOp]), NS: rawText(f[fNS]),
		PlanSummary: rawText(f[fPlanSummary]), AppName: rawText(f[fAppName]), Desc: rawText(f[fDesc]),
		WaitingForLock: rawBool(f[fWaitingForLock]), KillPending: rawBool(f[fKillPending]), Msg: rawText(f[fMsg]),
		OpID: rawString(f[fOpID]), Client: rawText(f[fClient])}
	if micros, ok := rawInt(f[fMicros]); ok {
		op.SecsRunning = float64(micros) / 1e6
	} else if secs, ok := rawFloat(f[fSecs]); ok {
		op.SecsRunning = secs
	}
	op.User = f.user()
	op.ConnectionID, _ = rawInt(f[fConnectionID])
	var id [1]bson.RawValue
	firstValues(inner(f[fLSID]), []string{"id"}, id[:])
	if _, data, ok := id[0].BinaryOK(); ok {
		op.LSID = hex.EncodeToString(data)
	}
	op.NumYields, _ = rawInt(f[fNumYields])
	var progress [2]bson.RawValue
	firstValues(inner(f[fProgress]), []string{"done", "total"}, progress[:])
	op.ProgressDone, _ = rawFloat(progress[0])
	op.ProgressTotal, _ = rawFloat(progress[1])
	return op
}

// user is the first of effectiveUsers as user@db; "" when there is none.
func (f *opFields) user() string {
	users, ok := f[fEffectiveUsers].ArrayOK()
	if !ok {
		return ""
	}
	it := walk(users)
	_, _, first, ok := it.next()
	if !ok {
		return ""
	}
	u, ok := first.DocumentOK()
	if !ok {
		return ""
	}
	var names [2]bson.RawValue
	if len(u) >= 5 {
		firstValues(u, []string{"user", "db"}, names[:])
	}
	user, db := rawTextBytes(names[0]), rawTextBytes(names[1])
	return string(append(append(append(make([]byte, 0, len(user)+1+len(db)), user...), '@'), db...))
}

// clientFacts reads clientMetadata (once) and the cursor: it fills the
// client when the document's own is empty (a mongos's client, else
// client_s) and returns what classify reads from them.
func (f *opFields) clientFacts(op *Op) opFacts {
	var meta [2]bson.RawValue
	firstValues(inner(f[fClientMetadata]), []string{"mongos", "driver"}, meta[:])
	if op.Client == "" {
		var client [1]bson.RawValue
		firstValues(inner(meta[0]), []string{"client"}, client[:])
		op.Client = rawText(client[0])
	}
	if op.Client == "" {
		op.Client = rawText(f[fClientS])
	}
	var driver, cursorTailable [1]bson.RawValue
	firstValues(inner(meta[1]), []string{"name"}, driver[:])
	firstValues(inner(f[fCursor]), []string{"tailable"}, cursorTailable[:])
	return opFacts{hasConn: f[fConnectionID].Type != 0, driver: rawText(driver[0]), cursorTailable: rawBool(cursorTailable[0])}
}

// route says where the op runs and where to kill it: through the mongos
// that reported it (its shard from the document's shard or the opid's
// prefix, its node from host), else on the node itself.
func route(op *Op, src OpSource, shard, host bson.RawValue) {
	if !src.ViaMongos {
		op.KillVia = src.Node
		return
	}
	op.KillVia = src.Mongos
	if op.Shard == "" {
		op.Shard = rawText(shard)
	}
	if prefix, _, found := strings.Cut(op.OpID, ":"); found && op.Shard == "" {
		op.Shard = prefix
	}
	if node := rawText(host); node != "" {
		op.Node = node
	}
}

// readCommand reads the command once: its first key (only when every
// element reads, as bson.Raw.Elements requires), maxAwaitTimeMS and
// tailable.
func (c *opFacts) readCommand(cmd bson.Raw) {
	var awaitable, tailable bson.RawValue
	var first []byte
	n, valid := 0, true
	it := walk(cmd)
	for {
		elem, key, v, ok := it.next()
		if !ok {
			break
		}
		if n++; n == 1 {
			first = key
		}
		valid = valid && elem.Validate() == nil // Elements' check; lookups do not make it
		switch {
		case awaitable.Type == 0 && string(key) == "maxAwaitTimeMS":
			awaitable = v
		case tailable.Type == 0 && string(key) == "tailable":
			tailable = v
		}
	}
	if len(cmd) >= 5 && valid && !it.broken {
		c.first = first
	}
	c.awaitable, c.tailable = awaitable.Type != 0, rawBool(tailable)
}

// classify sets System and Flags (see MONGODB-INTERFACE §1.4).
func classify(op *Op, facts opFacts, src OpSource) {
	internalThread := !facts.hasConn && !strings.HasPrefix(op.Desc, "conn")
	for _, p := range internalDescPrefixes {
		if strings.HasPrefix(op.Desc, p) {
			internalThread = true
		}
	}
	for _, d := range internalDrivers {
		if facts.driver == d {
			internalThread = true
		}
	}
	if strings.HasPrefix(op.User, "__system@") {
		internalThread = true
	}
	first := string(facts.first) // compared, never kept: no copy
	monitoring := facts.awaitable || first == "hello" || first == "isMaster" || first == "ismaster"
	tailing := facts.cursorTailable || facts.tailable || op.NS == "local.oplog.rs"
	self := src.SelfAppName != "" && op.AppName == src.SelfAppName
	op.System = internalThread || monitoring || tailing || self || strings.HasPrefix(op.NS, "local.")
	op.Flags = opFlags(op, first, monitoring, tailing, src)
}

// opFlags are the marks an op's row carries.
func opFlags(op *Op, first string, monitoring, tailing bool, src OpSource) []string {
	var flags []string
	if strings.HasPrefix(op.PlanSummary, "COLLSCAN") && !tailing {
		flags = append(flags, FlagCollscan)
	}
	if op.WaitingForLock {
		flags = append(flags, FlagLockWait)
	}
	if first == "createIndexes" || strings.HasPrefix(op.Msg, "Index Build") || strings.HasPrefix(op.Desc, "IndexBuildsCoordinator") {
		flags = append(flags, FlagIndexBuild)
	}
	switch {
	case first == "moveChunk" || first == "_shardsvrMoveRange" || first == "_recvChunkStart" || first == "moveRange",
		strings.HasPrefix(op.Desc, "migrateThread"), strings.HasPrefix(op.Desc, "range-deleter"), strings.HasPrefix(op.Desc, "RangeDeleter"):
		flags = append(flags, FlagMigration)
	}
	if strings.HasPrefix(op.Desc, "TTLMonitor") || op.AppName == "TTLMonitor" {
		flags = append(flags, FlagTTL)
	}
	limit := src.LongOpSecs
	if limit <= 0 {
		limit = 60
	}
	if op.SecsRunning > limit && !monitoring && !tailing {
		flags = append(flags, FlagLong)
	}
	if op.KillPending {
		flags = append(flags, FlagKillPending)
	}
	return flags
}
