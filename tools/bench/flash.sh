#!/bin/sh
# flash.sh — how long esptool-js takes to flash a 1 MB image into the
# simulator, against the theoretical wire time of the bytes it sends.
#
# Three runs: the sim pacing its line at 115200 baud (client stays at 115200),
# pacing at 921600 (the client switches after the stub starts), and no pacing
# (a pty as fast as both ends go). The image is random, so deflate cannot
# shrink it and the wire carries about 1 MB. "write s" is esptool-js's own
# "Wrote ... in N seconds" (the FLASH_DEFL_DATA phase), "wire s" the
# compressed bytes at 10 bits per byte, "ratio" their quotient (1.00 = the
# link is the only cost); "total s" is the whole client run (connect, stub
# upload at 115200, baud change, write, MD5). "ms/blk" is the time per 16 KB
# block beyond the wire time (the whole write time when unpaced): the
# client's own cost per block (esptool-js inflates each block it sends to
# track progress, one byte per callback) plus the ack round trip.
. "$(dirname "$0")/../../tests/e2e/lib.sh"
if ! command -v "$NODE" >/dev/null 2>&1 || [ ! -d "$E2E_ROOT/tests/js/node_modules/esptool-js" ]; then
	echo "flash bench: needs node and tests/js/node_modules (make deps)"
	exit 1
fi
[ -x "$SLIPTAP" ] || { echo "flash bench: no $SLIPTAP"; exit 1; }
export E2E_CLIENT_TIMEOUT=900

w=$(e2e_tmpdir bench)
img="$w/image.bin"
head -c 1048576 /dev/urandom >"$img"

now() { date +%s.%N; }

# run LABEL BAUD PACED [SIM ARGS...]
run() {
	label=$1
	baud=$2
	paced=$3
	shift 3
	e2e_start_sim esp32 --flash "$w/flash-$baud.bin" "$@" >/dev/null
	t0=$(now)
	e2e_js --port "$SIM_LINK" --baud "$baud" --before no_reset --after no_reset \
	    --timeout 850 write_flash 0x10000 "$img" >"$w/log" 2>&1
	rc=$?
	t1=$(now)
	e2e_stop_sim
	if [ $rc -ne 0 ] || ! grep -q '^Hash of data verified' "$w/log"; then
		echo "flash bench: $label failed (exit $rc):"
		tail -n 5 "$w/log"
		return 1
	fi
	# Wrote 1048576 bytes (1048895 compressed) at 0x10000 in 12.345 seconds.
	sed -n 's/^Wrote \([0-9]*\) bytes (\([0-9]*\) compressed) at .* in \([0-9.]*\) seconds\.$/\1 \2 \3/p' \
	    "$w/log" | head -n 1 | awk -v label="$label" -v baud="$baud" -v paced="$paced" \
	    -v t0="$t0" -v t1="$t1" '{
		wire = $2 * 10 / baud
		blocks = int(($2 + 16383) / 16384)
		extra = paced ? $3 - wire : $3
		printf "%-20s %7d %9d %8.2f %7.2f %6.2f %7.1f %8.2f\n", label, baud, $2, $3, wire,
		    $3 / wire, 1000 * extra / blocks, t1 - t0
	}'
}

printf "%-20s %7s %9s %8s %7s %6s %7s %8s\n" run baud "wire B" "write s" "wire s" ratio ms/blk "total s"
rc=0
run "paced 115200" 115200 1 --pace --baud 115200 || rc=1
run "paced 921600" 921600 1 --pace --baud 115200 || rc=1
run "unpaced (pty speed)" 921600 0 || rc=1
exit $rc
