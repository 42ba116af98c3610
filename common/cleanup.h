/*
 * cleanup.h - scope guards for locals and overflow-checked arithmetic.
 *
 *   _cleanup_free_ char *s = NULL;            freed on every return path
 *   _cleanup_error_ struct gsc_error *e = ... destroyed unless taken with
 *                                             GSC_TAKE(e)
 */
#ifndef GSC_CLEANUP_H
#define GSC_CLEANUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "error.h"

static inline void gsc_freep(void *p)
{
	free(*(void **)p);
}

static inline void gsc_error_destroyp(struct gsc_error **p)
{
	gsc_error_destroy(*p);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(gsc_freep)
#define _cleanup_error_ _cleanup_(gsc_error_destroyp)

/* Hand a guarded pointer to the caller: the guard then sees NULL. */
#define GSC_TAKE(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })

/* true on overflow, like the builtins they wrap. */
#define gsc_add_overflow(a, b, r) __builtin_add_overflow(a, b, r)
#define gsc_mul_overflow(a, b, r) __builtin_mul_overflow(a, b, r)

/* Is [off, off+len) inside [0, size)?  Safe against overflow. */
static inline bool gsc_in_bounds(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

#endif
