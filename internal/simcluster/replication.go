package simcluster

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

var stateNames = map[int32]string{1: "PRIMARY", 2: "SECONDARY", 7: "ARBITER", 8: "(not reachable/healthy)"}

// memberStateLocked is the state a member reports (1 primary, 2 secondary,
// 7 arbiter, 8 down as seen by the others).
func (rs *replSet) memberStateLocked(i int) int32 {
	switch {
	case !rs.members[i].up():
		return 8
	case i == rs.primary:
		return 1
	case rs.members[i].mcfg.arbiter:
		return 7
	}
	return 2
}

func cmdReplSetGetStatus(n *node, r *request) bson.D {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maintainLocked(now)
	rs := n.rs
	syncHost, syncID := "", int32(-1)
	if p := rs.primaryNode(); p != nil && n.member != rs.primary && !n.mcfg.arbiter {
		syncHost, syncID = p.name(), int32(rs.primary)
	}
	majorityVotes, writeMajority, voting, writable := rs.voteCounts()
	d := bson.D{
		{Key: "set", Value: rs.name},
		{Key: "date", Value: bson.NewDateTimeFromTime(now)},
		{Key: "myState", Value: rs.memberStateLocked(n.member)},
		{Key: "term", Value: rs.term},
		{Key: "syncSourceHost", Value: syncHost},
		{Key: "syncSourceId", Value: syncID},
		{Key: "heartbeatIntervalMillis", Value: int64(2000)},
		{Key: "majorityVoteCount", Value: majorityVotes},
		{Key: "writeMajorityCount", Value: writeMajority},
		{Key: "votingMembersCount", Value: voting},
		{Key: "writableVotingMembersCount", Value: writable},
		{Key: "optimes", Value: n.optimesLocked(now)},
		{Key: "lastStableRecoveryTimestamp", Value: tsOf(c.majorityLocked(rs, now).Add(-time.Second))},
	}
	if n.member == rs.primary {
		d = append(d, bson.E{Key: "electionCandidateMetrics", Value: n.candidateMetricsLocked()})
	} else if !n.mcfg.arbiter {
		d = append(d, bson.E{Key: "electionParticipantMetrics", Value: n.participantMetricsLocked()})
	}
	if rs.kind == kindConfig {
		d = append(d, bson.E{Key: "configsvr", Value: true})
	}
	members := bson.A{}
	for i := range rs.members {
		members = append(members, c.writtenFieldsSince(c.memberDocLocked(rs, i, n.member, now)))
	}
	return c.writtenFieldsSince(append(d, bson.E{Key: "members", Value: members}))
}

// optimesLocked is replSetGetStatus.optimes of the member.
func (n *node) optimesLocked(now time.Time) bson.D {
	c, rs := n.c, n.rs
	applied, majority := c.appliedLocked(rs, n.member, now), c.majorityLocked(rs, now)
	date := func(t time.Time) bson.DateTime { return bson.NewDateTimeFromTime(t) }
	return bson.D{
		{Key: "lastCommittedOpTime", Value: optime(majority, rs.term)},
		{Key: "lastCommittedWallTime", Value: date(majority)},
		{Key: "readConcernMajorityOpTime", Value: optime(majority, rs.term)},
		{Key: "readConcernMajorityWallTime", Value: date(majority)},
		{Key: "appliedOpTime", Value: optime(applied, rs.term)},
		{Key: "durableOpTime", Value: optime(applied, rs.term)},
		{Key: "writtenOpTime", Value: optime(applied, rs.term)},
		{Key: "lastAppliedWallTime", Value: date(applied)},
		{Key: "lastDurableWallTime", Value: date(applied)},
		{Key: "lastWrittenWallTime", Value: date(applied)},
	}
}

// candidateMetricsLocked is the primary's electionCandidateMetrics: why and
// when it won, with what it had seen then.
func (n *node) candidateMetricsLocked() bson.D {
	rs := n.rs
	at := rs.electedAt
	seen := optime(at.Add(-100*time.Millisecond), rs.term-1)
	majorityVotes, _, _, _ := rs.voteCounts()
	reason := rs.reason
	if reason == "" {
		reason = "electionTimeout"
	}
	return bson.D{
		{Key: "lastElectionReason", Value: reason},
		{Key: "lastElectionDate", Value: bson.NewDateTimeFromTime(at)},
		{Key: "electionTerm", Value: rs.term},
		{Key: "lastCommittedOpTimeAtElection", Value: seen},
		{Key: "lastSeenOpTimeAtElection", Value: seen},
		{Key: "numVotesNeeded", Value: majorityVotes},
		{Key: "priorityAtElection", Value: n.mcfg.priority},
		{Key: "electionTimeoutMillis", Value: int64(electionTimeout / time.Millisecond)},
		{Key: "numCatchUpOps", Value: int64(0)},
		{Key: "newTermStartDate", Value: bson.NewDateTimeFromTime(at.Add(20 * time.Millisecond))},
		{Key: "wMajorityWriteAvailabilityDate", Value: bson.NewDateTimeFromTime(at.Add(60 * time.Millisecond))},
	}
}

