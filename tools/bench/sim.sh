#!/bin/sh
# sim.sh — flash time of a 1 MB image through `sliptap sim`: with --pace at
# 115200 and 921600 baud against the theoretical wire time of the image
# (10 bits per byte), and without --pace (as fast as the pty goes).
# Client: the first esptool.py in $ESPTOOL, else the esptool-js client in
# tests/js (when its node_modules are installed). Prints one line per run.
set -u
SLIPTAP=${SLIPTAP:-$PWD/build/sliptap}
[ -x "$SLIPTAP" ] || { echo "sim bench: $SLIPTAP not built"; exit 1; }
PY=${PYTHON:-python3}
[ -x /usr/bin/python3 ] && PY=${PYTHON:-/usr/bin/python3}
SIZE=$((1024 * 1024))
ADDR=0x10000

client=""
if [ -n "${ESPTOOL:-}" ]; then
	esptool=${ESPTOOL%%:*}
	[ -f "$esptool" ] && client=esptool
fi
if [ -z "$client" ] && [ -d tests/js/node_modules/esptool-js ] && command -v node >/dev/null; then
	client=esptool-js
fi
if [ -z "$client" ]; then
	echo "sim bench: skipped (set ESPTOOL=path/to/esptool.py or npm install in tests/js)"
	exit 0
fi

dir=$(mktemp -d)
simpid=""
cleanup() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# incompressible, so compression gains nothing and the wire carries the image
head -c $SIZE /dev/urandom >"$dir/img.bin"

now() { date +%s.%N; }

start_sim() { # extra args...
	rm -f "$dir/ready" "$dir/tty"
	"$SLIPTAP" sim --chip esp32s3 --link "$dir/tty" --flash "$dir/flash.bin" \
	    "$@" >"$dir/ready" 2>"$dir/sim.log" &
	simpid=$!
	i=0
	while [ ! -s "$dir/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$dir/ready" ] || { echo "sim bench: the simulator did not start"; cat "$dir/sim.log"; exit 1; }
}

stop_sim() {
	kill "$simpid" 2>/dev/null
	wait "$simpid" 2>/dev/null
	simpid=""
}

flash() { # baud
	case $client in
	esptool)
		"$PY" "$esptool" --port "$dir/tty" --before no_reset --after no_reset \
		    -b "$1" write_flash $ADDR "$dir/img.bin" >"$dir/client.log" 2>&1 ;;
	esptool-js)
		node tests/js/flash.mjs --port "$dir/tty" --before no_reset --after no_reset \
		    -b "$1" write_flash $ADDR "$dir/img.bin" >"$dir/client.log" 2>&1 ;;
	esac
}

run() { # label baud pace(0/1)
	if [ "$3" = 1 ]; then start_sim --pace; else start_sim; fi
	t0=$(now)
	if ! flash "$2"; then
		echo "sim bench: $1: flashing failed:"; tail -5 "$dir/client.log"
		stop_sim
		return 1
	fi
	t1=$(now)
	stop_sim
	# the session's own wire time (both directions, every byte at the baud of
	# its moment: connect and stub upload at 115200 included), from the sim
	sess=$(sed -n 's/.*wire time: in \([0-9.]*\) s, out \([0-9.]*\) s.*/\1 \2/p' "$dir/sim.log")
	awk -v l="$1" -v b="$2" -v t0="$t0" -v t1="$t1" -v n=$SIZE -v p="$3" -v c="$client" \
	    -v sess="$sess" 'BEGIN {
		t = t1 - t0; wire = n * 10 / b
		split(sess, w, " "); sw = w[1] + w[2]
		if (p == 1)
			printf "%-16s %s: %7.2f s; image at wire speed %6.2f s (ratio %.2f); session wire time %6.2f s (ratio %.2f)\n", l, c, t, wire, t / wire, sw, (sw > 0 ? t / sw : 0)
		else
			printf "%-16s %s: %7.2f s (%.0f KB/s); paced, the session would need %.2f s\n", l, c, t, n / 1024 / t, sw
	}'
}

echo "1 MB random image to 0x10000 on a simulated esp32s3 (stub, compressed)"
rc=0
run "paced 115200" 115200 1 || rc=1
run "paced 921600" 921600 1 || rc=1
run "unpaced 921600" 921600 0 || rc=1
exit $rc
