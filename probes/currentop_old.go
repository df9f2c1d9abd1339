package probes

import (
	"encoding/hex"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// decodeOpOld is the decoder DecodeOp replaced: a lookup (a scan of the
// document) per field. It stays only while the comparison test checks the
// single-pass decoder against it.
func decodeOpOld(doc bson.Raw, src OpSource) (op Op, ok bool) {
	defer func() {
		if recover() != nil {
			op, ok = Op{}, false
		}
	}()
	if doc.Validate() != nil {
		return Op{}, false
	}
	if t := getString(doc, "type"); t != "" && t != "op" {
		return Op{}, false
	}
	if v, ok := lookup(doc, "active"); ok && v.Type == bson.TypeBoolean && !v.Boolean() {
		return Op{}, false
	}
	op = Op{Node: src.Node, Shard: src.Shard, Op: getString(doc, "op"), NS: getString(doc, "ns"),
		PlanSummary: getString(doc, "planSummary"), AppName: getString(doc, "appName"), Desc: getString(doc, "desc"),
		WaitingForLock: getBool(doc, "waitingForLock"), KillPending: getBool(doc, "killPending"), Msg: getString(doc, "msg")}
	if v, ok := lookup(doc, "opid"); ok {
		op.OpID = rawString(v)
	}
	if op.OpID == "" {
		return Op{}, false
	}
	if micros, ok := getInt(doc, "microsecs_running"); ok {
		op.SecsRunning = float64(micros) / 1e6
	} else if secs, ok := getFloat(doc, "secs_running"); ok {
		op.SecsRunning = secs
	}
	op.Client = getString(doc, "client")
	if op.Client == "" {
		op.Client = getString(doc, "clientMetadata", "mongos", "client")
	}
	if op.Client == "" {
		op.Client = getString(doc, "client_s")
	}
	if users := getArray(doc, "effectiveUsers"); len(users) > 0 {
		if u, ok := users[0].DocumentOK(); ok {
			op.User = getString(u, "user") + "@" + getString(u, "db")
		}
	}
	op.ConnectionID, _ = getInt(doc, "connectionId")
	if v, ok := lookup(doc, "lsid", "id"); ok {
		if _, data, ok := v.BinaryOK(); ok {
			op.LSID = hex.EncodeToString(data)
		}
	}
	op.NumYields, _ = getInt(doc, "numYields")
	op.ProgressDone, _ = getFloat(doc, "progress", "done")
	op.ProgressTotal, _ = getFloat(doc, "progress", "total")
	if src.ViaMongos {
		op.KillVia = src.Mongos
		if op.Shard == "" {
			op.Shard = getString(doc, "shard")
		}
		if shard, _, found := strings.Cut(op.OpID, ":"); found && op.Shard == "" {
			op.Shard = shard
		}
		if host := getString(doc, "host"); host != "" {
			op.Node = host
		}
	} else {
		op.KillVia = src.Node
	}
	cmd, _ := getDoc(doc, "command")
	if src.CommandCap >= 0 {
		op.Command = commandJSON(cmd, src.CommandCap)
	} else {
		op.cmd = cmd // rendered later by RenderCommands, for the ops kept
	}
	classifyOld(&op, doc, cmd, src) // on the text as sent: mongoscope's own appName, prefixes
	op.sanitize()
	return op, true
}

// classifyOld sets System and Flags (see MONGODB-INTERFACE §1.4).
func classifyOld(op *Op, doc, cmd bson.Raw, src OpSource) {
	_, hasConn := lookup(doc, "connectionId")
	internalThread := !hasConn && !strings.HasPrefix(op.Desc, "conn")
	for _, p := range internalDescPrefixes {
		if strings.HasPrefix(op.Desc, p) {
			internalThread = true
		}
	}
	driver := getString(doc, "clientMetadata", "driver", "name")
	for _, d := range internalDrivers {
		if driver == d {
			internalThread = true
		}
	}
	if strings.HasPrefix(op.User, "__system@") {
		internalThread = true
	}
	_, awaitable := lookup(cmd, "maxAwaitTimeMS")
	first := firstKey(cmd)
	monitoring := awaitable || first == "hello" || first == "isMaster" || first == "ismaster"
	tailing := getBool(doc, "cursor", "tailable") || getBool(cmd, "tailable") || op.NS == "local.oplog.rs"
	self := src.SelfAppName != "" && op.AppName == src.SelfAppName
	op.System = internalThread || monitoring || tailing || self || strings.HasPrefix(op.NS, "local.")

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
	op.Flags = flags
}

func firstKey(doc bson.Raw) string {
	if len(doc) < 5 {
		return ""
	}
	elems, err := doc.Elements()
	if err != nil || len(elems) == 0 {
		return ""
	}
	return elems[0].Key()
}
