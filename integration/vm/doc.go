// Package vm boots a second kernel — Debian's 6.1 cloud kernel, in qemu —
// to test what the host kernel cannot: the examples/knetlink module (the host
// cannot load modules), link kinds whose drivers the host lacks (dummy,
// vlan, bond, vrf, ...) and the traffic-control kinds it lacks (every sch_*,
// cls_* and act_* module, for integration/tc and examples/tc-shaping); and it
// runs the whole integration suite on that kernel too.
//
// TestVM does it all, and only as root on Linux:
//
//  1. go test -c (CGO_ENABLED=0, GOARCH=amd64) for each package of
//     guestPackages: integration/vm/guest, the root package, procnet,
//     netns, families/genl, families/genl/knetlink, examples/netlink-u2k,
//     integration/unit, integration/mirror, integration/tc and
//     examples/tc-shaping, and integration/reliability, route, cli and compat
//     when they exist and build; GOARCH=386 builds of
//     the root package and families/unit (named nlkit-386 and
//     families-unit-386), since the VM's kernel runs 32-bit x86 binaries
//     and this host cannot; and, for the tests that would
//     build them with go or gcc (neither is in the VM), every program under
//     examples/ and cmd/ and integration/unit's C client, put in /prebuilt
//     in the VM, where NLKIT_PREBUILT_DIR names it;
//  2. prepare.sh (meanwhile): apt-get install the kernel headers, qemu and
//     static busybox if missing, apt-get download the matching linux-image
//     (never installed) into /var/cache/nlkit-vm (or $NLKIT_VM_CACHE),
//     extract vmlinuz and the kernel's modules, and build knetlink.ko; all
//     cached;
//  3. run.sh: pack busybox, this host's ip, genl, tc, nsenter, setpriv and strace with
//     their libraries, the modules and the binaries into an initramfs, boot
//     it once under qemu (TCG, 2 CPUs, 1 GiB), run every binary with -test.v
//     under CI=true (a skip for a missing prerequisite fails) in its
//     package directory, print NLKIT-RESULT markers, then power off. After
//     the binaries that unload knetlink, two lanes share the two CPUs: most
//     binaries run one after another on the console, a few that work only in
//     namespaces of their own beside them on a second serial port (the lane
//     column of guestPackages).
//
// Tests that cannot run in the VM are excluded per package, with the
// reason, in one table: vmExclusions.
//
// The VM suite is not the whole suite. Packages whose tests use only fakes or
// the host's tools are not built for it: proto, netns/nstest,
// families/genl/genltest, families/route, families/unit (amd64; its 386
// build runs), compat, pcap, cmd/nlkit, internal/... and the
// examples other than netlink-u2k. `make test` runs them on the host.
//
// The console streams into the test log; run.sh then counts each binary's
// tests (count.awk) and TestVM logs a table of them. The test fails if any
// binary fails, runs no test, or lacks its marker, or if the VM dies or times
// out.
//
// Without apt-get the test skips (fails when CI=true). -short skips it.
// Run it with `make vmtest` or
// `go test -count=1 -v -timeout 15m -run TestVM ./integration/vm/`.
// `make vmcounts` (TestHostCounts) runs the same packages on the host and
// logs the same table.
package vm
