package simcluster

import (
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func cmdBuildInfo(n *node, _ *request) bson.D {
	return bson.D{
		{Key: "version", Value: n.c.serverVersion()},
		{Key: "gitVersion", Value: "bc35ab4305d9920d9d0491c1c9ef9b72383d31f9"},
		{Key: "modules", Value: bson.A{}},
		{Key: "allocator", Value: "tcmalloc-google"},
		{Key: "javascriptEngine", Value: "mozjs"},
		{Key: "sysInfo", Value: "deprecated"},
		{Key: "versionArray", Value: bson.A(n.c.versionArray())},
		{Key: "openssl", Value: bson.D{{Key: "running", Value: "OpenSSL 3.0.2 15 Mar 2022"}, {Key: "compiled", Value: "OpenSSL 3.0.2 15 Mar 2022"}}},
		{Key: "buildEnvironment", Value: bson.D{{Key: "distmod", Value: "ubuntu2204"}, {Key: "distarch", Value: "x86_64"}, {Key: "target_arch", Value: "x86_64"}, {Key: "target_os", Value: "linux"}}},
		{Key: "bits", Value: int32(64)},
		{Key: "debug", Value: false},
		{Key: "maxBsonObjectSize", Value: int32(16777216)},
		{Key: "storageEngines", Value: bson.A{"devnull", "wiredTiger"}},
	}
}

func cmdConnectionStatus(n *node, r *request) bson.D {
	users, roles := bson.A{}, bson.A{}
	if r.user != "" {
		users = append(users, bson.D{{Key: "user", Value: r.user}, {Key: "db", Value: r.userDB}})
		for _, ro := range r.roles {
			roles = append(roles, bson.D{{Key: "role", Value: ro.Role}, {Key: "db", Value: ro.DB}})
		}
	}
	info := bson.D{{Key: "authenticatedUsers", Value: users}, {Key: "authenticatedUserRoles", Value: roles}}
	if show, _ := r.body.Lookup("showPrivileges").BooleanOK(); show {
		info = append(info, bson.E{Key: "authenticatedUserPrivileges", Value: privilegesFor(r)})
	}
	return bson.D{{Key: "authInfo", Value: info}}
}

func cmdGetLog(n *node, r *request) bson.D {
	if stringField(r.body, "getLog") == "*" {
		return bson.D{{Key: "names", Value: bson.A{"global", "startupWarnings"}}}
	}
	return bson.D{{Key: "totalLinesWritten", Value: int32(0)}, {Key: "log", Value: bson.A{}}}
}

func cmdHostInfo(n *node, r *request) bson.D {
	return bson.D{
		{Key: "system", Value: bson.D{
			{Key: "currentTime", Value: bson.NewDateTimeFromTime(n.c.cfg.Now())},
			{Key: "hostname", Value: n.addr},
			{Key: "cpuAddrSize", Value: int32(64)},
			{Key: "memSizeMB", Value: int64(32011)},
			{Key: "memLimitMB", Value: int64(32011)},
			{Key: "numCores", Value: int32(8)},
			{Key: "numCoresAvailableToProcess", Value: int32(8)},
			{Key: "numPhysicalCores", Value: int32(4)},
			{Key: "numCpuSockets", Value: int32(1)},
			{Key: "cpuArch", Value: "x86_64"},
			{Key: "numaEnabled", Value: false},
			{Key: "numNumaNodes", Value: int32(1)},
		}},
		{Key: "os", Value: bson.D{{Key: "type", Value: "Linux"}, {Key: "name", Value: "Ubuntu"}, {Key: "version", Value: "22.04"}}},
		{Key: "extra", Value: bson.D{{Key: "versionString", Value: "Linux version 6.8.0 (simulated)"}, {Key: "pageSize", Value: int64(4096)}, {Key: "numPages", Value: int32(8194816)}, {Key: "maxOpenFiles", Value: int32(64000)}}},
	}
}

func cmdGetCmdLineOpts(n *node, r *request) bson.D {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	_, port := splitHostPort(n.addr)
	argv := bson.A{"mongod", "--port", port}
	parsed := bson.D{{Key: "net", Value: bson.D{{Key: "bindIp", Value: n.c.cfg.Host}, {Key: "port", Value: atoi32(port)}}}}
	switch n.kind {
	case kindMongos:
		argv = bson.A{"mongos", "--port", port, "--configdb", n.c.configRS.connString()}
		parsed = append(parsed, bson.E{Key: "sharding", Value: bson.D{{Key: "configDB", Value: n.c.configRS.connString()}}})
	case kindShard, kindConfig:
		role := "shardsvr"
		if n.kind == kindConfig {
			role = "configsvr"
		}
		argv = append(argv, "--replSet", n.rs.name, "--"+role)
		parsed = append(parsed, bson.E{Key: "replication", Value: bson.D{{Key: "replSet", Value: n.rs.name}}})
		if n.c.cfg.Topology == Sharded {
			parsed = append(parsed, bson.E{Key: "sharding", Value: bson.D{{Key: "clusterRole", Value: role}}})
		}
	}
	if n.kind != kindMongos {
		parsed = append(parsed, bson.E{Key: "storage", Value: bson.D{{Key: "dbPath", Value: "/data/db" + strconv.Itoa(n.idx)}}})
	}
	return bson.D{{Key: "argv", Value: argv}, {Key: "parsed", Value: parsed}}
}

// knownParameters are the server parameters tools ask for.
var knownParameters = map[string]any{
	"authenticationMechanisms": bson.A{"SCRAM-SHA-1", "SCRAM-SHA-256"},
	"logLevel":                 int32(0),
	"quiet":                    false,
	"notablescan":              false,
	"ttlMonitorEnabled":        true,
	"maxTimeMSForHedgedReads":  int32(150),
}

func cmdGetParameter(n *node, r *request) bson.D {
	all := false
	if s, ok := r.body.Lookup("getParameter").StringValueOK(); ok && s == "*" {
		all = true
	}
	var out bson.D
	for _, name := range []string{"authenticationMechanisms", "featureCompatibilityVersion", "logLevel", "maxTimeMSForHedgedReads", "notablescan", "quiet", "ttlMonitorEnabled"} {
		if _, err := r.body.LookupErr(name); err == nil || all {
			if name == "featureCompatibilityVersion" && n.kind == kindMongos {
				continue
			}
			v := knownParameters[name]
			if name == "featureCompatibilityVersion" {
				v = bson.D{{Key: "version", Value: n.c.fcv()}}
			}
			out = append(out, bson.E{Key: name, Value: v})
		}
	}
	if len(out) == 0 {
		return errorReply(72, "InvalidOptions", "no option found to get")
	}
	return out
}

func splitHostPort(addr string) (string, string) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:]
		}
	}
	return addr, ""
}

func atoi32(s string) int32 {
	v, _ := strconv.Atoi(s)
	return int32(v)
}
