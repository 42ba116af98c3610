/*
 * report_text.c - gocore's default text: a short summary, then every
 * goroutine exactly as the program's Go version prints it under
 * GOTRACEBACK=crash (runtime/traceback.go goroutineheader + traceback1).
 *
 * The header: "goroutine N" [" gp=0x.. m=ID mp=0x.." | " gp=0x.. m=nil"]
 * (Go 1.22+, printed at level 2, which crash is) " [" status "]:".  The
 * frames and "created by" lines come from gsc_traceback_format().  A running
 * goroutine whose thread is not in the core gets the runtime's "goroutine
 * running on other thread" line.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "binary.h"
#include "core_file.h"
#include "go_runtime.h"
#include "gocore.h"

static const char *signal_name(int signo)
{
	const char *n = gsc_linux_signal_name(signo);
	return n ? n : "signal";
}

void gocore_text_summary(struct gocore *gc, FILE *out)
{
	fprintf(out, "executable: %s\n", gc->opts->exe);
	fprintf(out, "core:       %s\n", gc->opts->core);
	fprintf(out, "go:         %s %s\n", gsc_binary_go_version(gc->bin), gc->arch);
	const struct gsc_core_signal *sig = gsc_core_signal(gc->core);
	if (sig && sig->signo) {
		fprintf(out, "signal:     %s (%d)", signal_name(sig->signo), sig->signo);
		if (sig->from_siginfo)
			fprintf(out, " code=%d", sig->code);
		if (sig->has_addr)
			fprintf(out, " addr=0x%" PRIx64, sig->addr);
		if (sig->has_sender)
			fprintf(out, " from pid %d", sig->sender_pid);
		fprintf(out, " on thread %d\n", sig->tid);
	} else {
		fprintf(out, "signal:     none recorded\n");
	}
	if (gc->crash != SIZE_MAX)
		fprintf(out, "crashing goroutine: %" PRIu64 " (thread %d)\n", gc->gs[gc->crash].goid,
			gc->crash_tid);
	else
		fprintf(out, "crashing goroutine: none (thread %d ran no goroutine)\n", gc->crash_tid);
	if (gc->panic.present) {
		if (gc->panic.goid != (gc->crash != SIZE_MAX ? gc->gs[gc->crash].goid : 0))
			fprintf(out, "panicking goroutine: %" PRIu64 "\n", gc->panic.goid);
		fputs(gc->panic.text ? gc->panic.text : "panic: ?\n", out);
		if (gc->fault[0])
			fprintf(out, "%s\n", gc->fault);
	}
	fprintf(out, "goroutines: %zu", gc->ngs);
	if (gc->skipped)
		fprintf(out, " (%zu unreadable skipped)", gc->skipped);
	fprintf(out, ", threads: %zu\n", gc->nthreads);
}

void gocore_text_header(struct gocore *gc, const struct gocore_gor *gor, struct gocore_out *out)
{
	const struct gsc_goroutine *g = gor->g;
	gocore_out_put(out, "goroutine ", 10);
	gocore_out_u64(out, g->goid);
	if (gc->minor >= 22) {
		gocore_out_put(out, " gp=", 4);
		gocore_out_hex(out, g->addr);
		if (g->m && g->m_id >= 0) {
			gocore_out_put(out, " m=", 3);
			gocore_out_i64(out, g->m_id);
			gocore_out_put(out, " mp=", 4);
			gocore_out_hex(out, g->m);
		} else {
			gocore_out_put(out, " m=nil", 6);
		}
	}
	gocore_out_put(out, " [", 2);
	gocore_out_puts(out, gor->status);
	gocore_out_put(out, "]:", 2);
}

struct gsc_error *gocore_text_goroutine(struct gocore *gc, struct gocore_gor *gor,
					struct gocore_out *out)
{
	/* the runtime starts each goroutine with a blank line */
	gocore_out_putc(out, '\n');
	gocore_text_header(gc, gor, out);
	gocore_out_putc(out, '\n');
	struct gsc_traceback_opts o;
	gocore_traceback_opts(gc, gor->g, &o);
	if (!gor->have_stack)
		gocore_out_puts(out, "\tgoroutine running on other thread; stack unavailable\n");
	if (out->oom)
		return &gsc_enomem;
	return gsc_traceback_append(gc->uw, &gor->u, &o, &out->b);
}

/* ---- gocore_out ------------------------------------------------------------ */

void *gocore_alloc_big(size_t size)
{
#ifdef MADV_HUGEPAGE
	enum { HUGE = 2u << 20 };
	if (size >= HUGE) {
		void *p;
		size_t rounded = (size + HUGE - 1) & ~(size_t)(HUGE - 1);
		if (rounded < size || posix_memalign(&p, HUGE, rounded))
			return NULL;
		(void)madvise(p, rounded, MADV_HUGEPAGE);	/* a hint: failure is harmless */
		return p;
	}
#endif
	return malloc(size ? size : 1);
}

bool gocore_out_reserve(struct gocore_out *o, size_t n)
{
	if (o->oom)
		return false;
	/* one spare byte: gsc_traceback_append NUL-terminates */
	if (o->b.cap - o->b.len > n)
		return true;
	size_t cap = o->b.cap ? o->b.cap : 1 << 16;
	while (cap - o->b.len <= n) {
		if (cap > SIZE_MAX / 2) {
			o->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *p = gocore_alloc_big(cap);
	if (!p) {
		o->oom = true;
		return false;
	}
	if (o->b.len)
		memcpy(p, o->b.p, o->b.len);
	free(o->b.p);
	o->b.p = p;
	o->b.cap = cap;
	return true;
}

void gocore_out_printf(struct gocore_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->b.cap - o->b.len;
	int n = room ? vsnprintf(o->b.p + o->b.len, room, fmt, ap) : -1;
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		o->b.len += (size_t)n;
		return;
	}
	if (n < 0) {	/* no buffer yet: measure */
		va_start(ap, fmt);
		n = vsnprintf(NULL, 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
	}
	if (!gocore_out_reserve(o, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->b.p + o->b.len, o->b.cap - o->b.len, fmt, ap);
	va_end(ap);
	o->b.len += (size_t)n;
}

void gocore_out_hex(struct gocore_out *o, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char b[18];
	size_t i = sizeof(b);
	do {
		b[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	gocore_out_put(o, b + i, sizeof(b) - i);
}

void gocore_out_u64(struct gocore_out *o, uint64_t v)
{
	char b[20];
	size_t i = sizeof(b);
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	gocore_out_put(o, b + i, sizeof(b) - i);
}

void gocore_out_i64(struct gocore_out *o, int64_t v)
{
	if (v < 0) {
		gocore_out_putc(o, '-');
		gocore_out_u64(o, -(uint64_t)v);
		return;
	}
	gocore_out_u64(o, (uint64_t)v);
}

bool gocore_out_flush(struct gocore_out *o, FILE *f)
{
	bool ok = !o->b.len || fwrite(o->b.p, 1, o->b.len, f) == o->b.len;
	o->b.len = 0;
	return ok;
}

void gocore_out_deinit(struct gocore_out *o)
{
	free(o->b.p);
	*o = (struct gocore_out){0};
}
