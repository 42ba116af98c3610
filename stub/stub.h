/*
 * stub.h - the state of one gostub session, shared by the packet handlers
 * (cmd_*.c, monitor.c), the dispatcher, the server loop and main.
 *
 * A session lives as long as the stub: it holds the process being debugged
 * (or none, in --multi mode before vRun/vAttach), what the client negotiated
 * (qSupported features, no-ack mode, thread suffixes), the thread selection
 * of H packets, the launch settings the Q packets change, and the console
 * text a monitor command produced (the server sends it as O packets before
 * the final reply).
 *
 * Thread ids on the wire are hex; "-1" means all threads and "0" any
 * thread.  Signal numbers on the wire are GDB's (include/gdb/signals.def)
 * for gdb; the ptrace layer speaks Linux numbers; stub_signal_to_wire() and
 * stub_signal_from_wire() convert.  lldb (14 and 16, measured) decodes stop
 * replies and encodes QPassSignals and C/S actions with the host's (Linux)
 * numbers whether or not the stub claims native-signals+, so an lldb
 * session (s->lldb, set by lldb-only packets that come before any stop)
 * gets Linux numbers as lldb-server sends them.
 *
 * Does not: do any I/O on the connection (server.c does), call ptrace
 * (ptrace_target.c does).
 */
#ifndef STUB_STUB_H
#define STUB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "error.h"
#include "ptrace_target.h"
#include "rsp_packet.h"

#define STUB_VERSION "0.1"

/* What we advertise as PacketSize (hex on the wire): gdb sizes its m reads to (n-1)/2. */
enum { STUB_PACKET_SIZE_DEFAULT = 0x4000, STUB_PACKET_SIZE_MIN = 0x200, STUB_PACKET_SIZE_MAX = 0x100000 };

/* A thread id as the client wrote it: pid 0 when absent; -1 = all, 0 = any. */
struct stub_ptid {
	int64_t pid;
	int64_t tid;
};

/*
 * Non-stop mode (QNonStop:1): what the client believes of each thread.  The
 * ptrace layer is all-stop; cmd_run.c keeps the threads the client thinks
 * running resumed behind it, and queues a stop reply for each thread that
 * stops (the server sends the head as a %Stop notification; vStopped walks
 * the queue).
 */
struct stub_ns_thread {
	pid_t tid;
	bool running;			/* the client believes it runs */
	struct stub_resume act;		/* how it runs; signo is delivered once */
	struct stub_thread_stop stop;	/* why it stopped, for '?' */
};

/* --disable-packet=... (gdbserver's testing option) */
enum {
	STUB_DISABLE_VCONT = 1 << 0,
	STUB_DISABLE_T = 1 << 1,		/* stop replies as S<sig> */
	STUB_DISABLE_TTHREAD = 1 << 2,		/* no thread: in T stop replies */
	STUB_DISABLE_QC = 1 << 3,
	STUB_DISABLE_QFTHREADINFO = 1 << 4,
};

/* An open file of vFile:open. */
enum { STUB_VFILE_MAX = 16 };

struct stub_session {
	/* Set up by main before the first packet. */
	bool multi;			/* --multi: stay up without a process */
	int packet_size;		/* advertised PacketSize */
	bool stdio;			/* the protocol runs over stdin/stdout */
	bool debug;			/* monitor set debug / --debug: log to stderr */
	bool remote_debug;		/* --remote-debug: log packets to stderr */

