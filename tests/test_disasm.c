/*
 * test_disasm.c - disasm.h on hand-encoded instructions.
 *
 * Encodings come from the Intel SDM vol. 2 (amd64) and the Arm ARM
 * (A64 "C4.1" encoding index) and were cross-checked with objdump/llvm-objdump;
 * targets are computed by hand from those encodings.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"

struct expect {
	const char *mnemonic;
	const char *op_str;	/* NULL: not checked */
	uint8_t size;
	enum gsc_insn_kind kind;
	uint64_t target;	/* 0: none */
	enum gsc_pcrel_kind pcrel_kind;
	uint64_t pcrel;
};

static void check(enum gsc_arch arch, const uint8_t *code, size_t size, uint64_t addr,
		  const struct expect *want, size_t nwant)
{
	struct gsc_disasm *d;
	struct gsc_insn *insns;
	size_t n;
	assert_null(gsc_disasm_create(arch, &d));
	assert_null(gsc_disasm_all(d, code, size, addr, &insns, &n));
	assert_int_equal(n, nwant);
	uint64_t at = addr;
	for (size_t i = 0; i < n; i++) {
		const struct gsc_insn *g = &insns[i];
		const struct expect *w = &want[i];
		if (strcmp(g->mnemonic, w->mnemonic) != 0 ||
		    (w->op_str && strcmp(g->op_str, w->op_str) != 0))
			fail_msg("insn %zu: got \"%s %s\", want \"%s %s\"", i, g->mnemonic,
				 g->op_str, w->mnemonic, w->op_str ? w->op_str : "...");
		assert_int_equal(g->addr, at);
		assert_int_equal(g->size, w->size);
		assert_int_equal(g->kind, w->kind);
		assert_int_equal(g->has_target, w->target != 0);
		if (w->target)
			assert_int_equal(g->target, w->target);
		assert_int_equal(g->pcrel_kind, w->pcrel_kind);
		if (w->pcrel_kind != GSC_PCREL_NONE)
			assert_int_equal(g->pcrel, w->pcrel);
		at += g->size;
	}
	free(insns);
	gsc_disasm_destroy(d);
}

static void test_amd64(void **state)
{
	static const uint8_t code[] = {
		0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00,	/* 0x1000 mov rax, [rip+0x10] */
		0x48, 0x8d, 0x0d, 0xf9, 0xff, 0xff, 0xff,	/* 0x1007 lea rcx, [rip-7] */
		0xe8, 0x00, 0x01, 0x00, 0x00,			/* 0x100e call 0x1113 */
		0xff, 0xd0,					/* 0x1013 call rax */
		0x74, 0x02,					/* 0x1015 je 0x1019 */
		0xeb, 0xfe,					/* 0x1017 jmp 0x1017 */
		0x48, 0x89, 0x05, 0x00, 0x00, 0x00, 0x00,	/* 0x1019 mov [rip+0], rax */
		0x0f, 0x0b,					/* 0x1020 ud2 */
		0xc3,						/* 0x1022 ret */
	};
	static const struct expect want[] = {
		{ "mov", "rax, qword ptr [rip + 0x10]", 7, GSC_INSN_OTHER, 0, GSC_PCREL_MEM, 0x1017 },
		{ "lea", "rcx, [rip - 7]", 7, GSC_INSN_OTHER, 0, GSC_PCREL_ADDR, 0x1007 },
		{ "call", "0x1113", 5, GSC_INSN_CALL, 0x1113, GSC_PCREL_NONE, 0 },
		{ "call", "rax", 2, GSC_INSN_CALL, 0, GSC_PCREL_NONE, 0 },
		{ "je", "0x1019", 2, GSC_INSN_COND_JUMP, 0x1019, GSC_PCREL_NONE, 0 },
		{ "jmp", "0x1017", 2, GSC_INSN_JUMP, 0x1017, GSC_PCREL_NONE, 0 },
		{ "mov", NULL, 7, GSC_INSN_OTHER, 0, GSC_PCREL_MEM, 0x1020 },
		{ "ud2", "", 2, GSC_INSN_OTHER, 0, GSC_PCREL_NONE, 0 },
		{ "ret", "", 1, GSC_INSN_RET, 0, GSC_PCREL_NONE, 0 },
	};
	check(GSC_ARCH_AMD64, code, sizeof(code), 0x1000, want, sizeof(want) / sizeof(want[0]));
}

