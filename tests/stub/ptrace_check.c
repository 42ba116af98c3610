/*
 * ptrace_check - drives stub/ptrace_target.c for tests/run-ptrace.sh.
 *
 *   ptrace_check CMD [ARG...] -- PROG [PROGARG...]
 *
 * Addresses are link-time addresses (nm's); the load bias of a PIE is
 * added here (AT_ENTRY - e_entry).  Each command prints what it saw, one
 * "key value" per line, and exits 0 when its checks passed, 1 when not.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>

#include "ptrace_target.h"

static int failures;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
			failures++;                                         \
		}                                                           \
	} while (0)

static void die_err(struct gsc_error *err, const char *what)
{
	if (!err)
		return;
	fprintf(stderr, "ERROR %s: %s\n", what, err->message);
	gsc_error_destroy(err);
	exit(99);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Lets the process run for ms, serving its events as the stub's loop would; false if it reported one. */
static bool run_for(struct stub_proc *p, long ms, struct stub_event *ev)
{
	double end = now() + (double)ms / 1e3;
	for (;;) {
		double left = end - now();
		if (left <= 0)
			return true;
		struct pollfd pfd = { .fd = stub_ptrace_event_fd(), .events = POLLIN };
		(void)poll(&pfd, 1, (int)(left * 1e3) + 1);
		struct gsc_error *err = stub_proc_poll(p, ev);
		if (err) {
			fprintf(stderr, "ERROR poll: %s\n", err->message);
			exit(99);
		}
		if (ev->kind != STUB_EV_NONE)
			return false;
	}
}

static uint64_t parse_addr(const char *s)
{
	return strtoull(s, NULL, 0);
}

static struct stub_proc *launch(char **argv, bool shell, bool noaslr)
{
	struct stub_launch o = { .argv = argv, .with_shell = shell, .disable_aslr = noaslr };
	struct stub_proc *p;
	die_err(stub_proc_launch(&o, &p), "launch");
	stub_proc_target(p);
	return p;
}

/* AT_ENTRY minus the file's e_entry: 0 for a fixed-address program. */
static uint64_t load_bias(struct stub_proc *p)
{
	uint8_t *auxv;
	size_t size;
	uint64_t entry = 0;
	die_err(stub_proc_auxv(p, &auxv, &size), "auxv");
	for (size_t off = 0; off + 16 <= size; off += 16) {
		uint64_t t, v;
		memcpy(&t, auxv + off, 8);
		memcpy(&v, auxv + off + 8, 8);
		if (t == AT_ENTRY)
			entry = v;
	}
	free(auxv);
	struct stub_proc_info info;
	die_err(stub_proc_info(p, &info), "info");
	Elf64_Ehdr eh;
	int fd = open(info.exe, O_RDONLY);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh)) {
		fprintf(stderr, "ERROR cannot read %s\n", info.exe);
		exit(99);
	}
	close(fd);
	return entry - eh.e_entry;
}

