#!/bin/sh
# run-ser2net.sh — `sliptap run --device rfc2217://HOST:PORT` through a real
# ser2net (Debian's) exporting the simulator's pty, as a QA lab exports a
# board: the test writes a ser2net.yaml for a free loopback port and starts
# `ser2net -n` on it. Through it:
#   1. a flash (esptool-js), the sim's flash file holding the image after;
#   2. a verify of that flash with the image (esptool-js verify_flash, as a
#      command template);
#   3. a scenario (retry-drop-first-3: recovered) judged MATCH;
#   4. each esptool.py in $ESPTOOL with --before default_reset --after
#      hard_reset through the proxy's RFC 2217 front, so the tool's DTR/RTS
#      sequence travels tool -> proxy -> ser2net (LINES records in the
#      capture) and the flash still verifies.
# SKIP when ser2net is not installed; part 4 reports SKIP without ESPTOOL.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js
command -v ser2net >/dev/null 2>&1 || e2e_skip "ser2net is not installed (apt-get install ser2net)"

w=$(e2e_tmpdir work)
js="$E2E_ROOT/tests/js/flash.mjs"
e2e_start_sim esp32 --flash "$w/flash.bin" >/dev/null
port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$w/ser2net.yaml" <<EOT
connection: &sim
  accepter: telnet(rfc2217),tcp,127.0.0.1,$port
  connector: serialdev,$(readlink "$SIM_LINK"),115200n81,local
  options:
    kickolduser: true
EOT
cat "$w/ser2net.yaml"
ser2net -n -c "$w/ser2net.yaml" -P "$w/ser2net.pid" >"$w/ser2net.log" 2>&1 &
S2N=$!
E2E_PIDS="$E2E_PIDS $S2N"
# listening, or gone (then the loop ends early and the check below says so)
s2n_up() {
	e2e_gone "$S2N" ||
	    "$PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null
}
e2e_wait_for "ser2net to listen on $port" 10 s2n_up
e2e_gone "$S2N" && { cat "$w/ser2net.log"; e2e_fail "ser2net did not start"; }
url="rfc2217://127.0.0.1:$port"

e2e_log "1. flash through ser2net"
"$SLIPTAP" run -q --device "$url" --keep "$w/flash" --tool esptool-js >"$w/flash.out" 2>&1
rc=$?
cat "$w/flash.out"
[ $rc -eq 0 ] || e2e_fail "flash through ser2net: exit $rc"
e2e_expect "$w/flash.out" "^outcome:  pass" "flash through ser2net"

e2e_log "2. verify through ser2net"
"$SLIPTAP" run --device "$url" -- "$NODE" "$js" --port '{port}' --chip '{chip}' --before no_reset \
    --after no_reset verify_flash '{offset}' '{image}' >"$w/verify.out" 2>&1
rc=$?
cat "$w/verify.out"
[ $rc -eq 0 ] || e2e_fail "verify through ser2net: exit $rc"
e2e_expect "$w/verify.out" "verify OK\|digest matched\|Verif.*OK" "verify through ser2net"

e2e_log "3. a scenario through ser2net"
"$SLIPTAP" run -q --device "$url" --scenario "$E2E_ROOT/scenarios/retry-drop-first-3.ini" \
    --keep "$w/scen" --tool esptool-js >"$w/scen.out" 2>&1
rc=$?
cat "$w/scen.out"
[ $rc -eq 0 ] || e2e_fail "retry-drop-first-3 through ser2net: exit $rc (not MATCH)"
e2e_expect "$w/scen.out" "^outcome:  recovered" "scenario through ser2net"
last="$w/scen/image.bin"

resets=skipped
if [ -n "$(e2e_esptool_versions)" ]; then
	for et in $(e2e_esptool_versions); do
		ver=$(e2e_esptool_version "$et")
		e2e_log "4. esptool $ver with its reset sequence through proxy and ser2net"
		if e2e_version_ge "$ver" 5; then b=default-reset a=hard-reset wf=write-flash vf=verify-flash
		else b=default_reset a=hard_reset wf=write_flash vf=verify_flash; fi
		"$SLIPTAP" run -q --front rfc2217 --device "$url" --keep "$w/reset-$ver" -- "$PYTHON" "$et" \
		    --port '{port}' --chip '{chip}' --before "$b" --after "$a" "$wf" '{offset}' '{image}' \
		    >"$w/reset-$ver.out" 2>&1
		rc=$?
		cat "$w/reset-$ver.out"
		[ $rc -eq 0 ] || e2e_fail "esptool $ver through ser2net with resets: exit $rc"
		e2e_expect "$w/reset-$ver/tool.log" "Hard resetting" "esptool $ver: hard reset"
		"$SLIPTAP" dump "$w/reset-$ver/capture.pcap" >"$w/reset-$ver.dump"
		e2e_expect "$w/reset-$ver.dump" "LINES" "esptool $ver: DTR/RTS in the capture"
		last="$w/reset-$ver/image.bin"
	done
	resets=passed
fi
e2e_stop_sim
# the flash holds the image of the last run that wrote one
e2e_extract "$w/flash.bin" $((0x10000)) "$(wc -c <"$last")" "$w/got.bin"
e2e_same_bytes "$last" "$w/got.bin" "the sim's flash after the runs"
if [ "$resets" = skipped ]; then
	e2e_skip_part "esptool reset sequences" "ESPTOOL is unset (the esptool-js client cannot open rfc2217:// URLs)"
	echo "flash, verify and a scenario through ser2net passed"
else
	echo "flash, verify, a scenario and reset sequences through ser2net passed"
fi
