#!/bin/sh
# run-tests.sh BUILD [unit|fuzz|e2e] — run sliptap's test suites.
# Unit suites are Check binaries (fork mode, so a crash is a failure);
# fuzz replays run every seed corpus through each fuzz target under a plain
# main(); e2e scripts drive the real binary with real clients and exit 0
# (pass), 77 (skipped, with the reason on their last line) or anything else.
# Ends with one line "N passed, N failed, N skipped".
set -u
BUILD=${1:-build}
ONLY=${2:-all}
export SLIPTAP="$PWD/$BUILD/sliptap" SLIPTAP_BUILD="$PWD/$BUILD" CK_FORK=yes
pass=0 fail=0 skip=0 failed=""

run_one() { # name, command...
	name=$1; shift
	log="$BUILD/test-logs/$name.log"
	mkdir -p "$(dirname "$log")"
	"$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "PASS: $name" ;;
	77) skip=$((skip + 1)); echo "SKIP: $name ($(tail -n 1 "$log"))" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL: $name (exit $rc), last lines of $log:"
	   tail -n 25 "$log" | sed 's/^/    /' ;;
	esac
}

if [ "$ONLY" = all ] || [ "$ONLY" = unit ]; then
	for t in "$BUILD"/tests/check_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" "$t"
		grep -h '^[0-9]*%: Checks' "$BUILD/test-logs/unit/$(basename "$t").log" 2>/dev/null | sed 's/^/    /'
	done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = fuzz ]; then
	for t in "$BUILD"/tests/replay_fuzz_*; do
		[ -x "$t" ] || continue
		n=${t##*/replay_fuzz_}
		run_one "fuzz-replay/$n" "$t" tests/fuzz/corpus/"$n"
	done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = e2e ]; then
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		[ "$(basename "$t")" = lib.sh ] && continue
		run_one "e2e/$(basename "$t" .sh)" sh "$t"
	done
fi

echo
[ -z "$failed" ] || echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
