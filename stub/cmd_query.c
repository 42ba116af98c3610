/*
 * cmd_query.c - general queries and settings: q, Q, j and vFile packets.
 *
 * What each client sends and needs is in shared/reference/rsp-gdb-lldb.md
 * §1.2 (gdb 13) and §1.3 (lldb 14/16).  qXfer objects are generated when a
 * client reads offset 0 and served by chunks from the session's copy, so a
 * thread list read in 0x1000-byte pieces stays consistent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rsp_dispatch.h"

extern char **environ;

static const char triple[] = "x86_64-pc-linux-gnu";

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

static bool parse_hex_exact(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	return rsp_parse_hex_u64(p, end, ret);
}

static bool feature_in(const uint8_t *a, const uint8_t *end, const char *name)
{
	size_t nl = strlen(name);
	const uint8_t *p = a;
	while (p < end) {
		const uint8_t *semi = memchr(p, ';', (size_t)(end - p));
		const uint8_t *e = semi ? semi : end;
		if ((size_t)(e - p) == nl && memcmp(p, name, nl) == 0)
			return true;
		p = e + 1;
	}
	return false;
}

// qSupported[:feature;...]: exchange features
static enum rsp_result h_qsupported(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				    struct rsp_buf *reply)
{
	if (a < end && *a == ':')
		a++;
	s->multiprocess = feature_in(a, end, "multiprocess+");
	s->swbreak = feature_in(a, end, "swbreak+");
	s->hwbreak = feature_in(a, end, "hwbreak+");
	s->error_message = feature_in(a, end, "error-message+");
	s->binary_upload = feature_in(a, end, "binary-upload+");
	s->fork_events = feature_in(a, end, "fork-events+");
	s->vfork_events = feature_in(a, end, "vfork-events+");
	s->exec_events = feature_in(a, end, "exec-events+");
	stub_session_fork_events(s);
	rsp_buf_printf(reply,
		       "PacketSize=%x;QPassSignals+;QProgramSignals+;QStartupWithShell+;QEnvironmentHexEncoded+;"
		       "QEnvironmentReset+;QEnvironmentUnset+;QSetWorkingDir+;qXfer:libraries-svr4:read+;"
		       "qXfer:auxv:read+;qXfer:features:read+;qXfer:exec-file:read+;qXfer:threads:read+;qXfer:osdata:read+;"
		       "QStartNoAckMode+;QDisableRandomization+;swbreak+;hwbreak+;vContSupported+;"
		       "QThreadSuffixSupported+;QListThreadsInStopReply+;QNonStop+;augmented-libraries-svr4-read+",
		       (unsigned)s->packet_size);
	if (s->multiprocess)
		rsp_buf_add_str(reply, ";multiprocess+");
	if (s->binary_upload)
		rsp_buf_add_str(reply, ";binary-upload+");
	if (s->error_message)
		rsp_buf_add_str(reply, ";error-message+");
	if (s->multiprocess && s->fork_events)
		rsp_buf_add_str(reply, ";fork-events+");
	if (s->multiprocess && s->vfork_events)
		rsp_buf_add_str(reply, ";vfork-events+");
	if (s->exec_events)
		rsp_buf_add_str(reply, ";exec-events+");
	return RSP_REPLY;
}

// QStartNoAckMode: OK, then neither side acks
static enum rsp_result h_noack(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	(void)a, (void)end;
	s->no_ack = true;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// vMustReplyEmpty: the empty reply (gdb checks unknown packets get one)
static enum rsp_result h_empty(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	(void)s, (void)a, (void)end, (void)reply;
	return RSP_REPLY;
}

/* The lldb-only Q packets answer OK and mark the client as lldb. */
static enum rsp_result h_lldb_ok(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	(void)a, (void)end;
	s->lldb = true;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// QThreadSuffixSupported: OK; g/G/p/P may then end in ";thread:<id>;"
static enum rsp_result h_thread_suffix(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				       struct rsp_buf *reply)
{
	s->thread_suffix = true;
	return h_lldb_ok(s, a, end, reply);
}

// QListThreadsInStopReply: OK; stop replies then carry threads:, thread-pcs:, name:, reason:
static enum rsp_result h_list_threads(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	s->list_threads = true;
	return h_lldb_ok(s, a, end, reply);
}

// QEnableErrorStrings: OK; errors then read "Enn;<hex message>"
static enum rsp_result h_error_strings(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				       struct rsp_buf *reply)
{
	s->error_strings = true;
	return h_lldb_ok(s, a, end, reply);
}

// QNonStop:<0|1>: all-stop or non-stop mode; OK
static enum rsp_result h_nonstop(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	if (end - a != 1 || (*a != '0' && *a != '1'))
		return bad_packet(s, reply);
	if (s->running) {
		stub_reply_error(s, reply, 1, "the target is running");
		return RSP_REPLY;
	}
	stub_ns_set(s, *a == '1');
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// qAttached[:pid]: 1 attached, 0 launched
static enum rsp_result h_qattached(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				   struct rsp_buf *reply)
{
	if (!s->proc)
		return no_process(s, reply);
	struct stub_proc *p = s->proc;
	uint64_t pid;
	if (a < end && *a == ':') {
		a++;
		if (!rsp_parse_hex_u64(&a, end, &pid) || a != end || pid > INT32_MAX)
			return bad_packet(s, reply);
		p = stub_session_proc_for(s, &(struct stub_ptid){ (int64_t)pid, 0 });
		if (stub_proc_pid(p) != (pid_t)pid && s->multiprocess) {
			stub_reply_error(s, reply, 3, "no such process");
			return RSP_REPLY;
		}
	}
	rsp_buf_add_str(reply, stub_proc_was_attached(p) ? "1" : "0");
	return RSP_REPLY;
}

// qC: QC<current thread>
static enum rsp_result h_qc(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (s->disabled & STUB_DISABLE_QC)
		return RSP_REPLY;
	if (!s->proc)
		return no_process(s, reply);
	rsp_buf_add_str(reply, "QC");
	stub_write_tid(s, reply, stub_resolve_thread(s, NULL));
	return RSP_REPLY;
}

// qfThreadInfo: m<id>,<id>... with every thread (qsThreadInfo then says l)
static enum rsp_result h_qfthreadinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (s->disabled & STUB_DISABLE_QFTHREADINFO)
		return RSP_REPLY;
	if (!s->proc) {
		rsp_buf_add_str(reply, "l");
		return RSP_REPLY;
	}
	bool first = true;
	for (size_t k = 0; k <= s->nothers; k++) {	/* the process, then the others */
		size_t n;
		const pid_t *t = stub_proc_threads(k ? s->others[k - 1] : s->proc, &n);
		for (size_t i = 0; i < n; i++) {
			rsp_buf_add_char(reply, first ? 'm' : ',');
			first = false;
			stub_write_tid(s, reply, t[i]);
		}
	}
	if (first)
		rsp_buf_add_char(reply, 'l');
	return RSP_REPLY;
}

// qsThreadInfo: l (qfThreadInfo sent them all)
static enum rsp_result h_qsthreadinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (!(s->disabled & STUB_DISABLE_QFTHREADINFO))
		rsp_buf_add_str(reply, "l");
	return RSP_REPLY;
}

