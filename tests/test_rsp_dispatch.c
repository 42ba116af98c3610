/*
 * test_rsp_dispatch.c - gostub's packet handlers against a fake process
 * (tests/stub/fake_proc.c): replies byte for byte as the traces in
 * shared/reference/rsp-traces/ show gdb 13 and lldb 14/16 need them, and
 * hostile packets that must get an error and leave the session usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "rsp_dispatch.h"

/* tests/stub/fake_proc.c */
struct fake_stats {
	int detached, killed, launched, attached;
	char last_argv0[256];
	bool last_with_shell, last_disable_aslr;
};
extern struct fake_stats fake_stats;
extern bool fake_hw_ok;
extern bool fake_watch_emulated;
extern pid_t fake_launch_pid;
struct stub_proc *fake_proc_create(pid_t pid, size_t nthreads);
void fake_proc_push_event(struct stub_proc *p, const struct stub_event *ev);
const struct stub_resume *fake_proc_actions(const struct stub_proc *p, size_t *n_ret);
bool fake_proc_has_bp(const struct stub_proc *p, uint64_t addr);
const bool *fake_proc_pass(const struct stub_proc *p);
struct stub_regs *fake_proc_regs(struct stub_proc *p, size_t i);
uint8_t *fake_proc_mem(struct stub_proc *p, uint64_t addr);
void fake_proc_hold_fork(struct stub_proc *p, struct stub_proc *child);
bool fake_proc_fork_events(const struct stub_proc *p, bool vfork);

#define PID 0x3ffff0
#define PIDS "3ffff0"

static struct stub_session S;
static struct rsp_buf R;
static char out[1 << 20];
static size_t out_len;
static enum rsp_result last_result;

static const char *send_bin(const void *pkt, size_t len)
{
	/* the decoder hands out payloads NUL-terminated */
	char *copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, pkt, len);
	copy[len] = '\0';
	last_result = rsp_dispatch(&S, (const uint8_t *)copy, len, &R);
	free(copy);
	assert_false(R.oom);
	assert_true(R.len < sizeof(out));
	memcpy(out, R.data ? (const char *)R.data : "", R.len);
	out[R.len] = '\0';
	out_len = R.len;
	return out;
}

static const char *send(const char *pkt)
{
	return send_bin(pkt, strlen(pkt));
}

static int setup(void **state)
{
	(void)state;
	memset(&fake_stats, 0, sizeof(fake_stats));
	fake_hw_ok = false;
	fake_watch_emulated = false;
	stub_session_init(&S);
	rsp_buf_init(&R);
	stub_session_set_proc(&S, fake_proc_create(PID, 2), SIGTRAP);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stub_session_deinit(&S);
	rsp_buf_deinit(&R);
	return 0;
}

static void gdb_hello(void)
{
	send("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;"
	     "vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386");
}

static void lldb_hello(void)
{
	assert_string_equal(send("QStartNoAckMode"), "OK");
	send("qSupported:xmlRegisters=i386,arm,mips,arc;multiprocess+;fork-events+;vfork-events+");
	assert_string_equal(send("QThreadSuffixSupported"), "OK");
	assert_string_equal(send("QListThreadsInStopReply"), "OK");
}

static void test_qsupported(void **state)
{
	(void)state;
	gdb_hello();
	assert_string_equal(out, "PacketSize=4000;QPassSignals+;QProgramSignals+;QStartupWithShell+;"
				 "QEnvironmentHexEncoded+;QEnvironmentReset+;QEnvironmentUnset+;QSetWorkingDir+;"
				 "qXfer:libraries-svr4:read+;qXfer:auxv:read+;qXfer:features:read+;"
				 "qXfer:exec-file:read+;qXfer:threads:read+;qXfer:osdata:read+;QStartNoAckMode+;QDisableRandomization+;"
				 "swbreak+;hwbreak+;vContSupported+;QThreadSuffixSupported+;QListThreadsInStopReply+;"
				 "QNonStop+;augmented-libraries-svr4-read+;multiprocess+;fork-events+;vfork-events+;"
				 "exec-events+");
	assert_true(S.multiprocess && S.swbreak && S.hwbreak);
	assert_true(fake_proc_fork_events(S.proc, false) && fake_proc_fork_events(S.proc, true));
	assert_false(S.error_message || S.binary_upload);
	assert_string_equal(send("vMustReplyEmpty"), "");
	assert_int_equal(last_result, RSP_REPLY);
	assert_string_equal(send("QStartNoAckMode"), "OK");
	assert_true(S.no_ack);
	assert_string_equal(send("qTStatus"), "");
	assert_string_equal(send("qSymbol::"), "OK");
	assert_string_equal(send("vCont?"), "vCont;c;C;s;S;t;r");
	assert_string_equal(send("qAttached:" PIDS), "0");
	assert_string_equal(send("qC"), "QCp" PIDS "." PIDS);
	assert_string_equal(send("qfThreadInfo"), "mp" PIDS "." PIDS ",p" PIDS ".3ffff1");
	assert_string_equal(send("qsThreadInfo"), "l");
	assert_string_equal(send("qXfer:exec-file:read:" PIDS ":0,1000"), "l/tmp/prog");

	/* lldb: no swbreak+, bare ids still accepted */
	lldb_hello();
	assert_false(S.swbreak);
	assert_true(S.multiprocess && S.thread_suffix && S.list_threads && S.lldb);
}

static void test_target_xml_chunks(void **state)
{
	(void)state;
	const char *xml = gsc_arch_target_xml(S.arch);
	assert_non_null(xml);
	size_t xl = strlen(xml);
	char *got = calloc(1, xl + 1);
	size_t off = 0;
	for (;;) {	/* gdb: 0x1000 at a time */
		char pkt[80];
		snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:%zx,1000", off);
		send(pkt);
		assert_true(out[0] == 'm' || out[0] == 'l');
		assert_true(out_len - 1 <= 0x1000);
		assert_true(off + out_len - 1 <= xl);
		memcpy(got + off, out + 1, out_len - 1);	/* XML has no '$#}*' */
		off += out_len - 1;
		if (out[0] == 'l')
			break;
		assert_int_equal(out_len - 1, 0x1000);
	}
	assert_int_equal(off, xl);
	assert_string_equal(got, xml);
	free(got);
	/* lldb: PacketSize-1 */
	send("qXfer:features:read:target.xml:0,3fff");
	assert_int_equal(out[0], xl <= 0x3fff ? 'l' : 'm');
	snprintf(out, sizeof(out), "qXfer:features:read:target.xml:%zx,1000", xl);
	assert_string_equal(send(out), "l");
	assert_string_equal(send("qXfer:features:read:target.xml:ffffffffffffffff,ffffffffffffffff"), "l");
	assert_string_equal(send("qXfer:features:read:other.xml:0,1000"), "E01");
	assert_string_equal(send("qXfer:features:read:target.xml:0"), "E16");
	assert_string_equal(send("qXfer:features:read:target.xml"), "E16");
	assert_string_equal(send("qXfer:features:read:target.xml:zz,10"), "E16");
}

