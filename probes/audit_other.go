//go:build !unix

package probes

// openNoFollow: no O_NOFOLLOW here; OpenAuditLog's Lstat check refuses a
// link at start.
const openNoFollow = 0
