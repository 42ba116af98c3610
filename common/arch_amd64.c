/*
 * arch_amd64.c - the linux/amd64 register table and the conversions between
 * the kernel's register blocks and gdb's g packet.
 *
 * Facts, per column:
 * - order, names, bitsizes, regnums, types, groups: gdb's target description
 *   as gdbserver 13 serves it (reference/target_amd64_gdbserver.xml: features
 *   org.gnu.gdb.i386.core, .sse, .linux, .segments, .avx; and .avx512 as
 *   gdbserver 13 serves it on an AVX-512 machine: xmm16-31 regnums 76-91,
 *   ymm16h-31h 92-107, k0-7 108-115, zmm0h-31h 116-147, gdb's
 *   features/i386/64bit-avx512.xml types);
 * - DWARF and .eh_frame numbers: System V x86-64 psABI, "DWARF Register Number
 *   Mapping" (rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5, rbp 6, rsp 7, r8-r15
 *   8-15, RA 16, xmm0-15 17-32, st0-7 33-40, rFLAGS 49, es 50, cs 51, ss 52,
 *   ds 53, fs 54, gs 55, fs.base 58, gs.base 59, mxcsr 64, fcw 65, fsw 66,
 *   xmm16-31 67-82, k0-7 118-125);
 *   the same numbers in .eh_frame on x86-64;
 * - generic: lldb's generic register kinds, arguments per the psABI's integer
 *   argument order rdi rsi rdx rcx r8 r9;
 * - pr_reg slots: struct user_regs_struct (arch/x86/include/asm/user_64.h):
 *   r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs
 *   eflags rsp ss fs_base gs_base ds es fs gs, 27 slots of 8 bytes;
 * - fxsave / XSAVE offsets: Intel SDM vol. 1 table 10-2 (64-bit FXSAVE
 *   layout: FCW 0, FSW 2, abridged FTW 4, FOP 6, FPU IP 8 (64 bits), FPU DP 16
 *   (64 bits), MXCSR 24, ST0-7 32 + 16*i, XMM0-15 160 + 16*i) and §13.4-13.5
 *   (XSAVE header at 512; AVX upper halves at 576 in the standard format,
 *   CPUID.(EAX=0DH,ECX=2).EBX; opmask 1088, ZMM_Hi256 1152 (32 bytes per
 *   zmm0-15), Hi16_ZMM 1664 (64 bytes per zmm16-31), CPUID.(EAX=0DH,ECX=5..7));
 * - init values: Intel SDM vol. 1 §13.6 (x87: FCW 037FH, everything else 0;
 *   SSE/AVX: 0; MXCSR 1F80H, saved whenever SSE or AVX is, so it is in init
 *   state only when both are, as the kernel's copy_xstate_to_uabi_buf treats it).
 *
 * What gdb makes of the 64-bit FPU pointers (amd64-tdep.c, amd64_supply_fxsave):
 * fioff / fooff are the low 32 bits of FPU IP / DP, fiseg / foseg the high 32
 * bits (bytes 12 and 20 of the 64-bit layout); fop is the low 11 bits of the
 * opcode field; ftag is the full i387 tag word, derived from the abridged one.
 */
#include "config.h"

#include <string.h>

#include "arch.h"

enum { F_CORE, F_SSE, F_LINUX, F_SEGMENTS, F_AVX, F_AVX512 };

