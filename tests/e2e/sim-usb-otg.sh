#!/bin/sh
# sim-usb-otg.sh — the ESP32-S2's ROM USB-OTG CDC download mode
# (`sliptap sim --chip esp32s2 --transport usb-otg`): every esptool.py in
# $ESPTOOL writes and verifies through it. `--after hard_reset`: esptool >=
# 4.6 resets an S2 on USB-OTG through the RTC watchdog, and the simulated
# device re-enumerates (the sim logs the detach and the port stalls, as the
# real USB device goes away); older esptool reads the USB-OTG console
# register and refuses ("can not exit the download mode over USB"), exit 1;
# esptool >= 5.3 looks for the USB VID/PID, which a pty has not, and says
# "Chip was NOT reset".
# A chip without USB-OTG is refused.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

"$SLIPTAP" sim --chip esp32 --transport usb-otg --link "$E2E_TMP/x" >/dev/null 2>"$E2E_TMP/err"
rc=$?
[ $rc -eq 2 ] || e2e_fail "sim --chip esp32 --transport usb-otg: exit $rc, want 2"
grep -q "has no USB-OTG" "$E2E_TMP/err" || e2e_fail "no reason given: $(cat "$E2E_TMP/err")"

e2e_need_esptool
w=$(e2e_tmpdir work)
e2e_make_image "$w/app.bin" 65536
ran=0
for et in $(e2e_esptool_versions); do
	ver=$(e2e_esptool_version "$et")
	e2e_start_sim esp32s2 --flash "$w/flash-$ver.bin" --transport usb-otg
	e2e_run "$w/write.log" e2e_esptool "$et" --chip esp32s2 --port "$SIM_LINK" --before no_reset \
	    --after no_reset write_flash 0x10000 "$w/app.bin" || e2e_fail "esptool $ver: write over USB-OTG failed"
	grep -q "Hash of data verified" "$w/write.log" || e2e_fail "esptool $ver: no verified hash"
	e2e_run "$w/reset.log" e2e_esptool "$et" --chip esp32s2 --port "$SIM_LINK" --before no_reset \
	    --after hard_reset chip_id
	rc=$?
	if e2e_version_ge "$ver" 5.3; then
		# 5.3 tells USB-OTG by the port's USB VID/PID, which a pty has not:
		# it falls back to DTR/RTS, which a pty cannot set, and says so
		[ $rc -eq 0 ] && grep -q "Chip was NOT reset" "$w/reset.log" ||
		    e2e_fail "esptool $ver: want 'Chip was NOT reset' on a pty (exit $rc)"
	elif e2e_version_ge "$ver" 4.6; then
		[ $rc -eq 0 ] || e2e_fail "esptool $ver: chip_id with hard_reset failed"
		detached() { grep -q "USB-OTG CDC device detached by the reset" "$SIM_OUT" "$SIM_ERR"; }
		e2e_wait_for "the S2 to re-enumerate after esptool $ver's reset" 20 detached
	else
		[ $rc -ne 0 ] && grep -q "can not exit the download mode over USB" "$w/reset.log" ||
		    e2e_fail "esptool $ver: want its USB-OTG refusal to reset (exit $rc)"
	fi
	e2e_stop_sim
	ran=$((ran + 1))
done
[ $ran -gt 0 ] || e2e_skip "no esptool >= 4 in ESPTOOL"
echo "USB-OTG: $ran esptool version(s) wrote and verified; each reset the S2 as that version does"
