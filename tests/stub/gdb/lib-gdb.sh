# lib-gdb.sh - what tests/run-gdb-remote.sh and run-gdb-extended.sh share
# (sourced after tests/lib.sh): the programs, the servers, gdb in batch
# mode, the masked comparison. Sets TMP (removed at exit unless KEEP=1).
set -u

here=$top_srcdir/tests/stub/gdb
progs=$top_srcdir/tests/stub/gdbprogs
tool=$here/gdbtool.py
need gdb gdbserver python3 gcc setarch
# The system's python3 when there is one: a pyenv shim costs seconds a call.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
GDBSERVER=$(command -v gdbserver)
GOSTUB=${GOSTUB:-$top_builddir/stub/gostub}
[ -x "$GOSTUB" ] || fail "gostub is not built: no executable $GOSTUB (make stub/gostub, or set GOSTUB)"
# GOSTUB=/path/to/gdbserver compares gdbserver with itself (checks the tests).
gostub_is_gdbserver=0
[ "$(basename "$GOSTUB")" = gdbserver ] && gostub_is_gdbserver=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/goscope-gdb.XXXXXX") || hard_error "mktemp"
reaper=
own_pids=
cleanup() {
	local p
	for p in $own_pids; do kill -KILL "$p" 2>/dev/null; done
	[ -f "$TMP/run/pid" ] && p=$(cat "$TMP/run/pid" 2>/dev/null) && kill -KILL "$p" 2>/dev/null
	[ -n "$reaper" ] && kill "$reaper" 2>/dev/null && wait "$reaper" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

failures=0
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }

build_cprog() {
	gcc -g -O0 -fPIE -pie -pthread -Wall -o "$TMP/cprog" "$progs/cprog.c" || hard_error "gcc cprog.c"
}

# build_go OUT [FLAGS]: Go 1.26+ randomizes the heap base unless told not to.
build_go() {
	local out=$1; shift
	(cd "$progs/goprog" && GOFLAGS="" GOTOOLCHAIN=local GOEXPERIMENT=norandomizedheapbase64 \
		"$go" build -o "$out" "$@" . 2>/dev/null) ||
	(cd "$progs/goprog" && GOFLAGS="" GOTOOLCHAIN=local "$go" build -o "$out" "$@" .) ||
	hard_error "go build $* goprog"
}

# The environment of the servers and so of the programs: small and the same
# for both servers (the stack layout depends on it).
server_env=(env -i PATH=/usr/bin:/bin HOME=/ LANG=C GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1)

# start_server NAME NOASLR ARG...: start gdbserver or gostub (NAME) with
# ARGs, where the word PORT becomes 127.0.0.1:<a free port>, under the
# subreaper (gdbtool.py reap; statuses in $TMP/run/status, stdout in
# $TMP/run/out, stderr in $TMP/run/err), with ASLR off when NOASLR is 1;
# wait for "Listening on port". Sets port and reaper; returns 1 on failure.
start_server() {
	local name=$1 noaslr=$2 srv=("$GDBSERVER") a args=() i
	shift 2
	if [ "$name" = gostub ]; then srv=("$GOSTUB"); fi
	# Both start the program through $SHELL by default; a shell may add
	# to the environment.
	srv+=(--no-startup-with-shell)
	port=$($PY "$tool" port)
	for a in "$@"; do [ "$a" = PORT ] && a=127.0.0.1:$port; args+=("$a"); done
	local pre=("${server_env[@]}")
	[ "$noaslr" = 1 ] && pre+=(setarch -R)
	mkdir -p "$TMP/run"
	"${pre[@]}" $PY "$tool" reap "$TMP/run/status" "${srv[@]}" "${args[@]}" \
		>"$TMP/run/out" 2>"$TMP/run/err" </dev/null &
	reaper=$!
	for i in $(seq 100); do
		grep -q "Listening on port" "$TMP/run/err" 2>/dev/null && return 0
		kill -0 "$reaper" 2>/dev/null || break
		sleep 0.1
	done
	echo "--- $name ${args[*]}: stderr:"; cat "$TMP/run/err"
	return 1
}

# stop_server: wait (5 s at most) for the server to exit, then stop it; its
# exit status in $srv_status (143: it had to be stopped).
stop_server() {
	local i
	for i in $(seq 50); do kill -0 "$reaper" 2>/dev/null || break; sleep 0.1; done
	kill "$reaper" 2>/dev/null
	wait "$reaper"; srv_status=$?
	reaper=
}

