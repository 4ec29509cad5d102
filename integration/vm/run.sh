#!/usr/bin/env bash
# run.sh — boot the prepared Debian kernel once in qemu and run test binaries.
#
#   run.sh [-o OUTDIR] BINARY...
#
# Each BINARY is a static (CGO_ENABLED=0, GOARCH=amd64) Go test binary, e.g.
# from `go test -c`. Its name in the VM and in the markers is its base name
# without a trailing ".test". Needs prepare.sh to have run (reads $CACHE/env).
#
# The initramfs holds static busybox, the kernel's own modules for dummy,
# 8021q, bonding, vrf, veth, bridge, macvlan and vxlan (plus their
# dependencies, resolved through modules.dep), knetlink.ko and the binaries.
# Its /init loads the modules (dependencies first), runs every binary with
# -test.v, then unloads knetlink and checks the kernel log, and prints:
#
#   NLKIT-RESULT insmod PASS|FAIL
#   NLKIT-RESULT <name> PASS|FAIL           one per binary
#   NLKIT-RESULT rmmod-knetlink PASS|FAIL   unit 17 and the genl family gone
#   NLKIT-RESULT kernel-log PASS|FAIL       no WARN/BUG/Oops in dmesg
#   NLKIT-VM-DONE
#
# and powers off. The console goes to stdout (and OUTDIR/console.log). qemu's
# exit status says nothing about the tests, so the exit status of this script
# comes from the markers: 0 only if every expected marker says PASS and
# NLKIT-VM-DONE was printed.
#
# Environment:
#   NLKIT_VM_CACHE     cache directory (default /var/cache/nlkit-vm)
#   NLKIT_VM_TIMEOUT   seconds before qemu is killed (default 600)
#   NLKIT_VM_MEM       guest memory in MiB (default 512)
#   NLKIT_VM_TEST_ARGS extra arguments for every binary (e.g. -test.run=Echo)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NLKIT_VM_CACHE:-/var/cache/nlkit-vm}
TIMEOUT=${NLKIT_VM_TIMEOUT:-600}
MEM=${NLKIT_VM_MEM:-512}

log() { printf 'run: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

out=
if [ "${1:-}" = "-o" ]; then
	out=$2
	shift 2
fi
[ $# -gt 0 ] || die "usage: run.sh [-o OUTDIR] BINARY..."
[ -f "$CACHE/env" ] || die "$CACHE/env missing: run prepare.sh first"
# shellcheck disable=SC1091
. "$CACHE/env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$out" ] || out=$work
mkdir -p "$out"
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,dev,proc,sys,tmp,run,lib/modules,tests}

# --- busybox -----------------------------------------------------------------
cp "$BUSYBOX" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"

