/*
 * test_go_runtime.c - the Go runtime view over a fake in-memory target: g
 * structs laid out by the built-in tables of a few versions, decoded back;
 * status names and wait reasons per version; header text; corrupted g
 * pointers, torn allgs slices and cyclic M lists handled with warnings.
 * (Real binaries and cores: tests/goruntime/check-layouts.sh, check-core.sh.)
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "go_runtime.h"
#include "target.h"

/* ---------------------------------------------------------------- fake target */

enum { MAX_REGIONS = 64 };

struct region {
	uint64_t addr;
	uint8_t *bytes;
	size_t size;
};

struct fake {
	struct region r[MAX_REGIONS];
	size_t n;
	struct gsc_target target;
	size_t reads;
};

static struct gsc_error *fake_read(void *priv, uint64_t addr, void *buf, size_t size)
{
	struct fake *f = priv;
	f->reads++;
	for (size_t i = 0; i < f->n; i++) {
		struct region *r = &f->r[i];
		if (addr >= r->addr && size <= r->size && addr - r->addr <= r->size - size) {
			memcpy(buf, r->bytes + (addr - r->addr), size);
			return NULL;
		}
	}
	return gsc_error_fault(addr, size);
}

static struct gsc_error *fake_threads(void *priv, int32_t **tids_ret, size_t *count_ret)
{
	(void)priv;
	*tids_ret = NULL;
	*count_ret = 0;
	return NULL;
}

static struct gsc_error *fake_regs(void *priv, int32_t tid, struct gsc_regs *ret)
{
	(void)priv;
	(void)ret;
	return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", tid);
}

static const struct gsc_target_ops fake_ops = {
	.name = "fake", .read_mem = fake_read, .threads = fake_threads, .read_regs = fake_regs,
};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->target.ops = &fake_ops;
	f->target.priv = f;
	f->target.arch = GSC_ARCH_AMD64;
	f->target.arch_info = gsc_arch_info(GSC_ARCH_AMD64);
	f->target.little_endian = true;
	f->target.ptr_size = 8;
	return f;
}

static void fake_free(struct fake *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->r[i].bytes);
	free(f);
}

