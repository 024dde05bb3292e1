#!/usr/bin/env bash
# fetch-linux-guest.sh — the arm64 Linux guest for examples/linux, from
# Debian's packages only: the bookworm cloud kernel and busybox-static for
# arm64, fetched with `apt-get download` under an apt state of their own (the
# machine's dpkg and apt configuration are left untouched), and an initramfs
# whose /init runs a few commands and powers the machine off.
#
# usage: fetch-linux-guest.sh <out-dir>
# Writes <out-dir>/Image (the kernel), <out-dir>/initramfs.cpio.gz and
# <out-dir>/versions (the package versions). A second run reuses the
# downloads. Exit status: 0 done, 1 error, 77 the package mirror is
# unreachable.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 <out-dir>" >&2
    exit 2
fi
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
MIRROR=${HVMODEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SUITE=bookworm
ARCH=arm64

log() { printf 'fetch-linux-guest: %s\n' "$*"; }
skip() {
    printf 'fetch-linux-guest: SKIP: %s\n' "$*" >&2
    exit 77
}
die() {
    printf 'fetch-linux-guest: error: %s\n' "$*" >&2
    exit 1
}

for t in apt-get apt-cache dpkg-deb python3 gzip; do
    command -v "$t" >/dev/null 2>&1 || die "$t is missing (scripts/setup.sh installs it)"
done
[[ -s $KEYRING ]] || die "$KEYRING is missing (package debian-archive-keyring)"

# --- an apt state for arm64 under OUT (scripts/apt-state.sh) ----------------
# shellcheck source=apt-state.sh
source "$(dirname "$0")/apt-state.sh"
A=$OUT/apt
apt_state_init "$A" "$ARCH" "$MIRROR" "$KEYRING" "$SUITE"
opts=("${APT_STATE_OPTS[@]}")

if [[ ! -f $A/state/lists/.updated ]] || [[ -n $(find "$A/state/lists/.updated" -mmin +1440) ]]; then
    log "apt-get update ($SUITE, $ARCH)"
    if ! apt_state_update "$A"; then
        cat "$A/update.log" >&2
        skip "apt-get update against $MIRROR failed: mirror unreachable?"
    fi
    touch "$A/state/lists/.updated"
fi

# The cloud kernel's versioned package (the metapackage names it).
kpkg=$(apt-cache "${opts[@]}" depends linux-image-cloud-arm64 |
    sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-arm64\)$/\1/p' | head -n1)
[[ -n $kpkg ]] || die "cannot resolve linux-image-cloud-arm64 in $SUITE"
want=("$kpkg" busybox-static)
versions=""
for p in "${want[@]}"; do
    v=$(apt-cache "${opts[@]}" show --no-all-versions "$p" | sed -n 's/^Version: //p' | head -n1)
    [[ -n $v ]] || die "no version of $p in $SUITE"
    versions+="$p $v"$'\n'
    deb=$(ls "$A/debs/${p}_"*"_$ARCH.deb" 2>/dev/null | head -n1 || true)
    # The file name has the version without its epoch (which apt writes
    # as "1%3a" before it), then the architecture.
    if [[ -z $deb || $deb != *"${v/*:/}_$ARCH.deb" ]]; then
        rm -f "$A/debs/${p}_"*.deb
        log "downloading $p $v"
        if ! (cd "$A/debs" && apt-get "${opts[@]}" download -q "$p") >"$A/download.log" 2>&1; then
            cat "$A/download.log" >&2
            skip "apt-get download $p failed: mirror unreachable?"
        fi
    fi
done

if [[ -f $OUT/versions && $(cat "$OUT/versions") == "$(printf '%s' "$versions")" && -s $OUT/Image &&
      -s $OUT/initramfs.cpio.gz && $OUT/initramfs.cpio.gz -nt "$0" ]]; then
    log "up to date: $(tr '\n' ' ' <"$OUT/versions")"
    exit 0
fi

# --- the kernel ----------------------------------------------------------------
X=$OUT/extract
rm -rf "$X"
mkdir -p "$X"
for p in "${want[@]}"; do
    dpkg-deb -x "$A/debs/${p}_"*"_$ARCH.deb" "$X" || die "cannot extract $p"
done
img=$(ls "$X"/boot/vmlinuz-*-cloud-arm64 | head -n1)
[[ -f $img ]] || die "no kernel image in $kpkg"
cp "$img" "$OUT/Image"

# --- the initramfs ---------------------------------------------------------------
# /init is a busybox shell script: it mounts /proc and /sys, prints what the
# boot test looks for, and powers off (PSCI SYSTEM_OFF).
R=$OUT/root
rm -rf "$R"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev"
cp "$X/bin/busybox" "$R/bin/busybox"
cat >"$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "hvmodel-init: hello from the initramfs"
echo "hvmodel-init: kernel $(uname -r) on $(uname -m)"
echo "hvmodel-init: $(grep -c ^processor /proc/cpuinfo) CPU(s) online: $(cat /sys/devices/system/cpu/online)"
echo "hvmodel-init: $(grep MemTotal /proc/meminfo)"
echo "hvmodel-init: powering off"
poweroff -f
EOF
chmod 755 "$R/init"
python3 - "$R" "$OUT/initramfs.cpio" <<'EOF'
# A cpio archive in the "newc" format the kernel unpacks: every file owned
# by root, with fixed times, so the archive is the same on every run.
import os, stat, sys
root, out = sys.argv[1], sys.argv[2]
entries = []
for d, dirs, files in os.walk(root):
    dirs.sort()
    for n in sorted(dirs) + sorted(files):
        entries.append(os.path.join(d, n))
def header(name, mode, size, ino, nlink):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)
def pad(n):
    return b"\0" * ((4 - n % 4) % 4)
with open(out, "wb") as f:
    for ino, path in enumerate(entries, 1):
        st = os.lstat(path)
        name = os.path.relpath(path, root).encode()
        data = b""
        if stat.S_ISREG(st.st_mode):
            data = open(path, "rb").read()
        elif stat.S_ISLNK(st.st_mode):
            data = os.readlink(path).encode()
        mode = stat.S_IFMT(st.st_mode) | (st.st_mode & 0o7777)
        nlink = 2 if stat.S_ISDIR(st.st_mode) else 1
        h = header(name, mode, len(data), ino, nlink) + name + b"\0"
        f.write(h + pad(len(h)) + data + pad(len(data)))
    h = header(b"TRAILER!!!", 0, 0, 0, 1) + b"TRAILER!!!\0"
    f.write(h + pad(len(h)))
EOF
gzip -9n -f "$OUT/initramfs.cpio"
rm -rf "$X" "$R"
printf '%s' "$versions" >"$OUT/versions"
log "kernel $OUT/Image ($(stat -c %s "$OUT/Image") bytes), initramfs $OUT/initramfs.cpio.gz"
log "packages: $(tr '\n' ' ' <"$OUT/versions")"
