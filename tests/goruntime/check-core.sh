#!/bin/bash
# check-core.sh [--all] - goroutines read from a core by common/go_runtime.c
# equal the goroutine headers the Go runtime printed before dumping that core.
#
# Builds corpora `states` (plain, stripped, pie-stripped; amd64, and arm64
# non-PIE, run under qemu-aarch64 when it is installed) with /usr/local/go and Go 1.19
# (--all: every toolchain corpora/toolchains.sh lists), runs it as `states panic` and `states nilderef` under
# GOTRACEBACK=crash with `ulimit -c unlimited`, and compares gor_dump's
# listing of the core with the `goroutine N [...]:` headers on stderr
# (compare_headers.py): same ids, same bracket text, same "created by ... in
# goroutine N".  Plain binaries are read twice: with DWARF and with
# --no-dwarf (built-in tables, as if stripped).  Prints a matrix; any
# mismatch fails.
#
# Needs root or kernel.core_pattern = core (it sets it when it can).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/goruntime/gor.sh"

need python3
all=0
[ "${1:-}" = --all ] && all=1

pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null) || skip "no /proc/sys/kernel/core_pattern"
if [ "$pattern" != core ]; then
	echo core 2>/dev/null > /proc/sys/kernel/core_pattern ||
		skip "kernel.core_pattern is '$pattern' and cannot be set to 'core'"
	echo "note: kernel.core_pattern was '$pattern', set to 'core'"
fi
ulimit -c unlimited 2>/dev/null || skip "cannot raise the core size limit"

make_tmpdir
find_gor_dump

if [ $all = 1 ]; then
	roots=$("$top_srcdir/corpora/toolchains.sh" | awk '{print $2}')
else
	roots=""
	for r in /usr/local/go /usr/lib/go-1.19; do [ -x "$r/bin/go" ] && roots="$roots $r"; done
fi
[ -n "$roots" ] || skip "no Go toolchain"
args=()
for r in $roots; do args+=(--go "$r"); done
arches=(--arch amd64)
command -v qemu-aarch64 >/dev/null 2>&1 && arches+=(--arch arm64)
bins=$("$top_srcdir/corpora/build.sh" "${args[@]}" "${arches[@]}" --case states \
	--variant plain --variant stripped --variant pie-stripped 2>"$TMP/build.err") ||
	{ cat "$TMP/build.err" >&2; hard_error "corpora/build.sh failed"; }

failed=0 cells=0
row() { printf '%-10s %-6s %-13s %-9s %-9s %s\n' "$@"; }
row go arch variant mode read result
for bin in $bins; do
	version=$(basename "$(dirname "$(dirname "$bin")")")
	variant=${bin##*/states-}
	arch=$(basename "$(dirname "$bin")")
	runner=()
	if [ "$arch" = arm64 ]; then
		# a PIE needs an arm64 dynamic loader, which qemu-user lacks here
		[ "${variant#pie}" = "$variant" ] || continue
		runner=(qemu-aarch64)
	fi
	for mode in panic nilderef; do
		run="$TMP/run"
		rm -rf "$run" && mkdir -p "$run"
		(cd "$run" && GOTRACEBACK=crash timeout 120 "${runner[@]}" "$bin" "$mode" \
			> out.txt 2> err.txt) 2>/dev/null
		# qemu-user writes the guest's core as qemu_<prog>_<date>_<pid>.core
		# (qemu itself then dumps as "core": the guest's file comes first)
		core=$(ls "$run"/qemu_*.core 2>/dev/null | head -1)
		[ -n "$core" ] || core=$(ls "$run"/core* 2>/dev/null | head -1)
		if [ -z "$core" ]; then
			row "$version" "$arch" "$variant" "$mode" - "ERROR: no core"
			tail -3 "$run/err.txt"
			failed=1
			continue
		fi
		reads=default
		[ "$variant" = plain ] && reads="default --no-dwarf"
		for how in $reads; do
			opt=()
			[ "$how" = --no-dwarf ] && opt=(--no-dwarf)
			cells=$((cells + 1))
			if ! "$GOR_DUMP" "${opt[@]}" "$bin" "$core" > "$run/dump.txt" 2> "$run/dump.err"; then
				result="ERROR: $(cat "$run/dump.err")"
				failed=1
			elif result=$(python3 "$top_srcdir/tests/goruntime/compare_headers.py" \
					"$run/err.txt" "$run/dump.txt"); then
				result=$(echo "$result" | tail -1)
			else
				failed=1
				echo "$result"
				result="FAIL ($(echo "$result" | tail -1))"
			fi
			how_found=$(sed -n 's/^# allgs=[^(]*(\([^)]*\)).*/\1/p' "$run/dump.txt")
			row "$version" "$arch" "$variant" "$mode" "${how#--}" "$result [allgs: $how_found]"
			grep '^# warning' "$run/dump.txt" | sed 's/^/    /'
		done
	done
done
[ $cells -gt 0 ] || skip "nothing to check"
exit $failed
