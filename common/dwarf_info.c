/*
 * dwarf_info.c - names in .debug_info through libdwarf (see dwarf_info.h).
 *
 * libdwarf 20210528 (Debian 12) notes that shape this file:
 *  - We never let libdwarf open the file: dwarf_object_init_b() over our own
 *    section table, so compressed sections arrive inflated by elf_file.c and
 *    a memory image works the same way as a file.
 *  - Every call gets a Dwarf_Error pointer and dwarf_object_init_b() gets an
 *    error handler that returns: with neither, libdwarf calls abort().
 *  - DIEs, attributes and errors are freed as soon as they are used; names
 *    from dwarf_diename()/dwarf_formstring() point into section bytes and are
 *    kept (the section table outlives the Dwarf_Debug).
 *  - .debug_rnglists / .debug_loclists table headers are checked before
 *    libdwarf sees them (see list_headers_ok()): a bad one is a use after
 *    free inside this libdwarf version, so such a section is withheld.
 */
#include "config.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBDWARF_LIBDWARF_H
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#else
#include <libdwarf-0/dwarf.h>
#include <libdwarf-0/libdwarf.h>
#endif

#include "buf.h"
#include "cleanup.h"
#include "dwarf_info.h"

/* The sections libdwarf may need for what we ask; the rest stay compressed. */
static const char *const wanted_sections[] = {
	".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str",
	".debug_str_offsets", ".debug_addr", ".debug_loc", ".debug_loclists",
	".debug_ranges", ".debug_rnglists",
};
#define NWANTED (sizeof(wanted_sections) / sizeof(wanted_sections[0]))

/* Guards against corrupt DWARF that loops or nests without end. */
enum {
	MAX_TYPE_CHAIN = 32,	/* typedef -> const -> typedef ... */
	MAX_FIELD_DEPTH = 16,	/* anonymous members inside anonymous members */
	MAX_PATH = 256,		/* "a.b.c" */
	MAX_RANGES = 65536,	/* entries in one DW_AT_ranges list */
};

enum name_kind {
	KIND_TYPE,
	KIND_VAR,
	KIND_FUNC,
	KIND_CONST,
};

struct name_ent {
	const char *name;	/* in section data */
	Dwarf_Off off;		/* DIE offset in .debug_info */
	uint32_t hash;
	uint8_t kind;
};

/* An out-of-line instance (no name) of an abstract function (named). */
struct origin_ent {
	Dwarf_Off origin;
	Dwarf_Off off;
};

struct section {
	const char *name;
	const struct gsc_elf_section *sec;
	const uint8_t *data;	/* NULL until libdwarf loads it */
	size_t size;
};

struct gsc_dwarf {
	struct gsc_elf *elf;
	bool loaded;
	enum gsc_error_code fail_code;	/* sticky load failure when fail_msg */
	char *fail_msg;

	Dwarf_Debug dbg;
	struct gsc_error *pending;	/* our error behind libdwarf's last DW_DLV_ERROR */
	Dwarf_Obj_Access_Interface iface;
	Dwarf_Obj_Access_Methods methods;
	struct section secs[NWANTED + 1];	/* [0] is the null section */
	size_t nsecs;
	bool rnglists_hidden;	/* corrupt table header: kept from libdwarf */

	unsigned version;
	const char *producer;
	size_t units;

	struct name_ent *names;
	size_t nnames, names_cap;
	uint32_t *table;	/* 1 + index into names; 0 = empty */
	size_t table_mask;
	struct origin_ent *origins;
	size_t norigins, origins_cap;
};

/* ---- errors and cleanup ---- */

static struct gsc_error *dw_error(struct gsc_dwarf *dw, Dwarf_Error e, const char *what)
{
	if (dw->pending) {
		if (e)
			dwarf_dealloc_error(dw->dbg, e);
		return GSC_TAKE(dw->pending);
	}
	struct gsc_error *err = gsc_error_create(GSC_ERR_DWARF, "%s: DWARF: %s: %s",
						 gsc_elf_path(dw->elf), what,
						 e ? dwarf_errmsg(e) : "unknown libdwarf error");
	if (e)
		dwarf_dealloc_error(dw->dbg, e);
	return err;
}

/* Turn a DW_DLV_* result into our error; NO_ENTRY is the caller's business. */
#define DW_CHECK(dw, res, e, what)                                  \
	do {                                                        \
		if ((res) == DW_DLV_ERROR)                          \
			return dw_error((dw), (e), (what));         \
	} while (0)

static void die_freep(Dwarf_Die *d)
{
	if (*d)
		dwarf_dealloc_die(*d);
}
#define _cleanup_die_ _cleanup_(die_freep)

static void attr_freep(Dwarf_Attribute *a)
{
	if (*a)
		dwarf_dealloc_attribute(*a);
}
#define _cleanup_attr_ _cleanup_(attr_freep)

/* libdwarf calls this only when an error pointer is NULL; we always pass one. */
static void ignore_error(Dwarf_Error e, Dwarf_Ptr arg)
{
	(void)e;
	(void)arg;
}

/* ---- the object access interface over our section table ---- */

static int oa_section_info(void *obj, Dwarf_Half i, Dwarf_Obj_Access_Section *ret, int *error)
{
	struct gsc_dwarf *dw = obj;
	if (i >= dw->nsecs)
		return DW_DLV_NO_ENTRY;
	memset(ret, 0, sizeof(*ret));
	ret->type = i == 0 ? SHT_NULL : SHT_PROGBITS;
	ret->size = dw->secs[i].size;
	ret->name = dw->secs[i].name;
	return DW_DLV_OK;
}

static Dwarf_Endianness oa_byte_order(void *obj)
{
	struct gsc_dwarf *dw = obj;
	return gsc_elf_little_endian(dw->elf) ? DW_OBJECT_LSB : DW_OBJECT_MSB;
}

static Dwarf_Small oa_length_size(void *obj)
{
	return 4;	/* a default; each CU header says its own offset size */
}

static Dwarf_Small oa_pointer_size(void *obj)
{
	struct gsc_dwarf *dw = obj;
	return gsc_elf_is_64(dw->elf) ? 8 : 4;
}

static Dwarf_Unsigned oa_section_count(void *obj)
{
	struct gsc_dwarf *dw = obj;
	return dw->nsecs;
}

static int oa_load_section(void *obj, Dwarf_Half i, Dwarf_Small **ret, int *error)
{
	struct gsc_dwarf *dw = obj;
	if (i == 0 || i >= dw->nsecs)
		return DW_DLV_NO_ENTRY;
	struct section *s = &dw->secs[i];
	if (!s->data) {
		/* Inflated only now: an index pass never touches .debug_loc*. */
		size_t size;
		struct gsc_error *err = gsc_elf_section_data(dw->elf, s->sec, &s->data, &size);
		if (!err && size != s->size)
			err = gsc_bad_data("%s: %s inflates to %zu bytes, its header says %zu",
					   gsc_elf_path(dw->elf), s->name, size, s->size);
		if (err) {
			s->data = NULL;
			gsc_error_destroy(dw->pending);
			dw->pending = err;	/* reported instead of libdwarf's code */
			*error = DW_DLE_ZLIB_UNCOMPRESS_ERROR;
			return DW_DLV_ERROR;
		}
	}
	*ret = (Dwarf_Small *)s->data;
	return DW_DLV_OK;
}

/*
 * A section's size as libdwarf must see it, without inflating: the
 * Elf{32,64}_Chdr ch_size (ELF gABI, "Section Compression") or the 8-byte
 * big-endian size after a legacy .zdebug "ZLIB" magic.
 */
static struct gsc_error *section_size(struct gsc_dwarf *dw, const struct gsc_elf_section *s,
				      size_t *ret)
{
	size_t image_size;
	const uint8_t *image = gsc_elf_image(dw->elf, &image_size);
	bool le = gsc_elf_little_endian(dw->elf), is64 = gsc_elf_is_64(dw->elf);
	bool zdebug = !(s->flags & SHF_COMPRESSED);
	size_t hdr = zdebug ? 12 : is64 ? 24 : 12;
	uint64_t size;
	if (!gsc_elf_section_compressed(s)) {
		size = s->size;
	} else if (s->type == SHT_NOBITS || s->size < hdr ||
		   !gsc_in_bounds(s->offset, hdr, image_size)) {
		return gsc_bad_data("%s: compressed section %s is too short",
				    gsc_elf_path(dw->elf), s->name);
	} else {
		const uint8_t *p = image + s->offset;
		if (zdebug && memcmp(p, "ZLIB", 4) != 0)
			return gsc_bad_data("%s: %s lacks its ZLIB header",
					    gsc_elf_path(dw->elf), s->name);
		size = zdebug ? gsc_load64(p + 4, false) :
		       is64 ? gsc_load64(p + 8, le) : gsc_load32(p + 4, le);
	}
	if (s->type == SHT_NOBITS)
		size = 0;
	if (size > SIZE_MAX)
		return gsc_bad_data("%s: section %s too big", gsc_elf_path(dw->elf), s->name);
	*ret = (size_t)size;
	return NULL;
}

