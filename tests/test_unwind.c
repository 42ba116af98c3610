/*
 * test_unwind.c - the Go unwinder and the traceback text.
 *
 * Pure parts on byte strings: the ArgInfo program decoder (separators,
 * aggregates, "...", "_", sub-word sizes, liveness "?"), the 1.21+ elision
 * rule, printed names (generics, panic), showfuncinfo.
 *
 * The walk itself over a fake in-memory target laid out by hand, with the
 * real pclntab of the bundled arm64 example (corpora/examples/hello-arm64-
 * stripped.xz, unpacked with xz into a temporary file; the tests skip
 * without xz): frame sizes from pcsp, LR at 0(sp), TopFrame stop, the
 * injected-call 16-byte slot and trap symbolization, SPWrite stop, the
 * kernel signal frame under runtime.sigtramp, a stuck (cyclic) stack, the
 * frame limit, an unreadable stack, and the formatted text of a walk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binary.h"
#include "unwind.h"

/* ---------------------------------------------------------------- ArgInfo */

static char *args_of(const uint8_t *prog, size_t n, const uint8_t *area, size_t an,
		     const uint8_t *live, size_t ln, int32_t idx)
{
	char *s = NULL;
	struct gsc_error *err = gsc_unwind_format_args(prog, n, area, an, true, live, ln, idx, &s);
	assert_null(err);
	return s;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_args_basic(void **state)
{
	(void)state;
	uint8_t area[64] = {0};
	for (int i = 0; i < 8; i++)
		put64(area + 8 * i, (uint64_t)i + 1);
	/* (0x1, 0x2, {0x3, 0x4}, ...) */
	const uint8_t p1[] = {0, 8, 8, 8, 0xfe, 16, 8, 24, 8, 0xfd, 0xfc, 0xff};
	char *s = args_of(p1, sizeof(p1), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "0x1, 0x2, {0x3, 0x4}, ...");
	free(s);
	/* empty aggregate, as runtime.goexit({}) on 1.22+ */
	const uint8_t p2[] = {0xfe, 0xfd, 0xff};
	s = args_of(p2, sizeof(p2), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "{}");
	free(s);
	/* offset too large, nested aggregates */
	const uint8_t p3[] = {0xfb, 0xfe, 0xfe, 0, 8, 0xfd, 8, 8, 0xfd, 0xff};
	s = args_of(p3, sizeof(p3), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "_, {{0x1}, 0x2}");
	free(s);
	/* no arguments at all */
	const uint8_t p4[] = {0xff};
	s = args_of(p4, sizeof(p4), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "");
	free(s);
}

static void test_args_sizes(void **state)
{
	(void)state;
	uint8_t area[32];
	put64(area, 0x1122334455667788ull);
	put64(area + 8, 0xffffffffffffffffull);
	put64(area + 16, 0);
	put64(area + 24, 0);
	/* 1, 2, 4 bytes: the low bytes of the little-endian word */
	const uint8_t p[] = {0, 1, 0, 2, 0, 4, 8, 4, 12, 4, 0xff};
	char *s = args_of(p, sizeof(p), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "0x88, 0x7788, 0x55667788, 0xffffffff, 0xffffffff");
	free(s);
	/* a word past the bytes we have: "?" rather than garbage */
	const uint8_t q[] = {0, 8, 30, 8, 0xff};
	s = args_of(q, sizeof(q), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "0x1122334455667788, ?");
	free(s);
	/* a truncated program (no 0xff, size byte missing) ends cleanly */
	const uint8_t r[] = {0, 8, 8};
	s = args_of(r, sizeof(r), area, sizeof(area), NULL, 0, -1);
	assert_string_equal(s, "0x1122334455667788, ");
	free(s);
}

static void test_args_liveness(void **state)
{
	(void)state;
	uint8_t area[32] = {0};
	for (int i = 0; i < 4; i++)
		put64(area + 8 * i, 0x10 + (uint64_t)i);
	const uint8_t p[] = {0, 8, 8, 8, 16, 8, 24, 8, 0xff};
	/*
	 * Slots from offset 8 on need liveness; bitmap at index 1: slot 0
	 * (offset 8) live, slot 1 (16) dead, slot 2 (24) live.
	 */
	const uint8_t live[] = {8, 0x5};
	char *s = args_of(p, sizeof(p), area, sizeof(area), live, sizeof(live), 1);
	assert_string_equal(s, "0x10, 0x11, 0x12?, 0x13");
	free(s);
	/* index <= 0: everything live */
	s = args_of(p, sizeof(p), area, sizeof(area), live, sizeof(live), 0);
	assert_string_equal(s, "0x10, 0x11, 0x12, 0x13");
	free(s);
	/* all dead */
	const uint8_t dead[] = {0, 0};
	s = args_of(p, sizeof(p), area, sizeof(area), dead, sizeof(dead), 1);
	assert_string_equal(s, "0x10?, 0x11?, 0x12?, 0x13?");
	free(s);
}

/* ---------------------------------------------------------------- elision, names, showframe */

static void test_elision(void **state)
{
	(void)state;
	static const struct {
		size_t n, head, elided, tail;
	} cases[] = {
		{0, 0, 0, 0}, {1, 1, 0, 0}, {50, 50, 0, 0}, {51, 51, 0, 0}, {100, 100, 0, 0},
		{101, 50, 1, 50}, {156, 50, 56, 50}, {100000, 50, 99900, 50},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t h, e, t;
		gsc_traceback_elision(cases[i].n, &h, &e, &t);
		assert_int_equal(h, cases[i].head);
		assert_int_equal(e, cases[i].elided);
		assert_int_equal(t, cases[i].tail);
	}
}

static void test_names(void **state)
{
	(void)state;
	char b[128];
	gsc_unwind_print_name(26, "runtime.gopanic", true, b, sizeof(b));
	assert_string_equal(b, "panic");
	gsc_unwind_print_name(26, "runtime.gopanic", false, b, sizeof(b));
	assert_string_equal(b, "runtime.gopanic");
	gsc_unwind_print_name(26, "main.genericRecv[go.shape.int]", true, b, sizeof(b));
	assert_string_equal(b, "main.genericRecv[...]");
	gsc_unwind_print_name(26, "main.(*box[go.shape.string]).wait", true, b, sizeof(b));
	assert_string_equal(b, "main.(*box[...]).wait");
	gsc_unwind_print_name(26, "main.main.func1", true, b, sizeof(b));
	assert_string_equal(b, "main.main.func1");
	/* before 1.27 a generic method of a generic type collapses to one [...] */
	gsc_unwind_print_name(26, "p.T[go.shape.int].M[go.shape.string]", true, b, sizeof(b));
	assert_string_equal(b, "p.T[...]");
	gsc_unwind_print_name(27, "p.T[go.shape.int].M[go.shape.string]", true, b, sizeof(b));
	assert_string_equal(b, "p.T[...].M[...]");
	gsc_unwind_print_name(27, "p.F[go.shape.[]int]", true, b, sizeof(b));
	assert_string_equal(b, "p.F[...]");
	/* malformed: kept whole */
	gsc_unwind_print_name(26, "p.F]x[", true, b, sizeof(b));
	assert_string_equal(b, "p.F]x[");
	gsc_unwind_print_name(27, "p.F[a]]b[c]", true, b, sizeof(b));
	assert_string_equal(b, "p.F[a]]b[c]");
}

static void test_showfunc(void **state)
{
	(void)state;
	assert_true(gsc_traceback_showfunc(26, "main.main", GSC_FUNC_NORMAL, true, GSC_FUNC_NORMAL));
	assert_false(gsc_traceback_showfunc(26, "runtime.gopark", GSC_FUNC_NORMAL, false, GSC_FUNC_NORMAL));
	assert_true(gsc_traceback_showfunc(26, "runtime.Gosched", GSC_FUNC_NORMAL, false, GSC_FUNC_NORMAL));
	assert_false(gsc_traceback_showfunc(26, "runtime.gopanic", GSC_FUNC_GOPANIC, true, GSC_FUNC_NORMAL));
	assert_true(gsc_traceback_showfunc(26, "runtime.gopanic", GSC_FUNC_GOPANIC, false, GSC_FUNC_NORMAL));
	/* wrappers hidden unless they called panic */
	assert_false(gsc_traceback_showfunc(26, "main.outer.block", GSC_FUNC_WRAPPER, false, GSC_FUNC_NORMAL));
	assert_true(gsc_traceback_showfunc(26, "main.outer.block", GSC_FUNC_WRAPPER, false, GSC_FUNC_SIGPANIC));
	assert_true(gsc_traceback_showfunc(26, "main.outer.block", GSC_FUNC_WRAPPER, false, GSC_FUNC_PANICWRAP));
	/* exported methods of exported runtime types: 1.23+ */
	assert_false(gsc_traceback_showfunc(22, "runtime.(*Func).Name", GSC_FUNC_NORMAL, false, GSC_FUNC_NORMAL));
	assert_true(gsc_traceback_showfunc(23, "runtime.(*Func).Name", GSC_FUNC_NORMAL, false, GSC_FUNC_NORMAL));
	assert_false(gsc_traceback_showfunc(23, "runtime.(*mheap).Alloc", GSC_FUNC_NORMAL, false, GSC_FUNC_NORMAL));
	/* finalizer goroutines: 1.25+ */
	assert_false(gsc_traceback_showfunc(24, "runtime.runFinalizers", GSC_FUNC_RUN_FINALIZERS, false, GSC_FUNC_NORMAL));
	assert_true(gsc_traceback_showfunc(25, "runtime.runFinalizers", GSC_FUNC_RUN_FINALIZERS, false, GSC_FUNC_NORMAL));
	/* no package: hidden */
	assert_false(gsc_traceback_showfunc(26, "main", GSC_FUNC_NORMAL, false, GSC_FUNC_NORMAL));
}

/* ---------------------------------------------------------------- fake target */

struct fake_mem {
	uint64_t base;
	uint8_t bytes[64 * 1024];
};

static struct gsc_error *fake_read(void *priv, uint64_t addr, void *buf, size_t size)
{
	struct fake_mem *m = priv;
	if (addr < m->base || addr - m->base > sizeof(m->bytes) ||
	    size > sizeof(m->bytes) - (addr - m->base))
		return gsc_error_fault(addr, size);
	memcpy(buf, m->bytes + (addr - m->base), size);
	return NULL;
}

static struct gsc_error *fake_threads(void *priv, int32_t **tids, size_t *n)
{
	(void)priv;
	*tids = NULL;
	*n = 0;
	return NULL;
}

static struct gsc_error *fake_regs(void *priv, int32_t tid, struct gsc_regs *ret)
{
	(void)priv;
	(void)ret;
	return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %d", (int)tid);
}

static const struct gsc_target_ops fake_ops = {
	.name = "fake",
	.read_mem = fake_read,
	.threads = fake_threads,
	.read_regs = fake_regs,
};

struct fixture {
	char path[64];
	struct gsc_binary *bin;
	struct fake_mem *mem;
	struct gsc_target target;
	struct gsc_unwinder *uw;
};

static const uint64_t STACK = 0x4000000000ull;

static int setup_arm64(void **state)
{
	const char *srcdir = getenv("srcdir");
	char src[4096];
	snprintf(src, sizeof(src), "%s/corpora/examples/hello-arm64-stripped.xz", srcdir ? srcdir : ".");
	if (access(src, R_OK) != 0 || system("command -v xz >/dev/null 2>&1") != 0) {
		*state = NULL;
		return 0;
	}
	struct fixture *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	snprintf(fx->path, sizeof(fx->path), "/tmp/test_unwind.XXXXXX");
	int fd = mkstemp(fx->path);
	assert_true(fd >= 0);
	close(fd);
	char cmd[8300];
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s'", src, fx->path);
	assert_int_equal(system(cmd), 0);
	assert_null(gsc_binary_open(fx->path, &fx->bin));
	fx->mem = calloc(1, sizeof(*fx->mem));
	assert_non_null(fx->mem);
	fx->mem->base = STACK;
	fx->target = (struct gsc_target){&fake_ops, fx->mem, GSC_ARCH_ARM64,
					 gsc_arch_info(GSC_ARCH_ARM64), true, 8};
	struct gsc_unwinder_config cfg = {.target = &fx->target, .binary = fx->bin};
	assert_null(gsc_unwinder_create(&cfg, &fx->uw));
	*state = fx;
	return 0;
}

static int teardown_arm64(void **state)
{
	struct fixture *fx = *state;
	if (!fx)
		return 0;
	gsc_unwinder_destroy(fx->uw);
	gsc_binary_destroy(fx->bin);
	unlink(fx->path);
	free(fx->mem);
	free(fx);
	return 0;
}

#define NEED_FIXTURE(fx)                                     \
	struct fixture *fx = *state;                         \
	do {                                                 \
		if (!fx) {                                   \
			skip();                              \
			return;                              \
		}                                            \
	} while (0)

static struct gsc_func func_named(struct fixture *fx, const char *name)
{
	struct gsc_func f;
	assert_null(gsc_pclntab_find_func_by_name(gsc_binary_pclntab(fx->bin), name, &f));
	return f;
}

/* The first pc after entry (quantum 4) whose sp delta is positive, and that delta. */
static uint64_t framed_pc(struct fixture *fx, const struct gsc_func *f, int32_t *delta)
{
	struct gsc_pclntab *tab = gsc_binary_pclntab(fx->bin);
	for (uint64_t pc = f->entry + 4; pc < f->end; pc += 4) {
		int32_t d;
		assert_null(gsc_pclntab_spdelta(tab, f, pc, &d));
		if (d > 0) {
			*delta = d;
			return pc;
		}
	}
	fail_msg("%s has no frame", f->name);
	return 0;
}

static void poke(struct fixture *fx, uint64_t addr, uint64_t v)
{
	assert_true(addr >= STACK && addr + 8 <= STACK + sizeof(fx->mem->bytes));
	put64(fx->mem->bytes + (addr - STACK), v);
}

/*
 * main.main (framed) <- runtime.main (framed) <- runtime.goexit: returns the
 * start registers; pcs and sizes in *pcs / *sizes.
 */
static struct gsc_unwind_start lay_main_stack(struct fixture *fx, uint64_t sp0, uint64_t pcs[3],
					      int32_t sizes[2])
{
	struct gsc_func mm = func_named(fx, "main.main");
	struct gsc_func rm = func_named(fx, "runtime.main");
	struct gsc_func ge = func_named(fx, "runtime.goexit");
	pcs[0] = framed_pc(fx, &mm, &sizes[0]);
	pcs[1] = framed_pc(fx, &rm, &sizes[1]);
	pcs[2] = ge.entry + 4;
	poke(fx, sp0, pcs[1]);			/* main.main's saved LR */
	poke(fx, sp0 + (uint64_t)sizes[0], pcs[2]);	/* runtime.main's saved LR */
	struct gsc_unwind_start st = {0};
	st.regs.pc = pcs[0];
	st.regs.sp = sp0;
	return st;
}

static void test_walk_arm64(void **state)
{
	NEED_FIXTURE(fx);
	uint64_t pcs[3];
	int32_t sz[2];
	uint64_t sp0 = STACK + 0x1000;
	struct gsc_unwind_start st = lay_main_stack(fx, sp0, pcs, sz);
	struct gsc_unwind u;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.count, 3);
	assert_int_equal(u.stop, GSC_UNWIND_STOP_BOTTOM);
	assert_string_equal(u.frames[0].func.name, "main.main");
	assert_string_equal(u.frames[1].func.name, "runtime.main");
	assert_string_equal(u.frames[2].func.name, "runtime.goexit");
	assert_int_equal(u.frames[0].sp, sp0);
	assert_int_equal(u.frames[0].fp, sp0 + (uint64_t)sz[0]);
	assert_int_equal(u.frames[0].argp, u.frames[0].fp + 8);
	assert_int_equal(u.frames[0].lr, pcs[1]);
	assert_int_equal(u.frames[0].sym_pc, pcs[0] - 1);
	assert_int_equal(u.frames[1].sp, sp0 + (uint64_t)sz[0]);
	assert_int_equal(u.frames[1].pc, pcs[1]);
	assert_int_equal(u.frames[1].how, GSC_UNWIND_HOW_RETURN);
	assert_int_equal(u.frames[2].lr, 0);
	/* the trap flag: the innermost pc is symbolized as is */
	gsc_unwind_deinit(&u);
	st.flags = GSC_UNWIND_TRAP;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.frames[0].sym_pc, pcs[0]);
	assert_true(u.frames[0].trap);
	assert_false(u.frames[1].trap);
	gsc_unwind_deinit(&u);
}

