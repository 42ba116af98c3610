/*
 * test_core_file.c - the register tables against the kernel's layouts, and
 * the core reader on small amd64 and arm64 cores built byte by byte here
 * (ELF header, program headers, notes, segments), good and broken.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
/* Only to check our own constants against the host's kernel headers. */
#include <sys/procfs.h>
#include <sys/user.h>
#define HAVE_HOST_LAYOUT 1
#endif

#include "arch.h"
#include "core_file.h"
#include "target.h"

enum { EM_AMD64 = 62, EM_ARM64 = 183 };

/* ---------------------------------------------------------------- byte builders */

struct bytes {
	uint8_t *p;
	size_t size;
	size_t cap;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* Grows geometrically: 20000-segment cores stay linear (realloc copies under ASan). */
static void append(struct bytes *b, const void *data, size_t n)
{
	if (b->size + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->size + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (data)
		memcpy(b->p + b->size, data, n);
	else
		memset(b->p + b->size, 0, n);
	b->size += n;
}

static void align4(struct bytes *b)
{
	while (b->size % 4)
		append(b, NULL, 1);
}

/* One ELF note (4-byte aligned, as Linux writes them in cores). */
static void add_note(struct bytes *notes, const char *owner, uint32_t type, const void *desc,
		     uint32_t size)
{
	uint8_t h[12];
	put32(h, (uint32_t)strlen(owner) + 1);
	put32(h + 4, size);
	put32(h + 8, type);
	append(notes, h, 12);
	append(notes, owner, strlen(owner) + 1);
	align4(notes);
	append(notes, desc, size);
	align4(notes);
}

struct seg_spec {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t filesz;
	const uint8_t *data;	/* filesz bytes, or NULL for a pattern */
};

/* A pattern byte for address a, so any read can be checked. */
static uint8_t pat(uint64_t a)
{
	return (uint8_t)(a ^ (a >> 8) ^ (a >> 16) ^ 0x5a);
}

/*
 * An ELF64 little-endian file: header, program headers (a PT_NOTE first when
 * notes is non-NULL, then one PT_LOAD per seg), the notes, the segments.
 */
static struct bytes make_elf(uint16_t type, uint16_t machine, uint64_t entry,
			     const struct bytes *notes, const struct seg_spec *segs, size_t nsegs)
{
	struct bytes b = { 0 };
	size_t nph = nsegs + (notes ? 1 : 0);
	append(&b, NULL, 64 + 56 * nph);
	uint8_t *e = b.p;
	memcpy(e, "\177ELF", 4);
	e[4] = 2;	/* ELFCLASS64 */
	e[5] = 1;	/* ELFDATA2LSB */
	e[6] = 1;	/* EV_CURRENT */
	put16(e + 16, type);
	put16(e + 18, machine);
	put32(e + 20, 1);
	put64(e + 24, entry);
	put64(e + 32, 64);		/* e_phoff */
	put16(e + 52, 64);		/* e_ehsize */
	put16(e + 54, 56);		/* e_phentsize */
	put16(e + 56, (uint16_t)nph);
	size_t ph = 0;
	if (notes) {
		uint64_t off = b.size;
		append(&b, notes->p, notes->size);
		uint8_t *p = b.p + 64;
		put32(p, 4);	/* PT_NOTE */
		put64(p + 8, off);
		put64(p + 32, notes->size);
		put64(p + 40, notes->size);
		put64(p + 48, 4);
		ph++;
	}
	for (size_t i = 0; i < nsegs; i++, ph++) {
		uint64_t off = b.size;
		append(&b, segs[i].data, segs[i].filesz);
		if (!segs[i].data)
			for (uint64_t k = 0; k < segs[i].filesz; k++)
				b.p[off + k] = pat(segs[i].vaddr + k);
		uint8_t *p = b.p + 64 + 56 * ph;
		put32(p, 1);	/* PT_LOAD */
		put32(p + 4, 6);
		put64(p + 8, off);
		put64(p + 16, segs[i].vaddr);
		put64(p + 24, segs[i].vaddr);
		put64(p + 32, segs[i].filesz);
		put64(p + 40, segs[i].memsz);
		put64(p + 48, 0x1000);
	}
	return b;
}

/* NT_PRSTATUS for arch: tid, cursig, and pr_reg slot i = base + i. */
static void add_prstatus(struct bytes *notes, const struct gsc_arch_info *ai, int32_t tid,
			 uint16_t cursig, uint64_t base)
{
	uint8_t d[512] = { 0 };
	put16(d + 12, cursig);
	put64(d + 16, 0x100);		/* pr_sigpend */
	put64(d + 24, 0x200);		/* pr_sighold */
	put32(d + 32, (uint32_t)tid);
	put32(d + 36, 1);		/* pr_ppid */
	for (size_t i = 0; i < ai->prstatus_reg_size / 8; i++)
		put64(d + 112 + 8 * i, base + i);
	add_note(notes, "CORE", GSC_NT_PRSTATUS, d, (uint32_t)ai->prstatus_size);
}

static void add_siginfo(struct bytes *notes, int signo, int code, uint64_t addr)
{
	uint8_t d[128] = { 0 };
	put32(d, (uint32_t)signo);
	put32(d + 8, (uint32_t)code);
	put64(d + 16, addr);
	add_note(notes, "CORE", GSC_NT_SIGINFO, d, sizeof(d));
}

static void add_prpsinfo(struct bytes *notes, const char *fname, const char *args)
{
	uint8_t d[136] = { 0 };
	d[0] = 0;
	d[1] = 'R';
	put32(d + 16, 1000);		/* uid */
	put32(d + 20, 100);		/* gid */
	put32(d + 24, 4242);		/* pid */
	put32(d + 28, 1);		/* ppid */
	memcpy(d + 40, fname, strlen(fname) < 16 ? strlen(fname) : 16);
	memcpy(d + 56, args, strlen(args) < 80 ? strlen(args) : 80);
	add_note(notes, "CORE", GSC_NT_PRPSINFO, d, sizeof(d));
}

static void add_auxv(struct bytes *notes, uint64_t entry, uint64_t phdr)
{
	uint8_t d[5 * 16] = { 0 };
	put64(d, GSC_AT_PAGESZ);
	put64(d + 8, 4096);
	put64(d + 16, GSC_AT_PHDR);
	put64(d + 24, phdr);
	put64(d + 32, GSC_AT_ENTRY);
	put64(d + 40, entry);
	put64(d + 48, GSC_AT_NULL);
	put64(d + 64, 77);		/* after AT_NULL: never seen */
	put64(d + 72, 1);
	add_note(notes, "CORE", GSC_NT_AUXV, d, sizeof(d));
}

struct file_spec {
	uint64_t start, end, pgoff;
	const char *path;
};

static void add_ntfile(struct bytes *notes, const struct file_spec *f, size_t n, uint64_t claimed)
{
	struct bytes d = { 0 };
	append(&d, NULL, 16 + 24 * n);
	put64(d.p, claimed);
	put64(d.p + 8, 4096);
	for (size_t i = 0; i < n; i++) {
		put64(d.p + 16 + 24 * i, f[i].start);
		put64(d.p + 24 + 24 * i, f[i].end);
		put64(d.p + 32 + 24 * i, f[i].pgoff);
	}
	for (size_t i = 0; i < n; i++)
		append(&d, f[i].path, strlen(f[i].path) + 1);
	add_note(notes, "CORE", GSC_NT_FILE, d.p, (uint32_t)d.size);
	free(d.p);
}

static void expect_code(struct gsc_error *err, enum gsc_error_code code)
{
	assert_non_null(err);
	if (err->code != code)
		fail_msg("expected code %d, got %d: %s", code, err->code, err->message);
	assert_non_null(err->message);
	gsc_error_destroy(err);
}

static void expect_ok(struct gsc_error *err)
{
	if (err)
		fail_msg("unexpected error: %s", err->message);
}

static bool has_warning(const struct gsc_core *c, const char *needle)
{
	size_t n;
	const char *const *w = gsc_core_warnings(c, &n);
	for (size_t i = 0; i < n; i++)
		if (strstr(w[i], needle))
			return true;
	return false;
}

static void print_warnings(const struct gsc_core *c)
{
	size_t n;
	const char *const *w = gsc_core_warnings(c, &n);
	for (size_t i = 0; i < n; i++)
		print_message("warning: %s\n", w[i]);
}

/* ---------------------------------------------------------------- register tables */

static void test_arch_amd64_table(void **state)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_AMD64);
	assert_non_null(ai);
	assert_ptr_equal(gsc_arch_info_by_machine(EM_AMD64), ai);
	assert_int_equal(ai->nregs, 27);
	/* struct user_regs_struct, arch/x86/include/asm/user_64.h: slot order. */
	static const char *const kernel_order[27] = {
		"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx",
		"rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base",
		"gs_base", "ds", "es", "fs", "gs",
	};
	for (int slot = 0; slot < 27; slot++) {
		int i = gsc_arch_reg_by_name(ai, kernel_order[slot]);
		assert_true(i >= 0);
		assert_int_equal(ai->regs[i].prstatus_offset, slot * 8);
	}
	assert_int_equal(ai->prstatus_reg_size, 27 * 8);
	assert_int_equal(ai->prstatus_size, 336);
	assert_int_equal(ai->prstatus_pid_offset, 32);
	assert_int_equal(ai->prstatus_reg_offset, 112);
	/* gdb's numbering (reference/target_amd64_gdbserver.xml). */
	static const char *const gdb_order[24] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
		"r12", "r13", "r14", "r15", "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
	};
	for (int n = 0; n < 24; n++) {
		assert_int_equal(gsc_arch_reg_by_gdb(ai, n), gsc_arch_reg_by_name(ai, gdb_order[n]));
		assert_int_equal(gsc_arch_reg_by_name(ai, gdb_order[n]), n);
	}
	assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, "orig_rax")].gdb_regno, 57);
	assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, "fs_base")].gdb_regno, 58);
	assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, "gs_base")].gdb_regno, 59);
	assert_int_equal(ai->regs[GSC_AMD64_EFLAGS].bitsize, 32);
	/* x86-64 psABI DWARF numbers. */
	static const char *const dwarf_order[17] = {
		"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
		"r12", "r13", "r14", "r15", "rip",
	};
	for (int n = 0; n < 17; n++)
		assert_int_equal(gsc_arch_reg_by_dwarf(ai, n), gsc_arch_reg_by_name(ai, dwarf_order[n]));
	assert_int_equal(gsc_arch_reg_by_dwarf(ai, 49), GSC_AMD64_EFLAGS);
	assert_int_equal(gsc_arch_reg_by_dwarf(ai, 58), GSC_AMD64_FS_BASE);
	assert_int_equal(gsc_arch_reg_by_dwarf(ai, 17), -1);	/* xmm0: not in this table */
	assert_int_equal(ai->pc, GSC_AMD64_RIP);
	assert_int_equal(ai->sp, GSC_AMD64_RSP);
	assert_int_equal(ai->fp, GSC_AMD64_RBP);
	assert_int_equal(ai->lr, -1);
	assert_int_equal(ai->fs_base, GSC_AMD64_FS_BASE);
	assert_int_equal(ai->dwarf_ra, 16);
	/* No two registers share a slot, a gdb number or a DWARF number. */
	for (size_t i = 0; i < ai->nregs; i++)
		for (size_t j = i + 1; j < ai->nregs; j++) {
			assert_int_not_equal(ai->regs[i].prstatus_offset, ai->regs[j].prstatus_offset);
			assert_int_not_equal(ai->regs[i].gdb_regno, ai->regs[j].gdb_regno);
			if (ai->regs[i].dwarf_regno >= 0)
				assert_int_not_equal(ai->regs[i].dwarf_regno, ai->regs[j].dwarf_regno);
		}