/*
 * Do the table headers of a .debug_rnglists or .debug_loclists section
 * (DWARF 5 §7.28, §7.29: unit_length, version 5, address_size,
 * segment_selector_size, offset_entry_count, offsets) hold together?
 * libdwarf 20210528 reads them all as soon as .debug_info is loaded, and
 * after a bad one it keeps using the context it has just freed
 * (internal_load_rnglists_contexts() lacks a return; a double free under
 * ASan).  Stricter than libdwarf: the offsets array must fit its table.
 */
static bool list_headers_ok(const uint8_t *p, size_t size, bool le)
{
	size_t off = 0;
	while (off < size) {
		size_t left = size - off, hdr = 4;
		if (left < 4)
			return false;
		uint64_t len = gsc_load32(p + off, le), osize = 4;
		if (len == 0xffffffff) {
			if (left < 12)
				return false;
			len = gsc_load64(p + off + 4, le);
			hdr = 12;
			osize = 8;
		} else if (len >= 0xfffffff0) {
			return false;	/* reserved (§7.4) */
		}
		if (len > left - hdr || len < 8)
			return false;
		const uint8_t *h = p + off + hdr;
		uint64_t count = gsc_load32(h + 4, le);
		if (gsc_load16(h, le) != 5 || (h[2] != 2 && h[2] != 4 && h[2] != 8) ||
		    count > (len - 8) / osize)
			return false;
		off += hdr + (size_t)len;
	}
	return true;
}

/* Inflate s now and check its table headers; false hides it from libdwarf. */
static bool list_section_ok(struct gsc_dwarf *dw, struct section *s)
{
	size_t size;
	struct gsc_error *err = gsc_elf_section_data(dw->elf, s->sec, &s->data, &size);
	if (err || size != s->size ||
	    !list_headers_ok(s->data, size, gsc_elf_little_endian(dw->elf))) {
		gsc_error_destroy(err);
		s->data = NULL;
		return false;
	}
	return true;
}

/* The wanted sections and their sizes; bytes come on libdwarf's demand. */
static struct gsc_error *collect_sections(struct gsc_dwarf *dw)
{
	dw->secs[0] = (struct section){ .name = "" };
	dw->nsecs = 1;
	for (size_t i = 0; i < NWANTED; i++) {
		const struct gsc_elf_section *s = gsc_elf_find_debug_section(dw->elf,
									    wanted_sections[i]);
		size_t size = 0;
		if (!s)
			continue;
		struct gsc_error *err = section_size(dw, s, &size);
		if (err)
			return err;
		if (!size)
			continue;
		struct section *sec = &dw->secs[dw->nsecs];
		*sec = (struct section){ wanted_sections[i], s, NULL, size };
		bool is_rng = strcmp(sec->name, ".debug_rnglists") == 0;
		if ((is_rng || strcmp(sec->name, ".debug_loclists") == 0) &&
		    !list_section_ok(dw, sec)) {
			dw->rnglists_hidden |= is_rng;
			continue;	/* its lists read as missing, not as a crash */
		}
		dw->nsecs++;
	}
	return NULL;
}

static struct gsc_error *open_dbg(struct gsc_dwarf *dw)
{
	struct gsc_error *err = collect_sections(dw);
	if (err)
		return err;
	bool have_info = false;
	for (size_t i = 1; i < dw->nsecs; i++)
		have_info |= strcmp(dw->secs[i].name, ".debug_info") == 0;
	if (!have_info)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no DWARF (.debug_info)",
					gsc_elf_path(dw->elf));
	dw->methods = (Dwarf_Obj_Access_Methods){
		.get_section_info = oa_section_info,
		.get_byte_order = oa_byte_order,
		.get_length_size = oa_length_size,
		.get_pointer_size = oa_pointer_size,
		.get_section_count = oa_section_count,
		.load_section = oa_load_section,
	};
	dw->iface = (Dwarf_Obj_Access_Interface){ .object = dw, .methods = &dw->methods };
	Dwarf_Error e = NULL;
	/*
	 * Process-wide: stop libdwarf from recording every allocation in its
	 * de_alloc tree (30% of the index pass on a 50 MB binary).  Safe because
	 * this file frees every DIE, attribute, error and location head itself.
	 */
	dwarf_set_de_alloc_flag(0);
	int res = dwarf_object_init_b(&dw->iface, ignore_error, NULL, DW_GROUPNUMBER_ANY,
				      &dw->dbg, &e);
	if (res == DW_DLV_NO_ENTRY)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no DWARF", gsc_elf_path(dw->elf));
	if (res != DW_DLV_OK) {
		dw->dbg = NULL;
		return dw_error(dw, e, "opening");
	}
	return NULL;
}

/* ---- the name index ---- */

