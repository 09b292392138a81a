#!/bin/sh
# run-labgrid.sh — a labgrid pytest suite (tests/labgrid/test_bootloader.py,
# which knows nothing about sliptap) runs unchanged against a labgrid
# environment whose NetworkSerialPort is `sliptap proxy --rfc2217` in front
# of the board (here the in-process simulator, sim:esp32):
#   1. no scenario: the suite passes;
#   2. retry-drop-first-3 (the first three SYNC replies dropped): the suite
#      still passes (it retries), and the capture holds the three FAULTs;
#   3. no-response (every reply dropped): the suite fails — the fault reached it.
# SKIP when Debian's labgrid (python3-labgrid) or pytest is missing.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
"$PYTHON" -c 'import labgrid, pytest' 2>/dev/null ||
    e2e_skip "labgrid or pytest is not installed (apt-get install labgrid python3-pytest)"

w=$(e2e_tmpdir work)
suite="$E2E_ROOT/tests/labgrid/test_bootloader.py"

# lab_run NAME [PROXY ARGS] — the proxy in front of the board, the suite against it.
lab_run() {
	_n=$1
	shift
	e2e_start_net_proxy --pcap "$w/$_n.pcap" "$@" sim:esp32 >/dev/null
	_port=${NPROXY_URL##*:}
	cat >"$w/env-$_n.yaml" <<EOT
targets:
  main:
    resources:
      NetworkSerialPort:
        host: 127.0.0.1
        port: $_port
        speed: 115200
    drivers:
      SerialDriver: {}
EOT
	(cd "$w" && timeout -k 5 120 "$PYTHON" -m pytest -q -p no:cacheprovider --lg-env "env-$_n.yaml" \
	    "$suite") >"$w/$_n.log" 2>&1
	_rc=$?
	e2e_kill "$NPROXY_PID"
	sed 's/^/  | /' "$w/$_n.log" | grep -v -i 'deprecat\|setName' | tail -n 8
	return $_rc
}

e2e_log "1. the board, no fault"
lab_run plain || e2e_fail "the labgrid suite failed without a fault"

e2e_log "2. retry-drop-first-3: faults injected, the suite's retries hold"
lab_run drop --scenario "$E2E_ROOT/scenarios/retry-drop-first-3.ini" ||
    e2e_fail "the labgrid suite failed under retry-drop-first-3"
n=$("$SLIPTAP" dump "$w/drop.pcap" | grep -c 'FAULT.*drop-first')
[ "$n" -eq 3 ] || e2e_fail "expected 3 drop-first FAULT records, found $n"

e2e_log "3. no-response: the fault reaches the suite"
if lab_run silent --scenario "$E2E_ROOT/scenarios/no-response.ini"; then
	e2e_fail "the labgrid suite passed although every reply was dropped"
fi
e2e_expect "$w/silent.log" "no SYNC reply after 10 attempts" "no-response"
echo "the labgrid suite ran unchanged through sliptap proxy --rfc2217, with and without faults"