#if defined(HAVE_HOST_LAYOUT) && defined(__x86_64__)
	/* The same facts from the host's own headers. */
	assert_int_equal(sizeof(struct user_regs_struct), ai->prstatus_reg_size);
	assert_int_equal(sizeof(struct elf_prstatus), ai->prstatus_size);
	assert_int_equal(offsetof(struct elf_prstatus, pr_pid), ai->prstatus_pid_offset);
	assert_int_equal(offsetof(struct elf_prstatus, pr_cursig), ai->prstatus_cursig_offset);
	assert_int_equal(offsetof(struct elf_prstatus, pr_reg), ai->prstatus_reg_offset);
	assert_int_equal(sizeof(struct elf_prpsinfo), 136);
	assert_int_equal(offsetof(struct elf_prpsinfo, pr_fname), 40);
	assert_int_equal(offsetof(struct elf_prpsinfo, pr_psargs), 56);
#define OFF(f) assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, #f)].prstatus_offset, \
				offsetof(struct user_regs_struct, f))
	OFF(rax); OFF(rbx); OFF(rcx); OFF(rdx); OFF(rsi); OFF(rdi); OFF(rbp); OFF(rsp);
	OFF(r8); OFF(r9); OFF(r10); OFF(r11); OFF(r12); OFF(r13); OFF(r14); OFF(r15);
	OFF(rip); OFF(eflags); OFF(cs); OFF(ss); OFF(ds); OFF(es); OFF(fs); OFF(gs);
	OFF(orig_rax); OFF(fs_base); OFF(gs_base);
