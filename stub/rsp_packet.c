/*
 * rsp_packet.c - GDB remote serial protocol framing: a byte-at-a-time
 * decoder, the encoder, the growable reply buffer and hex parsing.
 *
 * Facts come from the GDB manual ("Debugging with GDB", E.1 Overview and
 * E.11 Packet Acknowledgment) and from the traces in
 * reference/rsp-traces/.  Run-length expansion is applied to the raw
 * (still escaped) character stream, as gdb and lldb do on input: "X*c"
 * repeats the raw character X, never the byte an escape pair stood for.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "rsp_packet.h"

/* ---- the growable buffer ---------------------------------------------- */

void rsp_buf_init(struct rsp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void rsp_buf_deinit(struct rsp_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void rsp_buf_reset(struct rsp_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = 0;
}

/* Room for len + extra bytes plus the NUL that always follows data[len]. */
bool rsp_buf_reserve(struct rsp_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (gsc_add_overflow(b->len, extra, &need) || gsc_add_overflow(need, 1, &need))
		goto oom;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (gsc_mul_overflow(cap, 2, &cap)) {
			cap = need;
			break;
		}
	}
	p = realloc(b->data, cap);
	if (!p)
		goto oom;
	b->data = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void rsp_buf_add(struct rsp_buf *b, const void *data, size_t len)
{
	if (!rsp_buf_reserve(b, len)) {
		/* Keep what fits in the storage we already have. */
		if (!b->data || b->cap - 1 <= b->len)
			return;
		len = b->cap - 1 - b->len;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = 0;
}

void rsp_buf_add_str(struct rsp_buf *b, const char *s)
{
	rsp_buf_add(b, s, strlen(s));
}

void rsp_buf_add_char(struct rsp_buf *b, char c)
{
	if (b->len + 1 < b->cap) {	/* the common case, without a call */
		b->data[b->len++] = (uint8_t)c;
		b->data[b->len] = 0;
		return;
	}
	rsp_buf_add(b, &c, 1);
}

void rsp_buf_printf(struct rsp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !rsp_buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char hexchars[] = "0123456789abcdef";

void rsp_buf_add_hex(struct rsp_buf *b, const void *data, size_t len)
{
	const uint8_t *s = data;
	size_t n2;
	uint8_t *o;

	if (gsc_mul_overflow(len, 2, &n2)) {
		b->oom = true;
		return;
	}
	if (!rsp_buf_reserve(b, n2))
		return;
	o = b->data + b->len;
	for (size_t i = 0; i < len; i++) {
		*o++ = (uint8_t)hexchars[s[i] >> 4];
		*o++ = (uint8_t)hexchars[s[i] & 15];
	}
	b->len += n2;
	b->data[b->len] = 0;
}

static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

void rsp_buf_add_escaped(struct rsp_buf *b, const void *data, size_t len)
{
	const uint8_t *s = data;
	size_t n = 0;
	uint8_t *o;

	for (size_t i = 0; i < len; i++)
		n += needs_escape(s[i]) ? 2 : 1;
	if (!rsp_buf_reserve(b, n))
		return;
	o = b->data + b->len;
	for (size_t i = 0; i < len; i++) {
		if (needs_escape(s[i])) {
			*o++ = '}';
			*o++ = s[i] ^ 0x20;
		} else {
			*o++ = s[i];
		}
	}
	b->len += n;
	b->data[b->len] = 0;
}

size_t rsp_buf_add_escaped_max(struct rsp_buf *b, const void *data, size_t len, size_t max_out)
{
	const uint8_t *s = data;
	size_t in = 0, out = 0;

	while (in < len) {
		size_t w = needs_escape(s[in]) ? 2 : 1;
		if (out + w > max_out)
			break;
		out += w;
		in++;
	}
	rsp_buf_add_escaped(b, data, in);
	return in;
}

/* ---- hex ----------------------------------------------------------------- */

int rsp_hex_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool rsp_parse_hex_u64(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	const uint8_t *s = *p;
	uint64_t v = 0;
	int d;

	if (s >= end || rsp_hex_digit(*s) < 0)
		return false;
	for (; s < end && (d = rsp_hex_digit(*s)) >= 0; s++) {
		if (v >> 60)
			return false;	/* a 17th significant digit */
		v = v << 4 | (uint64_t)d;
	}
	*p = s;
	*ret = v;
	return true;
}

bool rsp_parse_hex_i64(const uint8_t **p, const uint8_t *end, int64_t *ret)
{
	const uint8_t *s = *p;
	bool neg = false;
	uint64_t v;

	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (!rsp_parse_hex_u64(&s, end, &v))
		return false;
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return false;
	*p = s;
	/* -(INT64_MAX + 1) computed without signed overflow. */
	*ret = neg ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
	return true;
}

bool rsp_hex_decode(const uint8_t *hex, size_t hex_len, uint8_t *out, size_t n)
{
	if (hex_len / 2 != n || hex_len % 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = rsp_hex_digit(hex[2 * i]);
		int lo = rsp_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* ---- the decoder ----------------------------------------------------------- */

enum {
	ST_IDLE,	/* between packets */
	ST_DATA,	/* after '$' */
	ST_ESCAPE,	/* after '}' */
	ST_RUN,		/* after '*': the next byte is the repeat count */
	ST_CSUM1,	/* after '#' */
	ST_CSUM2,
};

/* Not to pin the first packets' storage at a hostile PacketSize. */
static const size_t initial_payload_cap = 4096;

struct gsc_error *rsp_decoder_init(struct rsp_decoder *d, size_t max_payload)
{
	if (max_payload == 0 || max_payload > SIZE_MAX / 4)
		return gsc_error_create(GSC_ERR_INVALID_ARG,
					"packet size limit %zu out of range", max_payload);
	memset(d, 0, sizeof(*d));
	d->state = ST_IDLE;
	d->max_payload = max_payload;
	if (!rsp_buf_reserve(&d->payload, max_payload < initial_payload_cap ?
			     max_payload : initial_payload_cap)) {
		rsp_buf_deinit(&d->payload);
		return &gsc_enomem;
	}
	return NULL;
}

void rsp_decoder_deinit(struct rsp_decoder *d)
{
	rsp_buf_deinit(&d->payload);
	d->state = ST_IDLE;
}

void rsp_decoder_set_no_ack(struct rsp_decoder *d, bool no_ack)
{
	d->no_ack = no_ack;
}

static void start_packet(struct rsp_decoder *d)
{
	d->state = ST_DATA;
	rsp_buf_reset(&d->payload);
	d->sum = 0;
	d->overflow = false;
	d->malformed = false;
	d->have_last = false;
}

/* Appends n copies of a decoded byte, or marks the packet too long. */
static void put(struct rsp_decoder *d, uint8_t c, size_t n)
{
	struct rsp_buf *b = &d->payload;

	if (d->overflow)
		return;
	if (n > d->max_payload - b->len || !rsp_buf_reserve(b, n)) {
		d->overflow = true;	/* out of memory counts as too long */
		return;
	}
	memset(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = 0;
}

/* A raw byte inside the packet body (DATA, ESCAPE or RUN state). */
static void body_byte(struct rsp_decoder *d, uint8_t c)
{
	d->sum += c;
	switch (d->state) {
	case ST_ESCAPE:
		put(d, c ^ 0x20, 1);
		d->last = c;
		d->have_last = true;
		d->state = ST_DATA;
		return;
	case ST_RUN:
		/* "c - 29" copies in all, one of them already sent: ' ' = 3 more. */
		if (c < ' ' || c > '~' || !d->have_last)
			d->malformed = true;
		else
			put(d, d->last, (size_t)(c - ' ' + 3));
		d->state = ST_DATA;
		return;
	default:
		break;
	}
	if (c == '}') {
		d->state = ST_ESCAPE;
	} else if (c == '*') {
		d->state = ST_RUN;
	} else {
		put(d, c, 1);
		d->last = c;
		d->have_last = true;
	}
}

/* The second checksum digit arrived (hi, lo < 0 for bad hex): the event. */
static enum rsp_event_kind finish(struct rsp_decoder *d, int hi, int lo)
{
	bool sum_ok = hi >= 0 && lo >= 0 && (uint8_t)(hi << 4 | lo) == d->sum;

	d->state = ST_IDLE;
	if (!sum_ok && !d->no_ack)
		return RSP_EV_BAD_CHECKSUM;
	if (d->malformed)
		return RSP_EV_BAD_CHECKSUM;
	if (d->overflow)
		return RSP_EV_TOO_LONG;
	return RSP_EV_PACKET;
}

static enum rsp_event_kind idle_byte(struct rsp_decoder *d, uint8_t c)
{
	switch (c) {
	case '$':
		start_packet(d);
		return RSP_EV_NONE;
	case '+':
		return RSP_EV_ACK;
	case '-':
		return RSP_EV_NACK;
	case 0x03:
		return RSP_EV_INTERRUPT;
	default:
		return RSP_EV_NONE;	/* line noise between packets */
	}
}

static enum rsp_event_kind step(struct rsp_decoder *d, uint8_t c)
{
	if (d->state == ST_IDLE)
		return idle_byte(d, c);
	/*
	 * '$' anywhere in a packet starts a new one (the old one was cut
	 * short); '#' ends the body even right after '}' or '*', as gdb's
	 * and gdbserver's readers do.
	 */
	if (c == '$') {
		start_packet(d);
		return RSP_EV_NONE;
	}
	switch (d->state) {
	case ST_DATA:
	case ST_ESCAPE:
	case ST_RUN:
		if (c != '#') {
			body_byte(d, c);
			return RSP_EV_NONE;
		}
		if (d->state != ST_DATA)
			d->malformed = true;	/* a dangling '}' or '*' */
		d->state = ST_CSUM1;
		return RSP_EV_NONE;
	case ST_CSUM1:
		d->csum_hi = (uint8_t)rsp_hex_digit(c);	/* 0xff: bad */
		d->state = ST_CSUM2;
		return RSP_EV_NONE;
	default:
		return finish(d, d->csum_hi == 0xff ? -1 : d->csum_hi, rsp_hex_digit(c));
	}
}

size_t rsp_decoder_feed(struct rsp_decoder *d, const uint8_t *data, size_t len, struct rsp_event *ev)
{
	size_t i = 0;

	while (i < len) {
		const uint8_t *s = data + i;
		enum rsp_event_kind k;

		/* Fast path: plain payload bytes, the bulk of X and vFile packets. */
		if (d->state == ST_DATA && !d->overflow) {
			size_t n = 0;
			uint8_t sum = d->sum;
			while (n < len - i && s[n] != '$' && s[n] != '#' && s[n] != '}' && s[n] != '*')
				sum += s[n++];
			if (n) {
				if (n <= d->max_payload - d->payload.len) {
					rsp_buf_add(&d->payload, s, n);
					if (d->payload.oom)
						d->overflow = true;
					d->sum = sum;
					d->last = s[n - 1];
					d->have_last = true;
					i += n;
					continue;
				}
				/* Too long: the slow path marks it byte by byte. */
			}
		}
		k = step(d, data[i++]);
		if (k != RSP_EV_NONE) {
			ev->kind = k;
			ev->payload = k == RSP_EV_PACKET ? d->payload.data : NULL;
			ev->payload_len = k == RSP_EV_PACKET ? d->payload.len : 0;
			return i;
		}
	}
	ev->kind = RSP_EV_NONE;
	ev->payload = NULL;
	ev->payload_len = 0;
	return i;
}

/* ---- the encoder ----------------------------------------------------------- */

/*
 * The longest run one "X*c" token may stand for, repeats after the first:
 * c = n + 29 must be printable (<= '~', n <= 97) and must not be '#' or '$'
 * (framing; the GDB manual's rule, n = 6 and 7) nor '*' or '}' (n = 13 and
 * 96: a careless reader could take them for another token or an escape).
 */
static size_t run_token(size_t repeats)
{
	size_t n = repeats > 97 ? 97 : repeats;

	while (n + 29 == '#' || n + 29 == '$' || n + 29 == '*' || n + 29 == '}')
		n--;
	return n;
}

static void encode_rle(struct rsp_buf *out, const uint8_t *p, size_t len, uint8_t *sum)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t run = 1;

		while (i + run < len && p[i + run] == c)
			run++;
		i += run;
		/* Never fold framing or escape bytes: the count would be misread. */
		if (c == '}' || c == '*' || c == '#' || c == '$') {
			while (run--) {
				rsp_buf_add_char(out, (char)c);
				*sum += c;
			}
			continue;
		}
		rsp_buf_add_char(out, (char)c);
		*sum += c;
		run--;
		while (run) {
			if (run < 3) {	/* cheaper as plain bytes */
				rsp_buf_add_char(out, (char)c);
				*sum += c;
				run--;
				continue;
			}
			size_t n = run_token(run);
			rsp_buf_add_char(out, '*');
			rsp_buf_add_char(out, (char)(n + 29));
			*sum += (uint8_t)('*' + n + 29);
			run -= n;
		}
	}
}

void rsp_encode(struct rsp_buf *out, const uint8_t *payload, size_t len, bool rle)
{
	uint8_t sum = 0;
	char tail[3];

	if (len < SIZE_MAX - 4)
		rsp_buf_reserve(out, len + 4);	/* rle only shrinks it */
	rsp_buf_add_char(out, '$');
	if (rle) {
		encode_rle(out, payload, len, &sum);
	} else {
		for (size_t i = 0; i < len; i++)
			sum += payload[i];
		rsp_buf_add(out, payload, len);
	}
	tail[0] = '#';
	tail[1] = hexchars[sum >> 4];
	tail[2] = hexchars[sum & 15];
	rsp_buf_add(out, tail, 3);
}
