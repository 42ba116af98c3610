/*
 * cfi.c - .eh_frame / .debug_frame parsing and the DW_CFA interpreter.
 *
 * Facts come from DWARF 5 §6.4 (call frame information, CIE/FDE layout,
 * opcodes in §7.24 table 7.29), the LSB 5.0 "Exception Frames" chapter
 * (.eh_frame, augmentations, DW_EH_PE_* encodings, .eh_frame_hdr) and the
 * x86-64 and AArch64 psABIs for the vendor opcodes.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfi.h"
#include "cleanup.h"
#include "elf_file.h"

/* DW_EH_PE_* pointer encodings (LSB 5.0 §10.5.1), low nibble = format. */
enum {
	PE_ABSPTR = 0x00,
	PE_ULEB128 = 0x01,
	PE_UDATA2 = 0x02,
	PE_UDATA4 = 0x03,
	PE_UDATA8 = 0x04,
	PE_SIGNED = 0x08,
	PE_SLEB128 = 0x09,
	PE_SDATA2 = 0x0a,
	PE_SDATA4 = 0x0b,
	PE_SDATA8 = 0x0c,
	PE_FORMAT_MASK = 0x0f,
	PE_PCREL = 0x10,
	PE_TEXTREL = 0x20,
	PE_DATAREL = 0x30,
	PE_FUNCREL = 0x40,
	PE_ALIGNED = 0x50,
	PE_APPLY_MASK = 0x70,
	PE_INDIRECT = 0x80,
	PE_OMIT = 0xff,
};

/* DW_CFA_* opcodes (DWARF 5 table 7.29 plus GNU/MIPS/AArch64 extensions). */
enum {
	CFA_ADVANCE_LOC = 0x40,		/* high two bits; delta in the low six */
	CFA_OFFSET = 0x80,
	CFA_RESTORE = 0xc0,
	CFA_HIGH_MASK = 0xc0,
	CFA_LOW_MASK = 0x3f,
};

#define MAX_SECTIONS 4

struct fde_ref {
	uint64_t start, end;
	uint64_t offset;
};

struct section {
	enum gsc_cfi_format format;
	const char *name;
	const uint8_t *data;
	size_t size;
	uint64_t addr, text_addr, data_addr;
	/* A validated .eh_frame_hdr table (datarel sdata4 pairs), or NULL. */
	const uint8_t *hdr_table;
	size_t hdr_count;
	uint64_t hdr_addr;
	/* The lazy index, built on the first lookup that needs it. */
	bool indexed;
	struct fde_ref *index;
	size_t index_len;
	struct gsc_error *index_err;	/* the first entry the index could not read */
};

struct gsc_cfi {
	bool little_endian;
	unsigned addr_size;
	struct gsc_elf *elf;		/* for DW_EH_PE_indirect; may be NULL */
	size_t num_sections;
	struct section sections[MAX_SECTIONS];
};

/* A CIE or FDE header: where its parts are in the section. */
struct entry {
	uint64_t offset;		/* of the length field */
	uint64_t body;			/* after the CIE id / CIE pointer */
	uint64_t end;			/* first byte after the entry */
	bool terminator;		/* zero length */
	bool is_cie;
	uint64_t cie_offset;		/* an FDE's CIE */
};

struct cie {
	uint64_t offset;
	uint8_t version;
	uint8_t fde_enc, lsda_enc;
	uint8_t addr_size, seg_size;
	bool has_z, signal_frame;
	bool has_personality, personality_indirect;
	uint64_t personality;
	uint64_t code_align;
	int64_t data_align;
	uint32_t ra_regno;
	uint64_t insns, insns_end;	/* the initial instructions */
};

struct fde {
	uint64_t offset;
	uint64_t start, end;
	bool has_lsda;
	uint64_t lsda;
	uint64_t insns, insns_end;
};

static uint64_t addr_mask(unsigned addr_size)
{
	return addr_size >= 8 ? UINT64_MAX : ((uint64_t)1 << (addr_size * 8)) - 1;
}

/* ---- pointer encodings ------------------------------------------------ */

/* A value of DW_EH_PE format fmt (the low nibble), sign-extended if signed. */
static struct gsc_error *read_value(struct gsc_buf *b, uint8_t fmt, unsigned addr_size,
				    uint64_t *ret)
{
	static const struct { uint8_t size; bool is_signed; } formats[16] = {
		[PE_UDATA2] = { 2, false }, [PE_UDATA4] = { 4, false }, [PE_UDATA8] = { 8, false },
		[PE_SDATA2] = { 2, true },  [PE_SDATA4] = { 4, true },  [PE_SDATA8] = { 8, true },
	};
	struct gsc_error *err;
	uint64_t v;
	unsigned size;
	bool is_signed;
	if (fmt == PE_ULEB128)
		return gsc_buf_uleb128(b, ret);
	if (fmt == PE_SLEB128)
		return gsc_buf_sleb128(b, (int64_t *)ret);
	if (fmt == PE_ABSPTR || fmt == PE_SIGNED) {
		size = addr_size;
		is_signed = fmt == PE_SIGNED;
	} else if (formats[fmt & PE_FORMAT_MASK].size) {
		size = formats[fmt & PE_FORMAT_MASK].size;
		is_signed = formats[fmt & PE_FORMAT_MASK].is_signed;
	} else {
		return gsc_bad_data("%s: unknown pointer encoding format 0x%x at offset 0x%zx",
				    b->name, fmt, b->pos);
	}
	err = gsc_buf_uint(b, size, &v);
	if (err)
		return err;
	if (is_signed && size < 8 && (v >> (size * 8 - 1)) & 1)
		v |= ~(uint64_t)0 << (size * 8);
	*ret = v;
	return NULL;
}

/* The pointer stored at vaddr in the ELF image (DW_EH_PE_indirect). */
static struct gsc_error *deref(const struct gsc_cfi *cfi, uint64_t vaddr, unsigned addr_size,
			       uint64_t *ret)
{
	const uint8_t *p;
	if (!cfi->elf)
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
					"indirect pointer at 0x%" PRIx64 " without an ELF image",
					vaddr);
	struct gsc_error *err = gsc_elf_vaddr_bytes(cfi->elf, vaddr, addr_size, &p);
	if (err)
		return err;
	*ret = addr_size == 8 ? gsc_load64(p, cfi->little_endian) :
				gsc_load32(p, cfi->little_endian);
	return NULL;
}

/*
 * An encoded pointer at b's position, which is offset b->pos of a section at
 * vaddr s->addr.  *indirect_ret says the result is the address of the
 * pointer, not the pointer (left to the caller: a personality is not read).
 */
static struct gsc_error *read_encoded(const struct section *s, struct gsc_buf *b, uint8_t enc,
				      unsigned addr_size, uint64_t func_base,
				      bool *indirect_ret, uint64_t *ret)
{
	struct gsc_error *err;
	uint64_t base, v;
	switch (enc & PE_APPLY_MASK) {
	case 0: base = 0; break;
	case PE_PCREL: base = s->addr + b->pos; break;
	case PE_TEXTREL: base = s->text_addr; break;
	case PE_DATAREL: base = s->data_addr; break;
	case PE_FUNCREL: base = func_base; break;
	case PE_ALIGNED: {
		uint64_t a = s->addr + b->pos, pad = (addr_size - a % addr_size) % addr_size;
		err = gsc_buf_skip(b, pad);
		if (err)
			return err;
		base = 0;
		break;
	}
	default:
		return gsc_bad_data("%s: unknown pointer encoding 0x%02x at offset 0x%zx",
				    b->name, enc, b->pos);
	}
	err = read_value(b, enc & PE_FORMAT_MASK, addr_size, &v);
	if (err)
		return err;
	*indirect_ret = enc & PE_INDIRECT;
	*ret = (base + v) & addr_mask(addr_size);
	return NULL;
}

