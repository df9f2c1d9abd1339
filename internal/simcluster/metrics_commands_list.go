package simcluster

// The commands serverStatus metrics.commands lists, one {failed, total}
// each: every command the binary registers, whether it ran or not.

// commands60 is the list of a real 6.0.12 mongod (fixture
// serverStatus-6.0.12-rs-primary-full-concurrentTransactions-mongosh-kubedb.txt).
var commands60 = []string{
	"_addShard", "_configsvrAbortReshardCollection", "_configsvrAddShard", "_configsvrAddShardToZone",
	"_configsvrBalancerCollectionStatus", "_configsvrBalancerStart", "_configsvrBalancerStatus",
	"_configsvrBalancerStop", "_configsvrCleanupReshardCollection", "_configsvrClearJumboFlag",
	"_configsvrCollMod", "_configsvrCommitChunkMigration", "_configsvrCommitChunkSplit",
	"_configsvrCommitChunksMerge", "_configsvrCommitMovePrimary", "_configsvrCommitReshardCollection",
	"_configsvrConfigureCollectionBalancing", "_configsvrCreateDatabase",
	"_configsvrEnsureChunkVersionIsGreaterThan", "_configsvrMoveChunk", "_configsvrMoveRange",
	"_configsvrRefineCollectionShardKey", "_configsvrRemoveChunks", "_configsvrRemoveShard",
	"_configsvrRemoveShardFromZone", "_configsvrRemoveTags", "_configsvrRenameCollectionMetadata",
	"_configsvrRepairShardedCollectionChunksHistory", "_configsvrReshardCollection", "_configsvrRunRestore",
	"_configsvrSetAllowMigrations", "_configsvrSetClusterParameter", "_configsvrSetUserWriteBlockMode",
	"_configsvrUpdateZoneKeyRange", "_flushDatabaseCacheUpdates", "_flushDatabaseCacheUpdatesWithWriteConcern",
	"_flushReshardingStateChange", "_flushRoutingTableCacheUpdates",
	"_flushRoutingTableCacheUpdatesWithWriteConcern", "_getNextSessionMods", "_getUserCacheGeneration",
	"_isSelf", "_killOperations", "_mergeAuthzCollections", "_migrateClone", "_recvChunkAbort",
	"_recvChunkCommit", "_recvChunkReleaseCritSec", "_recvChunkStart", "_recvChunkStatus",
	"_shardsvrAbortReshardCollection", "_shardsvrCleanupReshardCollection", "_shardsvrCloneCatalogData",
	"_shardsvrCollMod", "_shardsvrCollModParticipant", "_shardsvrCommitReshardCollection",
	"_shardsvrCompactStructuredEncryptionData", "_shardsvrCreateCollection",
	"_shardsvrCreateCollectionParticipant", "_shardsvrDropCollection",
	"_shardsvrDropCollectionIfUUIDNotMatching", "_shardsvrDropCollectionParticipant", "_shardsvrDropDatabase",
	"_shardsvrDropDatabaseParticipant", "_shardsvrDropIndexes", "_shardsvrGetStatsForBalancing",
	"_shardsvrJoinMigrations", "_shardsvrMovePrimary", "_shardsvrMoveRange", "_shardsvrParticipantBlock",
	"_shardsvrRefineCollectionShardKey", "_shardsvrRenameCollection", "_shardsvrRenameCollectionParticipant",
	"_shardsvrRenameCollectionParticipantUnblock", "_shardsvrReshardCollection",
	"_shardsvrReshardingOperationTime", "_shardsvrSetAllowMigrations", "_shardsvrSetClusterParameter",
	"_shardsvrSetUserWriteBlockMode", "_transferMods", "abortShardSplit", "abortTransaction", "aggregate",
	"appendOplogNote", "applyOps", "authenticate", "autoSplitVector", "availableQueryOptions", "buildInfo",
	"checkShardingIndex", "cleanupOrphaned", "cloneCollectionAsCapped", "clusterAbortTransaction",
	"clusterAggregate", "clusterCommitTransaction", "clusterDelete", "clusterFind", "clusterGetMore",
	"clusterInsert", "clusterUpdate", "collMod", "collStats", "commitShardSplit", "commitTransaction",
	"compact", "compactStructuredEncryptionData", "connPoolStats", "connPoolSync", "connectionStatus",
	"convertToCapped", "coordinateCommitTransaction", "count", "create", "createIndexes", "createRole",
	"createUser", "currentOp", "dataSize", "dbCheck", "dbHash", "dbStats", "delete", "distinct",
	"donorAbortMigration", "donorForgetMigration", "donorStartMigration", "driverOIDTest", "drop",
	"dropAllRolesFromDatabase", "dropAllUsersFromDatabase", "dropConnections", "dropDatabase", "dropIndexes",
	"dropRole", "dropUser", "endSessions", "explain", "features", "filemd5", "find", "findAndModify",
	"flushRouterConfig", "forgetShardSplit", "fsync", "fsyncUnlock", "getClusterParameter", "getCmdLineOpts",
	"getDatabaseVersion", "getDefaultRWConcern", "getDiagnosticData", "getLastError", "getLog", "getMore",
	"getParameter", "getShardMap", "getShardVersion", "getnonce", "grantPrivilegesToRole", "grantRolesToRole",
	"grantRolesToUser", "hello", "hostInfo", "insert", "internalRenameIfOptionsAndIndexesMatch",
	"invalidateUserCache", "isMaster", "killAllSessions", "killAllSessionsByPattern", "killCursors", "killOp",
	"killSessions", "listCollections", "listCommands", "listDatabases", "listIndexes", "lockInfo", "logRotate",
	"logout", "mapReduce", "mergeChunks", "ping", "planCacheClear", "planCacheClearFilters",
	"planCacheListFilters", "planCacheSetFilter", "prepareTransaction", "profile", "reIndex",
	"recipientForgetMigration", "recipientSyncData", "recipientVoteImportedFiles", "refreshSessions",
	"renameCollection", "replSetAbortPrimaryCatchUp", "replSetFreeze", "replSetGetConfig", "replSetGetRBID",
	"replSetGetStatus", "replSetHeartbeat", "replSetInitiate", "replSetMaintenance", "replSetReconfig",
	"replSetRequestVotes", "replSetResizeOplog", "replSetStepDown", "replSetStepDownWithForce", "replSetStepUp",
	"replSetSyncFrom", "replSetUpdatePosition", "revokePrivilegesFromRole", "revokeRolesFromRole",
	"revokeRolesFromUser", "rolesInfo", "rotateCertificates", "saslContinue", "saslStart", "serverStatus",
	"setClusterParameter", "setDefaultRWConcern", "setFeatureCompatibilityVersion", "setIndexCommitQuorum",
	"setParameter", "setProfilingFilterGlobally", "setShardVersion", "setUserWriteBlockMode", "shardingState",
	"shutdown", "splitChunk", "splitVector", "startRecordingTraffic", "startSession", "stopRecordingTraffic",
	"top", "update", "updateRole", "updateUser", "usersInfo", "validate", "validateDBMetadata",
	"voteCommitIndexBuild", "waitForFailPoint", "whatsmyuri",
}

