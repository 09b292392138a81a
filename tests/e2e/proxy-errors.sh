#!/bin/sh
# proxy-errors.sh — what a user sees when something is wrong, and the small
# behaviours around the edges: one clear line and exit 1 for a missing port,
# a bad usb: spec, a link path that is not ours; `sliptap ports` is clear when
# no USB port exists (and never lists on-board UARTs unasked); usage errors
# exit 2; --reset runs its DTR/RTS sequence when the client opens the pty
# (recorded even on a pty, which has no modem lines); SIGTERM closes the
# capture cleanly with an END record. Issue 9: out-of-range ports are usage
# errors (getaddrinfo would wrap 99999 to 34463) for every ADDR:PORT, in
# proxy and sim alike; a --link in a missing directory names the link and
# the directory; a second proxy on a device another proxy has open fails at
# start (exit 1) naming the first one's pid, and gets it once it is free.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_tools
w=$(e2e_tmpdir work)

# expect_fail RC PATTERN CMD... — CMD exits RC with a single stderr line matching PATTERN.
expect_fail() {
	_rc=$1
	_pat=$2
	shift 2
	"$@" >"$w/out" 2>"$w/err"
	_got=$?
	[ "$_got" -eq "$_rc" ] || { cat "$w/err"; e2e_fail "'$*' exited $_got, not $_rc"; }
	[ "$(wc -l <"$w/err")" -le 2 ] || { cat "$w/err"; e2e_fail "'$*': more than one error line"; }
	e2e_expect "$w/err" "$_pat" "'$*'"
	head -n 1 "$w/err"
}

expect_fail 1 "^sliptap proxy: $w/nope: no such port; serial ports: " \
    "$SLIPTAP" proxy "$w/nope"
expect_fail 1 "bad USB device spec" "$SLIPTAP" proxy usb:xyz
expect_fail 1 "^sliptap proxy: no USB serial port 1234:5678; USB serial ports: " \
    "$SLIPTAP" proxy usb:1234:5678
expect_fail 2 "usage: sliptap proxy" "$SLIPTAP" proxy
expect_fail 2 "reset" "$SLIPTAP" proxy --reset sideways /dev/null
expect_fail 1 "cannot connect" "$SLIPTAP" proxy tcp://127.0.0.1:1

"$PTYIO" device "$w/dev" 0 2>"$w/dev.log" &
DEV_PID=$!
E2E_PIDS="$E2E_PIDS $DEV_PID"
e2e_wait_line "$w/dev.log" "ready" "$DEV_PID" || e2e_fail "fake device did not start"

e2e_log "ADDR:PORT out of range: usage errors"
expect_fail 2 "port 99999 out of range (0 to 65535)" "$SLIPTAP" proxy --rfc2217 127.0.0.1:99999 "$w/dev"
expect_fail 2 "port 70000 out of range" "$SLIPTAP" proxy rfc2217://127.0.0.1:70000
expect_fail 2 "port 123456 out of range" "$SLIPTAP" proxy tcp://127.0.0.1:123456
expect_fail 2 "^sliptap sim: --rfc2217: 127.0.0.1:99999: port 99999 out of range" \
    "$SLIPTAP" sim --chip esp32 --flash "$w/sim.bin" --rfc2217 127.0.0.1:99999
e2e_log "the same wording for --baud and --rfc2217-reset in proxy and sim"
expect_fail 2 "^sliptap proxy: --baud 12: want a number from 300 to 16000000" \
    "$SLIPTAP" proxy --baud 12 "$w/dev"
expect_fail 2 "^sliptap sim: --baud 12: want a number from 300 to 16000000" \
    "$SLIPTAP" sim --chip esp32 --flash "$w/sim.bin" --baud 12
expect_fail 2 "^sliptap proxy: --rfc2217-reset x: want auto, esp or direct" \
    "$SLIPTAP" proxy --rfc2217 127.0.0.1:0 --rfc2217-reset x "$w/dev"
expect_fail 2 "^sliptap sim: --rfc2217-reset x: want auto, esp or direct" \
    "$SLIPTAP" sim --chip esp32 --flash "$w/sim.bin" --rfc2217 127.0.0.1:0 --rfc2217-reset x