/* Register types gdb does not predefine (facts: gdb's features/i386/64bit-core.xml, 64bit-sse.xml). */
static const char core_types[] =
	"    <flags id=\"i386_eflags\" size=\"4\">\n"
	"      <field name=\"CF\" start=\"0\" end=\"0\" type=\"bool\"/>\n"
	"      <field name=\"\" start=\"1\" end=\"1\" type=\"bool\"/>\n"
	"      <field name=\"PF\" start=\"2\" end=\"2\" type=\"bool\"/>\n"
	"      <field name=\"AF\" start=\"4\" end=\"4\" type=\"bool\"/>\n"
	"      <field name=\"ZF\" start=\"6\" end=\"6\" type=\"bool\"/>\n"
	"      <field name=\"SF\" start=\"7\" end=\"7\" type=\"bool\"/>\n"
	"      <field name=\"TF\" start=\"8\" end=\"8\" type=\"bool\"/>\n"
	"      <field name=\"IF\" start=\"9\" end=\"9\" type=\"bool\"/>\n"
	"      <field name=\"DF\" start=\"10\" end=\"10\" type=\"bool\"/>\n"
	"      <field name=\"OF\" start=\"11\" end=\"11\" type=\"bool\"/>\n"
	"      <field name=\"NT\" start=\"14\" end=\"14\" type=\"bool\"/>\n"
	"      <field name=\"RF\" start=\"16\" end=\"16\" type=\"bool\"/>\n"
	"      <field name=\"VM\" start=\"17\" end=\"17\" type=\"bool\"/>\n"
	"      <field name=\"AC\" start=\"18\" end=\"18\" type=\"bool\"/>\n"
	"      <field name=\"VIF\" start=\"19\" end=\"19\" type=\"bool\"/>\n"
	"      <field name=\"VIP\" start=\"20\" end=\"20\" type=\"bool\"/>\n"
	"      <field name=\"ID\" start=\"21\" end=\"21\" type=\"bool\"/>\n"
	"    </flags>\n";

/* vec128 and its parts: sse defines them, and avx512 again (a feature's types are its own in gdb). */
#define VEC128_TYPES \
	"    <vector id=\"v8bf16\" type=\"bfloat16\" count=\"8\"/>\n" \
	"    <vector id=\"v8h\" type=\"ieee_half\" count=\"8\"/>\n" \
	"    <vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n" \
	"    <vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n" \
	"    <vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n" \
	"    <vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n" \
	"    <vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n" \
	"    <vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n" \
	"    <union id=\"vec128\">\n" \
	"      <field name=\"v8_bfloat16\" type=\"v8bf16\"/>\n" \
	"      <field name=\"v8_half\" type=\"v8h\"/>\n" \
	"      <field name=\"v4_float\" type=\"v4f\"/>\n" \
	"      <field name=\"v2_double\" type=\"v2d\"/>\n" \
	"      <field name=\"v16_int8\" type=\"v16i8\"/>\n" \
	"      <field name=\"v8_int16\" type=\"v8i16\"/>\n" \
	"      <field name=\"v4_int32\" type=\"v4i32\"/>\n" \
	"      <field name=\"v2_int64\" type=\"v2i64\"/>\n" \
	"      <field name=\"uint128\" type=\"uint128\"/>\n" \
	"    </union>\n"

static const char sse_types[] =
	VEC128_TYPES
	"    <flags id=\"i386_mxcsr\" size=\"4\">\n"
	"      <field name=\"IE\" start=\"0\" end=\"0\" type=\"bool\"/>\n"
	"      <field name=\"DE\" start=\"1\" end=\"1\" type=\"bool\"/>\n"
	"      <field name=\"ZE\" start=\"2\" end=\"2\" type=\"bool\"/>\n"
	"      <field name=\"OE\" start=\"3\" end=\"3\" type=\"bool\"/>\n"
	"      <field name=\"UE\" start=\"4\" end=\"4\" type=\"bool\"/>\n"
	"      <field name=\"PE\" start=\"5\" end=\"5\" type=\"bool\"/>\n"
	"      <field name=\"DAZ\" start=\"6\" end=\"6\" type=\"bool\"/>\n"
	"      <field name=\"IM\" start=\"7\" end=\"7\" type=\"bool\"/>\n"
	"      <field name=\"DM\" start=\"8\" end=\"8\" type=\"bool\"/>\n"
	"      <field name=\"ZM\" start=\"9\" end=\"9\" type=\"bool\"/>\n"
	"      <field name=\"OM\" start=\"10\" end=\"10\" type=\"bool\"/>\n"
	"      <field name=\"UM\" start=\"11\" end=\"11\" type=\"bool\"/>\n"
	"      <field name=\"PM\" start=\"12\" end=\"12\" type=\"bool\"/>\n"
	"      <field name=\"FZ\" start=\"15\" end=\"15\" type=\"bool\"/>\n"
	"    </flags>\n";

