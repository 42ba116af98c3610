#!/bin/bash
# run-cfa.sh - CFA rows from common/cfi.c equal readelf's interpreted tables.
#
# For a Go binary (.debug_frame only, SHF_COMPRESSED), a gcc -O2 C binary
# (.eh_frame + .eh_frame_hdr) and the same C program built with
# -fno-asynchronous-unwind-tables -g (its own code in .debug_frame), 200 pcs
# sampled inside FDE ranges must get the row `readelf --debug-dump=frames-interp`
# prints.  tests/cfi/frames_interp.py parses readelf and compares.
. "$(dirname "$0")/lib.sh"

need readelf python3
CC=${CC:-cc}
need "$CC"
make_tmpdir

DUMP="$top_builddir/tests/cfi/cfa_dump"
if [ ! -x "$DUMP" ]; then
	# Until the Makefile builds tests/cfi/cfa_dump: link it by hand.
	lib="$top_builddir/common/libgoscope.a"
	[ -f "$lib" ] || skip "libgoscope.a is not built"
	mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile"; }
	libs="$(mkvar LIBELF_LIBS) $(mkvar DWARF_LIBS) $(mkvar CAPSTONE_LIBS)"
	DUMP="$TMP/cfa_dump"
	$CC -std=gnu11 $(mkvar SAN_CFLAGS) -I"$top_srcdir/common" -I"$top_builddir" -o "$DUMP" \
		"$top_srcdir/tests/cfi/cfa_dump.c" "$lib" $libs -lz ||
		hard_error "cannot build cfa_dump"
fi

failed=0
check() {	# check ELF: compare 200 pcs
	readelf --debug-dump=frames-interp "$1" > "$1.frames" 2>"$1.readelf-err" ||
		hard_error "readelf failed on $1"
	python3 "$top_srcdir/tests/cfi/frames_interp.py" "$1.frames" "$DUMP" "$1" 200
	case $? in
	0) ;;
	1) failed=1 ;;
	*) hard_error "cannot compare $1" ;;
	esac
}

$CC -O2 -o "$TMP/frames_eh" "$top_srcdir/tests/cfi/frames.c" || hard_error "gcc failed"
$CC -O2 -g -fno-asynchronous-unwind-tables -o "$TMP/frames_debug" \
	"$top_srcdir/tests/cfi/frames.c" || hard_error "gcc failed"
check "$TMP/frames_eh"
check "$TMP/frames_debug"
# The same .debug_frame compressed both ways: SHF_COMPRESSED and legacy .zdebug_frame.
if command -v objcopy >/dev/null; then
	objcopy --compress-debug-sections=zlib-gabi "$TMP/frames_debug" "$TMP/frames_gabi" &&
		readelf -S -W "$TMP/frames_gabi" | grep -q ' \.debug_frame .* C ' ||
		hard_error "objcopy zlib-gabi"
	check "$TMP/frames_gabi"
	objcopy --compress-debug-sections=zlib-gnu "$TMP/frames_debug" "$TMP/frames_zdebug" &&
		readelf -S -W "$TMP/frames_zdebug" | grep -q ' \.zdebug_frame ' ||
		hard_error "objcopy zlib-gnu"
	check "$TMP/frames_zdebug"
fi

if GO=$(find_go); then
	mkdir -p "$TMP/gohello"
	if [ -f "$top_srcdir/corpora/src/hello/main.go" ]; then
		cp "$top_srcdir/corpora/src/hello/main.go" "$TMP/gohello/"
	else
		printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' \
			> "$TMP/gohello/main.go"
	fi
	printf 'module gohello\n\ngo 1.19\n' > "$TMP/gohello/go.mod"
	(cd "$TMP/gohello" && CGO_ENABLED=0 GOFLAGS= "$GO" build -o "$TMP/hello_go" .) ||
		hard_error "go build failed"
	readelf -S -W "$TMP/hello_go" | grep -q '\.debug_frame' ||
		hard_error "the Go binary has no .debug_frame"
	check "$TMP/hello_go"
else
	echo "note: no Go toolchain, Go binary not compared"
fi

[ $failed = 0 ] || fail "CFA rows differ from readelf's"
echo "PASS: CFA rows equal readelf's"
