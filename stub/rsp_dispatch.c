/*
 * rsp_dispatch.c - the packet tables' entry point, and the session helpers
 * every handler shares: error replies, thread ids, signal numbering.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsp_dispatch.h"

void stub_session_init(struct stub_session *s)
{
	memset(s, 0, sizeof(*s));
	s->packet_size = STUB_PACKET_SIZE_DEFAULT;
	s->arch = gsc_arch_info(GSC_ARCH_AMD64);
	s->disable_aslr = true;		/* gdbserver's default */
	s->with_shell = true;		/* gdbserver's default */
	s->pass[23] = true;		/* SIGURG: Go's preemption, until the client says otherwise */
	rsp_buf_init(&s->console);
	rsp_buf_init(&s->xfer);
	for (int i = 0; i < STUB_VFILE_MAX; i++)
		s->vfile_fd[i] = -1;
}

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void stub_session_deinit(struct stub_session *s)
{
	stub_session_drop_others(s);
	free(s->others);
	if (s->proc) {
		stub_proc_destroy(s->proc);
		s->proc = NULL;
	}
	free_strv(s->argv);
	free_strv(s->env);
	free(s->cwd);
	free_strv(s->wrapper);
	stub_ns_clear_queue(s);
	free(s->notif);
	free(s->ns_threads);
	free(s->cores);
	rsp_buf_deinit(&s->console);
	rsp_buf_deinit(&s->xfer);
	for (int i = 0; i < STUB_VFILE_MAX; i++)
		if (s->vfile_fd[i] >= 0)
			close(s->vfile_fd[i]);
}

void stub_session_set_proc(struct stub_session *s, struct stub_proc *p, int signo)
{
	s->proc = p;
	s->running = false;
	s->g_thread = (struct stub_ptid){ 0, 0 };
	s->c_thread = (struct stub_ptid){ 0, 0 };
	s->xfer_name[0] = '\0';
	stub_session_resumed(s);
	if (!p) {
		s->have_stop = false;
		s->cur_tid = 0;
		s->ns_count = 0;	/* a queued W stays */
		return;
	}
	s->had_process = true;
	s->exit_kind = 0;
	s->cur_tid = stub_proc_pid(p);
	memset(&s->last_stop, 0, sizeof(s->last_stop));
	s->last_stop.kind = STUB_EV_STOP;
	s->last_stop.stop.tid = s->cur_tid;
	s->last_stop.stop.reason = STUB_STOP_SIGNAL;
	s->last_stop.stop.signo = signo;
	s->have_stop = true;
	s->initial_stop = true;
	stub_proc_set_pass(p, s->pass);
	stub_session_fork_events(s);
	s->arch = stub_session_arch(p);
	if (s->non_stop)
		stub_ns_set(s, true);	/* every thread stopped */
}

const struct gsc_arch_info *stub_session_arch(struct stub_proc *p)
{
	/* XCR0 is the same for every process of a machine; a process's own XSAVE block says it (asm/user.h) */
	const struct stub_regs *r;
	pid_t tid = stub_proc_pid(p);
	struct gsc_error *err = stub_proc_get_regs(p, tid, &r);
	if (err || r->xsave_len < GSC_AMD64_XCR0_OFFSET + 8) {
		gsc_error_destroy(err);
		return gsc_arch_info(GSC_ARCH_AMD64);
	}
	uint64_t xcr0;
	memcpy(&xcr0, r->xsave + GSC_AMD64_XCR0_OFFSET, 8);
	return gsc_amd64_arch_for_xcr0(xcr0);
}

void stub_session_fork_events(struct stub_session *s)
{
	/* fork: stop replies name the child as p<pid>.<tid>: multiprocess only, as gdb requires */
	if (s->proc)
		stub_proc_set_fork_events(s->proc, s->multiprocess && s->fork_events && !s->non_stop,
					  s->multiprocess && s->vfork_events && !s->non_stop);
}

