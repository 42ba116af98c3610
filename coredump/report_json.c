/*
 * report_json.c - `gocore --json`: one JSON document per core, streamed
 * goroutine by goroutine.  docs/gocore.schema.json describes it.
 *
 * Addresses are "0x..." strings (JSON numbers lose precision past 2^53).
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 become
 * U+FFFD, so the document is always valid UTF-8.
 *
 * pprof labels (g.labels, go-runtime.md §3.6): Go 1.24+ keep a sorted slice
 * of {key, value string}; 1.19-1.23 a *map[string]string, read here from the
 * hmap's buckets (runtime/map.go layout: 8 tophash bytes, 8 keys, 8 values,
 * overflow pointer).  Bounded: at most MAX_LABELS labels.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "core_file.h"
#include "go_runtime.h"
#include "gocore.h"

enum { MAX_LABELS = 64, MAX_LABEL_LEN = 1024 };

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	unsigned v = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return n;
}

void gocore_json_string(struct gocore_out *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	gocore_out_putc(out, '"');
	while (*s) {
		/* the plain run up to the next byte that needs care, in one copy */
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > run)
			gocore_out_put(out, (const char *)run, (size_t)(s - run));
		unsigned c = *s;
		if (!c)
			break;
		if (c == '"' || c == '\\') {
			gocore_out_putc(out, '\\');
			gocore_out_putc(out, (char)c);
			s++;
		} else if (c < 0x20) {
			static const char esc[] = "btn\0fr";
			if (c >= 8 && c <= 13 && esc[c - 8])
				gocore_out_printf(out, "\\%c", esc[c - 8]);
			else
				gocore_out_printf(out, "\\u%04x", c);
			s++;
		} else {
			size_t n = utf8_len(s);
			if (n) {
				gocore_out_put(out, (const char *)s, n);
				s += n;
			} else {
				gocore_out_puts(out, "\\ufffd");
				s++;
			}
		}
	}
	gocore_out_putc(out, '"');
}

static void json_addr(struct gocore_out *out, uint64_t v)
{
	gocore_out_putc(out, '"');
	gocore_out_hex(out, v);
	gocore_out_putc(out, '"');
}

static void json_begin(struct gocore *gc, struct gocore_out *out)
{
	gocore_out_puts(out, "{\n\"exe\": ");
	gocore_json_string(out, gc->opts->exe);
	gocore_out_puts(out, ",\n\"core\": ");
	gocore_json_string(out, gc->opts->core);
	gocore_out_puts(out, ",\n\"go_version\": ");
	gocore_json_string(out, gsc_binary_go_version(gc->bin));
	gocore_out_puts(out, ",\n\"goarch\": ");
	gocore_json_string(out, gc->arch);
	gocore_out_puts(out, ",\n\"signal\": ");
	const struct gsc_core_signal *sig = gsc_core_signal(gc->core);
	if (sig && sig->signo) {
		const char *name = gsc_linux_signal_name(sig->signo);
		gocore_out_printf(out, "{\"number\": %d, \"name\": ", sig->signo);
		gocore_json_string(out, name ? name : "");
		gocore_out_printf(out, ", \"code\": %d, \"addr\": ", sig->code);
		if (sig->has_addr)
			json_addr(out, sig->addr);
		else
			gocore_out_puts(out, "null");
		gocore_out_printf(out, ", \"thread\": %d}", sig->tid);
	} else {
		gocore_out_puts(out, "null");
	}
	gocore_out_puts(out, ",\n\"crashing_goroutine\": ");
	if (gc->crash != SIZE_MAX)
		gocore_out_printf(out, "%" PRIu64, gc->gs[gc->crash].goid);
	else
		gocore_out_puts(out, "null");
	gocore_out_puts(out, ",\n\"panic\": ");
	if (gc->panic.present) {
		gocore_out_printf(out, "{\"goroutine\": %" PRIu64 ", \"type\": ", gc->panic.goid);
		gocore_json_string(out, gc->panic.type);
		gocore_out_puts(out, ", \"value\": ");
		gocore_json_string(out, gc->panic.value ? gc->panic.value : "");
		gocore_out_puts(out, ", \"text\": ");
		gocore_json_string(out, gc->panic.text ? gc->panic.text : "");
		gocore_out_puts(out, "}");
	} else {
		gocore_out_puts(out, "null");
	}
	gocore_out_printf(out, ",\n\"now_ns\": %" PRId64 ",\n\"now_source\": ", gc->now);
	gocore_json_string(out, gc->now_how);
	gocore_out_puts(out, ",\n\"threads\": [");
	for (size_t i = 0; i < gc->nthreads; i++) {
		const struct gocore_thread *t = &gc->threads[i];
		gocore_out_printf(out, "%s\n {\"tid\": %d, \"goroutine\": ", i ? "," : "", t->tid);
		if (t->curg_goid >= 0)
			gocore_out_printf(out, "%" PRId64, t->curg_goid);
		else
			gocore_out_puts(out, "null");
		gocore_out_puts(out, ", \"pc\": ");
		json_addr(out, t->pc);
		gocore_out_puts(out, ", \"sp\": ");
		json_addr(out, t->sp);
		gocore_out_puts(out, "}");
	}
	gocore_out_puts(out, "\n],\n\"goroutines\": [\n");
}

