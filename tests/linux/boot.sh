#!/usr/bin/env bash
# boot.sh — Debian's arm64 Linux booted on the model, end to end.
#
# usage: boot.sh <source-dir> <scratch-dir> <linux-vmm> <smp> [<hvtrace>]
#
# Fetches the guest (scripts/fetch-linux-guest.sh: Debian's bookworm cloud
# kernel and busybox-static, an initramfs whose init prints what it finds
# and powers off), boots it on linux-vmm with <smp> vCPUs and checks the
# kernel banner, that every CPU came up, the init script's output and the
# clean power-off. Prints the boot's guest instructions, exits and wall
# time. With <hvtrace>, the boot is recorded, booted and recorded a second
# time (the two traces must be the same bytes), and the first trace is
# replayed (every exit must match) and re-recorded by the replay (the same
# bytes again).
# Exit status: 0 passed, 1 failed, 77 skipped (the package mirror is
# unreachable).
set -uo pipefail

if [[ $# -ne 4 && $# -ne 5 ]]; then
    echo "usage: $0 <source-dir> <scratch-dir> <linux-vmm> <smp> [<hvtrace>]" >&2
    exit 2
fi
SRC=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" || exit 2
SCRATCH=$(cd "$2" && pwd)
VMM=$(realpath "$3") || exit 2
SMP=$4
HVTRACE=${5:+$(realpath "$5")}
GUEST=$SCRATCH/guest
TRACE=$SCRATCH/boot-smp$SMP.hvt

bash "$SRC/scripts/fetch-linux-guest.sh" "$GUEST"
rc=$?
[[ $rc -eq 0 ]] || exit "$rc"

out=$SCRATCH/boot-smp$SMP.out
start=$(date +%s.%N)
boot() { # <trace or ""> <output>: the guest's console ends its lines with CR LF
    HVMODEL_TRACE=$1 "$VMM" -kernel "$GUEST/Image" -initrd "$GUEST/initramfs.cpio.gz" \
        -smp "$SMP" 2>&1 | tr -d '\r' >"$2"
    return "${PIPESTATUS[0]}"
}
rm -f "$TRACE" "$TRACE.2" "$TRACE.replay"
boot "${HVTRACE:+$TRACE}" "$out"
vrc=$?
end=$(date +%s.%N)

failed=0
check() { # <description> <extended regex>
    if grep -Eq -- "$2" "$out"; then
        echo "ok   $1"
    else
        echo "FAIL $1 (no line matching: $2)"
        failed=1
    fi
}
check "the kernel banner" '^\[ *[0-9.]+\] Linux version 6\.[0-9.]+-[0-9]+-cloud-arm64 '
check "the in-framework GICv3 was found" 'GICv3: CPU0: found redistributor 0 '
if [[ $SMP -gt 1 ]]; then
    check "all $SMP CPUs came up" "smp: Brought up 1 node, $SMP CPUs"
fi
check "init ran from the initramfs" '^hvmodel-init: hello from the initramfs$'
check "init saw the kernel" '^hvmodel-init: kernel 6\.[0-9.]+-[0-9]+-cloud-arm64 on aarch64$'
check "init saw $SMP CPU(s) online" "^hvmodel-init: $SMP CPU\\(s\\) online: 0(-$((SMP - 1)))?\$"
check "the kernel powered off" 'reboot: Power down'
check "the VMM saw PSCI SYSTEM_OFF" '^linux-vmm: the guest powered off \(PSCI SYSTEM_OFF\)$'
if [[ $vrc -ne 0 ]]; then
    echo "FAIL linux-vmm exited with status $vrc"
    failed=1
fi
if [[ $failed -ne 0 ]]; then
    echo "--- the last lines of $out:"
    tail -n 30 "$out"
    exit 1
fi
grep -E '^(vCPU [0-9]+:|guest time:)' "$out"
awk -v s="$start" -v e="$end" -v n="$SMP" -v t="${HVTRACE:+, recorded}" \
    'BEGIN { printf "boot to power-off with %s vCPU(s)%s: %.1f s wall time\n", n, t, e - s }'
[[ -n $HVTRACE ]] || exit 0

# The same boot again: the same console output and the same trace, byte for
# byte, whatever the host's threads did.
boot "$TRACE.2" "$out.2" || failed=1
if cmp -s "$out" "$out.2"; then
    echo "ok   a second boot printed the same console output"
else
    echo "FAIL a second boot printed other console output:"
    diff "$out" "$out.2" | head -n 20
    failed=1
fi
if cmp -s "$TRACE" "$TRACE.2"; then
    echo "ok   the two boots' traces are the same bytes ($(stat -c %s "$TRACE") bytes)"
else
    echo "FAIL the two boots' traces differ:"
    "$HVTRACE" diff "$TRACE" "$TRACE.2" | head -n 20
    failed=1
fi
# The recorded boot replayed: every exit compared, and the replay's own
# recording is the trace again.
rstart=$(date +%s.%N)
if "$HVTRACE" replay --record "$TRACE.replay" "$TRACE"; then
    echo "ok   the boot's trace replays bit for bit"
else
    echo "FAIL the boot's trace does not replay"
    failed=1
fi
rend=$(date +%s.%N)
if cmp -s "$TRACE" "$TRACE.replay"; then
    echo "ok   the replay recorded the same trace again"
else
    echo "FAIL the replay recorded another trace"
    failed=1
fi
awk -v s="$rstart" -v e="$rend" 'BEGIN { printf "replay of the boot: %.1f s wall time\n", e - s }'
rm -f "$TRACE.2" "$TRACE.replay"
exit "$failed"