static uint32_t hash_name(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static int tag_kind(Dwarf_Half tag)
{
	switch (tag) {
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
	case DW_TAG_enumeration_type:
	case DW_TAG_base_type:
	case DW_TAG_typedef:
	case DW_TAG_pointer_type:
	case DW_TAG_array_type:
	case DW_TAG_subroutine_type:
		return KIND_TYPE;
	case DW_TAG_variable:
		return KIND_VAR;
	case DW_TAG_subprogram:
		return KIND_FUNC;
	case DW_TAG_constant:
		return KIND_CONST;
	default:
		return -1;
	}
}

static struct gsc_error *grow(void **p, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return NULL;
	size_t ncap = *cap ? *cap * 2 : 1024;
	void *q = reallocarray(*p, ncap, elem);
	if (!q)
		return &gsc_enomem;
	*p = q;
	*cap = ncap;
	return NULL;
}

/* A reference attribute as a .debug_info offset; NO_ENTRY when absent. */
static int ref_attr(Dwarf_Die die, Dwarf_Half at, Dwarf_Off *ret, Dwarf_Error *e)
{
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	int res = dwarf_attr(die, at, &a, e);
	if (res != DW_DLV_OK)
		return res;
	return dwarf_global_formref(a, ret, e);
}

static struct gsc_error *add_origin(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Off off)
{
	Dwarf_Error e = NULL;
	Dwarf_Off origin;
	int res = ref_attr(die, DW_AT_abstract_origin, &origin, &e);
	DW_CHECK(dw, res, e, "abstract origin");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	struct gsc_error *err = grow((void **)&dw->origins, &dw->origins_cap, dw->norigins,
				     sizeof(*dw->origins));
	if (err)
		return err;
	dw->origins[dw->norigins++] = (struct origin_ent){ origin, off };
	return NULL;
}

static struct gsc_error *index_die(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Off off)
{
	Dwarf_Error e = NULL;
	Dwarf_Half tag;
	int res = dwarf_tag(die, &tag, &e);
	DW_CHECK(dw, res, e, "DIE tag");
	int kind = tag_kind(tag);
	if (kind < 0)
		return NULL;
	char *name;
	res = dwarf_diename(die, &name, &e);
	DW_CHECK(dw, res, e, "DIE name");
	if (res == DW_DLV_NO_ENTRY)
		return kind == KIND_FUNC ? add_origin(dw, die, off) : NULL;
	struct gsc_error *err = grow((void **)&dw->names, &dw->names_cap, dw->nnames,
				     sizeof(*dw->names));
	if (err)
		return err;
	dw->names[dw->nnames++] = (struct name_ent){ name, off, hash_name(name), (uint8_t)kind };
	return NULL;
}

static struct gsc_error *cu_producer(struct gsc_dwarf *dw, Dwarf_Die cu)
{
	Dwarf_Error e = NULL;
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	int res = dwarf_attr(cu, DW_AT_producer, &a, &e);
	DW_CHECK(dw, res, e, "CU producer");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	char *s;
	res = dwarf_formstring(a, &s, &e);
	DW_CHECK(dw, res, e, "CU producer");
	if (res == DW_DLV_OK)
		dw->producer = s;
	return NULL;
}

/* Index the children of one CU DIE.  Offsets must grow: a loop is corrupt. */
static struct gsc_error *index_cu(struct gsc_dwarf *dw, Dwarf_Die cu)
{
	Dwarf_Error e = NULL;
	Dwarf_Die die = NULL;
	Dwarf_Off prev = 0;
	if (!dw->producer) {
		struct gsc_error *err = cu_producer(dw, cu);
		if (err)
			return err;
	}
	int res = dwarf_child(cu, &die, &e);
	while (res == DW_DLV_OK) {
		_cleanup_die_ Dwarf_Die cur = die;
		Dwarf_Off off;
		res = dwarf_dieoffset(cur, &off, &e);
		DW_CHECK(dw, res, e, "DIE offset");
		if (off <= prev)
			return gsc_bad_data("%s: DWARF: DIE at 0x%" PRIx64 " follows 0x%" PRIx64
					    " (sibling loop)", gsc_elf_path(dw->elf),
					    (uint64_t)off, (uint64_t)prev);
		prev = off;
		struct gsc_error *err = index_die(dw, cur, off);
		if (err)
			return err;
		res = dwarf_siblingof_b(dw->dbg, cur, true, &die, &e);
	}
	DW_CHECK(dw, res, e, "DIE sibling");
	return NULL;
}

static struct gsc_error *walk_units(struct gsc_dwarf *dw)
{
	for (;;) {
		Dwarf_Error e = NULL;
		Dwarf_Unsigned len, typeoff, next;
		Dwarf_Half ver, addr_size, off_size, ext_size, cu_type;
		Dwarf_Off abbrev_off;
		Dwarf_Sig8 sig;
		int res = dwarf_next_cu_header_d(dw->dbg, true, &len, &ver, &abbrev_off,
						 &addr_size, &off_size, &ext_size, &sig,
						 &typeoff, &next, &cu_type, &e);
		DW_CHECK(dw, res, e, "CU header");
		if (res == DW_DLV_NO_ENTRY)
			return NULL;
		dw->units++;
		if (ver > dw->version)
			dw->version = ver;
		_cleanup_die_ Dwarf_Die cu = NULL;
		res = dwarf_siblingof_b(dw->dbg, NULL, true, &cu, &e);
		DW_CHECK(dw, res, e, "CU DIE");
		if (res == DW_DLV_NO_ENTRY)
			continue;
		struct gsc_error *err = index_cu(dw, cu);
		if (err)
			return err;
	}
}

static int origin_cmp(const void *a, const void *b)
{
	const struct origin_ent *x = a, *y = b;
	if (x->origin != y->origin)
		return x->origin < y->origin ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static struct gsc_error *build_table(struct gsc_dwarf *dw)
{
	size_t cap = 16;
	while (cap < dw->nnames * 2)
		cap *= 2;
	if (dw->nnames > UINT32_MAX - 1)
		return gsc_bad_data("%s: DWARF: too many names", gsc_elf_path(dw->elf));
	dw->table = calloc(cap, sizeof(*dw->table));
	if (!dw->table)
		return &gsc_enomem;
	dw->table_mask = cap - 1;
	for (size_t i = 0; i < dw->nnames; i++) {
		size_t slot = dw->names[i].hash & dw->table_mask;
		while (dw->table[slot])
			slot = (slot + 1) & dw->table_mask;
		dw->table[slot] = (uint32_t)i + 1;
	}
	if (dw->norigins)
		qsort(dw->origins, dw->norigins, sizeof(*dw->origins), origin_cmp);
	return NULL;
}

static struct gsc_error *load(struct gsc_dwarf *dw)
{
	struct gsc_error *err = open_dbg(dw);
	if (!err)
		err = walk_units(dw);
	if (!err && !dw->units)
		err = gsc_error_create(GSC_ERR_DWARF, "%s: DWARF: .debug_info has no units",
				       gsc_elf_path(dw->elf));
	if (!err)
		err = build_table(dw);
	return err;
}

struct gsc_error *gsc_dwarf_load(struct gsc_dwarf *dw)
{
	if (dw->fail_msg)
		return gsc_error_create(dw->fail_code, "%s", dw->fail_msg);
	if (dw->loaded)
		return NULL;
	struct gsc_error *err = load(dw);
	if (!err) {
		dw->loaded = true;
		return NULL;
	}
	/* Remember the failure; the partial index is useless. */
	dw->fail_code = err->code;
	dw->fail_msg = strdup(err->message);
	if (!dw->fail_msg) {
		gsc_error_destroy(err);
		dw->fail_code = GSC_ERR_NOMEM;
		dw->fail_msg = strdup("out of memory");	/* may be NULL: retried then */
		return &gsc_enomem;
	}
	return err;
}

/*
 * Call fn on each indexed DIE named name of that kind until it returns
 * anything but NOT_FOUND; NOT_FOUND when none fits.
 */
typedef struct gsc_error *candidate_fn(struct gsc_dwarf *dw, Dwarf_Die die, void *arg);

static struct gsc_error *not_found(struct gsc_dwarf *dw, const char *what, const char *name)
{
	return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no %s named %s in DWARF",
				gsc_elf_path(dw->elf), what, name);
}

static struct gsc_error *for_each_named(struct gsc_dwarf *dw, const char *what, const char *name,
					int kind, candidate_fn *fn, void *arg)
{
	struct gsc_error *err = gsc_dwarf_load(dw);
	if (err)
		return err;
	uint32_t h = hash_name(name);
	size_t mask = dw->table_mask;
	for (size_t slot = h & mask; dw->table[slot]; slot = (slot + 1) & mask) {
		const struct name_ent *n = &dw->names[dw->table[slot] - 1];
		if (n->hash != h || n->kind != kind || strcmp(n->name, name) != 0)
			continue;
		Dwarf_Error e = NULL;
		_cleanup_die_ Dwarf_Die die = NULL;
		int res = dwarf_offdie_b(dw->dbg, n->off, true, &die, &e);
		DW_CHECK(dw, res, e, "DIE by offset");
		if (res == DW_DLV_NO_ENTRY)
			continue;
		err = fn(dw, die, arg);
		if (!err || err->code != GSC_ERR_NOT_FOUND)
			return err;
		gsc_error_destroy(err);
	}
	return not_found(dw, what, name);
}

/* ---- types and fields ---- */

/* "Not this candidate, try the next": a static NOT_FOUND, no allocation. */
static struct gsc_error not_this = {
	.code = GSC_ERR_NOT_FOUND,
	.message = (char *)"not this candidate",
};

static struct gsc_error *offdie(struct gsc_dwarf *dw, Dwarf_Off off, Dwarf_Die *ret)
{
	Dwarf_Error e = NULL;
	int res = dwarf_offdie_b(dw->dbg, off, true, ret, &e);
	DW_CHECK(dw, res, e, "DIE by offset");
	if (res == DW_DLV_NO_ENTRY)
		return gsc_bad_data("%s: DWARF: no DIE at 0x%" PRIx64, gsc_elf_path(dw->elf),
				    (uint64_t)off);
	return NULL;
}

static struct gsc_error *die_tag(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Half *ret)
{
	Dwarf_Error e = NULL;
	int res = dwarf_tag(die, ret, &e);
	DW_CHECK(dw, res, e, "DIE tag");
	return NULL;
}

static struct gsc_error *die_off(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Off *ret)
{
	Dwarf_Error e = NULL;
	int res = dwarf_dieoffset(die, ret, &e);
	DW_CHECK(dw, res, e, "DIE offset");
	return NULL;
}

/* A boolean attribute (DW_AT_declaration, DW_AT_variable_parameter). */
static struct gsc_error *die_flag(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Half at, bool *ret)
{
	Dwarf_Error e = NULL;
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	int res = dwarf_attr(die, at, &a, &e);
	DW_CHECK(dw, res, e, "flag attribute");
	Dwarf_Bool b = false;
	if (res == DW_DLV_OK) {
		res = dwarf_formflag(a, &b, &e);
		DW_CHECK(dw, res, e, "flag attribute");
	}
	*ret = b;
	return NULL;
}

/* A DIE's DW_AT_type offset; *has_ret false for void. */
static struct gsc_error *die_type(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Off *ret,
				  bool *has_ret)
{
	Dwarf_Error e = NULL;
	int res = ref_attr(die, DW_AT_type, ret, &e);
	DW_CHECK(dw, res, e, "DW_AT_type");
	*has_ret = res == DW_DLV_OK;
	return NULL;
}

static bool is_qualifier(Dwarf_Half tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type ||
	       tag == DW_TAG_volatile_type || tag == DW_TAG_restrict_type ||
	       tag == DW_TAG_atomic_type;
}

/* The type at off with typedefs and qualifiers looked through. */
static struct gsc_error *peel(struct gsc_dwarf *dw, Dwarf_Off off, Dwarf_Die *ret)
{
	for (int i = 0; i < MAX_TYPE_CHAIN; i++) {
		_cleanup_die_ Dwarf_Die die = NULL;
		Dwarf_Half tag;
		bool has;
		struct gsc_error *err = offdie(dw, off, &die);
		if (!err)
			err = die_tag(dw, die, &tag);
		if (err)
			return err;
		if (!is_qualifier(tag)) {
			*ret = GSC_TAKE(die);
			return NULL;
		}
		err = die_type(dw, die, &off, &has);
		if (err)
			return err;
		if (!has)
			return gsc_bad_data("%s: DWARF: typedef at 0x%" PRIx64 " of void",
					    gsc_elf_path(dw->elf), (uint64_t)off);
	}
	return gsc_bad_data("%s: DWARF: typedef chain longer than %d at 0x%" PRIx64,
			    gsc_elf_path(dw->elf), MAX_TYPE_CHAIN, (uint64_t)off);
}

static struct gsc_error *byte_size(struct gsc_dwarf *dw, Dwarf_Die die, uint64_t *ret);

/* Elements of one DW_TAG_subrange_type: DW_AT_count, or upper bound + 1. */
static struct gsc_error *subrange_count(struct gsc_dwarf *dw, Dwarf_Die die, uint64_t *ret)
{
	static const Dwarf_Half attrs[] = { DW_AT_count, DW_AT_upper_bound };
	for (size_t i = 0; i < 2; i++) {
		Dwarf_Error e = NULL;
		_cleanup_attr_ Dwarf_Attribute a = NULL;
		Dwarf_Unsigned v;
		int res = dwarf_attr(die, attrs[i], &a, &e);
		DW_CHECK(dw, res, e, "array bound");
		if (res == DW_DLV_NO_ENTRY)
			continue;
		res = dwarf_formudata(a, &v, &e);
		DW_CHECK(dw, res, e, "array bound");
		*ret = v + (i == 1);	/* C: lower bound 0 */
		return NULL;
	}
	*ret = 0;	/* flexible array */
	return NULL;
}

/* C arrays carry no DW_AT_byte_size: element size times each dimension. */
static struct gsc_error *array_size(struct gsc_dwarf *dw, Dwarf_Die die, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Off elem;
	bool has;
	uint64_t size;
	_cleanup_die_ Dwarf_Die t = NULL;
	struct gsc_error *err = die_type(dw, die, &elem, &has);
	if (!err && !has)
		return gsc_bad_data("%s: DWARF: array of void", gsc_elf_path(dw->elf));
	if (!err)
		err = peel(dw, elem, &t);
	if (!err)
		err = byte_size(dw, t, &size);
	if (err)
		return err;
	Dwarf_Die child = NULL;
	Dwarf_Off prev = 0;
	int res = dwarf_child(die, &child, &e);
	while (res == DW_DLV_OK) {
		_cleanup_die_ Dwarf_Die cur = child;
		Dwarf_Off off;
		Dwarf_Half tag;
		uint64_t count = 1;
		err = die_off(dw, cur, &off);
		if (!err)
			err = die_tag(dw, cur, &tag);
		if (!err && off <= prev)
			err = gsc_bad_data("%s: DWARF: subrange list loops", gsc_elf_path(dw->elf));
		if (!err && tag == DW_TAG_subrange_type)
			err = subrange_count(dw, cur, &count);
		if (err)
			return err;
		if (tag == DW_TAG_subrange_type && gsc_mul_overflow(size, count, &size))
			return gsc_bad_data("%s: DWARF: array size overflows",
					    gsc_elf_path(dw->elf));
		prev = off;
		res = dwarf_siblingof_b(dw->dbg, cur, true, &child, &e);
	}
	DW_CHECK(dw, res, e, "subrange sibling");
	*ret = size;
	return NULL;
}

/* DW_AT_byte_size; computed for arrays without one; 0 when unknown. */
static struct gsc_error *byte_size(struct gsc_dwarf *dw, Dwarf_Die die, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Unsigned v = 0;
	Dwarf_Half tag;
	int res = dwarf_bytesize(die, &v, &e);
	DW_CHECK(dw, res, e, "DW_AT_byte_size");
	if (res == DW_DLV_OK) {
		*ret = v;
		return NULL;
	}
	struct gsc_error *err = die_tag(dw, die, &tag);
	if (err)
		return err;
	if (tag == DW_TAG_array_type)
		return array_size(dw, die, ret);
	*ret = 0;
	return NULL;
}

/* DW_OP_plus_uconst N (DWARF 2/3 style member location). */
static struct gsc_error *plus_uconst(struct gsc_dwarf *dw, const void *p, size_t n, uint64_t *ret)
{
	struct gsc_buf b;
	uint8_t op;
	gsc_buf_init(&b, p, n, true, "member location");
	struct gsc_error *err = gsc_buf_u8(&b, &op);
	if (!err && op != DW_OP_plus_uconst)
		err = gsc_error_create(GSC_ERR_UNSUPPORTED, "member location op 0x%x", op);
	if (!err)
		err = gsc_buf_uleb128(&b, ret);
	return err ? gsc_error_wrap(err, "%s: DWARF", gsc_elf_path(dw->elf)) : NULL;
}

static struct gsc_error *member_offset(struct gsc_dwarf *dw, Dwarf_Die die, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	int res = dwarf_attr(die, DW_AT_data_member_location, &a, &e);
	DW_CHECK(dw, res, e, "DW_AT_data_member_location");
	if (res == DW_DLV_NO_ENTRY) {
		*ret = 0;	/* union members and bitfields of unit 0 */
		return NULL;
	}
	Dwarf_Half form;
	res = dwarf_whatform(a, &form, &e);
	DW_CHECK(dw, res, e, "DW_AT_data_member_location");
	if (form == DW_FORM_exprloc) {
		Dwarf_Unsigned len;
		Dwarf_Ptr p;
		res = dwarf_formexprloc(a, &len, &p, &e);
		DW_CHECK(dw, res, e, "DW_AT_data_member_location");
		return plus_uconst(dw, p, (size_t)len, ret);
	}
	if (form == DW_FORM_block1 || form == DW_FORM_block2 || form == DW_FORM_block4 ||
	    form == DW_FORM_block) {
		Dwarf_Block *blk;
		res = dwarf_formblock(a, &blk, &e);
		DW_CHECK(dw, res, e, "DW_AT_data_member_location");
		struct gsc_error *err = plus_uconst(dw, blk->bl_data, (size_t)blk->bl_len, ret);
		dwarf_dealloc(dw->dbg, blk, DW_DLA_BLOCK);
		return err;
	}
	Dwarf_Unsigned v;
	res = dwarf_formudata(a, &v, &e);
	DW_CHECK(dw, res, e, "DW_AT_data_member_location");
	*ret = v;
	return NULL;
}

struct member {
	uint64_t offset;
	Dwarf_Off type;
	bool has_type;
};

static struct gsc_error *find_member(struct gsc_dwarf *dw, Dwarf_Off type, const char *name,
				     size_t len, int depth, struct member *ret);

/* Is child the member we want (or does its anonymous type hold it)? */
static struct gsc_error *match_member(struct gsc_dwarf *dw, Dwarf_Die child, const char *name,
				      size_t len, int depth, struct member *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Half tag;
	char *cname;
	struct gsc_error *err = die_tag(dw, child, &tag);
	if (err)
		return err;
	if (tag != DW_TAG_member)
		return &not_this;
	int res = dwarf_diename(child, &cname, &e);
	DW_CHECK(dw, res, e, "member name");
	uint64_t off;
	struct member m;
	if (res == DW_DLV_OK) {
		if (strncmp(cname, name, len) != 0 || cname[len])
			return &not_this;
		err = member_offset(dw, child, &m.offset);
		if (!err)
			err = die_type(dw, child, &m.type, &m.has_type);
		if (!err)
			*ret = m;
		return err;
	}
	/* An anonymous struct or union member: look inside. */
	err = die_type(dw, child, &m.type, &m.has_type);
	if (err || !m.has_type || depth >= MAX_FIELD_DEPTH)
		return err ? err : &not_this;
	err = find_member(dw, m.type, name, len, depth + 1, &m);
	if (!err)
		err = member_offset(dw, child, &off);
	if (err)
		return err;
	m.offset += off;
	*ret = m;
	return NULL;
}

static struct gsc_error *find_member(struct gsc_dwarf *dw, Dwarf_Off type, const char *name,
				     size_t len, int depth, struct member *ret)
{
	Dwarf_Error e = NULL;
	_cleanup_die_ Dwarf_Die sdie = NULL;
	Dwarf_Half tag;
	struct gsc_error *err = peel(dw, type, &sdie);
	if (!err)
		err = die_tag(dw, sdie, &tag);
	if (err)
		return err;
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_class_type)
		return gsc_error_create(GSC_ERR_NOT_FOUND,
					"%s: DWARF: member %.*s of a non-struct type (tag 0x%x)",
					gsc_elf_path(dw->elf), (int)len, name, tag);
	Dwarf_Die die = NULL;
	Dwarf_Off prev = 0;
	int res = dwarf_child(sdie, &die, &e);
	while (res == DW_DLV_OK) {
		_cleanup_die_ Dwarf_Die cur = die;
		Dwarf_Off off;
		err = die_off(dw, cur, &off);
		if (err)
			return err;
		if (off <= prev)
			return gsc_bad_data("%s: DWARF: member list loops at 0x%" PRIx64,
					    gsc_elf_path(dw->elf), (uint64_t)off);
		prev = off;
		err = match_member(dw, cur, name, len, depth, ret);
		if (!err || err->code != GSC_ERR_NOT_FOUND)
			return err;
		gsc_error_destroy(err);
		res = dwarf_siblingof_b(dw->dbg, cur, true, &die, &e);
	}
	DW_CHECK(dw, res, e, "member sibling");
	return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: DWARF: no member %.*s",
				gsc_elf_path(dw->elf), (int)len, name);
}

