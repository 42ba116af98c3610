/* binary.c - a Go executable: ELF + build info + pclntab + moduledata. */
#include "config.h"

#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "buf.h"
#include "cleanup.h"
#include "dwarf_info.h"
#include "go_buildinfo.h"
#include "go_moduledata.h"
#include "go_pclntab.h"

enum { PCHEADER_SIZE = 0x48 };

struct gsc_binary {
	struct gsc_elf *elf;
	struct gsc_buildinfo *bi;
	struct gsc_pclntab *pcln;
	uint64_t pcln_addr;
	const char *pcln_how;
	struct gsc_moduledata md;
	bool have_md;
	int go_minor;
	char *go_version;
	char *warning;
	struct gsc_dwarf *dwarf;
	bool dwarf_tried;
};

/* The pclntab's bytes: from its start to the end of its section or segment. */
struct located {
	const uint8_t *data;
	size_t size;
	uint64_t addr;
	const char *how;
};

static bool locate_by_section(struct gsc_binary *bin, struct located *ret)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct gsc_elf_section *s = gsc_elf_find_section(bin->elf, names[i]);
		const uint8_t *d;
		size_t n;
		if (!s)
			continue;
		struct gsc_error *err = gsc_elf_section_data(bin->elf, s, &d, &n);
		if (err) {
			gsc_error_destroy(err);
			continue;
		}
		*ret = (struct located){ d, n, s->addr, i == 0 ? "section .gopclntab" :
					 "section .data.rel.ro.gopclntab" };
		return true;
	}
	return false;
}

/* Bytes from addr to the end of the file-backed part of its PT_LOAD. */
static bool segment_tail(struct gsc_elf *elf, uint64_t addr, struct located *ret)
{
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(elf, i);
		if (p->type != PT_LOAD || addr < p->vaddr || addr - p->vaddr >= p->filesz)
			continue;
		const uint8_t *d;
		size_t n = (size_t)(p->filesz - (addr - p->vaddr));
		struct gsc_error *err = gsc_elf_vaddr_bytes(elf, addr, n, &d);
		if (err) {
			gsc_error_destroy(err);
			return false;
		}
		ret->data = d;
		ret->size = n;
		ret->addr = addr;
		return true;
	}
	return false;
}

static bool locate_by_symbol(struct gsc_binary *bin, struct located *ret)
{
	struct gsc_elf_symbol sym;
	if (!gsc_elf_has_symtab(bin->elf))
		return false;
	struct gsc_error *err = gsc_elf_symbol_lookup(bin->elf, "runtime.pcheader", &sym);
	if (err) {
		gsc_error_destroy(err);
		return false;
	}
	ret->how = "symbol runtime.pcheader";
	return segment_tail(bin->elf, sym.value, ret);
}

/* Stripped of sections too: scan every PT_LOAD for a valid header (§1.3). */
static bool locate_by_scan(struct gsc_binary *bin, struct located *ret)
{
	struct gsc_elf *elf = bin->elf;
	bool le = gsc_elf_little_endian(elf);
	size_t image_size;
	const uint8_t *image = gsc_elf_image(elf, &image_size);
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(elf, i);
		if (p->type != PT_LOAD || !gsc_in_bounds(p->offset, p->filesz, image_size))
			continue;
		const uint8_t *seg = image + p->offset;
		uint64_t start = (8 - (p->vaddr & 7)) & 7;
		for (uint64_t off = start; off + PCHEADER_SIZE <= p->filesz; off += 8) {
			uint32_t m = gsc_load32(seg + off, le);
			if (m != GSC_PCLNTAB_MAGIC_GO118 && m != GSC_PCLNTAB_MAGIC_GO120)
				continue;
			if (!gsc_pclntab_looks_valid(seg + off, (size_t)(p->filesz - off), le))
				continue;
			*ret = (struct located){ seg + off, (size_t)(p->filesz - off),
						 p->vaddr + off, "scan" };
			return true;
		}
	}
	return false;
}