void gocore_json_begin(struct gocore *gc, FILE *f)
{
	struct gocore_out out = {0};
	json_begin(gc, &out);
	if (out.oom)
		gocore_warn("out of memory writing the JSON header");
	gocore_out_flush(&out, f);	/* a write error shows at the final fflush */
	gocore_out_deinit(&out);
}

void gocore_json_end(struct gocore *gc, FILE *out)
{
	fprintf(out, "\n],\n\"goroutine_count\": %zu,\n\"skipped_goroutines\": %zu\n}\n", gc->ngs,
		gc->skipped);
}

/* A Go string {ptr, len} at addr, malloc'd (truncated at MAX_LABEL_LEN); NULL on failure. */
static char *read_string(struct gocore *gc, uint64_t addr)
{
	uint64_t p, n;
	struct gsc_error *err = gsc_target_read_u64(gc->target, addr, &p);
	if (!err)
		err = gsc_target_read_u64(gc->target, addr + 8, &n);
	if (err || n > (1u << 30)) {
		gsc_error_destroy(err);
		return NULL;
	}
	size_t len = n < MAX_LABEL_LEN ? (size_t)n : MAX_LABEL_LEN;
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	if (len && (err = gsc_target_read(gc->target, p, s, len))) {
		gsc_error_destroy(err);
		free(s);
		return NULL;
	}
	s[len] = 0;
	return s;
}

struct labels {
	char *kv[2 * MAX_LABELS];
	size_t n;
};

static void label_add(struct gocore *gc, struct labels *l, uint64_t key_addr, uint64_t val_addr)
{
	if (l->n >= MAX_LABELS)
		return;
	char *k = read_string(gc, key_addr), *v = read_string(gc, val_addr);
	if (!k || !v) {
		free(k);
		free(v);
		return;
	}
	l->kv[2 * l->n] = k;
	l->kv[2 * l->n + 1] = v;
	l->n++;
}

/* Go 1.24+: {list []struct{key, value string}} */
static void labels_slice(struct gocore *gc, uint64_t addr, struct labels *l)
{
	uint64_t p, n;
	struct gsc_error *err = gsc_target_read_u64(gc->target, addr, &p);
	if (!err)
		err = gsc_target_read_u64(gc->target, addr + 8, &n);
	gsc_error_destroy(err);
	if (err)
		return;
	for (uint64_t i = 0; i < n && i < MAX_LABELS; i++)
		label_add(gc, l, p + 32 * i, p + 32 * i + 16);
}

