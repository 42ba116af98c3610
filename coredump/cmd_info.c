/* cmd_info.c - `gocore info EXE` and `gocore addr2line EXE PC...`. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary.h"
#include "dwarf_info.h"
#include "go_buildinfo.h"
#include "go_moduledata.h"
#include "go_pclntab.h"
#include "gocore.h"

static void print_dwarf(struct gsc_binary *bin)
{
	struct gsc_dwarf *dw;
	unsigned version;
	struct gsc_error *err = gsc_binary_dwarf(bin, &dw);
	if (!err)
		err = gsc_dwarf_version(dw, &version);
	if (!err)
		printf("dwarf:        version %u\n", version);
	else if (err->code == GSC_ERR_NOT_FOUND)
		printf("dwarf:        none\n");
	else
		printf("dwarf:        unreadable (%s)\n", err->message);
	gsc_error_destroy(err);
}

static void print_module(const struct gsc_buildinfo *bi)
{
	if (!bi) {
		printf("build info:   none\n");
		return;
	}
	printf("main package: %s\n", bi->path ? bi->path : "?");
	if (bi->main_module && *bi->main_module)
		printf("main module:  %s %s\n", bi->main_module,
		       bi->main_version ? bi->main_version : "");
	else
		printf("main module:  none\n");
	const char *ldflags = gsc_buildinfo_setting(bi, "-ldflags");
	const char *buildmode = gsc_buildinfo_setting(bi, "-buildmode");
	const char *cgo = gsc_buildinfo_setting(bi, "CGO_ENABLED");
	if (buildmode)
		printf("buildmode:    %s\n", buildmode);
	if (ldflags)
		printf("ldflags:      %s\n", ldflags);
	if (cgo)
		printf("cgo:          %s\n", strcmp(cgo, "1") == 0 ? "yes" : "no");
}

int gocore_cmd_info(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "Usage: gocore info EXE\n");
		return 2;
	}
	struct gsc_binary *bin;
	struct gsc_error *err = gsc_binary_open(argv[1], &bin);
	if (err)
		return gocore_fail(err, argv[1]);
	struct gsc_elf *elf = gsc_binary_elf(bin);
	struct gsc_pclntab *tab = gsc_binary_pclntab(bin);
	const struct gsc_moduledata *md = gsc_binary_moduledata(bin);
	if (gsc_binary_warning(bin))
		fprintf(stderr, "gocore: warning: %s\n", gsc_binary_warning(bin));
	printf("file:         %s\n", argv[1]);
	printf("go version:   %s\n", gsc_binary_go_version(bin));
	printf("arch:         %s\n", gsc_arch_name(gsc_binary_arch(bin)));
	print_module(gsc_binary_buildinfo(bin));
	printf("stripped:     %s\n", gsc_binary_stripped(bin) ? "yes (no .symtab)" : "no");
	printf("pie:          %s\n", gsc_elf_is_pie(elf) ? "yes" : "no");
	printf("functions:    %zu\n", gsc_pclntab_num_funcs(tab));
	printf("source files: %zu\n", gsc_pclntab_num_files(tab));
	printf("pclntab:      0x%" PRIx64 " (%s)\n", gsc_binary_pclntab_addr(bin),
	       gsc_binary_pclntab_how(bin));
	if (md)
		printf("moduledata:   0x%" PRIx64 " (%s), text 0x%" PRIx64 "-0x%" PRIx64 "\n",
		       md->addr, md->how, md->text, md->etext);
	else
		printf("moduledata:   not found\n");
	print_dwarf(bin);
	gsc_binary_destroy(bin);
	return 0;
}

static bool parse_pc(const char *s, uint64_t *ret)
{
	char *end;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 16);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

enum { MAX_FRAMES = 64 };

static int print_frames(struct gsc_pclntab *tab, uint64_t pc)
{
	struct gsc_frame frames[MAX_FRAMES];
	size_t n;
	struct gsc_error *err = gsc_pclntab_frames(tab, pc, frames, MAX_FRAMES, &n);
	if (err) {
		bool missing = err->code == GSC_ERR_NOT_FOUND;
		if (missing)
			printf("0x%" PRIx64 " ?? ??:0\n", pc);
		else
			fprintf(stderr, "gocore: addr2line: 0x%" PRIx64 ": %s\n", pc, err->message);
		gsc_error_destroy(err);
		return missing ? 0 : 1;
	}
	if (n > MAX_FRAMES)
		n = MAX_FRAMES;
	for (size_t i = 0; i < n; i++)
		printf("0x%" PRIx64 " %s %s:%d%s\n", pc, frames[i].func, frames[i].file,
		       frames[i].line, frames[i].inlined ? " (inlined)" : "");
	return 0;
}

/* PCs from the command line, or one per line from stdin when there are none. */
static int addr2line_stdin(struct gsc_pclntab *tab)
{
	char line[256];
	int status = 0;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, " \t\r\n")] = 0;
		uint64_t pc;
		if (!*line)
			continue;
		if (!parse_pc(line, &pc)) {
			fprintf(stderr, "gocore: addr2line: '%s' is not a hex address\n", line);
			status = 2;
			continue;
		}
		status |= print_frames(tab, pc);
	}
	return status;
}

int gocore_cmd_addr2line(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "Usage: gocore addr2line EXE [PC...]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		uint64_t pc;
		if (!parse_pc(argv[i], &pc)) {
			fprintf(stderr, "gocore: addr2line: '%s' is not a hex address\n", argv[i]);
			return 2;
		}
	}
	struct gsc_binary *bin;
	struct gsc_error *err = gsc_binary_open(argv[1], &bin);
	if (err)
		return gocore_fail(err, argv[1]);
	struct gsc_pclntab *tab = gsc_binary_pclntab(bin);
	int status = 0;
	if (argc == 2)
		status = addr2line_stdin(tab);
	for (int i = 2; i < argc; i++) {
		uint64_t pc = 0;
		parse_pc(argv[i], &pc);
		status |= print_frames(tab, pc);
	}
	gsc_binary_destroy(bin);
	return status;
}