/* An encoded address that must be an address: indirect ones are read. */
static struct gsc_error *read_address(const struct gsc_cfi *cfi, const struct section *s,
				      struct gsc_buf *b, uint8_t enc, unsigned addr_size,
				      uint64_t *ret)
{
	bool indirect;
	uint64_t v;
	struct gsc_error *err = read_encoded(s, b, enc, addr_size, 0, &indirect, &v);
	if (err)
		return err;
	if (indirect)
		return deref(cfi, v, addr_size, ret);
	*ret = v;
	return NULL;
}

/* ---- CIEs and FDEs ------------------------------------------------------ */

static void init_buf(const struct gsc_cfi *cfi, const struct section *s, uint64_t end,
		     struct gsc_buf *b)
{
	gsc_buf_init(b, s->data, (size_t)end, cfi->little_endian, s->name);
}

/* The header of the CIE or FDE at off (DWARF 5 §6.4.1, LSB 5.0 §10.6.1). */
static struct gsc_error *read_entry(const struct gsc_cfi *cfi, const struct section *s,
				    uint64_t off, struct entry *ret)
{
	struct gsc_buf b;
	struct gsc_error *err;
	uint32_t len32;
	uint64_t len, id;
	unsigned offset_size = 4;
	init_buf(cfi, s, s->size, &b);
	if ((err = gsc_buf_seek(&b, off)) || (err = gsc_buf_u32(&b, &len32)))
		return err;
	memset(ret, 0, sizeof(*ret));
	ret->offset = off;
	if (len32 == 0) {
		ret->terminator = true;
		ret->end = b.pos;
		return NULL;
	}
	len = len32;
	if (len32 == 0xffffffff) {	/* 64-bit DWARF (DWARF 5 §7.4) */
		offset_size = 8;
		if ((err = gsc_buf_u64(&b, &len)))
			return err;
	} else if (len32 >= 0xfffffff0) {
		return gsc_bad_data("%s: entry at 0x%" PRIx64 ": reserved length 0x%" PRIx32,
				    s->name, off, len32);
	}
	/*
	 * The CIE id / CIE pointer is 4 bytes in .eh_frame even in the 64-bit
	 * form (LSB 5.0), offset-sized in .debug_frame (DWARF 5 §6.4.1).
	 */
	unsigned id_size = s->format == GSC_CFI_EH_FRAME ? 4 : offset_size;
	if (len > gsc_buf_left(&b) || len < id_size)
		return gsc_bad_data("%s: entry at 0x%" PRIx64 ": length 0x%" PRIx64
				    " does not fit the section (0x%zx bytes left)",
				    s->name, off, len, gsc_buf_left(&b));
	ret->end = b.pos + len;
	uint64_t id_pos = b.pos;
	if ((err = gsc_buf_uint(&b, id_size, &id)))
		return err;
	ret->body = b.pos;
	if (s->format == GSC_CFI_EH_FRAME) {
		ret->is_cie = id == 0;
		ret->cie_offset = id_pos - id;	/* relative, backwards */
		if (!ret->is_cie && id > id_pos)
			return gsc_bad_data("%s: FDE at 0x%" PRIx64 ": CIE pointer 0x%" PRIx64
					    " points before the section", s->name, off, id);
	} else {
		ret->is_cie = id == (offset_size == 4 ? 0xffffffff : UINT64_MAX);
		ret->cie_offset = id;
	}
	return NULL;
}

/* The augmentation data after "z" (LSB 5.0 §10.6.1.1). */
static struct gsc_error *parse_augmentation(const struct section *s, struct gsc_buf *b,
					    const char *aug, struct cie *cie)
{
	struct gsc_error *err;
	uint64_t len;
	uint8_t enc;
	if ((err = gsc_buf_uleb128(b, &len)))
		return err;
	if (len > gsc_buf_left(b))
		return gsc_bad_data("%s: CIE at 0x%" PRIx64 ": augmentation data length 0x%"
				    PRIx64 " is past the end", s->name, cie->offset, len);
	size_t end = b->pos + (size_t)len, outer = b->size;
	bool stop = false;
	b->size = end;		/* the letters' data must stay inside the block */
	for (const char *p = aug + 1; *p && !err && !stop; p++) {
		switch (*p) {
		case 'L':
			err = gsc_buf_u8(b, &cie->lsda_enc);
			break;
		case 'R':
			err = gsc_buf_u8(b, &cie->fde_enc);
			break;
		case 'P':
			/* Read to skip it by its encoding; an indirect one is not followed. */
			if (!(err = gsc_buf_u8(b, &enc)))
				err = read_encoded(s, b, enc, cie->addr_size, 0,
						   &cie->personality_indirect, &cie->personality);
			cie->has_personality = !err;
			break;
		case 'S':
			cie->signal_frame = true;
			break;
		case 'B':	/* AArch64: return address signed with the B key */
		case 'G':	/* AArch64: MTE-tagged stack frame */
			break;
		default:
			/* Unknown letter: the rest is skipped by the "z" length. */
			stop = true;
			break;
		}
	}
	b->size = outer;
	if (err)
		return gsc_error_wrap(err, "CIE at 0x%" PRIx64 " augmentation \"%s\"",
				      cie->offset, aug);
	return gsc_buf_seek(b, end);
}

static struct gsc_error *parse_cie_fields(const struct section *s, struct gsc_buf *b,
					  struct cie *cie)
{
	struct gsc_error *err;
	const char *aug;
	if ((err = gsc_buf_u8(b, &cie->version)) || (err = gsc_buf_cstr(b, &aug)))
		return err;
	bool eh = s->format == GSC_CFI_EH_FRAME;
	if (eh ? cie->version != 1 && cie->version != 3 :
		 cie->version != 1 && cie->version != 3 && cie->version != 4)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "%s: CIE at 0x%" PRIx64
					": version %u", s->name, cie->offset, cie->version);
	/* Old gcc "eh": an eh_ptr of address size follows the string. */
	if (!strncmp(aug, "eh", 2) && (err = gsc_buf_skip(b, cie->addr_size)))
		return err;
	if (cie->version >= 4) {
		if ((err = gsc_buf_u8(b, &cie->addr_size)) || (err = gsc_buf_u8(b, &cie->seg_size)))
			return err;
		if ((cie->addr_size != 4 && cie->addr_size != 8) || cie->seg_size > 8)
			return gsc_bad_data("%s: CIE at 0x%" PRIx64 ": address size %u, "
					    "segment selector size %u", s->name, cie->offset,
					    cie->addr_size, cie->seg_size);
	}
	if ((err = gsc_buf_uleb128(b, &cie->code_align)) ||
	    (err = gsc_buf_sleb128(b, &cie->data_align)))
		return err;
	if (cie->version == 1) {
		uint8_t ra;
		err = gsc_buf_u8(b, &ra);
		cie->ra_regno = ra;
	} else {
		uint64_t ra = 0;
		err = gsc_buf_uleb128(b, &ra);
		cie->ra_regno = ra < GSC_CFI_MAX_REGS ? (uint32_t)ra : UINT32_MAX;
	}
	if (err)
		return err;
	if (cie->ra_regno >= GSC_CFI_MAX_REGS)
		return gsc_bad_data("%s: CIE at 0x%" PRIx64 ": return address register out of "
				    "range", s->name, cie->offset);
	cie->has_z = aug[0] == 'z';
	if (cie->has_z)
		return parse_augmentation(s, b, aug, cie);
	if (aug[0] && strcmp(aug, "eh"))
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "%s: CIE at 0x%" PRIx64
					": unknown augmentation \"%s\"", s->name, cie->offset, aug);
	return NULL;
}

