/*
 * cmd_run.c - run control and process lifetime: ?, vCont, c/s/C/S, H, T,
 * vRun, vAttach, vKill, !, R, D, k, and the stop replies.
 *
 * One stop-reply format serves gdb and lldb (rsp-gdb-lldb.md §1.4):
 *   T<sig>[watch:<addr>;][swbreak:;]<regs>thread:<id>;[core:<n>;]
 * and, once the client sent QListThreadsInStopReply (lldb; gdb never does),
 *   name:<name>;threads:<t1>,<t2>;thread-pcs:<pc1>,<pc2>;reason:<why>;
 * Signals are GDB's numbers.  The PC after a breakpoint is always rewound
 * (the ptrace layer does it); swbreak:/hwbreak: appear only when the client
 * sent swbreak+/hwbreak+.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsp_dispatch.h"

static enum rsp_result no_process(struct stub_session *s, struct rsp_buf *reply)
{
	stub_reply_error(s, reply, 1, "no process");
	return RSP_REPLY;
}

static enum rsp_result bad_packet(struct stub_session *s, struct rsp_buf *reply)
{
	stub_reply_error(s, reply, 0x16, "malformed packet");
	return RSP_REPLY;
}

static bool safe_name(const char *n)
{
	if (!*n)
		return false;
	for (const unsigned char *c = (const unsigned char *)n; *c; c++)
		if (*c < 0x21 || *c >= 0x7f || strchr(";:$#}*", *c))
			return false;
	return true;
}

static void add_reg(struct rsp_buf *b, const struct gsc_arch_info *ai, const uint8_t *wire, size_t size, int r)
{
	size_t off, sz;
	const char *name;
	if (!gsc_arch_wire_reg(ai, r, &off, &sz, &name) || off + sz > size)
		return;
	rsp_buf_printf(b, "%02x:", (unsigned)r);
	rsp_buf_add_hex(b, wire + off, sz);
	rsp_buf_add_char(b, ';');
}

static bool thread_pc(struct stub_session *s, pid_t tid, uint64_t *ret)
{
	struct gsc_error *err = stub_proc_get_pc(s->proc, tid, ret);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return true;
}

static void add_lldb_keys(struct stub_session *s, const struct stub_thread_stop *st, struct rsp_buf *b)
{
	char name[64];
	stub_proc_thread_name(s->proc, st->tid, name, sizeof(name));
	if (safe_name(name)) {
		rsp_buf_printf(b, "name:%s;", name);
	} else if (name[0]) {
		rsp_buf_add_str(b, "hexname:");
		rsp_buf_add_hex(b, name, strlen(name));
		rsp_buf_add_char(b, ';');
	}
	size_t n;
	const pid_t *t = stub_proc_threads(s->proc, &n);
	rsp_buf_add_str(b, "threads:");
	for (size_t i = 0; i < n; i++)
		rsp_buf_printf(b, "%s%x", i ? "," : "", (unsigned)t[i]);
	rsp_buf_add_str(b, ";thread-pcs:");
	for (size_t i = 0; i < n; i++) {
		uint64_t pc = 0;
		thread_pc(s, t[i], &pc);
		rsp_buf_printf(b, "%s%016llx", i ? "," : "", (unsigned long long)pc);
	}
	rsp_buf_add_char(b, ';');
	switch (st->reason) {
	case STUB_STOP_BREAKPOINT:
	case STUB_STOP_HW_BREAK:
		rsp_buf_add_str(b, "reason:breakpoint;");
		break;
	case STUB_STOP_STEP:
		rsp_buf_add_str(b, "reason:trace;");
		break;
	case STUB_STOP_WATCH: {
		/* lldb-server's form: "<watch addr> <index> <hit addr>", decimal */
		char d[80];
		snprintf(d, sizeof(d), "%llu 0 %llu", (unsigned long long)st->addr, (unsigned long long)st->addr);
		rsp_buf_add_str(b, "reason:watchpoint;description:");
		rsp_buf_add_hex(b, d, strlen(d));
		rsp_buf_add_char(b, ';');
		break;
	}
	case STUB_STOP_SIGNAL:
		if (st->signo)
			rsp_buf_add_str(b, "reason:signal;");
		break;
	case STUB_STOP_EXEC:
		rsp_buf_add_str(b, "reason:exec;");
		break;
	case STUB_STOP_FORK:
		rsp_buf_add_str(b, "reason:fork;");
		break;
	case STUB_STOP_VFORK:
		rsp_buf_add_str(b, "reason:vfork;");
		break;
	case STUB_STOP_VFORK_DONE:
		rsp_buf_add_str(b, "reason:vforkdone;");
		break;
	default:
		break;
	}
}

void stub_client_stop(const struct stub_session *s, struct stub_thread_stop *st)
{
	/* The launch or attach stop goes out to lldb as SIGSTOP, as lldb-server sends it. */
	if (s->lldb && s->initial_stop && st->reason == STUB_STOP_SIGNAL && (st->signo == SIGTRAP || !st->signo))
		st->signo = SIGSTOP;
}

