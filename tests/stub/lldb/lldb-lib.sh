# lldb-lib.sh - lldb N in batch mode against gostub (sourced by
# tests/run-lldb-14.sh and tests/run-lldb-16.sh, after tests/lib.sh).
#
# lldb_main N runs three sessions, each a `gdb-remote PORT` from a fresh lldb:
#   c-launch  gostub PORT target-c: breakpoint by name, by address (-s module
#             -a file address: the C program is PIE), continue, bt, register
#             read (general and vector), memory read, thread list, thread
#             step-inst, watchpoint set variable, process kill
#   c-attach  gostub --attach PORT PID: breakpoint, memory write, continue,
#             detach; the program then exits with its own code 7
#   go-launch the same on a Go program whose goroutines are preempted with
#             SIGURG all the time: no stop may mention SIGURG, and after detach
#             the program finishes and reports how many SIGURGs it received
# and checks the answers lldb prints.  Each check prints "ok - ..." or
# "not ok - ..."; a failed session's transcript and the end of its packet log
# (`log enable gdb-remote packets`) follow.
#
# Environment:
#   GOSTUB=path       the stub under test (default $top_builddir/stub/gostub)
#   LLDB_SERVER=1     run against lldb-server gdbserver of the same lldb instead
#                     (proves the script; lldb-server stops on SIGURG, so that
#                     mode adds `process handle SIGURG -s false`, and it
#                     accepts hardware watchpoints that never fire on this VM)
#   LLDB_SERVER=refuse-z2  the same through refuse-z2.py, which answers Z1-Z4
#                     with the empty reply as gostub does here (proves the
#                     watchpoint-refused branch)
#   LLDB=path         the lldb binary (default: Debian's /usr/lib/llvm-N, then
#                     the copy tests/stub/lldb/get-lldb.sh unpacks into
#                     $GOSCOPE_CACHE/lldb-N)
#   LLDB_KEEP=1       keep the scratch directory (transcripts, packet logs)
#
# Watchpoints on this kind of VM: the hypervisor never delivers debug-register
# traps.  gostub then emulates write watchpoints (single-step and compare) and
# must stop at the write with the new value, as on a machine whose debug
# registers work.  lldb has no software watchpoints of its own, so for the
# references the consistent answers are (a) refused: lldb prints an error,
# `watchpoint list` is empty and the program goes on to the next breakpoint
# (LLDB_SERVER=refuse-z2), or (c) accepted but never firing, what lldb-server
# does here: accepted, with a note, only in LLDB_SERVER mode.  What lldb 14 and
# 16 print for (a), seen here:
#   qWatchpointSupportInfo -> num:0: no Z2 is sent;
#     "error: Watchpoint creation failed (addr=0x..., size=4, variable
#     expression='counter')." + "error: Target supports (0) hardware
#     watchpoint slots."
#   num:4 but Z2 -> empty reply (refuse-z2): the same first line +
#     "error: sending gdb watchpoint packet failed"
# In both cases `watchpoint list` says "No watchpoints currently set.".

LLDB_TIMEOUT=30
nfail=0
failed_sessions=

# lldb_find N: set LLDB_BIN, LLDB_SERVER_BIN and the environment lldb N needs,
# or skip.  Debian's lldb 14 does not find its Python module when python3 on
# PATH is another interpreter (pyenv here): `lldb -P` names a directory that
# does not exist, so PYTHONPATH points at Debian's python3-lldb-N.
lldb_find() {
	local n=$1 root bin='' pydir d
	if [ -n "${LLDB:-}" ]; then
		bin=$(readlink -f "$LLDB")
		root=$(cd "$(dirname "$bin")/../../../.." 2>/dev/null && pwd)
	else
		for root in "" "$GOSCOPE_CACHE/lldb-$n"; do
			if [ -x "$root/usr/lib/llvm-$n/bin/lldb" ]; then
				bin=$root/usr/lib/llvm-$n/bin/lldb
				break
			fi
		done
	fi
	[ -n "$bin" ] || skip "lldb $n is not installed (apt-get install lldb-$n, or tests/stub/lldb/get-lldb.sh $n)"
	if [ -n "$root" ] && [ "$root" != / ] && [ -d "$root/usr/lib/x86_64-linux-gnu" ]; then
		LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
		export LD_LIBRARY_PATH
	fi
	pydir=
	for d in "$root"/usr/lib/llvm-"$n"/lib/python3.[0-9]*/dist-packages; do
		[ -f "$d/lldb/embedded_interpreter.py" ] && pydir=$d
	done
	if [ -n "$pydir" ]; then
		PYTHONPATH=$pydir${PYTHONPATH:+:$PYTHONPATH}
		export PYTHONPATH
	fi
	"$bin" --version 2>/dev/null | grep -q "lldb version $n\." ||
		skip "$bin does not run as lldb $n: $("$bin" --version 2>&1 | head -1)"
	LLDB_BIN=$bin
	LLDB_SERVER_BIN=$(dirname "$bin")/lldb-server
}

