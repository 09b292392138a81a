#!/bin/sh
# analyze-closed-loop.sh — the classifier's closed loop, in two parts.
#
# 1. Committed outputs (always; seconds): every real client output listed in
#    tests/data/MANIFEST (console and --trace logs of esptool-js and esptool
#    3.3 to 5.3 run against every scenario; tools/gen-testdata.sh) goes
#    through `sliptap analyze --json` and must give the scenario's [expect]
#    class. A console log may instead name it among its alternatives where
#    the tool prints the same words for several causes (esptool-js "Failed to
#    connect with the device", esptool 5.x "The chip stopped responding" /
#    "No more data to read from the serial port"); the table marks it "alt".
# 2. Live runs: scenarios in scenarios/ run against the simulator through
#    `sliptap proxy --scenario` with esptool-js (always) and each esptool.py
#    in $ESPTOOL. ANALYZE_LIVE selects how many:
#      rotate (default)  every scenario once, with one client, the clients
#                        taking turns (scenario i: client (i + ANALYZE_ROTATE)
#                        mod n, or the next one the scenario allows; CI may
#                        set ANALYZE_ROTATE to a build number to cover other
#                        pairs over time); Python esptool runs with
#                        --trace, so one run yields a capture and a trace log,
#                        esptool-js a capture and a console log. Every
#                        scenario and every client is seen live, in about the
#                        time of one full pass of a single client.
#      all               every scenario with every client, Python twice (plain
#                        for the console log, --trace for the trace log): the
#                        full matrix, what tools/gen-testdata.sh needs
#                        (ANALYZE_GEN_DIR implies all).
#      none              part 1 only.
#    The capture must give the class, and so must the trace log; a console
#    log as in part 1.
#
# ANALYZE_GEN_DIR=DIR keeps every capture and log in DIR/<scenario>/<client>.*
# (tools/gen-testdata.sh uses it). E2E_SCENARIOS and E2E_SCENARIO_CLIENTS
# narrow the live runs as in matrix-library.sh.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"
data="$E2E_ROOT/tests/data"
clients=${E2E_SCENARIO_CLIENTS:-js${ESPTOOL:+ py}}
live=${ANALYZE_LIVE:-rotate}
[ -n "${ANALYZE_GEN_DIR:-}" ] && live=all
case $live in
rotate | all | none) ;;
*) e2e_fail "ANALYZE_LIVE=$live: rotate, all or none" ;;
esac
results="$w/results"
: >"$results"
bad=0

# classify FILE — print "CLASS ALTS" from `sliptap analyze --json`.
classify() {
	"$SLIPTAP" analyze --json "$1" >"$2.json" 2>"$2.err"
	_rc=$?
	if [ $_rc -ge 2 ]; then
		echo "ERROR(exit $_rc) -"
		return
	fi
	_c=$(sed -n 's/^  "class": "\([A-Z_]*\)".*/\1/p' "$2.json" | head -n 1)
	_a=$(sed -n '/"alternatives"/,/\]/s/.*"class": "\([A-Z_]*\)".*/\1/p' "$2.json" | tr '\n' ',')
	echo "${_c:-NONE} ${_a:--}"
}

# verdict KIND FILE EXPECTED [JSON] — OK / alt / BAD for one input (the
# analysis goes to JSON, default FILE.json).
verdict() {
	set -- "$1" "$2" "$3" $(classify "$2" "${4:-$2}")
	if [ "$4" = "$3" ]; then
		echo "$1=$4"
	elif [ "$1" = console ] && case ",$5" in *",$3,"*) true ;; *) false ;; esac; then
		echo "$1=$4(alt:$3)"
	else
		echo "$1=$4!BAD"
	fi
}

# ---- part 1: the committed client outputs ---------------------------------

