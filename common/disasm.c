/*
 * disasm.c - capstone 4 behind disasm.h.
 *
 * capstone facts relied on (checked against 4.0.2): with CS_OPT_DETAIL on,
 * x86 memory operands keep base X86_REG_RIP and the raw displacement, so the
 * target is next-instruction address + disp (Intel SDM vol. 2 §2.2.1.6);
 * arm64 ADR/ADRP/B/BL/CBZ/TBZ/LDR-literal immediates are already absolute
 * (capstone adds the PC; ADRP's is the 4 KiB page).  cs_disasm_iter() leaves
 * its cursor alone on a byte sequence it cannot decode; we step over it.
 */
#include "config.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "disasm.h"

enum { ARM64_NREGS = 31 };	/* x0..x30 */

struct gsc_disasm {
	enum gsc_arch arch;
	csh handle;
	cs_insn *insn;
	/* arm64: page loaded by the last ADRP into each x register, if still live */
	bool page_valid[ARM64_NREGS];
	uint64_t page[ARM64_NREGS];
};

static struct gsc_error *cs_error(csh h, const char *what)
{
	return gsc_error_create(GSC_ERR_DISASM, "capstone: %s: %s", what,
				cs_strerror(h ? cs_errno(h) : CS_ERR_HANDLE));
}

struct gsc_error *gsc_disasm_create(enum gsc_arch arch, struct gsc_disasm **ret)
{
	cs_arch csarch;
	cs_mode mode;
	if (arch == GSC_ARCH_AMD64) {
		csarch = CS_ARCH_X86;
		mode = CS_MODE_64;
	} else if (arch == GSC_ARCH_ARM64) {
		csarch = CS_ARCH_ARM64;
		mode = CS_MODE_LITTLE_ENDIAN;
	} else {
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "disassembly for arch %s",
					gsc_arch_name(arch));
	}
	struct gsc_disasm *d = calloc(1, sizeof(*d));
	if (!d)
		return &gsc_enomem;
	d->arch = arch;
	cs_err ce = cs_open(csarch, mode, &d->handle);
	if (ce != CS_ERR_OK) {
		free(d);
		return gsc_error_create(GSC_ERR_DISASM, "capstone: open: %s", cs_strerror(ce));
	}
	struct gsc_error *err = NULL;
	if (cs_option(d->handle, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK)
		err = cs_error(d->handle, "detail mode");
	else if (!(d->insn = cs_malloc(d->handle)))
		err = &gsc_enomem;
	if (err) {
		gsc_disasm_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

void gsc_disasm_destroy(struct gsc_disasm *d)
{
	if (!d)
		return;
	if (d->insn)
		cs_free(d->insn, 1);
	cs_close(&d->handle);
	free(d);
}

/* Mnemonic -> kind, for the branches capstone's groups do not separate. */
struct kind_rule {
	const char *mnemonic;
	bool prefix;
	enum gsc_insn_kind kind;
};

static const struct kind_rule amd64_rules[] = {
	{ "call", false, GSC_INSN_CALL },
	{ "ret", false, GSC_INSN_RET },
	{ "retf", false, GSC_INSN_RET },
	{ "jmp", false, GSC_INSN_JUMP },
	{ "ljmp", false, GSC_INSN_JUMP },
	{ "j", true, GSC_INSN_COND_JUMP },	/* jcc, jrcxz */
	{ "loop", true, GSC_INSN_COND_JUMP },
};

static const struct kind_rule arm64_rules[] = {
	{ "bl", false, GSC_INSN_CALL },
	{ "blr", false, GSC_INSN_CALL },
	{ "ret", false, GSC_INSN_RET },
	{ "b", false, GSC_INSN_JUMP },
	{ "br", false, GSC_INSN_JUMP },
	{ "b.", true, GSC_INSN_COND_JUMP },
	{ "cbz", false, GSC_INSN_COND_JUMP },
	{ "cbnz", false, GSC_INSN_COND_JUMP },
	{ "tbz", false, GSC_INSN_COND_JUMP },
	{ "tbnz", false, GSC_INSN_COND_JUMP },
};

static enum gsc_insn_kind classify(const struct kind_rule *rules, size_t n, const char *mn)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(rules[i].mnemonic);
		if (rules[i].prefix ? strncmp(mn, rules[i].mnemonic, len) == 0 :
				      strcmp(mn, rules[i].mnemonic) == 0)
			return rules[i].kind;
	}
	return GSC_INSN_OTHER;
}