static struct gsc_error *skip_declaration(struct gsc_dwarf *dw, Dwarf_Die die)
{
	bool decl;
	struct gsc_error *err = die_flag(dw, die, DW_AT_declaration, &decl);
	if (!err && decl)
		err = &not_this;
	return err;
}

static struct gsc_error *size_cb(struct gsc_dwarf *dw, Dwarf_Die die, void *arg)
{
	_cleanup_die_ Dwarf_Die t = NULL;
	Dwarf_Off off;
	struct gsc_error *err = skip_declaration(dw, die);
	if (!err)
		err = die_off(dw, die, &off);
	if (!err)
		err = peel(dw, off, &t);
	if (!err)
		err = byte_size(dw, t, arg);
	return err;
}

struct gsc_error *gsc_dwarf_type_size(struct gsc_dwarf *dw, const char *type, uint64_t *ret)
{
	uint64_t size;
	struct gsc_error *err = for_each_named(dw, "type", type, KIND_TYPE, size_cb, &size);
	if (!err)
		*ret = size;
	return err;
}

struct field_query {
	const char *type;
	const char *path;
	struct gsc_dwarf_field result;
};

/* The name of the type at off, kept in section data; NULL if unnamed. */
static struct gsc_error *type_name_at(struct gsc_dwarf *dw, Dwarf_Off off, const char **ret)
{
	Dwarf_Error e = NULL;
	_cleanup_die_ Dwarf_Die die = NULL;
	char *name;
	struct gsc_error *err = offdie(dw, off, &die);
	if (err)
		return err;
	int res = dwarf_diename(die, &name, &e);
	DW_CHECK(dw, res, e, "type name");
	*ret = res == DW_DLV_OK ? name : NULL;
	return NULL;
}

