/*
 * arch.h - one register table per architecture (linux/amd64, linux/arm64).
 *
 * A table entry says, for one register: its name (as gdb's target
 * description spells it), its size on the wire, its gdb register number, its
 * DWARF register number, and where the kernel keeps it: a slot of the pr_reg
 * array of an NT_PRSTATUS note (struct user_regs_struct on amd64, struct
 * user_pt_regs on arm64), or a place in the fxsave / XSAVE block
 * (NT_PRFPREG, NT_X86_XSTATE).  The same table feeds the g/p packets and
 * target.xml of gostub, CFA unwinding (by DWARF number), core notes (by
 * pr_reg offset) and ptrace (which fills the same pr_reg layout through
 * PTRACE_GETREGSET NT_PRSTATUS, and the XSAVE layout through NT_X86_XSTATE).
 *
 * The table has two parts.  regs[0..nregs) are the integer registers a
 * register set (struct gsc_regs) holds: one uint64 per entry, indexed by the
 * entry's position, plus a validity mask ("unknown" is a value, not an
 * error, STYLE.md §3).  regs[nregs..ntable) are the rest of the target
 * description (x87, SSE, AVX on amd64), reachable only through the wire
 * functions: a register set never holds them.
 *
 * The layouts are our own constants, checked by tests/test_core_file.c and
 * tests/test_arch.c against the kernel's (arch/x86/include/asm/user_64.h
 * user_regs_struct and user_i387_struct; arch/arm64/include/uapi/asm/
 * ptrace.h user_pt_regs) and by tests/stub/check-tdesc.sh against gdb: no
 * Linux header is included, so this builds on any POSIX host.
 *
 * Does not: read any target; know AVX-512, MPX or PKU state (gdbserver serves
 * them on CPUs that have them; gdb and lldb work without); describe arm64's
 * FP/SIMD registers yet (arm64 has no target description yet).
 */
#ifndef GSC_ARCH_H
#define GSC_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"	/* enum gsc_arch */

/* The widest register table; a register set is a fixed array of this size. */
enum { GSC_REGS_MAX = 64 };

/* How a register's wire value is derived from its native bytes. */
enum gsc_reg_conv {
	GSC_REG_CONV_COPY,	/* the native bytes, zero-extended or cut to bitsize */
	GSC_REG_CONV_FTAG,	/* fxsave's abridged tag byte <-> the full i387 tag word */
	GSC_REG_CONV_FOP,	/* the low 11 bits of the 16-bit opcode field */
};

/* XSTATE_BV bits of the XSAVE components in the table (Intel SDM vol. 1 §13.1). */
enum {
	GSC_XSTATE_X87 = 1 << 0,
	GSC_XSTATE_SSE = 1 << 1,
	GSC_XSTATE_AVX = 1 << 2,
	GSC_XSTATE_OPMASK = 1 << 5,	/* k0-k7 */
	GSC_XSTATE_ZMM_HI256 = 1 << 6,	/* upper halves of zmm0-zmm15 */
	GSC_XSTATE_HI16_ZMM = 1 << 7,	/* zmm16-zmm31 */
};

struct gsc_reg_info {
	const char *name;	/* gdb's name: "rip", "fs_base", "x29", "cpsr", "xmm0" */
	uint16_t bitsize;	/* in gdb's g packet: 64, or 32 for eflags/segments/cpsr */
	int16_t gdb_regno;	/* regnum in gdb's target description */
	int16_t dwarf_regno;	/* -1: the psABI gives it none */
	int16_t prstatus_offset; /* byte offset in pr_reg (8-byte slot), -1: not there */
	const char *type;	/* target.xml type: "int64", "code_ptr", "data_ptr", ... */
	/* Target description extras (all entries of regs[0..ntable)). */
	int16_t ehframe_regno;	/* .eh_frame column (lldb's ehframe_regnum), -1: none */
	uint8_t feature;	/* index into the arch's tdesc_features */
	const char *group;	/* target.xml group ("float", "vector"), NULL: none */
	const char *generic;	/* lldb's generic: "pc", "sp", "fp", "flags", "arg1".."arg6" */
	/* Native home when not in pr_reg: the fxsave / XSAVE block (amd64). */
	int16_t xsave_offset;	/* byte offset in that block, -1: not there */
	uint8_t xsave_size;	/* bytes it occupies there: 10 for st0, 2 for fctrl */
	uint8_t xsave_mask;	/* XSTATE_BV bits of its component; init state when all are clear */
	uint8_t conv;		/* enum gsc_reg_conv */
	uint32_t init;		/* native value in the init state (fctrl 0x37f, mxcsr 0x1f80) */
};