#undef OFF
#endif
}

static void test_arch_arm64_table(void **state)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_ARM64);
	assert_non_null(ai);
	assert_ptr_equal(gsc_arch_info_by_machine(EM_ARM64), ai);
	assert_int_equal(ai->nregs, 34);
	/* struct user_pt_regs: regs[31], sp, pc, pstate. */
	for (int i = 0; i < 31; i++) {
		char name[8];
		snprintf(name, sizeof(name), "x%d", i);
		int r = gsc_arch_reg_by_name(ai, name);
		assert_int_equal(r, i);
		assert_int_equal(ai->regs[r].prstatus_offset, i * 8);
		assert_int_equal(ai->regs[r].dwarf_regno, i);
		assert_int_equal(ai->regs[r].gdb_regno, i);
	}
	assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, "sp")].prstatus_offset, 31 * 8);
	assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, "pc")].prstatus_offset, 32 * 8);
	assert_int_equal(ai->regs[gsc_arch_reg_by_name(ai, "pstate")].prstatus_offset, 33 * 8);
	assert_int_equal(gsc_arch_reg_by_name(ai, "pstate"), gsc_arch_reg_by_name(ai, "cpsr"));
	assert_int_equal(gsc_arch_reg_by_dwarf(ai, 31), GSC_ARM64_SP);
	assert_int_equal(gsc_arch_reg_by_gdb(ai, 32), GSC_ARM64_PC);
	assert_int_equal(ai->regs[GSC_ARM64_CPSR].bitsize, 32);
	assert_int_equal(ai->prstatus_reg_size, 34 * 8);
	assert_int_equal(ai->prstatus_size, 392);
	assert_int_equal(ai->prstatus_reg_offset, 112);
	assert_int_equal(ai->pc, GSC_ARM64_PC);
	assert_int_equal(ai->sp, GSC_ARM64_SP);
	assert_int_equal(ai->lr, GSC_ARM64_X30);
	assert_int_equal(ai->fp, GSC_ARM64_X29);
	assert_int_equal(ai->fs_base, -1);
	assert_int_equal(ai->g_reg, GSC_ARM64_X28);
	assert_null(gsc_arch_info(GSC_ARCH_UNKNOWN));
	assert_null(gsc_arch_info_by_machine(3));
#if defined(HAVE_HOST_LAYOUT) && defined(__aarch64__)
	assert_int_equal(sizeof(struct user_regs_struct), ai->prstatus_reg_size);
	assert_int_equal(offsetof(struct user_regs_struct, pc), 32 * 8);
	assert_int_equal(sizeof(struct elf_prstatus), ai->prstatus_size);
	assert_int_equal(offsetof(struct elf_prstatus, pr_reg), ai->prstatus_reg_offset);
#endif
}

static void test_regs_from_prstatus(void **state)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_AMD64);
	uint8_t pr[27 * 8];
	for (int i = 0; i < 27; i++)
		put64(pr + 8 * i, 0xffffffff00000000ull | (uint64_t)i);
	struct gsc_regs r;
	gsc_arch_regs_from_prstatus(ai, pr, sizeof(pr), true, &r);
	uint64_t v;
	assert_true(gsc_regs_get(&r, GSC_AMD64_RIP, &v));
	assert_int_equal(v, 0xffffffff00000010ull);
	assert_true(gsc_regs_get(&r, GSC_AMD64_EFLAGS, &v));
	assert_int_equal(v, 18);	/* 32-bit: high half dropped */
	/* A short pr_reg: the registers past it are unknown, not garbage. */
	gsc_arch_regs_from_prstatus(ai, pr, 17 * 8, true, &r);
	assert_true(gsc_regs_known(&r, GSC_AMD64_RIP));
	assert_false(gsc_regs_known(&r, GSC_AMD64_RSP));
	assert_false(gsc_regs_get(&r, GSC_AMD64_FS_BASE, &v));
	assert_false(gsc_regs_known(&r, 64));
	assert_false(gsc_regs_known(&r, -1));
}

/* ---------------------------------------------------------------- a complete amd64 core */

/*
 * Memory of the amd64 core:
 *   0x10000-0x12000  dumped           0x12000-0x13000 dumped (adjacent: spans work)
 *   0x20000-0x24000  memsz 0x4000, filesz 0x1000 (the rest not dumped)
 *   0x30000-0x31000  dumped
 */
static const struct seg_spec amd64_segs[] = {
	{ 0x10000, 0x2000, 0x2000, NULL },
	{ 0x12000, 0x1000, 0x1000, NULL },
	{ 0x20000, 0x4000, 0x1000, NULL },
	{ 0x30000, 0x1000, 0x1000, NULL },
};

static struct bytes amd64_core(void)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_AMD64);
	struct bytes n = { 0 };
	uint8_t fp[512], xs[64];
	memset(fp, 0xf1, sizeof(fp));
	memset(xs, 0xf2, sizeof(xs));
	add_prstatus(&n, ai, 101, 11, 0x1000);
	add_prpsinfo(&n, "server", "./server -flag value");
	add_siginfo(&n, 11, 1 /* SEGV_MAPERR */, 0xdead0);
	add_auxv(&n, 0x401000, 0x400040);
	static const struct file_spec files[] = {
		{ 0x400000, 0x401000, 0, "/srv/bin/server" },
		{ 0x401000, 0x480000, 1, "/srv/bin/server" },
		{ 0x7f0000000000, 0x7f0000002000, 0, "/lib/libc.so.6" },
	};
	add_ntfile(&n, files, 3, 3);
	add_note(&n, "CORE", GSC_NT_FPREGSET, fp, sizeof(fp));
	add_note(&n, "LINUX", GSC_NT_X86_XSTATE, xs, sizeof(xs));
	add_prstatus(&n, ai, 102, 0, 0x2000);
	add_note(&n, "CORE", GSC_NT_FPREGSET, fp, 256);
	add_prstatus(&n, ai, 99, 0, 0x3000);
	add_note(&n, "LINUX", GSC_NT_X86_XSAVE_LAYOUT, xs, 16);	/* process-wide, after the last thread */
	struct bytes b = make_elf(4, EM_AMD64, 0, &n,
				  amd64_segs, sizeof(amd64_segs) / sizeof(amd64_segs[0]));
	free(n.p);
	return b;
}

