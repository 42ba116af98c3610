/*
 * test_cfi.c - the .eh_frame / .debug_frame interpreter on hand-made CIE and
 * FDE bytes: every DW_CFA opcode, both formats, both byte orders, 64-bit
 * DWARF, augmentations, pointer encodings, .eh_frame_hdr, the lazy index,
 * hostile input, and the expression evaluator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"
#include "elf_file.h"

/* ---- a byte builder ------------------------------------------------------- */

struct bb {
	uint8_t d[8192];
	size_t n;
	bool le;
	enum gsc_cfi_format fmt;
	bool dwarf64;
};

static void put(struct bb *b, uint64_t v, unsigned size)
{
	assert_true(b->n + size <= sizeof(b->d));
	for (unsigned i = 0; i < size; i++) {
		unsigned shift = b->le ? i * 8 : (size - 1 - i) * 8;
		b->d[b->n++] = (uint8_t)(v >> shift);
	}
}

static void uleb(struct bb *b, uint64_t v)
{
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		put(b, byte | (v ? 0x80 : 0), 1);
	} while (v);
}

static void sleb(struct bb *b, int64_t v)
{
	for (;;) {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
		put(b, byte | (done ? 0 : 0x80), 1);
		if (done)
			return;
	}
}

static void raw(struct bb *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->d));
	if (n)
		memcpy(b->d + b->n, p, n);
	b->n += n;
}

/* Length field; returns where the counted part starts. */
static size_t begin(struct bb *b)
{
	if (b->dwarf64) {
		put(b, 0xffffffff, 4);
		put(b, 0, 8);
	} else {
		put(b, 0, 4);
	}
	return b->n;
}

static void end(struct bb *b, size_t start)
{
	uint64_t len = b->n - start;
	size_t at = start - (b->dwarf64 ? 8 : 4), n = b->n;
	b->n = at;
	put(b, len, b->dwarf64 ? 8 : 4);
	b->n = n;
}

static unsigned id_size(const struct bb *b)
{
	return b->fmt == GSC_CFI_EH_FRAME || !b->dwarf64 ? 4 : 8;
}

struct cie_spec {
	const char *aug;
	uint8_t version;
	uint64_t caf;
	int64_t daf;
	uint64_t ra;
	const uint8_t *augdata;
	size_t augdata_len;
	const uint8_t *insns;
	size_t insns_len;
	uint8_t addr_size, seg_size;	/* version 4 */
};

static size_t emit_cie(struct bb *b, const struct cie_spec *s)
{
	size_t off = b->n, start = begin(b);
	put(b, b->fmt == GSC_CFI_EH_FRAME ? 0 : UINT64_MAX, id_size(b));
	put(b, s->version ? s->version : (b->fmt == GSC_CFI_EH_FRAME ? 1 : 3), 1);
	raw(b, s->aug, strlen(s->aug) + 1);
	if (s->version == 4) {
		put(b, s->addr_size, 1);
		put(b, s->seg_size, 1);
	}
	uleb(b, s->caf);
	sleb(b, s->daf);
	if (s->version == 1 || (!s->version && b->fmt == GSC_CFI_EH_FRAME))
		put(b, s->ra, 1);
	else
		uleb(b, s->ra);
	if (s->aug[0] == 'z') {
		uleb(b, s->augdata_len);
		raw(b, s->augdata, s->augdata_len);
	}
	raw(b, s->insns, s->insns_len);
	end(b, start);
	return off;
}

/* An FDE with absolute 8-byte addresses (no "R", or .debug_frame). */
static size_t emit_fde(struct bb *b, size_t cie, uint64_t pc, uint64_t range, bool z,
		       const uint8_t *insns, size_t insns_len)
{
	size_t off = b->n, start = begin(b);
	put(b, b->fmt == GSC_CFI_EH_FRAME ? b->n - cie : cie, id_size(b));
	put(b, pc, 8);
	put(b, range, 8);
	if (z)
		uleb(b, 0);
	raw(b, insns, insns_len);
	end(b, start);
	return off;
}

static struct gsc_cfi *make_cfi(const struct bb *b, uint64_t addr)
{
	struct gsc_cfi *cfi;
	struct gsc_cfi_section_desc d = {
		.format = b->fmt, .data = b->d, .size = b->n, .addr = addr,
		.text_addr = 0x1000, .data_addr = 0x8000,
	};
	assert_null(gsc_cfi_create(b->le, 8, &cfi));
	assert_null(gsc_cfi_add_section(cfi, &d));
	return cfi;
}

static void expect_code(struct gsc_error *err, enum gsc_error_code code)
{
	assert_non_null(err);
	if (err->code != code)
		fail_msg("expected code %d, got %d: %s", code, err->code, err->message);
	gsc_error_destroy(err);
}

static void expect_ok(struct gsc_error *err)
{
	if (err)
		fail_msg("unexpected error: %s", err->message);
}

/* amd64-like CIE: CFA = rsp(7)+8, RA (16) at CFA-8. */
static const uint8_t amd64_init[] = { 0x0c, 7, 8, 0x80 | 16, 1 };
#define SPEC(aug_) { .aug = aug_, .caf = 1, .daf = -8, .ra = 16, .insns = amd64_init, \
		     .insns_len = sizeof(amd64_init) }

static struct gsc_cfa_row row;	/* big: not on the stack */

/* One CIE + one FDE over [0x1000, 0x1100) in the given flavour. */
static struct gsc_cfi *one_fde(struct bb *b, enum gsc_cfi_format fmt, bool le, bool dwarf64,
			       const uint8_t *insns, size_t len)
{
	struct cie_spec spec = SPEC("");
	memset(b, 0, sizeof(*b));
	b->fmt = fmt, b->le = le, b->dwarf64 = dwarf64;
	size_t cie = emit_cie(b, &spec);
	emit_fde(b, cie, 0x1000, 0x100, false, insns, len);
	return make_cfi(b, 0x400000);
}

static struct bb B;

#define FIND(insns, pc) find(insns, sizeof(insns), pc, GSC_CFI_EH_FRAME, true, false)
static struct gsc_error *find(const uint8_t *insns, size_t len, uint64_t pc,
			      enum gsc_cfi_format fmt, bool le, bool dwarf64)
{
	struct gsc_cfi *cfi = one_fde(&B, fmt, le, dwarf64, insns, len);
	struct gsc_error *err = gsc_cfi_find_row(cfi, pc, &row);
	gsc_cfi_destroy(cfi);
	return err;
}

/* ---- opcodes ----------------------------------------------------------- */

