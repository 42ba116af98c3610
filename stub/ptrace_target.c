/*
 * ptrace_target.c - one traced Linux/amd64 process: see ptrace_target.h.
 *
 * Facts used (man 2 ptrace unless said otherwise):
 * - A PTRACE_SEIZEd thread reports group-stops, PTRACE_INTERRUPT stops and
 *   the first stop of an auto-attached clone as PTRACE_EVENT_STOP
 *   (status >> 16).  Any ptrace-stop clears a pending PTRACE_INTERRUPT
 *   (kernel/signal.c ptrace_stop(): "any trap clears pending STOP trap"),
 *   but an INTERRUPT sent to a thread that had already stopped stays pending
 *   and shows up as an extra PTRACE_EVENT_STOP after the next resume: those
 *   are resumed silently.
 * - The signal argument of PTRACE_CONT/SINGLESTEP is only delivered from a
 *   signal-delivery-stop; a signal for a thread in any other stop is sent
 *   with tgkill() and passed silently when its delivery-stop comes.
 * - int3 reports SIGTRAP with si_code SI_KERNEL and the PC after the int3
 *   (arch/x86/kernel/traps.c do_int3_user); a single step reports
 *   TRAP_TRACE (or TRAP_BRKPT after a syscall instruction); debug register
 *   hits set B0-B3 in the DR6 that PTRACE_PEEKUSER returns.
 * - A traced thread group's leader is reported dead only after every other
 *   thread was reaped; exec kills the other threads (they report exit 0)
 *   and the execing thread takes the leader's tid.
 * - Debug registers are not inherited by clone() and are cleared by exec
 *   (arch/x86/kernel/process.c flush_thread()).
 * - /proc/PID/mem opened before an exec keeps the old mm: reopen after exec.
 *
 * Waiting is per tid (waitpid(tid, __WALL | WNOHANG)), never waitpid(-1),
 * so other children of the stub are left alone.
 */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "buf.h"
#include "cleanup.h"
#include "ptrace_target.h"

extern char **environ;

enum {
	/*
	 * Forks are traced so that a child never runs into our int3 bytes:
	 * it is cleaned and let go (release_fork).  Not while a launch runs
	 * the shell or a wrapper to the program's exec: their children are
	 * none of ours.
	 */
	LAUNCH_OPTIONS = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
			 PTRACE_O_TRACESYSGOOD,
	TRACE_OPTIONS = LAUNCH_OPTIONS | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
			PTRACE_O_TRACEVFORKDONE,
	INT3 = 0xcc,
	WAIT_SLICE_MS = 1000,
	RANGE_SLICE_MS = 20,	/* range stepping inside stub_proc_poll, at most */
	RANGE_WAIT_MS = 5,	/* for one step of it */
	RECHECK_MS = 50,	/* a full pass over the threads at least this often */
	EMUL_WAIT_MS = 2,	/* one emulated-watch step, before it is left running */
	MAX_LINK_MAPS = 100000,
	MAX_DYN = 4096,
};

enum tstate {
	T_STOPPED,	/* in ptrace-stop, status consumed */
	T_RUNNING,	/* resumed by us */
	T_EXITING,	/* continued from PTRACE_EVENT_EXIT, waiting to be reaped */
	/*
	 * The leader at PTRACE_EVENT_EXIT while other threads live on
	 * (pthread_exit in main).  Held in that stop rather than let go: a
	 * zombie leader can be neither read nor detached (its exit would be
	 * reported to us, not to its parent, after a detach), while one held
	 * here detaches cleanly.  Out of the thread list, as gdbserver drops a
	 * zombie leader (linux-low.cc check_zombie_leaders); let go when it is
	 * the last thread; a SIGKILL (exit_group or exec in another thread)
	 * takes it out of the stop by itself.
	 */
	T_PARKED,
	/*
	 * Resumed (CONT) while write watchpoints are emulated, but in
	 * ptrace-stop after a step, status consumed, waiting for its next
	 * step in emul_slice.  A status can still come (killed: exit_group,
	 * exec elsewhere), so it is waited for as a running thread is.
	 */
	T_QUEUED,
};

struct thread {
	pid_t tid;
	enum tstate state;
	/* The action of the last resume (resume_me: it had one). */
	bool resume_me;
	enum stub_resume_kind rkind;
	int rsig;
	uint64_t range_start, range_end;
	bool emul;		/* CONT stepped one instruction at a time (emulated watchpoints) */

	struct stub_thread_stop stop;	/* why it stopped, as last reported */
	bool has_pending;		/* an event kept for a later report */
	struct stub_thread_stop pending;
	bool pending_int3;		/* pending is one of our int3 hits, PC rewound */

	int sigstop_sig;	/* sitting in a signal-delivery-stop of this signal */
	uint64_t defer_mask;	/* signals (bit s-1) to deliver on the next resume */
	uint64_t expect_mask;	/* re-sent with tgkill: pass silently when they arrive */
	bool cancelled_bp;	/* PC rewound over a superseded hit: take it again */
	bool interrupt_sent;	/* the thread stub_proc_interrupt chose */
	bool in_vfork;		/* its vfork child runs on our memory (stub_proc.vforks) */
	bool stop_pc_valid;
	uint64_t stop_pc;	/* PC when it stopped: step over a breakpoint only there */
	/*
	 * It stopped by hitting the breakpoint at stop_pc (PC rewound), or a
	 * range step ended on one: only then is a resume a step over it.  A
	 * thread that merely stopped at a breakpoint's address (a system call
	 * returning there, an interrupt) executes the int3 when resumed, as
	 * under gdbserver (gdb and lldb step over their breakpoints themselves).
	 */
	bool bp_hit;

	bool gpr_valid, xsave_valid;
	struct stub_regs regs;
	bool has_held;		/* a status reap_exiting took that the running path must see */
	int held_status;
	bool name_valid;	/* comm read since the thread last ran */
	char name[32];
};

struct breakpoint {
	uint64_t addr;
	uint8_t orig;
	bool sw;	/* Z0 */
	bool hw;	/* an emulated Z1: reported as STUB_STOP_HW_BREAK unless sw too */
};

/* An emulated write watchpoint: the bytes as last seen. */
struct soft_watch {
	bool used;
	uint64_t addr;
	size_t len;
	uint8_t snap[STUB_SOFT_WATCH_MAX_LEN];
};

struct hw_point {
	bool used;
	enum stub_hw_kind kind;
	uint64_t addr;
	size_t len;
};

struct stub_proc {
	pid_t pid;
	bool attached;
	bool dead;		/* exit reported or killed */
	bool detached;
	int memfd;
	bool use_vm_readv;	/* until process_vm_readv fails for the whole process */
	bool found_stopped;	/* in a job-control stop when attached: SIGCONT at detach */

	struct thread **threads;
	size_t nthreads, cap;
	pid_t *tids;		/* stub_proc_threads' answer */
	size_t ntids;

	struct breakpoint *bps;
	size_t nbps, bps_cap;
	struct hw_point hw[4];
	/*
	 * A vfork child shares our memory until it execs or exits: the int3
	 * bytes are out of memory meanwhile (the list stays), put back at the
	 * vfork parent's PTRACE_EVENT_VFORK_DONE.
	 */
	bool bps_lifted;
	size_t vforks;		/* threads with a vfork child still on our memory */
	bool report_fork, report_vfork;	/* stub_proc_set_fork_events */
	struct stub_proc **held;	/* children of reported forks not yet taken */
	size_t nheld;
	int emulate;		/* Z1/Z2 emulated: 1, 0, or -1 until first asked */
	size_t nsw;		/* soft watches in use */
	struct soft_watch sw[STUB_SOFT_WATCH_SLOTS];
	uint8_t sw_now[STUB_SOFT_WATCH_SLOTS * STUB_SOFT_WATCH_MAX_LEN];
	pid_t emul_last;	/* the thread emul_slice stepped last (round robin) */
	bool was_stepped;	/* a thread was single-stepped by us (see stray_tf_trap) */
	bool vdso_known;	/* vdso_start/end read for this image */
	uint64_t vdso_start, vdso_end;

	bool pass[65];
	bool running;		/* resumed; stub_proc_poll has not reported yet */
	bool report_ready;	/* a pending event is reported without running */
	bool interrupt_requested;
	bool exited;		/* the leader was reaped: report it */
	int exit_status;	/* raw wait status of the leader */
	pid_t last_tid;
	bool recheck;		/* a SIGCHLD was consumed without a pass over every thread */
	uint64_t last_pass_ms;
	/* The tid -1 action of the last resume, for threads born while running. */
	bool has_default;
	struct stub_resume dflt;

	struct gsc_target target;
};

/* ---- helpers ---------------------------------------------------------- */

static long pt(int req, pid_t tid, uint64_t addr, uint64_t data)
{
	return ptrace((enum __ptrace_request)req, tid, (void *)(uintptr_t)addr, (void *)(uintptr_t)data);
}

static uint64_t sigbit(int s)
{
	return s >= 1 && s <= 64 ? (uint64_t)1 << (s - 1) : 0;
}

static long tgkill_(pid_t pid, pid_t tid, int sig)
{
	return syscall(SYS_tgkill, pid, tid, sig);
}

static const size_t RIP_OFF = offsetof(struct user_regs_struct, rip);

static uint64_t gpr_get(const struct stub_regs *r, size_t off)
{
	uint64_t v;
	memcpy(&v, r->gpr + off, 8);
	return v;
}

static void gpr_put(struct stub_regs *r, size_t off, uint64_t v)
{
	memcpy(r->gpr + off, &v, 8);
}

static size_t dr_off(int n)
{
	return offsetof(struct user, u_debugreg) + (size_t)n * sizeof(((struct user *)0)->u_debugreg[0]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- event fd --------------------------------------------------------- */

static int event_fd = -1;

int stub_ptrace_event_fd(void)
{
	if (event_fd >= 0)
		return event_fd;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	event_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return event_fd;
}

/*
 * Consumes the pending SIGCHLDs; true if there was one.  SIGCHLD is not a
 * real-time signal: at most one is queued, so one read empties the fd.
 */
static bool drain_events(void)
{
	struct signalfd_siginfo si[8];
	bool any = false;
	if (event_fd < 0)
		return true;
	for (;;) {
		ssize_t n = read(event_fd, si, sizeof(si));
		if (n <= 0)
			return any;
		any = true;
		if ((size_t)n < sizeof(si))
			return true;
	}
}

/* Sleep until a SIGCHLD (or a while); callers re-check their waits after. */
static void sleep_for_event(int ms)
{
	struct pollfd pfd = { .fd = stub_ptrace_event_fd(), .events = POLLIN };
	if (pfd.fd < 0) {
		usleep(1000);
		return;
	}
	(void)poll(&pfd, 1, ms);
}

/* ---- threads ---------------------------------------------------------- */

static struct thread *find_thread(const struct stub_proc *p, pid_t tid)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->tid == tid)
			return p->threads[i];
	return NULL;
}

static struct gsc_error *add_thread(struct stub_proc *p, pid_t tid, enum tstate state,
				    struct thread **ret)
{
	if (p->nthreads == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct thread **n = realloc(p->threads, cap * sizeof(*n));
		if (!n)
			return &gsc_enomem;
		p->threads = n;
		p->cap = cap;
	}
	struct thread *t = calloc(1, sizeof(*t));
	if (!t)
		return &gsc_enomem;
	t->tid = tid;
	t->state = state;
	t->rkind = STUB_RESUME_STOP;
	t->stop.tid = tid;
	t->stop.reason = STUB_STOP_NONE;
	p->threads[p->nthreads++] = t;
	if (ret)
		*ret = t;
	return NULL;
}

static void remove_thread(struct stub_proc *p, struct thread *t)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		if (p->threads[i] == t) {
			memmove(&p->threads[i], &p->threads[i + 1],
				(p->nthreads - i - 1) * sizeof(p->threads[0]));
			p->nthreads--;
			break;
		}
	}
	free(t);
}

/* A thread other than t that is neither exiting nor parked. */
static bool others_live(const struct stub_proc *p, const struct thread *t)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct thread *o = p->threads[i];
		if (o != t && o->state != T_EXITING && o->state != T_PARKED)
			return true;
	}
	return false;
}

/* The parked leader goes on exiting once no other thread is left to keep it company. */
static void release_parked(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->state == T_PARKED && !others_live(p, t)) {
			(void)pt(PTRACE_CONT, t->tid, 0, 0);
			t->state = T_EXITING;
		}
	}
}

/* A thread left: the leader's death is the process's. */
static void vfork_done(struct stub_proc *p, struct thread *t);

static void thread_died(struct stub_proc *p, struct thread *t, int status)
{
	vfork_done(p, t);
	if (t->tid == p->pid) {
		p->exited = true;
		p->exit_status = status;
	}
	remove_thread(p, t);
	release_parked(p);
}

static struct gsc_error *fetch_gpr(struct thread *t);

/*
 * Whether t is exiting through its own exit system call (pthread_exit),
 * not killed by exit_group or an exec in another thread: orig_rax of the
 * PTRACE_EVENT_EXIT stop says.  Only such a leader may be parked: a killed
 * one holds up the group exit or the exec (de_thread waits for the leader
 * to die) and its SIGKILL is already spent.
 */
static bool exits_by_itself(struct thread *t)
{
	struct gsc_error *err = fetch_gpr(t);
	if (err) {	/* only a thread already gone fails here */
		gsc_error_destroy(err);
		return false;
	}
	return gpr_get(&t->regs, offsetof(struct user_regs_struct, orig_rax)) == SYS_exit;
}

/* t stopped at PTRACE_EVENT_EXIT: let it go to be reaped, or park the leader (see T_PARKED). */
static void on_exit_stop(struct stub_proc *p, struct thread *t)
{
	t->interrupt_sent = false;
	if (t->tid == p->pid && others_live(p, t) && exits_by_itself(t)) {
		t->state = T_PARKED;
		return;
	}
	(void)pt(PTRACE_CONT, t->tid, 0, 0);
	t->state = T_EXITING;
	release_parked(p);
}

static void invalidate_regs(struct thread *t)
{
	t->gpr_valid = false;
	t->xsave_valid = false;
}

/* ---- registers -------------------------------------------------------- */

static struct gsc_error *fetch_gpr(struct thread *t)
{
	if (t->gpr_valid)
		return NULL;
	struct user_regs_struct u;
	if (pt(PTRACE_GETREGS, t->tid, 0, (uintptr_t)&u) < 0)
		return gsc_error_errno(errno, "PTRACE_GETREGS of thread %d", (int)t->tid);
	_Static_assert(sizeof(u) == STUB_GPR_SIZE, "user_regs_struct is 27 words");
	memcpy(t->regs.gpr, &u, sizeof(u));
	t->gpr_valid = true;
	if (!t->stop_pc_valid) {
		t->stop_pc = u.rip;
		t->stop_pc_valid = true;
	}
	return NULL;
}

