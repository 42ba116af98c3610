/*
 * test_dwarf_info.c - dwarf_info.h against the compiler itself.
 *
 * The oracle is this very program: it is built with -g (DWARF 5 from gcc 12),
 * so the layouts of the types below, read back from /proc/self/exe, must equal
 * what offsetof/sizeof say, and the addresses of its globals and functions
 * (minus the PIE load bias) must equal what DWARF says.  Corruption tests
 * garble copies of the same file in memory; setting GSC_DWARF_FUZZ_FILES to a
 * colon-separated list of executables (run-dwarf.sh passes Go binaries) runs
 * them on those files too.
 */
#include "config.h"

#include <elf.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dwarf_info.h"
#include "elf_file.h"

/* ---- the types and symbols the tests look up ---- */

struct probe_inner {
	char tag;
	long long value;
};

typedef struct probe {
	char a;
	long b;
	struct probe_inner inner;
	union {
		short u16;
		double f64;
	};
	const char *name;
	struct probe *next;
	unsigned char bytes[13];
} probe_t;

probe_t probe_global = { .a = 1 };
int probe_counter = 7;

int probe_func(int count, const char *label, probe_t *p);
__attribute__((noinline, used)) int probe_func(int count, const char *label, probe_t *p)
{
	return count + (label ? (int)strlen(label) : 0) + (p ? p->a : 0);
}

/*
 * gcc -O2 with -fsanitize=address,undefined splits main into hot and cold
 * parts ("main.cold"), so its DIE has DW_AT_ranges instead of low/high_pc.
 */
int main(void);

/* ---- helpers ---- */

struct fixture {
	uint8_t *image;
	size_t size;
	struct gsc_elf *elf;
	struct gsc_dwarf *dw;
};

static uint8_t *read_file(const char *path, size_t *size_ret)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	uint8_t *buf = malloc(st.st_size ? st.st_size : 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n <= 0) {
			free(buf);
			buf = NULL;
			break;
		}
		got += n;
	}
	close(fd);
	*size_ret = got;
	return buf;
}

static void fixture_open_memory(struct fixture *f, uint8_t *image, size_t size)
{
	f->image = image;
	f->size = size;
	assert_null(gsc_elf_open_memory(image, size, "test image", &f->elf));
	assert_null(gsc_dwarf_create(f->elf, &f->dw));
}

static void fixture_close(struct fixture *f)
{
	gsc_dwarf_destroy(f->dw);
	gsc_elf_destroy(f->elf);
	free(f->image);
	memset(f, 0, sizeof(*f));
}

static int self_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	size_t size;
	uint8_t *image = read_file("/proc/self/exe", &size);
	if (!f || !image)
		return -1;
	fixture_open_memory(f, image, size);
	*state = f;
	return 0;
}

static int self_teardown(void **state)
{
	fixture_close(*state);
	free(*state);
	return 0;
}

/* main() runs these only when this binary was built with -g. */
static struct gsc_dwarf *self_dwarf(void **state)
{
	struct fixture *f = *state;
	return f->dw;
}

static void expect_code(struct gsc_error *err, enum gsc_error_code code)
{
	assert_non_null(err);
	if (err->code != code)
		fail_msg("expected error code %d, got %d: %s", code, err->code, err->message);
	gsc_error_destroy(err);
}

/* ---- tests on this program's own DWARF ---- */

static void test_version_producer(void **state)
{
	struct gsc_dwarf *dw = self_dwarf(state);
	unsigned v;
	const char *producer;
	assert_null(gsc_dwarf_version(dw, &v));
	assert_true(v >= 2 && v <= 5);
	assert_null(gsc_dwarf_producer(dw, &producer));
	assert_non_null(strstr(producer, "GNU C"));
}

