/*
 * go_runtime.c - goroutines, Ms and threads as the Go runtime sees them.
 *
 * Facts: ../shared/reference/go-runtime.md §2.3-2.4, §3, §7.2; the tables
 * below were generated from each toolchain's DWARF and runtime/runtime2.go
 * (tests/goruntime/check-layouts.sh compares them with DWARF again, and
 * tests/goruntime/gen-waitreasons.py regenerates the wait reason lists).
 */
#include "config.h"

#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "buf.h"
#include "cleanup.h"
#include "disasm.h"
#include "dwarf_info.h"
#include "elf_file.h"
#include "go_moduledata.h"
#include "go_pclntab.h"
#include "go_runtime.h"
#include "target.h"

enum {
	MINOR_FIRST = 19,
	MINOR_LAST = 27,
	NMINORS = MINOR_LAST - MINOR_FIRST + 1,
	NA = -1,			/* field absent in that version */
	MAX_STACK = 1 << 30,		/* runtime.maxstacksize on 64-bit: 1 GB */
	MAX_GOID = 1ull << 48,		/* far above any real goroutine count */
	PTR_CHUNK = 8192,		/* allgs pointers read per target read */
	MAX_CODE = 64 * 1024,		/* bytes of a function we disassemble */
	MAX_WAIT_REASONS = 256,		/* waitreason is a uint8 */
	MAX_WAIT_REASON_LEN = 64,
	VALIDATE_GS = 4,		/* g's checked when validating an allgs candidate */
};

/* ---- Field descriptors ---------------------------------------------------- */

struct field_desc {
	const char *type;	/* DWARF type name */
	const char *path;	/* member path inside it */
	uint8_t width;		/* bytes read */
	bool required;		/* no goroutine view without it */
};

static const char G[] = "runtime.g", M[] = "runtime.m", GOBUF[] = "runtime.gobuf";

static const struct field_desc fields[GSC_GF_COUNT] = {
	[GSC_GF_G_STACK_LO] = { G, "stack.lo", 8, true },
	[GSC_GF_G_STACK_HI] = { G, "stack.hi", 8, true },
	[GSC_GF_G_PANIC] = { G, "_panic", 8, false },
	[GSC_GF_G_DEFER] = { G, "_defer", 8, false },
	[GSC_GF_G_M] = { G, "m", 8, true },
	[GSC_GF_G_SCHED] = { G, "sched", 8, true },
	[GSC_GF_G_SYSCALLSP] = { G, "syscallsp", 8, true },
	[GSC_GF_G_SYSCALLPC] = { G, "syscallpc", 8, true },
	[GSC_GF_G_SYSCALLBP] = { G, "syscallbp", 8, false },
	[GSC_GF_G_ATOMICSTATUS] = { G, "atomicstatus", 4, true },
	[GSC_GF_G_GOID] = { G, "goid", 8, true },
	[GSC_GF_G_SCHEDLINK] = { G, "schedlink", 8, false },
	[GSC_GF_G_WAITSINCE] = { G, "waitsince", 8, false },
	[GSC_GF_G_WAITREASON] = { G, "waitreason", 1, true },
	[GSC_GF_G_LOCKEDM] = { G, "lockedm", 8, false },
	[GSC_GF_G_PARENTGOID] = { G, "parentGoid", 8, false },
	[GSC_GF_G_GOPC] = { G, "gopc", 8, true },
	[GSC_GF_G_ANCESTORS] = { G, "ancestors", 8, false },
	[GSC_GF_G_STARTPC] = { G, "startpc", 8, true },
	[GSC_GF_G_LABELS] = { G, "labels", 8, false },
	[GSC_GF_GOBUF_SP] = { GOBUF, "sp", 8, true },
	[GSC_GF_GOBUF_PC] = { GOBUF, "pc", 8, true },
	[GSC_GF_GOBUF_G] = { GOBUF, "g", 8, false },
	[GSC_GF_GOBUF_CTXT] = { GOBUF, "ctxt", 8, false },
	[GSC_GF_GOBUF_RET] = { GOBUF, "ret", 8, false },
	[GSC_GF_GOBUF_LR] = { GOBUF, "lr", 8, false },
	[GSC_GF_GOBUF_BP] = { GOBUF, "bp", 8, false },
	[GSC_GF_M_G0] = { M, "g0", 8, true },
	[GSC_GF_M_PROCID] = { M, "procid", 8, true },
	[GSC_GF_M_GSIGNAL] = { M, "gsignal", 8, false },
	[GSC_GF_M_TLS] = { M, "tls", 8, false },
	[GSC_GF_M_MSTARTFN] = { M, "mstartfn", 8, false },
	[GSC_GF_M_CURG] = { M, "curg", 8, true },
	[GSC_GF_M_P] = { M, "p", 8, false },
	[GSC_GF_M_ID] = { M, "id", 8, true },
	[GSC_GF_M_THROWING] = { M, "throwing", 4, false },
	[GSC_GF_M_DYING] = { M, "dying", 4, false },
	[GSC_GF_M_INCGO] = { M, "incgo", 1, false },
	[GSC_GF_M_NCGO] = { M, "ncgo", 4, false },
	[GSC_GF_M_ALLLINK] = { M, "alllink", 8, true },
	[GSC_GF_M_SCHEDLINK] = { M, "schedlink", 8, false },
	[GSC_GF_M_LOCKEDG] = { M, "lockedg", 8, false },
	[GSC_GF_M_VDSOSP] = { M, "vdsoSP", 8, false },
	[GSC_GF_M_VDSOPC] = { M, "vdsoPC", 8, false },
};

const char *gsc_go_field_type(enum gsc_go_field f)
{
	return (unsigned)f < GSC_GF_COUNT ? fields[f].type : NULL;
}

const char *gsc_go_field_path(enum gsc_go_field f)
{
	return (unsigned)f < GSC_GF_COUNT ? fields[f].path : NULL;
}

unsigned gsc_go_field_width(enum gsc_go_field f)
{
	return (unsigned)f < GSC_GF_COUNT ? fields[f].width : 0;
}

/* ---- Built-in layouts (go-runtime.md §3.1-3.3 and Appendix A.4) ----------- */

/* One row per field: its offset in Go 1.19, 1.20, ..., 1.27. */
struct layout_row {
	enum gsc_go_field field;
	int16_t off[NMINORS];
};

