/*
 * pcln_dump.c - prints goscope's view of a Go executable's pclntab, for
 * run-pclntab.sh and run-inline.sh to compare with Go's own tools.
 *
 *   pcln_dump info EXE            how the table was found; magic, text, gofunc
 *   pcln_dump funcs EXE           "ADDR NAME" per function (hex, no 0x)
 *   pcln_dump pcs EXE [N]         up to N sample pcs per function, "0xPC" each
 *   pcln_dump lines EXE < PCS     "FUNC FILE:LINE" per pc ("? ?:0" if none;
 *                                 " (no line table)" appended if FUNC has none)
 *   pcln_dump inlpcs EXE [N [PREFIX]]
 *                                 about N pcs (evenly spread) that lie in
 *                                 inlined code (PCDATA_InlTreeIndex >= 0), of
 *                                 the functions whose names start with PREFIX
 *   pcln_dump frames EXE < PCS    per pc: "0xPC FUNC FILE:LINE" per logical
 *                                 frame, innermost first, then a blank line
 *                                 (the inline corpus oracle's format)
 *   pcln_dump vframes EXE < PCS   the same, each line prefixed with the
 *                                 frame's own (virtual) pc instead of PC and
 *                                 followed by " [KIND funcid=N]"
 *   pcln_dump callers EXE < PCS   like frames, without the wrapper frames that
 *                                 runtime.CallersFrames elides
 *   pcln_dump bench EXE [N]       time open + N lookups (find_func + file_line)
 *
 * Locating the table is binary.c's job in the product; this test helper does
 * it locally and simply: section .gopclntab / .data.rel.ro.gopclntab, else a
 * scan of the PT_LOAD segments (go-runtime.md §1.3).  moduledata is found in
 * .go.module (1.26+) or by scanning the writable segments for the pclntab
 * address (§2.2); text and gofunc come from it, and are checked against the
 * runtime.text and go:func.* symbols when the binary has them.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <elf.h>

#include "buf.h"
#include "elf_file.h"
#include "go_buildinfo.h"
#include "go_pclntab.h"

struct ctx {
	struct gsc_elf *elf;
	struct gsc_pclntab *tab;
	const char *how;	/* how the table was found */
	uint64_t pcln_addr, md_addr, text, gofunc;
	int go_minor;
	double open_seconds;
};

static void die_err(const char *what, struct gsc_error *err)
{
	fprintf(stderr, "pcln_dump: %s: %s\n", what, err->message);
	exit(1);
}

