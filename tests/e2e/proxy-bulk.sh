#!/bin/sh
# proxy-bulk.sh — PROXY_BULK_BYTES (default 1 GB) of random bytes each way
# through `sliptap proxy` with the capture on and no scenario: a fake device
# (tests/e2e/ptyio.c) echoes everything on a pty of its own. Checks that the
# sha256 of what the client sent, what the device received, what the client
# got back and the two streams rebuilt from the capture (tests/e2e/capcheck.c)
# are all the same, and that the capture's per-direction byte totals are
# exactly PROXY_BULK_BYTES. Prints the elapsed time and the proxy's peak RSS.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_tools
[ -n "${SLIPTAP_BUILD:-}" ] || SLIPTAP_BUILD=$(dirname "$SLIPTAP")
# 1 GiB by default; a sanitizer build (make asan) is ~10x slower: 64 MiB there.
if nm "$SLIPTAP_BUILD/libsliptap-core.a" 2>/dev/null | grep -q __asan_; then
	: "${PROXY_BULK_BYTES:=67108864}"
else
	: "${PROXY_BULK_BYTES:=1073741824}"
fi
command -v sha256sum >/dev/null 2>&1 || e2e_skip "no sha256sum"
[ -f "$SLIPTAP_BUILD/libsliptap.a" ] || e2e_skip "no $SLIPTAP_BUILD/libsliptap.a (run make)"


w=$(e2e_tmpdir work)
n=$PROXY_BULK_BYTES

e2e_log "fake device"
# Large streams are hashed on the fly through fifos, not stored.
for f in dev out cap-h2d cap-d2h; do
	mkfifo "$w/$f.fifo" || e2e_fail "mkfifo"
	sha256sum <"$w/$f.fifo" >"$w/$f.sha" &
done
"$PTYIO" device "$w/dev" "$n" 2>"$w/dev.log" >"$w/dev.fifo" &
DEV_PID=$!
E2E_PIDS="$E2E_PIDS $DEV_PID"
e2e_wait_line "$w/dev.log" "ready" "$DEV_PID" || e2e_fail "fake device did not start"

e2e_log "proxy"
e2e_start_proxy --quiet --pcap "$w/cap.pcap" "$w/dev"

e2e_log "$n random bytes each way"
head -c "$n" /dev/urandom >"$w/in.bin"
t0=$(date +%s)
"$PTYIO" client "$PROXY_LINK" "$n" <"$w/in.bin" >"$w/out.fifo" || e2e_fail "client failed"
t1=$(date +%s)
rss=$(awk '/VmHWM/ { print $2 }' /proc/"$PROXY_PID"/status)
e2e_kill "$PROXY_PID"
e2e_kill "$DEV_PID"
echo "elapsed $((t1 - t0)) s, proxy peak RSS ${rss} kB"

"$CAPCHECK" "$w/cap.pcap" "$w/cap-h2d.fifo" "$w/cap-d2h.fifo" >"$w/capcheck.out" ||
    { cat "$w/capcheck.out"; e2e_fail "capture could not be rebuilt"; }
wait
cat "$w/capcheck.out"
e2e_expect "$w/capcheck.out" "^h2d sent=$n got=$n d2h sent=$n got=$n " "capture byte totals"
sent=$(sha256sum <"$w/in.bin" | cut -c1-64)
echo "sent          $sent"
rm -f "$w/in.bin" "$w/cap.pcap"
for f in dev out cap-h2d cap-d2h; do
	h=$(cut -c1-64 "$w/$f.sha")
	echo "$(printf '%-13s' "$f") $h"
	[ "$h" = "$sent" ] || e2e_fail "$f: the bytes differ from what the client sent"
done
echo "proxy bulk: $n bytes each way, byte-exact at both ends and in the capture"
