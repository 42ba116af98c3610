/*
 * unwind.c - the Go unwinder and the runtime's traceback text.
 *
 * Facts: ../shared/reference/go-runtime.md §1.5-1.8 and §7; the behaviour
 * of runtime/traceback.go of Go 1.19 (gentraceback, printArgs, showframe) and
 * Go 1.21-1.27 (unwinder, traceback1/traceback2, showfuncinfo), read for the
 * rules only.  The kernel's signal frame layouts come from the Linux ABI
 * (x86-64: struct rt_sigframe {pretcode; ucontext; siginfo}, ucontext
 * {flags, link, stack_t(24)} then mcontext gregs[23] in REG_R8.. order;
 * arm64: struct rt_sigframe {siginfo(128); ucontext}, ucontext {flags, link,
 * stack_t(24), sigset(8) + 120 bytes of padding} then, 16-aligned at +176,
 * sigcontext {fault_address, regs[31], sp, pc, pstate}); no Linux header
 * is included.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "cfi.h"
#include "cleanup.h"
#include "unwind.h"

/* ---------------------------------------------------------------- string builder */

struct sb {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_putn(struct sb *s, const char *d, size_t n)
{
	if (s->oom)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t cap = (s->n + n + 1) * 2 + 64;
		char *p = realloc(s->p, cap);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->n, d, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void sb_puts(struct sb *s, const char *str)
{
	sb_putn(s, str, strlen(str));
}

/*
 * "0x%" PRIx64 and "%" PRIu64 / PRId32 without vsnprintf: the traceback
 * text prints several hex words per frame, and printf's format parsing was
 * a sixth of gocore's time on 100k goroutines.  Same bytes as printf.
 */
static void sb_hex(struct sb *s, uint64_t x)
{
	static const char digits[] = "0123456789abcdef";
	char b[18];
	size_t i = sizeof(b);
	do {
		b[--i] = digits[x & 15];
		x >>= 4;
	} while (x);
	b[--i] = 'x';
	b[--i] = '0';
	sb_putn(s, b + i, sizeof(b) - i);
}

static void sb_u64(struct sb *s, uint64_t x)
{
	char b[20];
	size_t i = sizeof(b);
	do {
		b[--i] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	sb_putn(s, b + i, sizeof(b) - i);
}

static void sb_i32(struct sb *s, int32_t v)
{
	if (v < 0) {
		sb_putn(s, "-", 1);
		sb_u64(s, (uint64_t)(-(int64_t)v));
		return;
	}
	sb_u64(s, (uint64_t)v);
}

/* Hands the text to the caller: "" for nothing written. */
static struct gsc_error *sb_finish(struct sb *s, char **ret)
{
	if (!s->oom && !s->p)
		sb_putn(s, "", 0);
	if (s->oom) {
		free(s->p);
		return &gsc_enomem;
	}
	*ret = s->p;
	return NULL;
}

/* ---------------------------------------------------------------- the unwinder object */

struct arch_params {
	bool uses_lr;
	unsigned min_frame;	/* sys.MinFrameSize */
	unsigned injected_slot;	/* alignUp(MinFrameSize, StackAlign) */
	unsigned quantum;	/* sys.PCQuantum */
};

static const struct arch_params amd64_params = {false, 0, 0, 1};
static const struct arch_params arm64_params = {true, 8, 16, 4};

struct gsc_unwinder {
	const struct gsc_target *target;
	struct gsc_binary *bin;
	struct gsc_pclntab *tab;
	struct gsc_cfi *cfi;
	uint64_t bias;
	int minor;
	enum gsc_arch arch;
	struct arch_params ap;
	size_t max_frames;
	bool le;
	struct cache_slot *cache;	/* CACHE_SLOTS, see "the pc cache" */
};

/* ---------------------------------------------------------------- the pc cache */

/*
 * What the pclntab says about a pc never changes, and a core's goroutines
 * share few pcs (100k goroutines, ~20 pcs), so the unwinder keeps the
 * pc-only facts: the function and sp delta (FUNC), the inline expansion with
 * file:line (FRAMES), the ArgInfo program and liveness (ARGS), the file:line
 * of a "created by" pc (LINE).  Never the target's memory.
 *
 * One unwinder is shared by gocore's worker threads (coredump/cmd_core.c),
 * so the table is lock-free and insert-only: a slot goes EMPTY -> BUSY (one
 * thread won the CAS and fills it) -> READY (published with release order),
 * and a READY slot is never changed or freed before the unwinder is
 * destroyed.  Bounded: CACHE_SLOTS slots, CACHE_PROBES probes; when there is
 * no room the fact is computed every time, as without the cache.  Two
 * threads missing at once may both insert the same key: harmless.
 */
enum { CACHE_SLOTS = 4096, CACHE_PROBES = 16 };
enum cache_kind { CK_FUNC = 1, CK_FRAMES, CK_ARGS, CK_LINE };
enum { SLOT_EMPTY = 0, SLOT_BUSY, SLOT_READY };

struct cache_slot {
	int state;		/* SLOT_*, accessed atomically */
	unsigned kind;
	uint64_t key;		/* link-time pc */
	void *data;		/* malloc'd, immutable once READY */
};

static size_t cache_hash(unsigned kind, uint64_t key)
{
	uint64_t h = (key ^ ((uint64_t)kind << 56)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 52) & (CACHE_SLOTS - 1);
}

/* The published data for (kind, key), or NULL. */
static const void *cache_get(const struct gsc_unwinder *uw, unsigned kind, uint64_t key)
{
	if (!uw->cache)
		return NULL;
	size_t h = cache_hash(kind, key);
	for (unsigned i = 0; i < CACHE_PROBES; i++) {
		struct cache_slot *sl = &uw->cache[(h + i) & (CACHE_SLOTS - 1)];
		int st = __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE);
		if (st == SLOT_EMPTY)
			return NULL;
		if (st == SLOT_READY && sl->kind == kind && sl->key == key)
			return sl->data;
	}
	return NULL;
}

/* Publishes data (the cache then owns it); false: no room, the caller keeps it. */
static bool cache_put(struct gsc_unwinder *uw, unsigned kind, uint64_t key, void *data)
{
	if (!uw->cache)
		return false;
	size_t h = cache_hash(kind, key);
	for (unsigned i = 0; i < CACHE_PROBES; i++) {
		struct cache_slot *sl = &uw->cache[(h + i) & (CACHE_SLOTS - 1)];
		int expect = SLOT_EMPTY;
		if (!__atomic_compare_exchange_n(&sl->state, &expect, SLOT_BUSY, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		sl->kind = kind;
		sl->key = key;
		sl->data = data;
		__atomic_store_n(&sl->state, SLOT_READY, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

static void cache_free(struct gsc_unwinder *uw)
{
	if (!uw->cache)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (uw->cache[i].state == SLOT_READY)
			free(uw->cache[i].data);
	free(uw->cache);
}

struct gsc_error *gsc_unwinder_create(const struct gsc_unwinder_config *config,
				      struct gsc_unwinder **ret)
{
	if (!config->target || !config->binary)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "unwinder: a target and a binary are required");
	enum gsc_arch arch = gsc_binary_arch(config->binary);
	if (arch != GSC_ARCH_AMD64 && arch != GSC_ARCH_ARM64)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "unwinder: unsupported architecture");
	if (config->target->arch != arch)
		return gsc_error_create(GSC_ERR_INVALID_ARG,
					"unwinder: the target's architecture is not the binary's");
	struct gsc_unwinder *uw = calloc(1, sizeof(*uw));
	if (!uw)
		return &gsc_enomem;
	uw->target = config->target;
	uw->bin = config->binary;
	uw->tab = gsc_binary_pclntab(config->binary);
	uw->cfi = config->cfi;
	uw->bias = config->load_bias;
	uw->minor = config->go_minor ? config->go_minor : gsc_binary_go_minor(config->binary);
	uw->arch = arch;
	uw->ap = arch == GSC_ARCH_ARM64 ? arm64_params : amd64_params;
	uw->max_frames = config->max_frames ? config->max_frames : GSC_UNWIND_DEFAULT_MAX_FRAMES;
	uw->le = config->target->little_endian;
	uw->cache = calloc(CACHE_SLOTS, sizeof(*uw->cache));	/* NULL: no cache, still correct */
	*ret = uw;
	return NULL;
}

void gsc_unwinder_destroy(struct gsc_unwinder *uw)
{
	if (!uw)
		return;
	cache_free(uw);
	free(uw);
}

void gsc_unwind_deinit(struct gsc_unwind *u)
{
	if (!u)
		return;
	free(u->frames);
	u->frames = NULL;
	u->count = 0;
}

const char *gsc_unwind_stop_name(enum gsc_unwind_stop stop)
{
	static const char *const names[] = {
		[GSC_UNWIND_STOP_BOTTOM] = "bottom of the stack",
		[GSC_UNWIND_STOP_SPWRITE] = "SPWRITE function",
		[GSC_UNWIND_STOP_NO_FRAME_INFO] = "function without frame information",
		[GSC_UNWIND_STOP_UNKNOWN_PC] = "unknown pc",
		[GSC_UNWIND_STOP_UNKNOWN_RETURN] = "unexpected return pc",
		[GSC_UNWIND_STOP_FAULT] = "unreadable stack",
		[GSC_UNWIND_STOP_BAD_DATA] = "bad frame data",
		[GSC_UNWIND_STOP_STUCK] = "traceback stuck (cyclic stack)",
		[GSC_UNWIND_STOP_MAX_FRAMES] = "too many frames",
	};
	if ((size_t)stop < sizeof(names) / sizeof(names[0]) && names[stop])
		return names[stop];
	return "?";
}

/* ---------------------------------------------------------------- walking */

/* The walk's mutable state: the runtime's stkframe plus its unwinder flags. */
struct walk {
	struct gsc_unwinder *uw;
	const struct gsc_unwind_start *start;
	struct gsc_unwind *out;
	size_t cap;
	/* current frame */
	uint64_t pc, sp, fp, lr;
	uint64_t bp;		/* rbp / x29 when known, for CFI frames */
	struct gsc_func fn;
	bool trap;		/* unwindTrap (1.21+) / the 1.19 tracepc conditions */
	enum gsc_unwind_how how;
	enum gsc_func_kind callee;
	bool innermost;
	unsigned switches;
	uint64_t stack_floor;	/* sp may not go below this on the current stack */
	/* set when a TopFrame sigtramp was met: the context to resume */
	bool have_sigctx;
	struct gsc_unwind_regs sigctx;
};

/* CK_FUNC: the function at a pc and its sp delta there. */
struct func_fact {
	bool found, sp_ok;
	int32_t sp;
	struct gsc_func f;
};

static void func_fact_compute(struct gsc_unwinder *uw, uint64_t lpc, struct func_fact *ff)
{
	memset(ff, 0, sizeof(*ff));
	struct gsc_error *err = gsc_pclntab_find_func(uw->tab, lpc, &ff->f);
	if (err) {
		gsc_error_destroy(err);
		return;
	}
	ff->found = true;
	err = gsc_pclntab_spdelta(uw->tab, &ff->f, lpc, &ff->sp);
	if (err)
		gsc_error_destroy(err);
	else
		ff->sp_ok = true;
}

/* The cached facts of a run-time pc, or *tmp filled for this call alone. */
static const struct func_fact *func_fact(struct gsc_unwinder *uw, uint64_t pc,
					 struct func_fact *tmp)
{
	uint64_t lpc = pc - uw->bias;
	const struct func_fact *ff = cache_get(uw, CK_FUNC, lpc);
	if (ff)
		return ff;
	func_fact_compute(uw, lpc, tmp);
	struct func_fact *copy = malloc(sizeof(*copy));
	if (copy) {
		*copy = *tmp;
		if (!cache_put(uw, CK_FUNC, lpc, copy))
			free(copy);
	}
	return tmp;
}

static bool find_func(struct gsc_unwinder *uw, uint64_t pc, struct gsc_func *ret)
{
	struct func_fact tmp;
	const struct func_fact *ff = func_fact(uw, pc, &tmp);
	if (!ff->found)
		return false;
	*ret = ff->f;
	return true;
}

static bool spdelta(struct gsc_unwinder *uw, const struct gsc_func *f, uint64_t pc, int32_t *ret)
{
	struct func_fact tmp;
	const struct func_fact *ff = func_fact(uw, pc, &tmp);
	if (ff->found && ff->f.entry == f->entry && ff->f.index == f->index) {
		if (ff->sp_ok)
			*ret = ff->sp;
		return ff->sp_ok;
	}
	struct gsc_error *err = gsc_pclntab_spdelta(uw->tab, f, pc - uw->bias, ret);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return true;
}

static bool read_word(struct walk *w, uint64_t addr, uint64_t *ret)
{
	struct gsc_error *err = gsc_target_read_ptr(w->uw->target, addr, ret);
	if (err) {
		gsc_error_destroy(err);
		w->out->stop = GSC_UNWIND_STOP_FAULT;
		w->out->stop_addr = addr;
		return false;
	}
	return true;
}

static void stop(struct walk *w, enum gsc_unwind_stop why, uint64_t addr)
{
	w->out->stop = why;
	w->out->stop_addr = addr;
}

static bool is_injected(enum gsc_func_kind k)
{
	return k == GSC_FUNC_SIGPANIC || k == GSC_FUNC_ASYNC_PREEMPT || k == GSC_FUNC_DEBUG_CALL_V2;
}

/* Does a frame below a callee of kind k count as a trap for symbolization? (§1.8 item 7) */
static bool callee_makes_trap(const struct gsc_unwinder *uw, enum gsc_func_kind k)
{
	if (uw->minor >= 21)
		return is_injected(k);
	return k == GSC_FUNC_SIGPANIC;
}

static struct gsc_error *emit(struct walk *w)
{
	struct gsc_unwind *out = w->out;
	if (out->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct gsc_unwind_frame *p = realloc(out->frames, cap * sizeof(*p));
		if (!p)
			return &gsc_enomem;
		out->frames = p;
		w->cap = cap;
	}
	struct gsc_unwind_frame *fr = &out->frames[out->count++];
	memset(fr, 0, sizeof(*fr));
	fr->pc = w->pc;
	fr->sp = w->sp;
	fr->fp = w->fp;
	fr->lr = w->lr;
	fr->is_go = true;
	fr->trap = w->trap;
	fr->how = w->how;
	fr->callee_kind = w->callee;
	fr->func = w->fn;
	fr->argp = w->fp + w->uw->ap.min_frame;
	uint64_t entry = w->fn.entry + w->uw->bias;
	fr->sym_pc = (!w->trap && w->pc > entry) ? w->pc - 1 : w->pc;
	fr->args_pc = fr->sym_pc;	/* 1.19/1.20 refine this in gsc_traceback_format */
	return NULL;
}

static bool is_sigtramp(const struct gsc_func *f)
{
	return strcmp(f->name, "runtime.sigtramp") == 0 ||
	       strcmp(f->name, "runtime.cgoSigtramp") == 0;
}

/*
 * The interrupted registers saved by the kernel under runtime.sigtramp,
 * whose frame ends (CFA) at fp.
 */
static bool read_sigctx(struct walk *w, uint64_t fp, struct gsc_unwind_regs *ret)
{
	struct gsc_unwind_regs r = {0};
	if (w->uw->arch == GSC_ARCH_AMD64) {
		/* rt_sigframe: pretcode was the return address; uc at the CFA. */
		uint64_t gregs = fp + 40;	/* uc_flags, uc_link, uc_stack(24) */
		if (!read_word(w, gregs + 15 * 8, &r.sp) || !read_word(w, gregs + 16 * 8, &r.pc) ||
		    !read_word(w, gregs + 10 * 8, &r.fp))
			return false;
	} else {
		uint64_t mc = fp + 128 + 176;	/* siginfo, then ucontext's uc_mcontext */
		if (!read_word(w, mc + 8 + 30 * 8, &r.lr) || !read_word(w, mc + 8 + 29 * 8, &r.fp) ||
		    !read_word(w, mc + 256, &r.sp) || !read_word(w, mc + 264, &r.pc))
			return false;
	}
	*ret = r;
	return true;
}

/* g0 -> curg at morestack/systemstack (runtime resolveInternal); false: stop. */
static bool jump_stack(struct walk *w, unsigned *flag)
{
	const struct gsc_unwind_start *st = w->start;
	enum gsc_func_kind k = w->fn.kind;
	if (!(st->flags & GSC_UNWIND_JUMP_STACK) || !st->curg_sched ||
	    (k != GSC_FUNC_MORESTACK && k != GSC_FUNC_SYSTEMSTACK))
		return true;
	if (k == GSC_FUNC_SYSTEMSTACK && w->uw->ap.uses_lr) {
		int32_t d;
		if (spdelta(w->uw, &w->fn, w->pc, &d) && d == 0) {
			/* prologue or epilogue: not switched yet */
			*flag &= ~(unsigned)GSC_FUNCFLAG_SPWRITE;
			return true;
		}
	}
	struct gsc_unwind_regs cur;
	struct gsc_error *err = st->curg_sched(st->curg_arg, &cur);
	if (err) {
		bool none = err->code == GSC_ERR_NOT_FOUND;
		gsc_error_destroy(err);
		if (none)
			return true;
		stop(w, GSC_UNWIND_STOP_FAULT, 0);
		return false;
	}
	if (++w->switches > GSC_UNWIND_MAX_SWITCHES) {
		stop(w, GSC_UNWIND_STOP_STUCK, w->pc);
		return false;
	}
	if (k == GSC_FUNC_MORESTACK) {
		struct gsc_func f;
		if (!find_func(w->uw, cur.pc, &f)) {
			stop(w, GSC_UNWIND_STOP_UNKNOWN_RETURN, cur.pc);
			return false;
		}
		w->pc = cur.pc;
		w->fn = f;
		*flag = f.flag;
		w->lr = cur.lr;
		w->sp = cur.sp;
	} else {
		w->sp = cur.sp;
		*flag &= ~(unsigned)GSC_FUNCFLAG_SPWRITE;
	}
	w->how = GSC_UNWIND_HOW_STACK_JUMP;
	w->stack_floor = w->sp;
	return true;
}

/*
 * runtime resolveInternal: fp, lr, argp of the current frame.  Returns false
 * when the walk ends before this frame (no frame information, bad data).
 */
static bool resolve(struct walk *w, bool innermost, bool is_syscall)
{
	struct gsc_unwinder *uw = w->uw;
	if (w->fn.pcsp == 0) {
		stop(w, GSC_UNWIND_STOP_NO_FRAME_INFO, w->pc);
		return false;
	}
	unsigned flag = w->fn.flag;
	if (w->fn.kind == GSC_FUNC_CGOCALLBACK || is_syscall)
		flag &= ~(unsigned)GSC_FUNCFLAG_SPWRITE;
	if (!jump_stack(w, &flag))
		return false;
	int32_t d;
	if (!spdelta(uw, &w->fn, w->pc, &d)) {
		stop(w, GSC_UNWIND_STOP_BAD_DATA, w->pc);
		return false;
	}
	w->fp = w->sp + (uint64_t)(int64_t)d + (uw->ap.uses_lr ? 0 : 8);

	bool spwrite_stops = !(w->start->flags & GSC_UNWIND_PRECISE) || !innermost;
	if (flag & GSC_FUNCFLAG_TOPFRAME) {
		w->lr = 0;
		if ((w->start->flags & GSC_UNWIND_SIGNAL) && is_sigtramp(&w->fn) &&
		    read_sigctx(w, w->fp, &w->sigctx))
			w->have_sigctx = true;
	} else if ((flag & GSC_FUNCFLAG_SPWRITE) && spwrite_stops) {
		w->lr = 0;
		stop(w, GSC_UNWIND_STOP_SPWRITE, w->pc);
	} else if (uw->ap.uses_lr) {
		if ((innermost && w->sp < w->fp) || w->lr == 0) {
			if (!read_word(w, w->sp, &w->lr))
				w->lr = 0;
		}
	} else if (w->lr == 0) {
		if (!read_word(w, w->fp - 8, &w->lr))
			w->lr = 0;
	}
	return true;
}

/* A non-Go frame by CFI: from (pc, sp, bp) to the caller's.  false: stop. */
static bool cfi_step(struct walk *w, struct gsc_unwind_regs *caller)
{
	struct gsc_unwinder *uw = w->uw;
	struct gsc_cfa_row row;
	struct gsc_error *err = gsc_cfi_find_row(uw->cfi, w->pc - uw->bias - (w->trap ? 0 : 1), &row);
	if (err) {
		gsc_error_destroy(err);
		stop(w, GSC_UNWIND_STOP_UNKNOWN_RETURN, w->pc);
		return false;
	}
	int spreg = uw->arch == GSC_ARCH_AMD64 ? 7 : 31;
	int bpreg = uw->arch == GSC_ARCH_AMD64 ? 6 : 29;
	uint64_t base;
	if (row.cfa.kind != GSC_CFA_REG_OFFSET)
		goto bad;
	if (row.cfa.regno == spreg)
		base = w->sp;
	else if (row.cfa.regno == bpreg && w->bp)
		base = w->bp;
	else
		goto bad;
	uint64_t cfa = base + (uint64_t)row.cfa.offset;
	struct gsc_unwind_regs r = {.sp = cfa};
	const struct gsc_cfi_rule *ra = row.ra_regno < GSC_CFI_MAX_REGS ? &row.regs[row.ra_regno] : NULL;
	if (ra && ra->kind == GSC_CFI_RULE_OFFSET) {
		if (!read_word(w, cfa + (uint64_t)ra->offset, &r.pc))
			return false;
	} else if (ra && ra->kind == GSC_CFI_RULE_SAME_VALUE && uw->ap.uses_lr && w->lr) {
		r.pc = w->lr;
	} else {
		goto bad;
	}
	const struct gsc_cfi_rule *bp = &row.regs[bpreg];
	if (bp->kind == GSC_CFI_RULE_OFFSET) {
		if (!read_word(w, cfa + (uint64_t)bp->offset, &r.fp))
			return false;
	} else {
		r.fp = w->bp;
	}
	*caller = r;
	return true;
bad:
	stop(w, GSC_UNWIND_STOP_BAD_DATA, w->pc);
	return false;
}

static struct gsc_error *emit_c(struct walk *w)
{
	struct gsc_error *err = emit(w);
	if (err)
		return err;
	struct gsc_unwind_frame *fr = &w->out->frames[w->out->count - 1];
	fr->is_go = false;
	memset(&fr->func, 0, sizeof(fr->func));
	fr->sym_pc = w->trap ? w->pc : w->pc - 1;
	fr->args_pc = fr->sym_pc;
	fr->argp = 0;
	return NULL;
}

/*
 * Walks C frames from (pc, sp) until a Go pc; on success w holds the Go frame,
 * ready for resolve().  Returns false when the walk ends.
 */
static bool walk_c(struct walk *w, struct gsc_error **errp)
{
	for (unsigned i = 0; i < GSC_UNWIND_MAX_CFI_FRAMES; i++) {
		if (w->out->count >= w->uw->max_frames) {
			stop(w, GSC_UNWIND_STOP_MAX_FRAMES, w->pc);
			return false;
		}
		struct gsc_unwind_regs c;
		w->fp = 0;
		w->lr = 0;
		if (!cfi_step(w, &c)) {
			*errp = emit_c(w);
			return false;
		}
		w->fp = c.sp;
		w->lr = c.pc;
		if ((*errp = emit_c(w)))
			return false;
		if (c.pc == 0 || c.sp <= w->sp) {
			stop(w, c.pc == 0 ? GSC_UNWIND_STOP_BOTTOM : GSC_UNWIND_STOP_STUCK, c.pc);
			return false;
		}
		w->pc = c.pc;
		w->sp = c.sp;
		w->bp = c.fp;
		w->trap = false;
		w->how = GSC_UNWIND_HOW_CFI;
		w->callee = GSC_FUNC_NORMAL;
		if (find_func(w->uw, w->pc, &w->fn))
			return true;
	}
	stop(w, GSC_UNWIND_STOP_MAX_FRAMES, w->pc);
	return false;
}

/* Continue in the interrupted context saved under sigtramp. */
static bool enter_sigctx(struct walk *w, struct gsc_error **errp)
{
	struct gsc_unwind_regs r = w->sigctx;
	w->have_sigctx = false;
	if (++w->switches > GSC_UNWIND_MAX_SWITCHES) {
		stop(w, GSC_UNWIND_STOP_STUCK, r.pc);
		return false;
	}
	w->pc = r.pc;
	w->sp = r.sp;
	w->lr = w->uw->ap.uses_lr ? r.lr : 0;
	w->bp = r.fp;
	w->fp = 0;
	w->trap = true;
	w->how = GSC_UNWIND_HOW_SIGNAL;
	w->callee = GSC_FUNC_NORMAL;
	w->stack_floor = r.sp;
	if (!find_func(w->uw, w->pc, &w->fn)) {
		if ((w->start->flags & GSC_UNWIND_CFI) && w->uw->cfi)
			return walk_c(w, errp) && resolve(w, true, false);
		stop(w, GSC_UNWIND_STOP_UNKNOWN_PC, w->pc);
		return false;
	}
	return resolve(w, true, false);
}

/* runtime unwinder.next: false when the walk is over. */
static bool next(struct walk *w, struct gsc_error **errp)
{
	struct gsc_unwinder *uw = w->uw;
	if (w->have_sigctx)
		return enter_sigctx(w, errp);
	if (w->lr == 0) {
		if (w->out->stop == GSC_UNWIND_STOP_BOTTOM)
			w->out->stop_addr = 0;
		return false;
	}
	struct gsc_func flr;
	bool go = find_func(uw, w->lr, &flr);
	if (!go && !((w->start->flags & GSC_UNWIND_CFI) && uw->cfi)) {
		stop(w, GSC_UNWIND_STOP_UNKNOWN_RETURN, w->lr);
		return false;
	}
	if (w->pc == w->lr && w->sp == w->fp) {
		stop(w, GSC_UNWIND_STOP_STUCK, w->pc);
		return false;
	}
	bool injected = is_injected(w->fn.kind);
	w->trap = callee_makes_trap(uw, w->fn.kind);
	w->callee = w->fn.kind;
	/* amd64 Go frames save the caller's rbp just below the return address. */
	uint64_t bp = 0;
	if (!uw->ap.uses_lr && w->fp - 8 > w->sp) {
		struct gsc_error *e = gsc_target_read_ptr(uw->target, w->fp - 16, &bp);
		if (e) {
			gsc_error_destroy(e);
			bp = 0;
		}
	}
	w->bp = bp;
	w->pc = w->lr;
	w->lr = 0;
	w->sp = w->fp;
	w->fp = 0;
	w->how = GSC_UNWIND_HOW_RETURN;
	if (w->sp < w->stack_floor) {
		stop(w, GSC_UNWIND_STOP_STUCK, w->pc);
		return false;
	}
	w->stack_floor = w->sp;
	if (!go) {
		if (!walk_c(w, errp))
			return false;
		return resolve(w, false, false);
	}
	w->fn = flr;
	if (uw->ap.uses_lr && injected) {
		uint64_t x;
		if (!read_word(w, w->sp, &x))
			return false;
		w->sp += uw->ap.injected_slot;
		int32_t d;
		if (spdelta(uw, &w->fn, w->pc, &d) && d == 0)
			w->lr = x;
	}
	return resolve(w, false, false);
}

static struct gsc_error *walk_init(struct walk *w)
{
	struct gsc_unwinder *uw = w->uw;
	const struct gsc_unwind_start *st = w->start;
	w->pc = st->regs.pc;
	w->sp = st->regs.sp;
	w->lr = uw->ap.uses_lr ? st->regs.lr : 0;
	w->bp = st->regs.fp;
	w->stack_floor = w->sp;
	if (w->pc == 0) {
		/* A nil function call: start in the caller. */
		uint64_t x;
		if (!read_word(w, w->sp, &x))
			return NULL;
		w->pc = x;
		if (uw->ap.uses_lr)
			w->lr = 0;
		else
			w->sp += 8;
	}
	w->trap = (st->flags & GSC_UNWIND_TRAP) != 0;
	w->how = GSC_UNWIND_HOW_INITIAL;
	w->callee = GSC_FUNC_NORMAL;
	return NULL;
}

struct gsc_error *gsc_unwind(struct gsc_unwinder *uw, const struct gsc_unwind_start *start,
			     struct gsc_unwind *ret)
{
	struct gsc_unwind out = {.stop = GSC_UNWIND_STOP_BOTTOM};
	struct walk w = {.uw = uw, .start = start, .out = &out};
	struct gsc_error *err = walk_init(&w);
	bool ok = out.stop == GSC_UNWIND_STOP_BOTTOM;
	if (ok && !find_func(uw, w.pc, &w.fn)) {
		ok = false;
		if ((start->flags & GSC_UNWIND_CFI) && uw->cfi) {
			ok = walk_c(&w, &err);
		} else {
			stop(&w, GSC_UNWIND_STOP_UNKNOWN_PC, w.pc);
		}
	}
	bool is_syscall = (start->flags & GSC_UNWIND_SYSCALL) && w.pc == start->regs.pc &&
			  w.sp == start->regs.sp;
	if (ok && !err)
		ok = resolve(&w, true, is_syscall);
	while (ok && !err) {
		if (out.count >= uw->max_frames) {
			stop(&w, GSC_UNWIND_STOP_MAX_FRAMES, w.pc);
			break;
		}
		enum gsc_unwind_stop before = out.stop;
		out.stop = GSC_UNWIND_STOP_BOTTOM;
		err = emit(&w);
		if (err)
			break;
		if (before != GSC_UNWIND_STOP_BOTTOM) {
			out.stop = before;	/* resolve() ended it (SPWRITE, FAULT): frame kept */
			break;
		}
		ok = next(&w, &err);
	}
	if (err) {
		gsc_unwind_deinit(&out);
		return err;
	}
	*ret = out;
	return NULL;
}

/* ---------------------------------------------------------------- logical frames */

struct lvec {
	struct gsc_unwind_lframe *p;
	size_t n, cap;
};

static struct gsc_error *lvec_push(struct lvec *v, const struct gsc_frame *fr, size_t phys)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct gsc_unwind_lframe *p = realloc(v->p, cap * sizeof(*p));
		if (!p)
			return &gsc_enomem;
		v->p = p;
		v->cap = cap;
	}
	v->p[v->n++] = (struct gsc_unwind_lframe){fr->func, fr->file, fr->line, fr->inlined,
						  fr->kind, phys};
	return NULL;
}

/* CK_FRAMES: the inline expansion of a symbolization pc (gsc_pclntab_frames). */
struct frames_fact {
	size_t count;
	struct gsc_frame fr[];
};

static struct gsc_error *frames_compute(struct gsc_unwinder *uw, uint64_t lpc,
					struct frames_fact **ret)
{
	struct gsc_frame small[16];
	size_t max = sizeof(small) / sizeof(small[0]), cnt = 0;
	struct gsc_error *err = gsc_pclntab_frames(uw->tab, lpc, small, max, &cnt);
	if (err)
		return err;
	struct frames_fact *ff = malloc(sizeof(*ff) + (cnt ? cnt : 1) * sizeof(ff->fr[0]));
	if (!ff)
		return &gsc_enomem;
	if (cnt > max) {
		/* deeper than the buffer (the pclntab bounds the depth): fetch them all */
		size_t want = cnt;
		err = gsc_pclntab_frames(uw->tab, lpc, ff->fr, want, &cnt);
		if (!err && cnt > want)
			err = gsc_bad_data("unwind: inline expansion changed size");
		if (err) {
			free(ff);
			return err;
		}
	} else {
		memcpy(ff->fr, small, cnt * sizeof(small[0]));
	}
	ff->count = cnt;
	*ret = ff;
	return NULL;
}

/*
 * The expansion at a run-time pc: cached (*owned_ret false) or made for this
 * call (*owned_ret true: the caller frees it).
 */
static struct gsc_error *frames_at(struct gsc_unwinder *uw, uint64_t pc,
				   const struct frames_fact **ret, bool *owned_ret)
{
	uint64_t lpc = pc - uw->bias;
	const struct frames_fact *c = cache_get(uw, CK_FRAMES, lpc);
	if (c) {
		*ret = c;
		*owned_ret = false;
		return NULL;
	}
	struct frames_fact *ff;
	struct gsc_error *err = frames_compute(uw, lpc, &ff);
	if (err)
		return err;
	*owned_ret = !cache_put(uw, CK_FRAMES, lpc, ff);
	*ret = ff;
	return NULL;
}

/* The inline expansion of one physical frame, appended to v. */
static struct gsc_error *expand(struct gsc_unwinder *uw, const struct gsc_unwind_frame *pf,
				size_t phys, struct lvec *v)
{
	const struct frames_fact *ff;
	bool owned;
	struct gsc_error *err = frames_at(uw, pf->sym_pc, &ff, &owned);
	if (err)
		return err;
	for (size_t k = 0; !err && k < ff->count; k++)
		err = lvec_push(v, &ff->fr[k], phys);
	if (owned)
		free((void *)ff);
	return err;
}

struct gsc_error *gsc_unwind_logical(struct gsc_unwinder *uw, const struct gsc_unwind *u,
				     struct gsc_unwind_lframe **frames_ret, size_t *count_ret)
{
	struct lvec v = {0};
	for (size_t i = 0; i < u->count; i++) {
		if (!u->frames[i].is_go)
			continue;
		struct gsc_error *err = expand(uw, &u->frames[i], i, &v);
		if (err) {
			free(v.p);
			return err;
		}
	}
	*frames_ret = v.p;
	*count_ret = v.n;
	return NULL;
}

/* ---------------------------------------------------------------- argument words */

enum {
	ARGS_END = 0xff,
	ARGS_START_AGG = 0xfe,
	ARGS_END_AGG = 0xfd,
	ARGS_DOTDOTDOT = 0xfc,
	ARGS_OFFSET_TOO_LARGE = 0xfb,
	/* (maxDepth*3+2)*limit + 1 (runtime printArgs / abi.TraceArgsMaxLen) */
	ARGS_MAX_LEN = (5 * 3 + 2) * 10 + 1,
	/* offsets are one byte: the argument area printArgs can touch */
	ARGS_MAX_AREA = 256 + 8,
};

static bool live_bit(const uint8_t *live, size_t live_size, int32_t idx, uint8_t off,
		     uint8_t slot, bool *known)
{
	*known = true;
	if (!live || idx <= 0)
		return true;
	if (off < live[0])
		return true;
	size_t at = (size_t)idx + slot / 8;
	if (at >= live_size) {
		*known = false;
		return true;
	}
	return (live[at] >> (slot % 8)) & 1;
}

/* printArgs over the argument bytes, appended to s. */
static void format_args(struct sb *sp, const uint8_t *prog, size_t size, const uint8_t *args,
			size_t args_size, bool little_endian, const uint8_t *live,
			size_t live_size, int32_t live_idx)
{
	struct sb *s = sp;
	uint8_t start_off = (live && live_size > 0) ? live[0] : 0xff;
	const uint8_t *lv = (live && live_size > 0) ? live : NULL;
	bool start = true;
	uint8_t slot = 0;
	size_t pi = 0;
	unsigned depth = 0;
	while (pi < size) {
		uint8_t o = prog[pi++];
		if (o == ARGS_END)
			break;
		if (o == ARGS_START_AGG) {
			if (!start)
				sb_puts(s, ", ");
			sb_puts(s, "{");
			start = true;
			depth++;
			continue;
		}
		if (o == ARGS_END_AGG) {
			sb_puts(s, "}");
			if (depth)
				depth--;
		} else if (o == ARGS_DOTDOTDOT) {
			if (!start)
				sb_puts(s, ", ");
			sb_puts(s, "...");
		} else if (o == ARGS_OFFSET_TOO_LARGE) {
			if (!start)
				sb_puts(s, ", ");
			sb_puts(s, "_");
		} else {
			if (!start)
				sb_puts(s, ", ");
			if (pi >= size)
				break;	/* truncated program */
			uint8_t sz = prog[pi++];
			/* readUnaligned64 then mask: 8 bytes are read whatever sz says */
			if ((size_t)o + 8 <= args_size && sz >= 1 && sz <= 8) {
				uint64_t x = gsc_load64(args + o, little_endian);
				if (sz < 8) {
					unsigned shift = 64 - sz * 8u;
					x = little_endian ? x << shift >> shift : x >> shift;
				}
				sb_hex(s, x);
				bool known;
				if (!live_bit(lv, live_size, live_idx, o, slot, &known) || !known)
					sb_puts(s, "?");
			} else {
				sb_puts(s, "?");
			}
			if (o >= start_off)
				slot++;
		}
		start = false;
	}
}

struct gsc_error *gsc_unwind_format_args(const uint8_t *prog, size_t size,
					 const uint8_t *args, size_t args_size,
					 bool little_endian, const uint8_t *live,
					 size_t live_size, int32_t live_idx, char **ret)
{
	struct sb s = {0};
	format_args(&s, prog, size, args, args_size, little_endian, live, live_size, live_idx);
	return sb_finish(&s, ret);
}

/* Reads up to max bytes at a link-time address, as many as readable (at least 1). */
static size_t read_some(struct gsc_unwinder *uw, uint64_t addr, uint8_t *buf, size_t max)
{
	struct gsc_error *err = gsc_binary_read(uw->bin, addr, buf, max);
	if (!err)
		return max;
	gsc_error_destroy(err);
	size_t n = 0;
	for (; n < max; n++) {
		err = gsc_binary_read(uw->bin, addr + n, buf + n, 1);
		if (err) {
			gsc_error_destroy(err);
			break;
		}
	}
	return n;
}

/*
 * CK_ARGS: what the binary says about a frame's arguments at a liveness pc:
 * the ArgInfo program, the ArgLiveInfo bitmap and index, and how many bytes
 * of the argument area the program reads.
 */
struct args_fact {
	uint64_t entry;		/* the function's, to check the key's owner */
	bool has_info;
	size_t psize, lsize, want;
	int32_t live_idx;
	uint8_t prog[ARGS_MAX_LEN];
	uint8_t live[64];
};

static void args_compute(struct gsc_unwinder *uw, const struct gsc_unwind_frame *fr,
			 struct args_fact *af)
{
	memset(af, 0, sizeof(*af));
	af->entry = fr->func.entry;
	af->live_idx = -1;
	uint64_t addr;
	struct gsc_error *err = gsc_pclntab_funcdata(uw->tab, &fr->func, GSC_FUNCDATA_ARG_INFO, &addr);
	if (err) {
		gsc_error_destroy(err);
		return;
	}
	af->has_info = true;
	af->psize = read_some(uw, addr, af->prog, sizeof(af->prog));
	err = gsc_pclntab_funcdata(uw->tab, &fr->func, GSC_FUNCDATA_ARG_LIVE_INFO, &addr);
	if (!err) {
		af->lsize = read_some(uw, addr, af->live, sizeof(af->live));
		err = gsc_pclntab_pcdata(uw->tab, &fr->func, GSC_PCDATA_ARG_LIVE_INDEX,
					 fr->args_pc - uw->bias, &af->live_idx);
		if (err) {
			gsc_error_destroy(err);
			af->live_idx = -1;
		}
	} else {
		gsc_error_destroy(err);
	}
	uint8_t maxoff = 0;
	for (size_t i = 0; i < af->psize; i++) {
		uint8_t o = af->prog[i];
		if (o == ARGS_END)
			break;
		if (o >= ARGS_OFFSET_TOO_LARGE)
			continue;
		if (o > maxoff)
			maxoff = o;
		i++;
	}
	af->want = (size_t)maxoff + 8;
}

static const struct args_fact *args_fact(struct gsc_unwinder *uw,
					 const struct gsc_unwind_frame *fr, struct args_fact *tmp)
{
	uint64_t key = fr->args_pc - uw->bias;
	const struct args_fact *c = cache_get(uw, CK_ARGS, key);
	if (c && c->entry == fr->func.entry)
		return c;
	args_compute(uw, fr, tmp);
	if (c)
		return tmp;	/* another function at this pc: not cached */
	struct args_fact *copy = malloc(sizeof(*copy));
	if (copy) {
		*copy = *tmp;
		if (!cache_put(uw, CK_ARGS, key, copy))
			free(copy);
	}
	return tmp;
}

/* The argument words of a Go frame (gsc_unwind_args), appended to s. */
static void args_text(struct gsc_unwinder *uw, const struct gsc_unwind_frame *fr, struct sb *s)
{
	struct args_fact tmp;
	const struct args_fact *af = args_fact(uw, fr, &tmp);
	if (!af->has_info)
		return;
	/* The argument area: as much of [argp, argp+264) as the target has. */
	uint8_t area[ARGS_MAX_AREA];
	size_t asize = 0;
	size_t want = af->want;
	struct gsc_error *err = gsc_target_read(uw->target, fr->argp, area, want);
	if (!err) {
		asize = want;
	} else {
		gsc_error_destroy(err);
		for (asize = 0; asize + 8 <= want; asize += 8) {
			err = gsc_target_read(uw->target, fr->argp + asize, area + asize, 8);
			if (err) {
				gsc_error_destroy(err);
				break;
			}
		}
	}
	format_args(s, af->prog, af->psize, area, asize, uw->le, af->lsize ? af->live : NULL,
		    af->lsize, af->live_idx);
}

struct gsc_error *gsc_unwind_args(struct gsc_unwinder *uw, const struct gsc_unwind_frame *fr,
				  char **ret)
{
	struct sb s = {0};
	if (fr->is_go)
		args_text(uw, fr, &s);
	return sb_finish(&s, ret);
}

/* ---------------------------------------------------------------- names */

/*
 * snprintf(buf, size, ...) for the name pieces without printf: appends the
 * n bytes of str (a piece of a NUL-free name) at *at, truncating to
 * size - 1 like snprintf.
 */
static void bounded_put(char *buf, size_t size, size_t *at, const char *str, size_t n)
{
	if (!size)
		return;
	size_t room = size - 1 - *at;
	if (n > room)
		n = room;
	memcpy(buf + *at, str, n);
	*at += n;
	buf[*at] = '\0';
}

static void bounded_copy(char *buf, size_t size, const char *str)
{
	size_t at = 0;
	if (size)
		buf[0] = '\0';
	bounded_put(buf, size, &at, str, strlen(str));
}

/* "%.*s[...]%s" */
static void bounded_collapse(char *buf, size_t size, const char *name, size_t n, const char *rest)
{
	size_t at = 0;
	if (size)
		buf[0] = '\0';
	bounded_put(buf, size, &at, name, n);
	bounded_put(buf, size, &at, "[...]", 5);
	bounded_put(buf, size, &at, rest, strlen(rest));
}

/* funcNamePiecesForPrint of Go 1.21-1.26: the outermost [...] collapsed. */
static void name_pieces_simple(const char *name, char *buf, size_t size)
{
	const char *i = strchr(name, '[');
	const char *j = strrchr(name, ']');
	if (!i || !j || j <= i) {
		bounded_copy(buf, size, name);
		return;
	}
	bounded_collapse(buf, size, name, (size_t)(i - name), j + 1);
}

/* Go 1.27: a generic method of a generic type keeps the part between: T[...].M[...]. */
static void name_pieces_127(const char *name, char *buf, size_t size)
{
	const char *i = strchr(name, '[');
	const char *j = strrchr(name, ']');
	if (!i || !j || j <= i) {
		bounded_copy(buf, size, name);
		return;
	}
	const char *in = i + 1;
	size_t inlen = (size_t)(j - in);
	if (!memchr(in, '[', inlen)) {
		bounded_collapse(buf, size, name, (size_t)(i - name), j + 1);
		return;
	}
	int depth = 1;
	long rbr = -1, lbr = -1;
	for (size_t k = 0; k < inlen; k++) {
		char c = in[k];
		if (c == '[') {
			depth++;
			if (depth != 1)
				continue;
			lbr = (long)k;
			break;
		}
		if (c == ']') {
			depth--;
			if (depth < 0)
				break;
			if (depth != 0)
				continue;
			rbr = (long)k;
		}
	}
	if (depth == 1) {
		if (rbr >= 0 && lbr > rbr) {
			snprintf(buf, size, "%.*s[...]%.*s[...]%s", (int)(i - name), name,
				 (int)(lbr - rbr - 1), in + rbr + 1, j + 1);
			return;
		}
		if (rbr == -1 && lbr == -1) {
			bounded_collapse(buf, size, name, (size_t)(i - name), j + 1);
			return;
		}
	}
	bounded_copy(buf, size, name);
}

static void print_name(int minor, const char *name, bool panic_name, char *buf, size_t size)
{
	if (panic_name && strcmp(name, "runtime.gopanic") == 0) {
		bounded_copy(buf, size, "panic");
		return;
	}
	if (minor >= 27)
		name_pieces_127(name, buf, size);
	else
		name_pieces_simple(name, buf, size);
}

void gsc_unwind_print_name(int go_minor, const char *name, bool panic_name, char *buf,
			   size_t size)
{
	print_name(go_minor, name, panic_name, buf, size);
}

/* ---------------------------------------------------------------- showframe */

static bool upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* isExportedRuntime: 1.23+ also accepts exported methods of exported types. */
static bool exported_runtime(int minor, const char *name)
{
	static const char pfx[] = "runtime.";
	size_t n = sizeof(pfx) - 1;
	if (strncmp(name, pfx, n) != 0)
		return false;
	const char *rest = name + n;
	if (minor < 23)
		return upper(rest[0]);
	const char *dot = strrchr(rest, '.');
	if (!dot)
		return upper(rest[0]);
	const char *meth = dot + 1;
	const char *rcvr = rest;
	size_t rlen = (size_t)(dot - rest);
	if (rlen >= 3 && rcvr[0] == '(' && rcvr[1] == '*' && rcvr[rlen - 1] == ')') {
		rcvr += 2;
		rlen -= 3;
	}
	return upper(meth[0]) && (rlen == 0 || upper(rcvr[0]));
}

static bool elide_wrapper_calling(enum gsc_func_kind callee)
{
	return !(callee == GSC_FUNC_GOPANIC || callee == GSC_FUNC_SIGPANIC ||
		 callee == GSC_FUNC_PANICWRAP);
}

bool gsc_traceback_showfunc(int minor, const char *name, enum gsc_func_kind kind, bool first,
			    enum gsc_func_kind callee)
{
	if (kind == GSC_FUNC_WRAPPER && elide_wrapper_calling(callee))
		return false;
	if (minor >= 25 && (kind == GSC_FUNC_RUN_FINALIZERS || kind == GSC_FUNC_RUN_CLEANUPS))
		return true;
	if (strcmp(name, "runtime.gopanic") == 0 && !first)
		return true;
	return strchr(name, '.') && (strncmp(name, "runtime.", 8) != 0 || exported_runtime(minor, name));
}

/* ---------------------------------------------------------------- traceback text */

void gsc_traceback_elision(size_t n, size_t *head_ret, size_t *elided_ret, size_t *tail_ret)
{
	enum { INNER = 50, OUTER = 50 };
	if (n <= INNER + OUTER) {
		*head_ret = n;
		*elided_ret = 0;
		*tail_ret = 0;
		return;
	}
	*head_ret = INNER;
	*elided_ret = n - INNER - OUTER;
	*tail_ret = OUTER;
}

/* A logical frame chosen for printing. */
struct pframe {
	const struct gsc_unwind_lframe *lf;
};

struct fmt_ctx {
	struct gsc_unwinder *uw;
	const struct gsc_unwind *u;
	const struct gsc_traceback_opts *opts;
	struct sb *s;
	bool fpsppc;
};

static struct gsc_error *print_frame(struct fmt_ctx *c, const struct gsc_unwind_lframe *lf)
{
	const struct gsc_unwind_frame *pf = &c->u->frames[lf->phys];
	char name[1024];
	if (c->uw->minor >= 21)
		print_name(c->uw->minor, lf->func, true, name, sizeof(name));
	else if (!lf->inlined && strcmp(lf->func, "runtime.gopanic") == 0)
		bounded_copy(name, sizeof(name), "panic");
	else
		bounded_copy(name, sizeof(name), lf->func);
	sb_puts(c->s, name);
	sb_puts(c->s, "(");
	if (lf->inlined)
		sb_puts(c->s, "...");
	else if (pf->is_go)
		args_text(c->uw, pf, c->s);
	sb_puts(c->s, ")\n\t");
	sb_puts(c->s, lf->file);
	sb_puts(c->s, ":");
	sb_i32(c->s, lf->line);
	if (!lf->inlined) {
		uint64_t entry = pf->func.entry + c->uw->bias;
		if (pf->pc > entry) {
			sb_puts(c->s, " +");
			sb_hex(c->s, pf->pc - entry);
		}
		if (c->fpsppc) {
			sb_puts(c->s, " fp=");
			sb_hex(c->s, pf->fp);
			sb_puts(c->s, " sp=");
			sb_hex(c->s, pf->sp);
			sb_puts(c->s, " pc=");
			sb_hex(c->s, pf->pc);
		}
	}
	sb_puts(c->s, "\n");
	return c->s->oom ? &gsc_enomem : NULL;
}

/*
 * The logical frames that pass showframe, in order.  show_all: level >= 2,
 * throwing, or the runtime's second try (showRuntime).  phys_limit: only
 * frames of the first phys_limit physical frames (1.19/1.20: max 100).
 */
static size_t filter(struct fmt_ctx *c, const struct gsc_unwind_lframe *lf, size_t n,
		     bool show_all, size_t phys_limit, const struct gsc_unwind_lframe **out)
{
	size_t m = 0;
	enum gsc_func_kind callee = GSC_FUNC_NORMAL;
	for (size_t i = 0; i < n; i++) {
		if (lf[i].phys >= phys_limit)
			break;
		enum gsc_func_kind k = callee;
		callee = lf[i].kind;
		if (!show_all && !gsc_traceback_showfunc(c->uw->minor, lf[i].func, lf[i].kind, m == 0, k))
			continue;
		out[m++] = &lf[i];
	}
	return m;
}

/* CK_LINE: the file:line of the outermost function at a pc ("?":0 when unknown). */
struct line_fact {
	uint64_t entry;
	const char *file;
	int32_t line;
};

static const struct line_fact *line_fact(struct gsc_unwinder *uw, const struct gsc_func *f,
					 uint64_t pc, struct line_fact *tmp)
{
	uint64_t key = pc - uw->bias;
	const struct line_fact *c = cache_get(uw, CK_LINE, key);
	if (c && c->entry == f->entry)
		return c;
	*tmp = (struct line_fact){f->entry, "?", 0};
	struct gsc_error *err = gsc_pclntab_file_line(uw->tab, f, key, &tmp->file, &tmp->line);
	if (err) {
		gsc_error_destroy(err);
		tmp->file = "?";
		tmp->line = 0;
	}
	if (c)
		return tmp;
	struct line_fact *copy = malloc(sizeof(*copy));
	if (copy) {
		*copy = *tmp;
		if (!cache_put(uw, CK_LINE, key, copy))
			free(copy);
	}
	return tmp;
}

static struct gsc_error *print_created_by(struct fmt_ctx *c)
{
	const struct gsc_traceback_opts *o = c->opts;
	struct gsc_unwinder *uw = c->uw;
	if (!o->created_by || o->goid == 1 || !o->gopc)
		return NULL;
	struct gsc_func f;
	if (!find_func(uw, o->gopc, &f))
		return NULL;
	bool show_all = o->level > 1 || o->throwing;
	/* 1.19/1.20 pass funcID_normal as the function's own id here */
	enum gsc_func_kind k = uw->minor >= 21 ? f.kind : GSC_FUNC_NORMAL;
	if (!show_all && !gsc_traceback_showfunc(uw->minor, f.name, k, false, GSC_FUNC_NORMAL))
		return NULL;
	char name[1024];
	if (uw->minor >= 21)
		print_name(uw->minor, f.name, true, name, sizeof(name));
	else
		bounded_copy(name, sizeof(name), f.name);
	sb_puts(c->s, "created by ");
	sb_puts(c->s, name);
	if (uw->minor >= 21 && o->parent_goid) {
		sb_puts(c->s, " in goroutine ");
		sb_u64(c->s, o->parent_goid);
	}
	sb_puts(c->s, "\n");
	uint64_t entry = f.entry + uw->bias;
	uint64_t tracepc = o->gopc > entry ? o->gopc - uw->ap.quantum : o->gopc;
	struct line_fact tmp;
	const struct line_fact *lf = line_fact(uw, &f, tracepc, &tmp);
	sb_puts(c->s, "\t");
	sb_puts(c->s, lf->file);
	sb_puts(c->s, ":");
	sb_i32(c->s, lf->line);
	if (o->gopc > entry) {
		sb_puts(c->s, " +");
		sb_hex(c->s, o->gopc - entry);
	}
	sb_puts(c->s, "\n");
	return c->s->oom ? &gsc_enomem : NULL;
}

static struct gsc_error *print_list(struct fmt_ctx *c, const struct gsc_unwind_lframe **pl,
				    size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		struct gsc_error *err = print_frame(c, pl[i]);
		if (err)
			return err;
	}
	return NULL;
}

/* Go 1.21+: traceback1 with traceback2's first 50 + last 50. */
static struct gsc_error *format_121(struct fmt_ctx *c, const struct gsc_unwind_lframe *lf,
				    size_t n, const struct gsc_unwind_lframe **pl)
{
	bool show_all = c->opts->level > 1 || c->opts->throwing;
	size_t m = filter(c, lf, n, show_all, SIZE_MAX, pl);
	if (m == 0)
		m = filter(c, lf, n, true, SIZE_MAX, pl);
	size_t head, elided, tail;
	gsc_traceback_elision(m, &head, &elided, &tail);
	struct gsc_error *err = print_list(c, pl, 0, head);
	if (err || !elided)
		return err;
	sb_puts(c->s, "...");
	sb_u64(c->s, elided);
	sb_puts(c->s, " frames elided...\n");
	return print_list(c, pl, m - tail, m);
}

/*
 * Go 1.19/1.20 gentraceback: at most 100 physical frames; the argument
 * liveness pc is the pc the inline walk ended on; "...additional frames
 * elided..." when exactly 100 frames were printed.
 */
static struct gsc_error *format_119(struct fmt_ctx *c, const struct gsc_unwind_lframe *lf,
				    size_t n, const struct gsc_unwind_lframe **pl)
{
	enum { MAX_FRAMES = 100 };
	bool show_all = c->opts->level > 1 || c->opts->throwing;
	size_t m = filter(c, lf, n, show_all, MAX_FRAMES, pl);
	if (m == 0)
		m = filter(c, lf, n, true, MAX_FRAMES, pl);
	struct gsc_error *err = print_list(c, pl, 0, m);
	if (err)
		return err;
	if (m == MAX_FRAMES)
		sb_puts(c->s, "...additional frames elided...\n");
	return NULL;
}

/* The traceback text of u appended to s (s->oom set when memory ran out). */
static struct gsc_error *traceback_into(struct gsc_unwinder *uw, const struct gsc_unwind *u,
					const struct gsc_traceback_opts *opts, struct sb *s)
{
	_cleanup_free_ struct gsc_unwind_lframe *lf = NULL;
	size_t n = 0;
	struct gsc_error *err = gsc_unwind_logical(uw, u, &lf, &n);
	if (err)
		return err;
	/* 1.19/1.20 read argument liveness at the pc the inline walk ended on. */
	_cleanup_free_ struct gsc_unwind_frame *copy = NULL;
	struct gsc_unwind uc = *u;
	if (uw->minor < 21 && u->count) {
		copy = malloc(u->count * sizeof(*copy));
		if (!copy)
			return &gsc_enomem;
		memcpy(copy, u->frames, u->count * sizeof(*copy));
		for (size_t i = 0; i < n; i++) {
			if (lf[i].inlined)
				continue;
			/* the physical frame: its file:line pc is the end of the inline walk */
			struct gsc_unwind_frame *pf = &copy[lf[i].phys];
			const struct frames_fact *ff;
			bool owned;
			struct gsc_error *e2 = frames_at(uw, pf->sym_pc, &ff, &owned);
			if (e2) {
				gsc_error_destroy(e2);
				continue;
			}
			if (ff->count >= 1 && ff->count <= 16)
				pf->args_pc = ff->fr[ff->count - 1].pc + uw->bias;
			if (owned)
				free((void *)ff);
		}
		uc.frames = copy;
	}
	_cleanup_free_ const struct gsc_unwind_lframe **pl = calloc(n ? n : 1, sizeof(*pl));
	if (!pl)
		return &gsc_enomem;
	struct fmt_ctx c = {uw, &uc, opts, s, opts->level >= 2 || opts->throwing};
	err = uw->minor >= 21 ? format_121(&c, lf, n, pl) : format_119(&c, lf, n, pl);
	if (!err)
		err = print_created_by(&c);
	return err;
}

struct gsc_error *gsc_traceback_format(struct gsc_unwinder *uw, const struct gsc_unwind *u,
				       const struct gsc_traceback_opts *opts, char **ret)
{
	struct sb s = {0};
	struct gsc_error *err = traceback_into(uw, u, opts, &s);
	if (err) {
		free(s.p);
		return err;
	}
	return sb_finish(&s, ret);
}

struct gsc_error *gsc_traceback_append(struct gsc_unwinder *uw, const struct gsc_unwind *u,
				       const struct gsc_traceback_opts *opts,
				       struct gsc_textbuf *tb)
{
	struct sb s = {.p = tb->p, .n = tb->len, .cap = tb->cap};
	struct gsc_error *err = traceback_into(uw, u, opts, &s);
	if (!err)
		sb_putn(&s, "", 0);	/* NUL-terminated even when nothing was written */
	if (!err && s.oom)
		err = &gsc_enomem;
	/* the buffer may have moved even when the text is dropped */
	tb->p = s.p;
	tb->cap = s.cap;
	if (!err)
		tb->len = s.n;
	return err;
}

struct gsc_error *gsc_unwind_running_start(struct gsc_unwinder *uw,
					   const struct gsc_unwind_regs *regs, uint64_t lo,
					   uint64_t hi, struct gsc_unwind_start *ret,
					   bool *found_ret)
{
	struct gsc_unwind_start st = { .regs = *regs, .flags = GSC_UNWIND_TRAP | GSC_UNWIND_SIGNAL };
	struct gsc_unwind u;
	struct gsc_error *err = gsc_unwind(uw, &st, &u);
	if (err)
		return err;
	ssize_t first = -1;
	for (size_t k = 0; k < u.count; k++) {
		const struct gsc_unwind_frame *f = &u.frames[k];
		if (f->sp < lo || f->sp >= hi)
			continue;
		if (first < 0)
			first = (ssize_t)k;
		if (f->is_go && strcmp(f->func.name, "runtime.fatalpanic") == 0)
			first = (ssize_t)k + 1;
	}
	*found_ret = first >= 0 && (size_t)first < u.count;
	if (*found_ret) {
		const struct gsc_unwind_frame *f = &u.frames[first];
		*ret = (struct gsc_unwind_start){ .regs = { .pc = f->pc, .sp = f->sp } };
		if (f->how == GSC_UNWIND_HOW_SIGNAL) {
			ret->flags = GSC_UNWIND_TRAP;
			if (uw->arch == GSC_ARCH_ARM64)	/* the lr register counts */
				ret->regs.lr = f->lr;
		}
	}
	gsc_unwind_deinit(&u);
	return NULL;
}
