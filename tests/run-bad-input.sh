#!/bin/bash
# run-bad-input.sh - broken executables get a clear error, never a crash or a hang.
#
# Corruptions are generated from good Go binaries built here: empty and truncated
# files, a wrong-arch ELF, a non-Go ELF, a core-type ELF, garbled pclntab header and
# offsets, garbled build info, garbled DWARF, 300 seeded random byte flips
# inside .gopclntab.  Each case runs `gocore info` and `gocore addr2line`: the exit
# status must be 0 or 1, a failure must say "gocore: ...", and nothing may take
# more than 10 s.  Then seeded flips in a gcc binary's .eh_frame/.eh_frame_hdr
# and a Go binary's compressed .debug_frame, looked up by tests/cfi/cfa_dump at
# pcs across .text: exit 0 or 1 only.  Sanitizer builds report through a
# distinct exit status.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
GO=$(find_go) || skip "Go is not installed"
need readelf od
make_tmpdir
export ASAN_OPTIONS=exitcode=86:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:exitcode=86

src="$top_srcdir/corpora/src"
(cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 "$GO" build -o "$TMP/good" ./hello) ||
	hard_error "go build"
(cd "$src" && GOTOOLCHAIN=local CGO_ENABLED=0 "$GO" build -ldflags='-s -w' -o "$TMP/good-stripped" ./hello) ||
	hard_error "go build"

cases=0 failures=0
# check NAME FILE: gocore must answer cleanly.
check() {
	local name=$1 file=$2 cmd rc out
	for cmd in info addr2line; do
		if [ "$cmd" = info ]; then
			out=$(timeout 10 "$GOCORE" info "$file" 2>&1 >/dev/null); rc=$?
		else
			out=$(echo 0x401000 0x0 0xffffffffffffffff | timeout 10 "$GOCORE" addr2line "$file" 2>&1 >/dev/null); rc=$?
		fi
		cases=$((cases + 1))
		if [ $rc -gt 1 ]; then
			echo "FAIL: $name: gocore $cmd exited $rc${out:+: $out}"
			failures=$((failures + 1))
		elif [ $rc -eq 1 ] && ! grep -q '^gocore: ' <<<"$out"; then
			echo "FAIL: $name: gocore $cmd failed without a message"
			failures=$((failures + 1))
		fi
	done
}

