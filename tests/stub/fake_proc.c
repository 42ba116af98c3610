/*
 * fake_proc.c - stub/ptrace_target.h in memory, for the dispatcher's tests.
 *
 * A fake process has a few threads (pid, pid+1, ...) with registers, two
 * memory ranges (text at 0x400000, stack at 0x7ffe0000), a breakpoint list,
 * and a script of events stub_proc_poll() returns one by one after a
 * resume.  The test drives it through the fake_* functions below, declared
 * in tests/test_rsp_dispatch.c.  Nothing here runs a process.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptrace_target.h"

/* The test's handle on the fake (tests/test_rsp_dispatch.c repeats these). */
struct fake_stats {
	int detached, killed, launched, attached;
	char last_argv0[256];
	bool last_with_shell, last_disable_aslr;
};
extern struct fake_stats fake_stats;
extern bool fake_hw_ok;
extern bool fake_watch_emulated;
bool fake_watch_emulated;	/* stub_proc_watch_emulated() */
extern pid_t fake_launch_pid;
struct stub_proc *fake_proc_create(pid_t pid, size_t nthreads);
void fake_proc_push_event(struct stub_proc *p, const struct stub_event *ev);
const struct stub_resume *fake_proc_actions(const struct stub_proc *p, size_t *n_ret);
bool fake_proc_has_bp(const struct stub_proc *p, uint64_t addr);
const bool *fake_proc_pass(const struct stub_proc *p);
struct stub_regs *fake_proc_regs(struct stub_proc *p, size_t i);
uint8_t *fake_proc_mem(struct stub_proc *p, uint64_t addr);
void fake_proc_hold_fork(struct stub_proc *p, struct stub_proc *child);
bool fake_proc_fork_events(const struct stub_proc *p, bool vfork);

enum { FAKE_THREADS = 4, FAKE_MAPS = 2, FAKE_BPS = 64, FAKE_EVENTS = 16, FAKE_ACTIONS = 16 };

struct fake_map {
	uint64_t start;
	size_t size;
	uint8_t *data;
	char perms[4];
	char name[64];
};

struct stub_proc {
	pid_t pid;
	bool attached;
	bool dead;
	size_t nthreads;
	pid_t tids[FAKE_THREADS];
	char names[FAKE_THREADS][16];
	struct stub_regs regs[FAKE_THREADS];
	struct stub_thread_stop stops[FAKE_THREADS];
	struct fake_map maps[FAKE_MAPS];
	uint64_t bps[FAKE_BPS];
	size_t nbps;
	bool pass[65];
	struct stub_event events[FAKE_EVENTS];
	size_t nevents, next_event;
	struct stub_resume actions[FAKE_ACTIONS];
	size_t nactions;
	bool running;
	bool fork_events, vfork_events;
	struct stub_proc *held;		/* a fork child stub_proc_take_fork hands out */
};

/* What the test can see after the process is gone. */
struct fake_stats fake_stats;
bool fake_hw_ok;
bool fake_watch_emulated;	/* stub_proc_watch_emulated() */
pid_t fake_launch_pid = 0x3ffff0;

struct stub_proc *fake_proc_create(pid_t pid, size_t nthreads)
{
	struct stub_proc *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	p->pid = pid;
	p->nthreads = nthreads > FAKE_THREADS ? FAKE_THREADS : nthreads;
	for (size_t i = 0; i < p->nthreads; i++) {
		p->tids[i] = pid + (pid_t)i;
		snprintf(p->names[i], sizeof(p->names[i]), i == 0 ? "prog" : "worker&%zu", i);
		uint64_t vals[27] = { 0 };
		vals[4] = 0x7ffe0800 + 0x10 * i;	/* rbp (user_regs_struct order) */
		vals[10] = 0x1111 * (i + 1);		/* rax */
		vals[16] = 0x401000 + 0x10 * i;		/* rip */
		vals[18] = 0x246;			/* eflags */
		vals[19] = 0x7ffe0700 + 0x10 * i;	/* rsp */
		memcpy(p->regs[i].gpr, vals, sizeof(vals));
		p->regs[i].xsave_len = 512;
		p->stops[i].tid = p->tids[i];
	}
	p->pass[SIGURG] = true;
	static const struct { uint64_t start; size_t size; const char *perms, *name; } m[FAKE_MAPS] = {
		{ 0x400000, 0x2000, "rx", "/tmp/prog" },
		{ 0x7ffe0000, 0x1000, "rw", "[stack]" },
	};
	for (size_t i = 0; i < FAKE_MAPS; i++) {
		p->maps[i].start = m[i].start;
		p->maps[i].size = m[i].size;
		p->maps[i].data = malloc(m[i].size);
		if (!p->maps[i].data)
			abort();
		for (size_t j = 0; j < m[i].size; j++)
			p->maps[i].data[j] = (uint8_t)(j * 7 + i);
		snprintf(p->maps[i].perms, sizeof(p->maps[i].perms), "%s", m[i].perms);
		snprintf(p->maps[i].name, sizeof(p->maps[i].name), "%s", m[i].name);
	}
	return p;
}

