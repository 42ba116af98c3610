/* test_rsp_packet.c - RSP framing: decoder events, encoder, buffer, hex. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "rsp_packet.h"

/* One decoded event, with its payload copied out of the decoder. */
struct rec {
	enum rsp_event_kind kind;
	size_t len;
	uint8_t *data;
};

struct recs {
	struct rec v[1024];
	size_t n;
};

static void recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].data);
	r->n = 0;
}

/* Feeds one chunk, recording every event; checks the payload invariants. */
static void feed_all(struct rsp_decoder *d, const uint8_t *s, size_t len, struct recs *r)
{
	while (len) {
		struct rsp_event ev;
		size_t used = rsp_decoder_feed(d, s, len, &ev);
		assert_true(used > 0 && used <= len);
		s += used;
		len -= used;
		if (ev.kind == RSP_EV_NONE) {
			assert_int_equal(len, 0);
			break;
		}
		if (ev.kind == RSP_EV_PACKET) {
			assert_non_null(ev.payload);
			assert_true(ev.payload_len <= d->max_payload);
			assert_int_equal(ev.payload[ev.payload_len], 0);
		}
		assert_true(r->n < 1024);
		struct rec *x = &r->v[r->n++];
		x->kind = ev.kind;
		x->len = ev.payload_len;
		x->data = malloc(ev.payload_len + 1);
		assert_non_null(x->data);
		if (ev.payload_len)
			memcpy(x->data, ev.payload, ev.payload_len);
	}
}

static void decode_str(const char *s, size_t max, bool no_ack, struct recs *r)
{
	struct rsp_decoder d;
	assert_null(rsp_decoder_init(&d, max));
	rsp_decoder_set_no_ack(&d, no_ack);
	r->n = 0;
	feed_all(&d, (const uint8_t *)s, strlen(s), r);
	rsp_decoder_deinit(&d);
}

static void expect_packet(struct recs *r, size_t i, const void *data, size_t len)
{
	assert_true(i < r->n);
	assert_int_equal(r->v[i].kind, RSP_EV_PACKET);
	assert_int_equal(r->v[i].len, len);
	assert_memory_equal(r->v[i].data, data, len);
}

static void expect_kind(struct recs *r, size_t i, enum rsp_event_kind k)
{
	assert_true(i < r->n);
	assert_int_equal(r->v[i].kind, k);
}

static void test_simple_and_controls(void **state)
{
	struct recs r;
	decode_str("+$qSupported:multiprocess+#c6-\x03$#00", 100, false, &r);
	assert_int_equal(r.n, 5);
	expect_kind(&r, 0, RSP_EV_ACK);
	expect_packet(&r, 1, "qSupported:multiprocess+", 24);
	expect_kind(&r, 2, RSP_EV_NACK);
	expect_kind(&r, 3, RSP_EV_INTERRUPT);
	expect_packet(&r, 4, "", 0);
	recs_free(&r);
}

static void test_bad_checksum_and_bad_hex(void **state)
{
	struct recs r;
	decode_str("$g#68$g#67$g#6G$g#zz$g#67", 100, false, &r);
	assert_int_equal(r.n, 5);
	expect_kind(&r, 0, RSP_EV_BAD_CHECKSUM);
	expect_packet(&r, 1, "g", 1);
	expect_kind(&r, 2, RSP_EV_BAD_CHECKSUM);
	expect_kind(&r, 3, RSP_EV_BAD_CHECKSUM);
	expect_packet(&r, 4, "g", 1);
	recs_free(&r);
	/* Upper-case checksum digits are accepted. */
	decode_str("$qC#B4", 100, false, &r);
	expect_packet(&r, 0, "qC", 2);
	recs_free(&r);
}

