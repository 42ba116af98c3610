/*
 * cmd_core.c - `gocore [OPTIONS] EXE CORE`: every goroutine of a Go core.
 *
 * Opens the executable and the core, reads the goroutines (go_runtime.h),
 * finds where each one's printed traceback starts, and streams them, in the
 * runtime's order, to the report writer the options chose.
 *
 * Where a goroutine's trace starts (the runtime's traceback1 and
 * tracebackothers, runtime/traceback.go): a goroutine with g.syscallsp set
 * starts at (syscallpc, syscallsp); a parked one at g.sched; a running one on
 * its thread: the thread is walked through the kernel's signal frame and the
 * trace starts at the first frame on the goroutine's own stack -- for a
 * panic, the frame above runtime.fatalpanic (the runtime prints from
 * gopanic's frame), for a signal, the interrupted frame as a trap frame.
 *
 * "N minutes": the runtime prints (nanotime() - g.waitsince) / 60e9.  A core
 * has no clock, so "now" is estimated from what the runtime last stored (see
 * estimate_now): it is never later than the real moment, so gocore never
 * prints more minutes than the runtime did, and may print fewer.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "binary.h"
#include "cleanup.h"
#include "core_file.h"
#include "dwarf_info.h"
#include "elf_file.h"
#include "go_moduledata.h"
#include "go_pclntab.h"
#include "go_runtime.h"
#include "gocore.h"
#include "unwind.h"

/* ---- Options -------------------------------------------------------------- */

enum { OPT_MATCH = 256, OPT_STATUS, OPT_JSON, OPT_GROUP, OPT_NOW, OPT_ALL_IDS, OPT_NO_SUMMARY };

static const struct option long_opts[] = {
	{"goroutine", required_argument, NULL, 'g'},
	{"match", required_argument, NULL, OPT_MATCH},
	{"status", required_argument, NULL, OPT_STATUS},
	{"json", no_argument, NULL, OPT_JSON},
	{"group", no_argument, NULL, OPT_GROUP},
	{"now", required_argument, NULL, OPT_NOW},
	{"all-ids", no_argument, NULL, OPT_ALL_IDS},
	{"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
	{"jobs", required_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "gocore: %s%s%s (try --help)\n", msg, arg ? ": " : "", arg ? arg : "");
	return 2;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return false;
	*ret = v;
	return true;
}

/* Returns -1 on success, else the exit status. */
static int parse_opts(int argc, char **argv, struct gocore_opts *o)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+g:j:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'g': {
			uint64_t id;
			if (!parse_u64(optarg, &id))
				return usage_error("bad goroutine id", optarg);
			uint64_t *n = realloc(o->goids, (o->ngoids + 1) * sizeof(*n));
			if (!n)
				return usage_error("out of memory", NULL);
			o->goids = n;
			o->goids[o->ngoids++] = id;
			break;
		}
		case OPT_MATCH: {
			int rc = regcomp(&o->re, optarg, REG_EXTENDED | REG_NOSUB);
			if (rc) {
				char msg[200];
				regerror(rc, &o->re, msg, sizeof(msg));
				fprintf(stderr, "gocore: --match %s: %s\n", optarg, msg);
				return 2;
			}
			o->match = optarg;
			break;
		}
		case OPT_STATUS: o->status = optarg; break;
		case OPT_JSON: o->mode = GOCORE_JSON; break;
		case OPT_GROUP: o->mode = GOCORE_GROUP; break;
		case OPT_ALL_IDS: o->all_ids = true; break;
		case OPT_NO_SUMMARY: o->no_summary = true; break;
		case OPT_NOW: {
			uint64_t v;
			if (!parse_u64(optarg, &v) || v > INT64_MAX)
				return usage_error("bad --now value", optarg);
			o->now_given = true;
			o->now_ns = (int64_t)v;
			break;
		}
		case 'j': {
			uint64_t v;
			if (!parse_u64(optarg, &v) || v < 1 || v > 1024)
				return usage_error("bad --jobs value", optarg);
			o->jobs = (int)v;
			break;
		}
		case 'h': return 0;
		default: return 2;
		}
	}
	if (argc - optind != 2)
		return usage_error("expected EXE and CORE", NULL);
	o->exe = argv[optind];
	o->core = argv[optind + 1];
	return -1;
}

/* ---- Setup ---------------------------------------------------------------- */

static void print_warnings(const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gocore_warn("%s", w[i]);
}

/*
 * First touches, shared out.  On this project's VMs the first touch of a
 * page costs microseconds (host-side), and collect() runs on one thread: it
 * faults in every g of allgs in the core's mapping and every page of the
 * goroutine array.  A helper thread touches the second half of both while
 * collect() walks the first: it reads the bytes of the g's of
 * allgs[n/2..n) into a scratch buffer (nothing is decoded: the runtime view
 * reads them again) and zeroes the second half of the array, which
 * collect() does not write before it has joined the helper.  The output does
 * not depend on it; only the time does.
 */
enum { PREFAULT_MIN_GS = 8192, PREFAULT_CHUNK = 4096, PREFAULT_MAX_G = 4096 };

struct prefault {
	const struct gsc_target *t;
	uint64_t ptrs, from, to;	/* allgs.array and the half [from, to) to touch */
	uint32_t g_size;
	void *mem;			/* the array's second half */
	size_t mem_size;
	pthread_t tid;
	bool started;
};

