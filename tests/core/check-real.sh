#!/bin/bash
# check-real.sh - the core reader (common/core_file.c) on real cores of a Go
# program, against readelf, gdb and the Go runtime's own traceback.
#
#   amd64: corpora/src/states built with the machine's Go, run with
#          GOTRACEBACK=crash so it panics and the kernel writes a core.
#   arm64: the same program built with GOARCH=arm64 and run under qemu-aarch64,
#          which writes qemu_states_<date>_<pid>.core itself.
#
# For each core (tests/core/core-dump prints what the reader sees):
#   - thread count = readelf -n's NT_PRSTATUS count;
#   - per thread pc, sp and fs_base (amd64) / x28, x30, cpsr (arm64) = gdb's
#     (gdb-multiarch for arm64), when gdb is installed;
#   - 16 code bytes at the crashing thread's pc (from the executable, since a
#     core lacks .text) = gdb's x/16xb $pc; without the executable they fault;
#   - Go's g of the crashing thread (*(fs_base-8) on amd64, x28 on arm64) =
#     the gp= the runtime printed for the [running] goroutine (Go 1.22+), and
#     the first words of that g (read from the core) = gdb's;
#   - signal SIGABRT, command name "states", no warnings;
#   - a core cut in half: a "core truncated" warning, every thread still read;
#   - another program as EXE: a warning; the executable as CORE: an error.
# Exit 0 pass, 1 fail, 77 skip (no Go), 99 setup trouble.
#
# The kernel must write plain core files: when /proc/sys/kernel/core_pattern
# pipes to a program, this script (as root) sets it to "core" for the run and
# puts it back afterwards.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib.sh"
set -u
GO=$(find_go) || skip "Go is not installed"
need readelf gcc
make_tmpdir

# ---- the driver: built by make when registered, else compiled here.
DUMP=$top_builddir/tests/core/core-dump
if [ ! -x "$DUMP" ]; then
	[ -f "$top_builddir/common/libgoscope.a" ] || hard_error "build goscope first ($top_builddir)"
	DUMP=$TMP/core-dump
	gcc -std=gnu11 -O1 -I"$top_builddir" -I"$top_srcdir/common" \
		"$top_srcdir/tests/core/core-dump.c" "$top_builddir/common/libgoscope.a" \
		-lelf -lz -o "$DUMP" || hard_error "cannot build core-dump"
fi

# ---- plain core files.
pattern=$(cat /proc/sys/kernel/core_pattern)
case $pattern in
'|'*)
	[ -w /proc/sys/kernel/core_pattern ] ||
		skip "core_pattern pipes to ${pattern#|} and we cannot change it"
	echo "note: core_pattern was '$pattern'; set to 'core' for this run"
	echo core >/proc/sys/kernel/core_pattern
	trap 'echo "$pattern" >/proc/sys/kernel/core_pattern; rm -rf "$TMP"' EXIT
	;;
esac

