#!/bin/bash
# tests/fuzz/run.sh [SECONDS] - build goscope's libFuzzer targets with clang
# straight from the sources (no automake) and run each one for SECONDS
# (default 600).  The corpus of each target lives in
# ${TMPDIR:-/tmp}/goscope-fuzz/<target>/corpus and is kept between runs;
# crash inputs go to .../<target>/artifacts/.
#
# Exit: 0 no finding, 1 a target crashed or broke an invariant, 77 clang or
# its libFuzzer runtime is missing (Debian: apt-get install clang
# libclang-rt-14-dev), 99 a target failed to build.
#
# Environment: CC (default clang), FUZZ_JOBS (parallel workers per target,
# default 1), FUZZ_TARGETS (space-separated subset to run).
set -u

secs=${1:-600}
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 99 ;;
esac
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${TMPDIR:-/tmp}/goscope-fuzz
cc=${CC:-clang}
jobs=${FUZZ_JOBS:-1}
mkdir -p "$work" || exit 99

cflags=(-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
	-include "$work/config.h" -I"$top/common" -I"$top/stub" -I/usr/include/capstone)

# The sources include "config.h"; what they use of it is below.
cat >"$work/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define HAVE_CONFIG_H 1
#define HAVE_LIBDWARF_LIBDWARF_H 1
#define PACKAGE "goscope"
#define PACKAGE_VERSION "fuzz"
#define VERSION "fuzz"
EOF
touch "$work/config.h"
cflags+=(-I"$work")

probe=$work/probe
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
	'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n > 9999999; }' \
	>"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$probe.log"; then
	echo "SKIP: $cc cannot build libFuzzer targets (apt-get install clang libclang-rt-14-dev)" >&2
	sed 's/^/  /' "$probe.log" | head -5 >&2
	exit 77
fi

# ---- targets: name, sources (relative to the top), libraries ---------------
targets=()
declare -A srcs libs seeds

targets+=(fuzz_rsp_packet)
srcs[fuzz_rsp_packet]="tests/fuzz/fuzz_rsp_packet.c stub/rsp_packet.c common/error.c"
libs[fuzz_rsp_packet]="-lelf"
# Seeds: byte 0 = limit/no-ack selector, byte 1 = split point, then the stream.
seeds[fuzz_rsp_packet]='\x83\x05+$qSupported:multiprocess+;swbreak+;xmlRegisters=i386#00
\x40\x00$QStartNoAckMode#b0+$?#3f$g#67
\x83\x10$X401000,8:}\x03}\x04}]}\x0a\x00\x01\x02\xff#00\x03
\x20\x02$m7ffe0000,23ff#00-$c#63\x03$vCont;s:p1ad1.1ad1;c:p1ad1.-1#00
\xc0\x07$0* 0*"0*~}]*!#00$a*\x1f#00$$$#zz#00
\xc2\x01$AAAAAAAAAAAAAAAAAAAAAAAA#00$qC#b4'

# ---- HOOK: second target, the packet dispatcher -----------------------------
# fuzz_rsp_dispatch feeds arbitrary packets to the entry point of
# stub/rsp_dispatch.h over the in-memory fake process tests/stub/fake_proc.c
# (stub/ptrace_target.h).  It is built only once its source exists; the
# source list mirrors tests_test_rsp_dispatch_SOURCES in tests/local.am plus
# libgoscope (common/*.c).
if [ -f "$top/tests/fuzz/fuzz_rsp_dispatch.c" ]; then
	targets+=(fuzz_rsp_dispatch)
	srcs[fuzz_rsp_dispatch]="tests/fuzz/fuzz_rsp_dispatch.c tests/stub/fake_proc.c
		stub/rsp_packet.c stub/rsp_dispatch.c stub/cmd_query.c stub/cmd_run.c
		stub/cmd_data.c stub/monitor.c $(cd "$top" && echo common/*.c)"
	libs[fuzz_rsp_dispatch]="-ldwarf -lelf -lcapstone -lz -lpthread"
	# Seeds: byte 0 = starting state (bit 0 no process, bit 1 one thread,
	# bit 2 no-ack), then packets separated by newlines.
	seeds[fuzz_rsp_dispatch]='\x00qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386\n?\ng\nm400000,40\nX400000,4:ab}\x03d\nZ0,400010,1\nvCont;s:p1000.1000;c:p1000.-1\nqXfer:features:read:target.xml:0,fff\nqRcmd,68656c70
\x06QStartNoAckMode\nqfThreadInfo\nqsThreadInfo\nHgp1000.1001\np10\nP10=0000400000000000\nz0,400010,1\nc\nqXfer:threads:read::0,fff\nD;1000
\x01!\nqSupported\nvRun;2f746d702f70726f67;61\n?\nvCont;c\nqC\nk
\x04QThreadSuffixSupported\nQListThreadsInStopReply\nqHostInfo\nqProcessInfo\ng;thread:1001;\nx7ffe0000,100\nqMemoryRegionInfo:400000\njThreadsInfo\nQPassSignals:e;10;14'
fi
# ---- end of hook ---------------------------------------------------------------

if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=($FUZZ_TARGETS)
fi

status=0
for t in "${targets[@]}"; do
	dir=$work/$t
	mkdir -p "$dir/corpus" "$dir/artifacts" || exit 99
	src=()
	for f in ${srcs[$t]}; do
		src+=("$top/$f")
	done
	echo "== $t: building"
	if ! "$cc" "${cflags[@]}" "${src[@]}" ${libs[$t]} -o "$dir/$t" 2>"$dir/build.log"; then
		echo "FAIL: $t does not build (see $dir/build.log)" >&2
		head -20 "$dir/build.log" >&2
		exit 99
	fi
	n=0
	while IFS= read -r line; do
		printf '%b' "$line" >"$dir/corpus/seed-$n"
		n=$((n + 1))
	done <<<"${seeds[$t]}"
	echo "== $t: fuzzing for ${secs}s (corpus $dir/corpus)"
	par=()
	if [ "$jobs" -gt 1 ]; then
		par=(-fork="$jobs")
	fi
	touch "$dir/started"
	"$dir/$t" -max_total_time="$secs" -print_final_stats=1 -max_len=4096 "${par[@]}" \
		-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/fuzz.log" 2>&1
	rc=$?
	found=$(find "$dir/artifacts" -type f -newer "$dir/started" | tr '\n' ' ')
	grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$dir/fuzz.log"
	tail -1 "$dir/fuzz.log" | grep -E '^#[0-9]+' || true
	if [ $rc -ne 0 ] || [ -n "$found" ]; then
		echo "FINDING in $t (exit $rc): $found" >&2
		grep -E 'ERROR|invariant failed|SUMMARY' "$dir/fuzz.log" | head -10 >&2
		status=1
	else
		echo "== $t: no finding"
	fi
done
exit $status