static void *prefault_run(void *arg)
{
	struct prefault *pf = arg;
	memset(pf->mem, 0, pf->mem_size);
	uint8_t ptrs[PREFAULT_CHUNK * 8], g[PREFAULT_MAX_G];
	for (uint64_t base = pf->from; base < pf->to; base += PREFAULT_CHUNK) {
		uint64_t n = pf->to - base < PREFAULT_CHUNK ? pf->to - base : PREFAULT_CHUNK;
		struct gsc_error *err = gsc_target_read(pf->t, pf->ptrs + base * 8, ptrs, n * 8);
		if (err) {
			gsc_error_destroy(err);
			continue;
		}
		for (uint64_t i = 0; i < n; i++) {
			uint64_t addr = gsc_load64(ptrs + i * 8, pf->t->little_endian);
			gsc_error_destroy(gsc_target_read(pf->t, addr, g, pf->g_size));
		}
	}
	return NULL;
}

/* Starts the helper for an array of cap goroutines, allgs of len entries at ptrs. */
static void prefault_start(struct gocore *gc, struct prefault *pf, uint64_t ptrs, uint64_t len,
			   size_t cap)
{
	long cpus = gc->opts->jobs ? gc->opts->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	const struct gsc_go_layout *l = gsc_goruntime_layout(gc->rt);
	if (cpus < 2 || len < PREFAULT_MIN_GS || !ptrs || !l || l->g_size > PREFAULT_MAX_G)
		return;
	*pf = (struct prefault){
		.t = gc->target, .ptrs = ptrs, .from = len / 2, .to = len, .g_size = l->g_size,
		.mem = gc->gs + cap / 2, .mem_size = (cap - cap / 2) * sizeof(*gc->gs),
	};
	pf->started = pthread_create(&pf->tid, NULL, prefault_run, pf) == 0;
}

static void prefault_join(struct prefault *pf)
{
	if (pf->started)
		pthread_join(pf->tid, NULL);
	pf->started = false;
}

struct collector {
	struct gocore *gc;
	size_t cap;
	struct prefault pf;
};

static struct gsc_error *collect_one(const struct gsc_goroutine *g, void *arg)
{
	struct collector *c = arg;
	struct gocore *gc = c->gc;
	if (gc->ngs == c->cap / 2)
		prefault_join(&c->pf);	/* before the helper's half is written */
	if (gc->ngs == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct gsc_goroutine *p = realloc(gc->gs, cap * sizeof(*p));
		if (!p)
			return &gsc_enomem;
		gc->gs = p, c->cap = cap;
	}
	gc->gs[gc->ngs++] = *g;
	return NULL;
}

/* Live goroutines in allgs order; bad g's are skipped (and counted). */
static struct gsc_error *collect(struct gocore *gc)
{
	struct collector c = {.gc = gc};
	/* allglen sizes the array once (a hint: the walk is still bounded by the library) */
	uint64_t len = 0, ptrs = 0, addr = gsc_goruntime_allgs_addr(gc->rt);
	struct gsc_error *err = addr ? gsc_target_read_u64(gc->target, addr + 8, &len) : NULL;
	if (!err && addr)
		err = gsc_target_read_u64(gc->target, addr, &ptrs);
	gsc_error_destroy(err);
	if (len && len <= GSC_GORUNTIME_MAX_GS &&
	    (gc->gs = gocore_alloc_big(len * sizeof(*gc->gs)))) {
		c.cap = len;
		prefault_start(gc, &c.pf, ptrs, len, c.cap);
	}
	err = gsc_goruntime_goroutines(gc->rt, false, collect_one, &c, &gc->skipped);
	prefault_join(&c.pf);
	return err;
}

/* "<path>: <message>" unless the message already starts with the path. */
static struct gsc_error *name_file(struct gsc_error *err, const char *path)
{
	if (err->message && strncmp(err->message, path, strlen(path)) == 0)
		return err;
	return gsc_error_wrap(err, "%s", path);
}

static struct gsc_error *open_all(struct gocore *gc)
{
	struct gocore_opts *o = gc->opts;
	struct gsc_error *err = gsc_core_open(o->core, &gc->core);
	if (err)
		return name_file(err, o->core);
	err = gsc_binary_open(o->exe, &gc->bin);
	if (err) {
		const char *made_by = gsc_core_exe_path(gc->core);
		err = name_file(err, o->exe);
		if (made_by && err != &gsc_enomem) {
			struct gsc_error *e2 = gsc_error_create(err->code, "%s (the core was made by %s)",
								err->message, made_by);
			gsc_error_destroy(err);
			err = e2;
		}
		return err;
	}
	if (gsc_binary_warning(gc->bin))
		gocore_warn("%s", gsc_binary_warning(gc->bin));
	err = gsc_core_add_executable(gc->core, gsc_binary_elf(gc->bin));
	size_t nw;
	const char *const *w = gsc_core_warnings(gc->core, &nw);
	print_warnings(w, nw);
	if (err)
		return gsc_error_wrap(err, "%s with %s", o->core, o->exe);
	gc->target = gsc_core_target(gc->core);
	gc->bias = gsc_core_load_bias(gc->core);
	gc->minor = gsc_binary_go_minor(gc->bin);
	gc->arch = gsc_arch_name(gsc_core_arch(gc->core));
	struct gsc_goruntime_config rc = {
		.bin = gc->bin, .target = gc->target, .load_bias = gc->bias,
	};
	err = gsc_goruntime_create(&rc, &gc->rt);
	if (err)
		return gsc_error_wrap(err, "%s: Go runtime", o->core);
	struct gsc_unwinder_config uc = {
		.target = gc->target, .binary = gc->bin, .load_bias = gc->bias,
		.go_minor = gc->minor,
	};
	err = gsc_unwinder_create(&uc, &gc->uw);
	if (err)
		return gsc_error_wrap(err, "unwinder");
	err = collect(gc);
	w = gsc_goruntime_warnings(gc->rt, &nw);
	print_warnings(w, nw);
	if (err)
		return gsc_error_wrap(err, "%s: goroutines", o->core);
	return NULL;
}

