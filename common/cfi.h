/*
 * cfi.h - call frame information: the register rules (the CFA row) at a pc.
 *
 * Reads .eh_frame (LSB 5.0 "Exception Frames", pointer encodings DW_EH_PE_*)
 * and .debug_frame (DWARF 5 §6.4, CIE versions 1, 3 and 4), finds the FDE
 * covering a pc and runs the CIE's and the FDE's DW_CFA program up to that pc.
 * The FDE lookup uses the .eh_frame_hdr binary search table when there is a
 * usable one; otherwise every FDE of a section is indexed (sorted by initial
 * pc) in one pass on the first lookup.  Each lookup then parses one CIE and
 * one FDE; nothing is rescanned.
 *
 * All sizes, offsets, register numbers and factored values are checked:
 * corrupt input gives a GSC_ERR_BAD_DATA error, never a crash or a hang.
 *
 * Does not: evaluate DWARF expressions (a rule keeps the expression's bytes;
 * gsc_cfi_eval_expr() is a small bounded evaluator for the unwinder), read a
 * target, apply relocations (ET_REL objects), or know which DWARF register is
 * which (see the arch register tables).
 *
 * Ownership: expression bytes in a row point into the section data, which the
 * ELF (or, for gsc_cfi_add_section(), the caller) owns: valid until the ELF is
 * closed.  A struct gsc_cfi is not safe for concurrent lookups (the lazy
 * index is built on first use).
 */
#ifndef GSC_CFI_H
#define GSC_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct gsc_elf;

/*
 * Rules are kept for DWARF registers 0..GSC_CFI_MAX_REGS-1: amd64 uses 0-16
 * for the integer registers and RA and up to 125 for k7 (x86-64 psABI §3.6.2);
 * arm64 0-33 for x0-x30, sp, pc, ELR_mode, 34 RA_SIGN_STATE, 46 VG, 64-95
 * v0-v31 and 96-127 z0-z31 (AADWARF64).  A rule for a higher register is
 * GSC_ERR_BAD_DATA.
 */
#define GSC_CFI_MAX_REGS 128
/* remember_state nesting beyond this is GSC_ERR_BAD_DATA (gcc uses 1-2). */
#define GSC_CFI_MAX_STATE_DEPTH 64

enum gsc_cfi_format {
	GSC_CFI_EH_FRAME,
	GSC_CFI_DEBUG_FRAME,
};

/* The rule for one register (DWARF 5 §6.4.1). */
enum gsc_cfi_rule_kind {
	GSC_CFI_RULE_UNSPECIFIED = 0,	/* no rule given: the architecture's default */
	GSC_CFI_RULE_UNDEFINED,		/* not recoverable */
	GSC_CFI_RULE_SAME_VALUE,	/* unchanged from the callee */
	GSC_CFI_RULE_OFFSET,		/* saved at CFA + offset */
	GSC_CFI_RULE_VAL_OFFSET,	/* the value is CFA + offset */
	GSC_CFI_RULE_REGISTER,		/* saved in register regno */
	GSC_CFI_RULE_EXPRESSION,	/* saved at the address expr computes (CFA pushed first) */
	GSC_CFI_RULE_VAL_EXPRESSION,	/* the value is what expr computes (CFA pushed first) */
};

struct gsc_cfi_rule {
	int64_t offset;			/* OFFSET, VAL_OFFSET: already multiplied by data_align */
	const uint8_t *expr;		/* EXPRESSION, VAL_EXPRESSION */
	uint32_t expr_len;
	uint16_t regno;			/* REGISTER */
	uint8_t kind;			/* enum gsc_cfi_rule_kind */
};

enum gsc_cfa_kind {
	GSC_CFA_NONE = 0,		/* the program never defined the CFA */
	GSC_CFA_REG_OFFSET,		/* CFA = regno + offset */
	GSC_CFA_EXPRESSION,		/* CFA = value of expr (nothing pushed first) */
};

struct gsc_cfa_rule {
	enum gsc_cfa_kind kind;
	uint16_t regno;
	int64_t offset;
	const uint8_t *expr;
	uint32_t expr_len;
};