// participantMetricsLocked is a secondary's electionParticipantMetrics: its
// vote in the last election.
func (n *node) participantMetricsLocked() bson.D {
	rs := n.rs
	at := rs.electedAt
	seen := optime(at.Add(-100*time.Millisecond), rs.term-1)
	return bson.D{
		{Key: "votedForCandidate", Value: true},
		{Key: "electionTerm", Value: rs.term},
		{Key: "lastVoteDate", Value: bson.NewDateTimeFromTime(at.Add(-10 * time.Millisecond))},
		{Key: "electionCandidateMemberId", Value: int32(max(rs.primary, 0))},
		{Key: "voteReason", Value: ""},
		{Key: "lastAppliedOpTimeAtElection", Value: seen},
		{Key: "maxAppliedOpTimeInSet", Value: seen},
		{Key: "priorityAtElection", Value: n.mcfg.priority},
		{Key: "newTermStartDate", Value: bson.NewDateTimeFromTime(at.Add(20 * time.Millisecond))},
		{Key: "newTermAppliedDate", Value: bson.NewDateTimeFromTime(at.Add(40 * time.Millisecond))},
	}
}

// memberDocLocked is one members[] entry as seen from the member self.
func (c *Cluster) memberDocLocked(rs *replSet, i, self int, now time.Time) bson.D {
	m := rs.members[i]
	state := rs.memberStateLocked(i)
	date := func(t time.Time) bson.DateTime { return bson.NewDateTimeFromTime(t) }
	d := bson.D{{Key: "_id", Value: int32(i)}, {Key: "name", Value: m.name()}}
	health := 1.0
	if state == 8 {
		health = 0
	}
	d = append(d, bson.E{Key: "health", Value: health}, bson.E{Key: "state", Value: state}, bson.E{Key: "stateStr", Value: stateNames[state]})
	uptime := int32(m.load.uptime0 + c.elapsed(now))
	if state == 7 {
		return append(d, arbiterMemberFields(rs, i, self, uptime, now)...)
	}
	if state == 8 {
		zero := bson.NewDateTimeFromTime(time.Unix(0, 0).UTC())
		zeroOp := bson.D{{Key: "ts", Value: bson.Timestamp{}}, {Key: "t", Value: int64(-1)}}
		return append(d,
			bson.E{Key: "uptime", Value: int32(0)},
			bson.E{Key: "optime", Value: zeroOp}, bson.E{Key: "optimeDurable", Value: zeroOp},
			bson.E{Key: "optimeWritten", Value: zeroOp},
			bson.E{Key: "optimeDate", Value: zero}, bson.E{Key: "optimeDurableDate", Value: zero},
			bson.E{Key: "optimeWrittenDate", Value: zero},
			bson.E{Key: "lastAppliedWallTime", Value: zero}, bson.E{Key: "lastDurableWallTime", Value: zero},
			bson.E{Key: "lastWrittenWallTime", Value: zero},
			bson.E{Key: "lastHeartbeat", Value: date(now.Add(-time.Second))},
			bson.E{Key: "lastHeartbeatRecv", Value: zero},
			bson.E{Key: "pingMs", Value: int64(0)},
			bson.E{Key: "lastHeartbeatMessage", Value: "no response within election timeout period"},
			bson.E{Key: "syncSourceHost", Value: ""}, bson.E{Key: "syncSourceId", Value: int32(-1)},
			bson.E{Key: "infoMessage", Value: ""},
			bson.E{Key: "configVersion", Value: int32(-1)}, bson.E{Key: "configTerm", Value: int64(-1)},
		)
	}
	applied := c.appliedLocked(rs, i, now)
	op := optime(applied, rs.term)
	d = append(d,
		bson.E{Key: "uptime", Value: uptime},
		bson.E{Key: "optime", Value: op},
	)
	if i != self {
		d = append(d, bson.E{Key: "optimeDurable", Value: op}, bson.E{Key: "optimeWritten", Value: op})
	}
	d = append(d, bson.E{Key: "optimeDate", Value: date(applied.Truncate(time.Second))})
	if i != self {
		d = append(d, bson.E{Key: "optimeDurableDate", Value: date(applied.Truncate(time.Second))},
			bson.E{Key: "optimeWrittenDate", Value: date(applied.Truncate(time.Second))})
	}
	d = append(d,
		bson.E{Key: "lastAppliedWallTime", Value: date(applied)},
		bson.E{Key: "lastDurableWallTime", Value: date(applied)},
		bson.E{Key: "lastWrittenWallTime", Value: date(applied)},
	)
	if i != self {
		d = append(d,
			bson.E{Key: "lastHeartbeat", Value: date(now.Add(-time.Duration(300+100*i) * time.Millisecond))},
			bson.E{Key: "lastHeartbeatRecv", Value: date(now.Add(-time.Duration(700+50*i) * time.Millisecond))},
			bson.E{Key: "pingMs", Value: int64(i % 2)},
			bson.E{Key: "lastHeartbeatMessage", Value: ""},
		)
	}
	syncHost, syncID := "", int32(-1)
	if p := rs.primaryNode(); p != nil && i != rs.primary {
		syncHost, syncID = p.name(), int32(rs.primary)
	}
	d = append(d, bson.E{Key: "syncSourceHost", Value: syncHost}, bson.E{Key: "syncSourceId", Value: syncID},
		bson.E{Key: "infoMessage", Value: ""})
	if i == rs.primary {
		d = append(d, bson.E{Key: "electionTime", Value: tsOf(rs.electedAt)}, bson.E{Key: "electionDate", Value: date(rs.electedAt.Truncate(time.Second))})
	}
	d = append(d, bson.E{Key: "configVersion", Value: rs.setVersion}, bson.E{Key: "configTerm", Value: rs.term})
	if i == self {
		d = append(d, bson.E{Key: "self", Value: true}, bson.E{Key: "lastHeartbeatMessage", Value: ""})
	}
	return d
}

