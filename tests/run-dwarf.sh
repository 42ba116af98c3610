#!/bin/bash
# run-dwarf.sh - dwarf_info and disasm against oracles nobody here wrote.
#
#  - Go 1.26 (DWARF 5) and Go 1.19 (DWARF 4) builds of tests/dwarf/offsets.go,
#    and gcc -g (DWARF 5) / -gdwarf-4 builds of tests/dwarf/cprog.c: each
#    program prints its own sizeof/offsetof/&global; we read the same from its
#    DWARF.  Globals and function entries are also checked with `go tool nm`,
#    runtime.g fields with llvm-dwarfdump (when installed).
#  - Disassembly of a few functions against `objdump -d -M intel`; the
#    ADRP+ADD (arm64) and RIP-relative (amd64) references in runtime.allgadd
#    must resolve to runtime.allgs.
#  - Corrupted copies of the Go binaries (compressed and decompressed DWARF)
#    through test_dwarf_info's fuzz test: errors, never a crash or a hang.
# Needs Go and gcc (else exit 77); Go 1.19 (/usr/lib/go-1.19), objdump and
# llvm-dwarfdump are used when present.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

need gcc readelf objcopy
GO=$(find_go) || skip "no Go toolchain"
GO119=/usr/lib/go-1.19/bin/go
make_tmpdir
failures=0
checks=0
check() {	# check WHAT WANT GOT (an empty WANT is a failure: the oracle said nothing)
	checks=$((checks + 1))
	if [ -z "$2" ] || [ "$2" != "$3" ]; then
		echo "FAIL: $1: want '$2', got '$3'" >&2
		failures=$((failures + 1))
	fi
}

# The query helper: built by make (tests/dwarf/dwarf-query), else by hand.
QUERY=$top_builddir/tests/dwarf/dwarf-query
if [ ! -x "$QUERY" ]; then
	QUERY=$TMP/dwarf-query
	${CC:-gcc} -std=gnu11 -I"$top_srcdir/common" -I"$top_builddir" \
		"$top_srcdir/tests/dwarf/dwarf-query.c" "$top_builddir/common/libgoscope.a" \
		-ldwarf -lelf -lcapstone -lz -o "$QUERY" || hard_error "cannot build dwarf-query"
fi
q() { "$QUERY" "$@"; }

gobuild() {	# gobuild GO OUT [env...]
	local go=$1 out=$2
	shift 2
	(cd "$TMP" && cp "$top_srcdir/tests/dwarf/offsets.go" . &&
		env GOTOOLCHAIN=local GO111MODULE=off GOFLAGS=-buildvcs=false "$@" \
			"$go" build -buildmode=exe -o "$out" offsets.go) ||
		hard_error "go build with $go failed"
}

# check_oracle EXE ORACLE_OUTPUT: every "size/field/global/func" line.
check_oracle() {
	local exe=$1 kind a b c rest got
	[ "$(wc -l <<<"$2")" -gt 5 ] || check "$exe: oracle output" "lines" "$2"
	while read -r kind a b c rest; do
		case $kind in
		size) got=$(q "$exe" size "$a"); check "$exe: size $a" "size $a $b" "$got" ;;
		field) got=$(q "$exe" field "$a" "$b" | cut -d' ' -f1-4)
			check "$exe: field $a.$b" "field $a $b $c" "$got" ;;
		global) got=$(q "$exe" global "$a"); check "$exe: global $a" \
			"global $a $(printf '0x%x' "$b")" "$got" ;;
		func) got=$(q "$exe" func "$a" | awk '/^  param/ && !/ result$/ {printf " %s", $2}')
			check "$exe: params of $a" " $b $c $rest" "$got" ;;
		esac
	done <<<"$2"
}

# check_nm EXE GO NAME...: DWARF addresses equal the symbol table's.
check_nm() {
	local exe=$1 go=$2 name addr type got
	shift 2
	GOTOOLCHAIN=local "$go" tool nm "$exe" >"$TMP/nm" || hard_error "go tool nm failed"
	for name in "$@"; do
		read -r addr type _ <<<"$(awk -v n="$name" '$3 == n {print $1, $2; exit}' "$TMP/nm")"
		case $type in
		T|t) got=$(q "$exe" func "$name" | awk 'NR == 1 {print $3}') ;;
		*) got=$(q "$exe" global "$name" | awk '{print $3}') ;;
		esac
		check "$exe: $name vs go tool nm" "$(printf '0x%x' "0x${addr:-0}")" "$got"
	done
}

