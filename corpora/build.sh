#!/bin/bash
# build.sh [-j N] [--go GOROOT]... [--arch amd64|arm64]... [--case NAME]... [--variant V]...
#
# Builds the Go corpus programs in src/<case> with each toolchain, for each
# architecture, in each variant:
#   plain          go build
#   stripped       -ldflags='-s -w'
#   pie            -buildmode=pie
#   pie-stripped   both
# into $GOSCOPE_CACHE/corpora/go<VERSION>/<arch>/<case>-<variant>, and prints
# the path of every output it built or found up to date, one per line.
#
# Defaults: every toolchain that toolchains.sh lists; amd64 and arm64; every
# case in src/ ("big" only when named: see gen-big.sh); every variant ("big":
# plain and stripped only). The cgo case is built for amd64 only, and only
# when gcc is present. An output newer than its sources (and than the build
# recipe: RECIPE below) is not rebuilt. A failed build is reported on stderr and the others go on;
# the exit status is then 1. Up to N builds run at once (-j, default: the
# number of CPUs).
#
# Environment: GOSCOPE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/goscope).
set -eu

. "$(dirname "$0")/lib.sh"

SRC=$CORPORA_DIR/src
OUT_ROOT=$GOSCOPE_CACHE/corpora
ALL_VARIANTS="plain stripped pie pie-stripped"

usage() {
	echo "usage: build.sh [-j N] [--go GOROOT]... [--arch amd64|arm64]... [--case NAME]... [--variant plain|stripped|pie|pie-stripped]..." >&2
	exit 2
}

# newer_than OUT FILE...: true when OUT exists and is newer than every FILE.
newer_than() {
	local out=$1 f
	shift
	[ -e "$out" ] || return 1
	for f in "$@"; do
		[ "$out" -nt "$f" ] || return 1
	done
}

# source_files CASE: the files an output of CASE depends on.
source_files() {
	if [ "$1" = big ]; then
		printf '%s\n' "$BIG_SRC/stamp"
	else
		find "$SRC/$1" -type f -name '*.go'
		printf '%s\n' "$SRC/go.mod"
	fi
	printf '%s\n' "$RECIPE_STAMP"
}

# RECIPE names how outputs are built (flags, environment). Change it when the
# recipe changes: every output older than the stamp that records it is then
# rebuilt, while edits elsewhere in this script rebuild nothing.
RECIPE=1
RECIPE_STAMP=$OUT_ROOT/recipe

check_recipe() {
	mkdir -p "$OUT_ROOT"
	if [ ! -f "$RECIPE_STAMP" ] || [ "$(cat "$RECIPE_STAMP")" != "$RECIPE" ]; then
		printf '%s\n' "$RECIPE" >"$RECIPE_STAMP.$$"
		mv -f "$RECIPE_STAMP.$$" "$RECIPE_STAMP"
	fi
}

# build_one GOROOT VERSION ARCH CASE VARIANT
build_one() {
	local root=$1 version=$2 arch=$3 case=$4 variant=$5
	local dir=$OUT_ROOT/go$version/$arch out tmp cgo=0 moddir=$SRC pkg=./$4
	local -a flags=()
	out=$dir/$case-$variant
	case $variant in
	plain) ;;
	stripped) flags=("-ldflags=-s -w") ;;
	pie) flags=(-buildmode=pie) ;;
	pie-stripped) flags=(-buildmode=pie "-ldflags=-s -w") ;;
	esac
	if [ "$case" = cgo ]; then
		cgo=1
	elif [ "$case" = big ]; then
		moddir=$BIG_SRC
		pkg=.
	fi
	mkdir -p "$dir"
	# Names unique to this job: other build.sh runs may build the same output.
	tmp=$out.tmp.$BASHPID
	if (cd "$moddir" && env GOROOT="$root" GOTOOLCHAIN=local GOFLAGS=-mod=mod \
		GO111MODULE=on GOPROXY=off GOOS=linux GOARCH="$arch" CGO_ENABLED=$cgo \
		"$root/bin/go" build -o "$tmp" "${flags[@]}" "$pkg") >"$tmp.log" 2>&1; then
		mv -f "$tmp" "$out"
		rm -f "$tmp.log"
		printf '%s\n' "$out"
	else
		log "go$version $arch $case-$variant: build failed:"
		sed 's/^/    /' "$tmp.log" >&2
		rm -f "$tmp" "$tmp.log"
		return 1
	fi
}

