#!/bin/sh
# proxy.sh — what `sliptap proxy` costs, measured against references in the
# same run (run by `make bench`; SLIPTAP and SLIPTAP_BUILD set by tools/bench.sh):
#   throughput  BENCH_BYTES (default 64 MiB) each way through a fake echoing
#               device: a direct pty (no relay), socat relaying the same pty
#               pair plain and with -x (hex dump), and the proxy with SLIP
#               decoding, session tracking and the pcap on. Two kinds of
#               traffic: random bytes (about 4 million tiny garbage "frames"
#               per GiB, like application output or noise at a wrong baud)
#               and 16 KiB FLASH_DATA frames (a stub's flash write). Every
#               run is checked by hash (what the device got and what came
#               back); a relay that loses or stalls is reported FAILED.
#               Target: proxy >= 1.0 x socat plain on both.
#               socat: both ends raw,echo=0 (rawer alone leaves the stream
#               stalling), and -b SOCAT_BLOCK (default 2048): socat writes a
#               whole block blocking, so with an echoing device a large block
#               (the 8 KiB default, 64 KiB) deadlocks it once the device's
#               echo queue is full (socat blocked writing to the device, the
#               device blocked writing its echo back to socat).
#               socat -x formats every byte (about 0.3 MB/s), so it moves
#               BENCH_XBYTES (default 4 MiB) only; the figures are rates.
#   latency     added per 64-byte frame round trip, p50/p99: direct, socat, proxy
#   flash time  esptool-js writing BENCH_IMAGE (default 512 KiB) to `sliptap sim
#               --pace` at each of BENCH_FLASH_BAUDS (default "115200 460800"):
#               directly, through a plain socat relay of the same pty pair (the
#               relay reference) and through the proxy (pcap on). Target:
#               proxy/direct <= 1.02, and proxy no slower than socat.
#   memory      the proxy's peak RSS over a BENCH_RSS_BYTES (default 256 MiB) run.
# Prints one line per figure and the ratios at the end.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${SLIPTAP:=$ROOT/build/sliptap}"
: "${BENCH_BYTES:=67108864}"
: "${BENCH_RSS_BYTES:=268435456}"
: "${SOCAT_BLOCK:=2048}"
: "${BENCH_XBYTES:=4194304}"
: "${BENCH_IMAGE:=524288}"
: "${BENCH_PINGS:=2000}"
: "${BENCH_FLASH_BAUDS:=115200 460800}"
: "${CC:=cc}"
[ -x "$SLIPTAP" ] || { echo "proxy bench: no $SLIPTAP (run make)"; exit 1; }
command -v socat >/dev/null 2>&1 || { echo "proxy bench: socat is not installed"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sliptap-bench-proxy.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# the fake device and client: make's build of tests/e2e/ptyio.c, else our own
if [ -x "${SLIPTAP_BUILD:-$(dirname "$SLIPTAP")}/tests/ptyio" ]; then
	cp "${SLIPTAP_BUILD:-$(dirname "$SLIPTAP")}/tests/ptyio" "$T/ptyio"
else
	"$CC" -O2 -o "$T/ptyio" "$ROOT/tests/e2e/ptyio.c" || { echo "proxy bench: cannot build ptyio"; exit 1; }
fi

now() { date +%s.%N; }
# wait_for FILE PATTERN — bounded poll for a line.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $i -lt 400 ] || { echo "proxy bench: timed out waiting for '$2' in $1"; exit 1; }
		sleep 0.05
		i=$((i + 1))
	done
}
wait_path() {
	i=0
	while [ ! -e "$1" ]; do
		[ $i -lt 400 ] || { echo "proxy bench: $1 never appeared"; exit 1; }
		sleep 0.05
		i=$((i + 1))
	done
}

# start_device [NBYTES] — a fresh echoing fake device at $T/dev; the first
# NBYTES it receives go to $T/dev.sha (their SHA-256).
start_device() {
	rm -f "$T/dev" "$T/dev.log" "$T/dev.sha" "$T/dev.fifo"
	mkfifo "$T/dev.fifo"
	sha256sum <"$T/dev.fifo" >"$T/dev.sha" &
	"$T/ptyio" device "$T/dev" "${1:-0}" 2>"$T/dev.log" >"$T/dev.fifo" &
	DEV=$!
	PIDS="$PIDS $DEV"
	wait_for "$T/dev.log" ready
}

# start_relay KIND — the thing under test between $T/port and $T/dev; sets RELAY.
start_relay() {
	rm -f "$T/port"
	case $1 in
	direct)	RELAY=""
		ln -s "$(readlink "$T/dev")" "$T/port" ;;
	socat)	socat -b "$SOCAT_BLOCK" PTY,link="$T/port",raw,echo=0 "$T/dev",raw,echo=0 \
		    2>/dev/null &
		RELAY=$!
		wait_path "$T/port" ;;
	socat-x) socat -x -b "$SOCAT_BLOCK" PTY,link="$T/port",raw,echo=0 "$T/dev",raw,echo=0 \
		    2>/dev/null &
		RELAY=$!
		wait_path "$T/port" ;;
	proxy)	rm -f "$T/cap.pcap" "$T/proxy.out"	# a stale "ready" would race the new proxy
		"$SLIPTAP" proxy --quiet --pcap "$T/cap.pcap" --link "$T/port" "$T/dev" >"$T/proxy.out" 2>&1 &
		RELAY=$!
		wait_for "$T/proxy.out" ready ;;
	esac
	[ -n "$RELAY" ] && PIDS="$PIDS $RELAY"
	return 0
}

