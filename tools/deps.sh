#!/bin/sh
# deps.sh — install what sliptap needs to build and test, on Debian 12.
# Idempotent and quiet when everything is there; as non-root it prints the
# exact command to run instead.
set -eu

PKGS="build-essential pkg-config libserialport-dev libpcap-dev check libinih-dev zlib1g-dev \
clang libclang-rt-14-dev tshark socat groff-base nodejs npm python3-serial \
ser2net labgrid python3-pytest libxml2-utils"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		# node/npm may come from elsewhere (nodesource, nvm): accept the commands.
		case $p in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		esac
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "sliptap: missing Debian packages; run as root:" >&2
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, quietly.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq >/dev/null
	apt-get install -y -qq $missing >/dev/null
fi

# npm packages for the esptool-js test client (tests/js/package.json).
if [ -f tests/js/package.json ]; then
	if [ ! -f tests/js/node_modules/.sliptap-stamp ] ||
	    [ tests/js/package.json -nt tests/js/node_modules/.sliptap-stamp ]; then
		echo "deps: installing npm packages in tests/js"
		(cd tests/js && npm install --no-audit --no-fund --loglevel=error >/dev/null)
		touch tests/js/node_modules/.sliptap-stamp
	fi
fi