static void test_initial_row(void **state)
{
	static const uint8_t p[] = { 0 };
	(void)state;
	expect_ok(FIND(p, 0x1000));
	assert_int_equal(row.cfa.kind, GSC_CFA_REG_OFFSET);
	assert_int_equal(row.cfa.regno, 7);
	assert_int_equal(row.cfa.offset, 8);
	assert_int_equal(row.regs[16].kind, GSC_CFI_RULE_OFFSET);
	assert_int_equal(row.regs[16].offset, -8);
	assert_int_equal(row.ra_regno, 16);
	assert_int_equal(row.num_regs, 17);
	assert_int_equal(row.start, 0x1000);
	assert_int_equal(row.end, 0x1100);
	assert_int_equal(row.fde_start, 0x1000);
	assert_int_equal(row.fde_end, 0x1100);
	assert_false(row.signal_frame);
	expect_code(FIND(p, 0x1100), GSC_ERR_NOT_FOUND);
	expect_code(FIND(p, 0xfff), GSC_ERR_NOT_FOUND);
}

static void test_advance_loc(void **state)
{
	/* advance 1; def_cfa_offset 16; advance 4; def_cfa_offset 24 */
	static const uint8_t p[] = { 0x41, 0x0e, 16, 0x44, 0x0e, 24 };
	(void)state;
	expect_ok(FIND(p, 0x1000));
	assert_int_equal(row.cfa.offset, 8);
	assert_int_equal(row.end, 0x1001);
	expect_ok(FIND(p, 0x1001));
	assert_int_equal(row.cfa.offset, 16);
	assert_int_equal(row.start, 0x1001);
	assert_int_equal(row.end, 0x1005);
	expect_ok(FIND(p, 0x1004));
	assert_int_equal(row.cfa.offset, 16);
	expect_ok(FIND(p, 0x1005));
	assert_int_equal(row.cfa.offset, 24);
	assert_int_equal(row.end, 0x1100);
}

static void test_advance_loc_n(void **state)
{
	/* advance_loc1 0x10; offset 16: 24 | advance_loc2 0x20 | advance_loc4 0x30 | MIPS loc8 */
	static const uint8_t le[] = { 0x02, 0x10, 0x0e, 16, 0x03, 0x20, 0x00, 0x0e, 24,
				      0x04, 0x30, 0, 0, 0, 0x0e, 32,
				      0x1d, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x0e, 40 };
	static const uint8_t be[] = { 0x02, 0x10, 0x0e, 16, 0x03, 0x00, 0x20, 0x0e, 24,
				      0x04, 0, 0, 0, 0x30, 0x0e, 32,
				      0x1d, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x0e, 40 };
	static const struct { uint64_t pc; int64_t off; } want[] = {
		{ 0x100f, 8 }, { 0x1010, 16 }, { 0x1030, 24 }, { 0x1060, 32 }, { 0x1070, 40 },
	};
	(void)state;
	for (size_t i = 0; i < 5; i++) {
		expect_ok(find(le, sizeof(le), want[i].pc, GSC_CFI_EH_FRAME, true, false));
		assert_int_equal(row.cfa.offset, want[i].off);
		expect_ok(find(be, sizeof(be), want[i].pc, GSC_CFI_DEBUG_FRAME, false, false));
		assert_int_equal(row.cfa.offset, want[i].off);
		expect_ok(find(be, sizeof(be), want[i].pc, GSC_CFI_DEBUG_FRAME, false, true));
		assert_int_equal(row.cfa.offset, want[i].off);
	}
}

static void test_code_alignment(void **state)
{
	struct cie_spec spec = SPEC("");
	static const uint8_t p[] = { 0x42, 0x0e, 16, 0x02, 3, 0x0e, 24 };
	(void)state;
	spec.caf = 4;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x100, false, p, sizeof(p));
	struct gsc_cfi *cfi = make_cfi(&B, 0);
	expect_ok(gsc_cfi_find_row(cfi, 0x1007, &row));
	assert_int_equal(row.cfa.offset, 8);
	expect_ok(gsc_cfi_find_row(cfi, 0x1008, &row));
	assert_int_equal(row.cfa.offset, 16);
	assert_int_equal(row.end, 0x1014);
	assert_int_equal(row.code_align, 4);
	expect_ok(gsc_cfi_find_row(cfi, 0x1014, &row));
	assert_int_equal(row.cfa.offset, 24);
	gsc_cfi_destroy(cfi);
}

static void test_offsets(void **state)
{
	static const uint8_t p[] = {
		0x83, 2,		/* offset r3 at cfa-16 */
		0x05, 6, 3,		/* offset_extended r6 at cfa-24 */
		0x11, 12, 0x7c,		/* offset_extended_sf r12, -4 -> cfa+32 */
		0x2f, 13, 5,		/* GNU_negative_offset_extended r13 5 -> cfa+40 */
		0x14, 14, 1,		/* val_offset r14 1 -> -8 */
		0x15, 15, 0x7e,		/* val_offset_sf r15 -2 -> +16 */
	};
	(void)state;
	expect_ok(FIND(p, 0x1000));
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_OFFSET);
	assert_int_equal(row.regs[3].offset, -16);
	assert_int_equal(row.regs[6].offset, -24);
	assert_int_equal(row.regs[12].kind, GSC_CFI_RULE_OFFSET);
	assert_int_equal(row.regs[12].offset, 32);
	assert_int_equal(row.regs[13].kind, GSC_CFI_RULE_OFFSET);
	assert_int_equal(row.regs[13].offset, 40);
	assert_int_equal(row.regs[14].kind, GSC_CFI_RULE_VAL_OFFSET);
	assert_int_equal(row.regs[14].offset, -8);
	assert_int_equal(row.regs[15].kind, GSC_CFI_RULE_VAL_OFFSET);
	assert_int_equal(row.regs[15].offset, 16);
}

static void test_restore(void **state)
{
	/* change RA and r3, then restore both (primary and extended forms) */
	static const uint8_t p[] = { 0x83, 2, 0x80 | 16, 3, 0x41, 0xc0 | 16, 0x06, 3 };
	(void)state;
	expect_ok(FIND(p, 0x1000));
	assert_int_equal(row.regs[16].offset, -24);
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_OFFSET);
	expect_ok(FIND(p, 0x1001));
	assert_int_equal(row.regs[16].kind, GSC_CFI_RULE_OFFSET);
	assert_int_equal(row.regs[16].offset, -8);	/* the CIE's rule */
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_UNSPECIFIED);
}

static void test_undefined_same_register(void **state)
{
	static const uint8_t p[] = { 0x07, 16, 0x08, 3, 0x09, 6, 12 };
	(void)state;
	expect_ok(FIND(p, 0x1050));
	assert_int_equal(row.regs[16].kind, GSC_CFI_RULE_UNDEFINED);
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_SAME_VALUE);
	assert_int_equal(row.regs[6].kind, GSC_CFI_RULE_REGISTER);
	assert_int_equal(row.regs[6].regno, 12);
}

