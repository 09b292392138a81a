#!/bin/sh
# scenario-library.sh — every scenario in scenarios/ is run for real: the
# simulator (`sliptap sim`) behind `sliptap proxy --scenario FILE --pcap`,
# flashed by esptool-js (tests/js/flash.mjs) and, when $ESPTOOL is set, by
# each esptool.py listed there. For each run the observed outcome (pass,
# recovered, fail-clean, fail-dirty, hang, silent-corruption) must equal the
# scenario's [expect] outcome, the tool's output must match its message
# pattern, every (non-optional) rule must appear as a FAULT record in the
# capture (else NOT_TRIGGERED), and [expect] last_progress must be the
# percent of the tool's last "Writing at" line.
#
# Verdicts per run: MATCH, MISMATCH, KNOWN (mismatch of a scenario with a
# known_bug), NOT_TRIGGERED. Any MISMATCH or NOT_TRIGGERED fails the test.
#
# The expectation is the one for the tool and version that ran (a file's
# [expect esptool<4] sections override [expect], see sliptap-scenario(5)).
# Outcomes: exit 0 = pass (recovered when the file expects that and a rule
# fired; silent-corruption when the flash bytes differ), a Python traceback
# or a non-zero exit without the message = fail-dirty, the message =
# fail-clean, the deadline = hang. The message must match in every case.
#
# E2E_SCENARIOS="name1 name2" narrows the run; E2E_SCENARIO_CLIENTS="js py"
# picks the clients (default: js, plus py when ESPTOOL is set).
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"
[ -d "$lib" ] || e2e_fail "no scenarios/ directory"

clients=${E2E_SCENARIO_CLIENTS:-js${ESPTOOL:+ py}}
results="$w/results"
: >"$results"
bad=0

# alt_match LOG PATTERN — true when LOG contains one of PATTERN's " | "
# separated alternatives (literal substrings).
alt_match() {
	printf '%s\n' "$2" | awk 'BEGIN { RS = "[ ]\\|[ ]" } { sub(/\n$/, ""); if (length($0)) print }' >"$w/alts"
	while IFS= read -r _a; do
		[ -n "$_a" ] || continue
		tr '\r' '\n' <"$1" | grep -q -F -e "$_a" && return 0
	done <"$w/alts"
	return 1
}