# check_data — classify every file in tests/data/MANIFEST; a per-client table
# (correct of total); misclassified ones count in $bad. $i: the files.
check_data() {
	tally="$w/tally"
	: >"$tally"
	[ -f "$data/MANIFEST" ] || e2e_fail "tests/data/MANIFEST is missing (tools/gen-testdata.sh)"
	i=0
	while read -r file want; do
		case $file in '#'* | '') continue ;; esac
		[ -f "$data/$file" ] || e2e_fail "tests/data/$file is in MANIFEST but missing"
		b=$(basename "$file")
		case $b in
		*.console.log) kind=console ;;
		*.trace.log) kind=trace ;;
		*) e2e_fail "tests/data/$file: neither a console nor a trace log" ;;
		esac
		client=${b%.console.log}
		client=${client%.trace.log}
		i=$((i + 1))
		v=$(verdict "$kind" "$data/$file" "$want" "$w/data.$i" </dev/null)
		case $v in
		*'!BAD'*)
			echo "tests/data/$file: expected $want, got $v"
			sed -n '1,12p' "$w/data.$i.json" | sed 's/^/    /'
			bad=$((bad + 1))
			echo "$client $kind BAD" >>"$tally" ;;
		*'(alt:'*) echo "$client $kind ALT" >>"$tally" ;;
		*) echo "$client $kind OK" >>"$tally" ;;
		esac
	done <"$data/MANIFEST"
	[ "$i" -gt 0 ] || e2e_fail "tests/data/MANIFEST lists no file"
	echo "tests/data: $i committed client outputs (correct of total; alt: a console"
	echo "log naming the class among its alternatives):"
	printf '  %-10s %-20s %s\n' client console trace
	for c in $(cut -d' ' -f1 "$tally" | sort -u); do
		printf '  %-10s %-20s %s\n' "$c" \
		    "$(grep -c "^$c console [OA]" "$tally")/$(grep -c "^$c console" "$tally") ($(grep -c "^$c console ALT" "$tally") alt)" \
		    "$(grep -c "^$c trace OK" "$tally")/$(grep -c "^$c trace" "$tally")"
	done
}

i=0
if [ -n "${ANALYZE_GEN_DIR:-}" ]; then
	echo "tests/data: not read (ANALYZE_GEN_DIR: making new data)"
else
	check_data
fi
data_bad=$bad

# ---- part 2: live runs ------------------------------------------------------

# run_client FILE CLIENT TOOL DIR TRACE — one run; leaves DIR/cap.pcap, DIR/console.log.
run_client() {
	acl_file=$1 acl_client=$2 acl_tool=$3 acl_dir=$4 acl_trace=$5
	chip=${SCENARIO_CHIP:-esp32}
	[ "$chip" = any ] && chip=esp32
	transport=uart
	[ "$SCENARIO_TRANSPORT" = usb-jtag ] && transport=usb-jtag
	size=${SCENARIO_IMAGE_SIZE:-65536}
	deadline=${SCENARIO_DEADLINE:-120}
	e2e_make_image "$acl_dir/image.bin" "$size"
	e2e_start_sim "$chip" --flash "$acl_dir/flash.bin" --transport "$transport" --no-wdt >/dev/null
	e2e_start_proxy --pcap "$acl_dir/cap.pcap" --scenario "$acl_file" "$SIM_LINK" >/dev/null
	if [ "$acl_client" = js ]; then
		set -- --port "$PROXY_LINK" --chip "$chip" --before no_reset --after no_reset \
		    --timeout "$deadline"
		[ "$SCENARIO_STUB" = no ] && set -- "$@" --no-stub
		[ -n "$SCENARIO_CHANGE_BAUD" ] && set -- "$@" --baud "$SCENARIO_CHANGE_BAUD"
		[ "$SCENARIO_COMPRESS" = no ] && set -- "$@" --no-compress
		E2E_CLIENT_TIMEOUT=$((deadline + 10)) e2e_js "$@" write_flash 0x10000 "$acl_dir/image.bin" \
		    >"$acl_dir/console.log" 2>&1
	else
		set -- --port "$PROXY_LINK" --chip "$chip" --before no_reset --after no_reset
		[ "$acl_trace" = 1 ] && set -- --trace "$@"
		[ "$SCENARIO_STUB" = no ] && set -- "$@" --no-stub
		[ -n "$SCENARIO_CHANGE_BAUD" ] && set -- "$@" --baud "$SCENARIO_CHANGE_BAUD"
		set -- "$@" write_flash
		[ "$SCENARIO_COMPRESS" = no ] && set -- "$@" -u
		E2E_CLIENT_TIMEOUT=$deadline e2e_esptool "$acl_tool" "$@" 0x10000 "$acl_dir/image.bin" \
		    >"$acl_dir/console.log" 2>&1
	fi
	e2e_kill "$PROXY_PID"
	e2e_stop_sim
}