static struct gsc_error *read_mem(void *arg, uint64_t addr, void *buf, size_t size)
{
	const uint8_t *p;
	struct gsc_error *err = gsc_elf_vaddr_bytes(arg, addr, size, &p);
	if (err)
		return err;
	memcpy(buf, p, size);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The table's bytes: a section if there is one, else a scan of PT_LOAD. */
static void find_table(struct ctx *c, const uint8_t **data, size_t *size)
{
	static const char *const names[] = {".gopclntab", ".data.rel.ro.gopclntab"};
	bool le = gsc_elf_little_endian(c->elf);
	for (size_t i = 0; i < 2; i++) {
		const struct gsc_elf_section *s = gsc_elf_find_section(c->elf, names[i]);
		if (!s)
			continue;
		struct gsc_error *err = gsc_elf_section_data(c->elf, s, data, size);
		if (err)
			die_err(names[i], err);
		c->pcln_addr = s->addr;
		c->how = names[i];
		return;
	}
	size_t isize;
	const uint8_t *image = gsc_elf_image(c->elf, &isize);
	for (size_t i = 0; i < gsc_elf_num_segments(c->elf); i++) {
		const struct gsc_elf_segment *seg = gsc_elf_segment(c->elf, i);
		if (seg->type != PT_LOAD || seg->offset > isize || seg->filesz > isize - seg->offset)
			continue;
		for (uint64_t o = 0; o + 72 <= seg->filesz; o += 8) {
			const uint8_t *p = image + seg->offset + o;
			if (gsc_pclntab_looks_valid(p, seg->filesz - o, le)) {
				*data = p;
				*size = seg->filesz - o;
				c->pcln_addr = seg->vaddr + o;
				c->how = "segment scan";
				return;
			}
		}
	}
	fprintf(stderr, "pcln_dump: no pclntab found\n");
	exit(1);
}

/* moduledata.gofunc's offset (go-runtime.md §2.1). */
static uint64_t gofunc_field(int minor)
{
	if (minor <= 19)
		return 0x130;
	if (minor <= 26)
		return 0x140;
	return 0x158;
}

static bool md_matches(struct ctx *c, const uint8_t *md, const uint8_t *hdr, bool le)
{
	if (gsc_load64(md, le) != c->pcln_addr)
		return false;
	/* funcnametab, cutab, filetab, pctab, pclntable slices start at header offsets. */
	for (unsigned i = 0; i < 5; i++) {
		if (gsc_load64(md + 0x08 + 0x18 * i, le) != c->pcln_addr + gsc_load64(hdr + 0x20 + 8 * i, le))
			return false;
	}
	return true;
}

/* moduledata: .go.module, else a scan of the writable segments for the table's address. */
static void find_moduledata(struct ctx *c, const uint8_t *hdr)
{
	bool le = gsc_elf_little_endian(c->elf);
	const struct gsc_elf_section *s = gsc_elf_find_section(c->elf, ".go.module");
	const uint8_t *md;
	if (s && !gsc_elf_vaddr_bytes(c->elf, s->addr, 0x100, &md) && md_matches(c, md, hdr, le)) {
		c->md_addr = s->addr;
	} else {
		for (size_t i = 0; i < gsc_elf_num_segments(c->elf) && !c->md_addr; i++) {
			const struct gsc_elf_segment *seg = gsc_elf_segment(c->elf, i);
			if (seg->type != PT_LOAD || !(seg->flags & PF_W))
				continue;
			const uint8_t *p;
			if (gsc_elf_vaddr_bytes(c->elf, seg->vaddr, seg->filesz, &p))
				continue;
			for (uint64_t o = 0; o + 0x200 <= seg->filesz; o += 8) {
				if (md_matches(c, p + o, hdr, le)) {
					c->md_addr = seg->vaddr + o;
					md = p + o;
					break;
				}
			}
		}
	}
	if (!c->md_addr) {
		fprintf(stderr, "pcln_dump: no moduledata found\n");
		exit(1);
	}
	c->text = gsc_load64(md + 0xb0, le);
	const uint8_t *g;
	if (!gsc_elf_vaddr_bytes(c->elf, c->md_addr + gofunc_field(c->go_minor), 8, &g))
		c->gofunc = gsc_load64(g, le);
}

/* With symbols, text and gofunc must agree with runtime.text and go:func.*. */
static void check_symbols(struct ctx *c)
{
	struct gsc_elf_symbol sym;
	struct gsc_error *err = gsc_elf_symbol_lookup(c->elf, "runtime.text", &sym);
	if (!err && sym.value != c->text) {
		fprintf(stderr, "pcln_dump: moduledata.text 0x%" PRIx64 " != runtime.text 0x%" PRIx64 "\n",
			c->text, sym.value);
		exit(1);
	}
	gsc_error_destroy(err);
	err = gsc_elf_symbol_lookup(c->elf, c->go_minor <= 19 ? "go.func.*" : "go:func.*", &sym);
	if (!err && sym.value != c->gofunc) {
		fprintf(stderr, "pcln_dump: moduledata.gofunc 0x%" PRIx64 " != go:func.* 0x%" PRIx64 "\n",
			c->gofunc, sym.value);
		exit(1);
	}
	gsc_error_destroy(err);
}

static void open_all(struct ctx *c, const char *path)
{
	struct gsc_error *err = gsc_elf_open(path, &c->elf);
	if (err)
		die_err(path, err);
	struct gsc_buildinfo *bi;
	err = gsc_buildinfo_read(c->elf, &bi);
	if (err)
		die_err("build info", err);
	c->go_minor = bi->go_minor;
	gsc_buildinfo_destroy(bi);

	const uint8_t *data;
	size_t size;
	find_table(c, &data, &size);
	bool le = gsc_elf_little_endian(c->elf);
	find_moduledata(c, data);
	check_symbols(c);

	/* Exercise the header's textStart where there is one (<= 1.25). */
	uint64_t hdr_text = size >= 0x20 ? gsc_load64(data + 0x18, le) : 0;
	if (hdr_text && hdr_text != c->text) {
		fprintf(stderr, "pcln_dump: pcHeader.textStart 0x%" PRIx64 " != moduledata.text 0x%" PRIx64 "\n",
			hdr_text, c->text);
		exit(1);
	}
	struct gsc_pclntab_config cfg = {
		.data = data,
		.size = size,
		.addr = c->pcln_addr,
		.little_endian = le,
		.text_start = hdr_text ? 0 : c->text,
		.gofunc = c->gofunc,
		.go_minor = c->go_minor,
		.read_mem = read_mem,
		.read_mem_arg = c->elf,
	};
	double t0 = now();
	err = gsc_pclntab_open(&cfg, &c->tab);
	c->open_seconds = now() - t0;
	if (err)
		die_err("pclntab", err);
}

static void cmd_info(struct ctx *c)
{
	uint64_t lo, hi;
	gsc_pclntab_pc_range(c->tab, &lo, &hi);
	printf("go1.%d table=%s at 0x%" PRIx64 " magic=0x%08" PRIx32 " quantum=%u text=0x%" PRIx64
	       " gofunc=0x%" PRIx64 " moduledata=0x%" PRIx64 " nfunc=%zu nfiles=%zu pcs=[0x%" PRIx64 ",0x%" PRIx64 ")\n",
	       c->go_minor, c->how, c->pcln_addr, gsc_pclntab_magic(c->tab), gsc_pclntab_quantum(c->tab),
	       gsc_pclntab_text_start(c->tab), c->gofunc, c->md_addr, gsc_pclntab_num_funcs(c->tab),
	       gsc_pclntab_num_files(c->tab), lo, hi);
}

static void get_func(struct ctx *c, size_t i, struct gsc_func *f)
{
	struct gsc_error *err = gsc_pclntab_func(c->tab, i, f);
	if (err)
		die_err("function", err);
}

static void cmd_funcs(struct ctx *c)
{
	for (size_t i = 0; i < gsc_pclntab_num_funcs(c->tab); i++) {
		struct gsc_func f;
		get_func(c, i, &f);
		printf("%" PRIx64 " %s\n", f.entry, f.name);
	}
}

/* Sample pcs of f: entry, end-q and evenly spread ones, quantum-aligned. */
static void cmd_pcs(struct ctx *c, unsigned per)
{
	unsigned q = gsc_pclntab_quantum(c->tab);
	for (size_t i = 0; i < gsc_pclntab_num_funcs(c->tab); i++) {
		struct gsc_func f;
		get_func(c, i, &f);
		uint64_t len = f.end - f.entry, prev = UINT64_MAX;
		if (len == 0)
			continue;
		for (unsigned k = 0; k < per; k++) {
			uint64_t off = k + 1 == per ? len - 1 : len * k / per;
			off -= off % q;
			if (off == prev)
				continue;
			prev = off;
			printf("0x%" PRIx64 "\n", f.entry + off);
		}
	}
}

static bool read_pc(uint64_t *pc)
{
	char line[128];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	*pc = strtoull(line, NULL, 16);
	return true;
}

static void cmd_lines(struct ctx *c)
{
	uint64_t pc;
	while (read_pc(&pc)) {
		struct gsc_func f;
		const char *file;
		int32_t line;
		struct gsc_error *err = gsc_pclntab_find_func(c->tab, pc, &f);
		if (err && err->code == GSC_ERR_NOT_FOUND) {
			gsc_error_destroy(err);
			printf("? ?:0\n");
			continue;
		}
		if (!err)
			err = gsc_pclntab_file_line(c->tab, &f, pc, &file, &line);
		if (err)
			die_err("lines", err);
		/* Mark the pcs of functions that have no line table at all (see run-pclntab.sh). */
		printf("%s %s:%" PRId32 "%s\n", f.name, file, line, f.pcln ? "" : " (no line table)");
	}
}

static void cmd_inlpcs(struct ctx *c, unsigned want, const char *prefix)
{
	unsigned q = gsc_pclntab_quantum(c->tab);
	size_t n = 0, cap = 0;
	uint64_t *pcs = NULL;
	for (size_t i = 0; i < gsc_pclntab_num_funcs(c->tab); i++) {
		struct gsc_func f;
		get_func(c, i, &f);
		if (strncmp(f.name, prefix, strlen(prefix)) != 0)
			continue;
		for (uint64_t pc = f.entry; pc < f.end; pc += q) {
			int32_t ix;
			struct gsc_error *err = gsc_pclntab_pcdata(c->tab, &f, GSC_PCDATA_INL_TREE_INDEX, pc, &ix);
			if (err && err->code == GSC_ERR_NOT_FOUND) {	/* padding after the code */
				gsc_error_destroy(err);
				break;
			}
			if (err)
				die_err("inlpcs", err);
			if (ix < 0)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 1024;
				pcs = realloc(pcs, cap * sizeof(*pcs));
				if (!pcs)
					abort();
			}
			pcs[n++] = pc;
		}
	}
	for (size_t k = 0; k < want && k < n; k++)
		printf("0x%" PRIx64 "\n", pcs[n <= want ? k : k * n / want]);
	free(pcs);
}

