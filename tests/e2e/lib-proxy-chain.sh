# lib-proxy-chain.sh — the flash chain shared by proxy-esptool-js.sh and
# proxy-esptool-py.sh (sourced after lib.sh; not a test of its own):
#   CLIENT -> sliptap proxy (pty, --pcap) -> socat -r/-R (byte logs) -> sliptap sim
# Sets $w (work dir), $img (a 200003-byte image), $size, and defines
# run_chain NAME CLIENT... (@LINK@ in CLIENT's arguments is the proxy's pty).
e2e_need_sliptap
e2e_need_tools
[ -n "${SLIPTAP_BUILD:-}" ] || SLIPTAP_BUILD=$(dirname "$SLIPTAP")
command -v socat >/dev/null 2>&1 || e2e_skip "socat is not installed (run make deps)"
[ -f "$SLIPTAP_BUILD/libsliptap.a" ] || e2e_skip "no $SLIPTAP_BUILD/libsliptap.a (run make)"

w=$(e2e_tmpdir work)
img="$w/app.bin"
e2e_make_image "$img" 200003
size=$(wc -c <"$img")

# run_chain NAME CLIENT... — sim, socat tap, proxy; run the client; stop all; check.
run_chain() {
	name=$1
	shift
	flash="$w/flash-$name.bin"
	e2e_start_sim esp32 --flash "$flash" --transport uart
	socat -r "$w/$name-h2d.log" -R "$w/$name-d2h.log" \
	    PTY,link="$w/$name-tap",rawer "$SIM_LINK",rawer 2>"$w/socat.err" &
	SOCAT_PID=$!
	E2E_PIDS="$E2E_PIDS $SOCAT_PID"
	e2e_poll "" test -e "$w/$name-tap" || e2e_fail "socat did not start: $(cat "$w/socat.err")"
	e2e_start_proxy --quiet --json-events --pcap "$w/$name.pcap" "$w/$name-tap"
	case $PROXY_READY in
	"sliptap proxy: ready on /dev/pts/"*" (link $PROXY_LINK) -> $w/$name-tap") ;;
	*) e2e_fail "unexpected ready line: $PROXY_READY" ;;
	esac
	[ "$(stat -L -c %a "$PROXY_LINK")" = 600 ] || e2e_fail "the client pty is not mode 0600"

	for _a in "$@"; do
		shift
		[ "$_a" = "@LINK@" ] && _a=$PROXY_LINK
		set -- "$@" "$_a"
	done
	log="$w/$name.log"
	e2e_run "$log" "$@" || e2e_fail "$name: the flash through the proxy failed"
	e2e_expect "$log" "Hash of data verified" "$name: MD5 verified"

	e2e_kill "$PROXY_PID"
	[ ! -e "$PROXY_LINK" ] || e2e_fail "the proxy left its link behind"
	e2e_kill "$SOCAT_PID"
	e2e_stop_sim

	e2e_extract "$flash" $((0x10000)) "$size" "$w/got"
	e2e_same_bytes "$img" "$w/got" "$name: flash contents at 0x10000"

	# Every byte both ways, exactly as the other side of the proxy saw it.
	"$CAPCHECK" "$w/$name.pcap" "$w/$name-cap-h2d-sent" "$w/$name-cap-d2h-sent" \
	    "$w/$name-cap-h2d-got" "$w/$name-cap-d2h-got" >"$w/$name.cc" ||
	    { cat "$w/$name.cc"; e2e_fail "$name: capture could not be rebuilt"; }
	cat "$w/$name.cc"
	e2e_same_bytes "$w/$name-h2d.log" "$w/$name-cap-h2d-got" "$name: host->device bytes in the capture"
	e2e_same_bytes "$w/$name-cap-h2d-sent" "$w/$name-cap-h2d-got" "$name: host->device sent vs delivered"
	e2e_same_bytes "$w/$name-d2h.log" "$w/$name-cap-d2h-sent" "$name: device->host bytes in the capture"
	[ "$(wc -c <"$w/$name-h2d.log")" -gt $((size / 4)) ] || e2e_fail "$name: too few bytes went to the device"

	# The session as the proxy followed it.
	out=$PROXY_OUT
	e2e_expect "$out" '"event":"client-open"' "$name: client open event"
	e2e_expect "$out" '"event":"chip","phase":"[a-z-]*","chip":"ESP32"' "$name: chip detected"
	e2e_expect "$out" '"event":"stub-start"' "$name: stub start"
	e2e_expect "$out" '"event":"progress".*"percent":100' "$name: progress to 100 %"
	e2e_expect "$out" '"text":"Writing at 0x000[0-9a-f]*\.\.\. ([0-9]* %)"' "$name: esptool's progress line"

	# tshark decodes it with the dissector.
	if command -v tshark >/dev/null 2>&1; then
		HOME=$w tshark -X lua_script:"$E2E_ROOT/docs/sliptap.lua" -r "$w/$name.pcap" \
		    >"$w/$name.tshark" 2>&1 || e2e_fail "$name: tshark failed"
		e2e_reject "$w/$name.tshark" "[Ll]ua [Ee]rror\|[Mm]alformed" "$name: tshark decode"
		n=$(grep -c " sliptap " "$w/$name.tshark")
		records=$(sed 's/.* records=\([0-9]*\) .*/\1/' "$w/$name.cc")
		[ "$n" -eq "$records" ] || e2e_fail "$name: tshark shows $n records, the capture has $records"
		echo "$name: tshark decoded $n records"
	else
		e2e_skip_part "$name-tshark" "tshark is not installed: the dissector check did not run"
	fi
}
