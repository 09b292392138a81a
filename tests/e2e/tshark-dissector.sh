#!/bin/sh
# tshark-dissector.sh — docs/sliptap.lua decodes captures written by sliptap's
# own writer: a synthetic flash session (`sliptap dump --synth`) and the
# committed samples in captures/, read by tshark with the Lua dissector.
set -u
cd "$(dirname "$0")/../.." || exit 1
SLIPTAP=${SLIPTAP:-$PWD/build/sliptap}
LUA=${SLIPTAP_LUA:-$PWD/docs/sliptap.lua}
command -v tshark >/dev/null 2>&1 || { echo "skip: tshark is not installed"; exit 77; }
[ -x "$SLIPTAP" ] || { echo "FAIL: no sliptap binary at $SLIPTAP"; exit 1; }
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
# A private HOME: no personal plugin or preference may interfere.
export HOME="$T" XDG_CONFIG_HOME="$T/.config"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

ts() { # file, display filter, fields...
	f=$1; y=$2; shift 2
	set -- $(for e in "$@"; do printf -- '-e %s ' "$e"; done)
	# Booleans print as 1/0 (tshark 4.0) or True/False (newer): normalise to 1/0.
	tshark -X lua_script:"$LUA" -r "$f" -Y "$y" -T fields -E separator=/s "$@" 2>"$T/tshark.err" |
	    sed 's/\bTrue\b/1/g; s/\bFalse\b/0/g'
}

"$SLIPTAP" dump --synth "$T/synth.pcap" || { echo "FAIL: dump --synth"; exit 1; }

# 1. Summary view: no Lua error, no malformed record, every record shown.
tshark -X lua_script:"$LUA" -r "$T/synth.pcap" >"$T/summary.txt" 2>"$T/tshark.err"
if grep -qi 'lua error\|malformed\|attempt to' "$T/summary.txt" "$T/tshark.err"; then
	fail "dissector errors:"; grep -i 'lua error\|malformed\|attempt to' "$T/summary.txt" "$T/tshark.err" | head
fi
n=$(wc -l <"$T/summary.txt")
want=$("$SLIPTAP" dump --json "$T/synth.pcap" | tail -n 1 | sed 's/.*"records":\([0-9]*\).*/\1/')
[ "$n" = "$want" ] || fail "tshark shows $n records, sliptap dump counts $want"

# 2. The faulted FLASH_DATA seq 14: original (stage 1), delivered (stage 2, ref to it, bad checksum), retry.
got=$(ts "$T/synth.pcap" 'sliptap.op_name == "FLASH_DATA" && sliptap.kind == "command" && sliptap.seq == 14' \
	sliptap.seq sliptap.stage sliptap.checksum_ok sliptap.data_size | tr '\n' '|')
want="14 1 1 1024|14 2 0 1024|14 0 1 1024|"
[ "$got" = "$want" ] || fail "seq 14 frames: got '$got', want '$want'"
ref=$(ts "$T/synth.pcap" 'sliptap.seq == 14 && sliptap.stage == 2' sliptap.ref)
orig=$(ts "$T/synth.pcap" 'sliptap.seq == 14 && sliptap.stage == 1' sliptap.rec)
[ -n "$ref" ] && [ "$ref" = "$orig" ] || fail "delivered ref '$ref' is not the original record '$orig'"

# 3. The device's answer names the error.
got=$(ts "$T/synth.pcap" 'sliptap.kind == "response" && sliptap.status != 0' \
	sliptap.op_name sliptap.status sliptap.error sliptap.error_name)
[ "$got" = "FLASH_DATA 0xc1 0xc1 BAD_DATA_CHECKSUM" ] || fail "error response: got '$got'"

# 4. The fault event and the rule that never fired.
got=$(ts "$T/synth.pcap" 'sliptap.event_name == "FAULT"' sliptap.dir sliptap.rule sliptap.action sliptap.changed)
[ "$got" = "1 corrupt-seq14 corrupt byte 124 0x77->0x57" ] || fail "fault event: got '$got'"
# ... filterable by the FAULT's own rule, op and seq
got=$(ts "$T/synth.pcap" 'sliptap.fault.seq == 14 && sliptap.fault.op == "FLASH_DATA"' sliptap.fault.rule sliptap.fault.seq sliptap.fault.op)
[ "$got" = "corrupt-seq14 14 FLASH_DATA" ] || fail "fault fields: got '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.fault.seq == 15' sliptap.fault.rule)
[ -z "$got" ] || fail "sliptap.fault.seq == 15 matched '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.event == 11' sliptap.rule)
[ "$got" = "drop-md5" ] || fail "NOT_TRIGGERED event: got '$got'"

