/* go_buildinfo.c - `.go.buildinfo`: Go version, module and build settings. */
#include "config.h"

#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "elf_file.h"
#include "go_buildinfo.h"

static const char magic[14] = "\xff Go buildinf:";
enum {
	HEADER_SIZE = 32,
	FLAG_BIG_ENDIAN = 1,
	FLAG_INLINE = 2,	/* Go 1.18+: strings follow the header */
	MAX_STRING = 1 << 24,	/* a version or module text larger than 16 MiB is corrupt */
	SENTINEL = 16,		/* runtime/debug's infoStart / infoEnd markers */
};

bool gsc_go_version_parse(const char *s, int *major, int *minor, int *patch)
{
	const char *p = strstr(s, "go1.");
	if (!p || (p != s && strncmp(s, "devel ", 6) != 0))
		return false;
	char *end;
	long mi = strtol(p + 4, &end, 10);
	if (end == p + 4 || mi < 0 || mi > 1000)
		return false;
	long pa = 0;
	if (*end == '.')
		pa = strtol(end + 1, NULL, 10);
	*major = 1;
	*minor = (int)mi;
	*patch = pa > 0 && pa < 1000 ? (int)pa : 0;
	return true;
}

void gsc_buildinfo_destroy(struct gsc_buildinfo *bi)
{
	if (!bi)
		return;
	for (size_t i = 0; i < bi->nsettings; i++) {
		free(bi->settings[i].key);
		free(bi->settings[i].value);
	}
	free(bi->settings);
	free(bi->go_version);
	free(bi->path);
	free(bi->main_module);
	free(bi->main_version);
	free(bi->modinfo);
	free(bi);
}

const char *gsc_buildinfo_setting(const struct gsc_buildinfo *bi, const char *key)
{
	for (size_t i = 0; i < bi->nsettings; i++)
		if (strcmp(bi->settings[i].key, key) == 0)
			return bi->settings[i].value;
	return NULL;
}

/*
 * Copies a Go string that may hold NULs: the module text ends in a 16-byte
 * sentinel containing a 0 byte; the module text loses its two sentinels here
 * (runtime/debug infoStart, infoEnd), as debug/buildinfo does.
 */
static struct gsc_error *copy_string(const uint8_t *p, size_t len, char **ret)
{
	size_t n = len;
	if (n >= 2 * SENTINEL + 1 && p[n - SENTINEL - 1] == '\n') {
		p += SENTINEL;
		n -= 2 * SENTINEL;
	}
	char *s = malloc(n + 1);
	if (!s)
		return &gsc_enomem;
	memcpy(s, p, n);
	s[n] = 0;
	if (strlen(s) != n) {
		free(s);
		return gsc_bad_data(".go.buildinfo: NUL byte inside a string");
	}
	*ret = s;
	return NULL;
}

static struct gsc_error *read_inline_string(struct gsc_buf *b, char **ret)
{
	uint64_t len;
	const uint8_t *p;
	struct gsc_error *err = gsc_buf_uleb128(b, &len);
	if (err)
		return err;
	if (len > MAX_STRING || len > gsc_buf_left(b))
		return gsc_bad_data("%s: string of %llu bytes at offset 0x%zx runs past the end",
				    b->name, (unsigned long long)len, b->pos);
	if ((err = gsc_buf_bytes(b, (size_t)len, &p)))
		return err;
	return copy_string(p, (size_t)len, ret);
}

/* Pre-1.18: a pointer to a Go string header {ptr, len} in the file. */
static struct gsc_error *read_pointer_string(struct gsc_elf *elf, uint64_t hdr_addr, unsigned ptrsize,
					     bool le, char **ret)
{
	const uint8_t *h, *p;
	if (!elf)
		return gsc_bad_data(".go.buildinfo: pointer form needs the executable");
	struct gsc_error *err = gsc_elf_vaddr_bytes(elf, hdr_addr, 2 * ptrsize, &h);
	if (err)
		return gsc_error_wrap(err, ".go.buildinfo: string header");
	uint64_t ptr = ptrsize == 8 ? gsc_load64(h, le) : gsc_load32(h, le);
	uint64_t len = ptrsize == 8 ? gsc_load64(h + 8, le) : gsc_load32(h + 4, le);
	if (len > MAX_STRING)
		return gsc_bad_data(".go.buildinfo: string length %llu is absurd", (unsigned long long)len);
	if ((err = gsc_elf_vaddr_bytes(elf, ptr, len, &p)))
		return gsc_error_wrap(err, ".go.buildinfo: string");
	return copy_string(p, (size_t)len, ret);
}

/* Go's strconv.Quote output, as `build` values use when they hold spaces. */
static char *unquote(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	if (n < 2 || s[0] != '"' || s[n - 1] != '"') {
		memcpy(out, s, n);
		out[n] = 0;
		return out;
	}
	for (size_t i = 1; i + 1 < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 2 < n) {
			c = s[++i];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		*o++ = c;
	}
	*o = 0;
	return out;
}

static struct gsc_error *add_setting(struct gsc_buildinfo *bi, const char *line, size_t n)
{
	const char *eq = memchr(line, '=', n);
	if (!eq)
		return NULL;	/* not a key=value: ignore, as debug/buildinfo would reject */
	struct gsc_build_setting *s = realloc(bi->settings, (bi->nsettings + 1) * sizeof(*s));
	if (!s)
		return &gsc_enomem;
	bi->settings = s;
	s = &bi->settings[bi->nsettings];
	s->key = strndup(line, (size_t)(eq - line));
	s->value = unquote(eq + 1, n - (size_t)(eq - line) - 1);
	if (!s->key || !s->value) {
		free(s->key);
		free(s->value);
		return &gsc_enomem;
	}
	bi->nsettings++;
	return NULL;
}

