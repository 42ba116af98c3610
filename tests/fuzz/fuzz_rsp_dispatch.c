/*
 * fuzz_rsp_dispatch.c - libFuzzer target: arbitrary packets into
 * rsp_dispatch() over the in-memory fake process (tests/stub/fake_proc.c).
 *
 * Input layout: byte 0 selects the starting state (bit 0: no process, as
 * in --multi before vRun; bit 1: the fake has one thread instead of three;
 * bit 2: no-ack negotiated), the rest is packets separated by '\n' (a
 * packet is any bytes, NULs included: X and vFile:pwrite are binary).
 * A packet that resumes the target is answered as the server would, with
 * the stop the fake reports (a SIGTRAP in the first thread).
 *
 * vFile packets are skipped: they open files of this machine by name, and a
 * FIFO or a device could block the fuzzer.  Everything else runs as is.
 * Checked: no sanitizer report, no allocation failure in a reply, and a
 * reply without '}' escapes frames and decodes back to itself (a raw '$',
 * '#' or '*' in a text reply would confuse the client's framing).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsp_dispatch.h"
#include "rsp_packet.h"
#include "stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* From tests/stub/fake_proc.c (its test declares them the same way). */
struct stub_proc *fake_proc_create(pid_t pid, size_t nthreads);
void fake_proc_push_event(struct stub_proc *p, const struct stub_event *ev);

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "invariant failed: %s (line %d)\n", #x, __LINE__); abort(); } } while (0)

enum { FUZZ_PID = 0x1000 };

/* The stop the server would report once the fake "ran". */
static void finish_resume(struct stub_session *s, struct rsp_buf *reply)
{
	struct stub_event ev;

	if (!s->proc) {
		s->running = false;
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = STUB_EV_STOP;
	ev.stop.tid = stub_proc_pid(s->proc);
	ev.stop.reason = STUB_STOP_SIGNAL;
	ev.stop.signo = SIGTRAP;
	fake_proc_push_event(s->proc, &ev);
	struct gsc_error *err = stub_proc_poll(s->proc, &ev);
	CHECK(err == NULL);
	if (ev.kind == STUB_EV_NONE)
		ev.kind = STUB_EV_STOP;	/* the fake's event script is full */
	rsp_buf_reset(reply);
	stub_report_event(s, &ev, reply);
	s->running = false;
}

/* The reply frames into one packet that decodes back to the same bytes. */
static void check_reply(const struct rsp_buf *reply, struct rsp_buf *wire)
{
	struct rsp_decoder d;
	struct rsp_event ev;

	CHECK(!reply->oom);
	rsp_buf_reset(wire);
	rsp_encode(wire, reply->data, reply->len, true);
	CHECK(rsp_decoder_init(&d, reply->len + 1) == NULL);
	size_t used = rsp_decoder_feed(&d, wire->data, wire->len, &ev);
	CHECK(used == wire->len);
	/* Binary replies carry '}' escapes, so compare only escape-free ones. */
	if (ev.kind == RSP_EV_PACKET && (!reply->len || !memchr(reply->data, '}', reply->len)))
		CHECK(ev.payload_len == reply->len && (!reply->len || memcmp(ev.payload, reply->data, reply->len) == 0));
	else
		CHECK(ev.kind == RSP_EV_PACKET || ev.kind == RSP_EV_BAD_CHECKSUM);
	rsp_decoder_deinit(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stub_session s;
	struct rsp_buf reply, wire;

	if (size < 1)
		return 0;
	stub_session_init(&s);
	s.multi = data[0] & 1;
	s.no_ack = data[0] & 4;
	if (!(data[0] & 1))
		stub_session_set_proc(&s, fake_proc_create(FUZZ_PID, data[0] & 2 ? 1 : 3), SIGSTOP);
	rsp_buf_init(&reply);
	rsp_buf_init(&wire);

	const uint8_t *p = data + 1, *end = data + size;
	while (p < end && !s.quit) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		/* The decoder hands out NUL-terminated payloads; so do we. */
		uint8_t *pkt = malloc(len + 1);
		CHECK(pkt != NULL);
		memcpy(pkt, p, len);
		pkt[len] = 0;
		p += len + (nl != NULL);
		if (len >= 6 && memcmp(pkt, "vFile:", 6) == 0) {
			free(pkt);
			continue;
		}
		rsp_buf_reset(&reply);
		rsp_buf_reset(&s.console);
		enum rsp_result r = rsp_dispatch(&s, pkt, len, &reply);
		free(pkt);
		if (s.running)
			finish_resume(&s, &reply);
		else if (r == RSP_NO_REPLY)
			continue;
		check_reply(&reply, &wire);
	}
	rsp_buf_deinit(&reply);
	rsp_buf_deinit(&wire);
	stub_session_deinit(&s);
	return 0;
}