# 5. FLASH_BEGIN fields, baud change, chip and progress notes, SLIP error, counts.
got=$(ts "$T/synth.pcap" 'sliptap.op_name == "FLASH_BEGIN" && sliptap.kind == "command"' \
	sliptap.flash.size sliptap.flash.blocks sliptap.flash.blocksize sliptap.flash.offset)
[ "$got" = "20480 20 1024 0x00010000" ] || fail "FLASH_BEGIN: got '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.op_name == "CHANGE_BAUDRATE" && sliptap.kind == "command"' sliptap.baud)
[ "$got" = "921600" ] || fail "CHANGE_BAUDRATE: got '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.chip' sliptap.chip | sort -u)
[ "$got" = "ESP32" ] || fail "chip: got '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.progress' sliptap.progress | tr '\n' ' ')
[ "$got" = "0 25 50 75 100 " ] || fail "progress: got '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.slip_error' sliptap.slip_error sliptap.bad_byte sliptap.flags.annotation)
[ "$got" = "1 0x01 1" ] || fail "SLIP error: got '$got'"
got=$(ts "$T/synth.pcap" 'sliptap.op == 0x03 && sliptap.esp_dir == 0' sliptap.rec | wc -l)
[ "$got" -eq 22 ] || fail "FLASH_DATA commands: got $got, want 22"
got=$(ts "$T/synth.pcap" 'sliptap.dir == 2 && sliptap.type == 2' sliptap.text | head -c 24)
[ "$got" = "ets Jun  8 2016 00:22:57" ] || fail "boot log: got '$got'"

# 6. The committed samples dissect cleanly (they were written by the same writer).
for f in captures/*.pcap; do
	[ -f "$f" ] || continue
	if ! tshark -X lua_script:"$LUA" -r "$f" >"$T/c.txt" 2>&1; then
		fail "$f: tshark failed"; continue
	fi
	grep -qi 'lua error\|malformed' "$T/c.txt" && fail "$f: dissector errors"
	[ -s "$T/c.txt" ] || fail "$f: no records"
done

# The real proxy session: the fault, both stages, the stub's error reply.
r=captures/esptool-v4.9.1-esp32-block-rejected-once.pcap
if [ -f "$r" ]; then
	got=$(ts "$r" 'sliptap.op == 0x03 && sliptap.kind == "command" && sliptap.seq == 1' \
		sliptap.stage sliptap.checksum_ok | tr '\n' '|')
	[ "$got" = "1 1|2 0|0 1|" ] || fail "$r: FLASH_DATA seq 1 stages: got '$got'"
	got=$(ts "$r" 'sliptap.event_name == "FAULT"' sliptap.rule sliptap.action)
	[ "$got" = "bad-block corrupt" ] || fail "$r: fault: got '$got'"
	got=$(ts "$r" 'sliptap.status != 0' sliptap.op_name sliptap.error_name | tr '\n' '|')
	[ "$got" = "GET_SECURITY_INFO INVALID_MESSAGE|GET_SECURITY_INFO INVALID_MESSAGE|FLASH_DATA BAD_DATA_CHECKSUM|" ] ||
		fail "$r: failed responses: got '$got'"
fi

# 7. Odd and malformed records (fuzz seeds): no Lua error, every record listed.
for f in tests/fuzz/corpus/capture/file-*.pcap; do
	[ -f "$f" ] || continue
	tshark -X lua_script:"$LUA" -r "$f" >"$T/c.txt" 2>&1
	grep -qi 'lua error\|attempt to' "$T/c.txt" && { fail "$f: Lua errors:"; grep -i 'lua error' "$T/c.txt" | head -3; }
done
got=$(tshark -X lua_script:"$LUA" -r tests/fuzz/corpus/capture/file-odd-records.pcap 2>/dev/null | grep -c 'malformed\|unknown record version')
[ "$got" -eq 6 ] || fail "odd records: $got flagged malformed, want 6"

if [ "$fails" -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "ok: tshark $(tshark --version | head -n 1 | awk '{print $3}') decodes sliptap captures"
