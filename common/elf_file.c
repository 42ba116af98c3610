/* elf_file.c - ELF files through libelf over one read-only mapping. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "cleanup.h"
#include "elf_file.h"

#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif
#ifndef SHF_COMPRESSED
#define SHF_COMPRESSED (1 << 11)
#endif

/* zlib cannot do better than about 1032:1; anything claiming more is hostile. */
enum { MAX_INFLATE_RATIO = 1100 };

struct gsc_elf {
	char *path;
	Elf *elf;
	uint8_t *image;
	size_t image_size;
	bool mapped;		/* image is our mmap, unmapped at destroy */
	GElf_Ehdr ehdr;
	bool little_endian;
	struct gsc_elf_section *sections;
	size_t nsections;
	uint8_t **inflated;	/* per section: inflated contents, or NULL */
	size_t *inflated_size;
	struct gsc_elf_segment *segments;
	size_t nsegments;
	struct gsc_elf_symbol *symbols;	/* sorted by name once loaded */
	size_t nsymbols;
	bool symbols_loaded;
	bool has_symtab;
};

const char *gsc_arch_name(enum gsc_arch arch)
{
	switch (arch) {
	case GSC_ARCH_AMD64: return "amd64";
	case GSC_ARCH_ARM64: return "arm64";
	default: return "unknown";
	}
}

static struct gsc_error *read_sections(struct gsc_elf *e)
{
	size_t shnum, shstrndx;
	if (elf_getshdrnum(e->elf, &shnum) || elf_getshdrstrndx(e->elf, &shstrndx)) {
		/* A file with no usable section table: segments still work. */
		return NULL;
	}
	if (shnum == 0)
		return NULL;
	e->sections = calloc(shnum, sizeof(*e->sections));
	e->inflated = calloc(shnum, sizeof(*e->inflated));
	e->inflated_size = calloc(shnum, sizeof(*e->inflated_size));
	if (!e->sections || !e->inflated || !e->inflated_size)
		return &gsc_enomem;
	for (Elf_Scn *scn = elf_nextscn(e->elf, NULL); scn; scn = elf_nextscn(e->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || e->nsections >= shnum)
			continue;
		struct gsc_elf_section *s = &e->sections[e->nsections++];
		const char *name = elf_strptr(e->elf, shstrndx, sh.sh_name);
		s->name = name ? name : "";
		s->index = (uint32_t)elf_ndxscn(scn);
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->addr = sh.sh_addr;
		s->offset = sh.sh_offset;
		s->size = sh.sh_size;
	}
	return NULL;
}

static struct gsc_error *read_segments(struct gsc_elf *e)
{
	size_t phnum;
	if (elf_getphdrnum(e->elf, &phnum) || phnum == 0)
		return NULL;
	e->segments = calloc(phnum, sizeof(*e->segments));
	if (!e->segments)
		return &gsc_enomem;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e->elf, (int)i, &ph))
			continue;
		e->segments[e->nsegments++] = (struct gsc_elf_segment){
			.type = ph.p_type, .flags = ph.p_flags, .offset = ph.p_offset,
			.vaddr = ph.p_vaddr, .filesz = ph.p_filesz, .memsz = ph.p_memsz,
			.align = ph.p_align,
		};
	}
	return NULL;
}

static struct gsc_error *open_image(struct gsc_elf *e)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return gsc_error_libelf("libelf initialisation");
	if (e->image_size < EI_NIDENT || memcmp(e->image, ELFMAG, SELFMAG) != 0)
		return gsc_bad_data("%s: not an ELF file", e->path);
	e->elf = elf_memory((char *)e->image, e->image_size);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF)
		return gsc_error_wrap(gsc_error_libelf("elf_memory"), "%s", e->path);
	if (!gelf_getehdr(e->elf, &e->ehdr))
		return gsc_error_wrap(gsc_error_libelf("bad ELF header"), "%s", e->path);
	e->little_endian = e->ehdr.e_ident[EI_DATA] == ELFDATA2LSB;
	struct gsc_error *err = read_sections(e);
	if (!err)
		err = read_segments(e);
	return err;
}

static struct gsc_error *elf_create(const char *name, struct gsc_elf **ret)
{
	struct gsc_elf *e = calloc(1, sizeof(*e));
	if (!e)
		return &gsc_enomem;
	e->path = strdup(name ? name : "(memory)");
	if (!e->path) {
		free(e);
		return &gsc_enomem;
	}
	*ret = e;
	return NULL;
}

