/*
 * target.h - what the Go layers and the unwinder read: memory, threads and
 * registers of one process, live (ptrace, stub/) or dead (core_file.c).
 *
 * A backend fills a const struct gsc_target_ops and embeds a struct
 * gsc_target whose priv is its own state.  Addresses are run-time addresses
 * (a PIE's load bias already applied).  Registers are exchanged by the arch's
 * register table (arch.h): index i of a struct gsc_regs is regs[i] of the
 * table, with a validity bit.
 *
 * Errors: a read of memory the target does not have is GSC_ERR_FAULT naming
 * the address; an unknown thread is GSC_ERR_NOT_FOUND; an operation a backend
 * leaves NULL (write_mem and write_regs on a core) is GSC_ERR_UNSUPPORTED.
 *
 * Does not: know about Go, ELF or any particular backend; cache.
 */
#ifndef GSC_TARGET_H
#define GSC_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "buf.h"
#include "error.h"

struct gsc_target_ops {
	const char *name;	/* "core", "ptrace": for messages */
	/* size bytes at addr into buf, all or nothing: FAULT names the first bad address. */
	struct gsc_error *(*read_mem)(void *priv, uint64_t addr, void *buf, size_t size);
	/* NULL: read-only target. */
	struct gsc_error *(*write_mem)(void *priv, uint64_t addr, const void *buf, size_t size);
	/*
	 * The thread ids (LWPs) in a fresh malloc'd array the caller frees;
	 * the first is the main or, for a core, the crashing thread.
	 */
	struct gsc_error *(*threads)(void *priv, int32_t **tids_ret, size_t *count_ret);
	/* Registers of thread tid by the arch table; NOT_FOUND for an unknown tid. */
	struct gsc_error *(*read_regs)(void *priv, int32_t tid, struct gsc_regs *ret);
	/* NULL: read-only.  Writes the registers whose valid bit is set. */
	struct gsc_error *(*write_regs)(void *priv, int32_t tid, const struct gsc_regs *regs);
};

struct gsc_target {
	const struct gsc_target_ops *ops;
	void *priv;
	enum gsc_arch arch;
	const struct gsc_arch_info *arch_info;	/* never NULL for a usable target */
	bool little_endian;
	unsigned ptr_size;			/* 8 */
};

static inline struct gsc_error *GSC_WUR gsc_target_read(const struct gsc_target *t, uint64_t addr,
						       void *buf, size_t size)
{
	return t->ops->read_mem(t->priv, addr, buf, size);
}

static inline struct gsc_error *GSC_WUR gsc_target_write(const struct gsc_target *t, uint64_t addr,
							const void *buf, size_t size)
{
	if (!t->ops->write_mem)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "%s target is read-only", t->ops->name);
	return t->ops->write_mem(t->priv, addr, buf, size);
}

static inline struct gsc_error *GSC_WUR gsc_target_threads(const struct gsc_target *t,
							  int32_t **tids_ret, size_t *count_ret)
{
	return t->ops->threads(t->priv, tids_ret, count_ret);
}

static inline struct gsc_error *GSC_WUR gsc_target_read_regs(const struct gsc_target *t, int32_t tid,
							    struct gsc_regs *ret)
{
	return t->ops->read_regs(t->priv, tid, ret);
}

static inline struct gsc_error *GSC_WUR gsc_target_write_regs(const struct gsc_target *t,
							     int32_t tid,
							     const struct gsc_regs *regs)
{
	if (!t->ops->write_regs)
		return gsc_error_create(GSC_ERR_UNSUPPORTED, "%s target is read-only", t->ops->name);
	return t->ops->write_regs(t->priv, tid, regs);
}

/* Integers in the target's byte order. */
static inline struct gsc_error *GSC_WUR gsc_target_read_u32(const struct gsc_target *t,
							   uint64_t addr, uint32_t *ret)
{
	uint8_t b[4];
	struct gsc_error *err = gsc_target_read(t, addr, b, sizeof(b));
	if (err)
		return err;
	*ret = gsc_load32(b, t->little_endian);
	return NULL;
}

static inline struct gsc_error *GSC_WUR gsc_target_read_u64(const struct gsc_target *t,
							   uint64_t addr, uint64_t *ret)
{
	uint8_t b[8];
	struct gsc_error *err = gsc_target_read(t, addr, b, sizeof(b));
	if (err)
		return err;
	*ret = gsc_load64(b, t->little_endian);
	return NULL;
}

/* A pointer-sized word (both supported arches are 64-bit). */
static inline struct gsc_error *GSC_WUR gsc_target_read_ptr(const struct gsc_target *t,
							   uint64_t addr, uint64_t *ret)
{
	return gsc_target_read_u64(t, addr, ret);
}

#endif