static void test_amd64_threads_and_notes(void **state)
{
	struct bytes b = amd64_core();
	struct gsc_core *c;
	expect_ok(gsc_core_open_memory(b.p, b.size, "amd64.core", &c));
	print_warnings(c);
	size_t nw;
	gsc_core_warnings(c, &nw);
	assert_int_equal(nw, 0);
	assert_int_equal(gsc_core_arch(c), GSC_ARCH_AMD64);
	assert_int_equal(gsc_core_num_threads(c), 3);

	const struct gsc_core_thread *t = gsc_core_thread(c, 0);
	assert_int_equal(t->tid, 101);
	assert_int_equal(t->cursig, 11);
	assert_int_equal(t->sigpend, 0x100);
	assert_int_equal(t->sighold, 0x200);
	uint64_t v;
	assert_true(gsc_regs_get(&t->regs, GSC_AMD64_RIP, &v));
	assert_int_equal(v, 0x1000 + 16);
	assert_true(gsc_regs_get(&t->regs, GSC_AMD64_RSP, &v));
	assert_int_equal(v, 0x1000 + 19);
	assert_true(gsc_regs_get(&t->regs, GSC_AMD64_FS_BASE, &v));
	assert_int_equal(v, 0x1000 + 21);
	assert_true(gsc_regs_get(&t->regs, GSC_AMD64_R15, &v));
	assert_int_equal(v, 0x1000);
	assert_true(gsc_regs_get(&t->regs, GSC_AMD64_RAX, &v));
	assert_int_equal(v, 0x1000 + 10);
	/* Its raw notes: FP and xstate, not the process notes. */
	assert_int_equal(t->nnotes, 2);
	const struct gsc_core_note *fpn = gsc_core_thread_note(t, GSC_NT_FPREGSET);
	assert_non_null(fpn);
	assert_int_equal(fpn->size, 512);
	assert_int_equal(fpn->desc[0], 0xf1);
	const struct gsc_core_note *xn = gsc_core_thread_note(t, GSC_NT_X86_XSTATE);
	assert_non_null(xn);
	assert_string_equal(xn->owner, "LINUX");
	assert_int_equal(xn->size, 64);

	t = gsc_core_thread(c, 1);
	assert_int_equal(t->tid, 102);
	assert_int_equal(t->nnotes, 1);
	assert_int_equal(gsc_core_thread_note(t, GSC_NT_FPREGSET)->size, 256);
	assert_null(gsc_core_thread_note(t, GSC_NT_X86_XSTATE));
	t = gsc_core_thread(c, 2);
	assert_int_equal(t->tid, 99);
	assert_int_equal(t->nnotes, 0);
	assert_non_null(gsc_core_process_note(c, GSC_NT_X86_XSAVE_LAYOUT));
	assert_int_equal(gsc_core_process_note(c, GSC_NT_X86_XSAVE_LAYOUT)->size, 16);
	assert_int_equal(gsc_core_process_note(c, GSC_NT_AUXV)->size, 80);
	assert_null(gsc_core_process_note(c, GSC_NT_FPREGSET));
	assert_null(gsc_core_thread(c, 3));

	assert_int_equal(gsc_core_find_thread(c, 99)->tid, 99);
	assert_int_equal(gsc_core_find_thread(c, 102)->tid, 102);
	assert_null(gsc_core_find_thread(c, 100));

	const struct gsc_core_signal *s = gsc_core_signal(c);
	assert_int_equal(s->signo, 11);
	assert_true(s->from_siginfo);
	assert_int_equal(s->code, 1);
	assert_true(s->has_addr);
	assert_int_equal(s->addr, 0xdead0);
	assert_false(s->has_sender);
	assert_int_equal(s->tid, 101);
	assert_string_equal(gsc_linux_signal_name(s->signo), "SIGSEGV");
	assert_string_equal(gsc_linux_signal_name(7), "SIGBUS");
	assert_null(gsc_linux_signal_name(0));
	assert_null(gsc_linux_signal_name(64));

	const struct gsc_core_psinfo *ps = gsc_core_psinfo(c);
	assert_true(ps->present);
	assert_string_equal(ps->fname, "server");
	assert_string_equal(ps->psargs, "./server -flag value");
	assert_int_equal(ps->pid, 4242);
	assert_int_equal(ps->uid, 1000);
	assert_int_equal(ps->state, 'R');

	assert_true(gsc_core_auxv(c, GSC_AT_ENTRY, &v));
	assert_int_equal(v, 0x401000);
	assert_true(gsc_core_auxv(c, GSC_AT_PHDR, &v));
	assert_int_equal(v, 0x400040);
	assert_false(gsc_core_auxv(c, 77, &v));	/* after AT_NULL */

	size_t nm;
	const struct gsc_core_mapping *m = gsc_core_mappings(c, &nm);
	assert_int_equal(nm, 3);
	assert_int_equal(m[1].start, 0x401000);
	assert_int_equal(m[1].offset, 0x1000);
	assert_string_equal(m[2].path, "/lib/libc.so.6");
	assert_ptr_equal(gsc_core_mapping_at(c, 0x7f0000001fff), &m[2]);
	assert_null(gsc_core_mapping_at(c, 0x7f0000002000));
	assert_null(gsc_core_mapping_at(c, 0x3fffff));
	assert_string_equal(gsc_core_exe_path(c), "/srv/bin/server");
	gsc_core_destroy(c);
	free(b.p);
}

