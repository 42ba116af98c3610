/*
 * go_pclntab.h - Go's pc-line table (runtime.pcHeader and what follows it),
 * Go 1.19 (magic 0xfffffff0) through 1.27 (magic 0xfffffff1).
 *
 * Facts: ../shared/reference/go-runtime.md §1; runtime/symtab.go,
 * internal/abi/symtab.go, cmd/link/internal/ld/pcln.go.
 *
 * Works on bytes the caller keeps alive (the binary's mapping) and in
 * link-time addresses.  Funcdata (inline trees, ArgInfo) live outside the
 * table, at moduledata.gofunc + offset; they are read through the
 * gsc_pclntab_mem callback so the same code serves a file, a core or a live
 * process.
 *
 * Opening is O(1): nothing is read per function until asked, and each
 * lookup bounds-checks what it touches (so corruption surfaces as a
 * GSC_ERR_BAD_DATA error from the lookup that meets it).  Function lookup is
 * a binary search; pc-value decoding is linear in the function's table.
 * Names, file names and struct gsc_func's pointers point into config.data:
 * valid while the caller keeps those bytes alive (the binary is open).  A
 * table may be used by several threads at once.
 *
 * Does not: find the table in an ELF (binary.c does), read DWARF, unwind,
 * elide wrapper frames (kind says which are wrappers; printers decide).
 */
#ifndef GSC_GO_PCLNTAB_H
#define GSC_GO_PCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum {
	GSC_PCLNTAB_MAGIC_GO118 = 0xfffffff0,	/* Go 1.18, 1.19 */
	GSC_PCLNTAB_MAGIC_GO120 = 0xfffffff1,	/* Go 1.20 - 1.27 */
};

/* PCDATA and FUNCDATA indices (identical 1.19-1.27). */
enum {
	GSC_PCDATA_UNSAFE_POINT = 0,
	GSC_PCDATA_STACK_MAP_INDEX = 1,
	GSC_PCDATA_INL_TREE_INDEX = 2,
	GSC_PCDATA_ARG_LIVE_INDEX = 3,
	GSC_PCDATA_PANIC_BOUNDS = 4,	/* Go 1.26+ */
};
enum {
	GSC_FUNCDATA_ARGS_POINTER_MAPS = 0,
	GSC_FUNCDATA_LOCALS_POINTER_MAPS = 1,
	GSC_FUNCDATA_STACK_OBJECTS = 2,
	GSC_FUNCDATA_INL_TREE = 3,
	GSC_FUNCDATA_OPEN_CODED_DEFER_INFO = 4,
	GSC_FUNCDATA_ARG_INFO = 5,
	GSC_FUNCDATA_ARG_LIVE_INFO = 6,
	GSC_FUNCDATA_WRAP_INFO = 7,
};

/* _func.flag bits (same values 1.19-1.27). */
enum {
	GSC_FUNCFLAG_TOPFRAME = 1,
	GSC_FUNCFLAG_SPWRITE = 2,
	GSC_FUNCFLAG_ASM = 4,
};

/*
 * Special functions, classified by name, not by the funcID byte (whose
 * numbering moves between releases: go-runtime.md §1.7).
 */
enum gsc_func_kind {
	GSC_FUNC_NORMAL = 0,
	GSC_FUNC_ABORT, GSC_FUNC_ASMCGOCALL, GSC_FUNC_ASYNC_PREEMPT, GSC_FUNC_CGOCALLBACK,
	GSC_FUNC_COROSTART, GSC_FUNC_DEBUG_CALL_V2, GSC_FUNC_GC_BG_MARK_WORKER,
	GSC_FUNC_GOEXIT, GSC_FUNC_GOGO, GSC_FUNC_GOPANIC, GSC_FUNC_HANDLE_ASYNC_EVENT,
	GSC_FUNC_MCALL, GSC_FUNC_MORESTACK, GSC_FUNC_MSTART, GSC_FUNC_PANICWRAP,
	GSC_FUNC_RT0_GO, GSC_FUNC_RUNFINQ, GSC_FUNC_RUNTIME_MAIN, GSC_FUNC_RUN_FINALIZERS,
	GSC_FUNC_RUN_CLEANUPS, GSC_FUNC_SIGPANIC, GSC_FUNC_SYSTEMSTACK,
	GSC_FUNC_SYSTEMSTACK_SWITCH, GSC_FUNC_WRAPPER,
};

