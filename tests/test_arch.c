/*
 * test_arch.c - the register tables, the g packet layout, the fxsave/XSAVE
 * conversions and the target description (common/arch*.c).
 *
 * Also a helper of tests/stub/check-tdesc.sh:
 *   test_arch --target-xml     print our amd64 target.xml
 *   test_arch --wire-layout    print "regno name offset size" per register
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

#if defined(__linux__) && defined(__x86_64__)
#define HAVE_HOST_X86_64 1
#include <elf.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "arch.h"

static const struct gsc_arch_info *amd64(void)
{
	return gsc_arch_info(GSC_ARCH_AMD64);
}

/* Table index of the amd64 register called name, over the whole table. */
static int idx(const char *name)
{
	const struct gsc_arch_info *ai = amd64();
	for (size_t i = 0; i < ai->ntable; i++)
		if (strcmp(ai->regs[i].name, name) == 0)
			return (int)i;
	fail_msg("no register %s", name);
	return -1;
}

static size_t wire_off(const char *name)
{
	size_t off, size;
	assert_true(gsc_arch_wire_reg(amd64(), amd64()->regs[idx(name)].gdb_regno, &off, &size, NULL));
	return off;
}

static uint64_t ld(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void st(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t wire_get(const uint8_t *wire, const char *name)
{
	size_t off, size;
	assert_true(gsc_arch_wire_reg(amd64(), amd64()->regs[idx(name)].gdb_regno, &off, &size, NULL));
	return ld(wire + off, size < 8 ? size : 8);
}

static void wire_put(uint8_t *wire, const char *name, uint64_t v)
{
	size_t off, size;
	assert_true(gsc_arch_wire_reg(amd64(), amd64()->regs[idx(name)].gdb_regno, &off, &size, NULL));
	st(wire + off, size < 8 ? size : 8, v);
}

/* ---------------------------------------------------------------- the table */

static void test_table_shape(void **state)
{
	const struct gsc_arch_info *ai = amd64();
	assert_int_equal(ai->nregs, GSC_AMD64_NREGS);
	assert_int_equal(ai->nregs, 27);
	assert_int_equal(ai->ntable, 76);
	bool seen[76] = { false };
	for (size_t i = 0; i < ai->ntable; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		assert_non_null(r->name);
		assert_true(r->gdb_regno >= 0 && r->gdb_regno < 76);
		assert_false(seen[r->gdb_regno]);
		seen[r->gdb_regno] = true;
		assert_true(r->feature < ai->tdesc_nfeatures);
		assert_int_equal(r->ehframe_regno, r->dwarf_regno);	/* x86-64: one numbering */
		assert_true(r->bitsize % 8 == 0);
		/* Exactly one native home. */
		assert_true((r->prstatus_offset >= 0) != (r->xsave_offset >= 0));
		if (i < ai->nregs) {
			assert_true(r->prstatus_offset >= 0);
			assert_true(r->prstatus_offset + 8 <= (int)ai->prstatus_reg_size);
		} else {
			assert_true(r->xsave_offset + r->xsave_size <= GSC_AMD64_XSAVE_AVX_SIZE);
			assert_true(r->xsave_offset + r->xsave_size <= 512 || r->xsave_offset >= 576);
			assert_true(r->xsave_size <= r->bitsize / 8 || r->conv != GSC_REG_CONV_COPY);
			assert_true(r->xsave_mask != 0);
		}
		for (size_t j = i + 1; j < ai->ntable; j++) {
			const struct gsc_reg_info *o = &ai->regs[j];
			assert_string_not_equal(r->name, o->name);
			if (r->dwarf_regno >= 0)
				assert_int_not_equal(r->dwarf_regno, o->dwarf_regno);
			if (r->xsave_offset >= 0 && o->xsave_offset >= 0)
				assert_true(r->xsave_offset + r->xsave_size <= o->xsave_offset ||
					    o->xsave_offset + o->xsave_size <= r->xsave_offset);
		}
	}
	/* The enum indices of the rest of the table. */
	assert_string_equal(ai->regs[GSC_AMD64_ST0].name, "st0");
	assert_string_equal(ai->regs[GSC_AMD64_ST0 + 7].name, "st7");
	assert_string_equal(ai->regs[GSC_AMD64_FCTRL].name, "fctrl");
	assert_string_equal(ai->regs[GSC_AMD64_FCTRL + 7].name, "fop");
	assert_string_equal(ai->regs[GSC_AMD64_XMM0 + 15].name, "xmm15");
	assert_string_equal(ai->regs[GSC_AMD64_MXCSR].name, "mxcsr");
	assert_string_equal(ai->regs[GSC_AMD64_YMM0H + 15].name, "ymm15h");
	/* Lookups stay inside the integer registers (indices into struct gsc_regs). */
	assert_int_equal(gsc_arch_reg_by_name(ai, "xmm0"), -1);
	assert_int_equal(gsc_arch_reg_by_dwarf(ai, 17), -1);
	assert_int_equal(gsc_arch_reg_by_gdb(ai, 40), -1);
	assert_int_equal(gsc_arch_reg_by_gdb(ai, 57), GSC_AMD64_ORIG_RAX);
	assert_int_equal(gsc_arch_reg_by_gdb(ai, 58), GSC_AMD64_FS_BASE);
}

/* The x86-64 psABI numbers and lldb's generic kinds. */
static void test_table_dwarf_generic(void **state)
{
	static const struct { const char *name; int dwarf; const char *generic; } want[] = {
		{ "rax", 0, NULL }, { "rdx", 1, "arg3" }, { "rcx", 2, "arg4" }, { "rbx", 3, NULL },
		{ "rsi", 4, "arg2" }, { "rdi", 5, "arg1" }, { "rbp", 6, "fp" }, { "rsp", 7, "sp" },
		{ "r8", 8, "arg5" }, { "r9", 9, "arg6" }, { "r15", 15, NULL }, { "rip", 16, "pc" },
		{ "xmm0", 17, NULL }, { "xmm15", 32, NULL }, { "st0", 33, NULL }, { "st7", 40, NULL },
		{ "eflags", 49, "flags" }, { "es", 50, NULL }, { "cs", 51, NULL }, { "ss", 52, NULL },
		{ "ds", 53, NULL }, { "fs", 54, NULL }, { "gs", 55, NULL }, { "fs_base", 58, NULL },
		{ "gs_base", 59, NULL }, { "mxcsr", 64, NULL }, { "fctrl", 65, NULL },
		{ "fstat", 66, NULL }, { "ftag", -1, NULL }, { "fop", -1, NULL },
		{ "orig_rax", -1, NULL }, { "ymm0h", -1, NULL },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct gsc_reg_info *r = &amd64()->regs[idx(want[i].name)];
		assert_int_equal(r->dwarf_regno, want[i].dwarf);
		if (want[i].generic)
			assert_string_equal(r->generic, want[i].generic);
		else
			assert_null(r->generic);
	}
}

/* gdb's numbering (reference/target_amd64_gdbserver.xml, regnums 0..75). */
static void test_table_gdb_numbers(void **state)
{
	static const char *const names[76] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
		"r12", "r13", "r14", "r15", "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
		"st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
		"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
		"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
		"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
		"mxcsr", "orig_rax", "fs_base", "gs_base",
		"ymm0h", "ymm1h", "ymm2h", "ymm3h", "ymm4h", "ymm5h", "ymm6h", "ymm7h",
		"ymm8h", "ymm9h", "ymm10h", "ymm11h", "ymm12h", "ymm13h", "ymm14h", "ymm15h",
	};
	for (int n = 0; n < 76; n++) {
		const char *name;
		assert_true(gsc_arch_wire_reg(amd64(), n, NULL, NULL, &name));
		assert_string_equal(name, names[n]);
	}
}

#ifdef HAVE_HOST_X86_64
/* Our constants against the host's own headers. */
static void test_kernel_layout(void **state)
{
	const struct gsc_arch_info *ai = amd64();
#define GPR(f) assert_int_equal(ai->regs[idx(#f)].prstatus_offset, offsetof(struct user_regs_struct, f))
	GPR(rax); GPR(rbx); GPR(rcx); GPR(rdx); GPR(rsi); GPR(rdi); GPR(rbp); GPR(rsp);
	GPR(r8); GPR(r9); GPR(r10); GPR(r11); GPR(r12); GPR(r13); GPR(r14); GPR(r15);
	GPR(rip); GPR(eflags); GPR(cs); GPR(ss); GPR(ds); GPR(es); GPR(fs); GPR(gs);
	GPR(orig_rax); GPR(fs_base); GPR(gs_base);
#undef GPR
	assert_int_equal(sizeof(struct user_regs_struct), GSC_AMD64_GPR_SIZE);
	/* struct user_fpregs_struct is the 64-bit fxsave image (sys/user.h). */
	assert_int_equal(sizeof(struct user_fpregs_struct), GSC_AMD64_FXSAVE_SIZE);
#define FX(reg, f) assert_int_equal(ai->regs[idx(reg)].xsave_offset, offsetof(struct user_fpregs_struct, f))
	FX("fctrl", cwd); FX("fstat", swd); FX("ftag", ftw); FX("fop", fop); FX("fioff", rip);
	FX("fooff", rdp); FX("mxcsr", mxcsr); FX("st0", st_space); FX("xmm0", xmm_space);
#undef FX
	/* fiseg / foseg: the upper halves of the 64-bit rip / rdp fields. */
	assert_int_equal(ai->regs[idx("fiseg")].xsave_offset, offsetof(struct user_fpregs_struct, rip) + 4);
	assert_int_equal(ai->regs[idx("foseg")].xsave_offset, offsetof(struct user_fpregs_struct, rdp) + 4);
	assert_int_equal(ai->regs[idx("st3")].xsave_offset, offsetof(struct user_fpregs_struct, st_space) + 3 * 16);
	assert_int_equal(ai->regs[idx("xmm9")].xsave_offset, offsetof(struct user_fpregs_struct, xmm_space) + 9 * 16);
}
#endif

/* ---------------------------------------------------------------- the g packet */

static void test_wire_layout(void **state)
{
	const struct gsc_arch_info *ai = amd64();
	assert_int_equal(gsc_arch_wire_nregs(ai), 76);
	assert_int_equal(gsc_arch_wire_size(ai), 816);
	size_t next = 0;
	for (int n = 0; n < 76; n++) {
		size_t off, size;
		assert_true(gsc_arch_wire_reg(ai, n, &off, &size, NULL));
		assert_int_equal(off, next);
		next += size;
	}
	assert_int_equal(next, gsc_arch_wire_size(ai));
	uint16_t offs[GSC_ARCH_WIRE_MAX];
	assert_int_equal(gsc_arch_wire_offsets(ai, offs), 816);
	for (size_t i = 0; i < ai->ntable; i++) {
		size_t off;
		assert_true(gsc_arch_wire_reg(ai, ai->regs[i].gdb_regno, &off, NULL, NULL));
		assert_int_equal(offs[i], off);
	}
	/* Landmarks (gdb 13 `maint print remote-registers` against gdbserver, AVX part). */
	assert_int_equal(wire_off("rip"), 128);
	assert_int_equal(wire_off("eflags"), 136);
	assert_int_equal(wire_off("gs"), 160);
	assert_int_equal(wire_off("st0"), 164);
	assert_int_equal(wire_off("fctrl"), 244);
	assert_int_equal(wire_off("xmm0"), 276);
	assert_int_equal(wire_off("mxcsr"), 532);
	assert_int_equal(wire_off("orig_rax"), 536);
	assert_int_equal(wire_off("fs_base"), 544);
	assert_int_equal(wire_off("ymm0h"), 560);
	assert_false(gsc_arch_wire_reg(ai, -1, NULL, NULL, NULL));
	assert_false(gsc_arch_wire_reg(ai, 76, NULL, NULL, NULL));

	const struct gsc_arch_info *arm = gsc_arch_info(GSC_ARCH_ARM64);
	assert_int_equal(gsc_arch_wire_nregs(arm), 0);
	assert_int_equal(gsc_arch_wire_size(arm), 0);
	assert_int_equal(gsc_arch_wire_offsets(arm, offs), 0);
	assert_false(gsc_arch_wire_reg(arm, 0, NULL, NULL, NULL));
	assert_null(gsc_arch_target_xml(arm));
}

/* A native state with every register distinct and the 32-bit slots' upper halves zero. */
static void make_native(uint8_t *gpr, uint8_t *xs, uint64_t bv)
{
	const struct gsc_arch_info *ai = amd64();
	for (size_t i = 0; i < GSC_AMD64_GPR_SIZE; i++)
		gpr[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < ai->nregs; i++)
		if (ai->regs[i].bitsize == 32)
			memset(gpr + ai->regs[i].prstatus_offset + 4, 0, 4);
	for (size_t i = 0; i < GSC_AMD64_XSAVE_AVX_SIZE; i++)
		xs[i] = (uint8_t)(i * 13 + 5);
	memset(xs + 512, 0, 64);
	st(xs + 512, 8, bv);
}

static void test_round_trip(void **state)
{
	const struct gsc_arch_info *ai = amd64();
	uint8_t gpr[GSC_AMD64_GPR_SIZE], xs[GSC_AMD64_XSAVE_AVX_SIZE];
	uint8_t gpr2[GSC_AMD64_GPR_SIZE], xs2[GSC_AMD64_XSAVE_AVX_SIZE];
	uint8_t wire[816], wire2[816];

	make_native(gpr, xs, 7);
	gsc_amd64_wire_from_native(amd64(), gpr, xs, sizeof(xs), wire);
	assert_int_equal(wire_get(wire, "rip"), ld(gpr + 16 * 8, 8));
	assert_int_equal(wire_get(wire, "eflags"), ld(gpr + 18 * 8, 4));
	assert_int_equal(wire_get(wire, "fs_base"), ld(gpr + 21 * 8, 8));
	assert_memory_equal(wire + wire_off("xmm3"), xs + 160 + 3 * 16, 16);
	assert_memory_equal(wire + wire_off("ymm15h"), xs + 576 + 15 * 16, 16);
	assert_memory_equal(wire + wire_off("st2"), xs + 32 + 2 * 16, 10);
	assert_int_equal(wire_get(wire, "fctrl"), ld(xs, 2));
	assert_int_equal(wire_get(wire, "mxcsr"), ld(xs + 24, 4));

	/* Every register written back over scrambled register bytes: the original again. */
	memcpy(gpr2, gpr, sizeof(gpr));
	memcpy(xs2, xs, sizeof(xs));
	for (size_t i = 0; i < ai->ntable; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		if (r->prstatus_offset >= 0)
			memset(gpr2 + r->prstatus_offset, 0xa5, 8);
		else if (r->conv == GSC_REG_CONV_COPY)
			memset(xs2 + r->xsave_offset, 0xa5, r->xsave_size);
	}
	xs2[4] = 0x5a;
	st(xs2 + 6, 2, ld(xs + 6, 2) ^ 0x7ff);	/* fop: opcode bits only */
	gsc_amd64_native_from_wire(amd64(), wire, -1, gpr2, xs2, sizeof(xs2));
	assert_memory_equal(gpr2, gpr, sizeof(gpr));
	assert_memory_equal(xs2, xs, sizeof(xs));
	gsc_amd64_wire_from_native(amd64(), gpr2, xs2, sizeof(xs2), wire2);
	assert_memory_equal(wire2, wire, sizeof(wire));

	/* One register at a time touches only its own bytes. */
	for (int n = 0; n < 76; n++) {
		size_t off, size;
		assert_true(gsc_arch_wire_reg(ai, n, &off, &size, NULL));
		memcpy(wire2, wire, sizeof(wire));
		for (size_t b = 0; b < size; b++)
			wire2[off + b] ^= 0x01;
		memcpy(gpr2, gpr, sizeof(gpr));
		memcpy(xs2, xs, sizeof(xs));
		gsc_amd64_native_from_wire(amd64(), wire2, n, gpr2, xs2, sizeof(xs2));
		uint8_t wire3[816];
		gsc_amd64_wire_from_native(amd64(), gpr2, xs2, sizeof(xs2), wire3);
		for (int m = 0; m < 76; m++) {
			size_t o2, s2;
			assert_true(gsc_arch_wire_reg(ai, m, &o2, &s2, NULL));
			if (m == n || m == 34)	/* ftag is recomputed from the st registers */
				continue;
			assert_memory_equal(wire3 + o2, wire + o2, s2);
		}
	}
	/* 32-bit registers are zero-extended in their 64-bit slot. */
	memset(gpr2, 0xff, sizeof(gpr2));
	gsc_amd64_native_from_wire(amd64(), wire, 17, gpr2, NULL, 0);
	assert_int_equal(ld(gpr2 + 18 * 8, 8), ld(gpr + 18 * 8, 4));
}

static void test_init_state(void **state)
{
	uint8_t gpr[GSC_AMD64_GPR_SIZE], xs[GSC_AMD64_XSAVE_AVX_SIZE], wire[816];
	static const uint8_t zero[16];

	/* XSTATE_BV 0: everything at its init value, whatever the block holds. */
	make_native(gpr, xs, 0);
	gsc_amd64_wire_from_native(amd64(), gpr, xs, sizeof(xs), wire);
	assert_int_equal(wire_get(wire, "fctrl"), 0x37f);
	assert_int_equal(wire_get(wire, "fstat"), 0);
	assert_int_equal(wire_get(wire, "ftag"), 0xffff);
	assert_int_equal(wire_get(wire, "fop"), 0);
	assert_int_equal(wire_get(wire, "fioff"), 0);
	assert_int_equal(wire_get(wire, "mxcsr"), 0x1f80);
	assert_memory_equal(wire + wire_off("st0"), zero, 10);
	assert_memory_equal(wire + wire_off("xmm7"), zero, 16);
	assert_memory_equal(wire + wire_off("ymm7h"), zero, 16);
	assert_int_equal(wire_get(wire, "rip"), ld(gpr + 16 * 8, 8));

	/* AVX in use, SSE in init state: mxcsr is live, xmm are zero. */
	make_native(gpr, xs, GSC_XSTATE_AVX);
	gsc_amd64_wire_from_native(amd64(), gpr, xs, sizeof(xs), wire);
	assert_int_equal(wire_get(wire, "mxcsr"), ld(xs + 24, 4));
	assert_memory_equal(wire + wire_off("xmm0"), zero, 16);
	assert_memory_equal(wire + wire_off("ymm0h"), xs + 576, 16);
	assert_int_equal(wire_get(wire, "fctrl"), 0x37f);

	/* A bare fxsave area: x87 and SSE live, AVX upper halves zero. */
	make_native(gpr, xs, 0);
	gsc_amd64_wire_from_native(amd64(), gpr, xs, 512, wire);
	assert_int_equal(wire_get(wire, "fctrl"), ld(xs, 2));
	assert_memory_equal(wire + wire_off("xmm15"), xs + 160 + 15 * 16, 16);
	assert_memory_equal(wire + wire_off("ymm0h"), zero, 16);

	/* Cut short: what lies beyond xsave_len is at its init value; no block at all. */
	gsc_amd64_wire_from_native(amd64(), gpr, xs, 100, wire);
	assert_int_equal(wire_get(wire, "fctrl"), ld(xs, 2));
	assert_memory_equal(wire + wire_off("st3"), xs + 32 + 3 * 16, 10);	/* 80..90 */
	assert_memory_equal(wire + wire_off("st4"), zero, 10);			/* 96..106 */
	assert_memory_equal(wire + wire_off("xmm0"), zero, 16);
	gsc_amd64_wire_from_native(amd64(), gpr, NULL, 0, wire);
	assert_int_equal(wire_get(wire, "fctrl"), 0x37f);
	assert_int_equal(wire_get(wire, "mxcsr"), 0x1f80);
	assert_int_equal(wire_get(wire, "ftag"), 0xffff);
	assert_int_equal(wire_get(wire, "rsp"), ld(gpr + 19 * 8, 8));
}

static void test_write_into_init_state(void **state)
{
	uint8_t gpr[GSC_AMD64_GPR_SIZE], xs[GSC_AMD64_XSAVE_AVX_SIZE], wire[816];
	uint8_t before[GSC_AMD64_XSAVE_AVX_SIZE];
	static const uint8_t zero[16];

	/* xmm3 into a block whose SSE and AVX are in init state. */
	make_native(gpr, xs, 0);
	memcpy(before, xs, sizeof(xs));
	memset(wire, 0x42, sizeof(wire));
	gsc_amd64_native_from_wire(amd64(), wire, 43, gpr, xs, sizeof(xs));
	assert_int_equal(ld(xs + 512, 8), GSC_XSTATE_SSE);
	assert_memory_equal(xs + 160 + 3 * 16, wire + wire_off("xmm3"), 16);
	assert_memory_equal(xs + 160 + 4 * 16, zero, 16);	/* stale bytes replaced by init */
	assert_int_equal(ld(xs + 24, 4), 0x1f80);
	assert_memory_equal(xs, before, 24);			/* x87: untouched */
	assert_memory_equal(xs + 576, before + 576, 256);	/* AVX: untouched */
	gsc_amd64_wire_from_native(amd64(), gpr, xs, sizeof(xs), wire);
	assert_int_equal(wire_get(wire, "mxcsr"), 0x1f80);
	assert_memory_equal(wire + wire_off("xmm5"), zero, 16);

	/* ymm2h with SSE live: the AVX bit, the other upper halves zero, mxcsr kept. */
	make_native(gpr, xs, GSC_XSTATE_SSE);
	uint32_t mxcsr = (uint32_t)ld(xs + 24, 4);
	memset(wire, 0x42, sizeof(wire));
	gsc_amd64_native_from_wire(amd64(), wire, 62, gpr, xs, sizeof(xs));
	assert_int_equal(ld(xs + 512, 8), GSC_XSTATE_SSE | GSC_XSTATE_AVX);
	assert_memory_equal(xs + 576 + 2 * 16, wire + wire_off("ymm2h"), 16);
	assert_memory_equal(xs + 576, zero, 16);
	assert_int_equal(ld(xs + 24, 4), mxcsr);

	/* fop into an x87 component in init state: fctrl 0x37f, empty tags. */
	make_native(gpr, xs, 0);
	memset(wire, 0, sizeof(wire));
	wire_put(wire, "fop", 0x123);
	gsc_amd64_native_from_wire(amd64(), wire, 39, gpr, xs, sizeof(xs));
	assert_int_equal(ld(xs + 512, 8), GSC_XSTATE_X87);
	assert_int_equal(ld(xs, 2), 0x37f);
	assert_int_equal(xs[4], 0);
	assert_int_equal(ld(xs + 6, 2), 0x123);

	/* Beyond xsave_len: left alone, no header written. */
	make_native(gpr, xs, 0);
	memcpy(before, xs, sizeof(xs));
	gsc_amd64_native_from_wire(amd64(), wire, -1, gpr, xs, 512);
	assert_memory_equal(xs + 512, before + 512, sizeof(xs) - 512);
	make_native(gpr, xs, 0);
	memcpy(before, xs, sizeof(xs));
	gsc_amd64_native_from_wire(amd64(), wire, 60, gpr, xs, 600);	/* ymm0h: 576..592 fits, header present */
	assert_int_equal(ld(xs + 512, 8), GSC_XSTATE_AVX);
	assert_memory_equal(xs + 592, before + 592, sizeof(xs) - 592);
}

/* 80-bit values: sign+exponent in bytes 8-9, 64-bit significand with the integer bit at 63. */
static void put_st(uint8_t *fx, int j, uint16_t sexp, uint64_t mant)
{
	st(fx + 32 + 16 * j, 8, mant);
	st(fx + 32 + 16 * j + 8, 2, sexp);
}

static void test_ftag_fop_pointers(void **state)
{
	uint8_t gpr[GSC_AMD64_GPR_SIZE] = { 0 }, fx[512] = { 0 }, wire[816];

	/* TOP = 6: ST(0) is physical 6, ST(1) 7, ST(2) 0, ... */
	st(fx + 2, 2, 6 << 11);
	fx[4] = 0xc1;				/* physical 0, 6, 7 in use */
	put_st(fx, 0, 0x3fff, 1ull << 63);	/* 1.0: valid */
	put_st(fx, 1, 0, 0);			/* +0: zero */
	put_st(fx, 2, 0x7fff, 1ull << 63);	/* +inf: special */
	put_st(fx, 3, 0x3fff, 1ull << 63);	/* physical 1: empty, whatever it holds */
	gsc_amd64_wire_from_native(amd64(), gpr, fx, sizeof(fx), wire);
	assert_int_equal(wire_get(wire, "ftag"), 0x4ffe);
	wire_put(wire, "ftag", 0x4ffe);
	fx[4] = 0;
	gsc_amd64_native_from_wire(amd64(), wire, 34, gpr, fx, sizeof(fx));
	assert_int_equal(fx[4], 0xc1);

	/* Denormal and unnormal are special. */
	put_st(fx, 0, 0, 1);
	put_st(fx, 1, 0x4000, 1);
	gsc_amd64_wire_from_native(amd64(), gpr, fx, sizeof(fx), wire);
	assert_int_equal(wire_get(wire, "ftag"), 0xaffe);
	assert_int_equal(wire_get(wire, "fstat"), 6 << 11);

	/* fop: 11 bits; the other 5 survive a write. */
	st(fx + 6, 2, 0xf123);
	gsc_amd64_wire_from_native(amd64(), gpr, fx, sizeof(fx), wire);
	assert_int_equal(wire_get(wire, "fop"), 0x123);
	wire_put(wire, "fop", 0x7ff);
	gsc_amd64_native_from_wire(amd64(), wire, 39, gpr, fx, sizeof(fx));
	assert_int_equal(ld(fx + 6, 2), 0xf7ff);

	/* The 64-bit FPU pointers: fioff/fooff the low halves, fiseg/foseg the high ones. */
	st(fx + 8, 8, 0x1122334455667788ull);
	st(fx + 16, 8, 0x99aabbccddeeff00ull);
	gsc_amd64_wire_from_native(amd64(), gpr, fx, sizeof(fx), wire);
	assert_int_equal(wire_get(wire, "fioff"), 0x55667788);
	assert_int_equal(wire_get(wire, "fiseg"), 0x11223344);
	assert_int_equal(wire_get(wire, "fooff"), 0xddeeff00);
	assert_int_equal(wire_get(wire, "foseg"), 0x99aabbcc);
}

/* ---------------------------------------------------------------- target.xml */

/* The value of attribute a in the element starting at p (up to its '>'), or NULL. */
static const char *attr(const char *p, const char *a, char *buf, size_t bufsize)
{
	const char *end = strchr(p, '>');
	char key[40];
	snprintf(key, sizeof(key), " %s=\"", a);
	const char *k = strstr(p, key);
	if (!k || k > end)
		return NULL;
	k += strlen(key);
	size_t n = (size_t)(strchr(k, '"') - k);
	assert_true(n < bufsize);
	memcpy(buf, k, n);
	buf[n] = 0;
	return buf;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_target_xml(void **state)
{
	const struct gsc_arch_info *ai = amd64();
	const char *xml = gsc_arch_target_xml(ai);
	assert_non_null(xml);
	assert_ptr_equal(gsc_arch_target_xml(ai), xml);	/* built once */
	assert_true(strncmp(xml, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n", 70) == 0);
	assert_non_null(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	assert_non_null(strstr(xml, "<osabi>GNU/Linux</osabi>"));
	size_t len = strlen(xml);
	assert_string_equal(xml + len - 10, "</target>\n");
	assert_null(strstr(xml, "xi:include"));
	assert_null(strstr(xml, "avx512"));
	/* Balanced elements, the five features in gdb's order. */
	assert_int_equal(count(xml, "<feature "), 5);
	assert_int_equal(count(xml, "</feature>"), 5);
	assert_int_equal(count(xml, "<flags "), count(xml, "</flags>"));
	assert_int_equal(count(xml, "<union "), count(xml, "</union>"));
	assert_int_equal(count(xml, "<"), count(xml, ">"));
	const char *core = strstr(xml, "\"org.gnu.gdb.i386.core\""), *sse = strstr(xml, "\"org.gnu.gdb.i386.sse\"");
	const char *lnx = strstr(xml, "\"org.gnu.gdb.i386.linux\""), *seg = strstr(xml, "\"org.gnu.gdb.i386.segments\"");
	const char *avx = strstr(xml, "\"org.gnu.gdb.i386.avx\"");
	assert_true(core && sse && lnx && seg && avx && core < sse && sse < lnx && lnx < seg && seg < avx);

	/* Every regnum once, in order, sizes adding up to the g packet. */
	int next = 0;
	size_t bytes = 0;
	char buf[64];
	for (const char *p = xml; (p = strstr(p, "<reg ")); p++, next++) {
		assert_non_null(attr(p, "regnum", buf, sizeof(buf)));
		assert_int_equal(atoi(buf), next);
		assert_non_null(attr(p, "bitsize", buf, sizeof(buf)));
		bytes += (size_t)atoi(buf) / 8;
		const char *name;
		assert_true(gsc_arch_wire_reg(ai, next, NULL, NULL, &name));
		assert_string_equal(attr(p, "name", buf, sizeof(buf)), name);
		assert_non_null(attr(p, "type", buf, sizeof(buf)));
		/* The register sits in the feature the table says. */
		const char *feat = ai->tdesc_features[ai->regs[idx(name)].feature].name;
		const char *f = xml, *last = NULL;
		while ((f = strstr(f, "<feature name=\"")) && f < p)
			last = f++;
		assert_non_null(last);
		assert_true(strncmp(last + 15, feat, strlen(feat)) == 0);
	}
	assert_int_equal(next, 76);
	assert_int_equal(bytes, gsc_arch_wire_size(ai));

	/* lldb's attributes. */
	static const struct { const char *name, *generic; int dwarf; } want[] = {
		{ "rip", "pc", 16 }, { "rsp", "sp", 7 }, { "rbp", "fp", 6 }, { "eflags", "flags", 49 },
		{ "rdi", "arg1", 5 }, { "rsi", "arg2", 4 }, { "rdx", "arg3", 1 }, { "rcx", "arg4", 2 },
		{ "r8", "arg5", 8 }, { "r9", "arg6", 9 }, { "rax", NULL, 0 }, { "xmm0", NULL, 17 },
		{ "st0", NULL, 33 }, { "mxcsr", NULL, 64 }, { "ymm0h", NULL, -1 }, { "orig_rax", NULL, -1 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char key[64], v[32];
		snprintf(key, sizeof(key), "<reg name=\"%s\" ", want[i].name);
		const char *p = strstr(xml, key);
		assert_non_null(p);
		if (want[i].generic)
			assert_string_equal(attr(p, "generic", v, sizeof(v)), want[i].generic);
		else
			assert_null(attr(p, "generic", v, sizeof(v)));
		if (want[i].dwarf >= 0) {
			assert_int_equal(atoi(attr(p, "dwarf_regnum", v, sizeof(v))), want[i].dwarf);
			assert_int_equal(atoi(attr(p, "ehframe_regnum", v, sizeof(v))), want[i].dwarf);
		} else {
			assert_null(attr(p, "dwarf_regnum", v, sizeof(v)));
			assert_null(attr(p, "ehframe_regnum", v, sizeof(v)));
		}
	}
	assert_non_null(strstr(xml, "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" regnum=\"32\" group=\"float\""));
	assert_non_null(strstr(xml, "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" regnum=\"56\" group=\"vector\""));
	assert_non_null(strstr(xml, "<flags id=\"i386_eflags\" size=\"4\">"));
	assert_non_null(strstr(xml, "<union id=\"vec128\">"));
}

/* ---------------------------------------------------------------- a live thread */

#ifdef HAVE_HOST_X86_64
/*
 * The kernel's own blocks: a child loads xmm1 and ymm1's upper half with a
 * pattern and stops; its NT_PRSTATUS and NT_X86_XSTATE through our
 * conversion must show them, and a write through PTRACE_SETREGSET must reach
 * the child.
 */
static pid_t live_pid;

/* A failed assertion leaves the child stopped: kill it. */
static int live_teardown(void **state)
{
	if (live_pid > 0) {
		kill(live_pid, SIGKILL);
		waitpid(live_pid, NULL, 0);
		live_pid = 0;
	}
	return 0;
}

static void test_live_thread(void **state)
{
	static const uint8_t pat[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
	__builtin_cpu_init();
	bool avx = __builtin_cpu_supports("avx");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(77);
		/* One asm block from the load to the read-back: no libc call may clobber them. */
		uint8_t got[16];
		long self = getpid(), ret;
		if (avx)
			__asm__ volatile("vmovdqu %[p], %%ymm1\n\tsyscall\n\tmovdqu %%xmm2, %[g]"
					 : "=a"(ret), [g] "=m"(got)
					 : "a"(62L), "D"(self), "S"((long)SIGSTOP), [p] "m"(pat)
					 : "rcx", "r11", "xmm1", "xmm2", "memory");
		else
			__asm__ volatile("movdqu %[p], %%xmm1\n\tsyscall\n\tmovdqu %%xmm2, %[g]"
					 : "=a"(ret), [g] "=m"(got)
					 : "a"(62L), "D"(self), "S"((long)SIGSTOP), [p] "m"(pat)
					 : "rcx", "r11", "xmm1", "xmm2", "memory");
		_exit(ret == 0 && memcmp(got, pat + 16, 16) == 0 ? 0 : 1);
	}
	live_pid = pid;
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSTOPPED(status))
		live_pid = 0;	/* reaped */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip();	/* ptrace not allowed here */
	assert_true(WIFSTOPPED(status));

	struct user_regs_struct ur;
	static uint8_t xs[16384] __attribute__((aligned(64)));
	struct iovec gv = { &ur, sizeof(ur) }, xv = { xs, sizeof(xs) };
	assert_int_equal(ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &gv), 0);
	size_t xlen = 512;
	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &xv) == 0) {
		xlen = xv.iov_len;
	} else {
		struct iovec fv = { xs, 512 };
		assert_int_equal(ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRFPREG, &fv), 0);
	}
	uint8_t wire[816];
	gsc_amd64_wire_from_native(amd64(), (const uint8_t *)&ur, xs, xlen, wire);
	assert_int_equal(wire_get(wire, "rip"), ur.rip);
	assert_int_equal(wire_get(wire, "rsp"), ur.rsp);
	assert_int_equal(wire_get(wire, "eflags"), ur.eflags);
	assert_int_equal(wire_get(wire, "fs_base"), ur.fs_base);
	assert_int_equal(wire_get(wire, "cs"), ur.cs);
	assert_memory_equal(wire + wire_off("xmm1"), pat, 16);
	if (avx && xlen >= GSC_AMD64_XSAVE_AVX_SIZE)
		assert_memory_equal(wire + wire_off("ymm1h"), pat + 16, 16);
	assert_int_equal(wire_get(wire, "fctrl"), 0x37f);	/* Linux starts threads with the init FCW */

	/* xmm2 := the upper pattern, written back through the kernel. */
	memcpy(wire + wire_off("xmm2"), pat + 16, 16);
	gsc_amd64_native_from_wire(amd64(), wire, 42, (uint8_t *)&ur, xs, xlen);
	struct iovec wv = { xs, xlen };
	assert_int_equal(ptrace(PTRACE_SETREGSET, pid, (void *)(uintptr_t)(xlen > 512 ? NT_X86_XSTATE : NT_PRFPREG), &wv), 0);
	assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	live_pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}
#endif

/* ---------------------------------------------------------------- AVX-512 */

static size_t off512(const char *name)
{
	const struct gsc_arch_info *ai = &gsc_amd64_avx512_arch;
	for (size_t i = 0; i < ai->ntable; i++) {
		size_t off;
		if (strcmp(ai->regs[i].name, name) == 0 && gsc_arch_wire_reg(ai, ai->regs[i].gdb_regno, &off, NULL, NULL))
			return off;
	}
	fail_msg("no register %s", name);
	return 0;
}

static void test_avx512(void **state)
{
	const struct gsc_arch_info *ai = &gsc_amd64_avx512_arch;
	(void)state;
	assert_ptr_equal(gsc_amd64_arch_for_xcr0(0xe7), ai);
	assert_ptr_equal(gsc_amd64_arch_for_xcr0(0x2e7), ai);
	assert_ptr_equal(gsc_amd64_arch_for_xcr0(0x67), amd64());
	assert_ptr_equal(gsc_amd64_arch_for_xcr0(0x7), amd64());
	assert_ptr_equal(gsc_arch_info(GSC_ARCH_AMD64), amd64());
	/* gdb 13 `maint print remote-registers` against gdbserver on an AVX-512 machine */
	assert_int_equal(gsc_arch_wire_nregs(ai), 148);
	assert_int_equal(gsc_arch_wire_size(ai), 2416);
	assert_int_equal(off512("ymm15h"), 800);
	assert_int_equal(off512("xmm16"), 816);
	assert_int_equal(off512("ymm16h"), 1072);
	assert_int_equal(off512("k0"), 1328);
	assert_int_equal(off512("zmm0h"), 1392);
	assert_int_equal(off512("zmm31h"), 2384);
	assert_int_equal(off512("fs_base"), 544);
	for (size_t i = GSC_AMD64_NTABLE; i < ai->ntable; i++)
		assert_int_equal(ai->regs[i].gdb_regno, (int)i);
	const char *xml = gsc_arch_target_xml(ai);
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<feature name=\"org.gnu.gdb.i386.avx512\">"));
	assert_non_null(strstr(xml, "<reg name=\"zmm31h\" bitsize=\"256\" type=\"v2ui128\" regnum=\"147\""));
	assert_null(strstr(gsc_arch_target_xml(amd64()), "avx512"));

	/* XSAVE standard format: opmask 1088, ZMM_Hi256 1152, Hi16_ZMM 1664 */
	static uint8_t xs[GSC_AMD64_XSAVE_AVX512_SIZE], xs2[GSC_AMD64_XSAVE_AVX512_SIZE];
	uint8_t gpr[GSC_AMD64_GPR_SIZE] = { 0 }, gpr2[GSC_AMD64_GPR_SIZE];
	static uint8_t wire[2416], wire2[2416];
	for (size_t i = 0; i < sizeof(xs); i++)
		xs[i] = (uint8_t)(i * 29 + 3);
	memset(xs + 512, 0, 64);
	st(xs + 512, 8, 0xe7);
	gsc_amd64_wire_from_native(ai, gpr, xs, sizeof(xs), wire);
	assert_memory_equal(wire + off512("k3"), xs + 1088 + 3 * 8, 8);
	assert_memory_equal(wire + off512("zmm5h"), xs + 1152 + 5 * 32, 32);
	assert_memory_equal(wire + off512("xmm17"), xs + 1664 + 64, 16);
	assert_memory_equal(wire + off512("ymm17h"), xs + 1664 + 64 + 16, 16);
	assert_memory_equal(wire + off512("zmm20h"), xs + 1664 + 4 * 64 + 32, 32);
	assert_memory_equal(wire + off512("xmm3"), xs + 160 + 3 * 16, 16);
	/* the whole block back from the wire */
	memset(xs2, 0xa5, sizeof(xs2));
	memcpy(xs2, xs, 576);
	memcpy(gpr2, gpr, sizeof(gpr));
	gsc_amd64_native_from_wire(ai, wire, -1, gpr2, xs2, sizeof(xs2));
	gsc_amd64_wire_from_native(ai, gpr2, xs2, sizeof(xs2), wire2);
	assert_memory_equal(wire2, wire, sizeof(wire));
	assert_memory_equal(xs2 + 1088, xs + 1088, sizeof(xs) - 1088);
	/* Hi16_ZMM in init state: zmm16-31 read 0; writing k1 alone leaves it so */
	st(xs + 512, 8, 0x67);
	gsc_amd64_wire_from_native(ai, gpr, xs, sizeof(xs), wire);
	static const uint8_t zero[32];
	assert_memory_equal(wire + off512("xmm31"), zero, 16);
	assert_memory_equal(wire + off512("zmm16h"), zero, 32);
	memset(wire + off512("k1"), 0x11, 8);
	gsc_amd64_native_from_wire(ai, wire, 109, gpr, xs, sizeof(xs));
	assert_int_equal(ld(xs + 512, 8), 0x67);
	assert_memory_equal(xs + 1088 + 8, "\x11\x11\x11\x11\x11\x11\x11\x11", 8);
	/* writing xmm20 makes Hi16_ZMM present, the other zmm16-31 bytes at their init value 0 */
	memset(wire + off512("xmm20"), 0x22, 16);
	gsc_amd64_native_from_wire(ai, wire, 80, gpr, xs, sizeof(xs));
	assert_int_equal(ld(xs + 512, 8), 0xe7);
	assert_memory_equal(xs + 1664 + 4 * 64, "\x22\x22\x22\x22\x22\x22\x22\x22", 8);
	assert_memory_equal(xs + 1664, zero, 32);
	/* a block that ends before AVX-512 (an AVX-only process read with this table): init values */
	gsc_amd64_wire_from_native(ai, gpr, xs, GSC_AMD64_XSAVE_AVX_SIZE, wire);
	assert_memory_equal(wire + off512("k1"), zero, 8);
}

