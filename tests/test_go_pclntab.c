/*
 * test_go_pclntab.c - the pclntab reader on tables built here, byte by byte.
 *
 * A small builder writes a pcHeader, funcnametab, cutab, filetab, pctab,
 * functab and _func records in the Go 1.18/1.19 (magic 0xfffffff0, 40-byte
 * _func, 20-byte inlinedCall) or 1.20+ (0xfffffff1, 44 / 16 bytes) layout,
 * for pc quantum 1 (amd64) or 4 (arm64); the inline trees live in a fake
 * memory read through the read_mem callback.  Then: lookups, pc-value
 * decoding, inline expansion, and every kind of corruption we can think of,
 * each of which must give a clear error (never a crash or a hang: this also
 * runs under ASan+UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "go_pclntab.h"

/* ---------------------------------------------------------------- byte builder */

struct bb {
	uint8_t *p;
	size_t n, cap;
};

static void bb_put(struct bb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void bb_u8(struct bb *b, uint8_t v)
{
	bb_put(b, &v, 1);
}

static void bb_u32(struct bb *b, uint32_t v, bool le)
{
	uint8_t x[4];
	for (int i = 0; i < 4; i++)
		x[le ? i : 3 - i] = (uint8_t)(v >> (8 * i));
	bb_put(b, x, 4);
}

static void bb_u64(struct bb *b, uint64_t v, bool le)
{
	bb_u32(b, (uint32_t)(le ? v : v >> 32), le);
	bb_u32(b, (uint32_t)(le ? v >> 32 : v), le);
}

static void bb_uvarint(struct bb *b, uint32_t v)
{
	while (v >= 0x80) {
		bb_u8(b, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	bb_u8(b, (uint8_t)v);
}

static void bb_free(struct bb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void put32_at(uint8_t *p, uint32_t v, bool le)
{
	for (int i = 0; i < 4; i++)
		p[le ? i : 3 - i] = (uint8_t)(v >> (8 * i));
}

/* A pc-value run: value for `len` quantum units. */
struct run {
	int32_t value;
	uint32_t len;
};

/*
 * Encodes runs as the linker does (cmd/internal/obj/pcln.go): zig-zag value
 * delta from the previous value (starting at -1), pc delta in quanta, and a
 * 0 terminator.
 */
static void encode_runs(struct bb *t, const struct run *runs, size_t n)
{
	int32_t prev = -1;
	for (size_t i = 0; i < n; i++) {
		int32_t d = runs[i].value - prev;
		bb_uvarint(t, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
		bb_uvarint(t, runs[i].len);
		prev = runs[i].value;
	}
	bb_u8(t, 0);
}

/* ---------------------------------------------------------------- table builder */

enum { MAXF = 8, TEXT = 0x401000, GOFUNC = 0x600000, INL_OFF = 0x100 };

struct fspec {
	const char *name;
	uint32_t size;		/* quantum units */
	uint8_t funcid, flag;
	uint32_t pcsp, pcfile, pcln;		/* pctab offsets, 0 = none */
	uint32_t npcdata;
	uint32_t pcdata[4];
	uint8_t nfuncdata;
	uint32_t funcdata[4];
	uint32_t cu_offset;
	int32_t start_line;
};

struct syn {
	uint32_t magic;
	unsigned q;
	bool le;
	uint64_t header_text;	/* pcHeader.textStart */
	struct bb names, pctab;
	struct fspec f[MAXF];
	size_t nf;
	/* Output. */
	struct bb out;
	size_t names_off, cu_off, filetab_off, pctab_off, functab_off, rec_off[MAXF];
	/* Fake memory at GOFUNC: the inline trees. */
	uint8_t mem[64 * 1024];
	size_t mem_size;
};

static uint32_t add_name(struct syn *s, const char *name)
{
	uint32_t off = (uint32_t)s->names.n;
	bb_put(&s->names, name, strlen(name) + 1);
	return off;
}

/* The offset of a name added earlier. */
static uint32_t find_name(const struct syn *s, const char *name)
{
	for (size_t off = 0; off < s->names.n; off += strlen((const char *)s->names.p + off) + 1) {
		if (strcmp((const char *)s->names.p + off, name) == 0)
			return (uint32_t)off;
	}
	fail_msg("name %s was not added", name);
	return 0;
}

static uint32_t add_table(struct syn *s, const struct run *runs, size_t n)
{
	uint32_t off = (uint32_t)s->pctab.n;
	encode_runs(&s->pctab, runs, n);
	return off;
}

static uint32_t add_raw_table(struct syn *s, const uint8_t *bytes, size_t n)
{
	uint32_t off = (uint32_t)s->pctab.n;
	bb_put(&s->pctab, bytes, n);
	return off;
}

static bool is_old(const struct syn *s)
{
	return s->magic == GSC_PCLNTAB_MAGIC_GO118;
}

static unsigned inl_size(const struct syn *s)
{
	return is_old(s) ? 20 : 16;
}

/* inlinedCall[ix] of the tree at GOFUNC + INL_OFF. */
static void put_inl(struct syn *s, size_t ix, const char *name, int32_t parent_pc, uint8_t funcid)
{
	uint8_t *e = s->mem + INL_OFF + ix * inl_size(s);
	uint32_t nameoff = add_name(s, name);
	assert_true(INL_OFF + (ix + 1) * inl_size(s) <= sizeof(s->mem));
	memset(e, 0, inl_size(s));
	if (is_old(s)) {
		e[2] = funcid;
		put32_at(e + 12, nameoff, s->le);
		put32_at(e + 16, (uint32_t)parent_pc, s->le);
	} else {
		e[0] = funcid;
		put32_at(e + 4, nameoff, s->le);
		put32_at(e + 8, (uint32_t)parent_pc, s->le);
		put32_at(e + 12, 77, s->le);
	}
	if (INL_OFF + (ix + 1) * inl_size(s) > s->mem_size)
		s->mem_size = INL_OFF + (ix + 1) * inl_size(s);
}

static const uint8_t cutab_files[] = "a.go\0b.go";	/* filetab */

/* Lays out header | funcnametab | cutab | filetab | pctab | functab | records. */
static void assemble(struct syn *s)
{
	struct bb *o = &s->out;
	bool le = s->le;
	bb_free(o);
	size_t func_size = is_old(s) ? 40 : 44;

	bb_u32(o, s->magic, le);
	bb_u8(o, 0);
	bb_u8(o, 0);
	bb_u8(o, (uint8_t)s->q);
	bb_u8(o, 8);
	bb_u64(o, s->nf, le);
	bb_u64(o, 2, le);	/* nfiles */
	bb_u64(o, s->header_text, le);
	size_t offs_at = o->n;
	for (int i = 0; i < 5; i++)
		bb_u64(o, 0, le);

	s->names_off = o->n;
	bb_put(o, s->names.p, s->names.n);
	s->cu_off = o->n;
	bb_u32(o, 0, le);		/* file 0 -> "a.go" */
	bb_u32(o, 5, le);		/* file 1 -> "b.go" */
	bb_u32(o, UINT32_MAX, le);	/* file 2 -> unknown */
	s->filetab_off = o->n;
	bb_put(o, cutab_files, sizeof(cutab_files));
	s->pctab_off = o->n;
	bb_put(o, s->pctab.p, s->pctab.n);
	while (o->n % 8)
		bb_u8(o, 0);
	s->functab_off = o->n;
	size_t recs = s->functab_off + 8 * s->nf + 4;
	recs = (recs + 7) & ~(size_t)7;
	uint32_t entry = 0;
	size_t rec = recs;
	for (size_t i = 0; i < s->nf; i++) {
		s->rec_off[i] = rec;
		bb_u32(o, entry * s->q, le);
		bb_u32(o, (uint32_t)(rec - s->functab_off), le);
		entry += s->f[i].size;
		rec += func_size + 4 * (s->f[i].npcdata + s->f[i].nfuncdata);
		rec = (rec + 7) & ~(size_t)7;
	}
	bb_u32(o, entry * s->q, le);
	while (o->n < recs)
		bb_u8(o, 0);

	entry = 0;
	for (size_t i = 0; i < s->nf; i++) {
		const struct fspec *f = &s->f[i];
		while (o->n < s->rec_off[i])
			bb_u8(o, 0);
		bb_u32(o, entry * s->q, le);
		bb_u32(o, find_name(s, f->name), le);
		bb_u32(o, 16, le);	/* args */
		bb_u32(o, 0, le);	/* deferreturn */
		bb_u32(o, f->pcsp, le);
		bb_u32(o, f->pcfile, le);
		bb_u32(o, f->pcln, le);
		bb_u32(o, f->npcdata, le);
		bb_u32(o, f->cu_offset, le);
		if (!is_old(s))
			bb_u32(o, (uint32_t)f->start_line, le);
		bb_u8(o, f->funcid);
		bb_u8(o, f->flag);
		bb_u8(o, 0);
		bb_u8(o, f->nfuncdata);
		for (uint32_t k = 0; k < f->npcdata; k++)
			bb_u32(o, f->pcdata[k], le);
		for (uint32_t k = 0; k < f->nfuncdata; k++)
			bb_u32(o, f->funcdata[k], le);
		entry += f->size;
	}
	/* Region offsets, now that they are known. */
	size_t offs[5] = {s->names_off, s->cu_off, s->filetab_off, s->pctab_off, s->functab_off};
	for (int i = 0; i < 5; i++) {
		uint8_t x[8];
		for (int k = 0; k < 8; k++)
			x[le ? k : 7 - k] = (uint8_t)(offs[i] >> (8 * k));
		memcpy(o->p + offs_at + 8 * i, x, 8);
	}
}

static struct gsc_error *fake_read(void *arg, uint64_t addr, void *buf, size_t size)
{
	struct syn *s = arg;
	if (addr < GOFUNC || addr - GOFUNC > s->mem_size || size > s->mem_size - (addr - GOFUNC))
		return gsc_error_fault(addr, size);
	memcpy(buf, s->mem + (addr - GOFUNC), size);
	return NULL;
}

static struct gsc_pclntab_config config_of(struct syn *s, int go_minor)
{
	struct gsc_pclntab_config c = {
		.data = s->out.p,
		.size = s->out.n,
		.addr = 0x500000,
		.little_endian = s->le,
		.text_start = 0,
		.gofunc = GOFUNC,
		.go_minor = go_minor,
		.read_mem = fake_read,
		.read_mem_arg = s,
	};
	return c;
}

static struct fspec *add_func(struct syn *s, const char *name, uint32_t size)
{
	assert_true(s->nf < MAXF);
	struct fspec *f = &s->f[s->nf++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->size = size;
	add_name(s, name);
	return f;
}

/* Raw pc-value tables for the decoding tests (offsets into pctab). */
struct raw_tables {
	uint32_t r1, r2, r3, r4, r5, r6, inl50, inlbig, inlneg;
	uint32_t at_end;	/* last in pctab, no terminator */
};

#define RUNS(...) (const struct run[]){__VA_ARGS__}, sizeof((const struct run[]){__VA_ARGS__}) / sizeof(struct run)
#define RAW(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/*
 * The standard table (sizes in quanta; pcs below are TEXT + units * q):
 *   main.a [0,16): sp 0/8/0 at [0,4)/[4,12)/[12,16); a.go line 10 then 12 at 8;
 *                  inline index -1/0/1/-1 per 4 units; inl[0] = main.inl
 *                  called at 2, inl[1] = main.inl2 called at 5.
 *   main.b [16,48): b.go lines 20 then 300 at 32; funcID = wrapper.
 *   runtime.goexit [48,56): unknown file, line 5; TOPFRAME.
 *   runtime.systemstack_switch [56,64): funcID = wrapper - 1.
 */
static void make_std(struct syn *s, uint32_t magic, unsigned q, bool le, uint8_t wrapper,
		     struct raw_tables *raw)
{
	memset(s, 0, sizeof(*s));
	s->magic = magic;
	s->q = q;
	s->le = le;
	s->header_text = TEXT;
	bb_u8(&s->pctab, 0);	/* offset 0 means "no table" */

	struct fspec *a = add_func(s, "main.a", 16);
	a->pcsp = add_table(s, RUNS({0, 4}, {8, 8}, {0, 4}));
	a->pcfile = add_table(s, RUNS({0, 16}));
	a->pcln = add_table(s, RUNS({10, 8}, {12, 8}));
	a->npcdata = 3;
	a->pcdata[2] = add_table(s, RUNS({-1, 4}, {0, 4}, {1, 4}, {-1, 4}));
	a->nfuncdata = 4;
	a->funcdata[0] = a->funcdata[1] = a->funcdata[2] = UINT32_MAX;
	a->funcdata[3] = INL_OFF;
	a->start_line = 9;
	put_inl(s, 0, "main.inl", 2 * q, 0);
	put_inl(s, 1, "main.inl2", 5 * q, 0);

	struct fspec *b = add_func(s, "main.b", 32);
	b->pcfile = add_table(s, RUNS({1, 32}));
	b->pcln = add_table(s, RUNS({20, 16}, {300, 16}));
	b->funcid = wrapper;

	struct fspec *g = add_func(s, "runtime.goexit", 8);
	g->pcsp = add_table(s, RUNS({0, 8}));
	g->pcfile = add_table(s, RUNS({2, 8}));
	g->pcln = add_table(s, RUNS({5, 8}));
	g->flag = GSC_FUNCFLAG_TOPFRAME;
	g->funcid = 7;

	struct fspec *ss = add_func(s, "runtime.systemstack_switch", 8);
	ss->pcfile = add_table(s, RUNS({0, 8}));
	ss->pcln = add_table(s, RUNS({1, 8}));
	ss->funcid = (uint8_t)(wrapper - 1);

	struct raw_tables r;
	r.r1 = add_raw_table(s, RAW(0x02, 0x04, 0x10, 0x0c, 0x00));	/* 0 [0,4), 8 [4,16) */
	r.r2 = add_raw_table(s, RAW(0xd8, 0x04, 0x10, 0x00));	/* 299 [0,16): 2-byte varint */
	r.r3 = add_raw_table(s, RAW(0x00, 0x02, 0x02, 0x0e, 0x00));	/* first delta 0: -1 [0,2), 0 [2,16) */
	r.r4 = add_raw_table(s, RAW(0x02, 0x04, 0x00));	/* ends at 4 */
	r.r5 = add_raw_table(s, RAW(0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x04, 0x00));	/* varint > 5 bytes */
	r.r6 = add_raw_table(s, RAW(0x09, 0x10, 0x00));	/* -6 */
	r.inl50 = add_table(s, RUNS({50, 16}));
	r.inlbig = add_table(s, RUNS({1 << 20, 16}));
	r.inlneg = add_table(s, RUNS({-7, 16}));
	/* Make this last table end exactly where pctab ends (no padding after it). */
	size_t base = 72 + s->names.n + 12 + sizeof(cutab_files);
	while ((base + s->pctab.n + 3) % 8)
		bb_u8(&s->pctab, 0);
	r.at_end = add_raw_table(s, RAW(0x02, 0x04, 0x02));	/* value delta with no pc delta */
	if (raw)
		*raw = r;
	assemble(s);
}

static void free_syn(struct syn *s)
{
	bb_free(&s->names);
	bb_free(&s->pctab);
	bb_free(&s->out);
}

static struct gsc_pclntab *open_ok(struct syn *s, int go_minor)
{
	struct gsc_pclntab_config c = config_of(s, go_minor);
	struct gsc_pclntab *t = NULL;
	struct gsc_error *err = gsc_pclntab_open(&c, &t);
	if (err)
		fail_msg("open: %s", err->message);
	return t;
}

/* Asserts err has the code, prints its message (so a reader sees it is clear), frees it. */
static void expect_err_at(struct gsc_error *err, enum gsc_error_code code, int line)
{
	if (!err)
		fail_msg("line %d: expected error code %d, got success", line, code);
	if (err->code != code)
		fail_msg("line %d: expected error code %d, got %d: %s", line, code, err->code, err->message);
	assert_non_null(err->message);
	assert_true(strlen(err->message) > 10);
	print_message("# expected error: %s\n", err->message);
	gsc_error_destroy(err);
}

#define expect_err(err, code) expect_err_at(err, code, __LINE__)

static void expect_open_err(struct syn *s, int go_minor, enum gsc_error_code code)
{
	struct gsc_pclntab_config c = config_of(s, go_minor);
	struct gsc_pclntab *t = NULL;
	expect_err(gsc_pclntab_open(&c, &t), code);
	assert_null(t);
}

/* The variants every lookup test runs on. */
static const struct variant {
	uint32_t magic;
	unsigned q;
	bool le;
	int go_minor;
	uint8_t wrapper;
} variants[] = {
	{GSC_PCLNTAB_MAGIC_GO118, 1, true, 19, 21},
	{GSC_PCLNTAB_MAGIC_GO118, 4, true, 0, 21},
	{GSC_PCLNTAB_MAGIC_GO120, 1, true, 21, 21},
	{GSC_PCLNTAB_MAGIC_GO120, 4, true, 22, 22},
	{GSC_PCLNTAB_MAGIC_GO120, 1, true, 26, 23},
	{GSC_PCLNTAB_MAGIC_GO120, 4, true, 0, 23},
	{GSC_PCLNTAB_MAGIC_GO120, 1, false, 27, 23},
	{GSC_PCLNTAB_MAGIC_GO118, 4, false, 19, 21},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static uint64_t pc_at(const struct syn *s, uint32_t units)
{
	return TEXT + (uint64_t)units * s->q;
}

/* ---------------------------------------------------------------- tests */

static void test_pcvalue_decoding(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		struct syn s;
		struct raw_tables r;
		make_std(&s, variants[v].magic, variants[v].q, variants[v].le, variants[v].wrapper, &r);
		struct gsc_pclntab *t = open_ok(&s, variants[v].go_minor);
		struct gsc_func f;
		int32_t val;
		assert_null(gsc_pclntab_find_func(t, pc_at(&s, 0), &f));
		static const struct {
			int which;
			uint32_t unit;
			int32_t want;
		} cases[] = {
			{1, 0, 0}, {1, 3, 0}, {1, 4, 8}, {1, 15, 8},
			{2, 0, 299}, {2, 15, 299},
			{3, 0, -1}, {3, 1, -1}, {3, 2, 0}, {3, 15, 0},
			{6, 7, -6},
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint32_t off = cases[i].which == 1 ? r.r1 : cases[i].which == 2 ? r.r2 :
				       cases[i].which == 3 ? r.r3 : r.r6;
			assert_null(gsc_pclntab_pcvalue(t, &f, off, pc_at(&s, cases[i].unit), &val));
			assert_int_equal(val, cases[i].want);
			/* Between quanta (arm64): still the same value. */
			if (s.q > 1) {
				assert_null(gsc_pclntab_pcvalue(t, &f, off, pc_at(&s, cases[i].unit) + 3, &val));
				assert_int_equal(val, cases[i].want);
			}
		}
		/* The encoder's tables through the named accessors. */
		assert_null(gsc_pclntab_spdelta(t, &f, pc_at(&s, 5), &val));
		assert_int_equal(val, 8);
		assert_null(gsc_pclntab_spdelta(t, &f, pc_at(&s, 12), &val));
		assert_int_equal(val, 0);
		/* No table: -1, as the runtime says. */
		assert_null(gsc_pclntab_pcvalue(t, &f, 0, pc_at(&s, 3), &val));
		assert_int_equal(val, -1);
		assert_null(gsc_pclntab_pcdata(t, &f, GSC_PCDATA_UNSAFE_POINT, pc_at(&s, 3), &val));
		assert_int_equal(val, -1);
		assert_null(gsc_pclntab_pcdata(t, &f, 7, pc_at(&s, 3), &val));
		assert_int_equal(val, -1);
		assert_null(gsc_pclntab_pcdata(t, &f, GSC_PCDATA_INL_TREE_INDEX, pc_at(&s, 9), &val));
		assert_int_equal(val, 1);
		/* Table ends before the pc: NOT_FOUND; varint too long, off the end: BAD_DATA. */
		assert_null(gsc_pclntab_pcvalue(t, &f, r.r4, pc_at(&s, 3), &val));
		expect_err(gsc_pclntab_pcvalue(t, &f, r.r4, pc_at(&s, 4), &val), GSC_ERR_NOT_FOUND);
		expect_err(gsc_pclntab_pcvalue(t, &f, r.r5, pc_at(&s, 1), &val), GSC_ERR_BAD_DATA);
		expect_err(gsc_pclntab_pcvalue(t, &f, r.at_end, pc_at(&s, 5), &val), GSC_ERR_BAD_DATA);
		expect_err(gsc_pclntab_pcvalue(t, &f, 0x7fffffff, pc_at(&s, 5), &val), GSC_ERR_BAD_DATA);
		/* A pc outside the function. */
		expect_err(gsc_pclntab_pcvalue(t, &f, r.r1, pc_at(&s, 16), &val), GSC_ERR_NOT_FOUND);
		gsc_pclntab_destroy(t);
		free_syn(&s);
	}
}

static void test_lookups(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		const struct variant *var = &variants[v];
		struct syn s;
		make_std(&s, var->magic, var->q, var->le, var->wrapper, NULL);
		struct gsc_pclntab *t = open_ok(&s, var->go_minor);
		assert_int_equal(gsc_pclntab_magic(t), var->magic);
		assert_int_equal(gsc_pclntab_quantum(t), var->q);
		assert_int_equal(gsc_pclntab_text_start(t), TEXT);
		assert_int_equal(gsc_pclntab_num_funcs(t), 4);
		assert_int_equal(gsc_pclntab_num_files(t), 2);
		uint64_t lo, hi;
		gsc_pclntab_pc_range(t, &lo, &hi);
		assert_int_equal(lo, TEXT);
		assert_int_equal(hi, pc_at(&s, 64));

		static const struct {
			uint32_t unit;
			const char *name, *file;
			int32_t line;
			enum gsc_func_kind kind;
		} cases[] = {
			{0, "main.a", "a.go", 10, GSC_FUNC_NORMAL},
			{7, "main.a", "a.go", 10, GSC_FUNC_NORMAL},
			{8, "main.a", "a.go", 12, GSC_FUNC_NORMAL},
			{15, "main.a", "a.go", 12, GSC_FUNC_NORMAL},
			{16, "main.b", "b.go", 20, GSC_FUNC_WRAPPER},
			{32, "main.b", "b.go", 300, GSC_FUNC_WRAPPER},
			{47, "main.b", "b.go", 300, GSC_FUNC_WRAPPER},
			{48, "runtime.goexit", "?", 5, GSC_FUNC_GOEXIT},
			{63, "runtime.systemstack_switch", "a.go", 1, GSC_FUNC_SYSTEMSTACK_SWITCH},
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct gsc_func f;
			const char *file;
			int32_t line;
			uint64_t pc = pc_at(&s, cases[i].unit) + (s.q - 1);
			assert_null(gsc_pclntab_find_func(t, pc, &f));
			assert_string_equal(f.name, cases[i].name);
			assert_int_equal(f.kind, cases[i].kind);
			assert_null(gsc_pclntab_file_line(t, &f, pc, &file, &line));
			assert_string_equal(file, cases[i].file);
			assert_int_equal(line, cases[i].line);
		}
		struct gsc_func f;
		assert_null(gsc_pclntab_func(t, 0, &f));
		assert_int_equal(f.entry, TEXT);
		assert_int_equal(f.end, pc_at(&s, 16));
		assert_int_equal(f.args, 16);
		assert_int_equal(f.npcdata, 3);
		assert_int_equal(f.nfuncdata, 4);
		assert_int_equal(f.start_line, var->magic == GSC_PCLNTAB_MAGIC_GO118 ? 0 : 9);
		uint64_t addr;
		assert_null(gsc_pclntab_funcdata(t, &f, GSC_FUNCDATA_INL_TREE, &addr));
		assert_int_equal(addr, GOFUNC + INL_OFF);
		expect_err(gsc_pclntab_funcdata(t, &f, GSC_FUNCDATA_ARG_INFO, &addr), GSC_ERR_NOT_FOUND);
		expect_err(gsc_pclntab_funcdata(t, &f, GSC_FUNCDATA_ARGS_POINTER_MAPS, &addr), GSC_ERR_NOT_FOUND);
		assert_null(gsc_pclntab_func(t, 2, &f));
		assert_int_equal(f.flag, GSC_FUNCFLAG_TOPFRAME);
		expect_err(gsc_pclntab_func(t, 4, &f), GSC_ERR_NOT_FOUND);
		expect_err(gsc_pclntab_find_func(t, TEXT - 1, &f), GSC_ERR_NOT_FOUND);
		expect_err(gsc_pclntab_find_func(t, pc_at(&s, 64), &f), GSC_ERR_NOT_FOUND);
		expect_err(gsc_pclntab_find_func(t, 0, &f), GSC_ERR_NOT_FOUND);
		expect_err(gsc_pclntab_find_func(t, UINT64_MAX, &f), GSC_ERR_NOT_FOUND);
		assert_null(gsc_pclntab_find_func_by_name(t, "runtime.goexit", &f));
		assert_int_equal(f.entry, pc_at(&s, 48));
		expect_err(gsc_pclntab_find_func_by_name(t, "main.nope", &f), GSC_ERR_NOT_FOUND);
		gsc_pclntab_destroy(t);
		free_syn(&s);
	}
}

static void test_frames(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		const struct variant *var = &variants[v];
		struct syn s;
		make_std(&s, var->magic, var->q, var->le, var->wrapper, NULL);
		struct gsc_pclntab *t = open_ok(&s, var->go_minor);
		struct gsc_frame fr[4];
		size_t n;

		assert_null(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 4, &n));
		assert_int_equal(n, 3);
		assert_string_equal(fr[0].func, "main.inl2");
		assert_string_equal(fr[0].file, "a.go");
		assert_int_equal(fr[0].line, 12);
		assert_true(fr[0].inlined);
		assert_int_equal(fr[0].pc, pc_at(&s, 9));
		assert_int_equal(fr[0].start_line, var->magic == GSC_PCLNTAB_MAGIC_GO118 ? 0 : 77);
		assert_string_equal(fr[1].func, "main.inl");
		assert_int_equal(fr[1].line, 10);
		assert_int_equal(fr[1].pc, pc_at(&s, 5));
		assert_true(fr[1].inlined);
		assert_string_equal(fr[2].func, "main.a");
		assert_int_equal(fr[2].line, 10);
		assert_int_equal(fr[2].pc, pc_at(&s, 2));
		assert_false(fr[2].inlined);

		/* Fewer slots than frames: the count still says how many exist. */
		assert_null(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 1, &n));
		assert_int_equal(n, 3);
		assert_string_equal(fr[0].func, "main.inl2");
		assert_null(gsc_pclntab_frames(t, pc_at(&s, 9), NULL, 0, &n));
		assert_int_equal(n, 3);

		assert_null(gsc_pclntab_frames(t, pc_at(&s, 13), fr, 4, &n));
		assert_int_equal(n, 1);
		assert_string_equal(fr[0].func, "main.a");
		assert_int_equal(fr[0].line, 12);
		assert_null(gsc_pclntab_frames(t, pc_at(&s, 20), fr, 4, &n));
		assert_int_equal(n, 1);
		assert_int_equal(fr[0].kind, GSC_FUNC_WRAPPER);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 64), fr, 4, &n), GSC_ERR_NOT_FOUND);
		gsc_pclntab_destroy(t);

		/* Without gofunc the inline tree cannot be read: say so. */
		struct gsc_pclntab_config c = config_of(&s, var->go_minor);
		c.gofunc = 0;
		assert_null(gsc_pclntab_open(&c, &t));
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 4, &n), GSC_ERR_NOT_FOUND);
		/* ... but functions without inlining still expand. */
		assert_null(gsc_pclntab_frames(t, pc_at(&s, 20), fr, 4, &n));
		gsc_pclntab_destroy(t);
		free_syn(&s);
	}
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(gsc_func_kind_of("runtime.goexit"), GSC_FUNC_GOEXIT);
	assert_int_equal(gsc_func_kind_of("runtime.main"), GSC_FUNC_RUNTIME_MAIN);
	assert_int_equal(gsc_func_kind_of("runtime.mstart"), GSC_FUNC_MSTART);
	assert_int_equal(gsc_func_kind_of("runtime.sigpanic"), GSC_FUNC_SIGPANIC);
	assert_int_equal(gsc_func_kind_of("runtime.systemstack"), GSC_FUNC_SYSTEMSTACK);
	assert_int_equal(gsc_func_kind_of("runtime.systemstack_switch"), GSC_FUNC_SYSTEMSTACK_SWITCH);
	assert_int_equal(gsc_func_kind_of("runtime.deferreturn"), GSC_FUNC_WRAPPER);
	assert_int_equal(gsc_func_kind_of("runtime.runOpenDeferFrame"), GSC_FUNC_WRAPPER);
	assert_int_equal(gsc_func_kind_of("runtime.runFinalizers"), GSC_FUNC_RUN_FINALIZERS);
	assert_int_equal(gsc_func_kind_of("runtime.debugCallV2"), GSC_FUNC_DEBUG_CALL_V2);
	assert_int_equal(gsc_func_kind_of("main.main"), GSC_FUNC_NORMAL);
	assert_int_equal(gsc_func_kind_of("runtime.goexit1"), GSC_FUNC_NORMAL);
	assert_int_equal(gsc_func_kind_of("runtime"), GSC_FUNC_NORMAL);
	assert_int_equal(gsc_func_kind_of("xruntime.goexit"), GSC_FUNC_NORMAL);
	assert_int_equal(gsc_func_kind_of(""), GSC_FUNC_NORMAL);
	assert_int_equal(gsc_func_kind_of(NULL), GSC_FUNC_NORMAL);
	assert_string_equal(gsc_func_kind_name(GSC_FUNC_GOEXIT), "goexit");
	assert_string_equal(gsc_func_kind_name(GSC_FUNC_WRAPPER), "wrapper");
	assert_string_equal(gsc_func_kind_name((enum gsc_func_kind)999), "unknown");

	/* The wrapper funcID moves with the version: 21 is wrapper for 1.21, not 1.22. */
	struct syn s;
	make_std(&s, GSC_PCLNTAB_MAGIC_GO120, 1, true, 21, NULL);
	struct gsc_pclntab *t = open_ok(&s, 22);
	struct gsc_func f;
	assert_null(gsc_pclntab_func(t, 1, &f));
	assert_int_equal(f.funcid, 21);
	assert_int_equal(f.kind, GSC_FUNC_NORMAL);
	gsc_pclntab_destroy(t);
	t = open_ok(&s, 99);	/* a future version: the newest table (23) */
	assert_null(gsc_pclntab_func(t, 1, &f));
	assert_int_equal(f.kind, GSC_FUNC_NORMAL);
	gsc_pclntab_destroy(t);
	free_syn(&s);
}

