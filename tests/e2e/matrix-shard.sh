#!/bin/sh
# matrix-shard.sh — `sliptap matrix` bookkeeping with esptool-js on three
# quick library scenarios, two of them repeated:
#   - --shard 1/2 and 2/2 split the runs deterministically: disjoint, their
#     union is the unsharded run, and each shard's JUnit file validates;
#   - --repeat 2 runs seeds SEED and SEED+1 and prints pass rates;
#   - --baseline against the same results lists no change; against a
#     results file with one verdict edited it lists exactly that change, and
#     a run missing from the baseline as new;
#   - a broken baseline line is skipped with a message, not a crash;
#   - usage errors exit 2.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"
set -- "$lib/verify-mismatch.ini" "$lib/retry-drop-first-3.ini" "$lib/wrong-boot-mode.ini" \
    --tool esptool-js --repeat 2 --jobs 2

keys() { # results.jsonl -> "scenario seed" lines, sorted
	sed -n 's/.*"scenario":"\([^"]*\)".*"seed":\([0-9]*\).*/\1 \2/p' "$1" | sort
}

e2e_log "the whole matrix"
"$SLIPTAP" matrix "$@" --results "$w/all.jsonl" --junit "$w/all.xml" >"$w/all.out" 2>"$w/all.err"
rc=$?
cat "$w/all.err" "$w/all.out"
[ $rc -eq 0 ] || e2e_fail "matrix exited $rc"
[ "$(wc -l <"$w/all.jsonl")" -eq 6 ] || e2e_fail "expected 6 runs (3 scenarios x 2 repeats)"
e2e_expect "$w/all.out" "pass rates" "--repeat 2: pass rates"
e2e_expect "$w/all.out" "retry-drop-first-3 .*2/2  seeds: 17=MATCH 18=MATCH" "--repeat 2: seeds 17 and 18"
e2e_expect "$w/all.err" "^matrix: \[6/6\]" "progress line"

e2e_log "two shards"
for k in 1 2; do
	"$SLIPTAP" matrix "$@" --shard "$k/2" --results "$w/s$k.jsonl" --junit "$w/s$k.xml" \
	    >"$w/s$k.out" 2>&1 || { cat "$w/s$k.out"; e2e_fail "shard $k/2 failed"; }
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --noout --schema "$E2E_ROOT/tests/data/junit.xsd" "$w/s$k.xml" ||
		    e2e_fail "shard $k: junit does not validate"
	fi
done
keys "$w/s1.jsonl" >"$w/k1"
keys "$w/s2.jsonl" >"$w/k2"
keys "$w/all.jsonl" >"$w/kall"
[ -s "$w/k1" ] && [ -s "$w/k2" ] || e2e_fail "a shard is empty"
[ -z "$(comm -12 "$w/k1" "$w/k2")" ] || e2e_fail "the shards overlap: $(comm -12 "$w/k1" "$w/k2")"
sort "$w/k1" "$w/k2" | cmp -s - "$w/kall" || e2e_fail "the shards' union is not the whole matrix"
# deterministic: the same shard again gives the same runs
"$SLIPTAP" matrix "$@" --shard 1/2 --results "$w/s1b.jsonl" >/dev/null 2>&1
keys "$w/s1b.jsonl" | cmp -s - "$w/k1" || e2e_fail "shard 1/2 is not deterministic"

e2e_log "baselines"
"$SLIPTAP" matrix "$@" --baseline "$w/all.jsonl" >"$w/b0.out" 2>/dev/null ||
    e2e_fail "matrix against its own baseline failed"
e2e_expect "$w/b0.out" "^  no change (6 runs)" "baseline: no change"
# an edited baseline: one verdict changed, one run removed, one junk line
sed '1s/"verdict":"MATCH"/"verdict":"MISMATCH"/' "$w/all.jsonl" | sed '$d' >"$w/edited.jsonl"
echo '{"scenario":"broken' >>"$w/edited.jsonl"
"$SLIPTAP" matrix "$@" --baseline "$w/edited.jsonl" >"$w/b1.out" 2>"$w/b1.err"
cat "$w/b1.out" "$w/b1.err"
[ "$(grep -c '^  changed  ' "$w/b1.out")" -eq 1 ] || e2e_fail "baseline: expected exactly one change"
e2e_expect "$w/b1.out" "^  changed  .*: MISMATCH .* -> MATCH " "baseline: the edited verdict"
[ "$(grep -c '^  new      ' "$w/b1.out")" -eq 1 ] || e2e_fail "baseline: expected one new run"
e2e_expect "$w/b1.err" "edited.jsonl:6: not a sliptap result line" "baseline: junk line named"

e2e_log "usage errors"
for args in "" "$lib" "--tool esptool-js" "$lib --tool esptool-js --shard 3/2" \
    "$lib --tool esptool-js --repeat 0" "$lib --tool esptool-js --jobs x" "/nonexistent --tool esptool-js"; do
	# shellcheck disable=SC2086
	"$SLIPTAP" matrix $args >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || e2e_fail "'sliptap matrix $args' exited $rc, expected 2"
done
echo "shards, repeats and baselines behave"
