# lib.sh — shared functions for the end-to-end tests (POSIX sh; dash is fine).
#
# Source it first thing:  . "$(dirname "$0")/lib.sh"
# Sourcing creates a private temp dir ($E2E_TMP) and an EXIT trap that stops
# every process started through these functions and removes the dir
# (E2E_KEEP=1 keeps it for a post-mortem).
#
# Exit convention (tools/run-tests.sh): 0 pass, 77 skip with the reason on the
# last line, anything else fail. A part of a test that cannot run (a missing
# optional tool) is declared with e2e_skip_part: the runner reports it as a
# SKIP of its own, never as part of a PASS. Waiting is always bounded polling
# on a readiness signal (e2e_wait_for / e2e_poll), never a bare sleep.
#
# Environment: SLIPTAP (the binary; default build/sliptap), ESPTOOL (colon-
# separated esptool.py paths), PYTHON (default /usr/bin/python3), NODE
# (default node), E2E_WAIT (seconds to wait for a ready line, default 20),
# E2E_CHIPS (the chips a test loops over, to narrow a run while debugging),
# E2E_SKIP_FILE (set by tools/run-tests.sh: where e2e_skip_part writes).

E2E_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${SLIPTAP:=$E2E_ROOT/build/sliptap}"
: "${PYTHON:=/usr/bin/python3}"
: "${NODE:=node}"
: "${E2E_WAIT:=20}"
E2E_NAME=$(basename "$0" .sh)
E2E_PIDS=""
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sliptap-$E2E_NAME.XXXXXX") || exit 1

# e2e_poll SECONDS CMD... — run CMD (in this shell) every 50 ms until it
# succeeds: 0, or 124 once SECONDS (default $E2E_WAIT) have passed. The one
# waiting loop of the e2e tests; bounded, generous, never a verdict on time.
e2e_poll() {
	_ep_max=$(( ${1:-$E2E_WAIT} * 20 ))
	shift
	_ep_i=0
	until "$@"; do
		[ $_ep_i -lt $_ep_max ] || return 124
		sleep 0.05
		_ep_i=$((_ep_i + 1))
	done
	return 0
}

# e2e_wait_for DESC SECONDS CMD... — e2e_poll, and fail the test with
# "timed out waiting for DESC" when CMD never succeeds. SECONDS may be ""
# for $E2E_WAIT.
e2e_wait_for() {
	_ew_desc=$1
	shift
	e2e_poll "$@" || e2e_fail "timed out after ${1:-$E2E_WAIT} s waiting for $_ew_desc"
}

# e2e_gone PID — true once PID has ended.
e2e_gone() {
	! kill -0 "$1" 2>/dev/null
}