/* gdb's 64bit-avx512.xml */
static const char avx512_types[] =
	VEC128_TYPES
	"    <vector id=\"v2ui128\" type=\"uint128\" count=\"2\"/>\n";

static const struct gsc_tdesc_feature amd64_features[] = {
	[F_CORE] = { "org.gnu.gdb.i386.core", core_types },
	[F_SSE] = { "org.gnu.gdb.i386.sse", sse_types },
	[F_LINUX] = { "org.gnu.gdb.i386.linux", "" },
	[F_SEGMENTS] = { "org.gnu.gdb.i386.segments", "" },
	[F_AVX] = { "org.gnu.gdb.i386.avx", "" },
	[F_AVX512] = { "org.gnu.gdb.i386.avx512", avx512_types },
};

/* An integer register in user_regs_struct slot s. */
#define GPR(nm, bits, regno, dw, s, ty, feat, gen) { \
	.name = nm, .bitsize = bits, .gdb_regno = regno, .dwarf_regno = dw, \
	.prstatus_offset = (s) * 8, .type = ty, .ehframe_regno = dw, .feature = feat, \
	.generic = gen, .xsave_offset = -1 }
/* A register at byte off of the fxsave / XSAVE block, sz bytes there. */
#define XS(nm, bits, regno, dw, off, sz, ty, feat, grp, mask, cv, ini) { \
	.name = nm, .bitsize = bits, .gdb_regno = regno, .dwarf_regno = dw, \
	.prstatus_offset = -1, .type = ty, .ehframe_regno = dw, .feature = feat, \
	.group = grp, .xsave_offset = off, .xsave_size = sz, .xsave_mask = mask, \
	.conv = cv, .init = ini }
#define ST(i) XS("st" #i, 80, 24 + (i), 33 + (i), 32 + 16 * (i), 10, "i387_ext", F_CORE, NULL, \
		 GSC_XSTATE_X87, GSC_REG_CONV_COPY, 0)
#define FPC(nm, regno, dw, off, sz, cv, ini) XS(nm, 32, regno, dw, off, sz, "int", F_CORE, "float", \
					    GSC_XSTATE_X87, cv, ini)
#define XMM(i) XS("xmm" #i, 128, 40 + (i), 17 + (i), 160 + 16 * (i), 16, "vec128", F_SSE, NULL, \
		  GSC_XSTATE_SSE, GSC_REG_CONV_COPY, 0)
#define YMMH(i) XS("ymm" #i "h", 128, 60 + (i), -1, 576 + 16 * (i), 16, "uint128", F_AVX, NULL, \
		   GSC_XSTATE_AVX, GSC_REG_CONV_COPY, 0)
/* AVX-512: i counts from 16 for xmm/ymm; Hi16_ZMM holds zmm16-31 whole, 64 bytes each. */
#define XMM16(i) XS("xmm" #i, 128, 76 + (i) - 16, 67 + (i) - 16, 1664 + 64 * ((i) - 16), 16, "vec128", F_AVX512, \
		    NULL, GSC_XSTATE_HI16_ZMM, GSC_REG_CONV_COPY, 0)
#define YMM16H(i) XS("ymm" #i "h", 128, 92 + (i) - 16, -1, 1664 + 64 * ((i) - 16) + 16, 16, "uint128", \
		     F_AVX512, NULL, GSC_XSTATE_HI16_ZMM, GSC_REG_CONV_COPY, 0)
#define KREG(i) XS("k" #i, 64, 108 + (i), 118 + (i), 1088 + 8 * (i), 8, "uint64", F_AVX512, NULL, \
		   GSC_XSTATE_OPMASK, GSC_REG_CONV_COPY, 0)
#define ZMMH(i) XS("zmm" #i "h", 256, 116 + (i), -1, 1152 + 32 * (i), 32, "v2ui128", F_AVX512, NULL, \
		   GSC_XSTATE_ZMM_HI256, GSC_REG_CONV_COPY, 0)