/* The buckets of a map[string]string hmap: tophash >= 5 marks a live entry. */
static void labels_buckets(struct gocore *gc, uint64_t buckets, uint64_t nb, struct labels *l)
{
	enum { BUCKET = 8 + 8 * 16 + 8 * 16 + 8, MAX_STEPS = 4096 };
	size_t steps = 0;
	for (uint64_t i = 0; i < nb && l->n < MAX_LABELS; i++) {
		for (uint64_t b = buckets + i * BUCKET; b && steps < MAX_STEPS; steps++) {
			uint8_t top[8];
			struct gsc_error *err = gsc_target_read(gc->target, b, top, 8);
			if (!err)
				for (int k = 0; k < 8; k++)
					if (top[k] >= 5)
						label_add(gc, l, b + 8 + 16 * k, b + 8 + 128 + 16 * k);
			if (!err)
				err = gsc_target_read_u64(gc->target, b + BUCKET - 8, &b);
			if (err) {
				gsc_error_destroy(err);
				break;
			}
		}
	}
}

/* Go 1.19-1.23: labels points at a map[string]string (an *hmap). */
static void labels_map(struct gocore *gc, uint64_t addr, struct labels *l)
{
	uint64_t h, buckets, old;
	uint8_t hdr[16];
	struct gsc_error *err = gsc_target_read_u64(gc->target, addr, &h);
	if (!err && h)
		err = gsc_target_read(gc->target, h, hdr, sizeof(hdr));
	if (!err && h)
		err = gsc_target_read_u64(gc->target, h + 16, &buckets);
	if (!err && h)
		err = gsc_target_read_u64(gc->target, h + 24, &old);
	if (err || !h) {
		gsc_error_destroy(err);
		return;
	}
	unsigned B = hdr[9];
	if (B > 16)
		return;
	if (buckets)
		labels_buckets(gc, buckets, 1ull << B, l);
	if (old && B)	/* growing: entries not yet evacuated still count */
		labels_buckets(gc, old, 1ull << (B - 1), l);
}

static void print_labels(struct gocore *gc, const struct gsc_goroutine *g,
			 struct gocore_out *out)
{
	struct labels l = {.n = 0};
	if (g->labels) {
		if (gc->minor >= 24)
			labels_slice(gc, g->labels, &l);
		else
			labels_map(gc, g->labels, &l);
	}
	gocore_out_puts(out, "{");
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			gocore_out_puts(out, ", ");
		gocore_json_string(out, l.kv[2 * i]);
		gocore_out_puts(out, ": ");
		gocore_json_string(out, l.kv[2 * i + 1]);
		free(l.kv[2 * i]);
		free(l.kv[2 * i + 1]);
	}
	gocore_out_puts(out, "}");
}

/* "0x1, {0x2, 0x3}, 0x4?" -> ["0x1", "{0x2, 0x3}", "0x4?"] */
static void print_args(const char *s, struct gocore_out *out)
{
	gocore_out_puts(out, "[");
	int depth = 0;
	const char *start = s;
	bool first = true;
	for (const char *p = s;; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}')
			depth--;
		if (*p == 0 || (depth == 0 && p[0] == ',' && p[1] == ' ')) {
			if (p > start) {
				char *item = strndup(start, (size_t)(p - start));
				if (!first)
					gocore_out_puts(out, ", ");
				gocore_json_string(out, item);
				free(item);
				first = false;
			}
			if (*p == 0)
				break;
			p++;
			start = p + 1;
		}
	}
	gocore_out_puts(out, "]");
}

