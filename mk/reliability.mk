# mk/reliability.mk — the reliability suite of issue 7 (included from the top-level Makefile).
#
#   make reliability         the full suite (NLKIT_RELIABILITY=full) of integration/reliability: hostile input
#                            to every decoder and to a unit Server, spoofing and access control, faults
#                            (ENOBUFS, NLM_F_DUMP_INTR, Close, cancelled dumps), and load (100,000 requests from
#                            64 goroutines, 1,000,000 route changes followed by a watcher). Needs root (network
#                            namespaces); ~1-2 min. Prints the test summary and the FIGURE lines, and fails
#                            unless every test passed and the headline figures are present and right:
#                            inputs_tried > 0, panics = events_lost = leaks = requests_mismatched = 0.
#                            With it runs integration/mirror, the Mirror's differential test of issue 14 (full:
#                            10 seeds of 10,000 random operations, each checked against the kernel's dump and
#                            ip -j): mirror_ops >= 100,000 (full) and mirror_mismatches = 0. And
#                            integration/unit, whose TestServerHostilePeers (issue 15) runs 10 s per row at full
#                            size: deaf clients, malformed and oversized floods, refused uids beside 8 clients.
#   make reliability-short   the same checks at the short size that `make test` runs (under a minute).
#
# The full log is kept in $(RELIABILITY_LOG). Standalone: make -f mk/reliability.mk reliability

GO ?= go
RELIABILITY_LOG ?= $(or $(TMPDIR),/tmp)/nlkit-reliability.log
RELIABILITY_TIMEOUT ?= 60m

.PHONY: reliability reliability-short

reliability: RELIABILITY_MODE := full
reliability-short: RELIABILITY_MODE := short
reliability reliability-short:
	@echo "reliability: NLKIT_RELIABILITY=$(RELIABILITY_MODE), log in $(RELIABILITY_LOG)"
	@start=$$(date +%s); \
	NLKIT_RELIABILITY=$(RELIABILITY_MODE) $(GO) test -count=1 -v -timeout $(RELIABILITY_TIMEOUT) \
		./integration/reliability/ ./integration/mirror/ ./integration/unit/ >"$(RELIABILITY_LOG)" 2>&1; rc=$$?; \
	grep -E '^(--- |ok |FAIL|PASS$$)' "$(RELIABILITY_LOG)"; \
	if [ $$rc -ne 0 ]; then echo "reliability: go test failed ($$rc); the log:"; grep -v "^FIGURE " "$(RELIABILITY_LOG)"; fi; \
	echo "reliability: figures ($$(( $$(date +%s) - start )) s wall):"; \
	grep '^FIGURE ' "$(RELIABILITY_LOG)"; \
	awk -v mode=$(RELIABILITY_MODE) 'BEGIN { need["inputs_tried"]; need["panics"]; need["events_lost"]; need["leaks"]; need["requests_mismatched"]; \
			need["mirror_ops"]; need["mirror_mismatches"] } \
		/^FIGURE / { split($$2, kv, "="); v[kv[1]] = kv[2] } \
		END { bad = 0; \
			for (k in need) if (!(k in v)) { print "reliability: figure " k " missing"; bad = 1 } \
			if (("inputs_tried" in v) && v["inputs_tried"] + 0 <= 0) { print "reliability: no inputs tried"; bad = 1 } \
			if (("mirror_ops" in v) && v["mirror_ops"] + 0 < (mode == "full" ? 100000 : 2000)) { print "reliability: mirror_ops = " v["mirror_ops"] ", too few"; bad = 1 } \
			split("panics events_lost leaks requests_mismatched mirror_mismatches", z, " "); \
			for (i in z) if ((z[i] in v) && v[z[i]] != "0") { print "reliability: " z[i] " = " v[z[i]] ", want 0"; bad = 1 } \
			exit bad }' "$(RELIABILITY_LOG)" && [ $$rc -eq 0 ]
