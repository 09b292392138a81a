#!/bin/sh
# sim-esptool-py.sh — every esptool.py in $ESPTOOL against the simulator:
# chip_id, write_flash with the stub and with --no-stub, verify_flash and
# read_flash, for esp32, esp32s3 and esp32c3 (E2E_CHIPS: any of esp8266,
# esp32s2, esp32c6 too; sim-matrix.sh covers every chip and stub). Through a pty there are no
# DTR/RTS lines, so the client runs with --before/--after no_reset.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_esptool

w=$(e2e_tmpdir work)
img1="$w/app1.bin"
img2="$w/app2.bin"
e2e_make_image "$img1" 204800
e2e_make_image "$img2" 65536
size1=$(wc -c <"$img1")

ran=0
for et in $(e2e_esptool_versions); do
	ver=$(e2e_esptool_version "$et")
	[ -n "$ver" ] || e2e_fail "cannot get the version of $et"
	for chip in ${E2E_CHIPS:-esp32 esp32s3 esp32c3}; do
		t="esptool $ver $chip"
		flash="$w/flash-$ver-$chip.bin"
		e2e_log "$t: sim"
		e2e_start_sim "$chip" --flash "$flash" --transport uart
		et_run() { # LOG ARGS...
			_l=$1
			shift
			e2e_run "$_l" e2e_esptool "$et" --chip "$chip" --port "$SIM_LINK" \
			    --before no_reset --after no_reset "$@"
		}

		# chip_id with auto-detection: the sim must look like the chip.
		e2e_log "$t: chip_id"
		log="$w/$ver-$chip-chip_id.log"
		e2e_run "$log" e2e_esptool "$et" --port "$SIM_LINK" \
		    --before no_reset --after no_reset chip_id || e2e_fail "$t: chip_id failed"
		# 3.x/4.x: "Chip is ESP32-S3 (...)"; 5.x: "Chip type:          ESP32-S3 (...)"
		case $chip in
		esp8266) want=ESP8266 ;;
		esp32) want=ESP32-D0WD ;;
		*) want=$(echo "$chip" | sed 's/esp32\(..\)/ESP32-\1/' | tr a-z A-Z) ;;
		esac
		e2e_expect "$log" "^Chip is $want\|^Chip type: *$want" "$t: chip_id"

		e2e_log "$t: write_flash (stub)"
		log="$w/$ver-$chip-write.log"
		et_run "$log" write_flash 0x10000 "$img1" || e2e_fail "$t: write_flash failed"
		e2e_expect "$log" "Hash of data verified" "$t: write_flash"
		e2e_expect "$log" "^Stub running\|Stub flasher running\|Stub flasher is already running" "$t: stub"

		# A fresh ROM: the stub left running would answer the ROM's commands
		# (esptool >= 5.3 with --no-stub then fails, as on a real chip)
		e2e_stop_sim
		e2e_start_sim "$chip" --flash "$flash" --transport uart
		e2e_log "$t: write_flash --no-stub"
		log="$w/$ver-$chip-write-nostub.log"
		et_run "$log" --no-stub write_flash 0x80000 "$img2" ||
		    e2e_fail "$t: --no-stub write_flash failed"
		e2e_expect "$log" "Hash of data verified" "$t: --no-stub write_flash"
		e2e_reject "$log" "^Stub running\|Stub flasher running" "$t: --no-stub"

		e2e_log "$t: verify_flash"
		log="$w/$ver-$chip-verify.log"
		et_run "$log" verify_flash 0x10000 "$img1" 0x80000 "$img2" ||
		    e2e_fail "$t: verify_flash failed"
		[ "$(grep -c 'verify OK (digest matched)\|Verification successful (digest matched)' "$log")" -eq 2 ] ||
		    e2e_fail "$t: verify_flash did not match both files"

		e2e_log "$t: verify_flash of a wrong image must fail"
		log="$w/$ver-$chip-verify-bad.log"
		if et_run "$log" verify_flash 0x80000 "$img1"; then
			e2e_fail "$t: verify_flash accepted the wrong image"
		fi
		e2e_expect "$log" "verify FAILED\|Verify failed\|Verification failed\|MD5 of file does not match" "$t: wrong image"

		e2e_log "$t: read_flash"
		log="$w/$ver-$chip-read.log"
		et_run "$log" read_flash 0x10000 "$size1" "$w/read.bin" ||
		    e2e_fail "$t: read_flash failed"
		e2e_same_bytes "$img1" "$w/read.bin" "$t: read_flash"
		rm -f "$w/read.bin"

		e2e_stop_sim
		e2e_extract "$flash" $((0x80000)) 65536 "$w/got2"
		e2e_same_bytes "$img2" "$w/got2" "$t: flash file at 0x80000"
		ran=$((ran + 1))
	done
done
echo "$ran esptool/chip combinations passed"