static void test_amd64_memory(void **state)
{
	struct bytes b = amd64_core();
	struct gsc_core *c;
	expect_ok(gsc_core_open_memory(b.p, b.size, "amd64.core", &c));
	uint8_t buf[0x3000];

	/* Inside one segment. */
	expect_ok(gsc_core_read(c, 0x10010, buf, 16));
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], pat(0x10010 + i));
	/* Across two adjacent segments, and across the whole of both. */
	expect_ok(gsc_core_read(c, 0x11ff8, buf, 16));
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], pat(0x11ff8 + i));
	expect_ok(gsc_core_read(c, 0x10000, buf, 0x3000));
	for (int i = 0; i < 0x3000; i++)
		assert_int_equal(buf[i], pat(0x10000 + (uint64_t)i));
	/* Zero bytes anywhere: nothing to fail. */
	expect_ok(gsc_core_read(c, 0x999, buf, 0));

	/* Past the end of dumped memory into a gap: FAULT at the first bad byte. */
	struct gsc_error *err = gsc_core_read(c, 0x12ff8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_FAULT);
	assert_int_equal(err->address, 0x13000);
	assert_non_null(strstr(err->message, "0x13000"));
	assert_non_null(strstr(err->message, "not mapped"));
	gsc_error_destroy(err);
	/* memsz > filesz: the undumped rest is a FAULT, not zeros. */
	expect_ok(gsc_core_read(c, 0x20ff8, buf, 8));
	err = gsc_core_read(c, 0x20ff8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_FAULT);
	assert_int_equal(err->address, 0x21000);
	assert_non_null(strstr(err->message, "not dumped"));
	gsc_error_destroy(err);
	expect_code(gsc_core_read(c, 0, buf, 1), GSC_ERR_FAULT);
	expect_code(gsc_core_read(c, UINT64_MAX, buf, 1), GSC_ERR_FAULT);
	expect_code(gsc_core_read(c, 0x30000, buf, 0x1001), GSC_ERR_FAULT);

	/* In place. */
	const uint8_t *p;
	size_t len;
	expect_ok(gsc_core_span(c, 0x10100, &p, &len));
	assert_int_equal(len, 0x1f00);
	assert_int_equal(p[0], pat(0x10100));
	expect_code(gsc_core_span(c, 0x21000, &p, &len), GSC_ERR_FAULT);

	/* Through the target interface. */
	struct gsc_target *t = gsc_core_target(c);
	assert_int_equal(t->arch, GSC_ARCH_AMD64);
	assert_ptr_equal(t->arch_info, gsc_arch_info(GSC_ARCH_AMD64));
	assert_true(t->little_endian);
	uint64_t v;
	expect_ok(gsc_target_read_u64(t, 0x30008, &v));
	uint64_t want = 0;
	for (int i = 7; i >= 0; i--)
		want = want << 8 | pat(0x30008 + (uint64_t)i);
	assert_int_equal(v, want);
	expect_code(gsc_target_read_u64(t, 0x30ffc, &v), GSC_ERR_FAULT);
	expect_code(gsc_target_write(t, 0x30000, buf, 1), GSC_ERR_UNSUPPORTED);
	int32_t *tids;
	size_t ntids;
	expect_ok(gsc_target_threads(t, &tids, &ntids));
	assert_int_equal(ntids, 3);
	assert_int_equal(tids[0], 101);
	assert_int_equal(tids[2], 99);
	free(tids);
	struct gsc_regs regs;
	expect_ok(gsc_target_read_regs(t, 102, &regs));
	assert_true(gsc_regs_get(&regs, t->arch_info->pc, &v));
	assert_int_equal(v, 0x2000 + 16);
	expect_code(gsc_target_read_regs(t, 7, &regs), GSC_ERR_NOT_FOUND);
	expect_code(gsc_target_write_regs(t, 102, &regs), GSC_ERR_UNSUPPORTED);
	gsc_core_destroy(c);
	free(b.p);
}

/* ---------------------------------------------------------------- arm64 */

static void test_arm64_core(void **state)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_ARM64);
	struct bytes n = { 0 };
	uint8_t tls[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	add_prstatus(&n, ai, 7001, 6, 0xffffffff00000000ull);
	add_prpsinfo(&n, "a-command-name-longer-than-16", "x y ");
	add_note(&n, "LINUX", GSC_NT_ARM_TLS, tls, sizeof(tls));
	add_prstatus(&n, ai, 7002, 0, 0x500);
	static const struct seg_spec segs[] = { { 0x4000000, 0x10000, 0x10000, NULL } };
	struct bytes b = make_elf(4, EM_ARM64, 0, &n, segs, 1);
	free(n.p);

	struct gsc_core *c;
	expect_ok(gsc_core_open_memory(b.p, b.size, "arm64.core", &c));
	print_warnings(c);
	assert_int_equal(gsc_core_arch(c), GSC_ARCH_ARM64);
	assert_int_equal(gsc_core_num_threads(c), 2);
	const struct gsc_core_thread *t = gsc_core_thread(c, 0);
	assert_int_equal(t->tid, 7001);
	uint64_t v;
	assert_true(gsc_regs_get(&t->regs, GSC_ARM64_X0, &v));
	assert_int_equal(v, 0xffffffff00000000ull);
	assert_true(gsc_regs_get(&t->regs, GSC_ARM64_X28, &v));
	assert_int_equal(v, 0xffffffff00000000ull + 28);
	assert_true(gsc_regs_get(&t->regs, GSC_ARM64_SP, &v));
	assert_int_equal(v, 0xffffffff00000000ull + 31);
	assert_true(gsc_regs_get(&t->regs, GSC_ARM64_PC, &v));
	assert_int_equal(v, 0xffffffff00000000ull + 32);
	assert_true(gsc_regs_get(&t->regs, GSC_ARM64_CPSR, &v));
	assert_int_equal(v, 33);	/* 32 bits */
	assert_non_null(gsc_core_thread_note(t, GSC_NT_ARM_TLS));
	assert_int_equal(gsc_core_thread_note(t, GSC_NT_ARM_TLS)->desc[7], 8);
	/* No NT_SIGINFO: the signal comes from the first thread's pr_cursig. */
	const struct gsc_core_signal *s = gsc_core_signal(c);
	assert_int_equal(s->signo, 6);
	assert_false(s->from_siginfo);
	assert_false(s->has_addr);
	assert_int_equal(s->tid, 7001);
	assert_string_equal(gsc_core_psinfo(c)->fname, "a-command-name-l");	/* 16 chars, no NUL */
	assert_string_equal(gsc_core_psinfo(c)->psargs, "x y");
	size_t nm;
	assert_null(gsc_core_mappings(c, &nm));
	assert_int_equal(nm, 0);
	assert_null(gsc_core_exe_path(c));
	assert_false(gsc_core_auxv(c, GSC_AT_ENTRY, &v));

	struct gsc_target *tg = gsc_core_target(c);
	struct gsc_regs r;
	expect_ok(gsc_target_read_regs(tg, 7002, &r));
	assert_true(gsc_regs_get(&r, tg->arch_info->lr, &v));
	assert_int_equal(v, 0x500 + 30);
	expect_ok(gsc_target_read_u64(tg, 0x400fff8, &v));
	expect_code(gsc_target_read_u64(tg, 0x400fffc, &v), GSC_ERR_FAULT);
	gsc_core_destroy(c);
	free(b.p);
}

/* ---------------------------------------------------------------- executables */

/*
 * A tiny executable: one PT_LOAD at vaddr (offset 0, so it holds the ELF
 * header) of 0x2000 file bytes, and a .data PT_LOAD of 0x100 bytes at
 * vaddr + 0x4000 (memsz 0x1000: .bss after it).
 */
