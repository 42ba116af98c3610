#!/bin/bash
# bench/info-big.sh - time to first output on a big Go binary.
#
# Builds the generated "big" corpus program (over 50 MB; corpora/gen-big.sh) and
# times, in the same run, `gocore info` (our figure) against two references that
# read the same file: `go version -m` (build info only) and `go tool nm -size`
# (symbol table).  Prints the best of 5 wall times of each (nanosecond clock)
# and the ratios.
# Target (docs/PERFORMANCE.md): gocore info under 0.3 s.
#
# Usage: bench/info-big.sh [BUILD_DIR]   (default: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
gocore=$build/coredump/gocore
[ -x "$gocore" ] || { echo "build gocore first (./setup)" >&2; exit 1; }
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
goroot=$("$GO" env GOROOT)

bins=$("$top/corpora/gen-big.sh" --go "$goroot" --arch amd64)
exe=$(grep -- '-plain$' <<<"$bins" | head -1)
[ -f "$exe" ] || { echo "no big binary built" >&2; exit 1; }

# best_of N CMD...: the smallest wall time in seconds over N runs.
best_of() {
	local n=$1 best= t
	shift
	for _ in $(seq "$n"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
		best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
	done
	echo "$best"
}

size=$(stat -c %s "$exe")
"$gocore" info "$exe" >/dev/null	# warm the page cache
ours=$(best_of 5 "$gocore" info "$exe")
ver=$(best_of 5 "$GO" version -m "$exe")
nm=$(best_of 3 "$GO" tool nm -size "$exe")
printf 'binary: %s (%d MB, %s functions)\n' "$exe" $((size / 1000000)) \
	"$("$gocore" info "$exe" | awk -F': +' '$1 == "functions" {print $2}')"
printf '%-22s %8s s\n' "gocore info" "$ours" "go version -m" "$ver" "go tool nm -size" "$nm"
awk -v o="$ours" -v v="$ver" -v n="$nm" 'BEGIN {
	printf "ratio go version -m / gocore info: %.1fx\n", v / o
	printf "ratio go tool nm / gocore info:    %.1fx\n", n / o
	printf "target gocore info < 0.3 s: %s\n", (o < 0.3 ? "met" : "NOT met") }'