// cmdReplSetStepDown steps the primary down; a secondary takes over.
func cmdReplSetStepDown(n *node, r *request) bson.D {
	c := n.c
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !n.isPrimaryLocked() {
		return errorReply(10107, "NotWritablePrimary", "not primary so can't step down")
	}
	if !c.stepDownLocked(n.rs, now) {
		return errorReply(262, "ExceededTimeLimit", "No electable secondaries caught up as of "+now.UTC().Format(time.RFC3339))
	}
	return bson.D{}
}

// oplogSectionLocked is serverStatus.oplog (opt-in): the oplog window.
func (n *node) oplogSectionLocked(now time.Time) bson.D {
	first, last := n.oplogBoundsLocked(now)
	return bson.D{{Key: "latestOptime", Value: tsOf(last)}, {Key: "earliestOptime", Value: tsOf(first)}}
}

// oplogBoundsLocked is the wall time of the first and last oplog entries.
// The window is a steady 30-odd hours: truncation keeps pace with writes.
func (n *node) oplogBoundsLocked(now time.Time) (first, last time.Time) {
	window := time.Duration(30+n.rs.shardIdx%4*3) * time.Hour
	if w, ok := n.c.scn.story.oplogWindow(n, n.c.tau(now)); ok {
		window = w
	}
	last = n.c.appliedLocked(n.rs, n.member, now)
	return last.Add(-window).Truncate(time.Second), last
}

const (
	oplogMaxSize  = int64(2 << 30)
	oplogEntryLen = int64(247)
)

func (n *node) oplogStatsLocked() (size, count int64) {
	size = oplogMaxSize - oplogMaxSize/50 + int64(n.idx)*4096
	return size, size / oplogEntryLen
}