static void test_remember_restore_state(void **state)
{
	static const uint8_t p[] = {
		0x41, 0x0e, 16, 0x83, 2,	/* @1: cfa+16, r3 saved */
		0x0a,				/* remember A */
		0x41, 0x0e, 32, 0x86, 3,	/* @2: cfa+32, r6 saved */
		0x0a,				/* remember B */
		0x41, 0x0e, 8, 0xc3, 0xc6,	/* @3: epilogue: cfa+8, restores */
		0x41, 0x0b,			/* @4: back to B */
		0x41, 0x0b,			/* @5: back to A */
	};
	(void)state;
	expect_ok(FIND(p, 0x1003));
	assert_int_equal(row.cfa.offset, 8);
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_UNSPECIFIED);
	expect_ok(FIND(p, 0x1004));
	assert_int_equal(row.cfa.offset, 32);
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_OFFSET);
	assert_int_equal(row.regs[6].offset, -24);
	expect_ok(FIND(p, 0x1005));
	assert_int_equal(row.cfa.offset, 16);
	assert_int_equal(row.regs[3].offset, -16);
	assert_int_equal(row.regs[6].kind, GSC_CFI_RULE_UNSPECIFIED);
}

static void test_def_cfa_family(void **state)
{
	static const uint8_t p[] = {
		0x0c, 6, 16,		/* @0 def_cfa rbp+16 */
		0x41, 0x0d, 7,		/* @1 def_cfa_register rsp (offset kept) */
		0x41, 0x12, 6, 0x7e,	/* @2 def_cfa_sf rbp, -2*-8 = 16 */
		0x41, 0x13, 0x7d,	/* @3 def_cfa_offset_sf -3 -> 24 */
		0x41, 0x0e, 0x80, 0x01,	/* @4 def_cfa_offset 128 */
	};
	(void)state;
	expect_ok(FIND(p, 0x1000));
	assert_int_equal(row.cfa.regno, 6);
	assert_int_equal(row.cfa.offset, 16);
	expect_ok(FIND(p, 0x1001));
	assert_int_equal(row.cfa.regno, 7);
	assert_int_equal(row.cfa.offset, 16);
	expect_ok(FIND(p, 0x1002));
	assert_int_equal(row.cfa.regno, 6);
	assert_int_equal(row.cfa.offset, 16);
	expect_ok(FIND(p, 0x1003));
	assert_int_equal(row.cfa.offset, 24);
	expect_ok(FIND(p, 0x1004));
	assert_int_equal(row.cfa.offset, 128);
}

static void test_expressions(void **state)
{
	static const uint8_t p[] = {
		0x0f, 3, 0x77, 0x08, 0x06,	/* def_cfa_expression: breg7 8; deref */
		0x10, 6, 2, 0x76, 0x00,		/* expression r6: breg6 0 */
		0x16, 3, 1, 0x31,		/* val_expression r3: lit1 */
	};
	(void)state;
	expect_ok(FIND(p, 0x1000));
	assert_int_equal(row.cfa.kind, GSC_CFA_EXPRESSION);
	assert_int_equal(row.cfa.expr_len, 3);
	assert_memory_equal(row.cfa.expr, p + 2, 3);
	assert_int_equal(row.regs[6].kind, GSC_CFI_RULE_EXPRESSION);
	assert_int_equal(row.regs[6].expr_len, 2);
	assert_memory_equal(row.regs[6].expr, p + 8, 2);
	assert_int_equal(row.regs[3].kind, GSC_CFI_RULE_VAL_EXPRESSION);
	assert_int_equal(row.regs[3].expr[0], 0x31);
	/* def_cfa_offset and def_cfa_register need a register CFA */
	static const uint8_t q[] = { 0x0f, 1, 0x30, 0x0e, 8 };
	expect_code(FIND(q, 0x1000), GSC_ERR_BAD_DATA);
	static const uint8_t r[] = { 0x0f, 1, 0x30, 0x0d, 6 };
	expect_code(FIND(r, 0x1000), GSC_ERR_BAD_DATA);
}

static void test_nop_set_loc_args_size_ra_state(void **state)
{
	static const uint8_t p[] = {
		0x00, 0x00,
		0x01, 0x20, 0x10, 0, 0, 0, 0, 0, 0,	/* set_loc 0x1020 */
		0x2e, 0x10,				/* GNU_args_size 16 */
		0x2d,					/* negate_ra_state */
		0x41, 0x2d, 0x2e, 0,
	};
	(void)state;
	expect_ok(FIND(p, 0x101f));
	assert_int_equal(row.args_size, 0);
	assert_int_equal(row.end, 0x1020);
	expect_ok(FIND(p, 0x1020));
	assert_int_equal(row.start, 0x1020);
	assert_int_equal(row.args_size, 16);
	assert_true(row.ra_signed);
	expect_ok(FIND(p, 0x1021));
	assert_false(row.ra_signed);
	assert_int_equal(row.args_size, 0);
	/* set_loc backwards */
	static const uint8_t q[] = { 0x41, 0x01, 0x00, 0x10, 0, 0, 0, 0, 0, 0 };
	expect_code(FIND(q, 0x1050), GSC_ERR_BAD_DATA);
}

/* ---- formats, augmentations, encodings ---------------------------------- */

static void test_debug_frame_versions(void **state)
{
	static const uint8_t p[] = { 0x41, 0x0e, 16 };
	(void)state;
	for (uint8_t v = 1; v <= 4; v++) {
		if (v == 2)
			continue;
		struct cie_spec spec = SPEC("");
		spec.version = v;
		spec.addr_size = 8;
		memset(&B, 0, sizeof(B));
		B.fmt = GSC_CFI_DEBUG_FRAME, B.le = v != 3;
		size_t cie = emit_cie(&B, &spec);
		emit_fde(&B, cie, 0x1000, 0x10, false, p, sizeof(p));
		struct gsc_cfi *cfi = make_cfi(&B, 0);
		expect_ok(gsc_cfi_find_row(cfi, 0x1001, &row));
		assert_int_equal(row.cfa.offset, 16);
		assert_int_equal(row.ra_regno, 16);
		assert_int_equal(row.format, GSC_CFI_DEBUG_FRAME);
		gsc_cfi_destroy(cfi);
	}
}

static void test_debug_frame_v4_addr4_segment(void **state)
{
	struct cie_spec spec = SPEC("");
	(void)state;
	spec.version = 4, spec.addr_size = 4, spec.seg_size = 2;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	size_t start = begin(&B);
	put(&B, cie, 4);
	put(&B, 0x7, 2);		/* segment selector */
	put(&B, 0x2000, 4);
	put(&B, 0x20, 4);
	put(&B, 0x41, 1);
	end(&B, start);
	struct gsc_cfi *cfi = make_cfi(&B, 0);
	expect_ok(gsc_cfi_find_row(cfi, 0x2001, &row));
	assert_int_equal(row.fde_start, 0x2000);
	assert_int_equal(row.fde_end, 0x2020);
	assert_int_equal(row.start, 0x2001);
	gsc_cfi_destroy(cfi);
	/* bad address size */
	spec.addr_size = 3;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x10, false, NULL, 0);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
}

