# nlkit — build, test, bench, fuzz. `make test` is what CI runs (as root, on a Debian machine).
GO ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: all build demo test check unit-test race fmt-check vet staticcheck alloc-test

all: build

build:
	$(GO) build ./...

# The seed's two user-space exchanges (netlink-cs, netlink-p2p) in a fresh network namespace.
demo:
	./scripts/demo.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# staticcheck (honnef.co/go/tools), pinned, fetched through the Go module proxy on first use.
STATICCHECK_VERSION ?= v0.8.2
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# gofmt, go vet and staticcheck first; then every test: unit, namespace integration (root), the qemu VM suite,
# the allocation counts, the short benchmark, the short reliability suite and a short fuzz pass over every Fuzz
# target.
test: fmt-check vet staticcheck
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) alloc-test
	$(MAKE) bench-short
	$(MAKE) fuzz-short FUZZTIME=3s

-include mk/*.mk

# The tests that count allocations, once more without the race detector (its instrumentation allocates, so
# under -race they are not built or do not check).
alloc-test:
	$(GO) test -count=1 -run 'Allocations|TestRouteExtraNil' ./families/route ./integration/route
