#!/bin/bash
# check-layouts.sh - the built-in runtime.g / runtime.m / runtime.gobuf tables
# of common/go_runtime.c equal the offsets in the DWARF of real binaries.
#
# For every toolchain corpora/toolchains.sh lists, builds corpora `states`
# (plain, so it has DWARF) for amd64 and arm64 and runs `gor_dump layout` on
# it, which compares every field and struct size DWARF gives with the table
# of that binary's Go version.  Prints one line per binary; any mismatch fails.
#
# Run from the build directory (top_builddir=.); GOSCOPE_CACHE as in corpora/.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/goruntime/gor.sh"

make_tmpdir
find_gor_dump
roots=$("$top_srcdir/corpora/toolchains.sh" | awk '{print $2}')
[ -n "$roots" ] || skip "no Go toolchain"
args=()
for r in $roots; do args+=(--go "$r"); done
bins=$("$top_srcdir/corpora/build.sh" "${args[@]}" --arch amd64 --arch arm64 \
	--case states --variant plain 2>"$TMP/build.err") ||
	{ cat "$TMP/build.err" >&2; hard_error "corpora/build.sh failed"; }

failed=0 n=0
for bin in $bins; do
	out="$TMP/layout.txt"
	"$GOR_DUMP" layout "$bin" > "$out" 2>&1
	rc=$?
	n=$((n + 1))
	case $rc in
	0) echo "ok    $(head -1 "$out" | sed 's/^# //')" ;;
	1) echo "FAIL  $bin"; grep MISMATCH "$out"; failed=1 ;;
	*) echo "ERROR $bin"; cat "$out"; failed=1 ;;
	esac
done
[ "$n" -gt 0 ] || skip "nothing was built"
echo "$n binaries checked"
exit $failed