void fake_proc_push_event(struct stub_proc *p, const struct stub_event *ev)
{
	if (p->nevents < FAKE_EVENTS)
		p->events[p->nevents++] = *ev;
}

const struct stub_resume *fake_proc_actions(const struct stub_proc *p, size_t *n_ret)
{
	*n_ret = p->nactions;
	return p->actions;
}

bool fake_proc_has_bp(const struct stub_proc *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nbps; i++)
		if (p->bps[i] == addr)
			return true;
	return false;
}

const bool *fake_proc_pass(const struct stub_proc *p)
{
	return p->pass;
}

struct stub_regs *fake_proc_regs(struct stub_proc *p, size_t i)
{
	return &p->regs[i];
}

static struct fake_map *find_map(struct stub_proc *p, uint64_t addr)
{
	for (size_t i = 0; i < FAKE_MAPS; i++)
		if (addr >= p->maps[i].start && addr - p->maps[i].start < p->maps[i].size)
			return &p->maps[i];
	return NULL;
}

uint8_t *fake_proc_mem(struct stub_proc *p, uint64_t addr)
{
	struct fake_map *m = find_map(p, addr);
	return m ? m->data + (addr - m->start) : NULL;
}

static int thread_index(const struct stub_proc *p, pid_t tid)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->tids[i] == tid)
			return (int)i;
	return -1;
}

struct gsc_error *stub_proc_launch(const struct stub_launch *opts, struct stub_proc **ret)
{
	if (!opts->argv || !opts->argv[0] || !strcmp(opts->argv[0], "/nonexistent"))
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: No such file or directory",
					opts->argv && opts->argv[0] ? opts->argv[0] : "");
	fake_stats.launched++;
	snprintf(fake_stats.last_argv0, sizeof(fake_stats.last_argv0), "%s", opts->argv[0]);
	fake_stats.last_with_shell = opts->with_shell;
	fake_stats.last_disable_aslr = opts->disable_aslr;
	*ret = fake_proc_create(fake_launch_pid, 2);
	return NULL;
}

struct gsc_error *stub_proc_attach(pid_t pid, struct stub_proc **ret)
{
	if (pid == 1)
		return gsc_error_create(GSC_ERR_OS, "attach 1: Operation not permitted");
	fake_stats.attached++;
	struct stub_proc *p = fake_proc_create(pid, 2);
	p->attached = true;
	*ret = p;
	return NULL;
}

struct gsc_error *stub_proc_detach(struct stub_proc *p)
{
	fake_stats.detached++;
	p->dead = true;
	return NULL;
}

struct gsc_error *stub_proc_kill(struct stub_proc *p)
{
	fake_stats.killed++;
	p->dead = true;
	return NULL;
}

void stub_proc_destroy(struct stub_proc *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < FAKE_MAPS; i++)
		free(p->maps[i].data);
	stub_proc_destroy(p->held);
	free(p);
}

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
	return p->dead;
}

const struct gsc_target *stub_proc_target(struct stub_proc *p)
{
	(void)p;
	return NULL;
}

const pid_t *stub_proc_threads(const struct stub_proc *p, size_t *count_ret)
{
	*count_ret = p->nthreads;
	return p->tids;
}

bool stub_proc_has_thread(const struct stub_proc *p, pid_t tid)
{
	return thread_index(p, tid) >= 0;
}

void stub_proc_thread_name(const struct stub_proc *p, pid_t tid, char *buf, size_t size)
{
	int i = thread_index(p, tid);
	snprintf(buf, size, "%s", i >= 0 ? p->names[i] : "");
}

