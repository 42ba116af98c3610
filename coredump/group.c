/*
 * group.c - `gocore --group`: goroutines with the same stack as one block.
 *
 * Two goroutines group together when their state (status or wait reason,
 * without minutes), their logical frames (function, file, line) and their
 * creator (function, file, line) are equal; arguments, addresses, wait
 * minutes and the parent goroutine's id are ignored.  The key is that text;
 * groups live in an open-addressing hash table (FNV-1a, grown at half load),
 * so the work is linear in the goroutines.  Each group keeps its ids (an
 * array grown by doubling) and, from its first goroutine, the text to print.
 *
 * Output, biggest group first (ties: lowest id first), one line per frame,
 * the frames GOTRACEBACK=all would show (runtime frames hidden; the key
 * still holds every frame), at most MAX_GROUP_FRAMES of them:
 *   12000 goroutines [chan receive]: 20-12019
 *   	main.worker at /src/main.go:12
 *   	created by main.main at /src/main.go:30
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "go_runtime.h"
#include "gocore.h"

enum { DEFAULT_MAX_RUNS = 10, MAX_GROUP_FRAMES = 40 };

struct group {
	uint64_t hash;
	char *key;
	char *text;		/* frames and created-by lines to print */
	uint64_t *ids;
	size_t n, cap;
};

struct gocore_groups {
	struct group **slots;
	size_t nslots, count;
};

struct gocore_groups *gocore_groups_create(void)
{
	struct gocore_groups *gr = calloc(1, sizeof(*gr));
	if (!gr)
		return NULL;
	gr->nslots = 1024;
	gr->slots = calloc(gr->nslots, sizeof(*gr->slots));
	if (!gr->slots) {
		free(gr);
		return NULL;
	}
	return gr;
}

void gocore_groups_destroy(struct gocore_groups *gr)
{
	if (!gr)
		return;
	for (size_t i = 0; i < gr->nslots; i++) {
		struct group *g = gr->slots[i];
		if (!g)
			continue;
		free(g->key);
		free(g->text);
		free(g->ids);
		free(g);
	}
	free(gr->slots);
	free(gr);
}

static void kline(struct gocore_out *o, int32_t line)
{
	gocore_out_putc(o, ':');
	gocore_out_i64(o, line);
	gocore_out_putc(o, '\n');
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static bool grow(struct gocore_groups *gr)
{
	size_t n = gr->nslots * 2;
	struct group **slots = calloc(n, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < gr->nslots; i++) {
		struct group *g = gr->slots[i];
		if (!g)
			continue;
		size_t j = g->hash & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = g;
	}
	free(gr->slots);
	gr->slots = slots;
	gr->nslots = n;
	return true;
}

/*
 * The printed frames of a new group, one line each: the frames
 * GOTRACEBACK=all would show (runtime frames hidden, gsc_traceback_showfunc),
 * or, when that hides them all (a runtime goroutine), the outermost frame
 * below runtime.goexit.  Then the creator.  Appended to out.
 */
static void group_text(struct gocore *gc, struct gocore_gor *gor, const char *cfunc,
		       const char *cfile, int32_t cline, struct gocore_out *out)
{
	char name[1024];
	size_t shown = 0, hidden = 0;
	enum gsc_func_kind callee = GSC_FUNC_NORMAL;
	for (size_t i = 0; i < gor->nlf; i++) {
		const struct gsc_unwind_lframe *f = &gor->lf[i];
		bool show = gsc_traceback_showfunc(gc->minor, f->func, f->kind, shown == 0, callee);
		callee = f->kind;
		if (!show) {
			hidden++;
			continue;
		}
		if (shown++ == MAX_GROUP_FRAMES) {
			gocore_out_puts(out, "\t...\n");
			continue;
		}
		if (shown > MAX_GROUP_FRAMES)
			continue;
		gsc_unwind_print_name(gc->minor, f->func, true, name, sizeof(name));
		gocore_out_puts(out, "\t");
		gocore_out_puts(out, name);
		gocore_out_puts(out, " at ");
		gocore_out_puts(out, f->file);
		kline(out, f->line);
	}
	if (!shown && gor->nlf) {
		size_t i = gor->nlf - 1;
		if (i > 0 && gor->lf[i].kind == GSC_FUNC_GOEXIT)
			i--;
		gsc_unwind_print_name(gc->minor, gor->lf[i].func, true, name, sizeof(name));
		gocore_out_puts(out, "\t");
		gocore_out_puts(out, name);
		gocore_out_puts(out, " at ");
		gocore_out_puts(out, gor->lf[i].file);
		kline(out, gor->lf[i].line);
	}
	if (!gor->have_stack)
		gocore_out_puts(out, "\tgoroutine running on other thread; stack unavailable\n");
	if (cfunc) {
		gsc_unwind_print_name(gc->minor, cfunc, false, name, sizeof(name));
		gocore_out_puts(out, "\tcreated by ");
		gocore_out_puts(out, name);
		gocore_out_puts(out, " at ");
		gocore_out_puts(out, cfile);
		kline(out, cline);
	}
	(void)hidden;
}

static struct gsc_error *add_id(struct group *g, uint64_t id)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 4;
		uint64_t *p = realloc(g->ids, cap * sizeof(*p));
		if (!p)
			return &gsc_enomem;
		g->ids = p, g->cap = cap;
	}
	g->ids[g->n++] = id;
	return NULL;
}