struct stub_proc *stub_session_other(struct stub_session *s, int64_t pid)
{
	for (size_t i = 0; i < s->nothers; i++)
		if (pid > 0 && stub_proc_pid(s->others[i]) == pid)
			return s->others[i];
	return NULL;
}

struct stub_proc *stub_session_proc_for(struct stub_session *s, const struct stub_ptid *id)
{
	if (id->pid > 0) {
		struct stub_proc *f = stub_session_other(s, id->pid);
		return f ? f : s->proc;
	}
	return id->tid > 0 ? stub_session_proc_of(s, (pid_t)id->tid) : s->proc;
}

struct stub_proc *stub_session_proc_of(struct stub_session *s, pid_t tid)
{
	if (s->proc && stub_proc_has_thread(s->proc, tid))
		return s->proc;
	for (size_t i = 0; i < s->nothers; i++)
		if (stub_proc_has_thread(s->others[i], tid))
			return s->others[i];
	return s->proc;
}

void stub_session_add_fork(struct stub_session *s, pid_t child)
{
	struct stub_proc *c = s->proc ? stub_proc_take_fork(s->proc, child) : NULL;
	if (!c)
		return;
	struct stub_proc **n = realloc(s->others, (s->nothers + 1) * sizeof(*n));
	if (!n) {
		stub_proc_destroy(c);	/* detached or killed as the parent would be */
		return;
	}
	s->others = n;
	s->others[s->nothers++] = c;
}

bool stub_session_drop_other(struct stub_session *s, int64_t pid, bool kill, struct gsc_error **err_ret)
{
	*err_ret = NULL;
	for (size_t i = 0; i < s->nothers; i++) {
		struct stub_proc *c = s->others[i];
		if (stub_proc_pid(c) != pid)
			continue;
		*err_ret = kill ? stub_proc_kill(c) : stub_proc_detach(c);
		stub_proc_destroy(c);
		s->others[i] = s->others[--s->nothers];
		return true;
	}
	return false;
}

void stub_session_drop_others(struct stub_session *s)
{
	while (s->nothers)
		stub_proc_destroy(s->others[--s->nothers]);
}

/*
 * Linux signal -> GDB signal (include/gdb/signals.def numbering, and
 * gdb_signal_from_host's choices: SIGIO before SIGPOLL, realtime 32 -> 77,
 * 33..63 -> 45..75, 64 -> 78).  Index = Linux number.
 */
enum { GDB_SIGNAL_UNKNOWN = 143 };
static const uint8_t linux_to_gdb[33] = {
	0, 1, 2, 3, 4, 5, 6, 10 /* BUS */, 8, 9, 30 /* USR1 */, 11, 31 /* USR2 */, 13, 14, 15,
	GDB_SIGNAL_UNKNOWN /* STKFLT */, 20 /* CHLD */, 19 /* CONT */, 17 /* STOP */, 18 /* TSTP */, 21, 22,
	16 /* URG */, 24, 25, 26, 27, 28, 23 /* IO */, 32 /* PWR */, 12 /* SYS */, 77 /* realtime 32 */,
};

int stub_signal_to_gdb(int sig)
{
	if (sig >= 0 && sig <= 32)
		return linux_to_gdb[sig];
	if (sig >= 33 && sig <= 63)
		return sig - 33 + 45;
	if (sig == 64)
		return 78;
	return GDB_SIGNAL_UNKNOWN;
}

int stub_signal_to_wire(const struct stub_session *s, int sig)
{
	return s->lldb ? sig : stub_signal_to_gdb(sig);
}

int stub_signal_from_wire(const struct stub_session *s, int v)
{
	if (s->lldb)
		return v >= 1 && v <= 64 ? v : 0;
	return stub_signal_from_gdb(v);
}

int stub_signal_from_gdb(int gsig)
{
	if (gsig <= 0)
		return 0;
	if (gsig >= 45 && gsig <= 75)
		return gsig - 45 + 33;
	if (gsig == 77)
		return 32;
	if (gsig == 78)
		return 64;
	for (int l = 1; l <= 32; l++)
		if (l != 16 && stub_signal_to_gdb(l) == gsig)
			return l;
	return 0;
}

