/* go_moduledata.c - find and decode runtime.firstmoduledata. */
#include "config.h"

#include <gelf.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "elf_file.h"
#include "go_moduledata.h"

enum {
	HEAD_SIZE = 0x100,	/* same layout 1.18-1.27 */
	PCHEADER_SIZE = 0x48,
	MIN_GO_MINOR = 19,
	MAX_GO_MINOR = 27,
	TAIL_READ = 0x30,	/* bytes past the head we may read: up to gofunc */
};

/* Offsets of fields after the common head, per Go minor (go-runtime.md §2.1). */
struct tail_layout {
	uint16_t types, etypes, rodata, gofunc, textsectmap;
};

static const struct tail_layout tails[MAX_GO_MINOR - MIN_GO_MINOR + 1] = {
	[19 - MIN_GO_MINOR] = { 0x118, 0x120, 0x128, 0x130, 0x138 },
	[20 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x148 },
	[21 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x148 },
	[22 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x148 },
	[23 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x148 },
	[24 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x148 },
	[25 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x148 },
	[26 - MIN_GO_MINOR] = { 0x128, 0x130, 0x138, 0x140, 0x150 },
	[27 - MIN_GO_MINOR] = { 0x128, 0x138, 0x150, 0x158, 0x168 },
};

struct gsc_error *gsc_moduledata_decode(const uint8_t *b, size_t size, bool le, int go_minor,
					struct gsc_moduledata *ret)
{
	if (size < HEAD_SIZE)
		return gsc_bad_data("moduledata: truncated (%zu bytes)", size);
	struct gsc_moduledata md = { 0 };
#define W(off) gsc_load64(b + (off), le)
	md.pcheader = W(0x00);
	md.minpc = W(0xa0);
	md.maxpc = W(0xa8);
	md.text = W(0xb0);
	md.etext = W(0xb8);
	md.noptrdata = W(0xc0);
	md.enoptrdata = W(0xc8);
	md.data = W(0xd0);
	md.edata = W(0xd8);
	md.bss = W(0xe0);
	md.ebss = W(0xe8);
	md.noptrbss = W(0xf0);
	md.enoptrbss = W(0xf8);
	if (go_minor >= MIN_GO_MINOR && go_minor <= MAX_GO_MINOR) {
		const struct tail_layout *t = &tails[go_minor - MIN_GO_MINOR];
		if (size >= (size_t)t->textsectmap + 16) {
			md.types = W(t->types);
			md.etypes = W(t->etypes);
			md.rodata = W(t->rodata);
			md.gofunc = W(t->gofunc);
			md.textsectmap = W(t->textsectmap);
			md.ntextsect = W(t->textsectmap + 8);
		}
	}
#undef W
	if (md.text > md.etext || md.minpc > md.maxpc || md.minpc < md.text)
		return gsc_bad_data("moduledata: inconsistent text range [0x%llx, 0x%llx), pcs [0x%llx, 0x%llx)",
				    (unsigned long long)md.text, (unsigned long long)md.etext,
				    (unsigned long long)md.minpc, (unsigned long long)md.maxpc);
	*ret = md;
	return NULL;
}

/* Does the head at b point at the slices of this pcHeader? (§2.2) */
static bool matches(const uint8_t *b, bool le, uint64_t pcln, const uint8_t *hdr)
{
	static const struct { uint16_t md_off, hdr_off; } slices[] = {
		{ 0x08, 0x20 }, { 0x20, 0x28 }, { 0x38, 0x30 }, { 0x50, 0x38 }, { 0x68, 0x40 },
	};
	if (gsc_load64(b, le) != pcln)
		return false;
	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		if (gsc_load64(b + slices[i].md_off, le) != pcln + gsc_load64(hdr + slices[i].hdr_off, le))
			return false;
	uint64_t nfunc = gsc_load64(hdr + 8, le);
	return gsc_load64(b + 0x88, le) == nfunc + 1;	/* ftab.len */
}

static struct gsc_error *try_at(struct gsc_elf *elf, uint64_t addr, uint64_t pcln,
				const uint8_t *hdr, int go_minor, const char *how,
				struct gsc_moduledata *ret)
{
	const uint8_t *b;
	bool le = gsc_elf_little_endian(elf);
	struct gsc_error *err = gsc_elf_vaddr_bytes(elf, addr, HEAD_SIZE + TAIL_READ + 0x70, &b);
	size_t avail = HEAD_SIZE + TAIL_READ + 0x70;
	if (err) {
		gsc_error_destroy(err);
		if ((err = gsc_elf_vaddr_bytes(elf, addr, HEAD_SIZE, &b)))
			return err;
		avail = HEAD_SIZE;
	}
	if (!matches(b, le, pcln, hdr))
		return gsc_bad_data("moduledata at 0x%llx does not describe the pclntab at 0x%llx",
				    (unsigned long long)addr, (unsigned long long)pcln);
	if ((err = gsc_moduledata_decode(b, avail, le, go_minor, ret)))
		return err;
	ret->addr = addr;
	ret->how = how;
	return NULL;
}

/* Scan writable file-backed PT_LOADs for an aligned pointer to the pcHeader. */
static struct gsc_error *scan(struct gsc_elf *elf, uint64_t pcln, const uint8_t *hdr,
			      int go_minor, struct gsc_moduledata *ret)
{
	size_t image_size;
	const uint8_t *image = gsc_elf_image(elf, &image_size);
	bool le = gsc_elf_little_endian(elf);
	for (size_t i = 0; i < gsc_elf_num_segments(elf); i++) {
		const struct gsc_elf_segment *p = gsc_elf_segment(elf, i);
		if (p->type != PT_LOAD || !(p->flags & PF_W) ||
		    !gsc_in_bounds(p->offset, p->filesz, image_size))
			continue;
		const uint8_t *seg = image + p->offset;
		uint64_t start = (8 - (p->vaddr & 7)) & 7;
		for (uint64_t off = start; off + HEAD_SIZE <= p->filesz; off += 8) {
			if (gsc_load64(seg + off, le) != pcln || !matches(seg + off, le, pcln, hdr))
				continue;
			struct gsc_error *err = try_at(elf, p->vaddr + off, pcln, hdr, go_minor,
						       "scan", ret);
			if (!err)
				return NULL;
			gsc_error_destroy(err);
		}
	}
	return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: runtime.firstmoduledata not found",
				gsc_elf_path(elf));
}

struct gsc_error *gsc_moduledata_find(struct gsc_elf *elf, uint64_t pcln, const uint8_t *hdr,
				      size_t hdr_size, int go_minor, struct gsc_moduledata *ret)
{
	if (hdr_size < PCHEADER_SIZE)
		return gsc_bad_data("pcHeader truncated");
	/* Its own section (1.26+) first: cheaper than loading the symbols. */
	struct gsc_error *err = NULL;
	const struct gsc_elf_section *s = gsc_elf_find_section(elf, ".go.module");
	if (s) {
		err = try_at(elf, s->addr, pcln, hdr, go_minor, "section .go.module", ret);
		if (!err)
			return NULL;
		gsc_error_destroy(err);
	}
	if (gsc_elf_has_symtab(elf)) {
		struct gsc_elf_symbol sym;
		err = gsc_elf_symbol_lookup(elf, "runtime.firstmoduledata", &sym);
		if (!err && !(err = try_at(elf, sym.value, pcln, hdr, go_minor, "symbol", ret)))
			return NULL;
		gsc_error_destroy(err);
	}
	return scan(elf, pcln, hdr, go_minor, ret);
}