# Stop a process: TERM, a bounded wait, then KILL. Returns nothing useful.
e2e_kill() {
	kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	e2e_poll 5 e2e_gone "$1"
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

e2e_cleanup() {
	for _p in $E2E_PIDS; do
		e2e_kill "$_p"
	done
	E2E_PIDS=""
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e: kept $E2E_TMP" >&2
	else
		rm -rf "$E2E_TMP"
	fi
}
trap e2e_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# e2e_tmpdir [NAME] — print a fresh directory inside the test's temp dir.
e2e_tmpdir() {
	mktemp -d "$E2E_TMP/${1:-d}.XXXXXX"
}

# e2e_skip REASON — skip the test (exit 77, reason on the last line).
e2e_skip() {
	echo "$*"
	exit 77
}

# e2e_skip_part PART REASON — this test runs, but PART of it cannot (e.g. a
# missing optional tool): the runner reports "SKIP: <test>/PART (REASON)"
# besides the test's own verdict. Use it for every part that does not run.
e2e_skip_part() {
	echo "SKIP part $1: $2"
	[ -z "${E2E_SKIP_FILE:-}" ] || printf '%s\t%s\n' "$1" "$2" >>"$E2E_SKIP_FILE"
}

# e2e_fail MESSAGE — fail the test.
e2e_fail() {
	echo "FAIL: $*"
	exit 1
}

# e2e_log MESSAGE — a progress line in the test's log.
e2e_log() {
	echo "== $*"
}

# e2e_need_sliptap — skip unless $SLIPTAP is built.
e2e_need_sliptap() {
	[ -x "$SLIPTAP" ] || e2e_skip "no sliptap binary at $SLIPTAP (run make)"
}

# The test programs `make` builds from tests/e2e/*.c, with the build's flags
# (sanitizers included under make asan): a fake device/client and a checker
# that rebuilds both byte streams from a capture.
: "${SLIPTAP_BUILD:=$(dirname "$SLIPTAP")}"
PTYIO=$SLIPTAP_BUILD/tests/ptyio
CAPCHECK=$SLIPTAP_BUILD/tests/capcheck

# e2e_need_tools — skip unless those programs are built.
e2e_need_tools() {
	[ -x "$PTYIO" ] && [ -x "$CAPCHECK" ] ||
	    e2e_skip "no $PTYIO or $CAPCHECK (run make)"
}

# e2e_need_js — skip unless node and the esptool-js client's packages are there.
e2e_need_js() {
	command -v "$NODE" >/dev/null 2>&1 || e2e_skip "node is not installed (run make deps)"
	if [ ! -d "$E2E_ROOT/tests/js/node_modules/esptool-js" ] ||
	    [ ! -d "$E2E_ROOT/tests/js/node_modules/serialport" ]; then
		e2e_skip "tests/js has no node_modules (run make deps)"
	fi
}

# e2e_need_esptool — skip unless $ESPTOOL names at least one esptool.py;
# each named path that does not exist is a skipped part.
e2e_need_esptool() {
	[ -n "${ESPTOOL:-}" ] ||
	    e2e_skip "ESPTOOL is unset (colon-separated esptool.py paths, e.g. \$HOME/esptool/v4.9.1/esptool.py)"
	[ -x "$PYTHON" ] || e2e_skip "no python at $PYTHON (set PYTHON)"
	[ -n "$(e2e_esptool_versions)" ] || e2e_skip "no file in ESPTOOL exists: $ESPTOOL"
	_ifs=$IFS
	IFS=:
	for _e in $ESPTOOL; do
		[ -z "$_e" ] || [ -f "$_e" ] || e2e_skip_part "esptool $_e" "no such file in ESPTOOL"
	done
	IFS=$_ifs
}

# e2e_esptool_versions — the existing paths in $ESPTOOL, one per line.
e2e_esptool_versions() {
	_ifs=$IFS
	IFS=:
	for _e in ${ESPTOOL:-}; do
		[ -n "$_e" ] && [ -f "$_e" ] && echo "$_e"
	done
	IFS=$_ifs
}

# e2e_esptool_version PATH — print its version, e.g. 4.9.1.
e2e_esptool_version() {
	"$PYTHON" "$1" version 2>/dev/null | tail -n 1
}

# e2e_version_ge A B — true when dotted version A >= B.
e2e_version_ge() {
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" = "$2" ]
}

# e2e_esptool PATH ARGS... — run one esptool.py (bounded by E2E_CLIENT_TIMEOUT).
e2e_esptool() {
	_et=$1
	shift
	timeout -k 5 "${E2E_CLIENT_TIMEOUT:-180}" "$PYTHON" "$_et" "$@"
}

# e2e_js ARGS... — run the esptool-js client (tests/js/flash.mjs).
e2e_js() {
	timeout -k 5 "${E2E_CLIENT_TIMEOUT:-180}" "$NODE" "$E2E_ROOT/tests/js/flash.mjs" "$@"
}

# e2e_line_or_gone FILE PATTERN PID — true when FILE has a matching line or
# PID has ended.
e2e_line_or_gone() {
	grep -q -e "$2" "$1" 2>/dev/null || ! kill -0 "$3" 2>/dev/null
}

# e2e_wait_line FILE PATTERN PID [SECONDS] — poll until FILE has a line
# matching the grep pattern: 0; 1 if PID died without writing it; 2 on timeout.
e2e_wait_line() {
	e2e_poll "${4:-$E2E_WAIT}" e2e_line_or_gone "$1" "$2" "$3" || return 2
	grep -q -e "$2" "$1" 2>/dev/null
}

# e2e_wait_exit PID [SECONDS] — wait (bounded) for PID to end; its status or 124.
e2e_wait_exit() {
	e2e_poll "${2:-$E2E_WAIT}" e2e_gone "$1" || return 124
	wait "$1"
}

# e2e_start_sim CHIP [SIM ARGS...] — start `sliptap sim --chip CHIP --link L`
# in the background and wait for its ready line. Sets SIM_PID, SIM_LINK,
# SIM_OUT, SIM_ERR (its stdout/stderr files) and SIM_READY (the line).
e2e_start_sim() {
	e2e_need_sliptap
	_chip=$1
	shift
	_d=$(e2e_tmpdir sim)
	SIM_LINK="$_d/ttyESP"
	SIM_OUT="$_d/stdout"
	SIM_ERR="$_d/stderr"
	"$SLIPTAP" sim --chip "$_chip" --link "$SIM_LINK" "$@" >"$SIM_OUT" 2>"$SIM_ERR" &
	SIM_PID=$!
	E2E_PIDS="$E2E_PIDS $SIM_PID"
	if ! e2e_wait_line "$SIM_OUT" '^sliptap sim:' "$SIM_PID" || [ ! -e "$SIM_LINK" ]; then
		echo "sim did not get ready: $SLIPTAP sim --chip $_chip --link $SIM_LINK $*"
		sed 's/^/  sim: /' "$SIM_OUT" "$SIM_ERR"
		e2e_fail "sim did not start"
	fi
	SIM_READY=$(grep -m 1 '^sliptap sim:' "$SIM_OUT")
	echo "$SIM_READY"
}

# e2e_stop_sim [PID] — stop a sim (default $SIM_PID) and wait for it.
e2e_stop_sim() {
	e2e_kill "${1:-$SIM_PID}"
}

# e2e_start_proxy [PROXY ARGS...] DEVICE — start `sliptap proxy --link L ARGS`
# and wait for its link and its "sliptap proxy: ready ..." line. Sets PROXY_PID,
# PROXY_LINK, PROXY_OUT, PROXY_ERR, PROXY_READY.
e2e_start_proxy() {
	e2e_need_sliptap
	_d=$(e2e_tmpdir proxy)
	PROXY_LINK="$_d/ttyPROXY"
	PROXY_OUT="$_d/stdout"
	PROXY_ERR="$_d/stderr"
	"$SLIPTAP" proxy --link "$PROXY_LINK" "$@" >"$PROXY_OUT" 2>"$PROXY_ERR" &
	PROXY_PID=$!
	E2E_PIDS="$E2E_PIDS $PROXY_PID"
	if ! e2e_wait_line "$PROXY_OUT" '^sliptap proxy: ready' "$PROXY_PID" || [ ! -e "$PROXY_LINK" ]; then
		echo "proxy did not get ready: $SLIPTAP proxy --link $PROXY_LINK $*"
		sed 's/^/  proxy: /' "$PROXY_OUT" "$PROXY_ERR"
		e2e_fail "proxy did not start"
	fi
	PROXY_READY=$(grep -m 1 '^sliptap proxy: ready' "$PROXY_OUT")
	echo "$PROXY_READY"
}

# e2e_make_image FILE SIZE — a test image: random bytes with compressible
# stretches, so both the deflate and the raw paths carry real data.
e2e_make_image() {
	_half=$(($2 / 2))
	{
		head -c "$_half" /dev/urandom
		awk -v n=$((($2 - _half) / 64 + 1)) 'BEGIN { for (i = 0; i < n; i++)
		    printf "sliptap test image line %08d ...............................\n", i }'
	} | head -c "$2" >"$1"
	[ "$(wc -c <"$1")" -eq "$2" ] || e2e_fail "could not make a $2-byte image"
}