/* A zeroed region of size bytes at addr; returns its bytes. */
static uint8_t *fake_map(struct fake *f, uint64_t addr, size_t size)
{
	assert_true(f->n < MAX_REGIONS);
	uint8_t *b = calloc(1, size);
	assert_non_null(b);
	f->r[f->n++] = (struct region){ addr, b, size };
	return b;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes field f (of a g or m per the field; g.sched.<f> for gobuf fields). */
static void put_field(const struct gsc_go_layout *l, uint8_t *base, enum gsc_go_field f,
		      uint64_t v)
{
	int32_t off = l->off[f];
	assert_true(off >= 0);
	if (strcmp(gsc_go_field_type(f), "runtime.gobuf") == 0)
		off += l->off[GSC_GF_G_SCHED];
	uint8_t *p = base + off;
	switch (gsc_go_field_width(f)) {
	case 1:
		p[0] = (uint8_t)v;
		break;
	case 4:
		for (int i = 0; i < 4; i++)
			p[i] = (uint8_t)(v >> (8 * i));
		break;
	default:
		put64(p, v);
	}
}

/* ---------------------------------------------------------------- a fake process */

enum {
	ALLGS = 0x500000,	/* the []*g header */
	ALLM = 0x500100,	/* the *m */
	GARRAY = 0x600000,	/* the array of g pointers */
	GS = 0x700000,		/* g structs, 0x400 apart */
	MS = 0x800000,		/* m structs, 0x1000 apart */
	TLS = 0x900000,		/* a thread's TLS block */
	STACK = 0xc000000000,
};

struct fake_g {
	uint64_t goid, status, waitreason, lockedm, m, parent, waitsince;
	uint64_t lo, hi;
};

static uint64_t g_addr(size_t i)
{
	return GS + i * 0x400;
}

static void make_g(struct fake *f, const struct gsc_go_layout *l, uint64_t addr,
		   const struct fake_g *fg)
{
	uint8_t *b = fake_map(f, addr, l->g_size);
	put_field(l, b, GSC_GF_G_GOID, fg->goid);
	put_field(l, b, GSC_GF_G_ATOMICSTATUS, fg->status);
	put_field(l, b, GSC_GF_G_WAITREASON, fg->waitreason);
	put_field(l, b, GSC_GF_G_LOCKEDM, fg->lockedm);
	put_field(l, b, GSC_GF_G_M, fg->m);
	put_field(l, b, GSC_GF_G_WAITSINCE, fg->waitsince);
	if (l->off[GSC_GF_G_PARENTGOID] >= 0)
		put_field(l, b, GSC_GF_G_PARENTGOID, fg->parent);
	put_field(l, b, GSC_GF_G_STACK_LO, fg->lo);
	put_field(l, b, GSC_GF_G_STACK_HI, fg->hi);
	put_field(l, b, GSC_GF_G_GOPC, 0x401000 + fg->goid);
	put_field(l, b, GSC_GF_G_STARTPC, 0x402000 + fg->goid);
	put_field(l, b, GSC_GF_G_SYSCALLSP, fg->status == GSC_G_SYSCALL ? fg->hi - 0x100 : 0);
	put_field(l, b, GSC_GF_G_SYSCALLPC, fg->status == GSC_G_SYSCALL ? 0x403000 : 0);
	put_field(l, b, GSC_GF_GOBUF_SP, fg->hi - 0x80);
	put_field(l, b, GSC_GF_GOBUF_PC, 0x404000 + fg->goid);
	put_field(l, b, GSC_GF_GOBUF_G, addr);
	put_field(l, b, GSC_GF_GOBUF_LR, 0x1234);
	put_field(l, b, GSC_GF_GOBUF_BP, fg->hi - 0x40);
	put_field(l, b, GSC_GF_G_LABELS, 0xabc0);
}

static void make_m(struct fake *f, const struct gsc_go_layout *l, uint64_t addr, int64_t id,
		   uint64_t procid, uint64_t g0, uint64_t curg, uint64_t next)
{
	uint8_t *b = fake_map(f, addr, l->m_size);
	put_field(l, b, GSC_GF_M_ID, (uint64_t)id);
	put_field(l, b, GSC_GF_M_PROCID, procid);
	put_field(l, b, GSC_GF_M_G0, g0);
	put_field(l, b, GSC_GF_M_CURG, curg);
	put_field(l, b, GSC_GF_M_ALLLINK, next);
	put_field(l, b, GSC_GF_M_THROWING, 2);
}

/* allgs = {GARRAY, n, cap} over the pointers ptrs. */
static void make_allgs(struct fake *f, const uint64_t *ptrs, size_t n, uint64_t cap)
{
	uint8_t *h = fake_map(f, ALLGS, 24);
	put64(h, GARRAY);
	put64(h + 8, n);
	put64(h + 16, cap);
	uint8_t *a = fake_map(f, GARRAY, n * 8 + 8);
	for (size_t i = 0; i < n; i++)
		put64(a + 8 * i, ptrs[i]);
}

struct world {
	struct fake *f;
	struct gsc_go_layout l;
	struct gsc_goruntime *rt;
};

/*
 * Four goroutines: 1 running on m0 (thread 100), 2 waiting on a chan receive
 * and locked to m1, 3 dead, 4 select + scan bit; m1 -> m0 on allm.
 */
static void world_init(struct world *w, int minor)
{
	w->f = fake_new();
	assert_null(gsc_go_layout_builtin(minor, &w->l, NULL));
	size_t nwr;
	const char *const *wr = gsc_go_wait_reasons_builtin(minor, &nwr);
	uint8_t recv = 0, sel = 0;
	for (size_t i = 0; i < nwr; i++) {
		if (strcmp(wr[i], "chan receive") == 0)
			recv = (uint8_t)i;
		if (strcmp(wr[i], "select") == 0)
			sel = (uint8_t)i;
	}
	assert_true(recv && sel);
	uint64_t m0 = MS, m1 = MS + 0x1000, g0 = g_addr(10), g0b = g_addr(11);
	struct fake_g gs[] = {
		{ 1, GSC_G_RUNNING, 0, 0, m0, 0, 0, STACK, STACK + 0x2000 },
		{ 2, GSC_G_WAITING, recv, m1, 0, 1, 5, STACK + 0x10000, STACK + 0x18000 },
		{ 3, GSC_G_DEAD, 0, 0, 0, 1, 0, 0, 0 },
		{ 4, GSC_G_WAITING | GSC_G_SCAN, sel, 0, 0, 2, 0, STACK + 0x20000, STACK + 0x22000 },
	};
	uint64_t ptrs[4];
	for (size_t i = 0; i < 4; i++) {
		ptrs[i] = g_addr(i);
		make_g(w->f, &w->l, ptrs[i], &gs[i]);
	}
	struct fake_g g0s = { 0, GSC_G_IDLE, 0, 0, m0, 0, 0, STACK + 0x100000, STACK + 0x110000 };
	make_g(w->f, &w->l, g0, &g0s);
	g0s.m = m1;
	make_g(w->f, &w->l, g0b, &g0s);
	make_allgs(w->f, ptrs, 4, 8);
	make_m(w->f, &w->l, m0, 0, 100, g0, g_addr(0), 0);
	make_m(w->f, &w->l, m1, 1, 101, g0b, 0, m0);
	put64(fake_map(w->f, ALLM, 8), m1);
	put64(fake_map(w->f, TLS - 8, 8), g_addr(0));	/* thread 100's TLS g */

	struct gsc_goruntime_config cfg = {
		.target = &w->f->target, .go_minor = minor, .allgs_addr = ALLGS, .allm_addr = ALLM,
	};
	assert_null(gsc_goruntime_create(&cfg, &w->rt));
}

static void world_deinit(struct world *w)
{
	gsc_goruntime_destroy(w->rt);
	fake_free(w->f);
}

static bool has_warning(struct gsc_goruntime *rt, const char *needle)
{
	size_t n;
	const char *const *w = gsc_goruntime_warnings(rt, &n);
	for (size_t i = 0; i < n; i++)
		if (strstr(w[i], needle))
			return true;
	return false;
}

/* ---------------------------------------------------------------- tables */

static void layouts_per_version(void **state)
{
	(void)state;
	struct gsc_go_layout l;
	bool newer;
	assert_null(gsc_go_layout_builtin(19, &l, &newer));
	assert_false(newer);
	assert_int_equal(l.off[GSC_GF_G_GOID], 0x98);
	assert_int_equal(l.off[GSC_GF_G_PARENTGOID], -1);
	assert_int_equal(l.off[GSC_GF_G_LOCKEDM], 0xe8);
	assert_int_equal(l.g_size, 392);
	assert_null(gsc_go_layout_builtin(23, &l, NULL));
	assert_int_equal(l.off[GSC_GF_G_GOID], 0xa0);	/* syscallbp moved it */
	assert_int_equal(l.off[GSC_GF_G_SYSCALLBP], 0x80);
	assert_null(gsc_go_layout_builtin(25, &l, NULL));
	assert_int_equal(l.off[GSC_GF_GOBUF_RET], -1);	/* gobuf.ret gone */
	assert_int_equal(l.off[GSC_GF_GOBUF_LR], 0x20);
	assert_int_equal(l.off[GSC_GF_M_PROCID], 0x40);
	assert_int_equal(l.gobuf_size, 48);
	assert_null(gsc_go_layout_builtin(26, &l, NULL));
	assert_int_equal(l.off[GSC_GF_G_PARENTGOID], 0x118);
	assert_string_equal(l.source, "built-in table (go1.26)");

	assert_null(gsc_go_layout_builtin(28, &l, &newer));	/* newest table, flagged */
	assert_true(newer);
	assert_int_equal(l.go_minor, 27);

	struct gsc_error *err = gsc_go_layout_builtin(18, &l, NULL);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, "go1.18"));
	gsc_error_destroy(err);
}