# pick_port: a free TCP port on 127.0.0.1.
pick_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' && return
	fi
	echo $((20000 + RANDOM % 40000))
}

# listening PORT: some process listens on 127.0.0.1:PORT (or any address).
listening() {
	local hex
	hex=$(printf '%04X' "$1")
	awk -v p=":$hex" 'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp
}

# server_start NAME launch|attach PORT ARGS...: start the stub (or lldb-server)
# in the background; SERVER_PID; wait until it listens.
server_start() {
	local name=$1 mode=$2 port=$3 lport=$3
	shift 3
	[ "$MODE" = refuse-z2 ] && lport=$(pick_port)
	case $MODE/$mode in
	gostub/launch) "$GOSTUB" "127.0.0.1:$port" "$@" >"$TMP/$name.server" 2>&1 & ;;
	gostub/attach) "$GOSTUB" --attach "127.0.0.1:$port" "$1" >"$TMP/$name.server" 2>&1 & ;;
	*/launch) "$LLDB_SERVER_BIN" gdbserver "127.0.0.1:$lport" -- "$@" >"$TMP/$name.server" 2>&1 & ;;
	*/attach) "$LLDB_SERVER_BIN" gdbserver --attach "$1" "127.0.0.1:$lport" >"$TMP/$name.server" 2>&1 & ;;
	esac
	SERVER_PID=$!
	PIDS="$PIDS $SERVER_PID"
	for _ in $(seq 200); do
		listening "$lport" && break
		kill -0 "$SERVER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	if [ "$MODE" = refuse-z2 ]; then
		python3 "$top_srcdir/tests/stub/lldb/refuse-z2.py" "$port" "$lport" &
		PIDS="$PIDS $!"
	fi
	for _ in $(seq 200); do
		listening "$port" && return 0
		sleep 0.05
	done
	return 1
}

# run_lldb NAME EXE PORT: run lldb on EXE with the commands on stdin after
# `gdb-remote PORT`; an error does not end the session (command source -e
# false: with --batch alone lldb stops at the first error).
run_lldb() {
	local name=$1 exe=$2 port=$3
	{
		echo "gdb-remote 127.0.0.1:$port"
		cat
	} >"$TMP/$name.cmds"
	timeout -k 5 "$LLDB_TIMEOUT" "$LLDB_BIN" --no-lldbinit --batch "$exe" \
		-o "settings set plugin.process.gdb-remote.packet-timeout 10" \
		-o "log enable -f $TMP/$name.packets gdb-remote packets" \
		-o "command source -e false -c true $TMP/$name.cmds" \
		>"$TMP/$name.out" 2>&1 </dev/null
	echo $? >"$TMP/$name.rc"
	split_answers "$name"
}

# split_answers NAME: cut lldb's transcript of session NAME into one file per
# command, indexed in ANSWER["NAME|COMMAND|N"] (the Nth time COMMAND ran).
declare -A ANSWER
split_answers() {
	local dir=$TMP/$1.d k cmd
	declare -A seen=()
	mkdir -p "$dir"
	awk -v dir="$dir" '
		/^\(lldb\) / { k++; f = dir "/" k; print substr($0, 8) > (dir "/index"); printf "" > f; next }
		k { print >> f }' "$TMP/$1.out"
	k=0
	while IFS= read -r cmd; do
		k=$((k + 1))
		seen[$cmd]=$((${seen[$cmd]:-0} + 1))
		ANSWER["$1|$cmd|${seen[$cmd]}"]=$dir/$k
	done <"$dir/index"
}