/* One function: a decoded view of its _func record.  Pointers are into the table. */
struct gsc_func {
	uint32_t index;		/* in the function table */
	uint64_t entry;		/* link-time address */
	uint64_t end;		/* entry of the next function (or the table's end pc) */
	const char *name;
	int32_t args;		/* argument frame size (_func.args) */
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln;	/* offsets into pctab; 0 = none */
	uint32_t npcdata;
	uint32_t cu_offset;
	int32_t start_line;	/* 0 before Go 1.20 */
	uint8_t funcid;		/* raw byte; prefer kind */
	uint8_t flag;		/* GSC_FUNCFLAG_* */
	uint8_t nfuncdata;
	enum gsc_func_kind kind;
	const uint8_t *pcdata;	/* npcdata u32 pctab offsets */
	const uint8_t *funcdata;	/* nfuncdata u32 gofunc offsets, 0xffffffff = none */
};

/* Reads size bytes at a link-time address (for funcdata); FAULT if not there. */
typedef struct gsc_error *gsc_pclntab_mem_fn(void *arg, uint64_t addr, void *buf, size_t size);

struct gsc_pclntab_config {
	const uint8_t *data;	/* the pcHeader and everything after it */
	size_t size;		/* bytes available from data (may run past the table) */
	uint64_t addr;		/* link-time address of data[0] */
	bool little_endian;
	/*
	 * moduledata.text (runtime.text).  0 = take pcHeader.textStart, which
	 * Go 1.26+ writes as 0: then the caller must supply it.
	 */
	uint64_t text_start;
	uint64_t gofunc;	/* moduledata.gofunc; 0 = funcdata unavailable */
	/*
	 * 19..27 from buildinfo; 0 = unknown (the magic then tells <= 1.19 from
	 * >= 1.20, and the wrapper funcID is learnt from the table itself).  A
	 * minor newer than the newest known uses the newest tables.
	 */
	int go_minor;
	gsc_pclntab_mem_fn *read_mem;
	void *read_mem_arg;
};

struct gsc_pclntab;

/* Validates the header, offsets and function table bounds; never trusts a length. */
struct gsc_error *gsc_pclntab_open(const struct gsc_pclntab_config *config,
				   struct gsc_pclntab **ret) GSC_WUR;
void gsc_pclntab_destroy(struct gsc_pclntab *tab);

/* Are these bytes plausibly a pcHeader (for scanning a stripped image)? */
bool gsc_pclntab_looks_valid(const uint8_t *data, size_t size, bool little_endian);

uint32_t gsc_pclntab_magic(const struct gsc_pclntab *tab);
unsigned gsc_pclntab_quantum(const struct gsc_pclntab *tab);	/* minLC: 1 amd64, 4 arm64 */
uint64_t gsc_pclntab_text_start(const struct gsc_pclntab *tab);
size_t gsc_pclntab_num_funcs(const struct gsc_pclntab *tab);
size_t gsc_pclntab_num_files(const struct gsc_pclntab *tab);
/* [min_pc, max_pc): the pcs the table covers. */
void gsc_pclntab_pc_range(const struct gsc_pclntab *tab, uint64_t *min_ret, uint64_t *max_ret);

struct gsc_error *gsc_pclntab_func(const struct gsc_pclntab *tab, size_t index,
				   struct gsc_func *ret) GSC_WUR;
