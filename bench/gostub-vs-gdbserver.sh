#!/bin/bash
# bench/gostub-vs-gdbserver.sh - gostub against gdbserver (and lldb-server)
# with real clients, in the same run.
#
# Builds bench/progs/stepbreak.c (mallocs and writes 64 MiB, stops in
# ready(), then calls the noinline f() in a loop) and, for each server,
# launches it as `SERVER 127.0.0.1:PORT stepbreak 64 N` and runs gdb with
# bench/progs/gdb_bench.py, which times inside gdb (not gdb's start):
#   (a) dump binary memory of the 64 MiB buffer     (the two dumps must match)
#   (b) stepi 10000                                  (one `stepi N` command)
#   (c) 10000 stops at `break f`: `ignore` 9999, then continue; checked
#       with the breakpoint's hit count and the program's own call counter,
#       so every hit really went through the stub
# then (d) lldb 16 `thread step-inst` x2000 (bench/progs/lldb_bench.py)
# against `lldb-server gdbserver` and against gostub.
# Prints each figure for both servers and the ratio reference/gostub
# (> 1: gostub is faster).  Targets (docs/PERFORMANCE.md, DESIGN.md):
# memory read at least gdbserver's throughput (aim 2x), step and breakpoint
# round trips at least gdbserver's.
#
# Usage: bench/gostub-vs-gdbserver.sh [BUILD_DIR]     (default: build)
# Environment:
#   GOSTUB=path    the stub (default BUILD_DIR/stub/gostub); point it at
#                  gdbserver to check the script itself
#   GDBSERVER=path (default: gdbserver on PATH)
#   STEPS=10000 HITS=10000 MIB=64 LLDB_STEPS=2000
#   ROUNDS=1       run everything this many times, alternating which server
#                  goes first, and keep each figure's best (a round takes
#                  about 1.5 minutes here)
#   LLDB=path      lldb 16 (default: /usr/lib/llvm-16, then the copy
#                  tests/stub/lldb/get-lldb.sh 16 unpacks); NO_LLDB=1 skips (d)
#   KEEP=1         keep the scratch directory (gdb/lldb transcripts, server logs)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
GOSTUB=${GOSTUB:-$build/stub/gostub}
GDBSERVER=${GDBSERVER:-$(command -v gdbserver || true)}
steps=${STEPS:-10000}
hits=${HITS:-10000}
mib=${MIB:-64}
lldb_steps=${LLDB_STEPS:-2000}
rounds=${ROUNDS:-1}
: "${GOSCOPE_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/goscope}"

[ -x "$GOSTUB" ] || { echo "no gostub at $GOSTUB (build it, or GOSTUB=path)" >&2; exit 1; }
[ -n "$GDBSERVER" ] && [ -x "$GDBSERVER" ] || { echo "gdbserver not found (apt-get install gdbserver)" >&2; exit 1; }
command -v gdb >/dev/null || { echo "gdb not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gostub-bench.XXXXXX")
pids=
cleanup() {
	local p
	for p in $pids; do
		kill -9 "$p" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
gcc -g -O1 -o "$work/stepbreak" "$top/bench/progs/stepbreak.c"

pick_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 40000))
}

# listening PORT: something listens on it (/proc/net/tcp, state 0A).
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" 'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp
}

# start NAME PORT CMD...: run a server in the background until it listens.
start() {
	local name=$1 port=$2 i
	shift 2
	"$@" >"$work/$name.server" 2>&1 &
	server_pid=$!
	pids="$pids $server_pid"
	for i in $(seq 200); do
		listening "$port" && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "$name did not listen on $port: $(tail -2 "$work/$name.server")" >&2
	return 1
}

# stop: wait a little for the server to exit after the client killed the
# target, then make sure.
stop() {
	local i
	for i in $(seq 40); do
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
}