static void test_registers(void **state)
{
	(void)state;
	gdb_hello();
	size_t ws = gsc_arch_wire_size(S.arch);
	assert_int_equal(gsc_arch_wire_nregs(S.arch), 76);
	send("g");
	assert_int_equal(out_len, ws * 2);
	assert_memory_equal(out + 16 * 16, "0010400000000000", 16);	/* rip after 16 GPRs */
	assert_memory_equal(out, "1111000000000000", 16);		/* rax */
	assert_string_equal(send("p10"), "0010400000000000");
	assert_string_equal(send("p6"), "0008fe7f00000000");

	/* Hg forms: pPID.TID, bare TID (lldb), -1, 0 */
	assert_string_equal(send("Hgp" PIDS ".3ffff1"), "OK");
	assert_string_equal(send("p10"), "1010400000000000");
	assert_string_equal(send("Hg" PIDS), "OK");
	assert_string_equal(send("p10"), "0010400000000000");
	assert_string_equal(send("Hg3ffff1"), "OK");
	assert_string_equal(send("p0"), "2222000000000000");
	assert_string_equal(send("Hg-1"), "OK");
	assert_string_equal(send("Hg0"), "OK");
	assert_string_equal(send("Hgp0.0"), "OK");
	assert_string_equal(send("p0"), "1111000000000000");
	assert_string_equal(send("Hg999"), "E02");
	assert_string_equal(send("Hcp" PIDS ".-1"), "OK");
	/* lldb's thread suffix wins over Hg */
	assert_string_equal(send("p0;thread:3ffff1;"), "2222000000000000");
	send("g;thread:3ffff1;");
	assert_int_equal(out_len, ws * 2);
	assert_memory_equal(out, "2222000000000000", 16);

	/* P then p: rax of thread 2 */
	assert_string_equal(send("P0=efbeadde00000000;thread:3ffff1;"), "OK");
	assert_string_equal(send("p0;thread:3ffff1;"), "efbeadde00000000");
	uint64_t rax;
	memcpy(&rax, fake_proc_regs(S.proc, 1)->gpr + 10 * 8, 8);
	assert_int_equal(rax, 0xdeadbeef);
	/* orig_rax = -1 as gdb writes it at run */
	assert_string_equal(send("P39=ffffffffffffffff"), "OK");
	/* G round trip */
	send("g");
	char *g = strdup(out);
	memcpy(g, "0100000000000000", 16);
	char *G = malloc(strlen(g) + 2);
	sprintf(G, "G%s", g);
	assert_string_equal(send(G), "OK");
	assert_string_equal(send("p0"), "0100000000000000");
	free(g);
	free(G);
	/* bad */
	assert_string_equal(send("p"), "E16");
	assert_string_equal(send("p4c"), "E16");	/* 76: past the last */
	assert_string_equal(send("pffffffffffffffffff"), "E16");
	assert_string_equal(send("P10=12"), "E16");
	assert_string_equal(send("P10"), "E16");
	assert_string_equal(send("Gabc"), "E16");
	assert_string_equal(send("Gzz"), "E16");
	assert_string_equal(send("gx"), "E16");
	assert_string_equal(send("p0;thread:999;"), "E02");
}

static void test_memory(void **state)
{
	(void)state;
	uint8_t *text = fake_proc_mem(S.proc, 0x400000);
	assert_string_equal(send("m400000,4"), "00070e15");
	assert_string_equal(send("m400000,0"), "");
	/* partial at the end of a mapping */
	assert_string_equal(send("m401ffe,10"), "f2f9");
	/* huge lengths are cut to what a reply holds */
	send("m400000,ffffffffffffffff");
	assert_int_equal(out_len, ((size_t)S.packet_size - 1) / 2 * 2);
	assert_string_equal(send("m0,ffffffffffffffff"), "E0e");
	assert_string_equal(send("mffffffffffffffff,ffffffffffffffff"), "E0e");
	/* binary write with bytes that need escaping on the wire (decoded here) */
	static const uint8_t xpkt[] = { 'X', '4', '0', '0', '1', '0', '0', ',', '6', ':', '}', '#', '$', '*', 0, 0xff };
	assert_string_equal(send_bin(xpkt, sizeof(xpkt)), "OK");
	assert_memory_equal(text + 0x100, "}#$*\0\xff", 6);
	assert_string_equal(send("X400100,0:"), "OK");
	assert_string_equal(send("X400100,5:ab"), "E16");
	/* x: lldb's raw binary, escaped */
	assert_string_equal(send("x0,0"), "OK");
	send("x400100,6");
	assert_int_equal(out_len, 10);
	assert_memory_equal(out, "}]}\x03}\x04}\x0a\0\xff", 10);
	/* gdb's form after binary-upload+ */
	send("qSupported:multiprocess+;binary-upload+");
	send("x400100,1");
	assert_int_equal(out_len, 3);
	assert_memory_equal(out, "b}]", 3);
	send("x400100,0");
	assert_string_equal(out, "b");
	/* M */
	assert_string_equal(send("M7ffe0010,3:414243"), "OK");
	assert_string_equal(send("m7ffe0010,3"), "414243");
	assert_string_equal(send("M7ffe0010,3:4142"), "E16");
	assert_string_equal(send("M7ffe0010,1:zz"), "E16");
	assert_string_equal(send("M7ffe0010,ffffffffffffffff:00"), "E16");
	assert_string_equal(send("M10,1:00"), "E0e");
	/* malformed */
	assert_string_equal(send("m"), "E16");
	assert_string_equal(send("m,"), "E16");
	assert_string_equal(send("m400000"), "E16");
	assert_string_equal(send("m400000,"), "E16");
	assert_string_equal(send("m11111111111111111111,1"), "E16");
	assert_string_equal(send("m400000,4x"), "E16");
	assert_string_equal(send("X400000"), "E16");
	assert_string_equal(send("_M1000,rwx"), "");
	/* the session goes on */
	assert_string_equal(send("m400000,2"), "0007");
}

static void test_error_messages(void **state)
{
	(void)state;
	send("qSupported:multiprocess+;error-message+");
	assert_true(S.error_message);
	send("m0,4");
	assert_true(strncmp(out, "E.", 2) == 0);
	assert_non_null(strstr(out, "0x0"));
	S.error_message = false;
	assert_string_equal(send("QEnableErrorStrings"), "OK");
	send("m0,4");
	assert_true(strncmp(out, "E0e;", 4) == 0);
	char *msg = stub_hex_to_str((const uint8_t *)out + 4, out_len - 4);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "0x0"));
	free(msg);
}

static void resume_and_stop(const char *pkt, const struct stub_event *ev)
{
	send(pkt);
	assert_int_equal(last_result, RSP_NO_REPLY);
	assert_true(S.running);
	fake_proc_push_event(S.proc, ev);
	struct stub_event got;
	struct gsc_error *err = stub_proc_poll(S.proc, &got);
	assert_null(err);
	stub_report_event(&S, &got, &R);
	memcpy(out, R.data, R.len);
	out[R.len] = '\0';
	out_len = R.len;
	assert_false(S.running);
}

