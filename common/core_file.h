/*
 * core_file.h - a Linux ELF core file (ET_CORE) of an amd64 or arm64 process,
 * read on any POSIX host, as a read-only struct gsc_target.
 *
 * What it reads (notes decoded with our own per-arch offsets, arch.h):
 *   PT_LOAD        memory; the file is mmap'd once and reads copy straight from
 *                  the mapping (gsc_core_span() gives the bytes in place).
 *   NT_PRSTATUS    one thread each: tid (pr_pid), pr_cursig, registers.
 *   NT_SIGINFO     the fatal signal: si_signo, si_code, si_addr / sender.
 *   NT_PRPSINFO    pr_fname, pr_psargs, pid, uid.
 *   NT_AUXV        AT_ENTRY, AT_PHDR, ... (the PIE load bias comes from AT_ENTRY).
 *   NT_FILE        the file-backed mappings: start, end, file offset, path.
 *   anything else that follows an NT_PRSTATUS (NT_FPREGSET, NT_X86_XSTATE,
 *                  NT_ARM_*) is kept raw with its thread, for later use; the
 *                  process-wide notes above and NT_X86_XSAVE_LAYOUT are kept
 *                  raw too (gsc_core_process_note()).
 *
 * Memory is the core's dumped bytes over the file-backed bytes of the ELF
 * files added with gsc_core_add_executable() / gsc_core_add_elf(), shifted by
 * their load bias: a core usually lacks .text, .rodata and .gopclntab (the
 * kernel dumps read-only file mappings with filesz 0).  Precedence: a byte
 * the core's PT_LOAD claims to hold (within p_filesz) comes from the core and
 * only from the core -- so a truncated core never shows the executable's
 * initial .data where the dumped bytes are missing.
 *
 * Policy for memory that is mapped but absent (p_memsz > p_filesz, pages the
 * kernel did not dump, the tail of a truncated core) and not in an added ELF:
 * a read is GSC_ERR_FAULT naming the first unreadable address, never zeros:
 * the kernel omits pages it chose not to dump, so zero would be a guess.
 *
 * Bad input: every note size and count is bounded by the note's own size; a
 * malformed note is skipped (or ends the walk) with a warning; a truncated
 * file is read as far as it goes with a warning saying what is missing.  Only
 * a file that is not a 64-bit little-endian amd64/arm64 ELF core is an error.
 *
 * Reads (gsc_core_read, gsc_core_span, the target's read_mem and read_regs)
 * change nothing and may run from several threads at once; opening and
 * gsc_core_add_*() may not run alongside them.  Lookups are a binary search
 * over a sorted array of readable pieces (tens of ns per read).
 *
 * Ownership: everything returned points into the core object (or the mapped
 * file) and stays valid until gsc_core_destroy().  ELF files passed to
 * gsc_core_add_*() stay the caller's and must outlive the core.
 *
 * Does not: know Go, unwind, read shared libraries on its own (NT_FILE says
 * where they were; a caller may add them with gsc_core_add_elf()).
 */
#ifndef GSC_CORE_FILE_H
#define GSC_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "elf_file.h"
#include "error.h"
#include "target.h"

/* Note types (include/uapi/linux/elf.h); owners "CORE" and "LINUX". */
enum {
	GSC_NT_PRSTATUS = 1,
	GSC_NT_FPREGSET = 2,
	GSC_NT_PRPSINFO = 3,
	GSC_NT_AUXV = 6,
	GSC_NT_X86_XSTATE = 0x202,
	GSC_NT_X86_XSAVE_LAYOUT = 0x205,	/* once per process (Linux 6.11+) */
	GSC_NT_ARM_TLS = 0x401,
	GSC_NT_ARM_PAC_MASK = 0x406,
	GSC_NT_SIGINFO = 0x53494749,	/* "SIGI" */
	GSC_NT_FILE = 0x46494c45,	/* "FILE" */
};

/* Auxiliary vector keys (include/uapi/linux/auxvec.h). */
enum {
	GSC_AT_NULL = 0,
	GSC_AT_PHDR = 3,
	GSC_AT_PHNUM = 5,
	GSC_AT_PAGESZ = 6,
	GSC_AT_BASE = 7,
	GSC_AT_ENTRY = 9,
	GSC_AT_EXECFN = 31,
};

/* A note kept as raw bytes (points into the mapped core). */
struct gsc_core_note {
	uint32_t type;		/* GSC_NT_FPREGSET, GSC_NT_X86_XSTATE, GSC_NT_ARM_*, ... */
	const char *owner;	/* "CORE", "LINUX" */
	const uint8_t *desc;
	size_t size;
};

struct gsc_core_thread {
	int32_t tid;		/* pr_pid: the LWP, = m.procid of the M on it */
	int cursig;		/* pr_cursig: the signal it stopped with, or 0 */
	uint64_t sigpend;	/* pr_sigpend */
	uint64_t sighold;	/* pr_sighold (blocked mask) */
	struct gsc_regs regs;	/* by the arch's register table */
	const struct gsc_core_note *notes;	/* its other notes, in file order */
	size_t nnotes;
};

/* Linux signal numbers (the same on amd64 and arm64; not the host's). */
enum {
	GSC_SIGILL = 4, GSC_SIGTRAP = 5, GSC_SIGABRT = 6, GSC_SIGBUS = 7,
	GSC_SIGFPE = 8, GSC_SIGKILL = 9, GSC_SIGSEGV = 11, GSC_SIGQUIT = 3,
};

