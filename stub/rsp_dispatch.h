/*
 * rsp_dispatch.h - from one decoded packet to one reply.
 *
 * rsp_dispatch() looks the packet up in const tables {name, match, handler}
 * (STYLE.md §6), runs the handler, and says what the server must do: send
 * the reply now (an unknown packet gets the empty reply), send nothing (the
 * target was resumed and the stop reply comes when it stops, or the packet
 * takes no reply, like gdb's 'k'), or send nothing because the handler wants
 * no answer.  Console output of monitor commands is left in s->console for
 * the server to send as O packets before the reply.
 *
 * Does not: read or write the connection; frame packets (rsp_packet.c).
 */
#ifndef STUB_RSP_DISPATCH_H
#define STUB_RSP_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "rsp_packet.h"
#include "stub.h"

enum rsp_result {
	RSP_REPLY,	/* send reply (possibly empty) */
	RSP_NO_REPLY,	/* the packet takes no reply, or the target runs (s->running) */
};

enum rsp_match {
	RSP_EXACT,	/* the whole payload is the name */
	RSP_PREFIX,	/* the payload starts with the name */
};

/*
 * A handler gets the payload after the packet's name (args..end), writes its
 * answer into reply (empty on entry) and returns what the server does next.
 */
typedef enum rsp_result (*rsp_handler_fn)(struct stub_session *s, const uint8_t *args, const uint8_t *end,
					  struct rsp_buf *reply);

struct rsp_command {
	const char *name;
	enum rsp_match match;
	rsp_handler_fn handler;
};

/* The tables of each family (longest prefix first within a table). */
extern const struct rsp_command stub_query_commands[];	/* q, Q, j, vFile, vMustReplyEmpty */
extern const struct rsp_command stub_run_commands[];	/* ?, vCont, c, s, C, S, H, T, vRun, vAttach, ... */
extern const struct rsp_command stub_data_commands[];	/* m, M, X, x, g, G, p, P, Z, z, _M, _m */

/* payload[0..len) is one packet (NUL-terminated at len by the decoder, but may hold NULs). */
enum rsp_result rsp_dispatch(struct stub_session *s, const uint8_t *payload, size_t len, struct rsp_buf *reply);

#endif
