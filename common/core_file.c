/* core_file.c - Linux ELF cores: segments, notes, layered memory, the core target. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "core_file.h"

enum {
	ET_CORE_ = 4,		/* ELF e_type of a core (elf.h's ET_CORE) */
	PT_LOAD_ = 1,
	PT_NOTE_ = 4,
	MAX_WARNINGS = 32,	/* then one "... more" line */
	/* Layouts shared by both arches (LP64 Linux): include/uapi/linux/elfcore.h. */
	PRPSINFO_SIZE = 136,	/* struct elf_prpsinfo */
	PRPSINFO_UID = 16, PRPSINFO_GID = 20, PRPSINFO_PID = 24, PRPSINFO_PPID = 28,
	PRPSINFO_FNAME = 40, PRPSINFO_FNAME_LEN = 16,
	PRPSINFO_PSARGS = 56, PRPSINFO_PSARGS_LEN = 80,
	PRSTATUS_SIGPEND = 16, PRSTATUS_SIGHOLD = 24,
	/* siginfo_t (include/uapi/asm-generic/siginfo.h), 64-bit: the union starts at 16. */
	SIGINFO_MIN = 24,
	SIGINFO_ERRNO = 4, SIGINFO_CODE = 8, SIGINFO_ADDR = 16, SIGINFO_PID = 16, SIGINFO_UID = 20,
	/* NT_FILE (fs/binfmt_elf.c fill_files_note): count, page_size, count * {start, end, pgoff}, names. */
	NTFILE_HEADER = 16, NTFILE_ENTRY = 24,
};

/* One core PT_LOAD, sorted by start: [start, filed) was dumped, [start, present) is in the file. */
struct seg {
	uint64_t start;
	uint64_t end;		/* start + memsz */
	uint64_t filed;		/* start + filesz: the bytes the core claims to hold */
	uint64_t present;	/* start + what the (maybe truncated) file really holds */
	const uint8_t *data;
};

/* A readable run of memory; pieces are sorted and never overlap. */
struct piece {
	uint64_t start;
	uint64_t end;
	const uint8_t *data;
};

struct range {
	uint64_t start;
	uint64_t end;
};

struct added_elf {
	struct gsc_elf *elf;
	uint64_t bias;
};

struct thread_priv {
	struct gsc_core_thread pub;	/* first: gsc_core_thread() hands out &pub */
	size_t note_first;
};

struct gsc_core {
	struct gsc_elf *elf;
	const uint8_t *image;
	size_t image_size;
	bool le;
	const struct gsc_arch_info *ai;
	struct gsc_target target;

	struct seg *segs;
	size_t nsegs;
	struct piece *pieces;
	size_t npieces;
	struct added_elf *added;
	size_t nadded;
	bool have_exe;
	uint64_t bias;

	struct thread_priv *threads;
	size_t nthreads;
	size_t *by_tid;			/* thread indices sorted by tid */
	struct gsc_core_note *notes;	/* per-thread raw notes, grouped by thread */
	size_t nnotes;
	bool in_thread;			/* the last NT_PRSTATUS was usable: notes attach to it */

	struct gsc_core_note *pnotes;	/* process-wide notes, raw */
	size_t npnotes;
	size_t pnotes_cap;
	struct gsc_core_signal signal;
	struct gsc_core_psinfo psinfo;
	const uint8_t *auxv;		/* pairs of u64, AT_NULL excluded */
	size_t nauxv;
	struct gsc_core_mapping *mappings;
	size_t nmappings;
	bool seen_siginfo, seen_auxv, seen_file;

	char **warnings;		/* NULL-terminated */
	size_t nwarnings;
	bool warnings_full;
};

static void warn(struct gsc_core *c, const char *fmt, ...) GSC_PRINTF(2, 3);

/*
 * Warnings are advice: at most MAX_WARNINGS, then one line saying more were
 * left out; one that cannot be allocated is dropped, not fatal.
 */
static void warn(struct gsc_core *c, const char *fmt, ...)
{
	char buf[512];
	if (c->warnings_full)
		return;
	if (c->nwarnings >= MAX_WARNINGS) {
		c->warnings_full = true;
		snprintf(buf, sizeof(buf), "further warnings left out");
	} else {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
	}
	char **w = realloc(c->warnings, (c->nwarnings + 2) * sizeof(*w));
	if (!w)
		return;
	c->warnings = w;
	w[c->nwarnings] = strdup(buf);
	if (w[c->nwarnings])
		c->nwarnings++;
	w[c->nwarnings] = NULL;
}

/* Grow *arr (of elem-size items, *cap of them) to hold n+1. */
static struct gsc_error *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return NULL;
	size_t ncap = *cap ? *cap * 2 : 16;
	size_t bytes;
	if (ncap <= n || gsc_mul_overflow(ncap, elem, &bytes))
		return &gsc_enomem;
	void *p = realloc(*(void **)arr, bytes);
	if (!p)
		return &gsc_enomem;
	*(void **)arr = p;
	*cap = ncap;
	return NULL;
}

/* ---- notes ---- */

struct note_walk {
	struct gsc_core *core;
	size_t threads_cap;
	size_t notes_cap;
	size_t nprstatus;
};