static void close_all(struct gocore *gc)
{
	free(gc->panic.value);
	free(gc->panic.text);
	free(gc->threads);
	free(gc->gs);
	gsc_unwinder_destroy(gc->uw);
	gsc_goruntime_destroy(gc->rt);
	gsc_core_destroy(gc->core);
	gsc_binary_destroy(gc->bin);
}

/* Every thread: registers, and the g / M / curg the runtime had on it. */
static struct gsc_error *read_threads(struct gocore *gc)
{
	size_t n = gsc_core_num_threads(gc->core);
	const struct gsc_arch_info *ai = gsc_core_arch_info(gc->core);
	gc->threads = calloc(n ? n : 1, sizeof(*gc->threads));
	if (!gc->threads)
		return &gsc_enomem;
	gc->nthreads = n;
	for (size_t i = 0; i < n; i++) {
		const struct gsc_core_thread *th = gsc_core_thread(gc->core, i);
		struct gocore_thread *t = &gc->threads[i];
		t->tid = th->tid;
		t->pc = th->regs.value[ai->pc];
		t->sp = th->regs.value[ai->sp];
		t->curg_goid = -1;
		struct gsc_go_thread gt;
		struct gsc_error *err = gsc_goruntime_thread_g(gc->rt, th->tid, &th->regs, &gt);
		if (err) {
			gsc_error_destroy(err);
			continue;
		}
		t->g = gt.g;
		t->m = gt.m;
		t->curg = gt.curg;
	}
	/* curg -> goid through the goroutine array (no extra reads) */
	for (size_t k = 0; k < gc->ngs; k++) {
		for (size_t i = 0; i < n; i++)
			if (gc->threads[i].curg && gc->threads[i].curg == gc->gs[k].addr)
				gc->threads[i].curg_goid = (int64_t)gc->gs[k].goid;
	}
	const struct gsc_core_signal *sig = gsc_core_signal(gc->core);
	gc->crash_tid = sig && sig->tid ? sig->tid : n ? gc->threads[0].tid : 0;
	gc->crash = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		if (gc->threads[i].tid != gc->crash_tid || !gc->threads[i].curg)
			continue;
		for (size_t k = 0; k < gc->ngs; k++)
			if (gc->gs[k].addr == gc->threads[i].curg)
				gc->crash = k;
	}
	return NULL;
}

/* ---- "now" ---------------------------------------------------------------- */

/* A runtime global's int64 field, by symbol and DWARF; false when unavailable. */
static bool global_field(struct gocore *gc, const char *var, const char *type,
			 const char *field, int64_t *ret)
{
	struct gsc_elf_symbol sym;
	struct gsc_dwarf *dw;
	uint64_t off, v;
	struct gsc_error *err = gsc_elf_symbol_lookup(gsc_binary_elf(gc->bin), var, &sym);
	if (!err)
		err = gsc_binary_dwarf(gc->bin, &dw);
	if (!err)
		err = gsc_dwarf_field_offset(dw, type, field, &off);
	if (!err)
		err = gsc_target_read_u64(gc->target, sym.value + gc->bias + off, &v);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	*ret = (int64_t)v;
	return true;
}

/*
 * nanotime() at the crash, estimated from below: the newest of
 * sched.lastpoll (sysmon refreshes it every 10 ms while the netpoller is
 * not blocked), memstats.last_gc_nanotime, and every g.waitsince (all are
 * earlier readings of the same clock).  The first two need symbols and DWARF.
 */
static void estimate_now(struct gocore *gc)
{
	if (gc->opts->now_given) {
		gc->now = gc->opts->now_ns;
		gc->now_how = "given (--now)";
		return;
	}
	int64_t best = 0, v;
	const char *how = NULL;
	for (size_t i = 0; i < gc->ngs; i++)
		if (gc->gs[i].waitsince > best)
			best = gc->gs[i].waitsince, how = "newest g.waitsince";
	if (global_field(gc, "runtime.memstats", "runtime.mstats", "last_gc_nanotime", &v) &&
	    v > best)
		best = v, how = "memstats.last_gc_nanotime";
	if (global_field(gc, "runtime.sched", "runtime.schedt", "lastpoll", &v) && v > best)
		best = v, how = "sched.lastpoll";
	gc->now = best;
	gc->now_how = how ? how : "unknown";
}

/* ---- Where a goroutine's trace starts ------------------------------------- */

/*
 * Walks thread t through signal frames and looks for the first frame on the
 * stack [lo, hi) (after runtime.fatalpanic, when the goroutine panicked).
 */
static struct gsc_error *start_on_thread(struct gocore *gc, size_t ti, uint64_t lo, uint64_t hi,
					 struct gsc_unwind_start *ret, bool *found)
{
	const struct gsc_arch_info *ai = gsc_core_arch_info(gc->core);
	const struct gsc_core_thread *th = gsc_core_thread(gc->core, ti);
	struct gsc_unwind_regs regs = {
		.pc = th->regs.value[ai->pc],
		.sp = th->regs.value[ai->sp],
		.fp = th->regs.value[ai->fp],
		.lr = ai->lr >= 0 ? th->regs.value[ai->lr] : 0,
	};
	return gsc_unwind_running_start(gc->uw, &regs, lo, hi, ret, found);
}