static struct gsc_error *field_cb(struct gsc_dwarf *dw, Dwarf_Die die, void *arg)
{
	struct field_query *q = arg;
	struct member m = { 0 };
	uint64_t total = 0;
	struct gsc_error *err = skip_declaration(dw, die);
	if (!err)
		err = die_off(dw, die, &m.type);
	for (const char *p = q->path; !err;) {
		size_t len = strcspn(p, ".");
		Dwarf_Off in = m.type;
		err = find_member(dw, in, p, len, 0, &m);
		if (err)
			break;
		if (gsc_add_overflow(total, m.offset, &total))
			return gsc_bad_data("%s: DWARF: field offset overflows",
					    gsc_elf_path(dw->elf));
		if (!p[len])
			break;
		if (!m.has_type)
			return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: DWARF: %.*s has no type",
						gsc_elf_path(dw->elf), (int)len, p);
		p += len + 1;
	}
	if (err)
		return err;
	q->result = (struct gsc_dwarf_field){ .offset = total };
	if (!m.has_type)
		return NULL;
	_cleanup_die_ Dwarf_Die t = NULL;
	err = type_name_at(dw, m.type, &q->result.type_name);
	if (!err)
		err = peel(dw, m.type, &t);
	if (!err)
		err = byte_size(dw, t, &q->result.size);
	return err;
}

struct gsc_error *gsc_dwarf_field(struct gsc_dwarf *dw, const char *type, const char *path,
				  struct gsc_dwarf_field *ret)
{
	size_t n = strlen(path);
	if (!n || n > MAX_PATH || path[0] == '.' || path[n - 1] == '.' || strstr(path, ".."))
		return gsc_error_create(GSC_ERR_INVALID_ARG, "bad field path \"%s\"", path);
	struct field_query q = { type, path, { 0 } };
	struct gsc_error *err = for_each_named(dw, "type", type, KIND_TYPE, field_cb, &q);
	if (err)
		return gsc_error_wrap(err, "%s.%s", type, path);
	*ret = q.result;
	return NULL;
}

struct gsc_error *gsc_dwarf_field_offset(struct gsc_dwarf *dw, const char *type, const char *path,
					 uint64_t *ret)
{
	struct gsc_dwarf_field f;
	struct gsc_error *err = gsc_dwarf_field(dw, type, path, &f);
	if (!err)
		*ret = f.offset;
	return err;
}

/* ---- location descriptions ---- */

static void loc_free(struct gsc_dwarf_loc *locs, size_t n)
{
	for (size_t i = 0; locs && i < n; i++) {
		free(locs[i].ops);
		free(locs[i].pieces);
	}
	free(locs);
}

/* Pieces from operations (DWARF 5 §2.6.1): the simple forms compilers emit. */
static struct gsc_error *decode_pieces(struct gsc_dwarf_loc *loc)
{
	struct gsc_dwarf_piece cur = { .kind = GSC_DWARF_PIECE_EMPTY };
	bool open = false;
	loc->pieces = calloc(loc->nops + 1, sizeof(*loc->pieces));
	if (!loc->pieces)
		return &gsc_enomem;
	for (size_t i = 0; i < loc->nops; i++) {
		const struct gsc_dwarf_op *op = &loc->ops[i];
		uint8_t a = op->atom;
		if (a == DW_OP_piece) {
			cur.size = op->op1;
			loc->pieces[loc->npieces++] = cur;
			cur = (struct gsc_dwarf_piece){ .kind = GSC_DWARF_PIECE_EMPTY };
			open = false;
			continue;
		}
		if (open && a == DW_OP_plus_uconst && cur.kind >= GSC_DWARF_PIECE_FBREG &&
		    cur.kind <= GSC_DWARF_PIECE_ADDR) {
			cur.offset += (int64_t)op->op1;
			continue;
		}
		if (open) {
			cur.kind = GSC_DWARF_PIECE_COMPLEX;
			continue;
		}
		open = true;
		if (a >= DW_OP_reg0 && a <= DW_OP_reg31)
			cur = (struct gsc_dwarf_piece){ GSC_DWARF_PIECE_REG, a - DW_OP_reg0, 0, 0 };
		else if (a == DW_OP_regx)
			cur = (struct gsc_dwarf_piece){ .kind = GSC_DWARF_PIECE_REG,
							.reg = (uint32_t)op->op1 };
		else if (a >= DW_OP_breg0 && a <= DW_OP_breg31)
			cur = (struct gsc_dwarf_piece){ GSC_DWARF_PIECE_BREG, a - DW_OP_breg0,
							(int64_t)op->op1, 0 };
		else if (a == DW_OP_bregx)
			cur = (struct gsc_dwarf_piece){ GSC_DWARF_PIECE_BREG, (uint32_t)op->op1,
							(int64_t)op->op2, 0 };
		else if (a == DW_OP_fbreg)
			cur = (struct gsc_dwarf_piece){ .kind = GSC_DWARF_PIECE_FBREG,
							.offset = (int64_t)op->op1 };
		else if (a == DW_OP_call_frame_cfa)
			cur = (struct gsc_dwarf_piece){ GSC_DWARF_PIECE_CFA, 0, 0, 0 };
		else if (a == DW_OP_addr || a == DW_OP_addrx || a == DW_OP_GNU_addr_index)
			cur = (struct gsc_dwarf_piece){ .kind = GSC_DWARF_PIECE_ADDR,
							.offset = (int64_t)op->op1 };
		else
			cur = (struct gsc_dwarf_piece){ GSC_DWARF_PIECE_COMPLEX, 0, 0, 0 };
	}
	if (open || !loc->npieces)
		loc->pieces[loc->npieces++] = cur;
	return NULL;
}

static struct gsc_error *read_ops(struct gsc_dwarf *dw, Dwarf_Locdesc_c desc, Dwarf_Unsigned n,
				  struct gsc_dwarf_loc *loc)
{
	if (n > 4096)
		return gsc_bad_data("%s: DWARF: location with %" PRIu64 " operations",
				    gsc_elf_path(dw->elf), (uint64_t)n);
	loc->ops = calloc(n ? n : 1, sizeof(*loc->ops));
	if (!loc->ops)
		return &gsc_enomem;
	for (Dwarf_Unsigned j = 0; j < n; j++) {
		Dwarf_Error e = NULL;
		Dwarf_Small atom;
		Dwarf_Unsigned op1, op2, op3, raw1, raw2, raw3, branch;
		int res = dwarf_get_location_op_value_d(desc, j, &atom, &op1, &op2, &op3, &raw1,
							&raw2, &raw3, &branch, &e);
		DW_CHECK(dw, res, e, "location operation");
		if (res != DW_DLV_OK)
			return gsc_bad_data("%s: DWARF: missing location operation",
					    gsc_elf_path(dw->elf));
		loc->ops[loc->nops++] = (struct gsc_dwarf_op){ atom, op1, op2 };
	}
	return decode_pieces(loc);
}