/* runtime.elideWrapperCalling: a wrapper is shown only when it called a panic. */
static bool elide_wrapper_calling(enum gsc_func_kind callee)
{
	return callee != GSC_FUNC_GOPANIC && callee != GSC_FUNC_SIGPANIC &&
	       callee != GSC_FUNC_PANICWRAP;
}

/*
 * callers: drop the frames runtime.CallersFrames drops (Go 1.21+
 * runtime/symtab.go, Frames.Next): an outer frame (inlined or physical) of
 * kind wrapper unless the frame shown inside it is a panic.
 */
static void cmd_frames(struct ctx *c, bool virtual_pcs, bool callers)
{
	uint64_t pc;
	struct gsc_frame frames[64];
	while (read_pc(&pc)) {
		size_t n;
		struct gsc_error *err = gsc_pclntab_frames(c->tab, pc, frames, 64, &n);
		if (err && err->code == GSC_ERR_NOT_FOUND) {
			gsc_error_destroy(err);
			printf("0x%" PRIx64 " ? ?:0\n\n", pc);
			continue;
		}
		if (err)
			die_err("frames", err);
		enum gsc_func_kind shown = GSC_FUNC_NORMAL;
		for (size_t i = 0; i < n && i < 64; i++) {
			if (callers && i > 0 && frames[i].kind == GSC_FUNC_WRAPPER &&
			    elide_wrapper_calling(shown))
				continue;
			shown = frames[i].kind;
			printf("0x%" PRIx64 " %s %s:%" PRId32, virtual_pcs ? frames[i].pc : pc,
			       frames[i].func, frames[i].file, frames[i].line);
			if (virtual_pcs)
				printf(" [%s funcid=%u]", gsc_func_kind_name(frames[i].kind), frames[i].funcid);
			printf("\n");
		}
		printf("\n");
	}
}

