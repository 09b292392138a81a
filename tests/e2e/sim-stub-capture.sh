#!/bin/sh
# sim-stub-capture.sh — the proxy's session tracker, `sliptap dump` and the
# Wireshark dissector name the flasher stub a client uploads and decode its
# session: esptool-js 0.7 (esp-flasher-stub) flashes the simulated ESP32
# through `sliptap proxy --pcap`; with ESPTOOL naming an esptool >= 5.3,
# its default stub (esp-flasher-stub) and --stub-version 1 (legacy) too.
# Every ESP32 connect of a Python esptool >= 4 probes GET_SECURITY_INFO,
# which the ESP32 ROM does not know: the tracker must take the ROM's answer
# (eight copies of the SYNC reply's header with 01 05) and report no
# missing reply.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

have_js=1
command -v "$NODE" >/dev/null 2>&1 && [ -d "$E2E_ROOT/tests/js/node_modules/esptool-js" ] || have_js=0
py53=
for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_version_ge "$v" 5.3 && py53=$et
done
[ $have_js = 1 ] || [ -n "$py53" ] ||
    e2e_skip "no client with esp-flasher-stub: no tests/js/node_modules, no esptool >= 5.3 in ESPTOOL"

w=$(e2e_tmpdir work)
img="$w/app.bin"
e2e_make_image "$img" 131072

# chain NAME WANT-STUB CLIENT... — sim, proxy with a capture, the client; then check
chain() {
	name=$1 want=$2
	shift 2
	e2e_start_sim esp32 --flash "$w/flash-$name.bin" --transport uart
	e2e_start_proxy --quiet --json-events --pcap "$w/$name.pcap" "$SIM_LINK"
	for _a in "$@"; do
		shift
		[ "$_a" = "@LINK@" ] && _a=$PROXY_LINK
		set -- "$@" "$_a"
	done
	log="$w/$name.log"
	e2e_run "$log" "$@" || e2e_fail "$name: flashing through the proxy failed"
	e2e_expect "$log" "Hash of data verified" "$name: MD5 verified"
	e2e_kill "$PROXY_PID"
	e2e_stop_sim

	e2e_expect "$PROXY_OUT" '"event":"stub-start"' "$name: stub start"
	e2e_expect "$PROXY_OUT" "\"text\":\"flasher stub: $want\"" "$name: tracker names the stub"
	e2e_reject "$PROXY_OUT" "no reply to GET_SECURITY_INFO" "$name: no false missing reply"
	e2e_reject "$PROXY_OUT" '"anomaly":"missing-reply"' "$name: no missing reply"
	"$SLIPTAP" dump "$w/$name.pcap" >"$w/$name.dump" || e2e_fail "$name: dump failed"
	e2e_expect "$w/$name.dump" "$want" "$name: dump names the stub"
	if command -v tshark >/dev/null 2>&1; then
		n=$(HOME=$w tshark -X lua_script:"$E2E_ROOT/docs/sliptap.lua" -r "$w/$name.pcap" \
		    -Y "sliptap.stub == \"$want\"" 2>"$w/$name.tserr" | wc -l)
		e2e_reject "$w/$name.tserr" "[Ll]ua [Ee]rror" "$name: tshark"
		[ "$n" -ge 2 ] || e2e_fail "$name: the dissector names $want on $n records"
		HOME=$w tshark -X lua_script:"$E2E_ROOT/docs/sliptap.lua" -r "$w/$name.pcap" \
		    >"$w/$name.tshark" 2>&1 || e2e_fail "$name: tshark failed"
		e2e_reject "$w/$name.tshark" "[Ll]ua [Ee]rror\|[Mm]alformed" "$name: tshark decode"
		echo "$name: dissector: $n records name $want"
	else
		echo "$name: tshark not installed, dissector part not run"
	fi
	echo "$name: $want named by the tracker, dump and dissector"
}

if [ $have_js = 1 ]; then
	e2e_log "esptool-js (esp-flasher-stub)"
	chain js esp-flasher-stub e2e_js --port @LINK@ --chip esp32 --before no_reset \
	    --after no_reset write_flash 0x10000 "$img"
fi
if [ -n "$py53" ]; then
	e2e_log "esptool >= 5.3, default stub"
	chain py-v2 esp-flasher-stub e2e_esptool "$py53" --port @LINK@ --before no-reset \
	    --after no-reset write-flash 0x10000 "$img"
	e2e_log "esptool >= 5.3 --stub-version 1"
	chain py-v1 legacy e2e_esptool "$py53" --port @LINK@ --stub-version 1 \
	    --before no-reset --after no-reset write-flash 0x10000 "$img"
fi
[ $have_js = 1 ] || e2e_skip "esptool-js part not run (no tests/js/node_modules); esptool 5.3 passed"
[ -n "$py53" ] || e2e_skip "esptool >= 5.3 part not run (ESPTOOL has none); esptool-js passed"
echo "stub named and decoded for every client"