static void test_bad_header(void **state)
{
	(void)state;
	struct syn s;
	make_std(&s, GSC_PCLNTAB_MAGIC_GO120, 1, true, 23, NULL);
	struct gsc_pclntab_config c = config_of(&s, 0);
	struct gsc_pclntab *t = NULL;
	uint8_t *d = s.out.p;

	c.size = 71;
	expect_err(gsc_pclntab_open(&c, &t), GSC_ERR_BAD_DATA);
	c.size = 0;
	expect_err(gsc_pclntab_open(&c, &t), GSC_ERR_BAD_DATA);
	c.data = NULL;
	c.size = 100;
	expect_err(gsc_pclntab_open(&c, &t), GSC_ERR_BAD_DATA);
	expect_err(gsc_pclntab_open(NULL, &t), GSC_ERR_INVALID_ARG);
	/* The table is cut in the middle of functab. */
	c = config_of(&s, 0);
	c.size = s.functab_off + 8;
	expect_err(gsc_pclntab_open(&c, &t), GSC_ERR_BAD_DATA);
	/* Wrong byte order reads a wrong magic. */
	c = config_of(&s, 0);
	c.little_endian = false;
	expect_err(gsc_pclntab_open(&c, &t), GSC_ERR_BAD_DATA);
	assert_null(t);

	struct {
		size_t off;
		uint8_t byte;
		enum gsc_error_code code;
	} pokes[] = {
		{0, 0x00, GSC_ERR_BAD_DATA},	/* magic */
		{0, 0xfb, GSC_ERR_UNSUPPORTED},	/* Go 1.2-1.15 magic 0xfffffffb */
		{4, 0x01, GSC_ERR_BAD_DATA},	/* pad */
		{6, 0x03, GSC_ERR_BAD_DATA},	/* quantum */
		{6, 0x00, GSC_ERR_BAD_DATA},
		{7, 0x04, GSC_ERR_UNSUPPORTED},	/* 32-bit */
	};
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		uint8_t saved = d[pokes[i].off];
		d[pokes[i].off] = pokes[i].byte;
		expect_open_err(&s, 0, pokes[i].code);
		d[pokes[i].off] = saved;
	}
	free_syn(&s);
}