struct gsc_error *stub_proc_read_mem(struct stub_proc *p, uint64_t addr, void *buf, size_t size,
				     size_t *done_ret)
{
	struct fake_map *m = find_map(p, addr);
	if (!m)
		return gsc_error_fault(addr, size);
	size_t avail = m->size - (size_t)(addr - m->start);
	size_t n = size < avail ? size : avail;
	memcpy(buf, m->data + (addr - m->start), n);
	*done_ret = n;
	return NULL;
}

struct gsc_error *stub_proc_write_mem(struct stub_proc *p, uint64_t addr, const void *buf, size_t size)
{
	struct fake_map *m = find_map(p, addr);
	if (!m || m->size - (size_t)(addr - m->start) < size)
		return gsc_error_fault(addr, size);
	memcpy(m->data + (addr - m->start), buf, size);
	return NULL;
}

struct gsc_error *stub_proc_get_regs(struct stub_proc *p, pid_t tid, const struct stub_regs **ret)
{
	int i = thread_index(p, tid);
	if (i < 0)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	*ret = &p->regs[i];
	return NULL;
}

struct gsc_error *stub_proc_get_gpr(struct stub_proc *p, pid_t tid, const uint8_t **gpr_ret)
{
	int i = thread_index(p, tid);
	if (i < 0)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	*gpr_ret = p->regs[i].gpr;
	return NULL;
}

struct gsc_error *stub_proc_get_pc(struct stub_proc *p, pid_t tid, uint64_t *ret)
{
	int i = thread_index(p, tid);
	if (i < 0)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	memcpy(ret, p->regs[i].gpr + 16 * 8, 8);	/* rip in user_regs_struct */
	return NULL;
}

struct gsc_error *stub_proc_set_regs(struct stub_proc *p, pid_t tid, const struct stub_regs *regs)
{
	int i = thread_index(p, tid);
	if (i < 0)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	p->regs[i] = *regs;
	return NULL;
}

struct gsc_error *stub_proc_insert_breakpoint(struct stub_proc *p, uint64_t addr)
{
	if (!find_map(p, addr))
		return gsc_error_fault(addr, 1);
	if (!fake_proc_has_bp(p, addr) && p->nbps < FAKE_BPS)
		p->bps[p->nbps++] = addr;
	return NULL;
}

struct gsc_error *stub_proc_remove_breakpoint(struct stub_proc *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nbps; i++)
		if (p->bps[i] == addr)
			p->bps[i] = p->bps[--p->nbps];
	return NULL;
}

struct gsc_error *stub_proc_insert_hw(struct stub_proc *p, enum stub_hw_kind kind, uint64_t addr, size_t len)
{
	(void)p, (void)addr, (void)len;
	if (kind == STUB_HW_READ)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "x86 cannot watch reads only");
	return NULL;
}

struct gsc_error *stub_proc_remove_hw(struct stub_proc *p, enum stub_hw_kind kind, uint64_t addr, size_t len)
{
	(void)p, (void)kind, (void)addr, (void)len;
	return NULL;
}

struct gsc_error *stub_proc_peek_debugreg(struct stub_proc *p, pid_t tid, int n, uint64_t *ret)
{
	(void)p, (void)tid, (void)n;
	*ret = 0;
	return NULL;
}

bool stub_ptrace_probe_debug_regs(void)
{
	return fake_hw_ok;
}

bool stub_proc_watch_emulated(struct stub_proc *p)
{
	(void)p;
	return fake_watch_emulated;
}

void stub_proc_set_pass(struct stub_proc *p, const bool pass[65])
{
	memcpy(p->pass, pass, sizeof(p->pass));
}

void stub_proc_set_fork_events(struct stub_proc *p, bool fork, bool vfork)
{
	p->fork_events = fork;
	p->vfork_events = vfork;
}

bool fake_proc_fork_events(const struct stub_proc *p, bool vfork)
{
	return vfork ? p->vfork_events : p->fork_events;
}

void fake_proc_hold_fork(struct stub_proc *p, struct stub_proc *child)
{
	p->held = child;
}

struct stub_proc *stub_proc_take_fork(struct stub_proc *parent, pid_t child)
{
	struct stub_proc *c = parent->held;
	if (!c || c->pid != child)
		return NULL;
	parent->held = NULL;
	return c;
}

struct gsc_error *stub_proc_resume(struct stub_proc *p, const struct stub_resume *actions, size_t n)
{
	p->nactions = n < FAKE_ACTIONS ? n : FAKE_ACTIONS;
	memcpy(p->actions, actions, p->nactions * sizeof(*actions));
	p->running = true;
	return NULL;
}

