#!/bin/sh
# proxy-reset.sh — `sliptap proxy --reset` performs the reset sequence on the
# device's DTR/RTS. The device is `sliptap sim --boot spi --rfc2217` (an
# rfc2217:// device, whose DTR/RTS drive the simulated auto-reset circuit);
# the client is told --before no_reset (a pty has no lines), so only the
# proxy's reset can put the chip in download mode:
#  - --reset classic (ESP32, direct line server) and --reset usb-jtag
#    (ESP32-S3 on USB-Serial/JTAG): esptool-js flashes and verifies;
#  - --reset none first (the device keeps its state across proxies, so the
#    order matters): the same client cannot connect (the app is running);
#  - proxy-reset-py.sh does the Python esptool part.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
img="$w/app.bin"
e2e_make_image "$img" 65536

# net_sim NAME ARGS... — see e2e_start_net_sim (NSIM_PID, NSIM_URL, NSIM_ERR, NSIM_FLASH).
net_sim() {
	e2e_start_net_sim "$@"
}

# flash_ok NAME CHIP — esptool-js writes and verifies $img through the proxy.
flash_ok() {
	_log="$w/$1.log"
	e2e_run "$_log" e2e_js --port "$PROXY_LINK" --chip "$2" --before no_reset \
	    --after no_reset --connect-attempts 3 write_flash --verify 0x10000 "$img" ||
	    { sed 's/^/  sim: /' "$NSIM_ERR" | tail -n 20; e2e_fail "$1: esptool-js failed"; }
	e2e_expect "$_log" '^Hash of data verified\.$' "$1: MD5"
	e2e_expect "$_log" '^-- verify OK (read back, bytes matched)$' "$1: read back"
	e2e_extract "$NSIM_FLASH" $((0x10000)) 65536 "$w/$1.got"
	e2e_same_bytes "$img" "$w/$1.got" "$1: flash file"
}

# connect_fails NAME CHIP — esptool-js cannot connect through the proxy.
connect_fails() {
	_log="$w/$1.log"
	if e2e_run "$_log" e2e_js --port "$PROXY_LINK" --chip "$2" --before no_reset \
	    --after no_reset --connect-attempts 2 chip_id; then
		e2e_fail "$1: esptool-js connected to a chip running its app"
	fi
	e2e_expect "$_log" 'Failed to connect with the device' "$1: esptool-js's error"
	e2e_reject "$_log" '^Chip is ' "$1"
}

e2e_log "esp32 --boot spi (direct lines) behind proxy --reset none"
net_sim classic --chip esp32 --boot spi --rfc2217-reset direct
e2e_start_proxy --reset none "$NSIM_URL"
connect_fails none esp32
e2e_reject "$NSIM_ERR" 'download mode' "--reset none"
e2e_kill "$PROXY_PID"

e2e_log "the same sim (still running its app) behind proxy --reset classic"
e2e_start_proxy --reset classic "$NSIM_URL"
flash_ok classic esp32
e2e_expect "$NSIM_ERR" 'EN low: chip held in reset' "classic: the proxy's RTS reached EN"
e2e_expect "$NSIM_ERR" 'boot: rst:0x1 (POWERON_RESET), download mode' "classic: download mode"
e2e_kill "$PROXY_PID"
e2e_stop_sim "$NSIM_PID"

e2e_log "esp32s3 usb-jtag --boot spi behind proxy --reset usb-jtag"
net_sim usbjtag --chip esp32s3 --transport usb-jtag --no-wdt --boot spi --rfc2217-reset direct
e2e_start_proxy --reset usb-jtag "$NSIM_URL"
flash_ok usbjtag esp32s3
e2e_expect "$NSIM_ERR" 'boot: rst:0x15 (USB_UART_CHIP_RESET), download mode' "usb-jtag: download mode"
e2e_kill "$PROXY_PID"
e2e_stop_sim "$NSIM_PID"

echo "pass"