static struct gsc_error *parse_cie(const struct gsc_cfi *cfi, const struct section *s,
				   uint64_t off, struct cie *ret)
{
	struct gsc_error *err;
	struct entry e;
	struct gsc_buf b;
	struct cie cie = {
		.offset = off,
		.fde_enc = PE_ABSPTR,
		.lsda_enc = PE_OMIT,
		.addr_size = (uint8_t)cfi->addr_size,
	};
	if (off >= s->size)
		return gsc_bad_data("%s: CIE pointer 0x%" PRIx64 " is past the end", s->name, off);
	if ((err = read_entry(cfi, s, off, &e)))
		return err;
	if (e.terminator || !e.is_cie)
		return gsc_bad_data("%s: CIE pointer 0x%" PRIx64 " does not point at a CIE",
				    s->name, off);
	init_buf(cfi, s, e.end, &b);
	if ((err = gsc_buf_seek(&b, e.body)) || (err = parse_cie_fields(s, &b, &cie)))
		return err;
	cie.insns = b.pos;
	cie.insns_end = e.end;
	*ret = cie;
	return NULL;
}

/* The FDE e, whose CIE is cie (DWARF 5 §6.4.1, LSB 5.0 §10.6.1.2). */
static struct gsc_error *parse_fde(const struct gsc_cfi *cfi, const struct section *s,
				   const struct entry *e, const struct cie *cie, struct fde *ret)
{
	struct gsc_error *err;
	struct gsc_buf b;
	struct fde fde = { .offset = e->offset };
	uint64_t range, aug_len;
	uint8_t enc = s->format == GSC_CFI_EH_FRAME ? cie->fde_enc : PE_ABSPTR;
	init_buf(cfi, s, e->end, &b);
	if ((err = gsc_buf_seek(&b, e->body)) || (err = gsc_buf_skip(&b, cie->seg_size)))
		return err;
	if (enc == PE_OMIT)
		return gsc_bad_data("%s: FDE at 0x%" PRIx64 ": omitted address encoding",
				    s->name, e->offset);
	if ((err = read_address(cfi, s, &b, enc, cie->addr_size, &fde.start)) ||
	    (err = read_value(&b, enc & PE_FORMAT_MASK, cie->addr_size, &range)))
		return err;
	range &= addr_mask(cie->addr_size);
	if (gsc_add_overflow(fde.start, range, &fde.end) || fde.end > addr_mask(cie->addr_size))
		return gsc_bad_data("%s: FDE at 0x%" PRIx64 ": range 0x%" PRIx64 "+0x%" PRIx64
				    " overflows", s->name, e->offset, fde.start, range);
	if (cie->has_z) {
		if ((err = gsc_buf_uleb128(&b, &aug_len)))
			return err;
		if (aug_len > gsc_buf_left(&b))
			return gsc_bad_data("%s: FDE at 0x%" PRIx64 ": augmentation length 0x%"
					    PRIx64 " is past the end", s->name, e->offset, aug_len);
		size_t aug_end = b.pos + (size_t)aug_len;
		if (cie->lsda_enc != PE_OMIT && aug_len) {
			bool indirect;
			b.size = aug_end;
			err = read_encoded(s, &b, cie->lsda_enc, cie->addr_size, fde.start,
					   &indirect, &fde.lsda);
			b.size = e->end;
			if (err)
				return err;
			fde.has_lsda = true;
		}
		if ((err = gsc_buf_seek(&b, aug_end)))
			return err;
	}
	fde.insns = b.pos;
	fde.insns_end = e->end;
	*ret = fde;
	return NULL;
}

/* ---- the DW_CFA interpreter (DWARF 5 §6.4.2) ---------------------------- */

/* The rules of one row; remember_state pushes all of it (CFA included, as
 * GCC's epilogues expect: .cfi_remember_state before .cfi_def_cfa_offset). */
struct rules {
	struct gsc_cfa_rule cfa;
	uint64_t args_size;
	bool ra_signed;
	uint16_t num_regs;
	struct gsc_cfi_rule regs[GSC_CFI_MAX_REGS];
};

struct interp {
	const struct gsc_cfi *cfi;
	const struct section *s;
	const struct cie *cie;
	uint64_t entry_offset;		/* for messages */
	struct gsc_buf b;
	uint64_t loc, pc, end;
	bool done;			/* the next row starts after pc */
	struct rules *cur;
	const struct rules *initial;	/* after the CIE's program; NULL while it runs */
	struct rules *stack;
	size_t depth, cap;
};

typedef struct gsc_error *op_fn(struct interp *it, uint8_t arg);

static struct gsc_error *bad(const struct interp *it, const char *fmt, ...) GSC_PRINTF(2, 3);
static struct gsc_error *bad(const struct interp *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gsc_error *err = gsc_error_vcreate(GSC_ERR_BAD_DATA, fmt, ap);
	va_end(ap);
	return gsc_error_wrap(err, "%s: CFA program of entry at 0x%" PRIx64 ", offset 0x%zx",
			      it->s->name, it->entry_offset, it->b.pos);
}

static struct gsc_error *check_reg(const struct interp *it, uint64_t reg)
{
	if (reg >= GSC_CFI_MAX_REGS)
		return bad(it, "register %" PRIu64 " out of range", reg);
	return NULL;
}

static struct gsc_error *read_reg(struct interp *it, uint64_t *ret)
{
	struct gsc_error *err = gsc_buf_uleb128(&it->b, ret);
	return err ? err : check_reg(it, *ret);
}

/* v * data_alignment_factor, v unsigned (DW_CFA_offset etc.). */
static struct gsc_error *factor_u(struct interp *it, uint64_t v, int64_t *ret)
{
	if (v > INT64_MAX || gsc_mul_overflow((int64_t)v, it->cie->data_align, ret))
		return bad(it, "factored offset %" PRIu64 " * %" PRId64 " overflows", v,
			   it->cie->data_align);
	return NULL;
}

static struct gsc_error *factor_s(struct interp *it, int64_t v, int64_t *ret)
{
	if (gsc_mul_overflow(v, it->cie->data_align, ret))
		return bad(it, "factored offset %" PRId64 " * %" PRId64 " overflows", v,
			   it->cie->data_align);
	return NULL;
}

static void set_rule(struct interp *it, uint64_t reg, const struct gsc_cfi_rule *rule)
{
	it->cur->regs[reg] = *rule;
	if (rule->kind != GSC_CFI_RULE_UNSPECIFIED && reg >= it->cur->num_regs)
		it->cur->num_regs = (uint16_t)(reg + 1);
}

static void set_simple(struct interp *it, uint64_t reg, uint8_t kind, int64_t offset)
{
	struct gsc_cfi_rule r = { .kind = kind, .offset = offset };
	set_rule(it, reg, &r);
}

static struct gsc_error *read_block(struct interp *it, const uint8_t **p, uint32_t *len)
{
	uint64_t n = 0;
	struct gsc_error *err = gsc_buf_uleb128(&it->b, &n);
	if (err)
		return err;
	if (n > UINT32_MAX)
		return bad(it, "expression length 0x%" PRIx64 " too large", n);
	*len = (uint32_t)n;
	return gsc_buf_bytes(&it->b, (size_t)n, p);
}

/* The location moves to nl: if pc is before it, the current row is pc's. */
static struct gsc_error *move_to(struct interp *it, uint64_t nl)
{
	if (nl < it->loc)
		return bad(it, "location 0x%" PRIx64 " goes backwards from 0x%" PRIx64, nl,
			   it->loc);
	if (it->pc < nl) {
		it->end = nl;
		it->done = true;
	} else {
		it->loc = nl;
	}
	return NULL;
}

static struct gsc_error *advance(struct interp *it, uint64_t delta)
{
	uint64_t d, nl;
	if (gsc_mul_overflow(delta, it->cie->code_align, &d) || gsc_add_overflow(it->loc, d, &nl))
		return bad(it, "advance by %" PRIu64 " * %" PRIu64 " overflows", delta,
			   it->cie->code_align);
	return move_to(it, nl);
}