#define ZMM16H(i) XS("zmm" #i "h", 256, 116 + (i), -1, 1664 + 64 * ((i) - 16) + 32, 32, "v2ui128", F_AVX512, \
		     NULL, GSC_XSTATE_HI16_ZMM, GSC_REG_CONV_COPY, 0)

static const struct gsc_reg_info amd64_regs[GSC_AMD64_NTABLE_AVX512] = {
	[GSC_AMD64_RAX] = GPR("rax", 64, 0, 0, 10, "int64", F_CORE, NULL),
	[GSC_AMD64_RBX] = GPR("rbx", 64, 1, 3, 5, "int64", F_CORE, NULL),
	[GSC_AMD64_RCX] = GPR("rcx", 64, 2, 2, 11, "int64", F_CORE, "arg4"),
	[GSC_AMD64_RDX] = GPR("rdx", 64, 3, 1, 12, "int64", F_CORE, "arg3"),
	[GSC_AMD64_RSI] = GPR("rsi", 64, 4, 4, 13, "int64", F_CORE, "arg2"),
	[GSC_AMD64_RDI] = GPR("rdi", 64, 5, 5, 14, "int64", F_CORE, "arg1"),
	[GSC_AMD64_RBP] = GPR("rbp", 64, 6, 6, 4, "data_ptr", F_CORE, "fp"),
	[GSC_AMD64_RSP] = GPR("rsp", 64, 7, 7, 19, "data_ptr", F_CORE, "sp"),
	[GSC_AMD64_R8] = GPR("r8", 64, 8, 8, 9, "int64", F_CORE, "arg5"),
	[GSC_AMD64_R9] = GPR("r9", 64, 9, 9, 8, "int64", F_CORE, "arg6"),
	[GSC_AMD64_R10] = GPR("r10", 64, 10, 10, 7, "int64", F_CORE, NULL),
	[GSC_AMD64_R11] = GPR("r11", 64, 11, 11, 6, "int64", F_CORE, NULL),
	[GSC_AMD64_R12] = GPR("r12", 64, 12, 12, 3, "int64", F_CORE, NULL),
	[GSC_AMD64_R13] = GPR("r13", 64, 13, 13, 2, "int64", F_CORE, NULL),
	[GSC_AMD64_R14] = GPR("r14", 64, 14, 14, 1, "int64", F_CORE, NULL),
	[GSC_AMD64_R15] = GPR("r15", 64, 15, 15, 0, "int64", F_CORE, NULL),
	[GSC_AMD64_RIP] = GPR("rip", 64, 16, 16, 16, "code_ptr", F_CORE, "pc"),
	[GSC_AMD64_EFLAGS] = GPR("eflags", 32, 17, 49, 18, "i386_eflags", F_CORE, "flags"),
	[GSC_AMD64_CS] = GPR("cs", 32, 18, 51, 17, "int32", F_CORE, NULL),
	[GSC_AMD64_SS] = GPR("ss", 32, 19, 52, 20, "int32", F_CORE, NULL),
	[GSC_AMD64_DS] = GPR("ds", 32, 20, 53, 23, "int32", F_CORE, NULL),
	[GSC_AMD64_ES] = GPR("es", 32, 21, 50, 24, "int32", F_CORE, NULL),
	[GSC_AMD64_FS] = GPR("fs", 32, 22, 54, 25, "int32", F_CORE, NULL),
	[GSC_AMD64_GS] = GPR("gs", 32, 23, 55, 26, "int32", F_CORE, NULL),
	[GSC_AMD64_ORIG_RAX] = GPR("orig_rax", 64, 57, -1, 15, "int", F_LINUX, NULL),
	[GSC_AMD64_FS_BASE] = GPR("fs_base", 64, 58, 58, 21, "int", F_SEGMENTS, NULL),
	[GSC_AMD64_GS_BASE] = GPR("gs_base", 64, 59, 59, 22, "int", F_SEGMENTS, NULL),
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7),
	[GSC_AMD64_FCTRL] = FPC("fctrl", 32, 65, 0, 2, GSC_REG_CONV_COPY, 0x37f),
	FPC("fstat", 33, 66, 2, 2, GSC_REG_CONV_COPY, 0),
	FPC("ftag", 34, -1, 4, 1, GSC_REG_CONV_FTAG, 0),
	FPC("fiseg", 35, -1, 12, 4, GSC_REG_CONV_COPY, 0),
	FPC("fioff", 36, -1, 8, 4, GSC_REG_CONV_COPY, 0),
	FPC("foseg", 37, -1, 20, 4, GSC_REG_CONV_COPY, 0),
	FPC("fooff", 38, -1, 16, 4, GSC_REG_CONV_COPY, 0),
	FPC("fop", 39, -1, 6, 2, GSC_REG_CONV_FOP, 0),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	[GSC_AMD64_MXCSR] = XS("mxcsr", 32, 56, 64, 24, 4, "i386_mxcsr", F_SSE, "vector",
			       GSC_XSTATE_SSE | GSC_XSTATE_AVX, GSC_REG_CONV_COPY, 0x1f80),
	YMMH(0), YMMH(1), YMMH(2), YMMH(3), YMMH(4), YMMH(5), YMMH(6), YMMH(7),
	YMMH(8), YMMH(9), YMMH(10), YMMH(11), YMMH(12), YMMH(13), YMMH(14), YMMH(15),
	XMM16(16), XMM16(17), XMM16(18), XMM16(19), XMM16(20), XMM16(21), XMM16(22), XMM16(23),
	XMM16(24), XMM16(25), XMM16(26), XMM16(27), XMM16(28), XMM16(29), XMM16(30), XMM16(31),
	YMM16H(16), YMM16H(17), YMM16H(18), YMM16H(19), YMM16H(20), YMM16H(21), YMM16H(22), YMM16H(23),
	YMM16H(24), YMM16H(25), YMM16H(26), YMM16H(27), YMM16H(28), YMM16H(29), YMM16H(30), YMM16H(31),
	KREG(0), KREG(1), KREG(2), KREG(3), KREG(4), KREG(5), KREG(6), KREG(7),
	ZMMH(0), ZMMH(1), ZMMH(2), ZMMH(3), ZMMH(4), ZMMH(5), ZMMH(6), ZMMH(7),
	ZMMH(8), ZMMH(9), ZMMH(10), ZMMH(11), ZMMH(12), ZMMH(13), ZMMH(14), ZMMH(15),
	ZMM16H(16), ZMM16H(17), ZMM16H(18), ZMM16H(19), ZMM16H(20), ZMM16H(21), ZMM16H(22), ZMM16H(23),
	ZMM16H(24), ZMM16H(25), ZMM16H(26), ZMM16H(27), ZMM16H(28), ZMM16H(29), ZMM16H(30), ZMM16H(31),
};
#undef ZMM16H
#undef ZMMH
#undef KREG
#undef YMM16H
#undef XMM16
#undef YMMH
#undef XMM
#undef FPC
#undef ST
#undef XS
#undef GPR

