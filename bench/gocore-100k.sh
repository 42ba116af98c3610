#!/bin/bash
# bench/gocore-100k.sh - every stack of a core with 100k goroutines: gocore
# against Delve, in the same run.
#
# Builds corpora/src/many (plain: Delve needs DWARF) with the machine's Go,
# runs it with N goroutines (default 100000) in "abort" mode so the kernel
# dumps core without the runtime printing every stack, then times
#   gocore EXE CORE > /dev/null                       (best of 3)
#   dlv core EXE CORE --init <(goroutines -t; exit)   (once: it is slow)
# with /usr/bin/time and prints both wall times, both CPU times (user +
# system: less sensitive to other load on the machine than wall time), both
# peak RSS and the ratios.  Delve is the one on PATH, $DLV, or `go install
# github.com/go-delve/delve/cmd/dlv@latest` into $GOSCOPE_CACHE/bin.
# Targets (docs/PERFORMANCE.md): gocore under 1 s, under 1/50 of Delve's
# time, peak RSS under half of Delve's.
#
# Usage: bench/gocore-100k.sh [BUILD_DIR] [N]   (default: build, 100000)
# NO_DLV=1 skips Delve.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
n=${2:-100000}
gocore=$build/coredump/gocore
[ -x "$gocore" ] || { echo "build gocore first (./setup)" >&2; exit 1; }
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
goroot=$("$GO" env GOROOT)
: "${GOSCOPE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/goscope}"

pattern=$(cat /proc/sys/kernel/core_pattern)
if [ "$pattern" != core ] && ! echo core >/proc/sys/kernel/core_pattern 2>/dev/null; then
	echo "core_pattern is '$pattern' and cannot be set to 'core'" >&2
	exit 1
fi

exe=$("$top/corpora/build.sh" --go "$goroot" --arch amd64 --case many --variant plain | tail -1)
[ -x "$exe" ] || { echo "could not build corpora/src/many" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/gocore-100k.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && ulimit -c unlimited && "$exe" "$n" abort >/dev/null 2>&1) || true
core=$work/core
[ -f "$core" ] || { echo "no core from $exe $n abort" >&2; exit 1; }

# timed CMD...: "WALL_SECONDS PEAK_RSS_KB CPU_SECONDS" of one run, output discarded.
timed() {
	/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
	tail -1 "$work/time" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}

"$gocore" "$exe" "$core" >/dev/null	# warm the page cache
best_t= best_m= best_c=
for _ in 1 2 3; do
	read -r t m c < <(timed "$gocore" "$exe" "$core")
	if [ -z "$best_t" ] || awk -v a="$t" -v b="$best_t" 'BEGIN { exit !(a < b) }'; then
		best_t=$t best_m=$m best_c=$c
	fi
done
count=$("$gocore" --json "$exe" "$core" | awk -F': ' '/^"goroutine_count"/ {print $2+0}')
lines=$("$gocore" "$exe" "$core" | wc -l)

find_dlv() {
	if [ -n "${DLV:-}" ] && [ -x "$DLV" ]; then echo "$DLV"; return; fi
	command -v dlv && return
	if [ -x "$GOSCOPE_CACHE/bin/dlv" ]; then echo "$GOSCOPE_CACHE/bin/dlv"; return; fi
	mkdir -p "$GOSCOPE_CACHE/bin"
	GOBIN=$GOSCOPE_CACHE/bin GOFLAGS= GOTOOLCHAIN=local "$GO" install \
		github.com/go-delve/delve/cmd/dlv@latest >&2 || return 1
	echo "$GOSCOPE_CACHE/bin/dlv"
}

printf 'core: %s goroutines, %d MB; %s (%s)\n' "$count" $(($(stat -c %s "$core") / 1000000)) \
	"$("$GO" version | cut -d' ' -f3)" "$(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-32s %8s s %9s MB  cpu %6s s   (%s lines of text)\n' "gocore EXE CORE" "$best_t" \
	"$(awk -v m="$best_m" 'BEGIN { printf "%.1f", m / 1024 }')" "$best_c" "$lines"
[ "${NO_DLV:-0}" = 1 ] && exit 0
dlv=$(find_dlv) || { echo "Delve not available: no comparison"; exit 0; }
printf 'goroutines -t\nexit\n' >"$work/dlv.init"
read -r dt dm dc < <(timed "$dlv" core "$exe" "$core" --init "$work/dlv.init" \
	--allow-non-terminal-interactive=true)
printf '%-32s %8s s %9s MB  cpu %6s s   (%s)\n' "dlv core + goroutines -t" "$dt" \
	"$(awk -v m="$dm" 'BEGIN { printf "%.1f", m / 1024 }')" "$dc" \
	"$("$dlv" version | sed -n 's/^Version: /Delve /p')"
awk -v t="$best_t" -v m="$best_m" -v dt="$dt" -v dm="$dm" -v c="$best_c" -v dc="$dc" 'BEGIN {
	printf "time: gocore is %.1fx faster (target 50x), %.1fx less CPU; RSS: gocore uses %.2f of Delve'"'"'s (target < 0.5)\n",
		(t > 0 ? dt / t : 0), (c > 0 ? dc / c : 0), (dm > 0 ? m / dm : 0)
	printf "targets: gocore < 1 s %s; 1/50 of Delve %s; RSS < 1/2 %s\n",
		(t < 1 ? "met" : "NOT met"), (t * 50 <= dt ? "met" : "NOT met"),
		(m * 2 < dm ? "met" : "NOT met") }'