static struct gsc_error *op_advance_loc(struct interp *it, uint8_t arg)
{
	return advance(it, arg);
}

static struct gsc_error *advance_n(struct interp *it, unsigned size)
{
	uint64_t delta;
	struct gsc_error *err = gsc_buf_uint(&it->b, size, &delta);
	return err ? err : advance(it, delta);
}

static struct gsc_error *op_advance_loc1(struct interp *it, uint8_t arg)
{
	(void)arg;
	return advance_n(it, 1);
}

static struct gsc_error *op_advance_loc2(struct interp *it, uint8_t arg)
{
	(void)arg;
	return advance_n(it, 2);
}

static struct gsc_error *op_advance_loc4(struct interp *it, uint8_t arg)
{
	(void)arg;
	return advance_n(it, 4);
}

static struct gsc_error *op_advance_loc8(struct interp *it, uint8_t arg)
{
	(void)arg;
	return advance_n(it, 8);
}

static struct gsc_error *op_set_loc(struct interp *it, uint8_t arg)
{
	uint64_t nl;
	uint8_t enc = it->s->format == GSC_CFI_EH_FRAME ? it->cie->fde_enc : PE_ABSPTR;
	(void)arg;
	struct gsc_error *err = read_address(it->cfi, it->s, &it->b, enc, it->cie->addr_size,
					     &nl);
	return err ? err : move_to(it, nl);
}

static struct gsc_error *op_nop(struct interp *it, uint8_t arg)
{
	(void)it;
	(void)arg;
	return NULL;
}

/* offset / offset_extended / val_offset with an unsigned factored operand. */
static struct gsc_error *offset_u(struct interp *it, uint64_t reg, uint8_t kind, bool negate)
{
	uint64_t v;
	int64_t off = 0;
	struct gsc_error *err = gsc_buf_uleb128(&it->b, &v);
	if (err || (err = factor_u(it, v, &off)))
		return err;
	set_simple(it, reg, kind, negate ? -off : off);	/* |off| <= INT64_MAX here */
	return NULL;
}

static struct gsc_error *offset_s(struct interp *it, uint8_t kind)
{
	uint64_t reg;
	int64_t v, off;
	struct gsc_error *err = read_reg(it, &reg);
	if (err || (err = gsc_buf_sleb128(&it->b, &v)) || (err = factor_s(it, v, &off)))
		return err;
	set_simple(it, reg, kind, off);
	return NULL;
}

static struct gsc_error *op_offset(struct interp *it, uint8_t arg)
{
	return offset_u(it, arg, GSC_CFI_RULE_OFFSET, false);
}

static struct gsc_error *reg_then_offset_u(struct interp *it, uint8_t kind, bool negate)
{
	uint64_t reg;
	struct gsc_error *err = read_reg(it, &reg);
	return err ? err : offset_u(it, reg, kind, negate);
}

static struct gsc_error *op_offset_extended(struct interp *it, uint8_t arg)
{
	(void)arg;
	return reg_then_offset_u(it, GSC_CFI_RULE_OFFSET, false);
}

static struct gsc_error *op_offset_extended_sf(struct interp *it, uint8_t arg)
{
	(void)arg;
	return offset_s(it, GSC_CFI_RULE_OFFSET);
}

static struct gsc_error *op_val_offset(struct interp *it, uint8_t arg)
{
	(void)arg;
	return reg_then_offset_u(it, GSC_CFI_RULE_VAL_OFFSET, false);
}

static struct gsc_error *op_val_offset_sf(struct interp *it, uint8_t arg)
{
	(void)arg;
	return offset_s(it, GSC_CFI_RULE_VAL_OFFSET);
}

static struct gsc_error *op_negative_offset_extended(struct interp *it, uint8_t arg)
{
	(void)arg;
	return reg_then_offset_u(it, GSC_CFI_RULE_OFFSET, true);
}

static void restore_reg(struct interp *it, uint64_t reg)
{
	static const struct gsc_cfi_rule unspecified;
	set_rule(it, reg, it->initial ? &it->initial->regs[reg] : &unspecified);
}

static struct gsc_error *op_restore(struct interp *it, uint8_t arg)
{
	restore_reg(it, arg);
	return NULL;
}

static struct gsc_error *op_restore_extended(struct interp *it, uint8_t arg)
{
	uint64_t reg;
	struct gsc_error *err = read_reg(it, &reg);
	(void)arg;
	if (!err)
		restore_reg(it, reg);
	return err;
}

static struct gsc_error *reg_only(struct interp *it, uint8_t kind)
{
	uint64_t reg;
	struct gsc_error *err = read_reg(it, &reg);
	if (!err)
		set_simple(it, reg, kind, 0);
	return err;
}

static struct gsc_error *op_undefined(struct interp *it, uint8_t arg)
{
	(void)arg;
	return reg_only(it, GSC_CFI_RULE_UNDEFINED);
}

static struct gsc_error *op_same_value(struct interp *it, uint8_t arg)
{
	(void)arg;
	return reg_only(it, GSC_CFI_RULE_SAME_VALUE);
}

static struct gsc_error *op_register(struct interp *it, uint8_t arg)
{
	uint64_t reg, reg2;
	struct gsc_error *err = read_reg(it, &reg);
	(void)arg;
	if (err || (err = read_reg(it, &reg2)))
		return err;
	struct gsc_cfi_rule r = { .kind = GSC_CFI_RULE_REGISTER, .regno = (uint16_t)reg2 };
	set_rule(it, reg, &r);
	return NULL;
}

static struct gsc_error *op_remember_state(struct interp *it, uint8_t arg)
{
	(void)arg;
	if (it->depth == GSC_CFI_MAX_STATE_DEPTH)
		return bad(it, "remember_state nested deeper than %d", GSC_CFI_MAX_STATE_DEPTH);
	if (it->depth == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 2;
		struct rules *p = realloc(it->stack, cap * sizeof(*p));
		if (!p)
			return &gsc_enomem;
		it->stack = p;
		it->cap = cap;
	}
	it->stack[it->depth++] = *it->cur;
	return NULL;
}

static struct gsc_error *op_restore_state(struct interp *it, uint8_t arg)
{
	(void)arg;
	if (!it->depth)
		return bad(it, "restore_state with no remembered state");
	*it->cur = it->stack[--it->depth];
	return NULL;
}

static struct gsc_error *set_cfa(struct interp *it, uint64_t reg, int64_t off)
{
	struct gsc_error *err = check_reg(it, reg);
	if (err)
		return err;
	it->cur->cfa = (struct gsc_cfa_rule){
		.kind = GSC_CFA_REG_OFFSET, .regno = (uint16_t)reg, .offset = off,
	};
	return NULL;
}

static struct gsc_error *op_def_cfa(struct interp *it, uint8_t arg)
{
	uint64_t reg, off;
	struct gsc_error *err = gsc_buf_uleb128(&it->b, &reg);
	(void)arg;
	if (err || (err = gsc_buf_uleb128(&it->b, &off)))
		return err;
	if (off > INT64_MAX)
		return bad(it, "CFA offset 0x%" PRIx64 " too large", off);
	return set_cfa(it, reg, (int64_t)off);
}

static struct gsc_error *op_def_cfa_sf(struct interp *it, uint8_t arg)
{
	uint64_t reg;
	int64_t v, off;
	struct gsc_error *err = gsc_buf_uleb128(&it->b, &reg);
	(void)arg;
	if (err || (err = gsc_buf_sleb128(&it->b, &v)) || (err = factor_s(it, v, &off)))
		return err;
	return set_cfa(it, reg, off);
}