static void test_stop_replies(void **state)
{
	(void)state;
	gdb_hello();
	struct stub_event ev = { .kind = STUB_EV_STOP };
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_BREAKPOINT, .signo = SIGTRAP,
					     .addr = 0x401000 };
	assert_string_equal(send("?"), "T0506:0008fe7f00000000;07:0007fe7f00000000;10:0010400000000000;thread:p" PIDS
				       "." PIDS ";");
	assert_string_equal(send("Z0,401000,1"), "OK");
	assert_true(fake_proc_has_bp(S.proc, 0x401000));
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_string_equal(out, "T05swbreak:;06:0008fe7f00000000;07:0007fe7f00000000;10:0010400000000000;thread:p" PIDS
				 "." PIDS ";");
	size_t n;
	const struct stub_resume *act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 1);
	assert_int_equal(act[0].tid, -1);
	assert_int_equal(act[0].kind, STUB_RESUME_CONT);
	assert_string_equal(send("z0,401000,1"), "OK");
	assert_false(fake_proc_has_bp(S.proc, 0x401000));

	/* a signal in thread 2: GDB numbering (SIGUSR1 = 30 = 0x1e) */
	ev.stop = (struct stub_thread_stop){ .tid = PID + 1, .reason = STUB_STOP_SIGNAL, .signo = SIGUSR1 };
	resume_and_stop("vCont;s:p" PIDS "." PIDS ";c:p" PIDS ".-1", &ev);
	assert_string_equal(out, "T1e06:1008fe7f00000000;07:1007fe7f00000000;10:1010400000000000;thread:p" PIDS
				 ".3ffff1;");
	assert_string_equal(send("qC"), "QCp" PIDS ".3ffff1");
	/* legacy c with C signal: SIGUSR1 back to Linux 10 */
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_WATCH, .signo = SIGTRAP,
					     .addr = 0x7ffe0010, .hw_kind = STUB_HW_WRITE };
	resume_and_stop("C1e", &ev);
	act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 2);
	assert_int_equal(act[0].tid, PID + 1);
	assert_int_equal(act[0].signo, SIGUSR1);
	assert_int_equal(act[1].tid, -1);
	assert_true(strncmp(out, "T05watch:7ffe0010;06:", 21) == 0);
	/* ? repeats the last stop */
	assert_true(strncmp(send("?"), "T05watch:7ffe0010;", 18) == 0);

	/* vCont forms */
	ev.stop = (struct stub_thread_stop){ .tid = PID + 1, .reason = STUB_STOP_STEP, .signo = SIGTRAP };
	resume_and_stop("vCont;s:3ffff1", &ev);
	act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 1);
	assert_int_equal(act[0].tid, PID + 1);
	assert_int_equal(act[0].kind, STUB_RESUME_STEP);
	resume_and_stop("vCont;r401000,401010:p" PIDS "." PIDS ";S0b:3ffff1;t", &ev);
	act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 3);
	assert_int_equal(act[0].kind, STUB_RESUME_RANGE);
	assert_int_equal(act[0].range_start, 0x401000);
	assert_int_equal(act[0].range_end, 0x401010);
	assert_int_equal(act[1].signo, SIGSEGV);
	assert_int_equal(act[2].kind, STUB_RESUME_STOP);
	assert_int_equal(act[2].tid, -1);

	/* bad vCont: the session goes on */
	assert_string_equal(send("vCont;"), "E16");
	assert_string_equal(send("vCont;q"), "E16");
	assert_string_equal(send("vCont;c:"), "E16");
	assert_string_equal(send("vCont;C"), "E16");
	assert_string_equal(send("vCont;r1"), "E16");
	assert_string_equal(send("vCont;c:p1.1"), "E16");	/* another process */
	assert_string_equal(send("vCont;cc"), "E16");
	assert_string_equal(send("c400000"), "E16");
	assert_false(S.running);
	assert_string_equal(send("Tp" PIDS ".3ffff1"), "OK");
	assert_string_equal(send("T3ffff1"), "OK");
	assert_string_equal(send("T999"), "E02");
	assert_string_equal(send("Tzz"), "E16");
	assert_string_equal(send("Hx1"), "E16");
}

/* fork-events+ / vfork-events+ / exec-events+: the child held, addressed by Hg, D and vKill; lldb's numbering */
static void test_fork_events(void **state)
{
	(void)state;
	gdb_hello();
	struct stub_proc *child = fake_proc_create(0x4000, 1);
	fake_proc_mem(child, 0x400000)[0] = 0xaa;
	uint64_t rax = 0x2222;
	memcpy(fake_proc_regs(child, 0)->gpr + 10 * 8, &rax, 8);	/* user_regs_struct.rax */
	fake_proc_hold_fork(S.proc, child);
	struct stub_event ev = { .kind = STUB_EV_STOP };
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_FORK, .signo = SIGTRAP, .child = 0x4000 };
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_true(strncmp(out, "T05fork:p4000.4000;06:", 22) == 0);
	assert_non_null(strstr(out, "thread:p" PIDS "." PIDS ";"));
	/* gdb takes our breakpoints out of the child under Hg */
	assert_string_equal(send("Hgp4000.4000"), "OK");
	assert_string_equal(send("m400000,2"), "aa07");
	assert_string_equal(send("Z0,400010,1"), "OK");
	assert_true(fake_proc_has_bp(child, 0x400010));
	assert_false(fake_proc_has_bp(S.proc, 0x400010));
	assert_true(strncmp(send("g"), "2222000000000000", 16) == 0);	/* the child's rax */
	assert_string_equal(send("qfThreadInfo"), "mp" PIDS "." PIDS ",p" PIDS ".3ffff1,p4000.4000");
	assert_non_null(strstr(send("qXfer:threads:read::0,1000"), "<thread id=\"p4000.4000\""));
	assert_string_equal(send("T4000"), "OK");
	/* it runs while the parent waits stopped: one process at a time */
	struct stub_proc *parent = S.proc;
	ev.stop = (struct stub_thread_stop){ .tid = 0x4000, .reason = STUB_STOP_SIGNAL, .signo = SIGUSR1 };
	resume_and_stop("vCont;c:p4000.-1", &ev);
	assert_ptr_equal(S.proc, child);
	assert_true(strncmp(out, "T1e", 3) == 0);
	assert_non_null(strstr(out, "thread:p4000.4000;"));
	assert_string_equal(send("qC"), "QCp4000.4000");
	assert_true(strncmp(send("vCont;c:p4000.-1;c:p" PIDS ".-1"), "E", 1) == 0);
	assert_true(strncmp(send("vCont;c:p7777.-1"), "E", 1) == 0);
	assert_false(S.running);
	assert_string_equal(send("Hgp" PIDS "." PIDS), "OK");
	assert_string_equal(send("m400000,1"), "00");
	assert_string_equal(send("D;4000"), "OK");	/* the current one: the parent is the process again */
	assert_ptr_equal(S.proc, parent);
	assert_int_equal(fake_stats.detached, 1);
	assert_string_equal(send("Hgp4000.4000"), "E02");
	assert_string_equal(send("D;4000"), "E03");
	assert_non_null(S.proc);

	/* vfork, then its end; the next child is killed by vKill */
	child = fake_proc_create(0x5000, 1);
	fake_proc_hold_fork(S.proc, child);
	ev.stop = (struct stub_thread_stop){ .tid = PID + 1, .reason = STUB_STOP_VFORK, .signo = SIGTRAP,
					     .child = 0x5000 };
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_true(strncmp(out, "T05vfork:p5000.5000;06:", 23) == 0);
	/* the parent waits for the held vfork child: not resumed (it would never stop) */
	assert_true(strncmp(send("vCont;c:p" PIDS ".-1"), "E", 1) == 0);
	assert_false(S.running);
	assert_string_equal(send("vKill;5000"), "OK");
	assert_int_equal(fake_stats.killed, 1);
	ev.stop = (struct stub_thread_stop){ .tid = PID + 1, .reason = STUB_STOP_VFORK_DONE, .signo = SIGTRAP };
	resume_and_stop("vCont;c:p" PIDS ".3ffff1", &ev);
	assert_true(strncmp(out, "T05vforkdone:;06:", 17) == 0);

	/* exec: the new image's path */
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_EXEC, .signo = SIGTRAP };
	snprintf(ev.exec_path, sizeof(ev.exec_path), "/bin/x");
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_true(strncmp(out, "T05exec:2f62696e2f78;06:", 24) == 0);

	/* follow-fork-mode child: the parent detached, the child goes on as the process */
	child = fake_proc_create(0x6000, 1);
	fake_proc_hold_fork(S.proc, child);
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_FORK, .signo = SIGTRAP, .child = 0x6000 };
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_string_equal(send("D;" PIDS), "OK");
	assert_false(S.quit);
	assert_ptr_equal(S.proc, child);
	assert_string_equal(send("qC"), "QCp6000.6000");
	ev.stop = (struct stub_thread_stop){ .tid = 0x6000, .reason = STUB_STOP_SIGNAL, .signo = SIGUSR1 };
	resume_and_stop("vCont;c:p6000.-1", &ev);
	assert_true(strncmp(out, "T1e", 3) == 0);

	/* lldb: Linux numbers both ways */
	lldb_hello();
	resume_and_stop("vCont;C0a:6000", &ev);
	assert_true(strncmp(out, "T0a", 3) == 0);
	size_t n;
	const struct stub_resume *act = fake_proc_actions(S.proc, &n);
	assert_int_equal(act[0].signo, SIGUSR1);
	assert_string_equal(send("QPassSignals:17"), "OK");
	assert_true(fake_proc_pass(S.proc)[SIGURG]);
	assert_false(fake_proc_pass(S.proc)[SIGIO]);
}

