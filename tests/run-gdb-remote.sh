#!/bin/bash
# run-gdb-remote.sh - gdb against gostub, compared with gdb against gdbserver.
#
# The same gdb batch session (tests/stub/gdb/remote.gdb: target remote,
# break, continue, bt, info registers with fs_base, $xmm0, $ymm0, args,
# locals and globals, x/16xb, set and read back, a watchpoint hit at the
# write, stepi 100, next, finish, info threads, thread N + bt, an interrupt
# of the running target, detach) and a short one ending in `kill`
# (kill.gdb; not for the -N -l build) run against gdbserver and against
# gostub, on tests/stub/gdbprogs/cprog.c (gcc, PIE, threads) and
# tests/stub/gdbprogs/goprog (/usr/local/go, plain and -gcflags='all=-N -l').
# A third session (fork.gdb) runs forkprog.c: catchpoints on fork, vfork
# and exec, a breakpoint the children run into too; each child must end
# normally (the program prints how) and the transcripts must agree. A fourth
# (tls.gdb, tls-dl.gdb) prints thread-local variables of tlsprog.c and of a
# shared object, linked and dlopen'ed, in several threads (qGetTLSAddr).
# The transcripts, masked by tests/stub/gdb/gdbtool.py (ports, pids and
# tids; for Go also thread order, the Go heap and scratch registers), must be
# the same: any difference is printed and fails.
#
# Both servers launch the program the same way: --no-startup-with-shell,
# ASLR off (setarch -R), the same small environment and argv. gdbserver's
# hardware watchpoints never fire on this kind of VM, so its session uses
# `set can-use-hw-watchpoints 0`; gostub's keeps gdb's default (gostub has
# to make Z2 work; if gdb cannot insert it, the session says so and retries
# with a software watchpoint, so that later steps still compare). After
# detach the program must run on, its text (/proc/PID/mem, every executable
# mapping) must equal its files (no 0xcc left), and on SIGUSR1 it must exit
# 7; after `kill` it must be gone and the server must have exited.
#
# GOSTUB (default $top_builddir/stub/gostub) is the stub under test; a
# missing gostub fails. GOSTUB=/usr/bin/gdbserver compares gdbserver with
# itself (to check this test). GOSTUB_SW_WATCH=1 gives gostub's session
# `set can-use-hw-watchpoints 0` too. KEEP=1 keeps the work directory.
# Exit: 0 pass, 1 fail, 77 skip (no gdb or gdbserver), 99 hard error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/stub/gdb/lib-gdb.sh"

build_cprog
gcc -g -O0 -fPIE -pie -Wall -o "$TMP/forkprog" "$progs/forkprog.c" || hard_error "gcc forkprog.c"
gcc -g -O0 -shared -fPIC -Wall -o "$TMP/libtlslib.so" "$progs/tlslib.c" || hard_error "gcc tlslib.c"
gcc -g -O0 -shared -fPIC -Wall -Dlib_tls=dl_tls -Dlib_buf=dl_buf -Dlib_get=dl_get -o "$TMP/libtlsdl.so" \
	"$progs/tlslib.c" || hard_error "gcc tlslib.c (dl)"
gcc -g -O0 -fPIE -pie -pthread -Wall -o "$TMP/tlsprog" "$progs/tlsprog.c" -L"$TMP" -ltlslib \
	-Wl,-rpath,"$TMP" -ldl || hard_error "gcc tlsprog.c"
labels="cprog"
go=/usr/local/go/bin/go
[ -x "$go" ] || go=$(find_go) || go=
if [ -n "$go" ]; then
	build_go "$TMP/goprog"
	build_go "$TMP/goprog-N" -gcflags='all=-N -l'
	labels="$labels goprog goprog-N"
else
	echo "NOTE: Go is not installed: only the C program is tested"
fi

# session LABEL NAME: both gdb sessions of one program against one server.
session() {
	local label=$1 name=$2 prog=$TMP/$1 d=$TMP/$1.$2 vars args pid
	local backstop watchmode=
	mkdir -p "$d"
	case $label in
	cprog)
		backstop=cprog.c:$(grep -n 'g_counter += 1;' "$progs/cprog.c" | cut -d: -f1)
		vars=(FUNC=work COUNTER=g_counter BYTES=g_bytes WATCH=g_watch THREAD=worker-1)
		args=(wait "$TMP/run");;
	*)
		backstop=main.go:$(grep -n 'gCounter++' "$progs/goprog/main.go" | cut -d: -f1)
		vars=(FUNC=main.work COUNTER=main.gCounter BYTES=main.gBytes WATCH=main.gWatch THREAD=goblocker)
		args=("$TMP/run");;
	esac
	if [ "$name" = gdbserver ] || [ $gostub_is_gdbserver = 1 ] || [ "${GOSTUB_SW_WATCH:-0}" = 1 ]; then
		watchmode="set can-use-hw-watchpoints 0"
	fi
	vars+=(PROG="$prog" BACKSTOP="$backstop" WATCHMODE="$watchmode" HERE="$here" RUNDIR="$TMP/run")

	# 1. The main session, then detach.
	rm -rf "$TMP/run"
	if ! start_server "$name" 1 PORT "$prog" "${args[@]}"; then
		bad "$label/$name: the server did not start"; return
	fi
	run_gdb "$here/remote.gdb" "$d/transcript" "${vars[@]}" ADDR="127.0.0.1:$port"
	pid=$(cat "$TMP/run/pid" 2>/dev/null)
	finish_prog "$label/$name: after detach" "$pid" "$TMP/run"
	stop_server
	# gdbserver waits for the program it launched and reaps it itself;
	# when the server does not, the subreaper has its exit status.
	grep -q "^$pid exit 7\$" "$TMP/run/status" || ! grep -q "^$pid " "$TMP/run/status" ||
		bad "$label/$name: the program's exit status: $(grep "^$pid " "$TMP/run/status")"
	grep '^work=' "$TMP/run/out" >"$d/output"
	cp "$TMP/run/err" "$d/server.err"
	cp "$TMP/run/textcheck" "$d/" 2>/dev/null

	# 2. kill (not again for the -N -l build: time).
	[ "$label" = goprog-N ] && return
	rm -rf "$TMP/run"
	if ! start_server "$name" 1 PORT "$prog" "${args[@]}"; then
		bad "$label/$name: the server did not start (kill session)"; return
	fi
	run_gdb "$here/kill.gdb" "$d/transcript-kill" "${vars[@]}" ADDR="127.0.0.1:$port"
	pid=$(cat "$TMP/run/pid" 2>/dev/null)
	stop_server
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		{ bad "$label/$name: the program runs on after kill"; kill -KILL "$pid"; }
	[ "$srv_status" -lt 128 ] || bad "$label/$name: the server did not exit after kill"
}