/* The function containing pc; GSC_ERR_NOT_FOUND outside every function. */
struct gsc_error *gsc_pclntab_find_func(const struct gsc_pclntab *tab, uint64_t pc,
					struct gsc_func *ret) GSC_WUR;

/*
 * The value of pc-value table `table_off` (a pctab offset such as f->pcsp)
 * at pc.  GSC_ERR_NOT_FOUND if pc is not covered.  (runtime.pcvalue)
 */
struct gsc_error *gsc_pclntab_pcvalue(const struct gsc_pclntab *tab, const struct gsc_func *f,
				      uint32_t table_off, uint64_t pc, int32_t *ret) GSC_WUR;
/* pcdata[index] at pc; -1 if the function has no such table. */
struct gsc_error *gsc_pclntab_pcdata(const struct gsc_pclntab *tab, const struct gsc_func *f,
				     uint32_t index, uint64_t pc, int32_t *ret) GSC_WUR;
/* Link-time address of funcdata[index]; NOT_FOUND if absent. */
struct gsc_error *gsc_pclntab_funcdata(const struct gsc_pclntab *tab, const struct gsc_func *f,
				       uint32_t index, uint64_t *addr_ret) GSC_WUR;

/* File and line of the outermost (physical) function at pc. */
struct gsc_error *gsc_pclntab_file_line(const struct gsc_pclntab *tab, const struct gsc_func *f,
					uint64_t pc, const char **file_ret, int32_t *line_ret) GSC_WUR;
/* SP delta at pc (pcsp). */
struct gsc_error *gsc_pclntab_spdelta(const struct gsc_pclntab *tab, const struct gsc_func *f,
				      uint64_t pc, int32_t *ret) GSC_WUR;

/* One logical frame at a pc: inlined frames come first (innermost first). */
struct gsc_frame {
	const char *func;
	const char *file;	/* "?" when the table says unknown */
	int32_t line;		/* 0 when unknown */
	bool inlined;		/* inlined into the next frame in the list */
	enum gsc_func_kind kind;
	uint8_t funcid;
	/*
	 * The pc this frame's file:line was taken at: the pc asked about for
	 * the first frame, then entry + parentPc of the inlined call (the
	 * call site, a "virtual pc" in the runtime's words).
	 */
	uint64_t pc;
	int32_t start_line;	/* line of the func keyword; 0 before Go 1.20 */
};

/*
 * Expands the inline tree at pc (runtime/symtabinl.go): fills up to max
 * frames, innermost first, and sets *count_ret to the number of frames that
 * exist (may exceed max).  The last frame is the physical function.
 */
struct gsc_error *gsc_pclntab_frames(const struct gsc_pclntab *tab, uint64_t pc,
				     struct gsc_frame *frames, size_t max,
				     size_t *count_ret) GSC_WUR;

/*
 * The first function named exactly `name` (GSC_ERR_NOT_FOUND if none).
 * A linear scan over every name: O(number of functions); for occasional
 * lookups such as "main.Add" on a stripped binary, not for a hot loop.
 */
struct gsc_error *gsc_pclntab_find_func_by_name(const struct gsc_pclntab *tab, const char *name,
						struct gsc_func *ret) GSC_WUR;

/*
 * Classifies a function by its name ("runtime.goexit" -> GSC_FUNC_GOEXIT;
 * "runtime.main" -> GSC_FUNC_RUNTIME_MAIN, "runtime.deferreturn" ->
 * GSC_FUNC_WRAPPER).  Autogenerated wrappers have no fixed name: struct
 * gsc_func.kind also recognises them from the funcID byte, whose numbering
 * depends on the Go version (config.go_minor).
 */
enum gsc_func_kind gsc_func_kind_of(const char *name);
/* "goexit", "wrapper", "normal", ... (for messages and dumps). */
const char *gsc_func_kind_name(enum gsc_func_kind kind);

#endif
