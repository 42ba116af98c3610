/*
 * ptrace_target.h - one traced Linux process (linux/amd64): launch or attach,
 * every thread, all-stop run control, memory, registers, breakpoints and
 * watchpoints.  The only file in the project that calls ptrace.
 *
 * Model (all-stop): after launch, attach, or any reported event, every thread
 * of the process is in ptrace-stop.  stub_proc_resume() lets the threads go
 * per action; the stub then poll()s stub_ptrace_event_fd() together with its
 * connection and calls stub_proc_poll() when the fd is readable.  When a
 * thread reports something the client must see (a signal that is not passed,
 * a breakpoint, the end of a step, a watchpoint, an exec, an interrupt, the
 * process's exit) stub_proc_poll() stops every other thread, waits until they
 * have stopped, and returns the event.  Events that happen in other threads
 * meanwhile are kept and reported on a later resume; a breakpoint hit that
 * is superseded is cancelled (its PC rewound, so the thread hits it again).
 *
 * Threads: PTRACE_SEIZE with TRACECLONE | TRACEEXEC | TRACEEXIT | TRACESYSGOOD;
 * new threads are traced and stopped with the rest and get the process's
 * hardware watchpoints; exited threads disappear from the list.  A main
 * thread that exits (pthread_exit) while others live leaves the list too,
 * as gdbserver drops a zombie leader; it is held in its exit stop so that
 * detach stays clean, and the process exit is reported when the last
 * thread is gone.  An exec in any thread is reported on the main thread's
 * tid, with one thread left.
 *
 * Forks: a fork or vfork child is traced from its first instruction.  By
 * default it is let go at once, never with our int3 bytes in it: a fork
 * child's copy of memory gets the kept bytes back; while a vfork child runs
 * on the parent's memory the int3 bytes are out of memory (every thread
 * misses its breakpoints meanwhile, as under gdb) and come back at the
 * parent's PTRACE_EVENT_VFORK_DONE.  With stub_proc_set_fork_events the
 * fork (vfork) is reported instead (STUB_STOP_FORK / _VFORK, then
 * STUB_STOP_VFORK_DONE), the child held stopped as a process of its own
 * that stub_proc_take_fork hands out with the parent's breakpoints still
 * in its memory; children never taken go with the parent's detach or kill.
 *
 * Signals: numbers here are Linux's (the dispatcher converts to GDB's).  A
 * signal in the pass set (stub_proc_set_pass) is delivered at once without
 * stopping; SIGURG is in it by default, so Go's preemption never stops.
 *
 * Breakpoints: software breakpoints are int3 bytes with the original byte
 * kept; memory reads show the original bytes, writes under a breakpoint
 * update the kept byte; after an int3 the thread's PC is rewound to the
 * breakpoint address before anything reads it; resuming a thread that sits
 * on a breakpoint steps it over transparently.  Detach and kill remove
 * every breakpoint and clear DR7 first.
 *
 * Hardware breakpoints and watchpoints use DR0-DR3/DR7 on every thread.
 * stub_ptrace_probe_debug_regs() tells whether this machine delivers
 * debug-register traps at all (a hypervisor may accept DR writes and never
 * trap).  When it does not, they are emulated (stub_proc_watch_emulated):
 * a write watchpoint keeps a copy of the watched bytes, and while one is
 * set every thread resumed with CONT is single-stepped inside
 * stub_proc_poll instead, one thread at a time, the bytes compared after
 * each step; a change stops with STUB_STOP_WATCH after the writing
 * instruction, as a debug register would.  A thread whose step does not
 * end at once (blocked in a system call) is left to finish it while the
 * others go on.  An execution point is an int3 reported as
 * STUB_STOP_HW_BREAK.  Read and access watchpoints cannot be emulated.
 *
 * Does not: speak the protocol, convert register layouts (arch_amd64.c does),
 * know about Go.
 */
#ifndef STUB_PTRACE_TARGET_H
#define STUB_PTRACE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "target.h"

struct stub_proc;

struct stub_launch {
	char *const *argv;	/* argv[0] is the program; NULL-terminated */
	char *const *envp;	/* NULL: the stub's own environment */
	const char *cwd;	/* NULL: the stub's */
	bool disable_aslr;	/* personality(ADDR_NO_RANDOMIZE) */
	bool with_shell;	/* run through $SHELL -c "exec PROG ARGS" (gdbserver's default) */
	/* The protocol runs over the stub's stdin/stdout: the program gets
	 * /dev/null as stdin and the stub's stderr as stdout. */
	bool stdio_is_protocol;
	/*
	 * gdbserver's --wrapper: NULL, or a NULL-terminated argv put before
	 * the program's (after the shell when with_shell).  The wrapper must
	 * exec the program in the end; its own exec is skipped, so the first
	 * stop is after the program's exec, as gdbserver counts one exec for
	 * the wrapper.
	 */
	char *const *wrapper;
};