/* The file's bytes at link-time address vaddr (through the program headers). */
static int file_bytes(const char *path, uint64_t vaddr, void *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	Elf64_Ehdr eh;
	int ok = -1;
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		goto out;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			goto out;
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr + size <= ph.p_vaddr + ph.p_filesz) {
			if (pread(fd, buf, size, (off_t)(ph.p_offset + vaddr - ph.p_vaddr)) == (ssize_t)size)
				ok = 0;
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

static void resume_all(struct stub_proc *p, enum stub_resume_kind kind, int sig)
{
	struct stub_resume a = { .tid = -1, .kind = kind, .signo = sig };
	die_err(stub_proc_resume(p, &a, 1), "resume");
}

static void resume_one(struct stub_proc *p, pid_t tid, enum stub_resume_kind kind, bool others_run)
{
	struct stub_resume a[2] = {
		{ .tid = tid, .kind = kind },
		{ .tid = -1, .kind = STUB_RESUME_CONT },
	};
	die_err(stub_proc_resume(p, a, others_run ? 2 : 1), "resume");
}

static void wait_ev(struct stub_proc *p, struct stub_event *ev)
{
	die_err(stub_proc_wait(p, ev), "wait");
}

static uint64_t pc_of(struct stub_proc *p, pid_t tid)
{
	const struct stub_regs *r;
	uint64_t pc;
	die_err(stub_proc_get_regs(p, tid, &r), "regs");
	memcpy(&pc, r->gpr + offsetof(struct user_regs_struct, rip), 8);
	return pc;
}

static const char *reason_name(enum stub_stop_reason r)
{
	static const char *const names[] = { "none", "signal", "breakpoint", "step", "watch",
					     "hwbreak", "exec", "fork", "vfork", "vforkdone" };
	return r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* Runs to the end, passing on every signal; *stops_ret counts the stops seen. */
static void run_to_exit(struct stub_proc *p, struct stub_event *ev, int *stops_ret)
{
	int stops = 0, sig = 0;
	for (;;) {
		resume_all(p, STUB_RESUME_CONT, sig);
		wait_ev(p, ev);
		if (ev->kind != STUB_EV_STOP)
			break;
		stops++;
		printf("stop %s signo %d tid %d\n", reason_name(ev->stop.reason), ev->stop.signo,
		       (int)ev->stop.tid);
		sig = ev->stop.reason == STUB_STOP_SIGNAL ? ev->stop.signo : 0;
		if (ev->stop.reason == STUB_STOP_EXEC) {
			size_t n;
			const pid_t *tids = stub_proc_threads(p, &n);
			printf("after exec threads %zu first_is_pid %d reporter_is_pid %d\n", n,
			       n > 0 && tids[0] == stub_proc_pid(p), ev->stop.tid == stub_proc_pid(p));
		}
	}
	if (stops_ret)
		*stops_ret = stops;
}

static void print_exit(const struct stub_event *ev)
{
	if (ev->kind == STUB_EV_EXITED)
		printf("exit %d\n", ev->status);
	else if (ev->kind == STUB_EV_SIGNALED)
		printf("signal %d\n", ev->status);
	else
		printf("event %d\n", ev->kind);
}

static bool no_children(void)
{
	int st;
	return waitpid(-1, &st, WNOHANG | __WALL) < 0 && errno == ECHILD;
}

/* run [shell] [noaslr]: launch and run to the exit. */
static int cmd_run(int argc, char **argv, char **prog)
{
	bool shell = false, noaslr = false;
	for (int i = 0; i < argc; i++) {
		shell |= !strcmp(argv[i], "shell");
		noaslr |= !strcmp(argv[i], "noaslr");
	}
	struct stub_proc *p = launch(prog, shell, noaslr);
	struct stub_thread_stop st;
	die_err(stub_proc_thread_stop(p, stub_proc_pid(p), &st), "thread_stop");
	size_t n;
	stub_proc_threads(p, &n);
	printf("initial threads %zu reason %s signo %d\n", n, reason_name(st.reason), st.signo);
	struct stub_proc_info info;
	die_err(stub_proc_info(p, &info), "info");
	printf("exe %s\n", info.exe);
	struct stub_event ev;
	int stops;
	double t0 = now();
	run_to_exit(p, &ev, &stops);
	printf("stops %d\n", stops);
	print_exit(&ev);
	printf("seconds %.3f\n", now() - t0);
	CHECK(stub_proc_is_dead(p), "not dead");
	stub_proc_destroy(p);
	CHECK(no_children(), "a child is left");
	return failures ? 1 : 0;
}

/* execfail: the launch must fail, name the file, and leave no child. */
static int cmd_execfail(int argc, char **argv, char **prog)
{
	bool shell = argc > 0 && !strcmp(argv[0], "shell");
	struct stub_launch o = { .argv = prog, .with_shell = shell };
	struct stub_proc *p;
	struct gsc_error *err = stub_proc_launch(&o, &p);
	CHECK(err, "launch succeeded");
	if (!err) {
		stub_proc_destroy(p);
		return 1;
	}
	printf("error %s\n", err->message);
	CHECK(strstr(err->message, prog[0]), "message does not name %s", prog[0]);
	gsc_error_destroy(err);
	CHECK(no_children(), "a child is left");
	printf("children none\n");
	return failures ? 1 : 0;
}

/* bp ADDR N: N hits of a breakpoint, PC and memory checked each time. */
static int cmd_bp(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	uint64_t link = parse_addr(argv[0]);
	long want = atol(argv[1]);
	struct stub_proc *p = launch(prog, false, false);
	struct stub_proc_info info;
	die_err(stub_proc_info(p, &info), "info");
	uint64_t addr = link + load_bias(p);
	uint8_t orig;
	CHECK(file_bytes(info.exe, link, &orig, 1) == 0, "file bytes");
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	die_err(stub_proc_insert_breakpoint(p, addr), "insert twice");
	long hits = 0;
	struct stub_event ev;
	double t0 = now();
	for (;;) {
		resume_all(p, STUB_RESUME_CONT, 0);
		wait_ev(p, &ev);
		if (ev.kind != STUB_EV_STOP)
			break;
		if (ev.stop.reason != STUB_STOP_BREAKPOINT) {
			printf("stop %s signo %d\n", reason_name(ev.stop.reason), ev.stop.signo);
			failures++;
			continue;
		}
		hits++;
		uint64_t pc = pc_of(p, ev.stop.tid);
		CHECK(pc == addr && ev.stop.addr == addr, "pc %" PRIx64 " addr %" PRIx64, pc, ev.stop.addr);
		uint8_t b[4];
		size_t done;
		die_err(stub_proc_read_mem(p, addr - 1, b, 4, &done), "read");
		CHECK(done == 4 && b[1] == orig, "read shows 0x%02x, not 0x%02x", b[1], orig);
		if (hits == want)
			die_err(stub_proc_remove_breakpoint(p, addr), "remove");
	}
	double dt = now() - t0;
	printf("hits %ld\n", hits);
	printf("hits_per_second %.0f\n", (double)hits / dt);
	print_exit(&ev);
	CHECK(hits == want, "hits %ld, wanted %ld", hits, want);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* Reads one byte of process pid as the kernel has it (int3 included). */
static uint8_t raw_byte(pid_t pid, uint64_t addr);

/*
 * fork ADDR [report]: a breakpoint at ADDR (work) in a parent that forks,
 * vforks and posix_spawns.  Quiet: the children are let go without our
 * int3 (the program exits 0 only if each ended normally) and only the
 * parent's hits stop.  report: fork and vfork events; the fork child is
 * taken with the int3 still in its memory and our breakpoint listed, the
 * client's part (removing it) done here, as gdb does, then detached; for a
 * vfork the breakpoint leaves the parent until the vfork is done.
 */
static int cmd_fork(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	bool report = argc > 1 && !strcmp(argv[1], "report");
	struct stub_proc *p = launch(prog, false, false);
	uint64_t addr = parse_addr(argv[0]) + load_bias(p);
	struct stub_proc_info info;
	die_err(stub_proc_info(p, &info), "info");
	uint8_t orig;
	CHECK(file_bytes(info.exe, parse_addr(argv[0]), &orig, 1) == 0, "file bytes");
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	stub_proc_set_fork_events(p, report, report);
	int hits = 0, forks = 0, vforks = 0, dones = 0, sig = 0;
	pid_t in_vfork = 0;	/* as gdb: only the vfork parent runs until its vfork is done */
	struct stub_event ev;
	for (;;) {
		if (in_vfork) {
			struct stub_resume a = { .tid = in_vfork, .kind = STUB_RESUME_CONT, .signo = sig };
			die_err(stub_proc_resume(p, &a, 1), "resume");
		} else {
			resume_all(p, STUB_RESUME_CONT, sig);
		}
		wait_ev(p, &ev);
		if (ev.kind != STUB_EV_STOP)
			break;
		printf("stop %s signo %d child %d\n", reason_name(ev.stop.reason), ev.stop.signo, (int)ev.stop.child);
		sig = 0;
		switch (ev.stop.reason) {
		case STUB_STOP_SIGNAL:
			CHECK(ev.stop.signo == SIGCHLD || ev.stop.signo == SIGPIPE, "signal %d", ev.stop.signo);
			sig = ev.stop.signo;
			break;
		case STUB_STOP_BREAKPOINT:
			hits++;
			break;
		case STUB_STOP_FORK: {
			forks++;
			struct stub_proc *c = stub_proc_take_fork(p, ev.stop.child);
			CHECK(c && stub_proc_pid(c) == ev.stop.child, "fork child not held");
			if (!c)
				break;
			CHECK(stub_proc_take_fork(p, ev.stop.child) == NULL, "taken twice");
			CHECK(raw_byte(ev.stop.child, addr) == 0xcc, "no int3 in the fork child");
			uint8_t b;
			size_t done;
			die_err(stub_proc_read_mem(c, addr, &b, 1, &done), "child read");
			CHECK(b == orig, "child read 0x%02x", b);
			die_err(stub_proc_remove_breakpoint(c, addr), "child remove");
			CHECK(raw_byte(ev.stop.child, addr) == orig, "int3 left in the fork child");
			CHECK(raw_byte(stub_proc_pid(p), addr) == 0xcc, "parent lost its int3");
			die_err(stub_proc_detach(c), "child detach");
			stub_proc_destroy(c);
			break;
		}
		case STUB_STOP_VFORK: {
			vforks++;
			struct stub_proc *c = stub_proc_take_fork(p, ev.stop.child);
			CHECK(c != NULL, "vfork child not held");
			die_err(stub_proc_remove_breakpoint(p, addr), "remove for vfork");
			in_vfork = ev.stop.tid;
			if (c) {
				die_err(stub_proc_detach(c), "vfork child detach");
				stub_proc_destroy(c);
			}
			break;
		}
		case STUB_STOP_VFORK_DONE:
			dones++;
			CHECK(ev.stop.tid == in_vfork, "vfork done in %d, not %d", (int)ev.stop.tid, (int)in_vfork);
			in_vfork = 0;
			die_err(stub_proc_insert_breakpoint(p, addr), "insert after vfork");
			break;
		default:
			failures++;
			break;
		}
	}
	print_exit(&ev);
	printf("hits %d forks %d vforks %d vforkdone %d\n", hits, forks, vforks, dones);
	CHECK(ev.kind == STUB_EV_EXITED && ev.status == 0, "a child did not end normally");
	CHECK(vforks == dones, "%d vforks, %d ends", vforks, dones);
	stub_proc_destroy(p);
	CHECK(no_children(), "a child is left");
	return failures ? 1 : 0;
}

/* Reads one byte as the kernel has it (int3 included). */
static uint8_t raw_byte(pid_t pid, uint64_t addr)
{
	char path[64];
	uint8_t b = 0;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, &b, 1, (off_t)addr) != 1)
			b = 0;
		close(fd);
	}
	return b;
}

