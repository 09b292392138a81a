#!/bin/sh
# docs.sh — the man pages format cleanly and match the commands, both ways,
# for every command `sliptap --help` lists (new commands are covered without
# an edit here). For each command C, with HELP = the options of
# `sliptap C --help` (its usage line and its option lines) and the man page's
# SYNOPSIS entry and `.Ss C` section (its `.It Fl ...` items):
#  - every option line of the help is documented in the section (each of its
#    forms, -x and --long) and appears in the synopsis (in one of its forms);
#  - every option of the usage line is in the synopsis;
#  - every option of the synopsis and of the section's items exists in HELP.
set -u
: "${SLIPTAP:?}"
MAN=docs/sliptap.1
fail=0
command -v groff >/dev/null 2>&1 || { echo "groff is not installed"; exit 77; }
for m in $MAN docs/sliptap-scenario.5; do
	out=$(groff -mandoc -ww -z "$m" 2>&1)
	if [ ! -f "$m" ] || [ -n "$out" ]; then
		echo "$m: missing or not clean under groff -ww: $out"
		fail=1
	fi
done
w=$(mktemp -d "${TMPDIR:-/tmp}/sliptap-docs.XXXXXX") || exit 1
trap 'rm -rf "$w"' EXIT

# "syn CMD OPT" and "it CMD OPT" lines from the man page. mdoc writes --link
# as "Fl -link" and -e -q -v as "Fl eqv".
awk '
function fl(kind, cmd,    i, j, wd) {
	for (i = 1; i < NF; i++) {
		if ($i != "Fl" && $i != ".Fl")
			continue
		wd = $(i + 1)
		if (wd ~ /^-/) {
			sub(/[^a-zA-Z0-9-].*$/, "", wd)
			print kind, cmd, "-" wd
		} else {
			for (j = 1; j <= length(wd); j++)
				if (substr(wd, j, 1) ~ /[a-zA-Z0-9]/)
					print kind, cmd, "-" substr(wd, j, 1)
		}
	}
}
/^\.Sh / { sh = $2; cmd = ""; prev = ""; next }
sh == "SYNOPSIS" {
	if (prev == ".Nm" && $1 == ".Cm") cmd = $2
	else if ($1 == ".Nm") cmd = ""
	else if (cmd != "") fl("syn", cmd)
	prev = $0
	next
}
sh == "COMMANDS" && $1 == ".Ss" { cmd = $2; next }
sh == "COMMANDS" && $1 == ".It" && cmd != "" { fl("it", cmd) }
' "$MAN" >"$w/man"

# expand OPT... — one option per line; a short cluster -eqv gives -e -q -v.
expand() {
	for _o in "$@"; do
		case $_o in
		--*) echo "$_o" ;;
		-*) echo "${_o#-}" | fold -w 1 | sed 's/^/-/' ;;
		esac
	done
}

commands=$("$SLIPTAP" --help | awk '/^Commands:/ {on = 1; next} on && !NF {exit} on {print $1}')
[ -n "$commands" ] || { echo "sliptap --help lists no commands"; exit 1; }
for c in $commands; do
	"$SLIPTAP" "$c" --help >"$w/$c.help" 2>&1 || { echo "sliptap $c --help failed"; fail=1; continue; }
	if ! grep -q "^\.Ss $c\$" "$MAN"; then
		echo "$MAN: no section for '$c'"
		fail=1
		continue
	fi
	sed -n "s/^syn $c //p" "$w/man" | sort -u >"$w/$c.syn"
	sed -n "s/^it $c //p" "$w/man" | sort -u >"$w/$c.it"
	# The usage line's options (after a blank, [ or |, so usb-jtag is no option).
	expand $(head -n 1 "$w/$c.help" | grep -oE '(^|[[ |])--?[a-zA-Z][a-zA-Z0-9-]*' |
	    sed 's/^[[ |]//') | grep -vx -- '--help' | sort -u >"$w/$c.usage"
	# Option lines: an option in the first 8 columns ("  -q, --quiet ...",
	# "      --synth FILE"); deeper lines continue a description.
	sed -n 's/^ \{1,8\}\(-[a-zA-Z0-9]\), *\(--[a-z][a-z0-9-]*\).*/\1 \2/p
	    s/^ \{1,8\}\(--\{0,1\}[a-zA-Z0-9][a-z0-9-]*\).*/\1/p' "$w/$c.help" |
	    grep -v -e '^-h --help$' -e '^--help$' -e '^-h$' >"$w/$c.lines"
	tr ' ' '\n' <"$w/$c.lines" | cat - "$w/$c.usage" | sort -u >"$w/$c.all"

	while read -r forms; do
		in_syn=0
		for o in $forms; do
			grep -qx -- "$o" "$w/$c.it" ||
			    { echo "$MAN: '$c' option $o is not documented in its section"; fail=1; }
			grep -qx -- "$o" "$w/$c.syn" && in_syn=1
		done
		[ $in_syn -eq 1 ] || { echo "$MAN: '$c' option $forms is not in the SYNOPSIS"; fail=1; }
	done <"$w/$c.lines"
	for o in $(cat "$w/$c.usage"); do
		grep -qx -- "$o" "$w/$c.syn" ||
		    { echo "$MAN: '$c' usage option $o is not in the SYNOPSIS"; fail=1; }
	done
	for o in $(cat "$w/$c.syn" "$w/$c.it" | sort -u); do
		grep -qx -- "$o" "$w/$c.all" ||
		    { echo "$MAN: '$c' option $o is not in 'sliptap $c --help'"; fail=1; }
	done
	echo "$c: $(wc -l <"$w/$c.all") options checked"
done
# Every section names a command that exists.
for s in $(sed -n 's/^\.Ss \([a-z][a-z0-9-]*\)$/\1/p' "$MAN"); do
	echo "$commands" | grep -qx -- "$s" || { echo "$MAN: section '$s' is no command of sliptap --help"; fail=1; }
done
[ -s CHANGES ] || { echo "CHANGES is missing"; fail=1; }
[ $fail -eq 0 ] && echo "man pages match every command's options both ways"
exit $fail
