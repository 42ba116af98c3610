/*
 * rsp_packet.h - GDB remote serial protocol framing, with no I/O.
 *
 * The decoder is a byte-at-a-time state machine (idle, data, escape,
 * run-length, checksum 1, checksum 2) over bytes the caller read from the
 * connection.  It yields events: a whole packet (payload unescaped and
 * run-length expanded, checksum verified unless no-ack mode says not to),
 * an ack '+', a nack '-', an interrupt (0x03 outside a packet), a packet with
 * a bad checksum (the caller answers '-'), or a packet that grew past the
 * limit (dropped; the caller answers with an error).  Bytes outside a packet
 * that are none of these are ignored, as gdbserver does.
 *
 * The encoder appends "$payload#xx" to a growable output buffer, escaping
 * '$', '#', '}' and '*' and, on request, run-length encoding (never producing
 * the run counts '#' and '$', GDB manual "Debugging with GDB", E.1 Overview).
 *
 * struct rsp_buf is the growable byte buffer the dispatcher also writes replies
 * into; the hex helpers parse the numbers packets carry.
 *
 * Does not: read or write a socket; know what any packet means.
 */
#ifndef STUB_RSP_PACKET_H
#define STUB_RSP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * A growable byte buffer.  Zero-initialised storage is an empty buffer.
 * Once data is allocated, data[len] is always 0 (not counted in len).
 */
struct rsp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool oom;	/* an append failed: the contents are incomplete */
};

void rsp_buf_init(struct rsp_buf *b);
void rsp_buf_deinit(struct rsp_buf *b);
void rsp_buf_reset(struct rsp_buf *b);		/* len = 0, keeps the storage, clears oom */
/* Appends; on allocation failure sets oom and leaves what fit. */
void rsp_buf_add(struct rsp_buf *b, const void *data, size_t len);
void rsp_buf_add_str(struct rsp_buf *b, const char *s);
void rsp_buf_add_char(struct rsp_buf *b, char c);
void rsp_buf_printf(struct rsp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each byte as two lowercase hex digits. */
void rsp_buf_add_hex(struct rsp_buf *b, const void *data, size_t len);
/* Bytes with '$', '#', '}', '*' escaped as '}' followed by the byte ^ 0x20 (binary replies). */
void rsp_buf_add_escaped(struct rsp_buf *b, const void *data, size_t len);
/* The same for as many leading bytes as fit in max_out escaped bytes; returns how many it took. */
size_t rsp_buf_add_escaped_max(struct rsp_buf *b, const void *data, size_t len, size_t max_out);
/* Grows the capacity to at least len + extra; false (and oom set) on failure. */
bool rsp_buf_reserve(struct rsp_buf *b, size_t extra);

enum rsp_event_kind {
	RSP_EV_NONE,		/* all input consumed, nothing complete yet */
	RSP_EV_PACKET,		/* payload/payload_len hold one packet */
	RSP_EV_ACK,		/* '+' */
	RSP_EV_NACK,		/* '-': resend the last packet */
	RSP_EV_INTERRUPT,	/* 0x03 outside a packet */
	RSP_EV_BAD_CHECKSUM,	/* a packet arrived damaged (checksum, bad hex in it,
				 * a malformed run count or escape): answer '-' */
	RSP_EV_TOO_LONG,	/* a packet exceeded max_payload: dropped */
};

struct rsp_event {
	enum rsp_event_kind kind;
	/*
	 * RSP_EV_PACKET: the decoded payload, NUL-terminated after
	 * payload_len (it may contain NULs itself: X packets are binary).
	 * Owned by the decoder, valid until the next rsp_decoder_feed.
	 */
	const uint8_t *payload;
	size_t payload_len;
};

struct rsp_decoder {
	int state;
	bool no_ack;		/* checksums are not verified in no-ack mode */
	size_t max_payload;	/* decoded bytes a packet may carry */
	struct rsp_buf payload;
	uint8_t sum;		/* running checksum of the raw bytes */
	uint8_t csum_hi;	/* first checksum digit, 0xff if not hex */
	bool overflow;		/* grew past max_payload: RSP_EV_TOO_LONG */
	bool malformed;		/* a bad run count or dangling escape */
	bool have_last;		/* last is valid (a run needs a byte before it) */
	uint8_t last;		/* the raw byte a run-length count repeats */
};

/* max_payload: the largest decoded packet accepted (PacketSize we advertise). */
struct gsc_error *rsp_decoder_init(struct rsp_decoder *d, size_t max_payload) GSC_WUR;
void rsp_decoder_deinit(struct rsp_decoder *d);
void rsp_decoder_set_no_ack(struct rsp_decoder *d, bool no_ack);

/*
 * Consumes bytes from data[0..len) until one event completes or the input
 * ends; returns how many bytes were consumed and fills *ev (RSP_EV_NONE when
 * the input ended first).  Call again with the rest of the input.
 *
 * A packet's event comes when its second checksum digit arrives, also for
 * RSP_EV_TOO_LONG, so the stream stays in step.  In no-ack mode a wrong or
 * non-hex checksum is accepted, but a malformed body (bad run count,
 * dangling '}' or '*') still gives RSP_EV_BAD_CHECKSUM: drop it silently.
 */
size_t rsp_decoder_feed(struct rsp_decoder *d, const uint8_t *data, size_t len, struct rsp_event *ev);

/*
 * Appends "$<payload>#<checksum>" to out.  The payload is taken as is (the
 * caller escaped binary data with rsp_buf_add_escaped); with rle, runs of 4 or
 * more equal bytes become "X*<n+29>", n being the repeats after the first X
 * (3..97; never 6, 7, 13 or 96, whose count characters are '#', '$', '*' and
 * '}').  Runs of '$', '#', '}' and '*' themselves are never folded.
 * Expansion on input works on the raw stream, as in gdb and lldb: "}]*!"
 * is '}' then "]]]]".
 */
void rsp_encode(struct rsp_buf *out, const uint8_t *payload, size_t len, bool rle);

/* Hex parsing.  Each returns false on a malformed or overlong number. */
/* Parses hex digits at *p (stopping at end or the first non-hex byte), advances *p. */
bool rsp_parse_hex_u64(const uint8_t **p, const uint8_t *end, uint64_t *ret);
/* Signed: an optional leading '-' ("-1" thread ids). */
bool rsp_parse_hex_i64(const uint8_t **p, const uint8_t *end, int64_t *ret);
/* Exactly 2*n hex digits into out[0..n). */
bool rsp_hex_decode(const uint8_t *hex, size_t hex_len, uint8_t *out, size_t n);
int rsp_hex_digit(uint8_t c);		/* 0..15, or -1 */

#endif