/* stepover ADDR: stop at a breakpoint, single-step off it, write under it. */
static int cmd_stepover(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	uint64_t addr = parse_addr(argv[0]) + load_bias(p);
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	struct stub_event ev;
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "no breakpoint stop");
	/* A step from the breakpoint executes the original instruction. */
	resume_one(p, pid, STUB_RESUME_STEP, false);
	wait_ev(p, &ev);
	uint64_t pc = pc_of(p, pid);
	printf("step %s pc_moved %d\n", reason_name(ev.stop.reason), pc != addr);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_STEP && pc != addr, "step");
	CHECK(raw_byte(pid, addr) == 0xcc, "breakpoint not back in memory");
	/* Writing under the breakpoint updates the kept byte only. */
	uint8_t orig, b;
	size_t done;
	die_err(stub_proc_read_mem(p, addr, &orig, 1, &done), "read");
	uint8_t nop = 0x90;
	die_err(stub_proc_write_mem(p, addr, &nop, 1), "write");
	die_err(stub_proc_read_mem(p, addr, &b, 1, &done), "read");
	CHECK(b == 0x90 && raw_byte(pid, addr) == 0xcc, "write under bp: read 0x%02x raw 0x%02x", b,
	      raw_byte(pid, addr));
	die_err(stub_proc_write_mem(p, addr, &orig, 1), "write back");
	die_err(stub_proc_remove_breakpoint(p, addr), "remove");
	CHECK(raw_byte(pid, addr) == orig, "original byte not restored");
	die_err(stub_proc_remove_breakpoint(p, addr), "remove twice");
	printf("write_under_bp ok\n");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* step ADDR N: from a breakpoint at ADDR, N single steps; the rate. */
static int cmd_step(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	long n = atol(argv[1]);
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	uint64_t addr = parse_addr(argv[0]) + load_bias(p);
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	struct stub_event ev;
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "no breakpoint stop");
	long steps = 0, moved = 0;
	uint64_t last = addr;
	double t0 = now();
	for (; steps < n; steps++) {
		resume_one(p, pid, STUB_RESUME_STEP, false);
		wait_ev(p, &ev);
		if (ev.kind != STUB_EV_STOP || ev.stop.reason != STUB_STOP_STEP)
			break;
		uint64_t pc = pc_of(p, pid);
		moved += pc != last;
		last = pc;
	}
	double dt = now() - t0;
	printf("steps %ld moved %ld\n", steps, moved);
	printf("steps_per_second %.0f\n", (double)steps / dt);
	CHECK(steps == n, "only %ld steps", steps);
	CHECK(moved > n / 2, "the PC did not move");
	die_err(stub_proc_remove_breakpoint(p, addr), "remove");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* range START END: stop at START, range-step [START, END): one stop, outside the range. */
static int cmd_range(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	uint64_t bias = load_bias(p);
	uint64_t start = parse_addr(argv[0]) + bias, end = parse_addr(argv[1]) + bias;
	die_err(stub_proc_insert_breakpoint(p, start), "insert");
	struct stub_event ev;
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "no breakpoint stop");
	die_err(stub_proc_remove_breakpoint(p, start), "remove");
	long stops = 0;
	for (int k = 0; k < 3; k++) {
		struct stub_resume a = { .tid = pid, .kind = STUB_RESUME_RANGE, .range_start = start,
					 .range_end = end };
		die_err(stub_proc_resume(p, &a, 1), "resume");
		wait_ev(p, &ev);
		stops++;
		uint64_t pc = pc_of(p, pid);
		printf("range stop %s outside %d\n", reason_name(ev.stop.reason), pc < start || pc >= end);
		CHECK(ev.stop.reason == STUB_STOP_STEP && (pc < start || pc >= end), "stopped inside");
		/* Back into the function: continue to it again. */
		die_err(stub_proc_insert_breakpoint(p, start), "insert");
		resume_all(p, STUB_RESUME_CONT, 0);
		wait_ev(p, &ev);
		die_err(stub_proc_remove_breakpoint(p, start), "remove");
	}
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

static void print_threads(struct stub_proc *p)
{
	size_t n;
	const pid_t *tids = stub_proc_threads(p, &n);
	printf("threads %zu\n", n);
	CHECK(n > 0 && tids[0] == stub_proc_pid(p), "main thread not first");
	for (size_t i = 0; i < n; i++) {
		char name[64];
		stub_proc_thread_name(p, tids[i], name, sizeof(name));
		const struct stub_regs *r;
		struct gsc_error *err = stub_proc_get_regs(p, tids[i], &r);
		CHECK(!err, "registers of %d: %s", (int)tids[i], err ? err->message : "");
		gsc_error_destroy(err);
		printf("thread %s\n", name);
	}
}