void stub_reply_ok(struct rsp_buf *reply)
{
	rsp_buf_reset(reply);
	rsp_buf_add_str(reply, "OK");
}

void stub_reply_error(struct stub_session *s, struct rsp_buf *reply, int code, const char *text)
{
	rsp_buf_reset(reply);
	if (code <= 0 || code > 0xff)
		code = 1;
	if (text && s->error_message) {
		/* gdb: "E." followed by text; keep it to printable bytes */
		rsp_buf_add_str(reply, "E.");
		for (const char *c = text; *c; c++)
			rsp_buf_add_char(reply, (*c >= 0x20 && *c < 0x7f && *c != '$' && *c != '#' && *c != '}' &&
						 *c != '*') ? *c : ' ');
	} else if (text && s->error_strings) {
		rsp_buf_printf(reply, "E%02x;", code);
		rsp_buf_add_hex(reply, text, strlen(text));
	} else {
		rsp_buf_printf(reply, "E%02x", code);
	}
}

void stub_reply_gsc_error(struct stub_session *s, struct rsp_buf *reply, struct gsc_error *err)
{
	int code;
	switch (err->code) {
	case GSC_ERR_FAULT: code = EFAULT; break;
	case GSC_ERR_NOT_FOUND: code = ENOENT; break;
	case GSC_ERR_OS: code = err->errnum > 0 && err->errnum < 256 ? err->errnum : EIO; break;
	case GSC_ERR_INVALID_ARG:
	case GSC_ERR_BAD_DATA: code = EINVAL; break;
	case GSC_ERR_UNSUPPORTED: code = ENOSYS; break;
	default: code = 1; break;
	}
	stub_reply_error(s, reply, code, err->message ? err->message : "error");
	gsc_error_destroy(err);
}

static bool parse_id(const uint8_t **p, const uint8_t *end, int64_t *ret)
{
	if (*p < end && **p == '-') {
		(*p)++;
		if (*p < end && **p == '1') {
			(*p)++;
			*ret = -1;
			return true;
		}
		return false;
	}
	uint64_t v;
	if (!rsp_parse_hex_u64(p, end, &v) || v > INT32_MAX)
		return false;
	*ret = (int64_t)v;
	return true;
}

bool stub_parse_ptid(const uint8_t **p, const uint8_t *end, struct stub_ptid *ret)
{
	const uint8_t *q = *p;
	struct stub_ptid id = { 0, 0 };
	if (q < end && *q == 'p') {
		q++;
		if (!parse_id(&q, end, &id.pid))
			return false;
		if (q < end && *q == '.') {
			q++;
			if (!parse_id(&q, end, &id.tid))
				return false;
		} else {
			id.tid = -1;	/* "p<pid>": every thread of the process */
		}
	} else if (!parse_id(&q, end, &id.tid)) {
		return false;
	}
	*p = q;
	*ret = id;
	return true;
}

void stub_write_tid(struct stub_session *s, struct rsp_buf *b, pid_t tid)
{
	struct stub_proc *p = stub_session_proc_of(s, tid);
	if (s->multiprocess && p)
		rsp_buf_printf(b, "p%x.%x", (unsigned)stub_proc_pid(p), (unsigned)tid);
	else
		rsp_buf_printf(b, "%x", (unsigned)tid);
}

pid_t stub_resolve_thread(struct stub_session *s, const struct stub_ptid *want)
{
	if (!s->proc)
		return 0;
	struct stub_proc *f = want ? stub_session_proc_for(s, want) : s->proc;
	if (f != s->proc) {
		/* another process */
		if (want->tid > 0)
			return stub_proc_has_thread(f, (pid_t)want->tid) ? (pid_t)want->tid : 0;
		size_t n;
		const pid_t *t = stub_proc_threads(f, &n);
		return n ? t[0] : 0;
	}
	if (want && want->tid > 0 && stub_proc_has_thread(s->proc, (pid_t)want->tid))
		return (pid_t)want->tid;
	if (want && want->tid > 0)
		return 0;	/* a thread that is gone */
	if (s->cur_tid > 0 && stub_proc_has_thread(s->proc, s->cur_tid))
		return s->cur_tid;
	size_t n;
	const pid_t *t = stub_proc_threads(s->proc, &n);
	return n ? t[0] : 0;
}

