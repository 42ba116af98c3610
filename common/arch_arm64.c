/*
 * arch_arm64.c - the linux/arm64 register table.
 *
 * gdb's features/aarch64-core.xml: x0..x30 (0..30), sp 31, pc 32, cpsr 33
 * (32 bits; the kernel's pstate).  DWARF: AADWARF64 §4.1 (x0-x30 0-30, sp 31,
 * pc 32; no number for pstate).  pr_reg: the kernel's struct user_pt_regs
 * (arch/arm64/include/uapi/asm/ptrace.h): regs[31], sp, pc, pstate, 34 slots
 * of 8 bytes.
 *
 * Does not: describe the FP/SIMD registers (v0-v31, fpsr, fpcr) or carry a
 * target description yet (gostub is amd64-only for now).
 */
#include "config.h"

#include "arch.h"

#define REG(nm, bits, n, dw, ty) { \
	.name = nm, .bitsize = bits, .gdb_regno = n, .dwarf_regno = dw, \
	.prstatus_offset = (n) * 8, .type = ty, .ehframe_regno = dw, .xsave_offset = -1 }
#define X(n) REG("x" #n, 64, n, n, "int")
static const struct gsc_reg_info arm64_regs[GSC_ARM64_NREGS] = {
	X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7), X(8), X(9),
	X(10), X(11), X(12), X(13), X(14), X(15), X(16), X(17), X(18), X(19),
	X(20), X(21), X(22), X(23), X(24), X(25), X(26), X(27), X(28), X(29),
	X(30),
	[GSC_ARM64_SP] = REG("sp", 64, 31, 31, "data_ptr"),
	[GSC_ARM64_PC] = REG("pc", 64, 32, 32, "code_ptr"),
	[GSC_ARM64_CPSR] = REG("cpsr", 32, 33, -1, "cpsr_flags"),
};
#undef X
#undef REG

/* struct elf_prstatus on LP64 (see arch_amd64.c): 112 + 34*8 + 4, padded to 8 -> 392. */
const struct gsc_arch_info gsc_arm64_arch = {
	.arch = GSC_ARCH_ARM64, .name = "arm64",
	.regs = arm64_regs, .nregs = GSC_ARM64_NREGS, .ntable = GSC_ARM64_NREGS,
	.pc = GSC_ARM64_PC, .sp = GSC_ARM64_SP, .fp = GSC_ARM64_X29, .lr = GSC_ARM64_X30,
	.fs_base = -1, .g_reg = GSC_ARM64_X28, .dwarf_ra = 30,
	.prstatus_size = 392, .prstatus_pid_offset = 32, .prstatus_cursig_offset = 12,
	.prstatus_reg_offset = 112, .prstatus_reg_size = 34 * 8,
	.elf_machine = 183,
};

_Static_assert((int)GSC_ARM64_NREGS <= (int)GSC_REGS_MAX, "arm64 table fits a register set");
