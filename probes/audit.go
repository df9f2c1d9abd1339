package probes

// AuditLog appends one JSON line per action (time, OS user, mongo user,
// target node, action, arguments, outcome). Implemented in the probes issue.
type AuditLog struct {
	path string
}
