package probes

import (
	"fmt"
	"net"
	"strings"
)

// hostMap is --map FROM=TO, like curl's --connect-to: a node the deployment
// names FROM is dialed at TO, so members whose names only resolve inside
// their network are reached through tunnels. FROM without a port matches
// any port; TO without a port keeps the node's.
type hostMap struct {
	exact map[string]string // "host:port" -> "host[:port]"
	host  map[string]string // "host" -> "host[:port]"
}

// parseHostMap reads FROM=TO entries; a mistake names the entry.
func parseHostMap(entries []string) (hostMap, error) {
	m := hostMap{exact: map[string]string{}, host: map[string]string{}}
	for _, e := range entries {
		from, to, ok := strings.Cut(strings.TrimSpace(e), "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || !hostOrHostPort(from) || !hostOrHostPort(to) {
			return m, fmt.Errorf("--map %q: use FROM=TO with host:port or host on each side, e.g. rs0-data-1.mongo.svc:27017=127.0.0.1:27018", e)
		}
		if h, _, err := net.SplitHostPort(from); err == nil && h != "" {
			m.exact[strings.ToLower(from)] = to
		} else {
			m.host[strings.ToLower(from)] = to
		}
	}
	return m, nil
}

// lookup is where addr is dialed under the map, and whether it is mapped.
func (m hostMap) lookup(addr string) (string, bool) {
	if to, ok := m.exact[strings.ToLower(addr)]; ok {
		return to, true
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, false
	}
	to, ok := m.host[strings.ToLower(host)]
	if !ok {
		return addr, false
	}
	if _, _, err := net.SplitHostPort(to); err == nil {
		return to, true
	}
	return net.JoinHostPort(strings.Trim(to, "[]"), port), true
}

// hostOrHostPort accepts "host:port", "host", "[v6]:port" and "[v6]".
func hostOrHostPort(s string) bool {
	if s == "" || strings.ContainsAny(s, " ,/=") {
		return false
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h != ""
	}
	return !strings.Contains(s, ":") || strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]")
}