static void test_struct_layout(void **state)
{
	struct gsc_dwarf *dw = self_dwarf(state);
	static const struct {
		const char *path;
		size_t offset, size;
	} fields[] = {
		{ "a", offsetof(probe_t, a), 1 },
		{ "b", offsetof(probe_t, b), sizeof(long) },
		{ "inner", offsetof(probe_t, inner), sizeof(struct probe_inner) },
		{ "inner.tag", offsetof(probe_t, inner.tag), 1 },
		{ "inner.value", offsetof(probe_t, inner.value), 8 },
		{ "u16", offsetof(probe_t, u16), 2 },	/* anonymous union member */
		{ "f64", offsetof(probe_t, f64), 8 },
		{ "name", offsetof(probe_t, name), sizeof(char *) },
		{ "next", offsetof(probe_t, next), sizeof(void *) },
		{ "bytes", offsetof(probe_t, bytes), 13 },
	};
	uint64_t size;
	assert_null(gsc_dwarf_type_size(dw, "probe", &size));
	assert_int_equal(size, sizeof(probe_t));
	assert_null(gsc_dwarf_type_size(dw, "probe_t", &size));	/* through the typedef */
	assert_int_equal(size, sizeof(probe_t));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct gsc_dwarf_field fl;
		struct gsc_error *err = gsc_dwarf_field(dw, "probe_t", fields[i].path, &fl);
		if (err)
			fail_msg("%s: %s", fields[i].path, err->message);
		assert_int_equal(fl.offset, fields[i].offset);
		assert_int_equal(fl.size, fields[i].size);
	}
	struct gsc_dwarf_field fl;
	assert_null(gsc_dwarf_field(dw, "probe", "inner", &fl));
	assert_string_equal(fl.type_name, "probe_inner");
	uint64_t off;
	assert_null(gsc_dwarf_field_offset(dw, "probe_inner", "value", &off));
	assert_int_equal(off, offsetof(struct probe_inner, value));
}

/* PIE: runtime address = link-time address + bias, the same for all. */
static uint64_t load_bias(struct gsc_dwarf *dw)
{
	uint64_t lo, hi;
	assert_null(gsc_dwarf_func_range(dw, "probe_func", &lo, &hi));
	return (uint64_t)(uintptr_t)probe_func - lo;
}

static void test_globals(void **state)
{
	struct gsc_dwarf *dw = self_dwarf(state);
	uint64_t bias = load_bias(dw), addr;
	assert_null(gsc_dwarf_global_address(dw, "probe_global", &addr));
	assert_int_equal(addr + bias, (uint64_t)(uintptr_t)&probe_global);
	assert_null(gsc_dwarf_global_address(dw, "probe_counter", &addr));
	assert_int_equal(addr + bias, (uint64_t)(uintptr_t)&probe_counter);
}

static void test_function(void **state)
{
	struct gsc_dwarf *dw = self_dwarf(state);
	struct gsc_dwarf_func fn;
	assert_null(gsc_dwarf_func_init(dw, "probe_func", &fn));
	assert_string_equal(fn.name, "probe_func");
	assert_true(fn.low_pc < fn.high_pc);
	assert_int_equal(fn.nparams, 3);
	static const char *const names[] = { "count", "label", "p" };
	static const char *const types[] = { "int", "const char *", "probe_t *" };
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(fn.params[i].name, names[i]);
		assert_string_equal(fn.params[i].type_name, types[i]);
		assert_false(fn.params[i].is_result);
	}
	gsc_dwarf_func_deinit(&fn);
	gsc_dwarf_func_deinit(&fn);	/* twice is harmless */
	uint64_t lo, hi, bias = load_bias(dw);
	uint64_t main_at = (uint64_t)(uintptr_t)main - bias;
	assert_null(gsc_dwarf_func_range(dw, "main", &lo, &hi));
	assert_true(lo < hi);
	assert_true(lo <= main_at && main_at < hi);
	/* The same hull through func_init, low/high_pc or DW_AT_ranges alike. */
	assert_null(gsc_dwarf_func_init(dw, "main", &fn));
	assert_int_equal(fn.low_pc, lo);
	assert_int_equal(fn.high_pc, hi);
	assert_true(fn.nranges >= 1);
	gsc_dwarf_func_deinit(&fn);
}

static void test_not_found(void **state)
{
	struct gsc_dwarf *dw = self_dwarf(state);
	uint64_t v;
	struct gsc_dwarf_field fl;
	struct gsc_dwarf_func fn;
	int64_t c;
	expect_code(gsc_dwarf_type_size(dw, "no_such_type", &v), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_field(dw, "probe_t", "nope", &fl), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_field(dw, "probe_t", "a.b", &fl), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_field(dw, "probe_t", "inner..tag", &fl), GSC_ERR_INVALID_ARG);
	expect_code(gsc_dwarf_field(dw, "probe_t", "", &fl), GSC_ERR_INVALID_ARG);
	expect_code(gsc_dwarf_global_address(dw, "no_such_global", &v), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_global_address(dw, "probe_t", &v), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_func_init(dw, "no_such_func", &fn), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_constant(dw, "no_such_const", &c), GSC_ERR_NOT_FOUND);
}

static void test_stats(void **state)
{
	struct gsc_dwarf *dw = self_dwarf(state);
	struct gsc_dwarf_stats st;
	assert_null(gsc_dwarf_stats(dw, &st));
	assert_true(st.units >= 1);
	assert_true(st.names >= 10);
}

