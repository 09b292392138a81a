#!/bin/sh
# sim-persist.sh — the simulator's --flash file outlives the process: flash
# an image with one sim, stop it, start a new sim on the same file and read
# the image back with esptool-js (MD5 and a byte read). A wrong image must
# not verify, so the check cannot pass vacuously.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap
e2e_need_js

w=$(e2e_tmpdir work)
img="$w/app.bin"
other="$w/other.bin"
flash="$w/flash.bin"
e2e_make_image "$img" 131072
e2e_make_image "$other" 131072
size=$(wc -c <"$img")
js() { # LOG ARGS...
	_l=$1
	shift
	e2e_run "$_l" e2e_js --port "$SIM_LINK" --before no_reset --after no_reset "$@"
}

e2e_log "first sim: write 0x20000"
e2e_start_sim esp32 --flash "$flash"
js "$w/write.log" write_flash 0x20000 "$img" || e2e_fail "write failed"
e2e_expect "$w/write.log" "^Hash of data verified\.$" "write"
e2e_stop_sim
[ -s "$flash" ] || e2e_fail "no flash file after the first sim"
first_pid=$SIM_PID

e2e_log "second sim on the same file: verify and read back"
e2e_start_sim esp32 --flash "$flash"
[ "$SIM_PID" != "$first_pid" ] || e2e_fail "the same sim process?"
js "$w/verify.log" verify_flash 0x20000 "$img" || e2e_fail "verify_flash after restart failed"
e2e_expect "$w/verify.log" "^-- verify OK (digest matched)$" "verify after restart"
js "$w/read.log" read_flash 0x20000 "$size" "$w/back.bin" || e2e_fail "read_flash after restart failed"
e2e_same_bytes "$img" "$w/back.bin" "read back after restart"

e2e_log "a different image must not verify"
if js "$w/bad.log" verify_flash 0x20000 "$other"; then
	e2e_fail "verify_flash accepted a different image"
fi
e2e_expect "$w/bad.log" "^error: Verify failed" "wrong image"
e2e_stop_sim

e2e_extract "$flash" $((0x20000)) "$size" "$w/file.bin"
e2e_same_bytes "$img" "$w/file.bin" "flash file"
echo "flash contents survived a simulator restart"