expect_fail 2 "^sliptap proxy: DEVICE sim:esp99: sim: unknown chip" "$SLIPTAP" proxy sim:esp99

e2e_log "the reset table, as the proxy and the simulator play it"
"$SLIPTAP" proxy --reset-table >"$w/resets" || e2e_fail "proxy --reset-table failed"
[ "$(grep '^classic ' "$w/resets" | tr '\n' ';')" = "classic 0 1 0 100;classic 1 0 0 50;classic 0 -1 0 0;" ] ||
    { cat "$w/resets"; e2e_fail "--reset-table: classic sequence"; }
for k in unix-tight usb-jtag hard; do
	grep -q "^$k " "$w/resets" || e2e_fail "--reset-table: no $k sequence"
done

e2e_log "--link in a missing directory: the link and the directory are named"
expect_fail 1 "^sliptap proxy: $w/nodir/tty: cannot make the link: directory $w/nodir does not exist" \
    "$SLIPTAP" proxy --link "$w/nodir/tty" "$w/dev"
e2e_reject "$w/err" "\.tmp" "--link error: no internal temp file name"
expect_fail 1 "^sliptap sim: $w/nodir/tty: cannot make the link: directory $w/nodir does not exist" \
    "$SLIPTAP" sim --chip esp32 --flash "$w/sim.bin" --link "$w/nodir/tty"

e2e_log "exclusive device: a second proxy on the same device fails, naming the first"
e2e_start_proxy --quiet "$w/dev"
FIRST_PID=$PROXY_PID
expect_fail 1 "^sliptap proxy: $w/dev: port busy: held by pid $FIRST_PID " \
    "$SLIPTAP" proxy --quiet --link "$w/second" "$w/dev"
[ -e "$w/second" ] && e2e_fail "the refused proxy left its link"
e2e_kill "$FIRST_PID"
e2e_start_proxy --quiet "$w/dev"
e2e_log "the device is free again once the first proxy is gone: ok"
e2e_kill "$PROXY_PID"

echo "not a link" >"$w/file"
expect_fail 1 "$w/file exists and is not a symlink" "$SLIPTAP" proxy --link "$w/file" "$w/dev"
[ "$(cat "$w/file")" = "not a link" ] || e2e_fail "the proxy clobbered a file"

e2e_log "sliptap ports"
"$SLIPTAP" ports >"$w/ports" 2>&1 || e2e_fail "sliptap ports failed"
cat "$w/ports"
e2e_reject "$w/ports" "ttyS[0-9]" "ports lists on-board UARTs only with --all"
if ! grep -q "^PORT " "$w/ports"; then
	e2e_expect "$w/ports" "^no USB serial ports found" "ports: empty message"
fi
"$SLIPTAP" ports --json >"$w/ports.json" || e2e_fail "sliptap ports --json failed"

e2e_log "--reset classic on client open"
e2e_start_proxy --quiet --json-events --reset classic --pcap "$w/cap.pcap" "$w/dev"
"$PTYIO" ping "$PROXY_LINK" 3 64 || e2e_fail "no echo"
e2e_wait_for "a client-close event" "" grep -q '"event":"client-close"' "$PROXY_OUT"
e2e_expect "$PROXY_OUT" '"event":"reset","how":"classic"' "reset event"
kill -TERM "$PROXY_PID"
e2e_wait_exit "$PROXY_PID" || e2e_fail "the proxy did not exit 0 on SIGTERM"
[ ! -e "$PROXY_LINK" ] || e2e_fail "link left behind"
"$SLIPTAP" dump "$w/cap.pcap" >"$w/dump" 2>&1 || { tail "$w/dump"; e2e_fail "capture unreadable"; }
e2e_expect "$w/dump" "RESET .*how=classic" "capture: RESET"
e2e_expect "$w/dump" "LINES .*dtr=0 rts=1 from=reset applied=0" "capture: LINES of the reset (pty: not applied)"
e2e_expect "$w/dump" "END .*reason=sigterm" "capture: END on SIGTERM"
echo "proxy errors: clear messages, ports, reset and clean shutdown ok"