static struct gsc_error *fetch_xsave(struct thread *t)
{
	if (t->xsave_valid)
		return NULL;
	struct iovec iov = { .iov_base = t->regs.xsave, .iov_len = sizeof(t->regs.xsave) };
	if (pt(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, (uintptr_t)&iov) < 0) {
		if (errno != EINVAL && errno != ENODEV)
			return gsc_error_errno(errno, "PTRACE_GETREGSET NT_X86_XSTATE of thread %d",
					       (int)t->tid);
		iov.iov_len = sizeof(t->regs.xsave);
		if (pt(PTRACE_GETREGSET, t->tid, NT_PRFPREG, (uintptr_t)&iov) < 0)
			return gsc_error_errno(errno, "PTRACE_GETREGSET NT_PRFPREG of thread %d",
					       (int)t->tid);
	}
	t->regs.xsave_len = iov.iov_len;
	t->xsave_valid = true;
	return NULL;
}

static struct gsc_error *thread_pc(struct thread *t, uint64_t *ret)
{
	struct gsc_error *err = fetch_gpr(t);
	if (err)
		return err;
	*ret = gpr_get(&t->regs, RIP_OFF);
	return NULL;
}

static struct gsc_error *set_pc(struct thread *t, uint64_t pc)
{
	if (pt(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.rip), pc) < 0)
		return gsc_error_errno(errno, "setting the PC of thread %d", (int)t->tid);
	if (t->gpr_valid)
		gpr_put(&t->regs, RIP_OFF, pc);
	return NULL;
}

/* ---- breakpoints ------------------------------------------------------ */

static struct breakpoint *find_bp(const struct stub_proc *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nbps; i++)
		if (p->bps[i].addr == addr)
			return &p->bps[i];
	return NULL;
}

static struct gsc_error *raw_write(struct stub_proc *p, uint64_t addr, const void *buf, size_t size)
{
	if (addr > (uint64_t)INT64_MAX)
		return gsc_error_fault(addr, size);
	ssize_t n = pwrite(p->memfd, buf, size, (off_t)addr);
	if (n < 0)
		return errno == EIO || errno == EFAULT ? gsc_error_fault(addr, size) :
			gsc_error_errno(errno, "writing memory of process %d", (int)p->pid);
	if ((size_t)n < size)
		return gsc_error_fault(addr + (uint64_t)n, size - (size_t)n);
	return NULL;
}

/*
 * process_vm_readv first: it copies straight from the target's pages, 1.3
 * to 2 times the rate of /proc/PID/mem (which bounces every page through a
 * kernel buffer) at every size here.  It honours the mapping's protection,
 * so what it cannot read (PROT_NONE, the vsyscall page) is read from
 * /proc/PID/mem, which reads with FOLL_FORCE as ptrace's PEEKDATA does.
 */
static ssize_t raw_read(struct stub_proc *p, uint64_t addr, void *buf, size_t size)
{
	if (addr > (uint64_t)INT64_MAX)
		return -1;
	if (size > (uint64_t)INT64_MAX - addr)
		size = (size_t)((uint64_t)INT64_MAX - addr);
	size_t done = 0;
	if (p->use_vm_readv) {
		struct iovec local = { .iov_base = buf, .iov_len = size };
		struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = size };
		ssize_t n = process_vm_readv(p->pid, &local, 1, &remote, 1, 0);
		if (n == (ssize_t)size)
			return n;
		if (n < 0 && (errno == ENOSYS || errno == EPERM || errno == ESRCH))
			p->use_vm_readv = false;
		done = n > 0 ? (size_t)n : 0;
	}
	ssize_t n = pread(p->memfd, (uint8_t *)buf + done, size - done, (off_t)(addr + done));
	if (n < 0)
		return done ? (ssize_t)done : n;
	return (ssize_t)(done + (size_t)n);
}

/* ---- debug registers -------------------------------------------------- */

static uint64_t dr7_value(const struct stub_proc *p)
{
	uint64_t dr7 = 0;
	for (int i = 0; i < 4; i++) {
		const struct hw_point *h = &p->hw[i];
		if (!h->used)
			continue;
		uint64_t rw = h->kind == STUB_HW_EXEC ? 0 : h->kind == STUB_HW_WRITE ? 1 : 3;
		uint64_t len = h->kind == STUB_HW_EXEC ? 0 :
			h->len == 1 ? 0 : h->len == 2 ? 1 : h->len == 8 ? 2 : 3;
		dr7 |= (uint64_t)1 << (2 * i);		/* L0..L3 */
		dr7 |= (rw | len << 2) << (16 + 4 * i);
	}
	return dr7;
}

/* Programs DR0-DR3 and DR7 of one thread from p->hw. */
static struct gsc_error *apply_debugregs(struct stub_proc *p, pid_t tid)
{
	uint64_t dr7 = dr7_value(p);
	/* Disable first so the kernel never validates a half-updated set. */
	if (pt(PTRACE_POKEUSER, tid, dr_off(7), 0) < 0)
		return gsc_error_errno(errno, "clearing DR7 of thread %d", (int)tid);
	for (int i = 0; i < 4; i++) {
		if (!p->hw[i].used)
			continue;
		if (pt(PTRACE_POKEUSER, tid, dr_off(i), p->hw[i].addr) < 0)
			return gsc_error_errno(errno, "setting DR%d of thread %d", i, (int)tid);
	}
	if (dr7 && pt(PTRACE_POKEUSER, tid, dr_off(7), dr7) < 0)
		return gsc_error_errno(errno, "setting DR7 of thread %d", (int)tid);
	return NULL;
}

static bool any_hw(const struct stub_proc *p)
{
	for (int i = 0; i < 4; i++)
		if (p->hw[i].used)
			return true;
	return false;
}

/* ---- classifying a wait status ---------------------------------------- */

enum wkind {
	W_GONE,		/* exited or killed: status */
	W_EXITING,	/* PTRACE_EVENT_EXIT */
	W_CLONE,	/* PTRACE_EVENT_CLONE: child */
	W_EXEC,		/* PTRACE_EVENT_EXEC */
	W_FORK,		/* PTRACE_EVENT_FORK or _VFORK (vfork): child */
	W_VFORK_DONE,	/* PTRACE_EVENT_VFORK_DONE */
	W_EVSTOP,	/* PTRACE_EVENT_STOP: interrupt, group-stop */
	W_BREAK,	/* our int3: addr, PC already rewound */
	W_STEP,		/* SIGTRAP of a single step */
	W_HW,		/* debug register: addr, hw */
	W_SIGNAL,	/* signal-delivery-stop of sig */
	W_IGNORE,	/* syscall-stop and the like: resume */
};

struct wev {
	enum wkind kind;
	int sig;
	int status;
	uint64_t addr;
	enum stub_hw_kind hw;
	pid_t child;
	bool vfork;
	bool hwbreak;	/* W_BREAK of an emulated Z1 alone */
};

static bool stepping(const struct thread *t)
{
	return t->rkind == STUB_RESUME_STEP || t->rkind == STUB_RESUME_RANGE || t->emul;
}

/* DR6 says a debug register fired: which one.  Clears DR6. */
static bool check_dr6(struct stub_proc *p, struct thread *t, struct wev *w)
{
	errno = 0;
	long dr6 = pt(PTRACE_PEEKUSER, t->tid, dr_off(6), 0);
	if (errno)
		return false;
	for (int i = 0; i < 4; i++) {
		if (!(dr6 & (1L << i)) || !p->hw[i].used)
			continue;
		(void)pt(PTRACE_POKEUSER, t->tid, dr_off(6), 0);
		w->kind = W_HW;
		w->addr = p->hw[i].addr;
		w->hw = p->hw[i].kind;
		return true;
	}
	return false;
}

/*
 * A trace trap of a thread we are not stepping, after we stepped some
 * thread: a PUSHF executed under our single step saved TF=1 and a later
 * POPF put it back, so the thread traps after every instruction.  Go's
 * asyncPreempt does both around a preemption (a SIGURG during an emulated
 * watch or a range step), and the goroutine may pop the flags on another
 * thread, hence the per-process flag.  TF is cleared and the trap
 * swallowed.  A program that sets TF itself still gets its SIGTRAP until
 * we single-step anything.
 */
static bool stray_tf_trap(struct stub_proc *p, struct thread *t)
{
	static const size_t FLAGS_OFF = offsetof(struct user_regs_struct, eflags);
	const uint64_t TF = 0x100;
	if (!p->was_stepped || fetch_gpr(t) != NULL)	/* fetch_gpr succeeded in thread_pc */
		return false;
	uint64_t fl = gpr_get(&t->regs, FLAGS_OFF);
	if ((fl & TF) && pt(PTRACE_POKEUSER, t->tid, offsetof(struct user, regs.eflags), fl & ~TF) == 0)
		gpr_put(&t->regs, FLAGS_OFF, fl & ~TF);
	return true;
}

static void classify_trap(struct stub_proc *p, struct thread *t, struct wev *w)
{
	siginfo_t si;
	uint64_t pc;
	w->kind = W_SIGNAL;
	w->sig = SIGTRAP;
	if (pt(PTRACE_GETSIGINFO, t->tid, 0, (uintptr_t)&si) < 0)
		return;
	struct gsc_error *err = thread_pc(t, &pc);
	if (err) {
		gsc_error_destroy(err);
		return;
	}
	if (si.si_code <= 0 && si.si_code != SI_KERNEL)
		return;		/* kill/tgkill: a real SIGTRAP */
	const struct breakpoint *bp = si.si_code == SI_KERNEL ? find_bp(p, pc - 1) : NULL;
	if (bp) {
		w->hwbreak = bp->hw && !bp->sw;
		err = set_pc(t, pc - 1);
		if (err) {
			gsc_error_destroy(err);
			return;
		}
		t->stop_pc = pc - 1;
		t->bp_hit = true;
		w->kind = W_BREAK;
		w->addr = pc - 1;
		return;
	}
	if (any_hw(p) && check_dr6(p, t, w))
		return;
	if (stepping(t) && si.si_code != SI_KERNEL)
		w->kind = W_STEP;
	else if (si.si_code == TRAP_TRACE && stray_tf_trap(p, t))
		w->kind = W_IGNORE;	/* swallowed: resumed with signal 0 */
}

/* Decodes status of t; fetches what it needs (siginfo, PC) and rewinds the PC after our int3. */
static void classify(struct stub_proc *p, struct thread *t, int status, struct wev *w)
{
	memset(w, 0, sizeof(*w));
	invalidate_regs(t);
	t->stop_pc_valid = false;
	t->bp_hit = false;
	t->sigstop_sig = 0;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		w->kind = W_GONE;
		w->status = status;
		return;
	}
	if (!WIFSTOPPED(status)) {
		w->kind = W_IGNORE;
		return;
	}
	int sig = WSTOPSIG(status);
	int event = (unsigned)status >> 16;
	unsigned long msg = 0;
	switch (event) {
	case 0:
		break;
	case PTRACE_EVENT_EXIT:
		w->kind = W_EXITING;
		return;
	case PTRACE_EVENT_CLONE:
		(void)pt(PTRACE_GETEVENTMSG, t->tid, 0, (uintptr_t)&msg);
		w->kind = W_CLONE;
		w->child = (pid_t)msg;
		return;
	case PTRACE_EVENT_EXEC:
		w->kind = W_EXEC;
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		(void)pt(PTRACE_GETEVENTMSG, t->tid, 0, (uintptr_t)&msg);
		w->kind = W_FORK;
		w->child = (pid_t)msg;
		w->vfork = event == PTRACE_EVENT_VFORK;
		return;
	case PTRACE_EVENT_VFORK_DONE:
		w->kind = W_VFORK_DONE;
		return;
	case PTRACE_EVENT_STOP:
		w->kind = W_EVSTOP;
		w->sig = sig;
		return;
	default:
		w->kind = W_IGNORE;
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {
		w->kind = W_IGNORE;
		return;
	}
	t->sigstop_sig = sig;
	if (sig == SIGTRAP) {
		classify_trap(p, t, w);
		return;
	}
	w->kind = W_SIGNAL;
	w->sig = sig;
}

static void set_pending(struct thread *t, enum stub_stop_reason reason, int signo, uint64_t addr,
			enum stub_hw_kind hw)
{
	t->has_pending = true;
	t->pending_int3 = false;
	t->pending = (struct stub_thread_stop){ .tid = t->tid, .reason = reason, .signo = signo,
						.addr = addr, .hw_kind = hw };
}

static void pending_from(struct thread *t, const struct wev *w)
{
	switch (w->kind) {
	case W_BREAK:
		set_pending(t, w->hwbreak ? STUB_STOP_HW_BREAK : STUB_STOP_BREAKPOINT, SIGTRAP, w->addr,
			    STUB_HW_EXEC);
		t->pending_int3 = true;
		break;
	case W_STEP:
		set_pending(t, STUB_STOP_STEP, SIGTRAP, 0, STUB_HW_EXEC);
		break;
	case W_HW:
		set_pending(t, w->hw == STUB_HW_EXEC ? STUB_STOP_HW_BREAK : STUB_STOP_WATCH, SIGTRAP,
			    w->addr, w->hw);
		break;
	case W_EXEC:
		set_pending(t, STUB_STOP_EXEC, SIGTRAP, 0, STUB_HW_EXEC);
		break;
	default:
		set_pending(t, STUB_STOP_SIGNAL, w->sig, 0, STUB_HW_EXEC);
		break;
	}
}

/* ---- emulated write watchpoints --------------------------------------- */

/*
 * Reads every watched range in one process_vm_readv (what it cannot read
 * is read range by range through raw_read; an unreadable range counts as
 * unchanged) and compares with the copies: the first watch whose bytes
 * changed, or -1.  Every changed copy takes the new bytes, so that one
 * write is reported once.
 */
