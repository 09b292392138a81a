#!/bin/sh
# demo.sh BUILD — the main job on the simulated device, nothing scripted:
#   1. a simulated ESP32-S3 on USB-Serial/JTAG (`sliptap sim`);
#   2. `sliptap proxy` in front of it with scenarios/esp32s3-write-timeout-93.ini;
#   3. a real client flashes a ~450 KB image at 0x10000 through the proxy —
#      Python esptool --no-stub when ESPTOOL names one, else esptool-js — and
#      fails at 93 % with its own message; the fired rule and the capture follow;
#   4. the same flash without the scenario, verified.
# Captures are kept in BUILD/demo/.
set -u
BUILD=${1:-build}
ROOT=$PWD
S="$ROOT/$BUILD/sliptap"
OUT="$ROOT/$BUILD/demo"
PY=${PYTHON:-/usr/bin/python3}
mkdir -p "$OUT"
T=$(mktemp -d "${TMPDIR:-/tmp}/sliptap-demo.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# wait_line FILE PATTERN PID — bounded wait for a ready line.
wait_line() {
	i=0
	while ! grep -q -e "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || { cat "$1" "$1.err" 2>/dev/null; return 1; }
		[ $i -lt 400 ] || return 1
		sleep 0.05
		i=$((i + 1))
	done
}

client=""
for e in $(echo "${ESPTOOL:-}" | tr ':' ' '); do
	[ -f "$e" ] && { client=$e; break; }
done

# The image: a deterministic 450 KB "application".
IMG="$OUT/app-450k.bin"
"$PY" -c 'import random,sys; r=random.Random(450); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(450*1024)))' > "$IMG" 2>/dev/null ||
	head -c 460800 /dev/urandom > "$IMG"

flash() { # PORT [extra client args]
	port=$1
	if [ -n "$client" ]; then
		timeout -k 5 120 "$PY" "$client" --chip esp32s3 --port "$port" --before no_reset --after no_reset \
		    --no-stub write_flash 0x10000 "$IMG"
	else
		timeout -k 5 120 node "$ROOT/tests/js/flash.mjs" --port "$port" --before no_reset \
		    write_flash 0x10000 "$IMG"
	fi
}

start_proxy() { # NAME [proxy args]
	name=$1; shift
	"$S" proxy --link "$T/ttyESP" --pcap "$OUT/$name.pcap" "$@" "$T/ttyDEV" \
	    > "$T/proxy.out" 2> "$T/proxy.out.err" &
	PROXY=$!
	PIDS="$PIDS $PROXY"
	wait_line "$T/proxy.out" 'ready on' "$PROXY" || { echo "demo: the proxy did not start"; exit 1; }
	sed -n 1p "$T/proxy.out"
}

stop_proxy() {
	kill "$PROXY" 2>/dev/null
	wait "$PROXY" 2>/dev/null
	cat "$T/proxy.out.err"
}

say "1. A simulated ESP32-S3 on USB-Serial/JTAG"
"$S" sim --chip esp32s3 --transport usb-jtag --no-wdt --link "$T/ttyDEV" --flash "$T/flash.bin" \
    > "$T/sim.out" 2> "$T/sim.log" &
SIM=$!
PIDS="$PIDS $SIM"
wait_line "$T/sim.out" 'sliptap sim' "$SIM" || { echo "demo: the simulator did not start"; cat "$T/sim.log"; exit 1; }
cat "$T/sim.out"

say "2. The proxy with scenarios/esp32s3-write-timeout-93.ini"
"$S" check scenarios/esp32s3-write-timeout-93.ini
start_proxy write-timeout-93 --scenario "$ROOT/scenarios/esp32s3-write-timeout-93.ini"

if [ -n "$client" ]; then
	say "3. esptool $("$PY" "$client" version 2>/dev/null | tail -n 1) --no-stub write_flash 0x10000 ($(wc -c < "$IMG") bytes) through the proxy"
else
	say "3. esptool-js write_flash 0x10000 ($(wc -c < "$IMG") bytes) through the proxy (set ESPTOOL=path/to/esptool.py for Python esptool)"
fi
flash "$T/ttyESP"
echo "(client exit status $?)"

say "What the proxy saw"
stop_proxy
echo "fault records in the capture:"
"$S" dump "$OUT/write-timeout-93.pcap" | grep -i -E 'fault|rule' | head -n 10
echo "capture written to $OUT/write-timeout-93.pcap"
echo "  (sliptap dump $BUILD/demo/write-timeout-93.pcap, or tshark -X lua_script:docs/sliptap.lua -r ...)"

say "4. The same flash without the scenario"
start_proxy clean
flash "$T/ttyESP"
rc=$?
echo "(client exit status $rc)"
stop_proxy
echo "capture written to $OUT/clean.pcap"
"$S" dump "$OUT/clean.pcap" | tail -n 1
if [ $rc -eq 0 ]; then
	say "Done: the 93 % failure reproduced on demand, and the clean flash verified."
else
	say "The clean flash failed (exit $rc): see above."
	exit 1
fi