/* ---- images without DWARF, and corrupt ones ---- */

/* Rename a section in a copy by patching .shstrtab (".debug_x" -> ".xebug_x"). */
static void rename_section(uint8_t *image, size_t size, const char *name)
{
	struct gsc_elf *elf;
	assert_null(gsc_elf_open_memory(image, size, "copy", &elf));
	const struct gsc_elf_section *strtab = gsc_elf_find_section(elf, ".shstrtab");
	assert_non_null(strtab);
	uint8_t *p = image + strtab->offset;
	size_t n = (size_t)strtab->size, len = strlen(name) + 1;
	gsc_elf_destroy(elf);
	for (size_t i = 0; i + len <= n; i++) {
		if (memcmp(p + i, name, len) == 0 && (i == 0 || p[i - 1] == 0)) {
			p[i + 1] = 'x';
			return;
		}
	}
	fail_msg("no %s in .shstrtab", name);
}

static void test_no_dwarf(void **state)
{
	struct fixture *self = *state, f;
	uint8_t *copy = malloc(self->size);
	assert_non_null(copy);
	memcpy(copy, self->image, self->size);
	rename_section(copy, self->size, ".debug_info");
	fixture_open_memory(&f, copy, self->size);
	assert_false(gsc_dwarf_present(f.dw));
	uint64_t v;
	unsigned ver;
	expect_code(gsc_dwarf_type_size(f.dw, "probe", &v), GSC_ERR_NOT_FOUND);
	expect_code(gsc_dwarf_version(f.dw, &ver), GSC_ERR_NOT_FOUND);	/* sticky */
	fixture_close(&f);
}

/* Every query, for the corruption tests: may fail, must not crash or hang. */
static void query_all(struct gsc_dwarf *dw)
{
	static const char *const types[][2] = {
		{ "probe_t", "inner.value" }, { "runtime.g", "sched.pc" }, { "runtime.g", "goid" },
		{ "runtime.m", "procid" }, { "main.outer", "in.c" },
	};
	static const char *const globals[] = { "probe_global", "runtime.allgs", "main.gOuter" };
	static const char *const funcs[] = { "probe_func", "main", "main.addPair", "main.main",
					     "runtime.newproc1" };
	unsigned ver;
	uint64_t v;
	struct gsc_dwarf_field fl;
	struct gsc_dwarf_func fn;
	int64_t c;
	struct gsc_error *err = gsc_dwarf_version(dw, &ver);
	if (err) {
		assert_true(err->code == GSC_ERR_DWARF || err->code == GSC_ERR_BAD_DATA ||
			    err->code == GSC_ERR_NOT_FOUND);
		gsc_error_destroy(err);
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		gsc_error_destroy(gsc_dwarf_type_size(dw, types[i][0], &v));
		gsc_error_destroy(gsc_dwarf_field(dw, types[i][0], types[i][1], &fl));
	}
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++)
		gsc_error_destroy(gsc_dwarf_global_address(dw, globals[i], &v));
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		err = gsc_dwarf_func_init(dw, funcs[i], &fn);
		if (!err)
			gsc_dwarf_func_deinit(&fn);
		gsc_error_destroy(err);
	}
	gsc_error_destroy(gsc_dwarf_constant(dw, "runtime._Gdead", &c));
}

enum corruption {
	GARBLE,		/* random bytes over a random window */
	FLIP,		/* a few random bit flips */
	TRUNCATE,	/* shrink sh_size */
	ZERO_TAIL,	/* zeros from a random offset to the end */
	NCORRUPTIONS,
};

/* Patch sh_size of section index in an ELF64 little-endian copy. */
static void set_section_size(uint8_t *image, size_t size, uint32_t index, uint64_t new_size)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	memcpy(&eh, image, sizeof(eh));
	uint64_t off = eh.e_shoff + (uint64_t)index * eh.e_shentsize;
	assert_true(off + sizeof(sh) <= size);
	memcpy(&sh, image + off, sizeof(sh));
	sh.sh_size = new_size;
	memcpy(image + off, &sh, sizeof(sh));
}

static void corrupt(uint8_t *image, size_t size, const struct gsc_elf_section *s,
		    enum corruption how, unsigned *seed)
{
	uint8_t *p = image + s->offset;
	size_t n = (size_t)s->size, at = n ? (size_t)rand_r(seed) % n : 0;
	switch (how) {
	case GARBLE:
		for (size_t i = at, len = 1 + rand_r(seed) % 64; i < n && len--; i++)
			p[i] = (uint8_t)rand_r(seed);
		break;
	case FLIP:
		for (int k = 0; k < 4 && n; k++)
			p[rand_r(seed) % n] ^= (uint8_t)(1u << (rand_r(seed) % 8));
		break;
	case TRUNCATE:
		set_section_size(image, size, s->index, at);
		break;
	case ZERO_TAIL:
		memset(p + at, 0, n - at);
		break;
	default:
		break;
	}
}