struct gsc_error *gsc_elf_open(const char *path, struct gsc_elf **ret)
{
	struct gsc_elf *e = NULL;
	struct gsc_error *err = elf_create(path, &e);
	if (err)
		return err;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = gsc_error_errno(errno, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = gsc_error_create(GSC_ERR_INVALID_ARG, "%s: not a regular file", path);
		goto out;
	}
	e->image_size = (size_t)st.st_size;
	if (e->image_size == 0) {
		err = gsc_bad_data("%s: empty file", path);
		goto out;
	}
	/* Private and writable so libelf may never fault on it; pages stay shared until written. */
	void *p = mmap(NULL, e->image_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		err = gsc_error_errno(errno, "mmap %s", path);
		goto out;
	}
	e->image = p;
	e->mapped = true;
	err = open_image(e);
out:
	if (fd >= 0)
		close(fd);
	if (err) {
		gsc_elf_destroy(e);
		return err;
	}
	*ret = e;
	return NULL;
}

struct gsc_error *gsc_elf_open_memory(const void *data, size_t size, const char *name,
				      struct gsc_elf **ret)
{
	struct gsc_elf *e = NULL;
	struct gsc_error *err = elf_create(name, &e);
	if (err)
		return err;
	e->image = (uint8_t *)data;
	e->image_size = data ? size : 0;
	err = e->image_size ? open_image(e) : gsc_bad_data("%s: empty file", e->path);
	if (err) {
		gsc_elf_destroy(e);
		return err;
	}
	*ret = e;
	return NULL;
}

void gsc_elf_destroy(struct gsc_elf *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->mapped)
		munmap(e->image, e->image_size);
	for (size_t i = 0; e->inflated && i < e->nsections; i++)
		free(e->inflated[i]);
	free(e->inflated);
	free(e->inflated_size);
	free(e->sections);
	free(e->segments);
	free(e->symbols);
	free(e->path);
	free(e);
}

const char *gsc_elf_path(const struct gsc_elf *e) { return e->path; }
uint16_t gsc_elf_machine(const struct gsc_elf *e) { return e->ehdr.e_machine; }
uint16_t gsc_elf_type(const struct gsc_elf *e) { return e->ehdr.e_type; }
bool gsc_elf_little_endian(const struct gsc_elf *e) { return e->little_endian; }
bool gsc_elf_is_64(const struct gsc_elf *e) { return e->ehdr.e_ident[EI_CLASS] == ELFCLASS64; }
uint64_t gsc_elf_entry(const struct gsc_elf *e) { return e->ehdr.e_entry; }
bool gsc_elf_has_symtab(const struct gsc_elf *e)
{
	for (size_t i = 0; i < e->nsections; i++)
		if (e->sections[i].type == SHT_SYMTAB)
			return true;
	return false;
}

enum gsc_arch gsc_elf_arch(const struct gsc_elf *e)
{
	if (!gsc_elf_is_64(e))
		return GSC_ARCH_UNKNOWN;
	switch (e->ehdr.e_machine) {
	case EM_X86_64: return GSC_ARCH_AMD64;
	case EM_AARCH64: return GSC_ARCH_ARM64;
	default: return GSC_ARCH_UNKNOWN;
	}
}

bool gsc_elf_is_pie(const struct gsc_elf *e)
{
	if (e->ehdr.e_type != ET_DYN || e->ehdr.e_entry == 0)
		return false;
	for (size_t i = 0; i < e->nsegments; i++)
		if (e->segments[i].type == PT_INTERP || e->segments[i].type == PT_DYNAMIC)
			return true;
	return false;
}

const uint8_t *gsc_elf_image(const struct gsc_elf *e, size_t *size_ret)
{
	*size_ret = e->image_size;
	return e->image;
}

size_t gsc_elf_num_sections(const struct gsc_elf *e) { return e->nsections; }
const struct gsc_elf_section *gsc_elf_section(const struct gsc_elf *e, size_t i)
{
	return i < e->nsections ? &e->sections[i] : NULL;
}
size_t gsc_elf_num_segments(const struct gsc_elf *e) { return e->nsegments; }
const struct gsc_elf_segment *gsc_elf_segment(const struct gsc_elf *e, size_t i)
{
	return i < e->nsegments ? &e->segments[i] : NULL;
}

const struct gsc_elf_section *gsc_elf_find_section(const struct gsc_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsections; i++)
		if (strcmp(e->sections[i].name, name) == 0)
			return &e->sections[i];
	return NULL;
}