/*
 * struct elf_prstatus on LP64 (include/linux/elfcore.h,
 * elf_prstatus_common): pr_info (3 ints) 0, pr_cursig 12, pr_sigpend 16,
 * pr_sighold 24, pr_pid 32, pr_ppid 36, pr_pgrp 40, pr_sid 44, four struct
 * timeval 48..111, pr_reg 112, then int pr_fpvalid, padded to 8:
 * 112 + 27*8 + 4 -> 336.
 */
/* Everything but the table's length and the features the two descriptions share. */
#define AMD64_ARCH(n, nfeat) \
	.arch = GSC_ARCH_AMD64, .name = "amd64", \
	.regs = amd64_regs, .nregs = GSC_AMD64_NREGS, .ntable = (n), \
	.pc = GSC_AMD64_RIP, .sp = GSC_AMD64_RSP, .fp = GSC_AMD64_RBP, .lr = -1, \
	.fs_base = GSC_AMD64_FS_BASE, .g_reg = GSC_AMD64_R14, .dwarf_ra = 16, \
	.prstatus_size = 336, .prstatus_pid_offset = 32, .prstatus_cursig_offset = 12, \
	.prstatus_reg_offset = 112, .prstatus_reg_size = GSC_AMD64_GPR_SIZE, \
	.elf_machine = 62, \
	.tdesc_arch = "i386:x86-64", .tdesc_osabi = "GNU/Linux", \
	.tdesc_features = amd64_features, .tdesc_nfeatures = (nfeat)