/*
 * One goroutine's record for the main thread, written by a worker into its
 * own buffer: "ID\0KEY\0TEXT\0".
 */
struct gsc_error *gocore_group_record(struct gocore *gc, struct gocore_gor *gor,
				      struct gocore_out *out)
{
	struct gsc_error *err = gocore_logical(gc, gor);
	if (err)
		return err;
	gocore_out_u64(out, gor->g->goid);
	gocore_out_putc(out, 0);
	gocore_out_puts(out, gor->state);
	gocore_out_puts(out, gor->have_stack ? "\n" : "\n(no stack)\n");
	for (size_t i = 0; i < gor->nlf; i++) {
		gocore_out_puts(out, gor->lf[i].func);
		gocore_out_putc(out, '\n');
		gocore_out_puts(out, gor->lf[i].file);
		kline(out, gor->lf[i].line);
	}
	const char *cfunc = NULL, *cfile = NULL;
	int32_t cline = 0;
	if (gocore_created_by(gc, gor->g, &cfunc, &cfile, &cline)) {
		gocore_out_puts(out, "created by ");
		gocore_out_puts(out, cfunc);
		gocore_out_putc(out, '\n');
		gocore_out_puts(out, cfile);
		kline(out, cline);
	} else {
		cfunc = NULL;
	}
	gocore_out_putc(out, 0);
	group_text(gc, gor, cfunc, cfile, cline, out);
	gocore_out_putc(out, 0);
	return out->oom ? &gsc_enomem : NULL;
}

static struct gsc_error *add_one(struct gocore_groups *gr, uint64_t goid, const char *key,
				 const char *text)
{
	uint64_t h = fnv1a(key, strlen(key));
	size_t j = h & (gr->nslots - 1);
	for (; gr->slots[j]; j = (j + 1) & (gr->nslots - 1)) {
		struct group *g = gr->slots[j];
		if (g->hash == h && strcmp(g->key, key) == 0)
			return add_id(g, goid);
	}
	struct group *g = calloc(1, sizeof(*g));
	if (!g)
		return &gsc_enomem;
	g->hash = h;
	g->key = strdup(key);
	g->text = strdup(text);
	if (!g->key || !g->text || add_id(g, goid)) {
		free(g->key);
		free(g->text);
		free(g);
		return &gsc_enomem;
	}
	gr->slots[j] = g;
	if (++gr->count * 2 > gr->nslots && !grow(gr))
		return &gsc_enomem;
	return NULL;
}

struct gsc_error *gocore_groups_add_records(struct gocore_groups *gr, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *id = p, *key, *text;
		if (!(key = memchr(p, 0, (size_t)(end - p))) || ++key >= end ||
		    !(text = memchr(key, 0, (size_t)(end - key))) || ++text >= end ||
		    !(p = memchr(text, 0, (size_t)(end - text))))
			return gsc_bad_data("group record truncated");
		p++;
		struct gsc_error *err = add_one(gr, strtoull(id, NULL, 10), key, text);
		if (err)
			return err;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a, *y = *(struct group *const *)b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return cmp_u64(&x->ids[0], &y->ids[0]);
}

void gocore_format_ids(FILE *out, const uint64_t *ids, size_t n, size_t max_runs)
{
	size_t runs = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && ids[j + 1] == ids[j] + 1)
			j++;
		if (max_runs && runs == max_runs) {
			fprintf(out, ",... (%zu more)", n - i);
			return;
		}
		fprintf(out, "%s%" PRIu64, runs ? "," : "", ids[i]);
		if (j > i)
			fprintf(out, "-%" PRIu64, ids[j]);
		runs++;
		i = j + 1;
	}
}

/* The state is the key's first line. */
static void print_state(FILE *out, const char *key)
{
	const char *nl = strchr(key, '\n');
	fwrite(key, 1, nl ? (size_t)(nl - key) : strlen(key), out);
}

void gocore_groups_print(struct gocore_groups *gr, struct gocore *gc, FILE *out)
{
	struct group **all = malloc((gr->count ? gr->count : 1) * sizeof(*all));
	if (!all) {
		gocore_warn("out of memory sorting %zu groups", gr->count);
		return;
	}
	size_t n = 0, total = 0;
	for (size_t i = 0; i < gr->nslots; i++)
		if (gr->slots[i]) {
			all[n++] = gr->slots[i];
			qsort(gr->slots[i]->ids, gr->slots[i]->n, sizeof(uint64_t), cmp_u64);
			total += gr->slots[i]->n;
		}
	qsort(all, n, sizeof(*all), cmp_group);
	fprintf(out, "%zu goroutines in %zu groups\n", total, n);
	for (size_t i = 0; i < n; i++) {
		struct group *g = all[i];
		fprintf(out, "\n%zu goroutine%s [", g->n, g->n == 1 ? "" : "s");
		print_state(out, g->key);
		fputs("]: ", out);
		gocore_format_ids(out, g->ids, g->n, gc->opts->all_ids ? 0 : DEFAULT_MAX_RUNS);
		fputc('\n', out);
		fputs(g->text, out);
	}
	free(all);
}
