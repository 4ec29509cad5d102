// Package guest holds tests that run inside the nlkit test VM (a Debian 6.1
// kernel booted by integration/vm), where the knetlink example module and the
// kernel's dummy, 8021q, bonding, vrf, veth, bridge, macvlan and vxlan
// modules are loaded.
//
// The tests speak netlink with golang.org/x/sys/unix directly, so they prove
// the module and the VM harness independently of nlkit's own packages. Outside
// the VM (NLKIT_VM_GUEST unset) every test skips.
//
// The constants mirror examples/knetlink/knetlink.h.
package guest
