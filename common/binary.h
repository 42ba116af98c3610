/*
 * binary.h - a Go executable as one object: its ELF file, build info,
 * pclntab and moduledata, found by section, by symbol, or by scanning when
 * stripped.  DWARF is opened lazily, only when asked for.
 *
 * All addresses are link-time addresses (a PIE's load bias is the target's
 * business).  Everything returned stays valid until gsc_binary_destroy().
 *
 * Does not: read a process or core, unwind, know g/m layouts.
 */
#ifndef GSC_BINARY_H
#define GSC_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"
#include "error.h"

struct gsc_buildinfo;
struct gsc_pclntab;
struct gsc_moduledata;
struct gsc_dwarf;

enum {
	GSC_GO_MIN_MINOR = 19,	/* oldest Go release we read */
	GSC_GO_MAX_MINOR = 27,	/* newest release with checked tables */
};

struct gsc_binary;

/*
 * Opens a Go executable.  A non-Go ELF, a wrong-arch ELF or a Go older than
 * 1.19 is a clear error.  A Go newer than 1.27 is read with the newest
 * tables and says so in gsc_binary_warning().
 */
struct gsc_error *gsc_binary_open(const char *path, struct gsc_binary **ret) GSC_WUR;
/* The same over an already opened ELF, which the binary then owns. */
struct gsc_error *gsc_binary_open_elf(struct gsc_elf *elf, struct gsc_binary **ret) GSC_WUR;
void gsc_binary_destroy(struct gsc_binary *bin);

struct gsc_elf *gsc_binary_elf(const struct gsc_binary *bin);
enum gsc_arch gsc_binary_arch(const struct gsc_binary *bin);
/* NULL when the binary has no build info (the version then comes from the pclntab). */
const struct gsc_buildinfo *gsc_binary_buildinfo(const struct gsc_binary *bin);
/* "go1.26.8", or "go1.19 or older" guessed from the pclntab magic. */
const char *gsc_binary_go_version(const struct gsc_binary *bin);
int gsc_binary_go_minor(const struct gsc_binary *bin);
struct gsc_pclntab *gsc_binary_pclntab(const struct gsc_binary *bin);
/* NULL when moduledata could not be found (text start then came from .text). */
const struct gsc_moduledata *gsc_binary_moduledata(const struct gsc_binary *bin);
uint64_t gsc_binary_pclntab_addr(const struct gsc_binary *bin);
/* How the pclntab was found: "section .gopclntab", "symbol runtime.pcheader", "scan". */
const char *gsc_binary_pclntab_how(const struct gsc_binary *bin);
bool gsc_binary_stripped(const struct gsc_binary *bin);	/* no .symtab */
/* A note for the user (e.g. an untested Go version), or NULL. */
const char *gsc_binary_warning(const struct gsc_binary *bin);

/* size bytes at a link-time address from the file image (FAULT in .bss or outside). */
struct gsc_error *gsc_binary_read(const struct gsc_binary *bin, uint64_t addr, void *buf,
				  size_t size) GSC_WUR;

/* DWARF, opened on first call; NOT_FOUND when the binary has none. */
struct gsc_error *gsc_binary_dwarf(struct gsc_binary *bin, struct gsc_dwarf **ret) GSC_WUR;

#endif
