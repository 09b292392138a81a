#!/bin/sh
# capture-dump.sh — `sliptap dump` on captures written by sliptap's writer:
# text and JSON views of a synthetic flash session with a fault, a capture
# cut mid-record (every whole record, then the truncation note, exit 1), a
# pcap of another link type, and the committed sample still reading the same.
set -u
cd "$(dirname "$0")/../.." || exit 1
SLIPTAP=${SLIPTAP:-$PWD/build/sliptap}
[ -x "$SLIPTAP" ] || { echo "FAIL: no sliptap binary at $SLIPTAP"; exit 1; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
has() { grep -qF -- "$2" "$1" || fail "$1 lacks: $2"; }

"$SLIPTAP" dump --synth "$T/s.pcap" || { echo "FAIL: dump --synth"; exit 1; }
size=$(wc -c <"$T/s.pcap")
[ "$size" -gt 1000 ] && [ "$size" -lt 102400 ] || fail "synthetic capture is $size bytes"

# Text view.
"$SLIPTAP" dump "$T/s.pcap" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
[ $rc -eq 0 ] || fail "dump exit $rc: $(cat "$T/err.txt")"
n=$(grep -vc '^#' "$T/out.txt")
[ "$n" -eq 84 ] || fail "dump printed $n records, want 84"
has "$T/out.txt" "# 84 records: 64 FRAME, 1 OUTSIDE, 1 SLIP_ERROR, 18 EVENT, 0 CHUNK; 1 original, 1 delivered, 0 injected"
grep -q 'H->D FRAME      FLASH_DATA .*seq=14 size=1024 checksum_ok=yes \[original\]$' "$T/out.txt" ||
	fail "no original FLASH_DATA seq=14 line"
grep -q 'H->D FRAME      FLASH_DATA .*seq=14 size=1024 checksum_ok=no \[delivered of #61\]$' "$T/out.txt" ||
	fail "no delivered FLASH_DATA seq=14 line"
has "$T/out.txt" "resp FLASH_DATA op=3 len=2 value=0x00000000 status=1 error=193 error_name=BAD_DATA_CHECKSUM"
has "$T/out.txt" "EVENT      FAULT rule=corrupt-seq14 action=corrupt op=FLASH_DATA seq=14"
has "$T/out.txt" "FLASH_BEGIN op=2 len=20 checksum=0x00 total=20480 blocks=20 blocksize=1024 offset=0x10000"
has "$T/out.txt" "NOT_TRIGGERED rule=drop-md5"
has "$T/out.txt" "D->H OUTSIDE    129 bytes \"ets Jun  8 2016"
head -n 1 "$T/out.txt" | grep -q '^ *1 *0\.000  --  EVENT      START tool=sliptap' || fail "first line: $(head -n 1 "$T/out.txt")"
# Record numbers are Wireshark's frame numbers: 1..84, in order.
awk '!/^#/ { if ($1 != ++n) { print "record " n " numbered " $1; exit 1 } }' "$T/out.txt" ||
	fail "record numbers are not 1..N"
grep -q "no END record" "$T/err.txt" && fail "END warning on a complete capture"

# Filters.
"$SLIPTAP" dump --faults "$T/s.pcap" >"$T/f.txt" || fail "dump --faults"
[ "$(grep -vc '^#' "$T/f.txt")" -eq 2 ] || fail "--faults: $(cat "$T/f.txt")"
grep -q "^ *62 .*FAULT rule=corrupt-seq14" "$T/f.txt" || fail "--faults: the FAULT is not record 62"
has "$T/f.txt" "NOT_TRIGGERED rule=drop-md5"
"$SLIPTAP" dump --op FLASH_DATA --seq 14 "$T/s.pcap" >"$T/f.txt" || fail "dump --op --seq"
[ "$(grep -vc '^#' "$T/f.txt")" -eq 4 ] || fail "--op FLASH_DATA --seq 14: $(cat "$T/f.txt")"
"$SLIPTAP" dump --dir device "$T/s.pcap" >"$T/f.txt" || fail "dump --dir device"
grep -v '^#' "$T/f.txt" | grep -qv 'D->H' && fail "--dir device shows other directions"
"$SLIPTAP" dump --op NOPE "$T/s.pcap" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--op NOPE: exit $rc, want 2"
"$SLIPTAP" dump --dir up "$T/s.pcap" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--dir up: exit $rc, want 2"
"$SLIPTAP" dump --seq x "$T/s.pcap" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--seq x: exit $rc, want 2"

# --streams: the four rebuilt streams.
mkdir "$T/streams"
"$SLIPTAP" dump --streams "$T/streams" "$T/s.pcap" >"$T/streams.txt" || fail "dump --streams"
for f in host-sent device-received device-sent host-received; do
	[ -f "$T/streams/$f" ] || fail "--streams wrote no $f"
done
grep -q "^host-sent  *$(wc -c <"$T/streams/host-sent") bytes" "$T/streams.txt" || fail "--streams: sizes"
cmp -s "$T/streams/host-sent" "$T/streams/device-received" && fail "the corrupted frame is in both h2d streams"
[ "$(wc -c <"$T/streams/host-sent")" -eq "$(wc -c <"$T/streams/device-received")" ] ||
	fail "corrupt keeps the length: h2d streams differ in size"

# JSON view: one valid object per line, the same records.
"$SLIPTAP" dump --json --raw "$T/s.pcap" >"$T/out.json" || fail "dump --json exit $?"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$T/out.json" <<'PY' || fail "JSON check"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
recs, summary = lines[:-1], lines[-1]["summary"]
assert len(recs) == 84 == summary["records"], summary
assert summary["FRAME"] == 64 and summary["EVENT"] == 18, summary
assert [r["rec"] for r in recs] == list(range(84))
assert [r["frame"] for r in recs] == list(range(1, 85))
o = [r for r in recs if r.get("seq") == 14 and r.get("kind") == "command"]
assert [r["stage"] for r in o] == ["original", "delivered", "unchanged"], o
assert o[1]["ref"] == o[0]["rec"] and o[1]["checksum_ok"] == "no"
assert o[0]["raw"].startswith("c0000310"), o[0]["raw"][:16]
f = [r for r in recs if r.get("event") == "FAULT"][0]
assert f["fields"] == {"rule": "corrupt-seq14", "action": "corrupt", "op": "FLASH_DATA",
    "seq": "14", "changed": "byte 124 0x77->0x57"}, f
e = [r for r in recs if r.get("error_name")]
assert len(e) == 1 and e[0]["error"] == 0xC1 and e[0]["dir"] == "d2h", e
t = [r for r in recs if r.get("event") == "NOT_TRIGGERED"][0]
assert t["fields"]["reason"] == "op SPI_FLASH_MD5 never seen", t
assert recs[1]["t_ms"] == 0.001 and recs[0]["ts_ns"] == 1767225600000000000
PY
fi

# Truncated mid-record: all whole records, then the note; exit 1.
head -c $((size - 10)) "$T/s.pcap" >"$T/cut.pcap"
"$SLIPTAP" dump "$T/cut.pcap" >"$T/cut.txt" 2>"$T/cut.err"; rc=$?
[ $rc -eq 1 ] || fail "truncated: exit $rc, want 1"
has "$T/cut.err" "$T/cut.pcap: capture truncated after 83 records (file ends mid-record)"
n=$(grep -vc '^#' "$T/cut.txt")
[ "$n" -eq 83 ] || fail "truncated: printed $n records, want 83"
# ... and it has no END record: the warning says how far it got.
grep -q "warning: $T/cut.pcap has no END record: .* after 83 records, the last [0-9.]* s after the first" "$T/cut.err" ||
	fail "truncated: no END warning: $(cat "$T/cut.err")"
"$SLIPTAP" dump --json "$T/cut.pcap" 2>/dev/null | tail -n 1 | grep -q '"error":".*capture truncated after 83 records' ||
	fail "truncated: JSON summary lacks the error"

# Another link type (Ethernet): refused, naming the file.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\001\000\000\000' >"$T/eth.pcap"
"$SLIPTAP" dump "$T/eth.pcap" >/dev/null 2>"$T/eth.err"; rc=$?
[ $rc -eq 1 ] || fail "ethernet pcap: exit $rc"
has "$T/eth.err" "$T/eth.pcap: not a sliptap capture: link type 1 (EN10MB), expected 147 (USER0)"

# Not a file at all, and usage errors.
"$SLIPTAP" dump "$T/missing.pcap" >/dev/null 2>"$T/m.err"; rc=$?
[ $rc -eq 1 ] || fail "missing file: exit $rc"
has "$T/m.err" "$T/missing.pcap"
"$SLIPTAP" dump >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no argument: exit $rc, want 2"
"$SLIPTAP" dump --bogus "$T/s.pcap" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad option: exit $rc, want 2"

# The committed sample reads exactly as a fresh one (format stays compatible).
if [ -f captures/synthetic-flash.pcap ]; then
	"$SLIPTAP" dump --json captures/synthetic-flash.pcap | grep -v '"event":"START"' >"$T/a" ||
		fail "committed sample does not read"
	"$SLIPTAP" dump --json "$T/s.pcap" | grep -v '"event":"START"' >"$T/b"
	cmp -s "$T/a" "$T/b" || fail "captures/synthetic-flash.pcap differs from 'sliptap dump --synth'" \
		"(regenerate it if the synthetic session changed on purpose)"
fi

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "ok: dump reads text/JSON, truncation, link type"