// replMetrics is serverStatus.metrics.repl in the 8.0 shape (buffer.write/apply).
func (s *statusCtx) replMetrics() bson.D {
	applied := s.repl[opInsert] + s.repl[opUpdate] + s.repl[opDelete]
	buffered := int64(0)
	if !s.primary {
		buffered = int64(s.lag * 40)
	}
	if b, ok := s.n.c.scn.story.replBuffer(s.n, s.tau, s.lag); ok {
		buffered = b
	}
	batches := applied / 30
	return bson.D{
		{Key: "executor", Value: bson.D{{Key: "pool", Value: bson.D{{Key: "inProgressCount", Value: int32(0)}}}, {Key: "queues", Value: bson.D{{Key: "networkInProgress", Value: int32(0)}, {Key: "sleepers", Value: int32(3)}}}, {Key: "unsignaledEvents", Value: int32(0)}, {Key: "shuttingDown", Value: false}, {Key: "networkInterface", Value: "DEPRECATED: getDiagnosticString is deprecated in NetworkInterfaceTL"}}},
		{Key: "apply", Value: bson.D{{Key: "attemptsToBecomeSecondary", Value: int64(1)}, {Key: "batchSize", Value: applied}, {Key: "batches", Value: bson.D{{Key: "num", Value: int32(batches)}, {Key: "totalMillis", Value: int32(batches / 9)}}}, {Key: "ops", Value: applied}}},
		{Key: "write", Value: bson.D{{Key: "batchSize", Value: applied}, {Key: "batches", Value: bson.D{{Key: "num", Value: int32(batches)}, {Key: "totalMillis", Value: int32(0)}}}}},
		{Key: "buffer", Value: s.replBuffer(buffered)},
		{Key: "initialSync", Value: bson.D{{Key: "completed", Value: int64(0)}, {Key: "failedAttempts", Value: int64(0)}, {Key: "failures", Value: int64(0)}}},
		{Key: "network", Value: bson.D{
			{Key: "bytes", Value: applied * oplogEntryLen},
			{Key: "getmores", Value: bson.D{{Key: "num", Value: int32(batches)}, {Key: "totalMillis", Value: int32(batches * 100)}, {Key: "numEmptyBatches", Value: int64(batches / 3)}}},
			{Key: "notPrimaryLegacyUnacknowledgedWrites", Value: int64(0)},
			{Key: "notPrimaryUnacknowledgedWrites", Value: int64(0)},
			{Key: "oplogGetMoresProcessed", Value: bson.D{{Key: "num", Value: int64(0)}, {Key: "totalMillis", Value: int64(0)}}},
			{Key: "ops", Value: applied},
			{Key: "readersCreated", Value: int64(1)},
			{Key: "replSetUpdatePosition", Value: bson.D{{Key: "num", Value: int64(batches)}}},
			{Key: "oplogFetcherLagSeconds", Value: int64(s.lag)},
		}},
		{Key: "stateTransition", Value: bson.D{{Key: "lastStateTransition", Value: map[bool]string{true: "stepUp", false: ""}[s.primary]}, {Key: "userOperationsKilled", Value: int64(0)}, {Key: "userOperationsRunning", Value: int64(0)}}},
		{Key: "syncSource", Value: bson.D{{Key: "numSelections", Value: int64(1)}, {Key: "numTimesChoseDifferent", Value: int64(0)}, {Key: "numTimesChoseSame", Value: int64(0)}, {Key: "numTimesCouldNotFind", Value: int64(0)}}},
		{Key: "waiters", Value: bson.D{{Key: "replication", Value: int64(0)}, {Key: "opTime", Value: int64(0)}}},
	}
}

