#!/bin/sh
# analyze-roundtrip.sh — from a report to a reproduction and back: every
# failing scenario of the library is run with esptool-js through the proxy;
# its capture and its console log are analysed and each turned into a
# scenario with `analyze --to-scenario`; the generated file must pass
# `sliptap check`, and running it must give the same class at the same
# command and seq (or, without a seq, the same progress) as the analysis it
# came from. Scenarios that pass (class SUCCESS) have nothing to reproduce.
#
# E2E_SCENARIOS="a b" narrows the run.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir rt)
results="$w/results"
: >"$results"
bad=0

# js_run SCENARIO DIR — run SCENARIO with esptool-js; DIR/cap.pcap, DIR/console.log.
js_run() {
	eval "$("$SLIPTAP" check -e -t esptool-js "$1")" || return 1
	rt_chip=${SCENARIO_CHIP:-esp32}
	[ "$rt_chip" = any ] && rt_chip=esp32
	rt_tr=uart
	[ "$SCENARIO_TRANSPORT" = usb-jtag ] && rt_tr=usb-jtag
	e2e_make_image "$2/image.bin" "${SCENARIO_IMAGE_SIZE:-65536}"
	e2e_start_sim "$rt_chip" --flash "$2/flash.bin" --transport "$rt_tr" --no-wdt >/dev/null
	e2e_start_proxy --pcap "$2/cap.pcap" --scenario "$1" "$SIM_LINK" >/dev/null
	set -- --port "$PROXY_LINK" --chip "$rt_chip" --before no_reset --after no_reset \
	    --timeout "${SCENARIO_DEADLINE:-120}"
	[ "$SCENARIO_STUB" = no ] && set -- "$@" --no-stub
	[ -n "$SCENARIO_CHANGE_BAUD" ] && set -- "$@" --baud "$SCENARIO_CHANGE_BAUD"
	[ "$SCENARIO_COMPRESS" = no ] && set -- "$@" --no-compress
	E2E_CLIENT_TIMEOUT=$((${SCENARIO_DEADLINE:-120} + 10)) e2e_js "$@" write_flash 0x10000 \
	    "$rt_dir/image.bin" >"$rt_dir/console.log" 2>&1
	e2e_kill "$PROXY_PID"
	e2e_stop_sim
}

# where FILE — "CLASS COMMAND SEQ PERCENT" of an analysis.
where() {
	"$SLIPTAP" analyze --json "$1" >"$1.json" 2>/dev/null
	sed -n 's/^  "class": "\([A-Z_]*\)".*/\1/p' "$1.json" | head -n 1 | tr '\n' ' '
	sed -n 's/.*"where": {"phase": [^,]*, "command": \([^,]*\), "op": [^,]*, "seq": \([^,]*\), "percent": \([^,]*\),.*/\1 \2 \3/p' \
	    "$1.json" | tr -d '"'
}

for f in "$E2E_ROOT"/scenarios/*.ini; do
	n=$(basename "$f" .ini)
	if [ -n "${E2E_SCENARIOS:-}" ]; then
		case " $E2E_SCENARIOS " in *" $n "*) ;; *) continue ;; esac
	fi
	eval "$("$SLIPTAP" check -e -t esptool-js "$f")"
	[ "$SCENARIO_CLASS" = SUCCESS ] && continue
	case "$SCENARIO_CLIENT" in esptool) continue ;; esac
	rt_dir=$(e2e_tmpdir "$n")
	e2e_log "$n: original run"
	js_run "$f" "$rt_dir"
	for k in cap.pcap console.log; do
		set -- $(where "$rt_dir/$k")
		c1=$1 cmd1=${2:-null} seq1=${3:-null} pc1=${4:-null}
		gen="$rt_dir/$k.ini"
		"$SLIPTAP" analyze -q --to-scenario "$gen" "$rt_dir/$k" 2>"$rt_dir/gen.err"
		if [ ! -s "$gen" ]; then
			printf '%-28s %-12s %-20s %s\n' "$n" "$k" "$c1" "no scenario: $(cat "$rt_dir/gen.err")" |
			    tee -a "$results"
			bad=$((bad + 1))
			continue
		fi
		"$SLIPTAP" check -q "$gen" || { bad=$((bad + 1)); echo "BAD $n/$k: generated scenario fails check"; continue; }
		rt2=$(e2e_tmpdir "$n-re")
		rt_save=$rt_dir
		rt_dir=$rt2
		js_run "$gen" "$rt2"
		rt_dir=$rt_save
		set -- $(where "$rt2/cap.pcap")
		c2=$1 cmd2=${2:-null} seq2=${3:-null} pc2=${4:-null}
		v=SAME
		if [ "$c1" != "$c2" ]; then
			v=DIFFERENT
		elif [ "$seq1" != null ] && [ "$seq1" != "$seq2" ]; then
			v=DIFFERENT
		elif [ "$seq1" = null ] && [ "$pc1" != null ] && [ "$pc1" != "$pc2" ]; then
			v=DIFFERENT
		fi
		[ "$v" = SAME ] || bad=$((bad + 1))
		printf '%-28s %-12s %-9s %-20s %s seq %s %s%% -> %s %s seq %s %s%%\n' "$n" "$k" "$v" "$c1" \
		    "$cmd1" "$seq1" "$pc1" "$c2" "$cmd2" "$seq2" "$pc2" | tee -a "$results"
	done
done
echo
cat "$results"
[ -s "$results" ] || e2e_fail "no scenario was run"
[ $bad -eq 0 ] || e2e_fail "$bad round trips did not reproduce the failure"
echo "every failure reproduced from its capture and its console log"
