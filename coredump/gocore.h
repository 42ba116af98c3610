/*
 * gocore.h - the gocore front end: what its subcommands and report writers
 * share.
 *
 * `gocore EXE CORE` (cmd_core.c) opens the executable and the core, builds
 * the runtime view (common/go_runtime.h) and the unwinder (common/unwind.h),
 * and walks the goroutines in the order the runtime prints them under
 * GOTRACEBACK=crash: the crashing goroutine first, then allgs order.  Each
 * goroutine that passes the filters is unwound once and handed to one report
 * writer: text (report_text.c, the runtime's traceback format), JSON
 * (report_json.c) or grouped (group.c).  Output is streamed: nothing grows
 * with the goroutine count but the goroutine array itself and, for --group,
 * one entry per distinct stack.
 *
 * Ownership: a struct gocore owns the binary, core, runtime view and
 * unwinder; struct gocore_gor is borrowed by the writers for one call.
 */
#ifndef GOCORE_H
#define GOCORE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "unwind.h"

struct gsc_error;
struct gsc_binary;
struct gsc_core;
struct gsc_goruntime;
struct gsc_goroutine;
struct gsc_target;

/* The --help text (main.c). */
extern const char gocore_usage[];

int gocore_cmd_info(int argc, char **argv);
int gocore_cmd_addr2line(int argc, char **argv);
/* `gocore [OPTIONS] EXE CORE` */
int gocore_cmd_core(int argc, char **argv);
/* Prints "gocore: <what>: <message>" and destroys err; returns exit status 1. */
int gocore_fail(struct gsc_error *err, const char *what);
/* Prints "gocore: warning: <message>". */
void gocore_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum gocore_mode { GOCORE_TEXT, GOCORE_JSON, GOCORE_GROUP };

struct gocore_opts {
	const char *exe, *core;
	enum gocore_mode mode;
	uint64_t *goids;	/* -g ID (repeatable); NULL: all */
	size_t ngoids;
	const char *match;	/* --match REGEX on function names */
	regex_t re;
	const char *status;	/* --status S */
	bool now_given;		/* --now NS */
	int64_t now_ns;
	bool all_ids;		/* --group: every id, not the first runs */
	bool no_summary;	/* --no-summary: text mode prints the goroutines only */
	int jobs;		/* -j N worker threads; 0: one per CPU */
};

/*
 * A growable output buffer (report_text.c).  Each worker keeps one for the
 * whole run and the main thread empties it after every batch, so its pages
 * are faulted in once and nothing is allocated per goroutine (glibc's
 * open_memstream zero-fills and copies on every growth: half of gocore's
 * time on 100k goroutines).  Appends do not fail: when memory runs out, oom
 * is set and later text is dropped; the owner checks oom.
 */
struct gocore_out {
	struct gsc_textbuf b;
	bool oom;
};

/*
 * malloc for big arrays that are written once, start to end (the goroutine
 * array, the worker buffers): from 2 MiB up, 2 MiB-aligned and marked for
 * transparent huge pages, because first-touch page faults were a third of
 * gocore's time on 100k goroutines (a 25 MB array: about 250 ms in 4 KiB
 * faults here, about 15 ms in 2 MiB ones).  Freed with free().
 */
void *gocore_alloc_big(size_t size);

/* Room for n more bytes (slow path of the appends); false sets oom. */
bool gocore_out_reserve(struct gocore_out *o, size_t n);

static inline void gocore_out_put(struct gocore_out *o, const char *s, size_t n)
{
	if (o->b.cap - o->b.len <= n && !gocore_out_reserve(o, n))
		return;
	memcpy(o->b.p + o->b.len, s, n);
	o->b.len += n;
}

static inline void gocore_out_puts(struct gocore_out *o, const char *s)
{
	gocore_out_put(o, s, strlen(s));
}

static inline void gocore_out_putc(struct gocore_out *o, char c)
{
	if (o->b.cap == o->b.len && !gocore_out_reserve(o, 1))
		return;
	o->b.p[o->b.len++] = c;
}

