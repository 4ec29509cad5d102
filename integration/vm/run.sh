#!/usr/bin/env bash
# run.sh — boot the prepared Debian kernel once in qemu and run test binaries.
#
#   run.sh [-o OUTDIR] [-p PREBUILT_DIR] [-m MANIFEST] [BINARY...]
#
# Each test binary is a static (CGO_ENABLED=0, GOARCH=amd64) Go test binary,
# from `go test -c`. A MANIFEST (as vm_test.go writes it) has one line per
# binary:
#
#   NAME BINARY PKGDIR TIMEOUT LANE [ARG...]
#
# NAME is the binary's name in the VM and in the markers; PKGDIR the package
# directory ("-" for none), whose files and testdata/ are copied into the VM
# and which is the binary's working directory there, as under `go test`;
# TIMEOUT the binary's -test.timeout in seconds; LANE "first", "serial" or
# "parallel" (below); ARGs extra arguments such as -test.skip=PATTERN (no spaces;
# globbing is off). A BINARY on the command line is a manifest line
# "NAME BINARY - 300 serial", NAME being its base name without ".test".
# Needs prepare.sh to have run (reads $CACHE/env).
#
# Lanes: the "first" binaries run one after another before any other (they
# unload and reload knetlink). Then the "serial" ones run one after another
# on the console (ttyS0), and beside them the "parallel" ones, one after
# another too, with their output on a second serial port (ttyS1,
# OUTDIR/lane2.log), so that the two never interleave. A parallel binary must
# touch nothing outside network namespaces of its own.
#
# The initramfs holds static busybox; iproute2's ip, genl and tc,
# util-linux's nsenter and setpriv, and strace, copied from this host with the shared
# libraries ldd finds (and /etc/protocols, /etc/services); the kernel's own
# modules for the link kinds tests create (dummy, 8021q, bonding, vrf, veth,
# bridge, macvlan, macvtap, vxlan, ipvlan, ifb, nlmon, tun; and every
# sch_*, cls_* and act_* traffic-control module but sch_teql and act_ipt, and
# the ematches em_cmp, em_nbyte, em_u32 and em_meta;
# with their dependencies, resolved through modules.dep); knetlink.ko; PREBUILT_DIR's
# files in /prebuilt (binaries the tests would otherwise build with go or
# gcc; NLKIT_PREBUILT_DIR points there); and the test binaries. Its /init
# mounts /proc, /sys, /dev, and tmpfs on /tmp and /run (with /run/netns),
# loads the modules (dependencies first), runs every binary with -test.v
# under CI=true, NLKIT_VM_GUEST=1 and NLKIT_PREBUILT_DIR=/prebuilt, then
# unloads knetlink and checks the kernel log, and prints:
#
#   NLKIT-RESULT insmod PASS|FAIL
#   nlkit-vm: === <name>                    before each binary's output
#   NLKIT-RESULT <name> PASS|FAIL           after it, one per binary
#   NLKIT-RESULT rmmod-knetlink PASS|FAIL   unit 17 and the genl family gone
#   NLKIT-RESULT kernel-log PASS|FAIL       no WARN/BUG/Oops in dmesg
#   NLKIT-VM-DONE
#
# and powers off. The console goes to stdout (and OUTDIR/console.log) as it
# comes; the parallel lane's log follows it on stdout after the boot. Then
# this script counts each binary's top-level tests and subtests from its
# -test.v output (count.awk) and prints
#
#   NLKIT-COUNT <name> pass=N fail=N skip=N subpass=N subfail=N subskip=N
#
# qemu's exit status says nothing about the tests, so the exit status of this
# script comes from the markers: 0 only if every expected marker says PASS,
# every binary ran at least one test and failed none, and NLKIT-VM-DONE was
# printed.
#
# Environment:
#   NLKIT_VM_CACHE     cache directory (default /var/cache/nlkit-vm)
#   NLKIT_VM_TIMEOUT   seconds before qemu is killed (default 600)
#   NLKIT_VM_MEM       guest memory in MiB (default 1024)
#   NLKIT_VM_SMP       guest CPUs (default 2; qemu runs one TCG thread each)
#   NLKIT_VM_CPU       qemu -cpu model (default max)
#   NLKIT_VM_TEST_ARGS extra arguments for every binary (e.g. -test.run=Echo)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NLKIT_VM_CACHE:-/var/cache/nlkit-vm}
TIMEOUT=${NLKIT_VM_TIMEOUT:-600}
MEM=${NLKIT_VM_MEM:-1024}
SMP=${NLKIT_VM_SMP:-2}
CPU=${NLKIT_VM_CPU:-max}

