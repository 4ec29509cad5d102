// Package bridge tests `nlkit bridge` (vlan, fdb, mdb, link) against bridge(8) from iproute2, the oracle, and
// `nlkit netconf` and `nlkit ntable` against ip, in fresh named network namespaces: plain and -j output must
// be the same byte for byte, and what nlkit adds and deletes must show in bridge's listings. Bridge VLANs need
// bridge VLAN filtering, which the 6.1 test VM's kernel has and this host's may not: those tests skip, naming the
// missing feature, where the kernel lacks it.
//
// The tests build cmd/nlkit once (or use $NLKIT_PREBUILT_DIR/nlkit, as the test VM does) and need
// CAP_SYS_ADMIN and iproute2's bridge; without them they skip, and with CI=true they fail instead.
package bridge