# e2e_extract FILE OFFSET SIZE OUT — copy SIZE bytes at OFFSET of FILE to OUT.
e2e_extract() {
	tail -c +$(($2 + 1)) "$1" | head -c "$3" >"$4"
}

# e2e_same_bytes A B WHAT — fail unless files A and B are identical.
e2e_same_bytes() {
	cmp "$1" "$2" || e2e_fail "$3: bytes differ"
}

# e2e_expect FILE PATTERN WHAT — fail unless FILE has a line matching PATTERN.
e2e_expect() {
	grep -q -e "$2" "$1" || { sed 's/^/  | /' "$1" | tail -n 30; e2e_fail "$3: no line matching '$2'"; }
}

# e2e_reject FILE PATTERN WHAT — fail if FILE has a line matching PATTERN.
e2e_reject() {
	if grep -q -e "$2" "$1"; then
		sed 's/^/  | /' "$1" | tail -n 30
		e2e_fail "$3: unexpected line matching '$2'"
	fi
}

# e2e_run LOG CMD... — run CMD with stdout+stderr into LOG, echo LOG into
# the test's own log, return CMD's status.
e2e_run() {
	_log=$1
	shift
	"$@" >"$_log" 2>&1
	_rc=$?
	sed 's/^/  | /' "$_log"
	echo "  (exit $_rc)"
	return $_rc
}

