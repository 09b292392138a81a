#!/bin/sh
# proxy-rfc2217-py.sh — every esptool.py in $ESPTOOL flashes the simulator
# through the proxy's RFC 2217 server (esptool --port rfc2217://...; the
# rest of the RFC 2217 side is proxy-rfc2217.sh). Skipped when ESPTOOL is unset.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_esptool

w=$(e2e_tmpdir work)
e2e_start_sim esp32 --transport uart --flash "$w/flash.bin"
e2e_start_net_proxy --quiet "$SIM_LINK"
url=$NPROXY_URL
head -c 50000 /dev/urandom >"$w/img.bin"
for et in $(e2e_esptool_versions); do
	e2e_log "esptool $(e2e_esptool_version "$et") --port $url"
	e2e_run "$w/et.log" e2e_esptool "$et" --chip esp32 --port "$url" --baud 460800 \
	    --after no_reset write_flash 0x20000 "$w/img.bin" || e2e_fail "esptool over rfc2217 failed"
	e2e_expect "$w/et.log" "Hash of data verified" "esptool over rfc2217: MD5"
done
echo "proxy rfc2217: esptool over rfc2217 flashed the simulator"