static int watch_changed(struct stub_proc *p)
{
	struct iovec local[STUB_SOFT_WATCH_SLOTS], remote[STUB_SOFT_WATCH_SLOTS];
	int idx[STUB_SOFT_WATCH_SLOTS];
	size_t n = 0, total = 0;
	for (int i = 0; i < STUB_SOFT_WATCH_SLOTS; i++) {
		struct soft_watch *w = &p->sw[i];
		if (!w->used)
			continue;
		local[n] = (struct iovec){ .iov_base = p->sw_now + (size_t)i * STUB_SOFT_WATCH_MAX_LEN,
					   .iov_len = w->len };
		remote[n] = (struct iovec){ .iov_base = (void *)(uintptr_t)w->addr, .iov_len = w->len };
		idx[n++] = i;
		total += w->len;
	}
	if (!n)
		return -1;
	ssize_t got = p->use_vm_readv ? process_vm_readv(p->pid, local, n, remote, n, 0) : -1;
	if (got != (ssize_t)total) {
		for (size_t k = 0; k < n; k++) {
			const struct soft_watch *w = &p->sw[idx[k]];
			if (raw_read(p, w->addr, local[k].iov_base, w->len) != (ssize_t)w->len)
				memcpy(local[k].iov_base, w->snap, w->len);
		}
	}
	int hit = -1;
	for (size_t k = 0; k < n; k++) {
		struct soft_watch *w = &p->sw[idx[k]];
		if (memcmp(local[k].iov_base, w->snap, w->len) == 0)
			continue;
		memcpy(w->snap, local[k].iov_base, w->len);
		if (hit < 0)
			hit = idx[k];
	}
	return hit;
}

static void clear_soft_watches(struct stub_proc *p)
{
	for (int i = 0; i < STUB_SOFT_WATCH_SLOTS; i++)
		p->sw[i].used = false;
	p->nsw = 0;
}

/* After an instruction of t: a watched write makes t's pending event, as a debug register would. */
static bool watch_hit(struct stub_proc *p, struct thread *t)
{
	if (!p->nsw)
		return false;
	int i = watch_changed(p);
	if (i < 0)
		return false;
	set_pending(t, STUB_STOP_WATCH, SIGTRAP, p->sw[i].addr, STUB_HW_WRITE);
	return true;
}

/* ---- resuming one thread ---------------------------------------------- */

static void thread_go(struct stub_proc *p, struct thread *t, bool step, int sig)
{
	(void)pt(step ? PTRACE_SINGLESTEP : PTRACE_CONT, t->tid, 0, (uint64_t)sig);
	p->was_stepped |= step;
	/* ESRCH: it was killed meanwhile; its wait status says so. */
	t->state = T_RUNNING;
	t->sigstop_sig = 0;
	t->cancelled_bp = false;
	t->stop_pc_valid = false;
	t->bp_hit = false;
	t->name_valid = false;
	invalidate_regs(t);
}

/* Lets t go per its action now, delivering the signals it is owed. */
static void start_thread(struct stub_proc *p, struct thread *t)
{
	uint64_t want = t->defer_mask | sigbit(t->rsig);
	int sig = 0;
	t->defer_mask = 0;
	if (t->sigstop_sig && want) {
		/* In a delivery-stop: the ptrace argument delivers one signal. */
		sig = (want & sigbit(t->sigstop_sig)) ? t->sigstop_sig : __builtin_ctzll(want) + 1;
		want &= ~sigbit(sig);
	}
	while (want) {
		int s = __builtin_ctzll(want) + 1;
		want &= ~sigbit(s);
		if (tgkill_(p->pid, t->tid, s) == 0)
			t->expect_mask |= sigbit(s);
	}
	thread_go(p, t, stepping(t), sig);
}

/* Resumes t per its action; an emulated CONT waits for its turn in emul_slice. */
static void resume_thread(struct stub_proc *p, struct thread *t)
{
	if (t->emul) {
		t->state = T_QUEUED;
		t->name_valid = false;
		return;
	}
	start_thread(p, t);
}

/* ---- new threads ------------------------------------------------------ */

static bool in_thread_group(pid_t pid, pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)pid, (int)tid);
	return access(path, F_OK) == 0;
}

static const struct stub_resume *action_for(const struct stub_resume *a, size_t n, pid_t tid)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].tid == tid)
			return &a[i];
	for (size_t i = 0; i < n; i++)
		if (a[i].tid == -1)
			return &a[i];
	return NULL;
}

static void set_action(const struct stub_proc *p, struct thread *t, const struct stub_resume *a)
{
	t->emul = false;
	if (!a || a->kind == STUB_RESUME_STOP) {
		t->resume_me = false;
		t->rkind = STUB_RESUME_STOP;
		t->rsig = 0;
		return;
	}
	t->resume_me = true;
	t->rkind = a->kind;
	t->rsig = a->signo >= 1 && a->signo <= 64 ? a->signo : 0;
	t->range_start = a->range_start;
	t->range_end = a->range_end;
	t->emul = a->kind == STUB_RESUME_CONT && p->nsw > 0;
}

/*
 * A clone event announced child: wait for its first stop, give it the
 * watchpoints, and leave it stopped.  A clone that made another process
 * (not CLONE_THREAD) is let go.
 */
static struct gsc_error *write_orig(struct stub_proc *p, struct breakpoint *bp);
static struct gsc_error *write_int3(struct stub_proc *p, uint64_t addr);

/* Waits for the first stop of a new auto-attached task: false if it is already gone. */
static bool first_stop(pid_t child, int *status)
{
	if (child <= 0)
		return false;
	for (;;) {
		pid_t r = waitpid(child, status, __WALL);
		if (r == child)
			return !WIFEXITED(*status) && !WIFSIGNALED(*status);
		if (r < 0 && errno != EINTR)
			return false;	/* gone before it ever ran */
	}
}

/* Whether child has a memory of its own (fork), not ours (vfork, CLONE_VM). */
static bool own_memory(const struct stub_proc *p, pid_t child)
{
	return syscall(SYS_kcmp, p->pid, child, KCMP_VM, 0, 0) != 0;
}

/*
 * Lets a new process go, never with our int3 bytes in it.  One with a
 * memory of its own gets the kept bytes written into that copy; one on our
 * memory (shared) is let go as it is: a vfork child has had the bytes lifted
 * by the caller.  Debug registers and single-stepping are not inherited
 * (the kernel clears both in a new task).  A signal that beat the first
 * stop is delivered.
 */
static void let_go(struct stub_proc *p, pid_t child, int status, bool shared)
{
	int sig = WIFSTOPPED(status) && ((unsigned)status >> 16) == 0 && WSTOPSIG(status) != SIGSTOP ?
			  WSTOPSIG(status) : 0;
	if (!shared && p->nbps && !p->bps_lifted) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/mem", (int)child);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		for (size_t i = 0; fd >= 0 && i < p->nbps; i++)
			(void)pwrite(fd, &p->bps[i].orig, 1, (off_t)p->bps[i].addr);
		if (fd >= 0)
			close(fd);
	}
	(void)pt(PTRACE_DETACH, child, 0, (uint64_t)sig);
}

/* The int3 bytes leave memory while a vfork child runs on it. */
static void lift_bps(struct stub_proc *p, struct thread *t)
{
	if (t->in_vfork)
		return;
	t->in_vfork = true;
	if (p->vforks++ || p->bps_lifted)
		return;
	for (size_t i = 0; i < p->nbps; i++)
		gsc_error_destroy(write_orig(p, &p->bps[i]));
	p->bps_lifted = true;
}

/* t's vfork child let go of our memory (exec, exit) or t is gone: the int3 bytes come back with the last. */
static void vfork_done(struct stub_proc *p, struct thread *t)
{
	if (!t->in_vfork)
		return;
	t->in_vfork = false;
	if (--p->vforks || !p->bps_lifted || p->memfd < 0)
		return;
	p->bps_lifted = false;
	for (size_t i = 0; i < p->nbps; i++)
		gsc_error_destroy(write_int3(p, p->bps[i].addr));
}

static struct gsc_error *proc_create(pid_t pid, bool attached, struct stub_proc **ret);
static void set_pending(struct thread *t, enum stub_stop_reason reason, int signo, uint64_t addr,
			enum stub_hw_kind hw);

/* A reported fork's child, in its first stop: held as a process of its own until taken. */
static struct gsc_error *hold_fork(struct stub_proc *p, pid_t child, int status, bool shared)
{
	struct stub_proc **nh = realloc(p->held, (p->nheld + 1) * sizeof(*nh));
	if (!nh)
		return &gsc_enomem;
	p->held = nh;
	struct stub_proc *c;
	struct gsc_error *err = proc_create(child, p->attached, &c);
	if (err)
		return err;
	if (WIFSTOPPED(status) && ((unsigned)status >> 16) == 0 && WSTOPSIG(status) != SIGSTOP) {
		c->threads[0]->sigstop_sig = WSTOPSIG(status);
		c->threads[0]->defer_mask |= sigbit(WSTOPSIG(status));
	}
	memcpy(c->pass, p->pass, sizeof(c->pass));
	c->emulate = p->emulate;
	c->report_fork = p->report_fork;
	c->report_vfork = p->report_vfork;
	if (!shared && p->nbps) {
		/* its copy of memory holds our int3 bytes: the client removes them (z0 under Hg) */
		c->bps = malloc(p->nbps * sizeof(*c->bps));
		if (!c->bps) {
			c->detached = true;	/* not really: the caller lets it go */
			stub_proc_destroy(c);
			return &gsc_enomem;
		}
		memcpy(c->bps, p->bps, p->nbps * sizeof(*c->bps));
		c->nbps = c->bps_cap = p->nbps;
	}
	p->held[p->nheld++] = c;
	return NULL;
}

/*
 * A fork or vfork event of t: the child, in its first stop, is let go
 * (gdbserver does as much when the client did not ask for fork events;
 * without it a child that runs into a breakpoint dies of SIGTRAP), or held
 * and the event made t's pending one when the client asked for it.  True
 * when t has an event to report now.
 */
static bool on_fork(struct stub_proc *p, struct thread *t, const struct wev *w)
{
	int status;
	if (!first_stop(w->child, &status))
		return false;
	bool shared = w->vfork || !own_memory(p, w->child);
	if (w->vfork ? p->report_vfork : p->report_fork) {
		struct gsc_error *err = hold_fork(p, w->child, status, shared);
		if (!err) {
			set_pending(t, w->vfork ? STUB_STOP_VFORK : STUB_STOP_FORK, SIGTRAP, 0, STUB_HW_EXEC);
			t->pending.child = w->child;
			return true;
		}
		gsc_error_destroy(err);
	}
	if (w->vfork)
		lift_bps(p, t);
	let_go(p, w->child, status, shared);
	return false;
}

/* PTRACE_EVENT_VFORK_DONE of t: true when it is reported (the vfork was). */
static bool on_vfork_done(struct stub_proc *p, struct thread *t)
{
	if (t->in_vfork) {
		vfork_done(p, t);
		return false;
	}
	if (!p->report_vfork)
		return false;
	set_pending(t, STUB_STOP_VFORK_DONE, SIGTRAP, 0, STUB_HW_EXEC);
	return true;
}

static struct gsc_error *adopt_child(struct stub_proc *p, pid_t child, struct thread **ret)
{
	int status;
	*ret = NULL;
	if (child <= 0 || find_thread(p, child))
		return NULL;
	if (!first_stop(child, &status))
		return NULL;
	if (!in_thread_group(p->pid, child)) {
		let_go(p, child, status, !own_memory(p, child));
		return NULL;
	}
	struct thread *t;
	struct gsc_error *err = add_thread(p, child, T_STOPPED, &t);
	if (err)
		return err;
	if (WIFSTOPPED(status) && ((unsigned)status >> 16) == 0 && WSTOPSIG(status) != SIGSTOP) {
		/* A signal beat the initial stop: keep it for the thread. */
		t->sigstop_sig = WSTOPSIG(status);
		t->defer_mask |= sigbit(WSTOPSIG(status));
	}
	if (any_hw(p)) {
		err = apply_debugregs(p, child);
		gsc_error_destroy(err);	/* best effort: the thread may be dying */
	}
	*ret = t;
	return NULL;
}

/* While running: the new thread follows the default action of the last resume. */
static struct gsc_error *adopt_running(struct stub_proc *p, pid_t child)
{
	struct thread *t;
	struct gsc_error *err = adopt_child(p, child, &t);
	if (err || !t)
		return err;
	set_action(p, t, p->has_default ? &p->dflt : NULL);
	if (t->resume_me && !p->interrupt_requested)
		resume_thread(p, t);
	return NULL;
}

/* ---- stopping everything ---------------------------------------------- */

static bool range_continues(struct stub_proc *p, struct thread *t)
{
	uint64_t pc;
	if (t->rkind != STUB_RESUME_RANGE)
		return false;
	struct gsc_error *err = thread_pc(t, &pc);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return pc >= t->range_start && pc < t->range_end && !find_bp(p, pc);
}

/*
 * Whether the kernel has a SIGTRAP queued for t (int3, single step, debug
 * register) that an interrupt stop overtook: get_signal() reports a pending
 * jobctl trap before it dequeues signals (kernel/signal.c), so a thread
 * interrupted just after its int3 sits with the PC past the int3 and the
 * trap still to come.  Only asked when such a trap can matter.
 */
static bool trap_queued(const struct stub_proc *p, const struct thread *t)
{
	if (!p->nbps && !stepping(t) && !any_hw(p))
		return false;
	struct __ptrace_peeksiginfo_args a = { .off = 0, .flags = 0, .nr = 8 };
	siginfo_t si[8];
	long n = pt(PTRACE_PEEKSIGINFO, t->tid, (uintptr_t)&a, (uintptr_t)si);
	for (long i = 0; i < n; i++)
		if (si[i].si_signo == SIGTRAP && si[i].si_code > 0)
			return true;
	return false;
}

/* A status of a thread we are stopping (or attaching): keep its event, stay stopped. */
static struct gsc_error *on_stopping(struct stub_proc *p, struct thread *t, int status, bool attach)
{
	struct wev w;
	struct thread *child;
	struct gsc_error *err;
	classify(p, t, status, &w);
	t->state = T_STOPPED;
	switch (w.kind) {
	case W_GONE:
		thread_died(p, t, w.status);
		return NULL;
	case W_EXITING:
		on_exit_stop(p, t);
		return NULL;
	case W_CLONE:
		err = adopt_child(p, w.child, &child);
		if (err)
			return err;
		return NULL;
	case W_FORK:
		(void)on_fork(p, t, &w);
		return NULL;
	case W_VFORK_DONE:
		(void)on_vfork_done(p, t);
		return NULL;
	case W_EVSTOP:
		if (trap_queued(p, t)) {
			/* Take the trap now: it stops again at once, before any instruction. */
			thread_go(p, t, false, 0);
			t->state = T_RUNNING;
		}
		return NULL;
	case W_IGNORE:
		return NULL;
	case W_BREAK:
		/* Superseded: the thread executes the int3 again when resumed. */
		t->cancelled_bp = true;
		return NULL;
	case W_STEP:
		if (watch_hit(p, t) || t->emul)
			return NULL;	/* an emulated CONT's step is no event */
		if (!range_continues(p, t))
			pending_from(t, &w);
		return NULL;
	case W_SIGNAL:
		if (attach || p->pass[w.sig] || (t->expect_mask & sigbit(w.sig))) {
			t->expect_mask &= ~sigbit(w.sig);
			t->defer_mask |= sigbit(w.sig);
			return NULL;
		}
		pending_from(t, &w);
		return NULL;
	default:
		pending_from(t, &w);
		return NULL;
	}
}