# gdb_run NAME SERVER: (a)-(c) against one server; RESULT lines in NAME.res.
gdb_run() {
	local name=$1 server=$2 port
	port=$(pick_port)
	start "$name" "$port" "$server" "127.0.0.1:$port" "$work/stepbreak" "$mib" $((hits * 3 + steps)) || return 0
	BENCH_PORT=$port BENCH_DUMP=$work/$name.dump BENCH_STEPS=$steps BENCH_HITS=$hits \
		timeout -k 5 150 gdb -q -batch -nx -x "$top/bench/progs/gdb_bench.py" "$work/stepbreak" \
		>"$work/$name.gdb" 2>&1 || true
	grep '^RESULT ' "$work/$name.gdb" >>"$work/$name.res" || true
	stop
	# Keep only a digest: 64 MiB files in a tmpfs would press on the next run.
	if [ -f "$work/$name.dump" ]; then
		md5sum <"$work/$name.dump" >"$work/$name.md5"
		rm -f "$work/$name.dump"
	fi
}

find_lldb() {
	local root
	if [ -n "${LLDB:-}" ]; then
		root=$(cd "$(dirname "$LLDB")/../../../.." && pwd)
	else
		for root in "" "$GOSCOPE_CACHE/lldb-16"; do
			[ -x "$root/usr/lib/llvm-16/bin/lldb" ] && break
			root=none
		done
		[ "$root" != none ] || return 1
		LLDB=$root/usr/lib/llvm-16/bin/lldb
	fi
	# An unpacked copy needs its libraries and Python module found.
	if [ -n "$root" ] && [ "$root" != / ] && [ -d "$root/usr/lib/x86_64-linux-gnu" ]; then
		export LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	fi
	for d in "$root"/usr/lib/llvm-16/lib/python3*/dist-packages; do
		[ -f "$d/lldb/__init__.py" ] && export PYTHONPATH=$d${PYTHONPATH:+:$PYTHONPATH}
	done
	"$LLDB" --version 2>/dev/null | grep -q 'lldb version' && [ -x "$(dirname "$LLDB")/lldb-server" ]
}

# lldb_run NAME lldb-server|gostub: (d) against one server; RESULT line in NAME.res.
lldb_run() {
	local name=$1 port
	port=$(pick_port)
	if [ "$2" = lldb-server ]; then
		start "$name" "$port" "$(dirname "$LLDB")/lldb-server" gdbserver "127.0.0.1:$port" -- \
			"$work/stepbreak" 1 100000 || return 0
	else
		start "$name" "$port" "$GOSTUB" "127.0.0.1:$port" "$work/stepbreak" 1 100000 || return 0
	fi
	BENCH_STEPS=$lldb_steps timeout -k 5 120 "$LLDB" --no-lldbinit --batch "$work/stepbreak" \
		-o "settings set plugin.process.gdb-remote.packet-timeout 10" \
		-o "gdb-remote 127.0.0.1:$port" -o "breakpoint set -n ready" -o continue \
		-o "command script import $top/bench/progs/lldb_bench.py" -o "process kill" \
		>"$work/$name.lldb" 2>&1 </dev/null || true
	grep '^RESULT ' "$work/$name.lldb" >>"$work/$name.res" || true
	stop
}

# field NAME FIGURE: the best seconds over the rounds, or "-" when a round
# failed or none gave a result (why says what happened).
field() {
	awk -v f="$2" '$1 == "RESULT" && $2 == f {
		n++
		if ($3 == "-" || $4 != "ok") bad = 1
		else if (best == "" || $3 + 0 < best + 0) best = $3
	} END { print (bad || !n) ? "-" : best }' "$work/$1.res"
}

