/*
 * unwind.h - the Go unwinder: a goroutine's (or a thread's) physical frames
 * the way the runtime itself walks them, their logical (inlined) frames, and
 * the runtime's traceback text for them.
 *
 * The walk follows runtime/traceback.go: `unwinder` (Go 1.21+) and
 * `gentraceback` (1.19, 1.20), as summarised in ../shared/reference/
 * go-runtime.md §1.8: the pcsp table gives each frame's size, the return
 * address is at fp-8 (amd64) or 0(sp) / the lr register (arm64), TopFrame
 * functions end the walk, an SPWrite function ends it too (the printing
 * traceback stops there even when it is the innermost frame), a frame below
 * an injected call (sigpanic, asyncPreempt, debugCallV2) is a trap frame
 * (arm64: plus the 16-byte slot the signal handler pushed).  Beyond the
 * runtime, and only when asked: the kernel's signal frame under
 * runtime.sigtramp is crossed (the interrupted registers come from the
 * ucontext, decoded with our own offsets of the Linux rt_sigframe ABI), the
 * g0 stack is left for curg's at morestack/systemstack (a callback says
 * where curg is parked), and frames outside the pclntab (C, cgo) are walked
 * with CFI.
 *
 * Addresses are run-time addresses: the load bias given at creation is
 * subtracted before the pclntab is asked.  Every read goes through the
 * target and may fail: a failed read ends the walk (the frames found so far
 * are kept, and the stop reason says why).  Bounded: at most max_frames
 * physical frames, sp never goes down within one stack, at most
 * GSC_UNWIND_MAX_SWITCHES stack switches.
 *
 * Does not: find goroutines, read g or m structures (the caller passes the
 * initial registers and, for stack switches, a callback), print the
 * goroutine header line, print anything at all (the formatter returns text).
 *
 * Ownership: a struct gsc_unwinder borrows the target, binary and CFI given
 * to gsc_unwinder_create(); they must outlive it.  Frame names and file
 * names point into the binary's pclntab: valid until the binary is closed.
 *
 * Threads: one unwinder may be used by several threads at once (gocore's
 * workers share one).  It keeps a bounded cache of what the pclntab says
 * about each pc (function, sp delta, inline expansion, file:line, argument
 * metadata; never target memory), lock-free and insert-only, freed by
 * gsc_unwinder_destroy().
 */
#ifndef GSC_UNWIND_H
#define GSC_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "go_pclntab.h"
#include "target.h"

struct gsc_binary;
struct gsc_cfi;

enum {
	GSC_UNWIND_DEFAULT_MAX_FRAMES = 100000,
	GSC_UNWIND_MAX_SWITCHES = 64,	/* signal frames + stack jumps + CFI frames in a row */
	GSC_UNWIND_MAX_CFI_FRAMES = 256,
};

/* Flags of one walk (struct gsc_unwind_start.flags). */
enum {
	/* The initial pc is a trapping or interrupted instruction (runtime tracebacktrap). */
	GSC_UNWIND_TRAP = 1 << 0,
	/*
	 * The initial pc/sp are g.syscallpc/g.syscallsp: an SPWrite innermost
	 * function is unwound anyway (runtime: isSyscall).
	 */
	GSC_UNWIND_SYSCALL = 1 << 1,
	/*
	 * The walk is on a g0 stack: at runtime.morestack / runtime.systemstack
	 * continue on curg's stack, found through start.curg_sched
	 * (runtime: unwindJumpStack).
	 */
	GSC_UNWIND_JUMP_STACK = 1 << 2,
	/* At runtime.sigtramp, continue in the interrupted context. */
	GSC_UNWIND_SIGNAL = 1 << 3,
	/* Walk pcs outside the pclntab with CFI (needs a cfi at creation). */
	GSC_UNWIND_CFI = 1 << 4,
	/*
	 * GC-precise mode: an SPWrite innermost frame is unwound (runtime:
	 * neither unwindPrintErrors nor unwindSilentErrors).  Tracebacks
	 * printed by the runtime never use it.
	 */
	GSC_UNWIND_PRECISE = 1 << 5,
};

/* Where curg is parked, for GSC_UNWIND_JUMP_STACK. */
struct gsc_unwind_regs {
	uint64_t pc, sp;
	uint64_t lr;		/* arm64: the lr to start with, 0 = read it from the stack */
	uint64_t fp;		/* rbp / x29, for CFI frames only; 0 = unknown */
};

/*
 * curg.sched (pc, sp, lr) of the M whose g0 stack is being walked;
 * GSC_ERR_NOT_FOUND when there is no curg (or it runs on another M): the walk
 * then goes on as a plain call.  Any other error ends the walk.
 */
typedef struct gsc_error *gsc_unwind_curg_fn(void *arg, struct gsc_unwind_regs *ret);

struct gsc_unwind_start {
	struct gsc_unwind_regs regs;
	unsigned flags;			/* GSC_UNWIND_* */
	gsc_unwind_curg_fn *curg_sched;	/* for GSC_UNWIND_JUMP_STACK */
	void *curg_arg;
};