void stub_write_stop(struct stub_session *s, const struct stub_thread_stop *st, struct rsp_buf *reply)
{
	int sig = st->signo;
	if (st->reason == STUB_STOP_BREAKPOINT || st->reason == STUB_STOP_STEP || st->reason == STUB_STOP_WATCH ||
	    st->reason == STUB_STOP_HW_BREAK)
		sig = SIGTRAP;
	if (s->disabled & STUB_DISABLE_T) {	/* --disable-packet=T: the bare S form */
		rsp_buf_printf(reply, "S%02x", (unsigned)stub_signal_to_wire(s, sig));
		return;
	}
	rsp_buf_printf(reply, "T%02x", (unsigned)stub_signal_to_wire(s, sig));
	if (st->reason == STUB_STOP_FORK || st->reason == STUB_STOP_VFORK)
		rsp_buf_printf(reply, "%s:p%x.%x;", st->reason == STUB_STOP_FORK ? "fork" : "vfork",
			       (unsigned)st->child, (unsigned)st->child);
	if (st->reason == STUB_STOP_VFORK_DONE)
		rsp_buf_add_str(reply, "vforkdone:;");
	if (st->reason == STUB_STOP_EXEC && s->exec_events && s->last_stop.stop.reason == STUB_STOP_EXEC &&
	    s->last_stop.exec_path[0]) {
		rsp_buf_add_str(reply, "exec:");
		rsp_buf_add_hex(reply, s->last_stop.exec_path, strlen(s->last_stop.exec_path));
		rsp_buf_add_char(reply, ';');
	}
	if (st->reason == STUB_STOP_WATCH && !s->list_threads) {
		static const char *const key[] = { "hwbreak", "watch", "rwatch", "awatch" };
		rsp_buf_printf(reply, "%s:%llx;", key[st->hw_kind & 3], (unsigned long long)st->addr);
	}
	if (st->reason == STUB_STOP_BREAKPOINT && s->swbreak)
		rsp_buf_add_str(reply, "swbreak:;");
	if (st->reason == STUB_STOP_HW_BREAK && s->hwbreak)
		rsp_buf_add_str(reply, "hwbreak:;");
	uint8_t *wire;
	size_t size;
	struct gsc_error *err = stub_read_wire_gprs(s, st->tid, &wire, &size);
	if (err) {
		gsc_error_destroy(err);
	} else {
		if (s->list_threads) {
			for (int r = 0; r <= 17; r++)	/* lldb: every GPR, as lldb-server does */
				add_reg(reply, s->arch, wire, size, r);
		} else {
			add_reg(reply, s->arch, wire, size, 6);		/* rbp */
			add_reg(reply, s->arch, wire, size, 7);		/* rsp */
			add_reg(reply, s->arch, wire, size, 16);	/* rip */
		}
		free(wire);
	}
	if (!(s->disabled & STUB_DISABLE_TTHREAD)) {
		rsp_buf_add_str(reply, "thread:");
		stub_write_tid(s, reply, st->tid);
		rsp_buf_add_char(reply, ';');
	}
	int core = stub_session_thread_core(s, st->tid);
	if (core >= 0)
		rsp_buf_printf(reply, "core:%x;", (unsigned)core);
	if (s->list_threads)
		add_lldb_keys(s, st, reply);
}

/*
 * Whether the stub outlives its last process: with --multi, and in
 * extended mode ('!'), where the client may vRun or vAttach next, as
 * gdbserver stays (gdb.server/exit-multiple-threads.exp).
 */
static bool stays_up(const struct stub_session *s)
{
	return s->multi || s->extended;
}

static void write_exit(struct stub_session *s, struct rsp_buf *reply)
{
	if (s->exit_kind == STUB_EV_SIGNALED)
		rsp_buf_printf(reply, "X%02x", (unsigned)stub_signal_to_wire(s, s->exit_status));
	else
		rsp_buf_printf(reply, "W%02x", (unsigned)(s->exit_status & 0xff));
	if (s->multiprocess)
		rsp_buf_printf(reply, ";process:%x", (unsigned)s->exit_pid);
}

static bool promote_other(struct stub_session *s);

void stub_report_event(struct stub_session *s, const struct stub_event *ev, struct rsp_buf *reply)
{
	rsp_buf_reset(reply);
	s->running = false;
	s->initial_stop = false;
	s->xfer_name[0] = '\0';
	if (ev->kind == STUB_EV_EXITED || ev->kind == STUB_EV_SIGNALED) {
		s->exit_kind = ev->kind;
		s->exit_status = ev->status;
		s->exit_pid = s->proc ? stub_proc_pid(s->proc) : 0;
		write_exit(s, reply);
		if (s->proc)
			stub_proc_destroy(s->proc);
		s->proc = NULL;
		s->have_stop = false;
		s->cur_tid = 0;
		if (promote_other(s))
			return;
		stub_session_drop_others(s);
		if (!stays_up(s))
			s->quit = true;	/* gdbserver ends when its only process is gone */
		return;
	}
	s->last_stop = *ev;
	s->have_stop = true;
	s->cur_tid = ev->stop.tid;
	s->g_thread = (struct stub_ptid){ 0, 0 };
	if (ev->stop.reason == STUB_STOP_FORK || ev->stop.reason == STUB_STOP_VFORK)
		stub_session_add_fork(s, ev->stop.child);
	if (ev->stop.reason == STUB_STOP_VFORK && s->nvforks < sizeof(s->vforks) / sizeof(s->vforks[0]))
		s->vforks[s->nvforks++] = (struct stub_vfork){ stub_proc_pid(s->proc), ev->stop.child };
	for (size_t i = 0; ev->stop.reason == STUB_STOP_EXEC && i < s->nvforks;)	/* a vfork child exec'd */
		if (s->vforks[i].child == stub_proc_pid(s->proc))
			s->vforks[i] = s->vforks[--s->nvforks];
		else
			i++;
	stub_write_stop(s, &ev->stop, reply);
}

/* ---- non-stop mode ----------------------------------------------------
 *
 * The ptrace layer stops every thread for any event.  Non-stop is built on
 * it: ns_threads holds what the client believes of each thread; when the
 * layer reports an event, that thread is shown stopped (its stop reply is
 * queued) and the threads the client believes running are resumed at once,
 * their own pending events coming out later as further stops.  Before any
 * packet the server pauses the process (stub_ns_pause, an interrupt the
 * client never sees) and resumes it after (stub_ns_resume), so handlers
 * always find the target still.
 */

static struct stub_ns_thread *ns_find(struct stub_session *s, pid_t tid)
{
	for (size_t i = 0; i < s->ns_count; i++)
		if (s->ns_threads[i].tid == tid)
			return &s->ns_threads[i];
	return NULL;
}