static void test_frameless_innermost(void **state)
{
	NEED_FIXTURE(fx);
	struct gsc_func mm = func_named(fx, "main.main");
	struct gsc_func rm = func_named(fx, "runtime.main");
	int32_t d;
	uint64_t rpc = framed_pc(fx, &rm, &d);
	uint64_t sp0 = STACK + 0x2000;
	(void)d;
	/* runtime.main's frame starts at sp0: its own saved LR is at 0(sp0) */
	poke(fx, sp0, func_named(fx, "runtime.goexit").entry + 4);
	/* at main.main's entry: no frame yet, the caller's pc is in LR */
	struct gsc_unwind_start st = {.regs = {.pc = mm.entry, .sp = sp0, .lr = rpc}};
	struct gsc_unwind u;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.count, 3);
	assert_int_equal(u.frames[0].fp, sp0);
	assert_int_equal(u.frames[0].sym_pc, mm.entry);	/* pc == entry: not pc-1 */
	assert_int_equal(u.frames[1].pc, rpc);
	assert_int_equal(u.frames[1].sp, sp0);
	gsc_unwind_deinit(&u);
}

static void test_injected_call(void **state)
{
	NEED_FIXTURE(fx);
	struct gsc_func sp = func_named(fx, "runtime.sigpanic");
	int32_t dsig;
	uint64_t sigpc = framed_pc(fx, &sp, &dsig);
	uint64_t pcs[3];
	int32_t sz[2];
	uint64_t sp0 = STACK + 0x3000;
	/* main.main's frame starts 16 bytes above sigpanic's: the pushed LR slot */
	uint64_t msp = sp0 + (uint64_t)dsig + 16;
	struct gsc_unwind_start inner = lay_main_stack(fx, msp, pcs, sz);
	poke(fx, sp0, inner.regs.pc);	/* sigpanic's LR: the faulting pc */
	poke(fx, sp0 + (uint64_t)dsig, 0x1234);	/* the old LR the handler saved */
	struct gsc_unwind_start st = {.regs = {.pc = sigpc, .sp = sp0}};
	struct gsc_unwind u;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.count, 4);
	assert_string_equal(u.frames[1].func.name, "main.main");
	assert_int_equal(u.frames[1].sp, msp);
	assert_true(u.frames[1].trap);
	assert_int_equal(u.frames[1].sym_pc, inner.regs.pc);	/* 1.21+: a trap frame */
	assert_int_equal(u.frames[1].callee_kind, GSC_FUNC_SIGPANIC);
	assert_string_equal(u.frames[3].func.name, "runtime.goexit");
	gsc_unwind_deinit(&u);
}

