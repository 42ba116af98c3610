/*
 * main.c - gostub's command line, compatible with gdbserver's:
 *   gostub [OPTIONS] COMM PROG [ARGS...]
 *   gostub [OPTIONS] --attach COMM PID
 *   gostub [OPTIONS] --multi COMM [PROG [ARGS...]]
 * COMM is [HOST]:PORT or '-' (or "stdio") for stdin/stdout.  The messages
 * gdb's testsuite waits for ("Listening on port N", "Can't bind address:
 * Address already in use.") are gdbserver's words.  docs/gostub.md is the
 * manual; --help prints its summary.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsp_dispatch.h"

static const char usage_text[] =
	"Usage:\tgostub [OPTIONS] COMM PROG [ARGS ...]\n"
	"\tgostub [OPTIONS] --attach COMM PID\n"
	"\tgostub [OPTIONS] --multi COMM [PROG [ARGS ...]]\n"
	"\n"
	"A gdbserver-compatible debugging stub for Go (and C) programs on Linux amd64,\n"
	"for stock gdb and lldb.\n"
	"\n"
	"COMM is [HOST]:PORT to listen for one TCP connection (HOST defaults to\n"
	"127.0.0.1; any other address must be given explicitly), or '-' or 'stdio'\n"
	"to speak the protocol on stdin/stdout (gdb: target remote | gostub - PROG).\n"
	"\n"
	"Operating modes:\n"
	"  --attach              Attach to the running process PID.\n"
	"  --multi               Start without a program (or keep running after it\n"
	"                        exits) and quit only when told to (extended-remote).\n"
	"  --once                Exit after the first connection has closed (detaching an\n"
	"                        attached process, killing a launched one).  Without it\n"
	"                        gostub waits for the next connection, process stopped.\n"
	"  --help                Print this message and exit.\n"
	"  --version             Print the version and exit.\n"
	"\n"
	"Other options:\n"
	"  --wrapper WRAPPER --  Run PROG through WRAPPER (WRAPPER ARGS... PROG ARGS...);\n"
	"                        WRAPPER must exec PROG in the end.\n"
	"  --disable-randomization\n"
	"                        Run PROG with address space randomization disabled\n"
	"                        (default).\n"
	"  --no-disable-randomization\n"
	"                        Leave address space randomization on.\n"
	"  --startup-with-shell  Start PROG through $SHELL (default).\n"
	"  --no-startup-with-shell\n"
	"                        Exec PROG directly.\n"
	"  --packet-size=N       Largest packet, in bytes (default 16384).\n"
	"\n"
	"Debug options:\n"
	"  --debug               Log what gostub does to stderr.\n"
	"  --remote-debug        Log the packets to stderr.\n"
	"  --disable-packet=OPT1[,OPT2,...]\n"
	"                        Disable support for RSP packets or features (for\n"
	"                        testing clients): vCont, T, Tthread, qC, qfThreadInfo,\n"
	"                        threads.\n"
	"  --debug-format=OPTS, --debug-file=FILE, --event-loop-debug\n"
	"                        Accepted for gdbserver compatibility; ignored.\n"
	"\n"
	"Monitor commands (gdb: monitor CMD; lldb: process plugin packet monitor CMD):\n"
	"  help, exit, set debug <0|1>, set remote-debug <0|1>\n"
	"\n"
	"See docs/gostub.md.\n";

struct options {
	bool attach, multi, once;
	const char *comm;
	char **prog;	/* PROG ARGS or PID, NULL-terminated (argv's tail) */
};

static int bad_usage(const char *what, const char *arg)
{
	fprintf(stderr, "gostub: %s%s\nTry 'gostub --help'.\n", what, arg);
	return 2;
}

/*
 * --disable-packet=LIST (gdbserver's testing option, used by gdb's test
 * suite): vCont, T (stop replies as S), Tthread (no thread: in T), qC,
 * qfThreadInfo, threads (all of vCont, Tthread, qC, qfThreadInfo).  -1 on
 * an unknown name.
 */
