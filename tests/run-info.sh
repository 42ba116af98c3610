#!/bin/bash
# run-info.sh - `gocore info` agrees with Go's and binutils' own answers.
#
# For corpus binaries built here with the machine's Go and with Go 1.19 (plain,
# stripped, PIE, PIE+stripped; amd64 and arm64): the Go version equals what
# `go version FILE` prints, the arch and PIE-ness equal readelf's, "stripped"
# equals the absence of .symtab, the main package equals `go version -m`'s path,
# and the DWARF version equals the CU version readelf reports (none when
# stripped).  Also the bundled example.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
GO=$(find_go) || skip "Go is not installed"
need readelf
make_tmpdir

gores=("$(dirname "$(dirname "$GO")")")
[ -x /usr/lib/go-1.19/bin/go ] && gores+=(/usr/lib/go-1.19)
[ ${#gores[@]} -ge 2 ] || echo "note: Go 1.19 not installed (golang-1.19-go); only $(${GO} version)"

# field KEY TEXT: the value of a "key:   value" line of gocore info.
field() { awk -v k="$1:" 'index($0, k) == 1 { sub(/^[^:]*: +/, ""); print; exit }' <<<"$2"; }

checked=0 failures=0
expect() {	# expect WHAT GOT WANT BINARY
	checked=$((checked + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL: $4: $1: gocore says '$2', expected '$3'"
		failures=$((failures + 1))
	fi
}

for goroot in "${gores[@]}"; do
	outs=$("$top_srcdir/corpora/build.sh" --go "$goroot" --case hello --case generics) ||
		hard_error "corpora/build.sh failed for $goroot"
	for bin in $outs; do
		info=$("$GOCORE" info "$bin" 2>&1) || { echo "FAIL: $bin: $info"; failures=$((failures + 1)); continue; }
		want_ver=$("$goroot/bin/go" version "$bin" | awk '{print $2}')
		expect "go version" "$(field 'go version' "$info")" "$want_ver" "$bin"
		case $(readelf -h "$bin" | awk -F: '/Machine:/ {print $2}') in
		*X86-64*) arch=amd64 ;; *AArch64*) arch=arm64 ;; *) arch=other ;;
		esac
		expect arch "$(field arch "$info")" "$arch" "$bin"
		pie=no; readelf -h "$bin" | grep -q 'DYN (' && pie=yes
		expect pie "$(field pie "$info")" "$pie" "$bin"
		stripped='yes (no .symtab)'; readelf -S -W "$bin" | grep -q ' \.symtab ' && stripped=no
		expect stripped "$(field stripped "$info")" "$stripped" "$bin"
		path=$("$goroot/bin/go" version -m "$bin" | awk '$1 == "path" {print $2}')
		expect "main package" "$(field 'main package' "$info")" "$path" "$bin"
		dv=$(readelf --debug-dump=info "$bin" 2>/dev/null | awk '/^ +Version:/ {print $2}' | sort -n | tail -1)
		want=none; [ -z "$dv" ] || want="version $dv"
		expect dwarf "$(field dwarf "$info")" "$want" "$bin"
		nf=$(field functions "$info")
		[ "${nf:-0}" -gt 1000 ] || { echo "FAIL: $bin: function count '$nf'"; failures=$((failures + 1)); }
	done
done

ex="$TMP/hello-arm64-stripped"
xz -dc "$top_srcdir/corpora/examples/hello-arm64-stripped.xz" > "$ex"
pc=$(awk '$1 == "main.main" {print $2}' "$top_srcdir/corpora/examples/hello-arm64-stripped.funcs")
got=$("$GOCORE" addr2line "$ex" "$pc")
expect "example addr2line" "$(awk '{print $2}' <<<"$got")" main.main "$ex"

echo "$checked checks, $failures failures"
[ "$failures" -eq 0 ] || exit 1
echo "PASS: info"
