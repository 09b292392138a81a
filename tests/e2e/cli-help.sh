#!/bin/sh
# cli-help.sh — the command line's help contract: `sliptap --help` lists the
# subcommands; `sliptap NAME --help` and `sliptap help NAME` print the same
# "usage: sliptap NAME ..." text and exit 0; usage errors exit 2: an unknown
# option, an option that needs a value given none (every such option of every
# command, read from its --help), and bad values (a table per command).
. "$(dirname "$0")/lib.sh"
e2e_need_sliptap

w=$(e2e_tmpdir work)

"$SLIPTAP" --help >"$w/help" 2>"$w/help.err" || e2e_fail "sliptap --help exited $?"
[ -s "$w/help.err" ] && e2e_fail "sliptap --help wrote to stderr: $(cat "$w/help.err")"
e2e_expect "$w/help" "^usage: sliptap " "sliptap --help"
# The command list: indented "  name  summary" lines after "Commands:".
sed -n '/^Commands:/,/^$/p' "$w/help" | sed -n 's/^  \([a-z][a-z0-9-]*\)  *\(.*\)$/\1 \2/p' >"$w/list"
names=$(cut -d' ' -f1 "$w/list")
[ -n "$names" ] || e2e_fail "sliptap --help lists no commands"
for must in proxy sim ports check scenarios dump; do
	grep -q "^$must " "$w/list" || e2e_fail "sliptap --help does not list '$must'"
done
"$SLIPTAP" -h >"$w/help-h" 2>&1 || e2e_fail "sliptap -h exited $?"
cmp -s "$w/help" "$w/help-h" || e2e_fail "sliptap -h differs from --help"
"$SLIPTAP" help >"$w/help-help" 2>&1 || e2e_fail "sliptap help exited $?"
cmp -s "$w/help" "$w/help-help" || e2e_fail "sliptap help differs from --help"

# usage_error WHAT ARGS... — `sliptap ARGS` must exit 2 with a message
# (bounded: a bad value that is accepted would start a long-running command).
usage_error() {
	_what=$1
	shift
	(cd "$w" && timeout -k 5 20 "$SLIPTAP" "$@" </dev/null >"$w/usage.out" 2>&1)
	_rc=$?
	[ $_rc -eq 2 ] || e2e_fail "sliptap $_what: exited $_rc, not 2: $(head -n 3 "$w/usage.out")"
	[ -s "$w/usage.out" ] || e2e_fail "sliptap $_what: exit 2 without a message"
	bad=$((bad + 1))
}

n=0
bad=0
for name in $names; do
	summary=$(sed -n "s/^$name //p" "$w/list")
	[ -n "$summary" ] || e2e_fail "$name has no summary in sliptap --help"

	"$SLIPTAP" "$name" --help >"$w/$name.help" 2>"$w/$name.err"
	rc=$?
	[ $rc -eq 0 ] || e2e_fail "sliptap $name --help exited $rc"
	[ -s "$w/$name.err" ] && e2e_fail "sliptap $name --help wrote to stderr: $(head -n 3 "$w/$name.err")"
	head -n 1 "$w/$name.help" | grep -q "^usage: sliptap $name\( \|$\)" ||
	    e2e_fail "sliptap $name --help: first line is '$(head -n 1 "$w/$name.help")'"
	grep -qF "$summary" "$w/$name.help" || e2e_fail "sliptap $name --help lacks its summary"

	"$SLIPTAP" help "$name" >"$w/$name.help2" 2>&1
	rc=$?
	[ $rc -eq 0 ] || e2e_fail "sliptap help $name exited $rc"
	cmp -s "$w/$name.help" "$w/$name.help2" || e2e_fail "sliptap help $name differs from sliptap $name --help"

	# -h works too, even after other options.
	"$SLIPTAP" "$name" -h >"$w/$name.help3" 2>&1 || e2e_fail "sliptap $name -h exited $?"
	cmp -s "$w/$name.help" "$w/$name.help3" || e2e_fail "sliptap $name -h differs from --help"

	# A real command rejects an unknown option as a usage error.
	case $summary in
	*"not built yet"*) echo "note: $name is a placeholder" ;;
	*)
		"$SLIPTAP" "$name" --no-such-option >"$w/$name.bad" 2>&1
		rc=$?
		[ $rc -eq 2 ] || e2e_fail "sliptap $name --no-such-option exited $rc, not 2: $(head -n 2 "$w/$name.bad")"
		# Every option that takes a value, given none (as the last word).
		for o in $(sed -n 's/^ \{1,8\}\(-[a-zA-Z0-9], *\)\{0,1\}\(--[a-z][a-z0-9-]*\) [A-Z].*/\2/p' "$w/$name.help"); do
			usage_error "$name $o (no value)" "$name" "$o"
		done
		;;
	esac
	n=$((n + 1))
done

# Bad values, per command. A command without a case here is listed, so a
# new command gets one.
scen=$E2E_ROOT/scenarios/burst-loss.ini
for name in $names; do
	case $name in
	proxy)
		for args in "--baud x" "--baud 10" "--reset bogus" "--rfc2217 127.0.0.1:0 --rfc2217-reset bogus" \
		    "--scenario $scen --seed abc" "--scenario $scen --seed 12x" "--scenario $scen --seed -1" \
		    "--seed 1" "--pin out.ini"; do
			usage_error "proxy $args" proxy $args /dev/null
		done
		usage_error "proxy without a device" proxy
		usage_error "proxy with two devices" proxy /dev/null /dev/null
		;;
	sim)
		usage_error "sim without --chip" sim
		usage_error "sim --chip bogus" sim --chip bogus
		for args in "--flash-size 3MB" "--flash-size 128K" "--flash-size 256MB" "--flash-size x" \
		    "--flash-size -4M" "--baud x" "--baud 10" "--wdt-timeout x" "--vanish-after x" \
		    "--reenumerate-after 5parsecs" "--transport x" "--boot x" "--rfc2217-reset x" \
		    "--link a --rfc2217 127.0.0.1:0" extra; do
			usage_error "sim --chip esp32 $args" sim --chip esp32 --flash "$w/sim.bin" $args
		done
		usage_error "sim --transport usb-jtag on esp32" sim --chip esp32 --flash "$w/sim.bin" --transport usb-jtag
		;;
	ports) usage_error "ports extra" ports extra ;;
	check) usage_error "check without a file" check ;;
	scenarios) usage_error "scenarios with two dirs" scenarios a b ;;
	dump)
		usage_error "dump without a file" dump
		usage_error "dump with two files" dump a b
		;;
	*) echo "note: no bad-value case for '$name' in cli-help.sh" ;;
	esac
done

"$SLIPTAP" no-such-command >"$w/unknown" 2>&1
rc=$?
[ $rc -eq 2 ] || e2e_fail "unknown command exited $rc, not 2"
e2e_expect "$w/unknown" "no-such-command" "unknown command message"
"$SLIPTAP" help no-such-command >"$w/unknown2" 2>&1
rc=$?
[ $rc -eq 2 ] || e2e_fail "sliptap help <unknown> exited $rc, not 2"
"$SLIPTAP" >"$w/none" 2>&1
rc=$?
[ $rc -eq 2 ] || e2e_fail "sliptap without a command exited $rc, not 2"
e2e_expect "$w/none" "^usage: sliptap " "sliptap without a command"
"$SLIPTAP" --version >"$w/version" 2>&1 || e2e_fail "sliptap --version exited $?"
e2e_expect "$w/version" "^sliptap [0-9]" "sliptap --version"

echo "help contract holds for $n commands: $(echo $names); $bad usage errors exit 2"
