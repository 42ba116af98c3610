#!/bin/bash
# run-gocore-json.sh - `gocore --json` against docs/gocore.schema.json, the
# runtime's own goroutine list, and Delve.
#
# Builds corpora/src/states with /usr/local/go (amd64; plain and stripped)
# and Go 1.19 (plain), makes a panic and a quit core of each under
# GOTRACEBACK=crash, and checks:
#   - `gocore --json` (and with -g, --status, --match) validates against the
#     schema (tests/gocore/validate.py: the schema subset, no jsonschema
#     module needed);
#   - its goroutine ids are those the runtime printed;
#   - the filters keep exactly what they should;
#   - where Delve is available (dlv on PATH, $DLV, or installed here with
#     `go install github.com/go-delve/delve/cmd/dlv@latest` into
#     $GOSCOPE_CACHE/bin; that part is skipped when the install fails), the
#     ids, statuses and top user frames agree with `dlv core`'s `goroutines`
#     on the plain binaries' cores (tests/gocore/dlv_compare.py); Delve
#     refuses Go versions older than it supports: those cores are skipped.
#     NO_DLV=1 skips Delve altogether.
# Exit: 0 pass, 1 fail, 77 skip, 99 hard error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u

here=$top_srcdir/tests/gocore
schema=$top_srcdir/docs/gocore.schema.json
[ -x "$GOCORE" ] || hard_error "no gocore at $GOCORE"
need python3
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ "$pattern" != core ] && ! echo core >/proc/sys/kernel/core_pattern 2>/dev/null; then
	skip "core_pattern is '$pattern' and cannot be set to 'core'"
fi
make_tmpdir

find_dlv() {
	if [ -n "${DLV:-}" ] && [ -x "$DLV" ]; then echo "$DLV"; return; fi
	command -v dlv && return
	local bin=$GOSCOPE_CACHE/bin
	if [ -x "$bin/dlv" ]; then echo "$bin/dlv"; return; fi
	[ -x /usr/local/go/bin/go ] || return 1
	mkdir -p "$bin"
	echo "installing Delve into $bin (go install ...@latest)" >&2
	GOBIN=$bin GOFLAGS= GOTOOLCHAIN=local timeout 600 /usr/local/go/bin/go install \
		github.com/go-delve/delve/cmd/dlv@latest >&2 || return 1
	echo "$bin/dlv"
}
dlv=
[ "${NO_DLV:-0}" = 1 ] || dlv=$(find_dlv) || dlv=
[ -n "$dlv" ] || echo "Delve is not available: the Delve comparison is skipped"

failures=0 ran=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

# validate LABEL FILE
validate() {
	if ! python3 "$here/validate.py" "$schema" "$2" >"$2.val"; then
		bad "$1: does not validate:"; head -20 "$2.val"
		return 1
	fi
}

# ids FILE: the goroutine ids of a gocore JSON document, sorted, one line.
ids() {
	python3 -c 'import json,sys; print(" ".join(str(g["id"]) for g in sorted(json.load(open(sys.argv[1]))["goroutines"], key=lambda g: g["id"])))' "$1"
}

check_core() {
	local label=$1 exe=$2 core=$3 d=$4 variant=$5
	if ! "$GOCORE" --json "$exe" "$core" >"$d/all.json" 2>"$d/json.err"; then
		bad "$label: gocore --json failed: $(head -3 "$d/json.err")"; return
	fi
	validate "$label" "$d/all.json" || return
	ran=1
	# The ids the runtime printed (goroutine 0 aside).
	local want got
	want=$(grep -E '^goroutine [1-9][0-9]* ' "$d/err.txt" | awk '{print $2}' | sort -n -u | tr '\n' ' ')
	got=$(ids "$d/all.json")
	[ "${want% }" = "$got" ] || bad "$label: goroutine ids: runtime [${want% }], gocore [$got]"
	# Filters.
	"$GOCORE" --json -g 1 "$exe" "$core" >"$d/g1.json" 2>/dev/null && validate "$label -g 1" "$d/g1.json" &&
		{ [ "$(ids "$d/g1.json")" = 1 ] || bad "$label: -g 1 kept $(ids "$d/g1.json")"; }
	"$GOCORE" --json --status 'chan receive' "$exe" "$core" >"$d/st.json" 2>/dev/null &&
		validate "$label --status" "$d/st.json" &&
		python3 - "$d/st.json" "$d/all.json" <<'EOF' || bad "$label: --status 'chan receive' kept the wrong goroutines"
import json, sys
st = json.load(open(sys.argv[1]))["goroutines"]
al = json.load(open(sys.argv[2]))["goroutines"]
want = sorted(g["id"] for g in al if g["wait_reason"] == "chan receive")
sys.exit(0 if want and sorted(g["id"] for g in st) == want else 1)
EOF
	"$GOCORE" --json --match '^main\.recurse$' "$exe" "$core" >"$d/re.json" 2>/dev/null &&
		validate "$label --match" "$d/re.json" &&
		python3 - "$d/re.json" <<'EOF' || bad "$label: --match '^main\\.recurse\$' kept the wrong goroutines"
import json, sys
gs = json.load(open(sys.argv[1]))["goroutines"]
sys.exit(0 if len(gs) == 1 and sum(f["func"] == "main.recurse" for f in gs[0]["frames"]) > 100 else 1)
EOF
	if [ -n "$dlv" ] && [ "$variant" = plain ]; then
		printf 'goroutines\nexit\n' >"$d/dlv.init"
		timeout 120 "$dlv" core "$exe" "$core" --init "$d/dlv.init" \
			--allow-non-terminal-interactive=true </dev/null >"$d/dlv.txt" 2>&1
		if grep -q 'too old for this version of Delve' "$d/dlv.txt"; then
			echo "$label: Delve comparison skipped: $(grep -m1 'too old' "$d/dlv.txt")"
		elif python3 "$here/dlv_compare.py" "$d/all.json" "$d/dlv.txt" "$label" >"$d/dlv.cmp"; then
			tail -1 "$d/dlv.cmp"
		else
			bad "$label: Delve disagrees:"; head -20 "$d/dlv.cmp"
		fi
	fi
	echo "$label: --json valid, ids match the runtime's"
}

for spec in "/usr/local/go plain stripped" "/usr/lib/go-1.19 plain"; do
	read -r goroot variants <<<"$spec"
	[ -x "$goroot/bin/go" ] || { echo "$goroot: not installed, skipped"; continue; }
	vargs=()
	for v in $variants; do vargs+=(--variant "$v"); done
	mapfile -t exes < <("$top_srcdir/corpora/build.sh" --go "$goroot" --arch amd64 --case states \
		"${vargs[@]}" 2>"$TMP/build.log")
	[ ${#exes[@]} -gt 0 ] || { cat "$TMP/build.log"; hard_error "build with $goroot failed"; }
	for exe in "${exes[@]}"; do
		variant=${exe##*/states-}
		ver=$(basename "$(dirname "$(dirname "$exe")")")
		for c in panic quit; do
			d=$TMP/$ver-$variant-$c
			mkdir -p "$d"
			(cd "$d" && ulimit -c unlimited && GOTRACEBACK=crash timeout 60 \
				sh -c 'exec "$@" >out.txt 2>err.txt </dev/null' sh "$exe" "$c"; true) 2>/dev/null
			[ -e "$d/core" ] || { bad "$ver $variant $c: no core"; continue; }
			check_core "$ver $variant $c" "$exe" "$d/core" "$d" "$variant"
			rm -f "$d/core"
		done
	done
done
[ $ran = 1 ] || [ $failures -gt 0 ] || skip "nothing could run"
[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: gocore --json"