static void cmd_bench(struct ctx *c, unsigned n)
{
	uint64_t lo, hi, x = 88172645463325252ull, sum = 0;
	gsc_pclntab_pc_range(c->tab, &lo, &hi);
	double t0 = now();
	for (unsigned i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t pc = lo + x % (hi - lo);
		struct gsc_func f;
		const char *file;
		int32_t line;
		struct gsc_error *err = gsc_pclntab_find_func(c->tab, pc, &f);
		if (!err)
			err = gsc_pclntab_file_line(c->tab, &f, pc, &file, &line);
		if (err)
			die_err("bench", err);
		sum += (uint64_t)line;
	}
	double t1 = now();
	printf("nfunc=%zu open=%.6fs lookups=%u (find_func+file_line) in %.3fs = %.2fus each (checksum %" PRIu64 ")\n",
	       gsc_pclntab_num_funcs(c->tab), c->open_seconds, n, t1 - t0, (t1 - t0) * 1e6 / n, sum);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: pcln_dump info|funcs|pcs|lines|inlpcs|frames|vframes|callers|bench EXE [N]\n");
		return 2;
	}
	struct ctx c = {0};
	double t0 = now();
	open_all(&c, argv[2]);
	double t_open = now() - t0;
	unsigned n = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 0;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "info"))
		cmd_info(&c);
	else if (!strcmp(cmd, "funcs"))
		cmd_funcs(&c);
	else if (!strcmp(cmd, "pcs"))
		cmd_pcs(&c, n ? n : 4);
	else if (!strcmp(cmd, "lines"))
		cmd_lines(&c);
	else if (!strcmp(cmd, "inlpcs"))
		cmd_inlpcs(&c, n ? n : 200, argc > 4 ? argv[4] : "");
	else if (!strcmp(cmd, "frames") || !strcmp(cmd, "vframes") || !strcmp(cmd, "callers"))
		cmd_frames(&c, cmd[0] == 'v', cmd[0] == 'c');
	else if (!strcmp(cmd, "bench")) {
		printf("elf+buildinfo+moduledata+pclntab open=%.6fs; ", t_open);
		cmd_bench(&c, n ? n : 100000);
	} else {
		fprintf(stderr, "pcln_dump: unknown command %s\n", cmd);
		return 2;
	}
	gsc_pclntab_destroy(c.tab);
	gsc_elf_destroy(c.elf);
	return 0;
}