# why NAME FIGURE: what went wrong, from the RESULT line or the transcript.
why() {
	local line t
	line=$(awk -v f="$2" '$1 == "RESULT" && $2 == f && ($3 == "-" || $4 != "ok")' "$work/$1.res" |
		head -1 | cut -d' ' -f4-)
	if [ -z "$line" ]; then
		for t in "$work/$1.gdb" "$work/$1.lldb"; do
			[ -f "$t" ] || continue
			line=$(grep -E 'stop reason|error|Error|not |[Tt]imeout' "$t" | tail -1)
			[ -n "$line" ] || line=$(tail -1 "$t")
		done
		line="no result; last word: ${line:-none} (KEEP=1 keeps the transcript)"
	fi
	echo "$line"
}

# row LABEL REF GOSTUB FIGURE COUNT UNIT: one line with the reference server's
# and gostub's seconds and rates, and the ratio reference/gostub.
row() {
	local label=$1 ref=$2 mine=$3 fig=$4 n=$5 unit=$6 a b
	a=$(field "$ref" "$fig")
	b=$(field "$mine" "$fig")
	awk -v l="$label" -v a="$a" -v b="$b" -v n="$n" -v u="$unit" 'BEGIN {
		fa = (a == "-") ? sprintf("%22s", "-") : sprintf("%7.2f s %6.0f %-6s", a, n / a, u)
		fb = (b == "-") ? sprintf("%22s", "-") : sprintf("%7.2f s %6.0f %-6s", b, n / b, u)
		r = (a == "-" || b == "-") ? "-" : sprintf("%.2fx", a / b)
		printf "%-34s %s  %s  %6s\n", l, fa, fb, r
	}'
	[ "$a" != - ] || echo "    ${ref%-*}: $(why "$ref" "$fig")"
	[ "$b" != - ] || echo "    gostub: $(why "$mine" "$fig")"
}

for name in gdbserver-gdb gostub-gdb lldb-server-lldb gostub-lldb; do
	: >"$work/$name.res"
done
# Alternate which server goes first: load on a shared machine drifts.
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		gdb_run gdbserver-gdb "$GDBSERVER"
		gdb_run gostub-gdb "$GOSTUB"
	else
		gdb_run gostub-gdb "$GOSTUB"
		gdb_run gdbserver-gdb "$GDBSERVER"
	fi
done

lldb_note=
if [ "${NO_LLDB:-0}" = 1 ]; then
	lldb_note="skipped (NO_LLDB=1)"
elif ! find_lldb; then
	lldb_note="skipped: lldb 16 not found (apt-get install lldb-16, or tests/stub/lldb/get-lldb.sh 16)"
else
	for r in $(seq "$rounds"); do
		lldb_run lldb-server-lldb lldb-server
		lldb_run gostub-lldb gostub
	done
fi

printf '%s; gostub = %s; %s CPUs, load %s; best of %s round(s)\n' "$(gdb --version | head -1)" \
	"$GOSTUB" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$rounds"
printf '%-34s %22s  %22s  %6s\n' "" "gdbserver" "gostub" "ratio"
row "(a) dump binary memory ${mib} MiB" gdbserver-gdb gostub-gdb dump "$mib" "MiB/s"
if [ -s "$work/gdbserver-gdb.md5" ] && [ -s "$work/gostub-gdb.md5" ] &&
	! cmp -s "$work/gdbserver-gdb.md5" "$work/gostub-gdb.md5"; then
	echo "    the two dumps differ: gostub read wrong memory"
fi
row "(b) stepi x$steps" gdbserver-gdb gostub-gdb stepi "$steps" "/s"
row "(c) breakpoint hits x$hits" gdbserver-gdb gostub-gdb hits "$hits" "/s"
if [ -n "$lldb_note" ]; then
	echo "(d) lldb thread step-inst x$lldb_steps: $lldb_note"
else
	printf '%-34s %22s  %22s  %6s\n' "($($LLDB --version | head -1))" "lldb-server" "gostub" "ratio"
	row "(d) lldb thread step-inst x$lldb_steps" lldb-server-lldb gostub-lldb lldb-stepi "$lldb_steps" "/s"
fi