/* The running goroutine's start: its own thread first, then any thread. */
static struct gsc_error *running_start(struct gocore *gc, const struct gsc_goroutine *g,
				       struct gsc_unwind_start *ret, int32_t *tid_ret, bool *found)
{
	*found = false;
	for (int pass = 0; pass < 3 && !*found; pass++) {
		for (size_t i = 0; i < gc->nthreads && !*found; i++) {
			const struct gocore_thread *t = &gc->threads[i];
			bool mine = t->curg == g->addr || (g->m_procid && (uint64_t)t->tid == g->m_procid);
			if ((pass == 0 && t->curg != g->addr) ||
			    (pass == 1 && (t->curg == g->addr || !mine)) || (pass == 2 && mine))
				continue;
			struct gsc_error *err = start_on_thread(gc, i, g->stack_lo, g->stack_hi, ret, found);
			if (err)
				return err;
			if (*found)
				*tid_ret = t->tid;
		}
	}
	return NULL;
}

static bool stop_is_bad(enum gsc_unwind_stop s)
{
	return s == GSC_UNWIND_STOP_FAULT || s == GSC_UNWIND_STOP_BAD_DATA ||
	       s == GSC_UNWIND_STOP_STUCK || s == GSC_UNWIND_STOP_MAX_FRAMES;
}

/* What one worker counts (merged into struct gocore at the end). */
struct tally {
	size_t shown, bad_stacks;
	char bad_example[200];
};

static struct gsc_error *unwind_g(struct gocore *gc, struct gocore_gor *gor, struct tally *t)
{
	const struct gsc_goroutine *g = gor->g;
	uint32_t st = g->status & ~(uint32_t)GSC_G_SCAN;
	struct gsc_unwind_start start = {0};
	bool found = false;
	gor->tid = 0;
	for (size_t i = 0; i < gc->nthreads; i++)
		if (gc->threads[i].curg == g->addr)
			gor->tid = gc->threads[i].tid;
	if (st == GSC_G_RUNNING) {
		struct gsc_error *err = running_start(gc, g, &start, &gor->tid, &found);
		if (err)
			return err;
	}
	if (!found && g->syscallsp) {
		start.regs.pc = g->syscallpc;
		start.regs.sp = g->syscallsp;
		start.flags = GSC_UNWIND_SYSCALL;
		found = true;
	} else if (!found && st != GSC_G_RUNNING) {
		start.regs.pc = g->sched.pc;
		start.regs.sp = g->sched.sp;
		start.regs.lr = g->sched.lr;
		found = true;
	}
	gor->have_stack = found;
	gor->u = (struct gsc_unwind){0};
	if (!found)
		return NULL;
	struct gsc_error *err = gsc_unwind(gc->uw, &start, &gor->u);
	if (err)
		return err;
	if (stop_is_bad(gor->u.stop)) {
		if (!t->bad_stacks++)
			snprintf(t->bad_example, sizeof(t->bad_example),
				 "goroutine %" PRIu64 ": %s at 0x%" PRIx64, g->goid,
				 gsc_unwind_stop_name(gor->u.stop), gor->u.stop_addr);
	}
	return NULL;
}

/* ---- Helpers for the writers ---------------------------------------------- */

struct gsc_error *gocore_logical(struct gocore *gc, struct gocore_gor *gor)
{
	if (gor->lf_done)
		return NULL;
	gor->lf = NULL;
	gor->nlf = 0;
	if (gor->have_stack) {
		struct gsc_error *err = gsc_unwind_logical(gc->uw, &gor->u, &gor->lf, &gor->nlf);
		if (err)
			return err;
	}
	gor->lf_done = true;
	return NULL;
}

bool gocore_created_by(struct gocore *gc, const struct gsc_goroutine *g, const char **func,
		       const char **file, int32_t *line)
{
	if (!g->gopc || g->goid == 1)
		return false;
	struct gsc_pclntab *tab = gsc_binary_pclntab(gc->bin);
	struct gsc_func f;
	struct gsc_error *err = gsc_pclntab_find_func(tab, g->gopc - gc->bias, &f);
	if (!err)
		err = gsc_pclntab_file_line(tab, &f, g->gopc - gc->bias - 1, file, line);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	*func = f.name;
	return true;
}

void gocore_traceback_opts(struct gocore *gc, const struct gsc_goroutine *g,
			   struct gsc_traceback_opts *ret)
{
	*ret = (struct gsc_traceback_opts){
		.level = 2,
		.throwing = g->m && g->m_curg == g->addr && g->m_throwing >= 2,
		.created_by = true,
		.goid = g->goid,
		.parent_goid = g->parent_goid,
		.gopc = g->gopc,
	};
}

/* ---- Panic value ------------------------------------------------------------ */

struct panic_layout {
	int32_t arg, link, recovered, goexit;
};

static struct panic_layout panic_layout(struct gocore *gc)
{
	/* ../shared/reference/go-runtime.md A.3 */
	struct panic_layout l = {0x8, 0x18, 0x30, 0x32};
	if (gc->minor >= 22)
		l.recovered = 0x60, l.goexit = 0x61;
	if (gc->minor >= 25)
		l.goexit = 0x62;
	if (gc->minor >= 26)
		l = (struct panic_layout){0x0, 0x10, 0x58, 0x5a};
	struct gsc_dwarf *dw;
	struct gsc_error *err = gsc_binary_dwarf(gc->bin, &dw);
	if (!err) {
		uint64_t off;
		struct {
			const char *name;
			int32_t *dst;
		} f[] = {{"arg", &l.arg}, {"link", &l.link}, {"recovered", &l.recovered},
			 {"goexit", &l.goexit}};
		for (size_t i = 0; i < 4; i++) {
			struct gsc_error *e2 = gsc_dwarf_field_offset(dw, "runtime._panic", f[i].name, &off);
			if (!e2)
				*f[i].dst = (int32_t)off;
			gsc_error_destroy(e2);
		}
	}
	gsc_error_destroy(err);
	return l;
}