static void ns_add(struct stub_session *s, pid_t tid, bool running)
{
	if (s->ns_count == s->ns_cap) {
		size_t cap = s->ns_cap ? s->ns_cap * 2 : 16;
		struct stub_ns_thread *n = realloc(s->ns_threads, cap * sizeof(*n));
		if (!n)
			return;
		s->ns_threads = n;
		s->ns_cap = cap;
	}
	struct stub_ns_thread *e = &s->ns_threads[s->ns_count++];
	memset(e, 0, sizeof(*e));
	e->tid = tid;
	e->running = running;
	e->act = (struct stub_resume){ .tid = tid, .kind = STUB_RESUME_CONT };
	e->stop = (struct stub_thread_stop){ .tid = tid, .reason = STUB_STOP_NONE };
}

/* Gone threads leave the table; new ones join, running when born while the process ran. */
static void ns_sync(struct stub_session *s, bool new_running)
{
	if (!s->proc) {
		s->ns_count = 0;
		return;
	}
	size_t j = 0;
	for (size_t i = 0; i < s->ns_count; i++)
		if (stub_proc_has_thread(s->proc, s->ns_threads[i].tid))
			s->ns_threads[j++] = s->ns_threads[i];
	s->ns_count = j;
	size_t n;
	const pid_t *t = stub_proc_threads(s->proc, &n);
	for (size_t i = 0; i < n; i++)
		if (!ns_find(s, t[i]))
			ns_add(s, t[i], new_running);
}

/* Every thread stopped, with the stop the layer last recorded for it. */
static void ns_rebuild(struct stub_session *s)
{
	s->ns_count = 0;
	if (!s->non_stop || !s->proc)
		return;
	ns_sync(s, false);
	for (size_t i = 0; i < s->ns_count; i++) {
		struct stub_ns_thread *e = &s->ns_threads[i];
		struct gsc_error *err = stub_proc_thread_stop(s->proc, e->tid, &e->stop);
		if (err) {
			gsc_error_destroy(err);
			e->stop = (struct stub_thread_stop){ .tid = e->tid };
		}
	}
}

static void ns_queue(struct stub_session *s, const struct rsp_buf *b)
{
	if (b->oom)
		return;
	if (s->notif_count == s->notif_cap) {
		size_t cap = s->notif_cap ? s->notif_cap * 2 : 16;
		char **n = realloc(s->notif, cap * sizeof(*n));
		if (!n)
			return;
		s->notif = n;
		s->notif_cap = cap;
	}
	char *text = malloc(b->len + 1);
	if (!text)
		return;
	memcpy(text, b->data ? (const char *)b->data : "", b->len);
	text[b->len] = '\0';
	s->notif[s->notif_count++] = text;
}

static void ns_queue_stop(struct stub_session *s, const struct stub_thread_stop *st)
{
	struct rsp_buf b;
	rsp_buf_init(&b);
	stub_write_stop(s, st, &b);
	ns_queue(s, &b);
	rsp_buf_deinit(&b);
}

static void ns_pop(struct stub_session *s)
{
	if (!s->notif_count)
		return;
	free(s->notif[0]);
	memmove(s->notif, s->notif + 1, (s->notif_count - 1) * sizeof(*s->notif));
	s->notif_count--;
}

void stub_ns_clear_queue(struct stub_session *s)
{
	while (s->notif_count)
		ns_pop(s);
	s->notif_sent = false;
}

void stub_ns_set(struct stub_session *s, bool on)
{
	s->non_stop = on;
	stub_ns_clear_queue(s);
	ns_rebuild(s);
	stub_session_fork_events(s);	/* not in non-stop mode */
	if (!on || !s->proc || !s->initial_stop)
		return;
	/*
	 * At the attach (or launch) stop, only the main thread is shown
	 * stopped and the others run, as gdbserver leaves them: gdb stops
	 * each with vCont;t.  Shown all stopped, gdb 13 with
	 * target-non-stop on asserts in remote_target::wait
	 * (gdb.server/attach-flag.exp, ext-attach.exp).
	 */
	pid_t main_tid = stub_proc_pid(s->proc);
	for (size_t i = 0; i < s->ns_count; i++)
		if (s->ns_threads[i].tid != main_tid)
			s->ns_threads[i].running = true;
}

const char *stub_ns_next_notification(struct stub_session *s)
{
	if (!s->non_stop || !s->notif_count || s->notif_sent)
		return NULL;
	s->notif_sent = true;
	return s->notif[0];
}

/* A stop of the client's thread, or the process's end: queued, nothing resumed. */
static void ns_handle(struct stub_session *s, const struct stub_event *ev)
{
	if (ev->kind == STUB_EV_EXITED || ev->kind == STUB_EV_SIGNALED) {
		struct rsp_buf b;
		rsp_buf_init(&b);
		stub_report_event(s, ev, &b);
		ns_queue(s, &b);
		rsp_buf_deinit(&b);
		s->ns_count = 0;
		if (s->quit) {	/* not before the client has the W */
			s->quit = false;
			s->quit_when_drained = true;
		}
		return;
	}
	if (ev->kind != STUB_EV_STOP || !s->proc)
		return;
	s->running = false;
	s->initial_stop = false;
	s->xfer_name[0] = '\0';
	ns_sync(s, true);
	struct stub_ns_thread *e = ns_find(s, ev->stop.tid);
	if (!e)
		return;
	e->running = false;
	e->stop = ev->stop;
	s->last_stop = *ev;
	s->have_stop = true;
	s->cur_tid = ev->stop.tid;
	ns_queue_stop(s, &ev->stop);
}

void stub_ns_event(struct stub_session *s, const struct stub_event *ev)
{
	if (ev->kind == STUB_EV_NONE)
		return;
	s->running = false;
	ns_handle(s, ev);
}

