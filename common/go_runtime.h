/*
 * go_runtime.h - the Go runtime's own view of a process: its goroutines
 * (runtime.allgs), its Ms (runtime.allm), the g running on each thread, and
 * what the runtime would print about each (status, wait reason).
 *
 * Facts: ../shared/reference/go-runtime.md §2.3-2.4 (finding allgs, allm and
 * a thread's g without symbols), §3 (g, gobuf, m layouts; statuses; wait
 * reasons), §7.2 (reading goroutines from a core).
 *
 * Layouts of runtime.g, runtime.m and runtime.gobuf come from the binary's
 * DWARF when it has some; a struct DWARF does not describe (and every struct
 * of a stripped binary) comes from the built-in table of that Go version
 * (1.19-1.27).  A Go newer than the newest table is read with the
 * newest table and says so in a warning; a Go older than 1.19 is an
 * UNSUPPORTED error naming it.
 *
 * runtime.allgs / runtime.allm are found by symbol, else by DWARF, else from
 * the machine code of runtime.allgadd / runtime.mcommoninit (PC-relative data
 * references; the candidates are validated in the target).  Wait reason
 * strings come from runtime.waitReasonStrings in the image (by symbol, else
 * by scanning .data for its first three strings), else from built-in tables.
 *
 * Addresses: the binary speaks link-time addresses, the target run-time
 * ones; load_bias (a PIE's, from gsc_core_load_bias() or the live process's
 * auxv) is added to every address taken from the binary.  Every address this
 * API returns is a run-time address.
 *
 * Robustness: the goroutine count is capped (GSC_GORUNTIME_MAX_GS) and
 * checked against the slice's capacity; a g that cannot be read or does not
 * look like a g (stack bounds, status) is skipped with a warning; the M list
 * is walked at most GSC_GORUNTIME_MAX_MS steps.  Each g is read with one
 * target read of the whole struct, never field by field.
 *
 * Ownership: a gsc_goruntime borrows the binary and the target (both must
 * outlive it).  Strings it returns (status names, wait reasons, warnings,
 * layout sources) stay valid until gsc_goruntime_destroy().
 *
 * Does not: unwind stacks (unwind.c), decode panic values or labels
 * (go_type.c), print anything, or compute "N minutes" (a core has no clock:
 * the caller picks "now").
 */
#ifndef GSC_GO_RUNTIME_H
#define GSC_GO_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

struct gsc_binary;
struct gsc_dwarf;
struct gsc_target;

enum {
	GSC_GORUNTIME_MAX_GS = 10 * 1000 * 1000,	/* goroutines read at most */
	GSC_GORUNTIME_MAX_MS = 100 * 1000,		/* Ms walked at most */
	GSC_GORUNTIME_MAX_WARNINGS = 32,		/* kept; later ones are counted */
};

/* Goroutine statuses (runtime/runtime2.go). */
enum {
	GSC_G_IDLE = 0,
	GSC_G_RUNNABLE = 1,
	GSC_G_RUNNING = 2,
	GSC_G_SYSCALL = 3,
	GSC_G_WAITING = 4,
	GSC_G_DEAD = 6,
	GSC_G_COPYSTACK = 8,
	GSC_G_PREEMPTED = 9,
	GSC_G_LEAKED = 10,	/* Go 1.26+ */
	GSC_G_DEADEXTRA = 11,	/* Go 1.26+ */
	GSC_G_SCAN = 0x1000,	/* ORed on while the GC scans the stack */
};

/*
 * Fields this module reads.  G_* and M_* are offsets from the start of
 * runtime.g / runtime.m; GOBUF_* from the start of a runtime.gobuf (g.sched
 * is one at G_SCHED).
 */