/* "zR" with pcrel|sdata4 addresses, as gcc emits. */
static void test_eh_zR_pcrel(void **state)
{
	static const uint8_t aug[] = { 0x1b };
	struct cie_spec spec = SPEC("zR");
	(void)state;
	spec.augdata = aug, spec.augdata_len = 1;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	size_t start = begin(&B);
	put(&B, B.n - cie, 4);
	uint64_t sec = 0x400000, at = sec + B.n;
	put(&B, (uint64_t)(0x401000 - at), 4);	/* pcrel */
	put(&B, 0x40, 4);
	uleb(&B, 0);
	put(&B, 0x44, 1);
	put(&B, 0x0e, 1);
	put(&B, 16, 1);
	end(&B, start);
	put(&B, 0, 4);		/* terminator */
	put(&B, 0xff, 4);	/* junk after it is never read */
	struct gsc_cfi *cfi = make_cfi(&B, sec);
	expect_ok(gsc_cfi_find_row(cfi, 0x401004, &row));
	assert_int_equal(row.fde_start, 0x401000);
	assert_int_equal(row.fde_end, 0x401040);
	assert_int_equal(row.cfa.offset, 16);
	assert_int_equal(gsc_cfi_num_indexed(cfi), 1);
	gsc_cfi_destroy(cfi);
}

/* "zPLR": personality (indirect pcrel sdata4), LSDA (pcrel sdata4), "S" too. */
static void test_eh_zPLRS(void **state)
{
	uint64_t sec = 0x10000;
	struct cie_spec spec = SPEC("zPLRS");
	uint8_t aug[8] = { 0x9b, 0, 0, 0, 0, 0x1b, 0x1b };
	(void)state;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	/* The personality pointer lands at CIE offset 4+4+1+6+1+1+1+1+1 = 20. */
	uint32_t rel = (uint32_t)(0x20000 - (sec + 20));
	memcpy(aug + 1, &rel, 4);
	spec.augdata = aug, spec.augdata_len = 7;
	size_t cie = emit_cie(&B, &spec);
	size_t start = begin(&B);
	put(&B, B.n - cie, 4);
	put(&B, (uint64_t)(0x11000 - (sec + B.n)), 4);
	put(&B, 0x100, 4);
	uleb(&B, 4);
	put(&B, (uint64_t)(0x30000 - (sec + B.n)), 4);	/* LSDA */
	end(&B, start);
	struct gsc_cfi *cfi = make_cfi(&B, sec);
	expect_ok(gsc_cfi_find_row(cfi, 0x11000, &row));
	assert_true(row.signal_frame);
	assert_true(row.has_personality);
	assert_true(row.personality_indirect);
	assert_int_equal(row.personality, 0x20000);
	assert_true(row.has_lsda);
	assert_int_equal(row.lsda, 0x30000);
	assert_int_equal(row.cfa.offset, 8);
	gsc_cfi_destroy(cfi);
}

static struct gsc_error *aug_case(const char *aug, const uint8_t *data, size_t len, bool fde_z)
{
	struct cie_spec spec = SPEC("");
	spec.aug = aug, spec.augdata = data, spec.augdata_len = len;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x10, fde_z, NULL, 0);
	struct gsc_cfi *cfi = make_cfi(&B, 0);
	struct gsc_error *err = gsc_cfi_find_row(cfi, 0x1000, &row);
	gsc_cfi_destroy(cfi);
	return err;
}

static void test_augmentations(void **state)
{
	static const uint8_t unknown[] = { 1, 2, 3 };
	(void)state;
	expect_ok(aug_case("zXY", unknown, sizeof(unknown), true));	/* skipped by length */
	assert_int_equal(row.cfa.offset, 8);
	expect_ok(aug_case("zB", NULL, 0, true));
	expect_ok(aug_case("zG", NULL, 0, true));
	expect_code(aug_case("X", NULL, 0, false), GSC_ERR_UNSUPPORTED);
	/* R omitted-encoding (0xff) cannot give an address */
	static const uint8_t omit[] = { 0xff };
	expect_code(aug_case("zR", omit, 1, true), GSC_ERR_BAD_DATA);
	/* unknown encoding */
	static const uint8_t badenc[] = { 0x07 };
	expect_code(aug_case("zR", badenc, 1, true), GSC_ERR_BAD_DATA);
	/* P's pointer runs past the augmentation data */
	static const uint8_t shortp[] = { 0x04, 0, 0 };
	expect_code(aug_case("zP", shortp, sizeof(shortp), true), GSC_ERR_BAD_DATA);
}

/* Old gcc "eh": an address-sized eh_ptr after the string. */
static void test_augmentation_eh(void **state)
{
	(void)state;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t start = begin(&B);
	put(&B, 0, 4);
	put(&B, 1, 1);
	raw(&B, "eh", 3);
	put(&B, 0xdeadbeef, 8);
	uleb(&B, 1);
	sleb(&B, -8);
	put(&B, 16, 1);
	raw(&B, amd64_init, sizeof(amd64_init));
	end(&B, start);
	emit_fde(&B, 0, 0x1000, 0x10, false, NULL, 0);
	struct gsc_cfi *cfi = make_cfi(&B, 0);
	expect_ok(gsc_cfi_find_row(cfi, 0x1000, &row));
	assert_int_equal(row.cfa.offset, 8);
	gsc_cfi_destroy(cfi);
}

/* Each FDE address format through "zR". */
static void test_pointer_encodings(void **state)
{
	static const struct { uint8_t enc; unsigned size; uint64_t stored, want_start; } cases[] = {
		{ 0x02, 2, 0x1234, 0x1234 },		/* udata2 */
		{ 0x03, 4, 0x12345678, 0x12345678 },	/* udata4 */
		{ 0x04, 8, 0x123456789a, 0x123456789a },/* udata8 */
		{ 0x0a, 2, 0x10, 0x10 },		/* sdata2 */
		{ 0x0b, 4, 0x10, 0x10 },		/* sdata4 */
		{ 0x0c, 8, 0x10, 0x10 },		/* sdata8 */
		{ 0x01, 0, 0x3000, 0x3000 },		/* uleb128 */
		{ 0x09, 0, 0x3000, 0x3000 },		/* sleb128 */
		{ 0x23, 4, 0x100, 0x1100 },		/* textrel udata4, text at 0x1000 */
		{ 0x3b, 4, (uint32_t)-0x100, 0x7f00 },	/* datarel sdata4, data at 0x8000 */
		{ 0x00, 8, 0x5000, 0x5000 },		/* absptr */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cie_spec spec = SPEC("zR");
		uint8_t enc = cases[i].enc;
		spec.augdata = &enc, spec.augdata_len = 1;
		memset(&B, 0, sizeof(B));
		B.fmt = GSC_CFI_EH_FRAME, B.le = i % 2 == 0;
		size_t cie = emit_cie(&B, &spec);
		size_t start = begin(&B);
		put(&B, B.n - cie, 4);
		if (cases[i].size)
			put(&B, cases[i].stored, cases[i].size);
		else if ((enc & 0x0f) == 0x01)
			uleb(&B, cases[i].stored);
		else
			sleb(&B, (int64_t)cases[i].stored);
		if (cases[i].size)
			put(&B, 0x10, cases[i].size);
		else
			uleb(&B, 0x10);
		uleb(&B, 0);
		end(&B, start);
		struct gsc_cfi *cfi = make_cfi(&B, 0x200000);
		expect_ok(gsc_cfi_find_row(cfi, cases[i].want_start + 0xf, &row));
		assert_int_equal(row.fde_start, cases[i].want_start);
		assert_int_equal(row.fde_end, cases[i].want_start + 0x10);
		gsc_cfi_destroy(cfi);
	}
}

