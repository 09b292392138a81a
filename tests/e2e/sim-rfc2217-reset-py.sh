#!/bin/sh
# sim-rfc2217-reset-py.sh — `sliptap sim --rfc2217` with Python esptool
# (every esptool.py in $ESPTOOL; skipped when it is unset): DTR/RTS over
# RFC 2217 drive the simulated auto-reset circuit (see sim-rfc2217-reset.sh).
# esptool --port rfc2217://... chip_id with its default reset (ClassicReset:
# over rfc2217 esptool cannot read the USB PID), --before no_reset,
# --before usb_reset and --after hard_reset.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_esptool

w=$(e2e_tmpdir work)

# last_boot_is PATTERN WHAT — wait (bounded) until the sim's last boot line
# (after the stub ran) matches: a hard reset is played after the client left.
last_boot_is() {
	e2e_poll "" last_boot_matches "$1" || { cat "$w/last-boot"; e2e_fail "$2: last boot line"; }
}
last_boot_matches() {
	sed -n '/flasher stub running\|boot: /p' "$NSIM_ERR" | tail -n 1 >"$w/last-boot"
	grep -q -e "$1" "$w/last-boot"
}

# esptool ET NAME ARGS... — run esptool against $NSIM_URL into $w/NAME.log.
esptool() {
	_et=$1
	_log="$w/$2.log"
	shift 2
	E2E_CLIENT_TIMEOUT=120 e2e_run "$_log" e2e_esptool "$_et" --port "$NSIM_URL" "$@"
}

for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_log "esptool $v: esp32 --boot spi, esp server, default reset"
	e2e_start_net_sim "e-$v-esp" --verbose --chip esp32 --boot spi
	esptool "$et" "e-$v-1" chip_id || e2e_fail "esptool $v: chip_id after the default reset"
	e2e_expect "$w/e-$v-1.log" 'MAC: ' "esptool $v: chip_id"
	e2e_expect "$NSIM_ERR" 'boot: rst:0x1 (POWERON_RESET), download mode' "esptool $v: download mode"
	# --after hard_reset (the default): the app boots from flash after the stub ran
	last_boot_is 'SPI boot' "esptool $v: --after hard_reset boots the app"
	e2e_expect "$NSIM_ERR" 'RTS off: hard reset' "esptool $v: hard reset"
	# esp_rfc2217_server takes the DTR asserted by the port open for a reset
	# start: --before no_reset connects all the same.
	esptool "$et" "e-$v-2" --before no_reset --after no_reset chip_id ||
	    e2e_fail "esptool $v: --before no_reset through the esp server"
	e2e_stop_sim "$NSIM_PID"

	e2e_log "esptool $v: esp32 --boot spi, direct server"
	e2e_start_net_sim "e-$v-direct" --verbose --chip esp32 --boot spi --rfc2217-reset direct
	if esptool "$et" "e-$v-3" --connect-attempts 2 chip_id; then
		e2e_fail "esptool $v: the classic reset over a direct server must not reach download mode"
	fi
	e2e_expect "$w/e-$v-3.log" 'Wrong boot mode detected (0x13)! The chip needs to be in download mode.' \
	    "esptool $v: direct classic reset"
	if esptool "$et" "e-$v-4" --connect-attempts 1 --before no_reset chip_id; then
		e2e_fail "esptool $v: --before no_reset against SPI boot must fail"
	fi
	# the app's text may land in the last SYNC attempt's read window
	e2e_expect "$w/e-$v-4.log" 'Failed to connect to .*: \(No serial data received\|Invalid head of packet\)' \
	    "esptool $v: no_reset against SPI boot"
	e2e_stop_sim "$NSIM_PID"

	e2e_log "esptool $v: esp32s3 usb-jtag --boot spi"
	e2e_start_net_sim "e-$v-s3" --verbose --chip esp32s3 --transport usb-jtag --boot spi
	esptool "$et" "e-$v-5" chip_id || e2e_fail "esptool $v: s3 default reset through the esp server"
	e2e_expect "$NSIM_ERR" 'USB_UART_CHIP_RESET), download mode' "esptool $v: s3 USB core reset into download mode"
	e2e_stop_sim "$NSIM_PID"
	e2e_start_net_sim "e-$v-s3d" --verbose --chip esp32s3 --transport usb-jtag --boot spi --rfc2217-reset direct
	esptool "$et" "e-$v-6" --before usb_reset chip_id ||
	    e2e_fail "esptool $v: s3 --before usb_reset through a direct server"
	e2e_expect "$NSIM_ERR" 'USB_UART_CHIP_RESET), download mode' "esptool $v: s3 usb_reset"
	last_boot_is 'USB_UART_CHIP_RESET), SPI boot' "esptool $v: s3 --after hard_reset boots the app"
	e2e_stop_sim "$NSIM_PID"
done
echo "pass"
