#!/bin/sh
# run-ptrace.sh - the ptrace layer of gostub (stub/ptrace_target.c) against
# small C programs and a Go program, through tests/stub/ptrace_check.
# Prints the measured step, breakpoint and memory rates.
. "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

[ "$(uname -s)" = Linux ] || skip "ptrace layer is Linux only"
[ "$(uname -m)" = x86_64 ] || skip "ptrace layer is amd64 only"
need gcc nm objdump
CHECK="$top_builddir/tests/stub/ptrace_check"
[ -x "$CHECK" ] || hard_error "$CHECK is not built"
PROGS="$top_srcdir/tests/stub/progs"
make_tmpdir

gcc -O1 -g -fPIE -pie -o "$TMP/ptrace_loop" "$PROGS/ptrace_loop.c" || hard_error "gcc ptrace_loop"
gcc -O1 -g -fPIE -pie -pthread -o "$TMP/ptrace_threads" "$PROGS/ptrace_threads.c" ||
	hard_error "gcc ptrace_threads"
gcc -O1 -g -no-pie -o "$TMP/ptrace_sleeper" "$PROGS/ptrace_sleeper.c" || hard_error "gcc ptrace_sleeper"
gcc -O1 -g -fPIE -pie -pthread -o "$TMP/ptrace_mainexit" "$PROGS/ptrace_mainexit.c" ||
	hard_error "gcc ptrace_mainexit"
gcc -O1 -g -fPIE -pie -pthread -o "$TMP/ptrace_watch" "$PROGS/ptrace_watch.c" || hard_error "gcc ptrace_watch"
gcc -O1 -g -fPIE -pie -o "$TMP/ptrace_fork" "$PROGS/ptrace_fork.c" || hard_error "gcc ptrace_fork"

# A probe that cannot trace (a container without CAP_SYS_PTRACE, or a tracer above us) is a skip.
"$CHECK" run -- "$TMP/ptrace_loop" 1 >"$TMP/probe.out" 2>&1 ||
	{ grep -q 'Operation not permitted' "$TMP/probe.out" && skip "ptrace is not permitted here"; }

FAILED=0
# sym PROG NAME: link-time address of a symbol; sym_end: its end.
sym() { v=$(nm "$1" | awk -v s="$2" '$3 == s { print $1; exit }'); [ -n "$v" ] || hard_error "no $2 in $1"; printf '0x%s' "$v"; }
sym_end() {
	set -- $(nm -S "$1" | awk -v s="$2" '$4 == s { print $1, $2; exit }')
	printf '0x%x' $((0x$1 + 0x$2))
}

# check NAME EXPECTED-REGEX... -- ptrace_check arguments: runs it, every regex must match a line.
check() {
	name=$1; shift
	pats=
	while [ "$1" != "--" ]; do pats="$pats
$1"; shift; done
	shift
	out="$TMP/$name.out"
	if "$CHECK" "$@" >"$out" 2>&1; then rc=0; else rc=$?; fi
	ok=1
	[ $rc -eq 0 ] || ok=0
	echo "$pats" | while IFS= read -r pat; do
		[ -z "$pat" ] && continue
		grep -Eq -- "$pat" "$out" || { echo "  missing: $pat"; exit 1; }
	done || ok=0
	if [ $ok = 1 ]; then
		echo "PASS $name"
	else
		echo "FAIL $name (exit $rc)"
		sed 's/^/  | /' "$out"
		FAILED=$((FAILED + 1))
	fi
	grep -E 'per_second|MiB/s|probe |watch hits|gowatch ' "$out" | sed "s/^/  $name: /"
}

L="$TMP/ptrace_loop"
T="$TMP/ptrace_threads"
S="$TMP/ptrace_sleeper"

check launch-exit '^initial threads 1 reason signal signo 5$' '^stops 0$' '^exit 42$' -- run -- "$L" 100
check launch-shell '^exe .*/ptrace_loop$' '^exit 42$' -- run shell -- "$L" 100
check launch-noaslr '^exit 42$' -- run noaslr -- "$L" 100
# The first step after the launch executes an instruction (not the exec's syscall-exit trap).
check launch-first-step '^first step step moved 1$' '^exit 42$' -- firststep -- "$L" 5
# gdbserver's --wrapper: the wrapper's exec is skipped, the first stop is the program's.
check launch-wrapper '^exe .*/ptrace_loop$' '^comm ptrace_loop$' '^stops 0$' '^exit 42$' -- \
	wrapper /bin/sh -c 'exec "$@"' wrap -- "$L" 100
check launch-wrapper-shell '^exe .*/ptrace_loop$' '^stops 0$' '^exit 42$' -- wrapper env X=1 shell -- "$L" 100
check exec-event '^stop exec signo 5' '^stops 1$' '^exit 42$' -- run -- /bin/sh -c "exec '$L' 5"
check exec-missing "^error cannot execute $TMP/missing: No such file" '^children none$' -- \
	execfail -- "$TMP/missing"