/* interrupt MS: run a busy multi-threaded program, stop it after MS, look, kill it. */
static int cmd_interrupt(int argc, char **argv, char **prog)
{
	long ms = argc > 0 ? atol(argv[0]) : 200;
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	struct stub_event ev;
	for (int k = 0; k < rounds; k++) {
		resume_all(p, STUB_RESUME_CONT, 0);
		CHECK(run_for(p, ms, &ev), "stopped by itself: %d", ev.kind);
		double t0 = now();
		die_err(stub_proc_interrupt(p), "interrupt");
		wait_ev(p, &ev);
		printf("interrupt %s signo %d in %.1f ms\n", reason_name(ev.stop.reason), ev.stop.signo,
		       (now() - t0) * 1e3);
		CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_SIGNAL &&
		      ev.stop.signo == SIGINT, "not a SIGINT stop");
		if (k == rounds - 1)
			print_threads(p);
	}
	die_err(stub_proc_kill(p), "kill");
	CHECK(stub_proc_is_dead(p), "not dead after kill");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	CHECK(access(path, F_OK) != 0, "process still there");
	CHECK(no_children(), "a child is left");
	printf("killed\n");
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* mtbp ADDR N: a breakpoint every thread hits: N hits, each at ADDR, then run to the end. */
static int cmd_mtbp(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	long want = atol(argv[1]);
	struct stub_proc *p = launch(prog, false, false);
	uint64_t addr = parse_addr(argv[0]) + load_bias(p);
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	struct stub_event ev;
	long hits = 0, other = 0;
	pid_t seen[64];
	size_t nseen = 0;
	double t0 = now();
	while (hits < want) {
		resume_all(p, STUB_RESUME_CONT, 0);
		wait_ev(p, &ev);
		if (ev.kind != STUB_EV_STOP)
			break;
		if (ev.stop.reason != STUB_STOP_BREAKPOINT) {
			other++;
			printf("stop %s signo %d\n", reason_name(ev.stop.reason), ev.stop.signo);
			continue;
		}
		hits++;
		CHECK(pc_of(p, ev.stop.tid) == addr, "pc not at the breakpoint");
		bool known = false;
		for (size_t i = 0; i < nseen; i++)
			known |= seen[i] == ev.stop.tid;
		if (!known && nseen < 64)
			seen[nseen++] = ev.stop.tid;
		/* Every other thread is stopped and no bystander claims a reason. */
		size_t n;
		const pid_t *tids = stub_proc_threads(p, &n);
		for (size_t i = 0; i < n; i++) {
			struct stub_thread_stop st;
			die_err(stub_proc_thread_stop(p, tids[i], &st), "thread_stop");
			CHECK(tids[i] == ev.stop.tid || st.reason == STUB_STOP_NONE, "bystander has a reason");
		}
	}
	printf("hits %ld threads_hitting %zu other_stops %ld in %.2f s\n", hits, nseen, other, now() - t0);
	CHECK(hits == want, "hits %ld", hits);
	CHECK(nseen > 1, "only one thread ever hit");
	die_err(stub_proc_remove_breakpoint(p, addr), "remove");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* mtstep ADDR N: at each hit, step the hitting thread while the others run (vCont;s:T;c). */
static int cmd_mtstep(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	long want = atol(argv[1]);
	struct stub_proc *p = launch(prog, false, false);
	uint64_t addr = parse_addr(argv[0]) + load_bias(p);
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	struct stub_event ev;
	long hits = 0, steps = 0, bad = 0;
	resume_all(p, STUB_RESUME_CONT, 0);
	while (hits < want) {
		wait_ev(p, &ev);
		if (ev.kind != STUB_EV_STOP)
			break;
		if (ev.stop.reason == STUB_STOP_BREAKPOINT) {
			hits++;
			bad += pc_of(p, ev.stop.tid) != addr;
			if (hits == want)
				break;
			resume_one(p, ev.stop.tid, STUB_RESUME_STEP, true);
		} else if (ev.stop.reason == STUB_STOP_STEP) {
			steps++;
			bad += pc_of(p, ev.stop.tid) == addr;
			resume_all(p, STUB_RESUME_CONT, 0);
		} else {
			bad++;
			resume_all(p, STUB_RESUME_CONT, 0);
		}
	}
	printf("hits %ld steps %ld bad %ld\n", hits, steps, bad);
	CHECK(hits == want && bad == 0 && steps > 0, "mtstep");
	if (ev.kind == STUB_EV_STOP) {
		die_err(stub_proc_remove_breakpoint(p, addr), "remove");
		run_to_exit(p, &ev, NULL);
	}
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* attach ADDR: start PROG untraced, attach, hit ADDR 3 times, detach; it must finish normally. */
static int cmd_attach(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	pid_t pid = fork();
	if (pid == 0) {
		execv(prog[0], prog);
		_exit(127);
	}
	sleep_ms(100);
	struct stub_proc *p;
	die_err(stub_proc_attach(pid, &p), "attach");
	stub_proc_target(p);
	struct stub_thread_stop st;
	die_err(stub_proc_thread_stop(p, pid, &st), "thread_stop");
	printf("attached reason %s signo %d was_attached %d\n", reason_name(st.reason), st.signo,
	       stub_proc_was_attached(p));
	struct stub_proc_info info;
	die_err(stub_proc_info(p, &info), "info");
	uint64_t link = parse_addr(argv[0]);
	uint64_t addr = link + load_bias(p);
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	struct stub_event ev;
	for (int k = 0; k < 3; k++) {
		resume_all(p, STUB_RESUME_CONT, 0);
		wait_ev(p, &ev);
		CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "no hit");
	}
	/* Leave it sitting on the breakpoint, with another one planted: detach removes both. */
	die_err(stub_proc_insert_breakpoint(p, addr + 1), "insert");
	die_err(stub_proc_detach(p), "detach");
	CHECK(stub_proc_is_dead(p), "detached process still usable");
	stub_proc_destroy(p);
	uint8_t file[16], mem[16];
	CHECK(file_bytes(info.exe, link, file, sizeof(file)) == 0, "file bytes");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, mem, sizeof(mem), (off_t)addr) == (ssize_t)sizeof(mem),
	      "reading text after detach");
	if (fd >= 0)
		close(fd);
	CHECK(memcmp(file, mem, sizeof(mem)) == 0, "text differs from the file after detach");
	printf("text_matches_file %d\n", memcmp(file, mem, sizeof(mem)) == 0);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	printf("after_detach exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	return failures ? 1 : 0;
}

/* dr VAR READY LATE: watchpoint on VAR programmed in every thread, also one born later. */
static int cmd_dr(int argc, char **argv, char **prog)
{
	if (argc < 3)
		return 99;
	double t0 = now();
	bool probe = stub_ptrace_probe_debug_regs();
	double dt = now() - t0;
	bool probe2 = stub_ptrace_probe_debug_regs();
	printf("probe %s in %.1f ms (cached %s)\n", probe ? "true" : "false", dt * 1e3,
	       probe2 == probe ? "same" : "different");
	struct stub_proc *p = launch(prog, false, false);
	printf("emulated %d\n", stub_proc_watch_emulated(p));
	CHECK(stub_proc_watch_emulated(p) == !probe, "emulation does not follow the probe");
	/* The debug registers themselves, whatever the probe says. */
	die_err(stub_proc_set_watch_emulation(p, false), "emulation off");
	uint64_t bias = load_bias(p);
	uint64_t var = parse_addr(argv[0]) + bias;
	uint64_t rdy = parse_addr(argv[1]) + bias, late = parse_addr(argv[2]) + bias;
	die_err(stub_proc_insert_breakpoint(p, rdy), "insert");
	die_err(stub_proc_insert_breakpoint(p, late), "insert");
	struct stub_event ev;
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT && ev.stop.addr == rdy,
	      "not at ready");
	struct gsc_error *err = stub_proc_insert_hw(p, STUB_HW_READ, var, 8);
	CHECK(err && err->code == GSC_ERR_UNSUPPORTED, "read watchpoint accepted");
	gsc_error_destroy(err);
	err = stub_proc_insert_hw(p, STUB_HW_WRITE, var + 1, 8);
	CHECK(err && err->code == GSC_ERR_UNSUPPORTED, "unaligned watchpoint accepted");
	gsc_error_destroy(err);
	die_err(stub_proc_insert_hw(p, STUB_HW_WRITE, var, 8), "insert_hw");
	die_err(stub_proc_insert_hw(p, STUB_HW_ACCESS, var, 4), "insert_hw");
	const uint64_t want = 0x1 | 0x4 | (uint64_t)(0x1 | 0x2 << 2) << 16 | (uint64_t)(0x3 | 0x3 << 2) << 20;
	for (int round = 0; round < 2; round++) {
		size_t n;
		const pid_t *tids = stub_proc_threads(p, &n);
		int good = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t dr7, dr0, dr1;
			die_err(stub_proc_peek_debugreg(p, tids[i], 7, &dr7), "peek");
			die_err(stub_proc_peek_debugreg(p, tids[i], 0, &dr0), "peek");
			die_err(stub_proc_peek_debugreg(p, tids[i], 1, &dr1), "peek");
			good += (dr7 & 0xffff00ff) == want && dr0 == var && dr1 == var;
			if ((dr7 & 0xffff00ff) != want)
				printf("thread %d dr7 %#" PRIx64 "\n", (int)tids[i], dr7);
		}
		printf("%s threads %zu dr7_ok %d\n", round ? "late" : "ready", n, good);
		CHECK((size_t)good == n, "DR7 not on every thread");
		if (round)
			break;
		resume_all(p, STUB_RESUME_CONT, 0);
		wait_ev(p, &ev);
		/* Without working traps the next stop is late_ready; with them, a write to var may come first. */
		while (ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_WATCH) {
			resume_all(p, STUB_RESUME_CONT, 0);
			wait_ev(p, &ev);
		}
		CHECK(ev.kind == STUB_EV_STOP && ev.stop.addr == late, "not at late_ready");
	}
	die_err(stub_proc_remove_hw(p, STUB_HW_WRITE, var, 8), "remove_hw");
	die_err(stub_proc_remove_hw(p, STUB_HW_ACCESS, var, 4), "remove_hw");
	uint64_t dr7;
	die_err(stub_proc_peek_debugreg(p, stub_proc_pid(p), 7, &dr7), "peek");
	CHECK((dr7 & 0xff) == 0, "DR7 still enabled: %#" PRIx64, dr7);
	die_err(stub_proc_remove_breakpoint(p, rdy), "remove");
	die_err(stub_proc_remove_breakpoint(p, late), "remove");
	int stops;
	run_to_exit(p, &ev, &stops);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* regs: register blocks, a write read back, and the gsc_target view. */