void stub_ns_pause(struct stub_session *s)
{
	if (!s->non_stop || !s->running || !s->proc)
		return;
	struct stub_event ev = { .kind = STUB_EV_NONE };
	struct gsc_error *err = stub_proc_interrupt(s->proc);
	/*
	 * Bounded: when every thread the layer resumed has exited, nothing is
	 * left to take the interrupt and no event ever comes; the session must
	 * go on (the process then stays as it is).
	 */
	for (int i = 0; !err && i < 200; i++) {
		err = stub_proc_poll(s->proc, &ev);
		if (err || ev.kind != STUB_EV_NONE)
			break;
		struct pollfd pfd = { .fd = stub_ptrace_event_fd(), .events = POLLIN };
		poll(&pfd, 1, 10);
	}
	if (!err && ev.kind == STUB_EV_NONE) {
		if (s->debug)
			fprintf(stderr, "gostub: no thread took the interrupt\n");
		return;
	}
	s->running = false;
	if (err) {
		if (s->debug)
			fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
		return;
	}
	if (ev.kind == STUB_EV_STOP && ev.stop.reason == STUB_STOP_SIGNAL && ev.stop.signo == SIGINT) {
		ns_sync(s, true);	/* our own interrupt: the client never sees it */
		return;
	}
	ns_handle(s, &ev);
}

void stub_ns_resume(struct stub_session *s)
{
	if (!s->non_stop || !s->proc || s->running)
		return;
	ns_sync(s, true);
	size_t n = 0;
	for (size_t i = 0; i < s->ns_count; i++)
		n += s->ns_threads[i].running;
	if (!n)
		return;
	/* every thread named (t for the stopped ones); the default is for threads born meanwhile */
	struct stub_resume *act = calloc(s->ns_count + 1, sizeof(*act));
	if (!act)
		return;
	size_t k = 0;
	for (size_t i = 0; i < s->ns_count; i++) {
		struct stub_ns_thread *e = &s->ns_threads[i];
		if (!e->running) {
			act[k++] = (struct stub_resume){ .tid = e->tid, .kind = STUB_RESUME_STOP };
			continue;
		}
		act[k] = e->act;
		act[k++].tid = e->tid;
		e->act.signo = 0;	/* a signal goes in once */
	}
	act[k++] = (struct stub_resume){ .tid = -1, .kind = STUB_RESUME_CONT };
	stub_session_resumed(s);
	struct gsc_error *err = stub_proc_resume(s->proc, act, k);
	free(act);
	if (err) {
		if (s->debug)
			fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
		return;
	}
	s->running = true;
}

void stub_ns_interrupt(struct stub_session *s)
{
	if (!s->non_stop || !s->proc)
		return;
	struct stub_ns_thread *e = ns_find(s, stub_proc_pid(s->proc));
	if (!e || !e->running) {
		e = NULL;
		for (size_t i = 0; i < s->ns_count && !e; i++)
			if (s->ns_threads[i].running)
				e = &s->ns_threads[i];
	}
	if (!e)
		return;
	e->running = false;
	e->stop = (struct stub_thread_stop){ .tid = e->tid, .reason = STUB_STOP_SIGNAL, .signo = SIGINT };
	ns_queue_stop(s, &e->stop);
}

/* Non-stop resume: each thread takes the first action naming it, else the default; t stops a running one. */
static void ns_apply(struct stub_session *s, const struct stub_resume *act, size_t n)
{
	ns_sync(s, true);
	for (size_t i = 0; i < s->ns_count; i++) {
		struct stub_ns_thread *e = &s->ns_threads[i];
		const struct stub_resume *a = NULL;
		for (size_t j = 0; j < n && !a; j++)
			if (act[j].tid == e->tid)
				a = &act[j];
		for (size_t j = 0; j < n && !a; j++)
			if (act[j].tid == -1)
				a = &act[j];
		if (!a)
			continue;
		if (a->kind == STUB_RESUME_STOP) {
			if (e->running) {	/* stopped by vCont;t: reported with signal 0 */
				e->running = false;
				e->stop = (struct stub_thread_stop){ .tid = e->tid, .reason = STUB_STOP_SIGNAL };
				ns_queue_stop(s, &e->stop);
			}
			continue;
		}
		if (e->running)
			continue;	/* already running: gdbserver ignores it too */
		e->running = true;
		e->act = *a;
		e->act.tid = e->tid;
	}
	s->initial_stop = false;
}

void stub_drop_process(struct stub_session *s)
{
	stub_session_drop_others(s);
	if (!s->proc)
		return;
	struct gsc_error *err = stub_proc_was_attached(s->proc) ? stub_proc_detach(s->proc) : stub_proc_kill(s->proc);
	if (err) {
		if (s->debug)
			fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
	}
	stub_proc_destroy(s->proc);
	stub_session_set_proc(s, NULL, 0);
}

/* The terminal's foreground group before give_terminal, given back at exit. */
static pid_t term_old_pgrp = -1;

static void give_back_terminal(void)
{
	if (term_old_pgrp > 0)
		(void)tcsetpgrp(STDERR_FILENO, term_old_pgrp);
}

/*
 * When the stub runs in the foreground of a terminal, the launched program
 * (in a group of its own) becomes the foreground group, so that ^C there
 * interrupts the program, not the stub; the stub's group gets the terminal
 * back at exit.  gdbserver does the same (fork-child.cc).
 */
static void give_terminal(pid_t pid)
{
	if (!isatty(STDERR_FILENO) || tcgetpgrp(STDERR_FILENO) != getpgrp())
		return;
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	pid_t old = getpgrp();
	if (tcsetpgrp(STDERR_FILENO, pid) != 0)
		return;
	if (term_old_pgrp < 0)
		atexit(give_back_terminal);
	term_old_pgrp = old;
}