static void test_no_ack_skips_checksum(void **state)
{
	struct recs r;
	decode_str("$g#00$g#zz$m0,1#xx", 100, true, &r);
	assert_int_equal(r.n, 3);
	expect_packet(&r, 0, "g", 1);
	expect_packet(&r, 1, "g", 1);
	expect_packet(&r, 2, "m0,1", 4);
	recs_free(&r);
	/* A malformed body is still rejected. */
	decode_str("$a*\x01#00", 100, true, &r);
	assert_int_equal(r.n, 1);
	expect_kind(&r, 0, RSP_EV_BAD_CHECKSUM);
	recs_free(&r);
}

static void test_garbage_between_packets(void **state)
{
	struct recs r;
	decode_str("xyz#12\n\r\x01\xff$g#67 junk #00 $c#63", 100, false, &r);
	assert_int_equal(r.n, 2);
	expect_packet(&r, 0, "g", 1);
	expect_packet(&r, 1, "c", 1);
	recs_free(&r);
}

static void test_dollar_restarts(void **state)
{
	struct recs r;
	decode_str("$m1000,$g#67", 100, false, &r);
	assert_int_equal(r.n, 1);
	expect_packet(&r, 0, "g", 1);
	recs_free(&r);
	/* Also in the escape, run and checksum states. */
	decode_str("$a}$g#67$a*$g#67$a#$g#67$a#6$g#67", 100, false, &r);
	assert_int_equal(r.n, 4);
	for (size_t i = 0; i < 4; i++)
		expect_packet(&r, i, "g", 1);
	recs_free(&r);
}

/* "$" + raw + "#" + checksum of raw. */
static char *frame(const char *raw, size_t len)
{
	static const char hx[] = "0123456789abcdef";
	char *s = malloc(len + 5);
	uint8_t sum = 0;
	assert_non_null(s);
	s[0] = '$';
	memcpy(s + 1, raw, len);
	for (size_t i = 0; i < len; i++)
		sum += (uint8_t)raw[i];
	s[len + 1] = '#';
	s[len + 2] = hx[sum >> 4];
	s[len + 3] = hx[sum & 15];
	s[len + 4] = 0;
	return s;
}

static void test_escapes(void **state)
{
	struct recs r;
	/* X packet carrying 00 23 24 7d 2a 03 ff */
	static const char raw[] = "X1000,7:\x00}\x03}\x04}]}\x0a\x03\xff";
	static const uint8_t want[] = "X1000,7:\x00#$}*\x03\xff";
	char *s = frame(raw, sizeof(raw) - 1);
	struct rsp_decoder d;
	assert_null(rsp_decoder_init(&d, 100));
	r.n = 0;
	feed_all(&d, (const uint8_t *)s, sizeof(raw) + 3, &r);
	rsp_decoder_deinit(&d);
	assert_int_equal(r.n, 1);
	expect_packet(&r, 0, want, sizeof(want) - 1);
	recs_free(&r);
	free(s);
	/* A dangling escape before '#' is malformed. */
	s = frame("ab}", 3);
	decode_str(s, 100, false, &r);
	expect_kind(&r, 0, RSP_EV_BAD_CHECKSUM);
	recs_free(&r);
	free(s);
}

static void test_rle_input(void **state)
{
	struct recs r;
	char *s;
	/* GDB manual: "0* " is "0000". */
	s = frame("0* ", 3);
	decode_str(s, 100, false, &r);
	expect_packet(&r, 0, "0000", 4);
	recs_free(&r);
	free(s);
	/* '~' = 97 more; runs chain; a run after an escape repeats the raw byte. */
	s = frame("a*~b*!}]*!", 10);
	decode_str(s, 200, false, &r);
	{
		uint8_t want[98 + 5 + 5];
		memset(want, 'a', 98);
		memset(want + 98, 'b', 5);
		memcpy(want + 103, "}]]]]", 5);
		expect_packet(&r, 0, want, sizeof(want));
	}
	recs_free(&r);
	free(s);
	/* A run of a run: the last expanded byte is repeated. */
	s = frame("z* * ", 5);
	decode_str(s, 100, false, &r);
	expect_packet(&r, 0, "zzzzzzz", 7);
	recs_free(&r);
	free(s);
	/* Malformed: '*' first, count below ' ', count above '~', '*' before '#'. */
	static const char *bad[] = { "* ", "a*\x1f", "a*\x7f", "a*" };
	for (size_t i = 0; i < 4; i++) {
		s = frame(bad[i], strlen(bad[i]));
		decode_str(s, 100, false, &r);
		assert_int_equal(r.n, 1);
		expect_kind(&r, 0, RSP_EV_BAD_CHECKSUM);
		recs_free(&r);
		free(s);
	}
}

