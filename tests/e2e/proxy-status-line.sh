#!/bin/sh
# proxy-status-line.sh — in a real terminal (tmux), the proxy's live status
# line is cleared before every notice and before the exit summary: no line of
# the screen has status text run into "sliptap proxy: ..." (as 0.1 printed
# "...connectingsliptap proxy: fault ..."). A scenario fires on every
# FLASH_DATA while esptool-js flashes, then the proxy is stopped with ^C.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js
command -v tmux >/dev/null 2>&1 || e2e_skip "tmux is not installed"

w=$(e2e_tmpdir work)
sock="sliptap-e2e-$$"
tm() { tmux -L "$sock" "$@"; }
stop_tmux() { tm kill-server >/dev/null 2>&1; }
trap 'stop_tmux; e2e_cleanup' EXIT

cat >"$w/every.ini" <<'INI'
[scenario]
name = delay-every-block
summary = every FLASH_DATA command delayed 30 ms (a notice each)
seed = 1

[expect]
outcome = pass
class = SUCCESS

[rule slow]
command = any-flash-data
action = delay
latency = 30ms
INI
"$SLIPTAP" check "$w/every.ini" >/dev/null 2>"$w/check.err" || { cat "$w/check.err"; e2e_fail "test scenario"; }
e2e_make_image "$w/image.bin" 131072
e2e_start_sim esp32 --flash "$w/flash.bin" --no-wdt >/dev/null

# The proxy with its stderr on the tmux terminal.
tm -f /dev/null new-session -d -s status -x 160 -y 60 \
    "'$SLIPTAP' proxy --link '$w/port' --scenario '$w/every.ini' '$SIM_LINK'; echo \"EXIT \$?\"; sleep 60" ||
    e2e_skip "tmux cannot start a session here"
e2e_poll "$E2E_WAIT" test -e "$w/port" || { tm capture-pane -p -t status; e2e_fail "the proxy did not start in tmux"; }

e2e_run "$w/client.log" e2e_js --port "$w/port" --chip esp32 --before no_reset --after no_reset \
    write_flash 0x10000 "$w/image.bin" >/dev/null || e2e_fail "esptool-js failed through the proxy"
sleep 0.3
tm send-keys -t status C-c
exit_shown() { tm capture-pane -p -t status | grep -q '^EXIT '; }
e2e_poll 10 exit_shown || true
tm capture-pane -p -J -S - -t status >"$w/screen.txt"
stop_tmux
e2e_stop_sim
sed 's/^/  screen: /' "$w/screen.txt" | head -n 40

grep -q '^EXIT ' "$w/screen.txt" || e2e_fail "the proxy did not exit on ^C"
n=$(grep -c '^sliptap proxy: fault slow (delay)' "$w/screen.txt")
[ "$n" -ge 2 ] || e2e_fail "expected several fault notices on the terminal, saw $n"
e2e_expect "$w/screen.txt" '^sliptap proxy: scenario delay-every-block, seed 1: 1 of 1 rules fired' \
    "exit summary at the start of its line"
# No status text run into a notice: every "sliptap proxy:" starts its line.
if grep 'sliptap proxy:' "$w/screen.txt" | grep -v '^sliptap proxy:' >"$w/bad.txt"; then
	sed 's/^/  run-in: /' "$w/bad.txt"
	e2e_fail "a notice was printed after the status line without clearing it"
fi
echo "status line: cleared before $n notices and the exit summary"
