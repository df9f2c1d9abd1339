package simcluster

import (
	"fmt"
	"strconv"
	"strings"
)

// release is one MongoDB release the simulator plays: the patch it
// reports and its wire version (driver description.go: 4.4=9, 5.0=13,
// 6.0=17, 7.0=21, 8.0=25).
type release struct {
	version string
	wire    int32
}

var releases = map[string]release{
	"4.4": {"4.4.29", 9}, "5.0": {"5.0.31", 13}, "6.0": {"6.0.20", 17}, "7.0": {"7.0.16", 21}, "8.0": {"8.0.4", 25},
}

// DefaultVersion is the release played when Config.Version is "".
const DefaultVersion = "8.0"

// parseVersion validates Config.Version.
func parseVersion(v string) (major, minor int, err error) {
	if v == "" {
		v = DefaultVersion
	}
	if _, ok := releases[v]; !ok {
		return 0, 0, fmt.Errorf("simcluster: version %q is not simulated; use 4.4, 5.0, 6.0, 7.0 or 8.0", v)
	}
	a, b, _ := strings.Cut(v, ".")
	major, _ = strconv.Atoi(a)
	minor, _ = strconv.Atoi(b)
	return major, minor, nil
}

// atLeast says whether the simulated release is major.minor or newer.
func (c *Cluster) atLeast(major, minor int) bool {
	return c.major > major || c.major == major && c.minor >= minor
}

func (c *Cluster) release() release { return releases[fmt.Sprintf("%d.%d", c.major, c.minor)] }

// serverVersion is what buildInfo, serverStatus and hello's peers report.
func (c *Cluster) serverVersion() string { return c.release().version }

// versionArray is buildInfo.versionArray: [major, minor, patch, 0].
func (c *Cluster) versionArray() []any {
	parts := strings.Split(c.serverVersion(), ".")
	out := make([]any, 0, 4)
	for _, p := range parts {
		v, _ := strconv.Atoi(p)
		out = append(out, int32(v))
	}
	return append(out, int32(0))
}

// fcv is featureCompatibilityVersion: the release's own.
func (c *Cluster) fcv() string { return fmt.Sprintf("%d.%d", c.major, c.minor) }