/* R(field, offset in 1.19, 1.20, ..., 1.27) */
#define R(f, ...) { GSC_GF_##f, { __VA_ARGS__ } }
static const struct layout_row layout_rows[] = {
	/*                   1.19   1.20   1.21   1.22   1.23   1.24   1.25   1.26   1.27 */
	R(G_STACK_LO,      0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000),
	R(G_STACK_HI,      0x008, 0x008, 0x008, 0x008, 0x008, 0x008, 0x008, 0x008, 0x008),
	R(G_PANIC,         0x020, 0x020, 0x020, 0x020, 0x020, 0x020, 0x020, 0x020, 0x020),
	R(G_DEFER,         0x028, 0x028, 0x028, 0x028, 0x028, 0x028, 0x028, 0x028, 0x028),
	R(G_M,             0x030, 0x030, 0x030, 0x030, 0x030, 0x030, 0x030, 0x030, 0x030),
	R(G_SCHED,         0x038, 0x038, 0x038, 0x038, 0x038, 0x038, 0x038, 0x038, 0x038),
	R(G_SYSCALLSP,     0x070, 0x070, 0x070, 0x070, 0x070, 0x070, 0x068, 0x068, 0x068),
	R(G_SYSCALLPC,     0x078, 0x078, 0x078, 0x078, 0x078, 0x078, 0x070, 0x070, 0x070),
	R(G_SYSCALLBP,        NA,    NA,    NA,    NA, 0x080, 0x080, 0x078, 0x078, 0x078),
	R(G_ATOMICSTATUS,  0x090, 0x090, 0x090, 0x090, 0x098, 0x098, 0x090, 0x090, 0x090),
	R(G_GOID,          0x098, 0x098, 0x098, 0x098, 0x0a0, 0x0a0, 0x098, 0x098, 0x098),
	R(G_SCHEDLINK,     0x0a0, 0x0a0, 0x0a0, 0x0a0, 0x0a8, 0x0a8, 0x0a0, 0x0a0, 0x0a0),
	R(G_WAITSINCE,     0x0a8, 0x0a8, 0x0a8, 0x0a8, 0x0b0, 0x0b0, 0x0a8, 0x0a8, 0x0a8),
	R(G_WAITREASON,    0x0b0, 0x0b0, 0x0b0, 0x0b0, 0x0b8, 0x0b8, 0x0b0, 0x0b0, 0x0b0),
	R(G_LOCKEDM,       0x0e8, 0x0e8, 0x0d0, 0x0d0, 0x0d8, 0x0d8, 0x0d0, 0x0d0, 0x0d0),
	R(G_PARENTGOID,       NA,    NA, 0x110, 0x110, 0x118, 0x118, 0x110, 0x118, 0x118),
	R(G_GOPC,          0x128, 0x128, 0x118, 0x118, 0x120, 0x120, 0x118, 0x120, 0x120),
	R(G_ANCESTORS,     0x130, 0x130, 0x120, 0x120, 0x128, 0x128, 0x120, 0x128, 0x128),
	R(G_STARTPC,       0x138, 0x138, 0x128, 0x128, 0x130, 0x130, 0x128, 0x130, 0x130),
	R(G_LABELS,        0x168, 0x168, 0x158, 0x158, 0x160, 0x160, 0x158, 0x160, 0x160),
	R(GOBUF_SP,        0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000),
	R(GOBUF_PC,        0x008, 0x008, 0x008, 0x008, 0x008, 0x008, 0x008, 0x008, 0x008),
	R(GOBUF_G,         0x010, 0x010, 0x010, 0x010, 0x010, 0x010, 0x010, 0x010, 0x010),
	R(GOBUF_CTXT,      0x018, 0x018, 0x018, 0x018, 0x018, 0x018, 0x018, 0x018, 0x018),
	R(GOBUF_RET,       0x020, 0x020, 0x020, 0x020, 0x020, 0x020,    NA,    NA,    NA),
	R(GOBUF_LR,        0x028, 0x028, 0x028, 0x028, 0x028, 0x028, 0x020, 0x020, 0x020),
	R(GOBUF_BP,        0x030, 0x030, 0x030, 0x030, 0x030, 0x030, 0x028, 0x028, 0x028),
	R(M_G0,            0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000),
	R(M_PROCID,        0x048, 0x048, 0x048, 0x048, 0x048, 0x048, 0x040, 0x040, 0x040),
	R(M_GSIGNAL,       0x050, 0x050, 0x050, 0x050, 0x050, 0x050, 0x048, 0x048, 0x048),
	R(M_TLS,           0x088, 0x088, 0x088, 0x088, 0x088, 0x088, 0x080, 0x080, 0x080),
	R(M_MSTARTFN,      0x0b8, 0x0b8, 0x0b8, 0x0b8, 0x0b8, 0x0b8, 0x0b0, 0x0b0, 0x0b0),
	R(M_CURG,          0x0c0, 0x0c0, 0x0c0, 0x0c0, 0x0c0, 0x0c0, 0x0b8, 0x0b8, 0x0b8),
	R(M_P,             0x0d0, 0x0d0, 0x0d0, 0x0d0, 0x0d0, 0x0d0, 0x0c8, 0x0d0, 0x0d0),
	R(M_ID,            0x0e8, 0x0e8, 0x0e8, 0x0e8, 0x0e8, 0x0e8, 0x0e0, 0x0e8, 0x0e8),
	R(M_THROWING,      0x0f4, 0x0f4, 0x0f4, 0x0f4, 0x0f4, 0x0f4, 0x0ec, 0x0f4, 0x0f4),
	R(M_DYING,         0x10c, 0x10c, 0x10c, 0x10c, 0x10c, 0x10c, 0x104, 0x10c, 0x10c),
	R(M_INCGO,         0x118, 0x118, 0x118, 0x118, 0x118, 0x118, 0x110, 0x118, 0x118),
	R(M_NCGO,          0x138, 0x138, 0x138, 0x130, 0x130, 0x130, 0x140, 0x148, 0x148),
	R(M_ALLLINK,       0x150, 0x150, 0x150, 0x148, 0x148, 0x148, 0x158, 0x160, 0x160),
	R(M_SCHEDLINK,     0x158, 0x158, 0x158, 0x150, 0x150, 0x150, 0x160, 0x168, 0x168),
	R(M_LOCKEDG,       0x160, 0x160, 0x160, 0x158, 0x158, 0x158, 0x168, 0x180, 0x180),
	R(M_VDSOSP,        0x320, 0x320, 0x328, 0x460, 0x358, 0x370, 0x380, 0x380, 0x380),
	R(M_VDSOPC,        0x328, 0x328, 0x330, 0x468, 0x360, 0x378, 0x388, 0x388, 0x388),
};
#undef R

static const uint16_t g_sizes[NMINORS] = { 392, 392, 408, 424, 432, 440, 440, 456, 456 };
static const uint16_t m_sizes[NMINORS] = { 1008, 1000, 1008, 2024, 1760, 1808, 1816, 1824, 1832 };
static const uint16_t gobuf_sizes[NMINORS] = { 56, 56, 56, 56, 56, 56, 48, 48, 48 };

/* ---- Status names (runtime/traceback.go gStatusStrings) ------------------- */

static const char *const status_names_119[] = {
	"idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack",
	"preempted",
};
/* Go 1.26 adds _Gleaked (10) and _Gdeadextra (11). */
static const char *const status_names_126[] = {
	"idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack",
	"preempted", "leaked", "waiting for cgo callback",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *gsc_go_status_name(int go_minor, uint32_t status)
{
	status &= ~(uint32_t)GSC_G_SCAN;
	if (go_minor >= 26 || go_minor == 0) {
		if (status < ARRAY_SIZE(status_names_126))
			return status_names_126[status];
	} else if (status < ARRAY_SIZE(status_names_119)) {
		return status_names_119[status];
	}
	return "???";
}

/* ---- Wait reasons (runtime/runtime2.go waitReasonStrings, enum order) ----- */

static const char *const wr_119[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)", "semacquire",
	"sleep", "sync.Cond.Wait", "timer goroutine (idle)", "trace reader (blocked)",
	"wait for GC cycle", "GC worker (idle)", "preempted", "debug call",
};
static const char *const wr_121[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)", "semacquire",
	"sleep", "sync.Cond.Wait", "sync.Mutex.Lock", "sync.RWMutex.RLock",
	"sync.RWMutex.Lock", "trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"GC worker (active)", "preempted", "debug call", "GC mark termination",
	"stopping the world",
};
static const char *const wr_122[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)", "semacquire",
	"sleep", "sync.Cond.Wait", "sync.Mutex.Lock", "sync.RWMutex.RLock",
	"sync.RWMutex.Lock", "trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"GC worker (active)", "preempted", "debug call", "GC mark termination",
	"stopping the world", "flushing proc caches", "trace goroutine status",
	"trace proc status", "page trace flush", "coroutine",
};
static const char *const wr_123[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)", "semacquire",
	"sleep", "sync.Cond.Wait", "sync.Mutex.Lock", "sync.RWMutex.RLock",
	"sync.RWMutex.Lock", "trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"GC worker (active)", "preempted", "debug call", "GC mark termination",
	"stopping the world", "flushing proc caches", "trace goroutine status",
	"trace proc status", "page trace flush", "coroutine", "GC weak to strong wait",
};
static const char *const wr_124[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)", "semacquire",
	"sleep", "sync.Cond.Wait", "sync.Mutex.Lock", "sync.RWMutex.RLock",
	"sync.RWMutex.Lock", "sync.WaitGroup.Wait", "trace reader (blocked)",
	"wait for GC cycle", "GC worker (idle)", "GC worker (active)", "preempted",
	"debug call", "GC mark termination", "stopping the world", "flushing proc caches",
	"trace goroutine status", "trace proc status", "page trace flush", "coroutine",
	"GC weak to strong wait", "synctest.Run", "synctest.Wait", "chan receive (synctest)",
	"chan send (synctest)", "select (synctest)",
};
static const char *const wr_125[] = {
	"", "GC assist marking", "IO wait", "chan receive (nil chan)", "chan send (nil chan)",
	"dumping heap", "garbage collection", "garbage collection scan", "panicwait", "select",
	"select (no cases)", "GC assist wait", "GC sweep wait", "GC scavenge wait",
	"chan receive", "chan send", "finalizer wait", "force gc (idle)",
	"GOMAXPROCS updater (idle)", "semacquire", "sleep", "sync.Cond.Wait",
	"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait",
	"trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"GC worker (active)", "preempted", "debug call", "GC mark termination",
	"stopping the world", "flushing proc caches", "trace goroutine status",
	"trace proc status", "page trace flush", "coroutine", "GC weak to strong wait",
	"synctest.Run", "synctest.Wait", "chan receive (durable)", "chan send (durable)",
	"select (durable)", "sync.WaitGroup.Wait (durable)", "cleanup wait",
};
static const char *const wr_126[] = {
	"", "GC assist marking", "IO wait", "dumping heap", "garbage collection",
	"garbage collection scan", "panicwait", "GC assist wait", "GC sweep wait",
	"GC scavenge wait", "finalizer wait", "force gc (idle)", "GOMAXPROCS updater (idle)",
	"semacquire", "sleep", "chan receive (nil chan)", "chan send (nil chan)",
	"select (no cases)", "select", "chan receive", "chan send", "sync.Cond.Wait",
	"sync.Mutex.Lock", "sync.RWMutex.RLock", "sync.RWMutex.Lock", "sync.WaitGroup.Wait",
	"trace reader (blocked)", "wait for GC cycle", "GC worker (idle)",
	"GC worker (active)", "preempted", "debug call", "GC mark termination",
	"stopping the world", "flushing proc caches", "trace goroutine status",
	"trace proc status", "page trace flush", "coroutine", "GC weak to strong wait",
	"synctest.Run", "synctest.Wait", "chan receive (durable)", "chan send (durable)",
	"select (durable)", "sync.WaitGroup.Wait (durable)", "cleanup wait",
};

