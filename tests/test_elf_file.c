/* test_elf_file.c - the ELF layer on this test's own executable and on broken copies of it. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_file.h"

static uint8_t *self_image;
static size_t self_size;

static int load_self(void **state)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	self_size = (size_t)ftell(f);
	rewind(f);
	self_image = malloc(self_size);
	if (!self_image || fread(self_image, 1, self_size, f) != self_size)
		return -1;
	fclose(f);
	return 0;
}

static int free_self(void **state)
{
	free(self_image);
	return 0;
}

static void expect_code(struct gsc_error *err, enum gsc_error_code code)
{
	assert_non_null(err);
	assert_int_equal(err->code, code);
	assert_non_null(err->message);
	gsc_error_destroy(err);
}

static void test_open_self(void **state)
{
	struct gsc_elf *e;
	assert_null(gsc_elf_open("/proc/self/exe", &e));
	assert_int_equal(gsc_elf_arch(e), GSC_ARCH_AMD64);
	assert_true(gsc_elf_is_64(e));
	assert_true(gsc_elf_little_endian(e));
	assert_non_null(gsc_elf_find_section(e, ".text"));
	assert_null(gsc_elf_find_section(e, ".no-such-section"));
	assert_true(gsc_elf_num_segments(e) > 0);
	assert_true(gsc_elf_has_symtab(e));

	struct gsc_elf_symbol sym;
	assert_null(gsc_elf_symbol_lookup(e, "test_open_self", &sym));
	assert_int_equal(sym.type, STT_FUNC);
	expect_code(gsc_elf_symbol_lookup(e, "no_such_symbol_here", &sym), GSC_ERR_NOT_FOUND);

	/* The bytes at the symbol's address are this function's code. */
	const uint8_t *code;
	assert_null(gsc_elf_vaddr_bytes(e, sym.value, 4, &code));
	expect_code(gsc_elf_vaddr_bytes(e, 0xffffffffffff0000ULL, 16, &code), GSC_ERR_FAULT);
	gsc_elf_destroy(e);
}

static void test_build_id(void **state)
{
	struct gsc_elf *e;
	const uint8_t *id;
	size_t n;
	assert_null(gsc_elf_open_memory(self_image, self_size, "self", &e));
	struct gsc_error *err = gsc_elf_build_id(e, &id, &n);
	if (err) {	/* built without --build-id: still a clean answer */
		expect_code(err, GSC_ERR_NOT_FOUND);
	} else {
		assert_true(n >= 8 && n <= 64);
	}
	gsc_elf_destroy(e);
}

static void test_not_elf(void **state)
{
	static const uint8_t junk[64] = "this is not an ELF file at all";
	struct gsc_elf *e;
	expect_code(gsc_elf_open_memory(junk, sizeof(junk), "junk", &e), GSC_ERR_BAD_DATA);
	expect_code(gsc_elf_open_memory(junk, 0, "empty", &e), GSC_ERR_BAD_DATA);
	expect_code(gsc_elf_open("/nonexistent/file", &e), GSC_ERR_OS);
	expect_code(gsc_elf_open("/", &e), GSC_ERR_INVALID_ARG);
}

/* Every prefix length of the headers, and some past them: never a crash. */
static void test_truncated(void **state)
{
	static const size_t sizes[] = { 4, 16, 52, 63, 64, 100, 1000, 4096 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct gsc_elf *e = NULL;
		struct gsc_error *err = gsc_elf_open_memory(self_image, sizes[i], "cut", &e);
		if (err) {
			gsc_error_destroy(err);
			continue;
		}
		/* Opened: every accessor must still stay in bounds. */
		for (size_t s = 0; s < gsc_elf_num_sections(e); s++) {
			const uint8_t *d;
			size_t n;
			gsc_error_destroy(gsc_elf_section_data(e, gsc_elf_section(e, s), &d, &n));
		}
		const struct gsc_elf_symbol *syms;
		size_t nsyms;
		gsc_error_destroy(gsc_elf_symbols(e, &syms, &nsyms));
		gsc_elf_destroy(e);
	}
}

/* Section header table pointing past the end, hostile section sizes. */
static void test_hostile_headers(void **state)
{
	uint8_t *copy = malloc(self_size);
	assert_non_null(copy);
	memcpy(copy, self_image, self_size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)copy;
	Elf64_Shdr *sh = (Elf64_Shdr *)(copy + eh->e_shoff);
	for (unsigned i = 1; i < eh->e_shnum; i++) {
		sh[i].sh_offset = 0xfffffffffffff000ULL;
		sh[i].sh_size = 0x7fffffffffffffffULL;
		sh[i].sh_flags |= (i & 1) ? SHF_COMPRESSED : 0;
	}
	struct gsc_elf *e;
	struct gsc_error *err = gsc_elf_open_memory(copy, self_size, "hostile", &e);
	if (!err) {
		for (size_t s = 0; s < gsc_elf_num_sections(e); s++) {
			const uint8_t *d;
			size_t n;
			err = gsc_elf_section_data(e, gsc_elf_section(e, s), &d, &n);
			if (gsc_elf_section(e, s)->type != SHT_NOBITS && gsc_elf_section(e, s)->type != SHT_NULL)
				expect_code(err, GSC_ERR_BAD_DATA);
			else
				gsc_error_destroy(err);
		}
		gsc_elf_destroy(e);
	} else {
		gsc_error_destroy(err);
	}
	memcpy(copy, self_image, self_size);
	eh->e_shoff = self_size - 8;	/* table runs off the end */
	err = gsc_elf_open_memory(copy, self_size, "shoff", &e);
	if (!err)
		gsc_elf_destroy(e);
	gsc_error_destroy(err);
	free(copy);
}

static void test_notes_bounds(void **state)
{
	/* namesz claims more than there is. */
	static const uint8_t bad[] = { 0xff, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0 };
	expect_code(gsc_elf_walk_notes(bad, sizeof(bad), true, NULL, NULL), GSC_ERR_BAD_DATA);
	expect_code(gsc_elf_walk_notes(bad, 5, true, NULL, NULL), GSC_ERR_BAD_DATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_self),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_notes_bounds),
	};
	return cmocka_run_group_tests(tests, load_self, free_self);
}
