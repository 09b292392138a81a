#!/bin/sh
# deps.sh [--check] — what sliptap needs to build and test, on Debian 12.
#   deps.sh          install whatever is missing (Debian packages with
#                    apt-get, tests/js's npm packages), saying what; as
#                    non-root it prints the exact command to run instead.
#   deps.sh --check  install nothing: exit 0 silently when everything is
#                    there, else name what is missing and exit 1.
# The check is cheap (one dpkg-query, a look at tests/js/node_modules), so
# make runs it before check/demo/bench and calls `make deps` only on a miss.
set -eu

PKGS="build-essential pkg-config libserialport-dev libpcap-dev check libinih-dev zlib1g-dev \
clang libclang-rt-14-dev tshark socat groff-base nodejs npm python3-serial \
ser2net labgrid python3-pytest libxml2-utils"

if ! command -v dpkg-query >/dev/null 2>&1; then
	# Not Debian: check what the build and the tests use, install nothing.
	miss=""
	for m in libserialport libpcap inih zlib check; do
		pkg-config --exists "$m" 2>/dev/null || miss="$miss $m"
	done
	for c in cc clang socat tshark groff node npm; do
		command -v "$c" >/dev/null 2>&1 || miss="$miss $c"
	done
	[ -d tests/js/node_modules/esptool-js ] || miss="$miss tests/js/node_modules"
	[ -z "$miss" ] && exit 0
	echo "deps: not a Debian system; install these with your package manager:$miss" >&2
	echo "  (tests/js: npm install)" >&2
	exit 1
fi

installed=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
    awk '/ install ok installed$/ {print $1}')
missing=""
for p in $PKGS; do
	case " $(echo $installed) " in *" $p "*) continue ;; esac
	# node/npm may come from elsewhere (nodesource, nvm): accept the commands.
	case $p in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	esac
	missing="$missing $p"
done

# npm packages for the esptool-js test client (tests/js/package.json).
npm_missing=0
if [ -f tests/js/package.json ]; then
	if [ ! -f tests/js/node_modules/.sliptap-stamp ] ||
	    [ tests/js/package.json -nt tests/js/node_modules/.sliptap-stamp ]; then
		npm_missing=1
	fi
fi

if [ "${1:-}" = --check ]; then
	[ -z "$missing" ] && [ $npm_missing -eq 0 ] && exit 0
	[ -z "$missing" ] || echo "deps: missing Debian packages:$missing" >&2
	[ $npm_missing -eq 0 ] || echo "deps: tests/js has no up-to-date node_modules" >&2
	echo "deps: running make deps" >&2
	exit 1
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "sliptap: missing Debian packages; run as root:" >&2
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: apt-get install$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, quietly.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq >/dev/null
	apt-get install -y -qq $missing >/dev/null
fi

if [ $npm_missing -eq 1 ]; then
	echo "deps: npm install in tests/js (esptool-js, serialport)"
	(cd tests/js && npm install --no-audit --no-fund --loglevel=error >/dev/null)
	touch tests/js/node_modules/.sliptap-stamp
fi
