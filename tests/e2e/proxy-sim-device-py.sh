#!/bin/sh
# proxy-sim-device-py.sh — the simulator as an in-process proxy device
# (`sim:CHIP`, see proxy-sim-device.sh) with Python esptool (every
# esptool.py in $ESPTOOL; skipped when it is unset): chip_id with esptool's
# default reset over the RFC 2217 front into sim:esp32,boot=spi (the reset
# is played on the in-process device's lines), and write_flash through the
# pty into sim:esp32s3 (ROM loader, --no-stub), the flash file checked.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_esptool

w=$(e2e_tmpdir work)
img="$w/app.bin"
e2e_make_image "$img" 150001
size=$(wc -c <"$img")

for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_log "esptool $v: default reset over the RFC 2217 front into sim:esp32,boot=spi"
	e2e_start_net_proxy --quiet "sim:esp32,boot=spi"
	E2E_CLIENT_TIMEOUT=120 e2e_run "$w/e-$v-1.log" e2e_esptool "$et" --port "$NPROXY_URL" \
	    chip_id || e2e_fail "esptool $v: chip_id over the RFC 2217 front"
	e2e_expect "$w/e-$v-1.log" 'MAC: ' "esptool $v: chip_id"
	e2e_kill "$NPROXY_PID"
	# --no-stub: the ROM path is what this checks (the esp-flasher-stub of
	# esptool >= 5.3 is the simulator's own business: sim-esptool-py.sh)
	e2e_log "esptool $v: write_flash --no-stub through the pty into sim:esp32s3"
	e2e_start_proxy --quiet "sim:esp32s3,flash=$w/f-$v.bin"
	E2E_CLIENT_TIMEOUT=180 e2e_run "$w/e-$v-2.log" e2e_esptool "$et" --chip esp32s3 \
	    --port "$PROXY_LINK" --baud 460800 --before no_reset --after no_reset --no-stub \
	    write_flash 0x10000 "$img" || e2e_fail "esptool $v: write_flash through sim:"
	e2e_expect "$w/e-$v-2.log" "Hash of data verified" "esptool $v: MD5 verified"
	e2e_kill "$PROXY_PID"
	e2e_extract "$w/f-$v.bin" $((0x10000)) "$size" "$w/got-$v"
	e2e_same_bytes "$img" "$w/got-$v" "esptool $v: flash contents"
done
echo "pass"