// sectMetrics merges the captured metrics (commands, aggStageCounters…)
// with the live counters, in the server's alphabetical order.
func sectMetrics(s *statusCtx) any {
	doc := s.ops
	ttlPasses := int64(s.uptime / 60)
	ttlDeleted := doc[opDelete]/3 + int64(s.n.c.scn.story.ttlDeleted(s.n, s.tau)/s.n.c.cfg.Speed)
	// Each update statement examines its _id key and document (counted in
	// queryExecutor) and matches a document as often as the story says.
	matched, _ := s.n.c.scn.story.updateShares()
	live := map[string]any{
		"cursor": bson.D{
			{Key: "moreThanOneBatch", Value: doc[opGetmore] / 4},
			{Key: "timedOut", Value: int64(3)},
			{Key: "totalOpened", Value: doc[opQuery] / 7},
			{Key: "lifespan", Value: bson.D{{Key: "greaterThanOrEqual10Minutes", Value: int64(2)}, {Key: "lessThan1Second", Value: doc[opQuery] / 8}, {Key: "lessThan5Seconds", Value: doc[opQuery] / 90}, {Key: "lessThan15Seconds", Value: int64(40)}, {Key: "lessThan30Seconds", Value: int64(10)}, {Key: "lessThan1Minute", Value: int64(5)}, {Key: "lessThan10Minutes", Value: int64(3)}}},
			{Key: "open", Value: bson.D{{Key: "noTimeout", Value: int64(0)}, {Key: "pinned", Value: int64(1)}, {Key: "multiTarget", Value: int64(0)}, {Key: "singleTarget", Value: int64(0)}, {Key: "total", Value: int64(3 + 10*s.hot)}}},
		},
		"document":      bson.D{{Key: "deleted", Value: doc[opDelete]}, {Key: "inserted", Value: doc[opInsert]}, {Key: "returned", Value: doc[opQuery] * 12}, {Key: "updated", Value: int64(float64(doc[opUpdate]) * matched)}},
		"operation":     bson.D{{Key: "killedDueToMaxTimeMSExpired", Value: int64(0)}, {Key: "numConnectionNetworkTimeouts", Value: int64(0)}, {Key: "scanAndOrder", Value: doc[opQuery] / 40}, {Key: "totalTimeWaitingBeforeConnectionTimeoutMillis", Value: int64(0)}, {Key: "unsendableCompletedResponses", Value: int64(0)}, {Key: "writeConflicts", Value: doc[opUpdate] / 900}},
		"queryExecutor": bson.D{{Key: "scanned", Value: doc[opQuery]*15 + doc[opUpdate]}, {Key: "scannedObjects", Value: doc[opQuery]*22 + doc[opUpdate]}, {Key: "collectionScans", Value: bson.D{{Key: "nonTailable", Value: doc[opQuery] / 300}, {Key: "total", Value: doc[opQuery]/300 + 4}}}},
		"ttl":           bson.D{{Key: "deletedDocuments", Value: ttlDeleted}, {Key: "passes", Value: ttlPasses}, {Key: "subPasses", Value: ttlPasses}},
	}
	if s.n.rs != nil {
		live["repl"] = s.replMetrics()
	}
	if wanted(s.r.body, "metrics", "commands") { // ~250 entries: only when not excluded
		live["commands"] = metricsCommands(s)
	}
	var out bson.D
	keys := []string{"aggStageCounters", "commands", "cursor", "document", "getLastError", "operation", "query", "queryExecutor", "record", "repl", "ttl"}
	for _, k := range keys {
		if v, ok := live[k]; ok {
			out = append(out, bson.E{Key: k, Value: v})
			continue
		}
		for _, e := range staticMetrics {
			if e.Key == k && k != "repl" {
				out = append(out, e)
			}
		}
	}
	return out
}

// replBuffer is metrics.repl.buffer: one flat buffer up to 7.0 (fixture
// serverStatus-6.0.12…), the oplog writer's and applier's from 8.0.
func (s *statusCtx) replBuffer(buffered int64) bson.D {
	if !s.n.c.atLeast(8, 0) {
		return bson.D{{Key: "count", Value: buffered}, {Key: "maxSizeBytes", Value: int64(268435456)}, {Key: "sizeBytes", Value: buffered * oplogEntryLen}}
	}
	return bson.D{
		{Key: "write", Value: bson.D{{Key: "count", Value: buffered}, {Key: "sizeBytes", Value: buffered * oplogEntryLen}, {Key: "maxSizeBytes", Value: int64(268435456)}}},
		{Key: "apply", Value: bson.D{{Key: "count", Value: buffered}, {Key: "sizeBytes", Value: buffered * oplogEntryLen}, {Key: "maxSizeBytes", Value: int64(104857600)}, {Key: "maxCount", Value: int64(10000)}}},
	}
}

// arbiterMemberFields: an arbiter holds no data, so its entry has no
// optimes (fixture rs.status+rs.conf-4.4.10…).
func arbiterMemberFields(rs *replSet, i, self int, uptime int32, now time.Time) bson.D {
	d := bson.D{{Key: "uptime", Value: uptime}}
	if i != self {
		d = append(d, bson.E{Key: "lastHeartbeat", Value: bson.NewDateTimeFromTime(now.Add(-400 * time.Millisecond))},
			bson.E{Key: "lastHeartbeatRecv", Value: bson.NewDateTimeFromTime(now.Add(-700 * time.Millisecond))},
			bson.E{Key: "pingMs", Value: int64(0)}, bson.E{Key: "lastHeartbeatMessage", Value: ""})
	}
	d = append(d, bson.E{Key: "syncSourceHost", Value: ""}, bson.E{Key: "syncSourceId", Value: int32(-1)},
		bson.E{Key: "infoMessage", Value: ""}, bson.E{Key: "configVersion", Value: rs.setVersion}, bson.E{Key: "configTerm", Value: rs.term})
	if i == self {
		d = append(d, bson.E{Key: "self", Value: true}, bson.E{Key: "lastHeartbeatMessage", Value: ""})
	}
	return d
}