static struct gsc_error *check_arch(struct gsc_binary *bin)
{
	struct gsc_elf *elf = bin->elf;
	uint16_t type = gsc_elf_type(elf);
	if (type == ET_CORE)
		return gsc_error_create(GSC_ERR_INVALID_ARG,
			"%s: is a core file; give the executable it came from", gsc_elf_path(elf));
	if (type != ET_EXEC && type != ET_DYN)
		return gsc_error_create(GSC_ERR_INVALID_ARG, "%s: not an executable (ELF type %u)",
					gsc_elf_path(elf), type);
	if (gsc_elf_arch(elf) == GSC_ARCH_UNKNOWN)
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
			"%s: unsupported architecture (ELF machine %u, %d-bit); goscope reads amd64 and arm64",
			gsc_elf_path(elf), gsc_elf_machine(elf), gsc_elf_is_64(elf) ? 64 : 32);
	return NULL;
}

/* Version from build info; the caller falls back to the pclntab magic. */
static struct gsc_error *read_version(struct gsc_binary *bin)
{
	struct gsc_error *err = gsc_buildinfo_read(bin->elf, &bin->bi);
	if (err && err->code != GSC_ERR_NOT_FOUND)
		return err;
	gsc_error_destroy(err);
	if (!bin->bi)
		return NULL;
	bin->go_minor = bin->bi->go_minor;
	if (!(bin->go_version = strdup(bin->bi->go_version)))
		return &gsc_enomem;
	if (bin->bi->go_major == 1 && bin->go_minor && bin->go_minor < GSC_GO_MIN_MINOR)
		return gsc_error_create(GSC_ERR_UNSUPPORTED,
			"%s: built with %s; goscope reads Go 1.%d to 1.%d", gsc_elf_path(bin->elf),
			bin->go_version, GSC_GO_MIN_MINOR, GSC_GO_MAX_MINOR);
	if (bin->go_minor > GSC_GO_MAX_MINOR || bin->go_minor == 0) {
		if (asprintf(&bin->warning, "%s is newer than the newest release checked (go1.%d); "
			     "reading it with go1.%d's tables", bin->go_version, GSC_GO_MAX_MINOR,
			     GSC_GO_MAX_MINOR) < 0)
			return &gsc_enomem;
		bin->go_minor = GSC_GO_MAX_MINOR;
	}
	return NULL;
}

static struct gsc_error *pcln_read_mem(void *arg, uint64_t addr, void *buf, size_t size)
{
	return gsc_binary_read(arg, addr, buf, size);
}

/* Text start when moduledata is missing: runtime.text, else .text. */
static uint64_t fallback_text_start(struct gsc_binary *bin)
{
	struct gsc_elf_symbol sym;
	if (gsc_elf_has_symtab(bin->elf)) {
		struct gsc_error *err = gsc_elf_symbol_lookup(bin->elf, "runtime.text", &sym);
		if (!err)
			return sym.value;
		gsc_error_destroy(err);
	}
	const struct gsc_elf_section *s = gsc_elf_find_section(bin->elf, ".text");
	return s ? s->addr : 0;
}

static struct gsc_error *open_pclntab(struct gsc_binary *bin)
{
	struct located loc = { 0 };
	if (!locate_by_section(bin, &loc) && !locate_by_symbol(bin, &loc) &&
	    !locate_by_scan(bin, &loc))
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no Go pclntab: not a Go program",
					gsc_elf_path(bin->elf));
	if (loc.size < PCHEADER_SIZE)
		return gsc_bad_data("%s: pclntab truncated", gsc_elf_path(bin->elf));
	bin->pcln_addr = loc.addr;
	bin->pcln_how = loc.how;
	bool le = gsc_elf_little_endian(bin->elf);
	if (!bin->go_minor)	/* no build info: only the magic tells */
		bin->go_minor = gsc_load32(loc.data, le) == GSC_PCLNTAB_MAGIC_GO118 ? 19 : 0;
	struct gsc_error *err = gsc_moduledata_find(bin->elf, loc.addr, loc.data, loc.size,
						    bin->go_minor, &bin->md);
	if (!err)
		bin->have_md = true;
	else if (err->code == GSC_ERR_NOT_FOUND || err->code == GSC_ERR_BAD_DATA || err->code == GSC_ERR_FAULT)
		gsc_error_destroy(err);
	else
		return err;
	struct gsc_pclntab_config cfg = {
		.data = loc.data, .size = loc.size, .addr = loc.addr, .little_endian = le,
		.text_start = bin->have_md ? bin->md.text : 0,
		.gofunc = bin->have_md ? bin->md.gofunc : 0,
		.go_minor = bin->go_minor,
		.read_mem = pcln_read_mem, .read_mem_arg = bin,
	};
	err = gsc_pclntab_open(&cfg, &bin->pcln);
	if (err && !bin->have_md && err->code == GSC_ERR_BAD_DATA &&
	    (cfg.text_start = fallback_text_start(bin))) {
		/* Go 1.26+ stores no text start in the header: try .text. */
		gsc_error_destroy(err);
		err = gsc_pclntab_open(&cfg, &bin->pcln);
	}
	return gsc_error_wrap(err, "%s", gsc_elf_path(bin->elf));
}

