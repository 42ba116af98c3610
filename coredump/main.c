/* main.c - gocore: Go core files and binaries, read offline. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gocore.h"

static const char usage[] =
	"Usage: gocore info EXE\n"
	"       gocore addr2line EXE [PC...]\n"
	"       gocore --help | --version\n"
	"\n"
	"Reads Go executables (Go 1.19 to 1.27, amd64 and arm64, stripped or not).\n"
	"\n"
	"Commands:\n"
	"  info EXE             Go version, arch, main module, stripped or not, PIE,\n"
	"                       function count, DWARF version\n"
	"  addr2line EXE PC...  for each pc (hex, link-time address), one line per\n"
	"                       frame, innermost first: 0xPC FUNCTION FILE:LINE,\n"
	"                       with \" (inlined)\" after a frame inlined into the next;\n"
	"                       without PCs, reads them from stdin, one per line\n"
	"\n"
	"Options:\n"
	"  -h, --help     show this help and exit\n"
	"  -V, --version  show the version and exit\n";

int gocore_fail(struct gsc_error *err, const char *what)
{
	fprintf(stderr, "gocore: %s: %s\n", what, err ? err->message : "failed");
	gsc_error_destroy(err);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("gocore (goscope) %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "info"))
		return gocore_cmd_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "addr2line"))
		return gocore_cmd_addr2line(argc - 1, argv + 1);
	fprintf(stderr, "gocore: unknown command '%s' (try --help)\n", cmd);
	return 2;
}