static void loc_head_freep(Dwarf_Loc_Head_c *h)
{
	if (*h)
		dwarf_loc_head_c_dealloc(*h);
}

/* One entry of a location list; *keep_ret false for base/end entries. */
static struct gsc_error *read_loc_entry(struct gsc_dwarf *dw, Dwarf_Loc_Head_c head,
					Dwarf_Unsigned i, bool is_expr, struct gsc_dwarf_loc *loc,
					bool *keep_ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Small lle, src;
	Dwarf_Unsigned rawlo, rawhi, nops, exproff, descoff;
	Dwarf_Bool unavailable = false;
	Dwarf_Addr lo, hi;
	Dwarf_Locdesc_c desc;
	int res = dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &unavailable, &lo, &hi,
					    &nops, &desc, &src, &exproff, &descoff, &e);
	DW_CHECK(dw, res, e, "location entry");
	*keep_ret = res == DW_DLV_OK && !unavailable && (is_expr || lo < hi);
	if (!*keep_ret)
		return NULL;
	*loc = (struct gsc_dwarf_loc){ .all_pcs = is_expr, .low_pc = is_expr ? 0 : lo,
				       .high_pc = is_expr ? 0 : hi };
	return read_ops(dw, desc, nops, loc);
}

/* DW_AT_location (or frame base) of die as decoded entries; 0 if absent. */
static struct gsc_error *read_location(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Half at,
				       struct gsc_dwarf_loc **ret, size_t *n_ret)
{
	Dwarf_Error e = NULL;
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	_cleanup_(loc_head_freep) Dwarf_Loc_Head_c head = NULL;
	Dwarf_Unsigned count;
	unsigned kind;
	*ret = NULL;
	*n_ret = 0;
	int res = dwarf_attr(die, at, &a, &e);
	DW_CHECK(dw, res, e, "location attribute");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	res = dwarf_get_loclist_c(a, &head, &count, &e);
	DW_CHECK(dw, res, e, "location list");
	if (res == DW_DLV_NO_ENTRY)
		return NULL;
	res = dwarf_get_loclist_head_kind(head, &kind, &e);
	DW_CHECK(dw, res, e, "location list kind");
	if (count > 65536)
		return gsc_bad_data("%s: DWARF: location list of %" PRIu64 " entries",
				    gsc_elf_path(dw->elf), (uint64_t)count);
	struct gsc_dwarf_loc *locs = calloc(count ? count : 1, sizeof(*locs));
	if (!locs)
		return &gsc_enomem;
	size_t n = 0;
	for (Dwarf_Unsigned i = 0; i < count; i++) {
		bool keep;
		struct gsc_error *err = read_loc_entry(dw, head, i, kind == DW_LKIND_expression,
						       &locs[n], &keep);
		if (err) {
			loc_free(locs, n + 1);
			return err;
		}
		n += keep;
	}
	*ret = locs;
	*n_ret = n;
	return NULL;
}

/* ---- globals and constants ---- */

static struct gsc_error *global_cb(struct gsc_dwarf *dw, Dwarf_Die die, void *arg)
{
	struct gsc_dwarf_loc *locs;
	size_t n;
	struct gsc_error *err = read_location(dw, die, DW_AT_location, &locs, &n);
	if (err)
		return err;
	if (!n) {
		loc_free(locs, n);
		return &not_this;	/* an extern declaration: look for the definition */
	}
	if (n == 1 && locs[0].npieces == 1 && locs[0].pieces[0].kind == GSC_DWARF_PIECE_ADDR)
		*(uint64_t *)arg = (uint64_t)locs[0].pieces[0].offset;
	else
		err = gsc_error_create(GSC_ERR_UNSUPPORTED,
				       "%s: variable is not at a fixed address",
				       gsc_elf_path(dw->elf));
	loc_free(locs, n);
	return err;
}

struct gsc_error *gsc_dwarf_global_address(struct gsc_dwarf *dw, const char *name, uint64_t *ret)
{
	uint64_t addr;
	struct gsc_error *err = for_each_named(dw, "variable", name, KIND_VAR, global_cb, &addr);
	if (!err)
		*ret = addr;
	return err;
}

static struct gsc_error *const_cb(struct gsc_dwarf *dw, Dwarf_Die die, void *arg)
{
	Dwarf_Error e = NULL;
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	int res = dwarf_attr(die, DW_AT_const_value, &a, &e);
	DW_CHECK(dw, res, e, "DW_AT_const_value");
	if (res == DW_DLV_NO_ENTRY)
		return &not_this;
	Dwarf_Half form;
	res = dwarf_whatform(a, &form, &e);
	DW_CHECK(dw, res, e, "DW_AT_const_value");
	if (form == DW_FORM_sdata || form == DW_FORM_implicit_const) {
		Dwarf_Signed v;
		res = dwarf_formsdata(a, &v, &e);
		DW_CHECK(dw, res, e, "DW_AT_const_value");
		*(int64_t *)arg = v;
		return NULL;
	}
	Dwarf_Unsigned u;
	res = dwarf_formudata(a, &u, &e);
	DW_CHECK(dw, res, e, "DW_AT_const_value");
	*(int64_t *)arg = (int64_t)u;
	return NULL;
}

struct gsc_error *gsc_dwarf_constant(struct gsc_dwarf *dw, const char *name, int64_t *ret)
{
	int64_t v;
	struct gsc_error *err = for_each_named(dw, "constant", name, KIND_CONST, const_cb, &v);
	if (!err)
		*ret = v;
	return err;
}

/* ---- functions ---- */

/*
 * The code of a function: the hull [low, high) of its address ranges and how
 * many non-empty ranges it has.  Hot/cold splitting (gcc -O2, "main.cold")
 * puts the parts far apart, so the hull may cover other functions' code.
 */
struct pc_span {
	uint64_t low, high;
	size_t n;
};

static struct gsc_error *span_add(struct gsc_dwarf *dw, struct pc_span *s, uint64_t lo,
				  uint64_t hi)
{
	if (hi < lo)
		return gsc_bad_data("%s: DWARF: address range ends at 0x%" PRIx64 " before it"
				    " starts at 0x%" PRIx64, gsc_elf_path(dw->elf), hi, lo);
	if (hi == lo)
		return NULL;	/* empty: no code */
	if (!s->n || lo < s->low)
		s->low = lo;
	if (!s->n || hi > s->high)
		s->high = hi;
	s->n++;
	return NULL;
}

static void rnglists_head_freep(Dwarf_Rnglists_Head *h)
{
	if (*h)
		dwarf_dealloc_rnglists_head(*h);
}

/*
 * DWARF 5 §2.17.3: a .debug_rnglists list, by DW_FORM_rnglistx index or
 * DW_FORM_sec_offset.  libdwarf cooks every bounded entry into addresses
 * (base and .debug_addr applied); base and end entries carry no code.
 */
static struct gsc_error *rnglists_span(struct gsc_dwarf *dw, Dwarf_Attribute a, Dwarf_Half form,
				       Dwarf_Unsigned value, struct pc_span *s)
{
	Dwarf_Error e = NULL;
	_cleanup_(rnglists_head_freep) Dwarf_Rnglists_Head head = NULL;
	Dwarf_Unsigned count, set_off;
	if (dw->rnglists_hidden)
		return gsc_bad_data("%s: DWARF: .debug_rnglists has a corrupt table header",
				    gsc_elf_path(dw->elf));
	int res = dwarf_rnglists_get_rle_head(a, form, value, &head, &count, &set_off, &e);
	DW_CHECK(dw, res, e, "DW_AT_ranges (.debug_rnglists)");
	if (res == DW_DLV_NO_ENTRY)
		return gsc_bad_data("%s: DWARF: DW_AT_ranges 0x%" PRIx64 " has no range list",
				    gsc_elf_path(dw->elf), (uint64_t)value);
	if (count > MAX_RANGES)
		return gsc_bad_data("%s: DWARF: range list of %" PRIu64 " entries",
				    gsc_elf_path(dw->elf), (uint64_t)count);
	for (Dwarf_Unsigned i = 0; i < count; i++) {
		unsigned len, rle;
		Dwarf_Unsigned raw1, raw2, lo, hi;
		Dwarf_Bool unavailable = false;
		res = dwarf_get_rnglists_entry_fields_a(head, i, &len, &rle, &raw1, &raw2,
							&unavailable, &lo, &hi, &e);
		DW_CHECK(dw, res, e, "range list entry");
		if (res != DW_DLV_OK || unavailable || rle == DW_RLE_end_of_list ||
		    rle == DW_RLE_base_address || rle == DW_RLE_base_addressx)
			continue;
		struct gsc_error *err = span_add(dw, s, lo, hi);
		if (err)
			return err;
	}
	return NULL;
}