struct gsc_error *gsc_binary_open_elf(struct gsc_elf *elf, struct gsc_binary **ret)
{
	struct gsc_binary *bin = calloc(1, sizeof(*bin));
	if (!bin) {
		gsc_elf_destroy(elf);
		return &gsc_enomem;
	}
	bin->elf = elf;
	struct gsc_error *err = check_arch(bin);
	if (!err)
		err = read_version(bin);
	if (!err)
		err = open_pclntab(bin);
	if (!err && !bin->go_version) {
		const char *v = bin->go_minor == 19 ? "go1.19 or older" : "go1.20 or newer";
		if (!(bin->go_version = strdup(v)))
			err = &gsc_enomem;
	}
	if (err) {
		gsc_binary_destroy(bin);
		return err;
	}
	*ret = bin;
	return NULL;
}

struct gsc_error *gsc_binary_open(const char *path, struct gsc_binary **ret)
{
	struct gsc_elf *elf;
	struct gsc_error *err = gsc_elf_open(path, &elf);
	if (err)
		return err;
	return gsc_binary_open_elf(elf, ret);
}

void gsc_binary_destroy(struct gsc_binary *bin)
{
	if (!bin)
		return;
	gsc_dwarf_destroy(bin->dwarf);
	gsc_pclntab_destroy(bin->pcln);
	gsc_buildinfo_destroy(bin->bi);
	gsc_elf_destroy(bin->elf);
	free(bin->go_version);
	free(bin->warning);
	free(bin);
}

struct gsc_elf *gsc_binary_elf(const struct gsc_binary *bin) { return bin->elf; }
enum gsc_arch gsc_binary_arch(const struct gsc_binary *bin) { return gsc_elf_arch(bin->elf); }
const struct gsc_buildinfo *gsc_binary_buildinfo(const struct gsc_binary *bin) { return bin->bi; }
const char *gsc_binary_go_version(const struct gsc_binary *bin) { return bin->go_version; }
int gsc_binary_go_minor(const struct gsc_binary *bin) { return bin->go_minor; }
struct gsc_pclntab *gsc_binary_pclntab(const struct gsc_binary *bin) { return bin->pcln; }
uint64_t gsc_binary_pclntab_addr(const struct gsc_binary *bin) { return bin->pcln_addr; }
const char *gsc_binary_pclntab_how(const struct gsc_binary *bin) { return bin->pcln_how; }
const char *gsc_binary_warning(const struct gsc_binary *bin) { return bin->warning; }
bool gsc_binary_stripped(const struct gsc_binary *bin) { return !gsc_elf_has_symtab(bin->elf); }

const struct gsc_moduledata *gsc_binary_moduledata(const struct gsc_binary *bin)
{
	return bin->have_md ? &bin->md : NULL;
}

struct gsc_error *gsc_binary_read(const struct gsc_binary *bin, uint64_t addr, void *buf,
				  size_t size)
{
	const uint8_t *p;
	struct gsc_error *err = gsc_elf_vaddr_bytes(bin->elf, addr, size, &p);
	if (err)
		return err;
	memcpy(buf, p, size);
	return NULL;
}

struct gsc_error *gsc_binary_dwarf(struct gsc_binary *bin, struct gsc_dwarf **ret)
{
	if (!bin->dwarf_tried) {
		bin->dwarf_tried = true;
		struct gsc_error *err = gsc_dwarf_create(bin->elf, &bin->dwarf);
		if (err)
			return err;
		if (!gsc_dwarf_present(bin->dwarf)) {
			gsc_dwarf_destroy(bin->dwarf);
			bin->dwarf = NULL;
		}
	}
	if (!bin->dwarf)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no DWARF", gsc_elf_path(bin->elf));
	*ret = bin->dwarf;
	return NULL;
}
