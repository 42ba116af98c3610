#!/bin/bash
# run-pclntab.sh - goscope's pclntab reader agrees with Go's own tools.
#
# For corpus binaries that corpora/build.sh builds with every toolchain
# corpora/toolchains.sh lists (at least /usr/local/go and Go 1.19), for amd64
# and arm64, in every variant (plain, stripped, pie, pie-stripped):
#   - every function goscope sees has the name and entry address of a T/t
#     symbol in `go tool nm` of the unstripped twin (same flags without -s -w);
#     the stripped binary gives exactly the twin's function list (so the twins'
#     addresses are identical, and the stripped-image path finds the same table);
#   - for several pcs of every function (entry, end-1 and evenly spread ones),
#     goscope's function and file:line equal `go tool addr2line`'s (one run, all
#     pcs on stdin), and the stripped binary answers exactly as its twin.
# The table, text start and gofunc are located by tests/pclntab/pcln_dump (the
# test helper), not by binary.c.  Prints a matrix; any mismatch fails.
#
# Normalisations, both for known differences in the *oracle*, not in goscope:
#   - nm names of assembly functions carry the ABI suffix ".abi0"; the pclntab
#     name does not.  nm prints U+00B7 "·" as ".".
#   - addr2line (debug/gosym) prints ":-1" for a pc that the line table does not
#     cover (padding after the last instruction), where the runtime says "?:0";
#     and it decodes a function with no line table (pcln offset 0, the
#     go:textfipsstart/end markers of 1.24+) from pctab offset 0, printing
#     garbage negative lines, where the runtime says "?:0".  So any line <= 0
#     from addr2line reads "?:0".
# CASES (environment) overrides the corpus programs used.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u

DUMP=$top_builddir/tests/pclntab/pcln_dump
[ -x "$DUMP" ] || hard_error "$DUMP is not built (make check builds it)"
[ -x "$top_srcdir/corpora/build.sh" ] || hard_error "corpora/build.sh is missing"
CASES=${CASES:-hello closures generics methods cgo}
PER_FUNC=${PER_FUNC:-4}
make_tmpdir

