#!/bin/sh
# proxy-capture-truth.sh — the capture tells the truth: for every library
# scenario (scenarios/*.ini), esptool-js flashes the simulator through the
# proxy with socat byte loggers on both sides of it:
#
#   esptool-js -> socat A (-r/-R) -> proxy (--scenario, --pcap) -> socat B (-r/-R) -> sim
#
# and the four streams rebuilt from the capture (`sliptap dump --streams`,
# capture_rebuild_streams) must equal socat's logs byte for byte: what the
# tool sent (A -r), what it received (A -R), what reached the device (B -r)
# and what the device sent (B -R). Held, delayed, corrupted, dropped,
# injected and thrown-away bytes included. The outcome of each flash does
# not matter here (matrix-library.sh checks those).
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js
command -v socat >/dev/null 2>&1 || e2e_skip "socat is not installed"

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"
bad=0
n=0

# same CAPTURE_STREAM SOCAT_LOG BLOCKED — equal; or, when the proxy froze
# or hung up the port socat writes to (BLOCKED=1: the capture says so),
# socat logs the block (-b 2048) it read and was still blocked writing when
# it was stopped: the capture's stream is then socat's log minus at most
# that tail, which never entered the proxy's port.
same() {
	cmp -s "$1" "$2" && return 0
	[ "$3" = 1 ] || return 1
	_a=$(wc -c <"$1") _b=$(wc -c <"$2")
	[ "$_a" -lt "$_b" ] && [ $((_b - _a)) -le 2048 ] || return 1
	cmp -s -n "$_a" "$1" "$2"
}

# wait for a path to exist (bounded)
wait_path() {
	e2e_poll "$E2E_WAIT" test -e "$1"
}

for f in ${E2E_TRUTH_SCENARIOS:-"$lib"/*.ini}; do
	eval "$("$SLIPTAP" check -e -t esptool-js "$f")" || { echo "check failed: $f"; bad=$((bad + 1)); continue; }
	[ "$SCENARIO_CLIENT" = esptool ] && continue
	name=$SCENARIO_NAME
	chip=${SCENARIO_CHIP:-esp32}
	[ "$chip" = any ] && chip=esp32
	transport=uart
	[ "$SCENARIO_TRANSPORT" = usb-jtag ] && transport=usb-jtag
	size=${SCENARIO_IMAGE_SIZE:-65536}
	deadline=${SCENARIO_DEADLINE:-120}
	d=$(e2e_tmpdir "$name")
	e2e_make_image "$d/image.bin" "$size"
	e2e_log "$name"

	e2e_start_sim "$chip" --flash "$d/flash.bin" --transport "$transport" --no-wdt >/dev/null
	socat -b 2048 -r "$d/device-received.log" -R "$d/device-sent.log" \
	    PTY,link="$d/devport",raw,echo=0 "$SIM_LINK",raw,echo=0 2>"$d/socat-b.err" &
	SB=$!
	E2E_PIDS="$E2E_PIDS $SB"
	wait_path "$d/devport" || e2e_fail "$name: socat B did not start"
	e2e_start_proxy --quiet --pcap "$d/cap.pcap" --scenario "$f" "$d/devport" >/dev/null
	socat -b 2048 -r "$d/host-sent.log" -R "$d/host-received.log" \
	    PTY,link="$d/toolport",raw,echo=0 "$PROXY_LINK",raw,echo=0 2>"$d/socat-a.err" &
	SA=$!
	E2E_PIDS="$E2E_PIDS $SA"
	wait_path "$d/toolport" || e2e_fail "$name: socat A did not start"

	set -- --port "$d/toolport" --chip "$chip" --before no_reset --after no_reset \
	    --timeout "$deadline"
	[ "$SCENARIO_STUB" = no ] && set -- "$@" --no-stub
	[ -n "$SCENARIO_CHANGE_BAUD" ] && set -- "$@" --baud "$SCENARIO_CHANGE_BAUD"
	[ "$SCENARIO_COMPRESS" = no ] && set -- "$@" --no-compress
	E2E_CLIENT_TIMEOUT=$((deadline + 10)) e2e_js "$@" write_flash 0x10000 "$d/image.bin" \
	    >"$d/client.log" 2>&1
	rc=$?
	# Let the last bytes settle, then stop from the tool's side to the device's.
	sleep 0.5
	e2e_kill "$SA"
	e2e_kill "$PROXY_PID"
	e2e_kill "$SB"
	e2e_stop_sim

	mkdir "$d/st"
	"$SLIPTAP" dump --streams "$d/st" "$d/cap.pcap" >"$d/streams.txt" 2>"$d/streams.err" ||
	    { cat "$d/streams.err"; e2e_fail "$name: dump --streams failed"; }
	verdict=ok
	"$SLIPTAP" dump "$d/cap.pcap" >"$d/dump.txt" 2>&1
	hblk=0
	grep -q 'host writes frozen\|HANGUP side=host' "$d/dump.txt" && hblk=1
	for s in host-sent host-received device-received device-sent; do
		[ -f "$d/$s.log" ] || : >"$d/$s.log"
		blk=0
		[ "$s" = host-sent ] && blk=$hblk
		if ! same "$d/st/$s" "$d/$s.log" "$blk"; then
			verdict="DIFFERS"
			echo "  $s: capture $(wc -c <"$d/st/$s") bytes, socat $(wc -c <"$d/$s.log") bytes;" \
			    "first difference: $(cmp "$d/st/$s" "$d/$s.log" 2>&1 | head -n 1)"
		fi
	done
	printf '%-30s client exit %-3s %s\n' "$name" "$rc" "$verdict" | tee -a "$w/results"
	n=$((n + 1))
	[ "$verdict" = ok ] || bad=$((bad + 1))
done
echo
cat "$w/results"
[ $n -gt 0 ] || e2e_fail "no scenario ran"
[ $bad -eq 0 ] || e2e_fail "$bad of $n scenarios: the capture's streams differ from socat's logs"
echo "capture truth: $n scenarios, the rebuilt streams equal socat's logs on both sides"