static int disable_packets(const char *list)
{
	static const struct {
		const char *name;
		int bits;
	} names[] = {
		{ "vCont", STUB_DISABLE_VCONT },
		{ "T", STUB_DISABLE_T },
		{ "Tthread", STUB_DISABLE_TTHREAD },
		{ "qC", STUB_DISABLE_QC },
		{ "qfThreadInfo", STUB_DISABLE_QFTHREADINFO },
		{ "threads", STUB_DISABLE_VCONT | STUB_DISABLE_TTHREAD | STUB_DISABLE_QC | STUB_DISABLE_QFTHREADINFO },
	};
	int bits = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t k;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k].name) == n && !strncmp(p, names[k].name, n))
				break;
		if (k == sizeof(names) / sizeof(names[0]))
			return -1;
		bits |= names[k].bits;
		p += n;
		if (*p == ',')
			p++;
	}
	return bits;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct stub_session *s, struct options *o)
{
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] != '-')
			break;	/* '-' alone is COMM */
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("gostub (goscope) %s\n", STUB_VERSION);
			return 0;
		}
		if (!strcmp(a, "--selftest")) {
			/* gdbserver's own unit tests; gostub's are tests/test_rsp_*.c */
			printf("Selftests have been disabled for this build.\n");
			return 0;
		}
		if (!strcmp(a, "--attach"))
			o->attach = true;
		else if (!strcmp(a, "--multi"))
			o->multi = true;
		else if (!strcmp(a, "--once"))
			o->once = true;
		else if (!strcmp(a, "--debug"))
			s->debug = true;
		else if (!strcmp(a, "--remote-debug"))
			s->remote_debug = true;
		else if (!strncmp(a, "--disable-packet=", 17)) {
			int d = disable_packets(a + 17);
			if (d < 0)
				return bad_usage("--disable-packet: unknown packet in ", a + 17);
			s->disabled |= d;
		} else if (!strcmp(a, "--event-loop-debug") || !strncmp(a, "--debug-format=", 15) ||
			   !strncmp(a, "--debug-file=", 13))
			;	/* gdbserver's; nothing to do */
		else if (!strcmp(a, "--disable-randomization"))
			s->disable_aslr = true;
		else if (!strcmp(a, "--no-disable-randomization"))
			s->disable_aslr = false;
		else if (!strcmp(a, "--startup-with-shell"))
			s->with_shell = true;
		else if (!strcmp(a, "--no-startup-with-shell"))
			s->with_shell = false;
		else if (!strncmp(a, "--packet-size=", 14)) {
			char *end;
			long v = strtol(a + 14, &end, 0);
			if (*end || v < STUB_PACKET_SIZE_MIN || v > STUB_PACKET_SIZE_MAX)
				return bad_usage("bad packet size: ", a + 14);
			s->packet_size = (int)v;
		} else if (!strcmp(a, "--wrapper")) {
			int j = i + 1;
			while (j < argc && strcmp(argv[j], "--"))
				j++;
			if (j >= argc || j == i + 1)
				return bad_usage("--wrapper: missing WRAPPER or the closing --", "");
			/* gdbserver: --wrapper WRAPPER ARGS -- PROG: the program is started through it */
			char **w = calloc((size_t)(j - i), sizeof(*w));
			if (!w)
				return 1;
			for (int k = i + 1; k < j; k++)
				if (!(w[k - i - 1] = strdup(argv[k])))
					return 1;
			for (char **q = s->wrapper; q && *q; q++)
				free(*q);
			free(s->wrapper);
			s->wrapper = w;
			i = j;
		} else {
			return bad_usage("unknown option: ", a);
		}
	}
	if (i >= argc)
		return bad_usage("missing COMM", "");
	o->comm = argv[i++];
	/* gdbserver still takes the old order, COMM --attach PID (gdb.server/attach-flag.exp) */
	if (i < argc && !strcmp(argv[i], "--attach")) {
		o->attach = true;
		i++;
	}
	o->prog = argv + i;
	if (o->attach && (i + 1 != argc))
		return bad_usage("--attach takes COMM and one PID", "");
	if (!o->attach && !o->multi && i >= argc)
		return bad_usage("missing PROG (or --multi, or --attach PID)", "");
	return -1;
}