/*
 * Starts the program and returns it stopped at its first instruction after
 * the exec of the program itself (not the shell's), one thread, nothing
 * reported yet.  An exec failure (no such file, not executable) is an error
 * naming the file, and no process is left behind.
 */
struct gsc_error *stub_proc_launch(const struct stub_launch *opts, struct stub_proc **ret) GSC_WUR;
/*
 * The first stop: stub_proc_thread_stop() of the main thread says
 * STUB_STOP_SIGNAL with SIGTRAP after a launch (gdbserver's T05) and signo 0
 * after an attach (gdbserver's T00); the other threads say STUB_STOP_NONE.
 * Signals caught while attaching are kept and delivered on the first resume.
 */
/* Seizes every thread of pid and stops them all.  The process keeps running if this fails. */
struct gsc_error *stub_proc_attach(pid_t pid, struct stub_proc **ret) GSC_WUR;
/*
 * Leaves the process running: breakpoints removed, DR7 cleared, every
 * thread detached.  A process that was in a job-control stop (SIGSTOP) when
 * attached ran under us and gets a SIGCONT: it is left running, not stopped.
 */
struct gsc_error *stub_proc_detach(struct stub_proc *p) GSC_WUR;
/* SIGKILL and reap.  */
struct gsc_error *stub_proc_kill(struct stub_proc *p) GSC_WUR;
/* Frees the state.  A process still traced is killed if launched, detached if attached. */
void stub_proc_destroy(struct stub_proc *p);

pid_t stub_proc_pid(const struct stub_proc *p);
bool stub_proc_was_attached(const struct stub_proc *p);
/* The process has exited, was killed or was detached: only destroy is left. */
bool stub_proc_is_dead(const struct stub_proc *p);
/* A struct gsc_target over this process (memory and the GPRs), for the Go layers. Owned by p. */
const struct gsc_target *stub_proc_target(struct stub_proc *p);

/* The thread ids, main thread first (while it lives); owned by p, valid until the next resume. */
const pid_t *stub_proc_threads(const struct stub_proc *p, size_t *count_ret);
bool stub_proc_has_thread(const struct stub_proc *p, pid_t tid);
/* /proc/PID/task/TID/comm without the newline; "" when unreadable.  Read once per stop. */
void stub_proc_thread_name(const struct stub_proc *p, pid_t tid, char *buf, size_t size);

/*
 * Memory, while stopped.  Reads: one process_vm_readv per call (a pread of
 * /proc/PID/mem for what it cannot read); writes: one pwrite of /proc/PID/mem.
 */
/*
 * Reads up to size bytes at addr; *done_ret says how many were readable from
 * the start (a partial read is not an error; 0 bytes is GSC_ERR_FAULT).
 * Our breakpoint bytes read as the original bytes.
 */
struct gsc_error *stub_proc_read_mem(struct stub_proc *p, uint64_t addr, void *buf, size_t size,
				     size_t *done_ret) GSC_WUR;
struct gsc_error *stub_proc_write_mem(struct stub_proc *p, uint64_t addr, const void *buf,
				      size_t size) GSC_WUR;

/* Native register blocks of one thread, as the kernel gives them. */
enum { STUB_GPR_SIZE = 27 * 8, STUB_XSAVE_MAX = 8192 };
struct stub_regs {
	uint8_t gpr[STUB_GPR_SIZE];	/* struct user_regs_struct (PTRACE_GETREGS) */
	uint8_t xsave[STUB_XSAVE_MAX];	/* NT_X86_XSTATE (or NT_PRFPREG's fxsave when no XSAVE) */
	size_t xsave_len;		/* valid bytes in xsave */
};
/* Read once per stop and cached; *ret is owned by p, valid until the next resume. */
struct gsc_error *stub_proc_get_regs(struct stub_proc *p, pid_t tid, const struct stub_regs **ret) GSC_WUR;
/*
 * The general registers alone (struct user_regs_struct, STUB_GPR_SIZE
 * bytes), without the NT_X86_XSTATE read stub_proc_get_regs also does:
 * what a stop reply, thread-pcs or an unwinder needs.  Same cache and
 * lifetime as stub_proc_get_regs.
 */
