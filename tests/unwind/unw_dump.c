/*
 * unw_dump.c - unwind every goroutine of a Go core and print its frames in
 * the runtime's traceback format, for tests/unwind/check-core.sh:
 *
 *   unw_dump EXE CORE [LEVEL]
 *
 * prints, for each goroutine whose stack it can reach,
 *
 *   goroutine N:
 *   <frames and "created by" lines, as gsc_traceback_format() gives them>
 *   <blank line>
 *
 * Until common/go_runtime.c exists this driver finds the goroutines itself,
 * the plain way: runtime.allgs from the symbol table and the g offsets of
 * ../shared/reference/go-runtime.md §3.1.  A parked goroutine starts at
 * g.syscall{pc,sp} or g.sched{pc,sp,lr}; a running one is found on a thread
 * (unwound through the signal frame) by its stack bounds, and starts where
 * the runtime's own traceback starts: after runtime.fatalpanic (a panic), or
 * at the interrupted frame (a signal).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "core_file.h"
#include "unwind.h"

struct g_layout {
	uint32_t syscallsp, syscallpc, status, goid, gopc, parent_goid, sched_lr;
};

static struct g_layout layout_for(int minor)
{
	struct g_layout l = {0x70, 0x78, 0x90, 0x98, 0x128, 0, 0x38 + 0x28};
	if (minor >= 21)
		l.gopc = 0x118, l.parent_goid = 0x110;
	if (minor >= 23)
		l.status = 0x98, l.goid = 0xa0, l.gopc = 0x120, l.parent_goid = 0x118;
	if (minor >= 25) {
		l.syscallsp = 0x68, l.syscallpc = 0x70, l.status = 0x90, l.goid = 0x98;
		l.gopc = 0x118, l.parent_goid = 0x110, l.sched_lr = 0x38 + 0x20;
	}
	if (minor >= 26)
		l.gopc = 0x120, l.parent_goid = 0x118;
	return l;
}

static void die(const char *what, struct gsc_error *err)
{
	fprintf(stderr, "unw_dump: %s: %s\n", what, err ? err->message : "failed");
	exit(1);
}

static uint64_t rd(const struct gsc_target *t, uint64_t addr)
{
	uint64_t v;
	struct gsc_error *err = gsc_target_read_u64(t, addr, &v);
	if (err)
		die("read", err);
	return v;
}

/*
 * The start of a running goroutine with stack [lo, hi): the frames of some
 * thread, unwound through signal frames, that lie on that stack.
 */
static bool running_start(struct gsc_core *core, struct gsc_unwinder *uw, uint64_t lo,
			  uint64_t hi, struct gsc_unwind_start *ret)
{
	const struct gsc_arch_info *ai = gsc_core_arch_info(core);
	for (size_t i = 0; i < gsc_core_num_threads(core); i++) {
		const struct gsc_core_thread *th = gsc_core_thread(core, i);
		struct gsc_unwind_regs regs = {
			.pc = th->regs.value[ai->pc],
			.sp = th->regs.value[ai->sp],
			.fp = th->regs.value[ai->fp],
			.lr = ai->lr >= 0 ? th->regs.value[ai->lr] : 0,
		};
		bool found;
		struct gsc_error *err = gsc_unwind_running_start(uw, &regs, lo, hi, ret, &found);
		if (err)
			die("unwind thread", err);
		if (found)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: unw_dump EXE CORE [LEVEL]\n", stderr);
		return 2;
	}
	int level = argc > 3 ? atoi(argv[3]) : 2;
	struct gsc_binary *bin;
	struct gsc_core *core;
	struct gsc_error *err = gsc_binary_open(argv[1], &bin);
	if (err)
		die(argv[1], err);
	err = gsc_core_open(argv[2], &core);
	if (err)
		die(argv[2], err);
	err = gsc_core_add_executable(core, gsc_binary_elf(bin));
	if (err)
		die("add executable", err);
	const struct gsc_target *t = gsc_core_target(core);
	uint64_t bias = gsc_core_load_bias(core);
	int minor = gsc_binary_go_minor(bin);
	struct gsc_unwinder_config cfg = {.target = t, .binary = bin, .load_bias = bias};
	struct gsc_unwinder *uw;
	err = gsc_unwinder_create(&cfg, &uw);
	if (err)
		die("unwinder", err);

	struct gsc_elf_symbol sym;
	err = gsc_elf_symbol_lookup(gsc_binary_elf(bin), "runtime.allgs", &sym);
	if (err)
		die("runtime.allgs", err);
	uint64_t allgs = rd(t, sym.value + bias), n = rd(t, sym.value + bias + 8);
	struct g_layout L = layout_for(minor);
	for (uint64_t i = 0; i < n && i < 10000000; i++) {
		uint64_t g = rd(t, allgs + 8 * i);
		uint32_t status;
		err = gsc_target_read_u32(t, g + L.status, &status);
		if (err)
			die("status", err);
		status &= ~0x1000u;
		if (status == 6 || status == 11)	/* _Gdead, _Gdeadextra */
			continue;
		uint64_t goid = rd(t, g + L.goid);
		struct gsc_unwind_start st = {0};
		uint64_t syscallsp = rd(t, g + L.syscallsp);
		if (status == 2) {	/* _Grunning */
			if (!running_start(core, uw, rd(t, g), rd(t, g + 8), &st))
				continue;
		} else if (syscallsp) {
			st.regs.pc = rd(t, g + L.syscallpc);
			st.regs.sp = syscallsp;
			st.flags = GSC_UNWIND_SYSCALL;
		} else {
			st.regs.sp = rd(t, g + 0x38);
			st.regs.pc = rd(t, g + 0x40);
			st.regs.lr = rd(t, g + L.sched_lr);
		}
		struct gsc_unwind u;
		err = gsc_unwind(uw, &st, &u);
		if (err)
			die("unwind", err);
		struct gsc_traceback_opts o = {
			.level = level,
			.created_by = true,
			.goid = goid,
			.parent_goid = L.parent_goid ? rd(t, g + L.parent_goid) : 0,
			.gopc = rd(t, g + L.gopc),
		};
		char *text;
		err = gsc_traceback_format(uw, &u, &o, &text);
		if (err)
			die("format", err);
		printf("goroutine %" PRIu64 ":\n%s\n", goid, text);
		if (getenv("UNW_DEBUG"))
			fprintf(stderr, "goroutine %" PRIu64 ": %zu frames, stop: %s 0x%" PRIx64 "\n",
				goid, u.count, gsc_unwind_stop_name(u.stop), u.stop_addr);
		free(text);
		gsc_unwind_deinit(&u);
	}
	gsc_unwinder_destroy(uw);
	gsc_core_destroy(core);
	gsc_binary_destroy(bin);
	return 0;
}