/* extended mode with multiprocess+: a second vRun keeps the first process; one runs at a time */
static void test_multi_process(void **state)
{
	(void)state;
	gdb_hello();
	assert_string_equal(send("!"), "OK");
	struct stub_proc *first = S.proc;
	pid_t saved = fake_launch_pid;
	fake_launch_pid = 0x5000;
	send("vRun;2f746d702f70726f67");
	fake_launch_pid = saved;
	assert_true(strncmp(out, "T05", 3) == 0);
	assert_non_null(strstr(out, "thread:p5000.5000;"));
	assert_int_equal(fake_stats.killed, 0);
	assert_int_equal(stub_proc_pid(S.proc), 0x5000);
	assert_string_equal(send("qfThreadInfo"), "mp5000.5000,p5000.5001,p" PIDS "." PIDS ",p" PIDS ".3ffff1");
	assert_string_equal(send("qXfer:exec-file:read:" PIDS ":0,1000"), "l/tmp/prog");
	assert_string_equal(send("qXfer:exec-file:read:7777:0,1000"), "E03");
	assert_string_equal(send("qAttached:" PIDS), "0");
	assert_string_equal(send("qAttached:7777"), "E03");
	/* gdb's inferior 1 again: it runs, the new one waits */
	struct stub_event ev = { .kind = STUB_EV_STOP };
	ev.stop = (struct stub_thread_stop){ .tid = PID + 1, .reason = STUB_STOP_BREAKPOINT, .signo = SIGTRAP,
					     .addr = 0x401000 };
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_ptr_equal(S.proc, first);
	assert_non_null(strstr(out, "thread:p" PIDS ".3ffff1;"));
	/* Hc of the other one, then c: legacy resume switches too */
	assert_string_equal(send("Hcp5000.5001"), "OK");
	ev.stop = (struct stub_thread_stop){ .tid = 0x5001, .reason = STUB_STOP_STEP, .signo = SIGTRAP };
	resume_and_stop("s", &ev);
	assert_int_equal(stub_proc_pid(S.proc), 0x5000);
	size_t n;
	const struct stub_resume *act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 1);
	assert_int_equal(act[0].tid, 0x5001);
	assert_string_equal(send("Hc-1"), "OK");
	/* the current one killed: the other is the process */
	assert_string_equal(send("vKill;5000"), "OK");
	assert_ptr_equal(S.proc, first);
	assert_false(S.quit);
	/* vAttach beside it; the same pid twice is refused */
	send("vAttach;1234");
	assert_true(strncmp(out, "T0006:", 6) == 0);
	assert_string_equal(send("vAttach;1234"), "E01");
	assert_string_equal(send("vAttach;" PIDS), "E01");
	/* its exit: the other is the process, the stub stays */
	ev = (struct stub_event){ .kind = STUB_EV_EXITED, .status = 3 };
	resume_and_stop("vCont;c:p1234.-1", &ev);
	assert_string_equal(out, "W03;process:1234");
	assert_ptr_equal(S.proc, first);
	assert_false(S.quit);
	/* k: everything */
	send("k");
	assert_null(S.proc);
	assert_int_equal(S.nothers, 0);
}

static void test_lldb_stop_reply(void **state)
{
	(void)state;
	lldb_hello();
	/* the launch stop as lldb-server gives it: Linux's SIGSTOP number (lldb reads it before
	 * switching to GDB's numbering) */
	assert_true(strncmp(send("?"), "T1300:1111000000000000;", 23) == 0);
	assert_non_null(strstr(out, ";reason:signal;"));
	struct stub_event ev = { .kind = STUB_EV_STOP };
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_BREAKPOINT, .signo = SIGTRAP,
					     .addr = 0x401000 };
	resume_and_stop("c", &ev);
	assert_true(strncmp(send("?"), "T0500:", 6) == 0);
	assert_true(strncmp(out, "T0500:1111000000000000;01:", 26) == 0);
	assert_null(strstr(out, "swbreak"));
	assert_non_null(strstr(out, ";10:0010400000000000;11:46020000;thread:p" PIDS "." PIDS ";"));
	assert_non_null(strstr(out, ";name:prog;threads:" PIDS ",3ffff1;thread-pcs:0000000000401000,0000000000401010;"
				    "reason:breakpoint;"));
	/* thread 2 (name with '&') as a bystander */
	send("qThreadStopInfo3ffff1");
	assert_true(strncmp(out, "T00", 3) == 0);
	assert_non_null(strstr(out, "name:worker&1;"));
	assert_null(strstr(out, "reason:"));
	/* jThreadsInfo: JSON, '}' escaped as "}]" */
	send("jThreadsInfo");
	static const char jt[] = "[{\"tid\":4194288,\"name\":\"prog\",\"reason\":\"breakpoint\",\"signal\":5,"
				 "\"registers\":{\"0\":\"1111000000000000\"";
	assert_true(strncmp(out, jt, sizeof(jt) - 1) == 0);
	for (size_t i = 0; i < out_len; i++)
		if (out[i] == '}')
			assert_int_equal(out[++i], ']');
	assert_non_null(strstr(out, "}]}]"));
	/* step: reason:trace; watch: lldb description */
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_WATCH, .signo = SIGTRAP, .addr = 0x10,
					     .hw_kind = STUB_HW_WRITE };
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_null(strstr(out, "watch:"));
	assert_non_null(strstr(out, "reason:watchpoint;description:"));
	/* k: lldb waits for the exit */
	S.multi = true;
	assert_string_equal(send("k"), "X09;process:" PIDS);
	assert_null(S.proc);
	assert_int_equal(fake_stats.killed, 1);
}