struct gsc_core_signal {
	int signo;		/* 0: no signal recorded */
	int code;		/* si_code (0 when only pr_cursig was there) */
	int errnum;		/* si_errno */
	bool from_siginfo;	/* false: only the first thread's pr_cursig */
	bool has_addr;		/* addr is si_addr (a fault: SEGV, BUS, ILL, FPE, TRAP; si_code > 0) */
	uint64_t addr;
	bool has_sender;	/* sender_* are valid (si_code <= 0: kill, tgkill, sigqueue) */
	int32_t sender_pid;
	uint32_t sender_uid;
	int32_t tid;		/* the thread whose notes carried it (the dumping one) */
};

struct gsc_core_psinfo {
	bool present;
	char state;		/* pr_sname: 'R', 'S', 'D', ... */
	int32_t pid;
	int32_t ppid;
	uint32_t uid;
	uint32_t gid;
	char fname[17];		/* pr_fname: the command, at most 15 chars + NUL */
	char psargs[81];	/* pr_psargs: the command line's first 80 bytes, args space-separated, trailing spaces cut */
};

/* One NT_FILE entry. */
struct gsc_core_mapping {
	uint64_t start;
	uint64_t end;		/* exclusive */
	uint64_t offset;	/* in bytes, in the file */
	const char *path;	/* NUL-terminated, in the note */
};

struct gsc_core;

/*
 * Open a core.  An ELF of another type (an executable passed by mistake) is
 * GSC_ERR_INVALID_ARG; another arch, 32-bit or big-endian is UNSUPPORTED.
 */
struct gsc_error *gsc_core_open(const char *path, struct gsc_core **ret) GSC_WUR;
/* The same over bytes the caller keeps alive until destroy (tests, fuzzing). */
struct gsc_error *gsc_core_open_memory(const void *data, size_t size, const char *name,
				       struct gsc_core **ret) GSC_WUR;
void gsc_core_destroy(struct gsc_core *core);

const char *gsc_core_path(const struct gsc_core *core);
enum gsc_arch gsc_core_arch(const struct gsc_core *core);
const struct gsc_arch_info *gsc_core_arch_info(const struct gsc_core *core);
struct gsc_elf *gsc_core_elf(const struct gsc_core *core);
/* The core as a read-only target (write_mem and write_regs are NULL). */
struct gsc_target *gsc_core_target(struct gsc_core *core);

/* Threads in note order; the first is the one that dumped (the crashing one). */
size_t gsc_core_num_threads(const struct gsc_core *core);
const struct gsc_core_thread *gsc_core_thread(const struct gsc_core *core, size_t i);
/* NULL when no thread has that tid. */
const struct gsc_core_thread *gsc_core_find_thread(const struct gsc_core *core, int32_t tid);
/* First note of that type of a thread, or NULL. */
const struct gsc_core_note *gsc_core_thread_note(const struct gsc_core_thread *th, uint32_t type);

/* The first process-wide note of that type (NT_PRPSINFO, NT_AUXV, NT_SIGINFO, NT_FILE, NT_X86_XSAVE_LAYOUT), raw, or NULL. */
const struct gsc_core_note *gsc_core_process_note(const struct gsc_core *core, uint32_t type);

const struct gsc_core_signal *gsc_core_signal(const struct gsc_core *core);
const struct gsc_core_psinfo *gsc_core_psinfo(const struct gsc_core *core);
/* "SIGSEGV" for a Linux signal number, NULL when unknown. */
const char *gsc_linux_signal_name(int signo);

/* The auxv value of type; false when the core has no such entry (or no NT_AUXV). */
bool gsc_core_auxv(const struct gsc_core *core, uint64_t type, uint64_t *ret);

const struct gsc_core_mapping *gsc_core_mappings(const struct gsc_core *core, size_t *count_ret);
/* The NT_FILE mapping containing addr, or NULL. */
const struct gsc_core_mapping *gsc_core_mapping_at(const struct gsc_core *core, uint64_t addr);
/* The path of the executable the core came from (NT_FILE mapping holding AT_ENTRY), or NULL. */
const char *gsc_core_exe_path(const struct gsc_core *core);

/*
 * Add the executable's file-backed PT_LOAD bytes under the core's memory.
 * The load bias is AT_ENTRY - e_entry for a PIE (0 otherwise; from NT_FILE
 * when there is no auxv).  A different arch is GSC_ERR_INVALID_ARG; signs
 * that the core comes from another program or build (entry point, program
 * headers, the core's copy of the executable's first page, the NT_FILE name)
 * are warnings (gsc_core_warnings), not errors.  At most one executable.
 */
struct gsc_error *gsc_core_add_executable(struct gsc_core *core, struct gsc_elf *exe) GSC_WUR;
/* Load bias of the executable added (0 before, or for a non-PIE). */
uint64_t gsc_core_load_bias(const struct gsc_core *core);
/* Any other ELF (a shared library from NT_FILE) at a given bias, under what is already there. */
struct gsc_error *gsc_core_add_elf(struct gsc_core *core, struct gsc_elf *elf,
				   uint64_t bias) GSC_WUR;

/*
 * size bytes at addr into buf, across adjacent pieces; FAULT names the first
 * unreadable address (and says whether the core omitted or lost it).
 */
struct gsc_error *gsc_core_read(const struct gsc_core *core, uint64_t addr, void *buf,
				size_t size) GSC_WUR;
/*
 * The bytes at addr in place: *ret points at them and *len_ret is how many
 * are contiguous (at least 1).  FAULT when addr itself is unreadable.
 */
struct gsc_error *gsc_core_span(const struct gsc_core *core, uint64_t addr, const uint8_t **ret,
				size_t *len_ret) GSC_WUR;

/* Messages for the user ("core truncated: ..."), in the order they arose. */
const char *const *gsc_core_warnings(const struct gsc_core *core, size_t *count_ret);

#endif
