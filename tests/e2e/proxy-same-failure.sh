#!/bin/sh
# proxy-same-failure.sh — the proxy is invisible: every failure the
# simulator produces by itself ends the same way for the flashing tool
# whether it talks to the simulator directly or through `sliptap proxy`
# (no scenario): the same final error line (port names aside) and the same
# exit status. Cases: the S3 watchdog model (the chip resets mid-write, the
# port freezes, then vanishes), --vanish-after (the port hangs up while the
# tool's write is blocked), --reenumerate-after (it comes back), --boot spi
# (the bootloader never answers), and the simulator killed mid-flash.
# esptool-js always; each Python esptool in ESPTOOL when set. Every pair
# must be SAME. esptool-js + the watchdog once ended, about one run in six,
# with "The device has been lost" through the proxy where it says
# "WritableStream is locked" directly: when the device vanished the proxy
# thawed the client's pty (queue thrown away, hold released) just before
# hanging it up, so the write blocked since the freeze completed and the
# next one failed instead. The proxy now hangs the client up frozen, as the
# simulator does, and freezes it as soon as the device's pty is stopped.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
img="$w/image.bin"
# Random bytes: deflate cannot shorten the write.
head -c 524288 /dev/urandom >"$img"
results="$w/results"
: >"$results"

# The tool's final error line: the last line that names an error (else the
# last line), ANSI colours, carriage-return progress and the port's path
# taken out. esptool 4+ ends with advice lines ("For troubleshooting ...").
final_line() { # LOG PORT
	tr '\r' '\n' <"$1" | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^[[:space:]]*$' |
	    grep -v '^Writing at 0x' | grep -v '^Note: \|^For troubleshooting' >"$1.lines"
	_l=$(grep -i 'error\|exception\|timeout\|failed\|fatal\|locked' "$1.lines" | tail -n 1)
	[ -n "$_l" ] || _l=$(tail -n 1 "$1.lines")
	printf '%s\n' "$_l" | sed "s|$2|PORT|g"
}

client() { # CLIENT ESPTOOL PORT LOG EXTRA...
	_c=$1 _et=$2 _port=$3 _log=$4
	shift 4
	if [ "$_c" = js ]; then
		E2E_CLIENT_TIMEOUT=120 e2e_js --port "$_port" --chip esp32s3 --before no_reset \
		    --after no_reset --timeout 110 --connect-attempts 2 "$@" >"$_log" 2>&1
	else
		E2E_CLIENT_TIMEOUT=120 e2e_esptool "$_et" --chip esp32s3 --port "$_port" \
		    --before no_reset --after no_reset --connect-attempts 2 "$@" >"$_log" 2>&1
	fi
}

# once CASE CLIENT ESPTOOL MODE(direct|proxy) -> sets RC, LINE
once() {
	_case=$1 _c=$2 _et=$3 _mode=$4
	d=$(e2e_tmpdir "$_case-$_mode")
	set -- --transport usb-jtag --flash "$d/flash.bin"
	kill_sim=0
	case $_case in
	watchdog)	set -- "$@" --pace --wdt-timeout 6s ;;
	vanish)		set -- "$@" --pace --wdt-timeout 6s --vanish-after 2s ;;
	reenumerate)	set -- "$@" --pace --wdt-timeout 6s --vanish-after 2s --reenumerate-after 1s ;;
	boot-spi)	set -- "$@" --boot spi --no-wdt ;;
	killed)		set -- "$@" --pace --no-wdt; kill_sim=1 ;;
	esac
	e2e_start_sim esp32s3 "$@" >/dev/null
	port=$SIM_LINK
	if [ "$_mode" = proxy ]; then
		e2e_start_proxy --quiet --pcap "$d/cap.pcap" "$SIM_LINK" >/dev/null
		port=$PROXY_LINK
	fi
	log="$d/client.log"
	if [ "$_c" = js ]; then
		set -- --baud 460800 --no-stub --no-compress write_flash 0x10000 "$img"
	else
		set -- --baud 460800 --no-stub write_flash -u 0x10000 "$img"
	fi
	client "$_c" "$_et" "$port" "$log" "$@" &
	cpid=$!
	if [ $kill_sim -eq 1 ]; then
		# The simulator dies once the write is under way.
		e2e_wait_line "$log" 'Writing at 0x' "$cpid" 60 >/dev/null
		sleep 1
		# Its device node goes with it (as a USB device's does): a link
		# left dangling could reach a pty number the kernel hands out again.
		kill -KILL "$SIM_PID" 2>/dev/null
		rm -f "$SIM_LINK"
	fi
	wait "$cpid"
	RC=$?
	LINE=$(final_line "$log" "$port")
	[ "$_mode" = proxy ] && e2e_kill "$PROXY_PID"
	e2e_stop_sim
	echo "  $_case $_mode: exit $RC: $LINE"
	cp "$log" "$w/$_case-$_c-$_mode.log"
}

bad=0
compare() { # CASE CLIENT ESPTOOL TAG
	once "$1" "$2" "$3" direct
	rc1=$RC line1=$LINE
	once "$1" "$2" "$3" proxy
	rc2=$RC line2=$LINE
	if [ "$rc1" = "$rc2" ] && [ "$line1" = "$line2" ]; then
		v=SAME
	else
		v=DIFFERENT
		bad=$((bad + 1))
	fi
	printf '%-9s %-12s %-14s exit %s/%s  %s\n' "$v" "$1" "$4" "$rc1" "$rc2" "$line1" >>"$results"
	[ $v = SAME ] || printf '%-9s %-12s %-14s proxy: %s\n' "" "" "" "$line2" >>"$results"
	[ "$rc1" -ne 124 ] && [ "$rc1" -ne 137 ] || { bad=$((bad + 1)); echo "$1 $4: the client hung" >>"$results"; }
}

for case in ${E2E_SAME_CASES:-watchdog vanish reenumerate boot-spi killed}; do
	e2e_log "$case: esptool-js"
	compare "$case" js "" esptool-js
	for et in $(e2e_esptool_versions); do
		v=$(e2e_esptool_version "$et")
		e2e_log "$case: esptool $v"
		compare "$case" py "$et" "esptool-$v"
	done
done
echo
cat "$results"
[ $bad -eq 0 ] || e2e_fail "$bad case(s) differ with and without the proxy"
[ -n "${ESPTOOL:-}" ] || e2e_skip_part python-esptool "ESPTOOL unset: the Python esptool clients were not run"
echo "proxy invisible: every simulator failure ends the same with and without the proxy"