static void test_threads_xml(void **state)
{
	(void)state;
	gdb_hello();
	assert_string_equal(send("qXfer:threads:read::0,1000"),
			    "l<threads>\n<thread id=\"p" PIDS "." PIDS "\" name=\"prog\"/>\n"
			    "<thread id=\"p" PIDS ".3ffff1\" name=\"worker&amp;1\"/>\n</threads>\n");
	/* chunked reads come from one snapshot */
	send("qXfer:threads:read::0,10");
	assert_string_equal(out, "m<threads>\n<threa");
	send("qXfer:threads:read::10,ffff");
	assert_true(out[0] == 'l');
	assert_string_equal(send("qXfer:libraries-svr4:read::0,1000"),
			    "l<library-list-svr4 version=\"1.0\" main-lm=\"0x3000\"><library name=\"/lib/ld.so\" "
			    "lm=\"0x1000\" l_addr=\"0x7f0000000000\" l_ld=\"0x7f0000001000\" lmid=\"0x0\"/><library "
			    "name=\"/lib/a&amp;b&lt;c&gt;.so\" lm=\"0x2000\" l_addr=\"0x7f0000100000\" "
			    "l_ld=\"0x7f0000101000\" lmid=\"0x0\"/></library-list-svr4>");
	/* gdb's incremental read (augmented-libraries-svr4-read): from start=, l_prev checked */
	uint64_t lm[5] = { 0x7f00, 0x7ffe0200, 0x7f10, 0, 0x5000 };	/* l_addr l_name l_ld l_next l_prev */
	memcpy(fake_proc_mem(S.proc, 0x7ffe0100), lm, sizeof(lm));
	memcpy(fake_proc_mem(S.proc, 0x7ffe0200), "libx.so", 8);
	assert_string_equal(send("qXfer:libraries-svr4:read:lmid=77;start=7ffe0100;prev=5000:0,1000"),
			    "l<library-list-svr4 version=\"1.0\"><library name=\"libx.so\" lm=\"0x7ffe0100\" "
			    "l_addr=\"0x7f00\" l_ld=\"0x7f10\" lmid=\"0x77\"/></library-list-svr4>");
	assert_string_equal(send("qXfer:libraries-svr4:read:lmid=77;start=7ffe0100;prev=4000:0,1000"),
			    "l<library-list-svr4 version=\"1.0\"></library-list-svr4>");
	send("qXfer:auxv:read::0,1000");
	assert_int_equal(out_len, 1 + 32 + 2);	/* '#' and '}' escaped */
	assert_memory_equal(out, "l\x00\x01\x02}\x03\x04}]\x06", 10);
	/* a small packet: the chunk is cut in escaped bytes, the next offset counts data bytes */
	int psize = S.packet_size;
	S.packet_size = 6;
	send("qXfer:auxv:read::0,1000");
	assert_int_equal(out_len, 6);
	assert_memory_equal(out, "m\x00\x01\x02}\x03", 6);
	send("qXfer:auxv:read::4,1000");
	assert_int_equal(out_len, 6);
	assert_memory_equal(out, "m\x04}]\x06", 5);
	S.packet_size = psize;
	assert_string_equal(send("qThreadExtraInfo,p" PIDS ".3ffff1"), "776f726b65722631");
	assert_string_equal(send("qThreadExtraInfo,zz"), "E16");
	/* info os processes: our own process is in the list */
	char me[64];
	snprintf(me, sizeof(me), "<column name=\"pid\">%d</column>", (int)getpid());
	struct rsp_buf all;
	rsp_buf_init(&all);
	for (size_t off = 0;;) {
		char pkt[64];
		snprintf(pkt, sizeof(pkt), "qXfer:osdata:read:processes:%zx,1000", off);
		send(pkt);
		/* a command line may hold '$', '#', '}' or '*': escaped on the wire */
		for (size_t i = 1; i < out_len; i++, off++)
			rsp_buf_add_char(&all, out[i] == '}' && i + 1 < out_len ? out[++i] ^ 0x20 : out[i]);
		if (out[0] == 'l')
			break;
		assert_int_equal(out[0], 'm');
	}
	rsp_buf_add_char(&all, '\0');
	assert_non_null(strstr((const char *)all.data, "<osdata type=\"processes\">"));
	assert_non_null(strstr((const char *)all.data, me));
	rsp_buf_deinit(&all);
	assert_string_equal(send("qXfer:osdata:read:other:0,1000"), "E01");
}

static void test_lldb_queries(void **state)
{
	(void)state;
	lldb_hello();
	send("qHostInfo");
	assert_true(strncmp(out, "triple:7838365f36342d70632d6c696e75782d676e75;ptrsize:8;endian:little;", 70) == 0);
	assert_string_equal(send("qProcessInfo"),
			    "pid:" PIDS ";parent-pid:1;real-uid:3e8;real-gid:64;effective-uid:3e8;effective-gid:64;"
			    "triple:7838365f36342d70632d6c696e75782d676e75;ostype:linux;endian:little;ptrsize:8;");
	assert_string_equal(send("qMemoryRegionInfo:400010"),
			    "start:400000;size:2000;permissions:rx;name:2f746d702f70726f67;");
	assert_string_equal(send("qMemoryRegionInfo:500000"), "start:402000;size:7fbde000;");
	assert_string_equal(send("qMemoryRegionInfo:"), "E16");
	assert_string_equal(send("qWatchpointSupportInfo:"), "num:0;");
	fake_hw_ok = true;
	assert_string_equal(send("qWatchpointSupportInfo:"), "num:4;");
	assert_string_equal(send("qGDBServerVersion"), "name:gostub;version:" STUB_VERSION ";");
	assert_string_equal(send("qShlibInfoAddr"), "");
	assert_string_equal(send("jThreadExtendedInfo:"), "");
	assert_string_equal(send("qVAttachOrWaitSupported"), "");
	/* no main-lm for lldb (it then misses libraries loaded at startup) */
	send("qXfer:libraries-svr4:read::0,3fff");
	assert_true(strncmp(out, "l<library-list-svr4 version=\"1.0\"><library name=\"/lib/ld.so\"", 59) == 0);
	assert_string_equal(send("p0;thread:" PIDS ";"), "1111000000000000");
	assert_string_equal(send("D;0000000000" PIDS), "OK");
	assert_int_equal(fake_stats.detached, 1);
	assert_null(S.proc);
	assert_true(S.quit);
}