static void poke64(struct syn *s, size_t off, uint64_t v)
{
	for (int k = 0; k < 8; k++)
		s->out.p[off + (s->le ? k : 7 - k)] = (uint8_t)(v >> (8 * k));
}

static uint64_t peek64(struct syn *s, size_t off)
{
	return gsc_load64(s->out.p + off, s->le);
}

static void test_bad_offsets(void **state)
{
	(void)state;
	struct syn s;
	make_std(&s, GSC_PCLNTAB_MAGIC_GO118, 4, true, 21, NULL);
	static const struct {
		size_t field;
		uint64_t value;	/* ~0 = size+1, ~1 = previous field - 1 */
	} pokes[] = {
		{0x20, 0},		/* funcnametab inside the header */
		{0x20, 71},
		{0x28, ~(uint64_t)1},	/* cutab before funcnametab */
		{0x38, ~(uint64_t)0},	/* pctab past the end */
		{0x40, ~(uint64_t)0},	/* functab past the end */
		{0x40, UINT64_MAX - 7},	/* wraps */
		{0x30, UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		uint64_t saved = peek64(&s, pokes[i].field), v = pokes[i].value;
		if (v == ~(uint64_t)0)
			v = s.out.n + 1;
		else if (v == ~(uint64_t)1)
			v = peek64(&s, pokes[i].field - 8) - 1;
		poke64(&s, pokes[i].field, v);
		expect_open_err(&s, 0, GSC_ERR_BAD_DATA);
		poke64(&s, pokes[i].field, saved);
	}
	/* nfunc: huge, negative, zero, one too many for the bytes. */
	uint64_t nf[] = {UINT64_MAX, 1ull << 62, 1ull << 61, 0, (s.out.n - s.functab_off) / 8};
	for (size_t i = 0; i < sizeof(nf) / sizeof(nf[0]); i++) {
		poke64(&s, 8, nf[i]);
		expect_open_err(&s, 0, GSC_ERR_BAD_DATA);
	}
	poke64(&s, 8, 4);
	/* No text start anywhere (Go 1.26+ without the caller's help). */
	poke64(&s, 0x18, 0);
	expect_open_err(&s, 0, GSC_ERR_INVALID_ARG);
	struct gsc_pclntab_config c = config_of(&s, 0);
	c.text_start = 0x800000;
	struct gsc_pclntab *t;
	assert_null(gsc_pclntab_open(&c, &t));
	assert_int_equal(gsc_pclntab_text_start(t), 0x800000);
	struct gsc_func f;
	assert_null(gsc_pclntab_find_func(t, 0x800000 + 16 * 4, &f));
	assert_string_equal(f.name, "main.b");
	gsc_pclntab_destroy(t);
	/* text start + end pc overflows. */
	c.text_start = UINT64_MAX - 8;
	expect_err(gsc_pclntab_open(&c, &t), GSC_ERR_BAD_DATA);
	/* Version and magic disagree; versions we do not read. */
	poke64(&s, 0x18, TEXT);
	expect_open_err(&s, 22, GSC_ERR_BAD_DATA);
	expect_open_err(&s, 12, GSC_ERR_UNSUPPORTED);
	free_syn(&s);
}

static void poke32(struct syn *s, size_t off, uint32_t v)
{
	put32_at(s->out.p + off, v, s->le);
}

static void test_bad_functions(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		const struct variant *var = &variants[v];
		struct syn s;
		make_std(&s, var->magic, var->q, var->le, var->wrapper, NULL);
		struct gsc_pclntab *t;
		struct gsc_func f;
		size_t ft = s.functab_off;

		/* Function table not increasing: main.b's entry after goexit's. */
		poke32(&s, ft + 8, 60 * var->q);
		t = open_ok(&s, var->go_minor);
		expect_err(gsc_pclntab_func(t, 1, &f), GSC_ERR_BAD_DATA);
		expect_err(gsc_pclntab_find_func(t, pc_at(&s, 20), &f), GSC_ERR_BAD_DATA);
		/* Every pc still answers without crashing. */
		for (uint32_t u = 0; u < 64; u++) {
			struct gsc_error *err = gsc_pclntab_find_func(t, pc_at(&s, u), &f);
			gsc_error_destroy(err);
		}
		gsc_pclntab_destroy(t);
		poke32(&s, ft + 8, 16 * var->q);
		/* End pc below the first entry. */
		poke32(&s, ft + 8 * 4, 0);
		poke32(&s, ft, 4);
		expect_open_err(&s, var->go_minor, GSC_ERR_BAD_DATA);
		poke32(&s, ft, 0);
		poke32(&s, ft + 8 * 4, 64 * var->q);

		/* funcoff: far away, inside functab, in the last bytes. */
		uint32_t saved = gsc_load32(s.out.p + ft + 4, s.le);
		uint32_t bad[] = {UINT32_MAX, 0, 8, (uint32_t)(s.out.n - ft - 8)};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			poke32(&s, ft + 4, bad[i]);
			t = open_ok(&s, var->go_minor);
			expect_err(gsc_pclntab_func(t, 0, &f), GSC_ERR_BAD_DATA);
			expect_err(gsc_pclntab_find_func(t, TEXT, &f), GSC_ERR_BAD_DATA);
			gsc_pclntab_destroy(t);
		}
		poke32(&s, ft + 4, saved);

		/* Name offset out of funcnametab, or negative. */
		uint32_t names[] = {0x7fffffff, 0x80000000, (uint32_t)(s.cu_off - s.names_off)};
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			poke32(&s, s.rec_off[1] + 4, names[i]);
			t = open_ok(&s, var->go_minor);
			expect_err(gsc_pclntab_func(t, 1, &f), GSC_ERR_BAD_DATA);
			/* The scan by name skips it. */
			expect_err(gsc_pclntab_find_func_by_name(t, "main.b", &f), GSC_ERR_NOT_FOUND);
			gsc_pclntab_destroy(t);
		}
		poke32(&s, s.rec_off[1] + 4, find_name(&s, "main.b"));

		/* Record's entry disagrees with functab. */
		poke32(&s, s.rec_off[2], 4);
		t = open_ok(&s, var->go_minor);
		expect_err(gsc_pclntab_func(t, 2, &f), GSC_ERR_BAD_DATA);
		gsc_pclntab_destroy(t);
		poke32(&s, s.rec_off[2], 48 * var->q);

		/* npcdata so large that the arrays leave the table. */
		poke32(&s, s.rec_off[3] + 0x1c, 0x40000000);
		t = open_ok(&s, var->go_minor);
		expect_err(gsc_pclntab_func(t, 3, &f), GSC_ERR_BAD_DATA);
		gsc_pclntab_destroy(t);
		poke32(&s, s.rec_off[3] + 0x1c, 0);

		/* A file index past cutab; a file name offset past filetab. */
		t = open_ok(&s, var->go_minor);
		assert_null(gsc_pclntab_func(t, 0, &f));
		const char *file;
		int32_t line;
		f.cu_offset = 1000;
		expect_err(gsc_pclntab_file_line(t, &f, TEXT, &file, &line), GSC_ERR_BAD_DATA);
		gsc_pclntab_destroy(t);
		poke32(&s, s.cu_off, 0x1000);
		t = open_ok(&s, var->go_minor);
		assert_null(gsc_pclntab_func(t, 0, &f));
		expect_err(gsc_pclntab_file_line(t, &f, TEXT, &file, &line), GSC_ERR_BAD_DATA);
		gsc_pclntab_destroy(t);
		free_syn(&s);
	}
}