static void test_spwrite_stops(void **state)
{
	NEED_FIXTURE(fx);
	struct gsc_func ss = func_named(fx, "runtime.systemstack");
	assert_true(ss.flag & GSC_FUNCFLAG_SPWRITE);
	uint64_t sp0 = STACK + 0x4000;
	poke(fx, sp0, func_named(fx, "main.main").entry + 8);
	struct gsc_unwind_start st = {.regs = {.pc = ss.entry + 8, .sp = sp0}};
	struct gsc_unwind u;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.count, 1);
	assert_int_equal(u.stop, GSC_UNWIND_STOP_SPWRITE);
	gsc_unwind_deinit(&u);
}

static void test_signal_frame(void **state)
{
	NEED_FIXTURE(fx);
	struct gsc_func st_f = func_named(fx, "runtime.sigtramp");
	assert_true(st_f.flag & GSC_FUNCFLAG_TOPFRAME);
	int32_t dt;
	uint64_t tpc = framed_pc(fx, &st_f, &dt);
	uint64_t sp0 = STACK + 0x5000;
	uint64_t cfa = sp0 + (uint64_t)dt;
	uint64_t pcs[3];
	int32_t sz[2];
	uint64_t isp = STACK + 0x8000;
	struct gsc_unwind_start inner = lay_main_stack(fx, isp, pcs, sz);
	/* arm64 rt_sigframe: siginfo (128), then ucontext; uc_mcontext at +176 */
	uint64_t mc = cfa + 128 + 176;
	poke(fx, mc + 8 + 30 * 8, 0x5555);	/* x30: ignored, main.main has a frame */
	poke(fx, mc + 256, isp);
	poke(fx, mc + 264, inner.regs.pc);
	struct gsc_unwind_start st = {.regs = {.pc = tpc, .sp = sp0}};
	struct gsc_unwind u;
	/* without the flag, sigtramp is the top */
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.count, 1);
	assert_int_equal(u.stop, GSC_UNWIND_STOP_BOTTOM);
	gsc_unwind_deinit(&u);
	st.flags = GSC_UNWIND_SIGNAL;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.count, 4);
	assert_int_equal(u.frames[1].how, GSC_UNWIND_HOW_SIGNAL);
	assert_true(u.frames[1].trap);
	assert_int_equal(u.frames[1].pc, inner.regs.pc);
	assert_int_equal(u.frames[1].sym_pc, inner.regs.pc);
	assert_int_equal(u.frames[1].sp, isp);
	assert_int_equal(u.frames[2].pc, pcs[1]);
	gsc_unwind_deinit(&u);
}