static void status_names(void **state)
{
	(void)state;
	assert_string_equal(gsc_go_status_name(19, GSC_G_WAITING), "waiting");
	assert_string_equal(gsc_go_status_name(22, GSC_G_WAITING | GSC_G_SCAN), "waiting");
	assert_string_equal(gsc_go_status_name(22, GSC_G_PREEMPTED), "preempted");
	assert_string_equal(gsc_go_status_name(25, GSC_G_LEAKED), "???");	/* before 1.26 */
	assert_string_equal(gsc_go_status_name(26, GSC_G_LEAKED), "leaked");
	assert_string_equal(gsc_go_status_name(26, GSC_G_DEADEXTRA), "waiting for cgo callback");
	assert_string_equal(gsc_go_status_name(26, 5), "");	/* _Gmoribund_unused */
	assert_string_equal(gsc_go_status_name(26, 12), "???");
	assert_string_equal(gsc_go_status_name(21, 0x2002), "???");	/* not the scan bit */
}

static void wait_reason_tables(void **state)
{
	(void)state;
	size_t n;
	const char *const *wr = gsc_go_wait_reasons_builtin(19, &n);
	assert_int_equal(n, 27);
	assert_string_equal(wr[21], "timer goroutine (idle)");
	wr = gsc_go_wait_reasons_builtin(20, &n);
	assert_int_equal(n, 32);
	assert_string_equal(wr[21], "sync.Mutex.Lock");
	wr = gsc_go_wait_reasons_builtin(24, &n);
	assert_string_equal(wr[41], "chan receive (synctest)");
	wr = gsc_go_wait_reasons_builtin(25, &n);
	assert_string_equal(wr[18], "GOMAXPROCS updater (idle)");
	wr = gsc_go_wait_reasons_builtin(26, &n);
	assert_int_equal(n, 47);
	assert_string_equal(wr[3], "dumping heap");	/* 1.26 reordered everything */
	assert_string_equal(wr[46], "cleanup wait");
	const char *const *wr27 = gsc_go_wait_reasons_builtin(27, &n);
	assert_ptr_equal(wr27, wr);
	for (int minor = 19; minor <= 27; minor++) {
		wr = gsc_go_wait_reasons_builtin(minor, &n);
		assert_string_equal(wr[0], "");
		assert_string_equal(wr[1], "GC assist marking");
		assert_string_equal(wr[2], "IO wait");
	}
}