enum gsc_go_field {
	GSC_GF_G_STACK_LO, GSC_GF_G_STACK_HI, GSC_GF_G_PANIC, GSC_GF_G_DEFER, GSC_GF_G_M,
	GSC_GF_G_SCHED, GSC_GF_G_SYSCALLSP, GSC_GF_G_SYSCALLPC, GSC_GF_G_SYSCALLBP,
	GSC_GF_G_ATOMICSTATUS, GSC_GF_G_GOID, GSC_GF_G_SCHEDLINK, GSC_GF_G_WAITSINCE,
	GSC_GF_G_WAITREASON, GSC_GF_G_LOCKEDM, GSC_GF_G_PARENTGOID, GSC_GF_G_GOPC,
	GSC_GF_G_ANCESTORS, GSC_GF_G_STARTPC, GSC_GF_G_LABELS,
	GSC_GF_GOBUF_SP, GSC_GF_GOBUF_PC, GSC_GF_GOBUF_G, GSC_GF_GOBUF_CTXT, GSC_GF_GOBUF_RET,
	GSC_GF_GOBUF_LR, GSC_GF_GOBUF_BP,
	GSC_GF_M_G0, GSC_GF_M_PROCID, GSC_GF_M_GSIGNAL, GSC_GF_M_TLS, GSC_GF_M_MSTARTFN,
	GSC_GF_M_CURG, GSC_GF_M_P, GSC_GF_M_ID, GSC_GF_M_THROWING, GSC_GF_M_DYING,
	GSC_GF_M_INCGO, GSC_GF_M_NCGO, GSC_GF_M_ALLLINK, GSC_GF_M_SCHEDLINK, GSC_GF_M_LOCKEDG,
	GSC_GF_M_VDSOSP, GSC_GF_M_VDSOPC,
	GSC_GF_COUNT
};

/* Where a struct's fields live in one Go version. */
struct gsc_go_layout {
	int go_minor;		/* the table's minor (the newest for a newer Go) */
	uint32_t g_size, m_size, gobuf_size;
	int32_t off[GSC_GF_COUNT];	/* -1: the version has no such field */
	bool from_dwarf;	/* at least one offset came from DWARF */
	char source[64];	/* "DWARF", "built-in table (go1.23)", "DWARF + built-in table (go1.23)" */
};

/* The field's DWARF name: type "runtime.g", path "sched" (for tests and messages). */
const char *gsc_go_field_type(enum gsc_go_field f);
const char *gsc_go_field_path(enum gsc_go_field f);
/* Width in bytes of the field's value as read (8, 4 for atomicstatus, 1 for waitreason). */
unsigned gsc_go_field_width(enum gsc_go_field f);

/*
 * The built-in layout of Go 1.minor: UNSUPPORTED below 1.19; the newest table
 * above 1.27 (*newer_ret, when not NULL, says so).
 */
struct gsc_error *gsc_go_layout_builtin(int go_minor, struct gsc_go_layout *ret,
					bool *newer_ret) GSC_WUR;
/*
 * The layout from DWARF.  DWARF is authoritative for a struct it describes (a
 * field it does not name is absent in that build); a struct it does not
 * describe comes from the built-in table of go_minor.  NOT_FOUND when DWARF
 * has no runtime.g at all; BAD_DATA when a field we cannot do without is
 * missing or lies outside its struct.
 */
struct gsc_error *gsc_go_layout_dwarf(struct gsc_dwarf *dw, int go_minor,
				      struct gsc_go_layout *ret) GSC_WUR;

/*
 * The value of field f in the bytes of its struct at base (a runtime.g, m or
 * gobuf per the field; the caller checked the bytes hold the whole struct);
 * 0 when the layout has no such field.
 */
uint64_t gsc_go_layout_get(const struct gsc_go_layout *l, const uint8_t *base,
			   enum gsc_go_field f, bool little_endian);

/* gStatusStrings[status & ~_Gscan] of that version: "waiting"; "???" out of range. */
const char *gsc_go_status_name(int go_minor, uint32_t status);
/* Built-in waitReasonStrings of that version, in enum order; *count_ret entries. */
const char *const *gsc_go_wait_reasons_builtin(int go_minor, size_t *count_ret);

