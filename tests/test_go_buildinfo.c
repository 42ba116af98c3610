/* test_go_buildinfo.c - .go.buildinfo blobs, good and bad. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "go_buildinfo.h"

/* Builds a Go 1.18+ inline blob: header, uvarint-prefixed version and module text. */
static size_t make_blob(uint8_t *out, const char *version, const char *mod, bool sentinels)
{
	static const char magic[14] = "\xff Go buildinf:";
	memset(out, 0, 32);
	memcpy(out, magic, 14);
	out[14] = 8;
	out[15] = 2;
	size_t n = 32;
	const char *strs[2] = { version, mod };
	for (int i = 0; i < 2; i++) {
		size_t len = strlen(strs[i]) + (i == 1 && sentinels ? 32 : 0);
		for (size_t v = len; ; v >>= 7) {
			out[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
			if (v < 0x80)
				break;
		}
		if (i == 1 && sentinels) {
			memset(out + n, 0x30, 16);
			n += 16;
		}
		memcpy(out + n, strs[i], strlen(strs[i]));
		n += strlen(strs[i]);
		if (i == 1 && sentinels) {
			/* infoEnd holds a 0 byte, as the real one does. */
			memcpy(out + n, "\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);
			n += 16;
		}
	}
	return n;
}

static const char modinfo[] =
	"path\tgoscope.test/corpora/hello\n"
	"mod\tgoscope.test/corpora\t(devel)\t\n"
	"build\t-buildmode=exe\n"
	"build\t-ldflags=\"-s -w\"\n"
	"build\tCGO_ENABLED=0\n"
	"build\tGOARCH=arm64\n";

static void test_parse_inline(void **state)
{
	uint8_t blob[1024];
	size_t n = make_blob(blob, "go1.26.8", modinfo, true);
	struct gsc_buildinfo *bi;
	assert_null(gsc_buildinfo_parse(blob, n, NULL, &bi));
	assert_string_equal(bi->go_version, "go1.26.8");
	assert_int_equal(bi->go_minor, 26);
	assert_int_equal(bi->go_patch, 8);
	assert_string_equal(bi->path, "goscope.test/corpora/hello");
	assert_string_equal(bi->main_module, "goscope.test/corpora");
	assert_string_equal(bi->main_version, "(devel)");
	assert_string_equal(gsc_buildinfo_setting(bi, "-ldflags"), "-s -w");
	assert_string_equal(gsc_buildinfo_setting(bi, "GOARCH"), "arm64");
	assert_null(gsc_buildinfo_setting(bi, "GOOS"));
	assert_string_equal(bi->modinfo, modinfo);
	gsc_buildinfo_destroy(bi);
}

static void test_versions(void **state)
{
	int ma, mi, pa;
	assert_true(gsc_go_version_parse("go1.19.8", &ma, &mi, &pa));
	assert_int_equal(mi, 19);
	assert_int_equal(pa, 8);
	assert_true(gsc_go_version_parse("go1.22rc1", &ma, &mi, &pa));
	assert_int_equal(mi, 22);
	assert_int_equal(pa, 0);
	assert_true(gsc_go_version_parse("devel go1.27-abcdef Mon", &ma, &mi, &pa));
	assert_int_equal(mi, 27);
	assert_false(gsc_go_version_parse("gccgo", &ma, &mi, &pa));
	assert_false(gsc_go_version_parse("xgo1.2", &ma, &mi, &pa));
}

static void expect_bad(const uint8_t *blob, size_t n)
{
	struct gsc_buildinfo *bi = NULL;
	struct gsc_error *err = gsc_buildinfo_parse(blob, n, NULL, &bi);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_BAD_DATA);
	assert_null(bi);
	gsc_error_destroy(err);
}

static void test_bad_blobs(void **state)
{
	uint8_t blob[1024];
	size_t n = make_blob(blob, "go1.26.8", modinfo, true);
	/* Every truncation of the header and of the version string. */
	for (size_t cut = 0; cut < 32 + 9; cut++)
		expect_bad(blob, cut);
	/* Truncating the module text. */
	expect_bad(blob, n - 1);
	/* Hostile lengths. */
	uint8_t copy[1024];
	memcpy(copy, blob, n);
	memcpy(copy + 32, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10);
	expect_bad(copy, n);
	memcpy(copy, blob, n);
	copy[14] = 3;	/* pointer size */
	expect_bad(copy, n);
	memcpy(copy, blob, n);
	copy[1] = 'X';	/* magic */
	expect_bad(copy, n);
	/* Pre-1.18 pointer form without the executable to read through. */
	memcpy(copy, blob, n);
	copy[15] = 0;
	expect_bad(copy, n);
	/* An empty version string. */
	n = make_blob(blob, "", modinfo, false);
	expect_bad(blob, n);
}

static void test_no_sentinels_no_module(void **state)
{
	uint8_t blob[256];
	size_t n = make_blob(blob, "go1.19.8", "", false);
	struct gsc_buildinfo *bi;
	assert_null(gsc_buildinfo_parse(blob, n, NULL, &bi));
	assert_int_equal(bi->go_minor, 19);
	assert_null(bi->path);
	assert_int_equal(bi->nsettings, 0);
	gsc_buildinfo_destroy(bi);
	gsc_buildinfo_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_inline),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_bad_blobs),
		cmocka_unit_test(test_no_sentinels_no_module),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