/* One <feature> of a target description. */
struct gsc_tdesc_feature {
	const char *name;	/* "org.gnu.gdb.i386.core" */
	const char *types;	/* <flags>/<vector>/<union> elements it defines, "" for none */
};

struct gsc_arch_info {
	enum gsc_arch arch;
	const char *name;		/* "amd64", "arm64" */
	const struct gsc_reg_info *regs;
	size_t nregs;			/* integer registers, the ones a struct gsc_regs holds */
	size_t ntable;			/* all entries of regs[]; >= nregs */
	/* Indices into regs[]; -1 when the arch has none. */
	int pc;
	int sp;
	int fp;				/* rbp / x29 */
	int lr;				/* x30; -1 on amd64 (return address on the stack) */
	int fs_base;			/* amd64 TLS base (Go's g is at fs_base-8); -1 on arm64 */
	int g_reg;			/* register holding Go's g: r14 (ABIInternal) / x28 */
	int dwarf_ra;			/* DWARF column of the return address: 16 / 30 */
	/* NT_PRSTATUS layout (struct elf_prstatus, LP64). */
	size_t prstatus_size;		/* desc size of an NT_PRSTATUS note */
	size_t prstatus_pid_offset;	/* pr_pid */
	size_t prstatus_cursig_offset;	/* pr_cursig (16-bit) */
	size_t prstatus_reg_offset;	/* pr_reg */
	size_t prstatus_reg_size;	/* sizeof(pr_reg) */
	uint16_t elf_machine;		/* EM_X86_64 / EM_AARCH64 */
	/* gdb target description; tdesc_arch NULL: none yet. */
	const char *tdesc_arch;		/* "i386:x86-64" */
	const char *tdesc_osabi;	/* "GNU/Linux" */
	const struct gsc_tdesc_feature *tdesc_features;
	size_t tdesc_nfeatures;
};

/* The per-arch tables (common/arch_amd64.c, common/arch_arm64.c). */
extern const struct gsc_arch_info gsc_amd64_arch;
/* The same registers and, after them, AVX-512's (regs[] shared; the description adds org.gnu.gdb.i386.avx512). */
extern const struct gsc_arch_info gsc_amd64_avx512_arch;
extern const struct gsc_arch_info gsc_arm64_arch;

/* NULL for GSC_ARCH_UNKNOWN or anything not in the table. */
const struct gsc_arch_info *gsc_arch_info(enum gsc_arch arch);
/* By ELF e_machine (EM_X86_64 = 62, EM_AARCH64 = 183), or NULL. */
const struct gsc_arch_info *gsc_arch_info_by_machine(uint16_t machine);
/*
 * Index of the register named name (also "pstate" for arm64 cpsr), with the
 * DWARF number, with the gdb number, or -1.  These search the integer
 * registers regs[0..nregs) only: the index is one into struct gsc_regs.
 */
int gsc_arch_reg_by_name(const struct gsc_arch_info *ai, const char *name);
int gsc_arch_reg_by_dwarf(const struct gsc_arch_info *ai, int dwarf_regno);
int gsc_arch_reg_by_gdb(const struct gsc_arch_info *ai, int gdb_regno);

/* Register indices into the amd64 table (gdb's order for 0..23). */
enum {
	GSC_AMD64_RAX, GSC_AMD64_RBX, GSC_AMD64_RCX, GSC_AMD64_RDX,
	GSC_AMD64_RSI, GSC_AMD64_RDI, GSC_AMD64_RBP, GSC_AMD64_RSP,
	GSC_AMD64_R8, GSC_AMD64_R9, GSC_AMD64_R10, GSC_AMD64_R11,
	GSC_AMD64_R12, GSC_AMD64_R13, GSC_AMD64_R14, GSC_AMD64_R15,
	GSC_AMD64_RIP, GSC_AMD64_EFLAGS, GSC_AMD64_CS, GSC_AMD64_SS,
	GSC_AMD64_DS, GSC_AMD64_ES, GSC_AMD64_FS, GSC_AMD64_GS,
	GSC_AMD64_ORIG_RAX, GSC_AMD64_FS_BASE, GSC_AMD64_GS_BASE,
	GSC_AMD64_NREGS
};

