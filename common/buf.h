/*
 * buf.h - a bounds-checked reader over bytes the caller owns.
 *
 * Every read checks the remaining length first; a short read returns a
 * GSC_ERR_BAD_DATA error naming what was being read (the buffer's name) and
 * the offset, and leaves the position unchanged.  Endianness is the data's,
 * set at init.  Nothing here allocates except the error.
 *
 * Does not: own the bytes, know about addresses (see mem.h for that).
 */
#ifndef GSC_BUF_H
#define GSC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct gsc_buf {
	const uint8_t *data;
	size_t size;
	size_t pos;
	bool bswap;		/* data byte order differs from the host's */
	const char *name;	/* for messages: ".gopclntab", "CIE at 0x40" */
};

void gsc_buf_init(struct gsc_buf *b, const void *data, size_t size, bool little_endian,
		  const char *name);

static inline size_t gsc_buf_left(const struct gsc_buf *b)
{
	return b->size - b->pos;
}

struct gsc_error *gsc_buf_seek(struct gsc_buf *b, size_t pos) GSC_WUR;
struct gsc_error *gsc_buf_skip(struct gsc_buf *b, size_t n) GSC_WUR;
struct gsc_error *gsc_buf_u8(struct gsc_buf *b, uint8_t *ret) GSC_WUR;
struct gsc_error *gsc_buf_u16(struct gsc_buf *b, uint16_t *ret) GSC_WUR;
struct gsc_error *gsc_buf_u32(struct gsc_buf *b, uint32_t *ret) GSC_WUR;
struct gsc_error *gsc_buf_u64(struct gsc_buf *b, uint64_t *ret) GSC_WUR;
/* Unsigned of size 1, 2, 4 or 8. */
struct gsc_error *gsc_buf_uint(struct gsc_buf *b, unsigned size, uint64_t *ret) GSC_WUR;
/* LEB128; more than 10 bytes (64 bits) is an error, not a wrap. */
struct gsc_error *gsc_buf_uleb128(struct gsc_buf *b, uint64_t *ret) GSC_WUR;
struct gsc_error *gsc_buf_sleb128(struct gsc_buf *b, int64_t *ret) GSC_WUR;
/* Points *ret at n bytes in place and advances. */
struct gsc_error *gsc_buf_bytes(struct gsc_buf *b, size_t n, const uint8_t **ret) GSC_WUR;
/* A NUL-terminated string in place (the NUL must be inside the buffer). */
struct gsc_error *gsc_buf_cstr(struct gsc_buf *b, const char **ret) GSC_WUR;

/* Plain loads from a byte pointer in a given byte order (no bounds). */
uint16_t gsc_load16(const uint8_t *p, bool little_endian);
uint32_t gsc_load32(const uint8_t *p, bool little_endian);
uint64_t gsc_load64(const uint8_t *p, bool little_endian);

/*
 * A NUL-terminated string at offset off of data[0..size): NULL if off is out
 * of range or there is no NUL before the end.
 */
const char *gsc_cstr_at(const uint8_t *data, size_t size, uint64_t off);

#endif