static void field_names(void **state)
{
	(void)state;
	assert_string_equal(gsc_go_field_type(GSC_GF_G_GOID), "runtime.g");
	assert_string_equal(gsc_go_field_path(GSC_GF_G_STACK_HI), "stack.hi");
	assert_string_equal(gsc_go_field_type(GSC_GF_M_PROCID), "runtime.m");
	assert_int_equal(gsc_go_field_width(GSC_GF_G_ATOMICSTATUS), 4);
	assert_int_equal(gsc_go_field_width(GSC_GF_G_WAITREASON), 1);
	assert_null(gsc_go_field_type(GSC_GF_COUNT));
}

/* ---------------------------------------------------------------- decoding */

static void decode_version(int minor)
{
	struct world w;
	world_init(&w, minor);
	struct gsc_goroutine *gs;
	size_t n;
	assert_null(gsc_goruntime_goroutine_array(w.rt, false, &gs, &n));
	assert_int_equal(n, 3);	/* the dead one is left out */

	assert_int_equal(gs[0].goid, 1);
	assert_int_equal(gs[0].addr, g_addr(0));
	assert_string_equal(gs[0].status_name, "running");
	assert_null(gs[0].wait_reason);
	assert_int_equal(gs[0].m, MS);
	assert_int_equal(gs[0].m_id, 0);
	assert_int_equal(gs[0].m_procid, 100);
	assert_int_equal(gs[0].m_throwing, 2);
	assert_int_equal(gs[0].m_curg, g_addr(0));
	assert_int_equal(gs[0].stack_lo, STACK);
	assert_int_equal(gs[0].stack_hi, STACK + 0x2000);
	assert_int_equal(gs[0].sched.sp, STACK + 0x2000 - 0x80);
	assert_int_equal(gs[0].sched.pc, 0x404001);
	assert_int_equal(gs[0].sched.g, g_addr(0));
	assert_int_equal(gs[0].sched.lr, 0x1234);
	assert_int_equal(gs[0].sched.bp, STACK + 0x2000 - 0x40);
	assert_int_equal(gs[0].gopc, 0x401001);
	assert_int_equal(gs[0].startpc, 0x402001);
	assert_int_equal(gs[0].labels, 0xabc0);

	assert_int_equal(gs[1].goid, 2);
	assert_string_equal(gs[1].status_name, "waiting");
	assert_string_equal(gs[1].wait_reason, "chan receive");
	assert_int_equal(gs[1].lockedm, MS + 0x1000);
	assert_int_equal(gs[1].waitsince, 5);
	assert_int_equal(gs[1].m, 0);
	assert_int_equal(gs[1].m_id, -1);
	assert_int_equal(gs[1].parent_goid, minor >= 21 ? 1 : 0);

	assert_int_equal(gs[2].goid, 4);
	assert_int_equal(gs[2].status, GSC_G_WAITING | GSC_G_SCAN);
	assert_string_equal(gs[2].wait_reason, "select");

	char text[128];
	gsc_goruntime_status_text(w.rt, &gs[0], 0, text, sizeof(text));
	assert_string_equal(text, "running");
	gsc_goruntime_status_text(w.rt, &gs[1], 0, text, sizeof(text));
	assert_string_equal(text, "chan receive, locked to thread");
	gsc_goruntime_status_text(w.rt, &gs[1], 5 + 3 * 60000000000LL + 7, text, sizeof(text));
	assert_string_equal(text, "chan receive, 3 minutes, locked to thread");
	gsc_goruntime_status_text(w.rt, &gs[2], 0, text, sizeof(text));
	assert_string_equal(text, "select (scan)");
	free(gs);

	assert_null(gsc_goruntime_goroutine_array(w.rt, true, &gs, &n));
	assert_int_equal(n, 4);
	assert_string_equal(gs[2].status_name, "dead");
	free(gs);
	size_t nw;
	gsc_goruntime_warnings(w.rt, &nw);
	assert_int_equal(nw, 0);
	world_deinit(&w);
}

