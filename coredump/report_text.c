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
#include <stdlib.h>
#include <string.h>

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

void gocore_text_header(struct gocore *gc, const struct gocore_gor *gor, char *buf, size_t size)
{
	const struct gsc_goroutine *g = gor->g;
	int n = snprintf(buf, size, "goroutine %" PRIu64, g->goid);
	if (gc->minor >= 22 && n >= 0 && (size_t)n < size) {
		if (g->m && g->m_id >= 0)
			n += snprintf(buf + n, size - (size_t)n,
				      " gp=0x%" PRIx64 " m=%" PRId64 " mp=0x%" PRIx64, g->addr,
				      g->m_id, g->m);
		else
			n += snprintf(buf + n, size - (size_t)n, " gp=0x%" PRIx64 " m=nil", g->addr);
	}
	if (n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " [%s]:", gor->status);
}

struct gsc_error *gocore_text_goroutine(struct gocore *gc, struct gocore_gor *gor, FILE *out)
{
	char hdr[512];
	gocore_text_header(gc, gor, hdr, sizeof(hdr));
	/* the runtime starts each goroutine with a blank line */
	fputc('\n', out);
	fputs(hdr, out);
	fputc('\n', out);
	struct gsc_traceback_opts o;
	gocore_traceback_opts(gc, gor->g, &o);
	if (!gor->have_stack)
		fputs("\tgoroutine running on other thread; stack unavailable\n", out);
	char *text = NULL;
	struct gsc_error *err = gsc_traceback_format(gc->uw, &gor->u, &o, &text);
	if (err)
		return err;
	fputs(text, out);
	free(text);
	return NULL;
}