stop_all() {
	[ -n "$RELAY" ] && kill "$RELAY" 2>/dev/null && wait "$RELAY" 2>/dev/null
	kill "$DEV" 2>/dev/null
	wait "$DEV" 2>/dev/null
	RELAY=""
}

# frames_file BYTES OUT — BYTES of SLIP-framed 16 KiB FLASH_DATA commands
# (random payload, escapes as on the wire; the last frame cut to fit).
frames_file() {
	python3 - "$1" "$2" <<'PY'
import os, struct, sys
n, out = int(sys.argv[1]), sys.argv[2]
buf, seq = bytearray(), 0
while len(buf) < n:
    data = os.urandom(16384)
    chk = 0xEF
    for b in data[:64]:
        chk ^= b
    body = struct.pack("<BBHI", 0, 3, 16 + len(data), chk) + struct.pack("<IIII", len(data), seq, 0, 0) + data
    body = body.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    buf += b"\xc0" + body + b"\xc0"
    seq += 1
open(out, "wb").write(bytes(buf[:n]))
PY
}

# throughput KIND BYTES [random|frames] — prints MB/s (each way), or 0 when
# bytes were lost, changed or stuck (reason in $T/client.err); sets RSS for the proxy.
throughput() {
	f="$T/in-${3:-random}-$2.bin"
	if [ ! -f "$f" ]; then
		if [ "${3:-random}" = frames ]; then frames_file "$2" "$f"; else head -c "$2" /dev/urandom >"$f"; fi
	fi
	want=$(sha256sum <"$f")
	start_device "$2"
	start_relay "$1"
	t0=$(now)
	if ! "$T/ptyio" client "$T/port" "$2" <"$f" 2>"$T/client.err" |
	    sha256sum >"$T/back.sha"; then
		echo "0"
		stop_all
		return
	fi
	t1=$(now)
	[ "$1" = proxy ] && awk '/VmHWM/ { print $2 }' /proc/"$RELAY"/status >"$T/rss"
	stop_all
	rm -f "$T/cap.pcap"
	wait 2>/dev/null	# sha256sum of what the device got
	if [ -s "$T/client.err" ] || [ "$(cat "$T/back.sha")" != "$want" ] ||
	    [ "$(cat "$T/dev.sha" 2>/dev/null)" != "$want" ]; then
		echo "hash mismatch: sent $(echo "$want" | cut -c1-12), device got" \
		    "$(cut -c1-12 "$T/dev.sha"), came back $(cut -c1-12 "$T/back.sha");" \
		    "$(cat "$T/client.err")" >"$T/client.err.2"
		mv "$T/client.err.2" "$T/client.err"
		echo "0"
		return
	fi
	echo "$2 $t0 $t1" | awk '{ printf "%.1f\n", $1 / ($3 - $2) / 1e6 }'
}

latency() {
	start_device
	start_relay "$1"
	"$T/ptyio" ping "$T/port" "$BENCH_PINGS" 64
	stop_all
}

echo "throughput, random bytes, $BENCH_BYTES each way ($BENCH_XBYTES for socat -x; MB/s each way):"
for k in direct socat socat-x proxy; do
	n=$BENCH_BYTES
	[ "$k" = socat-x ] && n=$BENCH_XBYTES
	v=$(throughput "$k" "$n")
	eval "tp_$(echo $k | tr - _)=$v"
	note=""
	note=" (every byte hash-checked both ways)"
	[ "$k" = proxy ] && note=" (decode + session + pcap; every byte hash-checked both ways)"
	[ "$v" = 0 ] && note=" FAILED: $(cat "$T/client.err" 2>/dev/null) (bytes lost or stuck)"
	printf '  %-8s %8s MB/s%s\n' "$k" "$v" "$note"
done
echo "throughput, 16 KiB FLASH_DATA frames, $BENCH_BYTES each way (MB/s each way):"
for k in direct socat proxy; do
	v=$(throughput "$k" "$BENCH_BYTES" frames)
	eval "tf_$k=$v"
	note=" (every byte hash-checked both ways)"
	[ "$v" = 0 ] && note=" FAILED: $(cat "$T/client.err" 2>/dev/null) (bytes lost or stuck)"
	printf '  %-8s %8s MB/s%s\n' "$k" "$v" "$note"
done
echo "latency, $BENCH_PINGS round trips of a 64-byte frame:"
for k in direct socat proxy; do
	v=$(latency "$k")
	eval "lat_$k=\"$v\""
	printf '  %-8s %s\n' "$k" "$v"