/* 1.20's list equals 1.21's; 1.27's equals 1.26's (go-runtime.md §3.5). */
static const struct {
	int first_minor;
	const char *const *list;
	size_t count;
} wait_reason_tables[] = {
	{ 19, wr_119, ARRAY_SIZE(wr_119) },
	{ 20, wr_121, ARRAY_SIZE(wr_121) },
	{ 22, wr_122, ARRAY_SIZE(wr_122) },
	{ 23, wr_123, ARRAY_SIZE(wr_123) },
	{ 24, wr_124, ARRAY_SIZE(wr_124) },
	{ 25, wr_125, ARRAY_SIZE(wr_125) },
	{ 26, wr_126, ARRAY_SIZE(wr_126) },
};

const char *const *gsc_go_wait_reasons_builtin(int go_minor, size_t *count_ret)
{
	size_t pick = ARRAY_SIZE(wait_reason_tables) - 1;	/* newest for 0 and newer */
	if (go_minor >= MINOR_FIRST && go_minor <= MINOR_LAST)
		for (size_t i = 0; i < ARRAY_SIZE(wait_reason_tables); i++)
			if (wait_reason_tables[i].first_minor <= go_minor)
				pick = i;
	*count_ret = wait_reason_tables[pick].count;
	return wait_reason_tables[pick].list;
}

/* ---- Layouts -------------------------------------------------------------- */

static int clamp_minor(int go_minor)
{
	return go_minor > MINOR_LAST || go_minor == 0 ? MINOR_LAST : go_minor;
}

struct gsc_error *gsc_go_layout_builtin(int go_minor, struct gsc_go_layout *ret, bool *newer_ret)
{
	if (go_minor != 0 && go_minor < MINOR_FIRST)
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
					"go1.%d: goroutines are read for Go 1.%d and newer only",
					go_minor, MINOR_FIRST);
	int minor = clamp_minor(go_minor);
	int col = minor - MINOR_FIRST;
	struct gsc_go_layout l = { .go_minor = minor };
	for (size_t i = 0; i < GSC_GF_COUNT; i++)
		l.off[i] = NA;
	for (size_t i = 0; i < ARRAY_SIZE(layout_rows); i++)
		l.off[layout_rows[i].field] = layout_rows[i].off[col];
	l.g_size = g_sizes[col];
	l.m_size = m_sizes[col];
	l.gobuf_size = gobuf_sizes[col];
	snprintf(l.source, sizeof(l.source), "built-in table (go1.%d)", minor);
	if (newer_ret)
		*newer_ret = minor != go_minor;
	*ret = l;
	return NULL;
}

static uint32_t struct_size(const struct gsc_go_layout *l, const char *type)
{
	return type == G ? l->g_size : type == M ? l->m_size : l->gobuf_size;
}

static void set_struct_size(struct gsc_go_layout *l, const char *type, uint32_t size)
{
	if (type == G)
		l->g_size = size;
	else if (type == M)
		l->m_size = size;
	else
		l->gobuf_size = size;
}

/* Every field inside its struct, the required ones present. */
static struct gsc_error *check_layout(const struct gsc_go_layout *l)
{
	for (size_t i = 0; i < GSC_GF_COUNT; i++) {
		const struct field_desc *d = &fields[i];
		uint32_t size = struct_size(l, d->type);
		if (l->off[i] == NA) {
			if (d->required)
				return gsc_bad_data("%s has no field %s", d->type, d->path);
			continue;
		}
		if (l->off[i] < 0 || !gsc_in_bounds((uint64_t)l->off[i], d->width, size))
			return gsc_bad_data("%s.%s at offset %d lies outside the %u-byte struct",
					    d->type, d->path, l->off[i], size);
	}
	int32_t sched = l->off[GSC_GF_G_SCHED];
	if (!gsc_in_bounds((uint64_t)sched, l->gobuf_size, l->g_size))
		return gsc_bad_data("runtime.g.sched lies outside runtime.g");
	return NULL;
}

/* One struct's offsets from DWARF; false (and *l untouched) when DWARF lacks the type. */
static struct gsc_error *dwarf_struct(struct gsc_dwarf *dw, const char *type,
				      struct gsc_go_layout *l, bool *found_ret)
{
	uint64_t size;
	struct gsc_error *err = gsc_dwarf_type_size(dw, type, &size);
	if (err) {
		if (err->code != GSC_ERR_NOT_FOUND)
			return err;
		gsc_error_destroy(err);
		*found_ret = false;
		return NULL;
	}
	if (size == 0 || size > 1 << 20)
		return gsc_bad_data("DWARF: %s has size %" PRIu64, type, size);
	set_struct_size(l, type, (uint32_t)size);
	for (size_t i = 0; i < GSC_GF_COUNT; i++) {
		if (fields[i].type != type)
			continue;
		uint64_t off;
		err = gsc_dwarf_field_offset(dw, type, fields[i].path, &off);
		if (err && err->code != GSC_ERR_NOT_FOUND)
			return err;
		if (err) {
			gsc_error_destroy(err);
			l->off[i] = NA;
		} else {
			l->off[i] = off > INT32_MAX ? INT32_MAX : (int32_t)off;
		}
	}
	*found_ret = true;
	return NULL;
}

struct gsc_error *gsc_go_layout_dwarf(struct gsc_dwarf *dw, int go_minor, struct gsc_go_layout *ret)
{
	struct gsc_go_layout l;
	struct gsc_error *err = gsc_go_layout_builtin(go_minor, &l, NULL);
	if (err)
		return err;
	static const char *const types[] = { G, GOBUF, M };
	bool found[3];
	for (size_t i = 0; i < 3; i++) {
		err = dwarf_struct(dw, types[i], &l, &found[i]);
		if (err)
			return gsc_error_wrap(err, "layout of %s from DWARF", types[i]);
	}
	if (!found[0])
		return gsc_error_create(GSC_ERR_NOT_FOUND, "DWARF has no runtime.g");
	err = check_layout(&l);
	if (err)
		return gsc_error_wrap(err, "DWARF");
	l.from_dwarf = true;
	if (found[1] && found[2])
		snprintf(l.source, sizeof(l.source), "DWARF");
	else
		snprintf(l.source, sizeof(l.source), "DWARF + built-in table (go1.%d)", l.go_minor);
	*ret = l;
	return NULL;
}

/* ---- The runtime view ----------------------------------------------------- */

struct gsc_goruntime {
	struct gsc_binary *bin;
	struct gsc_target *target;
	uint64_t bias;
	int go_minor;			/* as the binary says (may be newer than the tables) */
	int table_minor;		/* clamped to the tables */
	struct gsc_go_layout layout;
	bool little_endian;

	/* Wait reasons: from the image (owned copies) or a built-in table. */
	const char *const *wait_reasons;
	size_t nwait_reasons;
	char **image_wait_reasons;	/* owned when read from the image */
	const char *wait_reasons_how;
	char wait_reasons_how_buf[48];

	uint64_t allgs;			/* run-time address of the []*g */
	const char *allgs_how;
	uint64_t allm;			/* run-time address of the *m; 0 unknown */
	const char *allm_how;
	uint64_t tls_g_offset;		/* amd64: g = *(fs_base - this) */

	uint8_t *gbuf, *mbuf;		/* one struct each, reused */

	char *warnings[GSC_GORUNTIME_MAX_WARNINGS];
	size_t nwarnings;
	size_t dropped_warnings;
};

static void warn(struct gsc_goruntime *rt, const char *fmt, ...) GSC_PRINTF(2, 3);

