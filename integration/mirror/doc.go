// Package mirror is the acceptance harness of issue 14, "The Mirror and the Watcher tell the kernel's truth": a
// seeded, randomized differential test of route.Mirror against the kernel.
//
// A generator (math/rand/v2, seeded) draws operations from a small grammar: links of every kind the kernel
// offers (veth, bridge, macvlan, vxlan, ifb; dummy, vlan, bond and vrf where the kernel has them) added, deleted,
// set up and down, renamed, given an MTU or an alias, enslaved and freed, moved to a second namespace and back
// or deleted there; IPv4 and IPv6 addresses, some with lifetimes; routes in several tables, with metrics, source
// addresses, multipath, nexthop objects and the blackhole, unreachable and prohibit types, added, deleted,
// replaced, prepended, appended and changed; nexthop objects and groups; neighbours; rules; and bursts of
// hundreds of routes that overflow a Mirror's small receive buffer. The address space is kept small so that
// operations collide often. Operations are written either by iproute2 (`ip -force -batch -`, one process per
// run of operations) or through nlkit's own Client; the writer is drawn per batch. Many operations fail in the
// kernel (EEXIST, ENOENT, ENETUNREACH...): the kernel decides, and the Mirror must follow whatever it did.
//
// After every batch, and at random points inside batches, the harness makes the namespace's state known: it
// sets the alias of lo to a unique token (a barrier) and waits until each Mirror shows it. Then the Mirror's
// Snapshot must equal a fresh dump (route.TakeSnapshot on another Client) object by object, and the sets of
// routes, addresses and links must equal what `ip -j` reports. A difference counts only when it survives a
// second barrier and a second dump (the namespace has no traffic, but kernel timers such as address lifetimes
// and IPv6 duplicate address detection run on their own). The few fields that the kernel changes without
// sending a notification are left out of the comparison, each with its reason (see normalise).
//
// On a mismatch the test prints the seed, the whole operation log, the number of the operation after which the
// mismatch was found, and the difference; the same seed replays the run. Environment variables:
//
//	NLKIT_MIRROR_SEED=S      run only seed S (replay)
//	NLKIT_MIRROR_OPS=N       operations per seed
//	NLKIT_MIRROR_BATCH=A-B   batch sizes (the plan depends on them; replay lines name them)
//	NLKIT_MIRROR_KEEP=i,j,k  run only these operations of the seed's sequence (a shrunk replay)
//	NLKIT_MIRROR_SHRINK=K    search for a short subsequence that still shows the run's K-th mismatch; print it
//	NLKIT_RELIABILITY=full   the full size (make reliability): 10 seeds of 10,000 operations
//	NLKIT_VM_GUEST=1         the VM size (integration/vm): 2 seeds of 5,000 operations (about 6 minutes
//	                         under TCG; the binary has 600 s there)
//
// The default size, which `make test` runs, is 4 fixed seeds of 1,000 operations. Every size prints
// `FIGURE mirror_ops=N` and `FIGURE mirror_mismatches=M` at the end. The tests need root (network namespaces);
// without it they skip, and under CI=true they fail.
package mirror
