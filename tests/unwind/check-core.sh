#!/bin/bash
# check-core.sh [--go GOROOT]... [--arch amd64|arm64]... [--case panic|nilderef|quit|quitspin]...
#
# Defaults: /usr/local/go and /usr/lib/go-1.19; amd64, plus arm64 when
# qemu-aarch64 is there; panic, nilderef, quit.
#
# For each toolchain x arch x case: builds corpora/src/states, runs it under
# GOTRACEBACK=crash with core dumps on (arm64 under qemu-aarch64), then runs
# unw_dump on the core and compares every goroutine block the runtime printed
# with ours (tests/gocore/compare.py --frames-only).  Prints one line per run:
#   go1.26.8 amd64 panic: 34/34 blocks matched
# Exit: 0 all matched, 1 some mismatch, 77 nothing could run, 99 hard error.
#
# Environment: UNW_DUMP (default: tests/unwind/unw_dump under the current
# directory, i.e. run from the build tree), KEEP=1 keeps the work directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../corpora/src" && pwd)
dump=${UNW_DUMP:-$PWD/tests/unwind/unw_dump}
[ -x "$dump" ] || { echo "check-core: no unw_dump at $dump" >&2; exit 99; }

gos=() arches=() cases=()
while [ $# -gt 0 ]; do
	case $1 in
	--go) gos+=("$2"); shift 2 ;;
	--arch) arches+=("$2"); shift 2 ;;
	--case) cases+=("$2"); shift 2 ;;
	*) echo "usage: check-core.sh [--go GOROOT]... [--arch A]... [--case C]..." >&2; exit 99 ;;
	esac
done
[ ${#gos[@]} -gt 0 ] || for g in /usr/local/go /usr/lib/go-1.19; do [ -x $g/bin/go ] && gos+=("$g"); done
if [ ${#arches[@]} -eq 0 ]; then
	arches=(amd64)
	command -v qemu-aarch64 >/dev/null && arches+=(arm64)
fi
[ ${#cases[@]} -gt 0 ] || cases=(panic nilderef quit)
[ ${#gos[@]} -gt 0 ] || { echo "check-core: no Go toolchain" >&2; exit 77; }

# The kernel must write plain "core" files into the current directory.
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ "$pattern" != core ]; then
	if ! echo core > /proc/sys/kernel/core_pattern 2>/dev/null; then
		echo "check-core: core_pattern is '$pattern' and cannot be set to 'core'" >&2
		exit 77
	fi
fi

work=$(mktemp -d /tmp/check-core.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
status=0 ran=0
for goroot in "${gos[@]}"; do
	ver=$(GOTOOLCHAIN=local "$goroot/bin/go" env GOVERSION 2>/dev/null) || { echo "check-core: $goroot: not a Go toolchain" >&2; status=99; continue; }
	for arch in "${arches[@]}"; do
		runner=()
		if [ "$arch" != amd64 ]; then
			command -v qemu-aarch64 >/dev/null || { echo "$ver $arch: skipped (no qemu-aarch64)"; continue; }
			runner=(qemu-aarch64)
		fi
		exe=$work/states-$ver-$arch
		if ! (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOOS=linux GOARCH=$arch \
			"$goroot/bin/go" build -o "$exe" ./states) 2>"$work/build.log"; then
			echo "$ver $arch: build failed:"; cat "$work/build.log"; status=99; continue
		fi
		for c in "${cases[@]}"; do
			d=$work/$ver-$arch-$c
			mkdir -p "$d"
			# timeout's own "dumped core" message must not land in err.txt
			(cd "$d" && ulimit -c unlimited && GOTRACEBACK=crash timeout 120 \
				sh -c 'exec "$@" >out.txt 2>err.txt </dev/null' sh "${runner[@]}" "$exe" "$c"; true) 2>/dev/null
			# qemu-user writes the guest core as qemu_*.core, then dies and the kernel dumps qemu itself
			core=$(ls "$d"/qemu_*.core 2>/dev/null | head -1)
			if [ -n "$core" ]; then rm -f "$d/core"; elif [ -e "$d/core" ]; then core=$d/core; fi
			if [ -z "$core" ]; then
				echo "$ver $arch $c: no core"; status=1; continue
			fi
			if ! "$dump" "$exe" "$core" >"$d/ours.txt" 2>"$d/dump.err"; then
				echo "$ver $arch $c: unw_dump failed: $(cat "$d/dump.err")"; status=1; continue
			fi
			ran=1
			python3 "$here/../gocore/compare.py" --frames-only "$d/err.txt" "$d/ours.txt" \
				"$ver $arch $c" >"$d/cmp.txt"
			rc=$?
			tail -1 "$d/cmp.txt"
			if [ $rc != 0 ]; then
				status=1
				[ "${VERBOSE:-0}" = 1 ] && head -60 "$d/cmp.txt"
			fi
		done
	done
done
[ "${KEEP:-0}" = 1 ] && echo "work directory: $work"
[ $ran = 1 ] || [ $status != 0 ] || exit 77
exit $status