static void test_too_long_continues(void **state)
{
	struct recs r;
	char big[40];
	char *s, *s2, *s3, *all;
	memset(big, 'A', sizeof(big));
	s = frame(big, 9);		/* exactly the limit */
	s2 = frame(big, 10);		/* one over */
	s3 = frame("a*!", 3);		/* 5 after expansion */
	all = malloc(strlen(s) + strlen(s2) + strlen(s3) + 12);
	assert_non_null(all);
	strcpy(all, s);
	strcat(all, s2);
	strcat(all, s3);
	strcat(all, "$g#67");
	decode_str(all, 9, false, &r);
	assert_int_equal(r.n, 4);
	expect_packet(&r, 0, big, 9);
	expect_kind(&r, 1, RSP_EV_TOO_LONG);
	expect_packet(&r, 2, "aaaaa", 5);
	expect_packet(&r, 3, "g", 1);
	recs_free(&r);
	decode_str(all, 4, false, &r);
	assert_int_equal(r.n, 4);
	expect_kind(&r, 0, RSP_EV_TOO_LONG);
	expect_kind(&r, 1, RSP_EV_TOO_LONG);
	expect_kind(&r, 2, RSP_EV_TOO_LONG);
	expect_packet(&r, 3, "g", 1);
	recs_free(&r);
	/* A too-long packet with a wrong checksum is reported as damaged. */
	decode_str("$AAAAAAAAAAAA#00", 4, false, &r);
	expect_kind(&r, 0, RSP_EV_BAD_CHECKSUM);
	recs_free(&r);
	free(s);
	free(s2);
	free(s3);
	free(all);
}

static void test_split_every_boundary(void **state)
{
	static const char stream[] =
		"+junk$qSupported:xmlRegisters=i386#6a-\x03"
		"$X10,4:}\x03}\x04" "ab#00$m0,10#00$a*\"}]*!#00$g#67";
	struct recs whole, part;
	size_t len = sizeof(stream) - 1;
	struct rsp_decoder d;

	assert_null(rsp_decoder_init(&d, 1000));
	rsp_decoder_set_no_ack(&d, true);
	whole.n = 0;
	feed_all(&d, (const uint8_t *)stream, len, &whole);
	rsp_decoder_deinit(&d);
	assert_int_equal(whole.n, 8);
	expect_packet(&whole, 7, "g", 1);
	for (size_t cut = 0; cut <= len; cut++) {
		assert_null(rsp_decoder_init(&d, 1000));
		rsp_decoder_set_no_ack(&d, true);
		part.n = 0;
		feed_all(&d, (const uint8_t *)stream, cut, &part);
		feed_all(&d, (const uint8_t *)stream + cut, len - cut, &part);
		rsp_decoder_deinit(&d);
		assert_int_equal(part.n, whole.n);
		for (size_t i = 0; i < whole.n; i++) {
			assert_int_equal(part.v[i].kind, whole.v[i].kind);
			assert_int_equal(part.v[i].len, whole.v[i].len);
			assert_memory_equal(part.v[i].data, whole.v[i].data, whole.v[i].len);
		}
		recs_free(&part);
	}
	/* And one byte at a time. */
	assert_null(rsp_decoder_init(&d, 1000));
	rsp_decoder_set_no_ack(&d, true);
	part.n = 0;
	for (size_t i = 0; i < len; i++)
		feed_all(&d, (const uint8_t *)stream + i, 1, &part);
	rsp_decoder_deinit(&d);
	assert_int_equal(part.n, whole.n);
	recs_free(&part);
	recs_free(&whole);
}