// qThreadExtraInfo,<id>: hex of the thread's name
static enum rsp_result h_extrainfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				   struct rsp_buf *reply)
{
	struct stub_ptid id;
	if (!s->proc)
		return no_process(s, reply);
	if (!stub_parse_ptid(&a, end, &id) || a != end)
		return bad_packet(s, reply);
	if (id.tid <= 0 || !stub_proc_has_thread(s->proc, (pid_t)id.tid)) {
		stub_reply_error(s, reply, 2, "no such thread");
		return RSP_REPLY;
	}
	char name[64];
	stub_proc_thread_name(s->proc, (pid_t)id.tid, name, sizeof(name));
	rsp_buf_add_hex(reply, name, strlen(name));
	return RSP_REPLY;
}

/* "annex:offset,length" of a qXfer read. */
static bool parse_xfer(const uint8_t *a, const uint8_t *end, char *annex, size_t annex_size, uint64_t *off,
		       uint64_t *len)
{
	const uint8_t *colon = memchr(a, ':', (size_t)(end - a));
	if (!colon || (size_t)(colon - a) >= annex_size)
		return false;
	memcpy(annex, a, (size_t)(colon - a));
	annex[colon - a] = '\0';
	const uint8_t *p = colon + 1;
	if (!parse_hex_exact(&p, end, off) || p >= end || *p != ',')
		return false;
	p++;
	if (!parse_hex_exact(&p, end, len) || p != end)
		return false;
	return true;
}

/* One chunk of data: 'm' when more follows, 'l' for the last. */
static void xfer_chunk(struct rsp_buf *reply, const void *data, size_t size, uint64_t off, uint64_t len,
		       size_t cap)
{
	if (off >= size) {
		rsp_buf_add_char(reply, 'l');
		return;
	}
	size_t n = size - (size_t)off;
	if (len < n)
		n = (size_t)len;
	/* the offset counts data bytes, the cap counts escaped ones: at least one byte moves */
	size_t mark = reply->len;
	rsp_buf_add_char(reply, 'm');
	size_t took = rsp_buf_add_escaped_max(reply, (const uint8_t *)data + off, n, cap < 2 ? 2 : cap);
	if (!reply->oom && off + took >= size)
		reply->data[mark] = 'l';
}

static size_t xfer_cap(const struct stub_session *s)
{
	/* escaped bytes of one reply, less the 'm'/'l': within what we said a packet holds */
	return (size_t)s->packet_size - 1;
}

// qXfer:features:read:<annex>:<off>,<len>: target.xml
static enum rsp_result h_xfer_features(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				       struct rsp_buf *reply)
{
	char annex[64];
	uint64_t off, len;
	if (!parse_xfer(a, end, annex, sizeof(annex), &off, &len))
		return bad_packet(s, reply);
	const char *xml = s->arch ? gsc_arch_target_xml(s->arch) : NULL;
	if (strcmp(annex, "target.xml") != 0 || !xml) {
		stub_reply_error(s, reply, 0, "no such annex");
		return RSP_REPLY;
	}
	xfer_chunk(reply, xml, strlen(xml), off, len, xfer_cap(s));
	return RSP_REPLY;
}

static void gen_proc_threads(struct stub_session *s, struct stub_proc *p, struct rsp_buf *b)
{
	size_t n;
	const pid_t *t = stub_proc_threads(p, &n);
	for (size_t i = 0; i < n; i++) {
		char name[64];
		stub_proc_thread_name(p, t[i], name, sizeof(name));
		rsp_buf_add_str(b, "<thread id=\"");
		stub_write_tid(s, b, t[i]);
		rsp_buf_add_char(b, '"');
		int core = stub_session_thread_core(s, t[i]);
		if (core >= 0)
			rsp_buf_printf(b, " core=\"%x\"", (unsigned)core);
		rsp_buf_add_str(b, " name=\"");
		stub_xml_escape(b, name);
		rsp_buf_add_str(b, "\"/>\n");
	}
}

static void gen_threads(struct stub_session *s, struct rsp_buf *b)
{
	rsp_buf_add_str(b, "<threads>\n");
	for (size_t k = 0; k <= s->nothers; k++)	/* the process, then the others */
		gen_proc_threads(s, k ? s->others[k - 1] : s->proc, b);
	rsp_buf_add_str(b, "</threads>\n");
}

/* struct link_map and struct r_debug on LP64 (glibc <link.h>): words 0..4 */
enum { LM_ADDR, LM_NAME, LM_LD, LM_NEXT, LM_PREV, LM_WORDS };
enum { DT_NULL_TAG = 0, DT_DEBUG_TAG = 21, DYN_MAX = 1024, LM_MAX = 8192 };

static bool read_words(struct stub_proc *p, uint64_t addr, uint64_t *w, size_t n)
{
	size_t done = 0;
	struct gsc_error *err = stub_proc_read_mem(p, addr, w, n * 8, &done);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return done == n * 8;
}

/*
 * The program's r_debug, from DT_DEBUG in its dynamic section (the main
 * link_map's l_ld); 0 when not found.  gdbserver names the namespace of
 * each library by its r_debug ("lmid"), and gdb keys its lists on it.
 */
static uint64_t find_r_debug(struct stub_proc *p, uint64_t main_lm)
{
	uint64_t lm[LM_WORDS], dyn[2];
	if (!main_lm || !read_words(p, main_lm, lm, LM_WORDS) || !lm[LM_LD])
		return 0;
	for (uint64_t i = 0; i < DYN_MAX && read_words(p, lm[LM_LD] + i * 16, dyn, 2); i++) {
		if (dyn[0] == DT_NULL_TAG)
			break;
		if (dyn[0] == DT_DEBUG_TAG)
			return dyn[1];
	}
	return 0;
}

static void add_library(struct rsp_buf *b, const char *name, uint64_t lm, uint64_t l_addr, uint64_t l_ld,
			uint64_t lmid)
{
	rsp_buf_add_str(b, "<library name=\"");
	stub_xml_escape(b, name);
	rsp_buf_printf(b, "\" lm=\"0x%llx\" l_addr=\"0x%llx\" l_ld=\"0x%llx\" lmid=\"0x%llx\"/>",
		       (unsigned long long)lm, (unsigned long long)l_addr, (unsigned long long)l_ld,
		       (unsigned long long)lmid);
}

/* "lmid=X;start=Y;prev=Z" (gdb's augmented-libraries-svr4-read): unknown keys are skipped. */
static void parse_svr4_annex(const char *annex, uint64_t *lmid, uint64_t *start, uint64_t *prev)
{
	*lmid = *start = *prev = 0;
	while (*annex) {
		const char *eq = strchr(annex, '=');
		if (!eq)
			break;
		size_t kl = (size_t)(eq - annex);
		uint64_t v = strtoull(eq + 1, NULL, 16);
		if (kl == 4 && !strncmp(annex, "lmid", 4))
			*lmid = v;
		else if (kl == 5 && !strncmp(annex, "start", 5))
			*start = v;
		else if (kl == 4 && !strncmp(annex, "prev", 4))
			*prev = v;
		const char *semi = strchr(eq, ';');
		if (!semi)
			break;
		annex = semi + 1;
	}
}