/* Indices of the rest of the amd64 table (not in struct gsc_regs). */
enum {
	GSC_AMD64_ST0 = GSC_AMD64_NREGS,	/* st0..st7 */
	GSC_AMD64_FCTRL = GSC_AMD64_ST0 + 8,	/* fctrl fstat ftag fiseg fioff foseg fooff fop */
	GSC_AMD64_XMM0 = GSC_AMD64_FCTRL + 8,	/* xmm0..xmm15 */
	GSC_AMD64_MXCSR = GSC_AMD64_XMM0 + 16,
	GSC_AMD64_YMM0H = GSC_AMD64_MXCSR + 1,	/* ymm0h..ymm15h */
	GSC_AMD64_NTABLE = GSC_AMD64_YMM0H + 16,	/* gsc_amd64_arch */
	GSC_AMD64_XMM16 = GSC_AMD64_NTABLE,	/* xmm16..xmm31 */
	GSC_AMD64_YMM16H = GSC_AMD64_XMM16 + 16,	/* ymm16h..ymm31h */
	GSC_AMD64_K0 = GSC_AMD64_YMM16H + 16,	/* k0..k7 */
	GSC_AMD64_ZMM0H = GSC_AMD64_K0 + 8,	/* zmm0h..zmm31h: bits 256..511 */
	GSC_AMD64_NTABLE_AVX512 = GSC_AMD64_ZMM0H + 32	/* gsc_amd64_avx512_arch */
};

/* Register indices into the arm64 table (gdb's order: x0..x30, sp, pc, cpsr). */
enum {
	GSC_ARM64_X0 = 0,
	GSC_ARM64_X28 = 28,
	GSC_ARM64_X29 = 29,	/* frame pointer */
	GSC_ARM64_X30 = 30,	/* link register */
	GSC_ARM64_SP = 31,
	GSC_ARM64_PC = 32,
	GSC_ARM64_CPSR = 33,	/* the kernel's pstate */
	GSC_ARM64_NREGS
};

/*
 * Register values, indexed like the arch's table.  valid has bit i set when
 * value[i] is known.  Caller-owned, plain data: copy it freely.
 */
struct gsc_regs {
	uint64_t value[GSC_REGS_MAX];
	uint64_t valid;
};

static inline void gsc_regs_clear(struct gsc_regs *r)
{
	r->valid = 0;
}

static inline void gsc_regs_set(struct gsc_regs *r, int i, uint64_t v)
{
	if (i >= 0 && i < GSC_REGS_MAX) {
		r->value[i] = v;
		r->valid |= (uint64_t)1 << i;
	}
}

static inline bool gsc_regs_known(const struct gsc_regs *r, int i)
{
	return i >= 0 && i < GSC_REGS_MAX && (r->valid >> i & 1);
}

/* true and *ret = value when known; false (and *ret untouched) otherwise. */
static inline bool gsc_regs_get(const struct gsc_regs *r, int i, uint64_t *ret)
{
	if (!gsc_regs_known(r, i))
		return false;
	*ret = r->value[i];
	return true;
}

/*
 * Fill regs from an NT_PRSTATUS pr_reg array (size bytes, the data's byte
 * order).  Registers whose slot lies outside size stay unknown; 32-bit
 * registers (eflags, segments, cpsr) keep the slot's low 32 bits.
 */
void gsc_arch_regs_from_prstatus(const struct gsc_arch_info *ai, const uint8_t *pr_reg,
				 size_t size, bool little_endian, struct gsc_regs *regs);

/* ---------------------------------------------------------------- the wire (gostub) */

