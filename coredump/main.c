/* main.c - gocore: Go core files and binaries, read offline. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "gocore.h"

const char gocore_usage[] =
	"Usage: gocore [OPTIONS] EXE CORE\n"
	"       gocore info EXE\n"
	"       gocore addr2line EXE [PC...]\n"
	"       gocore --help | --version\n"
	"\n"
	"Reads Go executables and Linux core files of Go programs (Go 1.19 to 1.27,\n"
	"amd64 and arm64 cores, stripped or not), on any host.\n"
	"\n"
	"gocore EXE CORE prints a short summary (executable, Go version, arch, the\n"
	"signal and fault address, the crashing goroutine, the panic value), then\n"
	"every goroutine in the format the program's Go version prints under\n"
	"GOTRACEBACK=crash: the crashing goroutine first, then in allgs order, each as\n"
	"  goroutine N gp=0x... m=M mp=0x... [status, N minutes, locked to thread]:\n"
	"  func(args)\n"
	"  \tfile:line +0xoff fp=0x... sp=0x... pc=0x...\n"
	"  created by func in goroutine N\n"
	"(gp/m/mp fields from Go 1.22 on).  The core has no clock: \"N minutes\" is\n"
	"measured against the newest time the runtime recorded (sched.lastpoll,\n"
	"the last GC, the newest g.waitsince), so it may be lower than the\n"
	"runtime's own figure, never higher.\n"
	"\n"
	"Options for EXE CORE:\n"
	"  --group            goroutines with identical stacks (same functions, files\n"
	"                     and lines and the same state; arguments, addresses and\n"
	"                     wait minutes ignored) as one block with their count and\n"
	"                     ids (\"1-5,9\"), biggest group first; one line per\n"
	"                     frame, runtime frames hidden as GOTRACEBACK=all does\n"
	"  --all-ids          with --group: list every id (default: the first 10 runs)\n"
	"  --json             one JSON document (described by docs/gocore.schema.json):\n"
	"                     exe, core, go_version, goarch, signal, panic, threads,\n"
	"                     goroutines with frames and created_by; addresses are\n"
	"                     \"0x...\" strings\n"
	"  -g, --goroutine ID only goroutine ID (repeatable)\n"
	"  --match REGEX      only goroutines with a function (or creator) matching\n"
	"                     the POSIX extended REGEX\n"
	"  --status S         only goroutines whose status (\"running\", \"waiting\") or\n"
	"                     wait reason (\"chan receive\", \"select\") is S\n"
	"  --no-summary       text: the goroutines only, no summary\n"
	"  --now NS           the target's nanotime() at the crash, for \"N minutes\"\n"
	"  -j, --jobs N       worker threads (default: one per CPU); the output does\n"
	"                     not depend on it\n"
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
	"  -V, --version  show the version and exit\n"
	"\n"
	"Errors print \"gocore: <what>: <message>\" and exit 1; a damaged core or an\n"
	"unexpected Go version gives \"gocore: warning: ...\" lines on stderr and as\n"
	"much output as can be read.  A progress line appears on stderr when it is a\n"
	"terminal and the work takes over a second.\n";

int gocore_fail(struct gsc_error *err, const char *what)
{
	fprintf(stderr, "gocore: %s: %s\n", what, err ? err->message : "failed");
	gsc_error_destroy(err);
	return 1;
}

void gocore_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("gocore: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(gocore_usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(gocore_usage, stdout);
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
	return gocore_cmd_core(argc, argv);
}