const struct gsc_elf_section *gsc_elf_find_debug_section(const struct gsc_elf *e,
							const char *name)
{
	const struct gsc_elf_section *s = gsc_elf_find_section(e, name);
	if (s || strncmp(name, ".debug_", 7) != 0)
		return s;
	char z[64];
	if ((size_t)snprintf(z, sizeof(z), ".zdebug_%s", name + 7) >= sizeof(z))
		return NULL;
	return gsc_elf_find_section(e, z);
}

bool gsc_elf_section_compressed(const struct gsc_elf_section *s)
{
	return (s->flags & SHF_COMPRESSED) || strncmp(s->name, ".zdebug", 7) == 0;
}

static struct gsc_error *inflate_bytes(const struct gsc_elf_section *s, const uint8_t *in,
				       size_t in_size, uint64_t out_size, uint8_t **ret)
{
	if (out_size / MAX_INFLATE_RATIO > in_size || out_size > (uint64_t)1 << 34)
		return gsc_bad_data("section %s: claims %" PRIu64 " bytes from %zu compressed",
				    s->name, out_size, in_size);
	uint8_t *out = malloc(out_size ? out_size : 1);
	if (!out)
		return &gsc_enomem;
	uLongf len = (uLongf)out_size;
	int z = uncompress(out, &len, in, (uLong)in_size);
	if (z != Z_OK || len != out_size) {
		free(out);
		return gsc_bad_data("section %s: corrupt compressed data (zlib %d)", s->name, z);
	}
	*ret = out;
	return NULL;
}

static struct gsc_error *inflate_section(struct gsc_elf *e, const struct gsc_elf_section *s,
					 const uint8_t *raw, size_t size)
{
	uint64_t out_size;
	size_t hdr;
	if (s->flags & SHF_COMPRESSED) {
		bool is64 = gsc_elf_is_64(e);
		hdr = is64 ? 24 : 12;
		if (size < hdr)
			return gsc_bad_data("section %s: truncated compression header", s->name);
		uint32_t type = gsc_load32(raw, e->little_endian);
		if (type != ELFCOMPRESS_ZLIB)
			return gsc_error_create(GSC_ERR_UNSUPPORTED,
				"section %s: compression type %u is not zlib", s->name, type);
		out_size = is64 ? gsc_load64(raw + 8, e->little_endian)
				: gsc_load32(raw + 4, e->little_endian);
	} else {
		/* Legacy .zdebug: "ZLIB" then the size as a big-endian u64. */
		hdr = 12;
		if (size < hdr || memcmp(raw, "ZLIB", 4) != 0)
			return gsc_bad_data("section %s: bad ZLIB header", s->name);
		out_size = gsc_load64(raw + 4, false);
	}
	size_t i = (size_t)(s - e->sections);
	struct gsc_error *err = inflate_bytes(s, raw + hdr, size - hdr, out_size, &e->inflated[i]);
	if (err)
		return err;
	e->inflated_size[i] = (size_t)out_size;
	return NULL;
}

/* Inflates just the first out_size bytes of a zlib stream. */
static struct gsc_error *inflate_prefix(const struct gsc_elf_section *s, const uint8_t *in,
					size_t in_size, void *out, size_t out_size)
{
	z_stream z = { .next_in = (Bytef *)in, .avail_in = (uInt)(in_size > UINT32_MAX ? UINT32_MAX : in_size),
		       .next_out = out, .avail_out = (uInt)out_size };
	if (inflateInit(&z) != Z_OK)
		return &gsc_enomem;
	int rc = inflate(&z, Z_SYNC_FLUSH);
	size_t got = out_size - z.avail_out;
	inflateEnd(&z);
	if ((rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) || got < out_size)
		return gsc_bad_data("section %s: cannot inflate its first %zu bytes (zlib %d)",
				    s->name, out_size, rc);
	return NULL;
}