static int cmd_regs(int argc, char **argv, char **prog)
{
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	const struct stub_regs *r;
	die_err(stub_proc_get_regs(p, pid, &r), "regs");
	unsigned a = 0, b = 0, c = 0, d = 0;
	__get_cpuid_count(0xd, 0, &a, &b, &c, &d);
	printf("xsave_len %zu cpuid_xsave_size %u\n", r->xsave_len, b);
	CHECK(r->xsave_len >= 512 && r->xsave_len <= STUB_XSAVE_MAX, "xsave length %zu", r->xsave_len);
	CHECK(b == 0 || r->xsave_len == b || r->xsave_len >= 576, "xsave length %zu vs %u", r->xsave_len, b);
	struct stub_regs *copy = malloc(sizeof(*copy));
	*copy = *r;
	uint64_t rax = 0x1122334455667788, old;
	size_t off = offsetof(struct user_regs_struct, rax);
	memcpy(&old, copy->gpr + off, 8);
	memcpy(copy->gpr + off, &rax, 8);
	copy->xsave[160] ^= 0x5a;	/* xmm0, byte 0 */
	die_err(stub_proc_set_regs(p, pid, copy), "set_regs");
	die_err(stub_proc_get_regs(p, pid, &r), "regs");
	uint64_t got;
	memcpy(&got, r->gpr + off, 8);
	CHECK(got == rax, "rax not written");
	const struct gsc_target *t = stub_proc_target(p);
	struct gsc_regs gr;
	die_err(gsc_target_read_regs(t, pid, &gr), "target regs");
	uint64_t rip = 0;
	CHECK(gsc_regs_get(&gr, GSC_AMD64_RIP, &rip) && rip == pc_of(p, pid), "target rip");
	CHECK(gsc_regs_get(&gr, GSC_AMD64_RAX, &got) && got == rax, "target rax");
	memcpy(copy->gpr + off, &old, 8);
	copy->xsave[160] ^= 0x5a;
	die_err(stub_proc_set_regs(p, pid, copy), "set_regs");
	free(copy);
	int32_t *tids;
	size_t n;
	die_err(gsc_target_threads(t, &tids, &n), "target threads");
	CHECK(n == 1 && tids[0] == pid, "target threads");
	free(tids);
	uint64_t word;
	die_err(gsc_target_read_u64(t, rip, &word), "target read");
	struct gsc_error *err = gsc_target_read_u64(t, 8, &word);
	CHECK(err && err->code == GSC_ERR_FAULT, "read of page 0 worked");
	gsc_error_destroy(err);
	printf("regs ok\n");
	struct stub_event ev;
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* mem READY BIGVAR: at ready(), read the 64 MiB behind BIGVAR: bytes/s, content checked. */
static int cmd_mem(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	uint64_t bias = load_bias(p);
	uint64_t rdy = parse_addr(argv[0]) + bias, bigvar = parse_addr(argv[1]) + bias;
	die_err(stub_proc_insert_breakpoint(p, rdy), "insert");
	struct stub_event ev;
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at ready");
	uint64_t big;
	die_err(gsc_target_read_u64(stub_proc_target(p), bigvar, &big), "read big");
	size_t size = (size_t)64 << 20, done;
	uint8_t *buf = malloc(size);
	/* The first pass touches the target's pages first and is the slow one whatever its size. */
	static const size_t chunks[] = { (size_t)64 << 20, 16384, (size_t)64 << 20 };
	for (int pass = 0; pass < 3; pass++) {
		size_t chunk = chunks[pass];
		memset(buf, 0, size);
		double t0 = now();
		for (size_t off = 0; off < size; off += chunk) {
			die_err(stub_proc_read_mem(p, big + off, buf + off, chunk, &done), "read");
			CHECK(done == chunk, "short read");
		}
		double dt = now() - t0;
		size_t bad = 0;
		for (size_t i = 0; i < size; i++)
			bad += buf[i] != (uint8_t)(i * 7 + (i >> 12));
		printf("read 64MiB in %zu-byte calls%s: %.0f MiB/s, bad bytes %zu\n", chunk,
		       pass ? "" : " (first touch)", 64 / dt, bad);
		CHECK(bad == 0, "content differs");
	}
	free(buf);
	/* A read running into unmapped memory is partial, not an error. */
	struct stub_region reg;
	die_err(stub_proc_region(p, rdy, &reg), "region");
	printf("region of ready: mapped %d perms %s name %s\n", reg.mapped, reg.perms,
	       strrchr(reg.name, '/') ? strrchr(reg.name, '/') + 1 : reg.name);
	CHECK(reg.mapped && strchr(reg.perms, 'x') && rdy >= reg.start && rdy - reg.start < reg.size,
	      "region of ready");
	struct stub_region gap;
	die_err(stub_proc_region(p, 0, &gap), "region");
	CHECK(!gap.mapped && gap.start == 0 && gap.size > 0, "region of 0");
	uint8_t tail[8192];
	uint64_t last = 0, end = 0;
	for (uint64_t a = reg.start + reg.size;; a += 4096) {
		struct stub_region r2;
		die_err(stub_proc_region(p, a, &r2), "region");
		if (!r2.mapped) {
			last = a - 4096;
			end = a;
			break;
		}
	}
	struct gsc_error *err = stub_proc_read_mem(p, last, tail, sizeof(tail), &done);
	CHECK(!err && done == end - last, "partial read: %s done %zu", err ? err->message : "", done);
	gsc_error_destroy(err);
	err = stub_proc_read_mem(p, end, tail, 16, &done);
	CHECK(err && err->code == GSC_ERR_FAULT, "unmapped read");
	gsc_error_destroy(err);
	/* Shared libraries through r_debug. */
	struct stub_library *libs;
	size_t nlibs;
	uint64_t main_lm;
	die_err(stub_proc_libraries(p, &libs, &nlibs, &main_lm), "libraries");
	bool libc = false;
	for (size_t i = 0; i < nlibs; i++)
		libc |= strstr(libs[i].name, "libc.so") != NULL;
	printf("libraries %zu libc %d main_lm %d\n", nlibs, libc, main_lm != 0);
	CHECK(libc && main_lm, "no libc in the link map");
	free(libs);
	die_err(stub_proc_remove_breakpoint(p, rdy), "remove");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* kill: kill a running process. */
static int cmd_kill(int argc, char **argv, char **prog)
{
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	resume_all(p, STUB_RESUME_CONT, 0);
	struct stub_event ev;
	CHECK(run_for(p, 100, &ev), "stopped by itself");
	die_err(stub_proc_kill(p), "kill");
	stub_proc_destroy(p);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	CHECK(access(path, F_OK) != 0, "process still there");
	CHECK(no_children(), "a child is left");
	printf("killed running\n");
	/* And one stopped at its first instruction, through destroy. */
	p = launch(prog, false, false);
	pid = stub_proc_pid(p);
	stub_proc_destroy(p);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	CHECK(access(path, F_OK) != 0 && no_children(), "destroy left the process");
	printf("destroyed stopped\n");
	return failures ? 1 : 0;
}

/* rangelong START END: range steps through spin(): a breakpoint inside the range stops it; without, one stop outside. */
static int cmd_rangelong(int argc, char **argv, char **prog)
{
	if (argc < 2)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	uint64_t bias = load_bias(p);
	uint64_t start = parse_addr(argv[0]) + bias, end = parse_addr(argv[1]) + bias;
	struct stub_event ev;
	die_err(stub_proc_insert_breakpoint(p, start), "insert");
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at spin");
	/* Instruction addresses inside the range, from single steps through the first call. */
	die_err(stub_proc_remove_breakpoint(p, start), "remove");
	uint64_t pcs[8];
	for (int i = 0; i < 8; i++) {
		resume_one(p, pid, STUB_RESUME_STEP, false);
		wait_ev(p, &ev);
		pcs[i] = pc_of(p, pid);
	}
	CHECK(pcs[5] > start && pcs[5] < end, "steps left spin");
	die_err(stub_proc_insert_breakpoint(p, start), "insert");
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at spin again");
	die_err(stub_proc_remove_breakpoint(p, start), "remove");
	die_err(stub_proc_insert_breakpoint(p, pcs[5]), "insert inside");
	struct stub_resume a = { .tid = pid, .kind = STUB_RESUME_RANGE, .range_start = start, .range_end = end };
	die_err(stub_proc_resume(p, &a, 1), "resume");
	wait_ev(p, &ev);
	printf("range bp inside: %s at_bp %d\n", reason_name(ev.stop.reason), pc_of(p, pid) == pcs[5]);
	CHECK(ev.stop.reason == STUB_STOP_BREAKPOINT && pc_of(p, pid) == pcs[5], "no stop at the breakpoint");
	die_err(stub_proc_remove_breakpoint(p, pcs[5]), "remove inside");
	double t0 = now();
	die_err(stub_proc_resume(p, &a, 1), "resume");
	wait_ev(p, &ev);
	uint64_t pc = pc_of(p, pid);
	printf("range_long stop %s outside %d in %.1f ms\n", reason_name(ev.stop.reason), pc < start || pc >= end,
	       (now() - t0) * 1e3);
	CHECK(ev.stop.reason == STUB_STOP_STEP && (pc < start || pc >= end), "stopped inside");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* gorange ADDR END N: at each hit of ADDR range-step the hitter through [ADDR, END) while the others run. */
static int cmd_gorange(int argc, char **argv, char **prog)
{
	if (argc < 3)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	uint64_t bias = load_bias(p);
	uint64_t start = parse_addr(argv[0]) + bias, end = parse_addr(argv[1]) + bias;
	long want = atol(argv[2]), rounds = 0, bps = 0, steps = 0, bad = 0;
	die_err(stub_proc_insert_breakpoint(p, start), "insert");
	struct stub_event ev;
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, &ev);
	while (ev.kind == STUB_EV_STOP && rounds < want) {
		rounds++;
		if (ev.stop.reason == STUB_STOP_BREAKPOINT && ev.stop.addr == start) {
			bps++;
		} else if (ev.stop.reason == STUB_STOP_STEP) {
			uint64_t pc = pc_of(p, ev.stop.tid);
			steps++;
			bad += pc >= start && pc < end;
		} else {
			printf("stop %s signo %d\n", reason_name(ev.stop.reason), ev.stop.signo);
			bad++;
		}
		struct stub_resume a[2] = {
			{ .tid = ev.stop.tid, .kind = STUB_RESUME_RANGE, .range_start = start, .range_end = end },
			{ .tid = -1, .kind = STUB_RESUME_CONT },
		};
		die_err(stub_proc_resume(p, a, 2), "resume");
		wait_ev(p, &ev);
	}
	printf("gorange rounds %ld breakpoints %ld steps %ld bad %ld\n", rounds, bps, steps, bad);
	CHECK(rounds == want && bad == 0, "gorange");
	if (ev.kind == STUB_EV_STOP) {
		die_err(stub_proc_remove_breakpoint(p, start), "remove");
		run_to_exit(p, &ev, NULL);
	}
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

static bool traced_by_nobody(pid_t pid, pid_t tid)
{
	char path[96], line[256];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	FILE *f = fopen(path, "r");
	bool ok = true;	/* gone: nobody traces it */
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "TracerPid:", 10))
			ok = atoi(line + 10) == 0;
	fclose(f);
	return ok;
}

static char task_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : 0;
}

