#!/bin/sh
# proxy-link.sh — --link never takes a path away from someone else:
#  - a second proxy (and a sim) with the link of a running proxy fails with
#    "PATH: in use by another pty (..., pid N)"; the first keeps its link
#    and keeps working (SYNC through it is answered);
#  - a stale link (to a pty that no longer exists) is replaced;
#  - a regular file is never replaced.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
"$PYTHON" -c 'import serial' 2>/dev/null ||
    e2e_skip "python3-serial is not installed (apt-get install python3-serial)"

w=$(e2e_tmpdir work)

# sync_through PATH — SYNC through the port at PATH is answered.
cat >"$w/sync.py" <<'PY'
import sys, time, serial
s = serial.Serial(sys.argv[1], 115200, timeout=0.1)
sync = bytes([0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]) + b"\x55" * 32 + b"\xc0"
got = b""
end = time.monotonic() + 5
while time.monotonic() < end and b"\xc0\x01\x08" not in got:
    s.write(sync)
    got += s.read(4096)
print("sync_replies=%d" % got.count(b"\xc0\x01\x08"))
PY
sync_through() {
	e2e_run "$w/sync.log" timeout -k 5 30 "$PYTHON" "$w/sync.py" "$1" || e2e_fail "sync client failed"
	e2e_expect "$w/sync.log" '^sync_replies=[1-9]' "SYNC through $1"
}

e2e_log "first proxy owns the link"
e2e_start_sim esp32 --flash "$w/sim1.bin"
e2e_start_proxy --quiet "$SIM_LINK"
first=$(readlink "$PROXY_LINK")
sync_through "$PROXY_LINK"

e2e_log "second proxy with the same link: refused"
e2e_start_sim esp32 --flash "$w/sim2.bin"
if "$SLIPTAP" proxy --quiet --link "$PROXY_LINK" "$SIM_LINK" >"$w/p2.out" 2>"$w/p2.err" </dev/null; then
	e2e_fail "a second proxy took the link of a running one"
fi
cat "$w/p2.err"
e2e_expect "$w/p2.err" "$PROXY_LINK: in use by another pty ($first, pid $PROXY_PID)" "second proxy's error"
[ "$(readlink "$PROXY_LINK")" = "$first" ] || e2e_fail "the link was changed"
kill -0 "$PROXY_PID" 2>/dev/null || e2e_fail "the first proxy died"
sync_through "$PROXY_LINK"

e2e_log "a sim with the same link: refused the same way"
if "$SLIPTAP" sim --chip esp32 --flash "$w/sim3.bin" --link "$PROXY_LINK" >"$w/s2.out" 2>"$w/s2.err" </dev/null; then
	e2e_fail "a sim took the link of a running proxy"
fi
cat "$w/s2.err"
e2e_expect "$w/s2.err" "$PROXY_LINK: in use by another pty ($first, pid $PROXY_PID)" "sim's error"
[ "$(readlink "$PROXY_LINK")" = "$first" ] || e2e_fail "the link was changed by the sim"

e2e_log "a stale link is replaced"
n=0
while [ -e "/dev/pts/$((900 + n))" ]; do n=$((n + 1)); done
stale="$w/stale"
ln -s "/dev/pts/$((900 + n))" "$stale"
"$SLIPTAP" proxy --quiet --link "$stale" "$SIM_LINK" >"$w/p4.out" 2>"$w/p4.err" </dev/null &
P4=$!
E2E_PIDS="$E2E_PIDS $P4"
e2e_wait_line "$w/p4.out" '^sliptap proxy: ready' "$P4" || { cat "$w/p4.err"; e2e_fail "stale link: proxy did not start"; }
case $(readlink "$stale") in
/dev/pts/$((900 + n))) e2e_fail "stale link not replaced" ;;
/dev/pts/*) ;;
*) e2e_fail "stale link: $(readlink "$stale")" ;;
esac
sync_through "$stale"
e2e_kill "$P4"

e2e_log "a regular file is never replaced"
echo keep >"$w/file"
if "$SLIPTAP" proxy --quiet --link "$w/file" "$SIM_LINK" >"$w/p3.out" 2>"$w/p3.err" </dev/null; then
	e2e_fail "a proxy replaced a regular file"
fi
e2e_expect "$w/p3.err" 'exists and is not a symlink' "regular file"
[ "$(cat "$w/file")" = keep ] || e2e_fail "the file was changed"
echo "pass"