struct gsc_error *gsc_elf_section_peek(struct gsc_elf *e, const struct gsc_elf_section *s,
				       void *buf, size_t size)
{
	size_t i = (size_t)(s - e->sections);
	if (!gsc_elf_section_compressed(s) || e->inflated[i]) {
		const uint8_t *d;
		size_t n;
		struct gsc_error *err = gsc_elf_section_data(e, s, &d, &n);
		if (err)
			return err;
		if (n < size)
			return gsc_bad_data("%s: section %s is shorter than %zu bytes", e->path,
					    s->name, size);
		memcpy(buf, d, size);
		return NULL;
	}
	if (!gsc_in_bounds(s->offset, s->size, e->image_size))
		return gsc_bad_data("%s: section %s is outside the file", e->path, s->name);
	const uint8_t *raw = e->image + s->offset;
	size_t hdr = (s->flags & SHF_COMPRESSED) ? (gsc_elf_is_64(e) ? 24 : 12) : 12;
	if (s->size < hdr)
		return gsc_bad_data("%s: section %s: truncated compression header", e->path, s->name);
	return gsc_error_wrap(inflate_prefix(s, raw + hdr, (size_t)s->size - hdr, buf, size),
			      "%s", e->path);
}

struct gsc_error *gsc_elf_section_data(struct gsc_elf *e, const struct gsc_elf_section *s,
				       const uint8_t **data_ret, size_t *size_ret)
{
	if (s->type == SHT_NOBITS) {
		*data_ret = NULL;
		*size_ret = 0;
		return NULL;
	}
	if (!gsc_in_bounds(s->offset, s->size, e->image_size))
		return gsc_bad_data("%s: section %s (offset 0x%" PRIx64 ", size 0x%" PRIx64
				    ") is outside the file (size 0x%zx)", e->path, s->name,
				    s->offset, s->size, e->image_size);
	const uint8_t *raw = e->image + s->offset;
	if (!gsc_elf_section_compressed(s)) {
		*data_ret = raw;
		*size_ret = (size_t)s->size;
		return NULL;
	}
	size_t i = (size_t)(s - e->sections);
	if (!e->inflated[i]) {
		struct gsc_error *err = inflate_section(e, s, raw, (size_t)s->size);
		if (err)
			return gsc_error_wrap(err, "%s", e->path);
	}
	*data_ret = e->inflated[i];
	*size_ret = e->inflated_size[i];
	return NULL;
}

struct gsc_error *gsc_elf_vaddr_bytes(const struct gsc_elf *e, uint64_t vaddr, uint64_t size,
				      const uint8_t **ret)
{
	for (size_t i = 0; i < e->nsegments; i++) {
		const struct gsc_elf_segment *p = &e->segments[i];
		if (p->type != PT_LOAD || vaddr < p->vaddr)
			continue;
		uint64_t off = vaddr - p->vaddr;
		if (!gsc_in_bounds(off, size, p->filesz))
			continue;
		if (!gsc_in_bounds(p->offset + off, size, e->image_size))
			break;
		*ret = e->image + p->offset + off;
		return NULL;
	}
	if (e->nsegments == 0) {
		for (size_t i = 0; i < e->nsections; i++) {
			const struct gsc_elf_section *s = &e->sections[i];
			if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOBITS || vaddr < s->addr)
				continue;
			uint64_t off = vaddr - s->addr;
			if (gsc_in_bounds(off, size, s->size) &&
			    gsc_in_bounds(s->offset + off, size, e->image_size)) {
				*ret = e->image + s->offset + off;
				return NULL;
			}
		}
	}
	return gsc_error_fault(vaddr, size);
}

static int symbol_cmp(const void *a, const void *b)
{
	const struct gsc_elf_symbol *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	/* Defined before undefined, then by address: lookups find the definition. */
	if ((x->shndx == SHN_UNDEF) != (y->shndx == SHN_UNDEF))
		return x->shndx == SHN_UNDEF ? 1 : -1;
	return x->value < y->value ? -1 : x->value > y->value;
}

static struct gsc_error *load_symbols(struct gsc_elf *e)
{
	Elf_Scn *scn = NULL;
	for (int pass = 0; pass < 2 && !scn; pass++) {
		uint32_t want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
		for (size_t i = 0; i < e->nsections; i++) {
			if (e->sections[i].type == want) {
				scn = elf_getscn(e->elf, e->sections[i].index);
				e->has_symtab = pass == 0;
				break;
			}
		}
	}
	e->symbols_loaded = true;
	if (!scn)
		return NULL;
	GElf_Shdr sh;
	Elf_Data *data = gelf_getshdr(scn, &sh) ? elf_getdata(scn, NULL) : NULL;
	if (!data || sh.sh_entsize == 0)
		return gsc_error_wrap(gsc_error_libelf("symbol table"), "%s", e->path);
	size_t n = data->d_size / gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT);
	e->symbols = calloc(n ? n : 1, sizeof(*e->symbols));
	if (!e->symbols)
		return &gsc_enomem;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		const char *name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		e->symbols[e->nsymbols++] = (struct gsc_elf_symbol){
			.name = name, .value = sym.st_value, .size = sym.st_size,
			.type = GELF_ST_TYPE(sym.st_info), .bind = GELF_ST_BIND(sym.st_info),
			.shndx = sym.st_shndx,
		};
	}
	qsort(e->symbols, e->nsymbols, sizeof(*e->symbols), symbol_cmp);
	return NULL;
}