/*
 * gdb's target description for ai as ONE self-contained XML document (no
 * xi:include), NUL-terminated, static storage (built on first use, thread
 * safe); NULL when the arch has none yet (arm64 for now).  Features in the
 * arch's order, registers by regnum; each <reg> also carries lldb's
 * attributes generic, dwarf_regnum and ehframe_regnum where they apply.
 */
const char *gsc_arch_target_xml(const struct gsc_arch_info *ai);
/*
 * Registers in the description (76 on amd64) and the size in bytes of a g
 * packet's data (every register in regnum order, bitsize/8 bytes each,
 * target byte order).  0 when the arch has no description.
 */
int gsc_arch_wire_nregs(const struct gsc_arch_info *ai);
size_t gsc_arch_wire_size(const struct gsc_arch_info *ai);
/* Byte offset of register regno in the g packet data, its size, and its name; false for an unknown regno. */
bool gsc_arch_wire_reg(const struct gsc_arch_info *ai, int regno, size_t *offset_ret, size_t *size_ret,
		       const char **name_ret);
/*
 * The same for every table entry at once: offsets[i] is the g packet offset
 * of ai->regs[i] (i < ntable), for converters that walk the table.  Returns
 * gsc_arch_wire_size (0, offsets untouched: no description).
 */
enum { GSC_ARCH_WIRE_MAX = 160 };
size_t gsc_arch_wire_offsets(const struct gsc_arch_info *ai, uint16_t offsets[GSC_ARCH_WIRE_MAX]);

/* Sizes of the amd64 native blocks. */
enum {
	GSC_AMD64_GPR_SIZE = 27 * 8,	/* struct user_regs_struct */
	GSC_AMD64_FXSAVE_SIZE = 512,	/* legacy area / NT_PRFPREG */
	GSC_AMD64_XSAVE_AVX_SIZE = 832,	/* XSAVE up to the end of the AVX component */
	GSC_AMD64_XSAVE_AVX512_SIZE = 2688,	/* ... up to the end of Hi16_ZMM (standard format) */
	GSC_AMD64_XCR0_OFFSET = 464,	/* where Linux puts XCR0 in an NT_X86_XSTATE block (asm/user.h) */
};

/*
 * The amd64 table for a process whose XCR0 (the OS-enabled XSAVE features)
 * is xcr0: gsc_amd64_avx512_arch when the three AVX-512 components are on,
 * else gsc_amd64_arch -- as gdbserver picks its description.
 */
const struct gsc_arch_info *gsc_amd64_arch_for_xcr0(uint64_t xcr0);

/*
 * amd64: native ptrace blocks -> g packet data (gsc_arch_wire_size(ai) bytes;
 * ai is gsc_amd64_arch or gsc_amd64_avx512_arch).
 * gpr is struct user_regs_struct (27 * 8 bytes, Linux x86_64 order); xsave is
 * the NT_X86_XSTATE block (legacy fxsave area at 0, XSAVE header at 512, AVX
 * upper halves at 576, opmask at 1088, ZMM_Hi256 at 1152 and Hi16_ZMM at
 * 1664 in the standard format) or a bare 512-byte fxsave
 * area; xsave_len its valid bytes (a header is assumed when xsave_len >= 576).
 * A register whose bytes lie beyond xsave_len, or whose XSTATE_BV bit says
 * "init state", reads as its init value (xsave may be NULL when xsave_len is
 * 0: only the integer registers are known).  ftag is gdb's full 16-bit tag word;
 * fiseg/foseg are the upper halves of the 64-bit FPU instruction and operand
 * pointers, as gdb reads a 64-bit fxsave (amd64-tdep.c).
 */
void gsc_amd64_wire_from_native(const struct gsc_arch_info *ai, const uint8_t *gpr, const uint8_t *xsave,
				size_t xsave_len, uint8_t *wire);
/*
 * The reverse for register regno (-1: all of them) from g packet data into
 * gpr / xsave (a register lying beyond xsave_len is left alone).  Writing a
 * register of a component in init state first writes the component's init
 * values, then sets its XSTATE_BV bit so the kernel takes the value.
 */
void gsc_amd64_native_from_wire(const struct gsc_arch_info *ai, const uint8_t *wire, int regno, uint8_t *gpr,
				uint8_t *xsave, size_t xsave_len);

#endif
