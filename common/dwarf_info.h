/*
 * dwarf_info.h - names in .debug_info: struct layouts, globals, functions.
 *
 * The only module that includes libdwarf.h.  libdwarf reads our own section
 * bytes (through a Dwarf_Obj_Access_Interface fed by gsc_elf_section_data,
 * which inflates SHF_COMPRESSED and .zdebug sections), so the same code reads
 * a file, a copy in memory or a fuzzed buffer, and libdwarf never opens or
 * decompresses anything itself.
 *
 * Lazy: gsc_dwarf_create() reads nothing.  The first query opens libdwarf and
 * indexes the names of every top-level DIE of every CU in one pass (a hash
 * table of pointers into the section data: names are not copied); later
 * queries are a hash probe plus a few DIE reads.  A failed load is sticky:
 * every later query returns the same error.
 *
 * Names are the producer's: Go's "runtime.g", "runtime.allgs", "main.main";
 * C's "task_struct" (no "struct " prefix), "main".  A type name matches a
 * struct, union, class, enum, base type or typedef; typedefs and
 * const/volatile are looked through when a layout is asked for.
 *
 * Errors: GSC_ERR_NOT_FOUND for an unknown name or field, GSC_ERR_DWARF when
 * libdwarf rejects the data (its message is kept), GSC_ERR_BAD_DATA when the
 * DWARF is well formed for libdwarf but makes no sense (loops, a member
 * without a usable offset).  Nothing here aborts on corrupt input.
 *
 * Does not: read .debug_line or .debug_frame (see cfi.h), evaluate location
 * expressions against a target, or know Go's runtime (go_runtime.c asks).
 */
#ifndef GSC_DWARF_INFO_H
#define GSC_DWARF_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"
#include "error.h"

struct gsc_dwarf;

/* Costs nothing; elf must outlive the object. */
struct gsc_error *gsc_dwarf_create(struct gsc_elf *elf, struct gsc_dwarf **ret) GSC_WUR;
void gsc_dwarf_destroy(struct gsc_dwarf *dw);

/* Is there a non-empty .debug_info (or .zdebug_info)?  Reads no DWARF. */
bool gsc_dwarf_present(const struct gsc_dwarf *dw);

/* Open and index now (every query does this on first use). */
struct gsc_error *gsc_dwarf_load(struct gsc_dwarf *dw) GSC_WUR;

/* Highest CU version in .debug_info: 4 for Go <= 1.24, 5 for Go 1.25+. */
struct gsc_error *gsc_dwarf_version(struct gsc_dwarf *dw, unsigned *ret) GSC_WUR;

/*
 * DW_AT_producer of the first CU that has one ("Go cmd/compile go1.26.8;
 * regabi", "GNU C17 12.2.0 -g").  Valid until destroy.
 */
struct gsc_error *gsc_dwarf_producer(struct gsc_dwarf *dw, const char **ret) GSC_WUR;

/* Counts of the index, for tests and benchmarks. */
struct gsc_dwarf_stats {
	size_t units;		/* CUs in .debug_info */
	size_t names;		/* indexed names */
	size_t concrete;	/* out-of-line instances of abstract functions */
};
struct gsc_error *gsc_dwarf_stats(struct gsc_dwarf *dw, struct gsc_dwarf_stats *ret) GSC_WUR;

/* DW_AT_byte_size of a named type (typedefs followed). */
struct gsc_error *gsc_dwarf_type_size(struct gsc_dwarf *dw, const char *type,
				      uint64_t *ret) GSC_WUR;

struct gsc_dwarf_field {
	uint64_t offset;	/* from the start of the outermost type */
	uint64_t size;		/* byte size of the field's type; 0 if it has none */
	const char *type_name;	/* NULL if the type is unnamed; valid until destroy */
};

/*
 * A member of a struct type by path: "goid", or "sched.pc" for a member of a
 * member (offsets add up).  Members of unnamed struct/union members (C11
 * anonymous members) are found too.
 */
struct gsc_error *gsc_dwarf_field(struct gsc_dwarf *dw, const char *type, const char *path,
				  struct gsc_dwarf_field *ret) GSC_WUR;