static struct bytes make_exe(uint16_t type, uint16_t machine, uint64_t vaddr, uint64_t entry,
			     uint8_t fill)
{
	uint8_t text[0x2000 - 64 - 2 * 56], data[0x100];
	memset(text, fill, sizeof(text));
	memset(data, 0xdd, sizeof(data));
	struct bytes b = { 0 };
	append(&b, NULL, 64 + 2 * 56);
	memcpy(b.p, "\177ELF", 4);
	b.p[4] = 2;
	b.p[5] = 1;
	b.p[6] = 1;
	put16(b.p + 16, type);
	put16(b.p + 18, machine);
	put32(b.p + 20, 1);
	put64(b.p + 24, entry);
	put64(b.p + 32, 64);
	put16(b.p + 52, 64);
	put16(b.p + 54, 56);
	put16(b.p + 56, 2);
	append(&b, text, sizeof(text));
	append(&b, data, sizeof(data));
	uint8_t *p = b.p + 64;
	put32(p, 1);
	put32(p + 4, 5);
	put64(p + 8, 0);
	put64(p + 16, vaddr);
	put64(p + 24, vaddr);
	put64(p + 32, 0x2000);
	put64(p + 40, 0x2000);
	p += 56;
	put32(p, 1);
	put32(p + 4, 6);
	put64(p + 8, 0x2000);
	put64(p + 16, vaddr + 0x4000);
	put64(p + 24, vaddr + 0x4000);
	put64(p + 32, 0x100);
	put64(p + 40, 0x1000);
	return b;
}

/*
 * A core of that executable loaded at base: its first page dumped (a copy of
 * page0 when given), the rest of the text mapping not dumped (filesz 0), the
 * .data page dumped with 0xee (written at run time), a heap.
 */
static struct bytes exe_core(uint64_t base, const uint8_t *page0, uint64_t at_entry,
			     const char *exe_path)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_AMD64);
	struct bytes n = { 0 };
	add_prstatus(&n, ai, 1, 6, 0);
	if (at_entry)
		add_auxv(&n, at_entry, base + 64);
	const struct file_spec files[] = { { base, base + 0x2000, 0, exe_path } };
	add_ntfile(&n, files, 1, 1);
	uint8_t data[0x1000];
	memset(data, 0xee, sizeof(data));
	const struct seg_spec segs[] = {
		{ base, 0x1000, page0 ? 0x1000 : 0, page0 },
		{ base + 0x1000, 0x1000, 0, NULL },
		{ base + 0x4000, 0x1000, 0x1000, data },
		{ base + 0x10000, 0x1000, 0x1000, NULL },
	};
	struct bytes b = make_elf(4, EM_AMD64, 0, &n, segs, 4);
	free(n.p);
	return b;
}

static void test_exe_layering(void **state)
{
	struct bytes exe = make_exe(2, EM_AMD64, 0x400000, 0x401000, 0xcc);
	struct bytes core = exe_core(0x400000, exe.p, 0x401000, "/srv/bin/server");
	struct gsc_core *c;
	struct gsc_elf *e;
	expect_ok(gsc_core_open_memory(core.p, core.size, "exe.core", &c));
	expect_ok(gsc_elf_open_memory(exe.p, exe.size, "/tmp/server", &e));
	uint8_t buf[16];

	/* Before the executable is added: text is not in the core. */
	struct gsc_error *err = gsc_core_read(c, 0x401000, buf, 1);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_FAULT);
	assert_non_null(strstr(err->message, "no executable added"));
	gsc_error_destroy(err);

	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	size_t nw;
	gsc_core_warnings(c, &nw);
	assert_int_equal(nw, 0);	/* same program: the first page matches */
	assert_int_equal(gsc_core_load_bias(c), 0);
	/* Text from the executable, spanning the core's first page into it. */
	expect_ok(gsc_core_read(c, 0x400ff8, buf, 16));
	assert_memory_equal(buf, exe.p + 0xff8, 16);
	expect_ok(gsc_core_read(c, 0x401ff0, buf, 16));
	assert_int_equal(buf[15], 0xcc);
	/* .data: the core's run-time bytes win over the file's initial ones. */
	expect_ok(gsc_core_read(c, 0x404000, buf, 16));
	assert_int_equal(buf[0], 0xee);
	/* Mapped but in neither: fault names the address. */
	err = gsc_core_read(c, 0x401ff8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->address, 0x402000);
	gsc_error_destroy(err);
	expect_code(gsc_core_add_executable(c, e), GSC_ERR_INVALID_ARG);
	gsc_core_destroy(c);
	gsc_elf_destroy(e);
	free(core.p);
	free(exe.p);
}

static void test_pie_bias(void **state)
{
	const uint64_t base = 0x555555554000ull;
	struct bytes exe = make_exe(3, EM_AMD64, 0, 0x1100, 0xab);
	struct bytes core = exe_core(base, NULL, base + 0x1100, "/srv/bin/pie");
	struct gsc_core *c;
	struct gsc_elf *e;
	expect_ok(gsc_core_open_memory(core.p, core.size, "pie.core", &c));
	expect_ok(gsc_elf_open_memory(exe.p, exe.size, "/elsewhere/pie", &e));
	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	size_t nw;
	gsc_core_warnings(c, &nw);
	assert_int_equal(nw, 0);
	assert_int_equal(gsc_core_load_bias(c), base);
	uint8_t buf[8];
	/* The first page was not dumped: it comes from the file too. */
	expect_ok(gsc_core_read(c, base, buf, 4));
	assert_memory_equal(buf, "\177ELF", 4);
	expect_ok(gsc_core_read(c, base + 0x1100, buf, 8));
	assert_int_equal(buf[0], 0xab);
	expect_ok(gsc_core_read(c, base + 0x4000, buf, 1));
	assert_int_equal(buf[0], 0xee);
	gsc_core_destroy(c);
	gsc_elf_destroy(e);
	free(core.p);
	free(exe.p);
}

/* No NT_AUXV: the PIE bias comes from NT_FILE's mapping of the executable's offset 0. */
static void test_pie_bias_without_auxv(void **state)
{
	const uint64_t base = 0x7ff000000000ull;
	struct bytes exe = make_exe(3, EM_AMD64, 0, 0x1100, 0xab);
	struct bytes core = exe_core(base, NULL, 0, "/srv/bin/pie");
	struct gsc_core *c;
	struct gsc_elf *e;
	expect_ok(gsc_core_open_memory(core.p, core.size, "pie2.core", &c));
	expect_ok(gsc_elf_open_memory(exe.p, exe.size, "/elsewhere/pie", &e));
	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	assert_int_equal(gsc_core_load_bias(c), base);
	uint8_t buf[4];
	expect_ok(gsc_core_read(c, base, buf, 4));
	assert_memory_equal(buf, "\177ELF", 4);
	gsc_core_destroy(c);
	free(core.p);

	/* Nor a matching NT_FILE name: bias 0, said so. */
	core = exe_core(base, NULL, 0, "/srv/bin/other");
	expect_ok(gsc_core_open_memory(core.p, core.size, "pie3.core", &c));
	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	assert_int_equal(gsc_core_load_bias(c), 0);
	assert_true(has_warning(c, "load bias unknown"));
	gsc_core_destroy(c);
	gsc_elf_destroy(e);
	free(core.p);
	free(exe.p);
}

