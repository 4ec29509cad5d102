// Package route holds the integration tests of families/route. They check it against the kernel and against
// iproute2 (`ip -j`, the oracle), in fresh network namespaces only: nothing here touches the host's own links,
// addresses, routes or rules.
//
// The tests need root or a user namespace (nstest.Main arranges one); under CI=true a test that cannot get a
// namespace fails instead of skipping. Tests that compare with iproute2 skip when there is no `ip` with JSON
// output; TestLinkKinds (dummy, vlan, bond, vrf: each skipped, saying so, on a kernel without it), the watch,
// mirror and NLM_F_DUMP_INTR tests need no `ip` at all. All of them pass in integration/vm's Debian 6.1 guest.
package route
