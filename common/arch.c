/*
 * arch.c - lookups over the per-arch register tables (arch_amd64.c,
 * arch_arm64.c), the g packet layout and the target description built from
 * them.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "buf.h"
#include "cleanup.h"

/* Looked up by arch and e_machine in this order: the AVX-512 variant of amd64 only by pointer. */
static const struct gsc_arch_info *const arches[] = { &gsc_amd64_arch, &gsc_arm64_arch, &gsc_amd64_avx512_arch };
enum { NARCHES = sizeof(arches) / sizeof(arches[0]) };

const struct gsc_arch_info *gsc_arch_info(enum gsc_arch arch)
{
	for (size_t i = 0; i < NARCHES; i++)
		if (arches[i]->arch == arch)
			return arches[i];
	return NULL;
}

const struct gsc_arch_info *gsc_arch_info_by_machine(uint16_t machine)
{
	for (size_t i = 0; i < NARCHES; i++)
		if (arches[i]->elf_machine == machine)
			return arches[i];
	return NULL;
}

int gsc_arch_reg_by_name(const struct gsc_arch_info *ai, const char *name)
{
	for (size_t i = 0; i < ai->nregs; i++)
		if (strcmp(ai->regs[i].name, name) == 0)
			return (int)i;
	if (ai->arch == GSC_ARCH_ARM64 && strcmp(name, "pstate") == 0)
		return GSC_ARM64_CPSR;
	return -1;
}

int gsc_arch_reg_by_dwarf(const struct gsc_arch_info *ai, int dwarf_regno)
{
	for (size_t i = 0; dwarf_regno >= 0 && i < ai->nregs; i++)
		if (ai->regs[i].dwarf_regno == dwarf_regno)
			return (int)i;
	return -1;
}

int gsc_arch_reg_by_gdb(const struct gsc_arch_info *ai, int gdb_regno)
{
	for (size_t i = 0; gdb_regno >= 0 && i < ai->nregs; i++)
		if (ai->regs[i].gdb_regno == gdb_regno)
			return (int)i;
	return -1;
}

void gsc_arch_regs_from_prstatus(const struct gsc_arch_info *ai, const uint8_t *pr_reg,
				 size_t size, bool little_endian, struct gsc_regs *regs)
{
	gsc_regs_clear(regs);
	for (size_t i = 0; i < ai->nregs; i++) {
		const struct gsc_reg_info *r = &ai->regs[i];
		if (r->prstatus_offset < 0 || !gsc_in_bounds((uint64_t)r->prstatus_offset, 8, size))
			continue;
		uint64_t v = gsc_load64(pr_reg + r->prstatus_offset, little_endian);
		if (r->bitsize == 32)
			v &= 0xffffffffu;
		gsc_regs_set(regs, (int)i, v);
	}
}

/* ---------------------------------------------------------------- the g packet */

/* Table index of the register with gdb number regno, or -1 (over the whole table). */
static int table_index(const struct gsc_arch_info *ai, int regno)
{
	for (size_t i = 0; regno >= 0 && i < ai->ntable; i++)
		if (ai->regs[i].gdb_regno == regno)
			return (int)i;
	return -1;
}

int gsc_arch_wire_nregs(const struct gsc_arch_info *ai)
{
	return ai->tdesc_arch ? (int)ai->ntable : 0;
}

/*
 * The g packet is every register in regnum order; the tables number their
 * registers 0..ntable-1 without gaps (tests/test_arch.c checks it), so one
 * pass by regnum lays them out.
 */