static void test_exe_mismatch(void **state)
{
	struct bytes exe = make_exe(2, EM_AMD64, 0x400000, 0x401000, 0xcc);
	struct bytes other = make_exe(2, EM_AMD64, 0x400000, 0x401000, 0x11);
	struct bytes arm = make_exe(2, EM_ARM64, 0x400000, 0x401000, 0xcc);
	/* The core holds the first page of another build. */
	memset(other.p + 0x800, 0x77, 16);
	struct bytes core = exe_core(0x400000, other.p, 0x401000, "/srv/bin/server");
	struct gsc_core *c;
	struct gsc_elf *e, *a;
	expect_ok(gsc_core_open_memory(core.p, core.size, "m.core", &c));
	expect_ok(gsc_elf_open_memory(exe.p, exe.size, "server", &e));
	expect_ok(gsc_elf_open_memory(arm.p, arm.size, "server-arm64", &a));
	expect_code(gsc_core_add_executable(c, a), GSC_ERR_INVALID_ARG);
	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	assert_true(has_warning(c, "another build"));
	gsc_core_destroy(c);
	free(core.p);

	/* A different entry point (non-PIE): another program. */
	core = exe_core(0x400000, NULL, 0x401234, "/srv/bin/server");
	expect_ok(gsc_core_open_memory(core.p, core.size, "m2.core", &c));
	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	assert_true(has_warning(c, "entry point"));
	gsc_core_destroy(c);
	free(core.p);

	/* Nothing to compare but the name. */
	core = exe_core(0x400000, NULL, 0x401000, "/srv/bin/worker");
	expect_ok(gsc_core_open_memory(core.p, core.size, "m3.core", &c));
	expect_ok(gsc_core_add_executable(c, e));
	print_warnings(c);
	assert_true(has_warning(c, "/srv/bin/worker"));
	gsc_core_destroy(c);
	free(core.p);

	gsc_elf_destroy(e);
	gsc_elf_destroy(a);
	free(exe.p);
	free(other.p);
	free(arm.p);
}

/* ---------------------------------------------------------------- bad input */

static struct gsc_core *open_notes(struct bytes *notes, struct bytes *img)
{
	static const struct seg_spec segs[] = { { 0x1000, 0x1000, 0x1000, NULL } };
	*img = make_elf(4, EM_AMD64, 0, notes, segs, 1);
	struct gsc_core *c;
	expect_ok(gsc_core_open_memory(img->p, img->size, "bad.core", &c));
	print_warnings(c);
	return c;
}

static void test_bad_notes(void **state)
{
	const struct gsc_arch_info *ai = gsc_arch_info(GSC_ARCH_AMD64);
	struct bytes n = { 0 }, img;
	struct gsc_core *c;

	/* A note header cut short at the end of the note segment. */
	add_prstatus(&n, ai, 1, 0, 0);
	append(&n, "\x05\0\0\0\x10", 5);
	align4(&n);
	c = open_notes(&n, &img);
	assert_int_equal(gsc_core_num_threads(c), 1);
	assert_true(has_warning(c, "notes:"));
	gsc_core_destroy(c);
	free(img.p);
	free(n.p);

	/* A descsz running past the segment. */
	n = (struct bytes){ 0 };
	add_prstatus(&n, ai, 1, 0, 0);
	add_prstatus(&n, ai, 2, 0, 0);
	put32(n.p + n.size - 356 + 4, 0x7fffffff);	/* second note's descsz */
	c = open_notes(&n, &img);
	assert_int_equal(gsc_core_num_threads(c), 1);
	assert_true(has_warning(c, "runs past"));
	gsc_core_destroy(c);
	free(img.p);
	free(n.p);

	/* A short NT_PRSTATUS (the wrong arch's) is skipped, and its FP note with it. */
	n = (struct bytes){ 0 };
	uint8_t small[200] = { 0 }, fp[16] = { 0 };
	add_note(&n, "CORE", GSC_NT_PRSTATUS, small, sizeof(small));
	add_note(&n, "CORE", GSC_NT_FPREGSET, fp, sizeof(fp));
	add_prstatus(&n, ai, 3, 0, 0);
	c = open_notes(&n, &img);
	assert_int_equal(gsc_core_num_threads(c), 1);
	assert_int_equal(gsc_core_thread(c, 0)->tid, 3);
	assert_int_equal(gsc_core_thread(c, 0)->nnotes, 0);
	assert_true(has_warning(c, "thread skipped"));
	gsc_core_destroy(c);
	free(img.p);
	free(n.p);

	/* NT_FILE with an absurd count, then one whose names run out. */
	n = (struct bytes){ 0 };
	add_prstatus(&n, ai, 4, 0, 0);
	static const struct file_spec f[] = { { 0x1000, 0x2000, 0, "/a" }, { 0x3000, 0x4000, 0, "/b" } };
	add_ntfile(&n, f, 2, 0x0fffffffffffffffull);
	c = open_notes(&n, &img);
	size_t nm;
	gsc_core_mappings(c, &nm);
	assert_int_equal(nm, 0);
	assert_true(has_warning(c, "NT_FILE claims"));
	gsc_core_destroy(c);
	free(img.p);
	free(n.p);

	n = (struct bytes){ 0 };
	add_prstatus(&n, ai, 4, 0, 0);
	struct bytes d = { 0 };
	append(&d, NULL, 16 + 48);
	put64(d.p, 2);
	put64(d.p + 8, 4096);
	put64(d.p + 16, 0x1000);
	put64(d.p + 24, 0x2000);
	put64(d.p + 40, 0x3000);
	put64(d.p + 48, 0x4000);
	append(&d, "/only-one", 10);
	add_note(&n, "CORE", GSC_NT_FILE, d.p, (uint32_t)d.size);
	free(d.p);
	/* Plus: a short siginfo and prpsinfo, an empty auxv. */
	add_note(&n, "CORE", GSC_NT_SIGINFO, fp, 8);
	add_note(&n, "CORE", GSC_NT_PRPSINFO, fp, 16);
	add_note(&n, "CORE", GSC_NT_AUXV, fp, 0);
	c = open_notes(&n, &img);
	const struct gsc_core_mapping *m = gsc_core_mappings(c, &nm);
	assert_int_equal(nm, 1);
	assert_string_equal(m[0].path, "/only-one");
	assert_true(has_warning(c, "names end"));
	assert_true(has_warning(c, "NT_SIGINFO"));
	assert_true(has_warning(c, "NT_PRPSINFO"));
	assert_false(gsc_core_psinfo(c)->present);
	assert_int_equal(gsc_core_signal(c)->signo, 0);
	uint64_t v;
	assert_false(gsc_core_auxv(c, GSC_AT_NULL, &v));
	gsc_core_destroy(c);
	free(img.p);
	free(n.p);

	/* No notes at all: a core with memory and no threads. */
	n = (struct bytes){ 0 };
	c = open_notes(&n, &img);
	assert_int_equal(gsc_core_num_threads(c), 0);
	assert_true(has_warning(c, "no threads"));
	gsc_core_destroy(c);
	free(img.p);

	/* Thousands of bad notes: warnings stay bounded. */
	n = (struct bytes){ 0 };
	for (int i = 0; i < 5000; i++)
		add_note(&n, "CORE", GSC_NT_PRSTATUS, small, 8);
	c = open_notes(&n, &img);
	size_t nw;
	gsc_core_warnings(c, &nw);
	assert_true(nw <= 33);
	assert_true(has_warning(c, "further warnings left out"));
	gsc_core_destroy(c);
	free(img.p);
	free(n.p);
}

