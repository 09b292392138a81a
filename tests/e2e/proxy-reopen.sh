#!/bin/sh
# proxy-reopen.sh — the client side survives the tool closing and reopening
# the pty 1,000 times, and the device side vanishing and coming back 100
# times (a fake device on a pty of its own, killed and restarted on the same
# link). Every open/close and every gone/back is reported as an event, the
# proxy still forwards afterwards (echo round trips), and its fd count
# (/proc/PID/fd) is the same at the end as at the start.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_tools
: "${PROXY_REOPENS:=1000}"
: "${PROXY_VANISHES:=100}"
[ -d /proc/self/fd ] || e2e_skip "no /proc to count fds"

w=$(e2e_tmpdir work)

start_dev() {
	: >"$w/dev.log"
	"$PTYIO" device "$w/dev" 0 2>"$w/dev.log" &
	DEV_PID=$!
	E2E_PIDS="$E2E_PIDS $DEV_PID"
	e2e_wait_line "$w/dev.log" "ready" "$DEV_PID" || e2e_fail "fake device did not start"
}

# count PATTERN — JSON events of that name so far.
count() {
	grep -c "\"event\":\"$1\"" "$PROXY_OUT"
}

# has_count PATTERN N — at least N such events (fails if the proxy died).
has_count() {
	kill -0 "$PROXY_PID" 2>/dev/null || e2e_fail "proxy died waiting for $1 #$2"
	[ "$(count "$1")" -ge "$2" ]
}

# wait_count PATTERN N — until at least N such events.
wait_count() {
	e2e_poll "" has_count "$1" "$2" || e2e_fail "no $1 event #$2 (have $(count "$1"))"
}

fds() {
	ls /proc/"$PROXY_PID"/fd | wc -l
}

start_dev
e2e_start_proxy --quiet --json-events --pcap "$w/cap.pcap" "$w/dev"
"$PTYIO" ping "$PROXY_LINK" 5 64 || e2e_fail "no echo through the proxy"
wait_count client-close 1
fd0=$(fds)
echo "proxy fds at start: $fd0"

e2e_log "$PROXY_REOPENS opens and closes of the pty"
opens0=$(count client-open)
i=0
while [ $i -lt "$PROXY_REOPENS" ]; do
	exec 3<>"$PROXY_LINK" || e2e_fail "open #$i of the pty failed"
	exec 3>&-
	i=$((i + 1))
done
wait_count client-close $((PROXY_REOPENS + 1))
opens=$(( $(count client-open) - opens0 ))
[ "$opens" -eq "$PROXY_REOPENS" ] || e2e_fail "saw $opens client opens, expected $PROXY_REOPENS"
"$PTYIO" ping "$PROXY_LINK" 20 200 || e2e_fail "no echo after $PROXY_REOPENS reopens"
echo "after reopens: $(fds) fds"

e2e_log "$PROXY_VANISHES device vanishings"
i=1
while [ $i -le "$PROXY_VANISHES" ]; do
	e2e_kill "$DEV_PID"
	wait_count device-gone $i
	[ ! -e "$PROXY_LINK" ] || [ "$(readlink "$PROXY_LINK")" != "$(readlink "$PROXY_LINK.old" 2>/dev/null)" ] ||
	    e2e_fail "the link survived the device"
	start_dev
	wait_count client-back $i
	i=$((i + 1))
done
[ -e "$PROXY_LINK" ] || e2e_fail "the link did not come back"
"$PTYIO" ping "$PROXY_LINK" 20 200 || e2e_fail "no echo after $PROXY_VANISHES vanishings"
wait_count client-close $((PROXY_REOPENS + 3))
fd1=$(fds)
echo "proxy fds at the end: $fd1"
ls -l /proc/"$PROXY_PID"/fd
[ "$fd1" -eq "$fd0" ] || e2e_fail "fd count changed: $fd0 at start, $fd1 at the end"
e2e_kill "$PROXY_PID"
gone=$(count device-gone)
back=$(count device-back)
[ "$gone" -eq "$PROXY_VANISHES" ] && [ "$back" -eq "$PROXY_VANISHES" ] ||
    e2e_fail "device-gone $gone, device-back $back, expected $PROXY_VANISHES each"
echo "proxy reopen: $PROXY_REOPENS reopens, $PROXY_VANISHES vanishings, fd count flat at $fd0"