# answer NAME 'COMMAND' [N]: the file holding what lldb printed for COMMAND.
answer() {
	echo "${ANSWER["$1|$2|${3:-1}"]:-/dev/null}"
}

pass() { echo "ok - $1: $2"; }
failed() {
	echo "not ok - $1: $2"
	nfail=$((nfail + 1))
	case " $failed_sessions " in *" $1 "*) ;; *) failed_sessions="$failed_sessions $1" ;; esac
}

# check NAME 'COMMAND' ERE WHAT [N]: the answer to COMMAND (its Nth time)
# matches ERE.
check() {
	if grep -Eq -- "$3" "$(answer "$1" "$2" "${5:-1}")"; then pass "$1" "$4"; else failed "$1" "$4 ('$2' !~ /$3/)"; fi
}

# check_hex_reg NAME 'COMMAND' REG: "REG = 0x<16 hex digits>" in the answer.
check_hex_reg() {
	check "$1" "$2" "^ *$3 = 0x[0-9a-f]{16}( |\$)" "$3 is a 64-bit hex value"
}

# check_vec_reg NAME 'COMMAND' REG BYTES: "REG = {0xNN ... BYTES times}".
check_vec_reg() {
	local re="^ *$3 = \\{(0x[0-9a-f]{2} ){$(($4 - 1))}0x[0-9a-f]{2}\\}"
	check "$1" "$2" "$re" "$3 has $4 hex bytes"
}

# no_sigurg_stop NAME: neither lldb's output nor any stop reply of the session
# names SIGURG (Linux 23 = 0x17 with native-signals+, GDB's 16 = 0x10).
no_sigurg_stop() {
	local stops
	stops=$(grep -Eo 'read packet: \$[TS](10|17)[^#]{0,40}' "$TMP/$1.packets" 2>/dev/null | head -3)
	if grep -Eq 'stop reason = .*SIGURG' "$TMP/$1.out" || [ -n "$stops" ]; then
		failed "$1" "no stop for SIGURG (got: $(grep -m1 'stop reason = .*SIGURG' "$TMP/$1.out") $stops)"
	else
		pass "$1" "no stop for SIGURG"
	fi
}

# connected NAME PORT: `gdb-remote` left a stopped process; sets pid.  If
# not, everything after it would fail too: say so once and end the session.
connected() {
	pid=$(sed -n 's/^Process \([0-9]*\) stopped.*/\1/p' "$(answer "$1" "gdb-remote 127.0.0.1:$2")" | head -1)
	if [ -n "$pid" ]; then
		pass "$1" "gdb-remote: process $pid stopped"
		return 0
	fi
	failed "$1" "gdb-remote: a stopped process (got: $(head -3 "$(answer "$1" "gdb-remote 127.0.0.1:$2")" | tr '\n' ' ')); rest of the session not checked"
	# lldb reads stop signals with Linux numbers (0x11 = SIGCHLD: resumed at
	# once; 0x05 at its own entry breakpoint: taken for a hit and resumed)
	# shellcheck disable=SC2016
	echo "# $1: first stop reply: $(grep -m1 -o 'read packet: \$[TS][0-9a-f][0-9a-f]' "$TMP/$1.packets" | sed 's/.*\$//'), then: $(grep -m1 -Eo 'send packet: \$(vCont;[^#]*|[cCsS][0-9a-f]*)#' "$TMP/$1.packets" | sed 's/.*\$//; s/#$//')"
	return 1
}

# gone PID: the process has exited (waits up to 3 s).
gone() {
	for _ in $(seq 60); do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.05
	done
	return 1
}

addr_of() { nm "$1" | awk -v s="$2" '$3 == s { print "0x" $1; exit }'; }

# The breakpoint address lldb printed when the breakpoint was set.
bp_addr() {
	sed -n 's/.*address = \(0x[0-9a-f]*\).*/\1/p' "$(answer "$1" "$2")" | head -1
}
rip_of() {
	sed -n 's/^ *rip = \(0x[0-9a-f]*\).*/\1/p' "$(answer "$1" "$2" "${3:-1}")" | head -1
}
same_addr() { [ -n "$1" ] && [ -n "$2" ] && [ $(($1)) -eq $(($2)) ]; }