/*
 * Reaps, without blocking, the threads that are exiting, and looks at a
 * parked leader.  An exec in another thread kills the leader and reports
 * PTRACE_EVENT_EXEC under the leader's tid (man 2 ptrace, "execve(2) under
 * ptrace"): that status is kept for the running path, which reports it.
 */
static void reap_exiting(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads;) {
		struct thread *t = p->threads[i];
		int status;
		if (t->state != T_EXITING && t->state != T_PARKED) {
			i++;
			continue;
		}
		pid_t r = waitpid(t->tid, &status, __WALL | WNOHANG);
		if (r == 0) {
			i++;
		} else if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status)) {
			thread_died(p, t, r < 0 ? 0 : status);
			i = 0;
		} else if (t->tid == p->pid && ((unsigned)status >> 16) == PTRACE_EVENT_EXEC) {
			t->state = T_RUNNING;
			t->resume_me = true;
			t->has_held = true;
			t->held_status = status;
			p->recheck = true;
			i++;
		} else {
			(void)pt(PTRACE_CONT, t->tid, 0, 0);
			t->state = T_EXITING;
			i++;
		}
	}
}

/* waitpid(WNOHANG) for a running thread, or the status reap_exiting kept for it. */
static pid_t wait_running(struct thread *t, int *status)
{
	if (t->has_held) {
		t->has_held = false;
		*status = t->held_status;
		return t->tid;
	}
	return waitpid(t->tid, status, __WALL | WNOHANG);
}

static bool any_running(const struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->state == T_RUNNING)
			return true;
	return false;
}

/* Interrupts every running thread and waits until each has stopped, exited or is exiting. */
static struct gsc_error *stop_all(struct stub_proc *p, bool attach)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		if (p->threads[i]->state == T_QUEUED)
			p->threads[i]->state = T_STOPPED;	/* already in its step stop */
		if (p->threads[i]->state == T_RUNNING && !p->threads[i]->has_held)
			(void)pt(PTRACE_INTERRUPT, p->threads[i]->tid, 0, 0);
	}
	for (;;) {
		bool progress = false;
		/* Not "nobody was waited for": on_stopping may let a thread take a queued trap. */
		if (!any_running(p)) {
			reap_exiting(p);
			return NULL;
		}
		drain_events();
		for (size_t i = 0; i < p->nthreads; i++) {
			struct thread *t = p->threads[i];
			int status;
			if (t->state != T_RUNNING)
				continue;
			pid_t r = wait_running(t, &status);
			if (r == 0)
				continue;
			progress = true;
			if (r < 0) {
				thread_died(p, t, 0);
				i--;
				continue;
			}
			size_t before = p->nthreads;
			struct gsc_error *err = on_stopping(p, t, status, attach);
			if (err)
				return err;
			if (p->nthreads < before)
				i--;
		}
		reap_exiting(p);
		if (!progress && any_running(p))
			sleep_for_event(WAIT_SLICE_MS);
	}
}

/* ---- reporting -------------------------------------------------------- */

static void post_exec(struct stub_proc *p, char *path, size_t size);

static void clear_report_state(struct stub_proc *p)
{
	p->running = false;
	p->report_ready = false;
	p->interrupt_requested = false;
	for (size_t i = 0; i < p->nthreads; i++)
		p->threads[i]->interrupt_sent = false;
}

static void forget_threads(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		free(p->threads[i]);
	p->nthreads = 0;
	p->ntids = 0;
}

static void drop_held(struct stub_proc *p, bool kill_them);

static void report_exit(struct stub_proc *p, struct stub_event *ev)
{
	int st = p->exit_status;
	drop_held(p, false);	/* the parent is gone: its children run on */
	/* Reap what is left (the leader is reported only after the rest). */
	forget_threads(p);
	clear_report_state(p);
	p->dead = true;
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = -1;
	if (WIFSIGNALED(st)) {
		ev->kind = STUB_EV_SIGNALED;
		ev->status = WTERMSIG(st);
	} else {
		ev->kind = STUB_EV_EXITED;
		ev->status = WEXITSTATUS(st);
	}
}

static void report_stop(struct stub_proc *p, struct thread *t, struct stub_event *ev)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *o = p->threads[i];
		o->stop = (struct stub_thread_stop){ .tid = o->tid, .reason = STUB_STOP_NONE };
		if (o != t && o->has_pending && o->pending_int3) {
			/* Superseded (PC already rewound): it hits again if the breakpoint stays. */
			o->has_pending = false;
			o->cancelled_bp = true;
		}
	}
	t->stop = t->pending;
	t->has_pending = false;
	clear_report_state(p);
	p->last_tid = t->tid;
	ev->kind = STUB_EV_STOP;
	ev->stop = t->stop;
	if (t->stop.reason == STUB_STOP_EXEC)
		post_exec(p, ev->exec_path, sizeof(ev->exec_path));
}

/* Where a round robin starts: the index after thread tid's (0 when it is gone). */
static size_t index_after(const struct stub_proc *p, pid_t tid)
{
	size_t start = 0;
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->tid == tid)
			start = i + 1;
	return start;
}

/* Round robin from the last reported thread, so one busy thread cannot starve the others. */
static struct thread *pick_pending(struct stub_proc *p)
{
	size_t start = index_after(p, p->last_tid);
	for (size_t k = 0; k < p->nthreads; k++) {
		struct thread *t = p->threads[(start + k) % p->nthreads];
		if (t->has_pending && t->resume_me)
			return t;
	}
	return NULL;
}

static bool any_queued(const struct stub_proc *p);

/*
 * The thread stub_proc_interrupt chose went away or was used up: choose
 * another.  When nothing runs any more (the resumed threads all exited,
 * the others were left stopped: scheduler locking), a stopped thread, the
 * main one first, takes the SIGINT, or the client would wait forever.
 * Queued threads (emulated watchpoints) are emul_slice's to stop.
 */
static void reinterrupt(struct stub_proc *p)
{
	struct thread *pick = NULL;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->state == T_RUNNING && pt(PTRACE_INTERRUPT, t->tid, 0, 0) == 0) {
			t->interrupt_sent = true;
			return;
		}
		if (t->state == T_STOPPED && (!pick || t->tid == p->pid))
			pick = t;
	}
	if (!pick || any_queued(p))
		return;
	if (!pick->has_pending)
		set_pending(pick, STUB_STOP_SIGNAL, SIGINT, 0, STUB_HW_EXEC);
	pick->resume_me = true;	/* so that pick_pending reports it */
	raise(SIGCHLD);
}

/* A status of a thread running freely: handle it, or keep it as the event to report. */
static struct gsc_error *on_running(struct stub_proc *p, struct thread *t, int status)
{
	struct wev w;
	bool was_int = t->interrupt_sent;
	classify(p, t, status, &w);
	t->state = T_STOPPED;
	switch (w.kind) {
	case W_GONE:
		thread_died(p, t, w.status);
		if (was_int)
			reinterrupt(p);
		return NULL;
	case W_EXITING:
		on_exit_stop(p, t);
		if (was_int)
			reinterrupt(p);
		return NULL;
	case W_CLONE:
	case W_FORK:
	case W_VFORK_DONE: {
		struct gsc_error *err = NULL;
		if (w.kind == W_CLONE)
			err = adopt_running(p, w.child);
		else if (w.kind == W_FORK ? on_fork(p, t, &w) : on_vfork_done(p, t))
			return NULL;	/* reported */
		if (err)
			return err;
		if (p->interrupt_requested) {
			set_pending(t, STUB_STOP_SIGNAL, SIGINT, 0, STUB_HW_EXEC);
			return NULL;
		}
		thread_go(p, t, stepping(t), 0);
		break;
	}
	case W_EVSTOP:
	case W_IGNORE:
		if (was_int && w.kind == W_EVSTOP && trap_queued(p, t)) {
			thread_go(p, t, false, 0);	/* the trap first; the interrupt is sent again */
			break;
		}
		if (was_int) {
			set_pending(t, STUB_STOP_SIGNAL, SIGINT, 0, STUB_HW_EXEC);
			return NULL;
		}
		thread_go(p, t, stepping(t), 0);	/* a stale INTERRUPT or a group-stop */
		return NULL;
	case W_STEP:
		if (watch_hit(p, t))
			return NULL;
		if (t->emul) {
			/* One instruction of an emulated CONT: emul_slice takes the next. */
			if (was_int)
				set_pending(t, STUB_STOP_SIGNAL, SIGINT, 0, STUB_HW_EXEC);
			else
				t->state = T_QUEUED;
			return NULL;
		}
		if (range_continues(p, t)) {
			thread_go(p, t, true, 0);
			break;
		}
		if (t->rkind == STUB_RESUME_RANGE) {
			uint64_t pc;
			struct gsc_error *err = thread_pc(t, &pc);
			gsc_error_destroy(err);
			if (!err && pc >= t->range_start && pc < t->range_end) {
				/* Stopped on a breakpoint inside the range. */
				const struct breakpoint *bp = find_bp(p, pc);
				set_pending(t, bp && bp->hw && !bp->sw ? STUB_STOP_HW_BREAK :
					    STUB_STOP_BREAKPOINT, SIGTRAP, pc, STUB_HW_EXEC);
				t->pending_int3 = true;
				t->bp_hit = true;
				t->stop_pc = pc;
				return NULL;
			}
		}
		pending_from(t, &w);
		return NULL;
	case W_SIGNAL:
		if ((t->expect_mask & sigbit(w.sig)) || p->pass[w.sig]) {
			t->expect_mask &= ~sigbit(w.sig);
			thread_go(p, t, stepping(t), w.sig);
			break;
		}
		pending_from(t, &w);
		return NULL;
	default:
		pending_from(t, &w);
		return NULL;
	}
	/* Resumed: this stop used up a pending INTERRUPT, send it again. */
	if (was_int && pt(PTRACE_INTERRUPT, t->tid, 0, 0) < 0)
		reinterrupt(p);
	return NULL;
}

/*
 * The next status of t, just resumed for one more step of its range: waits
 * up to RANGE_WAIT_MS.  0 when none came (the SIGCHLD was another thread's,
 * or the instruction blocks in a system call): the ordinary path takes over.
 */
static pid_t quick_wait(struct stub_proc *p, struct thread *t, int *status)
{
	/* The step has not ended yet when we get here: sleep on the fd first. */
	struct pollfd pfd = { .fd = event_fd, .events = POLLIN };
	if (event_fd >= 0 && poll(&pfd, 1, RANGE_WAIT_MS) > 0) {
		drain_events();
		p->recheck = true;	/* the SIGCHLD may have been another thread's */
	}
	return waitpid(t->tid, status, __WALL | WNOHANG);
}

/*
 * Range stepping (vCont r) as a loop here rather than one trip through the
 * caller's poll loop per instruction: thread tid's steps are taken while it
 * stays in its range, for up to RANGE_SLICE_MS so that a ^C is still seen.
 * Each status goes through on_running, so breakpoints, signals and new
 * threads are handled as on the ordinary path.
 */
static struct gsc_error *range_steps(struct stub_proc *p, pid_t tid)
{
	uint64_t until = now_ms() + RANGE_SLICE_MS;
	for (;;) {
		struct thread *t = find_thread(p, tid);
		int status;
		if (!t || t->state != T_RUNNING || t->rkind != STUB_RESUME_RANGE ||
		    p->interrupt_requested || now_ms() >= until)
			return NULL;
		pid_t r = quick_wait(p, t, &status);
		if (r == 0)
			return NULL;
		if (r < 0) {
			thread_died(p, t, 0);
			return NULL;
		}
		struct gsc_error *err = on_running(p, t, status);
		if (err)
			return err;
	}
}

/* One non-blocking pass over the running threads. */
static struct gsc_error *collect(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		pid_t tid = t->tid;
		int status;
		if (t->state != T_RUNNING && t->state != T_QUEUED)
			continue;
		pid_t r = wait_running(t, &status);
		if (r == 0)
			continue;
		size_t before = p->nthreads;
		struct gsc_error *err = NULL;
		if (r < 0)
			thread_died(p, t, 0);
		else
			err = on_running(p, t, status);
		if (!err && find_thread(p, tid) == t && t->state == T_RUNNING &&
		    t->rkind == STUB_RESUME_RANGE)
			err = range_steps(p, tid);
		if (err)
			return err;
		if (p->nthreads < before)
			i--;
	}
	reap_exiting(p);
	return NULL;
}

static bool any_pending(struct stub_proc *p);
static bool in_vdso(struct stub_proc *p, struct thread *t);

/*
 * Whether thread tid sleeps in a system call (/proc/PID/task/TID/syscall
 * gives its number; "running", or -1 outside a system call, say no).
 */
static bool in_syscall(pid_t pid, pid_t tid)
{
	char path[96], buf[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return buf[0] >= '0' && buf[0] <= '9';
}

/*
 * One step of t, an emulated CONT.  When it does not end within
 * EMUL_WAIT_MS and t sleeps in a system call, t is left running and
 * collect() takes its status later: a step over a system call ends when
 * the call returns, before any other instruction of t, so t cannot write
 * unseen meanwhile and a write seen after another thread's step is that
 * thread's.  A step that is only slow (t not scheduled yet, a page fault)
 * is waited for, for that reason.
 */
static struct gsc_error *emul_step(struct stub_proc *p, struct thread *t)
{
	pid_t tid = t->tid;
	uint64_t until = now_ms() + EMUL_WAIT_MS;
	start_thread(p, t);
	t->rsig = 0;	/* the resume's signal goes with the first step only */
	for (;;) {
		int status;
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);
		if (r == 0) {
			if (now_ms() >= until) {
				if (in_syscall(p->pid, tid))
					return NULL;
				until = now_ms() + EMUL_WAIT_MS;
			}
			struct pollfd pfd = { .fd = event_fd, .events = POLLIN };
			if (event_fd >= 0 && poll(&pfd, 1, 1) > 0) {
				drain_events();
				p->recheck = true;	/* the SIGCHLD may have been another thread's */
			}
			continue;
		}
		if (r < 0) {
			thread_died(p, t, 0);
			return NULL;
		}
		struct gsc_error *err = on_running(p, t, status);
		if (err)
			return err;
		t = find_thread(p, tid);
		if (t && t->state == T_QUEUED && in_vdso(p, t)) {
			until = now_ms() + EMUL_WAIT_MS;
			start_thread(p, t);
			continue;
		}
		if (!t || t->state != T_RUNNING)
			return NULL;	/* queued again, or stopped with an event, or gone */
	}
}

