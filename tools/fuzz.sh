#!/bin/sh
# fuzz.sh SECONDS — build every tests/fuzz/fuzz_*.c with clang's libFuzzer
# (plus ASan/UBSan) and run each for SECONDS, seeded from its corpus. New
# inputs go to build-fuzz/corpus/NAME so the committed seeds stay small.
set -eu
T=${1:-60}
command -v clang >/dev/null || { echo "fuzz: clang is required (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p build-fuzz
CFL="-g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE $(pkg-config --cflags libserialport libpcap inih zlib)"
LIBS="$(pkg-config --libs libserialport libpcap inih zlib) -lm"
SRC=$(ls src/core/*.c src/util/*.c src/io/*.c src/sim/*.c src/proxy/*.c src/run/*.c src/cmd/*.c src/analyze/*.c 2>/dev/null)
for f in tests/fuzz/fuzz_*.c; do
	n=$(basename "$f" .c); n=${n#fuzz_}
	echo "fuzz: $n for ${T}s"
	clang $CFL -o "build-fuzz/fuzz_$n" "$f" $SRC $LIBS
	mkdir -p "build-fuzz/corpus/$n"
	"build-fuzz/fuzz_$n" -max_total_time="$T" -print_final_stats=1 \
	    "build-fuzz/corpus/$n" "tests/fuzz/corpus/$n" 2>&1 | tail -n 12
done