struct gsc_error *stub_proc_get_gpr(struct stub_proc *p, pid_t tid, const uint8_t **gpr_ret) GSC_WUR;
/* The PC of a stopped thread (from the same cache). */
struct gsc_error *stub_proc_get_pc(struct stub_proc *p, pid_t tid, uint64_t *ret) GSC_WUR;
/* Writes back the blocks that differ from the cached ones. */
struct gsc_error *stub_proc_set_regs(struct stub_proc *p, pid_t tid, const struct stub_regs *regs) GSC_WUR;

/* Software breakpoints (int3).  Inserting twice or removing one that is not there is fine. */
struct gsc_error *stub_proc_insert_breakpoint(struct stub_proc *p, uint64_t addr) GSC_WUR;
struct gsc_error *stub_proc_remove_breakpoint(struct stub_proc *p, uint64_t addr) GSC_WUR;

enum stub_hw_kind {
	STUB_HW_EXEC,	/* Z1 */
	STUB_HW_WRITE,	/* Z2 */
	STUB_HW_READ,	/* Z3: x86 cannot; always UNSUPPORTED */
	STUB_HW_ACCESS,	/* Z4 */
};
/*
 * UNSUPPORTED when no debug register is free or the length/alignment cannot
 * be watched.  Emulated (stub_proc_watch_emulated): STUB_HW_WRITE of 1 to
 * STUB_SOFT_WATCH_MAX_LEN bytes at any alignment in one of
 * STUB_SOFT_WATCH_SLOTS slots, STUB_HW_EXEC as an int3; READ and ACCESS
 * are UNSUPPORTED.
 */
enum { STUB_SOFT_WATCH_SLOTS = 4, STUB_SOFT_WATCH_MAX_LEN = 4096 };
struct gsc_error *stub_proc_insert_hw(struct stub_proc *p, enum stub_hw_kind kind, uint64_t addr,
				      size_t len) GSC_WUR;
struct gsc_error *stub_proc_remove_hw(struct stub_proc *p, enum stub_hw_kind kind, uint64_t addr,
				      size_t len) GSC_WUR;
/* DRn of thread tid through PTRACE_PEEKUSER (tests read DR7 back). */
struct gsc_error *stub_proc_peek_debugreg(struct stub_proc *p, pid_t tid, int n, uint64_t *ret) GSC_WUR;
/* Whether debug-register traps fire here: forks a child, arms DR0, checks for the trap. Cached. */
bool stub_ptrace_probe_debug_regs(void);
/*
 * Whether p's Z1/Z2 points are emulated (see the top of this file): by
 * default when stub_ptrace_probe_debug_regs() is false.  The dispatcher
 * answers qWatchpointSupportInfo with STUB_SOFT_WATCH_SLOTS then.
 */
bool stub_proc_watch_emulated(struct stub_proc *p);
/* Forces emulation on or off (tests); INVALID_ARG while any hardware point is set. */
struct gsc_error *stub_proc_set_watch_emulation(struct stub_proc *p, bool on) GSC_WUR;

/* Signals (Linux numbers, 1..64) delivered at once without stopping. */
void stub_proc_set_pass(struct stub_proc *p, const bool pass[65]);

/* Report forks (vforks and their end) as events instead of letting children go; see Forks above. */
void stub_proc_set_fork_events(struct stub_proc *p, bool fork, bool vfork);
/*
 * The child of a reported fork or vfork, stopped, as a process of its own
 * (detached or killed as the parent would be); NULL when it is not held
 * (gone, or taken already).
 */
struct stub_proc *stub_proc_take_fork(struct stub_proc *parent, pid_t child);

enum stub_resume_kind {
	STUB_RESUME_CONT,	/* c / C */
	STUB_RESUME_STEP,	/* s / S */
	STUB_RESUME_RANGE,	/* r start,end: step while start <= pc < end */
	STUB_RESUME_STOP,	/* t: stay stopped */
};
struct stub_resume {
	pid_t tid;		/* -1: every thread no earlier action named */
	enum stub_resume_kind kind;
	int signo;		/* Linux signal to deliver, 0: none */
	uint64_t range_start, range_end;
};
/*
 * Resumes per action, vCont style: each thread takes the first action naming
 * it, else the first tid -1 action, else stays stopped.  Pending events are
 * reported first (stub_proc_poll returns one without running anything).
 */
struct gsc_error *stub_proc_resume(struct stub_proc *p, const struct stub_resume *actions,
				   size_t n) GSC_WUR;
/* Stops a running process; the next event is a STUB_STOP_SIGNAL SIGINT stop (what gdb expects after ^C). */
struct gsc_error *stub_proc_interrupt(struct stub_proc *p) GSC_WUR;

