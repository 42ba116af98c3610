/*
 * disasm.h - machine code to instructions for amd64 and arm64 (capstone).
 *
 * The only module that includes capstone.h.  Besides text (Intel syntax on
 * amd64, as `objdump -d -M intel` prints it), each instruction says whether it
 * is a call, return or jump, its direct branch target, and the absolute
 * address of a PC-relative data reference: amd64 RIP-relative operands
 * (`mov rax, [rip+x]`, `lea`), arm64 ADR, LDR (literal), and ADRP followed by
 * ADD/LDR/STR on the same register (the pair is resolved on the second
 * instruction).  That is what finds runtime.allgs in a stripped binary from
 * the code of runtime.allgadd.
 *
 * Bytes that do not decode become one "(bad)" instruction of 1 byte (amd64)
 * or 4 bytes (arm64) and decoding goes on; an empty range calls nothing.
 *
 * Does not: follow control flow, read a target's memory, or know symbols.
 */
#ifndef GSC_DISASM_H
#define GSC_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"
#include "error.h"

enum gsc_insn_kind {
	GSC_INSN_OTHER,
	GSC_INSN_CALL,		/* call, bl, blr */
	GSC_INSN_RET,		/* ret */
	GSC_INSN_JUMP,		/* unconditional: jmp, b, br */
	GSC_INSN_COND_JUMP,	/* jcc, b.cond, cbz, tbz, ... */
	GSC_INSN_INVALID,	/* "(bad)": bytes that do not decode */
};

enum gsc_pcrel_kind {
	GSC_PCREL_NONE,
	GSC_PCREL_MEM,		/* a memory operand at pcrel: mov rax,[rip+x]; adrp+ldr */
	GSC_PCREL_ADDR,		/* the address itself, into a register: lea, adr, adrp+add */
	GSC_PCREL_PAGE,		/* arm64 adrp alone: pcrel is the 4 KiB page */
};

struct gsc_insn {
	uint64_t addr;
	uint8_t size;
	enum gsc_insn_kind kind;
	char mnemonic[32];
	char op_str[160];
	bool has_target;	/* a direct call or jump */
	uint64_t target;
	enum gsc_pcrel_kind pcrel_kind;
	uint64_t pcrel;		/* absolute address when pcrel_kind != NONE */
};

struct gsc_disasm;

/* UNSUPPORTED for an arch other than amd64 and arm64. */
struct gsc_error *gsc_disasm_create(enum gsc_arch arch, struct gsc_disasm **ret) GSC_WUR;
void gsc_disasm_destroy(struct gsc_disasm *d);

/* Called per instruction; returning non-NULL stops the walk with that error. */
typedef struct gsc_error *gsc_disasm_fn(const struct gsc_insn *insn, void *arg);

/* Decode [code, code+size) placed at address addr. */
struct gsc_error *gsc_disasm_range(struct gsc_disasm *d, const uint8_t *code, size_t size,
				   uint64_t addr, gsc_disasm_fn *fn, void *arg) GSC_WUR;

/* The same with a handle made and freed for the call. */
struct gsc_error *gsc_disasm(enum gsc_arch arch, const uint8_t *code, size_t size, uint64_t addr,
			     gsc_disasm_fn *fn, void *arg) GSC_WUR;

/* All instructions as an array the caller frees with free(). */
struct gsc_error *gsc_disasm_all(struct gsc_disasm *d, const uint8_t *code, size_t size,
				 uint64_t addr, struct gsc_insn **insns_ret,
				 size_t *count_ret) GSC_WUR;

#endif
