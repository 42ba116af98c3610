/*
 * core-dump.c - print what the core reader sees in a real core, in a form a
 * script can compare with readelf -n and gdb:
 *
 *   core-dump CORE [EXE] [ADDR:LEN ...]
 *
 * Lines: "arch A", "signal N NAME code C [addr 0x..] tid T", "psinfo ...",
 * "auxv entry 0x.. phdr 0x..", "exe PATH", "bias 0x..", "mappings N",
 * "segments-ok", one "thread TID pc 0x.. sp 0x.. ..." per thread (amd64:
 * fs_base and the g at fs_base-8; arm64: x28 (g) and lr), "code TID xx xx .."
 * (16 bytes at pc, from the executable when given), "mem ADDR xx ..", and
 * "warning: ..." lines.  Exit 1 on an error.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_file.h"
#include "target.h"

static int die(const char *what, struct gsc_error *err)
{
	fprintf(stderr, "core-dump: %s: %s\n", what, err->message);
	gsc_error_destroy(err);
	return 1;
}

static void hex(const struct gsc_target *t, const char *tag, long long id, uint64_t addr,
		size_t len)
{
	uint8_t buf[256];
	if (len > sizeof(buf))
		len = sizeof(buf);
	struct gsc_error *err = gsc_target_read(t, addr, buf, len);
	if (err) {
		printf("%s %lld fault %s\n", tag, id, err->message);
		gsc_error_destroy(err);
		return;
	}
	printf("%s %lld", tag, id);
	for (size_t i = 0; i < len; i++)
		printf(" %02x", buf[i]);
	printf("\n");
}

static void print_thread(const struct gsc_target *t, const struct gsc_core_thread *th)
{
	const struct gsc_arch_info *ai = t->arch_info;
	uint64_t pc = 0, sp = 0, v;
	gsc_regs_get(&th->regs, ai->pc, &pc);
	gsc_regs_get(&th->regs, ai->sp, &sp);
	printf("thread %" PRId32 " pc 0x%" PRIx64 " sp 0x%" PRIx64, th->tid, pc, sp);
	if (ai->fs_base >= 0 && gsc_regs_get(&th->regs, ai->fs_base, &v)) {
		printf(" fs_base 0x%" PRIx64, v);
		uint64_t g;
		struct gsc_error *err = gsc_target_read_ptr(t, v - 8, &g);
		if (err) {
			printf(" g ?");
			gsc_error_destroy(err);
		} else {
			printf(" g 0x%" PRIx64, g);
		}
	}
	if (ai->arch == GSC_ARCH_ARM64) {
		if (gsc_regs_get(&th->regs, ai->g_reg, &v))
			printf(" x28 0x%" PRIx64, v);
		if (gsc_regs_get(&th->regs, ai->lr, &v))
			printf(" lr 0x%" PRIx64, v);
		if (gsc_regs_get(&th->regs, GSC_ARM64_CPSR, &v))
			printf(" cpsr 0x%" PRIx64, v);
	}
	printf(" cursig %d notes", th->cursig);
	for (size_t i = 0; i < th->nnotes; i++)
		printf("%s0x%" PRIx32, i ? "," : " ", th->notes[i].type);
	printf("\n");
	hex(t, "code", th->tid, pc, 16);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: core-dump CORE [EXE] [ADDR:LEN ...]\n");
		return 2;
	}
	struct gsc_core *core;
	struct gsc_error *err = gsc_core_open(argv[1], &core);
	if (err)
		return die(argv[1], err);
	struct gsc_elf *exe = NULL;
	int argi = 2;
	if (argc > 2 && !strchr(argv[2], ':')) {
		if ((err = gsc_elf_open(argv[2], &exe)) || (err = gsc_core_add_executable(core, exe)))
			return die(argv[2], err);
		argi = 3;
	}
	struct gsc_target *t = gsc_core_target(core);
	printf("arch %s\n", t->arch_info->name);
	const struct gsc_core_signal *s = gsc_core_signal(core);
	const char *sname = gsc_linux_signal_name(s->signo);
	printf("signal %d %s code %d", s->signo, sname ? sname : "?", s->code);
	if (s->has_addr)
		printf(" addr 0x%" PRIx64, s->addr);
	if (s->has_sender)
		printf(" sender %" PRId32, s->sender_pid);
	printf(" tid %" PRId32 "\n", s->tid);
	const struct gsc_core_psinfo *ps = gsc_core_psinfo(core);
	if (ps->present)
		printf("psinfo pid %" PRId32 " ppid %" PRId32 " uid %" PRIu32 " fname %s args %s\n",
		       ps->pid, ps->ppid, ps->uid, ps->fname, ps->psargs);
	uint64_t entry = 0, phdr = 0;
	gsc_core_auxv(core, GSC_AT_ENTRY, &entry);
	gsc_core_auxv(core, GSC_AT_PHDR, &phdr);
	printf("auxv entry 0x%" PRIx64 " phdr 0x%" PRIx64 "\n", entry, phdr);
	const char *path = gsc_core_exe_path(core);
	printf("exe %s\n", path ? path : "?");
	printf("bias 0x%" PRIx64 "\n", gsc_core_load_bias(core));
	size_t nm;
	gsc_core_mappings(core, &nm);
	printf("mappings %zu\n", nm);
	printf("threads %zu\n", gsc_core_num_threads(core));
	for (size_t i = 0; i < gsc_core_num_threads(core); i++)
		print_thread(t, gsc_core_thread(core, i));
	for (; argi < argc; argi++) {
		uint64_t addr = strtoull(argv[argi], NULL, 0);
		size_t len = strtoul(strchr(argv[argi], ':') + 1, NULL, 0);
		hex(t, "mem", (long long)addr, addr, len);
	}
	size_t nw;
	const char *const *w = gsc_core_warnings(core, &nw);
	for (size_t i = 0; i < nw; i++)
		printf("warning: %s\n", w[i]);
	gsc_core_destroy(core);
	gsc_elf_destroy(exe);
	return 0;
}
