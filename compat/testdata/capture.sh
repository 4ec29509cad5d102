#!/bin/bash
# capture.sh — record the netlink requests iproute2's `ip` sends, for compat's byte-exact tests.
#
# Run as root on Linux with ip (iproute2) and strace installed:
#
#     bash compat/testdata/capture.sh
#
# Each operation runs inside a fresh network namespace (never the host's links or routes) under
#     strace -f -s 65536 -xx -e trace=sendmsg,sendto -e write=all
# and its output is kept in requests/NAME.strace, after header lines giving the command, the setup it ran
# in, and the versions. The hex dumps (" | 00000  ..." lines) are what the tests read; each syscall line starts a
# new datagram. The requests depend on the namespace's ifindexes, which this script makes deterministic: in a
# fresh namespace lo is 1, and `ip link add v0 type veth peer name v1` makes v1 2 and v0 3.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$here/requests
mkdir -p "$out"
ns=nlkit-capture-$$
tmp=$(mktemp)
trap 'ip netns del "$ns" 2>/dev/null || true; rm -f "$tmp"' EXIT

ipv=$(ip -V)
stv=$(strace -V | head -1)
kv=$(uname -r)

fresh() {
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	ip -n "$ns" link set lo up
}

with_veth() {
	ip -n "$ns" link add v0 type veth peer name v1
	ip -n "$ns" addr add 10.1.2.3/24 dev v0
	ip -n "$ns" link set v0 up
	ip -n "$ns" link set v1 up
}

# capture NAME SETUP -- COMMAND...: run SETUP in a fresh namespace, then COMMAND under strace.
capture() {
	local name=$1 setup=$2
	shift 3
	fresh
	$setup
	{
		echo "# command: $*"
		echo "# setup: fresh network namespace, lo up${setup:+; $setup}"
		echo "# versions: $ipv; $stv; kernel $kv"
		ip netns exec "$ns" strace -f -s 65536 -xx -e trace=sendmsg,sendto -e write=all -o "$tmp" "$@" \
			>/dev/null 2>&1
		sed -e 's/^[0-9][0-9]* //' "$tmp"
	} >"$out/$name.strace"
	echo "captured $name: $*"
}

capture linkdump "" -- ip link show
capture linkdump-oneline "with_veth" -- ip -o link show
capture addrdump "" -- ip addr show
capture addrdump-dev "with_veth" -- ip -o addr show dev v0
capture linkshow-dev "with_veth" -- ip -o link show dev v0
capture routedump "" -- ip route show
capture linkadd-veth "" -- ip link add v0 type veth peer name v1
capture linkadd-bridge "" -- ip link add br0 type bridge
capture addradd "with_veth" -- ip addr add 10.1.2.4/24 dev v0
capture routeadd "with_veth" -- ip route add 10.9.0.0/16 via 10.1.2.1 dev v0
