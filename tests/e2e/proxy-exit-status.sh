#!/bin/sh
# proxy-exit-status.sh — the proxy's exit status and start-up checks with a
# scenario: a --pin path that cannot be written is refused at start (before
# the device is opened, exit 1, the path named); a rule whose action the
# front or device cannot perform (a DTR/RTS reset on a pty) is refused before
# anything runs (exit 2, the rule named); and a run in which a rule never
# fired ends with exit status 3 (NOT_TRIGGERED), not 0.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

w=$(e2e_tmpdir work)
cat >"$w/never.ini" <<'INI'
[scenario]
name = never-fires
summary = a rule on a FLASH_DATA block no image has
seed = 1

[expect]
outcome = fail-clean
class = ACK_STALL
message = Timed out

[rule late]
command = any-flash-data
seq = 99999
action = drop
INI

e2e_log "--pin in a missing directory: refused at start"
"$SLIPTAP" proxy --scenario "$w/never.ini" --pin "$w/no/such/dir/pin.ini" "$w/no-such-device" \
    >"$w/pin.out" 2>"$w/pin.err"
rc=$?
cat "$w/pin.err"
[ $rc -eq 1 ] || e2e_fail "--pin in a missing directory: exit $rc, not 1"
e2e_expect "$w/pin.err" "--pin $w/no/such/dir/pin.ini: No such file or directory" "pin error"
e2e_reject "$w/pin.err" "no-such-device" "the device was not tried first"
[ ! -e "$w/no" ] || e2e_fail "a --pin check left something behind"

e2e_start_sim esp32 --flash "$w/flash.bin" --no-wdt >/dev/null
e2e_log "a fault that cannot act: exit 2 before anything runs"
cat >"$w/reset.ini" <<'INI'
[scenario]
name = reset-on-a-pty
summary = a DTR/RTS reset rule against a device without modem lines
seed = 1

[expect]
outcome = pass
class = SUCCESS

[rule kick]
on = client-open
action = reset
boot = spi
INI
"$SLIPTAP" proxy --scenario "$w/reset.ini" --link "$w/port2" "$SIM_LINK" >"$w/reset.out" 2>"$w/reset.err"
rc=$?
cat "$w/reset.err"
[ $rc -eq 2 ] || e2e_fail "a reset rule on a pty device: exit $rc, not 2"
e2e_expect "$w/reset.err" "reset.ini:[0-9]*: rule kick: reset needs a device that can" "names the rule and why"
e2e_reject "$w/reset.out" "ready" "the proxy did not start forwarding"
[ ! -e "$w/port2" ] || e2e_fail "the link of a refused proxy is still there"

e2e_log "--pin on a writable path: accepted, no file left by the check"
e2e_start_proxy --quiet --scenario "$w/never.ini" --pin "$w/pin.ini" --pcap "$w/cap.pcap" \
    "$SIM_LINK" >/dev/null
[ ! -e "$w/pin.ini" ] || e2e_fail "the pin file exists before the run ended"

e2e_log "a rule that never fired: exit 3"
kill -TERM "$PROXY_PID"
e2e_wait_exit "$PROXY_PID"
rc=$?
cat "$PROXY_ERR"
[ $rc -eq 3 ] || e2e_fail "proxy with a NOT_TRIGGERED rule exited $rc, not 3"
[ -s "$w/pin.ini" ] || e2e_fail "no pin file written at the end"
"$SLIPTAP" dump "$w/cap.pcap" >"$w/dump.txt" 2>&1
e2e_expect "$w/dump.txt" "NOT_TRIGGERED" "capture"
e2e_stop_sim
echo "proxy exit status: --pin checked at start, NOT_TRIGGERED exits 3"