static void decode_go119(void **state) { (void)state; decode_version(19); }
static void decode_go122(void **state) { (void)state; decode_version(22); }
static void decode_go123(void **state) { (void)state; decode_version(23); }
static void decode_go125(void **state) { (void)state; decode_version(25); }
static void decode_go126(void **state) { (void)state; decode_version(26); }

static struct gsc_error *count_g(const struct gsc_goroutine *g, void *arg)
{
	(void)g;
	(*(int *)arg)++;
	return NULL;
}

static void one_read_per_g(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 26);
	w.f->reads = 0;
	size_t skipped = 99;
	struct gsc_goroutine *gs;
	size_t n;
	assert_null(gsc_goruntime_goroutine_array(w.rt, true, &gs, &n));
	free(gs);
	/* slice header + pointer array + 4 g's + the one M of the running g */
	assert_int_equal(w.f->reads, 1 + 1 + 4 + 1);
	int seen = 0;
	assert_null(gsc_goruntime_goroutines(w.rt, false, count_g, &seen, &skipped));
	assert_int_equal(seen, 3);
	assert_int_equal(skipped, 0);
	world_deinit(&w);
}

static struct gsc_error *stop_at_2(const struct gsc_goroutine *g, void *arg)
{
	int *seen = arg;
	(*seen)++;
	return g->goid == 2 ? gsc_error_create(GSC_ERR_INVALID_ARG, "stop") : NULL;
}

static void callback_stops_walk(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 22);
	int seen = 0;
	struct gsc_error *err = gsc_goruntime_goroutines(w.rt, false, stop_at_2, &seen, NULL);
	assert_non_null(err);
	assert_string_equal(err->message, "stop");
	gsc_error_destroy(err);
	assert_int_equal(seen, 2);
	world_deinit(&w);
}

/* ---------------------------------------------------------------- bad data */

static void corrupted_gs_skipped(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct gsc_go_layout l;
	assert_null(gsc_go_layout_builtin(24, &l, NULL));
	struct fake_g good = { 7, GSC_G_RUNNABLE, 0, 0, 0, 1, 0, STACK, STACK + 0x2000 };
	struct fake_g inverted = { 8, GSC_G_RUNNABLE, 0, 0, 0, 1, 0, STACK + 0x2000, STACK };
	struct fake_g huge = { 9, GSC_G_RUNNABLE, 0, 0, 0, 1, 0, STACK, STACK + (2ull << 30) };
	struct fake_g badstatus = { 10, 0x77, 0, 0, 0, 1, 0, STACK, STACK + 0x2000 };
	make_g(f, &l, g_addr(0), &good);
	make_g(f, &l, g_addr(1), &inverted);
	make_g(f, &l, g_addr(2), &huge);
	make_g(f, &l, g_addr(3), &badstatus);
	uint64_t ptrs[] = { g_addr(0), 0xdead0000, g_addr(1), 0, g_addr(2), g_addr(0) + 3,
			    g_addr(3), g_addr(0) };
	make_allgs(f, ptrs, 8, 8);
	struct gsc_goruntime_config cfg = { .target = &f->target, .go_minor = 24, .allgs_addr = ALLGS };
	struct gsc_goruntime *rt;
	assert_null(gsc_goruntime_create(&cfg, &rt));
	struct gsc_goroutine *gs;
	size_t n, skipped;
	struct gsc_goroutine last;
	assert_null(gsc_goruntime_goroutine_array(rt, true, &gs, &n));
	assert_int_equal(n, 2);
	last = gs[1];
	free(gs);
	assert_int_equal(last.goid, 7);
	int seen = 0;
	assert_null(gsc_goruntime_goroutines(rt, true, count_g, &seen, &skipped));
	assert_int_equal(seen, 2);
	assert_int_equal(skipped, 6);
	assert_true(has_warning(rt, "allgs[1] = 0xdead0000 skipped"));
	assert_true(has_warning(rt, "stack.lo >= stack.hi"));
	assert_true(has_warning(rt, "larger than 1 GB"));
	assert_true(has_warning(rt, "status out of range"));
	assert_true(has_warning(rt, "is not a pointer"));
	/* read_g on garbage is an error, not a crash */
	struct gsc_goroutine g;
	struct gsc_error *err = gsc_goruntime_read_g(rt, 0xdead0000, &g);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_FAULT);
	gsc_error_destroy(err);
	gsc_goruntime_destroy(rt);
	fake_free(f);
}

