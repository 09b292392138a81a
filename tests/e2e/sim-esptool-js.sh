#!/bin/sh
# sim-esptool-js.sh — esptool-js (through tests/js/flash.mjs) flashes the
# simulator for each chip: a compressed write with read-back verification and
# an uncompressed one, each checked three ways: esptool-js's own MD5 check
# ("Hash of data verified."), its progress lines (the last at 100%), and the
# bytes in the simulator's flash file.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
img1="$w/app1.bin"
img2="$w/app2.bin"
# Odd sizes: esptool-js pads to 4 bytes, the flash beyond the file stays erased.
e2e_make_image "$img1" 307203
e2e_make_image "$img2" 300001
size1=$(wc -c <"$img1")
size2=$(wc -c <"$img2")

# progress_ok LOG WHAT — "Writing at 0x... (NN%)" lines exist, the last is 100%.
progress_ok() {
	n=$(grep -c '^Writing at 0x[0-9a-f]*\.\.\. ([0-9]*%)$' "$1")
	[ "$n" -ge 2 ] || e2e_fail "$2: expected several progress lines, got $n"
	last=$(grep '^Writing at 0x' "$1" | tail -n 1)
	case $last in
	*"(100%)") ;;
	*) e2e_fail "$2: last progress line is '$last', not 100%" ;;
	esac
}

for chip in ${E2E_CHIPS:-esp32 esp32s3 esp32c3}; do
	flash="$w/flash-$chip.bin"
	e2e_log "$chip: sim"
	e2e_start_sim "$chip" --flash "$flash" --transport uart

	e2e_log "$chip: compressed write at 0x10000, 460800 baud, read back"
	log="$w/$chip-compressed.log"
	e2e_run "$log" e2e_js --port "$SIM_LINK" --chip "$chip" --baud 460800 \
	    --before no_reset --after no_reset write_flash --verify 0x10000 "$img1" ||
	    e2e_fail "$chip: compressed write failed"
	e2e_expect "$log" "^Chip is ESP32" "$chip: chip line"
	e2e_expect "$log" "^Stub running" "$chip: stub"
	e2e_expect "$log" "^Compressed $(( (size1 + 3) / 4 * 4 )) bytes to " "$chip: compressed write"
	e2e_expect "$log" "^Hash of data verified\.$" "$chip: compressed MD5"
	e2e_expect "$log" "^-- verify OK (read back, bytes matched)$" "$chip: read back"
	progress_ok "$log" "$chip compressed"

	e2e_log "$chip: uncompressed write at 0x60000"
	log="$w/$chip-raw.log"
	e2e_run "$log" e2e_js --port "$SIM_LINK" --chip "$chip" \
	    --before no_reset --after no_reset --no-compress write_flash 0x60000 "$img2" ||
	    e2e_fail "$chip: uncompressed write failed"
	e2e_reject "$log" "^Compressed " "$chip: uncompressed write"
	e2e_expect "$log" "^Wrote $(( (size2 + 3) / 4 * 4 )) bytes at 0x60000 in " "$chip: raw write size"
	e2e_expect "$log" "^Hash of data verified\.$" "$chip: uncompressed MD5"
	progress_ok "$log" "$chip uncompressed"

	e2e_stop_sim
	[ -f "$flash" ] || e2e_fail "$chip: the sim left no flash file"
	e2e_extract "$flash" $((0x10000)) "$size1" "$w/got1"
	e2e_same_bytes "$img1" "$w/got1" "$chip: flash file at 0x10000"
	e2e_extract "$flash" $((0x60000)) "$size2" "$w/got2"
	e2e_same_bytes "$img2" "$w/got2" "$chip: flash file at 0x60000"
	# Nothing was written between the two images: still erased.
	e2e_extract "$flash" $((0x10000 + (size1 + 3) / 4 * 4)) 4096 "$w/gap"
	[ "$(od -An -tx1 -v "$w/gap" | tr -d ' \n' | tr -d f)" = "" ] ||
	    e2e_fail "$chip: flash after the first image is not erased"
	echo "$chip: ok"
done
echo "esptool-js flashed ${E2E_CHIPS:-esp32 esp32s3 esp32c3}: MD5, progress and flash bytes match"