static void test_stuck_and_bounds(void **state)
{
	NEED_FIXTURE(fx);
	struct gsc_func mm = func_named(fx, "main.main");
	struct gsc_unwind u;
	/* a frameless function whose caller is itself at the same sp: stuck */
	struct gsc_unwind_start st = {.regs = {.pc = mm.entry, .sp = STACK + 0x100, .lr = mm.entry}};
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.stop, GSC_UNWIND_STOP_STUCK);
	assert_int_equal(u.count, 1);
	gsc_unwind_deinit(&u);

	/* every saved LR points back into main.main: runs to the end of memory */
	int32_t d;
	uint64_t pc = framed_pc(fx, &mm, &d);
	for (uint64_t a = STACK; a + 8 <= STACK + sizeof(fx->mem->bytes); a += 8)
		poke(fx, a, pc);
	st = (struct gsc_unwind_start){.regs = {.pc = pc, .sp = STACK}};
	assert_null(gsc_unwind(fx->uw, &st, &u));
	if (u.stop != GSC_UNWIND_STOP_FAULT || u.count < 2)
		fail_msg("stop %s after %zu frames (frame size %d)", gsc_unwind_stop_name(u.stop),
			 u.count, (int)d);
	/* the last frame is the one whose saved LR lies past the memory */
	if (u.count > sizeof(fx->mem->bytes) / (size_t)d + 2)
		fail_msg("%zu frames of size %d", u.count, (int)d);
	for (size_t i = 1; i < u.count; i++)
		assert_true(u.frames[i].sp > u.frames[i - 1].sp);
	gsc_unwind_deinit(&u);

	/* the same with a small frame limit */
	struct gsc_unwinder *small;
	struct gsc_unwinder_config cfg = {.target = &fx->target, .binary = fx->bin, .max_frames = 10};
	assert_null(gsc_unwinder_create(&cfg, &small));
	assert_null(gsc_unwind(small, &st, &u));
	assert_int_equal(u.stop, GSC_UNWIND_STOP_MAX_FRAMES);
	assert_int_equal(u.count, 10);
	gsc_unwind_deinit(&u);
	gsc_unwinder_destroy(small);

	/* an sp outside memory: the first frame is kept, the walk says FAULT */
	st = (struct gsc_unwind_start){.regs = {.pc = pc, .sp = 0x10}};
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.stop, GSC_UNWIND_STOP_FAULT);
	assert_int_equal(u.count, 1);
	gsc_unwind_deinit(&u);

	/* a pc in no function */
	st = (struct gsc_unwind_start){.regs = {.pc = 0x10, .sp = STACK}};
	assert_null(gsc_unwind(fx->uw, &st, &u));
	assert_int_equal(u.stop, GSC_UNWIND_STOP_UNKNOWN_PC);
	assert_int_equal(u.count, 0);
	gsc_unwind_deinit(&u);
	memset(fx->mem->bytes, 0, sizeof(fx->mem->bytes));
}