static void test_bad_inline(void **state)
{
	(void)state;
	for (size_t v = 0; v < NVARIANTS; v++) {
		const struct variant *var = &variants[v];
		struct syn s;
		struct raw_tables r;
		make_std(&s, var->magic, var->q, var->le, var->wrapper, &r);
		struct gsc_pclntab *t = open_ok(&s, var->go_minor);
		struct gsc_frame fr[8];
		size_t n;
		size_t pcdata2 = s.rec_off[0] + (var->magic == GSC_PCLNTAB_MAGIC_GO118 ? 40 : 44) + 8;

		/* Index past the end of readable memory: the read fails, clearly. */
		poke32(&s, pcdata2, r.inl50);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 3), fr, 8, &n), GSC_ERR_FAULT);
		/* Index beyond any real tree. */
		poke32(&s, pcdata2, r.inlbig);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 3), fr, 8, &n), GSC_ERR_BAD_DATA);
		/* Any negative index means "not inlined". */
		poke32(&s, pcdata2, r.inlneg);
		assert_null(gsc_pclntab_frames(t, pc_at(&s, 3), fr, 8, &n));
		assert_int_equal(n, 1);
		/* The pcdata table itself runs off the end of pctab. */
		poke32(&s, pcdata2, r.at_end);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 8, &n), GSC_ERR_BAD_DATA);
		gsc_pclntab_destroy(t);
		free_syn(&s);

		/* Bad entries: name out of range, parent pc outside the function, a cycle. */
		make_std(&s, var->magic, var->q, var->le, var->wrapper, &r);
		t = open_ok(&s, var->go_minor);
		uint8_t *e0 = s.mem + INL_OFF, saved[20];
		unsigned isz = inl_size(&s), name_at = isz == 20 ? 12 : 4, ppc_at = isz == 20 ? 16 : 8;
		memcpy(saved, e0, isz);
		put32_at(e0 + name_at, 0x7fffff00, s.le);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 5), fr, 8, &n), GSC_ERR_BAD_DATA);
		memcpy(e0, saved, isz);
		put32_at(e0 + ppc_at, 16 * var->q, s.le);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 5), fr, 8, &n), GSC_ERR_BAD_DATA);
		put32_at(e0 + ppc_at, UINT32_MAX, s.le);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 5), fr, 8, &n), GSC_ERR_BAD_DATA);
		/* inl[0] called from pc 5, where inl[0] is again the innermost: a cycle. */
		put32_at(e0 + ppc_at, 5 * var->q, s.le);
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 8, &n), GSC_ERR_BAD_DATA);
		memcpy(e0, saved, isz);
		assert_null(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 8, &n));
		assert_int_equal(n, 3);
		/* No read_mem callback. */
		gsc_pclntab_destroy(t);
		struct gsc_pclntab_config c = config_of(&s, var->go_minor);
		c.read_mem = NULL;
		assert_null(gsc_pclntab_open(&c, &t));
		expect_err(gsc_pclntab_frames(t, pc_at(&s, 9), fr, 8, &n), GSC_ERR_INVALID_ARG);
		gsc_pclntab_destroy(t);
		free_syn(&s);
	}
}