/* mainexit ADDR: the main thread has pthread_exit()ed; hits in the worker, then detach: it must exit 5. */
static int cmd_mainexit(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	uint64_t addr = parse_addr(argv[0]) + load_bias(p);
	die_err(stub_proc_insert_breakpoint(p, addr), "insert");
	struct stub_event ev;
	for (int k = 0; k < 3; k++) {
		resume_all(p, STUB_RESUME_CONT, 0);
		wait_ev(p, &ev);
		CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT, "no hit");
	}
	size_t n;
	const pid_t *tids = stub_proc_threads(p, &n);
	bool leader = false;
	for (size_t i = 0; i < n; i++)
		leader |= tids[i] == pid;
	printf("threads %zu leader_listed %d leader_has_thread %d reporter_is_leader %d\n", n, leader,
	       stub_proc_has_thread(p, pid), ev.stop.tid == pid);
	CHECK(n == 1 && !leader && ev.stop.tid != pid, "thread list");
	struct gsc_error *err = stub_proc_get_regs(p, pid, &(const struct stub_regs *){ NULL });
	CHECK(err, "registers of the exited main thread");
	gsc_error_destroy(err);
	pid_t worker = tids[0];
	die_err(stub_proc_detach(p), "detach");
	stub_proc_destroy(p);
	printf("after_detach leader_untraced %d worker_untraced %d\n", traced_by_nobody(pid, pid),
	       traced_by_nobody(pid, worker));
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	printf("after_detach exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	return failures ? 1 : 0;
}

/* Starts PROG untraced and stops it with SIGSTOP. */
static pid_t start_stopped(char **prog)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(prog[0], prog);
		_exit(127);
	}
	sleep_ms(50);
	kill(pid, SIGSTOP);
	for (int i = 0; i < 200 && task_state(pid) != 'T'; i++)
		sleep_ms(5);
	return pid;
}