# run_one FILE CLIENT [ESPTOOL_PATH] — one scenario with one client; appends
# a line to $results and returns 0 (MATCH/KNOWN) or 1.
run_one() {
	f=$1
	client=$2
	tool=${3:-}
	if [ "$client" = js ]; then
		spec=esptool-js
	else
		spec=esptool:$(e2e_esptool_version "$tool")
	fi
	eval "$("$SLIPTAP" check -e -t "$spec" "$f")" || { echo "check failed: $f"; return 1; }
	name=$SCENARIO_NAME
	case "$SCENARIO_CLIENT:$client" in
	esptool:js | esptool-js:py) return 0 ;;
	esac
	chip=${SCENARIO_CHIP:-esp32}
	[ "$chip" = any ] && chip=esp32
	transport=uart
	[ "$SCENARIO_TRANSPORT" = usb-jtag ] && transport=usb-jtag
	size=${SCENARIO_IMAGE_SIZE:-65536}
	deadline=${SCENARIO_DEADLINE:-120}
	tag="$name/$client${tool:+-$(e2e_esptool_version "$tool")}"
	d=$(e2e_tmpdir "$name")
	img="$d/image.bin"
	e2e_make_image "$img" "$size"

	e2e_log "$tag: $SCENARIO_SUMMARY"
	e2e_start_sim "$chip" --flash "$d/flash.bin" --transport "$transport" --no-wdt >/dev/null
	e2e_start_proxy --pcap "$d/cap.pcap" --scenario "$f" "$SIM_LINK" >/dev/null

	log="$d/client.log"
	if [ "$client" = js ]; then
		set -- --port "$PROXY_LINK" --chip "$chip" --before no_reset --after no_reset \
		    --timeout "$deadline"
		[ "$SCENARIO_STUB" = no ] && set -- "$@" --no-stub
		[ -n "$SCENARIO_CHANGE_BAUD" ] && set -- "$@" --baud "$SCENARIO_CHANGE_BAUD"
		[ "$SCENARIO_COMPRESS" = no ] && set -- "$@" --no-compress
		E2E_CLIENT_TIMEOUT=$((deadline + 10)) e2e_run "$log" e2e_js "$@" write_flash 0x10000 "$img" \
		    >"$d/run.log"
		rc=$?
		[ $rc -eq 3 ] && grep -q '^error: timeout' "$log" && rc=124
	else
		set -- --port "$PROXY_LINK" --chip "$chip" --before no_reset --after no_reset
		[ "$SCENARIO_STUB" = no ] && set -- "$@" --no-stub
		[ -n "$SCENARIO_CHANGE_BAUD" ] && set -- "$@" --baud "$SCENARIO_CHANGE_BAUD"
		set -- "$@" write_flash
		[ "$SCENARIO_COMPRESS" = no ] && set -- "$@" -u
		E2E_CLIENT_TIMEOUT=$deadline e2e_run "$log" e2e_esptool "$tool" "$@" 0x10000 "$img" \
		    >"$d/run.log"
		rc=$?
	fi
	e2e_kill "$PROXY_PID"
	e2e_stop_sim

	# The observed outcome.
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		outcome=hang
	elif [ $rc -eq 0 ]; then
		e2e_extract "$d/flash.bin" $((0x10000)) "$size" "$d/got.bin"
		if ! cmp -s "$img" "$d/got.bin"; then
			outcome=silent-corruption
		else
			outcome=pass
		fi
	elif sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -q '^Traceback (most recent call last)'; then
		outcome=fail-dirty
	elif [ -n "$SCENARIO_MESSAGE" ] && alt_match "$log" "$SCENARIO_MESSAGE"; then
		outcome=fail-clean
	else
		outcome=fail-dirty
	fi
	msg_ok=1
	[ -z "$SCENARIO_MESSAGE" ] || alt_match "$log" "$SCENARIO_MESSAGE" || msg_ok=0

	# Fired rules, from the capture.
	"$SLIPTAP" dump --json "$d/cap.pcap" >"$d/dump.json" 2>"$d/dump.err"
	fired=$(grep '"event":"FAULT"' "$d/dump.json" | sed -n 's/.*"fields":{"rule":"\([^"]*\)".*/\1/p' |
	    sort -u | tr '\n' ' ')
	nfired=$(grep -c '"event":"FAULT"' "$d/dump.json")
	[ "$outcome" = pass ] && [ "$SCENARIO_OUTCOME" = recovered ] && [ "$nfired" -gt 0 ] &&
	    outcome=recovered
	missing=""
	for r in $SCENARIO_RULES; do
		case " $fired " in
		*" $r "*) ;;
		*) missing="$missing $r" ;;
		esac
	done
	grep -q "scenario=$name seed=$SCENARIO_SEED" "$d/dump.json" ||
	    missing="$missing (no seed in the capture's START)"

	progress=""
	if [ -n "$SCENARIO_LAST_PROGRESS" ]; then
		# "(93 %)" up to esptool 4.x, "  93.0% 243712/262144 bytes..." from 5.0
		progress=$(tr '\r' '\n' <"$log" | grep 'Writing at 0x' | tail -n 1 |
		    sed -n 's/.*(\([0-9]*\) *%).*/\1/p; s/.* \([0-9]*\)\.[0-9]% [0-9]*\/[0-9]* bytes.*/\1/p')
	fi

	verdict=MATCH
	why=""
	if [ -n "$missing" ]; then
		verdict=NOT_TRIGGERED
		why="rules never fired:$missing"
	elif [ "$outcome" != "$SCENARIO_OUTCOME" ]; then
		verdict=MISMATCH
		why="expected $SCENARIO_OUTCOME, observed $outcome (exit $rc)"
	elif [ $msg_ok -eq 0 ]; then
		verdict=MISMATCH
		why="no line matches the message pattern '$SCENARIO_MESSAGE'"
	elif [ -n "$SCENARIO_LAST_PROGRESS" ] && [ "$progress" != "$SCENARIO_LAST_PROGRESS" ]; then
		verdict=MISMATCH
		why="last progress ${progress:-none} %, expected $SCENARIO_LAST_PROGRESS %"
	fi
	if [ "$verdict" != MATCH ] && [ -n "$SCENARIO_KNOWN_BUG" ]; then
		verdict=KNOWN
		why="$why ($SCENARIO_KNOWN_BUG)"
	fi
	printf '%-14s %-44s %-18s fired: %s%s\n' "$verdict" "$tag" "$outcome" "${fired:-none}" \
	    "${why:+ -- $why}" | tee -a "$results"
	if [ "$verdict" = MISMATCH ] || [ "$verdict" = NOT_TRIGGERED ]; then
		sed 's/^/    /' "$d/run.log" | tail -n 25
		sed 's/^/    proxy: /' "$PROXY_ERR" | tail -n 8
		return 1
	fi
	return 0
}

for f in "$lib"/*.ini; do
	n=$(basename "$f" .ini)
	if [ -n "${E2E_SCENARIOS:-}" ]; then
		case " $E2E_SCENARIOS " in
		*" $n "*) ;;
		*) continue ;;
		esac
	fi
	for c in $clients; do
		if [ "$c" = py ]; then
			for t in $(e2e_esptool_versions); do
				run_one "$f" py "$t" || bad=$((bad + 1))
			done
		else
			run_one "$f" js || bad=$((bad + 1))
		fi
	done
done

echo
cat "$results"
runs=$(wc -l <"$results")
[ "$runs" -gt 0 ] || e2e_fail "no scenario was run"
[ $bad -eq 0 ] || e2e_fail "$bad of $runs scenario runs did not match their [expect]"
echo "all $runs scenario runs matched their [expect] (clients: $clients)"
