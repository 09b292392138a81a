#!/bin/sh
# proxy-rfc2217-reset-py.sh — `sliptap proxy --rfc2217 --rfc2217-reset
# auto|esp|direct` with Python esptool (every esptool.py in $ESPTOOL; skipped
# when it is unset), in front of `sliptap sim --chip esp32 --boot spi
# --rfc2217 ...` (see proxy-rfc2217-reset.sh): esptool --port
# rfc2217://PROXY chip_id with its default reset succeeds through proxy and
# sim both with their defaults (the chain), through the esp server in front
# of a direct sim, and fails with "Wrong boot mode detected (0x13)" through
# the direct one.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_esptool

w=$(e2e_tmpdir work)

for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_log "esptool $v: default reset through the defaults chain (proxy auto, sim esp)"
	e2e_start_net_sim "e-$v-chain" --chip esp32 --boot spi
	e2e_start_net_proxy --quiet "$NSIM_URL"
	E2E_CLIENT_TIMEOUT=120 e2e_run "$w/e-$v-0.log" e2e_esptool "$et" --port "$NPROXY_URL" \
	    chip_id || e2e_fail "esptool $v: chip_id through the defaults chain"
	e2e_expect "$w/e-$v-0.log" 'MAC: ' "esptool $v: chip_id through the chain"
	e2e_kill "$NPROXY_PID"
	e2e_stop_sim "$NSIM_PID"

	e2e_log "esptool $v: default reset through the esp server"
	e2e_start_net_sim "e-$v" --chip esp32 --boot spi --rfc2217-reset direct
	e2e_start_net_proxy --quiet --rfc2217-reset esp "$NSIM_URL"
	E2E_CLIENT_TIMEOUT=120 e2e_run "$w/e-$v-1.log" e2e_esptool "$et" --port "$NPROXY_URL" \
	    chip_id || e2e_fail "esptool $v: chip_id through the esp server"
	e2e_expect "$w/e-$v-1.log" 'MAC: ' "esptool $v: chip_id"
	e2e_kill "$NPROXY_PID"

	e2e_log "esptool $v: default reset through the direct server"
	e2e_start_net_proxy --quiet --rfc2217-reset direct "$NSIM_URL"
	if E2E_CLIENT_TIMEOUT=120 e2e_run "$w/e-$v-2.log" e2e_esptool "$et" --port "$NPROXY_URL" \
	    --connect-attempts 2 chip_id; then
		e2e_fail "esptool $v: the classic reset through a direct server must not reach download mode"
	fi
	e2e_expect "$w/e-$v-2.log" 'Wrong boot mode detected (0x13)' "esptool $v: direct server"
	e2e_kill "$NPROXY_PID"
	e2e_stop_sim "$NSIM_PID"
done
echo "pass"
