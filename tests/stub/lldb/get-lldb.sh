#!/bin/bash
# get-lldb.sh [N...]: unpack Debian's lldb N (14 and 16 by default) into
# $GOSCOPE_CACHE/lldb-N with `apt-get download` + `dpkg -x`, without touching
# the system's package state.
#
# Why not `apt-get install lldb lldb-16`: lldb-14 and lldb-16 each depend on
# their python3-lldb-N, and python3-lldb-14 and python3-lldb-16 conflict (both
# provide python3-lldb-x.y), so apt refuses the pair ("held broken packages").
# One of them may be installed with apt; the other has to come from here.
# tests/stub/lldb/lldb-lib.sh looks for an installed /usr/lib/llvm-N first and
# then for this cache, and sets PYTHONPATH (and LD_LIBRARY_PATH for the cache).
#
# Needs apt-get with current package lists (as root it runs `apt-get update`
# once if the first download fails).  Prints the
# lldb binary of each version it has; exits non-zero if one could not be had.
# Environment: GOSCOPE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/goscope).
set -u

GOSCOPE_CACHE="${GOSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goscope}"
[ $# -gt 0 ] || set -- 14 16
status=0

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed'
}

get_one() {
	local n=$1 root=$GOSCOPE_CACHE/lldb-$1 tmp p pkgs
	local bin=$root/usr/lib/llvm-$n/bin/lldb
	if [ -x "$bin" ] && [ -x "$root/usr/lib/llvm-$n/bin/lldb-server" ]; then
		echo "$bin"
		return 0
	fi
	pkgs="lldb-$n liblldb-$n python3-lldb-$n"
	# The LLVM and clang runtime libraries lldb links against, unless the
	# system already has them (llvm-14 often is).
	for p in "libllvm$n" "libclang-cpp$n"; do
		installed "$p" || pkgs="$pkgs $p"
	done
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/get-lldb.XXXXXX") || return 1
	chmod 755 "$tmp"	# apt-get download drops privileges to _apt
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && apt-get download -q $pkgs >/dev/null 2>"$tmp/err") &&
		! { [ "$(id -u)" -eq 0 ] && apt-get update -qq >/dev/null 2>&1 &&
			(cd "$tmp" && apt-get download -q $pkgs >/dev/null 2>"$tmp/err"); }; then
		echo "get-lldb: apt-get download $pkgs failed:" >&2
		cat "$tmp/err" >&2
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "$root.new"
	mkdir -p "$root.new"
	for p in "$tmp"/*.deb; do
		dpkg -x "$p" "$root.new" || { rm -rf "$tmp" "$root.new"; return 1; }
	done
	rm -rf "$tmp" "$root"
	mv "$root.new" "$root"
	echo "$bin"
}

for n in "$@"; do
	get_one "$n" || status=1
done
exit $status