/* The list from link_map start on (gdb's incremental read), checking each l_prev as gdbserver does. */
static void gen_libraries_from(struct stub_proc *p, struct rsp_buf *b, uint64_t lmid, uint64_t lm,
			       uint64_t prev)
{
	rsp_buf_add_str(b, "<library-list-svr4 version=\"1.0\">");
	uint64_t w[LM_WORDS];
	for (size_t k = 0; lm && k < LM_MAX && read_words(p, lm, w, LM_WORDS); k++) {
		if (w[LM_PREV] != prev)
			break;	/* the list changed under us: gdb reads it all again */
		char name[4096];
		size_t done = 0;
		struct gsc_error *err = stub_proc_read_mem(p, w[LM_NAME], name, sizeof(name) - 1, &done);
		gsc_error_destroy(err);
		name[done < sizeof(name) ? done : sizeof(name) - 1] = '\0';
		if (name[0])
			add_library(b, name, lm, w[LM_ADDR], w[LM_LD], lmid);
		prev = lm;
		lm = w[LM_NEXT];
	}
	rsp_buf_add_str(b, "</library-list-svr4>");
}

static struct gsc_error *gen_libraries(struct stub_session *s, struct stub_proc *p, struct rsp_buf *b,
				       const char *annex)
{
	uint64_t lmid, start, prev;
	parse_svr4_annex(annex, &lmid, &start, &prev);
	if (start) {
		gen_libraries_from(p, b, lmid, start, prev);
		return NULL;
	}
	struct stub_library *libs;
	size_t n;
	uint64_t main_lm;
	struct gsc_error *err = stub_proc_libraries(p, &libs, &n, &main_lm);
	if (err)
		return err;
	lmid = find_r_debug(p, main_lm);
	rsp_buf_add_str(b, "<library-list-svr4 version=\"1.0\"");
	/* lldb 14/16, given main-lm, reads the main link_map once and then misses the
	 * change to RT_CONSISTENT: libraries loaded at startup never appear
	 * (lldb-server sends no main-lm) */
	if (main_lm && !s->lldb)
		rsp_buf_printf(b, " main-lm=\"0x%llx\"", (unsigned long long)main_lm);
	rsp_buf_add_char(b, '>');
	for (size_t i = 0; i < n; i++) {
		libs[i].name[sizeof(libs[i].name) - 1] = '\0';
		add_library(b, libs[i].name, libs[i].lm, libs[i].l_addr, libs[i].l_ld, lmid);
	}
	rsp_buf_add_str(b, "</library-list-svr4>");
	free(libs);
	return NULL;
}

static struct gsc_error *gen_auxv(struct stub_proc *p, struct rsp_buf *b)
{
	uint8_t *data;
	size_t size;
	struct gsc_error *err = stub_proc_auxv(p, &data, &size);
	if (err)
		return err;
	rsp_buf_add(b, data, size);
	free(data);
	return NULL;
}

static struct gsc_error *gen_exec_file(struct stub_proc *p, struct rsp_buf *b)
{
	struct stub_proc_info *info = malloc(sizeof(*info));
	if (!info)
		return &gsc_enomem;
	struct gsc_error *err = stub_proc_info(p, info);
	if (!err) {
		info->exe[sizeof(info->exe) - 1] = '\0';
		rsp_buf_add_str(b, info->exe);
	}
	free(info);
	return err;
}

enum xfer_object { XFER_THREADS, XFER_LIBRARIES, XFER_AUXV, XFER_EXEC_FILE };

/* Serves a generated object: regenerated at offset 0 or when another object was cached. */
static enum rsp_result xfer_generated(struct stub_session *s, enum xfer_object obj, const uint8_t *a,
				      const uint8_t *end, struct rsp_buf *reply)
{
	static const char *const names[] = { "threads", "libraries-svr4", "auxv", "exec-file" };
	char annex[128];
	uint64_t off, len;
	if (!parse_xfer(a, end, annex, sizeof(annex), &off, &len))
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	/* the process: exec-file's annex names it, the others are Hg's (gdb sets it per inferior) */
	struct stub_ptid id = s->g_thread;
	if (obj == XFER_EXEC_FILE && annex[0]) {
		const uint8_t *q = (const uint8_t *)annex;
		uint64_t pid;
		if (!rsp_parse_hex_u64(&q, q + strlen(annex), &pid) || pid > INT32_MAX)
			return bad_packet(s, reply);
		id = (struct stub_ptid){ (int64_t)pid, 0 };
	}
	struct stub_proc *p = stub_session_proc_for(s, &id);
	if (id.pid > 0 && stub_proc_pid(p) != id.pid) {
		stub_reply_error(s, reply, 3, "no such process");
		return RSP_REPLY;
	}
	char key[sizeof(s->xfer_name)];
	snprintf(key, sizeof(key), "%s:%d:%s", names[obj], (int)stub_proc_pid(p), annex);
	if (off == 0 || strcmp(key, s->xfer_name) != 0) {
		struct gsc_error *err = NULL;
		rsp_buf_reset(&s->xfer);
		s->xfer_name[0] = '\0';
		switch (obj) {
		case XFER_THREADS: gen_threads(s, &s->xfer); break;
		case XFER_LIBRARIES: err = gen_libraries(s, p, &s->xfer, annex); break;
		case XFER_AUXV: err = gen_auxv(p, &s->xfer); break;
		case XFER_EXEC_FILE: err = gen_exec_file(p, &s->xfer); break;
		}
		if (err) {
			stub_reply_gsc_error(s, reply, err);
			return RSP_REPLY;
		}
		if (s->xfer.oom) {
			stub_reply_error(s, reply, 12, "out of memory");
			return RSP_REPLY;
		}
		snprintf(s->xfer_name, sizeof(s->xfer_name), "%s", key);
	}
	xfer_chunk(reply, s->xfer.data, s->xfer.len, off, len, xfer_cap(s));
	return RSP_REPLY;
}

// qXfer:threads:read::<off>,<len>: <threads><thread id= core= name=/></threads>
static enum rsp_result h_xfer_threads(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	return xfer_generated(s, XFER_THREADS, a, end, reply);
}

// qXfer:libraries-svr4:read:[lmid=X;start=Y;prev=Z]:<off>,<len>: the link_map list from r_debug (or from Y)
static enum rsp_result h_xfer_libraries(struct stub_session *s, const uint8_t *a, const uint8_t *end,
					struct rsp_buf *reply)
{
	return xfer_generated(s, XFER_LIBRARIES, a, end, reply);
}

// qXfer:auxv:read::<off>,<len>: /proc/PID/auxv
static enum rsp_result h_xfer_auxv(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				   struct rsp_buf *reply)
{
	return xfer_generated(s, XFER_AUXV, a, end, reply);
}

// qXfer:exec-file:read:<pid>:<off>,<len>: the executable's path
static enum rsp_result h_xfer_exec_file(struct stub_session *s, const uint8_t *a, const uint8_t *end,
					struct rsp_buf *reply)
{
	return xfer_generated(s, XFER_EXEC_FILE, a, end, reply);
}

