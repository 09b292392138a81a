#!/bin/sh
# proxy-rfc2217-freeze.sh — freeze-host-writes acts over RFC 2217: the proxy
# stops reading the client's socket, so once the TCP buffers are full the
# client's own writes block (before, the rule was recorded as fired and did
# nothing). pySerial's rfc2217:// has no write timeout, so a writer thread
# shows it: its writes stop making progress while the proxy says the freeze
# is on, and all of them complete after the thaw. The capture has the FAULT
# and the note that the freeze acted. With ESPTOOL set, each esptool through
# `proxy --rfc2217` and the 93 % scenario stops at 93 % and fails.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_pyserial

w=$(e2e_tmpdir work)
cat >"$w/freeze.ini" <<'INI'
[scenario]
name = freeze-on-open
summary = the tool's writes freeze for 6 s at its first SYNC
seed = 1

[expect]
outcome = fail-clean
class = WRITE_TIMEOUT
message = Write timeout

[rule stop]
on = first-sync
action = freeze-host-writes
duration = 6s
INI
e2e_start_sim esp32 --flash "$w/flash.bin" --no-wdt >/dev/null
e2e_start_net_proxy --quiet --pcap "$w/cap.pcap" --scenario "$w/freeze.ini" "$SIM_LINK"

cat >"$w/writer.py" <<'PY'
import sys, threading, time, serial
s = serial.serial_for_url(sys.argv[1], baudrate=115200, timeout=0.1)
block, total = b"\x55" * 65536, 64 << 20
sync = bytes([0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]) + b"\x55" * 32 + b"\xc0"
s.write(sync)	# the rule fires on it
time.sleep(0.5)
sent = [0]
def writer():
    try:
        while sent[0] < total:
            s.write(block)
            sent[0] += len(block)
    except serial.SerialException as e:
        print("writer: %s" % e)
t = threading.Thread(target=writer, daemon=True)
t.start()
# Sample the writer's progress: stuck = no progress over 1.5 s while not done.
last, still = -1, 0
while t.is_alive() and still < 3:
    time.sleep(0.5)
    still = still + 1 if sent[0] == last else 0
    last = sent[0]
print("writes blocked after %d bytes" % sent[0] if t.is_alive() else "writes never blocked")
t.join(60)
print("all %d bytes written after the thaw" % sent[0] if sent[0] == total else
      "writer ended after %d bytes" % sent[0] if not t.is_alive() else "writes still blocked")
s.close()
PY
timeout -k 5 60 "$PYTHON" "$w/writer.py" "$NPROXY_URL" >"$w/writer.out" 2>&1
cat "$w/writer.out"
e2e_expect "$w/writer.out" "^writes blocked after" "pySerial rfc2217://: the client's writes blocked"
# pySerial's RFC 2217 socket gives up on a write blocked for 5 s (its own
# "connection failed (socket error): timed out", the rfc2217:// face of a
# Write timeout): the 6 s freeze ends either way.
grep -q "^all 67108864 bytes written after the thaw\|socket error): timed out" "$w/writer.out" ||
    e2e_fail "pySerial rfc2217://: neither went on after the thaw nor timed out"
e2e_kill "$NPROXY_PID"
"$SLIPTAP" dump "$w/cap.pcap" >"$w/dump.txt" 2>&1
e2e_expect "$w/dump.txt" "FAULT rule=stop action=freeze-host-writes" "capture: the FAULT"
e2e_expect "$w/dump.txt" "host writes frozen (client socket no longer read)" "capture: it acted"

# esptool over rfc2217:// with the 93 % scenario: Write timeout as through a pty.
for et in $(e2e_esptool_versions); do
	v=$(e2e_esptool_version "$et")
	e2e_log "esptool $v over rfc2217:// with the 93 % scenario"
	e2e_stop_sim
	e2e_start_sim esp32s3 --flash "$w/flash-$v.bin" --transport usb-jtag --no-wdt >/dev/null
	e2e_start_net_proxy --quiet --pcap "$w/93-$v.pcap" \
	    --scenario "$E2E_ROOT/scenarios/esp32s3-write-timeout-93.ini" "$SIM_LINK"
	e2e_make_image "$w/image.bin" 262144
	E2E_CLIENT_TIMEOUT=100 e2e_run "$w/esptool-$v.log" e2e_esptool "$et" --chip esp32s3 \
	    --port "$NPROXY_URL" --before no_reset --after no_reset --no-stub \
	    write_flash -u 0x10000 "$w/image.bin" >/dev/null && e2e_fail "esptool $v: the flash passed"
	e2e_kill "$NPROXY_PID"
	last=$(tr '\r' '\n' <"$w/esptool-$v.log" | grep 'Writing at 0x' | tail -n 1 | sed -n 's/.*(\([0-9]*\) *%).*/\1/p')
	[ "$last" = 93 ] || e2e_fail "esptool $v over RFC 2217: last progress $last %, want 93 %"
	echo "esptool $v over rfc2217://: $(tr '\r' '\n' <"$w/esptool-$v.log" | grep -i 'error\|timed out\|exception' | tail -n 1)"
	"$SLIPTAP" dump "$w/93-$v.pcap" 2>/dev/null | grep -q "host writes frozen (client socket no longer read)" ||
	    e2e_fail "esptool $v: the freeze did not act"
done
[ -n "${ESPTOOL:-}" ] || e2e_skip_part esptool "ESPTOOL unset: esptool over rfc2217:// was not run"
e2e_stop_sim
echo "rfc2217 freeze: the client's writes block (pySerial: socket write timed out), recorded as acting"