void gocore_out_printf(struct gocore_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "0x%" PRIx64, "%" PRIu64 and "%" PRId64 without printf's format parsing. */
void gocore_out_hex(struct gocore_out *o, uint64_t v);
void gocore_out_u64(struct gocore_out *o, uint64_t v);
void gocore_out_i64(struct gocore_out *o, int64_t v);
/* Writes the buffer to f and empties it (keeping the memory); false on a write error. */
bool gocore_out_flush(struct gocore_out *o, FILE *f);
void gocore_out_deinit(struct gocore_out *o);

/* One thread of the core, as the runtime sees it. */
struct gocore_thread {
	int32_t tid;
	uint64_t pc, sp;
	uint64_t g, m, curg;	/* 0 unknown */
	int64_t curg_goid;	/* -1: none */
};

/* The panic in progress on the crashing goroutine (or the first that has one). */
struct gocore_panic {
	bool present;
	uint64_t goid;
	char type[256];		/* the dynamic type of the newest panic value; "" nil */
	char *value;		/* printpanicval of the newest value (malloc'd) */
	char *text;		/* every "panic: ..." line of the chain, as printpanics (malloc'd) */
};

struct gocore {
	struct gocore_opts *opts;
	struct gsc_binary *bin;
	struct gsc_core *core;
	struct gsc_target *target;
	uint64_t bias;
	int minor;
	const char *arch;	/* "amd64", "arm64" */
	struct gsc_goruntime *rt;
	struct gsc_unwinder *uw;
	struct gsc_goroutine *gs;	/* live goroutines, allgs order */
	size_t ngs;
	size_t skipped;			/* bad g's skipped */
	size_t crash;			/* index in gs of the crashing goroutine; SIZE_MAX none */
	int32_t crash_tid;		/* the thread that dumped */
	struct gocore_thread *threads;
	size_t nthreads;
	int64_t now;			/* estimated nanotime() at the crash, 0 unknown */
	const char *now_how;
	struct gocore_panic panic;
	char fault[160];		/* "[signal SIGSEGV: ... pc=0x...]" of a signal panic, or "" */
	size_t bad_stacks;		/* goroutines whose walk ended on an error */
	char bad_example[200];
};

/* One goroutine, unwound, for the writers. */
struct gocore_gor {
	const struct gsc_goroutine *g;
	bool have_stack;		/* false: running, but its thread was not found */
	struct gsc_unwind u;
	int32_t tid;			/* the thread it runs on, or 0 */
	struct gsc_unwind_lframe *lf;	/* logical frames, filled by gocore_logical() */
	size_t nlf;
	bool lf_done;
	char status[256];		/* the bracket text: "chan receive, 3 minutes" */
	char state[128];		/* status without minutes (grouping, --status) */
};

/* Logical frames of gor, computed once. */
struct gsc_error *gocore_logical(struct gocore *gc, struct gocore_gor *gor) __attribute__((warn_unused_result));
/* The "created by" function, file and line of g; false when gopc is in no function. */
bool gocore_created_by(struct gocore *gc, const struct gsc_goroutine *g, const char **func,
		       const char **file, int32_t *line);
/* Options for gsc_traceback_format() as the runtime prints g under GOTRACEBACK=crash. */
void gocore_traceback_opts(struct gocore *gc, const struct gsc_goroutine *g,
			   struct gsc_traceback_opts *ret);

/* report_text.c */
void gocore_text_summary(struct gocore *gc, FILE *out);
struct gsc_error *gocore_text_goroutine(struct gocore *gc, struct gocore_gor *gor,
					struct gocore_out *out)
	__attribute__((warn_unused_result));
/* "goroutine N gp=... m=... mp=... [status]:" without the newline. */
void gocore_text_header(struct gocore *gc, const struct gocore_gor *gor, struct gocore_out *out);

/* report_json.c */
void gocore_json_begin(struct gocore *gc, FILE *out);
struct gsc_error *gocore_json_goroutine(struct gocore *gc, struct gocore_gor *gor,
					struct gocore_out *out)
	__attribute__((warn_unused_result));
void gocore_json_end(struct gocore *gc, FILE *out);
/* A JSON string literal (quoted, escaped, invalid UTF-8 replaced). */
void gocore_json_string(struct gocore_out *out, const char *s);

/* group.c */
struct gocore_groups;
struct gocore_groups *gocore_groups_create(void);
void gocore_groups_destroy(struct gocore_groups *gr);
/* Worker side: one goroutine's record into out. */
struct gsc_error *gocore_group_record(struct gocore *gc, struct gocore_gor *gor,
				      struct gocore_out *out)
	__attribute__((warn_unused_result));
/* Main thread: the records of one stream into the table. */
struct gsc_error *gocore_groups_add_records(struct gocore_groups *gr, const char *buf, size_t len)
	__attribute__((warn_unused_result));
void gocore_groups_print(struct gocore_groups *gr, struct gocore *gc, FILE *out);
/* "1-5,9,12" of sorted ids, at most max_runs runs (0: all), then ",... (N more)". */
void gocore_format_ids(FILE *out, const uint64_t *ids, size_t n, size_t max_runs);

#endif
