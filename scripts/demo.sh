#!/usr/bin/env bash
# The seed's user-space exercises, run in a fresh network namespace: netlink-cs (client/server) and
# netlink-p2p (peer-to-peer, then over multicast group 3). Needs root (or unshare -Urn) for the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/netlink-cs" ./examples/netlink-cs
go build -o "$bin/netlink-p2p" ./examples/netlink-p2p
ns=(unshare -n)
[ "$(id -u)" = 0 ] || ns=(unshare -Urn)
exec "${ns[@]}" bash -c '
set -euo pipefail
bin=$1
wait_line() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "no output in $1" >&2; return 1; }
echo "== netlink-cs: server and client on NETLINK_USERSOCK"
"$bin/netlink-cs" > "$bin/server.out" & srv=$!
wait_line "$bin/server.out"
portid=$(awk "/^server portid/ {print \$3; exit}" "$bin/server.out")
"$bin/netlink-cs" -m "hello, server" "$portid" | sed "s/^/client: /"
"$bin/netlink-cs" -m "second message" "$portid" | sed "s/^/client: /"
kill "$srv"; wait "$srv" 2>/dev/null || true
sed "s/^/server: /" "$bin/server.out"
echo "== netlink-cs: a client to a portid nobody holds"
"$bin/netlink-cs" 4000000000 2>&1 | sed "s/^/client: /" || true
echo "== netlink-p2p: fixed portids 4001 <-> 4002"
"$bin/netlink-p2p" -count 1 > "$bin/recv.out" & rcv=$!
wait_line "$bin/recv.out"
"$bin/netlink-p2p" -m "hello, peer" send | sed "s/^/sender: /"
wait "$rcv"
sed "s/^/receiver: /" "$bin/recv.out"
echo "== netlink-p2p over multicast group 3"
"$bin/netlink-p2p" -group 3 -count 1 > "$bin/grecv.out" & rcv=$!
wait_line "$bin/grecv.out"
"$bin/netlink-p2p" -group 3 -m "hello, group" send | sed "s/^/sender: /"
wait "$rcv"
sed "s/^/receiver: /" "$bin/grecv.out"
' demo "$bin"
