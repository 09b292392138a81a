#!/bin/sh
# sim-matrix.sh — every client against every simulated chip, with each stub
# it can run and without one: write, verify, read back and erase, checked
# by the client's exit status, its own MD5 checks, the bytes read back and
# the simulator's flash file. Prints the client x chip x stub table and
# fails on any miss. Clients: each esptool.py in $ESPTOOL (esptool >= 5.3
# twice: its default esp-flasher-stub and --stub-version 1), and esptool-js
# when tests/js has its packages. A cell the client itself does not offer
# (a chip it does not know, erase or MD5 in a ROM without them) is "n/a",
# never a pass; "client" marks a write the client gets wrong on the real
# chip too (asserted by its error message). Through a pty there are no DTR/RTS lines, so every client
# runs with --before/--after no_reset (which esptool 3.3.2 needs on a pty).
#
# E2E_CHIPS and E2E_CLIENTS (py, js) narrow the run.
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

chips=${E2E_CHIPS:-esp8266 esp32 esp32s2 esp32s3 esp32c3 esp32c6 esp32c2 esp32h2}
clients=${E2E_CLIENTS:-py js}
have_py=0
have_js=0
case " $clients " in *" py "*)
	if [ -n "${ESPTOOL:-}" ] && [ -x "$PYTHON" ] && [ -n "$(e2e_esptool_versions)" ]; then
		have_py=1
	fi ;;
esac
case " $clients " in *" js "*)
	if command -v "$NODE" >/dev/null 2>&1 && [ -d "$E2E_ROOT/tests/js/node_modules/esptool-js" ]; then
		have_js=1
	fi ;;
esac
[ $have_py = 1 ] || [ $have_js = 1 ] ||
    e2e_skip "no client: ESPTOOL unset or empty, and tests/js has no node_modules (run make deps)"

w=$(e2e_tmpdir work)
img="$w/app.bin"
size=98304	# 96 KiB at 0x10000: the erased sector 0x20000 is inside it
e2e_make_image "$img" $size
table="$w/table"
misses=0
cells=0

# cell_result NAME RESULT... — one table row
row() {
	printf '%-22s %-8s %-17s %-6s %-6s %-6s %-6s\n' "$@" >>"$table"
}
row client chip stub write verify read erase
row ------ ---- ---- ----- ------ ---- -----

chip_desc() {
	case $1 in
	esp8266) echo ESP8266EX ;;
	esp32) echo ESP32-D0WD-V3 ;;
	esp32s2) echo "ESP32-S2" ;;
	esp32s3) echo "ESP32-S3" ;;
	esp32c3) echo "ESP32-C3" ;;
	esp32c6) echo "ESP32-C6" ;;
	esp32c2) echo "ESP32-C2" ;;
	esp32h2) echo "ESP32-H2" ;;
	esac
}
chip_mac() {
	case $1 in
	esp8266) echo 18:fe:34:c2:d1:a7 ;;
	esp32) echo 24:0a:c4:00:5e:32 ;;
	esp32s2) echo 7c:df:a1:00:5e:35 ;;
	esp32s3) echo 7c:df:a1:00:5e:33 ;;
	esp32c3) echo 7c:df:a1:00:5e:34 ;;
	esp32c6) echo 40:4c:ca:5e:3c:10 ;;
	esp32c2) echo 7c:df:a1:00:5e:36 ;;
	esp32h2) echo 40:4c:ca:5e:3c:11 ;;
	esac
}

# py_supports VERSION CHIP — esptool 3.3 has no ESP32-C6 or ESP32-H2 (only their betas)
py_supports() {
	case $2 in
	esp32c6 | esp32h2) e2e_version_ge "$1" 4.5 ;;
	*) return 0 ;;
	esac
}