/* How a frame was reached from the one below it. */
enum gsc_unwind_how {
	GSC_UNWIND_HOW_INITIAL = 0,	/* the start registers */
	GSC_UNWIND_HOW_RETURN,		/* the return address of the callee */
	GSC_UNWIND_HOW_SIGNAL,		/* the ucontext under runtime.sigtramp */
	GSC_UNWIND_HOW_STACK_JUMP,	/* morestack / systemstack on g0 -> curg */
	GSC_UNWIND_HOW_CFI,		/* a non-Go frame's CFA rules */
};

/* Why the walk ended. */
enum gsc_unwind_stop {
	GSC_UNWIND_STOP_BOTTOM = 0,	/* a TopFrame function or lr == 0: complete */
	GSC_UNWIND_STOP_SPWRITE,	/* an SPWrite function (gogo, mcall, asmcgocall...) */
	GSC_UNWIND_STOP_NO_FRAME_INFO,	/* a function without pcsp (race, C stubs) */
	GSC_UNWIND_STOP_UNKNOWN_PC,	/* the initial pc is in no function */
	GSC_UNWIND_STOP_UNKNOWN_RETURN,	/* a return address in no Go function */
	GSC_UNWIND_STOP_FAULT,		/* a stack word could not be read */
	GSC_UNWIND_STOP_BAD_DATA,	/* the pclntab or CFI disagreed with the pc */
	GSC_UNWIND_STOP_STUCK,		/* no progress, or sp went down: cyclic stack */
	GSC_UNWIND_STOP_MAX_FRAMES,	/* the frame limit */
};

/* One physical frame. */
struct gsc_unwind_frame {
	uint64_t pc;		/* run-time pc: a return address unless trap */
	uint64_t sp;
	uint64_t fp;		/* the caller's sp (CFA); amd64: return address at fp-8 */
	uint64_t lr;		/* the caller's pc, 0 for the last frame */
	uint64_t sym_pc;	/* run-time pc to symbolize with, per version (§1.8 item 7) */
	uint64_t args_pc;	/* run-time pc for PCDATA_ArgLiveIndex, per version */
	uint64_t argp;		/* fp + MinFrameSize: the argument words */
	bool is_go;		/* func is valid; false: a non-Go frame found by CFI */
	bool trap;		/* pc is a faulting or interrupted instruction */
	enum gsc_unwind_how how;
	enum gsc_func_kind callee_kind;	/* kind of the frame below (NORMAL for the first) */
	struct gsc_func func;	/* link-time addresses */
};

/* The result of one walk: a caller-owned struct, filled by gsc_unwind(). */
struct gsc_unwind {
	struct gsc_unwind_frame *frames;
	size_t count;
	enum gsc_unwind_stop stop;
	uint64_t stop_addr;	/* the pc or address the walk stopped at, when it means anything */
};

struct gsc_unwinder_config {
	const struct gsc_target *target;
	struct gsc_binary *binary;
	uint64_t load_bias;	/* run-time minus link-time address of the executable */
	int go_minor;		/* 0: gsc_binary_go_minor() */
	struct gsc_cfi *cfi;	/* optional: the executable's CFI, for GSC_UNWIND_CFI */
	size_t max_frames;	/* 0: GSC_UNWIND_DEFAULT_MAX_FRAMES */
};

struct gsc_unwinder;

/* UNSUPPORTED for an arch other than amd64/arm64 or a target of another arch. */
struct gsc_error *gsc_unwinder_create(const struct gsc_unwinder_config *config,
				      struct gsc_unwinder **ret) GSC_WUR;
void gsc_unwinder_destroy(struct gsc_unwinder *uw);

/*
 * Walks from start.  The walk itself never fails: a bad read ends it and
 * ret->stop says why; only allocation failure is an error.  ret is
 * overwritten (call gsc_unwind_deinit() on a previous result first).
 */
struct gsc_error *gsc_unwind(struct gsc_unwinder *uw, const struct gsc_unwind_start *start,
			     struct gsc_unwind *ret) GSC_WUR;
void gsc_unwind_deinit(struct gsc_unwind *u);

/*
 * Where the runtime's own traceback of a goroutine with stack [lo, hi) starts
 * when that goroutine was running on a thread with registers regs: walk the
 * thread through signal frames (TRAP | SIGNAL) and take its first frame on
 * [lo, hi), or the frame above runtime.fatalpanic for a panic; a frame reached
 * through a signal frame becomes a trap start carrying its lr
 * (tracebacktrap(sigpc, sigsp, siglr), runtime/traceback.go).  *found_ret is
 * false when no frame of the walk lies on that stack.
 */
struct gsc_error *gsc_unwind_running_start(struct gsc_unwinder *uw,
					   const struct gsc_unwind_regs *regs, uint64_t lo,
					   uint64_t hi, struct gsc_unwind_start *ret,
					   bool *found_ret) GSC_WUR;