done

flash() { # direct|socat|proxy BAUD -> seconds
	rm -f "$T/sim" "$T/sim.out" "$T/port" "$T/proxy.out"
	"$SLIPTAP" sim --chip esp32 --pace --flash "$T/flash.bin" --link "$T/sim" >"$T/sim.out" 2>/dev/null &
	SIM=$!
	PIDS="$PIDS $SIM"
	wait_for "$T/sim.out" "^sliptap sim:"
	port=$T/sim
	RELAY=""
	case $1 in
	proxy)	"$SLIPTAP" proxy --quiet --pcap "$T/flash.pcap" --link "$T/port" "$T/sim" >"$T/proxy.out" 2>&1 &
		RELAY=$!
		PIDS="$PIDS $RELAY"
		wait_for "$T/proxy.out" ready
		port=$T/port ;;
	socat)	socat -b "$SOCAT_BLOCK" PTY,link="$T/port",raw,echo=0 "$T/sim",raw,echo=0 2>/dev/null &
		RELAY=$!
		PIDS="$PIDS $RELAY"
		wait_path "$T/port"
		port=$T/port ;;
	esac
	ok=1
	t0=$(now)
	node "$ROOT/tests/js/flash.mjs" --port "$port" --chip esp32 --baud "$2" \
	    --before no_reset --after no_reset write_flash 0x10000 "$T/img.bin" >"$T/flash.log" 2>&1 ||
	    { ok=0; tail -n 5 "$T/flash.log" >&2; }
	t1=$(now)
	[ -n "$RELAY" ] && kill "$RELAY" 2>/dev/null && wait "$RELAY" 2>/dev/null
	kill "$SIM" 2>/dev/null
	wait "$SIM" 2>/dev/null
	if [ $ok = 1 ]; then
		echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
	else
		echo "FAILED"
	fi
}
flash_ratios=""
if command -v node >/dev/null 2>&1 && [ -d "$ROOT/tests/js/node_modules/esptool-js" ]; then
	head -c "$BENCH_IMAGE" /dev/urandom >"$T/img.bin"
	for baud in $BENCH_FLASH_BAUDS; do
		fd=$(flash direct "$baud")
		fs=$(flash socat "$baud")
		fp=$(flash proxy "$baud")
		echo "flash time, esptool-js, $BENCH_IMAGE random bytes to sim --pace at $baud baud:"
		echo "  direct   $fd s"
		echo "  socat    $fs s"
		echo "  proxy    $fp s"
		flash_ratios="$flash_ratios $baud:$fd:$fs:$fp"
	done
else
	echo "flash time: skipped (no node or tests/js/node_modules; run make deps)"
fi

v=$(throughput proxy "$BENCH_RSS_BYTES")
echo "memory: proxy peak RSS $(cat "$T/rss" 2>/dev/null) kB over $BENCH_RSS_BYTES bytes each way ($v MB/s)"

echo "ratios:"
echo "$tp_proxy $tp_socat $tp_socat_x $tp_direct" | awk '
	function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a (the reference failed)" }
	{
	printf "  throughput proxy/socat     %s on random bytes (target >= 1.0)\n", r($1, $2)
	printf "  throughput proxy/socat -x  %s\n", r($1, $3)
	printf "  throughput proxy/direct    %s\n", r($1, $4) }'
echo "$tf_proxy $tf_socat" | awk '{ printf "  throughput proxy/socat     %s on 16 KiB frames (target >= 1.0)\n",
	($2 > 0 ? sprintf("%.2f", $1 / $2) : "n/a (the reference failed)") }'
p50() { echo "$1" | sed 's/.*p50_us=\([0-9.]*\).*/\1/'; }
p99() { echo "$1" | sed 's/.*p99_us=\([0-9.]*\).*/\1/'; }
awk -v pd="$(p50 "$lat_direct")" -v ps="$(p50 "$lat_socat")" -v pp="$(p50 "$lat_proxy")" \
    -v qd="$(p99 "$lat_direct")" -v qs="$(p99 "$lat_socat")" -v qp="$(p99 "$lat_proxy")" 'BEGIN {
	printf "  added latency p50: proxy %+.1f us vs direct, %+.1f us vs socat\n", pp - pd, pp - ps
	printf "  added latency p99: proxy %+.1f us vs direct, %+.1f us vs socat (target: <= socat, i.e. <= 0)\n", qp - qd, qp - qs }'
for f in $flash_ratios; do
	echo "$f" | awk -F: '
	function r(a, b) { return (a + 0 > 0 && b + 0 > 0) ? sprintf("%.3f", a / b) : "n/a (a run failed)" }
	{
	printf "  flash time proxy/direct    %s at %s baud (target <= 1.02)\n", r($4, $2), $1
	printf "  flash time socat/direct    %s at %s baud (the relay reference)\n", r($3, $2), $1
	printf "  flash time proxy/socat     %s at %s baud (target <= 1.0 within noise)\n", r($4, $3), $1 }'
done
exit 0