session_c_launch() {
	local s=c-launch port pid bp1 rip1 rip2 watch
	port=$(pick_port)
	server_start $s launch "$port" "$TMP/target-c" ||
		{ failed $s "server listening on $port ($(tail -3 "$TMP/$s.server"))"; return; }
	run_lldb $s "$TMP/target-c" "$port" <<EOF
breakpoint set -n hit
breakpoint set -s target-c -a $(addr_of "$TMP/target-c" by_address)
continue
bt
register read rip rsp
register read xmm0 ymm0
memory read -c 16 &magic
thread list
thread step-inst
register read rip
watchpoint set variable counter
watchpoint list
continue
register read rip
process kill
EOF
	if [ "$MODE" = gostub ]; then
		if grep -q "^Listening on port $port\$" "$TMP/$s.server"; then pass $s "gostub says: Listening on port $port"
		else failed $s "gostub says: Listening on port $port"; fi
	fi
	connected $s "$port" || return
	check $s "breakpoint set -n hit" '^Breakpoint 1: where = target-c`hit' "breakpoint by name resolved"
	check $s "continue" 'stop reason = breakpoint 1\.1' "continue stops at breakpoint 1.1"
	check $s "continue" 'target-c`hit' "... in hit"
	check $s "bt" 'frame #1: 0x[0-9a-f]+ target-c`main' "bt: hit called from main"
	# libc.so.6 is known to lldb only if it followed the dynamic linker's
	# rendezvous (qXfer:libraries-svr4 after each r_brk hit)
	check $s "bt" 'frame #[0-9]+: 0x[0-9a-f]+ libc\.so\.6`__libc_start' "bt: through libc.so.6 (shared libraries loaded)"
	check $s "bt" 'frame #[0-9]+: 0x[0-9a-f]+ target-c`_start' "bt: down to _start"
	check_hex_reg $s "register read rip rsp" rip
	check_hex_reg $s "register read rip rsp" rsp
	bp1=$(bp_addr $s "breakpoint set -n hit")
	rip1=$(rip_of $s "register read rip rsp")
	if same_addr "$bp1" "$rip1"; then pass $s "rip is the breakpoint address $bp1 (PC rewound)"
	else failed $s "rip $rip1 is the breakpoint address $bp1 (PC rewound)"; fi
	check_vec_reg $s "register read xmm0 ymm0" xmm0 16
	check_vec_reg $s "register read xmm0 ymm0" ymm0 32
	check $s "memory read -c 16 &magic" ': 47 4f 53 43 4f 50 45 21 de ad be ef 01 23 45 67 ' "memory read: the bytes of magic"
	check $s "thread list" "^\\* thread #[0-9]+: tid = [0-9]+, .*stop reason = breakpoint 1\\.1" "thread list: current thread at the breakpoint"
	check $s "thread list" "^  thread #[0-9]+: tid = [0-9]+, .*name = 'worker'" "thread list: the worker thread, by name"
	check $s "thread step-inst" 'stop reason = instruction step into' "thread step-inst: an instruction step"
	rip2=$(rip_of $s "register read rip")
	if [ -n "$rip2" ] && [ $((rip2)) -gt $((rip1)) ] && [ $((rip2 - rip1)) -le 15 ]; then
		pass $s "step-inst moved rip by one instruction ($rip1 -> $rip2)"
	else
		failed $s "step-inst moved rip by one instruction ($rip1 -> $rip2)"
	fi
	watch=$(cat "$(answer $s "watchpoint set variable counter")")
	if echo "$watch" | grep -q '^Watchpoint created'; then
		if grep -q 'stop reason = watchpoint 1' "$(answer $s continue 2)"; then
			check $s "continue" 'new value: 16' "watchpoint: stops at the write with the new value" 2
		elif [ "$MODE" = lldb-server ]; then
			echo "# $s: watchpoint accepted but never fired (lldb-server; this VM does not deliver debug-register traps)"
			check $s "continue" 'stop reason = breakpoint 2\.1' "after the unfired watchpoint: breakpoint 2.1 (by address)" 2
		else
			failed $s "watchpoint accepted, so it must stop at the write (got: $(grep -m1 'stop reason' "$(answer $s continue 2)"))"
		fi
	elif [ "$MODE" = gostub ]; then
		# gostub emulates write watchpoints when debug registers do not trap
		failed $s "watchpoint set: gostub must accept it (got: $(echo "$watch" | head -2))"
	elif echo "$watch" | grep -q '^error:'; then
		pass $s "watchpoint refused with an error: $(echo "$watch" | head -1)"
		check $s "watchpoint list" 'No watchpoints currently set' "refused watchpoint not listed"
		check $s "continue" 'stop reason = breakpoint 2\.1' "continue goes on to breakpoint 2.1 (by address)" 2
		check $s "continue" 'target-c`by_address' "... in by_address" 2
	else
		failed $s "watchpoint set: created or an error (got: $(echo "$watch" | head -2))"
	fi
	check $s "process kill" "^Process $pid exited with status = 9" "process kill"
	if gone "$pid"; then pass $s "target process $pid is gone"; else failed $s "target process $pid is gone"; fi
	if gone "$SERVER_PID"; then pass $s "server exited"; else failed $s "server exited"; fi
}

