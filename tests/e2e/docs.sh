#!/bin/sh
# docs.sh — the man pages format cleanly and document every option that the
# commands' --help texts (the data in the command table) offer.
set -u
: "${SLIPTAP:?}"
fail=0
command -v groff >/dev/null 2>&1 || { echo "groff is not installed"; exit 77; }
for m in docs/sliptap.1 docs/sliptap-scenario.5; do
	out=$(groff -mandoc -ww -z "$m" 2>&1)
	if [ ! -f "$m" ] || [ -n "$out" ]; then
		echo "$m: missing or not clean under groff -ww: $out"
		fail=1
	fi
done
for c in $("$SLIPTAP" --help | awk '/^Commands:/ {on = 1; next} on && !NF {exit} on {print $1}'); do
	opts=$("$SLIPTAP" "$c" --help | sed -n 's/^ *\(-[a-zA-Z], *\)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort -u)
	for o in $opts; do
		[ "$o" = --help ] && continue
		# mdoc writes --link as "Fl -link".
		if ! grep -q -- "Fl ${o#-}\\b" docs/sliptap.1; then
			echo "docs/sliptap.1: '$c' option $o is not documented"
			fail=1
		fi
	done
	grep -q "^\.Ss $c\$" docs/sliptap.1 || { echo "docs/sliptap.1: no section for '$c'"; fail=1; }
done
[ -s CHANGES ] || { echo "CHANGES is missing"; fail=1; }
[ $fail -eq 0 ] && echo "man pages cover every option"
exit $fail