struct gsc_error *stub_launch(struct stub_session *s)
{
	if (!s->argv || !s->argv[0])
		return gsc_error_create(GSC_ERR_INVALID_ARG, "no program to run");
	struct stub_launch opts = {
		.argv = s->argv,
		.envp = s->env,
		.cwd = s->cwd,
		.disable_aslr = s->disable_aslr,
		.with_shell = s->with_shell,
		.stdio_is_protocol = s->stdio,
		.wrapper = s->wrapper,
	};
	struct stub_proc *p;
	struct gsc_error *err = stub_proc_launch(&opts, &p);
	if (err)
		return err;
	if (!s->stdio)
		give_terminal(stub_proc_pid(p));
	stub_session_set_proc(s, p, SIGTRAP);
	return NULL;
}

struct gsc_error *stub_attach(struct stub_session *s, pid_t pid)
{
	struct stub_proc *p;
	struct gsc_error *err = stub_proc_attach(pid, &p);
	if (err)
		return err;
	stub_session_set_proc(s, p, 0);	/* gdbserver reports an attach as signal 0 */
	return NULL;
}

// ?: the last stop reply, W00 when there is no process
static enum rsp_result h_question(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				  struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (s->non_stop) {
		/* every stopped thread, through the vStopped queue */
		stub_ns_clear_queue(s);
		for (size_t i = 0; s->proc && i < s->ns_count; i++)
			if (!s->ns_threads[i].running)
				ns_queue_stop(s, &s->ns_threads[i].stop);
		if (!s->notif_count) {
			stub_reply_ok(reply);
			return RSP_REPLY;
		}
		rsp_buf_add_str(reply, s->notif[0]);
		s->notif_sent = true;
		return RSP_REPLY;
	}
	if (!s->proc) {
		if (s->exit_kind)
			write_exit(s, reply);
		else
			rsp_buf_add_str(reply, "W00");
		return RSP_REPLY;
	}
	struct stub_thread_stop st = s->last_stop.stop;
	if (!s->have_stop || !stub_proc_has_thread(s->proc, st.tid)) {
		memset(&st, 0, sizeof(st));
		st.tid = stub_resolve_thread(s, NULL);
	}
	stub_client_stop(s, &st);
	stub_write_stop(s, &st, reply);
	return RSP_REPLY;
}

// vCont?: the actions we support
static enum rsp_result h_vcont_query(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (!(s->disabled & STUB_DISABLE_VCONT))
		rsp_buf_add_str(reply, "vCont;c;C;s;S;t;r");
	return RSP_REPLY;
}

/* Whether the process waits on a vfork child that is held stopped (s->vforks); forgets children let go. */
static bool vfork_blocked(struct stub_session *s)
{
	bool blocked = false;
	for (size_t i = 0; i < s->nvforks;) {
		pid_t c = s->vforks[i].child;
		if (!stub_session_other(s, c) && !(s->proc && stub_proc_pid(s->proc) == c)) {
			s->vforks[i] = s->vforks[--s->nvforks];	/* detached, killed, exited */
			continue;
		}
		blocked |= s->proc && s->vforks[i].parent == stub_proc_pid(s->proc);
		i++;
	}
	return blocked;
}

