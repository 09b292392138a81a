#!/bin/sh
# proxy-esptool-js.sh — esptool-js flashes the simulator THROUGH the proxy:
#   esptool-js -> sliptap proxy (pty, --pcap) -> socat -r/-R (byte logs) -> sliptap sim
# The write must verify (MD5 and read-back), the flash file must hold the
# image, the capture must hold every byte both ways exactly as socat saw them
# (streams rebuilt from the capture with tests/e2e/capcheck.c), the session
# must be followed (chip, stub, baud change, progress to 100 %), and tshark
# with docs/sliptap.lua must decode the capture without errors.
# proxy-esptool-py.sh does the same with Python esptool.
. "$(dirname "$0")/lib.sh"
e2e_need_js
. "$(dirname "$0")/lib-proxy-chain.sh"

e2e_log "esptool-js through the proxy"
run_chain js e2e_js --port "@LINK@" --chip esp32 --baud 460800 --before no_reset --after no_reset \
    write_flash --verify 0x10000 "$img"
e2e_expect "$PROXY_OUT" '"event":"baud","baud":460800' "js: the device followed the baud change"

echo "proxy esptool-js: flashed through the proxy, capture byte-exact both ways"
