/*
 * arch.h - one register table per architecture (linux/amd64, linux/arm64).
 *
 * A table entry says, for one register: its name (as gdb's target
 * description spells it), its size on the wire, its gdb register number, its
 * DWARF register number, and where the kernel keeps it in the pr_reg array of
 * an NT_PRSTATUS note (struct user_regs_struct on amd64, struct user_pt_regs
 * on arm64).  The same table feeds the g/p packets and target.xml of gostub,
 * CFA unwinding (by DWARF number), core notes (by pr_reg offset) and ptrace
 * (which fills the same pr_reg layout through PTRACE_GETREGSET NT_PRSTATUS).
 *
 * A register set (struct gsc_regs) holds one uint64 per table entry, indexed
 * by the entry's position in the table, plus a validity mask: "unknown" is a
 * value, not an error (STYLE.md §3).
 *
 * The layouts are our own constants, checked by tests/test_core_file.c
 * against the kernel's (arch/x86/include/uapi/asm/ptrace.h struct pt_regs /
 * arch/x86/include/asm/user_64.h user_regs_struct; arch/arm64/include/uapi/
 * asm/ptrace.h user_pt_regs): no Linux header is included, so this builds on
 * any POSIX host.
 *
 * Does not: know floating-point or vector registers yet (they stay as raw
 * note bytes in the core reader); read any target.
 */
#ifndef GSC_ARCH_H
#define GSC_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"	/* enum gsc_arch */

/* The widest register table; a register set is a fixed array of this size. */
enum { GSC_REGS_MAX = 64 };

struct gsc_reg_info {
	const char *name;	/* gdb's name: "rip", "fs_base", "x29", "cpsr" */
	uint16_t bitsize;	/* in gdb's g packet: 64, or 32 for eflags/segments/cpsr */
	int16_t gdb_regno;	/* regnum in gdb's target description */
	int16_t dwarf_regno;	/* -1: the psABI gives it none */
	int16_t prstatus_offset; /* byte offset in pr_reg (8-byte slot), -1: not there */
	const char *type;	/* target.xml type: "int64", "code_ptr", "data_ptr", ... */
};

struct gsc_arch_info {
	enum gsc_arch arch;
	const char *name;		/* "amd64", "arm64" */
	const struct gsc_reg_info *regs;
	size_t nregs;
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
};

/* NULL for GSC_ARCH_UNKNOWN or anything not in the table. */
const struct gsc_arch_info *gsc_arch_info(enum gsc_arch arch);
/* By ELF e_machine (EM_X86_64 = 62, EM_AARCH64 = 183), or NULL. */
const struct gsc_arch_info *gsc_arch_info_by_machine(uint16_t machine);
/* Index of the register named name (also "pstate" for arm64 cpsr), or -1. */
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

#endif