static enum rsp_result do_resume(struct stub_session *s, const struct stub_resume *act, size_t n,
				 struct rsp_buf *reply)
{
	if (s->non_stop) {
		ns_apply(s, act, n);
		stub_reply_ok(reply);
		return RSP_REPLY;
	}
	if (vfork_blocked(s)) {
		stub_reply_error(s, reply, 0x16, "the process waits for its vfork child, which is stopped: "
						 "detach or run the child first (gostub runs one process at a time)");
		return RSP_REPLY;
	}
	stub_session_resumed(s);
	struct gsc_error *err = stub_proc_resume(s->proc, act, n);
	if (err) {
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	s->running = true;
	s->initial_stop = false;
	return RSP_NO_REPLY;
}

/* One vCont action; *id_ret its thread (pid 0, tid -1 when none), resolved by the caller. */
static bool parse_action(struct stub_session *s, const uint8_t **pp, const uint8_t *end, struct stub_resume *r,
			 struct stub_ptid *id_ret)
{
	const uint8_t *p = *pp;
	uint64_t v;
	memset(r, 0, sizeof(*r));
	r->tid = -1;
	*id_ret = (struct stub_ptid){ 0, -1 };
	if (p >= end)
		return false;
	char c = (char)*p++;
	switch (c) {
	case 'c': r->kind = STUB_RESUME_CONT; break;
	case 's': r->kind = STUB_RESUME_STEP; break;
	case 't': r->kind = STUB_RESUME_STOP; break;
	case 'C':
	case 'S':
		r->kind = c == 'C' ? STUB_RESUME_CONT : STUB_RESUME_STEP;
		if (!rsp_parse_hex_u64(&p, end, &v) || v > 0xff)
			return false;
		r->signo = stub_signal_from_wire(s, (int)v);
		break;
	case 'r':
		r->kind = STUB_RESUME_RANGE;
		if (!rsp_parse_hex_u64(&p, end, &r->range_start) || p >= end || *p++ != ',' ||
		    !rsp_parse_hex_u64(&p, end, &r->range_end))
			return false;
		break;
	default:
		return false;
	}
	if (p < end && *p == ':') {
		p++;
		if (!stub_parse_ptid(&p, end, id_ret))
			return false;
	}
	if (p < end && *p != ';')
		return false;
	*pp = p;
	return true;
}

/*
 * Makes p (another process) the process; the current one waits stopped
 * among the others.  Both are stopped: this is between two resumes.
 */
static void switch_process(struct stub_session *s, struct stub_proc *p)
{
	for (size_t i = 0; p != s->proc && i < s->nothers; i++) {
		if (s->others[i] != p)
			continue;
		s->others[i] = s->proc;
		s->proc = p;
		s->cur_tid = stub_proc_pid(p);
		s->initial_stop = false;
		s->have_stop = false;
		stub_session_resumed(s);
		stub_proc_set_pass(p, s->pass);
		stub_session_fork_events(s);
	}
}

/*
 * The threads of the actions, once the process they name is the process
 * (switch_process): false when they name two processes (one runs at a
 * time) or one that does not exist.
 */
static bool resolve_actions(struct stub_session *s, struct stub_resume *act, const struct stub_ptid *ids,
			    size_t n)
{
	struct stub_proc *target = NULL;
	for (size_t i = 0; i < n; i++) {
		if (ids[i].pid <= 0 && ids[i].tid <= 0)
			continue;	/* every thread, or any: of whichever process */
		struct stub_proc *p = stub_session_proc_for(s, &ids[i]);
		if (ids[i].pid > 0 && stub_proc_pid(p) != ids[i].pid)
			return false;
		if (target && p != target)
			return false;
		target = p;
	}
	if (target)
		switch_process(s, target);
	for (size_t i = 0; i < n; i++)
		act[i].tid = ids[i].tid == 0 ? stub_resolve_thread(s, NULL) : (pid_t)ids[i].tid;
	return true;
}

static enum rsp_result one_process(struct stub_session *s, struct rsp_buf *reply)
{
	stub_reply_error(s, reply, 0x16, "gostub runs one process at a time (set schedule-multiple off)");
	return RSP_REPLY;
}

// vCont;<action>[:<thread>]...: resume per thread (c, C<sig>, s, S<sig>, t, r<start>,<end>)
static enum rsp_result h_vcont(struct stub_session *s, const uint8_t *a, const uint8_t *end,
			       struct rsp_buf *reply)
{
	if (s->disabled & STUB_DISABLE_VCONT)
		return RSP_REPLY;
	if (!s->proc)
		return no_process(s, reply);
	size_t max = 0;
	for (const uint8_t *p = a - 1; p < end; p++)
		if (*p == ';')
			max++;
	if (max == 0 || max > 4096)
		return bad_packet(s, reply);
	struct stub_resume *act = calloc(max, sizeof(*act));
	if (!act) {
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	struct stub_ptid *ids = calloc(max, sizeof(*ids));
	if (!ids) {
		free(act);
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	size_t n = 0;
	const uint8_t *p = a;
	bool ok = true;
	while (n < max) {
		if (!parse_action(s, &p, end, &act[n], &ids[n])) {
			ok = false;
			break;
		}
		n++;
		if (p >= end)
			break;
		p++;	/* ';' */
	}
	enum rsp_result r;
	if (!ok || p < end)
		r = bad_packet(s, reply);
	else if (!resolve_actions(s, act, ids, n))
		r = one_process(s, reply);
	else
		r = do_resume(s, act, n, reply);
	free(ids);
	free(act);
	return r;
}

/* The thread c/s/C/S act on: Hc's when specific, else the current thread. */
static pid_t resume_thread(struct stub_session *s, bool *specific_ret)
{
	*specific_ret = s->c_thread.tid > 0;
	if (*specific_ret || s->c_thread.pid > 0)
		switch_process(s, stub_session_proc_for(s, &s->c_thread));
	return stub_resolve_thread(s, *specific_ret ? &s->c_thread : NULL);
}

/* c, s, C sig, S sig (legacy, with Hc): gdbserver's rules for which threads move. */
static enum rsp_result legacy_resume(struct stub_session *s, bool step, const uint8_t *a, const uint8_t *end,
				     bool with_sig, struct rsp_buf *reply)
{
	uint64_t sig = 0;
	if (!s->proc)
		return no_process(s, reply);
	if (with_sig && (!rsp_parse_hex_u64(&a, end, &sig) || sig > 0xff))
		return bad_packet(s, reply);
	if (a != end) {
		stub_reply_error(s, reply, 0x16, "resuming at an address is not supported");
		return RSP_REPLY;
	}
	bool specific;
	pid_t tid = resume_thread(s, &specific);
	if (!tid) {
		stub_reply_error(s, reply, 2, "no such thread");
		return RSP_REPLY;
	}
	struct stub_resume act[2];
	size_t n = 0;
	int signo = stub_signal_from_wire(s, (int)sig);
	if (step || signo || specific)
		act[n++] = (struct stub_resume){ .tid = tid, .kind = step ? STUB_RESUME_STEP : STUB_RESUME_CONT,
						 .signo = signo };
	if (!specific)
		act[n++] = (struct stub_resume){ .tid = -1, .kind = STUB_RESUME_CONT };
	return do_resume(s, act, n, reply);
}

// c: continue
static enum rsp_result h_c(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	return legacy_resume(s, false, a, end, false, reply);
}

// s: step
static enum rsp_result h_s(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	return legacy_resume(s, true, a, end, false, reply);
}

// C<sig>: continue with a signal
static enum rsp_result h_csig(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	return legacy_resume(s, false, a, end, true, reply);
}

// S<sig>: step with a signal
static enum rsp_result h_ssig(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	return legacy_resume(s, true, a, end, true, reply);
}

// H<g|c><thread>: select the thread for registers (g) or for c/s (c)
static enum rsp_result h_h(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	struct stub_ptid id;
	if (a >= end || (*a != 'g' && *a != 'c'))
		return bad_packet(s, reply);
	char which = (char)*a++;
	if (!stub_parse_ptid(&a, end, &id) || a != end)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	if (id.tid > 0 && !stub_proc_has_thread(stub_session_proc_for(s, &id), (pid_t)id.tid)) {
		stub_reply_error(s, reply, 2, "no such thread");
		return RSP_REPLY;
	}
	if (which == 'g')
		s->g_thread = id;
	else
		s->c_thread = id;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// T<thread>: OK when the thread is alive
static enum rsp_result h_t(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	struct stub_ptid id;
	if (!stub_parse_ptid(&a, end, &id) || a != end)
		return bad_packet(s, reply);
	if (s->proc && id.tid > 0 && stub_proc_has_thread(stub_session_proc_for(s, &id), (pid_t)id.tid))
		stub_reply_ok(reply);
	else
		stub_reply_error(s, reply, 2, "no such thread");
	return RSP_REPLY;
}

static char **argv_from_vrun(struct stub_session *s, const uint8_t *a, const uint8_t *end)
{
	size_t n = 1;
	for (const uint8_t *p = a; p < end; p++)
		if (*p == ';')
			n++;
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	size_t i = 0;
	const uint8_t *p = a;
	while (i < n) {
		const uint8_t *semi = memchr(p, ';', (size_t)(end - p));
		const uint8_t *e = semi ? semi : end;
		v[i] = stub_hex_to_str(p, (size_t)(e - p));
		if (!v[i] || strlen(v[i]) != (size_t)(e - p) / 2)
			goto fail;
		i++;
		p = e + 1;
	}
	if (!v[0][0]) {		/* empty program: the one from the command line */
		free(v[0]);
		v[0] = s->argv && s->argv[0] ? strdup(s->argv[0]) : NULL;
		if (!v[0])
			goto fail;
	}
	return v;
fail:
	for (size_t j = 0; j <= i && j < n; j++)
		free(v[j]);
	free(v);
	return NULL;
}

/*
 * vRun and vAttach beside a process: with multiprocess+ in extended mode
 * (gdb's add-inferior) it stays, stopped, among the others; the caller
 * hands it to back_to_others.  NULL (and s->proc untouched) otherwise.
 */
static struct stub_proc *keep_process(struct stub_session *s)
{
	if (!s->proc || !s->multiprocess || !s->extended || s->non_stop)
		return NULL;
	struct stub_proc **n = realloc(s->others, (s->nothers + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->others = n;
	struct stub_proc *p = s->proc;
	s->proc = NULL;
	return p;
}

/* After the launch or attach: the kept process joins the others, or is the process again if it failed. */
static void back_to_others(struct stub_session *s, struct stub_proc *kept, const struct gsc_error *err)
{
	if (!kept)
		return;
	if (err && !s->proc) {
		s->proc = kept;
		return;
	}
	s->others[s->nothers++] = kept;	/* room made by keep_process */
}

// vRun;<hex prog>[;<hex arg>]...: start the program; reply with its first stop
static enum rsp_result h_vrun(struct stub_session *s, const uint8_t *a, const uint8_t *end,
			      struct rsp_buf *reply)
{
	char **argv = argv_from_vrun(s, a, end);
	if (!argv)
		return bad_packet(s, reply);
	struct stub_proc *keep = keep_process(s);
	if (!keep)
		stub_drop_process(s);
	char **old = s->argv;
	s->argv = argv;
	struct gsc_error *err = stub_launch(s);
	back_to_others(s, keep, err);
	if (err) {
		s->argv = old;	/* keep the program that worked */
		old = argv;
	}
	for (char **p = old; p && *p; p++)
		free(*p);
	free(old);
	if (err) {
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	struct stub_thread_stop st = s->last_stop.stop;
	stub_client_stop(s, &st);
	stub_write_stop(s, &st, reply);
	return RSP_REPLY;
}

// vAttach;<pid>: attach; reply with the stop (signal 0)
static enum rsp_result h_vattach(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	uint64_t pid;
	if (!rsp_parse_hex_u64(&a, end, &pid) || a != end || pid == 0 || pid > INT32_MAX)
		return bad_packet(s, reply);
	if (s->proc && (stub_proc_pid(s->proc) == (pid_t)pid || stub_session_other(s, (int64_t)pid))) {
		stub_reply_error(s, reply, 1, "already debugging this process");
		return RSP_REPLY;
	}
	struct stub_proc *keep = keep_process(s);
	if (s->proc) {
		stub_reply_error(s, reply, 1, "already debugging a process");
		return RSP_REPLY;
	}
	struct gsc_error *err = stub_attach(s, (pid_t)pid);
	back_to_others(s, keep, err);
	if (err) {
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	struct stub_thread_stop st = s->last_stop.stop;
	stub_client_stop(s, &st);
	if (s->non_stop) {
		/* non-stop: OK, and the main thread's stop follows as a %Stop notification (gdbserver) */
		stub_ns_clear_queue(s);
		ns_queue_stop(s, &st);
		stub_reply_ok(reply);
		return RSP_REPLY;
	}
	stub_write_stop(s, &st, reply);
	return RSP_REPLY;
}

static bool pid_matches(struct stub_session *s, const uint8_t *a, const uint8_t *end)
{
	uint64_t pid;
	if (a == end)
		return true;
	if (!rsp_parse_hex_u64(&a, end, &pid) || a != end)
		return false;
	if (!s->multiprocess)
		return s->proc != NULL;	/* gdb names the process 42000 then */
	return s->proc && pid == (uint64_t)stub_proc_pid(s->proc);
}

/*
 * The process is gone (detached, exited) while fork children are held:
 * the newest becomes the process, stopped, so that the client can run it
 * (gdb's follow-fork-mode child, or an inferior kept by detach-on-fork
 * off).  False when there is none.
 */
static bool promote_other(struct stub_session *s)
{
	if (!s->nothers)
		return false;
	struct stub_proc *next = s->others[--s->nothers];
	stub_session_set_proc(s, next, 0);	/* drops the other children */
	s->initial_stop = false;
	return true;
}

/* D;<pid> or vKill;<pid> of a held fork child: true when pid names one (then *err_ret says how it went). */
static bool drop_other(struct stub_session *s, const uint8_t *a, const uint8_t *end, bool kill,
		      struct gsc_error **err_ret)
{
	uint64_t pid;
	*err_ret = NULL;
	if (a == end || !rsp_parse_hex_u64(&a, end, &pid) || a != end || pid > INT32_MAX)
		return false;
	return stub_session_drop_other(s, (int64_t)pid, kill, err_ret);
}

/* Ends every other process: kills each (kill) or detaches each. */
static void end_others(struct stub_session *s, bool kill)
{
	while (s->nothers) {
		struct gsc_error *err;
		(void)stub_session_drop_other(s, stub_proc_pid(s->others[0]), kill, &err);
		gsc_error_destroy(err);
	}
}

/* Kills the process (and with all, the others too; else another becomes the process). */
static void kill_process(struct stub_session *s, bool all)
{
	if (all)
		end_others(s, true);
	struct gsc_error *err = stub_proc_kill(s->proc);
	if (err)
		gsc_error_destroy(err);
	s->exit_kind = STUB_EV_SIGNALED;
	s->exit_status = SIGKILL;
	s->exit_pid = stub_proc_pid(s->proc);
	stub_proc_destroy(s->proc);
	s->proc = NULL;
	if (promote_other(s))
		return;
	stub_session_set_proc(s, NULL, 0);
	if (!stays_up(s))
		s->quit = true;
}

// vKill;<pid>: kill the process, OK
static enum rsp_result h_vkill(struct stub_session *s, const uint8_t *a, const uint8_t *end,
			       struct rsp_buf *reply)
{
	if (!s->proc)
		return no_process(s, reply);
	struct gsc_error *err;
	if (drop_other(s, a, end, true, &err)) {
		if (err)
			stub_reply_gsc_error(s, reply, err);
		else
			stub_reply_ok(reply);
		return RSP_REPLY;
	}
	if (!pid_matches(s, a, end)) {
		stub_reply_error(s, reply, 3, "no such process");
		return RSP_REPLY;
	}
	kill_process(s, false);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// k: kill; lldb waits for X09, gdb reads no reply
static enum rsp_result h_k(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (!s->proc) {
		if (!stays_up(s))
			s->quit = true;
		return s->lldb ? (rsp_buf_add_str(reply, "X09"), RSP_REPLY) : RSP_NO_REPLY;
	}
	kill_process(s, true);
	if (!s->lldb)
		return RSP_NO_REPLY;
	write_exit(s, reply);
	return RSP_REPLY;
}

// !: extended mode, OK
static enum rsp_result h_bang(struct stub_session *s, const uint8_t *a, const uint8_t *end,
			      struct rsp_buf *reply)
{
	(void)a, (void)end;
	s->extended = true;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// R<xx>: restart the program (extended mode); no reply
static enum rsp_result h_r(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	(void)a, (void)end;
	stub_drop_process(s);
	struct gsc_error *err = stub_launch(s);
	if (err) {
		if (s->debug)
			fprintf(stderr, "gostub: %s\n", err->message);
		gsc_error_destroy(err);
	}
	(void)reply;
	return RSP_NO_REPLY;
}

// D[;<pid>]: detach, leaving the process running; OK
static enum rsp_result h_d(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	if (!s->proc)
		return no_process(s, reply);
	if (a < end && *a == ';')
		a++;
	struct gsc_error *err;
	if (drop_other(s, a, end, false, &err)) {
		if (err)
			stub_reply_gsc_error(s, reply, err);
		else
			stub_reply_ok(reply);
		return RSP_REPLY;
	}
	if (!pid_matches(s, a, end)) {
		stub_reply_error(s, reply, 3, "no such process");
		return RSP_REPLY;
	}
	if (a == end)
		end_others(s, false);	/* D: every process */
	err = stub_proc_detach(s->proc);
	if (err) {
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	stub_proc_destroy(s->proc);
	s->proc = NULL;
	/* follow-fork-mode child: gdb detaches the parent and goes on with the child */
	if (!promote_other(s)) {
		stub_session_set_proc(s, NULL, 0);
		if (!stays_up(s))
			s->quit = true;
	}
	s->exit_kind = 0;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// vStopped: acknowledges the last stop notification; the next queued stop reply, or OK
static enum rsp_result h_vstopped(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				  struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (!s->non_stop)
		return RSP_REPLY;
	ns_pop(s);
	if (s->notif_count) {
		rsp_buf_add_str(reply, s->notif[0]);
		s->notif_sent = true;
	} else {
		stub_reply_ok(reply);
		s->notif_sent = false;
		if (s->quit_when_drained)
			s->quit = true;
	}
	return RSP_REPLY;
}

// vCtrlC: interrupt, OK (non-stop: a running thread stops with SIGINT, reported by notification)
static enum rsp_result h_vctrlc(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (!s->proc)
		return no_process(s, reply);
	stub_ns_interrupt(s);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

const struct rsp_command stub_run_commands[] = {
	{ "vStopped", RSP_EXACT, h_vstopped },
	{ "vCtrlC", RSP_EXACT, h_vctrlc },
	{ "?", RSP_EXACT, h_question },
	{ "vCont?", RSP_EXACT, h_vcont_query },
	{ "vCont;", RSP_PREFIX, h_vcont },
	{ "vRun;", RSP_PREFIX, h_vrun },
	{ "vAttach;", RSP_PREFIX, h_vattach },
	{ "vKill;", RSP_PREFIX, h_vkill },
	{ "c", RSP_PREFIX, h_c },
	{ "s", RSP_PREFIX, h_s },
	{ "C", RSP_PREFIX, h_csig },
	{ "S", RSP_PREFIX, h_ssig },
	{ "H", RSP_PREFIX, h_h },
	{ "T", RSP_PREFIX, h_t },
	{ "k", RSP_EXACT, h_k },
	{ "!", RSP_EXACT, h_bang },
	{ "R", RSP_PREFIX, h_r },
	{ "D", RSP_PREFIX, h_d },
	{ NULL, 0, NULL },
};