/* DW_EH_PE_aligned: the value starts at the next address-size boundary. */
static void test_pointer_aligned_and_funcrel_lsda(void **state)
{
	struct cie_spec spec = SPEC("zLR");
	static const uint8_t aug[] = { 0x43, 0x50 };	/* LSDA funcrel udata4; FDE aligned */
	(void)state;
	spec.augdata = aug, spec.augdata_len = 2;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	size_t start = begin(&B);
	put(&B, B.n - cie, 4);
	while (B.n % 8)
		put(&B, 0, 1);
	put(&B, 0x7000, 8);
	put(&B, 0x20, 8);
	uleb(&B, 4);
	put(&B, 0x40, 4);
	end(&B, start);
	struct gsc_cfi *cfi = make_cfi(&B, 0x100000);
	expect_ok(gsc_cfi_find_row(cfi, 0x7010, &row));
	assert_int_equal(row.fde_start, 0x7000);
	assert_true(row.has_lsda);
	assert_int_equal(row.lsda, 0x7040);
	gsc_cfi_destroy(cfi);
}

static void test_dwarf64_eh_frame(void **state)
{
	static const uint8_t p[] = { 0x42, 0x0e, 40 };
	(void)state;
	expect_ok(find(p, sizeof(p), 0x1002, GSC_CFI_EH_FRAME, true, true));
	assert_int_equal(row.cfa.offset, 40);
	expect_ok(find(p, sizeof(p), 0x1002, GSC_CFI_EH_FRAME, false, true));
	assert_int_equal(row.cfa.offset, 40);
}

/* ---- lookup --------------------------------------------------------------- */

static void test_index_many_fdes(void **state)
{
	struct cie_spec spec = SPEC("");
	static const uint8_t p[] = { 0x41, 0x0e, 16 };
	(void)state;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	/* Out of order, with a discarded zero-length FDE and zero padding. */
	for (int i = 9; i >= 0; i--) {
		emit_fde(&B, cie, 0x1000 + (uint64_t)i * 0x100, 0x80, false, p, sizeof(p));
		if (i == 5) {
			emit_fde(&B, cie, 0, 0, false, p, sizeof(p));
			put(&B, 0, 4);
		}
	}
	size_t cie2 = emit_cie(&B, &spec);
	emit_fde(&B, cie2, 0x9000, 0x10, false, NULL, 0);
	struct gsc_cfi *cfi = make_cfi(&B, 0);
	assert_int_equal(gsc_cfi_num_indexed(cfi), 0);
	for (int i = 0; i < 10; i++) {
		uint64_t pc = 0x1000 + (uint64_t)i * 0x100;
		expect_ok(gsc_cfi_find_row(cfi, pc + 1, &row));
		assert_int_equal(row.fde_start, pc);
		assert_int_equal(row.cfa.offset, 16);
		expect_code(gsc_cfi_find_row(cfi, pc + 0x80, &row), GSC_ERR_NOT_FOUND);
	}
	expect_ok(gsc_cfi_find_row(cfi, 0x9000, &row));
	expect_code(gsc_cfi_find_row(cfi, 0, &row), GSC_ERR_NOT_FOUND);
	assert_int_equal(gsc_cfi_num_indexed(cfi), 11);
	gsc_cfi_destroy(cfi);
}

