#!/usr/bin/env bash
# hvtrace_cli.sh — the hvtrace command end to end on the hello demo's trace.
#
# Proves that recording is deterministic (two recordings are byte-identical),
# that info, dump, replay, stats, export and diff report what the demo did
# (142 exits: 139 UART data aborts — the 48 + 56 + 35 bytes of its three
# messages, one strb each — 1 WFI, 1 VTIMER_ACTIVATED, 1 HVC for PSCI
# SYSTEM_OFF), that a torn trace is read up to its tear, and that a corrupt
# one makes every subcommand fail with status 2 and the offending offset.
#
# Usage: hvtrace_cli.sh HVTRACE HELLO_VMM SOURCE_DIR SCRATCH_DIR
set -euo pipefail

if [ $# -ne 4 ]; then
    echo "usage: $0 HVTRACE HELLO_VMM SOURCE_DIR SCRATCH_DIR" >&2
    exit 2
fi
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
HVTRACE=$(abspath "$1")
HELLO=$(abspath "$2")
SRC=$(cd "$3" && pwd)
WORK=$4
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"

pass=0
fail=0
ok() {
    echo "PASS: $1"
    pass=$((pass + 1))
}
bad() {
    echo "FAIL: $1"
    fail=$((fail + 1))
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
# status CMD...: runs a command with output to out.txt / err.txt, prints its status.
status() {
    local rc=0
    "$@" >out.txt 2>err.txt || rc=$?
    echo "$rc"
}

have_python=0
if command -v python3 >/dev/null 2>&1; then
    have_python=1
else
    echo "NOTE: python3 not found: the JSON checks and the modified-record diff are skipped"
fi
json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' <"$1"; }

# A reader of the 1.3 layout written here from FORMAT.md, independent of the
# project's reader: the chunks (24-byte headers) and every record's type,
# offset, stored size and payload offset. Used by the checks below.
cat >layout.py <<'EOF'
import struct

def varint(d, at):
    v, shift = 0, 0
    while True:
        b = d[at]
        at += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, at

def chunks(d):
    assert struct.unpack_from("<HH", d, 8) == (1, 3), "not a 1.3 trace"
    off = 80
    while off < len(d):
        assert d[off : off + 4] == b"HVMZ"
        size, count = struct.unpack_from("<II", d, off + 4)
        recs, at = [], off + 24
        for _ in range(count):
            rtype, p = varint(d, at)
            rsize, p = varint(d, p)
            recs.append((rtype, at, p + rsize - at, p))
            at = p + rsize
        assert at == off + 24 + size
        yield off, size, recs
        off = at
EOF

# The demo's exits, from examples/hello: one data abort per byte the guest
# prints (each strb to the UART), then WFI, the timer, and PSCI SYSTEM_OFF.
test -f "$SRC/examples/hello/guest.S" || { echo "no examples/hello/guest.S under $SRC" >&2; exit 2; }
EXITS=142
DATA_ABORTS=139

# ---- recording ----
HVMODEL_TRACE=a.hvt "$HELLO" >hello.out
check "hello-vmm records a trace" test -s a.hvt
check "hello-vmm printed its $EXITS exits" grep -q "total exits: *$EXITS\$" hello.out
HVMODEL_TRACE=a2.hvt "$HELLO" >/dev/null
check "a second recording is byte-identical (determinism)" cmp -s a.hvt a2.hvt

# ---- --help ----
check "hvtrace --help succeeds" test "$(status "$HVTRACE" --help)" = 0
for cmd in info dump replay diff stats export; do
    check "hvtrace $cmd --help succeeds" test "$(status "$HVTRACE" "$cmd" --help)" = 0
    check "hvtrace $cmd --help prints a usage line" grep -q "usage: hvtrace $cmd" out.txt
done

# ---- info ----
check "info exits 0" test "$(status "$HVTRACE" info a.hvt)" = 0
check "info: closed cleanly" grep -q "^closed cleanly:  yes\$" out.txt
check "info: $EXITS EXIT records" grep -Eq "^  EXIT +$EXITS\$" out.txt

# ---- dump ----
"$HVTRACE" dump --type EXIT a.hvt >dump_exit.txt
check "dump --type EXIT prints $EXITS lines" test "$(wc -l <dump_exit.txt)" -eq $EXITS
check "dump --type EXIT prints only EXIT records" test "$(grep -c ' EXIT ' dump_exit.txt)" -eq $EXITS
"$HVTRACE" dump --from 0 --to 5 a.hvt >dump_0_5.txt
check "dump --from 0 --to 5 prints exactly records 0..5" \
    test "$(awk '{print $1}' dump_0_5.txt | tr '\n' ' ')" = "0 1 2 3 4 5 "
# --vcpu keeps the records that name a vCPU: in 0..5 the VM-wide REGION,
# MEM and MAP (0..2) drop out, VCPU_CREATE and two SET_REG (3..5) remain.
"$HVTRACE" dump --vcpu 0 --from 0 --to 5 a.hvt >dump_v0.txt
check "dump --vcpu 0 --from 0 --to 5 prints exactly vCPU 0's records 3..5" \
    test "$(awk '{print $1 ":" $3}' dump_v0.txt | tr '\n' ' ')" = \
    "3:VCPU_CREATE 4:SET_REG 5:SET_REG "

# --disasm replays the trace and shows the instruction at PC under each exit:
# the 139 UART stores are one `strb w1, [x2]`, and the WFI exit is at `wfi`.
"$HVTRACE" dump --disasm --type EXIT a.hvt >dump_disasm.txt
check "dump --disasm keeps the $EXITS EXIT lines" test "$(grep -c ' EXIT ' dump_disasm.txt)" -eq $EXITS
check "dump --disasm shows the UART store at each of the $DATA_ABORTS data aborts" \
    test "$(grep -c 'pc 0x[0-9a-f]*: 39000041  strb w1, \[x2\]$' dump_disasm.txt)" -eq $DATA_ABORTS
check "dump --disasm shows the WFI" grep -q 'pc 0x[0-9a-f]*: d503207f  wfi$' dump_disasm.txt
# An x86 trace is handed to hvtrace-x86: the DOS demo's three INT 21h calls.
"$HVTRACE" dump --disasm --type EXIT_X86 "$SRC/tests/golden/dos.hvt" >dump_dos.txt
check "dump --disasm on an x86 trace shows each INT 21h at its RIP" \
    test "$(grep -c 'rip 0x[0-9a-f]*: cd21  int 0x21$' dump_dos.txt)" -eq 3

# ---- replay ----
check "replay exits 0" test "$(status "$HVTRACE" replay a.hvt)" = 0
check "replay says identical" grep -q "identical" out.txt

# ---- stats ----
check "stats exits 0" test "$(status "$HVTRACE" stats a.hvt)" = 0
cp out.txt stats.txt
check "stats: $EXITS exits" grep -Eq "^exits: +$EXITS\$" stats.txt
check "stats: $DATA_ABORTS data aborts" grep -Eq "^    data abort \(EC 0x24\) +$DATA_ABORTS\$" stats.txt
check "stats: 1 HVC" grep -Eq "^    HVC \(EC 0x16\) +1\$" stats.txt
check "stats: 1 WFx" grep -Eq "^    WFx \(EC 0x01\) +1\$" stats.txt
check "stats: 1 VTIMER_ACTIVATED" grep -Eq "^  VTIMER_ACTIVATED +1\$" stats.txt
check "stats: 1 vCPU with all $EXITS exits" grep -Eq "^  vCPU 0 +$EXITS\$" stats.txt
check "stats --json exits 0" test "$(status "$HVTRACE" stats --json a.hvt)" = 0
cp out.txt stats.json
if [ $have_python = 1 ]; then
    check "stats --json is valid JSON" json_ok stats.json
    check "stats --json counts the demo's exits" python3 - stats.json $EXITS $DATA_ABORTS a.hvt <<'EOF'
import json, sys
sys.path.insert(0, ".")
import layout
d = json.load(open(sys.argv[1]))
exits, dabt = int(sys.argv[2]), int(sys.argv[3])
e = d["exits"]
assert e["total"] == exits, e
assert e["by_reason"] == {"EXCEPTION": exits - 1, "VTIMER_ACTIVATED": 1}, e
assert e["by_exception_class"] == {"data abort": dabt, "HVC": 1, "WFx": 1}, e
assert [v["vcpu"] for v in d["vcpus"]] == [0], d["vcpus"]
# Bytes are those in the file: each record's stored size, header included.
f = open(sys.argv[4], "rb").read()
cs = list(layout.chunks(f))
exit_bytes = sum(r[2] for _, _, recs in cs for r in recs if r[0] == 17)
assert d["records"]["by_type"]["EXIT"] == {"records": exits, "bytes": exit_bytes}, exit_bytes
assert sum(t["bytes"] for t in d["records"]["by_type"].values()) == d["records"]["bytes"]
assert d["records"]["bytes"] + 80 + 24 * len(cs) == len(f)
EOF
else
    echo "SKIP: stats --json checks (no python3)"
fi

# ---- export ----
check "export -o exits 0" test "$(status "$HVTRACE" export -o export.json a.hvt)" = 0
# shellcheck disable=SC2016 # expanded by the inner shell
check "export to stdout matches export -o" \
    bash -c '"$1" export "$2" | cmp -s - export.json' _ "$HVTRACE" a.hvt
if [ $have_python = 1 ]; then
    check "export is valid JSON" json_ok export.json
    check "export has $EXITS exit instants, $EXITS guest spans and the metadata" \
        python3 - export.json $EXITS $DATA_ABORTS <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
exits, dabt = int(sys.argv[2]), int(sys.argv[3])
assert d["displayTimeUnit"] == "ns"
ev = d["traceEvents"]
meta = [(e["name"], e["tid"], e["args"].get("name")) for e in ev if e["ph"] == "M"]
assert ("process_name", 0, "hvmodel VM") in meta, meta
assert ("thread_name", 1, "vCPU 0") in meta, meta
assert all(e["pid"] == 1 for e in ev)
inst = [e for e in ev if e["ph"] == "i" and e.get("cat") == "exit"]
assert len(inst) == exits, len(inst)
names = [e["name"] for e in inst]
assert names.count("EXCEPTION data abort") == dabt
assert sorted(set(names) - {"EXCEPTION data abort"}) == \
    ["EXCEPTION HVC", "EXCEPTION WFx", "VTIMER_ACTIVATED"], names
assert all(e["s"] == "t" and e["tid"] == 1 for e in inst)
for e in inst:
    a = e["args"]
    assert all(a[k].startswith("0x") for k in
               ("syndrome", "virtual_address", "physical_address", "pc")), a
spans = [e for e in ev if e["ph"] == "X" and e["name"] == "guest"]
assert len(spans) == exits
# The spans tile the vCPU's execution: each starts where the previous ended.
t = 0.0
for s in spans:
    assert abs(s["ts"] - t) < 1e-5 and s["dur"] >= 0, (s, t)
    t = s["ts"] + s["dur"]
EOF
else
    echo "SKIP: export JSON checks (no python3)"
fi

# ---- diff ----
check "diff of a trace with itself exits 0" test "$(status "$HVTRACE" diff a.hvt a.hvt)" = 0
check "diff of the two recordings exits 0" test "$(status "$HVTRACE" diff a.hvt a2.hvt)" = 0

if [ $have_python = 1 ]; then
    # B = A with the first SET_REG's value changed (the initial PC 0x40010000
    # becomes 0x40010004) and its chunk's CRC32C recomputed. The compact
    # SET_REG is varint (vcpu << 2 | mode), varint reg, then the value: mode 0
    # is a plain varint, whose first byte holds the value's low 7 bits.
    python3 - a.hvt b.hvt >modified.txt <<'EOF'
import struct, sys
sys.path.insert(0, ".")
import layout

def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

assert crc32c(b"123456789") == 0xE3069283
d = bytearray(open(sys.argv[1], "rb").read())
seq = 0
for off, size, recs in layout.chunks(bytes(d)):
    for rtype, rec, _, p in recs:
        if rtype == 8:  # SET_REG
            head, q = layout.varint(d, p)
            reg, q = layout.varint(d, q)
            assert head & 3 == 0 and d[q] & 0x7F == 0, (head, d[q])
            d[q] ^= 0x04
            crc = crc32c(bytes(d[off + 4 : off + 12] + d[off + 16 : off + 24 + size]))
            struct.pack_into("<I", d, off + 12, crc)
            open(sys.argv[2], "wb").write(d)
            print(seq, rec)
            sys.exit(0)
        seq += 1
sys.exit("no SET_REG record")
EOF
    read -r mseq moff <modified.txt
    check "diff with a modified record exits 1" test "$(status "$HVTRACE" diff a.hvt b.hvt)" = 1
    check "diff names the first differing record ($mseq)" \
        grep -q "^first difference at record $mseq:\$" out.txt
    check "diff gives its offset in each file ($moff)" \
        test "$(grep -Ec "^  [AB]: offset $moff +SET_REG" out.txt)" = 2
    check "diff shows the value field: 0x40010000 vs 0x40010004" \
        grep -Eq "^  value +0x40010000 +0x40010004\$" out.txt
    check "diff shows only the field that differs" \
        test "$(grep -Ec '^  (vcpu|reg) ' out.txt)" = 0
    check "replay of the modified trace diverges (exit 1)" \
        test "$(status "$HVTRACE" replay b.hvt)" = 1
else
    echo "SKIP: diff of a modified record (no python3)"
fi

# ---- torn trace ----
size=$(wc -c <a.hvt)
head -c $((size - 100)) a.hvt >torn.hvt
check "info of a torn trace exits 0" test "$(status "$HVTRACE" info torn.hvt)" = 0
check "info of a torn trace says so" grep -q "^closed cleanly:  no (torn at the end)\$" out.txt
check "info of a torn trace names the offset of the tear" grep -q "offset [0-9]*: trace ends" err.txt
check "replay of a torn trace exits 0" test "$(status "$HVTRACE" replay torn.hvt)" = 0
check "diff of a trace and its torn copy exits 1" test "$(status "$HVTRACE" diff a.hvt torn.hvt)" = 1
check "diff says the torn copy is a prefix" grep -q "^B is a prefix of A" out.txt
check "diff the other way round says so too" test "$(status "$HVTRACE" diff torn.hvt a.hvt)" = 1
check "... A is a prefix of B" grep -q "^A is a prefix of B" out.txt

# ---- corrupt input ----
printf 'this is not an hvmodel trace, just some text to look at\n%.0s' 1 2 3 >garbage.hvt
# A real trace with one byte of its first chunk's payload changed (the first
# record's size, 12, becomes 255; the record is at 104, after the 24-byte
# chunk header) and the chunk's CRC left alone.
cp a.hvt crc.hvt
printf '\xff' | dd of=crc.hvt bs=1 seek=105 conv=notrunc status=none
check "the corrupt copy differs from the trace" bash -c '! cmp -s a.hvt crc.hvt'
for f in garbage.hvt crc.hvt; do
    for cmd in info dump replay stats export; do
        check "$cmd $f exits 2" test "$(status "$HVTRACE" "$cmd" "$f")" = 2
        check "$cmd $f names the offset" grep -q "offset [0-9]" err.txt
    done
    check "diff $f a.hvt exits 2" test "$(status "$HVTRACE" diff "$f" a.hvt)" = 2
    check "diff $f a.hvt names the offset" grep -q "offset [0-9]" err.txt
    check "diff a.hvt $f exits 2" test "$(status "$HVTRACE" diff a.hvt "$f")" = 2
    check "diff a.hvt $f names the offset" grep -q "offset [0-9]" err.txt
done
status "$HVTRACE" info garbage.hvt >/dev/null
check "garbage: the error is the bad magic at offset 0" grep -q "offset 0: bad magic" err.txt
status "$HVTRACE" info crc.hvt >/dev/null
check "corrupt chunk: the error is the CRC of the chunk at offset 80" \
    grep -q "offset 80: chunk CRC mismatch" err.txt
check "export writes no JSON for a corrupt trace" \
    test "$(status "$HVTRACE" export -o bad.json crc.hvt)" = 2 -a ! -e bad.json

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