static struct gsc_error *op_def_cfa_register(struct interp *it, uint8_t arg)
{
	uint64_t reg;
	struct gsc_error *err = gsc_buf_uleb128(&it->b, &reg);
	(void)arg;
	if (err)
		return err;
	if (it->cur->cfa.kind == GSC_CFA_EXPRESSION)
		return bad(it, "def_cfa_register with an expression CFA");
	return set_cfa(it, reg, it->cur->cfa.offset);
}

static struct gsc_error *new_cfa_offset(struct interp *it, int64_t off)
{
	if (it->cur->cfa.kind != GSC_CFA_REG_OFFSET)
		return bad(it, "CFA offset without a CFA register");
	it->cur->cfa.offset = off;
	return NULL;
}

static struct gsc_error *op_def_cfa_offset(struct interp *it, uint8_t arg)
{
	uint64_t off;
	struct gsc_error *err = gsc_buf_uleb128(&it->b, &off);
	(void)arg;
	if (err)
		return err;
	if (off > INT64_MAX)
		return bad(it, "CFA offset 0x%" PRIx64 " too large", off);
	return new_cfa_offset(it, (int64_t)off);
}

static struct gsc_error *op_def_cfa_offset_sf(struct interp *it, uint8_t arg)
{
	int64_t v, off;
	struct gsc_error *err = gsc_buf_sleb128(&it->b, &v);
	(void)arg;
	if (err || (err = factor_s(it, v, &off)))
		return err;
	return new_cfa_offset(it, off);
}

static struct gsc_error *op_def_cfa_expression(struct interp *it, uint8_t arg)
{
	const uint8_t *p = NULL;
	uint32_t len = 0;
	struct gsc_error *err = read_block(it, &p, &len);
	(void)arg;
	if (err)
		return err;
	it->cur->cfa = (struct gsc_cfa_rule){
		.kind = GSC_CFA_EXPRESSION, .expr = p, .expr_len = len,
	};
	return NULL;
}

static struct gsc_error *expression(struct interp *it, uint8_t kind)
{
	uint64_t reg = 0;
	const uint8_t *p = NULL;
	uint32_t len = 0;
	struct gsc_error *err = read_reg(it, &reg);
	if (err || (err = read_block(it, &p, &len)))
		return err;
	struct gsc_cfi_rule r = { .kind = kind, .expr = p, .expr_len = len };
	set_rule(it, reg, &r);
	return NULL;
}

static struct gsc_error *op_expression(struct interp *it, uint8_t arg)
{
	(void)arg;
	return expression(it, GSC_CFI_RULE_EXPRESSION);
}

static struct gsc_error *op_val_expression(struct interp *it, uint8_t arg)
{
	(void)arg;
	return expression(it, GSC_CFI_RULE_VAL_EXPRESSION);
}

static struct gsc_error *op_args_size(struct interp *it, uint8_t arg)
{
	(void)arg;
	return gsc_buf_uleb128(&it->b, &it->cur->args_size);
}

/* DW_CFA_AARCH64_negate_ra_state (AADWARF64), alias DW_CFA_GNU_window_save. */
static struct gsc_error *op_negate_ra_state(struct interp *it, uint8_t arg)
{
	(void)arg;
	it->cur->ra_signed = !it->cur->ra_signed;
	return NULL;
}

/* Opcodes with zero high bits, by value (DWARF 5 table 7.29). */
static op_fn *const ops[0x40] = {
	[0x00] = op_nop,			/* DW_CFA_nop */
	[0x01] = op_set_loc,
	[0x02] = op_advance_loc1,
	[0x03] = op_advance_loc2,
	[0x04] = op_advance_loc4,
	[0x05] = op_offset_extended,
	[0x06] = op_restore_extended,
	[0x07] = op_undefined,
	[0x08] = op_same_value,
	[0x09] = op_register,
	[0x0a] = op_remember_state,
	[0x0b] = op_restore_state,
	[0x0c] = op_def_cfa,
	[0x0d] = op_def_cfa_register,
	[0x0e] = op_def_cfa_offset,
	[0x0f] = op_def_cfa_expression,
	[0x10] = op_expression,
	[0x11] = op_offset_extended_sf,
	[0x12] = op_def_cfa_sf,
	[0x13] = op_def_cfa_offset_sf,
	[0x14] = op_val_offset,
	[0x15] = op_val_offset_sf,
	[0x16] = op_val_expression,
	[0x1d] = op_advance_loc8,		/* DW_CFA_MIPS_advance_loc8 */
	[0x2d] = op_negate_ra_state,		/* DW_CFA_GNU_window_save */
	[0x2e] = op_args_size,			/* DW_CFA_GNU_args_size */
	[0x2f] = op_negative_offset_extended,	/* DW_CFA_GNU_negative_offset_extended */
};

/* Primary opcodes: the operand is in the low six bits. */
static op_fn *const primary_ops[4] = {
	[CFA_ADVANCE_LOC >> 6] = op_advance_loc,
	[CFA_OFFSET >> 6] = op_offset,
	[CFA_RESTORE >> 6] = op_restore,
};

/* Runs [start, end) of the section until the row after pc would begin.
 * Every opcode consumes at least one byte, so this ends. */
static struct gsc_error *run(struct interp *it, uint64_t start, uint64_t end)
{
	struct gsc_error *err;
	init_buf(it->cfi, it->s, end, &it->b);
	if ((err = gsc_buf_seek(&it->b, start)))
		return err;
	while (!it->done && gsc_buf_left(&it->b)) {
		uint8_t op;
		if ((err = gsc_buf_u8(&it->b, &op)))
			return err;
		op_fn *fn = op & CFA_HIGH_MASK ? primary_ops[op >> 6] : ops[op];
		if (!fn) {
			it->b.pos--;
			return bad(it, "unknown opcode 0x%02x", op);
		}
		if ((err = fn(it, op & CFA_LOW_MASK)))
			return err;
	}
	return NULL;
}

static void fill_row(const struct interp *it, const struct fde *fde, const struct rules *r,
		     struct gsc_cfa_row *row)
{
	const struct cie *cie = it->cie;
	row->start = it->loc;
	row->end = it->done && it->end < fde->end ? it->end : fde->end;
	row->fde_start = fde->start;
	row->fde_end = fde->end;
	row->cfa = r->cfa;
	row->ra_regno = cie->ra_regno;
	row->signal_frame = cie->signal_frame;
	row->ra_signed = r->ra_signed;
	row->args_size = r->args_size;
	row->code_align = cie->code_align;
	row->data_align = cie->data_align;
	row->has_lsda = fde->has_lsda;
	row->lsda = fde->lsda;
	row->has_personality = cie->has_personality;
	row->personality_indirect = cie->personality_indirect;
	row->personality = cie->personality;
	row->format = it->s->format;
	row->fde_offset = fde->offset;
	row->num_regs = r->num_regs;
	memcpy(row->regs, r->regs, sizeof(row->regs));
}

static struct gsc_error *run_programs(const struct gsc_cfi *cfi, const struct section *s,
				      const struct cie *cie, const struct fde *fde, uint64_t pc,
				      struct gsc_cfa_row *ret)
{
	_cleanup_free_ struct rules *r = calloc(2, sizeof(*r));
	if (!r)
		return &gsc_enomem;
	struct interp it = {
		.cfi = cfi, .s = s, .cie = cie, .entry_offset = cie->offset,
		.loc = fde->start, .pc = pc, .cur = &r[0],
	};
	struct gsc_error *err = run(&it, cie->insns, cie->insns_end);
	if (!err && !it.done) {
		r[1] = r[0];
		it.initial = &r[1];
		it.entry_offset = fde->offset;
		err = run(&it, fde->insns, fde->insns_end);
	}
	free(it.stack);
	if (err)
		return err;
	fill_row(&it, fde, &r[0], ret);
	return NULL;
}