log() { printf 'run: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

out= prebuilt= manifest=
while getopts o:p:m: opt; do
	case $opt in
	o) out=$OPTARG ;;
	p) prebuilt=$OPTARG ;;
	m) manifest=$OPTARG ;;
	*) die "usage: run.sh [-o OUTDIR] [-p PREBUILT_DIR] [-m MANIFEST] [BINARY...]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || [ -n "$manifest" ] || die "usage: run.sh [-o OUTDIR] [-p PREBUILT_DIR] [-m MANIFEST] [BINARY...]"
[ -f "$CACHE/env" ] || die "$CACHE/env missing: run prepare.sh first"
# shellcheck disable=SC1091
. "$CACHE/env"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "$out" ] || out=$work
mkdir -p "$out"
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,dev,proc,sys,tmp,run,root,etc,var,lib/modules,tests,pkgs,prebuilt}
ln -s ../run "$rootfs/var/run"

# --- busybox -----------------------------------------------------------------
cp "$BUSYBOX" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"

# --- host tools and their shared libraries ---------------------------------
# Real iproute2 and util-linux (busybox's ip and nsenter lack what the tests
# use). They go to /usr/local/bin, first in the guest's PATH.
copy_lib() { # absolute path: copy it (and the file a symlink names) into the rootfs
	local f=$1
	[ -e "$rootfs$f" ] && return 0
	mkdir -p "$rootfs$(dirname "$f")"
	cp -L "$f" "$rootfs$f"
}
tools=()
for t in ip genl tc bridge nsenter setpriv strace; do
	p=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$t" || true)
	if [ -z "$p" ]; then
		log "warning: $t not found on this host: tests that run it will fail in the VM"
		continue
	fi
	cp -L "$p" "$rootfs/usr/local/bin/$t"
	tools+=("$t")
	while read -r lib; do
		copy_lib "$lib"
	done < <(ldd "$p" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
done
for d in /etc/iproute2 /usr/share/iproute2 /usr/lib/iproute2 /usr/lib/tc; do
	[ -d "$d" ] && { mkdir -p "$rootfs$(dirname "$d")"; cp -rL "$d" "$rootfs$d"; }
done
# Name databases the tools read through glibc's "files" NSS (ip rule ... ipproto tcp reads /etc/protocols).
for f in /etc/protocols /etc/services /etc/ethertypes; do
	[ -f "$f" ] && cp -L "$f" "$rootfs$f"
done
printf 'passwd: files\ngroup: files\nhosts: files\nprotocols: files\nservices: files\n' >"$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$rootfs/etc/hosts"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
log "tools: ${tools[*]} (libraries: $(cd "$rootfs" && find lib lib64 usr/lib -name '*.so*' 2>/dev/null | wc -l))"

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
	kernel/drivers/net/macvtap.ko
	kernel/drivers/net/vxlan/vxlan.ko
	kernel/drivers/net/ipvlan/ipvlan.ko
	kernel/drivers/net/ifb.ko
	kernel/drivers/net/nlmon.ko
	kernel/drivers/net/tun.ko
	kernel/drivers/net/ipvlan/ipvtap.ko
	kernel/drivers/net/geneve.ko
	kernel/net/ipv4/ip_gre.ko
	kernel/net/ipv6/ip6_gre.ko
	kernel/net/ipv4/ipip.ko
	kernel/net/ipv6/sit.ko
	kernel/net/ipv6/ip6_tunnel.ko
	kernel/net/ipv4/ip_vti.ko
	kernel/net/ipv6/ip6_vti.ko
	kernel/net/xfrm/xfrm_interface.ko
	kernel/drivers/net/wireguard/wireguard.ko
	kernel/drivers/net/macsec.ko
	kernel/drivers/net/team/team.ko
	# Issue 17: MPLS routes and the mpls encap (families/route, integration/bridge).
	kernel/net/mpls/mpls_router.ko
	kernel/net/mpls/mpls_iptunnel.ko
)
# Traffic control: every qdisc, classifier and action the kernel builds as a module (integration/tc tests
# each kind tc knows), but sch_teql, which creates a teql0 link in the initial namespace when it loads, and
# act_ipt, which pulls in the iptables core for a kind nlkit does not type.
for m in $(printf '%s\n' "${!depline[@]}" | LC_ALL=C sort); do
	case $m in
	*/sch_teql.ko | */act_ipt.ko) ;;
	kernel/net/sched/sch_*.ko | kernel/net/sched/cls_*.ko | kernel/net/sched/act_*.ko) want+=("$m") ;;
	# The ematches of cls_basic (tc filter ... basic match 'cmp(...)').
	kernel/net/sched/em_cmp.ko | kernel/net/sched/em_nbyte.ko | kernel/net/sched/em_u32.ko | kernel/net/sched/em_meta.ko) want+=("$m") ;;
	esac
