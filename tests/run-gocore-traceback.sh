#!/bin/bash
# run-gocore-traceback.sh [--all] [--go GOROOT]... [--arch amd64|arm64]... [--case C]...
#
# gocore's text against the Go runtime's own GOTRACEBACK=crash output.
#
# Builds corpora/src/states (plain and stripped) with each toolchain and
# arch, runs every crash mode (panic, nilderef, quit) under
# GOTRACEBACK=crash with core dumps on (arm64 under qemu-aarch64), plus the
# cgo case (corpora/src/cgo `cgo panic`: a panic in a Go callback under a C
# frame while another goroutine sleeps in C; amd64 only, as build.sh builds
# it, and skipped with a message when gcc is missing), runs
# `gocore EXE CORE` on the core, and compares every goroutine block the
# runtime printed with gocore's, header included, byte for byte
# (tests/gocore/compare.py; goroutine 0 and "running on other thread" blocks
# aside).  Also checks that the summary's "panic:" and "[signal ...]" lines
# are the runtime's.
# Prints the matrix:
#   go1.26.8   amd64  plain      114/114  all blocks (panic 35/35, nilderef 36/36, quit 37/37, cgo 6/6)
# Anything short of every block is a failure.
#
# Toolchains: /usr/local/go and /usr/lib/go-1.19 by default; --all (or
# GOCORE_MATRIX=all, as `make check-matrix` sets) adds every toolchain
# corpora/toolchains.sh lists (fetched into ~/.cache/goscope/go).
# Exit: 0 all matched, 1 a mismatch, 77 nothing could run, 99 hard error.
# KEEP=1 keeps the work directory; VERBOSE=1 prints the differences.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u

here=$top_srcdir/tests/gocore
build=$top_srcdir/corpora/build.sh
[ -x "$GOCORE" ] || hard_error "no gocore at $GOCORE"
need python3

gos=() arches=() cases=() all=${GOCORE_MATRIX:-}
while [ $# -gt 0 ]; do
	case $1 in
	--all) all=all; shift ;;
	--go) gos+=("$2"); shift 2 ;;
	--arch) arches+=("$2"); shift 2 ;;
	--case) cases+=("$2"); shift 2 ;;
	*) echo "usage: run-gocore-traceback.sh [--all] [--go GOROOT]... [--arch A]... [--case C]..." >&2; exit 99 ;;
	esac
done
if [ ${#gos[@]} -eq 0 ]; then
	for g in /usr/local/go /usr/lib/go-1.19; do [ -x $g/bin/go ] && gos+=("$g"); done
	if [ "$all" = all ]; then
		while read -r _ root; do
			case " ${gos[*]} " in *" $root "*) ;; *) gos+=("$root") ;; esac
		done < <("$top_srcdir/corpora/toolchains.sh")
	fi