/* Decodes one encoded packet and checks it against the expected payload. */
static void check_decodes_to(const struct rsp_buf *enc, const uint8_t *want, size_t len)
{
	struct rsp_decoder d;
	struct rsp_event ev;
	assert_null(rsp_decoder_init(&d, len + 1));
	size_t used = rsp_decoder_feed(&d, enc->data, enc->len, &ev);
	assert_int_equal(used, enc->len);
	assert_int_equal(ev.kind, RSP_EV_PACKET);
	assert_int_equal(ev.payload_len, len);
	if (len)
		assert_memory_equal(ev.payload, want, len);
	rsp_decoder_deinit(&d);
}

/* The wire form obeys the framing rules: one '$', one '#', no bad counts. */
static void check_wire(const struct rsp_buf *enc)
{
	assert_true(enc->len >= 4);
	assert_int_equal(enc->data[0], '$');
	assert_int_equal(enc->data[enc->len - 3], '#');
	for (size_t i = 1; i < enc->len - 3; i++) {
		uint8_t c = enc->data[i];
		assert_true(c != '$' && c != '#');
		if (c == '}') {
			i++;	/* escaped byte */
			continue;
		}
		if (c == '*') {
			uint8_t n = enc->data[i + 1];
			assert_true(n >= ' ' && n <= '~');
			assert_true(n != '#' && n != '$' && n != '*' && n != '}');
			i++;
		}
	}
}

static void test_encode_runs(void **state)
{
	struct rsp_buf enc, esc;
	uint8_t raw[600];
	rsp_buf_init(&enc);
	rsp_buf_init(&esc);
	for (size_t n = 0; n <= 300; n++) {
		static const uint8_t fill[] = { '0', 0, '}', '*', '#', '$', 0xff };
		for (size_t f = 0; f < sizeof(fill); f++) {
			memset(raw, fill[f], n);
			raw[n] = 'x';
			rsp_buf_reset(&esc);
			rsp_buf_add_escaped(&esc, raw, n + 1);
			for (int rle = 0; rle < 2; rle++) {
				rsp_buf_reset(&enc);
				rsp_encode(&enc, esc.data, esc.len, rle);
				assert_false(enc.oom);
				check_wire(&enc);
				check_decodes_to(&enc, raw, n + 1);
				if (rle && fill[f] == '0' && n >= 16)
					assert_true(enc.len < n);	/* it did compress */
			}
		}
	}
	/* The manual's example and the shortened counts for 7 and 8 in all. */
	rsp_buf_reset(&enc);
	rsp_encode(&enc, (const uint8_t *)"0000", 4, true);
	assert_int_equal(enc.len, 7);
	assert_memory_equal(enc.data, "$0* #", 5);
	rsp_buf_reset(&enc);
	rsp_encode(&enc, (const uint8_t *)"00000000", 8, true);
	assert_memory_equal(enc.data, "$0*\"00#", 7);
	rsp_buf_reset(&enc);
	rsp_encode(&enc, (const uint8_t *)"OK", 2, false);
	assert_string_equal((char *)enc.data, "$OK#9a");
	rsp_buf_deinit(&enc);
	rsp_buf_deinit(&esc);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void test_random_round_trips(void **state)
{
	struct rsp_buf esc, enc;
	uint8_t raw[2048];
	rsp_buf_init(&esc);
	rsp_buf_init(&enc);
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = rnd() % sizeof(raw);
		int alphabet = 1 + rnd() % 256;
		for (size_t i = 0; i < n;) {
			uint8_t c = (uint8_t)(rnd() % alphabet);
			size_t run = rnd() % 8 ? 1 : rnd() % 200;
			for (; run && i < n; run--)
				raw[i++] = c;
		}
		rsp_buf_reset(&esc);
		rsp_buf_add_escaped(&esc, raw, n);
		rsp_buf_reset(&enc);
		rsp_encode(&enc, esc.data, esc.len, iter & 1);
		check_wire(&enc);
		check_decodes_to(&enc, raw, n);
	}
	rsp_buf_deinit(&esc);
	rsp_buf_deinit(&enc);
}