/* ---- lookup -------------------------------------------------------------- */

static int cmp_fde_ref(const void *a, const void *b)
{
	const struct fde_ref *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void note_index_error(struct section *s, struct gsc_error *err)
{
	if (!s->index_err)
		s->index_err = err;
	else
		gsc_error_destroy(err);
}

/* One FDE for the index; *ok_ret false when it is empty. */
static struct gsc_error *index_fde(const struct gsc_cfi *cfi, const struct section *s,
				   const struct entry *e, struct cie *cie, bool *have_cie,
				   struct fde_ref *ret)
{
	struct gsc_error *err;
	struct fde fde;
	if (!*have_cie || cie->offset != e->cie_offset) {
		*have_cie = false;
		if ((err = parse_cie(cfi, s, e->cie_offset, cie)))
			return gsc_error_wrap(err, "FDE at 0x%" PRIx64, e->offset);
		*have_cie = true;
	}
	if ((err = parse_fde(cfi, s, e, cie, &fde)))
		return err;
	*ret = (struct fde_ref){ .start = fde.start, .end = fde.end, .offset = e->offset };
	return NULL;
}

/* Every FDE of s, sorted by initial pc: one pass over the section. */
static struct gsc_error *build_index(const struct gsc_cfi *cfi, struct section *s)
{
	struct fde_ref *v = NULL, ref;
	size_t n = 0, cap = 0;
	struct cie cie;
	bool have_cie = false;
	for (uint64_t off = 0; off < s->size;) {
		struct entry e;
		struct gsc_error *err = read_entry(cfi, s, off, &e);
		if (err) {		/* no way to find the next entry */
			note_index_error(s, err);
			break;
		}
		off = e.end;
		if (e.terminator && s->format == GSC_CFI_EH_FRAME)
			break;
		if (e.terminator || e.is_cie)
			continue;
		if ((err = index_fde(cfi, s, &e, &cie, &have_cie, &ref))) {
			note_index_error(s, err);
			continue;
		}
		if (ref.start == ref.end)
			continue;	/* discarded functions keep a zero-length FDE */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct fde_ref *p = realloc(v, ncap * sizeof(*p));
			if (!p) {
				free(v);
				return &gsc_enomem;
			}
			v = p;
			cap = ncap;
		}
		v[n++] = ref;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_fde_ref);
	s->index = v;
	s->index_len = n;
	s->indexed = true;
	return NULL;
}

