#!/bin/sh
# demo.sh BUILD — the main job on the simulated device, nothing scripted
# but the choice of commands:
#   1. `sliptap run` of scenarios/esp32s3-write-timeout-93.ini: a simulated
#      ESP32-S3 over USB-Serial/JTAG, the proxy with the scenario, and the
#      real client (Python esptool when ESPTOOL names one, else esptool-js)
#      flashing through it: live progress, the tool's failure, the verdict,
#      the class with its evidence, where the capture and the HTML report
#      (`sliptap analyze`'s) were written;
#   2. the same flash without the fault, verified byte for byte;
#   3. `sliptap matrix` of a few library scenarios, with its table.
# Everything is kept in BUILD/demo/.
set -u
BUILD=${1:-build}
ROOT=$PWD
S="$ROOT/$BUILD/sliptap"
OUT="$ROOT/$BUILD/demo"
rm -rf "$OUT"
mkdir -p "$OUT"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

tool=esptool-js
for e in $(echo "${ESPTOOL:-}" | tr ':' ' '); do
	[ -f "$e" ] && { tool="esptool:$e"; break; }
done
export SLIPTAP_PYTHON="${PYTHON:-/usr/bin/python3}"

say "1. The 93 % write timeout: sliptap run --tool $tool"
"$S" run --scenario "$ROOT/scenarios/esp32s3-write-timeout-93.ini" --keep "$OUT/write-timeout-93" \
    --tool "$tool"
rc=$?
echo "(sliptap run exit status $rc: 0 = MATCH, the failure reproduced as the scenario expects)"
if [ -f "$OUT/write-timeout-93/report.html" ]; then
	echo "HTML report: $OUT/write-timeout-93/report.html  (sliptap analyze's view of the capture)"
else
	echo "HTML report: not written (this build has no analyser)"
fi
echo "capture: $OUT/write-timeout-93/capture.pcap  (sliptap dump it, or tshark -X lua_script:docs/sliptap.lua -r it)"
[ $rc -eq 0 ] || { say "The 93 % scenario did not MATCH (exit $rc): see above."; exit 1; }

say "2. The same flash without the fault"
# The scenario's flash keys (chip, transport, ROM loader, uncompressed, 256 KiB), no rule.
sed -n '/^\[scenario\]/,/^\[/p' "$ROOT/scenarios/esp32s3-write-timeout-93.ini" | sed '$d' |
    sed 's/^name = .*/name = esp32s3-write-clean/; s/^summary = .*/summary = the same flash, no fault/' \
    >"$OUT/esp32s3-write-clean.ini"
printf '\n[expect]\noutcome = pass\nclass = SUCCESS\nmessage = Hash of data verified\n' >>"$OUT/esp32s3-write-clean.ini"
"$S" run --scenario "$OUT/esp32s3-write-clean.ini" --keep "$OUT/clean" --tool "$tool"
rc=$?
[ $rc -eq 0 ] || { say "The clean flash did not pass (exit $rc): see above."; exit 1; }

say "3. A matrix of library scenarios"
"$S" matrix --jobs 2 --tool "$tool" --junit "$OUT/junit.xml" --results "$OUT/results.jsonl" \
    "$ROOT/scenarios/no-response.ini" "$ROOT/scenarios/retry-drop-first-3.ini" \
    "$ROOT/scenarios/verify-mismatch.ini" "$ROOT/scenarios/block-rejected-3x.ini" \
    "$ROOT/scenarios/wrong-boot-mode.ini"
rc=$?
echo "JUnit: $OUT/junit.xml, results: $OUT/results.jsonl"
if [ $rc -eq 0 ]; then
	say "Done: the 93 % failure reproduced and judged, the clean flash verified, the matrix green."
else
	say "The matrix was not green (exit $rc): see the table."
	exit 1
fi