static void test_amd64_bad(void **state)
{
	/* 0x06 (push es) does not exist in 64-bit mode; a lone REX at the end. */
	static const uint8_t code[] = { 0x06, 0x90, 0x48 };
	static const struct expect want[] = {
		{ "(bad)", "", 1, GSC_INSN_INVALID, 0, GSC_PCREL_NONE, 0 },
		{ "nop", "", 1, GSC_INSN_OTHER, 0, GSC_PCREL_NONE, 0 },
		{ "(bad)", "", 1, GSC_INSN_INVALID, 0, GSC_PCREL_NONE, 0 },
	};
	check(GSC_ARCH_AMD64, code, sizeof(code), 0x400000, want, 3);
}

#define A64(w) (uint8_t)(w), (uint8_t)((w) >> 8), (uint8_t)((w) >> 16), (uint8_t)((w) >> 24)

static void test_arm64(void **state)
{
	static const uint8_t code[] = {
		A64(0xb0000001u),	/* 0x10000 adrp x1, 0x11000 */
		A64(0xf9400822u),	/* 0x10004 ldr x2, [x1, #0x10] -> 0x11010 */
		A64(0xb0000000u),	/* 0x10008 adrp x0, 0x11000 */
		A64(0x91118000u),	/* 0x1000c add x0, x0, #0x460 -> 0x11460 */
		A64(0x94000002u),	/* 0x10010 bl 0x10018 */
		A64(0xb4000040u),	/* 0x10014 cbz x0, 0x1001c */
		A64(0x54000060u),	/* 0x10018 b.eq 0x10024 */
		A64(0xd63f0060u),	/* 0x1001c blr x3 */
		A64(0x10000105u),	/* 0x10020 adr x5, 0x10040 */
		A64(0x58000206u),	/* 0x10024 ldr x6, 0x10064 (literal) */
		A64(0x17ffffffu),	/* 0x10028 b 0x10024 */
		A64(0xd65f03c0u),	/* 0x1002c ret */
	};
	static const struct expect want[] = {
		{ "adrp", "x1, #0x11000", 4, GSC_INSN_OTHER, 0, GSC_PCREL_PAGE, 0x11000 },
		{ "ldr", "x2, [x1, #0x10]", 4, GSC_INSN_OTHER, 0, GSC_PCREL_MEM, 0x11010 },
		{ "adrp", "x0, #0x11000", 4, GSC_INSN_OTHER, 0, GSC_PCREL_PAGE, 0x11000 },
		{ "add", "x0, x0, #0x460", 4, GSC_INSN_OTHER, 0, GSC_PCREL_ADDR, 0x11460 },
		{ "bl", "#0x10018", 4, GSC_INSN_CALL, 0x10018, GSC_PCREL_NONE, 0 },
		{ "cbz", "x0, #0x1001c", 4, GSC_INSN_COND_JUMP, 0x1001c, GSC_PCREL_NONE, 0 },
		{ "b.eq", "#0x10024", 4, GSC_INSN_COND_JUMP, 0x10024, GSC_PCREL_NONE, 0 },
		{ "blr", "x3", 4, GSC_INSN_CALL, 0, GSC_PCREL_NONE, 0 },
		{ "adr", "x5, #0x10040", 4, GSC_INSN_OTHER, 0, GSC_PCREL_ADDR, 0x10040 },
		{ "ldr", "x6, #0x10064", 4, GSC_INSN_OTHER, 0, GSC_PCREL_MEM, 0x10064 },
		{ "b", "#0x10024", 4, GSC_INSN_JUMP, 0x10024, GSC_PCREL_NONE, 0 },
		{ "ret", "", 4, GSC_INSN_RET, 0, GSC_PCREL_NONE, 0 },
	};
	check(GSC_ARCH_ARM64, code, sizeof(code), 0x10000, want, sizeof(want) / sizeof(want[0]));
}