/* The [vdso] mapping, read once per image from /proc/PID/maps. */
static void find_vdso(struct stub_proc *p)
{
	char path[64], line[512];
	p->vdso_known = true;
	p->vdso_start = p->vdso_end = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		uint64_t lo, hi;
		if (strstr(line, "[vdso]") && sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2) {
			p->vdso_start = lo;
			p->vdso_end = hi;
			break;
		}
	}
	fclose(f);
}

/*
 * Whether t, queued, sits in the vDSO.  Its clock_gettime retries while
 * the kernel's timekeeping sequence count changes (every tick): stepped in
 * turn with the other threads it may never get through, so a thread in
 * the vDSO keeps the CPU until it leaves.
 */
static bool in_vdso(struct stub_proc *p, struct thread *t)
{
	uint64_t pc;
	if (!p->vdso_known)
		find_vdso(p);
	struct gsc_error *err = thread_pc(t, &pc);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return pc >= p->vdso_start && pc < p->vdso_end;
}

/* The queued thread after the one stepped last. */
static struct thread *next_queued(struct stub_proc *p)
{
	size_t start = index_after(p, p->emul_last);
	for (size_t k = 0; k < p->nthreads; k++) {
		struct thread *t = p->threads[(start + k) % p->nthreads];
		if (t->state == T_QUEUED)
			return t;
	}
	return NULL;
}

/* A ^C while the emulated CONTs take turns: a queued thread (the main one first) takes the SIGINT. */
static bool emul_interrupt(struct stub_proc *p)
{
	struct thread *pick = NULL;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->interrupt_sent && t->state == T_RUNNING)
			return false;	/* its stop is coming */
		if (t->state == T_QUEUED && (!pick || t->tid == p->pid))
			pick = t;
	}
	if (!pick)
		return false;
	pick->state = T_STOPPED;
	set_pending(pick, STUB_STOP_SIGNAL, SIGINT, 0, STUB_HW_EXEC);
	return true;
}

/*
 * Emulated watchpoints: the queued threads take one step each in turn,
 * round robin, for up to RANGE_SLICE_MS (a ^C is seen between slices);
 * every step is checked by on_running (watch_hit).  Threads left running
 * by emul_step are reaped by collect() as their SIGCHLDs come.
 */
static struct gsc_error *emul_slice(struct stub_proc *p)
{
	uint64_t until = now_ms() + RANGE_SLICE_MS;
	for (;;) {
		if (p->exited || any_pending(p) || now_ms() >= until)
			return NULL;
		if (p->interrupt_requested) {
			(void)emul_interrupt(p);
			return NULL;
		}
		if (p->recheck) {
			p->recheck = false;
			struct gsc_error *err = collect(p);
			if (err)
				return err;
			continue;
		}
		struct thread *t = next_queued(p);
		if (!t)
			return NULL;
		p->emul_last = t->tid;
		struct gsc_error *err = emul_step(p, t);
		if (err)
			return err;
	}
}

static bool any_queued(const struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->state == T_QUEUED)
			return true;
	return false;
}

struct gsc_error *stub_proc_poll(struct stub_proc *p, struct stub_event *ret)
{
	struct stub_event *ev = ret;
	ev->kind = STUB_EV_NONE;
	bool sigchld = drain_events();
	if (p->dead || p->detached || !p->running)
		return NULL;
	/*
	 * A wait status always comes with a SIGCHLD, and every drain of the fd
	 * is followed by a pass over the threads that can have one: with no
	 * SIGCHLD since, there is nothing to reap (the poll right after a
	 * resume costs one read).  A full pass now and then all the same.
	 */
	uint64_t ms = now_ms();
	if (!p->report_ready && (sigchld || p->recheck || ms - p->last_pass_ms >= RECHECK_MS)) {
		p->recheck = false;
		p->last_pass_ms = ms;
		struct gsc_error *err = collect(p);
		if (err)
			return err;
	}
	if (p->exited) {
		report_exit(p, ev);
		return NULL;
	}
	struct thread *t = pick_pending(p);
	if (!t && !p->report_ready && any_queued(p)) {
		struct gsc_error *err = emul_slice(p);
		if (err)
			return err;
		if (p->exited) {
			report_exit(p, ev);
			return NULL;
		}
		t = pick_pending(p);
		if (!t && any_queued(p))
			p->recheck = true;	/* more steps to take: come back at once */
	}
	if (!t) {
		if (p->recheck)
			raise(SIGCHLD);	/* come back soon: a status may be waiting */
		return NULL;
	}
	struct gsc_error *err = stop_all(p, false);
	if (err)
		return err;
	if (p->exited) {
		report_exit(p, ev);
		return NULL;
	}
	report_stop(p, t, ev);
	return NULL;
}

struct gsc_error *stub_proc_wait(struct stub_proc *p, struct stub_event *ret)
{
	for (;;) {
		struct gsc_error *err = stub_proc_poll(p, ret);
		if (err || ret->kind != STUB_EV_NONE)
			return err;
		if (!p->running)
			return gsc_error_create(GSC_ERR_INVALID_ARG, "process %d is not running",
						(int)p->pid);
		sleep_for_event(WAIT_SLICE_MS);
	}
}

/* ---- resume ----------------------------------------------------------- */

/* Blocks for a status of t, which alone runs; deaths of the others are reaped meanwhile. */
static int wait_one(struct stub_proc *p, struct thread *t, int *status)
{
	for (;;) {
		drain_events();
		pid_t r = waitpid(t->tid, status, __WALL | WNOHANG);
		if (r == t->tid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		/* A SIGKILL may kill the stopped ones; the leader's status waits for them. */
		for (size_t i = 0; i < p->nthreads; i++) {
			struct thread *o = p->threads[i];
			int st;
			if (o == t || o->state != T_STOPPED)
				continue;
			pid_t q = waitpid(o->tid, &st, __WALL | WNOHANG);
			if (q > 0 && WIFSTOPPED(st)) {
				on_exit_stop(p, o);
			} else if (q != 0) {
				thread_died(p, o, q < 0 ? 0 : st);
				i--;
			}
		}
		reap_exiting(p);
		if (r == 0)
			sleep_for_event(WAIT_SLICE_MS);
	}
}

static struct gsc_error *write_orig(struct stub_proc *p, struct breakpoint *bp)
{
	if (p->bps_lifted)
		return NULL;
	return raw_write(p, bp->addr, &bp->orig, 1);
}

static struct gsc_error *write_int3(struct stub_proc *p, uint64_t addr)
{
	const uint8_t cc = INT3;
	if (p->bps_lifted)
		return NULL;
	return raw_write(p, addr, &cc, 1);
}

/*
 * Steps t off the breakpoint at addr with every other thread stopped: the
 * breakpoint is out of memory for that one instruction.  Signals that
 * arrive are kept for the next resume; an event the client must see becomes
 * t's pending event.
 */
static struct gsc_error *step_over(struct stub_proc *p, struct thread *t, uint64_t addr)
{
	struct breakpoint *bp = find_bp(p, addr);
	struct gsc_error *err = write_orig(p, bp);
	if (err)
		return err;
	enum stub_resume_kind kind = t->rkind;
	t->rkind = STUB_RESUME_STEP;
	if (t->sigstop_sig && (t->defer_mask | sigbit(t->rsig)) & sigbit(t->sigstop_sig)) {
		/* Stepping with 0 drops the signal it sits on: send it again later. */
		t->defer_mask |= sigbit(t->sigstop_sig);
	}
	bool done = false;
	while (!done) {
		int status;
		thread_go(p, t, true, 0);
		if (wait_one(p, t, &status) < 0) {
			thread_died(p, t, 0);
			t = NULL;
			break;
		}
		struct wev w;
		classify(p, t, status, &w);
		t->state = T_STOPPED;
		switch (w.kind) {
		case W_GONE:
			thread_died(p, t, w.status);
			t = NULL;
			done = true;
			break;
		case W_EXITING:
			on_exit_stop(p, t);
			done = true;
			break;
		case W_CLONE: {
			struct thread *child;
			err = adopt_child(p, w.child, &child);
			if (err)
				return err;
			break;
		}
		case W_FORK:
			done = on_fork(p, t, &w);
			break;
		case W_VFORK_DONE:
			done = on_vfork_done(p, t);
			break;
		case W_EVSTOP:
		case W_IGNORE:
			break;
		case W_SIGNAL:
			if (p->pass[w.sig] || (t->expect_mask & sigbit(w.sig))) {
				t->expect_mask &= ~sigbit(w.sig);
				t->defer_mask |= sigbit(w.sig);
				break;
			}
			pending_from(t, &w);
			done = true;
			break;
		case W_STEP:
		case W_BREAK:
			done = true;
			break;
		default:
			pending_from(t, &w);
			done = true;
			break;
		}
	}
	if (t) {
		t->rkind = kind;
		if (t->rkind == STUB_RESUME_STEP && t->state == T_STOPPED)
			t->defer_mask |= sigbit(t->rsig);	/* delivered on the next resume */
	}
	bp = find_bp(p, addr);
	if (bp && !p->exited && !(t && t->has_pending && t->pending.reason == STUB_STOP_EXEC))
		return write_int3(p, addr);
	return NULL;
}

static bool needs_step_over(struct stub_proc *p, struct thread *t, uint64_t *addr_ret)
{
	uint64_t pc;
	if (t->cancelled_bp || !p->nbps)
		return false;
	struct gsc_error *err = thread_pc(t, &pc);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	if (!t->bp_hit || !find_bp(p, pc) || t->stop_pc != pc)
		return false;
	*addr_ret = pc;
	return true;
}

static bool any_pending(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->has_pending && p->threads[i]->resume_me)
			return true;
	return p->exited;
}

/* Nothing runs: the next poll reports a pending event.  Wake the caller's poll(). */
static void report_soon(struct stub_proc *p)
{
	p->running = true;
	p->report_ready = true;
	raise(SIGCHLD);
}

/* The step-overs; true when one of them produced the event to report. */
static struct gsc_error *do_step_overs(struct stub_proc *p, bool *event_ret)
{
	*event_ret = false;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		uint64_t addr;
		if (!t->resume_me || t->state != T_STOPPED || !needs_step_over(p, t, &addr))
			continue;
		pid_t tid = t->tid;
		struct gsc_error *err = step_over(p, t, addr);
		if (err)
			return err;
		t = find_thread(p, tid);
		if (t && t->state == T_STOPPED && !t->has_pending)
			(void)watch_hit(p, t);	/* the instruction under the breakpoint wrote */
		if (any_pending(p)) {
			*event_ret = true;
			return NULL;
		}
		if (!t || t->state != T_STOPPED)
			continue;
		if (t->rkind == STUB_RESUME_STEP ||
		    (t->rkind == STUB_RESUME_RANGE && !range_continues(p, t))) {
			set_pending(t, STUB_STOP_STEP, SIGTRAP, 0, STUB_HW_EXEC);
			*event_ret = true;
			return NULL;
		}
		/* Threads adopted meanwhile moved the array: restart the scan. */
		i = (size_t)-1;
	}
	return NULL;
}

struct gsc_error *stub_proc_resume(struct stub_proc *p, const struct stub_resume *actions, size_t n)
{
	if (p->dead || p->detached)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "process %d is gone", (int)p->pid);
	if (p->running)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "process %d is already running",
					(int)p->pid);
	const struct stub_resume *d = action_for(actions, n, -1);
	p->has_default = d && d->tid == -1;
	if (p->has_default)
		p->dflt = *d;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		set_action(p, t, t->state == T_STOPPED ? action_for(actions, n, t->tid) : NULL);
		t->interrupt_sent = false;
	}
	p->ntids = 0;
	if (any_pending(p)) {
		report_soon(p);
		return NULL;
	}
	(void)watch_changed(p);	/* what the client wrote while stopped is no hit */
	bool event;
	struct gsc_error *err = do_step_overs(p, &event);
	if (err)
		return err;
	if (event) {
		report_soon(p);
		return NULL;
	}
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->state != T_STOPPED)
			continue;
		if (!t->resume_me) {
			/* Adopted during a step-over: it follows the actions too. */
			set_action(p, t, action_for(actions, n, t->tid));
			if (!t->resume_me)
				continue;
		}
		resume_thread(p, t);
	}
	p->running = true;
	if (any_queued(p))
		raise(SIGCHLD);	/* the caller's poll runs emul_slice */
	return NULL;
}

struct gsc_error *stub_proc_interrupt(struct stub_proc *p)
{
	if (!p->running || p->report_ready || p->interrupt_requested)
		return NULL;
	p->interrupt_requested = true;
	if (p->nsw)
		raise(SIGCHLD);	/* emul_slice sees it even if no thread runs */
	struct thread *t = find_thread(p, p->pid);
	if (t && t->state == T_RUNNING && pt(PTRACE_INTERRUPT, t->tid, 0, 0) == 0) {
		t->interrupt_sent = true;
		return NULL;
	}
	reinterrupt(p);
	return NULL;
}

/* ---- exec ------------------------------------------------------------- */

static struct gsc_error *open_mem(struct stub_proc *p)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)p->pid);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return gsc_error_errno(errno, "%s", path);
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = fd;
	return NULL;
}

static void read_exe(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, buf, size - 1);
	buf[n < 0 ? 0 : n] = '\0';
}

/* The image changed: old breakpoints and watchpoints are gone with it; one thread is left. */
static void post_exec(struct stub_proc *p, char *path, size_t size)
{
	struct gsc_error *err = open_mem(p);
	gsc_error_destroy(err);
	p->nbps = 0;
	p->bps_lifted = false;
	p->vforks = 0;
	for (size_t i = 0; i < p->nthreads; i++)
		p->threads[i]->in_vfork = false;
	memset(p->hw, 0, sizeof(p->hw));
	clear_soft_watches(p);
	p->vdso_known = false;
	for (size_t i = 0; i < p->nthreads;) {
		struct thread *t = p->threads[i];
		int status;
		if (t->tid == p->pid) {
			i++;
			continue;
		}
		/* exec killed it (the kernel waited for that): reap it. */
		while (waitpid(t->tid, &status, __WALL) < 0 && errno == EINTR)
			;
		remove_thread(p, t);
	}
	read_exe(p->pid, path, size);
}

/* ---- launch ----------------------------------------------------------- */

/* 'arg' with every ' written as '\'' : safe for any POSIX shell. */
static char *shell_command(char *const *argv)
{
	size_t len = 6;
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) * 4 + 3;
	char *cmd = malloc(len), *o = cmd;
	if (!cmd)
		return NULL;
	o += sprintf(o, "exec");
	for (size_t i = 0; argv[i]; i++) {
		*o++ = ' ';
		*o++ = '\'';
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = *s;
			}
		}
		*o++ = '\'';
	}
	*o = '\0';
	return cmd;
}

