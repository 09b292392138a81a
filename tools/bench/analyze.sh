#!/bin/sh
# analyze.sh — speed and memory of `sliptap analyze` on big captures, against
# tshark with the shipped dissector (docs/sliptap.lua) on the same file.
#
# The captures are built here (never committed): the records of
# captures/esptool-v4.9.1-esp32-block-rejected-once.pcap (a real esptool
# session through the proxy: ROM, stub upload, FLASH_DATA blocks, a rejected
# block, MD5) repeated until the file reaches 100 MB and 1 GB. Figures:
# wall time, MB/s, peak RSS (flat with the file size = streaming), and the
# ratio to tshark dissecting every record of the same file (tshark runs on
# the 100 MB file; on 1 GB only with BENCH_TSHARK_1G=1, it takes long).
# Goals (issue 10): >= 100x tshark, >= 200 MB/s, flat memory.
#
# BENCH_ANALYZE_MB="100 1024" picks the sizes.
set -eu
cd "$(dirname "$0")/../.."
SLIPTAP=${SLIPTAP:-$PWD/build/sliptap}
[ -x "$SLIPTAP" ] || { echo "analyze bench: build first (no $SLIPTAP)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "analyze bench: SKIP, /usr/bin/time is missing (apt-get install time)"; exit 0; }
SIZES=${BENCH_ANALYZE_MB:-100 1024}
T=$(mktemp -d "${TMPDIR:-/tmp}/sliptap-bench-analyze.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
src=captures/esptool-v4.9.1-esp32-block-rejected-once.pcap

# build SIZE_MB FILE — the source's records repeated to SIZE_MB.
build() {
	cp "$src" "$2"
	tail -c +25 "$src" >"$T/records"
	while [ "$(wc -c <"$2")" -lt $(($1 * 1048576 / 2)) ]; do
		tail -c +25 "$2" >>"$T/records.2"
		cat "$T/records.2" >>"$2"
		rm -f "$T/records.2"
	done
	while [ "$(wc -c <"$2")" -lt $(($1 * 1048576)) ]; do
		cat "$T/records" >>"$2"
	done
}

# measure CMD... — prints "WALL_SECONDS PEAK_KB CPU_SECONDS" (CPU = user + system)
measure() {
	/usr/bin/time -f "%e %M %U %S" -o "$T/time" "$@" >/dev/null 2>"$T/err" || true
	tail -n 1 "$T/time" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

tshark_ok=0
command -v tshark >/dev/null 2>&1 && tshark_ok=1
for mb in $SIZES; do
	f="$T/cap-$mb.pcap"
	build "$mb" "$f"
	bytes=$(wc -c <"$f")
	# warm the page cache so both tools read from memory
	cat "$f" >/dev/null
	set -- $(measure "$SLIPTAP" analyze -q "$f")
	a_s=$1 a_kb=$2 a_cpu=$3
	a_mbs=$(awk -v b="$bytes" -v s="$a_s" 'BEGIN { printf "%.0f", (s > 0) ? b / 1048576 / s : 0 }')
	a_cmbs=$(awk -v b="$bytes" -v s="$a_cpu" 'BEGIN { printf "%.0f", (s > 0) ? b / 1048576 / s : 0 }')
	echo "analyze ${mb} MB capture ($bytes bytes): ${a_s} s wall (${a_mbs} MB/s), ${a_cpu} s CPU (${a_cmbs} MB/s per CPU-second), peak RSS $((a_kb / 1024)) MB"
	if [ $tshark_ok = 1 ] && { [ "$mb" -le 100 ] || [ "${BENCH_TSHARK_1G:-0}" = 1 ]; }; then
		set -- $(measure tshark -X lua_script:docs/sliptap.lua -r "$f" -T fields -e sliptap.type)
		t_s=$1 t_kb=$2 t_cpu=$3
		echo "tshark + sliptap.lua, same file: ${t_s} s wall, ${t_cpu} s CPU, peak RSS $((t_kb / 1024)) MB"
		awk -v a="$a_s" -v t="$t_s" -v ac="$a_cpu" -v tc="$t_cpu" 'BEGIN { if (a > 0 && ac > 0)
		    printf "ratio: analyze is %.0fx faster than tshark (wall), %.0fx (CPU)\n", t / a, tc / ac }'
	elif [ $tshark_ok = 0 ]; then
		echo "tshark: SKIP (not installed)"
	else
		echo "tshark on $mb MB: SKIP (set BENCH_TSHARK_1G=1; it takes minutes)"
	fi
	rm -f "$f"
done
