/* arch.c - the per-arch register tables (facts cited per table). */
#include "config.h"

#include <string.h>

#include "arch.h"
#include "buf.h"
#include "cleanup.h"

/*
 * linux/amd64.  Order and regnums: gdb's target description
 * (features i386/64bit-core.xml, 64bit-linux.xml, 64bit-segments.xml; see
 * reference/target_amd64_gdbserver.xml).  DWARF numbers: System V x86-64
 * psABI, "DWARF Register Number Mapping" (rax 0, rdx 1, rcx 2, rbx 3, rsi 4,
 * rdi 5, rbp 6, rsp 7, r8-r15 8-15, RA 16, rFLAGS 49, es 50, cs 51, ss 52,
 * ds 53, fs 54, gs 55, fs.base 58, gs.base 59).  pr_reg offsets: the
 * kernel's struct user_regs_struct (arch/x86/include/asm/user_64.h): r15 r14
 * r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs eflags
 * rsp ss fs_base gs_base ds es fs gs, 27 slots of 8 bytes.
 */
#define R(idx) ((idx) * 8)
static const struct gsc_reg_info amd64_regs[GSC_AMD64_NREGS] = {
	[GSC_AMD64_RAX] = { "rax", 64, 0, 0, R(10), "int64" },
	[GSC_AMD64_RBX] = { "rbx", 64, 1, 3, R(5), "int64" },
	[GSC_AMD64_RCX] = { "rcx", 64, 2, 2, R(11), "int64" },
	[GSC_AMD64_RDX] = { "rdx", 64, 3, 1, R(12), "int64" },
	[GSC_AMD64_RSI] = { "rsi", 64, 4, 4, R(13), "int64" },
	[GSC_AMD64_RDI] = { "rdi", 64, 5, 5, R(14), "int64" },
	[GSC_AMD64_RBP] = { "rbp", 64, 6, 6, R(4), "data_ptr" },
	[GSC_AMD64_RSP] = { "rsp", 64, 7, 7, R(19), "data_ptr" },
	[GSC_AMD64_R8] = { "r8", 64, 8, 8, R(9), "int64" },
	[GSC_AMD64_R9] = { "r9", 64, 9, 9, R(8), "int64" },
	[GSC_AMD64_R10] = { "r10", 64, 10, 10, R(7), "int64" },
	[GSC_AMD64_R11] = { "r11", 64, 11, 11, R(6), "int64" },
	[GSC_AMD64_R12] = { "r12", 64, 12, 12, R(3), "int64" },
	[GSC_AMD64_R13] = { "r13", 64, 13, 13, R(2), "int64" },
	[GSC_AMD64_R14] = { "r14", 64, 14, 14, R(1), "int64" },
	[GSC_AMD64_R15] = { "r15", 64, 15, 15, R(0), "int64" },
	[GSC_AMD64_RIP] = { "rip", 64, 16, 16, R(16), "code_ptr" },
	[GSC_AMD64_EFLAGS] = { "eflags", 32, 17, 49, R(18), "i386_eflags" },
	[GSC_AMD64_CS] = { "cs", 32, 18, 51, R(17), "int32" },
	[GSC_AMD64_SS] = { "ss", 32, 19, 52, R(20), "int32" },
	[GSC_AMD64_DS] = { "ds", 32, 20, 53, R(23), "int32" },
	[GSC_AMD64_ES] = { "es", 32, 21, 50, R(24), "int32" },
	[GSC_AMD64_FS] = { "fs", 32, 22, 54, R(25), "int32" },
	[GSC_AMD64_GS] = { "gs", 32, 23, 55, R(26), "int32" },
	[GSC_AMD64_ORIG_RAX] = { "orig_rax", 64, 57, -1, R(15), "int" },
	[GSC_AMD64_FS_BASE] = { "fs_base", 64, 58, 58, R(21), "int" },
	[GSC_AMD64_GS_BASE] = { "gs_base", 64, 59, 59, R(22), "int" },
};

/*
 * linux/arm64.  gdb's features/aarch64-core.xml: x0..x30 (0..30), sp 31,
 * pc 32, cpsr 33 (32 bits; the kernel's pstate).  DWARF: AADWARF64 §4.1
 * (x0-x30 0-30, sp 31, pc 32; no number for pstate).  pr_reg: the kernel's
 * struct user_pt_regs (arch/arm64/include/uapi/asm/ptrace.h): regs[31], sp,
 * pc, pstate, 34 slots of 8 bytes.
 */