struct child_failure {
	int err;
	int stage;	/* 0 exec, 1 chdir, 2 stdio */
};

static void child_fail(int fd, int stage)
{
	struct child_failure f = { .err = errno, .stage = stage };
	ssize_t n = write(fd, &f, sizeof(f));
	(void)n;
	_exit(127);
}

/* In the child: never returns. */
static void child_exec(const struct stub_launch *o, char *const *argv, int sync_fd, int err_fd)
{
	sigset_t none;
	sigemptyset(&none);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char c;
	/* Wait until the parent has seized us: a failure below is then seen as our exit, not as EPERM. */
	while (read(sync_fd, &c, 1) < 0 && errno == EINTR)
		;
	/*
	 * A process group of its own, as gdbserver gives it: signals for the
	 * stub's group (a hangup when the stub, session leader under a
	 * terminal, exits; ^C at its terminal) do not reach the program or the
	 * children it forks, and a detached child runs on after the stub.
	 */
	(void)setpgid(0, 0);
	if (o->stdio_is_protocol) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(2, 1) < 0)
			child_fail(err_fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (o->cwd && chdir(o->cwd) < 0)
		child_fail(err_fd, 1);
	if (o->disable_aslr) {
		int pers = personality(0xffffffff);
		if (pers != -1)
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
	}
	execvpe(argv[0], argv, o->envp ? o->envp : environ);
	child_fail(err_fd, 0);
}

/* Reaps a child that failed before its program ran; *status_ret its wait status. */
static void reap_child(pid_t pid, int *status_ret)
{
	int status = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			break;
		(void)pt(PTRACE_CONT, pid, 0, 0);
	}
	*status_ret = status;
}

/*
 * The exec event stop is inside execve: a PTRACE_SINGLESTEP from there
 * stops at once on the way out of the system call (the kernel's syscall
 * exit reports the step, kernel/entry/common.c report_single_step), with
 * no instruction executed, and the client's first stepi would report a
 * step that did not move.  That stop is taken here, so the program waits
 * at its first instruction in a SIGTRAP stop from which a step executes
 * one instruction, as under gdbserver (whose PTRACE_TRACEME start stops
 * at the exec's SIGTRAP on the way to user mode).
 */
static struct gsc_error *leave_exec_stop(pid_t pid, const char *prog)
{
	int status;
	if (pt(PTRACE_SINGLESTEP, pid, 0, 0) < 0)
		return gsc_error_errno(errno, "starting %s", prog);
	for (;;) {
		pid_t r = waitpid(pid, &status, __WALL);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return gsc_error_errno(errno, "waiting for %s", prog);
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP || ((unsigned)status >> 16) != 0)
		return gsc_error_create(GSC_ERR_OS, "%s did not stop after its exec (status 0x%x)", prog,
					(unsigned)status);
	if (pt(PTRACE_SETOPTIONS, pid, 0, TRACE_OPTIONS) < 0)
		return gsc_error_errno(errno, "PTRACE_SETOPTIONS of %s", prog);
	return NULL;
}

/* Runs the seized child to the exec of the program (the 'execs'-th exec). */
static struct gsc_error *run_to_exec(pid_t pid, int execs, int err_fd, const char *prog)
{
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return gsc_error_errno(errno, "waiting for %s", prog);
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		int event = (unsigned)status >> 16;
		if (event == PTRACE_EVENT_EXEC && --execs == 0)
			return leave_exec_stop(pid, prog);
		if (event == PTRACE_EVENT_EXIT) {
			/* Dying: read why, then reap. */
			(void)pt(PTRACE_CONT, pid, 0, 0);
			reap_child(pid, &status);
			break;
		}
		int sig = event == 0 && WSTOPSIG(status) != SIGTRAP ? WSTOPSIG(status) : 0;
		(void)pt(PTRACE_CONT, pid, 0, (uint64_t)sig);
	}
	struct child_failure f;
	ssize_t n = read(err_fd, &f, sizeof(f));
	if (n == (ssize_t)sizeof(f)) {
		static const char *const what[] = { "cannot execute", "cannot change directory for",
						    "cannot set up stdio for" };
		return gsc_error_errno(f.err, "%s %s", what[f.stage < 3 ? f.stage : 0], prog);
	}
	if (WIFEXITED(status))
		return gsc_error_create(GSC_ERR_OS, "cannot execute %s: exited with status %d before it ran",
					prog, WEXITSTATUS(status));
	return gsc_error_create(GSC_ERR_OS, "cannot execute %s: killed by signal %d before it ran",
				prog, WTERMSIG(status));
}

static struct gsc_error *proc_create(pid_t pid, bool attached, struct stub_proc **ret);

struct gsc_error *stub_proc_launch(const struct stub_launch *opts, struct stub_proc **ret)
{
	if (!opts->argv || !opts->argv[0])
		return gsc_error_create(GSC_ERR_INVALID_ARG, "no program to run");
	if (stub_ptrace_event_fd() < 0)
		return gsc_error_errno(errno, "signalfd");
	_cleanup_free_ char *cmd = NULL;
	_cleanup_free_ char **wrapped = NULL;
	char *shell_argv[4];
	char *const *argv = opts->argv;
	int execs = 1;
	if (opts->wrapper && opts->wrapper[0]) {
		size_t nw = 0, na = 0;
		while (opts->wrapper[nw])
			nw++;
		while (opts->argv[na])
			na++;
		wrapped = calloc(nw + na + 1, sizeof(*wrapped));
		if (!wrapped)
			return &gsc_enomem;
		memcpy(wrapped, opts->wrapper, nw * sizeof(*wrapped));
		memcpy(wrapped + nw, opts->argv, na * sizeof(*wrapped));
		argv = wrapped;
		execs++;	/* the wrapper's own exec */
	}
	if (opts->with_shell) {
		execs++;
		cmd = shell_command(argv);
		if (!cmd)
			return &gsc_enomem;
		const char *sh = getenv("SHELL");
		shell_argv[0] = (char *)(sh && *sh ? sh : "/bin/sh");
		shell_argv[1] = (char *)"-c";
		shell_argv[2] = cmd;
		shell_argv[3] = NULL;
		argv = shell_argv;
	}
	int sync[2], errp[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return gsc_error_errno(errno, "pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int e = errno;
		close(sync[0]);
		close(sync[1]);
		return gsc_error_errno(e, "pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(sync[1]);
		close(errp[0]);
		child_exec(opts, argv, sync[0], errp[1]);
	}
	int fork_errno = errno;
	close(sync[0]);
	close(errp[1]);
	struct gsc_error *err = NULL;
	if (pid < 0) {
		err = gsc_error_errno(fork_errno, "fork");
	} else if (pt(PTRACE_SEIZE, pid, 0, LAUNCH_OPTIONS) < 0) {
		err = gsc_error_errno(errno, "PTRACE_SEIZE of %d", (int)pid);
		int status;
		kill(pid, SIGKILL);
		close(sync[1]);
		sync[1] = -1;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	} else {
		if (write(sync[1], "x", 1) != 1)
			err = gsc_error_errno(errno, "starting %s", opts->argv[0]);
		close(sync[1]);
		sync[1] = -1;
		if (!err)
			err = run_to_exec(pid, execs, errp[0], opts->argv[0]);
		if (err) {
			int status;
			kill(pid, SIGKILL);
			reap_child(pid, &status);
		}
	}
	if (sync[1] >= 0)
		close(sync[1]);
	close(errp[0]);
	if (err)
		return err;
	struct stub_proc *p;
	err = proc_create(pid, false, &p);
	if (err) {
		int status;
		kill(pid, SIGKILL);
		reap_child(pid, &status);
		return err;
	}
	p->threads[0]->stop.reason = STUB_STOP_SIGNAL;
	p->threads[0]->stop.signo = SIGTRAP;
	*ret = p;
	return NULL;
}

static struct gsc_error *proc_create(pid_t pid, bool attached, struct stub_proc **ret)
{
	struct stub_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return &gsc_enomem;
	p->pid = pid;
	p->attached = attached;
	p->memfd = -1;
	p->use_vm_readv = true;
	p->last_tid = pid;
	p->pass[SIGURG] = true;
	p->emulate = -1;
	struct gsc_error *err = add_thread(p, pid, T_STOPPED, NULL);
	if (!err)
		err = open_mem(p);
	if (err) {
		forget_threads(p);
		free(p->threads);
		free(p);
		return err;
	}
	*ret = p;
	return NULL;
}

/* ---- attach ----------------------------------------------------------- */

/* Seizes the threads of /proc/PID/task not yet known; *added_ret how many. */
static struct gsc_error *seize_new_tasks(struct stub_proc *p, size_t *added_ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	DIR *d = opendir(path);
	if (!d)
		return gsc_error_errno(errno, "%s", path);
	struct dirent *e;
	struct gsc_error *err = NULL;
	size_t added = 0;
	while (!err && (e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);
		if (*end || tid <= 0 || find_thread(p, (pid_t)tid))
			continue;
		if (pt(PTRACE_SEIZE, (pid_t)tid, 0, TRACE_OPTIONS) < 0)
			continue;	/* gone, or ours through a clone event still to come */
		err = add_thread(p, (pid_t)tid, T_RUNNING, NULL);
		added++;
	}
	closedir(d);
	*added_ret = added;
	return err;
}

static void detach_all_raw(struct stub_proc *p);
static char proc_state(pid_t pid, pid_t tid);

struct gsc_error *stub_proc_attach(pid_t pid, struct stub_proc **ret)
{
	if (stub_ptrace_event_fd() < 0)
		return gsc_error_errno(errno, "signalfd");
	if (pid <= 0 || pid == getpid())
		return gsc_error_create(GSC_ERR_INVALID_ARG, "cannot attach to process %d", (int)pid);
	bool stopped = proc_state(pid, pid) == 'T';
	if (pt(PTRACE_SEIZE, pid, 0, TRACE_OPTIONS) < 0)
		return gsc_error_errno(errno, "cannot attach to process %d", (int)pid);
	struct stub_proc *p;
	struct gsc_error *err = proc_create(pid, true, &p);
	if (err) {
		(void)pt(PTRACE_DETACH, pid, 0, 0);
		return err;
	}
	p->found_stopped = stopped;
	p->threads[0]->state = T_RUNNING;
	/* Threads keep being born while we look: repeat until a scan adds none. */
	for (int round = 0; !err; round++) {
		size_t added = 0;
		err = seize_new_tasks(p, &added);
		if (!err)
			err = stop_all(p, true);
		if (!err && added == 0 && round > 0)
			break;
	}
	if (!err && p->exited)
		err = gsc_error_create(GSC_ERR_NOT_FOUND, "process %d exited while attaching", (int)pid);
	if (!err && !find_thread(p, pid))
		err = gsc_error_create(GSC_ERR_NOT_FOUND, "process %d has no main thread", (int)pid);
	if (err) {
		detach_all_raw(p);
		p->detached = true;
		stub_proc_destroy(p);
		return err;
	}
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		t->has_pending = false;
		t->stop = (struct stub_thread_stop){ .tid = t->tid, .reason = STUB_STOP_NONE };
	}
	struct thread *main_t = find_thread(p, pid);
	main_t->stop.reason = STUB_STOP_SIGNAL;
	main_t->stop.signo = 0;
	*ret = p;
	return NULL;
}

/* ---- detach, kill, destroy -------------------------------------------- */

static char proc_state(pid_t pid, pid_t tid)
{
	char path[96], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : 0;
}

static void detach_all_raw(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->state == T_PARKED) {
			(void)pt(PTRACE_DETACH, t->tid, 0, 0);	/* it goes on exiting, its parent's to reap */
			continue;
		}
		if (t->state != T_STOPPED)
			continue;
		uint64_t want = t->defer_mask;
		int sig = t->sigstop_sig && (want & sigbit(t->sigstop_sig)) ? t->sigstop_sig : 0;
		want &= ~sigbit(sig);
		(void)pt(PTRACE_DETACH, t->tid, 0, (uint64_t)sig);
		while (want) {
			int s = __builtin_ctzll(want) + 1;
			want &= ~sigbit(s);
			(void)tgkill_(p->pid, t->tid, s);
		}
	}
	/*
	 * A group-stop survives PTRACE_DETACH: the process must not be left
	 * stopped.  One that was stopped when we came was running under us
	 * (PTRACE_CONT overrides the job-control stop) and re-enters the stop
	 * after the detach, maybe not yet: it gets its SIGCONT regardless.
	 * Detach leaves a process running, never stopped (issue 4), as gdb
	 * leaves one it attached to in a job-control stop.
	 */
	if (p->found_stopped) {
		kill(p->pid, SIGCONT);
		return;
	}
	for (size_t i = 0; i < p->nthreads; i++) {
		if (proc_state(p->pid, p->threads[i]->tid) == 'T') {
			kill(p->pid, SIGCONT);
			break;
		}
	}
}

static void remove_all_points(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nbps; i++) {
		struct gsc_error *err = write_orig(p, &p->bps[i]);
		gsc_error_destroy(err);
	}
	p->nbps = 0;
	memset(p->hw, 0, sizeof(p->hw));
	clear_soft_watches(p);
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->state != T_STOPPED)
			continue;
		(void)pt(PTRACE_POKEUSER, t->tid, dr_off(7), 0);
		for (int n = 0; n < 4; n++)
			(void)pt(PTRACE_POKEUSER, t->tid, dr_off(n), 0);
	}
}

/* Children of reported forks nobody took: let go (detach, our int3 bytes out) or killed. */
static void drop_held(struct stub_proc *p, bool kill_them)
{
	for (size_t i = 0; i < p->nheld; i++) {
		struct gsc_error *err = kill_them ? stub_proc_kill(p->held[i]) : stub_proc_detach(p->held[i]);
		gsc_error_destroy(err);
		stub_proc_destroy(p->held[i]);
	}
	free(p->held);
	p->held = NULL;
	p->nheld = 0;
}

struct stub_proc *stub_proc_take_fork(struct stub_proc *parent, pid_t child)
{
	for (size_t i = 0; i < parent->nheld; i++) {
		struct stub_proc *c = parent->held[i];
		if (c->pid == child) {
			parent->held[i] = parent->held[--parent->nheld];
			return c;
		}
	}
	return NULL;
}

void stub_proc_set_fork_events(struct stub_proc *p, bool fork, bool vfork)
{
	p->report_fork = fork;
	p->report_vfork = vfork;
}

struct gsc_error *stub_proc_detach(struct stub_proc *p)
{
	if (p->dead || p->detached)
		return NULL;
	if (p->running) {
		struct gsc_error *err = stop_all(p, false);
		if (err)
			return err;
		clear_report_state(p);
	}
	drop_held(p, false);
	remove_all_points(p);
	detach_all_raw(p);
	p->detached = true;
	forget_threads(p);
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = -1;
	return NULL;
}