static void test_breakpoints(void **state)
{
	(void)state;
	/* debug registers do not trap here: Z1-Z4 unsupported (empty) */
	assert_string_equal(send("Z2,7ffe0010,8"), "");
	assert_string_equal(send("Z1,401000,1"), "");
	/* emulated by the ptrace layer: Z1 and Z2, not Z4; lldb sees the slots */
	fake_watch_emulated = true;
	assert_string_equal(send("qWatchpointSupportInfo:"), "num:4;");
	assert_string_equal(send("Z2,7ffe0010,8"), "OK");
	assert_string_equal(send("Z1,401000,1"), "OK");
	assert_string_equal(send("Z4,7ffe0010,4"), "");
	assert_string_equal(send("z2,7ffe0010,8"), "OK");
	fake_watch_emulated = false;
	fake_hw_ok = true;
	assert_string_equal(send("Z2,7ffe0010,8"), "OK");
	assert_string_equal(send("Z4,7ffe0010,4"), "OK");
	assert_string_equal(send("Z3,7ffe0010,4"), "");	/* x86: no read-only watch; gdb uses Z4 */
	assert_string_equal(send("z2,7ffe0010,8"), "OK");
	assert_string_equal(send("Z0,401000,1;X1,0"), "OK");
	assert_string_equal(send("Z0,10,1"), "E0e");
	assert_string_equal(send("Z0,401000"), "E16");
	assert_string_equal(send("Z9,401000,1"), "E16");
	assert_string_equal(send("Z0,401000,1x"), "E16");
	assert_string_equal(send("Z"), "E16");
}

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(stub_signal_to_gdb(SIGURG), 16);
	assert_int_equal(stub_signal_to_gdb(SIGCHLD), 20);
	assert_int_equal(stub_signal_to_gdb(SIGUSR1), 30);
	assert_int_equal(stub_signal_to_gdb(SIGUSR2), 31);
	assert_int_equal(stub_signal_to_gdb(SIGBUS), 10);
	assert_int_equal(stub_signal_to_gdb(SIGSTOP), 17);
	assert_int_equal(stub_signal_to_gdb(SIGIO), 23);
	assert_int_equal(stub_signal_to_gdb(SIGSYS), 12);
	assert_int_equal(stub_signal_to_gdb(32), 77);
	assert_int_equal(stub_signal_to_gdb(34), 46);
	assert_int_equal(stub_signal_to_gdb(64), 78);
	for (int l = 1; l <= 64; l++)
		if (l != 16)
			assert_int_equal(stub_signal_from_gdb(stub_signal_to_gdb(l)), l);
	assert_int_equal(stub_signal_from_gdb(143), 0);
	assert_int_equal(stub_signal_from_gdb(999), 0);

	/* SIGURG passes until the client says otherwise */
	assert_true(fake_proc_pass(S.proc)[SIGURG]);
	/* gdb's list (trace): e;10;14;17;1a;1b;1c;21;24;25;2c;4c;97 */
	assert_string_equal(send("QPassSignals:e;10;14;17;1a;1b;1c;21;24;25;2c;4c;97;"), "OK");
	const bool *pass = fake_proc_pass(S.proc);
	assert_true(pass[SIGALRM] && pass[SIGURG] && pass[SIGCHLD] && pass[SIGIO] && pass[SIGVTALRM] &&
		    pass[SIGPROF] && pass[SIGWINCH]);
	assert_false(pass[SIGUSR1] || pass[SIGSEGV] || pass[SIGINT] || pass[SIGTRAP]);
	assert_string_equal(send("QPassSignals:"), "OK");
	assert_false(fake_proc_pass(S.proc)[SIGURG]);
	assert_string_equal(send("QPassSignals:zz"), "E16");
	assert_string_equal(send("QPassSignals:1;;"), "E16");
	assert_string_equal(send("QProgramSignals:0;1;3;4;6;7;8;9;a;b;c;d;e;f;10;11;12;13"), "OK");
}

static void test_monitor(void **state)
{
	(void)state;
	char pkt[64] = "qRcmd,";
	rsp_buf_reset(&S.console);
	assert_string_equal(send("qRcmd,68656c70"), "OK");	/* help */
	assert_true(S.console.len > 0);
	assert_memory_equal(S.console.data, "The following monitor commands are supported:\n", 46);
	rsp_buf_reset(&S.console);
	assert_string_equal(send("qRcmd,666f6f"), "E01");	/* foo */
	assert_memory_equal(S.console.data, "Unknown monitor command.\n\n", 26);
	rsp_buf_reset(&S.console);
	strcat(pkt, "7365742064656275672031");	/* set debug 1 */
	assert_string_equal(send(pkt), "OK");
	assert_true(S.debug);
	assert_string_equal(send("qRcmd,6"), "E16");
	assert_string_equal(send("qRcmd,zz"), "E16");
	assert_false(S.quit);
	assert_string_equal(send("qRcmd,65786974"), "OK");	/* exit */
	assert_true(S.quit);
}

static void test_process_lifetime(void **state)
{
	(void)state;
	gdb_hello();
	/* exit */
	struct stub_event ev = { .kind = STUB_EV_EXITED, .status = 3 };
	S.multi = true;
	resume_and_stop("vCont;c:p" PIDS ".-1", &ev);
	assert_string_equal(out, "W03;process:" PIDS);
	assert_null(S.proc);
	assert_false(S.quit);
	assert_string_equal(send("?"), "W03;process:" PIDS);
	assert_string_equal(send("g"), "E01");
	assert_string_equal(send("m400000,1"), "E01");
	assert_string_equal(send("vCont;c"), "E01");
	assert_string_equal(send("qfThreadInfo"), "l");
	/* extended: settings, vRun, vKill, vAttach */
	assert_string_equal(send("!"), "OK");
	assert_string_equal(send("QDisableRandomization:0"), "OK");
	assert_string_equal(send("QStartupWithShell:0"), "OK");
	assert_string_equal(send("QEnvironmentReset"), "OK");
	assert_string_equal(send("QEnvironmentHexEncoded:464f4f3d626172"), "OK");	/* FOO=bar */
	assert_string_equal(send("QEnvironmentHexEncoded:464f4f3d62617a"), "OK");	/* FOO=baz */
	size_t foo = 0;
	for (char **e = S.env; *e; e++)
		if (!strncmp(*e, "FOO=", 4)) {
			foo++;
			assert_string_equal(*e, "FOO=baz");
		}
	assert_int_equal(foo, 1);
	assert_string_equal(send("QEnvironmentUnset:464f4f"), "OK");
	for (char **e = S.env; *e; e++)
		assert_false(!strncmp(*e, "FOO=", 4));
	assert_string_equal(send("QEnvironmentHexEncoded:3d"), "E16");
	assert_string_equal(send("QSetWorkingDir:2f746d70"), "OK");
	assert_string_equal(S.cwd, "/tmp");
	assert_string_equal(send("QSetWorkingDir:"), "OK");
	assert_null(S.cwd);
	assert_string_equal(send("QDisableRandomization:2"), "E16");
	send("vRun;2f746d702f70726f67;61726731");	/* /tmp/prog arg1 */
	assert_true(strncmp(out, "T0506:", 6) == 0);
	assert_string_equal(fake_stats.last_argv0, "/tmp/prog");
	assert_false(fake_stats.last_with_shell || fake_stats.last_disable_aslr);
	assert_string_equal(S.argv[1], "arg1");
	assert_string_equal(send("vRun;2f6e6f6e6578697374656e74"), "E02");	/* /nonexistent */
	assert_non_null(S.proc);	/* multiprocess+: the process stays when a vRun fails */
	assert_int_equal(fake_stats.killed, 0);
	assert_string_equal(send("vKill;" PIDS), "OK");
	assert_null(S.proc);
	assert_int_equal(fake_stats.killed, 1);
	send("vRun;");	/* the last program again */
	assert_true(strncmp(out, "T05", 3) == 0);
	assert_string_equal(send("vRun;zz"), "E16");
	assert_string_equal(send("vKill;1"), "E03");
	assert_string_equal(send("vKill;" PIDS), "OK");
	assert_null(S.proc);
	send("vAttach;1234");
	assert_true(strncmp(out, "T0006:", 6) == 0);
	assert_string_equal(send("qAttached"), "1");
	assert_string_equal(send("vAttach;1234"), "E01");
	assert_string_equal(send("D;1234"), "OK");
	assert_false(S.quit);
	assert_string_equal(send("vAttach;1"), "E05");
	assert_string_equal(send("vAttach;"), "E16");
	/* k from gdb: no reply */
	send("vRun;");
	send("k");
	assert_int_equal(last_result, RSP_NO_REPLY);
	assert_null(S.proc);
	/* R restarts without a reply */
	send("R00");
	assert_int_equal(last_result, RSP_NO_REPLY);
	assert_non_null(S.proc);
}