# run_gdb TEMPLATE OUT VAR=VALUE...: gdb -batch, one -x per step.
run_gdb() {
	local template=$1 out=$2; shift 2
	$PY "$tool" steps "$template" "$TMP/run/steps" "$@" >"$TMP/run/steps.list" ||
		hard_error "gdbtool.py steps $template"
	local args=() f
	while read -r f; do args+=(-x "$f"); done <"$TMP/run/steps.list"
	# (The braces keep bash quiet when a session ends with gdb killing itself.)
	{ SHELL=/bin/sh timeout 60 gdb -nx -batch "${args[@]}" </dev/null >"$out" 2>&1; } 2>/dev/null
	[ $? = 124 ] && echo "(gdb timed out after 60 s)" >>"$out"
	rm -rf "$TMP/run/steps"
}

# start_prog DIR PROG ARG...: start a program of ours (ASLR off, the
# servers' environment) for gdb to attach to; wait until it is blocked
# where it waits for SIGUSR1 (its output has the work= line and its main
# thread sleeps). Sets prog_pid.
start_prog() {
	local dir=$1 i st; shift
	mkdir -p "$dir"
	"${server_env[@]}" setarch -R "$@" >"$dir/out" 2>&1 </dev/null &
	prog_pid=$!
	own_pids="$own_pids $prog_pid"
	for i in $(seq 100); do
		st=$(sed 's/.*) \(.\).*/\1/' "/proc/$prog_pid/stat" 2>/dev/null)
		grep -q '^work=' "$dir/out" 2>/dev/null && [ "$st" = S ] && return 0
		sleep 0.1
	done
	hard_error "$* did not start"
}

# finish_prog LABEL PID DIR [CHILD]: after a detach: PID must run (not in a
# tracing stop), its text must equal its files, and on SIGUSR1 it must
# write 7 to DIR/exit and go; with CHILD=1 (our child) its exit status must
# be 7. Returns 1 after a failure.
finish_prog() {
	local label=$1 pid=$2 dir=$3 child=${4:-0} st i
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		bad "$label: the program is gone"; return 1
	fi
	st=$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)
	[ "$st" = t ] && sleep 1 && st=$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)
	[ "$st" = t ] && bad "$label: the program is still in a tracing stop"
	if ! $PY "$tool" textcheck "$pid" >"$dir/textcheck" 2>&1; then
		bad "$label: our breakpoints are left in its text:"; cat "$dir/textcheck"
	fi
	kill -USR1 "$pid"
	if [ "$child" = 1 ]; then
		wait "$pid"; st=$?
		[ "$st" = 7 ] || bad "$label: the program exited with $st, not 7"
	else
		for i in $(seq 50); do [ -s "$dir/exit" ] && ! kill -0 "$pid" 2>/dev/null && break; sleep 0.1; done
	fi
	if [ "$(cat "$dir/exit" 2>/dev/null)" != 7 ]; then
		bad "$label: the program did not finish (state $(sed 's/^[^)]*) //' /proc/$pid/stat 2>/dev/null | cut -c1-20))"
		kill -KILL "$pid" 2>/dev/null
		return 1
	fi
}

# expect FILE PATTERN...: the gdbserver transcript has each (else this test
# is broken, not gostub).
expect() {
	local f=$1 p; shift
	for p in "$@"; do
		grep -qE -- "$p" "$f" || hard_error "the gdbserver transcript $f lacks /$p/"
	done
}

# compare WHAT GDBSERVER_FILE GOSTUB_FILE [MASK OPTIONS]: masked diff.
compare() {
	local what=$1 g=$2 s=$3; shift 3
	$PY "$tool" mask "$@" "$g" >"$g.masked"
	$PY "$tool" mask "$@" "$s" >"$s.masked"
	if ! diff -u --label "gdbserver $what" --label "gostub $what" "$g.masked" "$s.masked" >"$s.diff"; then
		bad "$what differs (masked; - gdbserver, + gostub):"
		cat "$s.diff"
	fi
}

# elapsed T0: seconds since $EPOCHREALTIME was T0.
elapsed() { echo "$1 $EPOCHREALTIME" | awk '{printf "%.1f", $2 - $1}'; }
