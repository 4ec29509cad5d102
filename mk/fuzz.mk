# mk/fuzz.mk — a short pass over every Fuzz test of the module (included from the top-level Makefile).
#
#   make fuzz-short          run each Fuzz target of every package for $(FUZZTIME) (default 5s), one after the
#                            other; fails at the first target that finds a crash. Go 1.26's fuzzing coordinator
#                            sometimes ends a run with a bare "context deadline exceeded" and no failing input
#                            (go.dev/issue/75804, fixed in Go 1.27): such a run is retried (6 tries), and is not
#                            counted as a finding.
#   make fuzz-short FUZZ_KEEP=1
#                            also copy the corpus each run generated (kept by go in its cache,
#                            $$(go env GOCACHE)/fuzz/PKG/NAME) into PKG/testdata/fuzz/NAME, where it becomes seed
#                            corpus that plain `go test` runs.
#
# Targets are found with `go test -list '^Fuzz' ./...`, so a new Fuzz test is picked up without editing this
# file. Inputs that crash a target are written by go itself to PKG/testdata/fuzz/NAME (its default location):
# commit them, and they run as regression cases in every `go test` from then on.
# Standalone: make -f mk/fuzz.mk fuzz-short

GO ?= go
FUZZTIME ?= 5s
FUZZ_KEEP ?=

# Prints "PACKAGE FuzzName" lines: the names `go test -list` prints come before the "ok PACKAGE" line of their package.
FUZZ_LIST = list=$$($(GO) test -list '^Fuzz' ./... 2>&1) || { echo "$$list"; exit 1; }; \
	echo "$$list" | awk '/^Fuzz/ { n[++c] = $$1; next } /^ok / { for (i = 1; i <= c; i++) print $$2, n[i]; c = 0 }'

.PHONY: fuzz-short fuzz-list

fuzz-list:
	@$(FUZZ_LIST)

fuzz-short:
	@targets=$$($(FUZZ_LIST)) || { echo "$$targets"; exit 1; }; \
	[ -n "$$targets" ] || { echo "fuzz-short: no Fuzz targets found"; exit 1; }; \
	n=$$(echo "$$targets" | wc -l); echo "fuzz-short: $$n targets, $(FUZZTIME) each"; \
	cache=$$($(GO) env GOCACHE)/fuzz; out=$$(mktemp); trap 'rm -f "$$out"' EXIT; \
	echo "$$targets" | while read -r pkg name; do \
		echo "fuzz-short: $$pkg $$name"; \
		for try in 1 2 3 4 5 6; do \
			$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" >"$$out" 2>&1; rc=$$?; \
			cat "$$out"; \
			[ $$rc -eq 0 ] && break; \
			if grep -q 'Failing input written to' "$$out" || ! grep -q '^    context deadline exceeded' "$$out"; then \
				rm -f "$$out"; exit 1; \
			fi; \
			echo "fuzz-short: $$name: a bare 'context deadline exceeded' and no failing input: the race in Go's"; \
			echo "fuzz-short: fuzzing coordinator at the end of -fuzztime (go.dev/issue/75804, fixed in Go 1.27), not a finding"; \
		done; \
		if [ -n "$(FUZZ_KEEP)" ] && [ -d "$$cache/$$pkg/$$name" ]; then \
			dir=$$($(GO) list -f '{{.Dir}}' "$$pkg")/testdata/fuzz/$$name; mkdir -p "$$dir"; \
			cp -n "$$cache/$$pkg/$$name"/* "$$dir"/ 2>/dev/null || true; \
		fi; \
	done
