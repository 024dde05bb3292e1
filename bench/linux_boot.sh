#!/usr/bin/env bash
# Debian's arm64 Linux booted on the model beside QEMU TCG, in one command:
#
#   bash bench/linux_boot.sh [--runs N] [--timeout S] [--smp "1 2"] [guest-dir]
#
# Builds examples/linux/linux_vmm.c in Release mode (build-bench/, the build
# directory of bench/bench.sh), fetches the guest with
# scripts/fetch-linux-guest.sh into guest-dir (default build-bench/linux-guest;
# a second run reuses it) and boots the same kernel and initramfs, with the
# same kernel command line and RAM, N times (default 3) in each configuration:
#
#   model            linux-vmm (hvmodel, Unicorn's Cortex-A72)
#   qemu-tcg         qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a72
#                    -accel tcg (QEMU's default threading: one thread per vCPU)
#   qemu-tcg-icount  the same with -icount shift=0,sleep=off (one thread for
#                    all vCPUs, a virtual clock of one guest instruction per ns)
#
# once with 1 vCPU and once with 2. The runs alternate between the
# configurations (forward in even rounds, backward in odd ones). Each run is
# timed from the moment the process is started to the arrival of the init
# script's first line ("hvmodel-init: hello from the initramfs") and to the
# process's exit after the guest's power-off (PSCI SYSTEM_OFF); a run that
# takes longer than the timeout (default 120 s) is killed and counted as
# failed. The CPU time (user + system, all threads) of each run is taken too:
# it moves less than wall time when other work shares the machine. Prints a
# table of median, min and max per configuration and the ratios model / QEMU,
# and writes every sample to
# build-bench/linux-boot-results.json. The console logs, each line prefixed
# with its arrival time in µs, stay in build-bench/linux-boot/.
#
# QEMU=<path> names another qemu-system-aarch64.
# Exit status: 0 every run booted, 1 a run failed (the table still shows the
# others), 2 usage, 77 qemu-system-aarch64 is not installed or the guest
# cannot be fetched. Benchmarks are never part of the test suite.
set -euo pipefail
export LC_ALL=C
CALLER_DIR=$PWD
cd "$(dirname "$0")/.."

usage() {
    echo "usage: bash bench/linux_boot.sh [--runs N] [--timeout S] [--smp \"1 2\"] [guest-dir]" >&2
    exit 2
}