/*
 * A legal-looking but absurd chain: one function whose pc k is in inlined
 * call k, called from pc k+1, 1100 levels deep.  The walk must stop at the
 * depth bound with an error, and shorter chains must still work.
 */
static void test_deep_inline_chain(void **state)
{
	(void)state;
	enum { DEPTH = 1100 };
	for (int old = 0; old < 2; old++) {
		struct syn *s = calloc(1, sizeof(*s));
		assert_non_null(s);
		s->magic = old ? GSC_PCLNTAB_MAGIC_GO118 : GSC_PCLNTAB_MAGIC_GO120;
		s->q = 1;
		s->le = true;
		s->header_text = TEXT;
		bb_u8(&s->pctab, 0);
		struct fspec *f = add_func(s, "main.deep", DEPTH + 1);
		f->pcfile = add_table(s, RUNS({0, DEPTH + 1}));
		f->pcln = add_table(s, RUNS({1, DEPTH + 1}));
		struct run *runs = calloc(DEPTH + 1, sizeof(*runs));
		assert_non_null(runs);
		for (int k = 0; k < DEPTH; k++)
			runs[k] = (struct run){k, 1};
		runs[DEPTH] = (struct run){-1, 1};
		f->npcdata = 3;
		f->pcdata[2] = add_table(s, runs, DEPTH + 1);
		free(runs);
		f->nfuncdata = 4;
		f->funcdata[0] = f->funcdata[1] = f->funcdata[2] = UINT32_MAX;
		f->funcdata[3] = INL_OFF;
		add_name(s, "main.level");
		for (int k = 0; k < DEPTH; k++) {
			uint8_t *e = s->mem + INL_OFF + (size_t)k * inl_size(s);
			put32_at(e + (old ? 12 : 4), find_name(s, "main.level"), true);
			put32_at(e + (old ? 16 : 8), (uint32_t)k + 1, true);
		}
		s->mem_size = INL_OFF + (size_t)DEPTH * inl_size(s);
		assemble(s);
		struct gsc_pclntab *t = open_ok(s, 0);
		struct gsc_frame fr[4];
		size_t n;
		expect_err(gsc_pclntab_frames(t, TEXT, fr, 4, &n), GSC_ERR_BAD_DATA);
		assert_null(gsc_pclntab_frames(t, TEXT + 200, fr, 4, &n));
		assert_int_equal(n, DEPTH - 200 + 1);
		assert_string_equal(fr[0].func, "main.level");
		gsc_pclntab_destroy(t);
		free_syn(s);
		free(s);
	}
}

