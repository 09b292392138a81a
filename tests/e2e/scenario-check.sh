#!/bin/sh
# scenario-check.sh — the scenario commands through the real binary:
# `sliptap check` (exit 0 / 1 / 2, "FILE: ok (N rules)", every error as
# "file:line: message" with its suggestion, -e shell output per tool),
# `sliptap scenarios` (the library listing), and `sliptap proxy --scenario`
# refusing a bad file with the same message before touching any port.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"

# Every library file is valid.
"$SLIPTAP" check "$lib"/*.ini >"$w/ok.out" 2>"$w/ok.err" || {
	cat "$w/ok.err"
	e2e_fail "check rejects a library file"
}
n=$(ls "$lib"/*.ini | wc -l)
[ "$(grep -c ': ok (' "$w/ok.out")" -eq "$n" ] || e2e_fail "check did not say ok for all $n files"
e2e_expect "$w/ok.out" "esp32s3-write-timeout-93.ini: ok (1 rule)$" "ok line"

# A bad file: exit 1, every error with file and line, suggestions.
cat >"$w/bad.ini" <<'EOF'
[scenario]
name = bad
deadline = 10

[expect]
outcome = fail-clen
class = ACK_STALL

[rule a]
command = FLASH_DAT
action = dorp
EOF
"$SLIPTAP" check "$w/bad.ini" >"$w/bad.out" 2>"$w/bad.err"
rc=$?
[ $rc -eq 1 ] || e2e_fail "check of a bad file exited $rc, not 1"
for want in \
    "$w/bad.ini:3: bad duration \"10\": needs a unit (us, ms, s or min)" \
    "$w/bad.ini:6: unknown outcome \"fail-clen\" (did you mean \"fail-clean\"?)" \
    "$w/bad.ini:10: unknown op \"FLASH_DAT\" (did you mean \"FLASH_DATA\"?)" \
    "$w/bad.ini:11: unknown action \"dorp\" (did you mean \"drop\"?)"; do
	grep -q -F -x -e "$want" "$w/bad.err" || {
		cat "$w/bad.err"
		e2e_fail "missing error line: $want"
	}
done
[ -s "$w/bad.out" ] && e2e_fail "check printed ok output for a bad file"

# Good and bad together: still 1; usage errors: 2.
"$SLIPTAP" check "$lib/no-response.ini" "$w/bad.ini" >/dev/null 2>&1
[ $? -eq 1 ] || e2e_fail "check of good + bad files did not exit 1"
"$SLIPTAP" check >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "check without files did not exit 2"
"$SLIPTAP" check "$w/missing.ini" 2>"$w/missing.err"
[ $? -eq 1 ] || e2e_fail "check of a missing file did not exit 1"
e2e_expect "$w/missing.err" "missing.ini: No such file or directory" "missing file message"

# -e: the resolved expectation per tool, as shell assignments.
eval "$("$SLIPTAP" check -e -t esptool:3.3.2 "$lib/esp32s3-write-timeout-93.ini")"
[ "$SCENARIO_OUTCOME" = fail-dirty ] || e2e_fail "-t esptool:3.3.2: outcome $SCENARIO_OUTCOME"
eval "$("$SLIPTAP" check -e -t esptool:4.9.1 "$lib/esp32s3-write-timeout-93.ini")"
[ "$SCENARIO_OUTCOME" = fail-clean ] || e2e_fail "-t esptool:4.9.1: outcome $SCENARIO_OUTCOME"
[ "$SCENARIO_CLASS" = WRITE_TIMEOUT ] || e2e_fail "class $SCENARIO_CLASS"
[ "$SCENARIO_LAST_PROGRESS" = 93 ] || e2e_fail "last_progress $SCENARIO_LAST_PROGRESS"
[ "$SCENARIO_RULES" = watchdog ] || e2e_fail "rules $SCENARIO_RULES"

# The library listing.
"$SLIPTAP" scenarios "$lib" >"$w/list.out" 2>"$w/list.err" || e2e_fail "scenarios failed"
e2e_expect "$w/list.out" "^esp32s3-write-timeout-93 *WRITE_TIMEOUT *fail-clean *USB-Serial/JTAG" "listing row"
e2e_expect "$w/list.out" "^$n scenarios in " "listing count"
(cd "$E2E_ROOT" && "$SLIPTAP" scenarios) >"$w/list2.out" 2>&1 || e2e_fail "scenarios (./scenarios) failed"
cmp -s "$w/list.out" "$w/list2.out" || e2e_expect "$w/list2.out" "^$n scenarios in scenarios$" "default dir"

# The proxy refuses a bad scenario with the same message, before any port.
"$SLIPTAP" proxy --scenario "$w/bad.ini" "$w/no-such-device" >"$w/px.out" 2>"$w/px.err"
rc=$?
[ $rc -eq 1 ] || e2e_fail "proxy with a bad scenario exited $rc, not 1"
e2e_expect "$w/px.err" "bad.ini:11: unknown action \"dorp\"" "proxy error"
e2e_reject "$w/px.err" "no-such-device" "proxy opened the device"
"$SLIPTAP" proxy --seed 5 "$w/no-such-device" >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "--seed without --scenario is not a usage error"
echo "check, scenarios and proxy --scenario validate as documented"
