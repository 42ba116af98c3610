#!/bin/bash
# run.sh - run gdb's own test suite (DejaGnu) with gostub in gdbserver's place,
# and with the real gdbserver beside it, and compare the two.
#
#   tests/gdb-testsuite/run.sh [--suite server|subset|all] [--board BOARD]
#                              [--stub PATH] [--gdbserver PATH] [--gdb PATH]
#                              [--results DIR] [--reuse-baseline]
#                              [--tests 'gdb.x/y.exp ...'] [--timeout SECS]
#                              [--runtestflags '...'] [--keep-build] [-j 1|2]
#                              [--compare-only --results DIR]
#
# Suites: server = gdb.server/*.exp (native-gdbserver board only, unless
# --board says otherwise); subset = gdb.base/{break,step-test,finish,sigall}
# and gdb.threads/{schedlock,threadapply,print-threads} under
# native-gdbserver and native-extended-gdbserver; all = both (default).
#
# Needs no gdb build: Debian's gdb-source (the version of the installed gdb),
# dejagnu, expect and tcl-expect are fetched with `apt-get download`, unpacked
# with `dpkg -x` into $GOSCOPE_CACHE/gdb-testsuite and reused on later runs.
# Only gdb/testsuite is configured; the installed /usr/bin/gdb is the client.
#
# Exit: 0 when the stub passes every test gdbserver passes (less the entries of
# exclusions.txt), 1 otherwise, 77 when a tool is missing (gdb, gdbserver, gcc,
# apt-get, or the packages cannot be downloaded), 99 on a hard error.
# docs/gdb-testsuite.md has the details.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# shellcheck source=../lib.sh
. "$top_srcdir/tests/lib.sh"

suite=all
boards=()
stub=
gdbserver=
gdb=
results=
reuse_baseline=0
tests_override=
run_timeout=
extra_flags=
keep_build=0
compare_only=0
jobs=1
exclusions="$here/exclusions.txt"

SERVER_TESTS='gdb.server/*.exp'
SUBSET_TESTS='gdb.base/break.exp gdb.base/step-test.exp gdb.base/finish.exp gdb.base/sigall.exp gdb.threads/schedlock.exp gdb.threads/threadapply.exp gdb.threads/print-threads.exp'
ALL_BOARDS='native-gdbserver native-extended-gdbserver'

usage() {
	sed -n '2,/^set -uo/{/^#/s/^# \{0,1\}//p}' "$0" | sed '/^!/d'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--suite) suite=${2:?}; shift ;;
	--suite=*) suite=${1#*=} ;;
	--board) boards+=("${2:?}"); shift ;;
	--board=*) boards+=("${1#*=}") ;;
	--stub) stub=${2:?}; shift ;;
	--stub=*) stub=${1#*=} ;;
	--gdbserver) gdbserver=${2:?}; shift ;;
	--gdbserver=*) gdbserver=${1#*=} ;;
	--gdb) gdb=${2:?}; shift ;;
	--gdb=*) gdb=${1#*=} ;;
	--results) results=${2:?}; shift ;;
	--results=*) results=${1#*=} ;;
	--exclusions) exclusions=${2:?}; shift ;;
	--reuse-baseline) reuse_baseline=1 ;;
	--tests) tests_override=${2:?}; shift ;;
	--timeout) run_timeout=${2:?}; shift ;;
	--runtestflags) extra_flags=${2?}; shift ;;
	--keep-build) keep_build=1 ;;
	--compare-only) compare_only=1 ;;
	-j) jobs=${2:?}; shift ;;
	-j[0-9]*) jobs=${1#-j} ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage 2 ;;
	esac
	shift
done

case $suite in
server|subset|all) ;;
*) echo "run.sh: --suite must be server, subset or all" >&2; exit 2 ;;
esac
for b in "${boards[@]}"; do
	case " $ALL_BOARDS " in
	*" $b "*) ;;
	*) echo "run.sh: unknown board '$b' (one of: $ALL_BOARDS)" >&2; exit 2 ;;
	esac