/* A readable fd (signalfd for SIGCHLD) to poll() while the target runs; SIGCHLD is blocked in the caller's threads. */
int stub_ptrace_event_fd(void);

enum stub_stop_reason {
	STUB_STOP_NONE,		/* stopped because another thread stopped */
	STUB_STOP_SIGNAL,	/* signo */
	STUB_STOP_BREAKPOINT,	/* our int3 at addr; PC already rewound */
	STUB_STOP_STEP,		/* a step or range step finished */
	STUB_STOP_WATCH,	/* data watchpoint: addr, hw_kind */
	STUB_STOP_HW_BREAK,	/* hardware breakpoint at addr */
	STUB_STOP_EXEC,		/* the process exec'd: exec_path */
	STUB_STOP_FORK,		/* fork of child (stub_proc_set_fork_events); child held, stopped */
	STUB_STOP_VFORK,	/* vfork of child, the same */
	STUB_STOP_VFORK_DONE,	/* the vfork child exec'd or exited */
};
struct stub_thread_stop {
	pid_t tid;
	enum stub_stop_reason reason;
	int signo;		/* Linux; SIGTRAP for breakpoint/step/watch */
	uint64_t addr;
	enum stub_hw_kind hw_kind;
	pid_t child;		/* STUB_STOP_FORK, STUB_STOP_VFORK */
};

enum stub_event_kind {
	STUB_EV_NONE,		/* nothing to report yet: keep polling */
	STUB_EV_STOP,		/* every thread stopped; stop says why for the reporting thread */
	STUB_EV_EXITED,		/* status = exit code; the process is dead */
	STUB_EV_SIGNALED,	/* status = Linux signal that killed it */
};
struct stub_event {
	enum stub_event_kind kind;
	struct stub_thread_stop stop;
	int status;
	char exec_path[4096];	/* STUB_STOP_EXEC */
};
/*
 * Reaps pending wait statuses without blocking and says what to report.
 * Call it whenever stub_ptrace_event_fd() is readable (it drains the fd); a
 * resume that finds a pending event makes the fd readable by itself.  Only
 * this call advances the process: new threads, passed signals and internal
 * range steps are handled inside it, so a caller that stops polling stalls
 * the program.  Waits are per thread id: other children of the caller are
 * never reaped here.
 */
struct gsc_error *stub_proc_poll(struct stub_proc *p, struct stub_event *ret) GSC_WUR;
/* Blocks until an event (tests, and the stub when it has no connection to watch). */
struct gsc_error *stub_proc_wait(struct stub_proc *p, struct stub_event *ret) GSC_WUR;
/* Why thread tid stopped at the last stop (STUB_STOP_NONE for bystanders); NOT_FOUND if no such thread. */
struct gsc_error *stub_proc_thread_stop(const struct stub_proc *p, pid_t tid,
					struct stub_thread_stop *ret) GSC_WUR;

/* Process facts from /proc. */
struct stub_proc_info {
	pid_t pid, ppid;
	uid_t uid, euid;
	gid_t gid, egid;
	char exe[4096];		/* readlink /proc/PID/exe */
};
struct gsc_error *stub_proc_info(const struct stub_proc *p, struct stub_proc_info *ret) GSC_WUR;
/* /proc/PID/auxv, malloc'd; the caller frees. */
struct gsc_error *stub_proc_auxv(const struct stub_proc *p, uint8_t **data_ret, size_t *size_ret) GSC_WUR;

/* A mapping from /proc/PID/maps, or the gap around addr (perms "" and name ""). */
struct stub_region {
	uint64_t start, size;
	char perms[4];		/* subset of "rwx" */
	char name[4096];
	bool mapped;
};
struct gsc_error *stub_proc_region(const struct stub_proc *p, uint64_t addr, struct stub_region *ret) GSC_WUR;

/* The program's own program headers: their address and count from AT_PHDR / AT_PHNUM (0 when absent). */
struct gsc_error *stub_proc_phdrs(const struct stub_proc *p, uint64_t *phdr_ret, uint64_t *phnum_ret) GSC_WUR;

/* Loaded shared objects, walked from r_debug (DT_DEBUG) for qXfer:libraries-svr4:read. */
struct stub_library {
	char name[4096];
	uint64_t lm, l_addr, l_ld;
};
/* *libs_ret is malloc'd (may be empty: a static program); *main_lm_ret the main program's link_map or 0. */
struct gsc_error *stub_proc_libraries(struct stub_proc *p, struct stub_library **libs_ret, size_t *count_ret,
				      uint64_t *main_lm_ret) GSC_WUR;

#endif