static void test_format(void **state)
{
	NEED_FIXTURE(fx);
	uint64_t pcs[3];
	int32_t sz[2];
	uint64_t sp0 = STACK + 0x1000;
	struct gsc_unwind_start st = lay_main_stack(fx, sp0, pcs, sz);
	struct gsc_unwind u;
	assert_null(gsc_unwind(fx->uw, &st, &u));
	struct gsc_traceback_opts o = {.level = 2, .goid = 1};
	char *text;
	assert_null(gsc_traceback_format(fx->uw, &u, &o, &text));
	struct gsc_func mm = func_named(fx, "main.main");
	char want[256];
	snprintf(want, sizeof(want), " +0x%" PRIx64 " fp=0x%" PRIx64 " sp=0x%" PRIx64 " pc=0x%" PRIx64 "\n",
		 pcs[0] - mm.entry, sp0 + (uint64_t)sz[0], sp0, pcs[0]);
	assert_non_null(strstr(text, want));
	assert_true(strncmp(text, "main.main()\n\t", 13) == 0);
	assert_non_null(strstr(text, "\nruntime.main()\n\t"));
	assert_non_null(strstr(text, "\nruntime.goexit({})\n\t"));
	assert_null(strstr(text, "created by"));
	free(text);
	/* level 1: runtime frames hidden, no fp/sp/pc */
	o.level = 1;
	assert_null(gsc_traceback_format(fx->uw, &u, &o, &text));
	assert_null(strstr(text, "runtime."));
	assert_null(strstr(text, "fp=0x"));
	free(text);
	gsc_unwind_deinit(&u);
}