struct gsc_error *gsc_elf_symbols(struct gsc_elf *e, const struct gsc_elf_symbol **syms_ret,
				  size_t *count_ret)
{
	if (!e->symbols_loaded) {
		struct gsc_error *err = load_symbols(e);
		if (err)
			return err;
	}
	*syms_ret = e->symbols;
	*count_ret = e->nsymbols;
	return NULL;
}

struct gsc_error *gsc_elf_symbol_lookup(struct gsc_elf *e, const char *name,
					struct gsc_elf_symbol *ret)
{
	const struct gsc_elf_symbol *syms;
	size_t n;
	struct gsc_error *err = gsc_elf_symbols(e, &syms, &n);
	if (err)
		return err;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(syms[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || strcmp(syms[lo].name, name) != 0)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no symbol %s", e->path, name);
	*ret = syms[lo];
	return NULL;
}

struct gsc_error *gsc_elf_walk_notes(const uint8_t *data, size_t size, bool le,
				     gsc_elf_note_fn *fn, void *arg)
{
	size_t off = 0;
	while (off < size) {
		if (size - off < 12)
			return gsc_bad_data("truncated note header at offset 0x%zx", off);
		uint32_t namesz = gsc_load32(data + off, le);
		uint32_t descsz = gsc_load32(data + off + 4, le);
		uint32_t type = gsc_load32(data + off + 8, le);
		uint64_t name_off = off + 12;
		uint64_t desc_off = name_off + (((uint64_t)namesz + 3) & ~(uint64_t)3);
		uint64_t next = desc_off + (((uint64_t)descsz + 3) & ~(uint64_t)3);
		if (!gsc_in_bounds(name_off, namesz, size) || !gsc_in_bounds(desc_off, descsz, size))
			return gsc_bad_data("note at offset 0x%zx runs past its section", off);
		const char *owner = namesz && data[name_off + namesz - 1] == 0 ?
				    (const char *)data + name_off : "";
		struct gsc_elf_note note = {
			.owner = owner, .type = type, .desc = data + desc_off, .desc_size = descsz,
		};
		struct gsc_error *err = fn(&note, arg);
		if (err)
			return err;
		if (next > size)
			break;
		off = (size_t)next;
	}
	return NULL;
}

struct build_id_ctx {
	const uint8_t *desc;
	size_t size;
};

static struct gsc_error *build_id_note(const struct gsc_elf_note *n, void *arg)
{
	struct build_id_ctx *ctx = arg;
	if (!ctx->desc && n->type == NT_GNU_BUILD_ID && strcmp(n->owner, "GNU") == 0) {
		ctx->desc = n->desc;
		ctx->size = n->desc_size;
	}
	return NULL;
}

struct gsc_error *gsc_elf_build_id(const struct gsc_elf *e, const uint8_t **ret, size_t *len_ret)
{
	struct build_id_ctx ctx = { 0 };
	for (size_t i = 0; i < e->nsections && !ctx.desc; i++) {
		const struct gsc_elf_section *s = &e->sections[i];
		if (s->type != SHT_NOTE || !gsc_in_bounds(s->offset, s->size, e->image_size))
			continue;
		struct gsc_error *err = gsc_elf_walk_notes(e->image + s->offset, (size_t)s->size,
							   e->little_endian, build_id_note, &ctx);
		gsc_error_destroy(err);	/* a bad note section: try the next */
	}
	for (size_t i = 0; i < e->nsegments && !ctx.desc; i++) {
		const struct gsc_elf_segment *p = &e->segments[i];
		if (p->type != PT_NOTE || !gsc_in_bounds(p->offset, p->filesz, e->image_size))
			continue;
		struct gsc_error *err = gsc_elf_walk_notes(e->image + p->offset, (size_t)p->filesz,
							   e->little_endian, build_id_note, &ctx);
		gsc_error_destroy(err);
	}
	if (!ctx.desc)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no build id", e->path);
	*ret = ctx.desc;
	*len_ret = ctx.size;
	return NULL;
}