done
mapfile -t want < <(printf '%s\n' "${want[@]}" | awk '!seen[$0]++')
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

# --- prebuilt helpers --------------------------------------------------------
if [ -n "$prebuilt" ]; then
	[ -d "$prebuilt" ] || die "$prebuilt is not a directory"
	cp -rL "$prebuilt/." "$rootfs/prebuilt/"
	chmod -R a+rX "$rootfs/prebuilt"
	# Dynamically linked helpers (the C clients on libmnl and libnl-3) take their libraries along.
	for p in "$prebuilt"/*; do
		while read -r lib; do
			copy_lib "$lib"
		done < <(ldd "$p" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p')
	done
	log "prebuilt: $(cd "$rootfs/prebuilt" && ls | tr '\n' ' ')"
fi

# --- test binaries ---------------------------------------------------------
entries=$work/entries
: >"$entries"
[ -z "$manifest" ] || grep -v '^[[:space:]]*\(#\|$\)' "$manifest" >>"$entries" || true
for b in "$@"; do
	n=$(basename "$b")
	printf '%s %s - 300 serial\n' "${n%.test}" "$b" >>"$entries"
done
names=()
declare -A seen_name
: >"$rootfs/tests/list"
while read -r n b dir tmo lane args; do
	[ -x "$b" ] || die "$b is not an executable"
	case $n in '' | */* | .*) die "bad binary name '$n'" ;; esac
	[ -z "${seen_name[$n]:-}" ] || die "two binaries named $n"
	seen_name[$n]=1
	[[ $tmo =~ ^[0-9]+$ ]] || die "$n: timeout '$tmo' is not a number of seconds"
	case $lane in first | serial | parallel) ;; *) die "$n: lane '$lane' is not first, serial or parallel" ;; esac
	cp "$b" "$rootfs/tests/$n"
	if [ "$dir" != - ]; then
		# The package's own files and its testdata, as `go test` sees them.
		mkdir -p "$rootfs/pkgs/$n"
		find "$dir" -maxdepth 1 -type f -exec cp {} "$rootfs/pkgs/$n/" \;
		[ -d "$dir/testdata" ] && cp -rL "$dir/testdata" "$rootfs/pkgs/$n/"
	fi
	printf '%s %s %s %s\n' "$n" "$tmo" "$lane" "$args" >>"$rootfs/tests/list"
	names+=("$n")