/* The type's string (abi.Type.Str, go-runtime.md §4.1-4.3) into buf. */
static bool type_name(struct gocore *gc, uint64_t typ, char *buf, size_t size)
{
	const struct gsc_moduledata *md = gsc_binary_moduledata(gc->bin);
	uint8_t t[0x30];
	if (!md || !md->types || size < 2)
		return false;
	struct gsc_error *err = gsc_target_read(gc->target, typ, t, sizeof(t));
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	int32_t str = (int32_t)gsc_load32(t + 0x28, gc->target->little_endian);
	uint64_t name = md->types + gc->bias + (uint64_t)(int64_t)str;
	uint8_t hdr[11];
	if ((err = gsc_target_read(gc->target, name, hdr, sizeof(hdr)))) {
		gsc_error_destroy(err);
		return false;
	}
	uint64_t len = 0;
	size_t i = 1;
	for (unsigned shift = 0; i < sizeof(hdr); i++, shift += 7) {
		len |= (uint64_t)(hdr[i] & 0x7f) << shift;
		if (!(hdr[i] & 0x80))
			break;
	}
	i++;
	if (len == 0 || len > 4096)
		return false;
	size_t skip = (t[0x14] & 0x02) ? 1 : 0;	/* TFlagExtraStar */
	size_t n = len - skip < size - 1 ? len - skip : size - 1;
	if ((err = gsc_target_read(gc->target, name + i + skip, buf, n))) {
		gsc_error_destroy(err);
		return false;
	}
	buf[n] = 0;
	return true;
}

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *s, const char *data, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 128;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *p = realloc(s->p, cap);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p, s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = 0;
}

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(s, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A Go string value at addr (string header), as printindented (1.23+) prints it. */
static bool go_string(struct gocore *gc, uint64_t hdr_addr, struct sbuf *s)
{
	uint64_t ptr, len;
	struct gsc_error *err = gsc_target_read_u64(gc->target, hdr_addr, &ptr);
	if (!err)
		err = gsc_target_read_u64(gc->target, hdr_addr + 8, &len);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	enum { MAX = 1 << 16 };
	size_t n = len < MAX ? (size_t)len : MAX;
	_cleanup_free_ char *bytes = malloc(n ? n : 1);
	if (!bytes)
		return false;
	if (n && (err = gsc_target_read(gc->target, ptr, bytes, n))) {
		gsc_error_destroy(err);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		sb_add(s, &bytes[i], 1);
		if (bytes[i] == '\n' && gc->minor >= 23)
			sb_add(s, "\t", 1);
	}
	if (n < len)
		sb_printf(s, "...(%" PRIu64 " more bytes)", len - n);
	return true;
}

/* The runtime's print(float64): "+d.dddddde+ddd" (7 significant digits). */
static void go_float(struct sbuf *s, double v)
{
	if (v != v) {
		sb_printf(s, "NaN");
		return;
	}
	if (v + v == v && v != 0) {
		sb_printf(s, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	char sign = '+';
	if (v < 0 || (v == 0 && 1 / v < 0))
		sign = '-', v = -v;
	int e = 0;
	if (v != 0) {
		while (v >= 10)
			e++, v /= 10;
		while (v < 1)
			e--, v *= 10;
		v += 5e-7;	/* round at the 7th digit */
		if (v >= 10)
			e++, v /= 10;
	}
	char d[8];
	for (int i = 0; i < 7; i++) {
		int digit = (int)v;
		d[i] = (char)('0' + digit);
		v = (v - digit) * 10;
	}
	sb_printf(s, "%c%c.%.6se%c%03d", sign, d[0], d + 1, e < 0 ? '-' : '+', e < 0 ? -e : e);
}

/* printpanicval of the eface {typ, data}. */
static void panic_value(struct gocore *gc, uint64_t typ, uint64_t data, struct sbuf *s,
			char *tname, size_t tsize)
{
	tname[0] = 0;
	if (!typ) {
		sb_printf(s, "nil");
		return;
	}
	uint8_t t[0x18];
	struct gsc_error *err = gsc_target_read(gc->target, typ, t, sizeof(t));
	if (err || !type_name(gc, typ, tname, tsize)) {
		gsc_error_destroy(err);
		snprintf(tname, tsize, "?");
		sb_printf(s, "(?) 0x%" PRIx64, data);
		return;
	}
	unsigned kind = t[0x17] & 0x1f;
	bool named = strchr(tname, '.') != NULL;	/* main.S; builtin names have no dot */
	uint64_t v = 0;
	static const uint8_t size_of[] = {[2] = 8, [3] = 1, [4] = 2, [5] = 4, [6] = 8, [7] = 8,
					  [8] = 1, [9] = 2, [10] = 4, [11] = 8, [12] = 8,
					  [13] = 4, [14] = 8, [1] = 1};
	if (kind == 24) {	/* String */
		if (named)
			sb_printf(s, "%s(\"", tname);
		if (!go_string(gc, data, s))
			sb_printf(s, "<unreadable string at 0x%" PRIx64 ">", data);
		if (named)
			sb_printf(s, "\")");
		return;
	}
	if (kind >= 1 && kind <= 14 && size_of[kind]) {
		uint8_t b[8] = {0};
		if ((err = gsc_target_read(gc->target, data, b, size_of[kind]))) {
			gsc_error_destroy(err);
			sb_printf(s, "(%s) 0x%" PRIx64, tname, data);
			return;
		}
		v = gsc_load64(b, gc->target->little_endian);
		if (named)
			sb_printf(s, "%s(", tname);
		unsigned bits = size_of[kind] * 8;
		uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
		v &= mask;
		if (kind == 1)
			sb_printf(s, "%s", v ? "true" : "false");
		else if (kind >= 2 && kind <= 6) {
			int64_t sv = bits == 64 ? (int64_t)v
				     : (int64_t)(v << (64 - bits)) >> (64 - bits);
			sb_printf(s, "%" PRId64, sv);
		} else if (kind <= 12)
			sb_printf(s, "%" PRIu64, v);
		else if (kind == 13) {
			float f;
			uint32_t w = (uint32_t)v;
			memcpy(&f, &w, 4);
			go_float(s, f);
		} else {
			double d;
			memcpy(&d, &v, 8);
			go_float(s, d);
		}
		if (named)
			sb_printf(s, ")");
		return;
	}
	sb_printf(s, "(%s) 0x%" PRIx64, tname, data);
}

/* The _panic chain of g, as printpanics prints it (oldest first). */
static void decode_panic(struct gocore *gc, const struct gsc_goroutine *g)
{
	enum { MAXCHAIN = 32 };
	struct panic_layout l = panic_layout(gc);
	uint64_t chain[MAXCHAIN];
	size_t n = 0;
	for (uint64_t p = g->panic; p && n < MAXCHAIN;) {
		chain[n++] = p;
		struct gsc_error *err = gsc_target_read_u64(gc->target, p + l.link, &p);
		if (err) {
			gsc_error_destroy(err);
			break;
		}
	}
	if (!n)
		return;
	struct sbuf text = {0};
	struct gocore_panic *pv = &gc->panic;
	bool first = true;
	for (size_t i = n; i-- > 0;) {
		uint64_t typ = 0, data = 0;
		uint8_t flags[2] = {0, 0};
		struct gsc_error *err = gsc_target_read_u64(gc->target, chain[i] + l.arg, &typ);
		if (!err)
			err = gsc_target_read_u64(gc->target, chain[i] + l.arg + 8, &data);
		if (!err)
			err = gsc_target_read(gc->target, chain[i] + l.recovered, &flags[0], 1);
		if (!err)
			err = gsc_target_read(gc->target, chain[i] + l.goexit, &flags[1], 1);
		if (err) {
			gsc_error_destroy(err);
			sb_printf(&text, "%spanic: <unreadable _panic at 0x%" PRIx64 ">\n",
				  first ? "" : "\t", chain[i]);
			first = false;
			continue;
		}
		if (flags[1])	/* runtime.Goexit */
			continue;
		struct sbuf val = {0};
		char tname[256];
		panic_value(gc, typ, data, &val, tname, sizeof(tname));
		sb_printf(&text, "%spanic: ", first ? "" : "\t");
		if (val.p)
			sb_add(&text, val.p, val.len);
		sb_printf(&text, "%s\n", flags[0] ? " [recovered]" : "");
		first = false;
		if (i == 0) {
			free(pv->value);
			pv->value = val.p;
			snprintf(pv->type, sizeof(pv->type), "%s", tname);
		} else {
			free(val.p);
		}
	}
	pv->present = true;
	pv->goid = g->goid;
	pv->text = text.p;
}

/*
 * The line the runtime prints under the panic for a signal panic (dopanic_m):
 * "[signal SIGSEGV: segmentation violation code=0x1 addr=0x8 pc=0x4e54cb]",
 * from g.sig, g.sigcode0, g.sigcode1, g.sigpc (offsets: DWARF, else
 * go-runtime.md A.4).
 */
static void fault_line(struct gocore *gc, const struct gsc_goroutine *g)
{
	static const struct { int minor; int32_t sig, code0, code1, pc; } tab[] = {
		{19, 0xf0, 0x110, 0x118, 0x120}, {21, 0xd8, 0xf8, 0x100, 0x108},
		{23, 0xe0, 0x100, 0x108, 0x110}, {24, 0xe4, 0x100, 0x108, 0x110},
		{25, 0xdc, 0xf8, 0x100, 0x108}, {26, 0xe0, 0x100, 0x108, 0x110},
	};
	/* runtime/sigtab_linux_generic.go names (amd64 and arm64 share them) */
	static const char *const names[] = {
		[1] = "SIGHUP: terminal line hangup", [2] = "SIGINT: interrupt",
		[3] = "SIGQUIT: quit", [4] = "SIGILL: illegal instruction",
		[5] = "SIGTRAP: trace trap", [6] = "SIGABRT: abort", [7] = "SIGBUS: bus error",
		[8] = "SIGFPE: floating-point exception", [11] = "SIGSEGV: segmentation violation",
	};
	int32_t off[4] = {-1, -1, -1, -1};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (gc->minor >= tab[i].minor)
			off[0] = tab[i].sig, off[1] = tab[i].code0, off[2] = tab[i].code1, off[3] = tab[i].pc;
	struct gsc_dwarf *dw;
	struct gsc_error *err = gsc_binary_dwarf(gc->bin, &dw);
	static const char *const fields[] = {"sig", "sigcode0", "sigcode1", "sigpc"};
	for (int i = 0; i < 4 && !err; i++) {
		uint64_t o;
		struct gsc_error *e2 = gsc_dwarf_field_offset(dw, "runtime.g", fields[i], &o);
		if (!e2)
			off[i] = (int32_t)o;
		gsc_error_destroy(e2);
	}
	gsc_error_destroy(err);
	uint32_t sig;
	uint64_t v[3];
	err = gsc_target_read_u32(gc->target, g->addr + (uint64_t)off[0], &sig);
	for (int i = 0; i < 3 && !err; i++)
		err = gsc_target_read_u64(gc->target, g->addr + (uint64_t)off[i + 1], &v[i]);
	if (err || !sig) {
		gsc_error_destroy(err);
		return;
	}
	char name[64];
	if (sig < sizeof(names) / sizeof(names[0]) && names[sig])
		snprintf(name, sizeof(name), "%s", names[sig]);
	else
		snprintf(name, sizeof(name), "0x%x", sig);
	snprintf(gc->fault, sizeof(gc->fault),
		 "[signal %s code=0x%" PRIx64 " addr=0x%" PRIx64 " pc=0x%" PRIx64 "]", name, v[0], v[1],
		 v[2]);
}

static void find_panic(struct gocore *gc)
{
	if (gc->crash != SIZE_MAX && gc->gs[gc->crash].panic) {
		decode_panic(gc, &gc->gs[gc->crash]);
		fault_line(gc, &gc->gs[gc->crash]);
		return;
	}
	for (size_t i = 0; i < gc->ngs; i++)
		if (gc->gs[i].panic) {
			decode_panic(gc, &gc->gs[i]);
			fault_line(gc, &gc->gs[i]);
			return;
		}
}

/* ---- The walk --------------------------------------------------------------- */

static bool want_goid(const struct gocore_opts *o, uint64_t goid)
{
	if (!o->ngoids)
		return true;
	for (size_t i = 0; i < o->ngoids; i++)
		if (o->goids[i] == goid)
			return true;
	return false;
}

static bool want_status(const struct gocore_opts *o, const struct gocore_gor *gor)
{
	if (!o->status)
		return true;
	const struct gsc_goroutine *g = gor->g;
	return !strcasecmp(o->status, g->status_name) ||
	       (g->wait_reason && !strcasecmp(o->status, g->wait_reason)) ||
	       !strcasecmp(o->status, gor->state);
}

static struct gsc_error *want_match(struct gocore *gc, struct gocore_gor *gor, bool *ret)
{
	*ret = true;
	if (!gc->opts->match)
		return NULL;
	struct gsc_error *err = gocore_logical(gc, gor);
	if (err)
		return err;
	*ret = false;
	for (size_t i = 0; i < gor->nlf && !*ret; i++)
		if (!regexec(&gc->opts->re, gor->lf[i].func, 0, NULL, 0))
			*ret = true;
	const char *func, *file;
	int32_t line;
	if (!*ret && gocore_created_by(gc, gor->g, &func, &file, &line))
		*ret = !regexec(&gc->opts->re, func, 0, NULL, 0);
	return NULL;
}

struct progress {
	bool tty;
	struct timespec start, last;
	bool shown;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_tick(struct progress *p, size_t done, size_t total)
{
	if (!p->tty)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->start, &now) < 1.0 || (p->shown && since(&p->last, &now) < 0.2))
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, "\rgocore: %zu/%zu goroutines", done, total);
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
}

/*
 * The work is split in batches of goroutines (in output order); each batch
 * is shared out between worker threads, each taking a contiguous slice and
 * writing its text or JSON into its own buffer (struct gocore_out, kept
 * across batches); the main thread then writes the buffers in order and
 * empties them.  So output order and content do not depend on the thread
 * count, and memory stays bounded by one batch.  For --group the workers
 * write group records (id, key, text) and the main thread adds them to the
 * (unshared) table.
 * Everything the workers touch is read-only: the core's mapping, the
 * pclntab, the unwinder, the goroutine array.
 */
enum { BATCH = 4096, MAX_JOBS = 16, MIN_PER_JOB = 256 };

struct worker {
	struct gocore *gc;
	const size_t *order;	/* indexes into gc->gs */
	size_t n;
	struct gocore_out out;	/* kept for the whole run, emptied after each batch */
	struct tally t;
	struct gsc_error *err;
};

/* Filters, unwind, and the text, JSON or group record of one goroutine. */
static struct gsc_error *one(struct gocore *gc, size_t idx, struct gocore_out *out,
			     struct tally *t)
{
	const struct gsc_goroutine *g = &gc->gs[idx];
	struct gocore_gor gor_storage = {.g = g}, *gor = &gor_storage;
	if (!want_goid(gc->opts, g->goid))
		return NULL;
	gsc_goruntime_status_text(gc->rt, g, gc->now, gor->status, sizeof(gor->status));
	gsc_goruntime_status_text(gc->rt, g, 0, gor->state, sizeof(gor->state));
	if (!want_status(gc->opts, gor))
		return NULL;
	struct gsc_error *err = unwind_g(gc, gor, t);
	bool match = true;
	if (!err)
		err = want_match(gc, gor, &match);
	if (!err && match) {
		t->shown++;
		if (gc->opts->mode == GOCORE_GROUP) {
			err = gocore_group_record(gc, gor, out);
		} else if (gc->opts->mode == GOCORE_JSON) {
			/* the main thread drops the first one */
			gocore_out_put(out, ",\n", 2);
			err = gocore_json_goroutine(gc, gor, out);
		} else {
			err = gocore_text_goroutine(gc, gor, out);
		}
	}
	free(gor->lf);
	gsc_unwind_deinit(&gor->u);
	return err;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	for (size_t i = 0; i < w->n && !w->err; i++) {
		w->err = one(w->gc, w->order[i], &w->out, &w->t);
		if (!w->err && w->out.oom)
			w->err = &gsc_enomem;
	}
	return NULL;
}

/* Writes (or groups) one finished worker's output. */
static struct gsc_error *collect_worker(struct gocore *gc, struct worker *w, FILE *out,
					struct gocore_groups *groups, bool *first)
{
	struct gsc_error *err = w->err;
	w->err = NULL;
	const char *p = w->out.b.p;
	size_t len = w->out.b.len;
	if (gc->opts->mode == GOCORE_JSON && *first && len >= 2) {
		p += 2, len -= 2;	/* the first goroutine has no "," before it */
	}
	if (len)
		*first = false;
	if (groups && !err)
		err = gocore_groups_add_records(groups, p, len);
	else if (!groups && len)
		fwrite(p, 1, len, out);	/* a write error shows at the final fflush */
	w->out.b.len = 0;
	gc->bad_stacks += w->t.bad_stacks;
	if (!gc->bad_example[0])
		memcpy(gc->bad_example, w->t.bad_example, sizeof(gc->bad_example));
	return err;
}

static int jobs_for(struct gocore *gc)
{
	long n = gc->opts->jobs ? gc->opts->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > MAX_JOBS)
		n = MAX_JOBS;
	if ((size_t)n > gc->ngs / MIN_PER_JOB + 1)
		n = (long)(gc->ngs / MIN_PER_JOB + 1);
	return (int)n;
}