static void test_looks_valid(void **state)
{
	(void)state;
	struct syn s;
	make_std(&s, GSC_PCLNTAB_MAGIC_GO120, 4, true, 23, NULL);
	assert_true(gsc_pclntab_looks_valid(s.out.p, s.out.n, true));
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.out.n, false));
	assert_false(gsc_pclntab_looks_valid(s.out.p, 71, true));
	assert_false(gsc_pclntab_looks_valid(NULL, 100, true));
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.functab_off + 8, true));
	s.out.p[7] = 4;
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.out.n, true));
	s.out.p[7] = 8;
	poke32(&s, s.functab_off, 4);	/* functab[0].entryoff must be 0 */
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.out.n, true));
	poke32(&s, s.functab_off, 0);
	poke32(&s, s.functab_off + 8, 0x1000);	/* decreasing entries */
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.out.n, true));
	poke32(&s, s.functab_off + 8, 16 * 4);
	poke64(&s, 8, 0);
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.out.n, true));
	poke64(&s, 8, 4);
	poke64(&s, 0x28, 8);
	assert_false(gsc_pclntab_looks_valid(s.out.p, s.out.n, true));
	free_syn(&s);
	make_std(&s, GSC_PCLNTAB_MAGIC_GO118, 1, false, 21, NULL);
	assert_true(gsc_pclntab_looks_valid(s.out.p, s.out.n, false));
	free_syn(&s);
}