done <"$entries"
[ ${#names[@]} -gt 0 ] || die "no test binaries"
printf '%s\n' "${NLKIT_VM_TEST_ARGS:-}" >"$rootfs/tests/args"

# --- /init -------------------------------------------------------------------
cat >"$rootfs/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/netns
ip link set lo up

result() { echo "NLKIT-RESULT $1 $2"; }

echo "nlkit-vm: kernel $(uname -r), $(nproc) cpu, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
# The tunnel modules (ipip, sit, ip_gre, ip_vti, ip6_tunnel, ip6_gre...) would create their fallback devices
# (tunl0, gre0, sit0, ip6tnl0...) in every namespace the tests create, which then holds more than lo:
# net.core.fb_tunnels_only_for_init_net=1 keeps them in the initial namespace only.
echo 1 >/proc/sys/net/core/fb_tunnels_only_for_init_net
st=PASS
for m in $(cat /lib/modules/order) knetlink.ko; do
	if ! insmod "/lib/modules/$m"; then
		echo "nlkit-vm: insmod $m failed"
		st=FAIL
	fi
done
result insmod $st

# Every binary runs as `go test` would run it, in its package directory, and
# under CI=true: a test that skips for a missing prerequisite fails. Tests
# that cannot run in a VM are left out by the manifest's -test.skip/-test.run.
export CI=true NLKIT_VM_GUEST=1 NLKIT_PREBUILT_DIR=/prebuilt
set -f # no globbing of the patterns in the arguments
extra=$(cat /tests/args)

run_lane() { # first|serial|parallel: run that lane's binaries in order
	while read -r t tmo lane args <&3; do
		[ "$lane" = "$1" ] || continue
		echo "nlkit-vm: === $t"
		dir=/pkgs/$t
		[ -d "$dir" ] || dir=/tmp
		start=$(date +%s)
		# shellcheck disable=SC2086
		if (cd "$dir" && exec timeout -s KILL $((tmo + 30)) "/tests/$t" -test.v -test.timeout=${tmo}s $args $extra) </dev/null; then
			st=PASS
		else
			st=FAIL
		fi
		echo "nlkit-vm: $t took $(($(date +%s) - start))s"
		result "$t" $st
	done 3</tests/list
}

run_lane first
# The parallel lane writes to ttyS1 when there is one (run.sh gives qemu a
# second serial port); otherwise it runs after the serial lane, on the console.
if grep -q '^1: uart:[0-9A-Z]' /proc/tty/driver/serial 2>/dev/null; then
	(
		echo "nlkit-vm: parallel lane"
		run_lane parallel
		echo "nlkit-vm: parallel lane done"
	) >/dev/ttyS1 2>&1 &
	lane2=$!
	run_lane serial
	wait $lane2
else
	echo "nlkit-vm: no ttyS1: the parallel lane runs after the serial one"
	run_lane serial
	run_lane parallel
fi
set +f

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
# Uncompressed: the guest copies it instead of gunzipping ~100 MB under TCG.
(cd "$rootfs" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"
log "initramfs $(du -h "$work/initrd.cpio" | cut -f1) in ${SECONDS}s, ${#names[@]} test binaries, kernel $KVER, ${SMP} cpu, ${MEM} MiB, timeout ${TIMEOUT}s"

# --- boot ----------------------------------------------------------------------
console=$out/console.log
lane2=$out/lane2.log
: >"$lane2"
boot=$SECONDS
set +e
timeout --kill-after=10 "$TIMEOUT" "$QEMU" \
	-accel tcg -cpu "$CPU" -smp "$SMP" -m "$MEM" -nographic -no-reboot -nic none \
	-serial mon:stdio -serial "file:$lane2" \
	-kernel "$VMLINUZ" -initrd "$work/initrd.cpio" \
	-append 'console=ttyS0 panic=-1 quiet' </dev/null 2>&1 |
	# Drop CRs and the terminal control sequences SeaBIOS emits.
	sed -u -e 's/\r$//' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$console"
rc=${PIPESTATUS[0]}
set -e
log "qemu ran $((SECONDS - boot))s"
[ "$rc" = 124 ] && log "qemu timed out after ${TIMEOUT}s"
if [ -s "$lane2" ]; then
	log "--- the parallel lane (ttyS1, $lane2) ---"
	sed -i 's/\r$//' "$lane2"
	cat "$lane2"
	log "--- end of the parallel lane ---"
fi

# --- verdict -------------------------------------------------------------------
all=$out/all.log
cat "$console" "$lane2" >"$all"
awk -f "$here/count.awk" "$all" | tee "$out/counts"
fail=0
for n in insmod "${names[@]}" rmmod-knetlink kernel-log; do
	r=$(sed -n "s/^NLKIT-RESULT $n \(PASS\|FAIL\)\$/\1/p" "$all" | tail -n1)
	case $r in
	PASS) ;;
	FAIL) log "$n: FAIL"; fail=1 ;;
	*) log "$n: no result marker"; fail=1 ;;
	esac
done
for n in "${names[@]}"; do
	c=$(awk -v n="$n" '$2 == n' "$out/counts")
	case $c in
	'') log "$n: no test results in its output"; fail=1 ;;
	*' pass=0 fail=0 skip=0 '*) log "$n: ran no tests"; fail=1 ;;
	*' fail=0 '*) ;;
	*) log "$n: failed tests: $c"; fail=1 ;;
	esac
done
grep -qx NLKIT-VM-DONE "$console" || { log "no NLKIT-VM-DONE marker (qemu status $rc)"; fail=1; }
[ $fail = 0 ] && log "all passed"
exit $fail