static struct gsc_error *note_prstatus(struct note_walk *w, const struct gsc_elf_note *n)
{
	struct gsc_core *c = w->core;
	const struct gsc_arch_info *ai = c->ai;
	size_t idx = w->nprstatus++;
	c->in_thread = false;
	if (n->desc_size < ai->prstatus_reg_offset + ai->prstatus_reg_size) {
		warn(c, "NT_PRSTATUS #%zu is %" PRIu32 " bytes, %s needs %zu: thread skipped", idx,
		     n->desc_size, ai->name, ai->prstatus_reg_offset + ai->prstatus_reg_size);
		return NULL;
	}
	struct gsc_error *err = grow(&c->threads, &w->threads_cap, c->nthreads, sizeof(*c->threads));
	if (err)
		return err;
	struct thread_priv *t = &c->threads[c->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pub.tid = (int32_t)gsc_load32(n->desc + ai->prstatus_pid_offset, c->le);
	t->pub.cursig = gsc_load16(n->desc + ai->prstatus_cursig_offset, c->le);
	t->pub.sigpend = gsc_load64(n->desc + PRSTATUS_SIGPEND, c->le);
	t->pub.sighold = gsc_load64(n->desc + PRSTATUS_SIGHOLD, c->le);
	gsc_arch_regs_from_prstatus(ai, n->desc + ai->prstatus_reg_offset, ai->prstatus_reg_size,
				    c->le, &t->pub.regs);
	t->note_first = c->nnotes;
	c->in_thread = true;
	return NULL;
}

static void note_siginfo(struct gsc_core *c, const struct gsc_elf_note *n)
{
	if (c->seen_siginfo)
		return;
	if (n->desc_size < SIGINFO_MIN) {
		warn(c, "NT_SIGINFO is %" PRIu32 " bytes, too short: ignored", n->desc_size);
		return;
	}
	c->seen_siginfo = true;
	struct gsc_core_signal *s = &c->signal;
	memset(s, 0, sizeof(*s));
	s->from_siginfo = true;
	s->signo = (int32_t)gsc_load32(n->desc, c->le);
	s->errnum = (int32_t)gsc_load32(n->desc + SIGINFO_ERRNO, c->le);
	s->code = (int32_t)gsc_load32(n->desc + SIGINFO_CODE, c->le);
	s->tid = c->in_thread ? c->threads[c->nthreads - 1].pub.tid : 0;
	/* The union member in use: include/uapi/asm-generic/siginfo.h, "SIGILL, SIGFPE, SIGSEGV, SIGBUS, SIGTRAP". */
	bool fault = s->signo == GSC_SIGSEGV || s->signo == GSC_SIGBUS || s->signo == GSC_SIGILL ||
		     s->signo == GSC_SIGFPE || s->signo == GSC_SIGTRAP;
	if (fault && s->code > 0) {
		s->has_addr = true;
		s->addr = gsc_load64(n->desc + SIGINFO_ADDR, c->le);
	} else if (s->code <= 0) {	/* SI_USER, SI_QUEUE, SI_TKILL, ...: sent by a process */
		s->has_sender = true;
		s->sender_pid = (int32_t)gsc_load32(n->desc + SIGINFO_PID, c->le);
		s->sender_uid = gsc_load32(n->desc + SIGINFO_UID, c->le);
	}
}

static void copy_cstr(char *dst, const uint8_t *src, size_t max)
{
	size_t len = 0;
	while (len < max && src[len])
		len++;
	memcpy(dst, src, len);
	dst[len] = 0;
}

static void note_prpsinfo(struct gsc_core *c, const struct gsc_elf_note *n)
{
	if (c->psinfo.present)
		return;
	if (n->desc_size < PRPSINFO_SIZE) {
		warn(c, "NT_PRPSINFO is %" PRIu32 " bytes, expected %d: ignored", n->desc_size,
		     PRPSINFO_SIZE);
		return;
	}
	struct gsc_core_psinfo *p = &c->psinfo;
	p->present = true;
	p->state = (char)n->desc[1];	/* pr_sname */
	p->uid = gsc_load32(n->desc + PRPSINFO_UID, c->le);
	p->gid = gsc_load32(n->desc + PRPSINFO_GID, c->le);
	p->pid = (int32_t)gsc_load32(n->desc + PRPSINFO_PID, c->le);
	p->ppid = (int32_t)gsc_load32(n->desc + PRPSINFO_PPID, c->le);
	copy_cstr(p->fname, n->desc + PRPSINFO_FNAME, PRPSINFO_FNAME_LEN);
	copy_cstr(p->psargs, n->desc + PRPSINFO_PSARGS, PRPSINFO_PSARGS_LEN);
	/* The kernel turns the argument NULs into spaces, the last one included. */
	size_t len = strlen(p->psargs);
	while (len && p->psargs[len - 1] == ' ')
		p->psargs[--len] = 0;
}

static void note_auxv(struct gsc_core *c, const struct gsc_elf_note *n)
{
	if (c->seen_auxv)
		return;
	c->seen_auxv = true;
	size_t count = n->desc_size / 16;
	for (size_t i = 0; i < count; i++) {
		if (gsc_load64(n->desc + i * 16, c->le) == GSC_AT_NULL) {
			count = i;
			break;
		}
	}
	c->auxv = n->desc;
	c->nauxv = count;
}

static int mapping_cmp(const void *a, const void *b)
{
	const struct gsc_core_mapping *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static struct gsc_error *note_file(struct gsc_core *c, const struct gsc_elf_note *n)
{
	if (c->seen_file)
		return NULL;
	c->seen_file = true;
	if (n->desc_size < NTFILE_HEADER) {
		warn(c, "NT_FILE is %" PRIu32 " bytes, too short: ignored", n->desc_size);
		return NULL;
	}
	uint64_t count = gsc_load64(n->desc, c->le);
	uint64_t page = gsc_load64(n->desc + 8, c->le);
	if (count > (n->desc_size - NTFILE_HEADER) / NTFILE_ENTRY) {
		warn(c, "NT_FILE claims %" PRIu64 " mappings in %" PRIu32 " bytes: ignored", count,
		     n->desc_size);
		return NULL;
	}
	if (page == 0 || (page & (page - 1)) || page > ((uint64_t)1 << 30)) {
		warn(c, "NT_FILE page size %" PRIu64 " is not a page size: ignored", page);
		return NULL;
	}
	c->mappings = calloc(count ? count : 1, sizeof(*c->mappings));
	if (!c->mappings)
		return &gsc_enomem;
	size_t names = NTFILE_HEADER + (size_t)count * NTFILE_ENTRY;
	size_t bad = 0;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = n->desc + NTFILE_HEADER + i * NTFILE_ENTRY;
		const char *path = gsc_cstr_at(n->desc, n->desc_size, names);
		if (!path) {
			warn(c, "NT_FILE: names end after %" PRIu64 " of %" PRIu64 " mappings", i, count);
			break;
		}
		names += strlen(path) + 1;
		struct gsc_core_mapping m = {
			.start = gsc_load64(e, c->le), .end = gsc_load64(e + 8, c->le), .path = path,
		};
		if (m.start >= m.end || gsc_mul_overflow(gsc_load64(e + 16, c->le), page, &m.offset)) {
			bad++;
			continue;
		}
		c->mappings[c->nmappings++] = m;
	}
	if (bad)
		warn(c, "NT_FILE: %zu malformed mappings skipped", bad);
	qsort(c->mappings, c->nmappings, sizeof(*c->mappings), mapping_cmp);
	return NULL;
}

/*
 * Notes the kernel writes once per process: after the first thread's
 * NT_PRSTATUS (fs/binfmt_elf.c write_note_info), and NT_X86_XSAVE_LAYOUT
 * (Linux 6.11+) after the last thread's.
 */
static bool process_note(const struct gsc_elf_note *n)
{
	if (strcmp(n->owner, "CORE") == 0)
		return n->type == GSC_NT_PRPSINFO || n->type == GSC_NT_AUXV ||
		       n->type == GSC_NT_SIGINFO || n->type == GSC_NT_FILE;
	return strcmp(n->owner, "LINUX") == 0 && n->type == GSC_NT_X86_XSAVE_LAYOUT;
}

static struct gsc_error *keep_process_note(struct gsc_core *c, const struct gsc_elf_note *n)
{
	struct gsc_error *err = grow(&c->pnotes, &c->pnotes_cap, c->npnotes, sizeof(*c->pnotes));
	if (err)
		return err;
	c->pnotes[c->npnotes++] = (struct gsc_core_note){
		.type = n->type, .owner = n->owner, .desc = n->desc, .size = n->desc_size,
	};
	return NULL;
}

static struct gsc_error *note_thread_raw(struct note_walk *w, const struct gsc_elf_note *n)
{
	struct gsc_core *c = w->core;
	if (!c->in_thread)
		return NULL;	/* belongs to no (usable) thread */
	struct gsc_error *err = grow(&c->notes, &w->notes_cap, c->nnotes, sizeof(*c->notes));
	if (err)
		return err;
	c->notes[c->nnotes++] = (struct gsc_core_note){
		.type = n->type, .owner = n->owner, .desc = n->desc, .size = n->desc_size,
	};
	return NULL;
}

static struct gsc_error *on_note(const struct gsc_elf_note *n, void *arg)
{
	struct note_walk *w = arg;
	struct gsc_core *c = w->core;
	bool core_owner = strcmp(n->owner, "CORE") == 0;
	if (core_owner && n->type == GSC_NT_PRSTATUS)
		return note_prstatus(w, n);
	if (process_note(n)) {
		struct gsc_error *err = keep_process_note(c, n);
		if (err)
			return err;
		switch (n->type) {
		case GSC_NT_PRPSINFO: note_prpsinfo(c, n); return NULL;
		case GSC_NT_AUXV: note_auxv(c, n); return NULL;
		case GSC_NT_SIGINFO: note_siginfo(c, n); return NULL;
		case GSC_NT_FILE: return note_file(c, n);
		default: return NULL;
		}
	}
	return note_thread_raw(w, n);
}

static void sort_by_tid(struct gsc_core *c)
{
	/* Insertion sort: threads are few (one per M) and usually already ordered. */
	for (size_t i = 0; i < c->nthreads; i++) {
		size_t v = i, j = i;
		for (; j > 0 && c->threads[c->by_tid[j - 1]].pub.tid > c->threads[v].pub.tid; j--)
			c->by_tid[j] = c->by_tid[j - 1];
		c->by_tid[j] = v;
	}
}

static struct gsc_error *finish_threads(struct gsc_core *c)
{
	for (size_t i = 0; i < c->nthreads; i++) {
		struct thread_priv *t = &c->threads[i];
		size_t end = i + 1 < c->nthreads ? c->threads[i + 1].note_first : c->nnotes;
		t->pub.notes = c->notes ? c->notes + t->note_first : NULL;
		t->pub.nnotes = end - t->note_first;
	}
	c->by_tid = calloc(c->nthreads ? c->nthreads : 1, sizeof(*c->by_tid));
	if (!c->by_tid)
		return &gsc_enomem;
	sort_by_tid(c);
	for (size_t i = 1; i < c->nthreads; i++)
		if (c->threads[c->by_tid[i]].pub.tid == c->threads[c->by_tid[i - 1]].pub.tid)
			warn(c, "two threads with tid %" PRId32 " in the core",
			     c->threads[c->by_tid[i]].pub.tid);
	if (c->nthreads == 0)
		warn(c, "no threads (NT_PRSTATUS notes) in the core");
	/* No NT_SIGINFO (older kernels, some producers): the dumping thread's pr_cursig. */
	if (!c->seen_siginfo && c->nthreads && c->threads[0].pub.cursig) {
		c->signal.signo = c->threads[0].pub.cursig;
		c->signal.tid = c->threads[0].pub.tid;
	}
	return NULL;
}

static struct gsc_error *read_notes(struct gsc_core *c)
{
	struct note_walk w = { .core = c };
	size_t n = gsc_elf_num_segments(c->elf);
	for (size_t i = 0; i < n; i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(c->elf, i);
		if (p->type != PT_NOTE_ || p->offset >= c->image_size)
			continue;
		/* A truncated note segment is walked as far as it goes (the truncation is warned about). */
		size_t size = (size_t)(p->filesz < c->image_size - p->offset ?
				       p->filesz : c->image_size - p->offset);
		struct gsc_error *err = gsc_elf_walk_notes(c->image + p->offset, size, c->le, on_note, &w);
		if (err && err->code == GSC_ERR_BAD_DATA) {
			warn(c, "notes: %s; %zu threads read before it", err->message, c->nthreads);
			gsc_error_destroy(err);
		} else if (err) {
			return err;
		}
	}
	return finish_threads(c);
}

/* ---- segments and memory ---- */

static int seg_cmp(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int piece_cmp(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static void warn_truncated(struct gsc_core *c, uint64_t want)
{
	uint64_t first_missing = UINT64_MAX;
	size_t incomplete = 0, loads = 0;
	for (size_t i = 0; i < c->nsegs; i++) {
		loads++;
		if (c->segs[i].present < c->segs[i].filed) {
			incomplete++;
			if (c->segs[i].present < first_missing)
				first_missing = c->segs[i].present;
		}
	}
	const double mib = 1024.0 * 1024.0;
	if (incomplete)
		warn(c, "core truncated: %.1f of %.1f MiB present; %zu of %zu segments incomplete, "
		     "reads from 0x%" PRIx64 " on fail", (double)c->image_size / mib, (double)want / mib,
		     incomplete, loads, first_missing);
	else
		warn(c, "core truncated: %.1f of %.1f MiB present (notes cut short)",
		     (double)c->image_size / mib, (double)want / mib);
}

static struct gsc_error *read_segments(struct gsc_core *c)
{
	size_t n = gsc_elf_num_segments(c->elf);
	c->segs = calloc(n ? n : 1, sizeof(*c->segs));
	if (!c->segs)
		return &gsc_enomem;
	uint64_t want = 0;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(c->elf, i);
		uint64_t fend;
		if (p->type != PT_LOAD_ && p->type != PT_NOTE_)
			continue;
		if (gsc_add_overflow(p->offset, p->filesz, &fend)) {
			bad++;
			continue;
		}
		if (fend > want)
			want = fend;
		if (p->type != PT_LOAD_)
			continue;
		struct seg s = { .start = p->vaddr };
		if (gsc_add_overflow(p->vaddr, p->memsz, &s.end) || p->filesz > p->memsz) {
			bad++;
			continue;
		}
		uint64_t avail = p->offset < c->image_size ? c->image_size - p->offset : 0;
		s.filed = s.start + p->filesz;
		s.present = s.start + (p->filesz < avail ? p->filesz : avail);
		s.data = p->offset < c->image_size ? c->image + p->offset : NULL;
		c->segs[c->nsegs++] = s;
	}
	if (bad)
		warn(c, "%zu program headers with impossible sizes ignored", bad);
	qsort(c->segs, c->nsegs, sizeof(*c->segs), seg_cmp);
	if (want > c->image_size)
		warn_truncated(c, want);
	return NULL;
}

/* The ranges already served: every core byte the core claims, then every piece. */
static struct gsc_error *covered_ranges(const struct gsc_core *c, struct range **ret, size_t *n_ret)
{
	size_t n = c->nsegs + c->npieces, k = 0;
	struct range *r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		return &gsc_enomem;
	for (size_t i = 0; i < c->nsegs; i++)
		if (c->segs[i].filed > c->segs[i].start)
			r[k++] = (struct range){ c->segs[i].start, c->segs[i].filed };
	for (size_t i = 0; i < c->npieces; i++)
		r[k++] = (struct range){ c->pieces[i].start, c->pieces[i].end };
	qsort(r, k, sizeof(*r), range_cmp);
	*ret = r;
	*n_ret = k;
	return NULL;
}


/* Append the parts of [start, end) not in the sorted ranges cov as pieces over data. */
static struct gsc_error *add_uncovered(struct piece **pieces, size_t *n, size_t *cap,
				       const struct range *cov, size_t ncov, uint64_t start,
				       uint64_t end, const uint8_t *data)
{
	uint64_t at = start;
	for (size_t i = 0; i <= ncov && at < end; i++) {
		uint64_t hole_end = i < ncov && cov[i].start < end ? cov[i].start : end;
		if (i < ncov && cov[i].end <= at)
			continue;
		if (hole_end > at) {
			struct gsc_error *err = grow(pieces, cap, *n, sizeof(**pieces));
			if (err)
				return err;
			(*pieces)[(*n)++] = (struct piece){ at, hole_end, data + (at - start) };
		}
		if (i < ncov && cov[i].end > at)
			at = cov[i].end;
	}
	return NULL;
}

/* Rebuild the sorted piece array: the core's dumped bytes, then each added ELF under them. */
static struct gsc_error *rebuild_pieces(struct gsc_core *c)
{
	free(c->pieces);
	c->pieces = NULL;
	c->npieces = 0;
	size_t cap = 0;
	uint64_t last_end = 0;
	for (size_t i = 0; i < c->nsegs; i++) {
		struct seg *s = &c->segs[i];
		uint64_t start = s->start > last_end ? s->start : last_end;	/* overlaps: first wins */
		if (s->present <= start)
			continue;
		struct gsc_error *err = grow(&c->pieces, &cap, c->npieces, sizeof(*c->pieces));
		if (err)
			return err;
		c->pieces[c->npieces++] = (struct piece){ start, s->present, s->data + (start - s->start) };
		last_end = s->present;
	}
	for (size_t a = 0; a < c->nadded; a++) {
		size_t image_size;
		const uint8_t *image = gsc_elf_image(c->added[a].elf, &image_size);
		size_t nseg = gsc_elf_num_segments(c->added[a].elf);
		for (size_t i = 0; i < nseg; i++) {
			const struct gsc_elf_segment *p = gsc_elf_segment(c->added[a].elf, i);
			uint64_t start, end, len;
			if (p->type != PT_LOAD_ || p->offset >= image_size)
				continue;
			len = p->filesz < image_size - p->offset ? p->filesz : image_size - p->offset;
			if (len == 0 || gsc_add_overflow(p->vaddr, c->added[a].bias, &start) ||
			    gsc_add_overflow(start, len, &end))
				continue;
			struct range *cov;
			size_t ncov;
			struct gsc_error *err = covered_ranges(c, &cov, &ncov);
			if (err)
				return err;
			err = add_uncovered(&c->pieces, &c->npieces, &cap, cov, ncov, start, end,
					    image + p->offset);
			free(cov);
			if (err)
				return err;
			qsort(c->pieces, c->npieces, sizeof(*c->pieces), piece_cmp);
		}
	}
	return NULL;
}

/* Index of the last element (of n, each elem bytes, uint64 start first) with start <= addr, or n. */
static size_t find_le(const void *arr, size_t n, size_t elem, uint64_t addr)
{
	size_t lo = 0, hi = n;
	const uint8_t *base = arr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (*(const uint64_t *)(const void *)(base + mid * elem) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : n;
}

static const struct piece *find_piece(const struct gsc_core *c, uint64_t addr)
{
	size_t i = find_le(c->pieces, c->npieces, sizeof(*c->pieces), addr);
	return i < c->npieces && addr < c->pieces[i].end ? &c->pieces[i] : NULL;
}

static struct gsc_error *fault(const struct gsc_core *c, uint64_t addr, uint64_t size)
{
	const char *why = "not mapped in the core";
	size_t i = find_le(c->segs, c->nsegs, sizeof(*c->segs), addr);
	if (i < c->nsegs && addr < c->segs[i].end) {
		if (addr < c->segs[i].filed)
			why = "lost: the core file is truncated";
		else if (c->nadded)
			why = "mapped, but neither dumped in the core nor in the executable's file";
		else
			why = "mapped, but not dumped in the core (and no executable added)";
	}
	struct gsc_error *err = gsc_error_create(GSC_ERR_FAULT,
		"cannot read %" PRIu64 " byte%s at 0x%" PRIx64 ": %s", size, size == 1 ? "" : "s",
		addr, why);
	if (err != &gsc_enomem)
		err->address = addr;
	return err;
}

struct gsc_error *gsc_core_read(const struct gsc_core *c, uint64_t addr, void *buf, size_t size)
{
	uint8_t *out = buf;
	const struct piece *p = find_piece(c, addr);
	const struct piece *last = c->pieces + c->npieces;
	while (size) {
		if (!p || p == last || addr < p->start || addr >= p->end)
			return fault(c, addr, size);
		uint64_t n = p->end - addr < size ? p->end - addr : size;
		memcpy(out, p->data + (addr - p->start), (size_t)n);
		out += n;
		size -= (size_t)n;
		addr += n;
		p++;	/* the next piece, readable only if it starts exactly at addr */
	}
	return NULL;
}

struct gsc_error *gsc_core_span(const struct gsc_core *c, uint64_t addr, const uint8_t **ret,
				size_t *len_ret)
{
	const struct piece *p = find_piece(c, addr);
	if (!p)
		return fault(c, addr, 1);
	uint64_t len = p->end - addr;
	*ret = p->data + (addr - p->start);
	*len_ret = len > SIZE_MAX ? SIZE_MAX : (size_t)len;
	return NULL;
}

/* ---- open / destroy ---- */

static struct gsc_error *check_header(struct gsc_core *c)
{
	const char *path = gsc_elf_path(c->elf);
	if (!gsc_elf_is_64(c->elf))
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "%s: 32-bit cores are not supported", path);
	if (!c->le)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "%s: big-endian cores are not supported",
					path);
	if (gsc_elf_type(c->elf) != ET_CORE_)
		return gsc_error_create(GSC_ERR_INVALID_ARG,
			"%s: not a core file (ELF type %u%s)", path, gsc_elf_type(c->elf),
			gsc_elf_type(c->elf) == 2 || gsc_elf_type(c->elf) == 3 ?
			", an executable or shared object: are EXE and CORE swapped?" : "");
	c->ai = gsc_arch_info(gsc_elf_arch(c->elf));
	if (!c->ai)
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
			"%s: core of machine %u; only amd64 and arm64 are supported", path,
			gsc_elf_machine(c->elf));
	/* libelf drops program headers it cannot read: a core cut inside them is unusable. */
	size_t isz;
	const uint8_t *img = gsc_elf_image(c->elf, &isz);
	uint16_t phnum = isz >= 64 ? gsc_load16(img + 56, c->le) : 0;
	if (phnum != 0xffff && gsc_elf_num_segments(c->elf) < phnum)
		return gsc_bad_data("%s: truncated or corrupt program headers (%zu of %u readable)",
				    path, gsc_elf_num_segments(c->elf), phnum);
	if (gsc_elf_num_segments(c->elf) == 0)
		return gsc_bad_data("%s: core has no program headers", path);
	return NULL;
}