static void test_vfile(void **state)
{
	(void)state;
	char path[] = "/tmp/gostub-vfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "ab}#cd", 6), 6);
	close(fd);
	char pkt[256], hex[128];
	for (size_t i = 0; path[i]; i++)
		sprintf(hex + 2 * i, "%02x", (unsigned char)path[i]);
	assert_string_equal(send("vFile:setfs:0"), "F0");
	snprintf(pkt, sizeof(pkt), "vFile:open:%s,0,0", hex);
	assert_string_equal(send(pkt), "F0");
	send("vFile:pread:0,100,1");
	assert_int_equal(out_len, 10);
	assert_memory_equal(out, "F5;b}]}\x03" "cd", 10);
	send("vFile:fstat:0");
	assert_true(strncmp(out, "F40;", 4) == 0);
	assert_string_equal(send("vFile:close:0"), "F0");
	assert_string_equal(send("vFile:close:0"), "F-1,9");
	assert_string_equal(send("vFile:pread:99,10,0"), "F-1,9");
	assert_string_equal(send("vFile:pread:0,10"), "F-1,9");
	snprintf(pkt, sizeof(pkt), "vFile:open:%s,3,1a4", hex);	/* bad flags */
	assert_string_equal(send(pkt), "F-1,16");
	snprintf(pkt, sizeof(pkt), "vFile:open:%s,601,1a4", hex);	/* O_CREAT|O_TRUNC|O_WRONLY */
	assert_string_equal(send(pkt), "F0");
	static const uint8_t pw[] = "vFile:pwrite:0,2,x}y";
	assert_string_equal(send_bin(pw, sizeof(pw) - 1), "F3");
	assert_string_equal(send("vFile:close:0"), "F0");
	snprintf(pkt, sizeof(pkt), "vFile:open:%s,0,0", hex);
	assert_string_equal(send(pkt), "F0");
	send("vFile:pread:0,10,0");
	assert_int_equal(out_len, 3 + 5 + 1);
	assert_memory_equal(out, "F5;\0\0x}]y", 9);
	assert_string_equal(send("vFile:close:0"), "F0");
	snprintf(pkt, sizeof(pkt), "vFile:size:%s", hex);
	assert_string_equal(send(pkt), "F5");
	snprintf(pkt, sizeof(pkt), "vFile:exists:%s", hex);
	assert_string_equal(send(pkt), "F,1");
	char unl[256];
	snprintf(unl, sizeof(unl), "vFile:unlink:%s", hex);
	assert_string_equal(send(unl), "F0");
	assert_string_equal(send(pkt), "F,0");
	assert_string_equal(send(unl), "F-1,2");
	assert_string_equal(send("qGetTLSAddr:p1.1,0,0"), "E02");	/* no such thread */
	assert_string_equal(send("qGetTLSAddr:p" PIDS "." PIDS ",8"), "E16");
	assert_string_equal(send("qGetTLSAddr:zz,8,0"), "E16");
	/* an lm that is no loaded object's (the real lookups: run-gdb-remote's tls session) */
	assert_true(send("qGetTLSAddr:p" PIDS "." PIDS ",8,7777")[0] == 'E');
	assert_string_equal(send("vFile:open:2f6e6f6e6578697374656e74,0,0"), "F-1,2");
	assert_string_equal(send("vFile:open:zz,0,0"), "F-1,16");
}