size_t gsc_arch_wire_offsets(const struct gsc_arch_info *ai, uint16_t offsets[GSC_ARCH_WIRE_MAX])
{
	int16_t by_regno[GSC_ARCH_WIRE_MAX];
	size_t n = ai->ntable, off = 0;

	if (!ai->tdesc_arch || n > GSC_ARCH_WIRE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		by_regno[i] = -1;
	for (size_t i = 0; i < n; i++)
		if (ai->regs[i].gdb_regno >= 0 && (size_t)ai->regs[i].gdb_regno < n)
			by_regno[ai->regs[i].gdb_regno] = (int16_t)i;
	for (size_t regno = 0; regno < n; regno++) {
		if (by_regno[regno] < 0)
			return 0;
		offsets[by_regno[regno]] = (uint16_t)off;
		off += ai->regs[by_regno[regno]].bitsize / 8;
	}
	return off;
}

size_t gsc_arch_wire_size(const struct gsc_arch_info *ai)
{
	size_t size = 0;
	for (size_t i = 0; ai->tdesc_arch && i < ai->ntable; i++)
		size += ai->regs[i].bitsize / 8;
	return size;
}

bool gsc_arch_wire_reg(const struct gsc_arch_info *ai, int regno, size_t *offset_ret, size_t *size_ret,
		       const char **name_ret)
{
	int idx = ai->tdesc_arch ? table_index(ai, regno) : -1;
	size_t off = 0;

	if (idx < 0)
		return false;
	for (size_t i = 0; i < ai->ntable; i++)
		if (ai->regs[i].gdb_regno < regno)
			off += ai->regs[i].bitsize / 8;
	if (offset_ret)
		*offset_ret = off;
	if (size_ret)
		*size_ret = ai->regs[idx].bitsize / 8;
	if (name_ret)
		*name_ret = ai->regs[idx].name;
	return true;
}

/* ---------------------------------------------------------------- target.xml */

enum { XML_MAX = 48 * 1024 };

struct xml_out {
	char *buf;
	size_t len;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void out(struct xml_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, XML_MAX - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= XML_MAX - o->len)
		o->overflow = true;
	else
		o->len += (size_t)n;
}

static void xml_reg(struct xml_out *o, const struct gsc_reg_info *r)
{
	out(o, "    <reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\"", r->name,
	    (unsigned)r->bitsize, r->type, r->gdb_regno);
	if (r->group)
		out(o, " group=\"%s\"", r->group);
	if (r->generic)
		out(o, " generic=\"%s\"", r->generic);
	if (r->dwarf_regno >= 0)
		out(o, " dwarf_regnum=\"%d\"", r->dwarf_regno);
	if (r->ehframe_regno >= 0)
		out(o, " ehframe_regnum=\"%d\"", r->ehframe_regno);
	out(o, "/>\n");
}

/* gdb's features/gdb-target.dtd: <target> <architecture> <osabi> <feature>*. */
static bool xml_build(const struct gsc_arch_info *ai, char *buf)
{
	struct xml_out o = { .buf = buf };
	int n = (int)ai->ntable;

	out(&o, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n");
	out(&o, "  <architecture>%s</architecture>\n", ai->tdesc_arch);
	if (ai->tdesc_osabi)
		out(&o, "  <osabi>%s</osabi>\n", ai->tdesc_osabi);
	for (size_t f = 0; f < ai->tdesc_nfeatures; f++) {
		out(&o, "  <feature name=\"%s\">\n%s", ai->tdesc_features[f].name,
		    ai->tdesc_features[f].types);
		for (int regno = 0; regno < n; regno++) {
			int i = table_index(ai, regno);
			if (i >= 0 && ai->regs[i].feature == f)
				xml_reg(&o, &ai->regs[i]);
		}
		out(&o, "  </feature>\n");
	}
	out(&o, "</target>\n");
	return !o.overflow;
}

static char xml_store[NARCHES][XML_MAX];
static const char *xml_doc[NARCHES];
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_build_all(void)
{
	for (size_t i = 0; i < NARCHES; i++)
		if (arches[i]->tdesc_arch && xml_build(arches[i], xml_store[i]))
			xml_doc[i] = xml_store[i];
}

const char *gsc_arch_target_xml(const struct gsc_arch_info *ai)
{
	pthread_once(&xml_once, xml_build_all);
	for (size_t i = 0; i < NARCHES; i++)
		if (arches[i] == ai)
			return xml_doc[i];
	return NULL;
}