static struct gsc_error *threads_op(void *priv, int32_t **tids_ret, size_t *count_ret);
static struct gsc_error *read_regs_op(void *priv, int32_t tid, struct gsc_regs *ret);
static struct gsc_error *read_mem_op(void *priv, uint64_t addr, void *buf, size_t size)
{
	return gsc_core_read(priv, addr, buf, size);
}

static const struct gsc_target_ops core_ops = {
	.name = "core",
	.read_mem = read_mem_op,
	.threads = threads_op,
	.read_regs = read_regs_op,
};

/* Takes elf (destroyed on failure too). */
static struct gsc_error *core_from_elf(struct gsc_elf *elf, struct gsc_core **ret)
{
	struct gsc_core *c = calloc(1, sizeof(*c));
	if (!c) {
		gsc_elf_destroy(elf);
		return &gsc_enomem;
	}
	c->elf = elf;
	c->image = gsc_elf_image(elf, &c->image_size);
	c->le = gsc_elf_little_endian(elf);
	struct gsc_error *err = check_header(c);
	if (!err)
		err = read_segments(c);
	if (!err)
		err = read_notes(c);
	if (!err)
		err = rebuild_pieces(c);
	if (err) {
		gsc_core_destroy(c);
		return err;
	}
	c->target = (struct gsc_target){
		.ops = &core_ops, .priv = c, .arch = c->ai->arch, .arch_info = c->ai,
		.little_endian = c->le, .ptr_size = 8,
	};
	*ret = c;
	return NULL;
}