static struct gsc_error *print_frames(struct gocore *gc, struct gocore_gor *gor,
				       struct gocore_out *out)
{
	struct gsc_error *err = gocore_logical(gc, gor);
	if (err)
		return err;
	gocore_out_puts(out, "[");
	for (size_t i = 0; i < gor->nlf; i++) {
		const struct gsc_unwind_lframe *lf = &gor->lf[i];
		const struct gsc_unwind_frame *pf = &gor->u.frames[lf->phys];
		gocore_out_puts(out, i ? ",\n  {\"func\": " : "\n  {\"func\": ");
		gocore_json_string(out, lf->func);
		gocore_out_puts(out, ", \"file\": ");
		gocore_json_string(out, lf->file);
		gocore_out_puts(out, ", \"line\": ");
		gocore_out_i64(out, lf->line);
		gocore_out_puts(out, ", \"pc\": ");
		json_addr(out, pf->pc);
		gocore_out_puts(out, ", \"sp\": ");
		json_addr(out, pf->sp);
		gocore_out_puts(out, ", \"fp\": ");
		json_addr(out, pf->fp);
		gocore_out_puts(out, lf->inlined ? ", \"inlined\": true, \"args\": "
					     : ", \"inlined\": false, \"args\": ");
		char *args = NULL;
		if (!lf->inlined && pf->is_go && (err = gsc_unwind_args(gc->uw, pf, &args)))
			return err;
		print_args(args ? args : "", out);
		free(args);
		gocore_out_puts(out, "}");
	}
	gocore_out_puts(out, "]");
	return NULL;
}

struct gsc_error *gocore_json_goroutine(struct gocore *gc, struct gocore_gor *gor,
					struct gocore_out *out)
{
	const struct gsc_goroutine *g = gor->g;
	uint32_t st = g->status & ~(uint32_t)GSC_G_SCAN;
	gocore_out_puts(out, "{\"id\": ");
	gocore_out_u64(out, g->goid);
	gocore_out_puts(out, ", \"status\": ");
	gocore_json_string(out, g->status_name);
	gocore_out_puts(out, ", \"wait_reason\": ");
	if ((st == GSC_G_WAITING || st == GSC_G_LEAKED) && g->wait_reason)
		gocore_json_string(out, g->wait_reason);
	else
		gocore_out_puts(out, "null");
	int64_t minutes = 0;
	if ((st == GSC_G_WAITING || st == GSC_G_SYSCALL) && g->waitsince && gc->now > g->waitsince)
		minutes = (gc->now - g->waitsince) / 60000000000LL;
	gocore_out_printf(out,
			  ", \"wait_minutes\": %" PRId64 ", \"locked_to_thread\": %s, \"thread\": ",
			  minutes, g->lockedm ? "true" : "false");
	if (gor->tid)
		gocore_out_printf(out, "%d", gor->tid);
	else
		gocore_out_puts(out, "null");
	gocore_out_puts(out, ", \"gp\": ");
	json_addr(out, g->addr);
	gocore_out_puts(out, ", \"m\": ");
	if (g->m && g->m_id >= 0)
		gocore_out_printf(out, "%" PRId64, g->m_id);
	else
		gocore_out_puts(out, "null");
	gocore_out_puts(out, ", \"labels\": ");
	print_labels(gc, g, out);
	gocore_out_puts(out, gor->have_stack ? ", \"stack_available\": true, \"stack_end\": "
					     : ", \"stack_available\": false, \"stack_end\": ");
	gocore_json_string(out, gor->have_stack ? gsc_unwind_stop_name(gor->u.stop) : "no thread");
	gocore_out_puts(out, ",\n \"frames\": ");
	struct gsc_error *err = print_frames(gc, gor, out);
	if (err)
		return err;
	gocore_out_puts(out, ",\n \"created_by\": ");
	const char *func, *file;
	int32_t line;
	if (gocore_created_by(gc, g, &func, &file, &line)) {
		gocore_out_puts(out, "{\"func\": ");
		gocore_json_string(out, func);
		gocore_out_puts(out, ", \"file\": ");
		gocore_json_string(out, file);
		gocore_out_printf(out, ", \"line\": %d, \"pc\": ", line);
		json_addr(out, g->gopc);
		gocore_out_puts(out, ", \"goroutine\": ");
		if (g->parent_goid)
			gocore_out_printf(out, "%" PRIu64 "}", g->parent_goid);
		else
			gocore_out_puts(out, "null}");
	} else {
		gocore_out_puts(out, "null");
	}
	gocore_out_puts(out, "}");
	return NULL;
}
