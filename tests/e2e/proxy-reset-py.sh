#!/bin/sh
# proxy-reset-py.sh — `sliptap proxy --reset` with Python esptool (every
# esptool.py in $ESPTOOL; skipped when it is unset). The device is `sliptap
# sim --chip esp32 --boot spi --rfc2217 ... --rfc2217-reset direct` (see
# proxy-reset.sh); the client runs with --before no_reset, so only the
# proxy's reset can put the chip in download mode: esptool.py fails through
# --reset none (the app is running) and chip_id succeeds through --reset classic.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_esptool

w=$(e2e_tmpdir work)

for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_log "esptool $v: esp32 --boot spi behind proxy --reset classic / none"
	e2e_start_net_sim "e-$v" --chip esp32 --boot spi --rfc2217-reset direct
	e2e_start_proxy --reset none "$NSIM_URL"
	if E2E_CLIENT_TIMEOUT=120 e2e_run "$w/e-$v-2.log" e2e_esptool "$et" --port "$PROXY_LINK" \
	    --before no_reset --after no_reset --connect-attempts 1 chip_id; then
		e2e_fail "esptool $v: connected through --reset none to a chip running its app"
	fi
	e2e_expect "$w/e-$v-2.log" 'Failed to connect to .*: \(No serial data received\|Invalid head of packet\)' \
	    "esptool $v: --reset none"
	e2e_kill "$PROXY_PID"
	e2e_start_proxy --reset classic "$NSIM_URL"
	E2E_CLIENT_TIMEOUT=120 e2e_run "$w/e-$v-1.log" e2e_esptool "$et" --port "$PROXY_LINK" \
	    --before no_reset --after no_reset chip_id || e2e_fail "esptool $v: chip_id through --reset classic"
	e2e_expect "$w/e-$v-1.log" 'MAC: ' "esptool $v: chip_id"
	e2e_kill "$PROXY_PID"
	e2e_stop_sim "$NSIM_PID"
done
echo "pass"
