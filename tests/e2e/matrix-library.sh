#!/bin/sh
# matrix-library.sh — the whole scenario library through `sliptap matrix`:
# esptool-js, plus every esptool.py in $ESPTOOL, each run on its own
# simulator behind the proxy, judged against the scenario's [expect] for the
# tool and version its banner announces. Every verdict must be MATCH or
# KNOWN (matrix exits 0 only then); results.jsonl has one line per run; the
# JUnit file validates against tests/data/junit.xsd (xmllint, else Python's
# XML parser for well-formedness) and counts the same runs.
#
# E2E_SCENARIOS="name1 name2" narrows the run; E2E_MATRIX_JOBS (default 2).
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"
set --
if [ -n "${E2E_SCENARIOS:-}" ]; then
	for n in $E2E_SCENARIOS; do
		set -- "$@" "$lib/$n.ini"
	done
else
	set -- "$lib"
fi
set -- "$@" --tool esptool-js
for t in $(e2e_esptool_versions); do
	set -- "$@" --tool "esptool:$t"
done
[ -n "$(e2e_esptool_versions)" ] || e2e_skip_part "Python esptool" \
    "ESPTOOL is unset (colon-separated esptool.py paths)"
start=$(date +%s)
SLIPTAP_PYTHON=$PYTHON "$SLIPTAP" matrix "$@" --jobs "${E2E_MATRIX_JOBS:-2}" \
    --junit "$w/junit.xml" --results "$w/results.jsonl" >"$w/table" 2>"$w/progress"
rc=$?
end=$(date +%s)
cat "$w/progress" "$w/table"
echo "full matrix: $((end - start)) s wall time (exit $rc)"
runs=$(wc -l <"$w/results.jsonl")
[ "$runs" -gt 0 ] || e2e_fail "no run in results.jsonl"
bad=$(grep -c -v '"verdict":"\(MATCH\|KNOWN\)"' "$w/results.jsonl")
[ "$bad" -eq 0 ] || e2e_fail "$bad of $runs runs are neither MATCH nor KNOWN"
[ $rc -eq 0 ] || e2e_fail "matrix exited $rc"
if [ -z "${E2E_SCENARIOS:-}" ]; then
	n=$(ls "$lib"/*.ini | wc -l)
	[ "$(grep -c '"tool":"esptool-js"' "$w/results.jsonl")" -eq "$n" ] ||
	    e2e_fail "esptool-js did not run all $n scenarios"
fi

# JUnit: schema-valid, and the same number of testcases as runs.
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema "$E2E_ROOT/tests/data/junit.xsd" "$w/junit.xml" ||
	    e2e_fail "junit.xml does not validate against tests/data/junit.xsd"
fi
cases=$("$PYTHON" -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert r.tag == "testsuites"
print(sum(int(s.get("tests")) for s in r.findall("testsuite")), len(r.findall("testsuite/testcase")))' "$w/junit.xml") ||
    e2e_fail "junit.xml is not well-formed XML"
[ "$cases" = "$runs $runs" ] || e2e_fail "junit.xml counts '$cases', results.jsonl $runs runs"
echo "all $runs runs MATCH or KNOWN; junit.xml valid"
