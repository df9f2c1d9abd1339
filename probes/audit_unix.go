//go:build unix

package probes

import "syscall"

// openNoFollow: the audit log is never reached through a symbolic link,
// and opening a FIFO put in its place does not block.
const openNoFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
