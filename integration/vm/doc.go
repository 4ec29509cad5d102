// Package vm boots a second kernel — Debian's 6.1 cloud kernel, in qemu —
// to test what the host kernel cannot: the examples/knetlink module (the host
// cannot load modules) and link kinds whose drivers the host lacks (dummy,
// vlan, bond, vrf, ...).
//
// TestVM does it all, and only as root on Linux:
//
//  1. go test -c (CGO_ENABLED=0, GOARCH=amd64) for each guest package
//     (./guest, see guestPackages);
//  2. prepare.sh: apt-get install the kernel headers, qemu and static
//     busybox if missing, apt-get download the matching linux-image (never
//     installed) into /var/cache/nlkit-vm (or $NLKIT_VM_CACHE), extract
//     vmlinuz and the kernel's modules, and build knetlink.ko; all cached;
//  3. run.sh: pack busybox, the modules and the test binaries into an
//     initramfs, boot it once under qemu (TCG), run every binary with
//     -test.v and print NLKIT-RESULT markers, then power off.
//
// The console streams into the test log; the test fails if any marker says
// FAIL, an expected marker is missing, or the VM dies or times out.
//
// Without apt-get the test skips (fails when CI=true). -short skips it.
// Run it with `make -f mk/vm.mk vmtest` or
// `go test -count=1 -v -timeout 15m ./integration/vm/`.
package vm