static void warn(struct gsc_goruntime *rt, const char *fmt, ...)
{
	if (rt->nwarnings >= GSC_GORUNTIME_MAX_WARNINGS - 1) {
		rt->dropped_warnings++;
		free(rt->warnings[GSC_GORUNTIME_MAX_WARNINGS - 1]);
		rt->warnings[GSC_GORUNTIME_MAX_WARNINGS - 1] = NULL;
		if (asprintf(&rt->warnings[GSC_GORUNTIME_MAX_WARNINGS - 1],
			     "... and %zu more warnings", rt->dropped_warnings) < 0)
			rt->warnings[GSC_GORUNTIME_MAX_WARNINGS - 1] = NULL;
		rt->nwarnings = rt->warnings[GSC_GORUNTIME_MAX_WARNINGS - 1]
			? GSC_GORUNTIME_MAX_WARNINGS : GSC_GORUNTIME_MAX_WARNINGS - 1;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	char *s;
	if (vasprintf(&s, fmt, ap) >= 0)
		rt->warnings[rt->nwarnings++] = s;
	va_end(ap);
}

/* Warn with an error's message and drop it. */
static void warn_error(struct gsc_goruntime *rt, struct gsc_error *err, const char *what)
{
	warn(rt, "%s: %s", what, err->message);
	gsc_error_destroy(err);
}

const char *const *gsc_goruntime_warnings(const struct gsc_goruntime *rt, size_t *count_ret)
{
	*count_ret = rt->nwarnings;
	return (const char *const *)rt->warnings;
}

int gsc_goruntime_go_minor(const struct gsc_goruntime *rt)
{
	return rt->go_minor;
}

const struct gsc_go_layout *gsc_goruntime_layout(const struct gsc_goruntime *rt)
{
	return &rt->layout;
}

uint64_t gsc_goruntime_allgs_addr(const struct gsc_goruntime *rt)
{
	return rt->allgs;
}

uint64_t gsc_goruntime_allm_addr(const struct gsc_goruntime *rt)
{
	return rt->allm;
}

const char *gsc_goruntime_allgs_how(const struct gsc_goruntime *rt)
{
	return rt->allgs_how;
}

const char *gsc_goruntime_allm_how(const struct gsc_goruntime *rt)
{
	return rt->allm_how;
}

const char *gsc_goruntime_wait_reasons_how(const struct gsc_goruntime *rt)
{
	return rt->wait_reasons_how;
}

const char *gsc_goruntime_wait_reason(const struct gsc_goruntime *rt, uint8_t w)
{
	if (w >= rt->nwait_reasons)
		return "unknown wait reason";	/* waitReason.String() */
	return w == 0 ? NULL : rt->wait_reasons[w];
}

/* ---- Decoding g and m ----------------------------------------------------- */

uint64_t gsc_go_layout_get(const struct gsc_go_layout *l, const uint8_t *base,
			   enum gsc_go_field f, bool little_endian)
{
	if ((unsigned)f >= GSC_GF_COUNT || l->off[f] < 0)
		return 0;
	const uint8_t *p = base + l->off[f];
	switch (fields[f].width) {
	case 1:
		return p[0];
	case 4:
		return gsc_load32(p, little_endian);
	default:
		return gsc_load64(p, little_endian);
	}
}

/* A field of a g or m in its bytes (g.sched.<f> for a gobuf field); 0 when absent. */
static uint64_t field(const struct gsc_goruntime *rt, const uint8_t *base, enum gsc_go_field f)
{
	if (fields[f].type == GOBUF)
		base += rt->layout.off[GSC_GF_G_SCHED];
	return gsc_go_layout_get(&rt->layout, base, f, rt->little_endian);
}

static void decode_g(const struct gsc_goruntime *rt, uint64_t addr, const uint8_t *b,
		     struct gsc_goroutine *g)
{
	memset(g, 0, sizeof(*g));
	g->addr = addr;
	g->goid = field(rt, b, GSC_GF_G_GOID);
	g->status = (uint32_t)field(rt, b, GSC_GF_G_ATOMICSTATUS);
	g->status_name = gsc_go_status_name(rt->table_minor, g->status);
	g->waitreason = (uint8_t)field(rt, b, GSC_GF_G_WAITREASON);
	g->wait_reason = gsc_goruntime_wait_reason(rt, g->waitreason);
	g->waitsince = (int64_t)field(rt, b, GSC_GF_G_WAITSINCE);
	g->parent_goid = field(rt, b, GSC_GF_G_PARENTGOID);
	g->gopc = field(rt, b, GSC_GF_G_GOPC);
	g->startpc = field(rt, b, GSC_GF_G_STARTPC);
	g->lockedm = field(rt, b, GSC_GF_G_LOCKEDM);
	g->m = field(rt, b, GSC_GF_G_M);
	g->m_id = -1;
	g->sched.sp = field(rt, b, GSC_GF_GOBUF_SP);
	g->sched.pc = field(rt, b, GSC_GF_GOBUF_PC);
	g->sched.g = field(rt, b, GSC_GF_GOBUF_G);
	g->sched.ctxt = field(rt, b, GSC_GF_GOBUF_CTXT);
	g->sched.lr = field(rt, b, GSC_GF_GOBUF_LR);
	g->sched.bp = field(rt, b, GSC_GF_GOBUF_BP);
	g->syscallsp = field(rt, b, GSC_GF_G_SYSCALLSP);
	g->syscallpc = field(rt, b, GSC_GF_G_SYSCALLPC);
	g->syscallbp = field(rt, b, GSC_GF_G_SYSCALLBP);
	g->stack_lo = field(rt, b, GSC_GF_G_STACK_LO);
	g->stack_hi = field(rt, b, GSC_GF_G_STACK_HI);
	g->panic = field(rt, b, GSC_GF_G_PANIC);
	g->defer = field(rt, b, GSC_GF_G_DEFER);
	g->labels = field(rt, b, GSC_GF_G_LABELS);
	g->ancestors = field(rt, b, GSC_GF_G_ANCESTORS);
}

static void decode_m(const struct gsc_goruntime *rt, uint64_t addr, const uint8_t *b,
		     struct gsc_go_m *m)
{
	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->id = (int64_t)field(rt, b, GSC_GF_M_ID);
	m->procid = field(rt, b, GSC_GF_M_PROCID);
	m->g0 = field(rt, b, GSC_GF_M_G0);
	m->gsignal = field(rt, b, GSC_GF_M_GSIGNAL);
	m->curg = field(rt, b, GSC_GF_M_CURG);
	m->lockedg = field(rt, b, GSC_GF_M_LOCKEDG);
	m->p = field(rt, b, GSC_GF_M_P);
	m->mstartfn = field(rt, b, GSC_GF_M_MSTARTFN);
	m->throwing = (int32_t)field(rt, b, GSC_GF_M_THROWING);
	m->dying = (int32_t)field(rt, b, GSC_GF_M_DYING);
	m->incgo = field(rt, b, GSC_GF_M_INCGO) != 0;
	m->ncgo = (int32_t)field(rt, b, GSC_GF_M_NCGO);
	m->vdso_sp = field(rt, b, GSC_GF_M_VDSOSP);
	m->vdso_pc = field(rt, b, GSC_GF_M_VDSOPC);
}

/* The highest status the version defines. */
static uint32_t max_status(const struct gsc_goruntime *rt)
{
	return rt->table_minor >= 26 ? GSC_G_DEADEXTRA : GSC_G_PREEMPTED;
}

/* Does a decoded g look like one?  NULL, or why not. */
static const char *g_insane(const struct gsc_goruntime *rt, const struct gsc_goroutine *g)
{
	if ((g->status & ~(uint32_t)GSC_G_SCAN) > max_status(rt))
		return "status out of range";
	if (g->stack_lo || g->stack_hi) {
		if (g->stack_lo >= g->stack_hi)
			return "stack.lo >= stack.hi";
		if (g->stack_hi - g->stack_lo > MAX_STACK)
			return "stack larger than 1 GB";
	}
	if (g->goid >= MAX_GOID)
		return "goid out of range";
	return NULL;
}

static struct gsc_error *read_g_raw(struct gsc_goruntime *rt, uint64_t addr,
				    struct gsc_goroutine *ret)
{
	if (addr == 0 || addr % 8)
		return gsc_bad_data("g pointer 0x%" PRIx64 " is not a pointer", addr);
	struct gsc_error *err = gsc_target_read(rt->target, addr, rt->gbuf, rt->layout.g_size);
	if (err)
		return err;
	decode_g(rt, addr, rt->gbuf, ret);
	const char *why = g_insane(rt, ret);
	if (why)
		return gsc_bad_data("g at 0x%" PRIx64 " does not look like a g: %s", addr, why);
	return NULL;
}

struct gsc_error *gsc_goruntime_read_m(struct gsc_goruntime *rt, uint64_t addr,
				       struct gsc_go_m *ret)
{
	if (addr == 0 || addr % 8)
		return gsc_bad_data("m pointer 0x%" PRIx64 " is not a pointer", addr);
	struct gsc_error *err = gsc_target_read(rt->target, addr, rt->mbuf, rt->layout.m_size);
	if (err)
		return err;
	decode_m(rt, addr, rt->mbuf, ret);
	return NULL;
}

/* Fills the m_* fields of a goroutine from its M, if it has one. */
static void add_m(struct gsc_goruntime *rt, struct gsc_goroutine *g)
{
	if (!g->m)
		return;
	struct gsc_go_m m;
	struct gsc_error *err = gsc_goruntime_read_m(rt, g->m, &m);
	if (err) {
		warn(rt, "goroutine %" PRIu64 ": its m 0x%" PRIx64 ": %s", g->goid, g->m,
		     err->message);
		gsc_error_destroy(err);
		return;
	}
	g->m_id = m.id;
	g->m_procid = m.procid;
	g->m_throwing = m.throwing;
	g->m_curg = m.curg;
}

struct gsc_error *gsc_goruntime_read_g(struct gsc_goruntime *rt, uint64_t addr,
				       struct gsc_goroutine *ret)
{
	struct gsc_goroutine g;
	struct gsc_error *err = read_g_raw(rt, addr, &g);
	if (err)
		return err;
	add_m(rt, &g);
	*ret = g;
	return NULL;
}

/* ---- allgs ---------------------------------------------------------------- */

struct slice {
	uint64_t ptr, len, cap;
};

static struct gsc_error *read_slice(struct gsc_goruntime *rt, uint64_t addr, struct slice *s)
{
	uint8_t b[24];
	struct gsc_error *err = gsc_target_read(rt->target, addr, b, sizeof(b));
	if (err)
		return err;
	s->ptr = gsc_load64(b, rt->little_endian);
	s->len = gsc_load64(b + 8, rt->little_endian);
	s->cap = gsc_load64(b + 16, rt->little_endian);
	return NULL;
}

/* The allgs slice header, checked: 0 < len <= cap, len capped. */
static struct gsc_error *allgs_slice(struct gsc_goruntime *rt, struct slice *s)
{
	struct gsc_error *err = read_slice(rt, rt->allgs, s);
	if (err)
		return gsc_error_wrap(err, "runtime.allgs");
	if (s->len > s->cap)
		return gsc_bad_data("runtime.allgs: len %" PRIu64 " > cap %" PRIu64, s->len,
				    s->cap);
	if (s->len && !s->ptr)
		return gsc_bad_data("runtime.allgs: nil array with len %" PRIu64, s->len);
	if (s->len > GSC_GORUNTIME_MAX_GS) {
		warn(rt, "runtime.allgs has %" PRIu64 " entries: reading the first %d", s->len,
		     GSC_GORUNTIME_MAX_GS);
		s->len = GSC_GORUNTIME_MAX_GS;
	}
	return NULL;
}

static bool is_dead(uint32_t status)
{
	status &= ~(uint32_t)GSC_G_SCAN;
	return status == GSC_G_DEAD || status == GSC_G_DEADEXTRA;
}

/* One allgs entry: read, check, hand over.  A bad g is a warning, not an error. */
static struct gsc_error *visit_g(struct gsc_goruntime *rt, uint64_t index, uint64_t addr,
				 bool include_dead, gsc_goroutine_fn *fn, void *arg,
				 size_t *skipped)
{
	struct gsc_goroutine g;
	struct gsc_error *err = read_g_raw(rt, addr, &g);
	if (err) {
		if (err->code == GSC_ERR_NOMEM)
			return err;
		warn(rt, "allgs[%" PRIu64 "] = 0x%" PRIx64 " skipped: %s", index, addr,
		     err->message);
		gsc_error_destroy(err);
		(*skipped)++;
		return NULL;
	}
	if (!include_dead && is_dead(g.status))
		return NULL;
	add_m(rt, &g);
	return fn(&g, arg);
}

struct gsc_error *gsc_goruntime_goroutines(struct gsc_goruntime *rt, bool include_dead,
					   gsc_goroutine_fn *fn, void *arg, size_t *skipped_ret)
{
	struct slice s;
	struct gsc_error *err = allgs_slice(rt, &s);
	if (err)
		return err;
	_cleanup_free_ uint8_t *ptrs = malloc(PTR_CHUNK * 8);
	if (!ptrs)
		return &gsc_enomem;
	size_t skipped = 0;
	for (uint64_t base = 0; base < s.len; base += PTR_CHUNK) {
		uint64_t n = s.len - base < PTR_CHUNK ? s.len - base : PTR_CHUNK;
		err = gsc_target_read(rt->target, s.ptr + base * 8, ptrs, n * 8);
		if (err) {
			warn(rt, "allgs[%" PRIu64 "..%" PRIu64 "] unreadable, skipped: %s", base,
			     base + n - 1, err->message);
			gsc_error_destroy(err);
			skipped += n;
			continue;
		}
		for (uint64_t i = 0; i < n; i++) {
			uint64_t addr = gsc_load64(ptrs + i * 8, rt->little_endian);
			err = visit_g(rt, base + i, addr, include_dead, fn, arg, &skipped);
			if (err)
				return err;
		}
	}
	if (skipped_ret)
		*skipped_ret = skipped;
	return NULL;
}

struct collect {
	struct gsc_goroutine *gs;
	size_t n, cap;
};

static struct gsc_error *collect_g(const struct gsc_goroutine *g, void *arg)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct gsc_goroutine *gs = reallocarray(c->gs, cap, sizeof(*gs));
		if (!gs)
			return &gsc_enomem;
		c->gs = gs;
		c->cap = cap;
	}
	c->gs[c->n++] = *g;
	return NULL;
}

