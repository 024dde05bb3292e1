#!/usr/bin/env bash
# Portability proof for the trace format and the replayer.
#
# usage: run.sh <source-dir> <scratch-dir> <hello-vmm> <hvtrace> [<seabios-vmm>]
#
# Records a trace on this host, then replays it and the golden traces (arm64
# and x86) three times: with the native hvtrace, and with the replayers
# (hvtrace for arm64 traces, hvtrace-x86 for x86 traces) cross-built for
# aarch64 (little-endian) and for s390x (big-endian), run under qemu-user. Every replay must
# print the same "replayed N records, M exits: identical" line and exit 0.
# A replay with an overridden input must diverge, and all three replayers
# must print the same divergence report and exit 1.
#
# The foreign-architecture sysroots are built from Debian packages fetched
# with apt-get download into the scratch directory, using an apt state of
# their own: the machine's dpkg and apt configuration are left untouched.
# Everything this script creates lives under <scratch-dir>; a second run
# reuses the sysroots, the objects and the binaries.
#
# Exit status: 0 all checks passed, 1 a check failed, 77 skipped (missing
# host tools and no root to install them, or the package mirror unreachable).
set -uo pipefail

if [[ $# -ne 4 && $# -ne 5 ]]; then
    echo "usage: $0 <source-dir> <scratch-dir> <hello-vmm> <hvtrace> [<seabios-vmm>]" >&2
    exit 2
fi
SRC=$(cd "$1" && pwd) || exit 2
mkdir -p "$2" || exit 2
SCRATCH=$(cd "$2" && pwd)
HELLO=$(realpath "$3") || exit 2
HVTRACE=$(realpath "$4") || exit 2
SEABIOS_VMM=
[[ $# -eq 5 ]] && { SEABIOS_VMM=$(realpath "$5") || exit 2; }
SEABIOS_IMAGE=/usr/share/seabios/bios.bin
SEABIOS_EXITS=30000 # real mode, the switch to 32-bit code, PCI, CMOS, the PIT

MIRROR=${HVMODEL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIN_UNICORN=2.1.4
# Packages whose closure (libraries only) makes a sysroot able to build and
# run the replayer.
SYSROOT_PKGS=(libc6 libc6-dev libgcc-s1 libunicorn2t64 libunicorn-dev libcapstone5
              libcapstone-dev)
# debian-arch:gnu-triplet:qemu-name
TARGETS=(arm64:aarch64-linux-gnu:aarch64 s390x:s390x-linux-gnu:s390x)
RUN_TIMEOUT=600

# qemu-user writes core files to the working directory: none, and stay here.
ulimit -c 0
cd "$SCRATCH" || exit 2

log() { printf 'portability: %s\n' "$*"; }
skip() { printf 'portability: SKIP: %s\n' "$*"; exit 77; }
die() { printf 'portability: error: %s\n' "$*" >&2; exit 1; }

for f in "$HELLO" "$HVTRACE"; do
    [[ -x $f ]] || die "$f is not an executable"
done

# --- host prerequisites ------------------------------------------------------
qemu_for() { # <qemu-name>: prints the qemu-user binary for it
    local q
    for q in "qemu-$1" "qemu-$1-static"; do
        if command -v "$q" >/dev/null 2>&1; then
            command -v "$q"
            return 0
        fi
    done
    return 1
}

host_missing() {
    local t triplet qname
    for t in "${TARGETS[@]}"; do
        IFS=: read -r _ triplet qname <<<"$t"
        command -v "$triplet-gcc" >/dev/null 2>&1 || echo "gcc-$triplet"
        qemu_for "$qname" >/dev/null || echo qemu-user
    done
    command -v dpkg-deb >/dev/null 2>&1 || echo dpkg
    command -v apt-get >/dev/null 2>&1 || echo apt
    [[ -s $KEYRING ]] || echo debian-archive-keyring
}

missing=$(host_missing | sort -u | tr '\n' ' ')
if [[ -n $missing ]]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        skip "missing host tools ($missing) and no apt-get to install them"
    fi
    if [[ $(id -u) -ne 0 ]]; then
        skip "missing host packages: $missing(run as root, or: apt-get install $missing)"
    fi
    log "installing host packages: $missing"
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -q >"$SCRATCH/host-apt.log" 2>&1; then
        skip "apt-get update failed: package mirror unreachable? (see $SCRATCH/host-apt.log)"
    fi
    # shellcheck disable=SC2086 # a word list
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        $missing >>"$SCRATCH/host-apt.log" 2>&1; then
        skip "apt-get install $missing failed: mirror unreachable? (see $SCRATCH/host-apt.log)"
    fi
    missing=$(host_missing | sort -u | tr '\n' ' ')
    [[ -z $missing ]] || die "still missing after installation: $missing"
fi

# --- sysroots ----------------------------------------------------------------
# One apt state per architecture, under the scratch dir (scripts/apt-state.sh).
# shellcheck source=../../scripts/apt-state.sh
source "$SRC/scripts/apt-state.sh"

# Writes the sysroot for <arch> if its stamp does not match the package set.
prepare_sysroot() { # <arch> <triplet>
    local arch=$1 triplet=$2
    local d=$SCRATCH/apt-$arch sys=$SCRATCH/sysroot-$arch
    local stamp="$sys/.hvmodel-sysroot" want="${SYSROOT_PKGS[*]}"
    if [[ -f $stamp ]] && [[ $(head -n1 "$stamp") == "$want" ]]; then
        return 0
    fi
    log "$arch: preparing sysroot (packages from bookworm + forky)"
    apt_state_init "$d" "$arch" "$MIRROR" "$KEYRING" bookworm forky
    local -a opts=("${APT_STATE_OPTS[@]}")
    if ! apt_state_update "$d"; then
        cat "$d/update.log" >&2
        skip "$arch: apt-get update against $MIRROR failed: mirror unreachable?"
    fi
    # The library closure of the wanted packages (virtual names, shown as
    # <name>, are provided by real packages in the same closure).
    local -a pkgs
    mapfile -t pkgs < <(apt-cache "${opts[@]}" depends --recurse --no-recommends \
        --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
        "${SYSROOT_PKGS[@]}" | grep -v '^[ <]' | sort -u)
    [[ ${#pkgs[@]} -ge ${#SYSROOT_PKGS[@]} ]] || die "$arch: cannot resolve ${SYSROOT_PKGS[*]}"
    rm -f "$d/debs"/*.deb
    if ! (cd "$d/debs" && apt-get "${opts[@]}" download -q "${pkgs[@]}") >"$d/download.log" 2>&1
    then
        cat "$d/download.log" >&2
        skip "$arch: apt-get download failed: mirror unreachable?"
    fi
    rm -rf "$sys.tmp"
    mkdir -p "$sys.tmp"
    local deb
    for deb in "$d/debs"/*.deb; do
        dpkg-deb -x "$deb" "$sys.tmp" || die "$arch: cannot extract $deb"
    done
    # Merged /usr: the ELF interpreter and linker scripts name /lib paths.
    [[ -e $sys.tmp/lib ]] || ln -s usr/lib "$sys.tmp/lib"
    {
        echo "$want"
        (cd "$d/debs" && ls)
    } >"$sys.tmp/.hvmodel-sysroot"
    rm -rf "$sys"
    mv "$sys.tmp" "$sys"
    log "$arch: sysroot has ${#pkgs[@]} packages: ${pkgs[*]}"
}

version_ge() { [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]; }

# --- the replayer's sources, as CMakeLists.txt lists them --------------------
cmake_list() { # <regex for the opening line>: the .c files up to the closing ')'
    awk -v start="$1" '
        $0 ~ start { on = 1 }
        on { for (i = 1; i <= NF; i++) if ($i ~ /\.c\)?$/) {
                 f = $i; sub(/\)$/, "", f); sub(/^\$\{CMAKE_CURRENT_SOURCE_DIR\}\//, "", f); print f } }
        on && /\)/ { exit }' "$SRC/CMakeLists.txt"
}
mapfile -t SOURCES_ARM64 < <(
    cmake_list '^set\(HVMODEL_CORE_SOURCES'
    cmake_list '^set\(HVMODEL_ARM64_SOURCES'
    cmake_list '^add_executable\(hvtrace '
    cmake_list '^set\(HVMODEL_REPLAY_ARM64'
)
mapfile -t SOURCES_X86 < <(
    cmake_list '^set\(HVMODEL_CORE_SOURCES'
    cmake_list '^set\(HVMODEL_X86_SOURCES'
    cmake_list '^add_executable\(hvtrace-x86 '
    cmake_list '^set\(HVMODEL_REPLAY_X86'
)
[[ ${#SOURCES_ARM64[@]} -gt 10 ]] || die "cannot read the hvtrace sources from $SRC/CMakeLists.txt"
[[ ${#SOURCES_X86[@]} -gt 10 ]] || die "cannot read the hvtrace-x86 sources from $SRC/CMakeLists.txt"
VERSION=$(sed -n 's/^project(hvmodel VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[[ -n $VERSION ]] || die "cannot read the project version from $SRC/CMakeLists.txt"

# Is <obj> older than its source or anything in its dependency file?
stale() { # <obj> <depfile> <flags-file>
    local obj=$1 dep=$2 flags=$3 f
    [[ -f $obj && -f $dep && $obj -nt $flags ]] || return 0
    while read -r f; do
        [[ -n $f && $f -nt $obj ]] && return 0
    done < <(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep" | tr ' ' '\n')
    return 1
}

# Builds one replayer: <flavour> is arm64 (hvtrace) or x86 (hvtrace-x86); the
# binary is $SCRATCH/<tool>-<arch>, its objects in $SCRATCH/obj-<arch>-<flavour>.
build_replayer() { # <arch> <triplet> <flavour>
    local arch=$1 triplet=$2 flavour=$3
    local sys=$SCRATCH/sysroot-$arch obj=$SCRATCH/obj-$arch-$flavour
    local out cc=$triplet-gcc define
    local -a sources
    if [[ $flavour == x86 ]]; then
        out=$SCRATCH/hvtrace-x86-$arch define=HVMODEL_FLAVOR_X86 sources=("${SOURCES_X86[@]}")
    else
        out=$SCRATCH/hvtrace-$arch define=HVMODEL_FLAVOR_ARM64 sources=("${SOURCES_ARM64[@]}")
    fi
    mkdir -p "$obj"
    local -a cflags=(--sysroot="$sys" -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter
                     "-D$define=1" "-DHVMODEL_VERSION=\"$VERSION\""
                     -I"$SRC/include/hv" -I"$SRC/include/hv/compat" -I"$SRC/model")
    # Rebuild everything when the flags or the compiler change.
    local flags=$obj/flags tmp
    tmp=$(printf '%s\n' "$("$cc" --version | head -n1)" "${cflags[@]}")
    [[ -f $flags && $(cat "$flags") == "$tmp" ]] || printf '%s\n' "$tmp" >"$flags"

    local -a srcs=() objs=()
    local s o
    for s in "${sources[@]}"; do srcs+=("$SRC/$s"); done
    local -a pids=()
    local nbuilt=0 failed=0 jobs
    jobs=$(nproc 2>/dev/null || echo 2)
    for s in "${srcs[@]}"; do
        o=$obj/$(basename "$(dirname "$s")")_$(basename "$s" .c).o
        objs+=("$o")
        stale "$o" "${o%.o}.d" "$flags" || continue
        "$cc" "${cflags[@]}" -MMD -MF "${o%.o}.d" -c "$s" -o "$o" &
        pids+=($!)
        nbuilt=$((nbuilt + 1))
        if [[ ${#pids[@]} -ge $jobs ]]; then
            wait "${pids[0]}" || failed=1
            pids=("${pids[@]:1}")
        fi
    done
    for s in "${pids[@]}"; do wait "$s" || failed=1; done
    [[ $failed -eq 0 ]] || die "$arch: compilation of the $flavour replayer failed"
    local relink=0 inputs=$obj/link-inputs
    [[ -f $out ]] || relink=1
    # A different set of objects relinks.
    if [[ ! -f $inputs || $(cat "$inputs") != "${objs[*]}" ]]; then
        echo "${objs[*]}" >"$inputs"
        relink=1
    fi
    for o in "${objs[@]}"; do [[ $o -nt $out ]] && relink=1; done
    if [[ $relink -eq 1 ]]; then
        # -L first: the cross toolchain's own libc directory must not win.
        "$cc" --sysroot="$sys" -L"$sys/usr/lib/$triplet" "${objs[@]}" -o "$out" \
            -lunicorn -lcapstone -lpthread || die "$arch: link failed"
    fi
    log "$arch: replayer $out ($nbuilt of ${#srcs[@]} objects compiled$(
        [[ $relink -eq 1 ]] && echo ', relinked'))"
}

for t in "${TARGETS[@]}"; do
    IFS=: read -r arch triplet qname <<<"$t"
    prepare_sysroot "$arch" "$triplet"
    pc=$SCRATCH/sysroot-$arch/usr/lib/$triplet/pkgconfig/unicorn.pc
    uv=$(sed -n 's/^Version: *//p' "$pc" 2>/dev/null)
    version_ge "${uv:-0}" "$MIN_UNICORN" ||
        die "$arch: sysroot has Unicorn '${uv:-none}', need >= $MIN_UNICORN"
    build_replayer "$arch" "$triplet" arm64
    build_replayer "$arch" "$triplet" x86
done

# --- traces --------------------------------------------------------------------
mkdir -p "$SCRATCH/traces" "$SCRATCH/out"
rm -f "$SCRATCH/traces/demo.hvt" "$SCRATCH/out"/*
if ! HVMODEL_TRACE="$SCRATCH/traces/demo.hvt" "$HELLO" >"$SCRATCH/out/demo-record.out" 2>&1; then
    cat "$SCRATCH/out/demo-record.out" >&2
    die "recording the demo failed"
fi
TRACES=("$SCRATCH/traces/demo.hvt")
# An x86 recording made here: the first exits of Debian's SeaBIOS.
if [[ -n $SEABIOS_VMM && -f $SEABIOS_IMAGE ]]; then
    rm -f "$SCRATCH/traces/seabios.hvt"
    if ! HVMODEL_TRACE="$SCRATCH/traces/seabios.hvt" SEABIOS_VMM_EXITS=$SEABIOS_EXITS \
        "$SEABIOS_VMM" "$SEABIOS_IMAGE" >"$SCRATCH/out/seabios-record.out" 2>&1; then
        cat "$SCRATCH/out/seabios-record.out" >&2
        die "recording SeaBIOS failed"
    fi
    TRACES+=("$SCRATCH/traces/seabios.hvt")
else
    log "no seabios-vmm or no $SEABIOS_IMAGE: no SeaBIOS trace"
fi
shopt -s nullglob
for g in "$SRC"/tests/golden/*.hvt; do TRACES+=("$g"); done
shopt -u nullglob

# --- replays ---------------------------------------------------------------
passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'ok   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }

# The flavour a trace's header names (u32 at offset 16: 1 arm64, 2 x86).
trace_flavour() { # <trace>
    [[ $(od -An -tu4 -j16 -N4 "$1" | tr -d ' ') == 2 ]] && echo x86 || echo arm64
}

# run_replayer <name> <flavour> <outfile> args...: runs one replayer, prints
# its status. The native hvtrace hands x86 traces to its sibling hvtrace-x86
# itself; a cross-built replayer is run as the flavour's own binary, since
# qemu-user does not follow an exec of a foreign binary.
run_replayer() {
    local name=$1 flavour=$2 outf=$3 rc
    shift 3
    case $name in
    native) timeout "$RUN_TIMEOUT" "$HVTRACE" "$@" >"$outf" 2>&1 ;;
    *)
        local t arch triplet qname qemu
        for t in "${TARGETS[@]}"; do
            IFS=: read -r arch triplet qname <<<"$t"
            [[ $arch == "$name" ]] && break
        done
        qemu=$(qemu_for "$qname")
        QEMU_LD_PREFIX="$SCRATCH/sysroot-$arch" timeout "$RUN_TIMEOUT" \
            "$qemu" -L "$SCRATCH/sysroot-$arch" "$SCRATCH/hvtrace$(
                [[ $flavour == x86 ]] && echo -x86)-$arch" "$@" >"$outf" 2>&1
        ;;
    esac
    rc=$?
    echo "$rc"
}

REPLAYERS=(native)
for t in "${TARGETS[@]}"; do REPLAYERS+=("${t%%:*}"); done

for trace in "${TRACES[@]}"; do
    if [[ $trace == "$SCRATCH/traces/"* ]]; then
        tname=$(basename "$trace" .hvt)
    else
        tname=golden-$(basename "$trace" .hvt)
    fi
    ref=$SCRATCH/out/$tname.native.out
    for r in "${REPLAYERS[@]}"; do
        outf=$SCRATCH/out/$tname.$r.out
        rc=$(run_replayer "$r" "$(trace_flavour "$trace")" "$outf" replay "$trace")
        if [[ $rc -ne 0 ]]; then
            fail "$tname: $r replay exited $rc: $(tail -n3 "$outf" | tr '\n' ' ')"
        elif ! grep -qxE 'replayed [0-9]+ records, [0-9]+ exits: identical' "$outf"; then
            fail "$tname: $r replay did not report an identical replay: $(tr '\n' ' ' <"$outf")"
        elif [[ $r != native ]] && ! cmp -s "$ref" "$outf"; then
            fail "$tname: $r output differs from native:"
            diff "$ref" "$outf" | head -n 20
        else
            pass "$tname: $r: $(tail -n1 "$outf")"
        fi
    done
done

# check_divergence <name> <flavour> <exit> <record>=<value> <trace>: replaying
# the trace with that input overridden must diverge at that exit, with exit
# status 1 and a byte-identical report on every host.
check_divergence() {
    local name=$1 flavour=$2 exit=$3 ovr=$4 trace=$5 r outf rc
    local ref=$SCRATCH/out/$name-override.native.out what="$name --override ${ovr%%=*}"
    for r in "${REPLAYERS[@]}"; do
        outf=$SCRATCH/out/$name-override.$r.out
        rc=$(run_replayer "$r" "$flavour" "$outf" replay --override "$ovr" "$trace")
        if [[ $rc -ne 1 ]]; then
            fail "$what: $r exited $rc, want 1: $(head -n3 "$outf" | tr '\n' ' ')"
        elif ! grep -q "^divergence at exit $exit " "$outf"; then
            fail "$what: $r printed no divergence report at exit $exit"
        elif [[ $r != native ]] && ! cmp -s "$ref" "$outf"; then
            fail "$what: $r divergence report differs from native:"
            diff "$ref" "$outf" | head -n 20
        else
            pass "$what: $r: $(head -n1 "$outf")"
        fi
    done
}

# Record 9 of the demo sets PC after the first UART store: left on the store,
# the guest repeats it and diverges at exit 2.
check_divergence demo arm64 2 "9=0x40010060" "$SCRATCH/traces/demo.hvt"
# The DOS golden trace with the RIP the VMM set after the first INT 21h
# (record 57) moved past the next INT diverges at exit 2.
check_divergence dos x86 2 "57=0x109" "$SRC/tests/golden/dos.hvt"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