# --- modules, dependencies first -------------------------------------------
# modules.dep lines: "kernel/x/a.ko: kernel/y/b.ko kernel/z/c.ko" (the full
# transitive list). Resolve recursively so every module follows its deps.
declare -A depline seen
while IFS= read -r line; do
	depline[${line%%:*}]=${line#*:}
done <"$MODDIR/modules.dep"

order=()
visit() { # relative path of a .ko
	local m=$1 d
	[ -n "${seen[$m]:-}" ] && return 0
	seen[$m]=1
	for d in ${depline[$m]:-}; do visit "$d"; done
	order+=("$m")
}
want=(
	kernel/drivers/net/dummy.ko
	kernel/net/8021q/8021q.ko
	kernel/drivers/net/bonding/bonding.ko
	kernel/drivers/net/vrf.ko
	kernel/drivers/net/veth.ko
	kernel/net/bridge/bridge.ko
	kernel/drivers/net/macvlan.ko
	kernel/drivers/net/vxlan/vxlan.ko
)
for m in "${want[@]}"; do
	[ -n "${depline[$m]+x}" ] || die "$m not in $MODDIR/modules.dep"
	visit "$m"
done
: >"$rootfs/lib/modules/order"
for m in "${order[@]}"; do
	cp "$MODDIR/$m" "$rootfs/lib/modules/"
	basename "$m" >>"$rootfs/lib/modules/order"
done
cp "$KNETLINK_KO" "$rootfs/lib/modules/knetlink.ko"
log "modules: $(tr '\n' ' ' <"$rootfs/lib/modules/order")knetlink.ko"

# --- test binaries ---------------------------------------------------------
names=()
for b in "$@"; do
	[ -x "$b" ] || die "$b is not an executable"
	n=$(basename "$b")
	n=${n%.test}
	cp "$b" "$rootfs/tests/$n"
	names+=("$n")
done
printf '%s\n' "${names[@]}" >"$rootfs/tests/list"
printf '%s\n' "${NLKIT_VM_TEST_ARGS:-}" >"$rootfs/tests/args"

# --- /init -------------------------------------------------------------------
cat >"$rootfs/init" <<'INIT'
#!/bin/sh
/bin/busybox mkdir -p /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /root
ip link set lo up

result() { echo "NLKIT-RESULT $1 $2"; }

echo "nlkit-vm: kernel $(uname -r), $(nproc) cpu"
st=PASS
for m in $(cat /lib/modules/order) knetlink.ko; do
	if ! insmod "/lib/modules/$m"; then
		echo "nlkit-vm: insmod $m failed"
		st=FAIL
	fi
done
result insmod $st

args=$(cat /tests/args)
for t in $(cat /tests/list); do
	echo "nlkit-vm: === $t"
	# shellcheck disable=SC2086
	if (cd /tmp && NLKIT_VM_GUEST=1 "/tests/$t" -test.v -test.timeout=300s $args); then
		result "$t" PASS
	else
		result "$t" FAIL
	fi
done

st=PASS
if ! rmmod knetlink; then
	echo "nlkit-vm: rmmod knetlink failed"
	st=FAIL
elif awk 'NR > 1 && $2 == 17 { found = 1 } END { exit !found }' /proc/net/netlink; then
	echo "nlkit-vm: unit 17 still in /proc/net/netlink after rmmod"
	st=FAIL
fi
result rmmod-knetlink $st

if dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection' >/tmp/bad; then
	echo "nlkit-vm: suspicious kernel log:"
	dmesg | tail -n 60
	result kernel-log FAIL
else
	result kernel-log PASS
fi
echo NLKIT-VM-DONE
sync
poweroff -f
INIT
chmod +x "$rootfs/init"

# --- initramfs -----------------------------------------------------------------
(cd "$rootfs" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) |
	gzip -1 >"$work/initrd.gz"
log "initramfs $(du -h "$work/initrd.gz" | cut -f1), kernel $KVER, timeout ${TIMEOUT}s"

# --- boot ----------------------------------------------------------------------
console=$out/console.log
set +e
timeout --kill-after=10 "$TIMEOUT" "$QEMU" \
	-accel tcg -cpu max -m "$MEM" -nographic -no-reboot -nic none \
	-kernel "$VMLINUZ" -initrd "$work/initrd.gz" \
	-append 'console=ttyS0 panic=-1 quiet' </dev/null 2>&1 |
	# Drop CRs and the terminal control sequences SeaBIOS emits.
	sed -u -e 's/\r$//' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$console"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 124 ] && log "qemu timed out after ${TIMEOUT}s"

# --- verdict -------------------------------------------------------------------
fail=0
for n in insmod "${names[@]}" rmmod-knetlink kernel-log; do
	r=$(sed -n "s/^NLKIT-RESULT $n \(PASS\|FAIL\)\$/\1/p" "$console" | tail -n1)
	case $r in
	PASS) ;;
	FAIL) log "$n: FAIL"; fail=1 ;;
	*) log "$n: no result marker"; fail=1 ;;
	esac
done
grep -qx NLKIT-VM-DONE "$console" || { log "no NLKIT-VM-DONE marker (qemu status $rc)"; fail=1; }
[ $fail = 0 ] && log "all passed"
exit $fail
