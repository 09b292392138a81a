#!/bin/sh
# capture.sh — throughput of the capture writer: BENCH_BYTES (default 1 GiB)
# of FRAME records per case, stub-sized frames (16 KiB + escapes) and small
# ones, flushed per record (crash-safe: a killed writer loses at most one
# record) and with stdio buffering; each against plain fwrite of the same
# bytes to the same directory. The target is ~80 MB/s through the proxy.
# "per CPU-second" (bytes / (user + system time)) is what the writer costs;
# the wall figure also depends on the disk and on other load.
set -eu
cd "$(dirname "$0")/../.."
BUILD_DIR=${SLIPTAP_BUILD:-$PWD/build}
BYTES=${BENCH_BYTES:-1073741824}
for l in libsliptap.a libsliptap-core.a; do
	[ -f "$BUILD_DIR/$l" ] || { echo "capture bench: build first (no $BUILD_DIR/$l)" >&2; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
${CC:-cc} -O2 -std=gnu11 -Iinclude -D_GNU_SOURCE $(pkg-config --cflags libpcap) \
    -o "$T/capture-bench" tools/bench/capture-bench.c \
    "$BUILD_DIR/libsliptap.a" "$BUILD_DIR/libsliptap-core.a" \
    $(pkg-config --libs libserialport libpcap inih zlib) -lm
echo "capture writer, $BYTES bytes per case, file in ${TMPDIR:-/tmp} ($(pkg-config --modversion libpcap) libpcap)"
for size in 16420 1090; do
	for flush in 1 0; do
		"$T/capture-bench" "$T/bench.pcap" "$BYTES" "$size" "$flush"
	done
done