/* Everything known about the frame of a pc. */
struct gsc_cfa_row {
	uint64_t start, end;		/* the row's pc range [start, end) */
	uint64_t fde_start, fde_end;	/* the FDE's (function's) range */
	struct gsc_cfa_rule cfa;
	uint32_t ra_regno;		/* the CIE's return address column */
	bool signal_frame;		/* augmentation "S": the pc is not a return address */
	bool ra_signed;			/* DW_CFA_AARCH64_negate_ra_state toggled an odd
					 * number of times (RA_SIGN_STATE = 1); on other
					 * arches this opcode is DW_CFA_GNU_window_save */
	uint64_t args_size;		/* DW_CFA_GNU_args_size, 0 if none */
	uint64_t code_align;
	int64_t data_align;
	bool has_lsda;
	uint64_t lsda;			/* the FDE's LSDA address ("L"); not dereferenced */
	bool has_personality;
	bool personality_indirect;	/* DW_EH_PE_indirect: personality is where the
					 * pointer to the routine is stored */
	uint64_t personality;		/* the CIE's personality routine ("P") */
	enum gsc_cfi_format format;	/* which section the FDE came from */
	uint64_t fde_offset;		/* in that section, for messages */
	uint16_t num_regs;		/* regs[num_regs..] are all UNSPECIFIED */
	struct gsc_cfi_rule regs[GSC_CFI_MAX_REGS];
};

/* One section of CFI, for gsc_cfi_add_section(). */
struct gsc_cfi_section_desc {
	enum gsc_cfi_format format;
	const void *data;		/* the (inflated) section bytes, kept alive by the caller */
	size_t size;
	uint64_t addr;			/* vaddr of data[0]: DW_EH_PE_pcrel's base */
	uint64_t text_addr;		/* DW_EH_PE_textrel's base (.text) */
	uint64_t data_addr;		/* DW_EH_PE_datarel's base (.got) */
	const void *hdr;		/* optional .eh_frame_hdr, with its vaddr */
	size_t hdr_size;
	uint64_t hdr_addr;
};

struct gsc_cfi;

/*
 * CFI with no sections yet: data of this byte order with addresses of
 * addr_size (4 or 8) bytes.  For tests and callers that found the sections
 * themselves.
 */
struct gsc_error *gsc_cfi_create(bool little_endian, unsigned addr_size,
				 struct gsc_cfi **ret) GSC_WUR;
/* At most 4 sections; lookups try them in the order they were added. */
struct gsc_error *gsc_cfi_add_section(struct gsc_cfi *cfi,
				      const struct gsc_cfi_section_desc *desc) GSC_WUR;
/*
 * The CFI of an ELF: .eh_frame (with .eh_frame_hdr) first, then .debug_frame
 * (inflated if compressed).  GSC_ERR_NOT_FOUND if it has neither.  The ELF
 * must outlive the result (DW_EH_PE_indirect pointers are read from it).
 */
struct gsc_error *gsc_cfi_create_elf(struct gsc_elf *elf, struct gsc_cfi **ret) GSC_WUR;
void gsc_cfi_destroy(struct gsc_cfi *cfi);

/*
 * The row for pc.  GSC_ERR_NOT_FOUND when no FDE covers pc; GSC_ERR_BAD_DATA
 * when the FDE, its CIE or its program is corrupt (or when pc is not found
 * and some FDE of a section could not be read, since it may have been pc's).
 */
struct gsc_error *gsc_cfi_find_row(struct gsc_cfi *cfi, uint64_t pc,
				   struct gsc_cfa_row *ret) GSC_WUR;

/* Number of FDEs indexed so far (0 before the first lookup), for tests. */
size_t gsc_cfi_num_indexed(const struct gsc_cfi *cfi);

/*
 * A small DWARF expression evaluator for CFA and register rules (DWARF 5
 * §2.5): literals, DW_OP_breg*, DW_OP_bregx, DW_OP_reg* is rejected,
 * arithmetic and logic, stack ops, DW_OP_deref / deref_size, compares and
 * branches.  At most GSC_CFI_EXPR_MAX_STEPS operations run and the stack holds
 * at most GSC_CFI_EXPR_STACK values, so a looping or hostile expression is
 * GSC_ERR_BAD_DATA, not a hang.  initial is pushed first when has_initial
 * (the CFA, for register rules).  Registers and memory come from callbacks;
 * a callback's error is returned as is.
 */
#define GSC_CFI_EXPR_MAX_STEPS 10000
#define GSC_CFI_EXPR_STACK 64
struct gsc_cfi_expr_env {
	struct gsc_error *(*read_reg)(void *arg, unsigned regno, uint64_t *ret);
	struct gsc_error *(*read_mem)(void *arg, uint64_t addr, unsigned size, uint64_t *ret);
	void *arg;
	unsigned addr_size;		/* 4 or 8 */
	bool little_endian;		/* of the expression bytes */
};
struct gsc_error *gsc_cfi_eval_expr(const uint8_t *expr, size_t len,
				    const struct gsc_cfi_expr_env *env, bool has_initial,
				    uint64_t initial, uint64_t *ret) GSC_WUR;

#endif
