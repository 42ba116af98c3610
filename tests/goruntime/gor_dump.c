/*
 * gor_dump - test driver for common/go_runtime.c.
 *
 *   gor_dump layout [--minor N] EXE
 *       Every field of runtime.g/m/gobuf: DWARF offset and built-in table
 *       offset of the binary's Go version; exits 1 when they differ.
 *   gor_dump [--no-dwarf] [--all] [--now NS] EXE CORE
 *       How the runtime view was set up ("# ..." lines), then one line per
 *       goroutine, tab-separated:
 *         goid  [bracket text]  parent-goid  g  status  m-id  m-procid  gopc  startpc
 *       then "thread" lines: tid  g  m  curg-goid  how.
 *
 * Exit: 0 ok, 1 mismatch (layout mode), 2 error.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "core_file.h"
#include "dwarf_info.h"
#include "go_runtime.h"

static int fail(const char *what, struct gsc_error *err)
{
	fprintf(stderr, "gor_dump: %s: %s\n", what, err->message);
	gsc_error_destroy(err);
	return 2;
}

static void print_off(int32_t off)
{
	if (off < 0)
		printf("\t-");
	else
		printf("\t0x%x", off);
}

static int layout_mode(const char *exe, int minor)
{
	struct gsc_binary *bin;
	struct gsc_error *err = gsc_binary_open(exe, &bin);
	if (err)
		return fail(exe, err);
	if (!minor)
		minor = gsc_binary_go_minor(bin);
	struct gsc_dwarf *dw;
	struct gsc_go_layout dl, bl;
	err = gsc_binary_dwarf(bin, &dw);
	if (!err)
		err = gsc_go_layout_dwarf(dw, minor, &dl);
	if (!err)
		err = gsc_go_layout_builtin(minor, &bl, NULL);
	if (err) {
		gsc_binary_destroy(bin);
		return fail(exe, err);
	}
	int bad = 0;
	printf("# %s %s: DWARF vs %s\n", exe, gsc_binary_go_version(bin), bl.source);
	struct {
		const char *name;
		uint32_t d, b;
	} sizes[] = {
		{ "runtime.g size", dl.g_size, bl.g_size },
		{ "runtime.m size", dl.m_size, bl.m_size },
		{ "runtime.gobuf size", dl.gobuf_size, bl.gobuf_size },
	};
	for (size_t i = 0; i < 3; i++) {
		printf("%s\t%u\t%u%s\n", sizes[i].name, sizes[i].d, sizes[i].b,
		       sizes[i].d != sizes[i].b ? "\tMISMATCH" : "");
		bad |= sizes[i].d != sizes[i].b;
	}
	for (int f = 0; f < GSC_GF_COUNT; f++) {
		printf("%s.%s", gsc_go_field_type(f), gsc_go_field_path(f));
		print_off(dl.off[f]);
		print_off(bl.off[f]);
		if (dl.off[f] != bl.off[f]) {
			printf("\tMISMATCH");
			bad = 1;
		}
		printf("\n");
	}
	gsc_binary_destroy(bin);
	return bad;
}

struct dump_ctx {
	struct gsc_goruntime *rt;
	int64_t now;
	size_t n;
};

static struct gsc_error *dump_g(const struct gsc_goroutine *g, void *arg)
{
	struct dump_ctx *c = arg;
	char text[256];
	gsc_goruntime_status_text(c->rt, g, c->now, text, sizeof(text));
	printf("%" PRIu64 "\t[%s]\t%" PRIu64 "\t0x%" PRIx64 "\t0x%x\t%" PRId64 "\t%" PRIu64
	       "\t0x%" PRIx64 "\t0x%" PRIx64 "\n",
	       g->goid, text, g->parent_goid, g->addr, g->status, g->m_id, g->m_procid, g->gopc,
	       g->startpc);
	c->n++;
	return NULL;
}

static void dump_threads(struct gsc_goruntime *rt, struct gsc_core *core)
{
	for (size_t i = 0; i < gsc_core_num_threads(core); i++) {
		const struct gsc_core_thread *th = gsc_core_thread(core, i);
		struct gsc_go_thread t;
		struct gsc_error *err = gsc_goruntime_thread_g(rt, th->tid, &th->regs, &t);
		if (err) {
			printf("thread\t%d\terror: %s\n", th->tid, err->message);
			gsc_error_destroy(err);
			continue;
		}
		int64_t curg_goid = -1;
		struct gsc_goroutine cg;
		if (t.curg && !(err = gsc_goruntime_read_g(rt, t.curg, &cg)))
			curg_goid = (int64_t)cg.goid;
		gsc_error_destroy(err);
		printf("thread\t%d\tg=0x%" PRIx64 "%s\tm=0x%" PRIx64 "\tcurg=%" PRId64 "\t%s\n",
		       th->tid, t.g, t.on_g0 ? "(g0)" : t.on_gsignal ? "(gsignal)" : "", t.m,
		       curg_goid, t.how ? t.how : "-");
	}
}

static int core_mode(const char *exe, const char *corepath, bool no_dwarf, bool all, int64_t now)
{
	struct gsc_binary *bin = NULL;
	struct gsc_core *core = NULL;
	struct gsc_goruntime *rt = NULL;
	struct gsc_error *err = gsc_binary_open(exe, &bin);
	if (!err)
		err = gsc_core_open(corepath, &core);
	if (!err)
		err = gsc_core_add_executable(core, gsc_binary_elf(bin));
	struct gsc_goruntime_config cfg = { .bin = bin, .no_dwarf = no_dwarf };
	if (!err) {
		cfg.target = gsc_core_target(core);
		cfg.load_bias = gsc_core_load_bias(core);
		err = gsc_goruntime_create(&cfg, &rt);
	}
	int rc = 0;
	if (err) {
		rc = fail(corepath, err);
		goto out;
	}
	const struct gsc_go_layout *l = gsc_goruntime_layout(rt);
	printf("# %s layout=%s\n", gsc_binary_go_version(bin), l->source);
	printf("# allgs=0x%" PRIx64 " (%s) allm=0x%" PRIx64 " (%s) bias=0x%" PRIx64 "\n",
	       gsc_goruntime_allgs_addr(rt), gsc_goruntime_allgs_how(rt),
	       gsc_goruntime_allm_addr(rt),
	       gsc_goruntime_allm_how(rt) ? gsc_goruntime_allm_how(rt) : "-", cfg.load_bias);
	printf("# waitreasons=%s\n", gsc_goruntime_wait_reasons_how(rt));
	struct dump_ctx c = { .rt = rt, .now = now };
	size_t skipped = 0;
	err = gsc_goruntime_goroutines(rt, all, dump_g, &c, &skipped);
	if (err) {
		rc = fail("goroutines", err);
		goto out;
	}
	printf("# goroutines=%zu skipped=%zu\n", c.n, skipped);
	struct gsc_go_m *ms;
	size_t nms;
	err = gsc_goruntime_ms(rt, &ms, &nms);
	if (!err) {
		for (size_t i = 0; i < nms; i++)
			printf("m\t%" PRId64 "\t0x%" PRIx64 "\tprocid=%" PRIu64 "\tcurg=0x%" PRIx64
			       "\tg0=0x%" PRIx64 "\n",
			       ms[i].id, ms[i].addr, ms[i].procid, ms[i].curg, ms[i].g0);
		free(ms);
	} else {
		printf("# ms: %s\n", err->message);
		gsc_error_destroy(err);
	}
	dump_threads(rt, core);
	size_t nw;
	const char *const *w = gsc_goruntime_warnings(rt, &nw);
	for (size_t i = 0; i < nw; i++)
		printf("# warning: %s\n", w[i]);
out:
	gsc_goruntime_destroy(rt);
	gsc_core_destroy(core);
	gsc_binary_destroy(bin);
	return rc;
}

int main(int argc, char **argv)
{
	bool no_dwarf = false, all = false;
	int64_t now = 0;
	int minor = 0;
	int i = 1;
	if (argc > 1 && strcmp(argv[1], "layout") == 0) {
		i = 2;
		if (i + 1 < argc && strcmp(argv[i], "--minor") == 0) {
			minor = atoi(argv[i + 1]);
			i += 2;
		}
		if (i + 1 != argc) {
			fprintf(stderr, "usage: gor_dump layout [--minor N] EXE\n");
			return 2;
		}
		return layout_mode(argv[i], minor);
	}
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--no-dwarf") == 0)
			no_dwarf = true;
		else if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc)
			now = strtoll(argv[++i], NULL, 0);
		else
			break;
	}
	if (i + 2 != argc) {
		fprintf(stderr, "usage: gor_dump [--no-dwarf] [--all] [--now NS] EXE CORE\n"
				"       gor_dump layout [--minor N] EXE\n");
		return 2;
	}
	return core_mode(argv[i], argv[i + 1], no_dwarf, all, now);
}