static struct gsc_error *run_batch(struct gocore *gc, struct worker *ws, int jobs,
				   const size_t *order, size_t n, FILE *out,
				   struct gocore_groups *groups, bool *first)
{
	pthread_t tids[MAX_JOBS];
	bool started[MAX_JOBS] = {false};
	size_t per = (n + (size_t)jobs - 1) / (size_t)jobs, off = 0;
	for (int j = 0; j < jobs; j++) {
		struct worker *w = &ws[j];
		w->order = order + off;
		w->n = off < n ? (n - off < per ? n - off : per) : 0;
		off += w->n;
		memset(&w->t, 0, sizeof(w->t));
		/* the last slice runs here; the others on threads */
		if (j < jobs - 1 && w->n && !pthread_create(&tids[j], NULL, work, w))
			started[j] = true;
		else if (j < jobs - 1)
			work(w);
	}
	work(&ws[jobs - 1]);
	struct gsc_error *err = NULL;
	for (int j = 0; j < jobs; j++) {
		if (started[j])
			pthread_join(tids[j], NULL);
		struct gsc_error *e2 = collect_worker(gc, &ws[j], out, groups, first);
		if (!err)
			err = e2;
		else
			gsc_error_destroy(e2);
	}
	return err;
}

static struct gsc_error *walk(struct gocore *gc, FILE *out, size_t *shown)
{
	struct gocore_groups *groups = NULL;
	struct progress pr = {.tty = isatty(2)};
	clock_gettime(CLOCK_MONOTONIC, &pr.start);
	int jobs = jobs_for(gc);
	_cleanup_free_ size_t *order = malloc((gc->ngs ? gc->ngs : 1) * sizeof(*order));
	_cleanup_free_ struct worker *ws = calloc((size_t)jobs, sizeof(*ws));
	if (!order || !ws)
		return &gsc_enomem;
	if (gc->opts->mode == GOCORE_GROUP && !(groups = gocore_groups_create()))
		return &gsc_enomem;
	size_t n = 0;
	if (gc->crash != SIZE_MAX)
		order[n++] = gc->crash;
	for (size_t i = 0; i < gc->ngs; i++)
		if (i != gc->crash)
			order[n++] = i;
	bool first = true;
	struct gsc_error *err = NULL;
	for (size_t b = 0; b < n && !err; b += BATCH) {
		size_t cnt = n - b < BATCH ? n - b : BATCH;
		for (int j = 0; j < jobs; j++)
			ws[j].gc = gc;
		err = run_batch(gc, ws, jobs, order + b, cnt, out, groups, &first);
		for (int j = 0; j < jobs; j++)
			*shown += ws[j].t.shown;
		progress_tick(&pr, b + cnt, n);
	}
	progress_end(&pr);
	for (int j = 0; j < jobs; j++)
		gocore_out_deinit(&ws[j].out);
	if (!err && groups)
		gocore_groups_print(groups, gc, out);
	gocore_groups_destroy(groups);
	return err;
}

