/*
 * elf_file.h - an ELF file (executable, shared object or core) via libelf.
 *
 * The file is mmap'd read-only once; sections, segments and symbols point
 * into that mapping or into libelf's buffers and stay valid until
 * gsc_elf_destroy().  Compressed sections (SHF_COMPRESSED, and legacy
 * .zdebug_* "ZLIB" sections) are inflated on first use and cached.
 * Symbols are loaded on first lookup, never at open (a 100 MB binary opens in
 * microseconds).
 *
 * Does not: know about Go, apply relocations, or read a process.
 */
#ifndef GSC_ELF_FILE_H
#define GSC_ELF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum gsc_arch {
	GSC_ARCH_UNKNOWN = 0,
	GSC_ARCH_AMD64,
	GSC_ARCH_ARM64,
};

/* "amd64", "arm64" (Go's names) or "unknown". */
const char *gsc_arch_name(enum gsc_arch arch);

struct gsc_elf_section {
	const char *name;	/* "" when unnamed */
	uint32_t index;
	uint32_t type;		/* SHT_* */
	uint64_t flags;		/* SHF_* */
	uint64_t addr;
	uint64_t offset;	/* in the file */
	uint64_t size;		/* in the file (compressed size if compressed) */
};

struct gsc_elf_segment {
	uint32_t type;		/* PT_* */
	uint32_t flags;		/* PF_* */
	uint64_t offset;
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

struct gsc_elf_symbol {
	const char *name;
	uint64_t value;
	uint64_t size;
	uint8_t type;		/* STT_* */
	uint8_t bind;		/* STB_* */
	uint16_t shndx;
};

struct gsc_elf;

/* Opens and validates the ELF header; NOT an error: a non-executable type. */
struct gsc_error *gsc_elf_open(const char *path, struct gsc_elf **ret) GSC_WUR;
/* Same over bytes the caller keeps alive until destroy (tests, fuzzing). */
struct gsc_error *gsc_elf_open_memory(const void *data, size_t size, const char *name,
				      struct gsc_elf **ret) GSC_WUR;
void gsc_elf_destroy(struct gsc_elf *elf);

const char *gsc_elf_path(const struct gsc_elf *elf);
enum gsc_arch gsc_elf_arch(const struct gsc_elf *elf);
uint16_t gsc_elf_machine(const struct gsc_elf *elf);	/* EM_* */
uint16_t gsc_elf_type(const struct gsc_elf *elf);	/* ET_* */
bool gsc_elf_little_endian(const struct gsc_elf *elf);
bool gsc_elf_is_64(const struct gsc_elf *elf);
/* ET_DYN with an entry point and a PT_INTERP or PT_DYNAMIC: a PIE executable. */
bool gsc_elf_is_pie(const struct gsc_elf *elf);
uint64_t gsc_elf_entry(const struct gsc_elf *elf);

/* The whole file, for scans and raw reads. */
const uint8_t *gsc_elf_image(const struct gsc_elf *elf, size_t *size_ret);

size_t gsc_elf_num_sections(const struct gsc_elf *elf);
const struct gsc_elf_section *gsc_elf_section(const struct gsc_elf *elf, size_t i);
/* First section of that name, or NULL. */
const struct gsc_elf_section *gsc_elf_find_section(const struct gsc_elf *elf, const char *name);
/*
 * The contents of a section, inflated if compressed.  SHT_NOBITS gives size 0.
 * A legacy ".zdebug_x" section is also found as ".debug_x" by
 * gsc_elf_find_debug_section().
 */
struct gsc_error *gsc_elf_section_data(struct gsc_elf *elf, const struct gsc_elf_section *sec,
				       const uint8_t **data_ret, size_t *size_ret) GSC_WUR;
/*
 * The first size bytes of a section's contents (inflating only as much as
 * needed when compressed): for headers, without paying for the whole section.
 */
struct gsc_error *gsc_elf_section_peek(struct gsc_elf *elf, const struct gsc_elf_section *sec,
				       void *buf, size_t size) GSC_WUR;
const struct gsc_elf_section *gsc_elf_find_debug_section(const struct gsc_elf *elf,
							const char *name);
bool gsc_elf_section_compressed(const struct gsc_elf_section *sec);

size_t gsc_elf_num_segments(const struct gsc_elf *elf);
const struct gsc_elf_segment *gsc_elf_segment(const struct gsc_elf *elf, size_t i);

/*
 * size bytes at link-time address vaddr, from the file-backed part of a
 * PT_LOAD segment (or, with no segments, an SHF_ALLOC section).  A range in
 * .bss or outside every segment is a GSC_ERR_FAULT error naming vaddr.
 */
struct gsc_error *gsc_elf_vaddr_bytes(const struct gsc_elf *elf, uint64_t vaddr, uint64_t size,
				      const uint8_t **ret) GSC_WUR;

/* Symbols from .symtab, or .dynsym without one; loaded on first use. */
struct gsc_error *gsc_elf_symbols(struct gsc_elf *elf, const struct gsc_elf_symbol **syms_ret,
				  size_t *count_ret) GSC_WUR;
/* GSC_ERR_NOT_FOUND when there is no such symbol. */
struct gsc_error *gsc_elf_symbol_lookup(struct gsc_elf *elf, const char *name,
					struct gsc_elf_symbol *ret) GSC_WUR;
bool gsc_elf_has_symtab(const struct gsc_elf *elf);

/* The NT_GNU_BUILD_ID note's bytes, or NOT_FOUND. */
struct gsc_error *gsc_elf_build_id(const struct gsc_elf *elf, const uint8_t **ret,
				   size_t *len_ret) GSC_WUR;

/*
 * Walk the notes in [data, data+size) (a PT_NOTE segment or SHT_NOTE section),
 * calling fn for each; fn returning non-NULL stops the walk with that error.
 * Malformed notes end the walk with a BAD_DATA error.
 */
struct gsc_elf_note {
	const char *owner;	/* NUL-terminated inside the note */
	uint32_t type;
	const uint8_t *desc;
	uint32_t desc_size;
};
typedef struct gsc_error *gsc_elf_note_fn(const struct gsc_elf_note *note, void *arg);
struct gsc_error *gsc_elf_walk_notes(const uint8_t *data, size_t size, bool little_endian,
				     gsc_elf_note_fn *fn, void *arg) GSC_WUR;

#endif