/* Exercise every entry point on a (possibly broken) table; only crashes count. */
static void poke_everything(struct gsc_pclntab *t)
{
	uint64_t lo, hi;
	gsc_pclntab_pc_range(t, &lo, &hi);
	uint64_t step = (hi - lo) / 200 + 1;
	struct gsc_frame fr[4];
	for (uint64_t pc = lo >= 8 ? lo - 8 : 0; pc < hi + 8; pc += step) {
		struct gsc_func f;
		const char *file;
		int32_t v;
		size_t n;
		uint64_t addr;
		struct gsc_error *err = gsc_pclntab_find_func(t, pc, &f);
		if (!err) {
			gsc_error_destroy(gsc_pclntab_file_line(t, &f, pc, &file, &v));
			gsc_error_destroy(gsc_pclntab_spdelta(t, &f, pc, &v));
			gsc_error_destroy(gsc_pclntab_pcdata(t, &f, 2, pc, &v));
			gsc_error_destroy(gsc_pclntab_funcdata(t, &f, 3, &addr));
		}
		gsc_error_destroy(err);
		gsc_error_destroy(gsc_pclntab_frames(t, pc, fr, 4, &n));
	}
	for (size_t i = 0; i < gsc_pclntab_num_funcs(t) && i < 64; i++) {
		struct gsc_func f;
		gsc_error_destroy(gsc_pclntab_func(t, i, &f));
	}
	struct gsc_func f;
	gsc_error_destroy(gsc_pclntab_find_func_by_name(t, "main.b", &f));
}