const struct gsc_arch_info gsc_amd64_arch = { AMD64_ARCH(GSC_AMD64_NTABLE, F_AVX512) };

const struct gsc_arch_info gsc_amd64_avx512_arch = {
	AMD64_ARCH(GSC_AMD64_NTABLE_AVX512, sizeof(amd64_features) / sizeof(amd64_features[0]))
};
#undef AMD64_ARCH

const struct gsc_arch_info *gsc_amd64_arch_for_xcr0(uint64_t xcr0)
{
	const uint64_t avx512 = GSC_XSTATE_OPMASK | GSC_XSTATE_ZMM_HI256 | GSC_XSTATE_HI16_ZMM;
	return (xcr0 & avx512) == avx512 ? &gsc_amd64_avx512_arch : &gsc_amd64_arch;
}

_Static_assert((int)GSC_AMD64_NREGS <= (int)GSC_REGS_MAX, "amd64 integer registers fit a register set");
_Static_assert((int)GSC_AMD64_NTABLE_AVX512 <= (int)GSC_ARCH_WIRE_MAX, "amd64 table fits the wire layout");

/* ---------------------------------------------------------------- fxsave / XSAVE <-> wire */

enum {
	XSAVE_HDR = 512,		/* XSTATE_BV, then XCOMP_BV */
	XSAVE_HDR_END = 576,
	FX_FSW = 2,
	FX_FTW = 4,
	FX_ST0 = 32,
};