	/* The process, or NULL. */
	struct stub_proc *proc;
	/*
	 * The other processes, stopped: children of reported forks the client
	 * has not detached (fork events), and in extended mode with
	 * multiprocess+ the processes of earlier vRun/vAttach.  Registers,
	 * memory and breakpoints through Hg, D and vKill by pid; a resume that
	 * names one makes it the process (s->proc) and leaves the current one
	 * stopped here: one process runs at a time, as gdb runs its inferiors
	 * with schedule-multiple off (its default).
	 */
	struct stub_proc **others;
	size_t nothers;
	/*
	 * Reported vforks whose child is still held (among the others): the
	 * parent thread cannot return from vfork until the child runs, so the
	 * parent process is not resumed meanwhile (it would never stop again).
	 */
	struct stub_vfork {
		pid_t parent, child;
	} vforks[16];
	size_t nvforks;
	const struct gsc_arch_info *arch;
	bool had_process;		/* a process existed once (W/X after it is gone) */
	int exit_kind;			/* STUB_EV_EXITED / STUB_EV_SIGNALED of the last one, 0: none */
	int exit_status;
	pid_t exit_pid;

	/* The last stop, reported again by '?'. */
	struct stub_event last_stop;
	bool have_stop;
	bool initial_stop;		/* still at the launch stop, nothing resumed yet */
	pid_t cur_tid;			/* the thread of the last stop: "current" */
	struct stub_ptid g_thread;	/* Hg: registers and memory */
	struct stub_ptid c_thread;	/* Hc: c/s without vCont */

	/* Negotiated. */
	bool no_ack;			/* QStartNoAckMode answered: the server switches after the OK */
	bool extended;			/* '!' */
	bool multiprocess;		/* client sent multiprocess+ */
	bool swbreak, hwbreak;		/* client sent swbreak+ / hwbreak+ */
	bool error_message;		/* client sent error-message+: "E.text" */
	bool error_strings;		/* QEnableErrorStrings (lldb): "Enn;hex(text)" */
	bool binary_upload;		/* client sent binary-upload+: gdb's 'b'-prefixed x */
	bool fork_events, vfork_events;	/* client sent fork-events+ / vfork-events+ (with multiprocess+) */
	bool exec_events;		/* client sent exec-events+: "exec:<hex path>;" in the stop reply */
	bool thread_suffix;		/* QThreadSuffixSupported */
	bool list_threads;		/* QListThreadsInStopReply: lldb's stop-reply keys */
	bool lldb;			/* the client spoke an lldb-only packet */
	bool pass_set;			/* the client sent QPassSignals */
	bool pass[65];			/* by Linux number */

	/* Launch settings (vRun, R, the command line). */
	char **argv;			/* malloc'd, NULL-terminated; argv[0] the program */
	char **env;			/* NULL: the stub's own environment; else malloc'd list */
	char *cwd;			/* NULL: the stub's */
	bool disable_aslr;
	bool with_shell;
	char **wrapper;			/* --wrapper WRAPPER ARGS --: malloc'd, NULL-terminated, or NULL */

	/* Output of a monitor command, sent as O packets before the reply. */
	struct rsp_buf console;

	/* qXfer objects are generated at offset 0 and served from here by chunks. */
	char xfer_name[160];
	struct rsp_buf xfer;

	/* vFile */
	int vfile_fd[STUB_VFILE_MAX];

	/* Non-stop mode. */
	bool non_stop;			/* QNonStop:1 */
	struct stub_ns_thread *ns_threads;
	size_t ns_count, ns_cap;
	char **notif;			/* queued stop replies, oldest first (malloc'd) */
	size_t notif_count, notif_cap;
	bool notif_sent;		/* the head went out (as %Stop or a '?' reply): vStopped acks it */
	bool quit_when_drained;		/* the last process ended: quit once vStopped took its W */
	int disabled;			/* STUB_DISABLE_* */

	/* stub_session_thread_core's cache: CPUs read at this stop, forgotten on resume. */
	struct stub_core_entry {
		pid_t tid;
		int core;
	} *cores;
	size_t core_count, core_cap;

	/* Set by handlers; the server acts on them after sending the reply. */
	bool quit;			/* monitor exit, or nothing left to debug */
	bool running;			/* resumed: a stop reply is owed */
};

/* Sessions are caller storage. */
void stub_session_init(struct stub_session *s);
void stub_session_deinit(struct stub_session *s);
/* Takes p (may be NULL) as the process and records its initial stop (signal signo, Linux). */
void stub_session_set_proc(struct stub_session *s, struct stub_proc *p, int signo);

