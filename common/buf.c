/* buf.c - bounds-checked reads over bytes in memory. */
#include "config.h"

#include <string.h>

#include "buf.h"

static const bool host_little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

void gsc_buf_init(struct gsc_buf *b, const void *data, size_t size, bool little_endian,
		  const char *name)
{
	b->data = data;
	b->size = data ? size : 0;
	b->pos = 0;
	b->bswap = little_endian != host_little_endian;
	b->name = name ? name : "data";
}

static struct gsc_error *short_read(const struct gsc_buf *b, size_t n)
{
	return gsc_bad_data("%s: truncated: need %zu byte%s at offset 0x%zx, %zu left",
			    b->name, n, n == 1 ? "" : "s", b->pos, gsc_buf_left(b));
}

struct gsc_error *gsc_buf_seek(struct gsc_buf *b, size_t pos)
{
	if (pos > b->size)
		return gsc_bad_data("%s: offset 0x%zx is past the end (size 0x%zx)",
				    b->name, pos, b->size);
	b->pos = pos;
	return NULL;
}

struct gsc_error *gsc_buf_skip(struct gsc_buf *b, size_t n)
{
	if (n > gsc_buf_left(b))
		return short_read(b, n);
	b->pos += n;
	return NULL;
}

struct gsc_error *gsc_buf_bytes(struct gsc_buf *b, size_t n, const uint8_t **ret)
{
	if (n > gsc_buf_left(b))
		return short_read(b, n);
	*ret = b->data + b->pos;
	b->pos += n;
	return NULL;
}

uint16_t gsc_load16(const uint8_t *p, bool le)
{
	return le ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[1] | p[0] << 8);
}

uint32_t gsc_load32(const uint8_t *p, bool le)
{
	uint32_t lo = gsc_load16(p, le), hi = gsc_load16(p + 2, le);
	return le ? lo | hi << 16 : hi | lo << 16;
}

uint64_t gsc_load64(const uint8_t *p, bool le)
{
	uint64_t lo = gsc_load32(p, le), hi = gsc_load32(p + 4, le);
	return le ? lo | hi << 32 : hi | lo << 32;
}

struct gsc_error *gsc_buf_uint(struct gsc_buf *b, unsigned size, uint64_t *ret)
{
	const uint8_t *p = NULL;
	bool le = host_little_endian != b->bswap;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s: bad integer size %u", b->name, size);
	struct gsc_error *err = gsc_buf_bytes(b, size, &p);
	if (err)
		return err;
	switch (size) {
	case 1: *ret = p[0]; break;
	case 2: *ret = gsc_load16(p, le); break;
	case 4: *ret = gsc_load32(p, le); break;
	default: *ret = gsc_load64(p, le); break;
	}
	return NULL;
}

#define DEFINE_UINT(bits)							\
struct gsc_error *gsc_buf_u##bits(struct gsc_buf *b, uint##bits##_t *ret)	\
{										\
	uint64_t v;								\
	struct gsc_error *err = gsc_buf_uint(b, bits / 8, &v);			\
	if (err)								\
		return err;							\
	*ret = (uint##bits##_t)v;						\
	return NULL;								\
}
DEFINE_UINT(8)
DEFINE_UINT(16)
DEFINE_UINT(32)
DEFINE_UINT(64)

static struct gsc_error *leb128(struct gsc_buf *b, bool is_signed, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (size_t i = b->pos; i < b->size; i++) {
		uint8_t byte = b->data[i];
		/* The 10th byte holds bit 63 only (or sign bits). */
		bool ok = shift < 63 ||
			  (shift == 63 && (is_signed ? ((byte & 0x7f) == 0 || (byte & 0x7f) == 0x7f)
						     : (byte & 0x7e) == 0));
		if (!ok)
			return gsc_bad_data("%s: LEB128 at offset 0x%zx overflows 64 bits",
					    b->name, b->pos);
		v |= (uint64_t)(byte & 0x7f) << shift;
		shift += 7;
		if (!(byte & 0x80)) {
			if (is_signed && shift < 64 && (byte & 0x40))
				v |= ~(uint64_t)0 << shift;
			b->pos = i + 1;
			*ret = v;
			return NULL;
		}
	}
	return gsc_bad_data("%s: truncated LEB128 at offset 0x%zx", b->name, b->pos);
}

struct gsc_error *gsc_buf_uleb128(struct gsc_buf *b, uint64_t *ret)
{
	return leb128(b, false, ret);
}

struct gsc_error *gsc_buf_sleb128(struct gsc_buf *b, int64_t *ret)
{
	uint64_t v;
	struct gsc_error *err = leb128(b, true, &v);
	if (err)
		return err;
	*ret = (int64_t)v;
	return NULL;
}

const char *gsc_cstr_at(const uint8_t *data, size_t size, uint64_t off)
{
	if (!data || off >= size)
		return NULL;
	if (!memchr(data + off, 0, size - off))
		return NULL;
	return (const char *)data + off;
}

struct gsc_error *gsc_buf_cstr(struct gsc_buf *b, const char **ret)
{
	const char *s = gsc_cstr_at(b->data, b->size, b->pos);
	if (!s)
		return gsc_bad_data("%s: unterminated string at offset 0x%zx", b->name, b->pos);
	b->pos += strlen(s) + 1;
	*ret = s;
	return NULL;
}