/* A register rewritten between ADRP and LDR no longer holds the page. */
static void test_arm64_adrp_killed(void **state)
{
	static const uint8_t code[] = {
		A64(0xb0000001u),	/* adrp x1, +0x1000 */
		A64(0xd28000a1u),	/* mov x1, #5 */
		A64(0xf9400822u),	/* ldr x2, [x1, #0x10]: not PC-relative any more */
	};
	static const struct expect want[] = {
		{ "adrp", NULL, 4, GSC_INSN_OTHER, 0, GSC_PCREL_PAGE, 0x1000 },
		{ "movz", "x1, #0x5", 4, GSC_INSN_OTHER, 0, GSC_PCREL_NONE, 0 },
		{ "ldr", NULL, 4, GSC_INSN_OTHER, 0, GSC_PCREL_NONE, 0 },
	};
	check(GSC_ARCH_ARM64, code, sizeof(code), 0, want, 3);
}

static void test_arm64_bad(void **state)
{
	static const uint8_t code[] = { A64(0xffffffffu), A64(0xd503201fu), 0x1f, 0x20 };
	static const struct expect want[] = {
		{ "(bad)", "", 4, GSC_INSN_INVALID, 0, GSC_PCREL_NONE, 0 },
		{ "nop", "", 4, GSC_INSN_OTHER, 0, GSC_PCREL_NONE, 0 },
		{ "(bad)", "", 2, GSC_INSN_INVALID, 0, GSC_PCREL_NONE, 0 },	/* 2 bytes left */
	};
	check(GSC_ARCH_ARM64, code, sizeof(code), 0x4000, want, 3);
}

static void test_empty_and_unsupported(void **state)
{
	struct gsc_disasm *d;
	struct gsc_insn *insns = NULL;
	size_t n = 99;
	assert_null(gsc_disasm_create(GSC_ARCH_AMD64, &d));
	assert_null(gsc_disasm_all(d, NULL, 0, 0x1000, &insns, &n));
	assert_int_equal(n, 0);
	free(insns);
	gsc_disasm_destroy(d);
	gsc_disasm_destroy(NULL);
	struct gsc_error *err = gsc_disasm_create(GSC_ARCH_UNKNOWN, &d);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_UNSUPPORTED);
	gsc_error_destroy(err);
}

static struct gsc_error *count_insn(const struct gsc_insn *insn, void *arg)
{
	size_t *n = arg;
	assert_true(insn->size >= 1 && insn->size <= 15);
	if (++*n == 5)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "stop");
	return NULL;
}

/* Random bytes: every byte is covered once, sizes sane; callbacks can stop. */
static void test_garbage(void **state)
{
	uint8_t buf[4096];
	unsigned seed = 12345;
	static const enum gsc_arch arches[] = { GSC_ARCH_AMD64, GSC_ARCH_ARM64 };
	for (size_t a = 0; a < 2; a++) {
		for (int round = 0; round < 20; round++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = (uint8_t)rand_r(&seed);
			struct gsc_disasm *d;
			struct gsc_insn *insns;
			size_t n, total = 0;
			assert_null(gsc_disasm_create(arches[a], &d));
			size_t len = 1 + (size_t)rand_r(&seed) % sizeof(buf);
			assert_null(gsc_disasm_all(d, buf, len, 0x7000 + round, &insns, &n));
			for (size_t i = 0; i < n; i++) {
				assert_int_equal(insns[i].addr, 0x7000 + round + total);
				total += insns[i].size;
			}
			assert_int_equal(total, len);
			free(insns);
			n = 0;
			struct gsc_error *err = gsc_disasm_range(d, buf, len, 0, count_insn, &n);
			if (err) {
				assert_int_equal(n, 5);
				gsc_error_destroy(err);
			}
			gsc_disasm_destroy(d);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amd64),
		cmocka_unit_test(test_amd64_bad),
		cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_arm64_adrp_killed),
		cmocka_unit_test(test_arm64_bad),
		cmocka_unit_test(test_empty_and_unsupported),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