/* Random corruption of every part of the table and of the inline trees. */
static void test_fuzz(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned opened = 0;
	for (int iter = 0; iter < 4000; iter++) {
		const struct variant *var = &variants[iter % NVARIANTS];
		struct syn s;
		make_std(&s, var->magic, var->q, var->le, var->wrapper, NULL);
		int flips = 1 + iter % 6;
		for (int k = 0; k < flips; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t pos = (size_t)(x % s.out.n);
			/* Half the time aim at the header, functab and records. */
			if (k == 0 && iter % 2 && s.out.n > s.functab_off)
				pos = iter % 4 == 1 ? (size_t)(x % 72) : s.functab_off + (size_t)(x % (s.out.n - s.functab_off));
			s.out.p[pos] = (uint8_t)(x >> 32);
			if (iter % 5 == 0)
				s.mem[INL_OFF + (x >> 40) % 40] = (uint8_t)(x >> 16);
		}
		struct gsc_pclntab_config c = config_of(&s, iter % 3 ? var->go_minor : 0);
		if (iter % 7 == 0)
			c.size = (size_t)(x >> 20) % (s.out.n + 1);
		struct gsc_pclntab *t = NULL;
		(void)gsc_pclntab_looks_valid(c.data, c.size, c.little_endian);
		struct gsc_error *err = gsc_pclntab_open(&c, &t);
		if (!err) {
			opened++;
			poke_everything(t);
			gsc_pclntab_destroy(t);
		}
		gsc_error_destroy(err);
		free_syn(&s);
	}
	print_message("# fuzz: %u of 4000 corrupted tables opened and were probed\n", opened);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcvalue_decoding),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_offsets),
		cmocka_unit_test(test_bad_functions),
		cmocka_unit_test(test_bad_inline),
		cmocka_unit_test(test_deep_inline_chain),
		cmocka_unit_test(test_looks_valid),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