static void amd64_detail(const cs_insn *ci, struct gsc_insn *out)
{
	const cs_x86 *x = &ci->detail->x86;
	out->kind = classify(amd64_rules, sizeof(amd64_rules) / sizeof(amd64_rules[0]),
			     ci->mnemonic);
	for (uint8_t i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP &&
		    op->mem.index == X86_REG_INVALID) {
			out->pcrel = ci->address + ci->size + (uint64_t)op->mem.disp;
			out->pcrel_kind = ci->id == X86_INS_LEA ? GSC_PCREL_ADDR : GSC_PCREL_MEM;
		}
		if (op->type == X86_OP_IMM && out->kind != GSC_INSN_OTHER && x->op_count == 1) {
			out->has_target = true;
			out->target = (uint64_t)op->imm;
		}
	}
}

/* x0..x30 / w0..w30 -> 0..30; -1 for anything else (sp, xzr, vector). */
static int xreg(arm64_reg r)
{
	if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28)
		return r - ARM64_REG_X0;
	if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30)
		return r - ARM64_REG_W0;
	if (r == ARM64_REG_X29)
		return 29;
	if (r == ARM64_REG_X30)
		return 30;
	return -1;
}

/* Resolve ADD xd, xn, #imm and LDR/STR [xn, #imm] after an ADRP into xn. */
static void arm64_pair(struct gsc_disasm *d, const cs_insn *ci, struct gsc_insn *out)
{
	const cs_arm64 *a = &ci->detail->arm64;
	if (ci->id == ARM64_INS_ADD && a->op_count == 3 && a->operands[1].type == ARM64_OP_REG &&
	    a->operands[2].type == ARM64_OP_IMM && a->operands[2].shift.type == ARM64_SFT_INVALID) {
		int n = xreg(a->operands[1].reg);
		if (n >= 0 && d->page_valid[n]) {
			out->pcrel = d->page[n] + (uint64_t)a->operands[2].imm;
			out->pcrel_kind = GSC_PCREL_ADDR;
		}
		return;
	}
	for (uint8_t i = 0; i < a->op_count; i++) {
		const cs_arm64_op *op = &a->operands[i];
		if (op->type != ARM64_OP_MEM || op->mem.index != ARM64_REG_INVALID || a->writeback)
			continue;
		int n = xreg(op->mem.base);
		if (n >= 0 && d->page_valid[n]) {
			out->pcrel = d->page[n] + (uint64_t)(int64_t)op->mem.disp;
			out->pcrel_kind = GSC_PCREL_MEM;
		}
	}
}

/* Forget the ADRP pages of registers this instruction writes. */
static void arm64_kill(struct gsc_disasm *d, const cs_insn *ci)
{
	cs_regs rd, wr;
	uint8_t nr = 0, nw = 0;
	if (cs_regs_access(d->handle, ci, rd, &nr, wr, &nw) != CS_ERR_OK) {
		memset(d->page_valid, 0, sizeof(d->page_valid));
		return;
	}
	for (uint8_t i = 0; i < nw; i++) {
		int n = xreg(wr[i]);
		if (n >= 0)
			d->page_valid[n] = false;
	}
}