# patch FILE OFFSET HEXBYTES: overwrite bytes in place.
patch() {
	printf "$(sed 's/\(..\)/\\x\1/g' <<<"$3")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# section_offset FILE NAME: file offset and size of a section (decimal).
section() {
	local hex
	hex=$(readelf -W -S "$1" | awk -v n="$2" '{ for (i = 1; i <= NF; i++) if ($i == n) {
		print $(i + 3), $(i + 4); exit } }')
	[ -n "$hex" ] || return 0
	set -- $hex
	echo $((16#$1)) $((16#$2))
}

size=$(stat -c %s "$TMP/good")
: > "$TMP/empty"; check empty "$TMP/empty"
for n in 1 4 63 64 200 4096 65536 $((size / 2)) $((size - 1)); do
	head -c "$n" "$TMP/good" > "$TMP/trunc-$n"
	check "truncated to $n bytes" "$TMP/trunc-$n"
done
head -c 100000 /dev/zero > "$TMP/zeros"; check "zeros" "$TMP/zeros"

cp "$TMP/good" "$TMP/wrong-arch"; patch "$TMP/wrong-arch" 18 f300	# EM_RISCV
check "wrong arch" "$TMP/wrong-arch"
out=$("$GOCORE" info "$TMP/wrong-arch" 2>&1); grep -q 'unsupported architecture' <<<"$out" ||
	{ echo "FAIL: wrong arch: unclear message: $out"; failures=$((failures + 1)); }
cp "$TMP/good" "$TMP/core-type"; patch "$TMP/core-type" 16 0400	# ET_CORE
check "core type" "$TMP/core-type"
for f in /bin/ls /bin/true; do
	[ -f "$f" ] || continue
	check "non-Go ELF $f" "$f"
	out=$("$GOCORE" info "$f" 2>&1); grep -q 'not a Go program' <<<"$out" ||
		{ echo "FAIL: $f: unclear message: $out"; failures=$((failures + 1)); }
done

for bin in good good-stripped; do
	read -r off len < <(section "$TMP/$bin" .gopclntab)
	[ -n "${off:-}" ] || hard_error "$bin has no .gopclntab"
	cp "$TMP/$bin" "$TMP/$bin-magic"; patch "$TMP/$bin-magic" "$off" 00000000
	check "$bin: pclntab magic" "$TMP/$bin-magic"
	for field in 8 16 32 40 48 56 64; do	# nfunc, nfiles and the five offsets
		cp "$TMP/$bin" "$TMP/$bin-hdr$field"
		patch "$TMP/$bin-hdr$field" $((off + field)) ffffff7f00000000
		check "$bin: pclntab header word at +$field" "$TMP/$bin-hdr$field"
		cp "$TMP/$bin" "$TMP/$bin-hdrz$field"
		patch "$TMP/$bin-hdrz$field" $((off + field)) 0000000000000000
		check "$bin: pclntab header word at +$field zeroed" "$TMP/$bin-hdrz$field"
	done
	read -r boff blen < <(section "$TMP/$bin" .go.buildinfo)
	cp "$TMP/$bin" "$TMP/$bin-bi"; patch "$TMP/$bin-bi" $((boff + 32)) ffffffffff0f
	check "$bin: buildinfo version length" "$TMP/$bin-bi"
	cp "$TMP/$bin" "$TMP/$bin-bi2"; patch "$TMP/$bin-bi2" $((boff + 14)) 03ff
	check "$bin: buildinfo pointer size" "$TMP/$bin-bi2"
	# Seeded random flips inside the function table and pc tables.
	RANDOM=42
	for i in $(seq 1 150); do
		cp "$TMP/$bin" "$TMP/fuzz"
		for j in 1 2 3 4; do
			patch "$TMP/fuzz" $((off + (RANDOM * 32768 + RANDOM) % len)) "$(printf %02x $((RANDOM % 256)))"
		done
		check "$bin: random flips #$i" "$TMP/fuzz"
	done
done

read -r doff dlen < <(section "$TMP/good" .debug_info)
if [ -n "${doff:-}" ]; then
	for at in 0 12 24 100 1000; do
		cp "$TMP/good" "$TMP/dwarf-$at"; patch "$TMP/dwarf-$at" $((doff + at)) deadbeefdeadbeef
		check "garbled .debug_info at +$at" "$TMP/dwarf-$at"
	done
fi

# Corrupted CFA: seeded random bytes in a gcc binary's .eh_frame/.eh_frame_hdr and
# in a Go binary's (compressed) .debug_frame, looked up at pcs across .text.
DUMP="$top_builddir/tests/cfi/cfa_dump"
CC=${CC:-cc}
if [ -x "$DUMP" ] && command -v "$CC" >/dev/null; then
	"$CC" -O2 -o "$TMP/frames" "$top_srcdir/tests/cfi/frames.c" || hard_error "cc failed"
	cfa_fuzz() {	# cfa_fuzz FILE SECTION...
		local file=$1 sec off len i j rc out
		shift
		read -r toff tlen < <(section "$file" .text)
		seq "$toff" $(((tlen + 63) / 64)) $((toff + tlen)) | xargs printf '0x%x\n' > "$TMP/pcs"
		for sec in "$@"; do
			read -r off len < <(section "$file" "$sec")
			[ -n "${off:-}" ] || hard_error "$file has no $sec"
			RANDOM=7
			for i in $(seq 1 60); do
				cp "$file" "$TMP/cfa-fuzz"
				for j in 1 2 3; do
					patch "$TMP/cfa-fuzz" $((off + (RANDOM * 32768 + RANDOM) % len)) \
						"$(printf %02x $((RANDOM % 256)))"
				done
				out=$(timeout 10 "$DUMP" "$TMP/cfa-fuzz" < "$TMP/pcs" 2>&1 >/dev/null); rc=$?
				cases=$((cases + 1))
				if [ $rc -gt 1 ]; then
					echo "FAIL: $file: $sec flips #$i: cfa_dump exited $rc${out:+: $out}"
					failures=$((failures + 1))
				fi
			done
		done
	}
	cfa_fuzz "$TMP/frames" .eh_frame .eh_frame_hdr
	cfa_fuzz "$TMP/good" .debug_frame
fi

echo "$cases runs, $failures failures"
[ "$failures" -eq 0 ] || exit 1
echo "PASS: bad input"