session_c_attach() {
	local s=c-attach port tpid rc pid
	port=$(pick_port)
	"$TMP/target-c" wait &
	tpid=$!
	PIDS="$PIDS $tpid"
	# Attach only once the program runs (exec'd, worker thread started):
	# attaching to the forked shell before its exec catches the exec instead.
	local i
	for i in $(seq 100); do
		[ "$(cat /proc/$tpid/comm 2>/dev/null)" = target-c ] &&
			[ "$(ls /proc/$tpid/task 2>/dev/null | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	server_start $s attach "$port" "$tpid" ||
		{ failed $s "server listening on $port ($(tail -3 "$TMP/$s.server"))"; return; }
	run_lldb $s "$TMP/target-c" "$port" <<EOF
thread list
breakpoint set -n hit
memory write -s 4 &release_flag 1
memory read -s 4 -f d -c 1 &release_flag
continue
bt
detach
EOF
	connected $s "$port" || return
	[ "$pid" = "$tpid" ] || failed $s "attached to $tpid (lldb says $pid)"
	check $s "thread list" "^  thread #[0-9]+: tid = [0-9]+, .*name = 'worker'" "thread list: the worker thread, by name"
	check $s "memory read -s 4 -f d -c 1 &release_flag" ': 1$' "memory write read back"
	check $s "continue" 'stop reason = breakpoint 1\.1' "continue stops at breakpoint 1.1"
	check $s "bt" 'target-c`main' "bt: main"
	check $s "bt" 'frame #[0-9]+: 0x[0-9a-f]+ libc\.so\.6`__libc_start' "bt: through libc.so.6 (shared libraries loaded)"
	check $s "detach" "^Process $tpid detached" "detach"
	rc=
	if gone "$tpid"; then
		wait "$tpid"
		rc=$?
	fi
	if [ "$rc" = 7 ]; then pass $s "after detach the program ran to its own exit code 7"
	else failed $s "after detach the program ran to its own exit code 7 (got '${rc:-still running}')"; fi
}

# fork, vfork and exec under lldb (tests/stub/gdbprogs/forkprog.c): lldb asks
# for fork events and detaches each child; the children run into work()'s
# breakpoint and must end normally (the program prints how); the exec
# stops (reason exec, as with lldb-server), the new image stops at the
# breakpoint again and exits 3.
session_c_fork() {
	local s=c-fork port
	port=$(pick_port)
	server_start $s launch "$port" "$TMP/forkprog" ||
		{ failed $s "server listening on $port ($(tail -3 "$TMP/$s.server"))"; return; }
	run_lldb $s "$TMP/forkprog" "$port" <<EOF
breakpoint set -n work
continue
frame variable who
continue
continue
frame variable who
continue
EOF
	connected $s "$port" || return
	check $s "continue" 'stop reason = breakpoint 1\.1' "continue stops at work" 1
	check $s "frame variable who" '= 1$' "work(1) in the parent" 1
	check $s "continue" 'stop reason = exec' "after fork and vfork: the exec stops" 2
	check $s "continue" 'stop reason = breakpoint 1\.1' "work again in the new image" 3
	check $s "frame variable who" '= 9$' "work(9) in the exec'd image" 2
	check $s "continue" "^Process $pid exited with status = 3" "the program exits 3" 4
	# the program's output: the stub's (gostub) or forwarded to lldb (lldb-server)
	if cat "$TMP/$s.server" "$TMP/$s.out" | grep -Eq '(^|[^v])fork child: exit 7' &&
		cat "$TMP/$s.server" "$TMP/$s.out" | grep -q 'vfork child: exit 5'; then
		pass $s "fork and vfork children ended normally"
	else
		failed $s "fork and vfork children ended normally (program said: $(cat "$TMP/$s.server" "$TMP/$s.out" |
			grep 'child:' | tr '\n' ' '))"
	fi
	if [ "$MODE" = gostub ]; then
		if grep -q 'read packet: \$T05fork:p' "$TMP/$s.packets"; then pass $s "fork reported (fork-events+)"
		else failed $s "fork reported (fork-events+)"; fi
	fi
	if gone "$SERVER_PID"; then pass $s "server exited"; else failed $s "server exited"; fi
}