mapfile -t toolchains < <("$top_srcdir/corpora/toolchains.sh")
[ ${#toolchains[@]} -gt 0 ] || skip "no Go toolchain installed"
have119=false
for tc in "${toolchains[@]}"; do
	case $tc in 1.19.*) have119=true ;; esac
done
$have119 || echo "note: Go 1.19 (golang-1.19-go) is not installed; not covered"

# nm_funcs GOROOT EXE: "ADDR NAME" of the T/t symbols, normalised, sorted.
nm_funcs() {
	GOTOOLCHAIN=local "$1/bin/go" tool nm "$2" |
		sed -n 's/^ *\([0-9a-f][0-9a-f]*\) [Tt] \(.*\)$/\1 \2/p' |
		sed 's/\.abi0$//' | LC_ALL=C sort -u
}

# our_funcs EXE: pcln_dump's function list with nm's spelling, sorted.
our_funcs() {
	"$DUMP" funcs "$1" | sed 's/·/./g' | LC_ALL=C sort -u
}

# addr2line_lines GOROOT EXE < PCS: "FUNC FILE:LINE" per pc.
addr2line_lines() {
	GOTOOLCHAIN=local "$1/bin/go" tool addr2line "$2" | paste -d ' ' - - |
		awk '{ n = split($NF, a, ":"); if (a[n] + 0 <= 0) { $NF = "?:0" } print }'
}

failures=0 covered=""
declare -A cell_funcs cell_pcs
fail_case() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# check_pair GOROOT VERSION ARCH TWIN EXE: one binary against its unstripped twin.
check_pair() {
	local root=$1 ver=$2 arch=$3 twin=$4 exe=$5 name=${5##*/} d=$TMP/${ver}-${arch}-${5##*/}
	local nfunc nbad npcs pbad key
	mkdir -p "$d"
	if ! "$DUMP" info "$exe" >"$d/info" 2>&1; then
		fail_case "$ver $arch $name: $(cat "$d/info")"
		return
	fi
	our_funcs "$exe" >"$d/ours" || { fail_case "$ver $arch $name: pcln_dump funcs failed"; return; }
	nm_funcs "$root" "$twin" >"$d/nm" || { fail_case "$ver $arch $name: go tool nm failed"; return; }
	nfunc=$(wc -l <"$d/ours")
	nbad=$(LC_ALL=C comm -23 "$d/ours" "$d/nm" | tee "$d/funcs.bad" | wc -l)
	if [ "$exe" != "$twin" ] && ! cmp -s <("$DUMP" funcs "$exe") <("$DUMP" funcs "$twin"); then
		fail_case "$ver $arch $name: function list differs from the unstripped twin's"
		nbad=$((nbad + 1))
	fi
	[ "$nbad" -eq 0 ] || {
		fail_case "$ver $arch $name: $nbad functions not in go tool nm, e.g.:"
		head -n 5 "$d/funcs.bad" | sed 's/^/    /'
	}

	"$DUMP" pcs "$twin" "$PER_FUNC" >"$d/pcs"
	npcs=$(wc -l <"$d/pcs")
	"$DUMP" lines "$exe" <"$d/pcs" >"$d/lines.ours" 2>"$d/lines.err" ||
		fail_case "$ver $arch $name: pcln_dump lines: $(cat "$d/lines.err")"
	addr2line_lines "$root" "$twin" <"$d/pcs" >"$d/lines.go"
	pbad=$(paste -d '\t' "$d/pcs" "$d/lines.ours" "$d/lines.go" |
		awk -F '\t' '$2 != $3' | tee "$d/lines.bad" | wc -l)
	if [ "$(wc -l <"$d/lines.ours")" -ne "$npcs" ]; then
		pbad=$((pbad > 0 ? pbad : 1))
	fi
	[ "$pbad" -eq 0 ] || {
		fail_case "$ver $arch $name: $pbad of $npcs pcs differ from go tool addr2line (pc, ours, go):"
		head -n 5 "$d/lines.bad" | sed 's/^/    /'
	}
	[ "$npcs" -ge 2000 ] || fail_case "$ver $arch $name: only $npcs sample pcs"

	key="$ver $arch ${name#*-}"
	local f=${cell_funcs[$key]:-0/0} p=${cell_pcs[$key]:-0/0}
	cell_funcs[$key]=$((${f%/*} + nfunc - nbad))/$((${f#*/} + nfunc))
	cell_pcs[$key]=$((${p%/*} + npcs - pbad))/$((${p#*/} + npcs))
}

for tc in "${toolchains[@]}"; do
	ver=${tc%% *} root=${tc#* }
	covered="$covered go$ver"
	args=()
	for c in $CASES; do args+=(--case "$c"); done
	"$top_srcdir/corpora/build.sh" --go "$root" "${args[@]}" >"$TMP/built" 2>"$TMP/build.log" ||
		{ cat "$TMP/build.log"; hard_error "corpora/build.sh failed for $root"; }
	for arch in amd64 arm64; do
		for c in $CASES; do
			dir=$GOSCOPE_CACHE/corpora/go$ver/$arch
			[ -e "$dir/$c-plain" ] || continue	# cgo: amd64 with gcc only
			for v in plain stripped pie pie-stripped; do
				case $v in
				plain | stripped) twin=$dir/$c-plain ;;
				*) twin=$dir/$c-pie ;;
				esac
				check_pair "$root" "$ver" "$arch" "$twin" "$dir/$c-$v"
			done
		done
	done
done

echo "versions covered:$covered (cases: $CASES)"
printf '%-8s %-6s %-13s %15s %17s\n' version arch variant "funcs ok/total" "pcs ok/total"
for key in $(printf '%s\n' "${!cell_funcs[@]}" | tr ' ' '|' | sort -t '|' -k1,1V -k2,2 -k3,3); do
	k=${key//|/ }
	set -- $k
	printf '%-8s %-6s %-13s %15s %17s\n' "$1" "$2" "$3" "${cell_funcs[$k]}" "${cell_pcs[$k]}"
done
[ "$failures" -eq 0 ] || fail "$failures mismatches"
echo "PASS"
