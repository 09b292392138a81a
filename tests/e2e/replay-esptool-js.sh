#!/bin/sh
# replay-esptool-js.sh — `sliptap replay` plays a capture's device side back
# to a live esptool-js:
#   1. a library scenario (block-rejected-3x) is run with esptool-js and its
#      capture kept (`sliptap run --keep`);
#   2. replaying that capture to esptool-js with the same image reproduces
#      the recorded failure (the same final error, the same exit status), with
#      the fault played back and no divergence;
#   3. replaying the shipped esptool v4.9.1 capture to esptool-js reports
#      where esptool-js differs (its own flasher stub: other MEM_BEGIN sizes);
#   4. an esptool --trace log (tests/data/block-rejected-3x/py-VER.trace.log),
#      rebuilt into a capture, replayed to the same esptool version from
#      $ESPTOOL reproduces its failure (this part runs when ESPTOOL names a
#      version with a kept trace);
#   5. a file that is not a capture is refused (exit 1), usage errors exit 2.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios/block-rejected-3x.ini"
js="$E2E_ROOT/tests/js/flash.mjs"

e2e_log "record: block-rejected-3x with esptool-js"
"$SLIPTAP" run -q --scenario "$lib" --keep "$w/rec" --tool esptool-js >"$w/run.out" 2>&1
rc=$?
cat "$w/run.out"
[ $rc -eq 0 ] || e2e_fail "the recording run did not MATCH (exit $rc)"
want=$(sed -n 's/^error:    //p' "$w/run.out")
[ -n "$want" ] || e2e_fail "the recorded run has no final error line"
want_rc=$(sed -n 's/^tool:     exit status //p' "$w/run.out")

e2e_log "replay to esptool-js: the recorded failure again"
timeout -k 5 120 "$SLIPTAP" replay --timeout 90s "$w/rec/capture.pcap" -- "$NODE" "$js" --port '{port}' \
    --chip esp32 --before no_reset --after no_reset --no-compress write_flash 0x10000 "$w/rec/image.bin" \
    >"$w/replay.out" 2>&1
rc=$?
cat "$w/replay.out"
[ "$rc" = "$want_rc" ] || e2e_fail "replay: the tool exited $rc, the recorded one $want_rc"
e2e_expect "$w/replay.out" "^$want\$" "replay: the recorded final error"
e2e_expect "$w/replay.out" "^divergence: none" "replay: same tool, same image"
e2e_expect "$w/replay.out" "^played fault: bad-block" "replay: the fault played back"

e2e_log "replay the esptool v4.9.1 capture to esptool-js: divergences"
head -c 24576 "$w/rec/image.bin" >"$w/img24k"
timeout -k 5 120 "$SLIPTAP" replay --fast --timeout 90s \
    "$E2E_ROOT/captures/esptool-v4.9.1-esp32-block-rejected-once.pcap" -- "$NODE" "$js" \
    --port '{port}' --chip esp32 --before no_reset --after no_reset --no-compress \
    write_flash 0x10000 "$w/img24k" >"$w/div.out" 2>&1
cat "$w/div.out"
e2e_expect "$w/div.out" "^divergence: [0-9]* point" "other tool: divergences reported"
e2e_expect "$w/div.out" "^  MEM_BEGIN: " "other tool: its own stub"
e2e_expect "$w/div.out" "^Chip is ESP32" "other tool: chip detection answered from the recording"

traced=0
for et in $(e2e_esptool_versions); do
	ver=$(e2e_esptool_version "$et")
	trace="$E2E_ROOT/tests/data/block-rejected-3x/py-$ver.trace.log"
	[ -f "$trace" ] || continue
	e2e_log "replay esptool $ver's trace log to esptool $ver"
	head -c 131072 "$w/rec/image.bin" >"$w/img128k"
	timeout -k 5 120 "$SLIPTAP" replay --fast --timeout 90s "$trace" -- "$PYTHON" "$et" --port '{port}' \
	    --chip esp32 --before no_reset --after no_reset write_flash -u 0x10000 "$w/img128k" \
	    >"$w/trace-$ver.out" 2>&1
	cat "$w/trace-$ver.out"
	e2e_expect "$w/trace-$ver.out" "Failed to write to target [Ff]lash after seq" "trace $ver: the failure"
	e2e_expect "$w/trace-$ver.out" "^divergence: none" "trace $ver: same tool"
	traced=$((traced + 1))
done
[ $traced -gt 0 ] || e2e_skip_part "trace-log replay" \
    "ESPTOOL names no esptool version with a kept trace in tests/data/block-rejected-3x"

e2e_log "bad input"
printf 'not a capture\n' >"$w/bad.pcap"
"$SLIPTAP" replay "$w/bad.pcap" >"$w/bad.out" 2>&1
rc=$?
cat "$w/bad.out"
[ $rc -eq 1 ] || e2e_fail "a non-capture: exit $rc, expected 1"
"$SLIPTAP" replay >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "no capture: expected exit 2"
"$SLIPTAP" replay "$w/rec/capture.pcap" -- true >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "a command without {port}: expected exit 2"
echo "replay reproduced the recorded failure and reported divergences"