/* The offset of the FDE whose range may hold pc, from the index. */
static bool search_index(const struct section *s, uint64_t pc, uint64_t *ret)
{
	size_t lo = 0, hi = s->index_len;
	while (lo < hi) {	/* first entry with start > pc */
		size_t mid = lo + (hi - lo) / 2;
		if (s->index[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Overlapping FDEs: the latest start may be short; look a little back. */
	for (size_t i = lo, k = 0; i > 0 && k < 4; i--, k++) {
		if (pc < s->index[i - 1].end) {
			*ret = s->index[i - 1].offset;
			return true;
		}
	}
	return false;
}

/* The .eh_frame_hdr table: pairs of (initial location, FDE address), sdata4
 * relative to the header's start, sorted (LSB 5.0 §10.6.2). */
static struct gsc_error *search_hdr(const struct gsc_cfi *cfi, const struct section *s,
				    uint64_t pc, bool *found_ret, uint64_t *ret)
{
	size_t lo = 0, hi = s->hdr_count;
	uint64_t mask = addr_mask(cfi->addr_size);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int32_t rel = (int32_t)gsc_load32(s->hdr_table + mid * 8, cfi->little_endian);
		if (((s->hdr_addr + (uint64_t)(int64_t)rel) & mask) <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found_ret = lo > 0;
	if (!lo)
		return NULL;
	int32_t rel = (int32_t)gsc_load32(s->hdr_table + (lo - 1) * 8 + 4, cfi->little_endian);
	uint64_t fde_addr = (s->hdr_addr + (uint64_t)(int64_t)rel) & mask;
	if (fde_addr < s->addr || fde_addr - s->addr >= s->size)
		return gsc_bad_data(".eh_frame_hdr: FDE address 0x%" PRIx64 " is outside %s",
				    fde_addr, s->name);
	*ret = fde_addr - s->addr;
	return NULL;
}

static struct gsc_error *row_from_fde(const struct gsc_cfi *cfi, const struct section *s,
				      uint64_t off, uint64_t pc, struct gsc_cfa_row *ret)
{
	struct gsc_error *err;
	struct entry e;
	struct cie cie;
	struct fde fde;
	if ((err = read_entry(cfi, s, off, &e)))
		return err;
	if (e.terminator || e.is_cie)
		return gsc_bad_data("%s: entry at 0x%" PRIx64 " is not an FDE", s->name, off);
	if ((err = parse_cie(cfi, s, e.cie_offset, &cie)))
		return gsc_error_wrap(err, "FDE at 0x%" PRIx64, off);
	if ((err = parse_fde(cfi, s, &e, &cie, &fde)))
		return err;
	if (pc < fde.start || pc >= fde.end)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no FDE for pc 0x%" PRIx64, pc);
	return run_programs(cfi, s, &cie, &fde, pc, ret);
}

static struct gsc_error *find_in_section(const struct gsc_cfi *cfi, struct section *s,
					 uint64_t pc, struct gsc_cfa_row *ret)
{
	struct gsc_error *err;
	uint64_t off = 0;
	bool found = false;
	if (s->hdr_table) {
		if ((err = search_hdr(cfi, s, pc, &found, &off)))
			return err;
	} else {
		if (!s->indexed && (err = build_index(cfi, s)))
			return err;
		found = search_index(s, pc, &off);
		if (!found && s->index_err)
			return gsc_error_create(s->index_err->code, "no FDE for pc 0x%" PRIx64
						", and %s", pc, s->index_err->message);
	}
	if (!found)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no FDE for pc 0x%" PRIx64, pc);
	return row_from_fde(cfi, s, off, pc, ret);
}

struct gsc_error *gsc_cfi_find_row(struct gsc_cfi *cfi, uint64_t pc, struct gsc_cfa_row *ret)
{
	struct gsc_error *first = NULL;
	for (size_t i = 0; i < cfi->num_sections; i++) {
		struct gsc_error *err = find_in_section(cfi, &cfi->sections[i], pc, ret);
		if (!err) {
			gsc_error_destroy(first);
			return NULL;
		}
		/* Keep the most telling error: anything beats NOT_FOUND. */
		bool better = !first || (first->code == GSC_ERR_NOT_FOUND &&
					 err->code != GSC_ERR_NOT_FOUND);
		if (better) {
			gsc_error_destroy(first);
			first = err;
		} else {
			gsc_error_destroy(err);
		}
	}
	return first ? first : gsc_error_create(GSC_ERR_NOT_FOUND, "no CFI for pc 0x%" PRIx64, pc);
}

size_t gsc_cfi_num_indexed(const struct gsc_cfi *cfi)
{
	size_t n = 0;
	for (size_t i = 0; i < cfi->num_sections; i++)
		n += cfi->sections[i].index_len;
	return n;
}

/* ---- construction -------------------------------------------------------- */

struct gsc_error *gsc_cfi_create(bool little_endian, unsigned addr_size, struct gsc_cfi **ret)
{
	if (addr_size != 4 && addr_size != 8)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "CFI address size %u", addr_size);
	struct gsc_cfi *cfi = calloc(1, sizeof(*cfi));
	if (!cfi)
		return &gsc_enomem;
	cfi->little_endian = little_endian;
	cfi->addr_size = addr_size;
	*ret = cfi;
	return NULL;
}

void gsc_cfi_destroy(struct gsc_cfi *cfi)
{
	if (!cfi)
		return;
	for (size_t i = 0; i < cfi->num_sections; i++) {
		free(cfi->sections[i].index);
		gsc_error_destroy(cfi->sections[i].index_err);
	}
	free(cfi);
}

/* Keeps the .eh_frame_hdr table only if it is the usual, checkable kind. */
static void use_hdr(const struct gsc_cfi *cfi, struct section *s,
		    const struct gsc_cfi_section_desc *d)
{
	struct section h = { .name = ".eh_frame_hdr", .data = d->hdr, .size = d->hdr_size,
			     .addr = d->hdr_addr, .data_addr = d->hdr_addr };
	struct gsc_buf b;
	uint8_t version, ptr_enc, count_enc, table_enc;
	uint64_t eh_ptr, count;
	bool indirect;
	gsc_buf_init(&b, h.data, h.size, cfi->little_endian, h.name);
	struct gsc_error *err = NULL;
	if ((err = gsc_buf_u8(&b, &version)) || (err = gsc_buf_u8(&b, &ptr_enc)) ||
	    (err = gsc_buf_u8(&b, &count_enc)) || (err = gsc_buf_u8(&b, &table_enc)) ||
	    version != 1 || ptr_enc == PE_OMIT || count_enc == PE_OMIT ||
	    table_enc != (PE_DATAREL | PE_SDATA4) ||
	    (err = read_encoded(&h, &b, ptr_enc, cfi->addr_size, 0, &indirect, &eh_ptr)) ||
	    (err = read_encoded(&h, &b, count_enc, cfi->addr_size, 0, &indirect, &count)) ||
	    count > gsc_buf_left(&b) / 8) {
		gsc_error_destroy(err);
		return;		/* fall back to the index */
	}
	s->hdr_table = b.data + b.pos;
	s->hdr_count = (size_t)count;
	s->hdr_addr = d->hdr_addr;
}

struct gsc_error *gsc_cfi_add_section(struct gsc_cfi *cfi, const struct gsc_cfi_section_desc *d)
{
	if (cfi->num_sections == MAX_SECTIONS)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "more than %d CFI sections",
					MAX_SECTIONS);
	if (!d->data && d->size)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "CFI section without data");
	struct section *s = &cfi->sections[cfi->num_sections++];
	*s = (struct section){
		.format = d->format,
		.name = d->format == GSC_CFI_EH_FRAME ? ".eh_frame" : ".debug_frame",
		.data = d->data, .size = d->size, .addr = d->addr,
		.text_addr = d->text_addr, .data_addr = d->data_addr,
	};
	if (d->format == GSC_CFI_EH_FRAME && d->hdr && d->hdr_size)
		use_hdr(cfi, s, d);
	return NULL;
}

static uint64_t section_addr(const struct gsc_elf *elf, const char *name)
{
	const struct gsc_elf_section *sec = gsc_elf_find_section(elf, name);
	return sec ? sec->addr : 0;
}

static struct gsc_error *add_eh_frame(struct gsc_cfi *cfi, struct gsc_elf *elf)
{
	const struct gsc_elf_section *eh = gsc_elf_find_section(elf, ".eh_frame");
	const struct gsc_elf_section *hdr = gsc_elf_find_section(elf, ".eh_frame_hdr");
	struct gsc_cfi_section_desc d = { .format = GSC_CFI_EH_FRAME };
	const uint8_t *data, *hdr_data = NULL;
	struct gsc_error *err;
	if (!eh)
		return NULL;
	if ((err = gsc_elf_section_data(elf, eh, &data, &d.size)))
		return err;
	if (!d.size)
		return NULL;
	d.data = data;
	d.addr = eh->addr;
	d.text_addr = section_addr(elf, ".text");
	d.data_addr = section_addr(elf, ".got");
	if (hdr && (err = gsc_elf_section_data(elf, hdr, &hdr_data, &d.hdr_size)))
		return err;
	d.hdr = hdr_data;
	d.hdr_addr = hdr ? hdr->addr : 0;
	return gsc_cfi_add_section(cfi, &d);
}

static struct gsc_error *add_debug_frame(struct gsc_cfi *cfi, struct gsc_elf *elf)
{
	const struct gsc_elf_section *sec = gsc_elf_find_debug_section(elf, ".debug_frame");
	struct gsc_cfi_section_desc d = { .format = GSC_CFI_DEBUG_FRAME };
	const uint8_t *data;
	struct gsc_error *err;
	if (!sec)
		return NULL;
	if ((err = gsc_elf_section_data(elf, sec, &data, &d.size)))
		return err;
	d.data = data;
	if (!d.size)
		return NULL;
	return gsc_cfi_add_section(cfi, &d);
}

struct gsc_error *gsc_cfi_create_elf(struct gsc_elf *elf, struct gsc_cfi **ret)
{
	struct gsc_cfi *cfi;
	struct gsc_error *err = gsc_cfi_create(gsc_elf_little_endian(elf),
					       gsc_elf_is_64(elf) ? 8 : 4, &cfi);
	if (err)
		return err;
	cfi->elf = elf;
	if ((err = add_eh_frame(cfi, elf)) || (err = add_debug_frame(cfi, elf))) {
		gsc_cfi_destroy(cfi);
		/* elf_file's own errors already start with the path */
		const char *path = gsc_elf_path(elf);
		if (err->message && strncmp(err->message, path, strlen(path)) == 0)
			return err;
		return gsc_error_wrap(err, "%s", path);
	}
	if (!cfi->num_sections) {
		gsc_cfi_destroy(cfi);
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no .eh_frame or .debug_frame",
					gsc_elf_path(elf));
	}
	*ret = cfi;
	return NULL;
}

/* ---- a bounded DWARF expression evaluator (DWARF 5 §2.5) ----------------- */

struct eval {
	const struct gsc_cfi_expr_env *env;
	struct gsc_buf b;
	uint64_t stack[GSC_CFI_EXPR_STACK];
	size_t sp;
};

static struct gsc_error *push(struct eval *ev, uint64_t v)
{
	if (ev->sp == GSC_CFI_EXPR_STACK)
		return gsc_bad_data("DWARF expression: stack overflow at offset 0x%zx", ev->b.pos);
	ev->stack[ev->sp++] = v;
	return NULL;
}

static struct gsc_error *need(const struct eval *ev, size_t n)
{
	if (ev->sp < n)
		return gsc_bad_data("DWARF expression: stack underflow at offset 0x%zx", ev->b.pos);
	return NULL;
}

/* DW_OP_lit*, const*, addr, constu/consts, plus_uconst. */
static struct gsc_error *eval_const(struct eval *ev, uint8_t op)
{
	static const struct { uint8_t size; bool is_signed; } consts[] = {
		[0x08] = { 1, false }, [0x09] = { 1, true }, [0x0a] = { 2, false },
		[0x0b] = { 2, true },  [0x0c] = { 4, false }, [0x0d] = { 4, true },
		[0x0e] = { 8, false }, [0x0f] = { 8, true },
	};
	struct gsc_error *err;
	uint64_t v;
	if (op >= 0x30 && op <= 0x4f)
		return push(ev, op - 0x30u);
	if (op == 0x03)
		err = gsc_buf_uint(&ev->b, ev->env->addr_size, &v);
	else if (op == 0x10 || op == 0x23)
		err = gsc_buf_uleb128(&ev->b, &v);
	else if (op == 0x11)
		err = gsc_buf_sleb128(&ev->b, (int64_t *)&v);
	else
		err = read_value(&ev->b, consts[op].is_signed ? PE_SIGNED : PE_ABSPTR,
				 consts[op].size, &v);
	if (err)
		return err;
	if (op == 0x23) {
		if ((err = need(ev, 1)))
			return err;
		ev->stack[ev->sp - 1] += v;
		return NULL;
	}
	return push(ev, v);
}