static void torn_allgs(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	uint8_t *h = fake_map(f, ALLGS, 24);
	put64(h, GARRAY);
	put64(h + 8, 10);	/* len > cap */
	put64(h + 16, 5);
	struct gsc_goruntime_config cfg = { .target = &f->target, .go_minor = 22, .allgs_addr = ALLGS };
	struct gsc_goruntime *rt;
	assert_null(gsc_goruntime_create(&cfg, &rt));
	struct gsc_goroutine *gs;
	size_t n;
	struct gsc_error *err = gsc_goruntime_goroutine_array(rt, false, &gs, &n);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_BAD_DATA);
	assert_non_null(strstr(err->message, "len 10 > cap 5"));
	gsc_error_destroy(err);

	/* An absurd length is capped, and the unreadable array is skipped chunk by chunk. */
	put64(h + 8, 1ull << 40);
	put64(h + 16, 1ull << 40);
	assert_null(gsc_goruntime_goroutine_array(rt, false, &gs, &n));
	assert_int_equal(n, 0);
	free(gs);
	assert_true(has_warning(rt, "reading the first 10000000"));
	size_t nw;
	const char *const *w = gsc_goruntime_warnings(rt, &nw);
	assert_int_equal(nw, GSC_GORUNTIME_MAX_WARNINGS);
	assert_non_null(strstr(w[nw - 1], "more warnings"));
	gsc_goruntime_destroy(rt);

	/* allgs itself unreadable */
	cfg.allgs_addr = 0x12340000;
	assert_null(gsc_goruntime_create(&cfg, &rt));
	err = gsc_goruntime_goroutine_array(rt, false, &gs, &n);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_FAULT);
	assert_non_null(strstr(err->message, "runtime.allgs"));
	gsc_error_destroy(err);
	gsc_goruntime_destroy(rt);
	fake_free(f);
}

static void ms_and_cycles(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 23);
	struct gsc_go_m *ms;
	size_t n;
	assert_null(gsc_goruntime_ms(w.rt, &ms, &n));
	assert_int_equal(n, 2);
	assert_int_equal(ms[0].id, 1);
	assert_int_equal(ms[0].procid, 101);
	assert_int_equal(ms[1].id, 0);
	assert_int_equal(ms[1].curg, g_addr(0));
	assert_int_equal(ms[1].g0, g_addr(10));
	free(ms);

	/* m0.alllink -> m1: a loop */
	struct region *r = NULL;
	for (size_t i = 0; i < w.f->n; i++)
		if (w.f->r[i].addr == MS)
			r = &w.f->r[i];
	assert_non_null(r);
	put64(r->bytes + w.l.off[GSC_GF_M_ALLLINK], MS + 0x1000);
	assert_null(gsc_goruntime_ms(w.rt, &ms, &n));
	assert_int_equal(n, 2);
	free(ms);
	assert_true(has_warning(w.rt, "loops back"));

	/* m0.alllink -> m0 itself */
	put64(r->bytes + w.l.off[GSC_GF_M_ALLLINK], MS);
	assert_null(gsc_goruntime_ms(w.rt, &ms, &n));
	assert_int_equal(n, 2);
	free(ms);

	/* -> unreadable: the list is cut with a warning */
	put64(r->bytes + w.l.off[GSC_GF_M_ALLLINK], 0xbad000);
	assert_null(gsc_goruntime_ms(w.rt, &ms, &n));
	assert_int_equal(n, 2);
	free(ms);
	assert_true(has_warning(w.rt, "list cut"));
	world_deinit(&w);
}