static uint64_t ld_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void st_le(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* XSTATE_BV of the block; every component present when there is no header (bare fxsave). */
static uint64_t xstate_bv(const uint8_t *xsave, size_t len)
{
	return len >= XSAVE_HDR_END ? ld_le(xsave + XSAVE_HDR, 8) : ~(uint64_t)0;
}

static bool fits(const struct gsc_reg_info *r, size_t len)
{
	return (size_t)r->xsave_offset + r->xsave_size <= len;
}

/* i387 tag of one 80-bit register (Intel SDM vol. 1 §8.1.7): valid 0, zero 1, special 2. */
static unsigned x87_class(const uint8_t *st)
{
	uint64_t mant = ld_le(st, 8);
	unsigned exp = (unsigned)ld_le(st + 8, 2) & 0x7fff;
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant == 0 ? 1 : 2;
	return mant >> 63 ? 0 : 2;	/* integer bit clear: unnormal */
}

/*
 * The full tag word from fxsave's abridged one: bit i of the abridged byte
 * says physical register i is in use; the fxsave area holds ST(j), which is
 * physical register (TOP + j) mod 8.
 */
static uint16_t ftag_full(const uint8_t *fx)
{
	unsigned top = (unsigned)(ld_le(fx + FX_FSW, 2) >> 11) & 7;
	uint16_t tag = 0;
	for (unsigned phys = 0; phys < 8; phys++) {
		unsigned t = 3;
		if (fx[FX_FTW] >> phys & 1)
			t = x87_class(fx + FX_ST0 + 16 * ((phys - top) & 7));
		tag |= (uint16_t)(t << (2 * phys));
	}
	return tag;
}

static uint8_t ftag_abridged(uint16_t full)
{
	uint8_t b = 0;
	for (unsigned phys = 0; phys < 8; phys++)
		if ((full >> (2 * phys) & 3) != 3)
			b |= (uint8_t)(1 << phys);
	return b;
}

static void put_init(const struct gsc_reg_info *r, uint8_t *xsave)
{
	memset(xsave + r->xsave_offset, 0, r->xsave_size);
	st_le(xsave + r->xsave_offset, r->xsave_size < 8 ? r->xsave_size : 8, r->init);
}

/* The wire value of an XSAVE-block register from img (init state already substituted). */
static void xs_to_wire(const struct gsc_reg_info *r, const uint8_t *img, uint8_t *w)
{
	size_t n = r->bitsize / 8;
	memset(w, 0, n);
	switch (r->conv) {
	case GSC_REG_CONV_FTAG:
		st_le(w, n, ftag_full(img));
		break;
	case GSC_REG_CONV_FOP:
		st_le(w, n, ld_le(img + r->xsave_offset, 2) & 0x7ff);
		break;
	default:
		memcpy(w, img + r->xsave_offset, r->xsave_size < n ? r->xsave_size : n);
		break;
	}
}

void gsc_amd64_wire_from_native(const struct gsc_arch_info *ai, const uint8_t *gpr, const uint8_t *xsave,
				size_t xsave_len, uint8_t *wire)
{
	uint16_t off[GSC_ARCH_WIRE_MAX];
	uint8_t img[GSC_AMD64_XSAVE_AVX512_SIZE] = { 0 };
	uint64_t bv = xstate_bv(xsave, xsave_len);

	gsc_arch_wire_offsets(ai, off);
	if (xsave_len)
		memcpy(img, xsave, xsave_len < sizeof(img) ? xsave_len : sizeof(img));
	/* First the init values, so that ftag sees the st registers and fstat it will report. */
	for (size_t i = ai->nregs; i < ai->ntable; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		if (!fits(r, xsave_len) || !(bv & r->xsave_mask))
			put_init(r, img);
	}
	for (size_t i = 0; i < ai->ntable; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		if (r->prstatus_offset >= 0)
			memcpy(wire + off[i], gpr + r->prstatus_offset, r->bitsize / 8);
		else
			xs_to_wire(r, img, wire + off[i]);
	}
}

/*
 * Before the first write into a component in init state: its registers that
 * read as init get their init values (XSAVE leaves stale bytes there), then
 * the component's XSTATE_BV bit is set.
 */
static void make_present(const struct gsc_arch_info *ai, const struct gsc_reg_info *r, uint8_t *xsave, size_t len)
{
	uint64_t bv = xstate_bv(xsave, len);
	uint64_t bit = r->xsave_mask & -r->xsave_mask;	/* mxcsr: the SSE bit */
	if (bv & bit)
		return;
	for (size_t i = ai->nregs; i < ai->ntable; i++) {
		const struct gsc_reg_info *o = &ai->regs[i];
		if ((o->xsave_mask & bit) && !(bv & o->xsave_mask) && fits(o, len))
			put_init(o, xsave);
	}
	st_le(xsave + XSAVE_HDR, 8, bv | bit);
}

static void wire_to_xs(const struct gsc_arch_info *ai, const struct gsc_reg_info *r, const uint8_t *w,
		       uint8_t *xsave, size_t len)
{
	uint8_t *p = xsave + r->xsave_offset;
	size_t n = r->bitsize / 8;
	if (!fits(r, len))
		return;
	make_present(ai, r, xsave, len);
	switch (r->conv) {
	case GSC_REG_CONV_FTAG:
		*p = ftag_abridged((uint16_t)ld_le(w, 2));
		break;
	case GSC_REG_CONV_FOP:	/* the upper 5 bits are not the opcode's: keep them */
		st_le(p, 2, (ld_le(p, 2) & ~(uint64_t)0x7ff) | (ld_le(w, 2) & 0x7ff));
		break;
	default:
		memcpy(p, w, r->xsave_size < n ? r->xsave_size : n);
		break;
	}
}

void gsc_amd64_native_from_wire(const struct gsc_arch_info *ai, const uint8_t *wire, int regno, uint8_t *gpr,
				uint8_t *xsave, size_t xsave_len)
{
	uint16_t off[GSC_ARCH_WIRE_MAX];

	gsc_arch_wire_offsets(ai, off);
	for (size_t i = 0; i < ai->ntable; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		if (regno != -1 && r->gdb_regno != regno)
			continue;
		if (r->prstatus_offset >= 0) {
			/* eflags and the selectors: 32 bits on the wire, zero-extended in their slot. */
			st_le(gpr + r->prstatus_offset, 8, ld_le(wire + off[i], r->bitsize / 8));
		} else if (xsave) {
			wire_to_xs(ai, r, wire + off[i], xsave, xsave_len);
		}
	}
}