/* One goroutine, decoded.  Addresses are run-time addresses. */
struct gsc_goroutine {
	uint64_t addr;		/* the g */
	uint64_t goid;
	uint32_t status;	/* raw atomicstatus, _Gscan bit included */
	const char *status_name;	/* of status without _Gscan: "waiting", "???" */
	uint8_t waitreason;	/* raw */
	/*
	 * waitReason.String() of that version: NULL for waitReasonZero,
	 * "unknown wait reason" out of range.
	 */
	const char *wait_reason;
	int64_t waitsince;	/* nanotime() when it started waiting; 0 unknown */
	uint64_t parent_goid;	/* Go 1.21+; 0 before */
	uint64_t gopc;		/* pc of the go statement */
	uint64_t startpc;	/* the goroutine's function */
	uint64_t lockedm;	/* the M it is locked to (LockOSThread), or 0 */
	uint64_t m;		/* the M running it, or 0 */
	int64_t m_id;		/* m.id, -1 when no M (or unreadable) */
	uint64_t m_procid;	/* m.procid: the thread's LWP, 0 when no M */
	int32_t m_throwing;	/* m.throwing (>= 2 from Go 1.20: a runtime throw) */
	uint64_t m_curg;	/* m.curg */
	struct {
		uint64_t sp, pc, g, ctxt, lr, bp;
	} sched;
	uint64_t syscallsp, syscallpc, syscallbp;	/* syscallbp: Go 1.23+ */
	uint64_t stack_lo, stack_hi;
	uint64_t panic, defer;	/* _panic, _defer */
	uint64_t labels;	/* pprof labels (layout per version: go-runtime.md §3.6) */
	uint64_t ancestors;
};

/* One M. */
struct gsc_go_m {
	uint64_t addr;
	int64_t id;
	uint64_t procid;	/* LWP of its thread */
	uint64_t g0, gsignal, curg, lockedg;
	uint64_t p;
	uint64_t mstartfn;
	int32_t throwing, dying;
	bool incgo;
	int32_t ncgo;
	uint64_t vdso_sp, vdso_pc;	/* non-zero: inside a vDSO call */
};

/* The g a thread runs now and its M. */
struct gsc_go_thread {
	int32_t tid;
	uint64_t g;		/* from TLS (amd64) or x28 (arm64); may be m.g0 / m.gsignal; 0 unknown */
	uint64_t m;		/* the thread's M, 0 unknown */
	uint64_t curg;		/* m.curg: the user goroutine on that M, or 0 */
	bool on_g0, on_gsignal;	/* g is the M's g0 / gsignal */
	const char *how;	/* "tls", "x28", "procid": how the thread was matched */
};

struct gsc_goruntime_config {
	struct gsc_binary *bin;		/* NULL: layout, minor and allgs_addr are required */
	struct gsc_target *target;
	uint64_t load_bias;		/* run-time minus link-time address (PIE) */
	int go_minor;			/* 0: from bin */
	/* Optional overrides (tests, or a caller that knows better). */
	const struct gsc_go_layout *layout;	/* NULL: DWARF, else the built-in table */
	uint64_t allgs_addr;		/* run-time address of runtime.allgs; 0: find it */
	uint64_t allm_addr;		/* run-time address of runtime.allm; 0: find it */
	uint64_t tls_g_offset;		/* amd64: g at fs_base - this; 0: from PT_TLS (8) */
	bool no_dwarf;			/* never open DWARF (fast start; stripped behaviour) */
};

struct gsc_goruntime;

/*
 * Sets up the view: version, layout, wait reasons, allgs and allm addresses.
 * Reads only a few words of the target (to validate allgs / allm candidates
 * found through code).  Unless no_dwarf, a binary with DWARF has it opened
 * and indexed here (tens of ms for a few MB; the built-in tables equal DWARF
 * for every release 1.19-1.27, tests/goruntime/check-layouts.sh).  allgs not
 * found is NOT_FOUND; a Go before 1.19 is UNSUPPORTED.
 */
struct gsc_error *gsc_goruntime_create(const struct gsc_goruntime_config *cfg,
				       struct gsc_goruntime **ret) GSC_WUR;
void gsc_goruntime_destroy(struct gsc_goruntime *rt);

