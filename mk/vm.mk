# mk/vm.mk — the qemu VM test (included from the top-level Makefile).
#
#   make vmtest     boot Debian's 6.1 cloud kernel in qemu once and run the
#                   knetlink module and link-driver tests inside it
#                   (root, Linux, apt; ~3 min cold, ~20 s warm)
#   make vmclean    drop the cached kernel image, modules and knetlink.ko
#
# Standalone: make -f mk/vm.mk vmtest
# Knobs: NLKIT_VM_CACHE (default /var/cache/nlkit-vm), NLKIT_VM_TIMEOUT,
#        NLKIT_VM_MEM, NLKIT_VM_TEST_ARGS (see integration/vm/run.sh).

GO ?= go
NLKIT_VM_CACHE ?= /var/cache/nlkit-vm
export NLKIT_VM_CACHE

.PHONY: vmtest vmclean

vmtest:
	$(GO) test -count=1 -v -timeout 15m ./integration/vm/

vmclean:
	rm -rf "$(NLKIT_VM_CACHE)"
	$(MAKE) -C examples/knetlink clean
