#!/bin/sh
# analyze-import.sh — `sliptap import` turns every trace log kept in
# tests/data (esptool 3.x, 4.x and 5.x dialects; real client output, see
# tools/gen-testdata.sh) plus an esptool-js trace made here into captures
# that `sliptap dump` reads without error, that `sliptap analyze` classifies
# like the trace itself, and that tshark with docs/sliptap.lua dissects
# (when tshark is installed). A console log or a binary file is refused.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
w=$(e2e_tmpdir import)
n=0

class_of() {
	"$SLIPTAP" analyze --json "$1" 2>/dev/null | sed -n 's/^  "class": "\([A-Z_]*\)".*/\1/p' | head -n 1
}

check_one() {
	out="$w/$n.pcap"
	"$SLIPTAP" import -o "$out" "$1" || e2e_fail "import failed: $1"
	"$SLIPTAP" dump "$out" >"$w/dump" || e2e_fail "dump cannot read the import of $1"
	grep -q 'mode=import rebuilt=trace' "$w/dump" || e2e_fail "$1: START does not say rebuilt=trace"
	c1=$(class_of "$1")
	c2=$(class_of "$out")
	[ "$c1" = "$c2" ] || e2e_fail "$1: the trace says $c1, its import $c2"
	if command -v tshark >/dev/null 2>&1; then
		tshark -X lua_script:"$E2E_ROOT/docs/sliptap.lua" -r "$out" -T fields -e sliptap.type \
		    >"$w/tshark" 2>"$w/tshark.err" || e2e_fail "tshark cannot read the import of $1"
		[ -s "$w/tshark" ] || e2e_fail "tshark dissected nothing in the import of $1"
	fi
	n=$((n + 1))
}

for t in "$E2E_ROOT"/tests/data/*/*.trace.log; do
	[ -f "$t" ] || continue
	check_one "$t"
done

# an esptool-js trace, made now
if command -v "$NODE" >/dev/null 2>&1 && [ -d "$E2E_ROOT/tests/js/node_modules/esptool-js" ]; then
	e2e_make_image "$w/image.bin" 20000
	e2e_start_sim esp32 --flash "$w/flash.bin" --no-wdt >/dev/null
	E2E_CLIENT_TIMEOUT=60 e2e_js --port "$SIM_LINK" --before no_reset --after no_reset --trace \
	    write_flash 0x10000 "$w/image.bin" >"$w/js-trace.log" 2>&1 || e2e_fail "esptool-js failed"
	e2e_stop_sim
	[ "$(class_of "$w/js-trace.log")" = SUCCESS ] || e2e_fail "the esptool-js trace is not SUCCESS"
	check_one "$w/js-trace.log"
fi
[ $n -gt 0 ] || e2e_skip "no trace log in tests/data (run tools/gen-testdata.sh)"

"$SLIPTAP" import -o "$w/x.pcap" "$E2E_ROOT/captures/synthetic-flash.pcap" 2>/dev/null &&
    e2e_fail "import accepted a capture"
printf 'esptool.py v4.9.1\nConnecting....\n' >"$w/console.log"
"$SLIPTAP" import -o "$w/x.pcap" "$w/console.log" 2>/dev/null && e2e_fail "import accepted a console log"
ts=" (tshark: not installed, skipped)"
command -v tshark >/dev/null 2>&1 && ts=" and tshark with the dissector"
echo "imported $n trace logs: dump, analyze$ts read them; classes agree"