static int start_process(struct stub_session *s, const struct options *o)
{
	struct gsc_error *err;
	if (o->attach) {
		char *end;
		long pid = strtol(o->prog[0], &end, 10);
		if (*end || pid <= 0 || pid > INT32_MAX)
			return bad_usage("bad PID: ", o->prog[0]);
		err = stub_attach(s, (pid_t)pid);
		if (err) {
			fprintf(stderr, "gostub: cannot attach to process %ld: %s\n", pid, err->message);
			gsc_error_destroy(err);
			return 1;
		}
		fprintf(stderr, "Attached; pid = %ld\n", pid);
		return -1;
	}
	if (!o->prog[0])
		return -1;	/* --multi without a program */
	size_t n = 0;
	while (o->prog[n])
		n++;
	s->argv = calloc(n + 1, sizeof(*s->argv));
	if (!s->argv)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!(s->argv[i] = strdup(o->prog[i])))
			return 1;
	/* gdbserver makes a relative program name absolute (gdb.server/abspath.exp); a bare
	 * name that is not in the current directory is left for the shell's PATH search */
	if (s->argv[0][0] != '/' && access(s->argv[0], F_OK) == 0) {
		char *cwd = getcwd(NULL, 0);
		char *abs = cwd ? malloc(strlen(cwd) + strlen(s->argv[0]) + 2) : NULL;
		if (abs) {
			sprintf(abs, "%s/%s", cwd, s->argv[0]);
			free(s->argv[0]);
			s->argv[0] = abs;
		}
		free(cwd);
	}
	err = stub_launch(s);
	if (err) {
		/* gdb's testsuite expects gdbserver's last words when the program cannot start */
		const char *st = strstr(err->message, "exited with status ");
		if (st)
			fprintf(stderr, "During startup program exited with code %d.\nExiting\n", atoi(st + 19));
		else
			fprintf(stderr, "gostub: cannot run %s: %s\nExiting\n", o->prog[0], err->message);
		gsc_error_destroy(err);
		return 1;
	}
	fprintf(stderr, "Process %s created; pid = %d\n", o->prog[0], (int)stub_proc_pid(s->proc));
	return -1;
}

int main(int argc, char **argv)
{
	static struct stub_session s;
	struct options o = { 0 };
	stub_session_init(&s);
	int rc = parse_args(argc, argv, &s, &o);
	if (rc >= 0) {
		stub_session_deinit(&s);
		return rc;
	}
	s.multi = o.multi;
	s.stdio = !strcmp(o.comm, "-") || !strcmp(o.comm, "stdio");
	signal(SIGPIPE, SIG_IGN);
	if (s.stdio)
		signal(SIGINT, SIG_IGN);	/* ^C reaches us as 0x03 from the client */
	/* Killed, the stub cleans up first: with a breakpoint inserted, a plain
	 * exit would leave an int3 in an attached program's text. */
	struct gsc_error *qerr = stub_catch_quit_signals(!s.stdio);
	if (qerr) {
		fprintf(stderr, "gostub: %s\n", qerr->message);
		gsc_error_destroy(qerr);
		stub_session_deinit(&s);
		return 1;
	}

	int listen_fd = -1, port = 0;
	bool nonlocal = false;
	if (!s.stdio) {
		struct gsc_error *err = stub_listen(o.comm, &listen_fd, &port, &nonlocal);
		if (err) {
			if (err->code == GSC_ERR_OS && err->errnum == EADDRINUSE)
				fprintf(stderr, "Can't bind address: Address already in use.\n");
			else
				fprintf(stderr, "gostub: %s\n", err->message);
			gsc_error_destroy(err);
			stub_session_deinit(&s);
			return 1;
		}
		if (nonlocal)
			fprintf(stderr, "gostub: warning: listening on %s, not a loopback address: anyone who "
					"can reach it controls the debugged process\n", o.comm);
	}
	if (s.stdio && !o.attach && o.prog[0])
		fprintf(stderr, "stdin/stdout redirected\n");	/* the program's stdin is /dev/null */
	rc = start_process(&s, &o);
	if (rc >= 0) {
		if (listen_fd >= 0)
			close(listen_fd);
		stub_session_deinit(&s);
		return rc;
	}
	if (!s.stdio) {
		fprintf(stderr, "Listening on port %d\n", port);
		fflush(stderr);
	}
	rc = stub_serve(&s, listen_fd, o.once);
	if (listen_fd >= 0)
		close(listen_fd);
	stub_session_deinit(&s);
	int sig = stub_quit_signal();
	if (sig) {	/* end as the signal would have ended us, now that the process is safe */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return rc;
}