/* The n-th tab-separated field of a line, copied. */
static char *field(const char *line, size_t n, unsigned which)
{
	const char *p = line, *end = line + n;
	for (unsigned i = 0; i < which; i++) {
		const char *t = memchr(p, '\t', (size_t)(end - p));
		if (!t)
			return strdup("");
		p = t + 1;
	}
	const char *t = memchr(p, '\t', (size_t)(end - p));
	return strndup(p, (size_t)((t ? t : end) - p));
}

static struct gsc_error *parse_modinfo(struct gsc_buildinfo *bi)
{
	const char *p = bi->modinfo;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		struct gsc_error *err = NULL;
		if (n > 5 && strncmp(p, "path\t", 5) == 0 && !bi->path) {
			if (!(bi->path = field(p, n, 1)))
				err = &gsc_enomem;
		} else if (n > 4 && strncmp(p, "mod\t", 4) == 0 && !bi->main_module) {
			bi->main_module = field(p, n, 1);
			bi->main_version = field(p, n, 2);
			if (!bi->main_module || !bi->main_version)
				err = &gsc_enomem;
		} else if (n > 6 && strncmp(p, "build\t", 6) == 0) {
			err = add_setting(bi, p + 6, n - 6);
		}
		if (err)
			return err;
		p += n + (nl != NULL);
	}
	return NULL;
}

struct gsc_error *gsc_buildinfo_parse(const uint8_t *data, size_t size, struct gsc_elf *elf,
				      struct gsc_buildinfo **ret)
{
	if (size < HEADER_SIZE || memcmp(data, magic, sizeof(magic)) != 0)
		return gsc_bad_data(".go.buildinfo: no build info header");
	unsigned ptrsize = data[14];
	uint8_t flags = data[15];
	bool le = !(flags & FLAG_BIG_ENDIAN);
	if (ptrsize != 4 && ptrsize != 8)
		return gsc_bad_data(".go.buildinfo: pointer size %u", ptrsize);
	struct gsc_buildinfo *bi = calloc(1, sizeof(*bi));
	if (!bi)
		return &gsc_enomem;
	struct gsc_error *err;
	if (flags & FLAG_INLINE) {
		struct gsc_buf b;
		gsc_buf_init(&b, data, size, le, ".go.buildinfo");
		b.pos = HEADER_SIZE;
		err = read_inline_string(&b, &bi->go_version);
		if (!err)
			err = read_inline_string(&b, &bi->modinfo);
	} else {
		uint64_t v = ptrsize == 8 ? gsc_load64(data + 16, le) : gsc_load32(data + 16, le);
		uint64_t m = ptrsize == 8 ? gsc_load64(data + 24, le) : gsc_load32(data + 16 + ptrsize, le);
		err = read_pointer_string(elf, v, ptrsize, le, &bi->go_version);
		if (!err)
			err = read_pointer_string(elf, m, ptrsize, le, &bi->modinfo);
	}
	if (!err)
		err = parse_modinfo(bi);
	if (!err && !gsc_go_version_parse(bi->go_version, &bi->go_major, &bi->go_minor, &bi->go_patch))
		bi->go_major = bi->go_minor = bi->go_patch = 0;
	if (!err && (!*bi->go_version || strlen(bi->go_version) > 128))
		err = gsc_bad_data(".go.buildinfo: bad Go version string");
	if (err) {
		gsc_buildinfo_destroy(bi);
		return err;
	}
	*ret = bi;
	return NULL;
}

/*
 * Without sections debug/buildinfo searches the first writable, non-exec
 * PT_LOAD; in a PIE that is RELRO and the blob sits in the next one, so
 * search each such segment in turn.
 */
static struct gsc_error *find_blob(struct gsc_elf *elf, const uint8_t **data_ret, size_t *size_ret)
{
	const struct gsc_elf_section *s = gsc_elf_find_section(elf, ".go.buildinfo");
	if (s)
		return gsc_elf_section_data(elf, s, data_ret, size_ret);
	size_t image_size;
	const uint8_t *image = gsc_elf_image(elf, &image_size);
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(elf, i);
		if (p->type != PT_LOAD || (p->flags & (PF_W | PF_X)) != PF_W)
			continue;
		if (!gsc_in_bounds(p->offset, p->filesz, image_size))
			return gsc_bad_data("%s: segment past the end of the file", gsc_elf_path(elf));
		const uint8_t *seg = image + p->offset;
		for (uint64_t off = 0; off + HEADER_SIZE <= p->filesz; off += 16) {
			if (memcmp(seg + off, magic, sizeof(magic)) == 0) {
				*data_ret = seg + off;
				*size_ret = (size_t)(p->filesz - off);
				return NULL;
			}
		}
	}
	return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no Go build info (not a Go program?)",
				gsc_elf_path(elf));
}

struct gsc_error *gsc_buildinfo_read(struct gsc_elf *elf, struct gsc_buildinfo **ret)
{
	const uint8_t *data;
	size_t size;
	struct gsc_error *err = find_blob(elf, &data, &size);
	if (err)
		return err;
	err = gsc_buildinfo_parse(data, size, elf, ret);
	return gsc_error_wrap(err, "%s", gsc_elf_path(elf));
}