struct gsc_error *gsc_core_open(const char *path, struct gsc_core **ret)
{
	struct gsc_elf *elf;
	struct gsc_error *err = gsc_elf_open(path, &elf);
	if (err)
		return err;
	return core_from_elf(elf, ret);
}

struct gsc_error *gsc_core_open_memory(const void *data, size_t size, const char *name,
				       struct gsc_core **ret)
{
	struct gsc_elf *elf;
	struct gsc_error *err = gsc_elf_open_memory(data, size, name, &elf);
	if (err)
		return err;
	return core_from_elf(elf, ret);
}

void gsc_core_destroy(struct gsc_core *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c->mappings);
	free(c->pnotes);
	free(c->notes);
	free(c->by_tid);
	free(c->threads);
	free(c->added);
	free(c->pieces);
	free(c->segs);
	gsc_elf_destroy(c->elf);
	free(c);
}

/* ---- accessors ---- */

const char *gsc_core_path(const struct gsc_core *c) { return gsc_elf_path(c->elf); }
enum gsc_arch gsc_core_arch(const struct gsc_core *c) { return c->ai->arch; }
const struct gsc_arch_info *gsc_core_arch_info(const struct gsc_core *c) { return c->ai; }
struct gsc_elf *gsc_core_elf(const struct gsc_core *c) { return c->elf; }
struct gsc_target *gsc_core_target(struct gsc_core *c) { return &c->target; }
size_t gsc_core_num_threads(const struct gsc_core *c) { return c->nthreads; }
const struct gsc_core_signal *gsc_core_signal(const struct gsc_core *c) { return &c->signal; }
const struct gsc_core_psinfo *gsc_core_psinfo(const struct gsc_core *c) { return &c->psinfo; }
uint64_t gsc_core_load_bias(const struct gsc_core *c) { return c->bias; }

