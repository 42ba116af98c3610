#!/bin/bash
# run-gdb-extended.sh - gdb's extended-remote and attach against gostub,
# compared with gdbserver.
#
# 1. `SERVER --multi PORT` (no program): tests/stub/gdb/extended.gdb does
#    target extended-remote, set remote exec-file, `run` to the exit (code
#    3), `run` again to a breakpoint and on to the exit (code 4), `run` and
#    `kill`, `attach PID` to a copy of tests/stub/gdbprogs/cprog.c started by
#    this test, bt, info threads, thread + bt, detach, disconnect; then
#    exit.gdb connects again (the server must still be there) and sends
#    `monitor exit` (the server must exit 0). The masked transcripts of
#    gdbserver and gostub must be the same. After the detach the attached
#    program runs on, its text equals its files, and it exits 7 on SIGUSR1.
#    The server does not get ASLR turned off: gdb's `run` asks for it
#    (QDisableRandomization), and the addresses in the transcripts show it.
# 2. `SERVER --once --attach PORT PID`: gdb inserts breakpoints (kept in
#    while stopped) and is killed (disconnect.gdb): the server must exit,
#    the program must run on with none of our int3s in its text, and exit 7
#    on SIGUSR1. gdbserver 13 fails this (it detaches but leaves its 0xcc
#    bytes): checked for gostub only; gdbserver's result is printed.
# 3. `SERVER --multi PORT`: tests/stub/gdb/inferiors.gdb runs two inferiors of
#    tests/stub/gdbprogs/forkprog.c in one session (add-inferior, run in each,
#    switching, thread apply all, fork events in both, an exec) to their exits.
#    The masked transcripts and the programs' output must be the same.
# GOSTUB, KEEP: see run-gdb-remote.sh.
# Exit: 0 pass, 1 fail, 77 skip (no gdb or gdbserver), 99 hard error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/stub/gdb/lib-gdb.sh"

build_cprog
prog=$TMP/cprog
gcc -g -O0 -fPIE -pie -Wall -o "$TMP/forkprog" "$progs/forkprog.c" || hard_error "gcc forkprog.c"

# multi NAME: part 1 against one server.
multi() {
	local name=$1 d=$TMP/multi.$1
	mkdir -p "$d"
	# The same path in both runs: the program's stack layout depends on it.
	rm -rf "$TMP/run" "$TMP/att"
	start_prog "$TMP/att" "$prog" wait "$TMP/att"
	if ! start_server "$name" 0 --multi PORT; then
		bad "$name --multi: the server did not start"; return
	fi
	run_gdb "$here/extended.gdb" "$d/transcript" PROG="$prog" ADDR="127.0.0.1:$port" PID1="$prog_pid"
	finish_prog "$name --multi: after detach" "$prog_pid" "$TMP/att" 1
	kill -0 "$reaper" 2>/dev/null || bad "$name --multi: the server is gone after disconnect"
	run_gdb "$here/exit.gdb" "$d/transcript-exit" ADDR="127.0.0.1:$port"
	stop_server
	[ "$srv_status" = 0 ] || bad "$name --multi: the server's exit status after monitor exit is $srv_status"
	grep '^work=' "$TMP/run/out" >"$d/output"
	cp "$TMP/run/err" "$d/server.err"
}

# disconnect NAME: part 2 against one server.
disconnect() {
	local name=$1 d=$TMP/disconnect.$1 st
	mkdir -p "$d"
	rm -rf "$TMP/run" "$TMP/att"
	start_prog "$TMP/att" "$prog" wait "$TMP/att"
	if ! start_server "$name" 0 --once --attach PORT "$prog_pid"; then
		bad "$name --attach: the server did not start"; return
	fi
	run_gdb "$here/disconnect.gdb" "$d/transcript" ADDR="127.0.0.1:$port"
	grep -q '^Breakpoint 2 at ' "$d/transcript" ||
		hard_error "$name --attach: gdb did not get to set its breakpoints: $(tail -3 "$d/transcript")"
	stop_server
	[ "$srv_status" -lt 128 ] || bad "$name --once --attach: the server did not exit when gdb went away"
	if [ "$name" = gostub ] && [ $gostub_is_gdbserver = 0 ]; then
		finish_prog "$name --attach, gdb killed" "$prog_pid" "$TMP/att" 1
		return
	fi
	# gdbserver: what it leaves behind, for the record.
	$PY "$tool" textcheck "$prog_pid" >"$d/textcheck" 2>&1
	echo "NOTE: $name --once --attach, gdb killed: $(tail -1 "$d/textcheck") (gdbserver 13 leaves them)"
	kill -KILL "$prog_pid" 2>/dev/null
	wait "$prog_pid" 2>/dev/null
}

# inferiors NAME: part 3 against one server.
inferiors() {
	local name=$1 d=$TMP/inferiors.$1
	mkdir -p "$d"
	rm -rf "$TMP/run"
	if ! start_server "$name" 0 --multi PORT; then
		bad "$name --multi (inferiors): the server did not start"; return
	fi
	run_gdb "$here/inferiors.gdb" "$d/transcript" PROG="$TMP/forkprog" ADDR="127.0.0.1:$port"
	stop_server
	cp "$TMP/run/out" "$d/output"
}

for name in gdbserver gostub; do
	t0=$EPOCHREALTIME
	multi "$name"
	disconnect "$name"
	inferiors "$name"
	echo "$name: $(elapsed "$t0") s"
done
g=$TMP/inferiors.gdbserver s=$TMP/inferiors.gostub
expect "$g/transcript" '^\[New inferior 2\]' '^\* 2 +process [0-9]+' 'executing new program' \
	'^\[Inferior 2 \(process [0-9]+\) exited with code 03\]' '^\[Inferior 1 \(process [0-9]+\) exited with code 03\]'
expect "$g/output" '^again: hits 9$'
compare "two inferiors: gdb's transcript" "$g/transcript" "$s/transcript"
cmp -s "$g/output" "$s/output" ||
	bad "two inferiors: programs' output: gdbserver '$(cat "$g/output")', gostub '$(cat "$s/output")'"
g=$TMP/multi.gdbserver s=$TMP/multi.gostub
expect "$g/transcript" 'exited with code 03\]' 'hit Breakpoint 1, work' 'exited with code 04\]' \
	'^\[Inferior 1 \(process [0-9]+\) killed\]' 'in main \(argc=3' 'Switching to thread 3 .*' \
	'^\[Inferior 1 \(process [0-9]+\) detached\]'
compare "extended-remote: gdb's transcript" "$g/transcript" "$s/transcript"
compare "extended-remote: gdb's reconnection and monitor exit" "$g/transcript-exit" "$s/transcript-exit"
cmp -s "$g/output" "$s/output" ||
	bad "programs' output: gdbserver '$(cat "$g/output")', gostub '$(cat "$s/output")'"

[ $failures = 0 ] || { echo "$failures failure(s); transcripts in $TMP (KEEP=1 keeps them)"; exit 1; }
echo "PASS: extended-remote, attach and disconnect"