static void test_not_a_core(void **state)
{
	struct gsc_core *c;
	struct bytes exe = make_exe(2, EM_AMD64, 0x400000, 0x401000, 0);
	struct gsc_error *err = gsc_core_open_memory(exe.p, exe.size, "exe", &c);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_INVALID_ARG);
	assert_non_null(strstr(err->message, "not a core"));
	gsc_error_destroy(err);

	put16(exe.p + 16, 4);
	put16(exe.p + 18, 40);	/* EM_ARM (32-bit ARM) */
	expect_code(gsc_core_open_memory(exe.p, exe.size, "arm", &c), GSC_ERR_UNSUPPORTED);
	put16(exe.p + 18, EM_AMD64);
	exe.p[5] = 2;		/* big-endian */
	expect_code(gsc_core_open_memory(exe.p, exe.size, "be", &c), GSC_ERR_UNSUPPORTED);
	free(exe.p);

	static const char junk[] = "this is not an ELF file at all, just some text";
	err = gsc_core_open_memory(junk, sizeof(junk), "junk", &c);
	assert_non_null(err);
	gsc_error_destroy(err);
	err = gsc_core_open_memory(junk, 0, "empty", &c);
	assert_non_null(err);
	gsc_error_destroy(err);
	err = gsc_core_open("/nonexistent/core", &c);
	assert_non_null(err);
	assert_int_equal(err->code, GSC_ERR_OS);
	gsc_error_destroy(err);
}

static void test_truncated(void **state)
{
	struct bytes full = amd64_core();
	/* Cut in the middle of the third segment (0x20000, 0x1000 bytes in the file). */
	size_t seg3 = full.size - 0x1000 - 0x1000;	/* file offset of 0x20000's bytes */
	size_t cut = seg3 + 0x800;
	struct gsc_core *c;
	expect_ok(gsc_core_open_memory(full.p, cut, "cut.core", &c));
	print_warnings(c);
	assert_true(has_warning(c, "core truncated"));
	assert_true(has_warning(c, "0x20800"));
	assert_int_equal(gsc_core_num_threads(c), 3);
	uint8_t buf[16];
	expect_ok(gsc_core_read(c, 0x207f8, buf, 8));
	struct gsc_error *err = gsc_core_read(c, 0x207f8, buf, 16);
	assert_non_null(err);
	assert_int_equal(err->address, 0x20800);
	assert_non_null(strstr(err->message, "truncated"));
	gsc_error_destroy(err);
	expect_code(gsc_core_read(c, 0x30000, buf, 1), GSC_ERR_FAULT);
	gsc_core_destroy(c);

	/* Cut inside the notes: threads up to there, a warning, memory gone. */
	expect_ok(gsc_core_open_memory(full.p, 64 + 56 * 5 + 400, "cut2.core", &c));
	print_warnings(c);
	assert_int_equal(gsc_core_num_threads(c), 1);
	assert_true(has_warning(c, "core truncated"));
	expect_code(gsc_core_read(c, 0x10000, buf, 1), GSC_ERR_FAULT);
	gsc_core_destroy(c);

	/* Cut inside the program headers: nothing usable. */
	expect_code(gsc_core_open_memory(full.p, 64 + 56 * 2, "cut3.core", &c),
		    GSC_ERR_BAD_DATA);
	free(full.p);
}

/* Many segments: every lookup goes through the binary search. */
static void test_many_segments(void **state)
{
	enum { N = 20000 };
	struct seg_spec *segs = calloc(N, sizeof(*segs));
	assert_non_null(segs);
	for (int i = 0; i < N; i++) {
		/* Pairs of adjacent 64-byte segments, then a 128-byte gap; file order shuffled. */
		int j = (i * 7919) % N;
		segs[i] = (struct seg_spec){ 0x100000 + (uint64_t)j / 2 * 256 + (uint64_t)(j % 2) * 64,
					      64, 64, NULL };
	}
	struct bytes img = make_elf(4, EM_AMD64, 0, NULL, segs, N);
	struct gsc_core *c;
	expect_ok(gsc_core_open_memory(img.p, img.size, "many.core", &c));
	uint8_t buf[128];
	for (uint64_t pair = 0; pair < N / 2; pair += 37) {
		uint64_t a = 0x100000 + pair * 256;
		expect_ok(gsc_core_read(c, a + 10, buf, 100));	/* spans the pair */
		for (int k = 0; k < 100; k++)
			assert_int_equal(buf[k], pat(a + 10 + (uint64_t)k));
		struct gsc_error *err = gsc_core_read(c, a + 100, buf, 40);
		assert_non_null(err);
		assert_int_equal(err->address, a + 128);
		gsc_error_destroy(err);
	}
	gsc_core_destroy(c);
	free(img.p);
	free(segs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arch_amd64_table),
		cmocka_unit_test(test_arch_arm64_table),
		cmocka_unit_test(test_regs_from_prstatus),
		cmocka_unit_test(test_amd64_threads_and_notes),
		cmocka_unit_test(test_amd64_memory),
		cmocka_unit_test(test_arm64_core),
		cmocka_unit_test(test_exe_layering),
		cmocka_unit_test(test_pie_bias),
		cmocka_unit_test(test_pie_bias_without_auxv),
		cmocka_unit_test(test_exe_mismatch),
		cmocka_unit_test(test_bad_notes),
		cmocka_unit_test(test_not_a_core),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_many_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
