#!/bin/sh
# check-tool-front.sh — `sliptap check` options added for issue 9 and 11:
# -t with an unknown tool or version, or without -e, is a usage error (2);
# --front/--device refuse rules a proxy front or device cannot perform (2,
# "file:line: rule NAME: why"); -e prints the flash keys; `sliptap scenarios DIR` lists
# invalid files apart and does not count them.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

w=$(e2e_tmpdir work)
lib="$E2E_ROOT/scenarios"
s3="$lib/esp32s3-write-timeout-93.ini"

# -t: unknown tools, bad versions, -t without -e.
"$SLIPTAP" check -e -t esptol "$s3" >"$w/t1.out" 2>"$w/t1.err"
[ $? -eq 2 ] || e2e_fail "check -e -t esptol did not exit 2"
e2e_expect "$w/t1.err" 'unknown tool "esptol"' "unknown tool message"
[ -s "$w/t1.out" ] && e2e_fail "check -e -t esptol printed assignments"
"$SLIPTAP" check -e -t esptool:4.x "$s3" >/dev/null 2>"$w/t2.err"
[ $? -eq 2 ] || e2e_fail "check -e -t esptool:4.x did not exit 2"
e2e_expect "$w/t2.err" 'bad version "4.x"' "bad version message"
"$SLIPTAP" check -t esptool "$s3" >/dev/null 2>"$w/t3.err"
[ $? -eq 2 ] || e2e_fail "check -t without -e did not exit 2"
e2e_expect "$w/t3.err" "use it with -e" "-t without -e message"
eval "$("$SLIPTAP" check -e -t js "$s3")" || e2e_fail "check -e -t js failed"
[ "$SCENARIO_OUTCOME" = fail-clean ] || e2e_fail "-t js: outcome $SCENARIO_OUTCOME"

# -e prints the flash keys, with their defaults.
[ "$SCENARIO_CHIP" = esp32s3 ] || e2e_fail "chip $SCENARIO_CHIP"
[ "$SCENARIO_OFFSET" = 0x10000 ] || e2e_fail "offset $SCENARIO_OFFSET"
[ "$SCENARIO_IMAGE" = mixed ] || e2e_fail "image $SCENARIO_IMAGE"
[ -n "$SCENARIO_IMAGE_SIZE" ] || e2e_fail "no image size"

# --front/--device: the 93 % scenario freezes the host's writes, which both
# fronts can do; ignoring a baud change needs a device with a baud rate,
# which a raw tcp:// device has not.
"$SLIPTAP" check --front pty "$s3" >/dev/null 2>&1 || e2e_fail "check --front pty refused the 93 % scenario"
"$SLIPTAP" check --front rfc2217 "$s3" >/dev/null 2>&1 || e2e_fail "check --front rfc2217 refused the 93 % scenario"
bc="$lib/baud-change-ignored.ini"
"$SLIPTAP" check --device serial "$bc" >/dev/null 2>&1 || e2e_fail "check --device serial refused $bc"
"$SLIPTAP" check --front rfc2217 --device tcp "$bc" >"$w/f2.out" 2>"$w/f2.err"
[ $? -eq 2 ] || e2e_fail "check --device tcp did not exit 2"
rule=$(sed -n 's/^\[rule \(.*\)\]$/\1/p' "$bc" | head -n 1)
line=$(grep -n "^\[rule $rule\]" "$bc" | cut -d: -f1)
e2e_expect "$w/f2.err" "^$bc:$line: rule $rule: ignore-baud-change needs a device that can set the baud rate (this device cannot)$" \
    "device refusal"
[ -s "$w/f2.out" ] && e2e_fail "a refused file was reported ok"
"$SLIPTAP" check --front usb "$s3" >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "check --front usb is not a usage error"
"$SLIPTAP" check --device usb "$s3" >/dev/null 2>&1
[ $? -eq 2 ] || e2e_fail "check --device usb is not a usage error"

# scenarios DIR: an invalid file is listed apart and not counted.
d="$w/lib"
mkdir "$d"
cp "$lib/no-response.ini" "$lib/partial-frame.ini" "$d/"
printf '[scenario]\nname = broken\n' >"$d/broken.ini"
"$SLIPTAP" scenarios "$d" >"$w/s.out" 2>"$w/s.err"
[ $? -eq 1 ] || e2e_fail "scenarios with an invalid file did not exit 1"
e2e_expect "$w/s.out" "^2 scenarios in $d, 1 invalid file$" "count line"
e2e_expect "$w/s.out" "^  $d/broken.ini$" "invalid listing"
e2e_reject "$w/s.out" "^broken " "invalid file in the table"
e2e_expect "$w/s.err" "broken.ini: missing \[expect\] section" "error on stderr"
echo "check -t/--front and scenarios DIR behave as documented"
