# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this
# Shared settings for the corpora scripts; sourced, never run.

# Cache root for fetched toolchains and built corpora.
GOSCOPE_CACHE=${GOSCOPE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goscope}

# Where fetch-go.sh unpacks Debian's toolchains: $GO_CACHE/usr/lib/go-1.N.
GO_CACHE=$GOSCOPE_CACHE/go

# The directory holding these scripts.
CORPORA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
	log "$@"
	exit 1
}

# goroot_version GOROOT: print "1.N.M" (without the "go" prefix), or fail.
goroot_version() {
	local v=
	if [ -f "$1/VERSION" ]; then
		v=$(head -n 1 "$1/VERSION")
	fi
	if [ -z "$v" ] && [ -x "$1/bin/go" ]; then
		v=$(GOROOT=$1 GOTOOLCHAIN=local "$1/bin/go" env GOVERSION 2>/dev/null) || v=
	fi
	case $v in
	go[0-9]*) printf '%s\n' "${v#go}" ;;
	*) return 1 ;;
	esac
}
