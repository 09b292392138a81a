#!/bin/sh
# scenario-determinism.sh — a seeded scenario with probabilistic rules,
# run twice against the simulator through the proxy with esptool-js and the
# same image, fires the same rules at the same positions with the same
# effects: the FAULT records (rule, action, fire, match, dir, op, seq,
# progress, changed) are identical, and the seed is in the capture's START.
# Then: another --seed gives other positions (so the comparison can fail),
# and the file written by --pin reproduces the first run's positions even
# under another seed.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
img="$w/image.bin"
e2e_make_image "$img" 131072
sc="$w/determinism.ini"
cat >"$sc" <<'EOF'
[scenario]
name = determinism
summary = random latency on 30 % of replies and a random marker on blocks
seed = 4242
deadline = 120s

[expect]
outcome = pass
class = SUCCESS
message = Hash of data verified

[rule jitter]
direction = to-host
kind = response
probability = 30%
action = delay
latency = 5ms
jitter = 4ms

[rule marker]
command = any-flash-data
probability = 40%
action = pass
EOF
"$SLIPTAP" check "$sc" || e2e_fail "the test scenario does not parse"

# run TAG [PROXY ARGS...] — one flash through the proxy; the FAULT records
# (without times) go to $w/TAG.faults, positions only to $w/TAG.pos.
run() {
	tag=$1
	shift
	e2e_start_sim esp32 --flash "$w/flash-$tag.bin" --no-wdt >/dev/null
	e2e_start_proxy --pcap "$w/$tag.pcap" "$@" "$SIM_LINK" >/dev/null
	e2e_run "$w/$tag.log" e2e_js --port "$PROXY_LINK" --before no_reset --after no_reset \
	    write_flash 0x10000 "$img" >"$w/$tag.run" || {
		cat "$w/$tag.run"
		e2e_fail "$tag: the flash failed"
	}
	e2e_kill "$PROXY_PID"
	e2e_stop_sim
	"$SLIPTAP" dump --json "$w/$tag.pcap" >"$w/$tag.json" || e2e_fail "$tag: dump failed"
	grep '"event":"FAULT"' "$w/$tag.json" | sed 's/.*"text":"\(.*\)","fields".*/\1/' >"$w/$tag.faults"
	sed 's/ changed=.*//; s/ fire=[0-9]*//; s/ action=[^ ]*//' "$w/$tag.faults" >"$w/$tag.pos"
	n=$(wc -l <"$w/$tag.faults")
	echo "$tag: $n fault records"
	[ "$n" -ge 5 ] || e2e_fail "$tag: only $n fault records"
	grep '"event":"START"' "$w/$tag.json" >"$w/$tag.start"
}

run a --scenario "$sc" --pin "$w/pinned.ini"
e2e_expect "$w/a.start" "scenario=determinism seed=4242" "seed in the capture"
e2e_expect "$PROXY_ERR" "seed 4242" "seed printed at start"
e2e_expect "$PROXY_ERR" "rule jitter: delay fired" "report at exit"
run b --scenario "$sc"
cmp "$w/a.faults" "$w/b.faults" || {
	diff "$w/a.faults" "$w/b.faults" | head -n 20
	e2e_fail "the same seed fired differently"
}
echo "same seed: identical $(wc -l <"$w/a.faults") fault records"

run c --scenario "$sc" --seed 777
e2e_expect "$w/c.start" "seed=777" "--seed in the capture"
if cmp -s "$w/a.pos" "$w/c.pos"; then
	e2e_fail "seed 777 fired at the same positions as seed 4242"
fi
echo "another seed: other positions"

"$SLIPTAP" check "$w/pinned.ini" || e2e_fail "the pinned file does not parse"
grep -q '^nth = ' "$w/pinned.ini" || e2e_fail "the pinned file has no nth list"
grep -q '^probability' "$w/pinned.ini" && e2e_fail "the pinned file still has a probability"
run d --scenario "$w/pinned.ini" --seed 777
cmp "$w/a.pos" "$w/d.pos" || {
	diff "$w/a.pos" "$w/d.pos" | head -n 20
	e2e_fail "the pinned file fired at other positions"
}
echo "pinned file under another seed: the same positions as the random run"
