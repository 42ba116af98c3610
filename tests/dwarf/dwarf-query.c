/*
 * dwarf-query.c - a test helper for run-dwarf.sh: answers one question about
 * an executable through dwarf_info.h / disasm.h and prints it in the same
 * line format as the oracle programs (tests/dwarf/offsets.go).
 *
 *   dwarf-query EXE version | producer | stats | index-time
 *   dwarf-query EXE size TYPE
 *   dwarf-query EXE field TYPE PATH
 *   dwarf-query EXE global NAME
 *   dwarf-query EXE const NAME
 *   dwarf-query EXE func NAME           # range and parameters
 *   dwarf-query EXE disasm NAME         # "addr: mnemonic" lines
 *   dwarf-query EXE disasm-range LO HI  # the same for [LO, HI)
 *
 * Exit: 0 answered, 1 the library returned an error (printed), 2 usage.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "disasm.h"
#include "dwarf_info.h"
#include "elf_file.h"

static int fail(struct gsc_error *err)
{
	printf("error %d %s\n", err->code, err->message);
	gsc_error_destroy(err);
	return 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_loc(const struct gsc_dwarf_loc *l)
{
	static const char *const kinds[] = { "empty", "reg", "fbreg", "cfa", "breg", "addr",
					     "complex" };
	if (l->all_pcs)
		printf("    all:");
	else
		printf("    [0x%" PRIx64 ",0x%" PRIx64 "):", l->low_pc, l->high_pc);
	for (size_t i = 0; i < l->npieces; i++) {
		const struct gsc_dwarf_piece *p = &l->pieces[i];
		printf(" %s", kinds[p->kind]);
		if (p->kind == GSC_DWARF_PIECE_REG || p->kind == GSC_DWARF_PIECE_BREG)
			printf(" r%u", p->reg);
		if (p->kind >= GSC_DWARF_PIECE_FBREG && p->kind <= GSC_DWARF_PIECE_ADDR)
			printf(" %+" PRId64, p->offset);
		if (p->size)
			printf(" piece %" PRIu64, p->size);
		printf(";");
	}
	printf("\n");
}

static int query_func(struct gsc_dwarf *dw, const char *name)
{
	struct gsc_dwarf_func f;
	struct gsc_error *err = gsc_dwarf_func_init(dw, name, &f);
	if (err)
		return fail(err);
	printf("func %s 0x%" PRIx64 " 0x%" PRIx64 " cfa=%d\n", f.name, f.low_pc, f.high_pc,
	       f.frame_base_is_cfa);
	for (size_t i = 0; i < f.nparams; i++) {
		const struct gsc_dwarf_param *p = &f.params[i];
		printf("  param %s %s%s\n", p->name, p->type_name, p->is_result ? " result" : "");
		for (size_t j = 0; j < p->nlocs; j++)
			print_loc(&p->locs[j]);
	}
	gsc_dwarf_func_deinit(&f);
	return 0;
}

static struct gsc_error *print_insn(const struct gsc_insn *insn, void *arg)
{
	printf("%" PRIx64 ": %s", insn->addr, insn->mnemonic);
	if (insn->has_target)
		printf(" -> 0x%" PRIx64, insn->target);
	if (insn->pcrel_kind != GSC_PCREL_NONE)
		printf(" pcrel 0x%" PRIx64, insn->pcrel);
	printf("\n");
	return NULL;
}

static int query_disasm(struct gsc_elf *elf, struct gsc_dwarf *dw, const char *name,
			const char *hi_arg)
{
	uint64_t lo, hi;
	const uint8_t *code;
	struct gsc_error *err = NULL;
	if (hi_arg) {
		lo = strtoull(name, NULL, 0);
		hi = strtoull(hi_arg, NULL, 0);
		if (hi < lo)
			return 2;
	} else {
		err = gsc_dwarf_func_range(dw, name, &lo, &hi);
	}
	if (!err)
		err = gsc_elf_vaddr_bytes(elf, lo, hi - lo, &code);
	if (!err)
		err = gsc_disasm(gsc_elf_arch(elf), code, hi - lo, lo, print_insn, NULL);
	return err ? fail(err) : 0;
}

static int query(struct gsc_elf *elf, struct gsc_dwarf *dw, int argc, char **argv)
{
	const char *q = argv[2];
	struct gsc_error *err = NULL;
	if (!strcmp(q, "version")) {
		unsigned v;
		if (!(err = gsc_dwarf_version(dw, &v)))
			printf("version %u\n", v);
	} else if (!strcmp(q, "producer")) {
		const char *p;
		if (!(err = gsc_dwarf_producer(dw, &p)))
			printf("producer %s\n", p);
	} else if (!strcmp(q, "stats") || !strcmp(q, "index-time")) {
		struct gsc_dwarf_stats st;
		double t0 = now();
		if (!(err = gsc_dwarf_stats(dw, &st)))
			printf("units %zu names %zu concrete %zu index %.3f s\n", st.units,
			       st.names, st.concrete, now() - t0);
	} else if (!strcmp(q, "size") && argc == 4) {
		uint64_t v;
		if (!(err = gsc_dwarf_type_size(dw, argv[3], &v)))
			printf("size %s %" PRIu64 "\n", argv[3], v);
	} else if (!strcmp(q, "field") && argc == 5) {
		struct gsc_dwarf_field f;
		if (!(err = gsc_dwarf_field(dw, argv[3], argv[4], &f)))
			printf("field %s %s %" PRIu64 " size %" PRIu64 " type %s\n", argv[3],
			       argv[4], f.offset, f.size, f.type_name ? f.type_name : "?");
	} else if (!strcmp(q, "global") && argc == 4) {
		uint64_t v;
		if (!(err = gsc_dwarf_global_address(dw, argv[3], &v)))
			printf("global %s 0x%" PRIx64 "\n", argv[3], v);
	} else if (!strcmp(q, "const") && argc == 4) {
		int64_t v;
		if (!(err = gsc_dwarf_constant(dw, argv[3], &v)))
			printf("const %s %" PRId64 "\n", argv[3], v);
	} else if (!strcmp(q, "func") && argc == 4) {
		return query_func(dw, argv[3]);
	} else if (!strcmp(q, "disasm") && argc == 4) {
		return query_disasm(elf, dw, argv[3], NULL);
	} else if (!strcmp(q, "disasm-range") && argc == 5) {
		return query_disasm(elf, dw, argv[3], argv[4]);
	} else {
		fprintf(stderr, "dwarf-query: bad query\n");
		return 2;
	}
	return err ? fail(err) : 0;
}

int main(int argc, char **argv)
{
	struct gsc_elf *elf;
	struct gsc_dwarf *dw;
	if (argc < 3) {
		fprintf(stderr, "usage: dwarf-query EXE QUERY [ARGS]\n");
		return 2;
	}
	struct gsc_error *err = gsc_elf_open(argv[1], &elf);
	if (err)
		return fail(err);
	err = gsc_dwarf_create(elf, &dw);
	if (err) {
		gsc_elf_destroy(elf);
		return fail(err);
	}
	int rc = query(elf, dw, argc, argv);
	gsc_dwarf_destroy(dw);
	gsc_elf_destroy(elf);
	return rc;
}