/* ---------------------------------------------------------------- main */

static int print_layout(const struct gsc_arch_info *ai)
{
	for (int n = 0; n < gsc_arch_wire_nregs(ai); n++) {
		size_t off, size;
		const char *name;
		if (!gsc_arch_wire_reg(ai, n, &off, &size, &name))
			return 1;
		printf("%d %s %zu %zu\n", n, name, off, size);
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* --target-xml / --wire-layout [avx512]: the description and g layout for check-tdesc.sh */
	const struct gsc_arch_info *ai = argc == 3 && !strcmp(argv[2], "avx512") ? &gsc_amd64_avx512_arch : amd64();
	if (argc >= 2 && strcmp(argv[1], "--target-xml") == 0) {
		const char *xml = gsc_arch_target_xml(ai);
		return xml && fputs(xml, stdout) >= 0 ? 0 : 1;
	}
	if (argc >= 2 && strcmp(argv[1], "--wire-layout") == 0)
		return print_layout(ai);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_table_dwarf_generic),
		cmocka_unit_test(test_table_gdb_numbers),
#ifdef HAVE_HOST_X86_64
		cmocka_unit_test(test_kernel_layout),
#endif
		cmocka_unit_test(test_wire_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_init_state),
		cmocka_unit_test(test_write_into_init_state),
		cmocka_unit_test(test_ftag_fop_pointers),
		cmocka_unit_test(test_target_xml),
		cmocka_unit_test(test_avx512),
#ifdef HAVE_HOST_X86_64
		cmocka_unit_test_teardown(test_live_thread, live_teardown),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