# run_cell CLIENT-LABEL CHIP MODE (stub|stub1|rom) KIND-RUNNER...
# The runner is called as: runner OP ARGS... where OP is write|verify|read|erase.
run_cell() {
	label=$1 chip=$2 mode=$3
	shift 3
	t="$label $chip $mode"
	flash="$w/flash.bin"
	rm -f "$flash" "$w/read.bin"
	e2e_log "$t: sim"
	e2e_start_sim "$chip" --flash "$flash" --transport uart
	r_write=miss r_verify=miss r_read=miss r_erase=miss

	log="$w/cell-write.log"
	if e2e_run "$log" "$@" write && ! grep -q "^A fatal error\|^error:" "$log"; then
		r_write=ok
	elif [ $mode = rom ] && [ $chip = esp8266 ] && [ "$label" = esptool-js ] &&
	    grep -q "Failed to enter Flash download mode failed with status 1,5" "$log"; then
		# esptool-js always sends the ROM a 5-word FLASH_BEGIN (and FLASH_DEFL_*
		# by default): the ESP8266 ROM refuses both, on a real chip as here
		r_write=client
	fi
	# the chip esptool describes, from the simulated eFuse words
	if [ $r_write = ok ]; then
		grep -q "$(chip_desc $chip)" "$log" || { echo "$t: no '$(chip_desc $chip)'"; r_write=miss; }
		grep -qi "MAC: *$(chip_mac $chip)" "$log" || { echo "$t: no MAC $(chip_mac $chip)"; r_write=miss; }
	fi
	# which stub the simulator saw
	stub=rom
	if grep -q "as the esp-flasher-stub" "$SIM_OUT" "$SIM_ERR" 2>/dev/null; then
		stub=esp-flasher-stub
	elif grep -q "as the legacy flasher stub" "$SIM_OUT" "$SIM_ERR" 2>/dev/null; then
		stub=legacy
	fi
	case $mode in
	rom) [ $stub = rom ] || { echo "$t: a stub ran with --no-stub"; r_write=miss; } ;;
	stub1) [ $stub = legacy ] || { echo "$t: not the legacy stub"; r_write=miss; } ;;
	esac

	# the flash file (mapped shared by the sim, so current): the image at 0x10000
	if [ $r_write = client ]; then
		r_verify=n/a r_read=n/a r_erase=n/a
	elif [ $r_write = ok ]; then
		e2e_extract "$flash" $((0x10000)) $size "$w/got"
		cmp -s "$img" "$w/got" || { echo "$t: flash file at 0x10000 differs"; r_write=miss; }
	fi

	log="$w/cell-verify.log"
	if [ $r_verify = n/a ]; then
		:
	elif [ $mode = rom ] && [ $chip = esp8266 ]; then
		r_verify=n/a	# the ESP8266 ROM has no SPI_FLASH_MD5
	elif e2e_run "$log" "$@" verify && ! grep -q "^A fatal error\|^error:" "$log"; then
		r_verify=ok
	fi

	log="$w/cell-read.log"
	if [ $r_read = n/a ]; then
		:
	elif [ $mode = rom ] && { [ $chip = esp8266 ] || [ "${label%% *}" = esptool-js ]; }; then
		r_read=n/a	# no READ_FLASH_SLOW in the ESP8266 ROM; esptool-js reads with the stub only
	elif e2e_run "$log" "$@" read && cmp -s "$img" "$w/read.bin"; then
		r_read=ok
	fi

	log="$w/cell-erase.log"
	if [ $mode = rom ]; then
		r_erase=n/a	# ERASE_REGION / ERASE_FLASH are stub commands
	elif e2e_run "$log" "$@" erase && ! grep -q "^A fatal error\|^error:" "$log"; then
		r_erase=ok
	fi
	e2e_stop_sim

	# the erased sector (or whole flash) reads 0xFF
	if [ $r_erase = ok ]; then
		e2e_extract "$flash" $((0x20000)) 4096 "$w/erased"
		[ "$(od -An -tx1 -v "$w/erased" | tr -d ' \n' | tr -d f)" = "" ] ||
		    { echo "$t: 0x20000 not erased"; r_erase=miss; }
	fi
	for r in $r_write $r_verify $r_read $r_erase; do
		[ "$r" = miss ] && misses=$((misses + 1))
	done
	cells=$((cells + 1))
	[ $mode = rom ] && stub=none
	row "$label" "$chip" "$stub" $r_write $r_verify $r_read $r_erase
	echo "$t: $r_write $r_verify $r_read $r_erase"
}

# esptool.py: OP -> command line for its version (5.x spells commands with dashes)
py_op() { # ET VER MODE OP
	_et=$1 _ver=$2 _mode=$3 _op=$4
	shift 4
	if e2e_version_ge "$_ver" 5.0; then
		_nr=no-reset _w=write-flash _v=verify-flash _r=read-flash _e=erase-region
	else
		_nr=no_reset _w=write_flash _v=verify_flash _r=read_flash _e=erase_region
	fi
	set -- --chip "$chip" --port "$SIM_LINK" --before $_nr --after $_nr
	case $_mode in
	rom) set -- "$@" --no-stub ;;
	stub1) set -- "$@" --stub-version 1 ;;
	esac
	case $_op in
	write) e2e_esptool "$_et" "$@" $_w 0x10000 "$img" ;;
	verify) e2e_esptool "$_et" "$@" $_v 0x10000 "$img" ;;
	read) e2e_esptool "$_et" "$@" $_r 0x10000 $size "$w/read.bin" ;;
	erase) e2e_esptool "$_et" "$@" $_e 0x20000 0x1000 ;;
	esac
}

js_op() { # MODE OP
	_mode=$1 _op=$2
	set -- --port "$SIM_LINK" --chip "$chip" --before no_reset --after no_reset
	[ "$_mode" = rom ] && set -- "$@" --no-stub
	# esptool-js does not know the ESP8266 ROM has no FLASH_DEFL_*: write raw there
	[ "$_mode" = rom ] && [ "$chip" = esp8266 ] && set -- "$@" --no-compress
	case $_op in
	write) e2e_js "$@" write_flash 0x10000 "$img" ;;
	verify) e2e_js "$@" verify_flash 0x10000 "$img" ;;
	read) e2e_js "$@" read_flash 0x10000 $size "$w/read.bin" ;;
	erase) e2e_js "$@" erase_flash ;;
	esac
}

if [ $have_py = 1 ]; then
	for et in $(e2e_esptool_versions); do
		ver=$(e2e_esptool_version "$et")
		[ -n "$ver" ] || e2e_fail "cannot get the version of $et"
		modes="stub rom"
		e2e_version_ge "$ver" 5.3 && modes="stub stub1 rom"
		for chip in $chips; do
			if ! py_supports "$ver" "$chip"; then
				row "esptool $ver" "$chip" - n/a n/a n/a n/a
				continue
			fi
			for mode in $modes; do
				run_cell "esptool $ver" "$chip" "$mode" py_op "$et" "$ver" "$mode"
			done
		done
	done
else
	row "esptool.py" all - skip skip skip skip
fi
if [ $have_js = 1 ]; then
	for chip in $chips; do
		for mode in stub rom; do
			run_cell "esptool-js" "$chip" "$mode" js_op "$mode"
		done
	done
else
	row "esptool-js" all - skip skip skip skip
fi

echo
cat "$table"
echo
[ $misses -eq 0 ] || e2e_fail "$misses misses in $cells cells"
echo "$cells client/chip/stub cells: no miss"
[ $have_py = 1 ] || e2e_skip "esptool.py part not run (ESPTOOL unset); esptool-js cells passed"
[ $have_js = 1 ] || e2e_skip "esptool-js part not run (no tests/js/node_modules); esptool.py cells passed"