const struct gsc_core_thread *gsc_core_thread(const struct gsc_core *c, size_t i)
{
	return i < c->nthreads ? &c->threads[i].pub : NULL;
}

const struct gsc_core_thread *gsc_core_find_thread(const struct gsc_core *c, int32_t tid)
{
	size_t lo = 0, hi = c->nthreads;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gsc_core_thread *t = &c->threads[c->by_tid[mid]].pub;
		if (t->tid == tid) {
			while (mid > 0 && c->threads[c->by_tid[mid - 1]].pub.tid == tid)
				mid--;	/* duplicates: the first in note order sorts first */
			return &c->threads[c->by_tid[mid]].pub;
		}
		if (t->tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct gsc_core_note *gsc_core_thread_note(const struct gsc_core_thread *th, uint32_t type)
{
	for (size_t i = 0; i < th->nnotes; i++)
		if (th->notes[i].type == type)
			return &th->notes[i];
	return NULL;
}

const struct gsc_core_note *gsc_core_process_note(const struct gsc_core *c, uint32_t type)
{
	for (size_t i = 0; i < c->npnotes; i++)
		if (c->pnotes[i].type == type)
			return &c->pnotes[i];
	return NULL;
}

bool gsc_core_auxv(const struct gsc_core *c, uint64_t type, uint64_t *ret)
{
	for (size_t i = 0; i < c->nauxv; i++) {
		if (gsc_load64(c->auxv + i * 16, c->le) == type) {
			*ret = gsc_load64(c->auxv + i * 16 + 8, c->le);
			return true;
		}
	}
	return false;
}

const struct gsc_core_mapping *gsc_core_mappings(const struct gsc_core *c, size_t *count_ret)
{
	*count_ret = c->nmappings;
	return c->mappings;
}

const struct gsc_core_mapping *gsc_core_mapping_at(const struct gsc_core *c, uint64_t addr)
{
	size_t i = find_le(c->mappings, c->nmappings, sizeof(*c->mappings), addr);
	return i < c->nmappings && addr < c->mappings[i].end ? &c->mappings[i] : NULL;
}

_Static_assert(offsetof(struct gsc_core_mapping, start) == 0, "find_le needs start first");
_Static_assert(offsetof(struct seg, start) == 0, "find_le needs start first");
_Static_assert(offsetof(struct piece, start) == 0, "find_le needs start first");

const char *gsc_core_exe_path(const struct gsc_core *c)
{
	uint64_t entry;
	if (gsc_core_auxv(c, GSC_AT_ENTRY, &entry)) {
		const struct gsc_core_mapping *m = gsc_core_mapping_at(c, entry);
		if (m)
			return m->path;
	}
	return c->nmappings ? c->mappings[0].path : NULL;
}

const char *const *gsc_core_warnings(const struct gsc_core *c, size_t *count_ret)
{
	static const char *const none[] = { NULL };
	*count_ret = c->nwarnings;
	return c->warnings ? (const char *const *)c->warnings : none;
}

/* ---- the target ---- */

static struct gsc_error *threads_op(void *priv, int32_t **tids_ret, size_t *count_ret)
{
	const struct gsc_core *c = priv;
	int32_t *tids = calloc(c->nthreads ? c->nthreads : 1, sizeof(*tids));
	if (!tids)
		return &gsc_enomem;
	for (size_t i = 0; i < c->nthreads; i++)
		tids[i] = c->threads[i].pub.tid;
	*tids_ret = tids;
	*count_ret = c->nthreads;
	return NULL;
}

static struct gsc_error *read_regs_op(void *priv, int32_t tid, struct gsc_regs *ret)
{
	const struct gsc_core_thread *t = gsc_core_find_thread(priv, tid);
	if (!t)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no thread %" PRId32 " in the core", tid);
	*ret = t->regs;
	return NULL;
}

/* ---- executables ---- */

struct gsc_error *gsc_core_add_elf(struct gsc_core *c, struct gsc_elf *elf, uint64_t bias)
{
	if (gsc_elf_arch(elf) != c->ai->arch)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s is %s, but the core is %s",
					gsc_elf_path(elf), gsc_arch_name(gsc_elf_arch(elf)),
					c->ai->name);
	struct added_elf *a = realloc(c->added, (c->nadded + 1) * sizeof(*a));
	if (!a)
		return &gsc_enomem;
	c->added = a;
	c->added[c->nadded++] = (struct added_elf){ elf, bias };
	struct gsc_error *err = rebuild_pieces(c);
	if (err) {
		c->nadded--;
		gsc_error_destroy(rebuild_pieces(c));	/* back to the state before, if memory allows */
	}
	return err;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The first PT_LOAD (lowest vaddr), or NULL. */
static const struct gsc_elf_segment *first_load(const struct gsc_elf *elf)
{
	const struct gsc_elf_segment *best = NULL;
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(elf, i);
		if (p->type == PT_LOAD_ && (!best || p->vaddr < best->vaddr))
			best = p;
	}
	return best;
}

/* The PIE bias when the core has no AT_ENTRY: the NT_FILE mapping of offset 0 of the exe. */
static bool bias_from_files(const struct gsc_core *c, const struct gsc_elf *exe, uint64_t *ret)
{
	const struct gsc_elf_segment *p = first_load(exe);
	if (!p)
		return false;
	const char *want = base_name(gsc_elf_path(exe));
	const struct gsc_core_mapping *m = NULL;
	for (size_t i = 0; i < c->nmappings && !m; i++)
		if (c->mappings[i].offset == 0 && strcmp(base_name(c->mappings[i].path), want) == 0)
			m = &c->mappings[i];
	if (!m)
		return false;
	*ret = m->start - (p->vaddr & ~(uint64_t)0xfff);
	return true;
}

/* Is [addr, addr+len) entirely dumped in the core itself (not from an added ELF)? */
static const uint8_t *core_bytes(const struct gsc_core *c, uint64_t addr, uint64_t len)
{
	size_t i = find_le(c->segs, c->nsegs, sizeof(*c->segs), addr);
	if (i >= c->nsegs || addr < c->segs[i].start || addr > c->segs[i].present ||
	    len > c->segs[i].present - addr || !c->segs[i].data)
		return NULL;
	return c->segs[i].data + (addr - c->segs[i].start);
}

/* 1: the core's copy of the exe's first page matches; 0: it differs; -1: cannot tell. */
static int compare_first_page(const struct gsc_core *c, const struct gsc_elf *exe, uint64_t bias)
{
	size_t isz;
	const uint8_t *img = gsc_elf_image(exe, &isz);
	for (size_t i = 0; i < gsc_elf_num_segments(exe); i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(exe, i);
		if (p->type != PT_LOAD_ || p->offset != 0)
			continue;
		uint64_t len = p->filesz < 4096 ? p->filesz : 4096;
		len = len < isz ? len : isz;
		const uint8_t *mem = core_bytes(c, p->vaddr + bias, len);
		if (!mem || len == 0)
			return -1;
		return memcmp(mem, img, (size_t)len) == 0;
	}
	return -1;
}

static void check_exe(struct gsc_core *c, const struct gsc_elf *exe, uint64_t bias)
{
	const char *path = gsc_elf_path(exe);
	uint64_t at_entry;
	bool mismatch = false;
	if (gsc_core_auxv(c, GSC_AT_ENTRY, &at_entry) && at_entry != gsc_elf_entry(exe) + bias) {
		warn(c, "the core's entry point 0x%" PRIx64 " is not %s's (0x%" PRIx64 " + bias 0x%"
		     PRIx64 "): the core is probably of another program", at_entry, path,
		     gsc_elf_entry(exe), bias);
		mismatch = true;
	}
	int page = compare_first_page(c, exe, bias);
	if (page == 0)
		warn(c, "the core's copy of %s's ELF headers and build id notes differs from the "
		     "file: the core is of another build or program", path);
	const char *core_exe = gsc_core_exe_path(c);
	if (page != 1 && !mismatch && core_exe && strcmp(base_name(core_exe), base_name(path)) != 0)
		warn(c, "the core was made by %s, not %s; the core has no copy of the ELF headers "
		     "to compare", core_exe, path);
}

struct gsc_error *gsc_core_add_executable(struct gsc_core *c, struct gsc_elf *exe)
{
	if (c->have_exe)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "an executable was already added");
	uint64_t bias = 0, at_entry;
	if (gsc_elf_type(exe) == 3) {	/* ET_DYN: PIE */
		if (gsc_core_auxv(c, GSC_AT_ENTRY, &at_entry)) {
			bias = at_entry - gsc_elf_entry(exe);
			if (bias & 0xfff) {
				warn(c, "AT_ENTRY 0x%" PRIx64 " does not fit %s's entry 0x%" PRIx64
				     ": wrong executable?", at_entry, gsc_elf_path(exe),
				     gsc_elf_entry(exe));
				bias = 0;
				(void)bias_from_files(c, exe, &bias);
			}
		} else if (!bias_from_files(c, exe, &bias)) {
			warn(c, "no AT_ENTRY and no NT_FILE mapping of %s: PIE load bias unknown, "
			     "assuming 0", gsc_elf_path(exe));
		}
	}
	if (gsc_elf_arch(exe) == c->ai->arch)
		check_exe(c, exe, bias);
	struct gsc_error *err = gsc_core_add_elf(c, exe, bias);
	if (err)
		return err;
	c->have_exe = true;
	c->bias = bias;
	return NULL;
}

static const char *const signal_names[] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
	[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU", [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
	[31] = "SIGSYS",
};

const char *gsc_linux_signal_name(int signo)
{
	if (signo <= 0 || (size_t)signo >= sizeof(signal_names) / sizeof(signal_names[0]))
		return NULL;
	return signal_names[signo];
}