#define X(n) { "x" #n, 64, n, n, R(n), "int" }
static const struct gsc_reg_info arm64_regs[GSC_ARM64_NREGS] = {
	X(0), X(1), X(2), X(3), X(4), X(5), X(6), X(7), X(8), X(9),
	X(10), X(11), X(12), X(13), X(14), X(15), X(16), X(17), X(18), X(19),
	X(20), X(21), X(22), X(23), X(24), X(25), X(26), X(27), X(28), X(29),
	X(30),
	[GSC_ARM64_SP] = { "sp", 64, 31, 31, R(31), "data_ptr" },
	[GSC_ARM64_PC] = { "pc", 64, 32, 32, R(32), "code_ptr" },
	[GSC_ARM64_CPSR] = { "cpsr", 32, 33, -1, R(33), "cpsr_flags" },
};
#undef X
#undef R

/*
 * struct elf_prstatus on LP64 (include/linux/elfcore.h,
 * elf_prstatus_common): pr_info (3 ints) 0, pr_cursig 12, pr_sigpend 16,
 * pr_sighold 24, pr_pid 32, pr_ppid 36, pr_pgrp 40, pr_sid 44, four struct
 * timeval 48..111, pr_reg 112, then int pr_fpvalid, padded to 8.
 * amd64: 112 + 27*8 + 4 -> 336; arm64: 112 + 34*8 + 4 -> 392.
 */
static const struct gsc_arch_info arches[] = {
	{
		.arch = GSC_ARCH_AMD64, .name = "amd64",
		.regs = amd64_regs, .nregs = GSC_AMD64_NREGS,
		.pc = GSC_AMD64_RIP, .sp = GSC_AMD64_RSP, .fp = GSC_AMD64_RBP, .lr = -1,
		.fs_base = GSC_AMD64_FS_BASE, .g_reg = GSC_AMD64_R14, .dwarf_ra = 16,
		.prstatus_size = 336, .prstatus_pid_offset = 32, .prstatus_cursig_offset = 12,
		.prstatus_reg_offset = 112, .prstatus_reg_size = 27 * 8,
		.elf_machine = 62,
	},
	{
		.arch = GSC_ARCH_ARM64, .name = "arm64",
		.regs = arm64_regs, .nregs = GSC_ARM64_NREGS,
		.pc = GSC_ARM64_PC, .sp = GSC_ARM64_SP, .fp = GSC_ARM64_X29, .lr = GSC_ARM64_X30,
		.fs_base = -1, .g_reg = GSC_ARM64_X28, .dwarf_ra = 30,
		.prstatus_size = 392, .prstatus_pid_offset = 32, .prstatus_cursig_offset = 12,
		.prstatus_reg_offset = 112, .prstatus_reg_size = 34 * 8,
		.elf_machine = 183,
	},
};

_Static_assert((int)GSC_AMD64_NREGS <= (int)GSC_REGS_MAX, "amd64 table fits a register set");
_Static_assert((int)GSC_ARM64_NREGS <= (int)GSC_REGS_MAX, "arm64 table fits a register set");

const struct gsc_arch_info *gsc_arch_info(enum gsc_arch arch)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].arch == arch)
			return &arches[i];
	return NULL;
}

const struct gsc_arch_info *gsc_arch_info_by_machine(uint16_t machine)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].elf_machine == machine)
			return &arches[i];
	return NULL;
}

int gsc_arch_reg_by_name(const struct gsc_arch_info *ai, const char *name)
{
	for (size_t i = 0; i < ai->nregs; i++)
		if (strcmp(ai->regs[i].name, name) == 0)
			return (int)i;
	if (ai->arch == GSC_ARCH_ARM64 && strcmp(name, "pstate") == 0)
		return GSC_ARM64_CPSR;
	return -1;
}

int gsc_arch_reg_by_dwarf(const struct gsc_arch_info *ai, int dwarf_regno)
{
	for (size_t i = 0; dwarf_regno >= 0 && i < ai->nregs; i++)
		if (ai->regs[i].dwarf_regno == dwarf_regno)
			return (int)i;
	return -1;
}

int gsc_arch_reg_by_gdb(const struct gsc_arch_info *ai, int gdb_regno)
{
	for (size_t i = 0; gdb_regno >= 0 && i < ai->nregs; i++)
		if (ai->regs[i].gdb_regno == gdb_regno)
			return (int)i;
	return -1;
}

void gsc_arch_regs_from_prstatus(const struct gsc_arch_info *ai, const uint8_t *pr_reg,
				 size_t size, bool little_endian, struct gsc_regs *regs)
{
	gsc_regs_clear(regs);
	for (size_t i = 0; i < ai->nregs; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		if (r->prstatus_offset < 0 || !gsc_in_bounds((uint64_t)r->prstatus_offset, 8, size))
			continue;
		uint64_t v = gsc_load64(pr_reg + r->prstatus_offset, little_endian);
		if (r->bitsize == 32)
			v &= 0xffffffffu;
		gsc_regs_set(regs, (int)i, v);
	}
}