check exec-not-executable "^error cannot execute $PROGS/ptrace_loop.c: Permission denied" \
	'^children none$' -- execfail -- "$PROGS/ptrace_loop.c"
check exec-missing-shell "^error cannot execute $TMP/missing: exited with status 127" \
	'^children none$' -- execfail shell -- "$TMP/missing"
check breakpoint-1000 '^hits 1000$' '^exit 42$' -- bp "$(sym "$L" hit)" 1000 -- "$L" 1500
check step-over-and-write '^step step pc_moved 1$' '^write_under_bp ok$' '^exit 42$' -- \
	stepover "$(sym "$L" hit)" -- "$L" 5
check single-step-1000 '^steps 1000 moved 1000$' '^exit 42$' -- step "$(sym "$L" main)" 1000 -- "$L" 2000
check range-step '^range stop step outside 1$' '^exit 42$' -- \
	range "$(sym "$L" hit)" "$(sym_end "$L" hit)" -- "$L" 5
check range-long-and-breakpoint '^range bp inside: breakpoint at_bp 1$' '^range_long stop step outside 1 ' \
	'^exit 42$' -- rangelong "$(sym "$L" spin)" "$(sym_end "$L" spin)" -- "$L" 5
check interrupt-threads '^interrupt signal signo 2' '^threads 6$' '^thread worker-4$' '^killed$' -- \
	interrupt 200 5 -- "$T" 5000
check breakpoint-threads '^hits 500 threads_hitting [2-9]' '^exit 7$' -- mtbp "$(sym "$T" work)" 500 -- "$T" 3000
check step-threads-running '^hits 300 steps 299 bad 0$' '^exit 7$' -- mtstep "$(sym "$T" work)" 300 -- "$T" 3000
check attach-detach '^attached reason signal signo 0 was_attached 1$' '^text_matches_file 1$' \
	'^after_detach exit 3$' -- attach "$(sym "$S" tick)" -- "$S" 60
check kill '^killed running$' '^destroyed stopped$' -- kill -- "$T" 5000
M="$TMP/ptrace_mainexit"
# The main thread gone first: out of the list (as gdbserver drops a zombie leader), and detach still clean.
check main-exits-first '^threads 1 leader_listed 0 leader_has_thread 0 reporter_is_leader 0$' \
	'^after_detach leader_untraced 1 worker_untraced 1$' '^after_detach exit 5$' -- mainexit "$(sym "$M" tick)" -- "$M" exit
check main-exits-first-run '^stops 0$' '^exit 5$' -- run -- "$M" exit
check main-exits-last-thread-ends '^stops 0$' '^exit 0$' -- run -- "$M" last
check exec-from-thread '^stop exec signo 5 tid [0-9]+$' '^after exec threads 1 first_is_pid 1 reporter_is_pid 1$' \
	'^stops 1$' '^exit 9$' -- run -- "$M" exec
check exec-after-main-exit '^stop exec signo 5' '^after exec threads 1 first_is_pid 1 reporter_is_pid 1$' \
	'^exit 9$' -- run -- "$M" exitexec
F="$TMP/ptrace_fork"
# fork, vfork and posix_spawn children never run into our int3: each ends normally (exit 0 says so)
check fork-children-let-go '^hits 3 forks 0 vforks 0 vforkdone 0$' '^exit 0$' -- fork "$(sym "$F" work)" -- "$F"
check fork-events '^stop fork signo 5 child [1-9]' '^stop vfork signo 5 child [1-9]' '^stop vforkdone signo 5' \
	'^hits 3 forks 1 vforks 2 vforkdone 2$' '^exit 0$' -- fork "$(sym "$F" work)" report -- "$F"
# A stopped process is resumed by the attach, like gdb's (and the rule "detach leaves it running").
check attach-stopped '^round 0 state_before T$' '^round 0 attached reason signal signo 0$' \
	'^round 0 after_detach_stopped 0$' '^round 0 after_detach exit 3$' '^round 1 hit 1$' \
	'^round 1 after_detach exit 3$' -- attachstopped "$(sym "$S" tick)" -- "$S" 20
mkdir -p "$TMP/cwd dir"
check launch-cwd-stdio "^child_out $TMP/cwd dir\$" '^child_out /dev/null$' '^exit 4$' \
	'^bad_cwd cannot change directory for /bin/sh: No such file' -- \
	launchopts "$TMP/cwd dir" -- /bin/sh -c 'pwd; readlink /proc/self/fd/0; exit 4'
check registers '^regs ok$' '^exit 42$' -- regs -- "$L" 5
check memory-regions-libraries '^read 64MiB .*bad bytes 0$' '^region of ready: mapped 1 perms r?x name ptrace_loop$' \
	'^libraries [0-9]+ libc 1 main_lm 1$' '^exit 42$' -- mem "$(sym "$L" ready)" "$(sym "$L" big)" -- "$L" 5 big
check debug-registers '^ready threads 5 dr7_ok 5$' '^late threads 6 dr7_ok 6$' '^exit 7$' -- \
	dr "$(sym "$T" watched)" "$(sym "$T" ready)" "$(sym "$T" late_ready)" -- "$T" 200