// commands42 is the list of a 4.2 mongod (the capture the static sections
// come from), the base of 4.4 and 5.0.
var commands42 = []string{
	"_addShard", "_cloneCatalogData", "_cloneCollectionOptionsFromPrimaryShard", "_configsvrAddShard",
	"_configsvrAddShardToZone", "_configsvrBalancerStart", "_configsvrBalancerStatus", "_configsvrBalancerStop",
	"_configsvrClearJumboFlag", "_configsvrCommitChunkMerge", "_configsvrCommitChunkMigration",
	"_configsvrCommitChunkSplit", "_configsvrCommitMovePrimary", "_configsvrCreateCollection",
	"_configsvrCreateDatabase", "_configsvrDropCollection", "_configsvrDropDatabase",
	"_configsvrEnableSharding", "_configsvrMoveChunk", "_configsvrMovePrimary", "_configsvrRemoveShard",
	"_configsvrRemoveShardFromZone", "_configsvrShardCollection", "_configsvrUpdateZoneKeyRange",
	"_flushDatabaseCacheUpdates", "_flushRoutingTableCacheUpdates", "_getNextSessionMods",
	"_getUserCacheGeneration", "_isSelf", "_mergeAuthzCollections", "_migrateClone", "_movePrimary",
	"_recvChunkAbort", "_recvChunkCommit", "_recvChunkStart", "_recvChunkStatus", "_shardsvrShardCollection",
	"_transferMods", "abortTransaction", "aggregate", "appendOplogNote", "applyOps", "authenticate",
	"availableQueryOptions", "buildInfo", "checkShardingIndex", "cleanupOrphaned", "cloneCollection",
	"cloneCollectionAsCapped", "collMod", "collStats", "commitTransaction", "compact", "connPoolStats",
	"connPoolSync", "connectionStatus", "convertToCapped", "coordinateCommitTransaction", "count", "create",
	"createIndexes", "createRole", "createUser", "currentOp", "dataSize", "dbHash", "dbStats", "delete",
	"distinct", "driverOIDTest", "drop", "dropAllRolesFromDatabase", "dropAllUsersFromDatabase",
	"dropConnections", "dropDatabase", "dropIndexes", "dropRole", "dropUser", "endSessions", "explain",
	"features", "filemd5", "find", "findAndModify", "flushRouterConfig", "fsync", "fsyncUnlock", "geoSearch",
	"getCmdLineOpts", "getDatabaseVersion", "getDiagnosticData", "getFreeMonitoringStatus", "getLastError",
	"getLog", "getMore", "getParameter", "getShardMap", "getShardVersion", "getnonce", "grantPrivilegesToRole",
	"grantRolesToRole", "grantRolesToUser", "hostInfo", "insert", "invalidateUserCache", "isMaster",
	"killAllSessions", "killAllSessionsByPattern", "killCursors", "killOp", "killSessions", "listCollections",
	"listCommands", "listDatabases", "listIndexes", "lockInfo", "logRotate", "logout", "mapReduce", "mapreduce",
	"mergeChunks", "moveChunk", "ping", "planCacheClear", "planCacheClearFilters", "planCacheListFilters",
	"planCacheListPlans", "planCacheListQueryShapes", "planCacheSetFilter", "prepareTransaction", "profile",
	"reIndex", "refreshSessions", "renameCollection", "repairCursor", "repairDatabase",
	"replSetAbortPrimaryCatchUp", "replSetFreeze", "replSetGetConfig", "replSetGetRBID", "replSetGetStatus",
	"replSetHeartbeat", "replSetInitiate", "replSetMaintenance", "replSetReconfig", "replSetRequestVotes",
	"replSetResizeOplog", "replSetStepDown", "replSetStepDownWithForce", "replSetStepUp", "replSetSyncFrom",
	"replSetUpdatePosition", "resetError", "revokePrivilegesFromRole", "revokeRolesFromRole",
	"revokeRolesFromUser", "rolesInfo", "saslContinue", "saslStart", "serverStatus",
	"setFeatureCompatibilityVersion", "setFreeMonitoring", "setParameter", "setShardVersion",
	"shardConnPoolStats", "shardingState", "shutdown", "splitChunk", "splitVector", "startRecordingTraffic",
	"startSession", "stopRecordingTraffic", "top", "touch", "unsetSharding", "update", "updateRole",
	"updateUser", "usersInfo", "validate", "voteCommitIndexBuild", "waitForFailPoint", "whatsmyuri",
}

