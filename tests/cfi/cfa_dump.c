/*
 * cfa_dump.c - print the CFA row of each pc read from stdin (one hex pc a
 * line) in the shape of readelf --debug-dump=frames-interp, for run-cfa.sh:
 *
 *   <pc> <cfa> [<reg>=<rule> ...]      rules as readelf prints them:
 *                                      c-8 v+8 s r12 exp vexp ("u" is left out)
 *   <pc> none                          no FDE covers pc
 *   <pc> error <message>
 *
 * The return address column is named "ra", as readelf names it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"
#include "elf_file.h"

/* DWARF register names as readelf prints them (x86-64 psABI, AADWARF64). */
static const char *reg_name(enum gsc_arch arch, unsigned regno, char *buf, size_t size)
{
	static const char *const amd64[] = {
		"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
		"r10", "r11", "r12", "r13", "r14", "r15", "rip",
	};
	if (arch == GSC_ARCH_AMD64 && regno < sizeof(amd64) / sizeof(amd64[0]))
		return amd64[regno];
	if (arch == GSC_ARCH_ARM64 && regno <= 30)
		snprintf(buf, size, "x%u", regno);
	else if (arch == GSC_ARCH_ARM64 && regno == 31)
		snprintf(buf, size, "sp");
	else
		snprintf(buf, size, "r%u", regno);
	return buf;
}

static void print_rule(enum gsc_arch arch, const struct gsc_cfi_rule *r)
{
	char buf[16];
	switch (r->kind) {
	case GSC_CFI_RULE_SAME_VALUE: printf("s"); break;
	case GSC_CFI_RULE_OFFSET: printf("c%+" PRId64, r->offset); break;
	case GSC_CFI_RULE_VAL_OFFSET: printf("v%+" PRId64, r->offset); break;
	case GSC_CFI_RULE_REGISTER: printf("%s", reg_name(arch, r->regno, buf, sizeof(buf))); break;
	case GSC_CFI_RULE_EXPRESSION: printf("exp"); break;
	case GSC_CFI_RULE_VAL_EXPRESSION: printf("vexp"); break;
	default: printf("?"); break;
	}
}

static void print_row(enum gsc_arch arch, uint64_t pc, const struct gsc_cfa_row *row)
{
	char buf[16];
	printf("%" PRIx64 " ", pc);
	if (row->cfa.kind == GSC_CFA_EXPRESSION)
		printf("exp");
	else if (row->cfa.kind == GSC_CFA_REG_OFFSET)
		printf("%s%+" PRId64, reg_name(arch, row->cfa.regno, buf, sizeof(buf)),
		       row->cfa.offset);
	else
		printf("none");
	for (unsigned i = 0; i < row->num_regs; i++) {
		const struct gsc_cfi_rule *r = &row->regs[i];
		if (r->kind == GSC_CFI_RULE_UNSPECIFIED || r->kind == GSC_CFI_RULE_UNDEFINED)
			continue;
		printf(" %s=", i == row->ra_regno ? "ra" : reg_name(arch, i, buf, sizeof(buf)));
		print_rule(arch, r);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	struct gsc_elf *elf = NULL;
	struct gsc_cfi *cfi;
	struct gsc_error *err;
	char line[128];
	if (argc != 2) {
		fprintf(stderr, "usage: cfa_dump ELF < pcs\n");
		return 2;
	}
	if ((err = gsc_elf_open(argv[1], &elf)) || (err = gsc_cfi_create_elf(elf, &cfi))) {
		fprintf(stderr, "cfa_dump: %s\n", err->message);
		gsc_error_destroy(err);
		gsc_elf_destroy(elf);
		return 1;
	}
	enum gsc_arch arch = gsc_elf_arch(elf);
	struct gsc_cfa_row *row = malloc(sizeof(*row));
	if (!row) {
		gsc_cfi_destroy(cfi);
		gsc_elf_destroy(elf);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		uint64_t pc = strtoull(line, NULL, 16);
		err = gsc_cfi_find_row(cfi, pc, row);
		if (!err) {
			print_row(arch, pc, row);
			continue;
		}
		if (err->code == GSC_ERR_NOT_FOUND)
			printf("%" PRIx64 " none\n", pc);
		else
			printf("%" PRIx64 " error %s\n", pc, err->message);
		gsc_error_destroy(err);
	}
	free(row);
	gsc_cfi_destroy(cfi);
	gsc_elf_destroy(elf);
	return 0;
}
