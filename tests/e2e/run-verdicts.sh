#!/bin/sh
# run-verdicts.sh — `sliptap run` on the edges of the judgement, with what it
# leaves behind counted before and after each run (its processes, the ptys
# they hold, the files in a private TMPDIR):
#   - a tool that hangs (and leaves a grandchild behind in its process group)
#     yields HARNESS_ERROR/hang at the deadline, exit 6, and nothing survives;
#   - SIGTERM in the middle of a run stops everything, exit 143;
#   - a scenario whose only rule cannot fire yields NOT_TRIGGERED (exit 5),
#     never a pass, although the flash itself succeeds;
#   - --json prints one object, --keep keeps capture and logs;
#   - usage errors exit 2.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

w=$(e2e_tmpdir work)
mkdir "$w/tmp"
export TMPDIR="$w/tmp"
marker="4242.$$"

# A fake flasher that never finishes, with a grandchild in its group.
cat >"$w/hang-tool" <<EOT
#!/bin/sh
echo "fake flasher on \$1"
sleep $marker &
sleep $marker
EOT
chmod +x "$w/hang-tool"

# procs: processes of this build's binary plus the fake tool's sleeps;
# ptys: pty masters those processes hold; files: entries in TMPDIR.
census() {
	_pids=$(pgrep -f "$SLIPTAP (sim|proxy|run)|sleep $marker" 2>/dev/null | grep -v "^$$\$")
	_ptys=0
	for _p in $_pids; do
		_n=$(ls -l "/proc/$_p/fd" 2>/dev/null | grep -c '/dev/ptmx\|/dev/pts/ptmx')
		_ptys=$((_ptys + _n))
	done
	echo "procs=$(echo $_pids | wc -w) ptys=$_ptys files=$(ls -A "$TMPDIR" | wc -l)"
}
before=$(census)
echo "before: $before"

e2e_log "a hanging tool: HARNESS_ERROR/hang at the deadline"
"$SLIPTAP" run --timeout 3s --json -- "$w/hang-tool" '{port}' >"$w/hang.json" 2>"$w/hang.err"
rc=$?
cat "$w/hang.err" "$w/hang.json"
[ $rc -eq 6 ] || e2e_fail "hang: exit $rc, expected 6 (HARNESS_ERROR)"
grep -q '"verdict":"HARNESS_ERROR"' "$w/hang.json" || e2e_fail "hang: verdict is not HARNESS_ERROR"
grep -q '"outcome":"hang"' "$w/hang.json" || e2e_fail "hang: outcome is not hang"
grep -q '"hang":true' "$w/hang.json" || e2e_fail "hang: not marked as killed at the deadline"
e2e_expect "$w/hang.err" "deadline (3 s) passed: killing the tool's process group" "hang"
after=$(census)
[ "$after" = "$before" ] || e2e_fail "left behind after the hang: before $before, after $after"

e2e_log "SIGTERM during a run"
"$SLIPTAP" run --timeout 60s -- "$w/hang-tool" '{port}' >"$w/term.out" 2>&1 &
pid=$!
tool_up() { grep -q "fake flasher on" "$w/term.out" 2>/dev/null; }
e2e_wait_for "the fake tool to start" 20 tool_up
kill -TERM "$pid"
e2e_wait_exit "$pid" 30
rc=$?
cat "$w/term.out"
[ $rc -eq 143 ] || e2e_fail "SIGTERM: exit $rc, expected 143"
e2e_expect "$w/term.out" "interrupted by signal 15" "SIGTERM"
after=$(census)
[ "$after" = "$before" ] || e2e_fail "left behind after SIGTERM: before $before, after $after"

e2e_log "SIGTERM during a matrix with two hanging runs"
cat >"$w/hang.ini" <<'EOT'
[scenario]
name = hang-here
summary = any scenario; the tool hangs
seed = 3
deadline = 60s

[expect]
outcome = pass
class = SUCCESS
EOT
"$SLIPTAP" matrix "$w/hang.ini" "$w/hang.ini" --jobs 2 --tool "$w/hang-tool {port}" \
    >"$w/mterm.out" 2>&1 &
pid=$!
four_tools() { [ "$(pgrep -f "sleep $marker" | wc -l)" -ge 4 ]; }
e2e_poll 20 four_tools || { cat "$w/mterm.out"; e2e_fail "the matrix's tools did not start"; }
kill -TERM "$pid"
e2e_wait_exit "$pid" 30
rc=$?
cat "$w/mterm.out"
[ $rc -eq 143 ] || e2e_fail "matrix SIGTERM: exit $rc, expected 143"
after=$(census)
[ "$after" = "$before" ] || e2e_fail "left behind after a matrix SIGTERM: before $before, after $after"

e2e_log "usage errors exit 2"
for args in "" "--tool" "--tool esptool-js -- x {port}" "--front serial --tool esptool-js" \
    "--timeout 0 --tool esptool-js" "--tool nothing-with-a-port"; do
	# shellcheck disable=SC2086
	"$SLIPTAP" run $args >/dev/null 2>&1
	rc=$?
	[ $rc -eq 2 ] || e2e_fail "'sliptap run $args' exited $rc, expected 2"
done

if command -v "$NODE" >/dev/null 2>&1 && [ -d "$E2E_ROOT/tests/js/node_modules/esptool-js" ]; then
	e2e_log "a rule that cannot fire: NOT_TRIGGERED, never a pass"
	cat >"$w/cannot-fire.ini" <<'EOT'
[scenario]
name = cannot-fire
summary = a rule on a baud change the tool never asks for
seed = 7
deadline = 60s

[expect]
outcome = pass
class = SUCCESS

[rule never]
on = baud-change
action = disconnect
EOT
	"$SLIPTAP" run -q --scenario "$w/cannot-fire.ini" --keep "$w/kept" --tool esptool-js \
	    >"$w/nt.out" 2>&1
	rc=$?
	cat "$w/nt.out"
	[ $rc -eq 5 ] || e2e_fail "cannot-fire: exit $rc, expected 5 (NOT_TRIGGERED)"
	e2e_expect "$w/nt.out" "^verdict:  NOT_TRIGGERED -- rules never fired: never" "cannot-fire"
	e2e_expect "$w/nt.out" "^outcome:  pass" "cannot-fire: the flash itself passed"
	e2e_expect "$w/nt.out" "^flash:    match" "cannot-fire: flash compared"
	e2e_expect "$w/nt.out" "^reproduce: sliptap run --scenario .*cannot-fire.ini --seed 7 --tool esptool-js" \
	    "cannot-fire: reproduction command"
	for f in capture.pcap tool.log image.bin flash.bin; do
		[ -s "$w/kept/$f" ] || e2e_fail "--keep: no $f"
	done
	"$SLIPTAP" dump "$w/kept/capture.pcap" | grep -q "scenario=cannot-fire" ||
	    e2e_fail "--keep: the capture does not name the scenario"
	after=$(census)
	[ "$after" = "$before" ] || e2e_fail "left behind after a run: before $before, after $after"
	echo "all checks passed"
else
	e2e_skip_part "NOT_TRIGGERED and --keep" "needs node and tests/js/node_modules (run make deps)"
	echo "hang, SIGTERM and usage checks passed"
fi
