# mk/bench.mk — benchmarks (included from the top-level Makefile).
#
#   make bench         the full benchmark (root, Linux): nlkit against mdlayher/netlink, jsimonetti/rtnetlink,
#                      vishvananda/netlink, `ip` and a bare-syscall floor on 10k/100k/1M routes and 1k/5k links,
#                      plus custom units on NETLINK_USERSOCK; writes bench/RESULTS.md (~10 min, most of it
#                      inserting 1M routes); then the write table (issue 20: installing 10k and 100k routes, 10k
#                      addresses and 10k neighbours with raw floors, route.Batch, Add loops, nlkit -batch, ip -batch
#                      and vishvananda) and a Mirror following a 100k-route batch. BENCH_FLAGS=-large adds 1M routes
#                      to both; -writes=false skips them.
#   make bench-short   the CI form (10k routes, 1k links, 3 rounds; under a minute), run by `make test`; it also
#                      runs every decode benchmark once so they cannot rot. Without root it prints SKIP.
#   make bench-nodes-large  the many-namespaces scenario alone with 10,000 namespaces (route.NodeMirror against a
#                      bare setns+socket+dumps loop; root; a few minutes; not part of `make test`). `make bench` runs it
#                      with 1,000 namespaces and bench-short with 200 (-nodes N; 0 turns it off).
#   make bench-decode  the decode-only `go test -bench` benchmarks (no root): proto, the core, and bench/ over
#                      dumps captured from a kernel
#
# `make bench` runs at nice -10: on a shared machine the other processes otherwise decide the figures.
# Knobs: BENCH_FLAGS (passed to the bench program: -rounds N, -routes 10k,100k, -links none, -cases a,b,
#        -units=false, -keep, -cpuprofile F, -v; see `cd bench && go run . -h`), BENCH_DECODE_FLAGS.
# Nothing here asserts a timing: the targets print RESULT and TARGET lines and fail only when a case cannot run.

GO ?= go
BENCH_FLAGS ?=
BENCH_DECODE_FLAGS ?= -benchmem

.PHONY: bench bench-short bench-decode bench-nodes-large

bench:
	cd bench && $(GO) run . -nice -10 $(BENCH_FLAGS)

bench-short:
	cd bench && $(GO) vet . && $(GO) run . -short $(BENCH_FLAGS)
	$(GO) test -run '^$$' -bench . -benchtime 1x ./proto/ .
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 1x .

bench-decode:
	$(GO) test -run '^$$' -bench . $(BENCH_DECODE_FLAGS) ./proto/ .
	cd bench && $(GO) test -run '^$$' -bench . $(BENCH_DECODE_FLAGS) .

bench-nodes-large:
	cd bench && $(GO) run . -nodes 10000 -routes none -links none -units=false -writes=false -out none