/* "bottom", "SPWRITE function", ... for messages. */
const char *gsc_unwind_stop_name(enum gsc_unwind_stop stop);

/* One logical frame: inlined calls expanded, innermost first. */
struct gsc_unwind_lframe {
	const char *func;	/* as in the pclntab (raw: runtime.gopanic, pkg.F[go.shape...]) */
	const char *file;
	int32_t line;
	bool inlined;		/* inlined into the next logical frame */
	enum gsc_func_kind kind;
	size_t phys;		/* index of its physical frame */
};

/*
 * The logical frames of u (Go frames only; non-Go frames have none), in a
 * malloc'd array the caller frees.
 */
struct gsc_error *gsc_unwind_logical(struct gsc_unwinder *uw, const struct gsc_unwind *u,
				     struct gsc_unwind_lframe **frames_ret,
				     size_t *count_ret) GSC_WUR;

/*
 * The argument words of a Go frame as the runtime prints them between the
 * parentheses (printArgs): "0x1, {0x2, 0x3}, 0x4?, ...".  A word that cannot
 * be read prints as "?" alone (the runtime would have faulted).  Returns a
 * malloc'd string; "" when the function has no ArgInfo.
 */
struct gsc_error *gsc_unwind_args(struct gsc_unwinder *uw, const struct gsc_unwind_frame *fr,
				  char **ret) GSC_WUR;

/*
 * Decodes an ArgInfo program (FUNCDATA_ArgInfo, at most size bytes) over the
 * argument bytes args[0..args_size) (missing bytes print "?"), with an
 * optional ArgLiveInfo (live, live_size; NULL = everything live) at liveness
 * index live_idx.  Appends to a malloc'd string.  For the unit tests and for
 * front ends that already hold the bytes.
 */
struct gsc_error *gsc_unwind_format_args(const uint8_t *prog, size_t size,
					 const uint8_t *args, size_t args_size,
					 bool little_endian, const uint8_t *live,
					 size_t live_size, int32_t live_idx,
					 char **ret) GSC_WUR;

/*
 * The name as the runtime prints it (printFuncName): "pkg.F[...]" for
 * "pkg.F[go.shape.int]" (1.27: "pkg.T[...].M[...]" for a generic method of a
 * generic type), "panic" for runtime.gopanic when panic_name.  Truncated to
 * size.
 */
void gsc_unwind_print_name(int go_minor, const char *name, bool panic_name, char *buf,
			   size_t size);

/* Options of the traceback text (what traceback1 prints for one goroutine). */
struct gsc_traceback_opts {
	int level;		/* GOTRACEBACK: 0 none, 1 single/all, 2 system/crash */
	/*
	 * gp is the curg of a throwing M (throwing >= throwTypeRuntime):
	 * every frame shown and fp/sp/pc printed whatever the level.
	 */
	bool throwing;
	bool created_by;	/* print the "created by" lines (needs gopc) */
	uint64_t goid;		/* goid 1 gets no "created by" */
	uint64_t parent_goid;	/* Go 1.21+: " in goroutine N" when non-zero */
	uint64_t gopc;		/* run-time pc of the go statement */
};

/*
 * The runtime's text for the frames of u (Go 1.19/1.20 or 1.21+ rules:
 * hiding, elision, fp/sp/pc, "created by"), without the goroutine header.
 * Returns a malloc'd NUL-terminated string.
 */
struct gsc_error *gsc_traceback_format(struct gsc_unwinder *uw, const struct gsc_unwind *u,
				       const struct gsc_traceback_opts *opts,
				       char **ret) GSC_WUR;

/* A growable text buffer the caller owns: p is malloc'd (or NULL), len used, cap allocated. */
struct gsc_textbuf {
	char *p;
	size_t len, cap;
};

/*
 * The same text appended to *tb (for a caller that writes many goroutines
 * into one buffer: no allocation per goroutine once the buffer is big
 * enough).  On success tb->len grows and p[len] is NUL.  On error tb->len is
 * unchanged; tb->p and tb->cap may have changed (the buffer grew) and stay
 * the caller's to free.
 */
struct gsc_error *gsc_traceback_append(struct gsc_unwinder *uw, const struct gsc_unwind *u,
				       const struct gsc_traceback_opts *opts,
				       struct gsc_textbuf *tb) GSC_WUR;

/*
 * Which of n logical frames the 1.21+ rule prints (first 50, last 50):
 * *head_ret frames from the start, then, when *elided_ret > 0, the line
 * "...N frames elided..." and the last *tail_ret frames.  (For tests.)
 */
void gsc_traceback_elision(size_t n, size_t *head_ret, size_t *elided_ret, size_t *tail_ret);

/*
 * Would the runtime show a frame of this function at level < 2 (showfuncinfo)?
 * first: no frame printed yet; callee: the kind of the frame below.
 */
bool gsc_traceback_showfunc(int go_minor, const char *name, enum gsc_func_kind kind,
			    bool first, enum gsc_func_kind callee);

#endif