/* One process of "info os processes": pid, user, command line, cores. */
static void osdata_process(struct rsp_buf *b, const char *pid)
{
	char path[64], cmd[4096];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%s", pid);
	if (stat(path, &st) != 0)
		return;
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, cmd, sizeof(cmd) - 1);
		n = r > 0 ? (size_t)r : 0;
		close(fd);
	}
	while (n && cmd[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	struct passwd *pw = getpwuid(st.st_uid);
	rsp_buf_printf(b, "<item>\n<column name=\"pid\">%s</column>\n<column name=\"user\">", pid);
	if (pw)
		stub_xml_escape(b, pw->pw_name);
	else
		rsp_buf_printf(b, "%u", (unsigned)st.st_uid);
	rsp_buf_add_str(b, "</column>\n<column name=\"command\">");
	stub_xml_escape(b, cmd);
	rsp_buf_add_str(b, "</column>\n<column name=\"cores\">");
	int core = stub_thread_core((pid_t)atoi(pid), (pid_t)atoi(pid));
	if (core >= 0)
		rsp_buf_printf(b, "%d", core);
	rsp_buf_add_str(b, "</column>\n</item>\n");
}

// qXfer:osdata:read:processes:<off>,<len>: the host's processes ("info os processes")
static enum rsp_result h_xfer_osdata(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	char annex[32];
	uint64_t off, len;
	if (!parse_xfer(a, end, annex, sizeof(annex), &off, &len))
		return bad_packet(s, reply);
	if (strcmp(annex, "processes") != 0) {
		stub_reply_error(s, reply, 0, "no such annex");
		return RSP_REPLY;
	}
	if (off == 0 || strcmp(s->xfer_name, "osdata:processes") != 0) {
		rsp_buf_reset(&s->xfer);
		s->xfer_name[0] = '\0';
		rsp_buf_add_str(&s->xfer, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"osdata.dtd\">\n"
					  "<osdata type=\"processes\">\n");
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && strspn(e->d_name, "0123456789") ==
										 strlen(e->d_name))
				osdata_process(&s->xfer, e->d_name);
		if (d)
			closedir(d);
		rsp_buf_add_str(&s->xfer, "</osdata>\n");
		if (s->xfer.oom) {
			stub_reply_error(s, reply, 12, "out of memory");
			return RSP_REPLY;
		}
		snprintf(s->xfer_name, sizeof(s->xfer_name), "osdata:processes");
	}
	xfer_chunk(reply, s->xfer.data, s->xfer.len, off, len, xfer_cap(s));
	return RSP_REPLY;
}

static void add_os_version(struct rsp_buf *b, const char *release)
{
	/* "6.1.0-18-amd64" -> "6.1.0": lldb parses a version tuple */
	size_t n = strspn(release, "0123456789.");
	while (n && release[n - 1] == '.')
		n--;
	if (n)
		rsp_buf_printf(b, "os_version:%.*s;", (int)n, release);
}

// qHostInfo: triple:<hex>;ptrsize:8;endian:little;os_version:..;hostname:<hex>; (lldb)
static enum rsp_result h_qhostinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				   struct rsp_buf *reply)
{
	(void)a, (void)end;
	s->lldb = true;
	struct utsname u;
	rsp_buf_add_str(reply, "triple:");
	rsp_buf_add_hex(reply, triple, strlen(triple));
	rsp_buf_add_str(reply, ";ptrsize:8;endian:little;watchpoint_exceptions_received:after;");
	if (uname(&u) == 0) {
		add_os_version(reply, u.release);
		rsp_buf_add_str(reply, "hostname:");
		rsp_buf_add_hex(reply, u.nodename, strlen(u.nodename));
		rsp_buf_add_char(reply, ';');
	}
	return RSP_REPLY;
}