# e2e_start_net_sim NAME [SIM ARGS...] — start `sliptap sim --rfc2217
# 127.0.0.1:0 --flash FILE ARGS` in the background and wait for its ready
# line. Sets NSIM_PID, NSIM_URL (rfc2217://...), NSIM_OUT, NSIM_ERR and
# NSIM_FLASH (the flash file).
e2e_start_net_sim() {
	e2e_need_sliptap
	_d=$(e2e_tmpdir "netsim-$1")
	shift
	NSIM_OUT="$_d/stdout"
	NSIM_ERR="$_d/stderr"
	NSIM_FLASH="$_d/flash.bin"
	"$SLIPTAP" sim --rfc2217 127.0.0.1:0 --flash "$NSIM_FLASH" "$@" \
	    >"$NSIM_OUT" 2>"$NSIM_ERR" &
	NSIM_PID=$!
	E2E_PIDS="$E2E_PIDS $NSIM_PID"
	e2e_wait_line "$NSIM_OUT" '^sliptap sim: .* on rfc2217://' "$NSIM_PID" ||
	    { cat "$NSIM_OUT" "$NSIM_ERR"; e2e_fail "sim did not start: sim --rfc2217 $*"; }
	NSIM_URL=$(sed -n 's/^sliptap sim: .* on \(rfc2217:\/\/[^ ]*\).*/\1/p' "$NSIM_OUT")
	[ -n "$NSIM_URL" ] || e2e_fail "no URL in the sim's ready line: $(cat "$NSIM_OUT")"
	cat "$NSIM_OUT"
}

# e2e_start_net_proxy [PROXY ARGS...] DEVICE — start `sliptap proxy --rfc2217
# 127.0.0.1:0 ARGS` and wait for its ready line. Sets NPROXY_PID, NPROXY_URL,
# NPROXY_OUT, NPROXY_ERR.
e2e_start_net_proxy() {
	e2e_need_sliptap
	_d=$(e2e_tmpdir netproxy)
	NPROXY_OUT="$_d/stdout"
	NPROXY_ERR="$_d/stderr"
	"$SLIPTAP" proxy --rfc2217 127.0.0.1:0 "$@" >"$NPROXY_OUT" 2>"$NPROXY_ERR" &
	NPROXY_PID=$!
	E2E_PIDS="$E2E_PIDS $NPROXY_PID"
	e2e_wait_line "$NPROXY_OUT" '^sliptap proxy: ready on rfc2217://' "$NPROXY_PID" ||
	    { cat "$NPROXY_OUT" "$NPROXY_ERR"; e2e_fail "proxy did not start: proxy --rfc2217 $*"; }
	NPROXY_URL=$(sed -n 's/^sliptap proxy: ready on \(rfc2217:[^ ]*\) -> .*/\1/p' "$NPROXY_OUT")
	[ -n "$NPROXY_URL" ] || e2e_fail "no URL in the proxy's ready line: $(head -n 1 "$NPROXY_OUT")"
	head -n 1 "$NPROXY_OUT"
}

# e2e_need_pyserial — skip unless $PYTHON has pySerial's rfc2217 client.
e2e_need_pyserial() {
	"$PYTHON" -c 'import serial.rfc2217' 2>/dev/null ||
	    e2e_skip "python3-serial is not installed (apt-get install python3-serial)"
}

# e2e_rfc2217_client URL RESET — a pySerial rfc2217:// client: opens the port
# with DTR and RTS released (no reset by the open), performs RESET (none,
# classic or usbjtag) with esptool's timings, then sends SYNC every 100 ms
# until a reply arrives or 3 s passed. Prints sync_replies=N and the text it
# saw ("text: ..." lines).
e2e_rfc2217_client() {
	_py="$E2E_TMP/rfc2217-client.py"
	[ -f "$_py" ] || cat >"$_py" <<'PY'
import sys, time, serial
url, reset = sys.argv[1], sys.argv[2]
s = serial.serial_for_url(url, do_not_open=True, baudrate=115200, timeout=0.05)
s.dtr = False
s.rts = False
s.open()
if reset == "classic":
    s.dtr = False; s.rts = True; time.sleep(0.1)
    s.dtr = True; s.rts = False; time.sleep(0.05)
    s.dtr = False
elif reset == "usbjtag":
    s.rts = False; s.dtr = False; time.sleep(0.1)
    s.dtr = True; s.rts = False; time.sleep(0.1)
    s.rts = True; s.dtr = False; s.rts = True; time.sleep(0.1)
    s.dtr = False; s.rts = False
sync = bytes([0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]) + b"\x55" * 32 + b"\xc0"
got = b""
replies = 0
end = time.monotonic() + 3
while time.monotonic() < end:
    s.write(sync)
    t = time.monotonic() + 0.1
    while time.monotonic() < t:
        got += s.read(4096)
    replies = got.count(b"\xc0\x01\x08")
    if replies:
        # the ROM answers one SYNC with eight replies: take the rest
        t = time.monotonic() + 0.3
        while time.monotonic() < t:
            got += s.read(4096)
        replies = got.count(b"\xc0\x01\x08")
        break
s.close()
print("sync_replies=%d" % replies)
text = bytes(b for b in got if b in (10, 13) or 32 <= b < 127).decode()
for line in text.replace("\r", "\n").split("\n"):
    if len(line) > 3:
        print("text: " + line)
PY
	timeout -k 5 60 "$PYTHON" "$_py" "$@"
}