static void test_random_bytes_never_crash(void **state)
{
	static uint8_t junk[1 << 16];
	static const uint8_t special[] = { '$', '#', '}', '*', '+', '-', 3, '0', 'a' };
	for (int round = 0; round < 16; round++) {
		struct rsp_decoder d;
		struct recs r = { .n = 0 };
		size_t off = 0;
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = rnd() % 3 ? special[rnd() % sizeof(special)] : (uint8_t)rnd();
		assert_null(rsp_decoder_init(&d, 1 + rnd() % 300));
		rsp_decoder_set_no_ack(&d, round & 1);
		while (off < sizeof(junk)) {
			size_t n = 1 + rnd() % 700;
			if (n > sizeof(junk) - off)
				n = sizeof(junk) - off;
			feed_all(&d, junk + off, n, &r);
			recs_free(&r);
			off += n;
		}
		rsp_decoder_deinit(&d);
	}
}

static void test_hostile_sizes(void **state)
{
	struct rsp_decoder d;
	struct gsc_error *err = rsp_decoder_init(&d, 0);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_INVALID_ARG);
	gsc_error_destroy(err);
	err = rsp_decoder_init(&d, SIZE_MAX);
	assert_non_null(err);
	gsc_error_destroy(err);
	/* A huge limit allocates lazily. */
	assert_null(rsp_decoder_init(&d, (size_t)1 << 40));
	assert_true(d.payload.cap <= 8192);
	rsp_decoder_deinit(&d);

	struct rsp_buf b;
	rsp_buf_init(&b);
	assert_false(rsp_buf_reserve(&b, SIZE_MAX));
	assert_true(b.oom);
	rsp_buf_reset(&b);
	assert_false(b.oom);
	rsp_buf_reset(&b);
	rsp_buf_add_hex(&b, "x", SIZE_MAX / 2 + 1);	/* 2 * len overflows */
	assert_true(b.oom);
	assert_int_equal(b.len, 0);
	rsp_buf_deinit(&b);
	rsp_buf_deinit(&b);	/* twice is harmless */
}

static void test_buf_helpers(void **state)
{
	struct rsp_buf b = { 0 };
	rsp_buf_add_str(&b, "T05");
	rsp_buf_printf(&b, "thread:p%x.%x;", 0x1ad1, 0x1ad2);
	rsp_buf_add_char(&b, 'x');
	rsp_buf_add_hex(&b, "\x00\xab\xff", 3);
	assert_string_equal((char *)b.data, "T05thread:p1ad1.1ad2;x00abff");
	rsp_buf_reset(&b);
	assert_int_equal(b.len, 0);
	rsp_buf_add_escaped(&b, "a$#}*\x00", 6);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "a}\x04}\x03}]}\x0a\x00", 10);
	rsp_buf_reset(&b);
	/* a cap in escaped bytes: an escape pair is never split */
	assert_int_equal(rsp_buf_add_escaped_max(&b, "a$#}*\x00", 6, 2), 1);
	assert_int_equal(b.len, 1);
	assert_int_equal(rsp_buf_add_escaped_max(&b, "$#", 2, 3), 1);
	assert_int_equal(b.len, 3);
	assert_int_equal(rsp_buf_add_escaped_max(&b, "xyz", 3, 100), 3);
	assert_int_equal(rsp_buf_add_escaped_max(&b, "$", 1, 1), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "a}\x04xyz", 6);
	rsp_buf_reset(&b);
	for (int i = 0; i < 10000; i++)
		rsp_buf_add_char(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[9999], 'a' + 9999 % 26);
	assert_int_equal(b.data[10000], 0);
	rsp_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 10000);
	assert_false(b.oom);
	rsp_buf_deinit(&b);
}