int gsc_goruntime_go_minor(const struct gsc_goruntime *rt);
const struct gsc_go_layout *gsc_goruntime_layout(const struct gsc_goruntime *rt);
/* Run-time addresses; 0 when not found (allm is optional). */
uint64_t gsc_goruntime_allgs_addr(const struct gsc_goruntime *rt);
uint64_t gsc_goruntime_allm_addr(const struct gsc_goruntime *rt);
/* "symbol", "DWARF", "code of runtime.allgadd", "given". */
const char *gsc_goruntime_allgs_how(const struct gsc_goruntime *rt);
const char *gsc_goruntime_allm_how(const struct gsc_goruntime *rt);
/*
 * "image (symbol runtime.waitReasonStrings)", "image (scan of .data)",
 * "built-in table (go1.26)".  The image's strings are compared with the
 * built-in table of a known version; a difference is a warning.
 */
const char *gsc_goruntime_wait_reasons_how(const struct gsc_goruntime *rt);
/* The wait reason string of value w: NULL for 0, "unknown wait reason" out of range. */
const char *gsc_goruntime_wait_reason(const struct gsc_goruntime *rt, uint8_t w);

/* Messages for the user, in order; the last says how many more were dropped. */
const char *const *gsc_goruntime_warnings(const struct gsc_goruntime *rt, size_t *count_ret);

/*
 * The text between the brackets of the goroutine's traceback header as that
 * Go version prints it (runtime/traceback.go goroutineheader): "chan
 * receive", "running (scan)", "select, 3 minutes, locked to thread".  now_ns
 * is the target's nanotime() for ", N minutes"; 0 leaves the minutes out.
 * Synctest bubbles and labels are not included.  Returns snprintf's count.
 */
int gsc_goruntime_status_text(const struct gsc_goruntime *rt, const struct gsc_goroutine *g,
			      int64_t now_ns, char *buf, size_t size);

/* Decodes the g at run-time address addr (any g: g0, gsignal too). */
struct gsc_error *gsc_goruntime_read_g(struct gsc_goruntime *rt, uint64_t addr,
				       struct gsc_goroutine *ret) GSC_WUR;
/* Decodes the M at addr. */
struct gsc_error *gsc_goruntime_read_m(struct gsc_goruntime *rt, uint64_t addr,
				       struct gsc_go_m *ret) GSC_WUR;

/* Called per goroutine; a non-NULL return stops the walk with that error. */
typedef struct gsc_error *gsc_goroutine_fn(const struct gsc_goroutine *g, void *arg);

/*
 * Every g in allgs, in allgs order, dead ones (_Gdead, _Gdeadextra) included
 * only when include_dead.  A g that cannot be read or fails validation is
 * skipped with a warning; *skipped_ret (may be NULL) counts them.
 */
struct gsc_error *gsc_goruntime_goroutines(struct gsc_goruntime *rt, bool include_dead,
					   gsc_goroutine_fn *fn, void *arg,
					   size_t *skipped_ret) GSC_WUR;

/* The same into a malloc'd array the caller frees. */
struct gsc_error *gsc_goruntime_goroutine_array(struct gsc_goruntime *rt, bool include_dead,
						struct gsc_goroutine **gs_ret,
						size_t *count_ret) GSC_WUR;

/*
 * Every M on runtime.allm (newest first, m0 last), into a malloc'd array the
 * caller frees.  NOT_FOUND when allm could not be located.
 */
struct gsc_error *gsc_goruntime_ms(struct gsc_goruntime *rt, struct gsc_go_m **ms_ret,
				   size_t *count_ret) GSC_WUR;

/*
 * The g and M of thread tid whose registers are regs.  amd64: the TLS slot
 * below fs_base; arm64: x28; checked (g.m.g0 or g.m.curg must lead back),
 * else the M whose procid is tid.  A thread with neither (a C thread) gives
 * g = m = 0 and how = NULL: not an error.
 */
struct gsc_error *gsc_goruntime_thread_g(struct gsc_goruntime *rt, int32_t tid,
					 const struct gsc_regs *regs,
					 struct gsc_go_thread *ret) GSC_WUR;

#endif