/* attachstopped ADDR: attach to a SIGSTOP'd process; detach leaves it running (twice: at once, and after a hit). */
static int cmd_attachstopped(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	for (int round = 0; round < 2; round++) {
		pid_t pid = start_stopped(prog);
		printf("round %d state_before %c\n", round, task_state(pid));
		struct stub_proc *p;
		die_err(stub_proc_attach(pid, &p), "attach");
		struct stub_thread_stop st;
		die_err(stub_proc_thread_stop(p, pid, &st), "thread_stop");
		printf("round %d attached reason %s signo %d\n", round, reason_name(st.reason), st.signo);
		if (round == 1) {
			uint64_t addr = parse_addr(argv[0]) + load_bias(p);
			struct stub_event ev;
			die_err(stub_proc_insert_breakpoint(p, addr), "insert");
			resume_all(p, STUB_RESUME_CONT, 0);
			wait_ev(p, &ev);
			printf("round 1 hit %d\n", ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_BREAKPOINT);
		}
		die_err(stub_proc_detach(p), "detach");
		stub_proc_destroy(p);
		char state = 0;
		for (int i = 0; i < 10; i++) {
			sleep_ms(10);
			state = task_state(pid);
			if (state == 'T' || state == 't')
				break;
		}
		printf("round %d after_detach_stopped %d\n", round, state == 'T' || state == 't');
		int status;
		CHECK(state != 'T' && state != 't' && waitpid(pid, &status, 0) == pid, "left stopped");
		if (state == 'T' || state == 't') {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			continue;
		}
		printf("round %d after_detach exit %d\n", round, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return failures ? 1 : 0;
}

/* launchopts DIR: cwd and stdio_is_protocol: the program's stdout is our stderr, its stdin /dev/null. */
static int cmd_launchopts(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	char tmpl[] = "/tmp/ptrace_check.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0)
		return 99;
	unlink(tmpl);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	struct stub_launch o = { .argv = prog, .cwd = argv[0], .stdio_is_protocol = true };
	struct stub_proc *p;
	struct gsc_error *err = stub_proc_launch(&o, &p);
	struct stub_event ev = { 0 };
	if (!err) {
		run_to_exit(p, &ev, NULL);
		stub_proc_destroy(p);
	}
	dup2(saved, 2);
	close(saved);
	die_err(err, "launch");
	print_exit(&ev);
	char buf[4096];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		printf("child_out %s\n", l);
	/* A missing directory is an error naming the program. */
	o.cwd = "/nonexistent/dir";
	err = stub_proc_launch(&o, &p);
	CHECK(err, "launch in a missing directory worked");
	printf("bad_cwd %s\n", err ? err->message : "launched");
	gsc_error_destroy(err);
	CHECK(no_children(), "a child is left");
	return failures ? 1 : 0;
}

static long read_long(struct stub_proc *p, uint64_t addr)
{
	long v = 0;
	size_t done;
	die_err(stub_proc_read_mem(p, addr, &v, sizeof(v), &done), "read");
	return v;
}

/* Continues until a stop that is not a passed-through signal; false at the exit. */
static bool cont_to_stop(struct stub_proc *p, struct stub_event *ev)
{
	resume_all(p, STUB_RESUME_CONT, 0);
	wait_ev(p, ev);
	return ev->kind == STUB_EV_STOP;
}

/*
 * watch READY WATCHED NEVER AFTER_STORE TICK: emulated write watchpoints.
 * From ready(), a watch on `watched`: each of the writer's stores stops
 * after the store with the new value in memory; a breakpoint and an
 * emulated hardware breakpoint on tick() stop between; a watch on `never`
 * is interrupted; removed, the program runs to its exit.
 */
static int cmd_watch(int argc, char **argv, char **prog)
{
	if (argc < 5)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	die_err(stub_proc_set_watch_emulation(p, true), "emulation on");
	uint64_t bias = load_bias(p);
	uint64_t rdy = parse_addr(argv[0]) + bias, var = parse_addr(argv[1]) + bias;
	uint64_t never = parse_addr(argv[2]) + bias, after = parse_addr(argv[3]) + bias;
	uint64_t tick = parse_addr(argv[4]) + bias;
	struct stub_event ev;
	die_err(stub_proc_insert_breakpoint(p, rdy), "insert");
	CHECK(cont_to_stop(p, &ev) && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at ready");
	die_err(stub_proc_remove_breakpoint(p, rdy), "remove");
	struct gsc_error *err = stub_proc_insert_hw(p, STUB_HW_ACCESS, var, 8);
	CHECK(err && err->code == GSC_ERR_UNSUPPORTED, "access watchpoint accepted");
	gsc_error_destroy(err);
	die_err(stub_proc_insert_hw(p, STUB_HW_WRITE, var, 8), "insert_hw");
	die_err(stub_proc_insert_hw(p, STUB_HW_WRITE, never + 1, 3), "insert_hw unaligned");
	pid_t main_tid = stub_proc_pid(p);
	int hits = 0, good = 0, bps = 0, hwbps = 0;
	double t0 = now();
	for (long want = 1; want <= 5; want++) {
		if (want == 2)
			die_err(stub_proc_insert_breakpoint(p, tick), "insert tick");
		if (want == 3)
			die_err(stub_proc_insert_hw(p, STUB_HW_EXEC, tick, 1), "insert_hw exec");
		if (!cont_to_stop(p, &ev))
			break;
		if (ev.stop.reason == STUB_STOP_BREAKPOINT || ev.stop.reason == STUB_STOP_HW_BREAK) {
			/* tick() after the previous store. */
			bool hw = ev.stop.reason == STUB_STOP_HW_BREAK;
			printf("at tick %s pc_ok %d\n", hw ? "hwbreak" : "breakpoint", pc_of(p, ev.stop.tid) == tick);
			CHECK(pc_of(p, ev.stop.tid) == tick && ev.stop.addr == tick, "tick stop");
			bps += !hw;
			hwbps += hw;
			die_err(hw ? stub_proc_remove_hw(p, STUB_HW_EXEC, tick, 1) :
				stub_proc_remove_breakpoint(p, tick), "remove tick");
			if (!cont_to_stop(p, &ev))
				break;
		}
		uint64_t pc = pc_of(p, ev.stop.tid);
		long v = read_long(p, var);
		printf("stop %s addr_ok %d tid_is_main %d pc_after_store %d value %ld\n",
		       reason_name(ev.stop.reason), ev.stop.addr == var, ev.stop.tid == main_tid, pc == after, v);
		hits += ev.stop.reason == STUB_STOP_WATCH;
		good += ev.stop.reason == STUB_STOP_WATCH && ev.stop.addr == var && ev.stop.hw_kind == STUB_HW_WRITE &&
			ev.stop.tid != main_tid && pc == after && v == want;
	}
	double dt = now() - t0;
	printf("watch hits %d good %d breakpoints %d hwbreaks %d in %.2f s\n", hits, good, bps, hwbps, dt);
	CHECK(hits == 5 && good == 5 && bps == 1 && hwbps == 1, "watch hits");
	/* Nothing writes `never`: the emulation runs until a ^C. */
	die_err(stub_proc_remove_hw(p, STUB_HW_WRITE, var, 8), "remove_hw");
	resume_all(p, STUB_RESUME_CONT, 0);
	CHECK(run_for(p, 100, &ev), "stopped by itself: %d %s", ev.kind, reason_name(ev.stop.reason));
	die_err(stub_proc_interrupt(p), "interrupt");
	t0 = now();
	wait_ev(p, &ev);
	printf("interrupt %s signo %d in %.1f ms\n", reason_name(ev.stop.reason), ev.stop.signo, (now() - t0) * 1e3);
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_SIGNAL && ev.stop.signo == SIGINT,
	      "not a SIGINT stop");
	die_err(stub_proc_remove_hw(p, STUB_HW_WRITE, never + 1, 3), "remove_hw");
	int stops;
	run_to_exit(p, &ev, &stops);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* gowatch READY WATCHED WRITE WRITE_END: one write of main.watched in a Go program sent SIGURGs. */
static int cmd_gowatch(int argc, char **argv, char **prog)
{
	if (argc < 4)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	die_err(stub_proc_set_watch_emulation(p, true), "emulation on");
	uint64_t rdy = parse_addr(argv[0]), var = parse_addr(argv[1]);
	uint64_t wstart = parse_addr(argv[2]), wend = parse_addr(argv[3]);
	struct stub_event ev;
	die_err(stub_proc_insert_breakpoint(p, rdy), "insert");
	CHECK(cont_to_stop(p, &ev) && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at ready");
	die_err(stub_proc_remove_breakpoint(p, rdy), "remove");
	die_err(stub_proc_insert_hw(p, STUB_HW_WRITE, var, 8), "insert_hw");
	double t0 = now();
	CHECK(cont_to_stop(p, &ev), "exited");
	uint64_t pc = ev.kind == STUB_EV_STOP ? pc_of(p, ev.stop.tid) : 0;
	long v = ev.kind == STUB_EV_STOP ? read_long(p, var) : 0;
	printf("gowatch %s addr_ok %d pc_in_write %d value %ld in %.2f s (pc %#" PRIx64 ")\n",
	       reason_name(ev.stop.reason), ev.stop.addr == var, pc > wstart && pc < wend, v, now() - t0, pc);
	CHECK(ev.stop.reason == STUB_STOP_WATCH && ev.stop.addr == var && pc > wstart && pc < wend && v == 42,
	      "gowatch");
	if (ev.kind == STUB_EV_STOP) {
		die_err(stub_proc_remove_hw(p, STUB_HW_WRITE, var, 8), "remove_hw");
		int stops;
		run_to_exit(p, &ev, &stops);
		printf("stops %d\n", stops);
	}
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* watchint BP VAR MS: from BP, an emulated watch on VAR (8 bytes, never written) runs MS, then ^C; removed, to the exit. */
static int cmd_watchint(int argc, char **argv, char **prog)
{
	if (argc < 3)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	die_err(stub_proc_set_watch_emulation(p, true), "emulation on");
	uint64_t bias = load_bias(p);
	uint64_t bp = parse_addr(argv[0]) + bias, var = parse_addr(argv[1]) + bias;
	struct stub_event ev;
	die_err(stub_proc_insert_breakpoint(p, bp), "insert");
	CHECK(cont_to_stop(p, &ev) && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at the breakpoint");
	die_err(stub_proc_remove_breakpoint(p, bp), "remove");
	die_err(stub_proc_insert_hw(p, STUB_HW_WRITE, var, 8), "insert_hw");
	resume_all(p, STUB_RESUME_CONT, 0);
	bool ran = run_for(p, atol(argv[2]), &ev);
	CHECK(ran, "stopped by itself: %d %s signo %d", ev.kind, reason_name(ev.stop.reason), ev.stop.signo);
	if (ran) {
		double t0 = now();
		die_err(stub_proc_interrupt(p), "interrupt");
		wait_ev(p, &ev);
		printf("interrupt %s signo %d in %.1f ms\n", reason_name(ev.stop.reason), ev.stop.signo,
		       (now() - t0) * 1e3);
		CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_SIGNAL && ev.stop.signo == SIGINT,
		      "not a SIGINT stop");
	}
	if (ev.kind == STUB_EV_STOP) {
		die_err(stub_proc_remove_hw(p, STUB_HW_WRITE, var, 8), "remove_hw");
		int stops;
		run_to_exit(p, &ev, &stops);
		printf("stops %d\n", stops);
	}
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* lockexit TICK: only the writer thread resumed (scheduler locking), it exits: a ^C still stops. */
static int cmd_lockexit(int argc, char **argv, char **prog)
{
	if (argc < 1)
		return 99;
	struct stub_proc *p = launch(prog, false, false);
	uint64_t tick = parse_addr(argv[0]) + load_bias(p);
	struct stub_event ev;
	die_err(stub_proc_insert_breakpoint(p, tick), "insert");
	CHECK(cont_to_stop(p, &ev) && ev.stop.reason == STUB_STOP_BREAKPOINT, "not at tick");
	die_err(stub_proc_remove_breakpoint(p, tick), "remove");
	pid_t writer = ev.stop.tid;
	resume_one(p, writer, STUB_RESUME_CONT, false);
	bool quiet = run_for(p, 200, &ev);
	size_t n;
	stub_proc_threads(p, &n);
	printf("lockexit quiet %d threads %zu\n", quiet, n);
	die_err(stub_proc_interrupt(p), "interrupt");
	wait_ev(p, &ev);
	printf("interrupt %s signo %d on_main %d\n", reason_name(ev.stop.reason), ev.stop.signo,
	       ev.stop.tid == stub_proc_pid(p));
	CHECK(ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_SIGNAL && ev.stop.signo == SIGINT,
	      "not a SIGINT stop");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* wrapper: the program run through a wrapper (argv up to "--" of the args); the first stop is the program's. */
static int cmd_wrapper(int argc, char **argv, char **prog)
{
	char *wrap[16];
	int n = 0;
	for (int i = 0; i < argc && n < 15; i++)
		if (strcmp(argv[i], "shell"))
			wrap[n++] = argv[i];
	wrap[n] = NULL;
	bool shell = argc > n;
	struct stub_launch o = { .argv = prog, .wrapper = wrap, .with_shell = shell };
	struct stub_proc *p;
	die_err(stub_proc_launch(&o, &p), "launch");
	struct stub_proc_info info;
	die_err(stub_proc_info(p, &info), "info");
	printf("exe %s\n", info.exe);
	char comm[64];
	stub_proc_thread_name(p, stub_proc_pid(p), comm, sizeof(comm));
	printf("comm %s\n", comm);
	struct stub_event ev;
	int stops;
	run_to_exit(p, &ev, &stops);
	printf("stops %d\n", stops);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

/* firststep: the first step after the launch executes one instruction. */
static int cmd_firststep(int argc, char **argv, char **prog)
{
	(void)argc;
	(void)argv;
	struct stub_proc *p = launch(prog, false, false);
	pid_t pid = stub_proc_pid(p);
	uint64_t pc0 = pc_of(p, pid);
	struct stub_event ev;
	resume_one(p, pid, STUB_RESUME_STEP, false);
	wait_ev(p, &ev);
	printf("first step %s moved %d\n", reason_name(ev.stop.reason), pc_of(p, pid) != pc0);
	CHECK(ev.stop.reason == STUB_STOP_STEP && pc_of(p, pid) != pc0, "first step");
	run_to_exit(p, &ev, NULL);
	print_exit(&ev);
	stub_proc_destroy(p);
	return failures ? 1 : 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, char **prog);
} cmds[] = {
	{ "watch", cmd_watch },	   { "gowatch", cmd_gowatch },	 { "wrapper", cmd_wrapper },
	{ "firststep", cmd_firststep }, { "watchint", cmd_watchint },
	{ "lockexit", cmd_lockexit },
	{ "run", cmd_run },	   { "execfail", cmd_execfail }, { "bp", cmd_bp },
	{ "stepover", cmd_stepover }, { "step", cmd_step },	 { "range", cmd_range },
	{ "interrupt", cmd_interrupt }, { "mtbp", cmd_mtbp },
	{ "mtstep", cmd_mtstep },	 { "attach", cmd_attach },
	{ "dr", cmd_dr },	   { "regs", cmd_regs },	 { "mem", cmd_mem },
	{ "kill", cmd_kill },	   { "rangelong", cmd_rangelong }, { "gorange", cmd_gorange },
	{ "mainexit", cmd_mainexit }, { "attachstopped", cmd_attachstopped },
	{ "launchopts", cmd_launchopts }, { "fork", cmd_fork },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int sep = 0;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			sep = i;
			break;
		}
	if (argc < 2 || !sep || sep + 1 >= argc) {
		fprintf(stderr, "usage: ptrace_check CMD [ARG...] -- PROG [ARG...]\n");
		return 99;
	}
	alarm(120);	/* a hang is a failure, not a stuck test run */
	if (stub_ptrace_event_fd() < 0)
		return 99;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, argv[1]))
			return cmds[i].fn(sep - 2, argv + 2, argv + sep + 1);
	fprintf(stderr, "unknown command %s\n", argv[1]);
	return 99;
}