bool stub_thread_suffix(const uint8_t *p, const uint8_t *end, struct stub_ptid *ret)
{
	static const char key[] = ";thread:";
	size_t kl = sizeof(key) - 1;
	for (const uint8_t *q = p; q + kl <= end; q++) {
		if (memcmp(q, key, kl) == 0) {
			const uint8_t *v = q + kl;
			return stub_parse_ptid(&v, end, ret);
		}
	}
	return false;
}

char *stub_hex_to_str(const uint8_t *hex, size_t len)
{
	if (len % 2)
		return NULL;
	char *out = malloc(len / 2 + 1);
	if (!out)
		return NULL;
	if (!rsp_hex_decode(hex, len, (uint8_t *)out, len / 2)) {
		free(out);
		return NULL;
	}
	out[len / 2] = '\0';
	return out;
}

void stub_xml_escape(struct rsp_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '"': rsp_buf_add_str(b, "&quot;"); break;
		case '&': rsp_buf_add_str(b, "&amp;"); break;
		case '<': rsp_buf_add_str(b, "&lt;"); break;
		case '>': rsp_buf_add_str(b, "&gt;"); break;
		case '\'': rsp_buf_add_str(b, "&apos;"); break;
		default: rsp_buf_add_char(b, *s); break;
		}
	}
}

int stub_thread_core(pid_t pid, pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: count fields after the last ')'. */
	char *c = strrchr(buf, ')');
	if (!c)
		return -1;
	int field = 2;	/* ')' ends field 2 */
	for (char *q = c + 1; *q; q++) {
		if (*q == ' ') {
			field++;
			if (field == 39)
				return atoi(q + 1);	/* processor */
		}
	}
	return -1;
}

int stub_session_thread_core(struct stub_session *s, pid_t tid)
{
	if (!s->proc)
		return -1;
	for (size_t i = 0; i < s->core_count; i++)
		if (s->cores[i].tid == tid)
			return s->cores[i].core;
	int core = stub_thread_core(stub_proc_pid(s->proc), tid);
	if (s->core_count == s->core_cap) {
		size_t cap = s->core_cap ? s->core_cap * 2 : 16;
		struct stub_core_entry *c = realloc(s->cores, cap * sizeof(*c));
		if (!c)
			return core;	/* uncached, still right */
		s->cores = c;
		s->core_cap = cap;
	}
	s->cores[s->core_count++] = (struct stub_core_entry){ tid, core };
	return core;
}

void stub_session_resumed(struct stub_session *s)
{
	s->core_count = 0;
}

static const struct rsp_command *const tables[] = {
	stub_query_commands,
	stub_run_commands,
	stub_data_commands,
};

enum rsp_result rsp_dispatch(struct stub_session *s, const uint8_t *payload, size_t len, struct rsp_buf *reply)
{
	rsp_buf_reset(reply);
	if (s->remote_debug)
		fprintf(stderr, "gostub: getpkt (\"%.*s\")\n", (int)(len > 200 ? 200 : len), (const char *)payload);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct rsp_command *c = tables[t]; c->name; c++) {
			size_t nl = strlen(c->name);
			if (len < nl || memcmp(payload, c->name, nl) != 0)
				continue;
			if (c->match == RSP_EXACT && len != nl)
				continue;
			enum rsp_result r = c->handler(s, payload + nl, payload + len, reply);
			if (reply->oom) {
				rsp_buf_reset(reply);
				stub_reply_error(s, reply, 12, "out of memory");
				return RSP_REPLY;
			}
			return r;
		}
	}
	return RSP_REPLY;	/* unknown: the empty reply */
}