// Commands that came or went between releases, applied to the nearest base.
var (
	// Removed by 4.4: cloneCollection, the old plan cache listing, repairDatabase.
	removedIn44 = []string{"cloneCollection", "planCacheListPlans", "planCacheListQueryShapes", "repairCursor", "repairDatabase", "eval"}
	addedIn44   = []string{"hello", "refreshLogicalSessionCacheNow", "dropConnections", "getDefaultRWConcern", "setDefaultRWConcern"}
	// Removed by 5.0: geoSearch and the lowercase mapreduce alias, touch.
	removedIn50 = []string{"geoSearch", "mapreduce", "touch"}
	// Added in 7.0 and 8.0: shard key analysis, metadata checks, bulkWrite, query settings.
	addedIn70 = []string{"analyzeShardKey", "configureQueryAnalyzer", "checkMetadataConsistency", "_shardsvrCheckMetadataConsistency",
		"_shardsvrMergeAllChunksOnShard", "cleanupStructuredEncryptionData", "getQueryableEncryptionCountInfo"}
	addedIn80 = []string{"bulkWrite", "setQuerySettings", "removeQuerySettings", "autoCompact"}
	// Removed in 8.0 with serverless tenant migrations and shard split.
	removedIn80 = []string{"abortShardSplit", "commitShardSplit", "forgetShardSplit", "donorAbortMigration", "donorForgetMigration",
		"donorStartMigration", "recipientForgetMigration", "recipientSyncData", "recipientVoteImportedFiles"}
)