struct gsc_error *stub_proc_kill(struct stub_proc *p)
{
	if (p->dead || p->detached)
		return NULL;
	drop_held(p, true);
	if (kill(p->pid, SIGKILL) < 0 && errno != ESRCH)
		return gsc_error_errno(errno, "kill %d", (int)p->pid);
	/* Reap every thread; the leader is reported last. */
	while (p->nthreads) {
		bool progress = false;
		drain_events();
		for (size_t i = 0; i < p->nthreads; i++) {
			struct thread *t = p->threads[i];
			int status;
			pid_t r = waitpid(t->tid, &status, __WALL | WNOHANG);
			if (r == 0)
				continue;
			progress = true;
			if (r > 0 && WIFSTOPPED(status)) {
				(void)pt(PTRACE_CONT, t->tid, 0, 0);
				continue;
			}
			remove_thread(p, t);
			i--;
		}
		if (!progress)
			sleep_for_event(100);
	}
	clear_report_state(p);
	p->dead = true;
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = -1;
	return NULL;
}

void stub_proc_destroy(struct stub_proc *p)
{
	if (!p)
		return;
	if (!p->dead && !p->detached) {
		struct gsc_error *err = p->attached ? stub_proc_detach(p) : stub_proc_kill(p);
		gsc_error_destroy(err);
	}
	drop_held(p, !p->attached);
	forget_threads(p);
	if (p->memfd >= 0)
		close(p->memfd);
	free(p->threads);
	free(p->tids);
	free(p->bps);
	free(p);
}

/* ---- simple accessors ------------------------------------------------- */

pid_t stub_proc_pid(const struct stub_proc *p)
{
	return p->pid;
}

bool stub_proc_was_attached(const struct stub_proc *p)
{
	return p->attached;
}

bool stub_proc_is_dead(const struct stub_proc *p)
{
	return p->dead || p->detached;
}

void stub_proc_set_pass(struct stub_proc *p, const bool pass[65])
{
	memcpy(p->pass, pass, sizeof(p->pass));
	p->pass[0] = false;
}

const pid_t *stub_proc_threads(const struct stub_proc *p, size_t *count_ret)
{
	struct stub_proc *mp = (struct stub_proc *)p;	/* the list is a cache */
	pid_t *tids = realloc(mp->tids, (p->nthreads + 1) * sizeof(*tids));
	size_t n = 0;
	if (!tids) {
		*count_ret = 0;
		return mp->tids;
	}
	mp->tids = tids;
	const struct thread *leader = find_thread(p, p->pid);
	if (leader && leader->state != T_EXITING && leader->state != T_PARKED)
		tids[n++] = p->pid;
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct thread *t = p->threads[i];
		if (t->tid != p->pid && t->state != T_EXITING && t->state != T_PARKED)
			tids[n++] = t->tid;
	}
	mp->ntids = n;
	*count_ret = n;
	return tids;
}

bool stub_proc_has_thread(const struct stub_proc *p, pid_t tid)
{
	const struct thread *t = find_thread(p, tid);
	return t && t->state != T_EXITING && t->state != T_PARKED;
}

static void read_comm(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[96];
	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
}

/* Cached while the thread is stopped: only a running thread of the process can rename it. */
void stub_proc_thread_name(const struct stub_proc *p, pid_t tid, char *buf, size_t size)
{
	if (!size)
		return;
	struct thread *t = find_thread(p, tid);
	if (!t || t->state != T_STOPPED || any_running(p)) {
		char tmp[64];
		read_comm(p->pid, tid, tmp, sizeof(tmp));
		snprintf(buf, size, "%s", tmp);
		return;
	}
	if (!t->name_valid) {
		read_comm(p->pid, tid, t->name, sizeof(t->name));
		t->name_valid = true;
	}
	snprintf(buf, size, "%s", t->name);
}

struct gsc_error *stub_proc_thread_stop(const struct stub_proc *p, pid_t tid,
					struct stub_thread_stop *ret)
{
	const struct thread *t = find_thread(p, tid);
	if (!t || t->state == T_EXITING || t->state == T_PARKED)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	*ret = t->stop;
	return NULL;
}

/* ---- memory ----------------------------------------------------------- */

struct gsc_error *stub_proc_read_mem(struct stub_proc *p, uint64_t addr, void *buf, size_t size,
				     size_t *done_ret)
{
	if (p->memfd < 0)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "process %d is gone", (int)p->pid);
	if (size == 0) {
		*done_ret = 0;
		return NULL;
	}
	ssize_t n = raw_read(p, addr, buf, size);
	if (n <= 0) {
		if (n < 0 && errno != EIO && errno != EFAULT && errno != EINVAL)
			return gsc_error_errno(errno, "reading memory of process %d", (int)p->pid);
		return gsc_error_fault(addr, size);
	}
	uint8_t *b = buf;
	for (size_t i = 0; i < p->nbps; i++) {
		uint64_t a = p->bps[i].addr;
		if (a >= addr && a - addr < (uint64_t)n)
			b[a - addr] = p->bps[i].orig;
	}
	*done_ret = (size_t)n;
	return NULL;
}

struct gsc_error *stub_proc_write_mem(struct stub_proc *p, uint64_t addr, const void *buf, size_t size)
{
	if (p->memfd < 0)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "process %d is gone", (int)p->pid);
	if (size == 0)
		return NULL;
	bool covered = false;
	for (size_t i = 0; i < p->nbps && !covered; i++)
		covered = p->bps[i].addr >= addr && p->bps[i].addr - addr < size;
	if (!covered)
		return raw_write(p, addr, buf, size);
	if (p->bps_lifted) {
		/* No int3 in memory now: the kept bytes follow what is written. */
		struct gsc_error *err = raw_write(p, addr, buf, size);
		for (size_t i = 0; i < p->nbps && !err; i++)
			if (p->bps[i].addr >= addr && p->bps[i].addr - addr < size)
				p->bps[i].orig = ((const uint8_t *)buf)[p->bps[i].addr - addr];
		return err;
	}
	/* Under a breakpoint the kept byte takes the new value; memory keeps the int3. */
	_cleanup_free_ uint8_t *copy = malloc(size);
	if (!copy)
		return &gsc_enomem;
	memcpy(copy, buf, size);
	uint8_t saved[64];
	size_t nsaved = 0;
	for (size_t i = 0; i < p->nbps; i++) {
		struct breakpoint *bp = &p->bps[i];
		if (bp->addr < addr || bp->addr - addr >= size)
			continue;
		if (nsaved < sizeof(saved))
			saved[nsaved++] = bp->orig;
		bp->orig = copy[bp->addr - addr];
		copy[bp->addr - addr] = INT3;
	}
	struct gsc_error *err = raw_write(p, addr, copy, size);
	if (err && nsaved < sizeof(saved)) {
		/* Nothing was written for sure: keep the old shadow bytes. */
		size_t k = 0;
		for (size_t i = 0; i < p->nbps; i++)
			if (p->bps[i].addr >= addr && p->bps[i].addr - addr < size)
				p->bps[i].orig = saved[k++];
	}
	return err;
}

/* ---- registers (public) ----------------------------------------------- */

static struct gsc_error *stopped_thread(const struct stub_proc *p, pid_t tid, struct thread **ret)
{
	struct thread *t = find_thread(p, tid);
	if (!t || t->state == T_EXITING || t->state == T_PARKED)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	if (t->state != T_STOPPED)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "thread %d is running", (int)tid);
	*ret = t;
	return NULL;
}

struct gsc_error *stub_proc_get_regs(struct stub_proc *p, pid_t tid, const struct stub_regs **ret)
{
	struct thread *t;
	struct gsc_error *err = stopped_thread(p, tid, &t);
	if (!err)
		err = fetch_gpr(t);
	if (!err)
		err = fetch_xsave(t);
	if (err)
		return err;
	*ret = &t->regs;
	return NULL;
}

struct gsc_error *stub_proc_get_gpr(struct stub_proc *p, pid_t tid, const uint8_t **gpr_ret)
{
	struct thread *t;
	struct gsc_error *err = stopped_thread(p, tid, &t);
	if (!err)
		err = fetch_gpr(t);
	if (err)
		return err;
	*gpr_ret = t->regs.gpr;
	return NULL;
}

struct gsc_error *stub_proc_get_pc(struct stub_proc *p, pid_t tid, uint64_t *ret)
{
	struct thread *t;
	struct gsc_error *err = stopped_thread(p, tid, &t);
	if (!err)
		err = thread_pc(t, ret);
	return err;
}

struct gsc_error *stub_proc_set_regs(struct stub_proc *p, pid_t tid, const struct stub_regs *regs)
{
	struct thread *t;
	struct gsc_error *err = stopped_thread(p, tid, &t);
	if (!err)
		err = fetch_gpr(t);
	if (!err)
		err = fetch_xsave(t);
	if (err)
		return err;
	if (memcmp(regs->gpr, t->regs.gpr, STUB_GPR_SIZE) != 0) {
		if (pt(PTRACE_SETREGS, tid, 0, (uintptr_t)regs->gpr) < 0)
			return gsc_error_errno(errno, "PTRACE_SETREGS of thread %d", (int)tid);
		memcpy(t->regs.gpr, regs->gpr, STUB_GPR_SIZE);
	}
	size_t len = t->regs.xsave_len;
	if (regs->xsave_len == len && memcmp(regs->xsave, t->regs.xsave, len) != 0) {
		struct iovec iov = { .iov_base = (void *)regs->xsave, .iov_len = len };
		int set = len > 512 ? NT_X86_XSTATE : NT_PRFPREG;
		if (pt(PTRACE_SETREGSET, tid, (uint64_t)set, (uintptr_t)&iov) < 0 &&
		    (set != NT_X86_XSTATE ||
		     pt(PTRACE_SETREGSET, tid, NT_PRFPREG, (uintptr_t)&(struct iovec){
			     .iov_base = (void *)regs->xsave, .iov_len = 512 }) < 0))
			return gsc_error_errno(errno, "PTRACE_SETREGSET of thread %d", (int)tid);
		memcpy(t->regs.xsave, regs->xsave, len);
	}
	return NULL;
}

/* ---- breakpoints (public) --------------------------------------------- */

/* Plants an int3 at addr (or finds ours there) and marks it as the client's (hw: an emulated Z1). */
static struct gsc_error *plant_bp(struct stub_proc *p, uint64_t addr, bool hw)
{
	if (p->memfd < 0)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "process %d is gone", (int)p->pid);
	struct breakpoint *have = find_bp(p, addr);
	if (have) {
		have->hw |= hw;
		have->sw |= !hw;
		return NULL;
	}
	uint8_t orig;
	ssize_t n = raw_read(p, addr, &orig, 1);
	if (n != 1)
		return gsc_error_fault(addr, 1);
	if (p->nbps == p->bps_cap) {
		size_t cap = p->bps_cap ? p->bps_cap * 2 : 16;
		struct breakpoint *nb = realloc(p->bps, cap * sizeof(*nb));
		if (!nb)
			return &gsc_enomem;
		p->bps = nb;
		p->bps_cap = cap;
	}
	struct gsc_error *err = write_int3(p, addr);
	if (err)
		return err;
	p->bps[p->nbps++] = (struct breakpoint){ .addr = addr, .orig = orig, .sw = !hw, .hw = hw };
	return NULL;
}

/* The int3 goes when neither the Z0 nor the emulated Z1 at addr wants it. */
static struct gsc_error *unplant_bp(struct stub_proc *p, uint64_t addr, bool hw)
{
	struct breakpoint *bp = find_bp(p, addr);
	if (!bp)
		return NULL;
	if (hw ? bp->sw : bp->hw) {
		if (hw)
			bp->hw = false;
		else
			bp->sw = false;
		return NULL;
	}
	if (p->memfd >= 0) {
		struct gsc_error *err = write_orig(p, bp);
		if (err)
			return err;
	}
	*bp = p->bps[--p->nbps];
	return NULL;
}

struct gsc_error *stub_proc_insert_breakpoint(struct stub_proc *p, uint64_t addr)
{
	return plant_bp(p, addr, false);
}

struct gsc_error *stub_proc_remove_breakpoint(struct stub_proc *p, uint64_t addr)
{
	return unplant_bp(p, addr, false);
}

/* ---- hardware points (public) ----------------------------------------- */

static struct gsc_error *apply_all_debugregs(struct stub_proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		if (p->threads[i]->state != T_STOPPED)
			continue;
		struct gsc_error *err = apply_debugregs(p, p->threads[i]->tid);
		if (err)
			return err;
	}
	return NULL;
}

bool stub_proc_watch_emulated(struct stub_proc *p)
{
	if (p->emulate < 0)
		p->emulate = !stub_ptrace_probe_debug_regs();
	return p->emulate == 1;
}

struct gsc_error *stub_proc_set_watch_emulation(struct stub_proc *p, bool on)
{
	bool busy = p->nsw > 0 || any_hw(p);
	for (size_t i = 0; i < p->nbps && !busy; i++)
		busy = p->bps[i].hw;
	if (busy)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "hardware breakpoints or watchpoints are set");
	p->emulate = on;
	return NULL;
}

/* An emulated write watchpoint: a slot and a copy of the bytes. */
static struct gsc_error *insert_soft_watch(struct stub_proc *p, uint64_t addr, size_t len)
{
	if (len == 0 || len > STUB_SOFT_WATCH_MAX_LEN)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "cannot watch %zu bytes (at most %d)", len,
					STUB_SOFT_WATCH_MAX_LEN);
	struct soft_watch *slot = NULL;
	for (int i = 0; i < STUB_SOFT_WATCH_SLOTS; i++) {
		struct soft_watch *w = &p->sw[i];
		if (w->used && w->addr == addr && w->len == len)
			return NULL;
		if (!w->used && !slot)
			slot = w;
	}
	if (!slot)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "all %d emulated watchpoints are in use",
					STUB_SOFT_WATCH_SLOTS);
	size_t done;
	struct gsc_error *err = stub_proc_read_mem(p, addr, slot->snap, len, &done);
	if (!err && done < len)
		err = gsc_error_fault(addr + done, len - done);
	if (err)
		return gsc_error_wrap(err, "watchpoint at 0x%" PRIx64, addr);
	slot->used = true;
	slot->addr = addr;
	slot->len = len;
	p->nsw++;
	return NULL;
}

static struct gsc_error *remove_soft_watch(struct stub_proc *p, uint64_t addr, size_t len)
{
	for (int i = 0; i < STUB_SOFT_WATCH_SLOTS; i++) {
		struct soft_watch *w = &p->sw[i];
		if (w->used && w->addr == addr && w->len == len) {
			w->used = false;
			p->nsw--;
		}
	}
	return NULL;
}

