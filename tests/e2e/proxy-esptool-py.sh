#!/bin/sh
# proxy-esptool-py.sh — every esptool.py in $ESPTOOL flashes the simulator
# THROUGH the proxy, checked as proxy-esptool-js.sh checks esptool-js
# (lib-proxy-chain.sh): the flash file holds the image, the capture holds
# every byte both ways exactly as socat saw them, the session is followed,
# tshark decodes the capture. Skipped when ESPTOOL is unset.
. "$(dirname "$0")/lib.sh"
e2e_need_esptool
. "$(dirname "$0")/lib-proxy-chain.sh"

for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_log "esptool $v through the proxy"
	run_chain "py$v" e2e_esptool "$et" --chip esp32 --port "@LINK@" --baud 460800 \
	    --before no_reset --after no_reset write_flash 0x10000 "$img"
done
echo "proxy esptool-py: flashed through the proxy, capture byte-exact both ways"
