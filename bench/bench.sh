#!/usr/bin/env bash
# The benchmark suite of both flavours (arm64 and x86), in one command:
#
#   bash bench/bench.sh [--quick]
#
# Builds hvmodel in Release mode (build-bench/), assembles the benchmark guests
# (bench/guest/bench.S with the aarch64 binutils, bench/guest/bench_x86.S with
# the host's GNU as) and compiles the two benchmark programs against their
# flavour's shared library (public API only) and Unicorn, then runs every figure several times, model and baseline
# alternating, and prints the table. The results go to
# build-bench/bench-results.json; the traces and callgrind profiles it makes
# stay in build-bench/bench/. Benchmarks are never part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
case "${1:-}" in
--quick) quick=(--quick) ;;
"") ;;
*)
    echo "usage: bash bench/bench.sh [--quick]" >&2
    exit 2
    ;;
esac

B=build-bench
OUT=$B/bench
JSON=$B/bench-results.json

echo "--- building hvmodel (Release) in $B ---"
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHVMODEL_TESTS=OFF \
    -DHVMODEL_EXAMPLES=ON >/dev/null
ninja -C "$B" >/dev/null

echo "--- building the benchmarks in $OUT ---"
mkdir -p "$OUT"
aarch64-linux-gnu-as -march=armv8-a -o "$OUT/bench-guest.o" bench/guest/bench.S
aarch64-linux-gnu-ld -nostdlib -N --no-warn-rwx-segments -Ttext=0x40000000 -e _start \
    -o "$OUT/bench-guest.elf" "$OUT/bench-guest.o"
aarch64-linux-gnu-objcopy -O binary "$OUT/bench-guest.elf" "$OUT/bench-guest.bin"
# -g keeps symbols for perf and callgrind; the library itself is the Release build.
cc -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
    -DHVMODEL_FLAVOR_ARM64=1 -Iinclude/hv -Iinclude/hv/compat \
    -o "$OUT/bench-arm64" bench/bench_arm64.c bench/bench_common.c bench/suite.c bench/trace_size.c \
    trace/reader.c trace/format.c trace/compact.c \
    -L"$B" -lhvmodel-arm64 -Wl,-rpath,"$PWD/$B" $(pkg-config --libs unicorn) -lpthread

# The x86 flavour: 32-bit guest code, assembled without a link step as the
# tests' x86 guests are (cmake/HvmodelGuest.cmake, hvmodel_x86_guest).
as --64 -o "$OUT/bench-x86-guest.o" bench/guest/bench_x86.S
objcopy -O binary "$OUT/bench-x86-guest.o" "$OUT/bench-x86-guest.bin"
cc -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
    -DHVMODEL_FLAVOR_X86=1 -Iinclude/hv -Iinclude/hv/compat \
    -o "$OUT/bench-x86" bench/bench_x86.c bench/bench_common.c bench/trace_size.c trace/reader.c trace/format.c trace/compact.c \
    -L"$B" -lhvmodel-x86 -Wl,-rpath,"$PWD/$B" $(pkg-config --libs unicorn) -lpthread

args=(--x86 "$OUT/bench-x86" --tmp "$OUT" --json "$JSON" --hello "$B/examples/hello-vmm" --hvtrace "$B/hvtrace"
    --capstone "$(pkg-config --modversion capstone 2>/dev/null || echo unknown)")
if command -v valgrind >/dev/null 2>&1; then
    args+=(--valgrind "$(command -v valgrind)")
else
    echo "note: valgrind not found: the callgrind instruction counts are skipped"
fi

echo "--- machine ---"
echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores)"
echo "memory:   $(grep -m1 MemTotal /proc/meminfo | awk '{printf "%.1f GiB", $2 / 1048576}')"
echo "kernel:   $(uname -sr)"
echo "unicorn:  $(pkg-config --modversion unicorn), capstone $(pkg-config --modversion capstone 2>/dev/null || echo '?')"
echo "compiler: $(cc --version | head -1)"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "--- running ---"
"$OUT/bench-arm64" suite "${quick[@]}" "${args[@]}"

# Where the time of one exit goes: each function's own instructions in the
# N-exit callgrind run minus the 0-exit run, divided by N.
per_exit_profile() { # <N-exit profile> <0-exit profile> <N>
    awk -v n="$3" '
        /^ *[0-9,]+ +\(/ && !/PROGRAM TOTALS/ {
            ir = $1; gsub(",", "", ir)
            fn = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", fn); sub(/ \[.*\]$/, "", fn)
            sub(/^.*:/, "", fn)
            if (FNR == NR) a[fn] += ir; else b[fn] += ir
        }
        END { for (f in a) if ((a[f] - b[f]) / n >= 1) printf "%8.0f  %s\n", (a[f] - b[f]) / n, f }
    ' <(callgrind_annotate --inclusive=no --auto=no --threshold=100 "$1" 2>/dev/null) \
      <(callgrind_annotate --inclusive=no --auto=no --threshold=100 "$2" 2>/dev/null) | sort -rn
}
if command -v callgrind_annotate >/dev/null 2>&1; then
    for f in "$OUT"/callgrind-*-[1-9]*.out; do
        [ -e "$f" ] || continue
        n=${f##*-}; n=${n%.out}
        base=${f%-"$n".out}
        [ -e "$base-0.out" ] || continue
        per_exit_profile "$f" "$base-0.out" "$n" >"$base.txt"
    done
    if ls "$OUT"/callgrind-*-model.txt >/dev/null 2>&1; then
        echo
        echo "--- where an exit's instructions go (callgrind, own instructions per exit) ---"
        for t in "$OUT"/callgrind-*-model.txt "$OUT"/callgrind-*-model-rec.txt; do
            [ -e "$t" ] || continue
            echo "$(basename "$t" .txt): top functions (all of them in $t)"
            head -12 "$t"
        done
    fi
fi
echo
echo "results: $JSON"