checked=0 failures=0
expect() {	# expect WHAT GOT WANT
	checked=$((checked + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: core reader says '$2', expected '$3'"
		failures=$((failures + 1))
	fi
}
expect_match() {	# expect_match WHAT TEXT REGEX
	checked=$((checked + 1))
	if ! grep -Eq -- "$3" <<<"$2"; then
		echo "FAIL: $1: no line matching '$3' in:"
		sed 's/^/    /' <<<"$2"
		failures=$((failures + 1))
	fi
}

# "tid name value" lines, sorted, from our output and from gdb's.
our_regs() {
	awk '$1 == "thread" { for (i = 3; i < NF; i += 2)
		if ($i ~ /^(pc|sp|fs_base|x28|lr|cpsr)$/) print $2, $i, $(i + 1) }' | sort
}
gdb_regs() {
	awk '/^Thread .*LWP/ { match($0, /LWP [0-9]+/); tid = substr($0, RSTART + 4, RLENGTH - 4) }
	     /^(rip|rsp|fs_base|pc|sp|x28|x30|cpsr) / { n = $1
		if (n == "rip") n = "pc"; if (n == "rsp") n = "sp"; if (n == "x30") n = "lr"
		print tid, n, $2 }' | sort
}

# check_core ARCH CORE EXE RUNTIME_OUTPUT GDB
check_core() {
	local arch=$1 core=$2 exe=$3 out=$4 gdb=$5 what="$1 core"
	local dump
	dump=$("$DUMP" "$core" "$exe") || { echo "FAIL: $what: core-dump failed"; failures=$((failures + 1)); return; }
	echo "$dump" | grep -Ev '^code ' | sed "s/^/  $arch: /" | head -12

	expect "$what: arch" "$(awk '$1 == "arch" { print $2 }' <<<"$dump")" "$arch"
	expect "$what: signal" "$(awk '$1 == "signal" { print $3 }' <<<"$dump")" SIGABRT
	expect_match "$what: command" "$dump" '^psinfo .* fname states args .*states panic$'
	expect "$what: warnings" "$(grep -c '^warning:' <<<"$dump")" 0
	local nthreads
	nthreads=$(readelf -n "$core" 2>/dev/null | grep -c 'NT_PRSTATUS')
	expect "$what: threads (readelf -n)" "$(awk '$1 == "threads" { print $2 }' <<<"$dump")" "$nthreads"

	# Go's g on the crashing (first) thread = the runtime's gp= of the running goroutine.
	local first g gp
	first=$(awk '$1 == "thread" { print; exit }' <<<"$dump")
	if [ "$arch" = amd64 ]; then
		g=$(awk '{ for (i = 1; i < NF; i++) if ($i == "g") print $(i + 1) }' <<<"$first")
	else
		g=$(awk '{ for (i = 1; i < NF; i++) if ($i == "x28") print $(i + 1) }' <<<"$first")
	fi
	gp=$(sed -n 's/^goroutine [0-9]* gp=\(0x[0-9a-f]*\) .*\[running\]:$/\1/p' "$out" | head -1)
	if [ -n "$gp" ]; then
		expect "$what: g of the crashing thread = runtime's gp" "$g" "$gp"
	else
		echo "note: $what: the runtime printed no gp= (Go before 1.22?)"
	fi

	# Without the executable, the code at pc is not in the core.
	local bare tid
	tid=$(awk '{ print $2 }' <<<"$first")
	bare=$("$DUMP" "$core" | awk -v t="$tid" '$1 == "code" && $2 == t')
	expect_match "$what: code at pc without EXE" "$bare" ' fault .*not dumped'

	if [ -n "$gdb" ]; then
		local gout cmds
		if [ "$arch" = amd64 ]; then
			cmds=(-ex 'set language c' -ex 'thread apply all info registers rip rsp fs_base' -ex 'thread 1'
			      -ex 'x/16xb $pc' -ex 'x/2gx *(long *)($fs_base - 8)')
		else
			cmds=(-ex 'set language c' -ex 'thread apply all info registers pc sp x28 x30 cpsr' -ex 'thread 1'
			      -ex 'x/16xb $pc' -ex 'x/2gx $x28')
		fi
		gout=$("$gdb" -nx -batch "${cmds[@]}" "$exe" "$core" 2>/dev/null)
		local ours theirs
		ours=$(our_regs <<<"$dump")
		theirs=$(gdb_regs <<<"$gout")
		expect "$what: registers = gdb's ($(wc -l <<<"$theirs") values)" "$ours" "$theirs"
		# gdb's thread 1 is the first NT_PRSTATUS, as ours.
		local code gcode
		code=$(awk -v t="$tid" '$1 == "code" && $2 == t { $1 = $2 = ""; print }' <<<"$dump" | xargs)
		gcode=$(grep -E '^0x[0-9a-f]+( <[^>]*>)?:\s+0x[0-9a-f]{2}(\s|$)' <<<"$gout" | head -2 |
			sed 's/^[^:]*://' | xargs | sed 's/0x//g')
		expect "$what: 16 bytes at pc = gdb's x/16xb" "$code" "$gcode"
		local gwords mem
		gwords=$(grep -E '^0x[0-9a-f]+:\s+0x[0-9a-f]{16}\s+0x[0-9a-f]{16}' <<<"$gout" | tail -1 |
			awk '{ print $2, $3 }')
		mem=$("$DUMP" "$core" "$exe" "$g:16" | awk '$1 == "mem" {
			w1 = w2 = ""; for (i = 10; i >= 3; i--) w1 = w1 $i; for (i = 18; i >= 11; i--) w2 = w2 $i
			print "0x" w1, "0x" w2 }')
		expect "$what: g.stack read from the core = gdb's" "$mem" "$gwords"
	else
		echo "note: $what: no ${arch/amd64/gdb}${arch/arm64/-multiarch}: registers checked against the runtime only"
	fi

	# A core cut in half: read as far as it goes, with a warning.
	local size cut
	size=$(stat -c %s "$core")
	head -c $((size / 2)) "$core" >"$TMP/cut.core"
	cut=$("$DUMP" "$TMP/cut.core" "$exe") || true
	expect_match "$what: truncated core warns" "$cut" '^warning: core truncated: .* MiB present'
	expect "$what: truncated core keeps the threads" "$(awk '$1 == "threads" { print $2 }' <<<"$cut")" "$nthreads"
	rm -f "$TMP/cut.core"

	# The executable given as the core: a clear error.
	local err
	err=$("$DUMP" "$exe" 2>&1 >/dev/null)
	expect_match "$what: EXE as CORE" "$err" 'not a core file'
}

build() {	# build GOARCH OUT
	(cd "$top_srcdir/corpora/src" && GOARCH=$1 GOFLAGS=-mod=mod "$GO" build -o "$2" ./states) ||
		hard_error "go build states ($1)"
}

# ---- amd64, from the kernel.
mkdir -p "$TMP/amd64"
build amd64 "$TMP/amd64/states"
(cd "$TMP/amd64" && ulimit -c unlimited && GOTRACEBACK=crash ./states panic >out.txt 2>&1)
acore=$(ls "$TMP"/amd64/core* 2>/dev/null | head -1)
if [ -z "$acore" ]; then
	echo "FAIL: amd64: no core written (ulimit -c, core_pattern '$(cat /proc/sys/kernel/core_pattern)')"
	failures=$((failures + 1))
else
	gdb_amd64=$(command -v gdb || true)
	check_core amd64 "$acore" "$TMP/amd64/states" "$TMP/amd64/out.txt" "$gdb_amd64"
	# Another program as EXE: warned about.
	(cd "$top_srcdir/corpora/src" && GOFLAGS=-mod=mod "$GO" build -o "$TMP/hello" ./hello) ||
		hard_error "go build hello"
	other=$("$DUMP" "$acore" "$TMP/hello")
	expect_match "amd64 core: another program as EXE" "$other" '^warning: .*(another|not .*hello)'
fi

# ---- arm64, from qemu-user.
if command -v qemu-aarch64 >/dev/null 2>&1; then
	mkdir -p "$TMP/arm64"
	build arm64 "$TMP/arm64/states"
	(cd "$TMP/arm64" && ulimit -c unlimited &&
		GOTRACEBACK=crash timeout 120 qemu-aarch64 ./states panic >out.txt 2>&1)
	rm -f "$TMP"/arm64/core*	# the host kernel's core of qemu itself
	qcore=$(ls "$TMP"/arm64/qemu_states_*.core 2>/dev/null | head -1)
	if [ -z "$qcore" ]; then
		echo "FAIL: arm64: qemu wrote no core"
		failures=$((failures + 1))
	else
		gdb_arm64=$(command -v gdb-multiarch || true)
		check_core arm64 "$qcore" "$TMP/arm64/states" "$TMP/arm64/out.txt" "$gdb_arm64"
	fi
else
	echo "note: qemu-aarch64 not installed: arm64 not checked"
fi

echo "$checked checks, $failures failures"
[ "$failures" -eq 0 ]
