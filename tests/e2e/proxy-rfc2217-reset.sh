#!/bin/sh
# proxy-rfc2217-reset.sh — `sliptap proxy --rfc2217 --rfc2217-reset
# auto|esp|direct`. The device is a `sliptap sim --chip esp32 --boot spi
# --rfc2217 ...`, the client talks to the proxy's RFC 2217 server. pySerial
# waits for each SET-CONTROL answer, so a client's own classic sequence
# keeps DTR=RTS=1 long enough for EN to rise with IO0 high:
#  1. pySerial client (always runs), esptool's classic sequence:
#     - both with their defaults (proxy auto, sim esp): the proxy passes the
#       client's DTR/RTS on and the sim reads them like esp_rfc2217_server:
#       download mode, SYNC answered (the chain works as without the proxy);
#     - proxy --rfc2217-reset esp in front of a direct sim (like ser2net): the
#       proxy plays the reset itself with board timings (recorded in the
#       capture): download mode, SYNC answered;
#     - proxy --rfc2217-reset direct: the chip boots from flash, no SYNC reply.
#  2. proxy-rfc2217-reset-py.sh does the Python esptool part.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_pyserial

w=$(e2e_tmpdir work)

e2e_log "defaults chain (proxy auto, sim esp): classic reset from a pySerial client -> download mode"
e2e_start_net_sim chain --chip esp32 --boot spi
e2e_start_net_proxy --quiet --pcap "$w/chain.pcap" "$NSIM_URL"
e2e_run "$w/c0.log" e2e_rfc2217_client "$NPROXY_URL" classic || e2e_fail "client failed"
e2e_expect "$w/c0.log" '^sync_replies=[1-9]' "defaults chain: SYNC replies"
e2e_expect "$NSIM_ERR" 'DTR on: reset into download mode' "defaults chain: the sim's esp server played the reset"
e2e_expect "$NSIM_ERR" 'boot: rst:0x1 (POWERON_RESET), download mode' "defaults chain: download mode"
e2e_kill "$NPROXY_PID"
"$SLIPTAP" dump "$w/chain.pcap" >"$w/chain.dump" 2>&1 || { cat "$w/chain.dump"; e2e_fail "dump failed"; }
e2e_expect "$w/chain.dump" 'from=rfc2217' "capture: the client's line changes passed on"
e2e_reject "$w/chain.dump" 'how=unix-tight' "defaults chain: the proxy must not play its own reset"
e2e_stop_sim "$NSIM_PID"

e2e_log "esp server: classic reset from a pySerial client -> download mode"
e2e_start_net_sim esp --chip esp32 --boot spi --rfc2217-reset direct
e2e_start_net_proxy --quiet --rfc2217-reset esp --pcap "$w/esp.pcap" "$NSIM_URL"
e2e_run "$w/c1.log" e2e_rfc2217_client "$NPROXY_URL" classic || e2e_fail "client failed"
e2e_expect "$w/c1.log" '^sync_replies=[1-9]' "esp server: SYNC replies"
e2e_expect "$w/c1.log" 'waiting for download' "esp server: download boot log"
e2e_expect "$NSIM_ERR" 'boot: rst:0x1 (POWERON_RESET), download mode' "esp server: download mode"
e2e_kill "$NPROXY_PID"
"$SLIPTAP" dump "$w/esp.pcap" >"$w/esp.dump" 2>&1 || { cat "$w/esp.dump"; e2e_fail "dump failed"; }
e2e_expect "$w/esp.dump" 'esp server: DTR on: reset into download mode' "capture: the server's decision"
e2e_expect "$w/esp.dump" 'RESET.*how=unix-tight' "capture: the reset"
e2e_expect "$w/esp.dump" 'from=reset' "capture: the reset's line changes"
e2e_stop_sim "$NSIM_PID"

e2e_log "direct server: the same classic reset -> SPI boot, SYNC ignored"
e2e_start_net_sim direct --chip esp32 --boot spi --rfc2217-reset direct
e2e_start_net_proxy --quiet --rfc2217-reset direct "$NSIM_URL"
e2e_run "$w/c2.log" e2e_rfc2217_client "$NPROXY_URL" classic || e2e_fail "client failed"
e2e_expect "$w/c2.log" '^sync_replies=0$' "direct server: no download mode"
e2e_expect "$w/c2.log" 'boot:0x13 (SPI_FAST_FLASH_BOOT)' "direct server: the SPI boot log"
e2e_reject "$NSIM_ERR" 'download mode' "direct server"
e2e_kill "$NPROXY_PID"
e2e_stop_sim "$NSIM_PID"

echo "pass"