static void fuzz_file(const uint8_t *image, size_t size, const char *section, unsigned rounds)
{
	struct gsc_elf *elf;
	assert_null(gsc_elf_open_memory(image, size, "original", &elf));
	const struct gsc_elf_section *s = gsc_elf_find_section(elf, section);
	if (!s || !gsc_elf_is_64(elf) || !gsc_elf_little_endian(elf)) {
		gsc_elf_destroy(elf);
		return;
	}
	struct gsc_elf_section sec = *s;
	gsc_elf_destroy(elf);
	for (unsigned r = 0; r < rounds; r++) {
		unsigned seed = r * 7919 + 17;
		struct fixture f;
		uint8_t *copy = malloc(size);
		assert_non_null(copy);
		memcpy(copy, image, size);
		corrupt(copy, size, &sec, (enum corruption)(r % NCORRUPTIONS), &seed);
		f.image = copy;
		f.size = size;
		struct gsc_error *err = gsc_elf_open_memory(copy, size, "corrupt", &f.elf);
		if (err) {
			gsc_error_destroy(err);
			free(copy);
			continue;
		}
		assert_null(gsc_dwarf_create(f.elf, &f.dw));
		query_all(f.dw);
		query_all(f.dw);	/* a failed load stays failed */
		fixture_close(&f);
	}
}

static void test_corrupt_self(void **state)
{
	struct fixture *self = *state;
	self_dwarf(state);
	fuzz_file(self->image, self->size, ".debug_info", 200);
	fuzz_file(self->image, self->size, ".debug_abbrev", 100);
	fuzz_file(self->image, self->size, ".debug_str", 40);
	fuzz_file(self->image, self->size, ".debug_line_str", 20);
	fuzz_file(self->image, self->size, ".debug_rnglists", 100);	/* if main has ranges */
	fuzz_file(self->image, self->size, ".debug_ranges", 100);
}

static void test_corrupt_files(void **state)
{
	const char *list = getenv("GSC_DWARF_FUZZ_FILES");
	const char *r = getenv("GSC_DWARF_FUZZ_ROUNDS");
	unsigned rounds = r ? (unsigned)atoi(r) : 40;
	if (!list || !*list)
		return;	/* main() registers this test only with the variable set */
	char *copy = strdup(list), *save = NULL;
	assert_non_null(copy);
	for (char *path = strtok_r(copy, ":", &save); path; path = strtok_r(NULL, ":", &save)) {
		size_t size;
		uint8_t *image = read_file(path, &size);
		if (!image)
			fail_msg("cannot read %s", path);
		static const char *const sections[] = { ".debug_info", ".debug_abbrev",
							".debug_loc", ".debug_loclists",
							".debug_addr", ".debug_ranges",
							".debug_rnglists" };
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			fuzz_file(image, size, sections[i], rounds);
		free(image);
	}
	free(copy);
}

/*
 * cmocka 1.1's TAP output reports skip() as "not ok", which the TAP driver
 * counts as a failure: tests that cannot run are not registered instead.
 */
static bool self_has_dwarf(void)
{
	void *state;
	if (self_setup(&state))
		return false;
	bool has = gsc_dwarf_present(((struct fixture *)state)->dw);
	self_teardown(&state);
	return has;
}

int main(void)
{
	const struct CMUnitTest with_dwarf[] = {
		cmocka_unit_test(test_version_producer),
		cmocka_unit_test(test_struct_layout),
		cmocka_unit_test(test_globals),
		cmocka_unit_test(test_function),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_corrupt_self),
		cmocka_unit_test(test_corrupt_files),
	};
	size_t n = sizeof(with_dwarf) / sizeof(with_dwarf[0]);
	if (!getenv("GSC_DWARF_FUZZ_FILES"))
		n--;
	if (!self_has_dwarf()) {
		fprintf(stderr, "test_dwarf_info: no -g; only the corruption tests run\n");
		const struct CMUnitTest without[] = {
			cmocka_unit_test(test_corrupt_files),
		};
		return _cmocka_run_group_tests("test_dwarf_info", without,
					       getenv("GSC_DWARF_FUZZ_FILES") ? 1 : 0,
					       self_setup, self_teardown);
	}
	return _cmocka_run_group_tests("test_dwarf_info", with_dwarf, n, self_setup, self_teardown);
}
