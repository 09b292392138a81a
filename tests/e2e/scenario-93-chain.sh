#!/bin/sh
# scenario-93-chain.sh — which client prints which failure chain under
# scenarios/esp32s3-write-timeout-93.ini through a pty (the chain
# docs/failure-classes.md and the scenario describe). The rule freezes the
# tool's writes for 12 s at 93 % and then hangs the port up; pySerial's
# write timeout is 10 s, so every Python esptool has given up on
# "Write timeout" before the hang-up, and none prints "Could not configure
# port" (that is device-vanishes-reappears.ini's chain on esptool 3.x):
#   esptool 3.x       Traceback ... SerialTimeoutException: Write timeout
#   esptool 4.0-4.7   A serial exception error occurred: Write timeout
#   esptool >= 4.8    Lost connection, retrying... (reconnects into the
#                     frozen port) then A serial exception ...: Write timeout
#   esptool-js        Invalid state: WritableStream is locked
# esptool-js always runs; each Python esptool in ESPTOOL when set.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

sc="$E2E_ROOT/scenarios/esp32s3-write-timeout-93.ini"
w=$(e2e_tmpdir work)
img="$w/image.bin"
e2e_make_image "$img" 262144

# chain LOG: the failure lines in order, one word each.
chain() {
	tr '\r' '\n' <"$1" | sed 's/\x1b\[[0-9;]*m//g' | grep -o \
	    -e 'SerialTimeoutException: Write timeout' -e 'A serial exception error occurred: Write timeout' \
	    -e 'Lost connection, retrying' -e 'Could not configure port' -e 'WritableStream is locked' |
	    sed 's/SerialTimeoutException: Write timeout/traceback-write-timeout/;
		s/A serial exception error occurred: Write timeout/write-timeout/;
		s/Lost connection, retrying/lost-connection/; s/Could not configure port/configure-port/;
		s/WritableStream is locked/stream-locked/' | uniq | tr '\n' ' ' | sed 's/ $//'
}

run() { # TAG CLIENT [ESPTOOL]
	d=$(e2e_tmpdir "$1")
	e2e_start_sim esp32s3 --flash "$d/flash.bin" --transport usb-jtag --no-wdt >/dev/null
	e2e_start_proxy --quiet --pcap "$d/cap.pcap" --scenario "$sc" "$SIM_LINK" >/dev/null
	if [ "$2" = js ]; then
		E2E_CLIENT_TIMEOUT=100 e2e_run "$d/log" e2e_js --port "$PROXY_LINK" --chip esp32s3 \
		    --before no_reset --after no_reset --no-stub --no-compress --timeout 90 \
		    write_flash 0x10000 "$img" >/dev/null
	else
		E2E_CLIENT_TIMEOUT=100 e2e_run "$d/log" e2e_esptool "$3" --chip esp32s3 \
		    --port "$PROXY_LINK" --before no_reset --after no_reset --no-stub \
		    write_flash -u 0x10000 "$img" >/dev/null
	fi
	rc=$?
	e2e_kill "$PROXY_PID"
	e2e_stop_sim
	[ $rc -ne 0 ] || e2e_fail "$1: the client succeeded"
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || e2e_fail "$1: the client hung"
	got=$(chain "$d/log")
	# "(93 %)" (esptool < 5, esptool-js) or "93.0% 245760/262144 bytes" (esptool 5)
	last=$(tr '\r' '\n' <"$d/log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep 'Writing at 0x' | tail -n 1 |
	    sed -n 's/.*(\([0-9]*\) *%).*/\1/p; s/.* \([0-9]*\)\.[0-9]% .*/\1/p')
	printf '%-16s exit %-3s last progress %3s %%  chain: %s\n' "$1" "$rc" "$last" "$got"
	[ "$got" = "$4" ] || { sed 's/^/  | /' "$d/log" | tail -n 20; e2e_fail "$1: chain '$got', want '$4'"; }
	[ "$last" = 93 ] || e2e_fail "$1: last progress $last %, want 93 %"
}

run esptool-js js "" "stream-locked"
for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	if e2e_version_ge "$v" 4.8; then
		want="lost-connection write-timeout"
	elif e2e_version_ge "$v" 4.0; then
		want="write-timeout"
	else
		want="traceback-write-timeout"
	fi
	run "esptool-$v" py "$et" "$want"
done
[ -n "${ESPTOOL:-}" ] || e2e_skip_part python-esptool "ESPTOOL unset: the Python esptool chains were not run"
echo "93 % scenario: each client's chain as documented"