/* Signals: Linux 1..64 <-> GDB's numbering.  0 maps to 0; unknown Linux signals to GDB_SIGNAL_UNKNOWN (143). */
int stub_signal_to_gdb(int linux_sig);
/* 0 when the GDB signal has no Linux equivalent. */
int stub_signal_from_gdb(int gdb_sig);
/* The same in the client's numbering: GDB's, or Linux's for lldb. */
int stub_signal_to_wire(const struct stub_session *s, int linux_sig);
int stub_signal_from_wire(const struct stub_session *s, int wire_sig);

/* Replies shared by the handlers. */
void stub_reply_ok(struct rsp_buf *reply);
/* "Enn", or "E.text" / "Enn;hex" when the client accepted messages. */
void stub_reply_error(struct stub_session *s, struct rsp_buf *reply, int code, const char *text);
/* An error reply from err, then destroys err. */
void stub_reply_gsc_error(struct stub_session *s, struct rsp_buf *reply, struct gsc_error *err);

/* The other processes (s->others). */
/* The process id names: another process by its pid or one of its threads, else s->proc (maybe NULL). */
struct stub_proc *stub_session_proc_for(struct stub_session *s, const struct stub_ptid *id);
/* The process thread tid belongs to: s->proc or another; s->proc when none has it. */
struct stub_proc *stub_session_proc_of(struct stub_session *s, pid_t tid);
/* The other process with this pid, NULL if none. */
struct stub_proc *stub_session_other(struct stub_session *s, int64_t pid);
/* Takes the child of a reported fork from s->proc into s->others. */
void stub_session_add_fork(struct stub_session *s, pid_t child);
/* Detaches (or kills) the other process pid and forgets it; false if there is none. */
bool stub_session_drop_other(struct stub_session *s, int64_t pid, bool kill, struct gsc_error **err_ret);
/* Every other process goes: detached if it was attached (or is the child of one), else killed. */
void stub_session_drop_others(struct stub_session *s);
/* The register table for p: AVX-512's when its XCR0 has it (gsc_amd64_arch_for_xcr0). */
const struct gsc_arch_info *stub_session_arch(struct stub_proc *p);
/* Tells the ptrace layer which fork events to report, from what the client negotiated. */
void stub_session_fork_events(struct stub_session *s);

/* Thread ids. */
/* Parses "p<pid>.<tid>", "p<pid>", "<tid>", "-1", "0" at *p, advances *p. */
bool stub_parse_ptid(const uint8_t **p, const uint8_t *end, struct stub_ptid *ret);
/* Writes tid in the form the client negotiated: "p<pid>.<tid>" or "<tid>". */
void stub_write_tid(struct stub_session *s, struct rsp_buf *b, pid_t tid);
/* The thread Hg (or a ;thread: suffix) designates, falling back to the current thread; 0 if none. */
pid_t stub_resolve_thread(struct stub_session *s, const struct stub_ptid *want);
/* Finds ";thread:<id>;" in a packet's tail (lldb); true and *ret when present. */
bool stub_thread_suffix(const uint8_t *p, const uint8_t *end, struct stub_ptid *ret);

/* Decodes hex text into a malloc'd NUL-terminated string; NULL if malformed or out of memory. */
char *stub_hex_to_str(const uint8_t *hex, size_t len);
/* Appends s with '"' '&' '<' '>' '\'' as XML entities. */
void stub_xml_escape(struct rsp_buf *b, const char *s);

/* The CPU a thread last ran on (/proc/PID/task/TID/stat), -1 when unknown. */
int stub_thread_core(pid_t pid, pid_t tid);
/*
 * The same for a thread of s->proc, read once per stop: a stop reply, '?',
 * qThreadStopInfo and qXfer:threads at one stop share one /proc read.
 */
int stub_session_thread_core(struct stub_session *s, pid_t tid);
/* The process ran (any resume): the cached CPUs are stale. */
void stub_session_resumed(struct stub_session *s);