# This VM accepts DR writes and never traps (reference/rsp-gdb-lldb.md §0.8): the probe must say so.
if grep -q '^probe true' "$TMP/debug-registers.out"; then
	echo "NOTE: debug-register traps fire on this machine"
fi
# Emulated write watchpoints (forced on): each store of the writer thread stops after the store with
# the new value, while main sleeps in nanosleep; a breakpoint and an emulated Z1 between; ^C; exit.
W="$TMP/ptrace_watch"
# Scheduler locking: the one resumed thread exits, the rest stay stopped: a ^C must still stop (schedlock.exp).
check lock-resumed-exits '^lockexit quiet 1 threads 1$' '^interrupt signal signo 2 on_main 1$' '^exit 6$' -- \
	lockexit "$(sym "$W" tick)" -- "$W" 100
check watch-emulated '^watch hits 5 good 5 breakpoints 1 hwbreaks 1 ' '^interrupt signal signo 2' '^exit 6$' -- \
	watch "$(sym "$W" ready)" "$(sym "$W" watched)" "$(sym "$W" never)" "$(sym "$W" after_store)" \
	"$(sym "$W" tick)" -- "$W" 300

if GO=$(find_go); then
	if (cd "$PROGS" && "$GO" build -o "$TMP/gospin" gospin.go) >"$TMP/gobuild.out" 2>&1; then
		G="$TMP/gospin"
		check go-runs-through '^stops 0$' '^exit 0$' -- run -- "$G"
		check go-interrupt '^interrupt signal signo 2' '^killed$' -- interrupt 100 3 -- "$G"
		check go-breakpoint '^hits 200 ' '^exit 0$' -- mtbp "$(sym "$G" main.spin)" 200 -- "$G"
		check go-step-threads-running '^hits 200 steps 199 bad 0$' '^exit 0$' -- \
			mtstep "$(sym "$G" main.spin)" 200 -- "$G"
		check go-range-threads-running '^gorange rounds 50 .* bad 0$' '^exit 0$' -- \
			gorange "$(sym "$G" main.spin)" "$(sym_end "$G" main.spin)" 50 -- "$G"
		# Busy goroutines under an emulated watch (never hit), ^C, removed: the program ends normally
		# (no stray trace trap from a PUSHF stepped in asyncPreempt and popped later).
		check go-watch-interrupt '^interrupt signal signo 2' '^stops 0$' '^exit 0$' -- \
			watchint "$(sym "$G" main.spin)" "$(sym "$G" runtime.physPageSize)" 300 -- "$G"
	else
		cat "$TMP/gobuild.out"
		hard_error "go build gospin"
	fi
	if (cd "$PROGS" && "$GO" build -o "$TMP/gowatch" gowatch.go) >"$TMP/gobuild.out" 2>&1; then
		G="$TMP/gowatch"
		# One write of a global, SIGURGs passed on the way (no stop), emulated watchpoint.
		check go-watch-emulated '^gowatch watch addr_ok 1 pc_in_write 1 value 42 ' '^stops 0$' '^exit 0$' -- \
			gowatch "$(sym "$G" main.ready)" "$(sym "$G" main.watched)" "$(sym "$G" main.write)" \
			"$(sym_end "$G" main.write)" -- "$G"
	else
		cat "$TMP/gobuild.out"
		hard_error "go build gowatch"
	fi
	if (cd "$PROGS" && "$GO" build -o "$TMP/goexec" goexec.go) >"$TMP/gobuild.out" 2>&1; then
		G="$TMP/goexec"
		# os/exec's clone(CLONE_VFORK|CLONE_VM) from several threads, a breakpoint just after its
		# SYSCALL: the child returns there too, on the parent's memory, and must not take it.
		aft=$(objdump -d --no-show-raw-insn "$G" | awk '/<syscall.rawVforkSyscall.abi0>:/,/^$/' |
			awk '/\tsyscall/ { f = 1; next } f { sub(":", "", $1); print "0x" $1; exit }')
		[ -n "$aft" ] || hard_error "no SYSCALL in syscall.rawVforkSyscall of $G"
		# Quiet, a parent thread misses the breakpoint while another's vfork child runs.
		check go-exec-let-go '^hits [1-9][0-9]* forks 0 vforks 0 vforkdone 0$' '^exit 0$' -- fork "$aft" -- "$G"
		# Reported, the parent thread stops there after each (the PC at the address is no hit yet).
		check go-exec-events '^hits 1[2-9] forks 0 vforks 1[2-9] vforkdone 1[2-9]$' '^exit 0$' -- \
			fork "$aft" report -- "$G"
	else
		cat "$TMP/gobuild.out"
		hard_error "go build goexec"
	fi
else
	echo "SKIP go parts: no Go toolchain"
	[ $FAILED -eq 0 ] && exit 77
fi

[ $FAILED -eq 0 ] || fail "$FAILED ptrace checks failed"
echo "all ptrace checks passed"
