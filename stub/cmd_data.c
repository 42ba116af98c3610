/*
 * cmd_data.c - memory, registers and break/watchpoints: m, M, X, x, g, G,
 * p, P, Z0-Z4, z0-z4.
 *
 * Registers travel in gdb's remote numbering and g-packet layout (common/
 * arch_amd64.c: the target.xml we serve); the ptrace layer keeps the
 * kernel's blocks (user_regs_struct, XSAVE) and the arch code converts.
 * g/G/p/P take lldb's ";thread:<id>;" suffix as well as Hg.
 *
 * Memory requests larger than a reply can carry are cut (clients read the
 * rest with the next packet); a read that fails at its first byte is an
 * error, a partial one returns what was readable.
 */
#include <stdlib.h>
#include <string.h>

#include "rsp_dispatch.h"

static enum rsp_result no_process(struct stub_session *s, struct rsp_buf *reply)
{
	stub_reply_error(s, reply, 1, "no process");
	return RSP_REPLY;
}

static enum rsp_result bad_packet(struct stub_session *s, struct rsp_buf *reply)
{
	stub_reply_error(s, reply, 0x16, "malformed packet");
	return RSP_REPLY;
}

static enum rsp_result gsc_fail(struct stub_session *s, struct rsp_buf *reply, struct gsc_error *err)
{
	stub_reply_gsc_error(s, reply, err);
	return RSP_REPLY;
}

struct gsc_error *stub_read_wire_regs(struct stub_session *s, pid_t tid, uint8_t **wire_ret, size_t *size_ret)
{
	const struct stub_regs *regs;
	if (!s->proc || !s->arch)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no process");
	struct gsc_error *err = stub_proc_get_regs(stub_session_proc_of(s, tid), tid, &regs);
	if (err)
		return err;
	size_t size = gsc_arch_wire_size(s->arch);
	uint8_t *wire = calloc(1, size ? size : 1);
	if (!wire)
		return &gsc_enomem;
	gsc_amd64_wire_from_native(s->arch, regs->gpr, regs->xsave, regs->xsave_len, wire);
	*wire_ret = wire;
	*size_ret = size;
	return NULL;
}

struct gsc_error *stub_read_wire_gprs(struct stub_session *s, pid_t tid, uint8_t **wire_ret, size_t *size_ret)
{
	const uint8_t *gpr;
	if (!s->proc || !s->arch)
		return gsc_error_create(GSC_ERR_NOT_FOUND, "no process");
	struct gsc_error *err = stub_proc_get_gpr(stub_session_proc_of(s, tid), tid, &gpr);
	if (err)
		return err;
	size_t size = gsc_arch_wire_size(s->arch);
	uint8_t *wire = calloc(1, size ? size : 1);
	if (!wire)
		return &gsc_enomem;
	gsc_amd64_wire_from_native(s->arch, gpr, NULL, 0, wire);
	*wire_ret = wire;
	*size_ret = size;
	return NULL;
}

/* "addr,length" */
static bool parse_addr_len(const uint8_t **p, const uint8_t *end, uint64_t *addr, uint64_t *len)
{
	if (!rsp_parse_hex_u64(p, end, addr) || *p >= end || **p != ',')
		return false;
	(*p)++;
	return rsp_parse_hex_u64(p, end, len);
}

/* Cuts len to cap and to the end of the address space. */
static size_t clamp_len(uint64_t addr, uint64_t len, size_t cap)
{
	if (len > cap)
		len = cap;
	if (addr + len < addr)
		len = 0 - addr;
	return (size_t)len;
}

/* Memory and breakpoints act on the process Hg names: another one, or the process. */
static struct stub_proc *mem_proc(struct stub_session *s)
{
	return stub_session_proc_for(s, &s->g_thread);
}

static struct gsc_error *read_mem(struct stub_session *s, uint64_t addr, size_t len, uint8_t **buf_ret,
				  size_t *done_ret)
{
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return &gsc_enomem;
	size_t done = 0;
	struct gsc_error *err = len ? stub_proc_read_mem(mem_proc(s), addr, buf, len, &done) : NULL;
	if (err) {
		free(buf);
		return err;
	}
	*buf_ret = buf;
	*done_ret = done;
	return NULL;
}