struct gsc_error *gsc_goruntime_goroutine_array(struct gsc_goruntime *rt, bool include_dead,
						struct gsc_goroutine **gs_ret, size_t *count_ret)
{
	struct collect c = { 0 };
	struct gsc_error *err = gsc_goruntime_goroutines(rt, include_dead, collect_g, &c, NULL);
	if (err) {
		free(c.gs);
		return err;
	}
	*gs_ret = c.gs;
	*count_ret = c.n;
	return NULL;
}

/* ---- allm ----------------------------------------------------------------- */

/* A set of addresses (open addressing, power-of-two capacity): seen Ms. */
struct addr_set {
	uint64_t *slot;
	size_t cap, n;
};

static uint64_t addr_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	return x ^ (x >> 33);
}

/* Adds x (non-zero); *added_ret false when it was there already. */
static struct gsc_error *addr_set_add(struct addr_set *s, uint64_t x, bool *added_ret)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return &gsc_enomem;
		for (size_t i = 0; i < s->cap; i++)
			for (size_t j = addr_hash(s->slot[i]); s->slot[i]; j++)
				if (!slot[j & (cap - 1)]) {
					slot[j & (cap - 1)] = s->slot[i];
					break;
				}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	size_t j = addr_hash(x) & (s->cap - 1);
	while (s->slot[j] && s->slot[j] != x)
		j = (j + 1) & (s->cap - 1);
	*added_ret = !s->slot[j];
	if (!s->slot[j]) {
		s->slot[j] = x;
		s->n++;
	}
	return NULL;
}

/* Appends the M at p to *ms; false (with a warning) when it cannot be read. */
static struct gsc_error *push_m(struct gsc_goruntime *rt, uint64_t p, struct gsc_go_m **ms,
				size_t *n, size_t *cap, bool *ok_ret)
{
	if (*n == *cap) {
		size_t bigger = *cap ? *cap * 2 : 16;
		struct gsc_go_m *a = reallocarray(*ms, bigger, sizeof(**ms));
		if (!a)
			return &gsc_enomem;
		*ms = a;
		*cap = bigger;
	}
	struct gsc_error *err = gsc_goruntime_read_m(rt, p, &(*ms)[*n]);
	*ok_ret = err == NULL;
	if (err) {
		warn(rt, "runtime.allm: m 0x%" PRIx64 ": %s; list cut there", p, err->message);
		gsc_error_destroy(err);
	} else {
		(*n)++;
	}
	return NULL;
}

