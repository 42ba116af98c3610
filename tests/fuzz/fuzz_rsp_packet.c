/*
 * fuzz_rsp_packet.c - libFuzzer target for the RSP framing layer.
 *
 * Input layout: byte 0 picks the packet limit and no-ack mode, byte 1 a
 * split point, the rest is the byte stream.  Invariants checked:
 *  1. decoding never reads or writes out of bounds (the sanitizers say);
 *  2. every packet is within the limit and NUL-terminated;
 *  3. feeding the stream whole, split in two, and one byte at a time yields
 *     the same events and payloads (the decoder keeps no hidden lookahead);
 *  4. escape + encode (with and without run-length) + decode gives back the
 *     original bytes, the wire form contains no stray '$'/'#' and no
 *     forbidden run count; the run-length form is never longer;
 *  5. hex parsing agrees with a slow reference.
 * A broken invariant calls abort(), which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #x, __LINE__); abort(); } } while (0)

/* A digest of the event sequence, so three ways of feeding can be compared. */
struct trace {
	uint64_t hash;
	size_t events;
	size_t bytes;
};

static void trace_add(struct trace *t, const struct rsp_event *ev, size_t max)
{
	t->events++;
	t->hash = (t->hash ^ (uint64_t)ev->kind) * 0x100000001b3ULL;
	if (ev->kind != RSP_EV_PACKET) {
		CHECK(ev->payload_len == 0);
		return;
	}
	CHECK(ev->payload != NULL);
	CHECK(ev->payload_len <= max);
	CHECK(ev->payload[ev->payload_len] == 0);
	t->bytes += ev->payload_len;
	for (size_t i = 0; i < ev->payload_len; i++)
		t->hash = (t->hash ^ ev->payload[i]) * 0x100000001b3ULL;
	t->hash = (t->hash ^ 0x5a5a) * 0x100000001b3ULL;
}

static void feed(struct rsp_decoder *d, const uint8_t *s, size_t len, struct trace *t)
{
	while (len) {
		struct rsp_event ev;
		size_t used = rsp_decoder_feed(d, s, len, &ev);
		CHECK(used >= 1 && used <= len);
		s += used;
		len -= used;
		if (ev.kind == RSP_EV_NONE) {
			CHECK(len == 0);
			return;
		}
		trace_add(t, &ev, d->max_payload);
	}
}

static void decode_three_ways(const uint8_t *s, size_t len, size_t max, bool no_ack, size_t cut)
{
	struct rsp_decoder d;
	struct trace a = { 0 }, b = { 0 }, c = { 0 };

	CHECK(rsp_decoder_init(&d, max) == NULL);
	rsp_decoder_set_no_ack(&d, no_ack);
	feed(&d, s, len, &a);
	rsp_decoder_deinit(&d);

	CHECK(rsp_decoder_init(&d, max) == NULL);
	rsp_decoder_set_no_ack(&d, no_ack);
	feed(&d, s, cut, &b);
	feed(&d, s + cut, len - cut, &b);
	rsp_decoder_deinit(&d);

	CHECK(rsp_decoder_init(&d, max) == NULL);
	rsp_decoder_set_no_ack(&d, no_ack);
	for (size_t i = 0; i < len; i++)
		feed(&d, s + i, 1, &c);
	rsp_decoder_deinit(&d);

	CHECK(a.events == b.events && a.hash == b.hash && a.bytes == b.bytes);
	CHECK(a.events == c.events && a.hash == c.hash && a.bytes == c.bytes);
}

static void check_wire(const struct rsp_buf *w)
{
	CHECK(!w->oom);
	CHECK(w->len >= 4 && w->data[0] == '$' && w->data[w->len - 3] == '#');
	for (size_t i = 1; i < w->len - 3; i++) {
		uint8_t c = w->data[i];
		CHECK(c != '$' && c != '#');
		if (c == '}' || c == '*') {
			uint8_t n = w->data[++i];
			CHECK(i < w->len - 3);
			if (c == '*')
				CHECK(n >= ' ' && n <= '~' && n != '#' && n != '$' && n != '*' && n != '}');
		}
	}
}

static void round_trip(const uint8_t *s, size_t len)
{
	struct rsp_buf esc, plain, rle;
	struct rsp_decoder d;

	rsp_buf_init(&esc);
	rsp_buf_init(&plain);
	rsp_buf_init(&rle);
	rsp_buf_add_escaped(&esc, s, len);
	rsp_encode(&plain, esc.data, esc.len, false);
	rsp_encode(&rle, esc.data, esc.len, true);
	check_wire(&plain);
	check_wire(&rle);
	CHECK(rle.len <= plain.len);
	CHECK(plain.len == esc.len + 4);

	const struct rsp_buf *w[2] = { &plain, &rle };
	for (int k = 0; k < 2; k++) {
		struct rsp_event ev;
		CHECK(rsp_decoder_init(&d, len ? len : 1) == NULL);
		size_t used = rsp_decoder_feed(&d, w[k]->data, w[k]->len, &ev);
		CHECK(used == w[k]->len);
		CHECK(ev.kind == RSP_EV_PACKET);
		CHECK(ev.payload_len == len);
		CHECK(len == 0 || memcmp(ev.payload, s, len) == 0);
		rsp_decoder_deinit(&d);
	}
	rsp_buf_deinit(&esc);
	rsp_buf_deinit(&plain);
	rsp_buf_deinit(&rle);
}

static void check_hex(const uint8_t *s, size_t len)
{
	const uint8_t *p = s;
	uint64_t v, ref = 0;
	size_t digits = 0, sig = 0;

	while (digits < len && rsp_hex_digit(s[digits]) >= 0) {
		ref = ref << 4 | (uint64_t)rsp_hex_digit(s[digits]);
		if (sig || rsp_hex_digit(s[digits]))
			sig++;
		digits++;
	}
	bool ok = rsp_parse_hex_u64(&p, s + len, &v);
	CHECK(ok == (digits > 0 && sig <= 16));
	if (ok)
		CHECK(v == ref && p == s + digits);
	else
		CHECK(p == s);

	if (len >= 2 && len % 2 == 0 && len <= 64) {
		uint8_t out[32];
		bool all = true;
		for (size_t i = 0; i < len; i++)
			all = all && rsp_hex_digit(s[i]) >= 0;
		CHECK(rsp_hex_decode(s, len, out, len / 2) == all);
	}

	int64_t iv;
	p = s;
	if (rsp_parse_hex_i64(&p, s + len, &iv) && len && s[0] != '-')
		CHECK(iv >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* Limits from 1 to 256, plus a few real ones (gdbserver's 0x47ff). */
	static const size_t big[] = { 1, 2, 16, 0x47ff };
	size_t max = data[0] & 0x80 ? big[data[0] & 3] : (size_t)(data[0] & 0x3f) * 4 + 1;
	bool no_ack = data[0] & 0x40;
	const uint8_t *s = data + 2;
	size_t len = size - 2;
	size_t cut = len ? data[1] % (len + 1) : 0;

	decode_three_ways(s, len, max, no_ack, cut);
	round_trip(s, len);
	check_hex(s, len);
	return 0;
}