// m addr,length: read memory, hex
static enum rsp_result h_m(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	uint64_t addr, len;
	if (!parse_addr_len(&a, end, &addr, &len) || a != end)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	size_t n = clamp_len(addr, len, (size_t)(s->packet_size - 1) / 2);
	uint8_t *buf;
	size_t done;
	struct gsc_error *err = read_mem(s, addr, n, &buf, &done);
	if (err)
		return gsc_fail(s, reply, err);
	if (!rsp_buf_reserve(reply, done * 2))
		stub_reply_error(s, reply, 12, "out of memory");
	else
		rsp_buf_add_hex(reply, buf, done);
	free(buf);
	return RSP_REPLY;
}

// x addr,length: read memory, binary (lldb: raw bytes, OK for length 0; gdb with binary-upload+: 'b' first)
static enum rsp_result h_x(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	uint64_t addr, len;
	if (!parse_addr_len(&a, end, &addr, &len) || a != end)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	if (len == 0 && !s->binary_upload) {
		stub_reply_ok(reply);
		return RSP_REPLY;
	}
	size_t n = clamp_len(addr, len, (size_t)s->packet_size - 1);
	uint8_t *buf;
	size_t done;
	struct gsc_error *err = read_mem(s, addr, n, &buf, &done);
	if (err)
		return gsc_fail(s, reply, err);
	if (s->binary_upload)
		rsp_buf_add_char(reply, 'b');
	rsp_buf_add_escaped(reply, buf, done);
	free(buf);
	return RSP_REPLY;
}