/* DW_OP_breg0..31, DW_OP_bregx. */
static struct gsc_error *eval_breg(struct eval *ev, uint8_t op)
{
	struct gsc_error *err;
	uint64_t reg, v;
	int64_t off;
	if (op == 0x92)
		err = gsc_buf_uleb128(&ev->b, &reg);
	else
		reg = op - 0x70u, err = NULL;
	if (err || (err = gsc_buf_sleb128(&ev->b, &off)))
		return err;
	if (reg >= GSC_CFI_MAX_REGS || !ev->env->read_reg)
		return gsc_bad_data("DWARF expression: register %" PRIu64 " unavailable", reg);
	if ((err = ev->env->read_reg(ev->env->arg, (unsigned)reg, &v)))
		return err;
	return push(ev, v + (uint64_t)off);
}

static struct gsc_error *eval_deref(struct eval *ev, uint8_t op)
{
	struct gsc_error *err;
	uint8_t size = (uint8_t)ev->env->addr_size;
	uint64_t v;
	if (op == 0x94 && (err = gsc_buf_u8(&ev->b, &size)))
		return err;
	if (!size || size > 8 || !ev->env->read_mem)
		return gsc_bad_data("DWARF expression: cannot dereference %u bytes", size);
	if ((err = need(ev, 1)) ||
	    (err = ev->env->read_mem(ev->env->arg, ev->stack[ev->sp - 1], size, &v)))
		return err;
	ev->stack[ev->sp - 1] = size < 8 ? v & (((uint64_t)1 << (size * 8)) - 1) : v;
	return NULL;
}

/* dup, drop, over, pick, swap, rot. */
static struct gsc_error *eval_stack(struct eval *ev, uint8_t op)
{
	struct gsc_error *err;
	uint8_t idx = 0;
	uint64_t *s = ev->stack, t;
	size_t n = ev->sp;
	switch (op) {
	case 0x12: return (err = need(ev, 1)) ? err : push(ev, s[n - 1]);
	case 0x13: if ((err = need(ev, 1))) return err; ev->sp--; return NULL;
	case 0x14: return (err = need(ev, 2)) ? err : push(ev, s[n - 2]);
	case 0x15:
		if ((err = gsc_buf_u8(&ev->b, &idx)) || (err = need(ev, (size_t)idx + 1)))
			return err;
		return push(ev, s[n - 1 - idx]);
	case 0x16:
		if ((err = need(ev, 2))) return err;
		t = s[n - 1], s[n - 1] = s[n - 2], s[n - 2] = t;
		return NULL;
	default:	/* rot */
		if ((err = need(ev, 3))) return err;
		t = s[n - 1], s[n - 1] = s[n - 2], s[n - 2] = s[n - 3], s[n - 3] = t;
		return NULL;
	}
}

static struct gsc_error *eval_unary(struct eval *ev, uint8_t op)
{
	struct gsc_error *err = need(ev, 1);
	uint64_t *v = &ev->stack[ev->sp - 1];
	if (err)
		return err;
	if (op == 0x19)		/* abs */
		*v = (int64_t)*v < 0 ? -*v : *v;
	else if (op == 0x1f)	/* neg */
		*v = -*v;
	else			/* not */
		*v = ~*v;
	return NULL;
}

static struct gsc_error *eval_binary(struct eval *ev, uint8_t op)
{
	struct gsc_error *err = need(ev, 2);
	if (err)
		return err;
	uint64_t b = ev->stack[--ev->sp], a = ev->stack[ev->sp - 1], r;
	int64_t sa = (int64_t)a, sb = (int64_t)b;
	if ((op == 0x1b || op == 0x1d) && b == 0)
		return gsc_bad_data("DWARF expression: division by zero");
	switch (op) {
	case 0x1a: r = a & b; break;
	case 0x1b: r = sa == INT64_MIN && sb == -1 ? a : (uint64_t)(sa / sb); break;
	case 0x1c: r = a - b; break;
	case 0x1d: r = a % b; break;
	case 0x1e: r = a * b; break;
	case 0x21: r = a | b; break;
	case 0x22: r = a + b; break;
	case 0x24: r = b >= 64 ? 0 : a << b; break;
	case 0x25: r = b >= 64 ? 0 : a >> b; break;
	case 0x26: r = b >= 64 ? (sa < 0 ? UINT64_MAX : 0) : (uint64_t)(sa >> b); break;
	case 0x27: r = a ^ b; break;
	case 0x29: r = sa == sb; break;
	case 0x2a: r = sa >= sb; break;
	case 0x2b: r = sa > sb; break;
	case 0x2c: r = sa <= sb; break;
	case 0x2d: r = sa < sb; break;
	default: r = sa != sb; break;	/* 0x2e ne */
	}
	ev->stack[ev->sp - 1] = r;
	return NULL;
}

/* skip and bra: a signed 2-byte offset from after the operand. */
static struct gsc_error *eval_branch(struct eval *ev, uint8_t op)
{
	uint64_t off;
	struct gsc_error *err = read_value(&ev->b, PE_SDATA2, 8, &off);
	if (err)
		return err;
	if (op == 0x28) {	/* bra */
		if ((err = need(ev, 1)))
			return err;
		if (!ev->stack[--ev->sp])
			return NULL;
	}
	uint64_t target = ev->b.pos + off;
	if (target > ev->b.size)
		return gsc_bad_data("DWARF expression: branch to 0x%" PRIx64 " out of range",
				    target);
	ev->b.pos = (size_t)target;
	return NULL;
}

typedef struct gsc_error *eval_fn(struct eval *ev, uint8_t op);

static eval_fn *eval_op(uint8_t op)
{
	if ((op >= 0x08 && op <= 0x11) || op == 0x03 || op == 0x23 || (op >= 0x30 && op <= 0x4f))
		return eval_const;
	if ((op >= 0x70 && op <= 0x8f) || op == 0x92)
		return eval_breg;
	if (op == 0x06 || op == 0x94)
		return eval_deref;
	if (op >= 0x12 && op <= 0x17)
		return eval_stack;
	if (op == 0x19 || op == 0x1f || op == 0x20)
		return eval_unary;
	if ((op >= 0x1a && op <= 0x27 && op != 0x1f && op != 0x20 && op != 0x23) ||
	    (op >= 0x29 && op <= 0x2e))
		return eval_binary;
	if (op == 0x28 || op == 0x2f)
		return eval_branch;
	return NULL;
}

struct gsc_error *gsc_cfi_eval_expr(const uint8_t *expr, size_t len,
				    const struct gsc_cfi_expr_env *env, bool has_initial,
				    uint64_t initial, uint64_t *ret)
{
	struct gsc_error *err;
	struct eval ev = { .env = env };
	if (env->addr_size != 4 && env->addr_size != 8)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "expression address size %u",
					env->addr_size);
	gsc_buf_init(&ev.b, expr, len, env->little_endian, "DWARF expression");
	if (has_initial)
		ev.stack[ev.sp++] = initial;
	for (unsigned steps = 0; gsc_buf_left(&ev.b); steps++) {
		uint8_t op;
		if (steps == GSC_CFI_EXPR_MAX_STEPS)
			return gsc_bad_data("DWARF expression: more than %d steps",
					    GSC_CFI_EXPR_MAX_STEPS);
		if ((err = gsc_buf_u8(&ev.b, &op)))
			return err;
		if (op == 0x96)		/* nop */
			continue;
		eval_fn *fn = eval_op(op);
		if (!fn)
			return gsc_error_create(GSC_ERR_UNSUPPORTED, "DWARF expression: operation "
						"0x%02x at offset 0x%zx", op, ev.b.pos - 1);
		if ((err = fn(&ev, op)))
			return err;
	}
	if ((err = need(&ev, 1)))
		return err;
	*ret = ev.stack[ev.sp - 1] & addr_mask(env->addr_size);
	return NULL;
}