# one_session NAME SCRIPT OUT ARG...: the server NAME on ARG... (the program first), one gdb
# session SCRIPT with PROG (ARG's program) into OUT; the program's stdout in OUT.output.
one_session() {
	local name=$1 script=$2 out=$3
	shift 3
	mkdir -p "$(dirname "$out")"
	rm -rf "$TMP/run"
	if ! start_server "$name" 1 PORT "$@"; then
		bad "$(basename "$1")/$name: the server did not start ($*)"; return
	fi
	run_gdb "$here/$script" "$out" PROG="$1" ADDR="127.0.0.1:$port"
	stop_server
	cp "$TMP/run/out" "$out.output"
}

# tls_session NAME: tls.gdb and tls-dl.gdb on tlsprog against one server.
tls_session() {
	one_session "$1" tls.gdb "$TMP/tlsprog.$1/transcript" "$TMP/tlsprog"
	one_session "$1" tls-dl.gdb "$TMP/tlsprog.$1/transcript-dl" "$TMP/tlsprog" dl "$TMP/libtlsdl.so"
}

# fork_session NAME: fork.gdb on forkprog against one server.
fork_session() {
	one_session "$1" fork.gdb "$TMP/forkprog.$1/transcript" "$TMP/forkprog"
	cp "$TMP/forkprog.$1/transcript.output" "$TMP/forkprog.$1/output"
}

for name in gdbserver gostub; do
	t0=$EPOCHREALTIME
	fork_session "$name"
	tls_session "$name"
	echo "forkprog, tlsprog/$name: $(elapsed "$t0") s"
done
g=$TMP/tlsprog.gdbserver s=$TMP/tlsprog.gostub
expect "$g/transcript" '^\$1 = 100$' '^\$2 = 200$' '^\$3 = \{0, 0, 300, 0\}$' '^\$6 = 101$' '^\$7 = 201$' \
	'^\$8 = 6$' '^\$9 = 7$'
expect "$g/transcript-dl" '^\$1 = 5$' 'Cannot find thread-local storage' '^\$2 = 77$'
compare "tlsprog: gdb's transcript" "$g/transcript" "$s/transcript"
compare "tlsprog dl: gdb's transcript" "$g/transcript-dl" "$s/transcript-dl"
g=$TMP/forkprog.gdbserver s=$TMP/forkprog.gostub
expect "$g/transcript" '^Catchpoint 1 \(forked process [0-9]+\)' '^\[Detaching after fork from child process' \
	'^Catchpoint 2 \(vforked process [0-9]+\)' "^Catchpoint 3 \\(exec'd " 'work \(who=9\)' \
	'exited with code 03\]'
expect "$g/output" '^fork child: exit 7$' '^vfork child: exit 5$' '^again: hits 9$'
compare "forkprog: gdb's transcript" "$g/transcript" "$s/transcript"
cmp -s "$g/output" "$s/output" ||
	bad "forkprog: program output: gdbserver '$(cat "$g/output")', gostub '$(cat "$s/output")'"

for label in $labels; do
	for name in gdbserver gostub; do
		t0=$EPOCHREALTIME
		session "$label" "$name"
		echo "$label/$name: $(elapsed "$t0") s"
	done
	g=$TMP/$label.gdbserver s=$TMP/$label.gostub
	expect "$g/transcript" 'hit Breakpoint 1, (main\.)?work' '^New value = 43$' 'received signal SIGINT' \
		'^\[Inferior 1 \(process [0-9]+\) detached\]' '^\$1 = 0x' '^\$3 = \{v16_bfloat16'
	maskopt=()
	[ "$label" != cprog ] && maskopt=(--go "$label")
	compare "$label: gdb's transcript" "$g/transcript" "$s/transcript" "${maskopt[@]}"
	if [ "$label" != goprog-N ]; then
		expect "$g/transcript-kill" '^\[Inferior 1 \(process [0-9]+\) killed\]'
		compare "$label: gdb's kill transcript" "$g/transcript-kill" "$s/transcript-kill" "${maskopt[@]}"
	fi
	cmp -s "$g/output" "$s/output" ||
		bad "$label: program output: gdbserver '$(cat "$g/output")', gostub '$(cat "$s/output")'"
done

[ $failures = 0 ] || { echo "$failures failure(s); transcripts in $TMP (KEEP=1 keeps them)"; exit 1; }
echo "PASS: gdb against gostub and gdbserver agree on: $labels"
