/*
 * go_moduledata.h - runtime.firstmoduledata: the address ranges of a Go
 * module (text, data, bss, types, gofunc) as the runtime itself sees them.
 *
 * Facts: ../shared/reference/go-runtime.md §2.1-2.2.  The first 0x100 bytes
 * are identical in Go 1.18-1.27; the tail moves per version (a table here,
 * used only for fields past 0x100).  Found by symbol, by the `.go.module`
 * section (1.26+), or without either by scanning writable segments for a
 * pointer to the pcHeader and validating the slices that follow it, so it
 * works on stripped binaries and PIE (the Go linker writes link-time
 * addresses in place).
 *
 * Does not: follow `next` (plugins), read a live process or core (it reads
 * the executable's file image; a core has the same words, less the bias).
 */
#ifndef GSC_GO_MODULEDATA_H
#define GSC_GO_MODULEDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct gsc_elf;

struct gsc_moduledata {
	uint64_t addr;		/* link-time address of the struct */
	uint64_t pcheader;
	uint64_t minpc, maxpc;
	uint64_t text, etext;
	uint64_t noptrdata, enoptrdata, data, edata;
	uint64_t bss, ebss, noptrbss, enoptrbss;
	uint64_t types, etypes;	/* 0 when the version's layout is unknown */
	uint64_t rodata, gofunc;
	uint64_t textsectmap, ntextsect;	/* []textsect{vaddr, end, baseaddr} */
	const char *how;	/* "symbol", "section .go.module", "scan" */
};

/*
 * Decodes moduledata from its bytes.  go_minor selects the tail layout
 * (19..27); an unknown minor leaves types/rodata/gofunc 0.
 */
struct gsc_error *gsc_moduledata_decode(const uint8_t *bytes, size_t size, bool little_endian,
					int go_minor, struct gsc_moduledata *ret) GSC_WUR;

/*
 * Finds firstmoduledata for the pcHeader at link-time address pclntab_addr,
 * whose first 0x48 bytes are pcheader (used to validate the candidates).
 */
struct gsc_error *gsc_moduledata_find(struct gsc_elf *elf, uint64_t pclntab_addr,
				      const uint8_t *pcheader, size_t pcheader_size,
				      int go_minor, struct gsc_moduledata *ret) GSC_WUR;

#endif