/* The hand-written hex of argument words prints what "0x%" PRIx64 does. */
static void test_args_hex(void **state)
{
	(void)state;
	static const uint64_t vals[] = {0, 1, 0xf, 0x10, 0xdeadbeef, 0x8000000000000000ull,
					UINT64_MAX, 0x0123456789abcdefull};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint8_t area[16] = {0};
		put64(area, vals[i]);
		const uint8_t prog[] = {0, 8, 0, 4, 0, 1, 0xff};
		char *s = args_of(prog, sizeof(prog), area, sizeof(area), NULL, 0, -1);
		char want[128];
		snprintf(want, sizeof(want), "0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64, vals[i],
			 vals[i] & 0xffffffffu, vals[i] & 0xffu);
		assert_string_equal(s, want);
		free(s);
	}
}

/* Names longer than the buffer are cut where snprintf would cut them. */
static void test_names_truncated(void **state)
{
	(void)state;
	char name[64], buf[16], want[128];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name + 4, ".F[go.shape.int]", 16);
	gsc_unwind_print_name(21, name, true, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%.*s[...]%s", 6, name, name + 20);
	want[sizeof(buf) - 1] = '\0';
	assert_string_equal(buf, want);
	gsc_unwind_print_name(27, "x.G", true, buf, 3);
	assert_string_equal(buf, "x.");
}