# run_one FILE CLIENT [TOOL] — one scenario with one client: 0 classified, 1
# misclassified, 3 the scenario is not for this client.
run_one() {
	f=$1 client=$2 tool=${3:-}
	if [ "$client" = js ]; then
		spec=esptool-js
		tag=js
	else
		v=$(e2e_esptool_version "$tool")
		spec=esptool:$v
		tag=py-$v
	fi
	eval "$("$SLIPTAP" check -e -t "$spec" "$f")" || { echo "check failed: $f"; return 1; }
	case "$SCENARIO_CLIENT:$client" in
	esptool:js | esptool-js:py) return 3 ;;
	esac
	name=$SCENARIO_NAME
	want=$SCENARIO_CLASS
	d=$(e2e_tmpdir "$name-$tag")
	e2e_log "$name/$tag: expect $want"
	if [ "$client" = py ] && [ "$live" = rotate ]; then
		# one run: the capture and the trace log
		run_client "$f" "$client" "$tool" "$d" 1
		line="$(verdict capture "$d/cap.pcap" "$want") $(verdict trace "$d/console.log" "$want")"
	else
		run_client "$f" "$client" "$tool" "$d" 0
		line="$(verdict capture "$d/cap.pcap" "$want") $(verdict console "$d/console.log" "$want")"
		if [ "$client" = py ]; then
			mkdir -p "$d/t"
			run_client "$f" "$client" "$tool" "$d/t" 1
			line="$line $(verdict trace "$d/t/console.log" "$want")"
		fi
	fi
	if [ -n "${ANALYZE_GEN_DIR:-}" ]; then
		mkdir -p "$ANALYZE_GEN_DIR/$name"
		cp "$d/cap.pcap" "$ANALYZE_GEN_DIR/$name/$tag.pcap"
		cp "$d/console.log" "$ANALYZE_GEN_DIR/$name/$tag.console.log"
		[ -f "$d/t/console.log" ] && cp "$d/t/console.log" "$ANALYZE_GEN_DIR/$name/$tag.trace.log"
	fi
	printf '%-28s %-10s %-18s %s\n' "$name" "$tag" "$want" "$line" | tee -a "$results"
	case "$line" in
	*'!BAD'*)
		for j in "$d"/*.json "$d"/t/*.json; do
			[ -f "$j" ] && sed -n '1,12p' "$j" | sed "s|^|    $(basename "$j"): |"
		done
		return 1 ;;
	esac
	return 0
}

# the live clients, one per line: "js" or "py PATH"
runners="$w/runners"
: >"$runners"
for c in $clients; do
	if [ "$c" = py ]; then
		e2e_esptool_versions | sed 's/^/py /' >>"$runners"
	else
		echo "$c" >>"$runners"
	fi
done
nrun=$(wc -l <"$runners")

[ "$live" = none ] && nrun=0
[ "$nrun" -gt 0 ] || [ "$live" = none ] || e2e_fail "no live client (E2E_SCENARIO_CLIENTS=$clients)"
k=${ANALYZE_ROTATE:-0}
case $k in *[!0-9]* | '') e2e_fail "ANALYZE_ROTATE=$k: a number" ;; esac
for f in "$lib"/*.ini; do
	[ "$nrun" -gt 0 ] || break
	n=$(basename "$f" .ini)
	if [ -n "${E2E_SCENARIOS:-}" ]; then
		case " $E2E_SCENARIOS " in
		*" $n "*) ;;
		*) continue ;;
		esac
	fi
	j=0
	while [ $j -lt "$nrun" ]; do
		r=$(sed -n "$(( (k + j) % nrun + 1 ))p" "$runners")
		# shellcheck disable=SC2086 # "py PATH": two words on purpose
		run_one "$f" $r
		case $? in
		0) [ "$live" = rotate ] && break ;;
		3) ;;
		*) bad=$((bad + 1)); [ "$live" = rotate ] && break ;;
		esac
		j=$((j + 1))
	done
	k=$((k + 1))
done

echo
if [ "$live" = none ]; then
	echo "live runs: none (ANALYZE_LIVE=none)"
else
	echo "live runs ($live; clients: $clients):"
	cat "$results"
fi
runs=$(wc -l <"$results")
[ "$live" = none ] || [ "$runs" -gt 0 ] || e2e_fail "no scenario was run"
[ $bad -eq 0 ] || e2e_fail "$data_bad of $i committed outputs and $((bad - data_bad)) of $runs live runs were misclassified"
echo "all $i committed outputs and $runs live runs classified to their scenario's class"