/* Stop replies (cmd_run.c). */
/* Formats the reply for ev (T, W or X) and updates the session (current thread, process gone). */
void stub_report_event(struct stub_session *s, const struct stub_event *ev, struct rsp_buf *reply);
/* "T.." for thread tid with its own stop reason (qThreadStopInfo, '?'). */
void stub_write_stop(struct stub_session *s, const struct stub_thread_stop *st, struct rsp_buf *reply);
/*
 * How st is shown to this client: lldb takes a SIGTRAP at the entry point of
 * a static executable (a Go program) for a hit of its own entry breakpoint
 * and resumes, so the launch stop is shown to lldb as lldb-server reports
 * it: T13, Linux's SIGSTOP (see cmd_run.c).
 */
void stub_client_stop(const struct stub_session *s, struct stub_thread_stop *st);
/* Non-stop mode (cmd_run.c). */
/* QNonStop:1 / 0: builds or drops the thread table (every thread stopped). */
void stub_ns_set(struct stub_session *s, bool on);
/* Stops the process behind the client's back (the target must be still for any packet); queues real events. */
void stub_ns_pause(struct stub_session *s);
/* Resumes the threads the client believes running; s->running says whether any do. */
void stub_ns_resume(struct stub_session *s);
/* An event from the ptrace layer: the thread is shown stopped and its stop reply queued. */
void stub_ns_event(struct stub_session *s, const struct stub_event *ev);
/* ^C / vCtrlC: one running thread (the main one first) stops with SIGINT. */
void stub_ns_interrupt(struct stub_session *s);
/* The notification to send now ("Stop:T..."), or NULL; marks it sent. */
const char *stub_ns_next_notification(struct stub_session *s);
/* Forgets the queued stop replies. */
void stub_ns_clear_queue(struct stub_session *s);

/* Removes the process from the session: detaches or kills according to how it came. */
void stub_drop_process(struct stub_session *s);
/* Launch s->argv with the session's settings (vRun, R, main). */
struct gsc_error *stub_launch(struct stub_session *s) GSC_WUR;
struct gsc_error *stub_attach(struct stub_session *s, pid_t pid) GSC_WUR;

/* Registers of tid in wire layout (size gsc_arch_wire_size), malloc'd; cmd_data.c. */
struct gsc_error *stub_read_wire_regs(struct stub_session *s, pid_t tid, uint8_t **wire_ret,
				      size_t *size_ret) GSC_WUR;
/* The same with only the general registers filled in (no XSAVE read): for stop replies. */
struct gsc_error *stub_read_wire_gprs(struct stub_session *s, pid_t tid, uint8_t **wire_ret,
				      size_t *size_ret) GSC_WUR;

/* The server (server.c). */
/*
 * Opens a listening TCP socket for "[HOST]:PORT" (HOST empty: 127.0.0.1;
 * PORT 0: any free port).  *port_ret is the bound port; *nonlocal_ret says
 * the address is not a loopback one.  EADDRINUSE comes back as GSC_ERR_OS
 * with errnum set.
 */
struct gsc_error *stub_listen(const char *comm, int *fd_ret, int *port_ret, bool *nonlocal_ret) GSC_WUR;
/*
 * SIGTERM and SIGHUP (and SIGINT when sigint) end the stub as a disconnect
 * with --once does: stub_serve() returns after detaching an attached
 * process or killing a launched one.  Call once, before stub_serve().
 */
struct gsc_error *stub_catch_quit_signals(bool sigint) GSC_WUR;
/* The quit signal that arrived, 0: none. */
int stub_quit_signal(void);
/* Serves clients on listen_fd (-1: one client on stdin/stdout) until the session ends; the exit status. */
int stub_serve(struct stub_session *s, int listen_fd, bool once);

/* Monitor commands (monitor.c): output goes to s->console; reply gets OK or an error. */
void stub_monitor(struct stub_session *s, const char *cmd, struct rsp_buf *reply);

#endif
