# gor.sh - sourced by the tests/goruntime scripts: lib.sh plus GOR_DUMP, the
# test driver tests/goruntime/gor_dump (built by the Makefile, or linked here
# by hand against libgoscope.a until it is).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"

find_gor_dump() {
	GOR_DUMP="${GOR_DUMP:-$top_builddir/tests/goruntime/gor_dump}"
	[ -x "$GOR_DUMP" ] && return 0
	local lib="$top_builddir/common/libgoscope.a" cc=${CC:-cc}
	[ -f "$lib" ] || skip "libgoscope.a is not built (set top_builddir)"
	mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile"; }
	GOR_DUMP="$TMP/gor_dump"
	$cc -std=gnu11 $(mkvar SAN_CFLAGS) -I"$top_srcdir/common" -I"$top_builddir" \
		-o "$GOR_DUMP" "$top_srcdir/tests/goruntime/gor_dump.c" "$lib" \
		$(mkvar LIBELF_LIBS) $(mkvar DWARF_LIBS) $(mkvar CAPSTONE_LIBS) -lz ||
		hard_error "cannot build gor_dump"
}
