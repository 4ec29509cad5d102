# mk/vm.mk — the qemu VM test (included from the top-level Makefile).
#
#   make vmtest     boot Debian's 6.1 cloud kernel in qemu once, load knetlink.ko and the link drivers, and run
#                   the integration suite inside it: integration/vm/guest, the root package (amd64 and 386),
#                   procnet, netns, families/genl, families/genl/knetlink, families/unit (386 only),
#                   examples/netlink-u2k, examples/tc-shaping and integration/{unit,mirror,reliability,route,cli,
#                   compat,tc} (the traffic-control modules loaded: sch_*, cls_*, act_*) (the package
#                   table and the VM exclusions are in integration/vm/vm_test.go). Not in the VM (fakes or host
#                   tools only; `make test` runs them here): proto, netns/nstest, families/genl/genltest,
#                   families/route, families/unit on amd64, compat, pcap, cmd, internal.
#                   (root, Linux, apt; warm ~6-8 min depending on the host's load, see integration/vm/doc.go)
#   make vmcounts   run the same packages on this host's kernel and log the same table of test counts
#   make vmclean    drop the cached kernel image, modules and knetlink.ko
#
# Standalone: make -f mk/vm.mk vmtest
# Knobs: NLKIT_VM_CACHE (default /var/cache/nlkit-vm), NLKIT_VM_TIMEOUT, NLKIT_VM_MEM, NLKIT_VM_SMP, NLKIT_VM_CPU,
#        NLKIT_VM_TEST_ARGS (see integration/vm/run.sh).

GO ?= go
NLKIT_VM_CACHE ?= /var/cache/nlkit-vm
export NLKIT_VM_CACHE

.PHONY: vmtest vmcounts vmclean

vmtest:
	$(GO) test -count=1 -v -timeout 15m -run '^TestVM$$' ./integration/vm/

vmcounts:
	NLKIT_VM_HOST_COUNTS=1 $(GO) test -count=1 -v -timeout 15m -run '^TestHostCounts$$' ./integration/vm/

vmclean:
	rm -rf "$(NLKIT_VM_CACHE)"
	$(MAKE) -C examples/knetlink clean