int gocore_cmd_core(int argc, char **argv)
{
	struct gocore_opts o = {0};
	int rc = parse_opts(argc, argv, &o);
	if (rc >= 0) {
		if (rc == 0)
			fputs(gocore_usage, stdout);
		free(o.goids);
		if (o.match)
			regfree(&o.re);
		return rc;
	}
	struct gocore gc = {.opts = &o, .crash = SIZE_MAX};
	/* GOCORE_TIMING=1: phase times on stderr, for benchmarks */
	bool timing = getenv("GOCORE_TIMING") != NULL;
	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	static char outbuf[1 << 20];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	struct gsc_error *err = open_all(&gc);
	if (!err)
		err = read_threads(&gc);
	size_t shown = 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!err) {
		estimate_now(&gc);
		find_panic(&gc);
		if (o.mode == GOCORE_TEXT && !o.no_summary)
			gocore_text_summary(&gc, stdout);
		if (o.mode == GOCORE_JSON)
			gocore_json_begin(&gc, stdout);
		err = walk(&gc, stdout, &shown);
		if (!err && o.mode == GOCORE_JSON)
			gocore_json_end(&gc, stdout);
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	if (timing)
		fprintf(stderr, "gocore: timing: open + goroutine list %.3f s, stacks %.3f s (%d jobs)\n",
			since(&t0, &t1), since(&t1, &t2), jobs_for(&gc));
	rc = 0;
	if (err) {
		/* the message already names the file or step */
		fprintf(stderr, "gocore: %s\n", err->message);
		gsc_error_destroy(err);
		rc = 1;
	}
	else if (gc.bad_stacks)
		gocore_warn("%zu goroutine stack%s could not be walked to the end (%s)",
			    gc.bad_stacks, gc.bad_stacks == 1 ? "" : "s", gc.bad_example);
	if (!err && (o.ngoids || o.match || o.status) && !shown)
		gocore_warn("no goroutine matches the filters");
	if (fflush(stdout) != 0 && !rc)
		rc = gocore_fail(gsc_error_errno(errno, "stdout"), "write");
	close_all(&gc);
	free(o.goids);
	if (o.match)
		regfree(&o.re);
	return rc;
}
