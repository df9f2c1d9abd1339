package simcluster

import (
	"fmt"
	"strconv"
	"strings"
)

// Versions the simulator can play, with the patch release it reports.
var serverVersions = map[string]string{"4.4": "4.4.29", "5.0": "5.0.31", "6.0": "6.0.20", "7.0": "7.0.16", "8.0": "8.0.4"}

// parseVersion validates Config.Version ("" is 8.0).
func parseVersion(v string) (major, minor int, err error) {
	if v == "" {
		v = "8.0"
	}
	if _, ok := serverVersions[v]; !ok {
		return 0, 0, fmt.Errorf("simcluster: version %q is not simulated; use 4.4, 5.0, 6.0, 7.0 or 8.0", v)
	}
	a, b, _ := strings.Cut(v, ".")
	major, _ = strconv.Atoi(a)
	minor, _ = strconv.Atoi(b)
	return major, minor, nil
}

// atLeast says whether the simulated version is major.minor or newer.
func (c *Cluster) atLeast(major, minor int) bool {
	return c.major > major || c.major == major && c.minor >= minor
}