/* The CU's DW_AT_low_pc: the base of DWARF 4 .debug_ranges entries (§2.17.3). */
static struct gsc_error *cu_base(struct gsc_dwarf *dw, Dwarf_Die die, uint64_t *ret)
{
	Dwarf_Error e = NULL;
	Dwarf_Off off;
	Dwarf_Addr base = 0;
	_cleanup_die_ Dwarf_Die cu = NULL;
	int res = dwarf_CU_dieoffset_given_die(die, &off, &e);
	DW_CHECK(dw, res, e, "CU of DIE");
	struct gsc_error *err = offdie(dw, off, &cu);
	if (err)
		return err;
	res = dwarf_lowpc(cu, &base, &e);
	DW_CHECK(dw, res, e, "CU DW_AT_low_pc");
	*ret = res == DW_DLV_OK ? base : 0;
	return NULL;
}

/*
 * DWARF 4 §2.17.3: a .debug_ranges list of (begin, end) offsets from a base
 * address, which a selection entry (begin = max address) replaces.
 */
static struct gsc_error *ranges_span(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Unsigned off,
				     struct pc_span *s)
{
	Dwarf_Error e = NULL;
	Dwarf_Ranges *r = NULL;
	Dwarf_Signed count = 0;
	Dwarf_Unsigned bytes;
	Dwarf_Off real;
	uint64_t base = 0;
	struct gsc_error *err = cu_base(dw, die, &base);
	if (err)
		return err;
	int res = dwarf_get_ranges_b(dw->dbg, off, die, &real, &r, &count, &bytes, &e);
	DW_CHECK(dw, res, e, "DW_AT_ranges (.debug_ranges)");
	if (res == DW_DLV_NO_ENTRY)
		return gsc_bad_data("%s: DWARF: DW_AT_ranges 0x%" PRIx64 " has no range list",
				    gsc_elf_path(dw->elf), (uint64_t)off);
	if (count < 0 || count > MAX_RANGES)
		err = gsc_bad_data("%s: DWARF: range list of %" PRId64 " entries",
				   gsc_elf_path(dw->elf), (int64_t)count);
	for (Dwarf_Signed i = 0; !err && i < count && r[i].dwr_type != DW_RANGES_END; i++) {
		uint64_t lo, hi;
		if (r[i].dwr_type == DW_RANGES_ADDRESS_SELECTION)
			base = r[i].dwr_addr2;
		else if (gsc_add_overflow(base, r[i].dwr_addr1, &lo) ||
			 gsc_add_overflow(base, r[i].dwr_addr2, &hi))
			err = gsc_bad_data("%s: DWARF: address range overflows",
					   gsc_elf_path(dw->elf));
		else
			err = span_add(dw, s, lo, hi);
	}
	dwarf_ranges_dealloc(dw->dbg, r, count);
	return err;
}

/* DW_AT_ranges of die into s; not_this when it has none. */
static struct gsc_error *die_ranges(struct gsc_dwarf *dw, Dwarf_Die die, struct pc_span *s)
{
	Dwarf_Error e = NULL;
	_cleanup_attr_ Dwarf_Attribute a = NULL;
	Dwarf_Half form, version = 0, offset_size;
	Dwarf_Unsigned value;
	int res = dwarf_attr(die, DW_AT_ranges, &a, &e);
	DW_CHECK(dw, res, e, "DW_AT_ranges");
	if (res == DW_DLV_NO_ENTRY)
		return &not_this;
	res = dwarf_whatform(a, &form, &e);
	DW_CHECK(dw, res, e, "DW_AT_ranges");
	if (form == DW_FORM_sec_offset) {
		Dwarf_Off off;
		res = dwarf_global_formref(a, &off, &e);
		value = off;
	} else {
		res = dwarf_formudata(a, &value, &e);	/* rnglistx index, DWARF 3 data4/8 */
	}
	DW_CHECK(dw, res, e, "DW_AT_ranges");
	if (res != DW_DLV_OK || dwarf_get_version_of_die(die, &version, &offset_size) != DW_DLV_OK)
		return gsc_bad_data("%s: DWARF: unreadable DW_AT_ranges", gsc_elf_path(dw->elf));
	if (version >= 5)
		return rnglists_span(dw, a, form, value, s);
	return ranges_span(dw, die, value, s);
}

/*
 * The code of a subprogram DIE: DW_AT_low_pc/high_pc, else DW_AT_ranges;
 * not_this when it has neither or only empty ranges.
 */
static struct gsc_error *die_pc_range(struct gsc_dwarf *dw, Dwarf_Die die, struct pc_span *s)
{
	Dwarf_Error e = NULL;
	Dwarf_Addr lo, hi;
	Dwarf_Half form;
	enum Dwarf_Form_Class cls;
	*s = (struct pc_span){ 0 };
	int res = dwarf_lowpc(die, &lo, &e);
	DW_CHECK(dw, res, e, "DW_AT_low_pc");
	if (res == DW_DLV_NO_ENTRY) {
		struct gsc_error *err = die_ranges(dw, die, s);
		return err ? err : s->n ? NULL : &not_this;
	}
	res = dwarf_highpc_b(die, &hi, &form, &cls, &e);
	DW_CHECK(dw, res, e, "DW_AT_high_pc");
	if (res == DW_DLV_NO_ENTRY)
		hi = 0;
	else if (cls == DW_FORM_CLASS_CONSTANT && gsc_add_overflow(lo, hi, &hi))
		return gsc_bad_data("%s: DWARF: DW_AT_high_pc overflows", gsc_elf_path(dw->elf));
	if (hi < lo)
		return gsc_bad_data("%s: DWARF: function ends at 0x%" PRIx64 " before it starts"
				    " at 0x%" PRIx64, gsc_elf_path(dw->elf), (uint64_t)hi,
				    (uint64_t)lo);
	*s = (struct pc_span){ lo, hi, 1 };
	return NULL;
}

/*
 * The DIE with the code: die itself, or (for an abstract DW_AT_inline
 * function) its first out-of-line instance.
 */
static struct gsc_error *concrete_die(struct gsc_dwarf *dw, Dwarf_Die die, Dwarf_Die *ret,
				      struct pc_span *s)
{
	struct gsc_error *err = die_pc_range(dw, die, s);
	if (err != &not_this)
		return err;	/* NULL: the caller keeps using die */
	Dwarf_Off off;
	err = die_off(dw, die, &off);
	if (err)
		return err;
	size_t lo = 0, hi = dw->norigins;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (dw->origins[mid].origin < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < dw->norigins && dw->origins[lo].origin == off; lo++) {
		_cleanup_die_ Dwarf_Die c = NULL;
		err = offdie(dw, dw->origins[lo].off, &c);
		if (!err)
			err = die_pc_range(dw, c, s);
		if (err == &not_this)
			continue;
		if (!err)
			*ret = GSC_TAKE(c);
		return err;
	}
	return &not_this;
}

static struct gsc_error *range_cb(struct gsc_dwarf *dw, Dwarf_Die die, void *arg)
{
	_cleanup_die_ Dwarf_Die c = NULL;
	return concrete_die(dw, die, &c, arg);
}

struct gsc_error *gsc_dwarf_func_range(struct gsc_dwarf *dw, const char *name, uint64_t *low_ret,
				       uint64_t *high_ret)
{
	struct pc_span s;
	struct gsc_error *err = for_each_named(dw, "function", name, KIND_FUNC, range_cb, &s);
	if (err)
		return err;
	*low_ret = s.low;
	*high_ret = s.high;
	return NULL;
}

