#!/bin/sh
# proxy-sim-device.sh — the simulator as an in-process proxy DEVICE
# (`sliptap proxy ... sim:CHIP[,key=value...]`): one process, one event loop.
#  1. esptool-js flashes sim:esp32,flash=FILE through the proxy's pty at
#     460800 baud and verifies; the flash file holds the image; the capture
#     rebuilds (what each side sent = what the other got); the session is
#     followed (chip, stub, baud change, 100 %).
#  2. The RFC 2217 front in front of sim:esp32,boot=spi: a pySerial client's
#     classic reset (read like esp_rfc2217_server, played on the in-process
#     device's lines) puts it in download mode: SYNC answered.
#  3. A bad sim: spec is a usage error naming the key.
#  4. proxy-sim-device-py.sh does the Python esptool part.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_tools
e2e_need_js
e2e_need_pyserial

w=$(e2e_tmpdir work)
img="$w/app.bin"
e2e_make_image "$img" 150001
size=$(wc -c <"$img")

e2e_log "esptool-js through the proxy into sim:esp32 (in-process)"
e2e_start_proxy --quiet --json-events --pcap "$w/js.pcap" "sim:esp32,flash=$w/flash.bin"
case $PROXY_READY in
*" -> sim:esp32,flash=$w/flash.bin") ;;
*) e2e_fail "unexpected ready line: $PROXY_READY" ;;
esac
e2e_run "$w/js.log" e2e_js --port "$PROXY_LINK" --chip esp32 --baud 460800 --before no_reset \
    --after no_reset write_flash --verify 0x10000 "$img" || e2e_fail "esptool-js through sim: failed"
e2e_expect "$w/js.log" "Hash of data verified" "js: MD5 verified"
e2e_kill "$PROXY_PID"
e2e_extract "$w/flash.bin" $((0x10000)) "$size" "$w/got"
e2e_same_bytes "$img" "$w/got" "js: flash contents at 0x10000"
"$CAPCHECK" "$w/js.pcap" "$w/h2d-sent" "$w/d2h-sent" "$w/h2d-got" "$w/d2h-got" >"$w/js.cc" ||
    { cat "$w/js.cc"; e2e_fail "js: capture could not be rebuilt"; }
e2e_same_bytes "$w/h2d-sent" "$w/h2d-got" "js: host->device sent vs delivered"
# The boot log before the tool opened the port is dropped (a port nobody has
# open): what the tool got is the tail of what the device sent.
tail -c "$(wc -c <"$w/d2h-got")" "$w/d2h-sent" >"$w/d2h-tail"
e2e_same_bytes "$w/d2h-tail" "$w/d2h-got" "js: device->host sent vs delivered"
[ "$(wc -c <"$w/d2h-got")" -gt 1000 ] || e2e_fail "js: too few device bytes delivered"
e2e_expect "$PROXY_OUT" '"event":"chip","phase":"[a-z-]*","chip":"ESP32"' "js: chip detected"
e2e_expect "$PROXY_OUT" '"event":"stub-start"' "js: stub start"
e2e_expect "$PROXY_OUT" '"event":"baud","baud":460800' "js: the device followed the baud change"
e2e_expect "$PROXY_OUT" '"event":"progress".*"percent":100' "js: progress to 100 %"

e2e_log "RFC 2217 front, sim:esp32,boot=spi: a classic reset reaches download mode"
e2e_start_net_proxy --quiet --pcap "$w/net.pcap" "sim:esp32,boot=spi"
e2e_run "$w/c1.log" e2e_rfc2217_client "$NPROXY_URL" classic || e2e_fail "client failed"
e2e_expect "$w/c1.log" '^sync_replies=[1-9]' "rfc2217 front: SYNC replies"
e2e_expect "$w/c1.log" 'waiting for download' "rfc2217 front: download boot log"
e2e_kill "$NPROXY_PID"
"$SLIPTAP" dump "$w/net.pcap" >"$w/net.dump" 2>&1 || { cat "$w/net.dump"; e2e_fail "dump failed"; }
e2e_expect "$w/net.dump" 'RESET.*how=unix-tight' "capture: the esp server's reset on the sim"

e2e_log "a bad sim: spec is a usage error"
"$SLIPTAP" proxy --quiet "sim:esp32,flsh=x" >"$w/bad.out" 2>"$w/bad.err"
rc=$?
[ $rc -eq 2 ] || e2e_fail "bad sim: spec exited $rc, not 2"
e2e_expect "$w/bad.err" 'unknown key "flsh"' "bad sim: spec"

echo "pass"
