#!/bin/sh
# bench.sh BUILD — run every tools/bench/*.sh and print their figures.
# Each bench compares against a reference measured in the same script
# (a direct pty, socat, tshark, the theoretical wire time) and prints ratios.
set -u
BUILD=${1:-build}
export SLIPTAP="$PWD/$BUILD/sliptap" SLIPTAP_BUILD="$PWD/$BUILD"
rc=0
for b in tools/bench/*.sh; do
	[ -f "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	sh "$b" || { echo "bench $(basename "$b") failed" >&2; rc=1; }
	echo
done
exit $rc