# runtime.g/m fields against llvm-dwarfdump's reading of the same DWARF.
check_dwarfdump() {
	local exe=$1 type=$2 field want got
	command -v llvm-dwarfdump >/dev/null || return 0
	shift 2
	for field in "$@"; do
		want=$(llvm-dwarfdump --name="$type" --show-children "$exe" | awk -v f="(\"$field\")" '
			/DW_TAG_structure_type/ {s = 1} s && $1 == "DW_AT_name" && $2 == f {m = 1; next}
			m && $1 == "DW_AT_data_member_location" {gsub(/[()]/, "", $2); print $2; exit}')
		[ -n "$want" ] && want=$((want))
		got=$(q "$exe" field "$type" "$field" | awk '{print $4}')
		check "$exe: $type.$field vs llvm-dwarfdump" "$want" "$got"
	done
}

go_minor() { GOTOOLCHAIN=local "$1" env GOVERSION | sed 's/^go1\.\([0-9]*\).*/\1/'; }

check_go() {	# check_go GO EXE
	local go=$1 exe=$2 minor want_ver
	minor=$(go_minor "$go")
	want_ver=4
	[ "$minor" -ge 25 ] && want_ver=5
	check "$exe: DWARF version" "version $want_ver" "$(q "$exe" version)"
	check "$exe: producer" "1" "$(q "$exe" producer | grep -c "go1\.$minor")"
	check_oracle "$exe" "$("$exe")"
	check_nm "$exe" "$go" main.gOuter main.gCounter main.gPairs main.addPair runtime.allgs \
		runtime.allglen runtime.buildVersion runtime.firstmoduledata runtime.newproc1
	check_dwarfdump "$exe" runtime.g goid sched atomicstatus m stack
	check_dwarfdump "$exe" runtime.m procid curg g0
	check "$exe: _Gdead" "const runtime._Gdead 6" "$(q "$exe" const runtime._Gdead)"
	# A nested path equals the sum of its parts.
	local sched pc
	sched=$(q "$exe" field runtime.g sched | awk '{print $4}')
	pc=$(q "$exe" field runtime.gobuf pc | awk '{print $4}')
	check "$exe: runtime.g sched.pc" "$((sched + pc))" "$(q "$exe" field runtime.g sched.pc | awk '{print $4}')"
	q "$exe" stats
}

# --- Go, DWARF 5 (current toolchain) and DWARF 4 (Go 1.19) ---
gobuild "$GO" "$TMP/go-new"
check_go "$GO" "$TMP/go-new"
fuzz_files=$TMP/go-new
if [ -x "$GO119" ]; then
	gobuild "$GO119" "$TMP/go-119"
	check_go "$GO119" "$TMP/go-119"
	fuzz_files=$fuzz_files:$TMP/go-119
else
	echo "note: $GO119 not installed, DWARF 4 Go check skipped"
fi

# --- C, DWARF 5 and 4 ---
for v in 5 4; do
	${CC:-gcc} -gdwarf-$v -O1 -no-pie -o "$TMP/c$v" "$top_srcdir/tests/dwarf/cprog.c" ||
		hard_error "gcc failed"
	check "c$v: DWARF version" "version $v" "$(q "$TMP/c$v" version)"
	check_oracle "$TMP/c$v" "$("$TMP/c$v")"
done

# --- disassembly against objdump (amd64) ---
norm_objdump() {	# address: mnemonic, with objdump's spelling of 66 90 as capstone's
	awk -F'\t' '/^ *[0-9a-f]+:\t/ {a = $1; sub(/^ */, "", a); sub(/:$/, "", a); t = $2
		if (t ~ /^xchg +ax,ax$/) t = "nop"; split(t, m, " "); print a ": " m[1]}'
}
if command -v objdump >/dev/null && [ "$(uname -m)" = x86_64 ]; then
	for fn in main.addPair runtime.allgadd runtime.newproc1 runtime.mallocgc fmt.Fprintf; do
		read -r _ _ lo hi _ <<<"$(q "$TMP/go-new" func "$fn" | head -1)"
		objdump -d -M intel --no-show-raw-insn --start-address="$lo" --stop-address="$hi" \
			"$TMP/go-new" | norm_objdump >"$TMP/od"
		q "$TMP/go-new" disasm "$fn" | awk '{print $1 " " $2}' >"$TMP/gs"
		check "disasm $fn vs objdump ($(wc -l <"$TMP/od") insns)" "same" \
			"$(diff "$TMP/od" "$TMP/gs" >"$TMP/diff" && [ -s "$TMP/od" ] && echo same || head -5 "$TMP/diff")"
	done
else
	echo "note: objdump (x86-64) not available, disassembly comparison skipped"
fi

# runtime.allgs from the code of runtime.allgadd, amd64 and arm64.
allgs_from_code() {	# EXE: every PC-relative address in runtime.allgadd
	q "$1" disasm runtime.allgadd | awk '/pcrel/ {print $NF}' | sort -u
}
want=$(q "$TMP/go-new" global runtime.allgs | awk '{print $3}')
check "amd64: allgadd references allgs" "$want" "$(allgs_from_code "$TMP/go-new" | grep -x "$want")"
gobuild "$GO" "$TMP/go-arm64" GOARCH=arm64
want=$(q "$TMP/go-arm64" global runtime.allgs | awk '{print $3}')
check "arm64: allgadd adrp+add references allgs" "$want" \
	"$(q "$TMP/go-arm64" disasm runtime.allgadd | awk '/^[0-9a-f]+: add / {print $NF}' | grep -x "$want" | head -1)"

# --- corrupt DWARF: compressed as built, and inflated copies ---
for f in ${fuzz_files//:/ }; do
	objcopy --decompress-debug-sections "$f" "$f.plain" || hard_error "objcopy failed"
	fuzz_files=$fuzz_files:$f.plain
done
if [ -x "$top_builddir/tests/test_dwarf_info" ]; then
	GSC_DWARF_FUZZ_FILES=$fuzz_files GSC_DWARF_FUZZ_ROUNDS=${GSC_DWARF_FUZZ_ROUNDS:-40} \
		timeout 900 "$top_builddir/tests/test_dwarf_info" >"$TMP/fuzz.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { cat "$TMP/fuzz.log" >&2; check "fuzzing corrupt Go DWARF (exit $rc)" 0 $rc; }
fi

[ "$failures" -eq 0 ] || fail "$failures of $checks checks failed"
echo "PASS: run-dwarf.sh ($checks checks)"