RUNS=3
TIMEOUT=120
SMPS="1 2"
B=build-bench
GUEST=$B/linux-guest
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs | -n)
        [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage
        RUNS=$2
        shift 2
        ;;
    --timeout)
        [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage
        TIMEOUT=$2
        shift 2
        ;;
    --smp)
        [[ $# -ge 2 && $2 =~ ^[1-8]( [1-8])*$ ]] || usage
        SMPS=$2
        shift 2
        ;;
    -*) usage ;;
    *)
        GUEST=$1
        [[ $GUEST == /* ]] || GUEST=$CALLER_DIR/$GUEST
        shift
        [[ $# -eq 0 ]] || usage
        ;;
    esac
done

OUT=$B/linux-boot
JSON=$B/linux-boot-results.json
QEMU=${QEMU:-qemu-system-aarch64}
# linux-vmm's defaults (examples/linux/linux_vmm.c), given explicitly to both
# sides so that they are the same by construction.
CMDLINE="console=ttyAMA0 earlycon=pl011,0x9000000"
MIB=256
INIT_LINE="hvmodel-init: hello from the initramfs"

if ! command -v "$QEMU" >/dev/null 2>&1; then
    echo "linux_boot: SKIP: $QEMU not found (Debian package qemu-system-arm;" \
        "scripts/setup.sh installs it)" >&2
    exit 77
fi
for t in cmake ninja timeout awk; do
    command -v "$t" >/dev/null 2>&1 || {
        echo "linux_boot: error: $t not found (scripts/setup.sh installs it)" >&2
        exit 1
    }
done

echo "--- building linux-vmm (Release) in $B ---"
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHVMODEL_TESTS=OFF \
    -DHVMODEL_EXAMPLES=ON >/dev/null
if ! ninja -C "$B" linux-vmm >"$B/linux-vmm-build.log" 2>&1; then
    cat "$B/linux-vmm-build.log" >&2
    echo "linux_boot: error: linux-vmm did not build (it needs libfdt-dev and zlib1g-dev)" >&2
    exit 1
fi
VMM=$PWD/$B/examples/linux-vmm

echo "--- fetching the guest into $GUEST ---"
rc=0
bash scripts/fetch-linux-guest.sh "$GUEST" || rc=$?
[[ $rc -eq 0 ]] || exit "$rc"
KERNEL=$GUEST/Image
INITRD=$GUEST/initramfs.cpio.gz
mkdir -p "$OUT"

# Microseconds since the epoch, without a fork where the shell has
# EPOCHREALTIME (bash 5); the reader loop below takes one per line.
if [[ -n ${EPOCHREALTIME:-} ]]; then
    now_us() { REPLY=${EPOCHREALTIME/./}; }
else
    now_us() { REPLY=$(date +%s%6N); }
fi

# The command line of one configuration, into CMD.
config_cmd() { # <name> <smp>
    case $1 in
    model)
        CMD=("$VMM" -kernel "$KERNEL" -initrd "$INITRD" -smp "$2" -m "$MIB" -append "$CMDLINE")
        ;;
    qemu-tcg | qemu-tcg-icount)
        # -nic none: no default virtio NIC (its option ROM is another package).
        # -no-reboot: a reset request ends QEMU instead of booting again.
        CMD=("$QEMU" -M "virt,gic-version=3" -cpu cortex-a72 -accel tcg -smp "$2" -m "$MIB"
            -nographic -nic none -no-reboot -kernel "$KERNEL" -initrd "$INITRD"
            -append "$CMDLINE")
        if [[ $1 == qemu-tcg-icount ]]; then CMD+=(-icount "shift=0,sleep=off"); fi
        ;;
    esac
}

# One boot. Sets R_INIT and R_EXIT (µs from the start; R_INIT empty when the
# line never came), R_RC (the process's exit status, 124 on the timeout),
# R_CPU (µs of CPU time, user + system, of the process and its threads),
# R_GUEST (the kernel's own time stamp of "reboot: Power down", or empty).
boot() { # <log> <command...>
    local log=$1 line t0 rcfile=$1.rc
    shift
    R_INIT=""
    rm -f "$rcfile"
    now_us
    t0=$REPLY
    while IFS= read -r line || [[ -n $line ]]; do
        now_us
        line=${line%$'\r'} # the guest console ends its lines with CR LF
        if [[ -z $R_INIT && $line == *"$INIT_LINE"* ]]; then
            R_INIT=$((REPLY - t0))
        fi
        printf '%s %s\n' "$((REPLY - t0))" "$line"
    done < <(
        rc=0
        timeout -k 5 "$TIMEOUT" "$@" </dev/null 2>&1 || rc=$?
        echo "$rc" >"$rcfile"
        # The CPU time of the waited-for children (timeout and the process
        # under it), from the builtin: no fork between.
        times >>"$rcfile"
    ) >"$log"
    now_us
    R_EXIT=$((REPLY - t0))
    R_RC=$(head -n1 "$rcfile" 2>/dev/null || echo 255)
    # times: "0m0.001s 0m0.002s" (the shell), then the same for its children.
    R_CPU=$(awk 'NR == 3 { u = 0
            for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); u += (p[1] * 60 + p[2]) * 1e6 }
            printf "%d\n", u }' "$rcfile" 2>/dev/null || true)
    R_GUEST=$(sed -n 's/^[0-9]* \[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' "$log" | head -n1)
    # linux-vmm's summary: the guest instructions of all vCPUs.
    R_INSNS=$(awk '$2 == "vCPU" && / instructions$/ { n += $(NF - 1); seen = 1 }
        END { if (seen) print n }' "$log")
}

CONFIGS=()
for s in $SMPS; do
    for c in model qemu-tcg qemu-tcg-icount; do CONFIGS+=("$c:$s"); done
done
declare -A INIT EXIT CPUT GUESTT INSNS FAILS
for k in "${CONFIGS[@]}"; do
    INIT[$k]=""; EXIT[$k]=""; CPUT[$k]=""; GUESTT[$k]=""; INSNS[$k]=""; FAILS[$k]=0
done

echo "--- machine ---"
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
QEMU_VERSION=$("$QEMU" --version | head -n1)
GUEST_PKGS=$(tr '\n' ' ' <"$GUEST/versions" | sed 's/ *$//')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cpu:      $CPU ($(nproc) cores)"
echo "kernel:   $(uname -sr) (host)"
echo "qemu:     $QEMU_VERSION"
echo "guest:    $GUEST_PKGS"
echo "load:     $LOAD_BEFORE (1, 5, 15 min) before the runs"
echo "--- running: $RUNS rounds of ${CONFIGS[*]} (timeout ${TIMEOUT} s) ---"

failed=0
for ((r = 0; r < RUNS; r++)); do
    order=("${CONFIGS[@]}")
    if ((r % 2)); then
        order=()
        for ((i = ${#CONFIGS[@]} - 1; i >= 0; i--)); do order+=("${CONFIGS[i]}"); done
    fi
    for k in "${order[@]}"; do
        config_cmd "${k%:*}" "${k#*:}"
        log=$OUT/${k%:*}-smp${k#*:}-run$r.log
        boot "$log" "${CMD[@]}"
        ok=1
        [[ -n $R_INIT && $R_RC -eq 0 ]] || ok=0
        grep -q 'reboot: Power down' "$log" || ok=0
        if [[ $ok -eq 1 ]]; then
            INIT[$k]+="$R_INIT "
            EXIT[$k]+="$R_EXIT "
            CPUT[$k]+="${R_CPU:--} "
            GUESTT[$k]+="${R_GUEST:-null} "
            INSNS[$k]+="${R_INSNS:-null} "
            awk -v r="$r" -v c="${k%:*}" -v s="${k#*:}" -v i="$R_INIT" -v e="$R_EXIT" -v t="${R_CPU:-0}" \
                'BEGIN { printf "round %d  %-16s smp %s  init %7.3f s  exit %7.3f s  cpu %7.3f s\n",
                    r, c, s, i / 1e6, e / 1e6, t / 1e6 }'
        else
            INIT[$k]+="- "
            EXIT[$k]+="- "
            CPUT[$k]+="- "
            GUESTT[$k]+="null "
            INSNS[$k]+="null "
            FAILS[$k]=$((FAILS[$k] + 1))
            failed=1
            why="exit status $R_RC"
            if [[ $R_RC -eq 124 ]]; then why+=", killed after ${TIMEOUT} s"; fi
            if [[ -z $R_INIT ]]; then why+=", no init line"; fi
            echo "round $r  ${k%:*} smp ${k#*:}: FAILED ($why); log: $log" >&2
        fi
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load:     $LOAD_AFTER (1, 5, 15 min) after the runs"

# median min max of a list of samples (µs; "-" = a failed run, skipped), in
# seconds; "- - -" when none succeeded.
stats() { # <samples>
    awk -v s="$1" 'BEGIN {
        k = split(s, x, " ")
        for (i = 1; i <= k; i++) if (x[i] != "-") v[n++] = x[i] / 1e6
        if (!n) { print "- - -"; exit }
        for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        m = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        printf "%.3f %.3f %.3f\n", m, v[0], v[n - 1]
    }'
}
# Per-round ratios a/b (rounds where both booted): median min max.
ratios() { # <a samples> <b samples>
    awk -v a="$1" -v b="$2" 'BEGIN {
        na = split(a, x, " "); split(b, y, " ")
        for (i = 1; i <= na; i++) if (x[i] != "-" && y[i] != "-" && y[i] > 0) v[n++] = x[i] / y[i]
        if (!n) { print "- - -"; exit }
        for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        m = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        printf "%.2f %.2f %.2f\n", m, v[0], v[n - 1]
    }'
}
json_list() { # samples in µs -> JSON array of seconds
    awk -v s="$1" 'BEGIN { n = split(s, v, " "); printf "["
        for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? ", " : ""), (v[i] == "-" ? "null" : sprintf("%.6f", v[i] / 1e6))
        printf "]" }'
}
json_stats() { # "median min max" -> JSON object
    read -r m lo hi <<<"$1"
    if [[ $m == - ]]; then
        printf '{"median": null, "min": null, "max": null}'
    else
        printf '{"median": %s, "min": %s, "max": %s}' "$m" "$lo" "$hi"
    fi
}
# The words of a command line, those with a space in single quotes.
shell_join() {
    local w out=""
    for w in "$@"; do
        if [[ $w == *" "* ]]; then w="'$w'"; fi
        out+="${out:+ }$w"
    done
    printf '%s' "$out"
}
json_str() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }

echo
echo "--- seconds from process start: median [min..max] over $RUNS runs ---"
printf '%-16s %4s  %-24s %-24s %-24s %s\n' configuration vCPU "to the init message" \
    "to power-off (exit)" "CPU time (user+sys)" failed
for k in "${CONFIGS[@]}"; do
    read -r im il ih <<<"$(stats "${INIT[$k]}")"
    read -r em el eh <<<"$(stats "${EXIT[$k]}")"
    read -r cm cl ch <<<"$(stats "${CPUT[$k]}")"
    printf '%-16s %4s  %-24s %-24s %-24s %s\n' "${k%:*}" "${k#*:}" "$im [$il..$ih]" "$em [$el..$eh]" \
        "$cm [$cl..$ch]" "${FAILS[$k]}"
done
echo
echo "--- ratio model / QEMU (time; above 1 = the model is slower), per round: median [min..max] ---"
printf '%-16s %4s  %-24s %-24s %s\n' "against" vCPU "to the init message" "to power-off (exit)" \
    "CPU time (user+sys)"
for s in $SMPS; do
    for q in qemu-tcg qemu-tcg-icount; do
        read -r im il ih <<<"$(ratios "${INIT[model:$s]}" "${INIT[$q:$s]}")"
        read -r em el eh <<<"$(ratios "${EXIT[model:$s]}" "${EXIT[$q:$s]}")"
        read -r cm cl ch <<<"$(ratios "${CPUT[model:$s]}" "${CPUT[$q:$s]}")"
        printf '%-16s %4s  %-24s %-24s %s\n' "$q" "$s" "$im [$il..$ih]" "$em [$el..$eh]" "$cm [$cl..$ch]"
    done
done

{
    printf '{\n  "benchmark": "linux-boot",\n'
    printf '  "machine": {"cpu": %s, "nproc": %s, "host_kernel": %s, "qemu": %s, "guest_packages": %s,\n' \
        "$(json_str "$CPU")" "$(nproc)" "$(json_str "$(uname -sr)")" "$(json_str "$QEMU_VERSION")" \
        "$(json_str "$GUEST_PKGS")"
    printf '    "load_before": %s, "load_after": %s},\n' "$(json_str "$LOAD_BEFORE")" "$(json_str "$LOAD_AFTER")"
    printf '  "runs": %s, "timeout_s": %s, "kernel_cmdline": %s, "ram_mib": %s, "init_line": %s,\n' \
        "$RUNS" "$TIMEOUT" "$(json_str "$CMDLINE")" "$MIB" "$(json_str "$INIT_LINE")"
    printf '  "configurations": [\n'
    n=0
    for k in "${CONFIGS[@]}"; do
        config_cmd "${k%:*}" "${k#*:}"
        if [[ $n -gt 0 ]]; then printf ',\n'; fi
        n=$((n + 1))
        printf '    {"name": %s, "vcpus": %s, "command": %s, "failed": %s,\n' "$(json_str "${k%:*}")" \
            "${k#*:}" "$(json_str "$(shell_join "${CMD[@]}")")" "${FAILS[$k]}"
        printf '     "init_s": %s, "init_samples_s": %s,\n' "$(json_stats "$(stats "${INIT[$k]}")")" \
            "$(json_list "${INIT[$k]}")"
        printf '     "exit_s": %s, "exit_samples_s": %s,\n' "$(json_stats "$(stats "${EXIT[$k]}")")" \
            "$(json_list "${EXIT[$k]}")"
        printf '     "cpu_s": %s, "cpu_samples_s": %s,\n' "$(json_stats "$(stats "${CPUT[$k]}")")" \
            "$(json_list "${CPUT[$k]}")"
        printf '     "guest_power_down_timestamp_s": [%s],\n' "$(echo "${GUESTT[$k]}" | sed 's/ *$//; s/ /, /g')"
        printf '     "guest_instructions": [%s]}' "$(echo "${INSNS[$k]}" | sed 's/ *$//; s/ /, /g')"
    done
    printf '\n  ],\n  "ratios_model_over_qemu": [\n'
    n=0
    for s in $SMPS; do
        for q in qemu-tcg qemu-tcg-icount; do
            if [[ $n -gt 0 ]]; then printf ',\n'; fi
            n=$((n + 1))
            printf '    {"vcpus": %s, "against": %s, "init": %s, "exit": %s, "cpu": %s}' "$s" \
                "$(json_str "$q")" \
                "$(json_stats "$(ratios "${INIT[model:$s]}" "${INIT[$q:$s]}")")" \
                "$(json_stats "$(ratios "${EXIT[model:$s]}" "${EXIT[$q:$s]}")")" \
                "$(json_stats "$(ratios "${CPUT[model:$s]}" "${CPUT[$q:$s]}")")"
        done
    done
    printf '\n  ]\n}\n'
} >"$JSON"
echo
echo "results: $JSON (console logs: $OUT/)"
exit "$failed"