struct gsc_error *gsc_goruntime_ms(struct gsc_goruntime *rt, struct gsc_go_m **ms_ret,
				   size_t *count_ret)
{
	if (!rt->allm)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "runtime.allm not found");
	uint64_t p;
	struct gsc_error *err = gsc_target_read_ptr(rt->target, rt->allm, &p);
	if (err)
		return gsc_error_wrap(err, "runtime.allm");
	struct gsc_go_m *ms = NULL;
	size_t n = 0, cap = 0;
	struct addr_set seen = { 0 };
	while (p) {
		if (n == GSC_GORUNTIME_MAX_MS) {
			warn(rt, "runtime.allm: more than %d Ms, stopped", GSC_GORUNTIME_MAX_MS);
			break;
		}
		bool fresh, ok;
		err = addr_set_add(&seen, p, &fresh);
		if (!err && !fresh) {
			warn(rt, "runtime.allm: the list loops back to m 0x%" PRIx64, p);
			break;
		}
		if (!err)
			err = push_m(rt, p, &ms, &n, &cap, &ok);
		if (err) {
			free(seen.slot);
			free(ms);
			return err;
		}
		if (!ok)
			break;
		p = field(rt, rt->mbuf, GSC_GF_M_ALLLINK);
	}
	free(seen.slot);
	*ms_ret = ms;
	*count_ret = n;
	return NULL;
}

/* ---- Finding globals without symbols: code references (§2.3) ------------- */

struct refs {
	uint64_t lo, hi;	/* keep targets in [lo, hi): the module's data and bss */
	uint64_t *a;
	size_t n, cap;
};

static struct gsc_error *collect_ref(const struct gsc_insn *insn, void *arg)
{
	struct refs *r = arg;
	if (insn->pcrel_kind != GSC_PCREL_MEM && insn->pcrel_kind != GSC_PCREL_ADDR)
		return NULL;
	if (insn->pcrel < r->lo || insn->pcrel >= r->hi)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		uint64_t *a = reallocarray(r->a, cap, sizeof(*a));
		if (!a)
			return &gsc_enomem;
		r->a = a;
		r->cap = cap;
	}
	r->a[r->n++] = insn->pcrel;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool refs_has(const struct refs *r, uint64_t x)
{
	return bsearch(&x, r->a, r->n, sizeof(*r->a), cmp_u64) != NULL;
}

/* The writable range of the module (link-time): moduledata, else the RW segments. */
static bool data_range(struct gsc_binary *bin, uint64_t *lo, uint64_t *hi)
{
	const struct gsc_moduledata *md = gsc_binary_moduledata(bin);
	if (md && md->noptrdata && md->enoptrbss > md->noptrdata) {
		*lo = md->noptrdata;
		*hi = md->enoptrbss;
		return true;
	}
	struct gsc_elf *elf = gsc_binary_elf(bin);
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *s = gsc_elf_segment(elf, i);
		if (s->type != PT_LOAD || !(s->flags & PF_W))
			continue;
		if (s->vaddr < *lo)
			*lo = s->vaddr;
		if (s->vaddr + s->memsz > *hi)
			*hi = s->vaddr + s->memsz;
	}
	return *lo < *hi;
}

/* Sorted, unique link-time data addresses the code of function `name` refers to. */
static struct gsc_error *code_refs(struct gsc_binary *bin, const char *name, struct refs *r)
{
	if (!data_range(bin, &r->lo, &r->hi))
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no writable data in the binary");
	struct gsc_func f;
	struct gsc_error *err = gsc_pclntab_find_func_by_name(gsc_binary_pclntab(bin), name, &f);
	if (err)
		return err;
	uint64_t size = f.end > f.entry ? f.end - f.entry : 0;
	if (size > MAX_CODE)
		size = MAX_CODE;
	const uint8_t *code;
	err = gsc_elf_vaddr_bytes(gsc_binary_elf(bin), f.entry, size, &code);
	if (err)
		return err;
	err = gsc_disasm(gsc_binary_arch(bin), code, size, f.entry, collect_ref, r);
	if (err)
		return err;
	if (r->n)
		qsort(r->a, r->n, sizeof(*r->a), cmp_u64);
	size_t u = 0;
	for (size_t i = 0; i < r->n; i++)
		if (u == 0 || r->a[u - 1] != r->a[i])
			r->a[u++] = r->a[i];
	r->n = u;
	return NULL;
}

/* Is there a plausible allgs slice at run-time address addr? */
static bool allgs_valid(struct gsc_goruntime *rt, uint64_t addr)
{
	struct slice s;
	struct gsc_error *err = read_slice(rt, addr, &s);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	if (s.len == 0 || s.len > s.cap || s.cap > 4 * (uint64_t)GSC_GORUNTIME_MAX_GS || !s.ptr ||
	    s.ptr % 8)
		return false;
	for (uint64_t i = 0; i < s.len && i < VALIDATE_GS; i++) {
		uint64_t gp;
		struct gsc_goroutine g;
		err = gsc_target_read_ptr(rt->target, s.ptr + i * 8, &gp);
		if (!err)
			err = read_g_raw(rt, gp, &g);
		if (err) {
			gsc_error_destroy(err);
			return false;
		}
	}
	return true;
}

/* Is there a plausible allm list head at run-time address addr (m.g0.m == m)? */
static bool allm_valid(struct gsc_goruntime *rt, uint64_t addr)
{
	uint64_t mp, g0, back;
	struct gsc_error *err = gsc_target_read_ptr(rt->target, addr, &mp);
	if (!err && (!mp || mp % 8))
		return false;
	if (!err)
		err = gsc_target_read_ptr(rt->target, mp + (uint64_t)rt->layout.off[GSC_GF_M_G0], &g0);
	if (!err && (!g0 || g0 % 8))
		return false;
	if (!err)
		err = gsc_target_read_ptr(rt->target, g0 + (uint64_t)rt->layout.off[GSC_GF_G_M],
					  &back);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	return back == mp;
}

typedef bool global_check_fn(struct gsc_goruntime *rt, uint64_t addr);

/*
 * A global found through the code of func: candidates are the data addresses
 * it refers to, lowest first; with need_pair, only an X whose X+8 or X+16 is
 * also referred to (a slice's len or cap).  Returns a link-time address.
 */
static struct gsc_error *global_from_code(struct gsc_goruntime *rt, const char *func,
					  bool need_pair, global_check_fn *check, uint64_t *ret)
{
	struct refs r = { 0 };
	struct gsc_error *err = code_refs(rt->bin, func, &r);
	if (err) {
		free(r.a);
		return err;
	}
	for (size_t i = 0; i < r.n; i++) {
		uint64_t x = r.a[i];
		if (need_pair && !refs_has(&r, x + 8) && !refs_has(&r, x + 16))
			continue;
		if (check(rt, x + rt->bias)) {
			*ret = x;
			free(r.a);
			return NULL;
		}
	}
	size_t n = r.n;
	free(r.a);
	return gsc_error_create(GSC_ERR_NOT_FOUND,
				"none of the %zu data addresses %s refers to holds a valid value",
				n, func);
}

/* The binary's DWARF, or NULL (none, unwanted, or unreadable). */
static struct gsc_dwarf *maybe_dwarf(struct gsc_binary *bin, bool no_dwarf)
{
	struct gsc_dwarf *dw;
	if (no_dwarf || !bin)
		return NULL;
	struct gsc_error *err = gsc_binary_dwarf(bin, &dw);
	if (err) {
		gsc_error_destroy(err);
		return NULL;
	}
	return gsc_dwarf_present(dw) ? dw : NULL;
}

struct global_spec {
	const char *name;	/* "runtime.allgs" */
	const char *func;	/* the function whose code refers to it */
	const char *how_code;	/* "code of runtime.allgadd" */
	bool need_pair;
	global_check_fn *check;
};

/* By symbol, by DWARF, by code: a link-time address. */
static struct gsc_error *find_global(struct gsc_goruntime *rt, const struct global_spec *spec,
				     bool no_dwarf, uint64_t *ret, const char **how_ret)
{
	struct gsc_elf *elf = gsc_binary_elf(rt->bin);
	struct gsc_error *err;
	if (gsc_elf_has_symtab(elf)) {
		struct gsc_elf_symbol sym;
		err = gsc_elf_symbol_lookup(elf, spec->name, &sym);
		if (!err) {
			*ret = sym.value;
			*how_ret = "symbol";
			return NULL;
		}
		gsc_error_destroy(err);
	}
	struct gsc_dwarf *dw = maybe_dwarf(rt->bin, no_dwarf);
	if (dw) {
		err = gsc_dwarf_global_address(dw, spec->name, ret);
		if (!err) {
			*how_ret = "DWARF";
			return NULL;
		}
		gsc_error_destroy(err);
	}
	err = global_from_code(rt, spec->func, spec->need_pair, spec->check, ret);
	if (err)
		return gsc_error_wrap(err, "%s", spec->name);
	*how_ret = spec->how_code;
	return NULL;
}

/* ---- Wait reasons from the image (§3.5) ------------------------------------ */

