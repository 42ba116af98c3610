#!/bin/bash
# toolchains.sh: list the Go toolchains goscope can build the corpora with, one
# "VERSION GOROOT" line each (VERSION without the "go" prefix, e.g. 1.26.8),
# oldest first: the machine's own /usr/local/go, Debian's /usr/lib/go-1.N when
# installed, and, with GOSCOPE_MATRIX=1, every toolchain fetch-go.sh unpacked
# into the cache.  The default (the machine's Go and Debian's Go 1.19) is what
# `make check` and CI use; `make check-matrix` fetches and sets GOSCOPE_MATRIX=1.
#
# Environment: GOSCOPE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/goscope),
# GOSCOPE_MATRIX (1: include the fetched toolchains).
set -eu

. "$(dirname "$0")/lib.sh"

seen=" "
roots="/usr/local/go /usr/lib/go-1.*"
[ "${GOSCOPE_MATRIX:-0}" = 1 ] && roots="$roots $GO_CACHE/usr/lib/go-1.*"
for root in $roots; do
	[ -x "$root/bin/go" ] || continue
	real=$(cd "$root" && pwd -P)
	case $seen in *" $real "*) continue ;; esac
	seen="$seen$real "
	version=$(goroot_version "$root") || continue
	printf '%s %s\n' "$version" "$root"
done | sort -t . -k 1,1n -k 2,2n -k 3,3n