// qProcessInfo: pid:..;parent-pid:..;real-uid:..;...;triple:<hex>;ostype:linux;endian:little;ptrsize:8;
static enum rsp_result h_qprocessinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	(void)a, (void)end;
	s->lldb = true;
	if (!s->proc)
		return no_process(s, reply);
	struct stub_proc_info *info = malloc(sizeof(*info));
	if (!info) {
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	struct gsc_error *err = stub_proc_info(s->proc, info);
	if (err) {
		free(info);
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	rsp_buf_printf(reply, "pid:%x;parent-pid:%x;real-uid:%x;real-gid:%x;effective-uid:%x;effective-gid:%x;",
		       (unsigned)info->pid, (unsigned)info->ppid, (unsigned)info->uid, (unsigned)info->gid,
		       (unsigned)info->euid, (unsigned)info->egid);
	rsp_buf_add_str(reply, "triple:");
	rsp_buf_add_hex(reply, triple, strlen(triple));
	rsp_buf_add_str(reply, ";ostype:linux;endian:little;ptrsize:8;");
	free(info);
	return RSP_REPLY;
}

// qMemoryRegionInfo:<addr>: start:..;size:..;permissions:rwx;name:<hex>; (a gap has no permissions)
static enum rsp_result h_qmemoryregion(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				       struct rsp_buf *reply)
{
	uint64_t addr;
	if (!parse_hex_exact(&a, end, &addr) || a != end)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	struct stub_region *r = malloc(sizeof(*r));
	if (!r) {
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	struct gsc_error *err = stub_proc_region(s->proc, addr, r);
	if (err) {
		free(r);
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	rsp_buf_printf(reply, "start:%llx;size:%llx;", (unsigned long long)r->start, (unsigned long long)r->size);
	if (r->mapped) {
		r->perms[sizeof(r->perms) - 1] = '\0';
		r->name[sizeof(r->name) - 1] = '\0';
		rsp_buf_printf(reply, "permissions:%s;", r->perms);
		if (r->name[0]) {
			rsp_buf_add_str(reply, "name:");
			rsp_buf_add_hex(reply, r->name, strlen(r->name));
			rsp_buf_add_char(reply, ';');
		}
	}
	free(r);
	return RSP_REPLY;
}

// qWatchpointSupportInfo[:]: num:<n>; (the emulated slots when debug registers do not trap here)
static enum rsp_result h_qwatchinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				    struct rsp_buf *reply)
{
	(void)a, (void)end;
	int n = 0;
	if (s->proc && stub_proc_watch_emulated(s->proc))
		n = STUB_SOFT_WATCH_SLOTS;
	else if (stub_ptrace_probe_debug_regs())
		n = 4;	/* DR0-DR3 */
	rsp_buf_printf(reply, "num:%d;", n);
	return RSP_REPLY;
}

// qSymbol::  or qSymbol:<value>:<name>: OK (we look nothing up)
static enum rsp_result h_qsymbol(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	(void)a, (void)end;
	stub_reply_ok(reply);
	(void)s;
	return RSP_REPLY;
}

// qGDBServerVersion: name:gostub;version:<v>;
static enum rsp_result h_qversion(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				  struct rsp_buf *reply)
{
	(void)s, (void)a, (void)end;
	rsp_buf_add_str(reply, "name:gostub;version:" STUB_VERSION ";");
	return RSP_REPLY;
}

// qThreadStopInfo<tid>: the T packet of that thread
static enum rsp_result h_qthreadstopinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
					 struct rsp_buf *reply)
{
	struct stub_ptid id;
	s->lldb = true;
	if (!stub_parse_ptid(&a, end, &id) || a != end)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	struct stub_thread_stop st;
	struct gsc_error *err = id.tid > 0 ? stub_proc_thread_stop(s->proc, (pid_t)id.tid, &st)
					   : gsc_error_create(GSC_ERR_NOT_FOUND, "no such thread");
	if (err) {
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	stub_client_stop(s, &st);
	stub_write_stop(s, &st, reply);
	return RSP_REPLY;
}

static const char *reason_name(enum stub_stop_reason r)
{
	switch (r) {
	case STUB_STOP_BREAKPOINT:
	case STUB_STOP_HW_BREAK: return "breakpoint";
	case STUB_STOP_STEP: return "trace";
	case STUB_STOP_WATCH: return "watchpoint";
	case STUB_STOP_SIGNAL: return "signal";
	case STUB_STOP_EXEC: return "exec";
	case STUB_STOP_FORK: return "fork";
	case STUB_STOP_VFORK: return "vfork";
	case STUB_STOP_VFORK_DONE: return "vforkdone";
	default: return NULL;
	}
}

static void json_string(struct rsp_buf *b, const char *str)
{
	rsp_buf_add_char(b, '"');
	for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
		if (*c == '"' || *c == '\\')
			rsp_buf_printf(b, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			rsp_buf_printf(b, "\\u%04x", *c);
		else
			rsp_buf_add_char(b, (char)*c);
	}
	rsp_buf_add_char(b, '"');
}

static void json_thread(struct stub_session *s, pid_t tid, struct rsp_buf *b)
{
	char name[64];
	struct stub_thread_stop st;
	stub_proc_thread_name(s->proc, tid, name, sizeof(name));
	rsp_buf_printf(b, "{\"tid\":%d,\"name\":", (int)tid);
	json_string(b, name);
	struct gsc_error *err = stub_proc_thread_stop(s->proc, tid, &st);
	if (err) {
		gsc_error_destroy(err);
	} else if (stub_client_stop(s, &st), st.reason != STUB_STOP_NONE) {
		const char *r = reason_name(st.reason);
		if (r)
			rsp_buf_printf(b, ",\"reason\":\"%s\"", r);
		rsp_buf_printf(b, ",\"signal\":%d", stub_signal_to_wire(s, st.signo));
	}
	uint8_t *wire;
	size_t size;
	err = stub_read_wire_gprs(s, tid, &wire, &size);
	if (err) {
		gsc_error_destroy(err);
	} else {
		/* rax..rip, eflags: what lldb's unwinder reads first */
		rsp_buf_add_str(b, ",\"registers\":{");
		for (int r = 0; r <= 17; r++) {
			size_t off, sz;
			const char *rn;
			if (!gsc_arch_wire_reg(s->arch, r, &off, &sz, &rn) || off + sz > size)
				continue;
			rsp_buf_printf(b, "%s\"%d\":\"", r ? "," : "", r);
			rsp_buf_add_hex(b, wire + off, sz);
			rsp_buf_add_char(b, '"');
		}
		rsp_buf_add_char(b, '}');
		free(wire);
	}
	rsp_buf_add_char(b, '}');
}

// jThreadsInfo: JSON array of every thread's name, stop reason and registers (lldb)
static enum rsp_result h_jthreadsinfo(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	(void)a, (void)end;
	s->lldb = true;
	if (!s->proc)
		return no_process(s, reply);
	struct rsp_buf json;
	rsp_buf_init(&json);
	size_t n;
	const pid_t *t = stub_proc_threads(s->proc, &n);
	rsp_buf_add_char(&json, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			rsp_buf_add_char(&json, ',');
		json_thread(s, t[i], &json);
	}
	rsp_buf_add_char(&json, ']');
	if (json.oom)
		stub_reply_error(s, reply, 12, "out of memory");
	else
		rsp_buf_add_escaped(reply, json.data, json.len);	/* JSON has '}' */
	rsp_buf_deinit(&json);
	return RSP_REPLY;
}

/* Hex list "a;b;c;" of signal numbers (the client's) into pass[] by Linux number. */
static bool parse_signal_list(const struct stub_session *s, const uint8_t *a, const uint8_t *end, bool pass[65])
{
	memset(pass, 0, 65 * sizeof(bool));
	while (a < end) {
		uint64_t g;
		if (!rsp_parse_hex_u64(&a, end, &g))
			return false;
		int l = g < 1000 ? stub_signal_from_wire(s, (int)g) : 0;
		if (l > 0 && l <= 64)
			pass[l] = true;
		if (a < end) {
			if (*a != ';')
				return false;
			a++;
		}
	}
	return true;
}

// QPassSignals:<gdbsig>;...: deliver these without stopping (GDB numbering, also from lldb)
static enum rsp_result h_qpasssignals(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	bool pass[65];
	if (!parse_signal_list(s, a, end, pass))
		return bad_packet(s, reply);
	memcpy(s->pass, pass, sizeof(pass));
	s->pass_set = true;
	if (s->proc)
		stub_proc_set_pass(s->proc, s->pass);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// QProgramSignals:<gdbsig>;...: OK (C/S deliver what the client asks)
static enum rsp_result h_qprogramsignals(struct stub_session *s, const uint8_t *a, const uint8_t *end,
					 struct rsp_buf *reply)
{
	bool ignored[65];
	if (!parse_signal_list(s, a, end, ignored))
		return bad_packet(s, reply);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

static bool parse_flag(const uint8_t *a, const uint8_t *end, bool *ret)
{
	if (end - a != 1 || (*a != '0' && *a != '1'))
		return false;
	*ret = *a == '1';
	return true;
}

// QDisableRandomization:<0|1>
static enum rsp_result h_qdisablerand(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	if (!parse_flag(a, end, &s->disable_aslr))
		return bad_packet(s, reply);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// QStartupWithShell:<0|1>
static enum rsp_result h_qstartupshell(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				       struct rsp_buf *reply)
{
	if (!parse_flag(a, end, &s->with_shell))
		return bad_packet(s, reply);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

/* The launch environment as our own list, copied from environ on first change. */
static bool env_own(struct stub_session *s)
{
	if (s->env)
		return true;
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return false;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(environ[i]);
		if (!v[i]) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return false;
		}
	}
	s->env = v;
	return true;
}

static void env_unset(struct stub_session *s, const char *name, size_t nl)
{
	size_t w = 0;
	for (size_t r = 0; s->env[r]; r++) {
		if (strncmp(s->env[r], name, nl) == 0 && s->env[r][nl] == '=')
			free(s->env[r]);
		else
			s->env[w++] = s->env[r];
	}
	s->env[w] = NULL;
}

// QEnvironmentReset: the stub's own environment again
static enum rsp_result h_qenvreset(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				   struct rsp_buf *reply)
{
	(void)a, (void)end;
	if (s->env) {
		for (char **p = s->env; *p; p++)
			free(*p);
		free(s->env);
		s->env = NULL;
	}
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// QEnvironmentHexEncoded:<hex NAME=VALUE>
static enum rsp_result h_qenvset(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	char *kv = stub_hex_to_str(a, (size_t)(end - a));
	char *eq = kv ? strchr(kv, '=') : NULL;
	if (!eq || eq == kv || strlen(kv) != (size_t)(end - a) / 2) {
		free(kv);
		return bad_packet(s, reply);
	}
	if (!env_own(s)) {
		free(kv);
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	env_unset(s, kv, (size_t)(eq - kv));
	size_t n = 0;
	while (s->env[n])
		n++;
	char **v = realloc(s->env, (n + 2) * sizeof(*v));
	if (!v) {
		free(kv);
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	v[n] = kv;
	v[n + 1] = NULL;
	s->env = v;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// QEnvironmentUnset:<hex NAME>
static enum rsp_result h_qenvunset(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				   struct rsp_buf *reply)
{
	char *name = stub_hex_to_str(a, (size_t)(end - a));
	if (!name || !name[0]) {
		free(name);
		return bad_packet(s, reply);
	}
	if (!env_own(s)) {
		free(name);
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	env_unset(s, name, strlen(name));
	free(name);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// QSetWorkingDir:<hex dir>: the launch directory (empty: the stub's)
static enum rsp_result h_qsetwd(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				struct rsp_buf *reply)
{
	char *dir = NULL;
	if (a != end) {
		dir = stub_hex_to_str(a, (size_t)(end - a));
		if (!dir)
			return bad_packet(s, reply);
	}
	free(s->cwd);
	s->cwd = dir;
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// qRcmd,<hex command>: monitor command; output in O packets, then OK
static enum rsp_result h_qrcmd(struct stub_session *s, const uint8_t *a, const uint8_t *end,
			       struct rsp_buf *reply)
{
	char *cmd = stub_hex_to_str(a, (size_t)(end - a));
	if (!cmd)
		return bad_packet(s, reply);
	stub_monitor(s, cmd, reply);
	free(cmd);
	return RSP_REPLY;
}

/* vFile: host I/O for gdb's "target:" sysroot and lldb's platform.  Numbers are hex. */
enum { FIO_EBADF = 9, FIO_EINVAL = 22, FIO_EMFILE = 24, FIO_EUNKNOWN = 9999 };

static int fio_errno(int e)
{
	switch (e) {
	case EPERM: case ENOENT: case EINTR: case EBADF: case EACCES: case EFAULT: case EBUSY:
	case EEXIST: case ENODEV: case ENOTDIR: case EISDIR: case EINVAL: case ENFILE: case EMFILE:
	case EFBIG: case ENOSPC: case ESPIPE: case EROFS:
		return e;
	case ENAMETOOLONG: return 91;
	default: return FIO_EUNKNOWN;
	}
}

static enum rsp_result vfile_error(struct rsp_buf *reply, int fio)
{
	rsp_buf_reset(reply);
	rsp_buf_printf(reply, "F-1,%x", (unsigned)fio);
	return RSP_REPLY;
}

static int *vfile_slot(struct stub_session *s, const uint8_t **a, const uint8_t *end)
{
	uint64_t fd;
	if (!rsp_parse_hex_u64(a, end, &fd) || fd >= STUB_VFILE_MAX || s->vfile_fd[fd] < 0)
		return NULL;
	return &s->vfile_fd[fd];
}

/* The leading hex path up to ',' or the end. */
static char *vfile_path(const uint8_t **a, const uint8_t *end)
{
	const uint8_t *comma = memchr(*a, ',', (size_t)(end - *a));
	const uint8_t *e = comma ? comma : end;
	char *path = stub_hex_to_str(*a, (size_t)(e - *a));
	if (path && strlen(path) != (size_t)(e - *a) / 2) {
		free(path);
		return NULL;
	}
	*a = e;
	return path;
}

/* gdb's File-I/O open flags (gdb manual, "Open Flags") to the host's. */
static bool fio_open_flags(uint64_t f, int *ret)
{
	static const struct { uint64_t fio; int host; } map[] = {
		{ 0x8, O_APPEND }, { 0x200, O_CREAT }, { 0x400, O_TRUNC }, { 0x800, O_EXCL },
	};
	if ((f & 3) == 3 || (f & ~(uint64_t)0xe0b))
		return false;
	int h = (f & 3) == 1 ? O_WRONLY : (f & 3) == 2 ? O_RDWR : O_RDONLY;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (f & map[i].fio)
			h |= map[i].host;
	*ret = h;
	return true;
}

// vFile:open:<hex path>,<flags>,<mode>: F<fd>
static enum rsp_result h_vfile_open(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				    struct rsp_buf *reply)
{
	uint64_t flags, mode;
	int oflags;
	char *path = vfile_path(&a, end);
	if (!path || a >= end || *a++ != ',' || !rsp_parse_hex_u64(&a, end, &flags) || a >= end || *a++ != ',' ||
	    !rsp_parse_hex_u64(&a, end, &mode) || a != end || !fio_open_flags(flags, &oflags)) {
		free(path);
		return vfile_error(reply, FIO_EINVAL);
	}
	int slot = -1;
	for (int i = 0; i < STUB_VFILE_MAX; i++)
		if (s->vfile_fd[i] < 0) {
			slot = i;
			break;
		}
	if (slot < 0) {
		free(path);
		return vfile_error(reply, FIO_EMFILE);
	}
	int fd = open(path, oflags | O_CLOEXEC, (mode_t)(mode & 0777));
	int e = errno;
	free(path);
	if (fd < 0)
		return vfile_error(reply, fio_errno(e));
	s->vfile_fd[slot] = fd;
	rsp_buf_printf(reply, "F%x", (unsigned)slot);
	return RSP_REPLY;
}

// vFile:pwrite:<fd>,<offset>,<binary data>: F<n>
static enum rsp_result h_vfile_pwrite(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	uint64_t offset;
	int *fd = vfile_slot(s, &a, end);
	if (!fd)
		return vfile_error(reply, FIO_EBADF);
	if (a >= end || *a++ != ',' || !rsp_parse_hex_u64(&a, end, &offset) || a >= end || *a++ != ',' ||
	    offset > INT64_MAX)
		return vfile_error(reply, FIO_EINVAL);
	ssize_t n = pwrite(*fd, a, (size_t)(end - a), (off_t)offset);
	if (n < 0)
		return vfile_error(reply, fio_errno(errno));
	rsp_buf_printf(reply, "F%zx", (size_t)n);
	return RSP_REPLY;
}

// vFile:unlink:<hex path>: F0
static enum rsp_result h_vfile_unlink(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	(void)s;
	char *path = vfile_path(&a, end);
	if (!path || a != end) {
		free(path);
		return vfile_error(reply, FIO_EINVAL);
	}
	int r = unlink(path), e = errno;
	free(path);
	if (r != 0)
		return vfile_error(reply, fio_errno(e));
	rsp_buf_add_str(reply, "F0");
	return RSP_REPLY;
}

/* ---- thread-local storage (glibc, x86-64), without libthread_db ---------
 *
 * Facts (glibc sysdeps/x86_64/nptl/tls.h, elf/dl-tls.c): the thread pointer
 * is fs_base; its tcbhead_t holds the DTV pointer at offset 8; DTV entries
 * are 16 bytes, entry -1 the number of entries, entry modid the address of
 * that module's TLS block for the thread (-1, TLS_DTV_UNALLOCATED, or 0
 * in a DTV not yet updated, until the thread first uses a dlopen'ed
 * module's TLS: an error then, as libthread_db gives).  Module ids count the modules
 * that have a PT_TLS segment in load order, the program first: the order
 * of the link_map list, barring a dlclose that frees an id for reuse.
 */
enum { PT_TLS_TYPE = 7, TLS_DTV_OFFSET = 8, DTV_ENTRY = 16, PHDR_SIZE = 56 };

static bool read_u64(struct stub_proc *p, uint64_t addr, uint64_t *v)
{
	size_t done = 0;
	struct gsc_error *err = stub_proc_read_mem(p, addr, v, 8, &done);
	gsc_error_destroy(err);
	return !err && done == 8;
}

/* Whether the phnum program headers at phdr (target memory) have a PT_TLS segment. */
static bool phdrs_have_tls(struct stub_proc *p, uint64_t phdr, uint64_t phnum)
{
	for (uint64_t i = 0; i < phnum && i < 256; i++) {
		uint64_t w;	/* p_type (low 32 bits), p_flags */
		if (!read_u64(p, phdr + i * PHDR_SIZE, &w))
			return false;
		if ((uint32_t)w == PT_TLS_TYPE)
			return true;
	}
	return false;
}

/* The program's own headers (AT_PHDR / AT_PHNUM). */
static bool program_has_tls(struct stub_proc *p)
{
	uint64_t phdr, phnum;
	struct gsc_error *err = stub_proc_phdrs(p, &phdr, &phnum);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return phdr && phdrs_have_tls(p, phdr, phnum);
}

/* A shared object's headers, read where it is mapped (its ELF header at l_addr). */
static bool object_has_tls(struct stub_proc *p, uint64_t l_addr)
{
	uint64_t magic, phoff, phnum;
	if (!read_u64(p, l_addr, &magic) || (magic & 0xffffffff) != 0x464c457f)	/* "\x7fELF" */
		return false;
	if (!read_u64(p, l_addr + 32, &phoff) || !read_u64(p, l_addr + 56, &phnum))	/* e_phoff, e_phnum */
		return false;
	return phdrs_have_tls(p, l_addr + phoff, phnum & 0xffff);
}

/* The TLS module id of the object whose link_map is lm (0: the program). */
static struct gsc_error *tls_module_id(struct stub_proc *p, uint64_t lm, uint64_t *modid_ret)
{
	struct stub_library *libs;
	size_t n;
	uint64_t main_lm;
	struct gsc_error *err = stub_proc_libraries(p, &libs, &n, &main_lm);
	if (err)
		return err;
	uint64_t id = program_has_tls(p) ? 1 : 0;
	bool found = lm == 0 || lm == main_lm, has = id == 1;
	for (size_t i = 0; i < n && !found; i++) {
		has = object_has_tls(p, libs[i].l_addr);
		id += has;
		found = libs[i].lm == lm;
	}
	free(libs);
	if (!found)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no loaded object has link_map 0x%llx",
					(unsigned long long)lm);
	if (!has)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "the object has no thread-local storage");
	*modid_ret = id;
	return NULL;
}

static struct gsc_error *tls_address(struct stub_proc *p, pid_t tid, uint64_t offset, uint64_t lm, uint64_t *ret)
{
	const uint8_t *gpr;
	uint64_t modid = 0, tp, dtv, count, block;
	struct gsc_error *err = stub_proc_get_gpr(p, tid, &gpr);
	if (!err)
		err = tls_module_id(p, lm, &modid);
	if (err)
		return err;
	memcpy(&tp, gpr + 21 * 8, 8);	/* user_regs_struct.fs_base */
	if (!tp || !read_u64(p, tp + TLS_DTV_OFFSET, &dtv) || !dtv || !read_u64(p, dtv - DTV_ENTRY, &count))
		return gsc_error_create(GSC_ERR_NOT_FOUND, "thread %d has no TLS set up yet", (int)tid);
	if (modid > count || !read_u64(p, dtv + modid * DTV_ENTRY, &block))
		return gsc_error_create(GSC_ERR_NOT_FOUND, "TLS module %llu is not in thread %d's DTV",
					(unsigned long long)modid, (int)tid);
	if (block == UINT64_MAX || block == 0)	/* unallocated, or a DTV not updated since the dlopen */
		return gsc_error_create(GSC_ERR_NOT_FOUND, "TLS of module %llu not allocated yet in thread %d",
					(unsigned long long)modid, (int)tid);
	*ret = block + offset;
	return NULL;
}

// qGetTLSAddr:<thread>,<offset>,<lm>: the address of a thread-local variable
static enum rsp_result h_qgettlsaddr(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	struct stub_ptid id;
	uint64_t offset, lm;
	if (!stub_parse_ptid(&a, end, &id) || a >= end || *a++ != ',' || !rsp_parse_hex_u64(&a, end, &offset) ||
	    a >= end || *a++ != ',' || !rsp_parse_hex_u64(&a, end, &lm) || a != end)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	struct stub_proc *p = stub_session_proc_for(s, &id);
	pid_t tid = stub_resolve_thread(s, &id);
	if (!tid) {
		stub_reply_error(s, reply, 2, "no such thread");
		return RSP_REPLY;
	}
	uint64_t addr = 0;
	struct gsc_error *err = tls_address(p, tid, offset, lm, &addr);
	if (err) {
		stub_reply_gsc_error(s, reply, err);
		return RSP_REPLY;
	}
	rsp_buf_printf(reply, "%llx", (unsigned long long)addr);
	return RSP_REPLY;
}

// vFile:pread:<fd>,<count>,<offset>: F<n>;<binary data>
static enum rsp_result h_vfile_pread(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	uint64_t count, offset;
	int *fd = vfile_slot(s, &a, end);
	if (!fd)
		return vfile_error(reply, FIO_EBADF);
	if (a >= end || *a++ != ',' || !rsp_parse_hex_u64(&a, end, &count) || a >= end || *a++ != ',' ||
	    !rsp_parse_hex_u64(&a, end, &offset) || a != end || offset > INT64_MAX)
		return vfile_error(reply, FIO_EINVAL);
	size_t cap = (size_t)s->packet_size / 2;
	if (count > cap)
		count = cap;
	uint8_t *buf = malloc(count ? count : 1);
	if (!buf)
		return vfile_error(reply, FIO_EUNKNOWN);
	ssize_t n = pread(*fd, buf, (size_t)count, (off_t)offset);
	if (n < 0) {
		int e = errno;
		free(buf);
		return vfile_error(reply, fio_errno(e));
	}
	rsp_buf_printf(reply, "F%zx;", (size_t)n);
	rsp_buf_add_escaped(reply, buf, (size_t)n);
	free(buf);
	return RSP_REPLY;
}

// vFile:close:<fd>: F0
static enum rsp_result h_vfile_close(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	int *fd = vfile_slot(s, &a, end);
	if (!fd || a != end)
		return vfile_error(reply, FIO_EBADF);
	close(*fd);
	*fd = -1;
	rsp_buf_add_str(reply, "F0");
	return RSP_REPLY;
}

static void put_be32(uint8_t *p, uint64_t v)
{
	if (v > UINT32_MAX)
		v = UINT32_MAX;
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

// vFile:fstat:<fd>: F40;<struct stat in gdb's File-I/O layout, big-endian>
static enum rsp_result h_vfile_fstat(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	struct stat st;
	int *fd = vfile_slot(s, &a, end);
	if (!fd || a != end)
		return vfile_error(reply, FIO_EBADF);
	if (fstat(*fd, &st) != 0)
		return vfile_error(reply, fio_errno(errno));
	uint8_t b[64];
	put_be32(b + 0, st.st_dev);
	put_be32(b + 4, st.st_ino);
	put_be32(b + 8, st.st_mode);
	put_be32(b + 12, st.st_nlink);
	put_be32(b + 16, st.st_uid);
	put_be32(b + 20, st.st_gid);
	put_be32(b + 24, st.st_rdev);
	put_be64(b + 28, (uint64_t)st.st_size);
	put_be64(b + 36, (uint64_t)st.st_blksize);
	put_be64(b + 44, (uint64_t)st.st_blocks);
	put_be32(b + 52, (uint64_t)st.st_atime);
	put_be32(b + 56, (uint64_t)st.st_mtime);
	put_be32(b + 60, (uint64_t)st.st_ctime);
	rsp_buf_add_str(reply, "F40;");
	rsp_buf_add_escaped(reply, b, sizeof(b));
	return RSP_REPLY;
}

// vFile:setfs:<pid>: F0 (paths are always the stub's)
static enum rsp_result h_vfile_setfs(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				     struct rsp_buf *reply)
{
	uint64_t pid;
	(void)s;
	if (!rsp_parse_hex_u64(&a, end, &pid) || a != end)
		return vfile_error(reply, FIO_EINVAL);
	rsp_buf_add_str(reply, "F0");
	return RSP_REPLY;
}

// vFile:size:<hex path>: F<size> (lldb)
static enum rsp_result h_vfile_size(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				    struct rsp_buf *reply)
{
	struct stat st;
	(void)s;
	char *path = vfile_path(&a, end);
	if (!path || a != end) {
		free(path);
		return vfile_error(reply, FIO_EINVAL);
	}
	int r = stat(path, &st), e = errno;
	free(path);
	if (r != 0)
		return vfile_error(reply, fio_errno(e));
	rsp_buf_printf(reply, "F%llx", (unsigned long long)st.st_size);
	return RSP_REPLY;
}

// vFile:exists:<hex path>: F,1 or F,0 (lldb)
static enum rsp_result h_vfile_exists(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				      struct rsp_buf *reply)
{
	(void)s;
	char *path = vfile_path(&a, end);
	if (!path || a != end) {
		free(path);
		return vfile_error(reply, FIO_EINVAL);
	}
	rsp_buf_add_str(reply, access(path, F_OK) == 0 ? "F,1" : "F,0");
	free(path);
	return RSP_REPLY;
}

// vFile:readlink:<hex path>: F<len>;<binary target>
static enum rsp_result h_vfile_readlink(struct stub_session *s, const uint8_t *a, const uint8_t *end,
					struct rsp_buf *reply)
{
	char target[4096];
	(void)s;
	char *path = vfile_path(&a, end);
	if (!path || a != end) {
		free(path);
		return vfile_error(reply, FIO_EINVAL);
	}
	ssize_t n = readlink(path, target, sizeof(target));
	int e = errno;
	free(path);
	if (n < 0)
		return vfile_error(reply, fio_errno(e));
	rsp_buf_printf(reply, "F%zx;", (size_t)n);
	rsp_buf_add_escaped(reply, target, (size_t)n);
	return RSP_REPLY;
}

const struct rsp_command stub_query_commands[] = {
	{ "qSupported", RSP_PREFIX, h_qsupported },
	{ "QStartNoAckMode", RSP_EXACT, h_noack },
	{ "vMustReplyEmpty", RSP_EXACT, h_empty },
	{ "QThreadSuffixSupported", RSP_EXACT, h_thread_suffix },
	{ "QListThreadsInStopReply", RSP_EXACT, h_list_threads },
	{ "QEnableErrorStrings", RSP_EXACT, h_error_strings },
	{ "QNonStop:", RSP_PREFIX, h_nonstop },
	{ "qAttached", RSP_PREFIX, h_qattached },
	{ "qC", RSP_EXACT, h_qc },
	{ "qfThreadInfo", RSP_EXACT, h_qfthreadinfo },
	{ "qsThreadInfo", RSP_EXACT, h_qsthreadinfo },
	{ "qThreadExtraInfo,", RSP_PREFIX, h_extrainfo },
	{ "qXfer:features:read:", RSP_PREFIX, h_xfer_features },
	{ "qXfer:threads:read:", RSP_PREFIX, h_xfer_threads },
	{ "qXfer:libraries-svr4:read:", RSP_PREFIX, h_xfer_libraries },
	{ "qXfer:auxv:read:", RSP_PREFIX, h_xfer_auxv },
	{ "qXfer:exec-file:read:", RSP_PREFIX, h_xfer_exec_file },
	{ "qXfer:osdata:read:", RSP_PREFIX, h_xfer_osdata },
	{ "qHostInfo", RSP_EXACT, h_qhostinfo },
	{ "qProcessInfo", RSP_EXACT, h_qprocessinfo },
	{ "qMemoryRegionInfo:", RSP_PREFIX, h_qmemoryregion },
	{ "qWatchpointSupportInfo", RSP_PREFIX, h_qwatchinfo },
	{ "qSymbol:", RSP_PREFIX, h_qsymbol },
	{ "qGDBServerVersion", RSP_EXACT, h_qversion },
	{ "qThreadStopInfo", RSP_PREFIX, h_qthreadstopinfo },
	{ "jThreadsInfo", RSP_EXACT, h_jthreadsinfo },
	{ "QPassSignals:", RSP_PREFIX, h_qpasssignals },
	{ "QProgramSignals:", RSP_PREFIX, h_qprogramsignals },
	{ "QDisableRandomization:", RSP_PREFIX, h_qdisablerand },
	{ "QStartupWithShell:", RSP_PREFIX, h_qstartupshell },
	{ "QEnvironmentReset", RSP_EXACT, h_qenvreset },
	{ "QEnvironmentHexEncoded:", RSP_PREFIX, h_qenvset },
	{ "QEnvironmentUnset:", RSP_PREFIX, h_qenvunset },
	{ "QSetWorkingDir:", RSP_PREFIX, h_qsetwd },
	{ "qRcmd,", RSP_PREFIX, h_qrcmd },
	{ "qGetTLSAddr:", RSP_PREFIX, h_qgettlsaddr },
	{ "vFile:open:", RSP_PREFIX, h_vfile_open },
	{ "vFile:pread:", RSP_PREFIX, h_vfile_pread },
	{ "vFile:pwrite:", RSP_PREFIX, h_vfile_pwrite },
	{ "vFile:close:", RSP_PREFIX, h_vfile_close },
	{ "vFile:unlink:", RSP_PREFIX, h_vfile_unlink },
	{ "vFile:fstat:", RSP_PREFIX, h_vfile_fstat },
	{ "vFile:setfs:", RSP_PREFIX, h_vfile_setfs },
	{ "vFile:size:", RSP_PREFIX, h_vfile_size },
	{ "vFile:exists:", RSP_PREFIX, h_vfile_exists },
	{ "vFile:readlink:", RSP_PREFIX, h_vfile_readlink },
	{ NULL, 0, NULL },
};