static void test_eh_frame_hdr(void **state)
{
	struct cie_spec spec = SPEC("zR");
	static const uint8_t aug[] = { 0x1b };
	static const uint8_t p[] = { 0x41, 0x0e, 16 };
	uint64_t eh = 0x402000, hdr = 0x401000;
	size_t fdes[3];
	(void)state;
	spec.augdata = aug, spec.augdata_len = 1;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	for (int i = 0; i < 3; i++) {
		fdes[i] = B.n;
		size_t start = begin(&B);
		put(&B, B.n - cie, 4);
		put(&B, (uint64_t)(0x500000 + i * 0x100 - (eh + B.n)), 4);
		put(&B, 0x80, 4);
		uleb(&B, 0);
		raw(&B, p, sizeof(p));
		end(&B, start);
	}
	put(&B, 0, 4);
	struct bb h = { .le = true };
	put(&h, 1, 1);
	put(&h, 0x1b, 1);	/* eh_frame_ptr: pcrel sdata4 */
	put(&h, 0x03, 1);	/* fde_count: udata4 */
	put(&h, 0x3b, 1);	/* table: datarel sdata4 */
	put(&h, (uint64_t)(eh - (hdr + 4)), 4);
	put(&h, 3, 4);
	for (int i = 0; i < 3; i++) {
		put(&h, (uint64_t)(0x500000 + i * 0x100 - hdr), 4);
		put(&h, (uint64_t)(eh + fdes[i] - hdr), 4);
	}
	struct gsc_cfi *cfi;
	struct gsc_cfi_section_desc d = {
		.format = GSC_CFI_EH_FRAME, .data = B.d, .size = B.n, .addr = eh,
		.hdr = h.d, .hdr_size = h.n, .hdr_addr = hdr,
	};
	assert_null(gsc_cfi_create(true, 8, &cfi));
	assert_null(gsc_cfi_add_section(cfi, &d));
	expect_ok(gsc_cfi_find_row(cfi, 0x500101, &row));
	assert_int_equal(row.fde_start, 0x500100);
	assert_int_equal(row.cfa.offset, 16);
	expect_code(gsc_cfi_find_row(cfi, 0x500190, &row), GSC_ERR_NOT_FOUND);
	expect_code(gsc_cfi_find_row(cfi, 0x4fffff, &row), GSC_ERR_NOT_FOUND);
	assert_int_equal(gsc_cfi_num_indexed(cfi), 0);	/* no index needed */
	gsc_cfi_destroy(cfi);
	/* A table pointing outside .eh_frame is BAD_DATA. */
	h.n = 12 + 8 * 2 + 4;	/* the third entry's FDE address */
	put(&h, 0x7fffffff, 4);
	assert_null(gsc_cfi_create(true, 8, &cfi));
	assert_null(gsc_cfi_add_section(cfi, &d));
	expect_code(gsc_cfi_find_row(cfi, 0x500201, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	/* An unusable header (version 2) falls back to the index. */
	h.d[0] = 2;
	assert_null(gsc_cfi_create(true, 8, &cfi));
	assert_null(gsc_cfi_add_section(cfi, &d));
	expect_ok(gsc_cfi_find_row(cfi, 0x500201, &row));
	assert_int_equal(gsc_cfi_num_indexed(cfi), 3);
	gsc_cfi_destroy(cfi);
}

/* ---- hostile input ---------------------------------------------------- */

static void test_bad_opcodes(void **state)
{
	static const uint8_t unknown[] = { 0x17 };
	static const uint8_t underflow[] = { 0x0a, 0x0b, 0x0b };
	static const uint8_t big_reg[] = { 0x05, 0xe8, 0x07, 1 };	/* r1000 */
	static const uint8_t big_reg2[] = { 0x09, 3, 0x80, 0x01 };	/* register r3 = r128 */
	static const uint8_t big_cfa_reg[] = { 0x0c, 0x80, 0x01, 0 };
	static const uint8_t truncated[] = { 0x05, 3 };
	static const uint8_t long_expr[] = { 0x0f, 0x10, 0x30 };
	static const uint8_t huge_cfa[] = { 0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0x01 };
	static const uint8_t huge_off[] = { 0x83, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0x7f };	/* 2^63-1 * -8 */
	static const uint8_t huge_adv[] = { 0x1d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff };
	(void)state;
	expect_code(FIND(unknown, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(underflow, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(big_reg, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(big_reg2, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(big_cfa_reg, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(truncated, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(long_expr, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(huge_cfa, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(huge_off, 0x1000), GSC_ERR_BAD_DATA);
	expect_code(FIND(huge_adv, 0x10ff), GSC_ERR_BAD_DATA);
	/* An opcode after the row of pc is never read. */
	static const uint8_t late[] = { 0x41, 0x17 };
	expect_ok(FIND(late, 0x1000));
}

static void test_state_depth_bounded(void **state)
{
	uint8_t p[GSC_CFI_MAX_STATE_DEPTH + 1];
	(void)state;
	memset(p, 0x0a, sizeof(p));
	expect_code(find(p, sizeof(p), 0x1000, GSC_CFI_EH_FRAME, true, false), GSC_ERR_BAD_DATA);
	expect_ok(find(p, sizeof(p) - 1, 0x1000, GSC_CFI_EH_FRAME, true, false));
}

static void test_advance_loop_bounded(void **state)
{
	/* 4000 zero advances and 4000 one-byte advances: all bounded by bytes. */
	static uint8_t p[8000];
	(void)state;
	memset(p, 0x40, 4000);
	memset(p + 4000, 0x41, 4000);
	expect_ok(find(p, 4000 + 200, 0x10ff, GSC_CFI_EH_FRAME, true, false));
	assert_int_equal(row.start, 0x10c8);
}

static void test_huge_alignment_factors(void **state)
{
	struct cie_spec spec = SPEC("");
	static const uint8_t off[] = { 0x83, 4 };
	static const uint8_t adv[] = { 0x44 };
	(void)state;
	spec.daf = INT64_MIN / 2;
	spec.insns = NULL, spec.insns_len = 0;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x100, false, off, sizeof(off));
	struct gsc_cfi *cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	spec.daf = -8;
	spec.caf = UINT64_MAX / 2;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x100, false, adv, sizeof(adv));
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x10ff, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
}

static void test_bad_entries(void **state)
{
	struct gsc_cfi *cfi;
	(void)state;
	/* Length past the end of the section. */
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	put(&B, 0x100, 4);
	put(&B, 0, 4);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	/* Reserved 32-bit length. */
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	put(&B, 0xfffffff0, 4);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	/* Truncated CIE: the entry ends inside the augmentation string. */
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t start = begin(&B);
	put(&B, 0, 4);
	put(&B, 1, 1);
	raw(&B, "zR", 2);
	end(&B, start);
	emit_fde(&B, 0, 0x1000, 0x10, false, NULL, 0);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	/* Truncated FDE: the address range is cut short. */
	struct cie_spec spec = SPEC("");
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	start = begin(&B);
	put(&B, cie, 4);
	put(&B, 0x1000, 8);
	put(&B, 0x10, 4);
	end(&B, start);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
}

static void test_bad_cie_pointers(void **state)
{
	struct cie_spec spec = SPEC("");
	struct gsc_cfi *cfi;
	(void)state;
	/* .debug_frame: past the end; at an FDE; at itself. */
	for (size_t i = 0; i < 3; i++) {
		memset(&B, 0, sizeof(B));
		B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
		emit_cie(&B, &spec);
		size_t good = emit_fde(&B, 0, 0x2000, 0x10, false, NULL, 0);
		const uint64_t targets[] = { 0x10000, good, B.n };
		emit_fde(&B, targets[i], 0x1000, 0x10, false, NULL, 0);
		cfi = make_cfi(&B, 0);
		expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
		expect_ok(gsc_cfi_find_row(cfi, 0x2000, &row));	/* the good FDE */
		gsc_cfi_destroy(cfi);
	}
	/* .eh_frame: a relative pointer before the section start. */
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	size_t start = begin(&B);
	put(&B, 0x100, 4);
	put(&B, 0x1000, 8);
	put(&B, 0x10, 8);
	end(&B, start);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
}

static void test_bad_cie_fields(void **state)
{
	struct cie_spec spec = SPEC("");
	struct gsc_cfi *cfi;
	(void)state;
	spec.version = 2;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	size_t cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x10, false, NULL, 0);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_UNSUPPORTED);
	gsc_cfi_destroy(cfi);
	spec.version = 3;
	spec.ra = 5000;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, 0x1000, 0x10, false, NULL, 0);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	/* FDE range overflowing the address space */
	spec.ra = 16;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_DEBUG_FRAME, B.le = true;
	cie = emit_cie(&B, &spec);
	emit_fde(&B, cie, UINT64_MAX - 4, 0x10, false, NULL, 0);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, UINT64_MAX - 2, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
	/* "z" augmentation length past the end of the CIE */
	static const uint8_t aug[] = { 0x1b };
	struct cie_spec z = SPEC("zR");
	z.augdata = aug, z.augdata_len = 1;
	memset(&B, 0, sizeof(B));
	B.fmt = GSC_CFI_EH_FRAME, B.le = true;
	cie = emit_cie(&B, &z);
	B.d[cie + 4 + 4 + 1 + 3 + 3] = 0x7f;	/* the augmentation length byte */
	emit_fde(&B, cie, 0x1000, 0x10, true, NULL, 0);
	cfi = make_cfi(&B, 0);
	expect_code(gsc_cfi_find_row(cfi, 0x1000, &row), GSC_ERR_BAD_DATA);
	gsc_cfi_destroy(cfi);
}

/* Random corruption of a valid section: an error or a row, never a crash. */
static void test_mutations(void **state)
{
	static const uint8_t p[] = { 0x41, 0x0e, 16, 0x83, 2, 0x0a, 0x41, 0x0e, 8, 0x0b,
				     0x0f, 2, 0x77, 0x08, 0x10, 6, 1, 0x30, 0x2e, 4 };
	struct cie_spec spec = SPEC("zPLR");
	static const uint8_t aug[] = { 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x1b, 0x1b };
	uint32_t seed = 12345;
	struct bb orig;
	(void)state;
	spec.augdata = aug, spec.augdata_len = sizeof(aug);
	memset(&orig, 0, sizeof(orig));
	orig.fmt = GSC_CFI_EH_FRAME, orig.le = true;
	size_t cie = emit_cie(&orig, &spec);
	for (int i = 0; i < 4; i++) {
		size_t start = begin(&orig);
		put(&orig, orig.n - cie, 4);
		put(&orig, (uint64_t)(0x1000 + i * 0x40 - orig.n), 4);
		put(&orig, 0x40, 4);
		uleb(&orig, 4);
		put(&orig, 0, 4);
		raw(&orig, p, sizeof(p));
		end(&orig, start);
	}
	for (int iter = 0; iter < 3000; iter++) {
		B = orig;
		B.fmt = iter % 3 == 0 ? GSC_CFI_DEBUG_FRAME : GSC_CFI_EH_FRAME;
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245 + 12345;
			B.d[(seed >> 8) % B.n] = (uint8_t)(seed >> 20);
		}
		if (iter % 7 == 0)
			B.n -= (seed >> 4) % B.n;
		struct gsc_cfi *cfi = make_cfi(&B, 0);
		for (uint64_t pc = 0xff0; pc < 0x1110; pc += 0x11) {
			struct gsc_error *err = gsc_cfi_find_row(cfi, pc, &row);
			gsc_error_destroy(err);
		}
		gsc_cfi_destroy(cfi);
	}
}

/* ---- the expression evaluator ----------------------------------------- */

static uint64_t fake_regs[32];

static struct gsc_error *fake_reg(void *arg, unsigned regno, uint64_t *ret)
{
	(void)arg;
	if (regno >= 32)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no register %u", regno);
	*ret = fake_regs[regno];
	return NULL;
}

static struct gsc_error *fake_mem(void *arg, uint64_t addr, unsigned size, uint64_t *ret)
{
	(void)arg;
	if (addr < 0x7000 || addr >= 0x8000)
		return gsc_error_fault(addr, size);
	*ret = addr * 2;
	return NULL;
}

static const struct gsc_cfi_expr_env env = {
	.read_reg = fake_reg, .read_mem = fake_mem, .addr_size = 8, .little_endian = true,
};

static void test_eval_expr(void **state)
{
	uint64_t v;
	(void)state;
	fake_regs[7] = 0x7ff8;
	fake_regs[16] = 0x40100c;
	fake_regs[6] = 0x7100;
	/* gcc's PLT CFA: breg7 8; breg16 0; lit15; and; lit11; ge; lit3; shl; plus */
	static const uint8_t plt[] = { 0x77, 8, 0x80, 0, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22 };
	expect_ok(gsc_cfi_eval_expr(plt, sizeof(plt), &env, false, 0, &v));
	assert_int_equal(v, 0x8000 + 8);
	/* DRAP: breg6 -8; deref */
	static const uint8_t drap[] = { 0x76, 0x78, 0x06 };
	expect_ok(gsc_cfi_eval_expr(drap, sizeof(drap), &env, false, 0, &v));
	assert_int_equal(v, 0x70f8 * 2);
	/* CFA pushed first: plus_uconst 16 */
	static const uint8_t pu[] = { 0x23, 16 };
	expect_ok(gsc_cfi_eval_expr(pu, sizeof(pu), &env, true, 0x100, &v));
	assert_int_equal(v, 0x110);
	/* constants, stack ops, bra: ((5 + -2) * 3 ... ) */
	static const uint8_t mix[] = { 0x08, 5, 0x09, 0xfe, 0x22, 0x12, 0x1e, 0x0a, 0x10, 0x00,
				       0x16, 0x1c, 0x31, 0x28, 2, 0, 0x30, 0x30 };
	expect_ok(gsc_cfi_eval_expr(mix, sizeof(mix), &env, false, 0, &v));
	assert_int_equal(v, 16 - 9);
	static const struct { uint8_t len, op[12]; uint64_t want; } cases[] = {
		{ 3, { 0x92, 6, 0x02 }, 0x7102 },			/* bregx */
		{ 5, { 0x0b, 0x01, 0x71, 0x94, 1 }, 0x02 },		/* deref_size 1 */
		{ 4, { 0x35, 0x36, 0x15, 1 }, 5 },			/* pick */
		{ 4, { 0x35, 0x36, 0x37, 0x17 }, 6 },			/* rot */
		{ 3, { 0x35, 0x36, 0x14 }, 5 },				/* over */
		{ 3, { 0x35, 0x36, 0x13 }, 5 },				/* drop */
		{ 2, { 0x35, 0x1f }, (uint64_t)-5 },			/* neg */
		{ 3, { 0x35, 0x1f, 0x19 }, 5 },				/* abs */
		{ 2, { 0x30, 0x20 }, UINT64_MAX },			/* not */
		{ 4, { 0x09, 0xf6, 0x33, 0x1b }, (uint64_t)-3 },	/* div (signed) */
		{ 3, { 0x3a, 0x33, 0x1d }, 1 },				/* mod */
		{ 4, { 0x09, 0xf0, 0x32, 0x25 }, UINT64_MAX >> 2 & ~3ULL },	/* shr */
		{ 4, { 0x09, 0xf0, 0x32, 0x26 }, (uint64_t)-4 },	/* shra */
		{ 3, { 0x31, 0x34, 0x24 }, 16 },			/* shl */
		{ 3, { 0x3c, 0x3a, 0x27 }, 6 },				/* xor */
		{ 3, { 0x3c, 0x3a, 0x21 }, 14 },			/* or */
		{ 3, { 0x3c, 0x3a, 0x1a }, 8 },				/* and */
		{ 3, { 0x31, 0x32, 0x2d }, 1 },				/* lt */
		{ 3, { 0x31, 0x32, 0x2b }, 0 },				/* gt */
		{ 3, { 0x32, 0x32, 0x29 }, 1 },				/* eq */
		{ 3, { 0x32, 0x32, 0x2e }, 0 },				/* ne */
		{ 3, { 0x33, 0x32, 0x2c }, 0 },				/* le */
		{ 3, { 0x33, 0x32, 0x2a }, 1 },				/* ge */
		{ 5, { 0x0c, 0x78, 0x56, 0x34, 0x12 }, 0x12345678 },	/* const4u */
		{ 5, { 0x0d, 0xff, 0xff, 0xff, 0xff }, UINT64_MAX },	/* const4s */
		{ 9, { 0x0e, 1, 2, 3, 4, 5, 6, 7, 8 }, 0x0807060504030201 },	/* const8u */
		{ 9, { 0x0f, 1, 2, 3, 4, 5, 6, 7, 8 }, 0x0807060504030201 },	/* const8s */
		{ 9, { 0x03, 8, 7, 6, 5, 4, 3, 2, 1 }, 0x0102030405060708 },	/* addr */
		{ 3, { 0x10, 0x80, 0x01 }, 128 },			/* constu */
		{ 2, { 0x11, 0x7f }, UINT64_MAX },			/* consts */
		{ 3, { 0x0b, 0xff, 0xff }, UINT64_MAX },		/* const2s */
		{ 5, { 0x2f, 1, 0, 0x31, 0x32 }, 2 },			/* skip */
		{ 2, { 0x4f, 0x96 }, 31 },				/* lit31, nop */
		{ 2, { 0x76, 0x10 }, 0x7110 },				/* breg6 16 */
	};
	fake_regs[6] = 0x7100;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_ok(gsc_cfi_eval_expr(cases[i].op, cases[i].len, &env, false, 0, &v));
		if (v != cases[i].want)
			fail_msg("case %zu: got 0x%llx, want 0x%llx", i, (unsigned long long)v,
				 (unsigned long long)cases[i].want);
	}
	struct gsc_cfi_expr_env env4 = env;
	env4.addr_size = 4;
	static const uint8_t m1[] = { 0x11, 0x7f };	/* consts -1 */
	expect_ok(gsc_cfi_eval_expr(m1, 2, &env4, false, 0, &v));
	assert_int_equal(v, 0xffffffff);
}

static void test_eval_expr_hostile(void **state)
{
	uint64_t v;
	(void)state;
	static const uint8_t loop[] = { 0x2f, 0xfd, 0xff };		/* skip -3 */
	expect_code(gsc_cfi_eval_expr(loop, sizeof(loop), &env, false, 0, &v), GSC_ERR_BAD_DATA);
	uint8_t push[GSC_CFI_EXPR_STACK + 1];
	memset(push, 0x30, sizeof(push));
	expect_code(gsc_cfi_eval_expr(push, sizeof(push), &env, false, 0, &v), GSC_ERR_BAD_DATA);
	static const uint8_t under[] = { 0x22 };
	expect_code(gsc_cfi_eval_expr(under, 1, &env, false, 0, &v), GSC_ERR_BAD_DATA);
	static const uint8_t div0[] = { 0x31, 0x30, 0x1b };
	expect_code(gsc_cfi_eval_expr(div0, 3, &env, false, 0, &v), GSC_ERR_BAD_DATA);
	static const uint8_t branch_out[] = { 0x2f, 0x10, 0x00 };
	expect_code(gsc_cfi_eval_expr(branch_out, 3, &env, false, 0, &v), GSC_ERR_BAD_DATA);
	static const uint8_t reg[] = { 0x50 };		/* DW_OP_reg0: not an address */
	expect_code(gsc_cfi_eval_expr(reg, 1, &env, false, 0, &v), GSC_ERR_UNSUPPORTED);
	static const uint8_t fault[] = { 0x30, 0x06 };
	expect_code(gsc_cfi_eval_expr(fault, 2, &env, false, 0, &v), GSC_ERR_FAULT);
	static const uint8_t empty[] = { 0x96 };
	expect_code(gsc_cfi_eval_expr(empty, 1, &env, false, 0, &v), GSC_ERR_BAD_DATA);
	static const uint8_t trunc[] = { 0x0e, 1, 2 };
	expect_code(gsc_cfi_eval_expr(trunc, 3, &env, false, 0, &v), GSC_ERR_BAD_DATA);
}

/* ---- a real ELF: this test program ------------------------------------- */

static void test_own_binary(void **state)
{
	struct gsc_elf *elf;
	struct gsc_cfi *cfi;
	struct gsc_elf_symbol sym;
	(void)state;
	expect_ok(gsc_elf_open("/proc/self/exe", &elf));
	expect_ok(gsc_cfi_create_elf(elf, &cfi));
	expect_ok(gsc_elf_symbol_lookup(elf, "main", &sym));
	expect_ok(gsc_cfi_find_row(cfi, sym.value, &row));
	assert_true(row.fde_start <= sym.value && sym.value < row.fde_end);
	assert_int_equal(row.start, sym.value);
	if (gsc_elf_arch(elf) == GSC_ARCH_AMD64) {
		assert_int_equal(row.cfa.regno, 7);
		assert_int_equal(row.cfa.offset, 8);
		assert_int_equal(row.regs[16].offset, -8);
	}
	gsc_cfi_destroy(cfi);
	gsc_cfi_destroy(NULL);
	gsc_elf_destroy(elf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_row),
		cmocka_unit_test(test_advance_loc),
		cmocka_unit_test(test_advance_loc_n),
		cmocka_unit_test(test_code_alignment),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_undefined_same_register),
		cmocka_unit_test(test_remember_restore_state),
		cmocka_unit_test(test_def_cfa_family),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_nop_set_loc_args_size_ra_state),
		cmocka_unit_test(test_debug_frame_versions),
		cmocka_unit_test(test_debug_frame_v4_addr4_segment),
		cmocka_unit_test(test_eh_zR_pcrel),
		cmocka_unit_test(test_eh_zPLRS),
		cmocka_unit_test(test_augmentations),
		cmocka_unit_test(test_augmentation_eh),
		cmocka_unit_test(test_pointer_encodings),
		cmocka_unit_test(test_pointer_aligned_and_funcrel_lsda),
		cmocka_unit_test(test_dwarf64_eh_frame),
		cmocka_unit_test(test_index_many_fdes),
		cmocka_unit_test(test_eh_frame_hdr),
		cmocka_unit_test(test_bad_opcodes),
		cmocka_unit_test(test_state_depth_bounded),
		cmocka_unit_test(test_advance_loop_bounded),
		cmocka_unit_test(test_huge_alignment_factors),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_bad_cie_pointers),
		cmocka_unit_test(test_bad_cie_fields),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_eval_expr),
		cmocka_unit_test(test_eval_expr_hostile),
		cmocka_unit_test(test_own_binary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