static void threads(void **state)
{
	(void)state;
	struct world w;
	world_init(&w, 21);
	struct gsc_regs regs;
	gsc_regs_clear(&regs);
	gsc_regs_set(&regs, GSC_AMD64_FS_BASE, TLS);
	struct gsc_go_thread t;
	assert_null(gsc_goruntime_thread_g(w.rt, 100, &regs, &t));
	assert_string_equal(t.how, "tls");
	assert_int_equal(t.g, g_addr(0));
	assert_int_equal(t.m, MS);
	assert_int_equal(t.curg, g_addr(0));
	assert_false(t.on_g0);

	/* g0 in r14 (the TLS slot unreadable): the M leads back through m.g0 */
	gsc_regs_clear(&regs);
	gsc_regs_set(&regs, GSC_AMD64_FS_BASE, 0x77770000);
	gsc_regs_set(&regs, GSC_AMD64_R14, g_addr(11));
	assert_null(gsc_goruntime_thread_g(w.rt, 101, &regs, &t));
	assert_string_equal(t.how, "r14");
	assert_true(t.on_g0);
	assert_int_equal(t.m, MS + 0x1000);

	/* nothing in registers: by procid */
	gsc_regs_clear(&regs);
	assert_null(gsc_goruntime_thread_g(w.rt, 101, &regs, &t));
	assert_string_equal(t.how, "procid");
	assert_int_equal(t.m, MS + 0x1000);
	assert_int_equal(t.g, 0);

	/* a thread the runtime does not know */
	assert_null(gsc_goruntime_thread_g(w.rt, 555, &regs, &t));
	assert_null(t.how);
	assert_int_equal(t.m, 0);
	world_deinit(&w);
}

static void versions(void **state)
{
	(void)state;
	struct fake *f = fake_new();
	struct gsc_goruntime *rt;
	struct gsc_goruntime_config cfg = { .target = &f->target, .go_minor = 28, .allgs_addr = ALLGS };
	assert_null(gsc_goruntime_create(&cfg, &rt));
	assert_true(has_warning(rt, "newer than the newest built-in tables"));
	assert_int_equal(gsc_goruntime_layout(rt)->go_minor, 27);
	assert_string_equal(gsc_goruntime_wait_reason(rt, 46), "cleanup wait");
	assert_string_equal(gsc_goruntime_wait_reason(rt, 200), "unknown wait reason");
	assert_null(gsc_goruntime_wait_reason(rt, 0));
	gsc_goruntime_destroy(rt);

	cfg.go_minor = 17;
	struct gsc_error *err = gsc_goruntime_create(&cfg, &rt);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_UNSUPPORTED);
	assert_non_null(strstr(err->message, "17"));
	gsc_error_destroy(err);

	/* no binary and no allgs address: nothing to read */
	cfg.go_minor = 22;
	cfg.allgs_addr = 0;
	err = gsc_goruntime_create(&cfg, &rt);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_INVALID_ARG);
	gsc_error_destroy(err);

	/* a layout that puts a field outside its struct is refused */
	struct gsc_go_layout l;
	assert_null(gsc_go_layout_builtin(22, &l, NULL));
	l.off[GSC_GF_G_GOID] = (int32_t)l.g_size;
	cfg.layout = &l;
	cfg.allgs_addr = ALLGS;
	err = gsc_goruntime_create(&cfg, &rt);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_BAD_DATA);
	gsc_error_destroy(err);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layouts_per_version),
		cmocka_unit_test(status_names),
		cmocka_unit_test(wait_reason_tables),
		cmocka_unit_test(field_names),
		cmocka_unit_test(decode_go119),
		cmocka_unit_test(decode_go122),
		cmocka_unit_test(decode_go123),
		cmocka_unit_test(decode_go125),
		cmocka_unit_test(decode_go126),
		cmocka_unit_test(one_read_per_g),
		cmocka_unit_test(callback_stops_walk),
		cmocka_unit_test(corrupted_gs_skipped),
		cmocka_unit_test(torn_allgs),
		cmocka_unit_test(ms_and_cycles),
		cmocka_unit_test(threads),
		cmocka_unit_test(versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