static bool parse_u(const char *s, uint64_t *v, size_t *used)
{
	const uint8_t *p = (const uint8_t *)s;
	bool ok = rsp_parse_hex_u64(&p, p + strlen(s), v);
	*used = (size_t)(p - (const uint8_t *)s);
	return ok;
}

static bool parse_i(const char *s, int64_t *v, size_t *used)
{
	const uint8_t *p = (const uint8_t *)s;
	bool ok = rsp_parse_hex_i64(&p, p + strlen(s), v);
	*used = (size_t)(p - (const uint8_t *)s);
	return ok;
}

static void test_hex(void **state)
{
	uint64_t u = 7;
	int64_t i = 7;
	size_t used;
	assert_true(parse_u("7ffe1234,40", &u, &used));
	assert_int_equal(u, 0x7ffe1234);
	assert_int_equal(used, 8);
	assert_true(parse_u("FFFFFFFFFFFFFFFF", &u, &used));
	assert_true(u == UINT64_MAX);
	assert_true(parse_u("00000000000039ce", &u, &used));	/* lldb's D;pid */
	assert_int_equal(u, 0x39ce);
	assert_true(parse_u("0000000000000000000001", &u, &used));
	assert_int_equal(u, 1);
	u = 7;
	assert_false(parse_u("10000000000000000", &u, &used));	/* 2^64 */
	assert_false(parse_u("", &u, &used));
	assert_false(parse_u(",1", &u, &used));
	assert_int_equal(u, 7);
	assert_int_equal(used, 0);
	/* Stops at end even if more digits follow in memory. */
	const uint8_t *p = (const uint8_t *)"12345";
	assert_true(rsp_parse_hex_u64(&p, p + 2, &u));
	assert_int_equal(u, 0x12);

	assert_true(parse_i("-1", &i, &used));
	assert_int_equal(i, -1);
	assert_int_equal(used, 2);
	assert_true(parse_i("1ad1.", &i, &used));
	assert_int_equal(i, 0x1ad1);
	assert_true(parse_i("-8000000000000000", &i, &used));
	assert_true(i == INT64_MIN);
	assert_true(parse_i("7fffffffffffffff", &i, &used));
	assert_true(i == INT64_MAX);
	assert_true(parse_i("-0", &i, &used));
	assert_int_equal(i, 0);
	i = 7;
	assert_false(parse_i("8000000000000000", &i, &used));
	assert_false(parse_i("-8000000000000001", &i, &used));
	assert_false(parse_i("-", &i, &used));
	assert_false(parse_i("--1", &i, &used));
	assert_int_equal(i, 7);

	uint8_t out[4] = { 0 };
	assert_true(rsp_hex_decode((const uint8_t *)"00aBff7f", 8, out, 4));
	assert_memory_equal(out, "\x00\xab\xff\x7f", 4);
	assert_false(rsp_hex_decode((const uint8_t *)"00aBff7", 7, out, 4));
	assert_false(rsp_hex_decode((const uint8_t *)"00aBff7f00", 10, out, 4));
	assert_false(rsp_hex_decode((const uint8_t *)"00aBfg7f", 8, out, 4));
	assert_true(rsp_hex_decode((const uint8_t *)"", 0, out, 0));
	assert_int_equal(rsp_hex_digit('g'), -1);
	assert_int_equal(rsp_hex_digit('F'), 15);
	for (int c = 0; c < 256; c++) {
		int d = rsp_hex_digit((uint8_t)c);
		assert_true(d >= -1 && d <= 15);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_and_controls),
		cmocka_unit_test(test_bad_checksum_and_bad_hex),
		cmocka_unit_test(test_no_ack_skips_checksum),
		cmocka_unit_test(test_garbage_between_packets),
		cmocka_unit_test(test_dollar_restarts),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_rle_input),
		cmocka_unit_test(test_too_long_continues),
		cmocka_unit_test(test_split_every_boundary),
		cmocka_unit_test(test_encode_runs),
		cmocka_unit_test(test_random_round_trips),
		cmocka_unit_test(test_random_bytes_never_crash),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_buf_helpers),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
