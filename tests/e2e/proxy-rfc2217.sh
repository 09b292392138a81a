#!/bin/sh
# proxy-rfc2217.sh — the RFC 2217 side of the proxy.
#  1. pySerial's rfc2217:// client (python3-serial) opens the proxy's RFC 2217
#     server (--rfc2217-reset direct), sets 460800 baud, DTR and RTS,
#     exchanges data with an echoing
#     fake device: the device pty's termios follows the baud, the capture
#     records the BAUD and LINES events, data (0xFF included: IAC escaping)
#     comes back intact.
#  2. A second proxy uses the first as an rfc2217:// DEVICE: data flows
#     through both, and a baud change on the second proxy's pty reaches the
#     device behind the first one.
#  proxy-rfc2217-py.sh: esptool --port rfc2217://... through the proxy.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_tools
"$PYTHON" -c 'import serial.rfc2217' 2>/dev/null ||
    e2e_skip "python3-serial is not installed (apt-get install python3-serial)"

w=$(e2e_tmpdir work)
"$PTYIO" device "$w/dev" 0 2>"$w/dev.log" &
DEV_PID=$!
E2E_PIDS="$E2E_PIDS $DEV_PID"
e2e_wait_line "$w/dev.log" "ready" "$DEV_PID" || e2e_fail "fake device did not start"
dev_pts=$(sed -n 's/.*ready on //p' "$w/dev.log")

# The RFC 2217 server on an ephemeral loopback port; the ready line names it.
# (--rfc2217-reset direct: each DTR/RTS change is forwarded as it arrives; the
# default esp handling is tested by proxy-rfc2217-reset.sh)
"$SLIPTAP" proxy --quiet --json-events --rfc2217 127.0.0.1:0 --rfc2217-reset direct \
    --pcap "$w/a.pcap" "$w/dev" \
    >"$w/a.out" 2>"$w/a.err" &
A_PID=$!
E2E_PIDS="$E2E_PIDS $A_PID"
e2e_wait_line "$w/a.out" "ready on rfc2217://" "$A_PID" || { cat "$w/a.err"; e2e_fail "proxy A did not start"; }
url=$(sed -n 's/^sliptap proxy: ready on \(rfc2217:[^ ]*\) -> .*/\1/p' "$w/a.out")
[ -n "$url" ] || e2e_fail "no URL in the ready line: $(head -n 1 "$w/a.out")"
echo "server: $url"

e2e_log "pySerial rfc2217 client"
cat >"$w/client.py" <<'PY'
import sys, time, serial
s = serial.serial_for_url(sys.argv[1], baudrate=115200, timeout=5)
s.baudrate = 460800
s.dtr = False
s.rts = True
s.dtr = True
s.rts = False
payload = bytes(range(256)) * 8 + b"\xff\xff\xc0\xdb\xff"
s.write(payload)
got = b""
deadline = time.time() + 10
while len(got) < len(payload) and time.time() < deadline:
    got += s.read(len(payload) - len(got))
s.close()
if got != payload:
    sys.exit("echo mismatch: sent %d bytes, got %d" % (len(payload), len(got)))
print("rfc2217 client: %d bytes echoed intact at 460800 baud" % len(got))
PY
e2e_run "$w/client.log" timeout 60 "$PYTHON" "$w/client.py" "$url" || e2e_fail "pySerial client failed"
speed=$(stty -F "$dev_pts" speed 2>/dev/null)
[ "$speed" = 460800 ] || e2e_fail "the device pty is at '$speed' baud, not 460800"
e2e_expect "$w/a.out" '"event":"baud","baud":460800,"how":"rfc2217"' "baud event"
e2e_expect "$w/a.out" '"event":"lines","rts":1' "RTS event"
e2e_expect "$w/a.out" '"event":"lines","dtr":1' "DTR event"
e2e_expect "$w/a.out" '"event":"client-close"' "client close event"
"$SLIPTAP" dump "$w/a.pcap" >"$w/a.dump" 2>&1
e2e_expect "$w/a.dump" "BAUD .*side=device baud=460800 from=rfc2217" "capture: BAUD"
e2e_expect "$w/a.dump" "LINES .*side=device dtr=0 rts=1 from=rfc2217" "capture: LINES rts=1"
e2e_expect "$w/a.dump" "LINES .*side=device dtr=1 rts=0 from=rfc2217" "capture: LINES dtr=1 rts=0"

e2e_log "a second proxy with the first as its rfc2217:// device"
e2e_start_proxy --quiet --json-events "$url"
"$PTYIO" ping "$PROXY_LINK" 20 300 || e2e_fail "no echo through two proxies"
stty -F "$PROXY_LINK" 230400 || e2e_fail "stty on the proxy pty"
"$PTYIO" ping "$PROXY_LINK" 5 300 || e2e_fail "no echo after the baud change"
dev_speed_is() {
	[ "$(stty -F "$dev_pts" speed)" = "$1" ]
}
e2e_poll "" dev_speed_is 230400 ||
    e2e_fail "the baud change did not reach the device: $(stty -F "$dev_pts" speed)"
e2e_expect "$PROXY_OUT" '"event":"baud","baud":230400,"how":"termios"' "second proxy: baud from termios"
e2e_kill "$PROXY_PID"

echo "proxy rfc2217: pySerial client, baud/DTR/RTS forwarded and recorded, proxy-to-proxy ok"