struct gsc_error *stub_proc_insert_hw(struct stub_proc *p, enum stub_hw_kind kind, uint64_t addr,
				      size_t len)
{
	if (stub_proc_watch_emulated(p)) {
		if (kind == STUB_HW_EXEC)
			return plant_bp(p, addr, true);
		if (kind == STUB_HW_WRITE)
			return insert_soft_watch(p, addr, len);
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
					"read and access watchpoints cannot be emulated without debug registers");
	}
	if (kind == STUB_HW_READ)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "x86 cannot watch reads alone");
	if (kind == STUB_HW_EXEC)
		len = 1;
	else if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
					"cannot watch %zu bytes at 0x%" PRIx64 " with one debug register",
					len, addr);
	int free_slot = -1;
	for (int i = 0; i < 4; i++) {
		const struct hw_point *h = &p->hw[i];
		if (h->used && h->kind == kind && h->addr == addr && h->len == len)
			return NULL;
		if (!h->used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "all four debug registers are in use");
	p->hw[free_slot] = (struct hw_point){ .used = true, .kind = kind, .addr = addr, .len = len };
	struct gsc_error *err = apply_all_debugregs(p);
	if (err) {
		p->hw[free_slot].used = false;
		gsc_error_destroy(apply_all_debugregs(p));
		return gsc_error_wrap(err, "watchpoint at 0x%" PRIx64, addr);
	}
	return NULL;
}

struct gsc_error *stub_proc_remove_hw(struct stub_proc *p, enum stub_hw_kind kind, uint64_t addr,
				      size_t len)
{
	if (stub_proc_watch_emulated(p)) {
		if (kind == STUB_HW_EXEC)
			return unplant_bp(p, addr, true);
		return kind == STUB_HW_WRITE ? remove_soft_watch(p, addr, len) : NULL;
	}
	if (kind == STUB_HW_EXEC)
		len = 1;
	for (int i = 0; i < 4; i++) {
		struct hw_point *h = &p->hw[i];
		if (h->used && h->kind == kind && h->addr == addr && h->len == len) {
			h->used = false;
			return apply_all_debugregs(p);
		}
	}
	return NULL;
}

struct gsc_error *stub_proc_peek_debugreg(struct stub_proc *p, pid_t tid, int n, uint64_t *ret)
{
	struct thread *t;
	if (n < 0 || n > 7)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "no debug register %d", n);
	struct gsc_error *err = stopped_thread(p, tid, &t);
	if (err)
		return err;
	errno = 0;
	long v = pt(PTRACE_PEEKUSER, tid, dr_off(n), 0);
	if (errno)
		return gsc_error_errno(errno, "reading DR%d of thread %d", n, (int)tid);
	*ret = (uint64_t)v;
	return NULL;
}

/* ---- the debug register probe ----------------------------------------- */

static volatile uint32_t probe_word;

static int probe_once(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		if (pt(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(2);
		raise(SIGSTOP);
		probe_word = 1;
		_exit(0);
	}
	int status, result = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		goto out;
	uint64_t dr7 = 1 | (uint64_t)(1 | 3 << 2) << 16;	/* L0, write, 4 bytes */
	if (pt(PTRACE_POKEUSER, pid, dr_off(0), (uintptr_t)&probe_word) < 0 ||
	    pt(PTRACE_POKEUSER, pid, dr_off(7), dr7) < 0)
		goto out;
	(void)pt(PTRACE_CONT, pid, 0, 0);
	if (waitpid(pid, &status, 0) != pid)
		goto out;
	result = WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP;
out:
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) > 0 || errno == EINTR)
		;
	return result;
}

bool stub_ptrace_probe_debug_regs(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = probe_once();
	return cached == 1;
}

/* ---- /proc facts ------------------------------------------------------ */

static struct gsc_error *read_file(const char *path, uint8_t **data_ret, size_t *size_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gsc_error_errno(errno, "%s", path);
	size_t cap = 4096, len = 0;
	uint8_t *data = malloc(cap);
	for (;;) {
		if (!data) {
			close(fd);
			return &gsc_enomem;
		}
		ssize_t n = read(fd, data + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			free(data);
			return gsc_error_errno(e, "%s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (cap - len - 1 == 0) {
			uint8_t *nd = realloc(data, cap * 2);
			if (!nd)
				free(data);
			data = nd;
			cap *= 2;
		}
	}
	close(fd);
	data[len] = '\0';
	*data_ret = data;
	*size_ret = len;
	return NULL;
}

struct gsc_error *stub_proc_info(const struct stub_proc *p, struct stub_proc_info *ret)
{
	char path[64];
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)p->pid);
	struct gsc_error *err = read_file(path, &data, &size);
	if (err)
		return err;
	struct stub_proc_info info = { .pid = p->pid };
	const char *s = (const char *)data;
	const char *l;
	unsigned a, b;
	int pp;
	if ((l = strstr(s, "\nPPid:")) && sscanf(l + 6, "%d", &pp) == 1)
		info.ppid = pp;
	if ((l = strstr(s, "\nUid:")) && sscanf(l + 5, "%u %u", &a, &b) == 2) {
		info.uid = a;
		info.euid = b;
	}
	if ((l = strstr(s, "\nGid:")) && sscanf(l + 5, "%u %u", &a, &b) == 2) {
		info.gid = a;
		info.egid = b;
	}
	read_exe(p->pid, info.exe, sizeof(info.exe));
	*ret = info;
	return NULL;
}

struct gsc_error *stub_proc_auxv(const struct stub_proc *p, uint8_t **data_ret, size_t *size_ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)p->pid);
	return read_file(path, data_ret, size_ret);
}

struct gsc_error *stub_proc_region(const struct stub_proc *p, uint64_t addr, struct stub_region *ret)
{
	char path[64];
	_cleanup_free_ uint8_t *data = NULL;
	size_t size;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)p->pid);
	struct gsc_error *err = read_file(path, &data, &size);
	if (err)
		return err;
	struct stub_region r = { .start = 0, .mapped = false };
	uint64_t gap_start = 0, gap_end = UINT64_MAX;
	for (char *line = (char *)data, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		uint64_t lo, hi;
		char perms[8];
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &lo, &hi, perms,
			   &name_at) < 3)
			continue;
		if (addr >= lo && addr < hi) {
			r.start = lo;
			r.size = hi - lo;
			r.mapped = true;
			size_t k = 0;
			for (int i = 0; i < 3; i++)
				if (perms[i] != '-')
					r.perms[k++] = perms[i];
			r.perms[k] = '\0';
			if (name_at > 0)
				snprintf(r.name, sizeof(r.name), "%s", line + name_at);
			*ret = r;
			return NULL;
		}
		if (hi <= addr && hi > gap_start)
			gap_start = hi;
		if (lo > addr && lo < gap_end)
			gap_end = lo;
	}
	r.start = gap_start;
	r.size = gap_end - gap_start + (gap_end == UINT64_MAX && gap_start ? 1 : 0);
	if (gap_end == UINT64_MAX && !gap_start)
		r.size = UINT64_MAX;
	*ret = r;
	return NULL;
}

/* ---- shared libraries -------------------------------------------------- */

static struct gsc_error *read_exact(struct stub_proc *p, uint64_t addr, void *buf, size_t size)
{
	size_t done;
	struct gsc_error *err = stub_proc_read_mem(p, addr, buf, size, &done);
	if (err)
		return err;
	if (done < size)
		return gsc_error_fault(addr + done, size - done);
	return NULL;
}

struct gsc_error *stub_proc_phdrs(const struct stub_proc *p, uint64_t *phdr_ret, uint64_t *phnum_ret)
{
	_cleanup_free_ uint8_t *auxv = NULL;
	size_t size;
	struct gsc_error *err = stub_proc_auxv(p, &auxv, &size);
	if (err)
		return err;
	*phdr_ret = *phnum_ret = 0;
	for (size_t off = 0; off + 16 <= size; off += 16) {
		uint64_t type, val;
		memcpy(&type, auxv + off, 8);
		memcpy(&val, auxv + off + 8, 8);
		if (type == AT_PHDR)
			*phdr_ret = val;
		else if (type == AT_PHNUM)
			*phnum_ret = val;
	}
	return NULL;
}

/* r_debug's address from DT_DEBUG of the main program's dynamic section; 0 when there is none. */
static struct gsc_error *find_r_debug(struct stub_proc *p, uint64_t *ret)
{
	uint64_t phdr, phnum;
	struct gsc_error *err = stub_proc_phdrs(p, &phdr, &phnum);
	if (err)
		return err;
	*ret = 0;
	if (!phdr || !phnum || phnum > 4096)
		return NULL;
	uint64_t bias = 0, dyn = 0, dynsz = 0;
	bool have_bias = false;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		err = read_exact(p, phdr + i * sizeof(ph), &ph, sizeof(ph));
		if (err)
			return err;
		if (ph.p_type == PT_PHDR) {
			bias = phdr - ph.p_vaddr;
			have_bias = true;
		} else if (ph.p_type == PT_DYNAMIC) {
			dyn = ph.p_vaddr;
			dynsz = ph.p_memsz;
		}
	}
	if (!dyn)
		return NULL;
	if (!have_bias)
		bias = 0;
	size_t n = (size_t)(dynsz / sizeof(Elf64_Dyn));
	if (n > MAX_DYN)
		n = MAX_DYN;
	for (size_t i = 0; i < n; i++) {
		Elf64_Dyn d;
		err = read_exact(p, bias + dyn + i * sizeof(d), &d, sizeof(d));
		if (err)
			return err;
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag == DT_DEBUG) {
			*ret = d.d_un.d_ptr;
			return NULL;
		}
	}
	return NULL;
}

static struct gsc_error *read_cstring(struct stub_proc *p, uint64_t addr, char *buf, size_t size)
{
	size_t done = 0;
	buf[0] = '\0';
	if (!addr)
		return NULL;
	struct gsc_error *err = stub_proc_read_mem(p, addr, buf, size - 1, &done);
	if (err)
		return err;
	buf[done] = '\0';
	return NULL;
}

struct gsc_error *stub_proc_libraries(struct stub_proc *p, struct stub_library **libs_ret, size_t *count_ret,
				      uint64_t *main_lm_ret)
{
	uint64_t r_debug;
	struct gsc_error *err = find_r_debug(p, &r_debug);
	if (err)
		return err;
	struct stub_library *libs = NULL;
	size_t n = 0, cap = 0;
	uint64_t main_lm = 0, lm = 0;
	if (r_debug) {
		err = read_exact(p, r_debug + 8, &lm, 8);	/* r_debug.r_map */
		if (err)
			return err;
	}
	for (size_t k = 0; lm && k < MAX_LINK_MAPS; k++) {
		uint64_t w[4];	/* l_addr, l_name, l_ld, l_next */
		err = read_exact(p, lm, w, sizeof(w));
		if (err)
			break;
		if (k == 0) {
			main_lm = lm;	/* the first entry is the program itself */
		} else {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct stub_library *nl = realloc(libs, cap * sizeof(*nl));
				if (!nl) {
					err = &gsc_enomem;
					break;
				}
				libs = nl;
			}
			struct stub_library *l = &libs[n];
			l->lm = lm;
			l->l_addr = w[0];
			l->l_ld = w[2];
			err = read_cstring(p, w[1], l->name, sizeof(l->name));
			gsc_error_destroy(err);
			err = NULL;
			if (l->name[0])
				n++;
		}
		lm = w[3];
	}
	if (err) {
		free(libs);
		return err;
	}
	*libs_ret = libs;
	*count_ret = n;
	*main_lm_ret = main_lm;
	return NULL;
}

/* ---- gsc_target over the process -------------------------------------- */

static struct gsc_error *t_read_mem(void *priv, uint64_t addr, void *buf, size_t size)
{
	if (size == 0)
		return NULL;
	return read_exact(priv, addr, buf, size);
}

static struct gsc_error *t_write_mem(void *priv, uint64_t addr, const void *buf, size_t size)
{
	return stub_proc_write_mem(priv, addr, buf, size);
}

static struct gsc_error *t_threads(void *priv, int32_t **tids_ret, size_t *count_ret)
{
	size_t n;
	const pid_t *tids = stub_proc_threads(priv, &n);
	int32_t *out = malloc((n ? n : 1) * sizeof(*out));
	if (!out)
		return &gsc_enomem;
	for (size_t i = 0; i < n; i++)
		out[i] = tids[i];
	*tids_ret = out;
	*count_ret = n;
	return NULL;
}

static struct gsc_error *t_read_regs(void *priv, int32_t tid, struct gsc_regs *ret)
{
	struct stub_proc *p = priv;
	struct thread *t;
	struct gsc_error *err = stopped_thread(p, tid, &t);
	if (!err)
		err = fetch_gpr(t);
	if (err)
		return err;
	gsc_regs_clear(ret);
	gsc_arch_regs_from_prstatus(p->target.arch_info, t->regs.gpr, STUB_GPR_SIZE, true, ret);
	return NULL;
}

static struct gsc_error *t_write_regs(void *priv, int32_t tid, const struct gsc_regs *regs)
{
	struct stub_proc *p = priv;
	const struct stub_regs *cur;
	struct gsc_error *err = stub_proc_get_regs(p, tid, &cur);
	if (err)
		return err;
	_cleanup_free_ struct stub_regs *r = malloc(sizeof(*r));
	if (!r)
		return &gsc_enomem;
	*r = *cur;
	const struct gsc_arch_info *ai = p->target.arch_info;
	for (size_t i = 0; i < ai->nregs && i < GSC_REGS_MAX; i++) {
		int off = ai->regs[i].prstatus_offset;
		uint64_t v;
		if (off < 0 || off + 8 > STUB_GPR_SIZE || !gsc_regs_get(regs, (int)i, &v))
			continue;
		memcpy(r->gpr + off, &v, 8);
	}
	return stub_proc_set_regs(p, tid, r);
}

static const struct gsc_target_ops ptrace_ops = {
	.name = "ptrace",
	.read_mem = t_read_mem,
	.write_mem = t_write_mem,
	.threads = t_threads,
	.read_regs = t_read_regs,
	.write_regs = t_write_regs,
};

const struct gsc_target *stub_proc_target(struct stub_proc *p)
{
	if (!p->target.ops) {
		p->target = (struct gsc_target){
			.ops = &ptrace_ops,
			.priv = p,
			.arch = GSC_ARCH_AMD64,
			.arch_info = gsc_arch_info(GSC_ARCH_AMD64),
			.little_endian = true,
			.ptr_size = 8,
		};
	}
	return &p->target;
}