/* A Go string {ptr, len} of the image whose bytes are printable, or NULL. */
static const uint8_t *image_string(struct gsc_elf *elf, uint64_t ptr, uint64_t len)
{
	const uint8_t *s;
	if (len == 0 || len > MAX_WAIT_REASON_LEN)
		return NULL;
	struct gsc_error *err = gsc_elf_vaddr_bytes(elf, ptr, len, &s);
	if (err) {
		gsc_error_destroy(err);
		return NULL;
	}
	for (uint64_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return NULL;
	return s;
}

/* How many entries from hdrs (n at most) are "" then printable strings. */
static size_t string_run(struct gsc_elf *elf, const uint8_t *hdrs, size_t n, bool le)
{
	if (n == 0 || gsc_load64(hdrs + 8, le) != 0)
		return 0;
	size_t i = 1;
	for (; i < n; i++) {
		uint64_t ptr = gsc_load64(hdrs + 16 * i, le), len = gsc_load64(hdrs + 16 * i + 8, le);
		if (!image_string(elf, ptr, len))
			break;
	}
	return i;
}

static bool string_is(struct gsc_elf *elf, const uint8_t *hdr, bool le, const char *want)
{
	uint64_t len = gsc_load64(hdr + 8, le);
	if (len != strlen(want))
		return false;
	const uint8_t *s = image_string(elf, gsc_load64(hdr, le), len);
	return s && memcmp(s, want, len) == 0;
}

/*
 * runtime.waitReasonStrings in .data: "" then "GC assist marking" then
 * "IO wait" (values 0-2 are the same in every version).  Returns the string
 * headers and how many entries look like strings (the array's length is not
 * stored anywhere without symbols).
 */
static const uint8_t *scan_wait_reasons(struct gsc_binary *bin, size_t *run_ret)
{
	struct gsc_elf *elf = gsc_binary_elf(bin);
	bool le = gsc_elf_little_endian(elf);
	const struct gsc_moduledata *md = gsc_binary_moduledata(bin);
	uint64_t lo, hi;
	const struct gsc_elf_section *sec = gsc_elf_find_section(elf, ".data");
	if (md && md->data && md->edata > md->data) {
		lo = md->data;
		hi = md->edata;
	} else if (sec) {
		lo = sec->addr;
		hi = sec->addr + sec->size;
	} else {
		return NULL;
	}
	const uint8_t *p;
	struct gsc_error *err = gsc_elf_vaddr_bytes(elf, lo, hi - lo, &p);
	if (err) {
		gsc_error_destroy(err);
		return NULL;
	}
	size_t size = hi - lo;
	for (size_t off = (8 - lo % 8) % 8; off + 48 <= size; off += 8) {
		const uint8_t *h = p + off;
		if (gsc_load64(h + 8, le) != 0 || gsc_load64(h + 24, le) != 17 ||
		    gsc_load64(h + 40, le) != 7)
			continue;
		if (!string_is(elf, h + 16, le, "GC assist marking") ||
		    !string_is(elf, h + 32, le, "IO wait"))
			continue;
		size_t max = (size - off) / 16;
		*run_ret = string_run(elf, h, max < MAX_WAIT_REASONS ? max : MAX_WAIT_REASONS, le);
		return h;
	}
	return NULL;
}

/* Copies n strings of the image into rt (owned). */
static struct gsc_error *take_wait_reasons(struct gsc_goruntime *rt, const uint8_t *hdrs, size_t n)
{
	struct gsc_elf *elf = gsc_binary_elf(rt->bin);
	bool le = gsc_elf_little_endian(elf);
	char **list = calloc(n, sizeof(*list));
	if (!list)
		return &gsc_enomem;
	for (size_t i = 0; i < n; i++) {
		uint64_t ptr = gsc_load64(hdrs + 16 * i, le), len = gsc_load64(hdrs + 16 * i + 8, le);
		const uint8_t *s = i ? image_string(elf, ptr, len) : (const uint8_t *)"";
		list[i] = s ? strndup((const char *)s, i ? len : 0) : strdup("?");
		if (!list[i]) {
			for (size_t j = 0; j < i; j++)
				free(list[j]);
			free(list);
			return &gsc_enomem;
		}
	}
	rt->image_wait_reasons = list;
	rt->wait_reasons = (const char *const *)list;
	rt->nwait_reasons = n;
	return NULL;
}

/* Warn where the image and the built-in table of a known version disagree. */
static void compare_wait_reasons(struct gsc_goruntime *rt, const char *const *table, size_t n)
{
	if (n != rt->nwait_reasons) {
		warn(rt, "runtime.waitReasonStrings has %zu entries, the go1.%d table %zu",
		     rt->nwait_reasons, rt->table_minor, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i], rt->wait_reasons[i]) != 0) {
			warn(rt, "runtime.waitReasonStrings[%zu] is \"%s\", the go1.%d table says \"%s\"",
			     i, rt->wait_reasons[i], rt->table_minor, table[i]);
			return;
		}
}

static struct gsc_error *setup_wait_reasons(struct gsc_goruntime *rt)
{
	size_t nbuiltin;
	const char *const *builtin = gsc_go_wait_reasons_builtin(rt->go_minor, &nbuiltin);
	bool known = rt->go_minor >= MINOR_FIRST && rt->go_minor <= MINOR_LAST;
	rt->wait_reasons = builtin;
	rt->nwait_reasons = nbuiltin;
	snprintf(rt->wait_reasons_how_buf, sizeof(rt->wait_reasons_how_buf),
		 "built-in table (go1.%d)", rt->table_minor);
	rt->wait_reasons_how = rt->wait_reasons_how_buf;
	if (!rt->bin)
		return NULL;

	struct gsc_elf *elf = gsc_binary_elf(rt->bin);
	const uint8_t *hdrs = NULL;
	size_t n = 0;
	const char *how = NULL;
	struct gsc_elf_symbol sym;
	struct gsc_error *err = gsc_elf_has_symtab(elf)
		? gsc_elf_symbol_lookup(elf, "runtime.waitReasonStrings", &sym)
		: gsc_error_create(GSC_ERR_NOT_FOUND, "no symbols");
	if (!err && sym.size / 16 > 0 && sym.size / 16 <= MAX_WAIT_REASONS &&
	    !(err = gsc_elf_vaddr_bytes(elf, sym.value, sym.size, &hdrs))) {
		n = sym.size / 16;
		how = "image (symbol runtime.waitReasonStrings)";
	} else {
		gsc_error_destroy(err);
		hdrs = scan_wait_reasons(rt->bin, &n);
		how = "image (scan of .data)";
		if (hdrs && known) {
			if (n < nbuiltin) {
				warn(rt, "runtime.waitReasonStrings found by scan has %zu strings, "
				     "go1.%d has %zu: using the built-in table", n, rt->go_minor,
				     nbuiltin);
				return NULL;
			}
			n = nbuiltin;	/* the run may go on into the next variable */
		}
	}
	if (!hdrs || n == 0) {
		if (!known)
			warn(rt, "runtime.waitReasonStrings not found: wait reasons from the go1.%d table",
			     rt->table_minor);
		return NULL;
	}
	err = take_wait_reasons(rt, hdrs, n);
	if (err)
		return err;
	rt->wait_reasons_how = how;
	if (known)
		compare_wait_reasons(rt, builtin, nbuiltin);
	return NULL;
}

/* ---- Thread-local g (§2.4) -------------------------------------------------- */

/*
 * amd64: g lives at fs_base - roundup(PT_TLS.memsz, PT_TLS.align) +
 * off(runtime.tlsg); with Go's own linker, and with cgo (libc's TLS is in
 * libc.so, not in the executable), that is fs_base - 8.
 */
static uint64_t tls_g_offset(struct gsc_binary *bin)
{
	struct gsc_elf *elf = gsc_binary_elf(bin);
	uint64_t memsz = 8, align = 8, tlsg = 0;
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *s = gsc_elf_segment(elf, i);
		if (s->type == PT_TLS) {
			memsz = s->memsz;
			align = s->align ? s->align : 1;
		}
	}
	struct gsc_elf_symbol sym;
	if (gsc_elf_has_symtab(elf)) {
		struct gsc_error *err = gsc_elf_symbol_lookup(elf, "runtime.tlsg", &sym);
		if (!err && sym.value < memsz)
			tlsg = sym.value;
		gsc_error_destroy(err);
	}
	uint64_t block = (memsz + align - 1) / align * align;
	return block - tlsg;
}

/* ---- Creation --------------------------------------------------------------- */