struct gsc_error *stub_proc_interrupt(struct stub_proc *p)
{
	struct stub_event ev = { .kind = STUB_EV_STOP };
	ev.stop.tid = p->pid;
	ev.stop.reason = STUB_STOP_SIGNAL;
	ev.stop.signo = SIGINT;
	fake_proc_push_event(p, &ev);
	return NULL;
}

int stub_ptrace_event_fd(void)
{
	return -1;
}

struct gsc_error *stub_proc_poll(struct stub_proc *p, struct stub_event *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!p->running || p->next_event >= p->nevents) {
		ret->kind = STUB_EV_NONE;
		return NULL;
	}
	*ret = p->events[p->next_event++];
	p->running = false;
	if (ret->kind == STUB_EV_STOP) {
		for (size_t i = 0; i < p->nthreads; i++) {
			p->stops[i] = (struct stub_thread_stop){ .tid = p->tids[i] };
			if (p->tids[i] == ret->stop.tid)
				p->stops[i] = ret->stop;
		}
	} else if (ret->kind == STUB_EV_EXITED || ret->kind == STUB_EV_SIGNALED) {
		p->dead = true;
	}
	return NULL;
}

struct gsc_error *stub_proc_wait(struct stub_proc *p, struct stub_event *ret)
{
	return stub_proc_poll(p, ret);
}

struct gsc_error *stub_proc_thread_stop(const struct stub_proc *p, pid_t tid, struct stub_thread_stop *ret)
{
	int i = thread_index(p, tid);
	if (i < 0)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
	*ret = p->stops[i];
	return NULL;
}

struct gsc_error *stub_proc_info(const struct stub_proc *p, struct stub_proc_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->pid = p->pid;
	ret->ppid = 1;
	ret->uid = ret->euid = 1000;
	ret->gid = ret->egid = 100;
	snprintf(ret->exe, sizeof(ret->exe), "/tmp/prog");
	return NULL;
}

/* The fake program has no program headers (its auxv is test bytes): no TLS, no r_debug from them. */
struct gsc_error *stub_proc_phdrs(const struct stub_proc *p, uint64_t *phdr_ret, uint64_t *phnum_ret)
{
	(void)p;
	*phdr_ret = *phnum_ret = 0;
	return NULL;
}

struct gsc_error *stub_proc_auxv(const struct stub_proc *p, uint8_t **data_ret, size_t *size_ret)
{
	(void)p;
	uint8_t *d = malloc(32);
	if (!d)
		return &gsc_enomem;
	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)(i == 3 ? '#' : i == 5 ? '}' : i);
	*data_ret = d;
	*size_ret = 32;
	return NULL;
}

struct gsc_error *stub_proc_region(const struct stub_proc *p, uint64_t addr, struct stub_region *ret)
{
	memset(ret, 0, sizeof(*ret));
	uint64_t gap_start = 0, gap_end = UINT64_MAX;
	for (size_t i = 0; i < FAKE_MAPS; i++) {
		const struct fake_map *m = &p->maps[i];
		if (addr >= m->start && addr - m->start < m->size) {
			ret->start = m->start;
			ret->size = m->size;
			ret->mapped = true;
			snprintf(ret->perms, sizeof(ret->perms), "%s", m->perms);
			snprintf(ret->name, sizeof(ret->name), "%s", m->name);
			return NULL;
		}
		if (m->start + m->size <= addr && m->start + m->size > gap_start)
			gap_start = m->start + m->size;
		if (m->start > addr && m->start < gap_end)
			gap_end = m->start;
	}
	ret->start = gap_start;
	ret->size = gap_end - gap_start;
	return NULL;
}

struct gsc_error *stub_proc_libraries(struct stub_proc *p, struct stub_library **libs_ret, size_t *count_ret,
				      uint64_t *main_lm_ret)
{
	(void)p;
	struct stub_library *l = calloc(2, sizeof(*l));
	if (!l)
		return &gsc_enomem;
	snprintf(l[0].name, sizeof(l[0].name), "/lib/ld.so");
	l[0].lm = 0x1000;
	l[0].l_addr = 0x7f0000000000;
	l[0].l_ld = 0x7f0000001000;
	snprintf(l[1].name, sizeof(l[1].name), "/lib/a&b<c>.so");
	l[1].lm = 0x2000;
	l[1].l_addr = 0x7f0000100000;
	l[1].l_ld = 0x7f0000101000;
	*libs_ret = l;
	*count_ret = 2;
	*main_lm_ret = 0x3000;
	return NULL;
}
