#!/bin/sh
# analyze-html.sh — `sliptap analyze --html` renders in a real browser: a
# capture of scenarios/block-rejected-3x.ini (esptool-js through the proxy
# and the simulator) gives a report that headless Chromium loads; the
# rendered DOM must have both lanes, the frames, the FAULT marks and the
# failure marker at the seq the analysis names, and a screenshot is taken
# (kept with E2E_KEEP=1 for a look). A large synthetic capture checks the
# page stays bounded (downsampled, not one element per frame).
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || e2e_skip "chromium is not installed (apt-get install chromium)"

w=$(e2e_tmpdir html)
f="$E2E_ROOT/scenarios/block-rejected-3x.ini"
eval "$("$SLIPTAP" check -e -t esptool-js "$f")"
e2e_make_image "$w/image.bin" 131072
e2e_start_sim esp32 --flash "$w/flash.bin" --no-wdt >/dev/null
e2e_start_proxy --pcap "$w/cap.pcap" --scenario "$f" "$SIM_LINK" >/dev/null
E2E_CLIENT_TIMEOUT=70 e2e_run "$w/client.log" e2e_js --port "$PROXY_LINK" --before no_reset \
    --after no_reset --no-compress --timeout 60 write_flash 0x10000 "$w/image.bin" >/dev/null
e2e_kill "$PROXY_PID"
e2e_stop_sim

"$SLIPTAP" analyze --json "$w/cap.pcap" >"$w/a.json"
[ $? -eq 1 ] || e2e_fail "analyze did not report a failure"
seq=$(sed -n 's/.*"where": {[^}]*"seq": \([0-9]*\).*/\1/p' "$w/a.json")
[ "$seq" = 5 ] || e2e_fail "expected the failure at seq 5, analysis says '$seq'"
"$SLIPTAP" analyze -q --html "$w/report.html" "$w/cap.pcap"
# self-contained: no script, no link, no image, no url() (the SVG namespace is a name, not a fetch)
if grep -i -E '<script|<link|<img|src=|href=|url\(' "$w/report.html" >/dev/null; then
	e2e_fail "the page refers to external assets or runs scripts"
fi

browse() {
	_u=$(mktemp -d "$E2E_TMP/chrome.XXXXXX")
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
	    --disable-component-update --disable-sync --no-first-run --user-data-dir="$_u" \
	    --window-size=1400,900 "$@" 2>/dev/null
}
browse --dump-dom "file://$w/report.html" >"$w/dom.html" || e2e_fail "chromium --dump-dom failed"
for want in 'id="lane-host"' 'id="lane-device"' 'class="frame"' 'class="fault"' \
    "id=\"failure\" data-seq=\"$seq\"" 'data-class="BLOCK_REJECTED"' 'id="progress"'; do
	grep -q "$want" "$w/dom.html" || e2e_fail "rendered DOM has no $want"
done
browse --screenshot="$w/report.png" "file://$w/report.html" >/dev/null
[ -s "$w/report.png" ] || e2e_fail "no screenshot"
e2e_log "rendered: lanes, faults, failure marker at seq $seq; screenshot $(wc -c <"$w/report.png") bytes"

# a big capture stays a small page: the capture above, its records repeated 50 times
cp "$w/cap.pcap" "$w/big.pcap"
tail -c +25 "$w/cap.pcap" >"$w/records"
i=0
while [ $i -lt 49 ]; do
	cat "$w/records" >>"$w/big.pcap"
	i=$((i + 1))
done
"$SLIPTAP" analyze -q --html "$w/big.html" "$w/big.pcap"
frames=$("$SLIPTAP" analyze --json "$w/big.pcap" | sed -n 's/.*"frames": {"h2d": \([0-9]*\).*/\1/p')
n=$(grep -o '<rect' "$w/big.html" | wc -l)
[ "$n" -le 2500 ] || e2e_fail "$n rect elements for $frames host frames: not downsampled"
echo "html report ok ($n rect elements for a capture of $frames host frames)"
