/* test_buf.c - the bounds-checked reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"

static void expect_error(struct gsc_error *err, enum gsc_error_code code)
{
	assert_non_null(err);
	assert_int_equal(err->code, code);
	gsc_error_destroy(err);
}

static void test_ints_little_and_big(void **state)
{
	static const uint8_t data[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct gsc_buf b;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	gsc_buf_init(&b, data, sizeof(data), true, "t");
	assert_null(gsc_buf_u16(&b, &v16));
	assert_int_equal(v16, 0x0201);
	assert_null(gsc_buf_u32(&b, &v32));
	assert_int_equal(v32, 0x06050403);
	assert_null(gsc_buf_u64(&b, &v64));
	assert_int_equal(v64, 0x0e0d0c0b0a090807ULL);
	gsc_buf_init(&b, data, sizeof(data), false, "t");
	assert_null(gsc_buf_u32(&b, &v32));
	assert_int_equal(v32, 0x01020304);
}

static void test_short_read_keeps_position(void **state)
{
	static const uint8_t data[] = { 1, 2, 3 };
	struct gsc_buf b;
	uint32_t v;
	gsc_buf_init(&b, data, sizeof(data), true, "short");
	assert_null(gsc_buf_skip(&b, 1));
	struct gsc_error *err = gsc_buf_u32(&b, &v);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "short"));
	expect_error(err, GSC_ERR_BAD_DATA);
	assert_int_equal(b.pos, 1);
	expect_error(gsc_buf_skip(&b, SIZE_MAX), GSC_ERR_BAD_DATA);
	expect_error(gsc_buf_seek(&b, 4), GSC_ERR_BAD_DATA);
	assert_null(gsc_buf_seek(&b, 3));
}

static void test_leb128(void **state)
{
	static const uint8_t data[] = {
		0xe5, 0x8e, 0x26,			/* 624485 */
		0x7f,					/* -1 signed */
		0x80, 0x7f,				/* -128 signed */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* UINT64_MAX */
	};
	struct gsc_buf b;
	uint64_t u;
	int64_t s;
	gsc_buf_init(&b, data, sizeof(data), true, "leb");
	assert_null(gsc_buf_uleb128(&b, &u));
	assert_int_equal(u, 624485);
	assert_null(gsc_buf_sleb128(&b, &s));
	assert_int_equal(s, -1);
	assert_null(gsc_buf_sleb128(&b, &s));
	assert_int_equal(s, -128);
	assert_null(gsc_buf_uleb128(&b, &u));
	assert_true(u == UINT64_MAX);
	assert_int_equal(gsc_buf_left(&b), 0);
}

static void test_leb128_hostile(void **state)
{
	static const uint8_t too_long[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
	};
	static const uint8_t truncated[] = { 0x80, 0x80 };
	struct gsc_buf b;
	uint64_t u;
	gsc_buf_init(&b, too_long, sizeof(too_long), true, "leb");
	expect_error(gsc_buf_uleb128(&b, &u), GSC_ERR_BAD_DATA);
	gsc_buf_init(&b, truncated, sizeof(truncated), true, "leb");
	expect_error(gsc_buf_uleb128(&b, &u), GSC_ERR_BAD_DATA);
	assert_int_equal(b.pos, 0);
}

static void test_cstr(void **state)
{
	static const uint8_t data[] = { 'a', 'b', 0, 'c' };
	struct gsc_buf b;
	const char *s;
	gsc_buf_init(&b, data, sizeof(data), true, "str");
	assert_null(gsc_buf_cstr(&b, &s));
	assert_string_equal(s, "ab");
	expect_error(gsc_buf_cstr(&b, &s), GSC_ERR_BAD_DATA);
	assert_null(gsc_cstr_at(data, sizeof(data), 3));
	assert_null(gsc_cstr_at(data, sizeof(data), 100));
	assert_string_equal(gsc_cstr_at(data, sizeof(data), 1), "b");
}

static void test_error_wrap(void **state)
{
	struct gsc_error *err = gsc_error_wrap(gsc_bad_data("inner %d", 1), "outer");
	assert_string_equal(err->message, "outer: inner 1");
	gsc_error_destroy(err);
	assert_ptr_equal(gsc_error_wrap(&gsc_enomem, "x"), &gsc_enomem);
	gsc_error_destroy(&gsc_enomem);	/* a no-op on singletons */
	err = gsc_error_fault(0x1000, 8);
	assert_int_equal(err->address, 0x1000);
	gsc_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints_little_and_big),
		cmocka_unit_test(test_short_read_keeps_position),
		cmocka_unit_test(test_leb128),
		cmocka_unit_test(test_leb128_hostile),
		cmocka_unit_test(test_cstr),
		cmocka_unit_test(test_error_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