static void arm64_detail(struct gsc_disasm *d, const cs_insn *ci, struct gsc_insn *out)
{
	const cs_arm64 *a = &ci->detail->arm64;
	out->kind = classify(arm64_rules, sizeof(arm64_rules) / sizeof(arm64_rules[0]),
			     ci->mnemonic);
	const cs_arm64_op *last = a->op_count ? &a->operands[a->op_count - 1] : NULL;
	if (out->kind != GSC_INSN_OTHER && last && last->type == ARM64_OP_IMM) {
		out->has_target = true;
		out->target = (uint64_t)last->imm;
	} else if ((ci->id == ARM64_INS_ADR || ci->id == ARM64_INS_ADRP) && a->op_count == 2) {
		out->pcrel = (uint64_t)a->operands[1].imm;
		out->pcrel_kind = ci->id == ARM64_INS_ADR ? GSC_PCREL_ADDR : GSC_PCREL_PAGE;
	} else if (a->op_count == 2 && a->operands[1].type == ARM64_OP_IMM &&
		   ci->mnemonic[0] == 'l' && ci->mnemonic[1] == 'd') {
		out->pcrel = (uint64_t)a->operands[1].imm;	/* ldr xN, literal */
		out->pcrel_kind = GSC_PCREL_MEM;
	} else {
		arm64_pair(d, ci, out);
	}
	arm64_kill(d, ci);
	if (ci->id == ARM64_INS_ADRP && a->op_count == 2) {
		int n = xreg(a->operands[0].reg);
		if (n >= 0) {
			d->page_valid[n] = true;
			d->page[n] = (uint64_t)a->operands[1].imm;
		}
	}
	if (out->kind != GSC_INSN_OTHER && out->kind != GSC_INSN_COND_JUMP)
		memset(d->page_valid, 0, sizeof(d->page_valid));
}

static void fill(struct gsc_disasm *d, const cs_insn *ci, struct gsc_insn *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = ci->address;
	out->size = (uint8_t)ci->size;
	snprintf(out->mnemonic, sizeof(out->mnemonic), "%s", ci->mnemonic);
	snprintf(out->op_str, sizeof(out->op_str), "%s", ci->op_str);
	if (d->arch == GSC_ARCH_AMD64)
		amd64_detail(ci, out);
	else
		arm64_detail(d, ci, out);
}

static void fill_bad(struct gsc_disasm *d, uint64_t addr, size_t left, struct gsc_insn *out)
{
	size_t step = d->arch == GSC_ARCH_ARM64 ? 4 - (addr & 3) : 1;
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	out->size = (uint8_t)(step < left ? step : left);
	out->kind = GSC_INSN_INVALID;
	strcpy(out->mnemonic, "(bad)");
	memset(d->page_valid, 0, sizeof(d->page_valid));
}

struct gsc_error *gsc_disasm_range(struct gsc_disasm *d, const uint8_t *code, size_t size,
				   uint64_t addr, gsc_disasm_fn *fn, void *arg)
{
	struct gsc_insn out;
	memset(d->page_valid, 0, sizeof(d->page_valid));
	while (size) {
		const uint8_t *p = code;
		size_t n = size;
		uint64_t a = addr;
		if (cs_disasm_iter(d->handle, &p, &n, &a, d->insn))
			fill(d, d->insn, &out);
		else
			fill_bad(d, addr, size, &out);
		code += out.size;
		size -= out.size;
		addr += out.size;
		struct gsc_error *err = fn(&out, arg);
		if (err)
			return err;
	}
	return NULL;
}

struct gsc_error *gsc_disasm(enum gsc_arch arch, const uint8_t *code, size_t size, uint64_t addr,
			     gsc_disasm_fn *fn, void *arg)
{
	struct gsc_disasm *d;
	struct gsc_error *err = gsc_disasm_create(arch, &d);
	if (err)
		return err;
	err = gsc_disasm_range(d, code, size, addr, fn, arg);
	gsc_disasm_destroy(d);
	return err;
}

struct collect {
	struct gsc_insn *v;
	size_t n, cap;
};

static struct gsc_error *collect_insn(const struct gsc_insn *insn, void *arg)
{
	struct collect *c = arg;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct gsc_insn *v = reallocarray(c->v, ncap, sizeof(*v));
		if (!v)
			return &gsc_enomem;
		c->v = v;
		c->cap = ncap;
	}
	c->v[c->n++] = *insn;
	return NULL;
}

struct gsc_error *gsc_disasm_all(struct gsc_disasm *d, const uint8_t *code, size_t size,
				 uint64_t addr, struct gsc_insn **insns_ret, size_t *count_ret)
{
	struct collect c = { 0 };
	struct gsc_error *err = gsc_disasm_range(d, code, size, addr, collect_insn, &c);
	if (err) {
		free(c.v);
		return err;
	}
	*insns_ret = c.v;
	*count_ret = c.n;
	return NULL;
}
