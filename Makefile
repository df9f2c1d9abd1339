# mongoscope's builds: one static file per platform, to copy to a bastion and run.
#
#   make build                    ./mongoscope for this machine (static, stripped)
#   make release VERSION=v1.2.3   dist/mongoscope-OS-ARCH[.exe] for every platform, and dist/SHA256SUMS
#   make clean
#
# Every binary is built with CGO_ENABLED=0 (no libc, the pure-Go resolver), -trimpath and
# -ldflags "-s -w" (no symbol table or DWARF: panics still name functions). The version,
# commit and commit date go in with -X, because the go tool's own VCS stamp is missing in
# a git worktree or with -buildvcs=false; `mongoscope --version` prints them.

GO        ?= go
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
# The exact tag when HEAD has one; "dev" otherwise (the binary then shows the go tool's
# pseudo-version if it has one).
VERSION   ?= $(shell git describe --tags --exact-match 2>/dev/null || echo dev)
COMMIT    := $(shell git rev-parse HEAD 2>/dev/null)
# In UTC, as the go tool's vcs.time.
COMMIT_DATE := $(shell TZ=UTC0 git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
# true when the tree differs from HEAD (untracked files count, as for the go tool).
MODIFIED  := $(shell test -z "$$(git status --porcelain 2>/dev/null)" || echo true)

LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) \
             -X main.commitDate=$(COMMIT_DATE) -X main.modified=$(MODIFIED)
BUILD     := CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
SHA256SUM := $(shell command -v sha256sum >/dev/null 2>&1 && echo sha256sum || echo shasum -a 256)

# dist/mongoscope-linux-amd64 ... dist/mongoscope-windows-amd64.exe
BINARIES  := $(foreach p,$(PLATFORMS),dist/mongoscope-$(subst /,-,$(p))$(if $(findstring windows,$(p)),.exe))

.PHONY: build release clean FORCE

build:
	$(BUILD) -o mongoscope ./cmd/mongoscope

release: $(BINARIES)
	cd dist && $(SHA256SUM) $(notdir $(BINARIES)) > SHA256SUMS

# Always rebuilt (the go build cache makes that cheap): VERSION may have changed.
dist/mongoscope-%: FORCE
	@mkdir -p dist
	GOOS=$(word 1,$(subst -, ,$(basename $*))) GOARCH=$(word 2,$(subst -, ,$(basename $*))) \
		$(BUILD) -o $@ ./cmd/mongoscope

clean:
	rm -rf dist mongoscope