static enum rsp_result write_mem(struct stub_session *s, uint64_t addr, const uint8_t *data, size_t len,
				 struct rsp_buf *reply)
{
	if (len && addr + len < addr)
		return bad_packet(s, reply);
	struct gsc_error *err = len ? stub_proc_write_mem(mem_proc(s), addr, data, len) : NULL;
	if (err)
		return gsc_fail(s, reply, err);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// M addr,length:hex: write memory
static enum rsp_result h_mwrite(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				struct rsp_buf *reply)
{
	uint64_t addr, len;
	if (!parse_addr_len(&a, end, &addr, &len) || a >= end || *a++ != ':')
		return bad_packet(s, reply);
	if ((uint64_t)(end - a) != len * 2 || len > (uint64_t)(end - a))
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	uint8_t *buf = malloc(len ? (size_t)len : 1);
	if (!buf) {
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	enum rsp_result r = rsp_hex_decode(a, (size_t)(end - a), buf, (size_t)len)
				    ? write_mem(s, addr, buf, (size_t)len, reply)
				    : bad_packet(s, reply);
	free(buf);
	return r;
}

// X addr,length:binary: write memory (length 0 probes support)
static enum rsp_result h_xwrite(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				struct rsp_buf *reply)
{
	uint64_t addr, len;
	if (!parse_addr_len(&a, end, &addr, &len) || a >= end || *a++ != ':')
		return bad_packet(s, reply);
	if ((uint64_t)(end - a) != len)
		return bad_packet(s, reply);
	if (!s->proc)
		return no_process(s, reply);
	return write_mem(s, addr, a, (size_t)len, reply);
}

/* The thread g/G/p/P act on: a ";thread:" suffix, else Hg, else the current one. */
static pid_t reg_thread(struct stub_session *s, const uint8_t *a, const uint8_t *end)
{
	struct stub_ptid id;
	if (stub_thread_suffix(a, end, &id))
		return stub_resolve_thread(s, &id);
	return stub_resolve_thread(s, &s->g_thread);
}

/* Where the packet's own arguments end: at a ";thread:" suffix. */
static const uint8_t *args_end(const uint8_t *a, const uint8_t *end)
{
	const uint8_t *semi = memchr(a, ';', (size_t)(end - a));
	return semi ? semi : end;
}

/*
 * The process, the thread the packet's suffix (or Hg) names, and its
 * registers as g-packet data: *wire_ret is malloc'd, or NULL when the reply
 * (no process, no such thread, a read error) is already written and the
 * result is what to return.
 */
static enum rsp_result thread_wire(struct stub_session *s, const uint8_t *suffix, const uint8_t *end,
				   struct rsp_buf *reply, pid_t *tid_ret, uint8_t **wire_ret, size_t *size_ret)
{
	*wire_ret = NULL;
	if (!s->proc)
		return no_process(s, reply);
	pid_t tid = reg_thread(s, suffix, end);
	if (!tid) {
		stub_reply_error(s, reply, 2, "no such thread");
		return RSP_REPLY;
	}
	struct gsc_error *err = stub_read_wire_regs(s, tid, wire_ret, size_ret);
	if (err) {
		*wire_ret = NULL;
		return gsc_fail(s, reply, err);
	}
	*tid_ret = tid;
	return RSP_REPLY;
}

// g: all registers, hex in target.xml order ([;thread:<id>;])
static enum rsp_result h_g(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	if (args_end(a, end) != a)
		return bad_packet(s, reply);
	pid_t tid;
	uint8_t *wire;
	size_t size;
	enum rsp_result r = thread_wire(s, a, end, reply, &tid, &wire, &size);
	if (!wire)
		return r;
	rsp_buf_add_hex(reply, wire, size);
	free(wire);
	return RSP_REPLY;
}

/* Applies wire (whole, or register regno only) to thread tid. */
static enum rsp_result put_regs(struct stub_session *s, pid_t tid, const uint8_t *wire, int regno,
				struct rsp_buf *reply)
{
	const struct stub_regs *cur;
	struct stub_proc *p = stub_session_proc_of(s, tid);
	struct gsc_error *err = stub_proc_get_regs(p, tid, &cur);
	if (err)
		return gsc_fail(s, reply, err);
	struct stub_regs *regs = malloc(sizeof(*regs));
	if (!regs) {
		stub_reply_error(s, reply, 12, "out of memory");
		return RSP_REPLY;
	}
	memcpy(regs, cur, sizeof(*regs));
	gsc_amd64_native_from_wire(s->arch, wire, regno, regs->gpr, regs->xsave, regs->xsave_len);
	err = stub_proc_set_regs(p, tid, regs);
	free(regs);
	if (err)
		return gsc_fail(s, reply, err);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// G hex: write all registers ([;thread:<id>;])
static enum rsp_result h_gwrite(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				struct rsp_buf *reply)
{
	const uint8_t *e = args_end(a, end);
	pid_t tid;
	uint8_t *wire;
	size_t size;
	enum rsp_result r = thread_wire(s, e, end, reply, &tid, &wire, &size);
	if (!wire)
		return r;
	size_t hl = (size_t)(e - a);
	if (hl % 2 || hl / 2 > size || !rsp_hex_decode(a, hl, wire, hl / 2))
		r = bad_packet(s, reply);	/* a shorter G keeps the registers it does not cover */
	else
		r = put_regs(s, tid, wire, -1, reply);
	free(wire);
	return r;
}

static bool parse_regno(struct stub_session *s, const uint8_t **a, const uint8_t *end, int *ret)
{
	uint64_t r;
	if (!rsp_parse_hex_u64(a, end, &r) || r >= (uint64_t)gsc_arch_wire_nregs(s->arch))
		return false;
	*ret = (int)r;
	return true;
}

// p n: one register, hex ([;thread:<id>;])
static enum rsp_result h_p(struct stub_session *s, const uint8_t *a, const uint8_t *end, struct rsp_buf *reply)
{
	int regno;
	size_t off, sz;
	const char *name;
	if (!parse_regno(s, &a, end, &regno) || args_end(a, end) != a)
		return bad_packet(s, reply);
	pid_t tid;
	uint8_t *wire;
	size_t size;
	enum rsp_result r = thread_wire(s, a, end, reply, &tid, &wire, &size);
	if (!wire)
		return r;
	if (gsc_arch_wire_reg(s->arch, regno, &off, &sz, &name) && off + sz <= size)
		rsp_buf_add_hex(reply, wire + off, sz);
	else
		stub_reply_error(s, reply, 0x16, "no such register");
	free(wire);
	return RSP_REPLY;
}

// P n=hex: write one register ([;thread:<id>;])
static enum rsp_result h_pwrite(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				struct rsp_buf *reply)
{
	int regno;
	size_t off, sz;
	const char *name;
	if (!parse_regno(s, &a, end, &regno) || a >= end || *a++ != '=')
		return bad_packet(s, reply);
	const uint8_t *e = args_end(a, end);
	if (!gsc_arch_wire_reg(s->arch, regno, &off, &sz, &name) || (size_t)(e - a) != sz * 2)
		return bad_packet(s, reply);
	pid_t tid;
	uint8_t *wire;
	size_t size;
	enum rsp_result r = thread_wire(s, e, end, reply, &tid, &wire, &size);
	if (!wire)
		return r;
	if (off + sz > size || !rsp_hex_decode(a, sz * 2, wire + off, sz))
		r = bad_packet(s, reply);
	else
		r = put_regs(s, tid, wire, regno, reply);
	free(wire);
	return r;
}

/*
 * Z1/Z2/Z4 with debug registers that trap; when the ptrace layer emulates
 * them (ptrace_target.h), Z1 and Z2 only: an access watchpoint cannot be.
 */
static bool hw_point_supported(struct stub_session *s, uint64_t type)
{
	if (s->proc && stub_proc_watch_emulated(s->proc))
		return type == 1 || type == 2;
	return stub_ptrace_probe_debug_regs();
}

/* Z/z type,addr,kind[;cond...] */
static enum rsp_result breakpoint(struct stub_session *s, bool insert, const uint8_t *a, const uint8_t *end,
				  struct rsp_buf *reply)
{
	uint64_t type, addr, kind;
	if (!rsp_parse_hex_u64(&a, end, &type) || a >= end || *a++ != ',' ||
	    !parse_addr_len(&a, end, &addr, &kind) || (a != end && *a != ';') || type > 4 || kind > 8)
		return bad_packet(s, reply);
	if (type == 3 || (type > 0 && !hw_point_supported(s, type)))
		return RSP_REPLY;	/* empty: not supported, the client falls back (Z3 -> Z4, software watch) */
	if (!s->proc)
		return no_process(s, reply);
	struct gsc_error *err;
	struct stub_proc *p = mem_proc(s);
	if (type == 0) {
		err = insert ? stub_proc_insert_breakpoint(p, addr) : stub_proc_remove_breakpoint(p, addr);
	} else {
		static const enum stub_hw_kind kinds[] = { 0, STUB_HW_EXEC, STUB_HW_WRITE, STUB_HW_READ, STUB_HW_ACCESS };
		size_t len = type == 1 ? 1 : (size_t)kind;
		err = insert ? stub_proc_insert_hw(p, kinds[type], addr, len) : stub_proc_remove_hw(p, kinds[type], addr, len);
	}
	if (err)
		return gsc_fail(s, reply, err);
	stub_reply_ok(reply);
	return RSP_REPLY;
}

// Z type,addr,kind: insert a breakpoint (0) or watchpoint (1 hw break, 2 write, 3 read, 4 access)
static enum rsp_result h_zinsert(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	return breakpoint(s, true, a, end, reply);
}

// z type,addr,kind: remove it
static enum rsp_result h_zremove(struct stub_session *s, const uint8_t *a, const uint8_t *end,
				 struct rsp_buf *reply)
{
	return breakpoint(s, false, a, end, reply);
}

// _M size,perms / _m addr: lldb's JIT memory; empty (lldb falls back)
static enum rsp_result h_alloc(struct stub_session *s, const uint8_t *a, const uint8_t *end,
			       struct rsp_buf *reply)
{
	(void)s, (void)a, (void)end, (void)reply;
	return RSP_REPLY;
}

const struct rsp_command stub_data_commands[] = {
	{ "m", RSP_PREFIX, h_m },
	{ "M", RSP_PREFIX, h_mwrite },
	{ "x", RSP_PREFIX, h_x },
	{ "X", RSP_PREFIX, h_xwrite },
	{ "g", RSP_PREFIX, h_g },
	{ "G", RSP_PREFIX, h_gwrite },
	{ "p", RSP_PREFIX, h_p },
	{ "P", RSP_PREFIX, h_pwrite },
	{ "Z", RSP_PREFIX, h_zinsert },
	{ "z", RSP_PREFIX, h_zremove },
	{ "_M", RSP_PREFIX, h_alloc },
	{ "_m", RSP_PREFIX, h_alloc },
	{ NULL, 0, NULL },
};