static struct gsc_error *setup_version(struct gsc_goruntime *rt,
					const struct gsc_goruntime_config *cfg)
{
	rt->go_minor = cfg->go_minor;
	if (!rt->go_minor && rt->bin)
		rt->go_minor = gsc_binary_go_minor(rt->bin);
	if (!rt->go_minor && cfg->layout)
		rt->go_minor = cfg->layout->go_minor;
	const char *version = rt->bin ? gsc_binary_go_version(rt->bin) : NULL;
	if (rt->go_minor && rt->go_minor < MINOR_FIRST) {
		if (version)
			return gsc_error_create(GSC_ERR_UNSUPPORTED,
						"%s: goroutines are read for Go 1.%d and newer only",
						version, MINOR_FIRST);
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
					"go1.%d: goroutines are read for Go 1.%d and newer only",
					rt->go_minor, MINOR_FIRST);
	}
	rt->table_minor = clamp_minor(rt->go_minor);
	if (rt->go_minor == 0 || rt->go_minor > MINOR_LAST)
		warn(rt, "Go version %s is newer than the newest built-in tables: trying go1.%d's",
		     version ? version : "unknown", MINOR_LAST);
	return NULL;
}

static struct gsc_error *setup_layout(struct gsc_goruntime *rt,
					const struct gsc_goruntime_config *cfg)
{
	struct gsc_error *err;
	if (cfg->layout) {
		rt->layout = *cfg->layout;
	} else {
		struct gsc_dwarf *dw = maybe_dwarf(rt->bin, cfg->no_dwarf);
		err = dw ? gsc_go_layout_dwarf(dw, rt->go_minor, &rt->layout)
			 : gsc_error_create(GSC_ERR_NOT_FOUND, "no DWARF");
		if (err) {
			if (dw && err->code != GSC_ERR_NOT_FOUND)
				warn(rt, "layouts from DWARF: %s; using the built-in tables",
				     err->message);
			gsc_error_destroy(err);
			err = gsc_go_layout_builtin(rt->go_minor, &rt->layout, NULL);
			if (err)
				return err;
		}
	}
	err = check_layout(&rt->layout);
	if (err)
		return gsc_error_wrap(err, "layout %s", rt->layout.source);
	rt->gbuf = malloc(rt->layout.g_size);
	rt->mbuf = malloc(rt->layout.m_size);
	return rt->gbuf && rt->mbuf ? NULL : &gsc_enomem;
}

static const struct global_spec allgs_spec = {
	"runtime.allgs", "runtime.allgadd", "code of runtime.allgadd", true, allgs_valid,
};
static const struct global_spec allm_spec = {
	"runtime.allm", "runtime.mcommoninit", "code of runtime.mcommoninit", false, allm_valid,
};

static struct gsc_error *setup_globals(struct gsc_goruntime *rt,
					const struct gsc_goruntime_config *cfg)
{
	uint64_t addr;
	struct gsc_error *err;
	if (cfg->allgs_addr) {
		rt->allgs = cfg->allgs_addr;
		rt->allgs_how = "given";
	} else if (!rt->bin) {
		return gsc_error_create(GSC_ERR_INVALID_ARG, "no binary and no allgs address");
	} else {
		err = find_global(rt, &allgs_spec, cfg->no_dwarf, &addr, &rt->allgs_how);
		if (err)
			return err;
		rt->allgs = addr + rt->bias;
	}
	if (cfg->allm_addr) {
		rt->allm = cfg->allm_addr;
		rt->allm_how = "given";
	} else if (rt->bin) {
		err = find_global(rt, &allm_spec, cfg->no_dwarf, &addr, &rt->allm_how);
		if (err) {
			rt->allm_how = NULL;
			warn_error(rt, err, "Ms are found through goroutines and TLS only");
		} else {
			rt->allm = addr + rt->bias;
		}
	}
	return NULL;
}

struct gsc_error *gsc_goruntime_create(const struct gsc_goruntime_config *cfg,
				       struct gsc_goruntime **ret)
{
	if (!cfg->target || (!cfg->bin && !cfg->layout && !cfg->go_minor))
		return gsc_error_create(GSC_ERR_INVALID_ARG,
					"goruntime: a target and a binary (or a layout) are needed");
	struct gsc_goruntime *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return &gsc_enomem;
	rt->bin = cfg->bin;
	rt->target = cfg->target;
	rt->bias = cfg->load_bias;
	rt->little_endian = cfg->target->little_endian;
	struct gsc_error *err = setup_version(rt, cfg);
	if (!err)
		err = setup_layout(rt, cfg);
	if (!err)
		err = setup_wait_reasons(rt);
	if (!err)
		err = setup_globals(rt, cfg);
	if (err) {
		gsc_goruntime_destroy(rt);
		return err;
	}
	rt->tls_g_offset = cfg->tls_g_offset ? cfg->tls_g_offset
			 : rt->bin ? tls_g_offset(rt->bin) : 8;
	*ret = rt;
	return NULL;
}

void gsc_goruntime_destroy(struct gsc_goruntime *rt)
{
	if (!rt)
		return;
	if (rt->image_wait_reasons) {
		for (size_t i = 0; i < rt->nwait_reasons; i++)
			free(rt->image_wait_reasons[i]);
		free(rt->image_wait_reasons);
	}
	for (size_t i = 0; i < rt->nwarnings; i++)
		free(rt->warnings[i]);
	free(rt->gbuf);
	free(rt->mbuf);
	free(rt);
}

/* ---- Threads ---------------------------------------------------------------- */

/* Is gp a g whose M leads back to it?  Fills t when so. */
static bool g_of_thread(struct gsc_goruntime *rt, uint64_t gp, struct gsc_go_thread *t)
{
	struct gsc_goroutine g;
	struct gsc_go_m m;
	struct gsc_error *err = read_g_raw(rt, gp, &g);
	if (!err && !g.m)
		return false;
	if (!err)
		err = gsc_goruntime_read_m(rt, g.m, &m);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	if (m.g0 != gp && m.gsignal != gp && m.curg != gp)
		return false;
	t->g = gp;
	t->m = m.addr;
	t->curg = m.curg;
	t->on_g0 = m.g0 == gp;
	t->on_gsignal = m.gsignal == gp;
	return true;
}

/* The M whose procid is tid, through allm. */
static bool m_of_tid(struct gsc_goruntime *rt, int32_t tid, struct gsc_go_thread *t)
{
	struct gsc_go_m *ms;
	size_t n;
	struct gsc_error *err = gsc_goruntime_ms(rt, &ms, &n);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		if (ms[i].procid != (uint64_t)(uint32_t)tid)
			continue;
		t->m = ms[i].addr;
		t->curg = ms[i].curg;
		found = true;
	}
	free(ms);
	return found;
}

struct gsc_error *gsc_goruntime_thread_g(struct gsc_goruntime *rt, int32_t tid,
					 const struct gsc_regs *regs, struct gsc_go_thread *ret)
{
	struct gsc_go_thread t = { .tid = tid };
	const struct gsc_arch_info *ai = rt->target->arch_info;
	uint64_t v;
	if (ai->fs_base >= 0 && gsc_regs_get(regs, ai->fs_base, &v) && v > rt->tls_g_offset) {
		uint64_t gp;
		struct gsc_error *err = gsc_target_read_ptr(rt->target, v - rt->tls_g_offset, &gp);
		if (!err && gp && g_of_thread(rt, gp, &t))
			t.how = "tls";
		gsc_error_destroy(err);
	}
	/* arm64 keeps g in x28; amd64 Go code in r14 (ABIInternal, Go 1.17+). */
	if (!t.how && ai->g_reg >= 0 && gsc_regs_get(regs, ai->g_reg, &v) && v &&
	    g_of_thread(rt, v, &t))
		t.how = ai->arch == GSC_ARCH_ARM64 ? "x28" : "r14";
	if (!t.how && m_of_tid(rt, tid, &t))
		t.how = "procid";
	*ret = t;
	return NULL;
}

/* ---- Header text ------------------------------------------------------------ */

int gsc_goruntime_status_text(const struct gsc_goruntime *rt, const struct gsc_goroutine *g,
			      int64_t now_ns, char *buf, size_t size)
{
	uint32_t st = g->status & ~(uint32_t)GSC_G_SCAN;
	const char *status = g->status_name;
	if ((st == GSC_G_WAITING || (st == GSC_G_LEAKED && rt->table_minor >= 26)) && g->waitreason)
		status = gsc_goruntime_wait_reason(rt, g->waitreason);
	int64_t minutes = 0;
	if ((st == GSC_G_WAITING || st == GSC_G_SYSCALL) && g->waitsince && now_ns)
		minutes = (now_ns - g->waitsince) / 60000000000LL;
	char mins[40] = "";
	if (minutes >= 1)
		snprintf(mins, sizeof(mins), ", %" PRId64 " minutes", minutes);
	return snprintf(buf, size, "%s%s%s%s%s", status,
			st == GSC_G_LEAKED && rt->table_minor >= 26 ? " (leaked)" : "",
			g->status & GSC_G_SCAN ? " (scan)" : "", mins,
			g->lockedm ? ", locked to thread" : "");
}