session_go_launch() {
	local s=go-launch port res=$TMP/go.result pid bp1 rip1 rip2 urgs handle=
	port=$(pick_port)
	server_start $s launch "$port" "$TMP/target-go" "$res" ||
		{ failed $s "server listening on $port ($(tail -3 "$TMP/$s.server"))"; return; }
	# lldb's own default for SIGURG is stop+notify; lldb-server obeys it.
	# gostub passes SIGURG without a stop (issue 4), so it gets no help.
	[ "$MODE" != gostub ] && handle="process handle -s false -p true -n false SIGURG"
	run_lldb $s "$TMP/target-go" "$port" <<EOF
$handle
breakpoint set -n main.hit
breakpoint set -a $(addr_of "$TMP/target-go" main.byAddress)
continue
bt
register read rip rsp
register read xmm0 ymm0
memory read -c 16 $(addr_of "$TMP/target-go" main.magic)
thread list
thread step-inst
register read rip
continue
bt
detach
EOF
	connected $s "$port" || return
	check $s "breakpoint set -n main.hit" '^Breakpoint 1: where = target-go`main\.hit' "breakpoint by name resolved"
	check $s "breakpoint set -a $(addr_of "$TMP/target-go" main.byAddress)" '^Breakpoint 2: where = target-go`main\.byAddress' "breakpoint by address resolved"
	check $s "continue" 'stop reason = breakpoint 1\.1' "continue stops at breakpoint 1.1"
	check $s "continue" 'target-go`main\.hit' "... in main.hit"
	no_sigurg_stop $s
	check $s "bt" 'frame #1: 0x[0-9a-f]+ target-go`main\.main' "bt: main.hit called from main.main"
	check_hex_reg $s "register read rip rsp" rip
	check_hex_reg $s "register read rip rsp" rsp
	bp1=$(bp_addr $s "breakpoint set -n main.hit")
	rip1=$(rip_of $s "register read rip rsp")
	if same_addr "$bp1" "$rip1"; then pass $s "rip is the breakpoint address $bp1 (PC rewound)"
	else failed $s "rip $rip1 is the breakpoint address $bp1 (PC rewound)"; fi
	check_vec_reg $s "register read xmm0 ymm0" xmm0 16
	check_vec_reg $s "register read xmm0 ymm0" ymm0 32
	check $s "memory read -c 16 $(addr_of "$TMP/target-go" main.magic)" ': 47 4f 53 43 4f 50 45 21 de ad be ef 01 23 45 67 ' "memory read: the bytes of main.magic"
	if [ "$(grep -Ec '^[* ] thread #[0-9]+: tid = [0-9]+, 0x' "$(answer $s "thread list")")" -ge 3 ]; then
		pass $s "thread list: the runtime's threads"
	else
		failed $s "thread list: at least 3 threads"
	fi
	check $s "thread step-inst" 'stop reason = instruction step into' "thread step-inst: an instruction step"
	rip2=$(rip_of $s "register read rip")
	if [ -n "$rip2" ] && [ -n "$rip1" ] && [ $((rip2)) -gt $((rip1)) ] && [ $((rip2 - rip1)) -le 15 ]; then
		pass $s "step-inst moved rip by one instruction ($rip1 -> $rip2)"
	else
		failed $s "step-inst moved rip by one instruction ($rip1 -> $rip2)"
	fi
	check $s "continue" 'stop reason = breakpoint 2\.1' "continue stops at breakpoint 2.1 (by address)" 2
	check $s "bt" 'frame #0: 0x[0-9a-f]+ target-go`main\.byAddress' "bt: in main.byAddress" 2
	check $s "detach" '^Process [0-9]+ detached' "detach"
	for _ in $(seq 100); do
		[ -s "$res" ] && break
		sleep 0.05
	done
	if grep -q 'counter=16$' "$res" 2>/dev/null; then
		pass $s "after detach the program ran to its end"
	else
		failed $s "after detach the program ran to its end (result file: $(cat "$res" 2>/dev/null))"
	fi
	urgs=$(sed -n 's/^urgs=\([0-9]*\) .*/\1/p' "$res" 2>/dev/null)
	if [ "${urgs:-0}" -gt 0 ]; then pass $s "the program received $urgs SIGURGs while lldb continued"
	else failed $s "the program received SIGURGs while lldb continued (result: $(cat "$res" 2>/dev/null))"; fi
	if [ -z "$pid" ] || ! gone "$pid"; then failed $s "target process $pid exited"; fi
}

