#!/bin/bash
# toolchains.sh: list the Go toolchains goscope can build the corpora with, one
# "VERSION GOROOT" line each (VERSION without the "go" prefix, e.g. 1.26.8),
# oldest first: the machine's own /usr/local/go, Debian's /usr/lib/go-1.N when
# installed, and every toolchain fetch-go.sh unpacked into the cache.
#
# Environment: GOSCOPE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/goscope).
set -eu

. "$(dirname "$0")/lib.sh"

seen=" "
for root in /usr/local/go /usr/lib/go-1.* "$GO_CACHE"/usr/lib/go-1.*; do
	[ -x "$root/bin/go" ] || continue
	real=$(cd "$root" && pwd -P)
	case $seen in *" $real "*) continue ;; esac
	seen="$seen$real "
	version=$(goroot_version "$root") || continue
	printf '%s %s\n' "$version" "$root"
done | sort -t . -k 1,1n -k 2,2n -k 3,3n