static void test_hostile(void **state)
{
	(void)state;
	/* unknown and garbage packets: the empty reply */
	assert_string_equal(send("qFooBar"), "");
	assert_string_equal(send(""), "");
	static uint8_t junk[5000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	junk[0] = 'j';
	send_bin(junk, sizeof(junk));
	assert_string_equal(out, "");
	/* every handler's name with garbage, NULs and huge numbers after it */
	static const char *const names[] = {
		"?", "vCont;", "vRun;", "vAttach;", "vKill;", "c", "s", "C", "S", "H", "T", "D", "m", "M", "x", "X",
		"g", "G", "p", "P", "Z", "z", "qSupported", "qXfer:threads:read:", "qXfer:auxv:read:",
		"qXfer:libraries-svr4:read:", "qXfer:exec-file:read:", "qXfer:features:read:", "qThreadStopInfo",
		"qMemoryRegionInfo:", "QPassSignals:", "QEnvironmentHexEncoded:", "qRcmd,", "vFile:pread:",
		"vFile:open:", "qThreadExtraInfo,", NULL,
	};
	static const char *const tails[] = {
		"", ":", ",", ";", "zz", "-", "-2", "p", "p-1.-1", "ffffffffffffffffffff,1", "1,ffffffffffffffff",
		"0,0:", ":::,,,;;;", "p1.", NULL,
	};
	for (size_t i = 0; names[i]; i++) {
		for (size_t j = 0; tails[j]; j++) {
			char pkt[128];
			snprintf(pkt, sizeof(pkt), "%s%s", names[i], tails[j]);
			if (pkt[0] == 'D' || pkt[0] == 'c' || pkt[0] == 's' || pkt[0] == 'C' || pkt[0] == 'S' ||
			    !strncmp(pkt, "vCont", 5) || !strncmp(pkt, "vKill", 5) || !strncmp(pkt, "vRun", 4))
				continue;	/* these may legitimately resume, detach or kill */
			send(pkt);
			assert_false(S.running);
		}
		uint8_t bin[64];
		size_t nl = strlen(names[i]);
		memcpy(bin, names[i], nl);
		memset(bin + nl, 0, 8);
		if (names[i][0] != 'c' && names[i][0] != 's' && names[i][0] != 'D' && strncmp(names[i], "vKill", 5))
			send_bin(bin, nl + 8);
	}
	assert_non_null(S.proc);
	assert_string_equal(send("m400000,2"), "0007");
}

/* Non-stop: the pending stop notification, NULL when none is due. */
static const char *notification(void)
{
	const char *n = stub_ns_next_notification(&S);
	return n ? n : "(none)";
}

#define T00_MAIN "T0006:0008fe7f00000000;07:0007fe7f00000000;10:0010400000000000;thread:p" PIDS "." PIDS ";"
#define T00_SECOND "T0006:1008fe7f00000000;07:1007fe7f00000000;10:1010400000000000;thread:p" PIDS ".3ffff1;"

static void test_non_stop(void **state)
{
	(void)state;
	gdb_hello();
	assert_string_equal(send("vStopped"), "");	/* all-stop: unknown */
	assert_string_equal(send("QNonStop:2"), "E16");
	assert_string_equal(send("QNonStop:1"), "OK");
	assert_true(S.non_stop);
	/* at the attach/launch stop only the main thread is shown stopped, as gdbserver does */
	assert_string_equal(send("?"), T00_MAIN);
	assert_string_equal(send("vStopped"), "OK");
	assert_string_equal(send("QNonStop:0"), "OK");
	S.initial_stop = false;	/* a later stop: every thread is shown stopped */
	assert_string_equal(send("QNonStop:1"), "OK");
	/* ? reports every stopped thread through the vStopped queue */
	assert_string_equal(send("?"), T00_MAIN);
	assert_string_equal(send("vStopped"), T00_SECOND);
	assert_string_equal(send("vStopped"), "OK");
	assert_string_equal(notification(), "(none)");

	/* resume one thread: OK at once, the other stays stopped behind the all-stop layer */
	assert_string_equal(send("vCont;c:p" PIDS ".3ffff1"), "OK");
	assert_int_equal(last_result, RSP_REPLY);
	stub_ns_resume(&S);
	assert_true(S.running);
	size_t n;
	const struct stub_resume *act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 3);
	assert_int_equal(act[0].tid, PID);
	assert_int_equal(act[0].kind, STUB_RESUME_STOP);
	assert_int_equal(act[1].tid, PID + 1);
	assert_int_equal(act[1].kind, STUB_RESUME_CONT);
	assert_int_equal(act[2].tid, -1);	/* threads born while running */
	assert_int_equal(act[2].kind, STUB_RESUME_CONT);

	/* its breakpoint comes out as a %Stop notification, acked by vStopped */
	struct stub_event ev = { .kind = STUB_EV_STOP };
	ev.stop = (struct stub_thread_stop){ .tid = PID + 1, .reason = STUB_STOP_BREAKPOINT, .signo = SIGTRAP,
					     .addr = 0x401010 };
	fake_proc_push_event(S.proc, &ev);
	struct stub_event got;
	assert_null(stub_proc_poll(S.proc, &got));
	stub_ns_event(&S, &got);
	stub_ns_resume(&S);
	assert_false(S.running);	/* nobody left running */
	assert_string_equal(notification(), "T05swbreak:;06:1008fe7f00000000;07:1007fe7f00000000;"
					     "10:1010400000000000;thread:p" PIDS ".3ffff1;");
	assert_string_equal(notification(), "(none)");	/* one at a time */
	assert_string_equal(send("vStopped"), "OK");

	/* vCont;t on a running thread: reported stopped with signal 0 */
	assert_string_equal(send("vCont;c"), "OK");
	stub_ns_resume(&S);
	assert_true(S.running);
	stub_ns_pause(&S);	/* the server's unseen interrupt around a packet */
	assert_false(S.running);
	assert_string_equal(notification(), "(none)");
	assert_string_equal(send("vCont;t:p" PIDS "." PIDS), "OK");
	stub_ns_resume(&S);
	act = fake_proc_actions(S.proc, &n);
	assert_int_equal(n, 3);
	assert_int_equal(act[0].kind, STUB_RESUME_STOP);
	assert_int_equal(act[1].kind, STUB_RESUME_CONT);
	assert_string_equal(notification(), T00_MAIN);
	assert_string_equal(send("vStopped"), "OK");

	/* vCtrlC: a running thread stops with SIGINT */
	stub_ns_pause(&S);
	assert_string_equal(send("vCtrlC"), "OK");
	stub_ns_resume(&S);
	assert_false(S.running);
	assert_string_equal(notification(), "T0206:1008fe7f00000000;07:1007fe7f00000000;10:1010400000000000;"
					     "thread:p" PIDS ".3ffff1;");
	/* a second stop while the first is unacked waits in the queue */
	assert_string_equal(send("vCont;c:p" PIDS "." PIDS), "OK");
	stub_ns_resume(&S);
	ev.stop = (struct stub_thread_stop){ .tid = PID, .reason = STUB_STOP_STEP, .signo = SIGTRAP };
	fake_proc_push_event(S.proc, &ev);
	assert_null(stub_proc_poll(S.proc, &got));
	stub_ns_event(&S, &got);
	assert_string_equal(notification(), "(none)");
	assert_string_equal(send("vStopped"), "T0506:0008fe7f00000000;07:0007fe7f00000000;10:0010400000000000;"
					      "thread:p" PIDS "." PIDS ";");
	assert_string_equal(send("vStopped"), "OK");

	/* the process's exit: W by notification; without --multi gostub quits once it is acked */
	assert_string_equal(send("vCont;c"), "OK");
	stub_ns_resume(&S);
	ev = (struct stub_event){ .kind = STUB_EV_EXITED, .status = 3 };
	fake_proc_push_event(S.proc, &ev);
	assert_null(stub_proc_poll(S.proc, &got));
	stub_ns_event(&S, &got);
	assert_null(S.proc);
	assert_false(S.quit);
	assert_string_equal(notification(), "W03;process:" PIDS);
	assert_string_equal(send("vStopped"), "OK");
	assert_true(S.quit);
	assert_string_equal(send("?"), "OK");
	assert_string_equal(send("QNonStop:0"), "OK");
	assert_false(S.non_stop);
	assert_string_equal(send("?"), "W03;process:" PIDS);
}

static void test_disable_packet(void **state)
{
	(void)state;
	S.disabled = STUB_DISABLE_TTHREAD;
	assert_string_equal(send("?"), "T0506:0008fe7f00000000;07:0007fe7f00000000;10:0010400000000000;");
	S.disabled = STUB_DISABLE_T;
	assert_string_equal(send("?"), "S05");
	S.disabled = STUB_DISABLE_VCONT | STUB_DISABLE_QC | STUB_DISABLE_QFTHREADINFO;
	assert_string_equal(send("vCont?"), "");
	assert_string_equal(send("vCont;c"), "");
	assert_false(S.running);
	assert_string_equal(send("qC"), "");
	assert_string_equal(send("qfThreadInfo"), "");
	assert_string_equal(send("qsThreadInfo"), "");
	/* without multiprocess gdb names the process 42000 (0xa410) */
	S.disabled = 0;
	assert_string_equal(send("vKill;a410"), "OK");
	assert_int_equal(fake_stats.killed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_qsupported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_xml_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lldb_stop_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lldb_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_breakpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_packet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_process, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