# Print what failed sessions said, for the test log.
show_failures() {
	local s
	for s in $failed_sessions; do
		echo "=== $s: lldb transcript (exit $(cat "$TMP/$s.rc" 2>/dev/null))"
		cat "$TMP/$s.out" 2>/dev/null
		echo "=== $s: server output"
		cat "$TMP/$s.server" 2>/dev/null
		echo "=== $s: last packets"
		grep -E '(send|read) packet' "$TMP/$s.packets" 2>/dev/null | tail -40 | cut -c1-240
	done
}

cleanup() {
	local p
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	if [ "${LLDB_KEEP:-0}" = 1 ]; then
		echo "# kept $TMP"
	else
		rm -rf "$TMP"
	fi
}

lldb_main() {
	local n=$1 go
	PIDS=
	need gcc nm timeout
	lldb_find "$n"
	go=$(find_go) || skip "no Go toolchain"
	case ${LLDB_SERVER:-0} in
	0) MODE=gostub ;;
	refuse-z2) MODE=refuse-z2 ;;
	*) MODE=lldb-server ;;
	esac
	if [ "$MODE" != gostub ]; then
		[ -x "$LLDB_SERVER_BIN" ] || skip "$LLDB_SERVER_BIN is missing"
		[ "$MODE" = lldb-server ] || need python3
		echo "# lldb $n against lldb-server gdbserver ($LLDB_SERVER_BIN, $MODE)"
	else
		GOSTUB=${GOSTUB:-$top_builddir/stub/gostub}
		[ -x "$GOSTUB" ] || fail "gostub is not built: $GOSTUB (make stub/gostub; or LLDB_SERVER=1 to prove the test against lldb-server)"
		echo "# lldb $n against $GOSTUB"
	fi
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/goscope-lldb$n.XXXXXX") || hard_error "mktemp"
	trap cleanup EXIT
	local src=$top_srcdir/tests/stub/lldb
	gcc -g -O0 -pthread -o "$TMP/target-c" "$src/target.c" || hard_error "gcc target.c"
	gcc -g -O0 -o "$TMP/forkprog" "$top_srcdir/tests/stub/gdbprogs/forkprog.c" || hard_error "gcc forkprog.c"
	cp "$src/target.go" "$TMP/target.go"
	(cd "$TMP" && GO111MODULE=off GOFLAGS='' "$go" build -o target-go target.go) || hard_error "go build target.go"

	local s t
	for s in c_launch c_attach c_fork go_launch; do
		t=$SECONDS
		session_$s
		echo "# ${s/_/-}: $((SECONDS - t)) s"
	done

	show_failures
	if [ "$nfail" -gt 0 ]; then
		echo "FAIL: lldb $n: $nfail check(s) failed"
		return 1
	fi
	echo "PASS: lldb $n"
}