done
case $jobs in 1|2) ;; *) echo "run.sh: -j must be 1 or 2" >&2; exit 2 ;; esac

# --- tools ----------------------------------------------------------------
need gcc make tar xz
[ -n "$gdb" ] || gdb=$(command -v gdb) || skip "gdb is not installed"
[ -n "$gdbserver" ] || gdbserver=$(command -v gdbserver) || skip "gdbserver is not installed"
[ -x "$gdb" ] || skip "$gdb is not executable"
[ -x "$gdbserver" ] || skip "$gdbserver is not executable"
"$gdb" --version 2>/dev/null | head -1 | grep -q '^GNU gdb' || skip "$gdb is not GNU gdb"
[ -n "$stub" ] || stub="$top_builddir/stub/gostub"
case $stub in /*) ;; *) stub="$PWD/$stub" ;; esac
case $gdbserver in /*) ;; *) gdbserver="$PWD/$gdbserver" ;; esac
[ -x "$stub" ] || hard_error "stub $stub is not built (make stub/gostub, or --stub PATH)"
[ -f "$exclusions" ] || hard_error "no exclusion list $exclusions"

# --- fetch and unpack gdb-source, dejagnu, expect, tcl-expect --------------
cache="$GOSCOPE_CACHE/gdb-testsuite"
mkdir -p "$cache" || hard_error "cannot create $cache"

gdb_pkg_version() {
	# The Debian version of the installed gdb (e.g. 13.1-3): the test suite
	# must be the one of the gdb it tests.
	local p v
	p=$(dpkg-query -S "$(readlink -f "$gdb")" 2>/dev/null | head -1 | cut -d: -f1)
	[ -n "$p" ] || p=gdb
	v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || return 1
	[ -n "$v" ] && echo "$v"
}

fetch() {
	command -v apt-get >/dev/null 2>&1 || skip "apt-get is not available to download gdb-source, dejagnu and expect" >&2
	command -v dpkg >/dev/null 2>&1 || skip "dpkg is not available" >&2
	local ver root debs want=() p
	ver=$(gdb_pkg_version) || skip "cannot tell the Debian version of $gdb (not Debian's gdb?)" >&2
	root="$cache/root-$ver"
	if [ -f "$root/.done" ]; then
		echo "$root"
		return 0
	fi
	debs="$cache/debs"
	mkdir -p "$debs"
	want=("gdb-source=$ver" dejagnu expect tcl-expect)
	# expect needs libtcl8.6; fetch it too when the system has none.
	ldconfig -p 2>/dev/null | grep -q 'libtcl8\.6\.so' || want+=(libtcl8.6)
	echo "run.sh: downloading ${want[*]} into $debs" >&2
	(cd "$debs" && apt-get download -o APT::Sandbox::User=root "${want[@]}") >"$cache/download.log" 2>&1 || {
		# An old package list can lack the exact version: refresh it once.
		if [ "$(id -u)" -eq 0 ]; then apt-get update -qq >>"$cache/download.log" 2>&1 || true; fi
		(cd "$debs" && apt-get download -o APT::Sandbox::User=root "${want[@]}") >>"$cache/download.log" 2>&1 ||
			{ cat "$cache/download.log" >&2; skip "cannot download ${want[*]} (see $cache/download.log)" >&2; }
	}
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for p in "$debs"/gdb-source_"${ver//:/%3a}"_*.deb "$debs"/dejagnu_*.deb "$debs"/expect_*.deb \
		"$debs"/tcl-expect_*.deb; do
		[ -f "$p" ] || hard_error "missing $p after apt-get download"
		dpkg -x "$p" "$root.tmp" || hard_error "dpkg -x $p"
	done
	if ! ldconfig -p 2>/dev/null | grep -q 'libtcl8\.6\.so'; then
		for p in "$debs"/libtcl8.6_*.deb; do dpkg -x "$p" "$root.tmp" || hard_error "dpkg -x $p"; done
	fi
	echo "run.sh: unpacking $root.tmp/usr/src/gdb.tar.xz" >&2
	mkdir -p "$root.tmp/src"
	tar -xJf "$root.tmp/usr/src/gdb.tar.xz" -C "$root.tmp/src" || hard_error "cannot unpack gdb.tar.xz"
	rm -f "$root.tmp/usr/src/gdb.tar.xz"
	[ -f "$root.tmp/src/gdb/gdb/testsuite/configure" ] || hard_error "no gdb/testsuite/configure in gdb-source $ver"
	touch "$root.tmp/.done"
	rm -rf "$root"
	mv "$root.tmp" "$root" || hard_error "mv $root.tmp $root"
	echo "$root"
}

exec 9>"$cache/.lock"
flock 9 2>/dev/null || true
root=$(fetch) || exit $?
flock -u 9 2>/dev/null || true
srcdir="$root/src/gdb/gdb/testsuite"
libdir=$(dirname "$(find "$root/usr/lib" -name 'libexpect.so*' | head -1)")
export PATH="$root/usr/bin:$PATH"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -d "$root/usr/share/tcltk/tcl8.6" ] && export TCL_LIBRARY="$root/usr/share/tcltk/tcl8.6"
command -v runtest >/dev/null 2>&1 || hard_error "no runtest in $root/usr/bin"
echo 'exit 0' | expect >/dev/null 2>&1 || hard_error "the unpacked expect does not run (LD_LIBRARY_PATH=$LD_LIBRARY_PATH)"

# --- the runs ---------------------------------------------------------------
if [ -z "$results" ]; then
	results="$top_builddir/gdb-testsuite-results/$(date +%Y%m%d-%H%M%S)"
fi
mkdir -p "$results" || hard_error "cannot create $results"
results=$(cd "$results" && pwd)
gdbver=$("$gdb" --version | head -1)

# (suite board) pairs, in order.
pairs=()
add_pairs() {
	local s=$1 b
	shift
	if [ ${#boards[@]} -gt 0 ]; then
		for b in "${boards[@]}"; do pairs+=("$s $b"); done
	else
		for b in "$@"; do pairs+=("$s $b"); done
	fi
}
case $suite in
server) add_pairs server native-gdbserver ;;
subset) add_pairs subset $ALL_BOARDS ;;
all) add_pairs server native-gdbserver; add_pairs subset $ALL_BOARDS ;;
esac

tests_of() {
	if [ -n "$tests_override" ]; then echo "$tests_override"
	elif [ "$1" = server ]; then echo "$SERVER_TESTS"
	else echo "$SUBSET_TESTS"
	fi
}

default_timeout() {
	case $1 in server) echo 900 ;; *) echo 1800 ;; esac
}

# Kill what a run left behind: processes whose working directory is inside
# the run's build directory (the server and its inferiors run there), by pid.
sweep() {
	local dir=$1 log=$2 pid cwd comm n=0
	for pid in /proc/[0-9]*; do
		pid=${pid#/proc/}
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
		case $cwd in
		"$dir"|"$dir"/*)
			echo "left running after the run: pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >>"$log"
			# The suite's own "sleep" helpers are not the server's doing.
			comm=$(cat "/proc/$pid/comm" 2>/dev/null)
			kill -9 "$pid" 2>/dev/null && [ "$comm" != sleep ] && n=$((n + 1))
			;;
		esac
	done
	[ $n -eq 0 ] || echo "run.sh: killed $n process(es) left running in $(basename "$(dirname "$dir")") (see $log)" >&2
}

# run_one SUITE BOARD KIND SERVER: one runtest of the suite's tests, results in
# $results/SUITE.BOARD.KIND/{gdb.sum,gdb.log,make.out,wall}.
run_one() {
	local s=$1 b=$2 kind=$3 server=$4 out="$results/$1.$2.$3" t0 t1 rc tmo
	local tests
	tests=$(tests_of "$s")
	tmo=${run_timeout:-$(default_timeout "$s")}
	rm -rf "$out"
	mkdir -p "$out/build"
	t0=$(date +%s)
	(
		cd "$out/build" || exit 99
		"$srcdir/configure" >configure.out 2>&1 || { cat configure.out; exit 99; }
		# shellcheck disable=SC2086
		exec timeout --kill-after=30 "$tmo" make check TESTS="$tests" \
			RUNTESTFLAGS="--target_board=$b GDB=$gdb GDBSERVER=$server $extra_flags" </dev/null
	) >"$out/make.out" 2>&1
	rc=$?
	t1=$(date +%s)
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "run.sh: $s/$b/$kind stopped after ${tmo}s (--timeout)" | tee -a "$out/make.out" >&2
	sweep "$out/build" "$out/leftover.txt"
	echo $((t1 - t0)) >"$out/wall"
	cp "$out/build/gdb.sum" "$out/gdb.sum" 2>/dev/null || : >"$out/gdb.sum"
	cp "$out/build/gdb.log" "$out/gdb.log" 2>/dev/null || : >"$out/gdb.log"
	[ $keep_build -eq 1 ] || rm -rf "$out/build"
	echo "run.sh: $s $b $kind: $(counts "$out/gdb.sum") in $((t1 - t0)) s" >&2
}

# The baseline of gdbserver for a (suite, board) may be reused from the
# cache (--reuse-baseline); it is keyed by gdb version, suite, board, tests.
baseline_key() {
	printf '%s|%s|%s|%s|%s|%s' "$gdbver" "$(gdb_pkg_version)" "$1" "$2" "$(tests_of "$1")" \
		"$(readlink -f "$gdbserver")" | md5sum | cut -c1-12
}

counts() {
	awk '
	/^PASS: / { p++ } /^FAIL: / { f++ }
	/^(XFAIL|KFAIL|XPASS|KPASS|UNRESOLVED|UNTESTED|UNSUPPORTED|ERROR|WARNING|DUPLICATE|PATH): / { o++ }
	END { printf "%d pass, %d fail, %d other\n", p, f, o }' "$1"
}

echo "run.sh: gdb: $gdbver ($gdb); gdbserver: $gdbserver; stub: $stub"
echo "run.sh: test suite: $srcdir"
echo "run.sh: results: $results"
t_start=$(date +%s)
for pr in "${pairs[@]}"; do
	[ $compare_only -eq 0 ] || break
	set -- $pr
	s=$1 b=$2
	base="$results/$s.$b.gdbserver"
	key=$(baseline_key "$s" "$b")
	cached="$cache/baseline/$key"
	if [ $reuse_baseline -eq 1 ] && [ -s "$cached/gdb.sum" ]; then
		if [ -s "$cached/gdb.sum" ]; then
			mkdir -p "$base"
			cp "$cached"/gdb.sum "$cached"/wall "$base"/ 2>/dev/null
			echo "run.sh: $s $b gdbserver: reused from $cached" >&2
		else
			echo "run.sh: $s $b: no cached gdbserver baseline; running gdbserver" >&2
			run_one "$s" "$b" gdbserver "$gdbserver"
		fi
		run_one "$s" "$b" gostub "$stub"
	elif [ "$jobs" -eq 2 ]; then
		run_one "$s" "$b" gdbserver "$gdbserver" &
		run_one "$s" "$b" gostub "$stub"
		wait
	else
		run_one "$s" "$b" gdbserver "$gdbserver"
		run_one "$s" "$b" gostub "$stub"
	fi
	if [ -s "$base/gdb.sum" ] && grep -q '^# of expected passes' "$base/gdb.sum" && [ "$base" != "$cached" ]; then
		mkdir -p "$cached" && cp "$base/gdb.sum" "$cached/" && cp "$base/wall" "$cached/" 2>/dev/null
	fi
done
t_end=$(date +%s)

# --- compare ----------------------------------------------------------------
# Tests that passed with gdbserver and not with the stub, less the exclusions.
# exclusions.txt: "NAME | reason" a line; NAME is a whole test name
# ("gdb.server/x.exp: some test"), a file ("gdb.server/x.exp": all its tests)
# or a pattern where '*' stands for any characters.
compare() {
	local base=$1 stubsum=$2
	awk -v excl="$exclusions" '
	# NAME may hold "*" (any characters); a bare "FILE.exp" means every
	# test of that file.
	function glob2re(g,   r, i, c) {
		r = "^"
		for (i = 1; i <= length(g); i++) {
			c = substr(g, i, 1)
			if (c == "*") r = r ".*"
			else if (index("\\^$.[]|()+?{}/", c)) r = r "\\" c
			else r = r c
		}
		return r "$"
	}
	function excluded(name,   i, p) {
		for (i = 1; i <= nx; i++) {
			p = pat[i]
			if (name == p) return 1
			if (p ~ /\.exp$/ && index(name, p ": ") == 1) return 1
			if (index(p, "*") && name ~ re[i]) return 1
		}
		return 0
	}
	BEGIN {
		while ((getline line < excl) > 0) {
			if (line ~ /^[ \t]*(#|$)/) continue
			sub(/[ \t]*\|.*$/, "", line)
			sub(/^[ \t]+/, "", line)
			pat[++nx] = line
			re[nx] = glob2re(line)
		}
	}
	FNR == NR { if (sub(/^PASS: /, "")) base[$0] = 1; next }
	{ if (sub(/^PASS: /, "")) stub[$0] = 1 }
	END {
		for (t in base) {
			if (t in stub) continue
			print (excluded(t) ? "EXCLUDED\t" : "MISSING\t") t
		}
	}' "$base" "$stubsum" | sort -t"$(printf '\t')" -k2
}

status=0
total_ok=0
total_missing=0
summary="$results/summary.txt"
{
	echo "gdb's test suite: gdbserver ($gdbserver) vs gostub ($stub)"
	echo "gdb: $gdbver; suite sources: $srcdir"
	printf '%-7s %-26s | %-26s | %-26s | %s\n' suite board "gdbserver pass/fail/other" "gostub pass/fail/other" \
		"missing (excluded)"
	for pr in "${pairs[@]}"; do
		set -- $pr
		base="$results/$1.$2.gdbserver/gdb.sum"
		st="$results/$1.$2.gostub/gdb.sum"
		compare "$base" "$st" >"$results/$1.$2.diff"
		m=$(grep -c '^MISSING' "$results/$1.$2.diff")
		x=$(grep -c '^EXCLUDED' "$results/$1.$2.diff")
		b_pass=$(grep -c '^PASS: ' "$base")
		total_ok=$((total_ok + b_pass - m - x))
		total_missing=$((total_missing + m))
		[ "$m" -eq 0 ] || status=1
		grep -q '^# of expected passes' "$base" || status=1
		printf '%-7s %-26s | %-26s | %-26s | %s (%s)\n' "$1" "$2" \
			"$(counts "$base" | sed 's/ pass, \| fail, /\//g; s/ other//')" \
			"$(counts "$st" | sed 's/ pass, \| fail, /\//g; s/ other//')" "$m" "$x"
	done
	echo "wall: $((t_end - t_start)) s"
	for pr in "${pairs[@]}"; do
		set -- $pr
		if grep -q '^MISSING' "$results/$1.$2.diff"; then
			echo
			echo "== $1 $2: passed with gdbserver, not with gostub =="
			grep '^MISSING' "$results/$1.$2.diff" | cut -f2 | while IFS= read -r t; do
				r=$(T=$t awk 'index($0, ": ") && substr($0, index($0, ": ") + 2) == ENVIRON["T"] {
					print substr($0, 1, index($0, ": ") - 1); exit }' "$results/$1.$2.gostub/gdb.sum")
				echo "${r:-ABSENT}: $t"
			done
		fi
	done
} >"$summary"
cat "$summary"
echo
echo "results (.sum, .log per run; *.diff; summary.txt): $results"
echo "gdb-testsuite: $total_ok passed, $total_missing failed"
exit $status
