#!/bin/bash
# fetch-go.sh [VERSION...]: fetch Debian's packaged Go toolchains (1.21 ... 1.27,
# and 1.19 when asked)
# into the goscope cache without touching the system's apt state, as
# shared/reference/go-toolchains.md describes.  VERSION is "1.N" (a trailing
# ".M" is ignored: Debian ships one release per minor version).  Prints the
# GOROOT of each toolchain it has; a version that cannot be fetched is reported
# on stderr and skipped.  With no VERSION, fetches all of them.
#
# Environment: GOSCOPE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/goscope);
# GOSCOPE_DEBIAN_URI overrides the archive URI taken from /etc/apt.
set -eu

. "$(dirname "$0")/lib.sh"

ALL_VERSIONS="1.21 1.22 1.23 1.24 1.25 1.26 1.27"

# suite_of 1.N: the Debian suite that packages golang-1.N-go.
suite_of() {
	case $1 in
	1.19) echo bookworm ;;
	1.21 | 1.22 | 1.23) echo bookworm-backports ;;
	1.24) echo trixie ;;
	1.25) echo trixie-backports ;;
	1.26 | 1.27) echo sid ;;
	*) return 1 ;;
	esac
}

# archive_uri: the Debian archive URI from this machine's own apt configuration
# (never written into the repository).
archive_uri() {
	local f uri=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk 'tolower($1) == "uris:" && $2 !~ /security/ { print $2; exit }' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" {
			for (i = 2; i <= NF; i++)
				if ($i ~ /^[a-z]+:\/\// && $i !~ /security/) { print $i; exit }
		}' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || return 1
	printf '%s\n' "${uri%/}"
}

APT_DIR=$GO_CACHE/apt
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

apt_private() {
	apt-get -q \
		-o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts="$APT_DIR/empty.d" \
		-o Dir::Etc::Preferences="$APT_DIR/empty.pref" \
		-o Dir::Etc::PreferencesParts="$APT_DIR/empty.d" \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::status="$APT_DIR/status" \
		-o Debug::NoLocking=1 \
		-o APT::Sandbox::User=root \
		-o Acquire::Languages=none \
		"$@"
}

# setup_apt SUITE...: write the private sources.list and update it once per run.
setup_apt() {
	local uri suite
	uri=${GOSCOPE_DEBIAN_URI:-}
	[ -n "$uri" ] || uri=$(archive_uri) || {
		log "no Debian archive URI in /etc/apt; cannot fetch"
		return 1
	}
	[ -r "$KEYRING" ] || {
		log "missing $KEYRING; cannot fetch"
		return 1
	}
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" \
		"$APT_DIR/empty.d" "$APT_DIR/debs"
	: >"$APT_DIR/status"
	: >"$APT_DIR/empty.pref"
	: >"$APT_DIR/sources.list.new"
	for suite in "$@"; do
		printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$uri" "$suite" \
			>>"$APT_DIR/sources.list.new"
	done
	mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
	apt_private update >"$APT_DIR/update.log" 2>&1 ||
		log "apt-get update reported errors (see $APT_DIR/update.log); trying anyway"
}

# fetch 1.N: download and unpack golang-1.N-go and golang-1.N-src.
fetch() {
	local v=$1 root=$GO_CACHE/usr/lib/go-$1 deb
	(
		cd "$APT_DIR/debs" &&
			rm -f "golang-$v-go_"*.deb "golang-$v-src_"*.deb &&
			apt_private download "golang-$v-go" "golang-$v-src"
	) >"$APT_DIR/download-$v.log" 2>&1 || {
		log "go $v: apt-get download failed (see $APT_DIR/download-$v.log); skipped"
		return 1
	}
	for deb in "$APT_DIR/debs/golang-$v-go_"*.deb "$APT_DIR/debs/golang-$v-src_"*.deb; do
		dpkg -x "$deb" "$GO_CACHE" || {
			log "go $v: dpkg -x $deb failed; skipped"
			return 1
		}
	done
	rm -f "$APT_DIR/debs/golang-$v-go_"*.deb "$APT_DIR/debs/golang-$v-src_"*.deb
	if [ ! -x "$root/bin/go" ] || [ ! -d "$root/src/runtime" ]; then
		log "go $v: unpacked, but $root is not a usable GOROOT; skipped"
		return 1
	fi
}

# minor_of VERSION: "1.N" from "1.N", "1.N.M" or "go1.N.M".
minor_of() {
	printf '%s\n' "$1" | sed -n 's/^\(go\)\{0,1\}\(1\.[0-9][0-9]*\)\(\.[0-9]*\)\{0,1\}$/\2/p'
}

have() {
	[ -x "$GO_CACHE/usr/lib/go-$1/bin/go" ] && goroot_version "$GO_CACHE/usr/lib/go-$1" >/dev/null
}

main() {
	local v minor suite suites='' wanted='' ok=0 apt_ok=false
	# shellcheck disable=SC2086 # one word per version
	[ $# -gt 0 ] || set -- $ALL_VERSIONS
	for v in "$@"; do
		minor=$(minor_of "$v")
		if [ -z "$minor" ] || ! suite=$(suite_of "$minor"); then
			log "go $v: not a version Debian packages for goscope; skipped"
			continue
		fi
		case " $wanted " in *" $minor "*) continue ;; esac
		wanted="$wanted $minor"
		have "$minor" && continue
		case " $suites " in *" $suite "*) ;; *) suites="$suites $suite" ;; esac
	done
	if [ -n "$suites" ]; then
		if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
			log "apt-get and dpkg are needed to fetch toolchains"
		else
			# shellcheck disable=SC2086 # one word per suite
			setup_apt $suites && apt_ok=true
		fi
	fi
	for minor in $wanted; do
		if have "$minor" || { $apt_ok && fetch "$minor"; }; then
			printf '%s\n' "$GO_CACHE/usr/lib/go-$minor"
			ok=$((ok + 1))
		fi
	done
	[ "$ok" -gt 0 ] || log "no toolchain fetched"
	return 0
}

main "$@"
