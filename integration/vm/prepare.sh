#!/usr/bin/env bash
# prepare.sh — get everything the VM test needs, once, and cache it.
#
# Idempotent: a second run with a warm cache does no network I/O and takes
# well under a second. Steps:
#   1. apt-get install (only what is missing) linux-headers-cloud-amd64,
#      qemu-system-x86, busybox-static; `apt-get update` only when apt
#      cannot see the packages.
#   2. KVER = the versioned headers package that linux-headers-cloud-amd64
#      depends on (linux-headers-X-cloud-amd64 -> X-cloud-amd64). Headers and
#      kernel must match exactly or the module's vermagic is refused.
#   3. `apt-get download linux-image-$KVER` into the cache (never installed:
#      that would drag in initramfs-tools and udev) and extract with dpkg-deb
#      only boot/vmlinuz-$KVER and lib/modules/$KVER; generate modules.dep
#      with busybox depmod (the .deb ships none; its postinst makes it).
#   4. Build examples/knetlink against /lib/modules/$KVER/build in a scratch
#      copy (the source tree stays clean); rebuilt only when sources change.
#
# Writes $CACHE/env (shell KEY=VALUE lines) for run.sh and prints it.
#
# Environment:
#   NLKIT_VM_CACHE   cache directory (default /var/cache/nlkit-vm)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
src="$repo/examples/knetlink"
CACHE=${NLKIT_VM_CACHE:-/var/cache/nlkit-vm}

log() { printf 'prepare: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (apt-get, /lib/modules)"
command -v apt-get >/dev/null || die "apt-get not found: this harness needs a Debian-like host"

mkdir -p "$CACHE"
# One preparer at a time (apt and the cache are shared).
exec 9>"$CACHE/.lock"
flock 9

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o DPkg::Lock::Timeout=300)
updated=0
apt_update() {
	if [ "$updated" = 0 ]; then
		log "apt-get update"
		apt-get "${apt_opts[@]}" update >&2
		updated=1
	fi
}

installed() { # pkg...: true if every package is installed
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || return 1
	done
}

# Does apt know this package (a candidate version exists)?
known() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }

ensure_pkgs() { # pkg...: install the missing ones
	local missing=() p
	for p in "$@"; do installed "$p" || missing+=("$p"); done
	[ ${#missing[@]} = 0 ] && return 0
	for p in "${missing[@]}"; do known "$p" || apt_update; done
	log "apt-get install ${missing[*]}"
	apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >&2
}

ensure_pkgs linux-headers-cloud-amd64 qemu-system-x86 busybox-static

# KVER: the versioned headers package the metapackage depends on
# (linux-headers-X-cloud-amd64 -> X-cloud-amd64). Read it from the installed
# metapackage (dpkg, instant); fall back to `apt-cache depends`, which takes
# seconds on hosts where apt's package cache is disabled (Dir::Cache::pkgcache
# "", as in Debian container images).
kver_from_dpkg() {
	dpkg-query -W -f='${Depends}' linux-headers-cloud-amd64 2>/dev/null |
		tr ',' '\n' | sed -n 's/^ *linux-headers-\([0-9][^ ]*-cloud-amd64\)\( .*\)\{0,1\}$/\1/p' | head -n1
}
kver_from_apt() {
	apt-cache depends linux-headers-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\([0-9].*-cloud-amd64\)$/\1/p' | head -n1
}
KVER=$(kver_from_dpkg)
[ -n "$KVER" ] || KVER=$(kver_from_apt)
if [ -z "$KVER" ]; then
	apt_update
	KVER=$(kver_from_apt)
fi
[ -n "$KVER" ] || die "cannot find KVER from 'apt-cache depends linux-headers-cloud-amd64'"
ensure_pkgs "linux-headers-$KVER"
KDIR=/lib/modules/$KVER/build
[ -e "$KDIR/Makefile" ] || die "$KDIR is not a kernel build tree"
hdr_ver=$(dpkg-query -W -f='${Version}' "linux-headers-$KVER")

kdir_cache="$CACHE/$KVER"
root="$kdir_cache/root"
mkdir -p "$CACHE/debs" "$kdir_cache"

# Kernel image: download (cached) + extract (cached).
if [ ! -f "$kdir_cache/.extracted" ]; then
	deb=$(ls "$CACHE/debs/linux-image-${KVER}_"*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		log "apt-get download linux-image-$KVER (matching headers $hdr_ver)"
		tmpdl=$(mktemp -d)
		(
			cd "$tmpdl"
			# Root-only scratch dir: download as root, not as _apt.
			apt_opts+=(-o APT::Sandbox::User=root)
			apt-get "${apt_opts[@]}" download "linux-image-$KVER=$hdr_ver" >&2 ||
				{ apt_update; apt-get "${apt_opts[@]}" download "linux-image-$KVER" >&2; }
		)
		mv "$tmpdl"/linux-image-"${KVER}"_*.deb "$CACHE/debs/"
		rmdir "$tmpdl"
		deb=$(ls "$CACHE/debs/linux-image-${KVER}_"*.deb | head -n1)
	fi
	log "extract $(basename "$deb")"
	rm -rf "$root"
	mkdir -p "$root"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$root" "./boot/vmlinuz-$KVER" "./lib/modules/$KVER"
	busybox depmod -b "$root" "$KVER"
	[ -s "$root/lib/modules/$KVER/modules.dep" ] || die "depmod produced no modules.dep"
	echo "$(basename "$deb")" >"$kdir_cache/.extracted"
fi

# knetlink.ko: rebuild when the sources (or the headers) change.
srcs=("$src/knetlink.c" "$src/knetlink.h" "$src/Kbuild")
sum=$( { cat "${srcs[@]}"; echo "$KVER $hdr_ver"; } | sha256sum | cut -d' ' -f1)
ko="$kdir_cache/knetlink.ko"
if [ ! -f "$ko" ] || [ "$(cat "$kdir_cache/knetlink.sum" 2>/dev/null)" != "$sum" ]; then
	log "build knetlink.ko against $KDIR"
	build=$(mktemp -d)
	cp "${srcs[@]}" "$src/Makefile" "$build/"
	if ! make -s -C "$build" KDIR="$KDIR" >"$build/build.log" 2>&1; then
		cat "$build/build.log" >&2
		rm -rf "$build"
		die "knetlink build failed"
	fi
	grep -v 'Skipping BTF generation' "$build/build.log" >&2 || true
	cp "$build/knetlink.ko" "$ko.tmp"
	mv "$ko.tmp" "$ko"
	echo "$sum" >"$kdir_cache/knetlink.sum"
	rm -rf "$build"
fi

# busybox-static (installed above) provides a static /bin/busybox.
busybox=$(command -v busybox) || die "busybox not found"
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found"

cat >"$CACHE/env.tmp" <<EOF
KVER=$KVER
VMLINUZ=$root/boot/vmlinuz-$KVER
MODDIR=$root/lib/modules/$KVER
KNETLINK_KO=$ko
BUSYBOX=$busybox
QEMU=$qemu
EOF
mv "$CACHE/env.tmp" "$CACHE/env"
cat "$CACHE/env"