fi
[ ${#gos[@]} -gt 0 ] || skip "no Go toolchain"
if [ ${#arches[@]} -eq 0 ]; then
	arches=(amd64)
	command -v qemu-aarch64 >/dev/null && arches+=(arm64)
fi
[ ${#cases[@]} -gt 0 ] || cases=(panic nilderef quit cgo)
for c in "${cases[@]}"; do
	case $c in panic | nilderef | quit | cgo) ;; *) hard_error "unknown case: $c" ;; esac
done
have_gcc=false
command -v gcc >/dev/null && have_gcc=true

# The kernel must write plain "core" files into the current directory.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ "$pattern" != core ] && ! echo core >/proc/sys/kernel/core_pattern 2>/dev/null; then
	skip "core_pattern is '$pattern' and cannot be set to 'core'"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gocore-tb.XXXXXX") || hard_error mktemp
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

# crash DIR EXE CASE ARCH: run EXE CASE under GOTRACEBACK=crash in DIR; prints the core's path.
crash() {
	local d=$1 exe=$2 c=$3 arch=$4 core
	local -a runner=()
	[ "$arch" = amd64 ] || runner=(qemu-aarch64)
	mkdir -p "$d"
	# timeout's own "dumped core" message must not land in err.txt
	(cd "$d" && ulimit -c unlimited && GOTRACEBACK=crash timeout 60 \
		sh -c 'exec "$@" >out.txt 2>err.txt </dev/null' sh "${runner[@]}" "$exe" "$c"; true) 2>/dev/null
	# qemu-user writes the guest's core as qemu_*.core, then the kernel dumps qemu itself
	core=$(ls "$d"/qemu_*.core 2>/dev/null | head -1)
	if [ -n "$core" ]; then rm -f "$d/core"; elif [ -e "$d/core" ]; then core=$d/core; fi
	printf '%s\n' "$core"
}

# check_run LABEL EXE CORE DIR: gocore on the core, compared; prints "M T" on stdout.
check_run() {
	local label=$1 exe=$2 core=$3 d=$4 m t
	if ! timeout 60 "$GOCORE" "$exe" "$core" >"$d/gocore.txt" 2>"$d/gocore.err"; then
		echo "$label: gocore failed: $(head -3 "$d/gocore.err")" >&2
		echo "0 1"
		return
	fi
	[ -s "$d/gocore.err" ] && sed "s/^/$label: /" "$d/gocore.err" >&2
	python3 "$here/compare.py" "$d/err.txt" "$d/gocore.txt" "$label" >"$d/cmp.txt"
	if [ "${VERBOSE:-0}" = 1 ] && [ "$(wc -l <"$d/cmp.txt")" -gt 1 ]; then head -80 "$d/cmp.txt" >&2; fi
	read -r m t < <(tail -1 "$d/cmp.txt" | sed -E 's/.*: ([0-9]+)\/([0-9]+) blocks.*/\1 \2/')
	# The runtime's "panic: ..." lines (before the first blank line) must be in our summary.
	local bad=0
	while IFS= read -r line; do
		grep -qxF -- "$line" "$d/gocore.txt" && continue
		echo "$label: the summary lacks the runtime's line: $line" >&2
		bad=1
	done < <(sed -n '1,/^$/p' "$d/err.txt" | grep -E '^(	?panic: |\[signal )')
	[ $bad = 0 ] || t=$((t + 1))
	echo "${m:-0} ${t:-1}"
}

status=0 ran=0
printf '%-10s %-6s %-9s %s\n' "go" "arch" "binary" "blocks matched / total"
for goroot in "${gos[@]}"; do
	for arch in "${arches[@]}"; do
		if [ "$arch" != amd64 ] && ! command -v qemu-aarch64 >/dev/null; then
			echo "$goroot $arch: skipped (no qemu-aarch64)"
			continue
		fi
		mapfile -t exes < <("$build" --go "$goroot" --arch "$arch" --case states \
			--variant plain --variant stripped 2>"$work/build.log")
		if [ ${#exes[@]} -ne 2 ]; then
			echo "$goroot $arch: build failed:"; cat "$work/build.log"; status=99; continue
		fi
		# The cgo program: amd64 only (no cross C compiler for arm64), and only with gcc.
		cgo_exes=() cgo_note=""
		if [[ " ${cases[*]} " == *" cgo "* ]] && [ "$arch" = amd64 ]; then
			if $have_gcc; then
				mapfile -t cgo_exes < <("$build" --go "$goroot" --arch "$arch" --case cgo \
					--variant plain --variant stripped 2>"$work/build.log")
				if [ ${#cgo_exes[@]} -ne 2 ]; then
					echo "$goroot $arch: cgo build failed:"; cat "$work/build.log"; status=99
					cgo_exes=()
				fi
			else
				cgo_note=", cgo skipped (no gcc)"
			fi
		fi
		for i in "${!exes[@]}"; do
			exe=${exes[$i]}
			ver=$(basename "$(dirname "$(dirname "$exe")")")
			variant=${exe##*/states-}
			M=0 T=0 detail=""
			for c in "${cases[@]}"; do
				run_exe=$exe mode=$c
				if [ "$c" = cgo ]; then
					[ ${#cgo_exes[@]} -eq 2 ] || continue
					run_exe=${cgo_exes[$i]} mode=panic
				fi
				d=$work/$ver-$arch-$variant-$c
				core=$(crash "$d" "$run_exe" "$mode" "$arch")
				# a loaded machine (qemu) can miss the timeout: one retry
				[ -n "$core" ] || core=$(crash "$d" "$run_exe" "$mode" "$arch")
				if [ -z "$core" ]; then
					detail="$detail, $c: no core"; T=$((T + 1)); continue
				fi
				read -r m t < <(check_run "$ver $arch $variant $c" "$run_exe" "$core" "$d")
				M=$((M + m)) T=$((T + t)) detail="$detail, $c $m/$t"
				rm -f "$core"
			done
			if [ "$T" = 0 ]; then
				echo "$ver $arch $variant: no case applies${cgo_note}"
				continue
			fi
			ran=1
			[ "$M" = "$T" ] && [ "$T" -gt 0 ] || status=1
			if [ "$M" = "$T" ] && [ "$T" -gt 0 ]; then verdict="all blocks"; else verdict="FAIL      "; fi
			printf '%-10s %-6s %-9s %4d/%-4d %s (%s)\n' "$ver" "$arch" "$variant" "$M" "$T" \
				"$verdict" "${detail#, }$cgo_note"
		done
	done
done
[ "${KEEP:-0}" = 1 ] && echo "work directory: $work"
[ $ran = 1 ] || [ $status != 0 ] || exit 77
exit $status