/* Shorthand for gsc_dwarf_field(...)->offset. */
struct gsc_error *gsc_dwarf_field_offset(struct gsc_dwarf *dw, const char *type,
					 const char *path, uint64_t *ret) GSC_WUR;

/* Link-time address of a global variable (DW_AT_location = DW_OP_addr[x]). */
struct gsc_error *gsc_dwarf_global_address(struct gsc_dwarf *dw, const char *name,
					   uint64_t *ret) GSC_WUR;

/* DW_AT_const_value of a DW_TAG_constant ("runtime._Gdead"). */
struct gsc_error *gsc_dwarf_constant(struct gsc_dwarf *dw, const char *name,
				     int64_t *ret) GSC_WUR;

/*
 * [low, high) of a function (an out-of-line copy if it is also inlined), from
 * DW_AT_low_pc/high_pc or else DW_AT_ranges (.debug_ranges in DWARF 4,
 * .debug_rnglists in DWARF 5).  For a function in several ranges (gcc -O2
 * splits "main" into hot and cold parts) this is the lowest start to the
 * highest end, and it may cover gaps holding other functions' code: do not
 * use it to say which function a pc belongs to.
 */
struct gsc_error *gsc_dwarf_func_range(struct gsc_dwarf *dw, const char *name,
				       uint64_t *low_ret, uint64_t *high_ret) GSC_WUR;

/*
 * Location descriptions, decoded into pieces (DWARF 5 §2.6).  Registers are
 * DWARF register numbers (amd64: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi,
 * 6 rbp, 7 rsp, 8-15 r8-r15, 17-32 xmm0-15; arm64: 0-30 x0-x30, 31 sp,
 * 64-95 v0-v31).
 */
enum gsc_dwarf_piece_kind {
	GSC_DWARF_PIECE_EMPTY,	/* optimised away here (no operations) */
	GSC_DWARF_PIECE_REG,	/* in register reg */
	GSC_DWARF_PIECE_FBREG,	/* memory at frame base + offset */
	GSC_DWARF_PIECE_CFA,	/* memory at CFA + offset (DW_OP_call_frame_cfa) */
	GSC_DWARF_PIECE_BREG,	/* memory at register reg + offset */
	GSC_DWARF_PIECE_ADDR,	/* memory at address (offset holds it) */
	GSC_DWARF_PIECE_COMPLEX,	/* anything else: see the raw ops */
};

struct gsc_dwarf_piece {
	enum gsc_dwarf_piece_kind kind;
	uint32_t reg;
	int64_t offset;
	uint64_t size;		/* DW_OP_piece size; 0 = the whole value */
};

struct gsc_dwarf_op {
	uint8_t atom;		/* DW_OP_* */
	uint64_t op1, op2;	/* operands as libdwarf cooks them (addrx -> address) */
};

struct gsc_dwarf_loc {
	bool all_pcs;		/* a single expression, valid over the whole function */
	uint64_t low_pc, high_pc;	/* [low, high) when !all_pcs */
	size_t nops;
	struct gsc_dwarf_op *ops;
	size_t npieces;
	struct gsc_dwarf_piece *pieces;
};

struct gsc_dwarf_param {
	char *name;		/* "~r0" for Go's unnamed results; "?" if none */
	char *type_name;	/* "int", "*main.T", "char *"; "?" if unknown */
	bool is_result;		/* DW_AT_variable_parameter (Go results) */
	size_t nlocs;		/* 0: no DW_AT_location */
	struct gsc_dwarf_loc *locs;
};

/* A function with its formal parameters, in declaration order; caller-owned. */
struct gsc_dwarf_func {
	char *name;
	uint64_t low_pc, high_pc;	/* as gsc_dwarf_func_range(): may span gaps */
	size_t nranges;		/* non-empty ranges; > 1: [low_pc, high_pc) may have gaps */
	bool frame_base_is_cfa;	/* DW_AT_frame_base is DW_OP_call_frame_cfa (Go) */
	size_t nparams;
	struct gsc_dwarf_param *params;
};

struct gsc_error *gsc_dwarf_func_init(struct gsc_dwarf *dw, const char *name,
				      struct gsc_dwarf_func *ret) GSC_WUR;
void gsc_dwarf_func_deinit(struct gsc_dwarf_func *f);

#endif