/* "int", "*main.T" (Go names pointers), "char *" (C does not). */
static struct gsc_error *format_type(struct gsc_dwarf *dw, Dwarf_Off off, int depth, char **ret)
{
	Dwarf_Error e = NULL;
	_cleanup_die_ Dwarf_Die die = NULL;
	char *name;
	Dwarf_Half tag;
	struct gsc_error *err = offdie(dw, off, &die);
	if (!err)
		err = die_tag(dw, die, &tag);
	if (err)
		return err;
	int res = dwarf_diename(die, &name, &e);
	DW_CHECK(dw, res, e, "type name");
	if (res == DW_DLV_OK)
		return (*ret = strdup(name)) ? NULL : &gsc_enomem;
	const char *prefix = tag == DW_TAG_const_type ? "const " :
			     tag == DW_TAG_volatile_type ? "volatile " : "";
	const char *suffix = tag == DW_TAG_pointer_type ? " *" : "";
	if ((!*prefix && !*suffix) || depth > MAX_TYPE_CHAIN)
		return (*ret = strdup("?")) ? NULL : &gsc_enomem;
	Dwarf_Off inner;
	bool has;
	_cleanup_free_ char *in = NULL;
	err = die_type(dw, die, &inner, &has);
	if (!err && has)
		err = format_type(dw, inner, depth + 1, &in);
	if (err)
		return err;
	return asprintf(ret, "%s%s%s", prefix, in ? in : "void", suffix) < 0 ? &gsc_enomem : NULL;
}

/* Name, type and result flag of a parameter, through DW_AT_abstract_origin. */
static struct gsc_error *param_names(struct gsc_dwarf *dw, Dwarf_Die die, int depth,
				     struct gsc_dwarf_param *p)
{
	Dwarf_Error e = NULL;
	char *name;
	Dwarf_Off t;
	bool has;
	int res = dwarf_diename(die, &name, &e);
	DW_CHECK(dw, res, e, "parameter name");
	if (res == DW_DLV_NO_ENTRY && depth < 2) {
		Dwarf_Off origin;
		res = ref_attr(die, DW_AT_abstract_origin, &origin, &e);
		DW_CHECK(dw, res, e, "parameter origin");
		if (res == DW_DLV_OK) {
			_cleanup_die_ Dwarf_Die o = NULL;
			struct gsc_error *err = offdie(dw, origin, &o);
			return err ? err : param_names(dw, o, depth + 1, p);
		}
	}
	if (!(p->name = strdup(res == DW_DLV_OK ? name : "?")))
		return &gsc_enomem;
	struct gsc_error *err = die_flag(dw, die, DW_AT_variable_parameter, &p->is_result);
	if (!err)
		err = die_type(dw, die, &t, &has);
	if (!err && has)
		err = format_type(dw, t, 0, &p->type_name);
	if (!err && !p->type_name && !(p->type_name = strdup("?")))
		err = &gsc_enomem;
	return err;
}

static struct gsc_error *add_param(struct gsc_dwarf *dw, Dwarf_Die die, struct gsc_dwarf_func *f,
				   size_t *cap)
{
	struct gsc_error *err = grow((void **)&f->params, cap, f->nparams, sizeof(*f->params));
	if (err)
		return err;
	struct gsc_dwarf_param *p = &f->params[f->nparams++];
	memset(p, 0, sizeof(*p));
	err = param_names(dw, die, 0, p);
	if (!err)
		err = read_location(dw, die, DW_AT_location, &p->locs, &p->nlocs);
	return err;
}

static struct gsc_error *read_params(struct gsc_dwarf *dw, Dwarf_Die fn, struct gsc_dwarf_func *f)
{
	Dwarf_Error e = NULL;
	Dwarf_Die die = NULL;
	Dwarf_Off prev = 0;
	size_t cap = 0;
	int res = dwarf_child(fn, &die, &e);
	while (res == DW_DLV_OK) {
		_cleanup_die_ Dwarf_Die cur = die;
		Dwarf_Off off;
		Dwarf_Half tag;
		struct gsc_error *err = die_off(dw, cur, &off);
		if (!err)
			err = die_tag(dw, cur, &tag);
		if (err)
			return err;
		if (off <= prev)
			return gsc_bad_data("%s: DWARF: parameter list loops at 0x%" PRIx64,
					    gsc_elf_path(dw->elf), (uint64_t)off);
		prev = off;
		if (tag == DW_TAG_formal_parameter && (err = add_param(dw, cur, f, &cap)))
			return err;
		res = dwarf_siblingof_b(dw->dbg, cur, true, &die, &e);
	}
	DW_CHECK(dw, res, e, "parameter sibling");
	return NULL;
}

static struct gsc_error *func_cb(struct gsc_dwarf *dw, Dwarf_Die die, void *arg)
{
	struct gsc_dwarf_func *f = arg;
	_cleanup_die_ Dwarf_Die c = NULL;
	struct pc_span span;
	struct gsc_error *err = concrete_die(dw, die, &c, &span);
	if (err)
		return err;
	f->low_pc = span.low;
	f->high_pc = span.high;
	f->nranges = span.n;
	Dwarf_Die fn = c ? c : die;
	struct gsc_dwarf_loc *fb;
	size_t nfb;
	err = read_location(dw, fn, DW_AT_frame_base, &fb, &nfb);
	if (err)
		return err;
	f->frame_base_is_cfa = nfb == 1 && fb[0].nops == 1 &&
			       fb[0].ops[0].atom == DW_OP_call_frame_cfa;
	loc_free(fb, nfb);
	return read_params(dw, fn, f);
}

struct gsc_error *gsc_dwarf_func_init(struct gsc_dwarf *dw, const char *name,
				      struct gsc_dwarf_func *ret)
{
	struct gsc_dwarf_func f = { 0 };
	struct gsc_error *err = for_each_named(dw, "function", name, KIND_FUNC, func_cb, &f);
	if (!err && !(f.name = strdup(name)))
		err = &gsc_enomem;
	if (err) {
		gsc_dwarf_func_deinit(&f);
		return err;
	}
	*ret = f;
	return NULL;
}

void gsc_dwarf_func_deinit(struct gsc_dwarf_func *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nparams; i++) {
		free(f->params[i].name);
		free(f->params[i].type_name);
		loc_free(f->params[i].locs, f->params[i].nlocs);
	}
	free(f->params);
	free(f->name);
	memset(f, 0, sizeof(*f));
}

/* ---- lifecycle and simple queries ---- */

struct gsc_error *gsc_dwarf_create(struct gsc_elf *elf, struct gsc_dwarf **ret)
{
	struct gsc_dwarf *dw = calloc(1, sizeof(*dw));
	if (!dw)
		return &gsc_enomem;
	dw->elf = elf;
	*ret = dw;
	return NULL;
}

void gsc_dwarf_destroy(struct gsc_dwarf *dw)
{
	if (!dw)
		return;
	if (dw->dbg) {
		Dwarf_Error e = NULL;
		if (dwarf_object_finish(dw->dbg, &e) == DW_DLV_ERROR)
			dwarf_dealloc_error(NULL, e);
	}
	free(dw->names);
	free(dw->table);
	free(dw->origins);
	free(dw->fail_msg);
	gsc_error_destroy(dw->pending);
	free(dw);
}

bool gsc_dwarf_present(const struct gsc_dwarf *dw)
{
	const struct gsc_elf_section *s = gsc_elf_find_debug_section(dw->elf, ".debug_info");
	return s && s->type != SHT_NOBITS && s->size > 0;
}

/*
 * The version of the first unit, read from its header alone (DWARF 5 §7.5.1:
 * unit_length, then a 2-byte version) without inflating the whole section or
 * building the index, so that `gocore info` stays fast on huge binaries.  Go
 * and gcc give every unit of a binary the same version.
 */
struct gsc_error *gsc_dwarf_version(struct gsc_dwarf *dw, unsigned *ret)
{
	if (dw->loaded && !dw->fail_msg) {
		*ret = dw->version;
		return NULL;
	}
	const struct gsc_elf_section *s = gsc_elf_find_debug_section(dw->elf, ".debug_info");
	uint8_t hdr[14];
	if (!s)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no DWARF", gsc_elf_path(dw->elf));
	struct gsc_error *err = gsc_elf_section_peek(dw->elf, s, hdr, sizeof(hdr));
	if (err)
		return err;
	bool le = gsc_elf_little_endian(dw->elf);
	unsigned at = gsc_load32(hdr, le) == 0xffffffff ? 12 : 4;
	unsigned version = gsc_load16(hdr + at, le);
	if (version < 2 || version > 5)
		return gsc_bad_data("%s: .debug_info: first unit has version %u",
				    gsc_elf_path(dw->elf), version);
	*ret = version;
	return NULL;
}

struct gsc_error *gsc_dwarf_producer(struct gsc_dwarf *dw, const char **ret)
{
	struct gsc_error *err = gsc_dwarf_load(dw);
	if (err)
		return err;
	if (!dw->producer)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "%s: no DW_AT_producer",
					gsc_elf_path(dw->elf));
	*ret = dw->producer;
	return NULL;
}

struct gsc_error *gsc_dwarf_stats(struct gsc_dwarf *dw, struct gsc_dwarf_stats *ret)
{
	struct gsc_error *err = gsc_dwarf_load(dw);
	if (!err)
		*ret = (struct gsc_dwarf_stats){ dw->units, dw->nnames, dw->norigins };
	return err;
}