main() {
	local -a roots=() arches=() cases=() variants=()
	local root version arch case variant status=0 have_gcc=false
	local jobs='' tmp n=0 i running=0 abs out
	local -a vs deps
	while [ $# -gt 0 ]; do
		case $1 in
		--go) [ $# -ge 2 ] || usage; roots+=("$2"); shift 2 ;;
		--go=*) roots+=("${1#--go=}"); shift ;;
		--arch) [ $# -ge 2 ] || usage; arches+=("$2"); shift 2 ;;
		--arch=*) arches+=("${1#--arch=}"); shift ;;
		--case) [ $# -ge 2 ] || usage; cases+=("$2"); shift 2 ;;
		--case=*) cases+=("${1#--case=}"); shift ;;
		--variant) [ $# -ge 2 ] || usage; variants+=("$2"); shift 2 ;;
		--variant=*) variants+=("${1#--variant=}"); shift ;;
		-j) [ $# -ge 2 ] || usage; jobs=$2; shift 2 ;;
		-j*) jobs=${1#-j}; shift ;;
		*) usage ;;
		esac
	done
	if [ ${#roots[@]} -eq 0 ]; then
		mapfile -t roots < <("$CORPORA_DIR/toolchains.sh" | cut -d ' ' -f 2-)
		[ ${#roots[@]} -gt 0 ] || die "no Go toolchain found"
	fi
	[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64)
	if [ ${#cases[@]} -eq 0 ]; then
		for case in "$SRC"/*/; do
			case=${case%/}
			case=${case##*/}
			[ -f "$SRC/$case/main.go" ] && cases+=("$case")
		done
	fi
	for arch in "${arches[@]}"; do
		case $arch in amd64 | arm64) ;; *) die "unsupported arch: $arch" ;; esac
	done
	for variant in "${variants[@]}"; do
		case " $ALL_VARIANTS " in *" $variant "*) ;; *) die "unknown variant: $variant" ;; esac
	done
	for case in "${cases[@]}"; do
		[ "$case" = big ] || [ -f "$SRC/$case/main.go" ] || die "unknown case: $case"
		if [ "$case" = big ]; then
			BIG_SRC=$("$CORPORA_DIR/gen-big.sh" --source-only) || die "gen-big.sh failed"
		fi
	done
	command -v gcc >/dev/null && have_gcc=true
	check_recipe

	[ -n "$jobs" ] || jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand tmp now
	trap "rm -rf '$tmp'" EXIT
	for root in "${roots[@]}"; do
		# Absolute: the builds run in the module's directory.
		if ! abs=$(cd "$root" 2>/dev/null && pwd) || ! version=$(goroot_version "$abs"); then
			log "$root: not a Go toolchain; skipped"
			status=1
			continue
		fi
		root=$abs
		for arch in "${arches[@]}"; do
			for case in "${cases[@]}"; do
				if [ "$case" = cgo ] && { [ "$arch" != amd64 ] || ! $have_gcc; }; then
					continue
				fi
				vs=("${variants[@]}")
				if [ ${#vs[@]} -eq 0 ]; then
					if [ "$case" = big ]; then
						vs=(plain stripped)
					else
						# shellcheck disable=SC2206 # a word list
						vs=($ALL_VARIANTS)
					fi
				fi
				mapfile -t deps < <(source_files "$case")
				for variant in "${vs[@]}"; do
					out=$OUT_ROOT/go$version/$arch/$case-$variant
					if newer_than "$out" "${deps[@]}"; then
						printf '%s\n' "$out" >"$tmp/$n.out"
						: >"$tmp/$n.err"
						n=$((n + 1))
						continue
					fi
					if [ "$running" -ge "$jobs" ]; then
						wait -n || status=1
						running=$((running - 1))
					fi
					build_one "$root" "$version" "$arch" "$case" "$variant" \
						>"$tmp/$n.out" 2>"$tmp/$n.err" &
					n=$((n + 1))
					running=$((running + 1))
				done
			done
		done
	done
	while [ "$running" -gt 0 ]; do
		wait -n || status=1
		running=$((running - 1))
	done
	# Report in a stable order, whatever order the jobs ended in.
	for ((i = 0; i < n; i++)); do
		cat "$tmp/$i.out"
		cat "$tmp/$i.err" >&2
	done
	return $status
}

main "$@"
