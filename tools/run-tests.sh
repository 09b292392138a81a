#!/bin/sh
# run-tests.sh BUILD [unit|fuzz|e2e] — run sliptap's test suites.
# Unit suites are Check binaries (fork mode, so a crash is a failure);
# fuzz replays run every seed corpus through each fuzz target under a plain
# main(); e2e scripts drive the real binary with real clients and exit 0
# (pass), 77 (skipped, with the reason on their last line) or anything else
# (fail). A test may also name parts of itself that did not run (e2e_skip_part
# in tests/e2e/lib.sh writes "PART<TAB>REASON" lines to $E2E_SKIP_FILE): each
# is reported and counted as a SKIP of its own, so a PASS covers only what ran.
# Each group ends with "GROUP: N passed, N failed, N skipped"; the run ends
# with the plain line "N passed, N failed, N skipped".
set -u
BUILD=${1:-build}
ONLY=${2:-all}
export SLIPTAP="$PWD/$BUILD/sliptap" SLIPTAP_BUILD="$PWD/$BUILD" CK_FORK=yes
pass=0 fail=0 skip=0 failed=""

run_one() { # name, command...
	name=$1; shift
	log="$BUILD/test-logs/$name.log"
	parts="$BUILD/test-logs/$name.skipped"
	mkdir -p "$(dirname "$log")"
	rm -f "$parts"
	E2E_SKIP_FILE="$PWD/$parts" "$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "PASS: $name" ;;
	77) skip=$((skip + 1)); echo "SKIP: $name ($(tail -n 1 "$log"))" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL: $name (exit $rc), last lines of $log:"
	   tail -n 25 "$log" | sed 's/^/    /' ;;
	esac
	[ -s "$parts" ] || return 0
	while IFS="	" read -r part reason; do
		skip=$((skip + 1))
		echo "SKIP: $name/$part ($reason)"
	done <"$parts"
}

# group NAME — print the counts since the previous group.
g_pass=0 g_fail=0 g_skip=0
group() {
	echo "$1: $((pass - g_pass)) passed, $((fail - g_fail)) failed, $((skip - g_skip)) skipped"
	echo
	g_pass=$pass g_fail=$fail g_skip=$skip
}

if [ "$ONLY" = all ] || [ "$ONLY" = unit ]; then
	for t in "$BUILD"/tests/check_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" "$t"
		grep -h '^[0-9]*%: Checks' "$BUILD/test-logs/unit/$(basename "$t").log" 2>/dev/null | sed 's/^/    /'
	done
	group unit
fi
if [ "$ONLY" = all ] || [ "$ONLY" = fuzz ]; then
	for t in "$BUILD"/tests/replay_fuzz_*; do
		[ -x "$t" ] || continue
		n=${t##*/replay_fuzz_}
		run_one "fuzz-replay/$n" "$t" tests/fuzz/corpus/"$n"
	done
	group fuzz-replay
fi
if [ "$ONLY" = all ] || [ "$ONLY" = e2e ]; then
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		# lib.sh and lib-*.sh hold the functions the tests source.
		case $(basename "$t") in lib.sh | lib-*.sh) continue ;; esac
		run_one "e2e/$(basename "$t" .sh)" sh "$t"
	done
	group e2e
fi

[ -z "$failed" ] || echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
