#!/bin/sh
# fuzz.sh BUILD SECONDS [NAME...] — build every tests/fuzz/fuzz_*.c as a libFuzzer
# target (clang; the project's flags plus -fsanitize=fuzzer-no-link,address,
# undefined, linked against the project's libraries built the same way in
# BUILD: `make fuzzers`) and run each (or only the NAMEs, e.g. rfc2217) for
# SECONDS, seeded from its corpus.
# New inputs go to BUILD/corpus/NAME so the committed seeds stay small;
# crashes are written to BUILD/crash-NAME-*.
set -eu
B=${1:-build-fuzz}
T=${2:-60}
shift 2 || shift $#
command -v clang >/dev/null || { echo "fuzz: clang is required (make deps)" >&2; exit 1; }
${MAKE:-make} --no-print-directory BUILD="$B" CC=clang CFLAGS="-O1 -g" \
    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" fuzzers
rc=0
[ $# -gt 0 ] || set -- $(ls tests/fuzz/fuzz_*.c | sed 's,.*/fuzz_\(.*\)\.c$,\1,')
for n in "$@"; do
	[ -f "tests/fuzz/fuzz_$n.c" ] || { echo "fuzz: no tests/fuzz/fuzz_$n.c" >&2; exit 2; }
	echo "fuzz: $n for ${T}s"
	mkdir -p "$B/corpus/$n"
	"$B/fuzz/fuzz_$n" -max_total_time="$T" -print_final_stats=1 \
	    -artifact_prefix="$B/crash-$n-" "$B/corpus/$n" "tests/fuzz/corpus/$n" \
	    >"$B/fuzz-$n.log" 2>&1 || { echo "fuzz: $n FAILED (see $B/fuzz-$n.log)"; rc=1; }
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)|^==[0-9]+==ERROR|^SUMMARY' \
	    "$B/fuzz-$n.log" | sed 's/^/    /'
done
exit $rc