/* The pc cache: a second and third format (cache hits) print the same text. */
static void test_format_cached(void **state)
{
	NEED_FIXTURE(fx);
	uint64_t pcs[3];
	int32_t sz[2];
	struct gsc_unwind_start st = lay_main_stack(fx, STACK + 0x1000, pcs, sz);
	struct gsc_traceback_opts o = {.level = 2, .goid = 7, .created_by = true, .gopc = pcs[0]};
	char *first = NULL;
	for (int round = 0; round < 3; round++) {
		struct gsc_unwind u;
		char *text;
		assert_null(gsc_unwind(fx->uw, &st, &u));
		assert_null(gsc_traceback_format(fx->uw, &u, &o, &text));
		gsc_unwind_deinit(&u);
		if (!first) {
			first = text;
			continue;
		}
		assert_string_equal(text, first);
		free(text);
	}
	assert_non_null(strstr(first, "created by main.main"));
	free(first);
}

int main(void)
{
	/* One group (one TAP plan); the pure tests ignore the fixture. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_basic),
		cmocka_unit_test(test_args_sizes),
		cmocka_unit_test(test_args_liveness),
		cmocka_unit_test(test_elision),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_showfunc),
		cmocka_unit_test(test_walk_arm64),
		cmocka_unit_test(test_frameless_innermost),
		cmocka_unit_test(test_injected_call),
		cmocka_unit_test(test_spwrite_stops),
		cmocka_unit_test(test_signal_frame),
		cmocka_unit_test(test_stuck_and_bounds),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_args_hex),
		cmocka_unit_test(test_names_truncated),
		cmocka_unit_test(test_format_cached),
	};
	return cmocka_run_group_tests(tests, setup_arm64, teardown_arm64);
}
