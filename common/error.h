/*
 * error.h - the error type of libgoscope (the drgn model).
 *
 * A function that can fail returns struct gsc_error * (NULL is success) and
 * writes its results through out-parameters only on success.  An error owns a
 * formatted message; gsc_error_destroy() frees it (static singletons such as
 * gsc_enomem are left alone).  Adapters for errno, libelf, libdwarf and
 * capstone live in error.c (libdwarf's and capstone's in the files that are
 * allowed to include those headers, through gsc_error_create()).
 *
 * Does not: print anything.  Only front ends print.
 */
#ifndef GSC_ERROR_H
#define GSC_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum gsc_error_code {
	GSC_ERR_NOMEM = 1,
	GSC_ERR_OS,		/* errnum holds errno */
	GSC_ERR_ELF,		/* libelf said no */
	GSC_ERR_DWARF,		/* libdwarf said no, or DWARF is malformed */
	GSC_ERR_FAULT,		/* address holds the unreadable address */
	GSC_ERR_BAD_DATA,	/* input is truncated, corrupt or hostile */
	GSC_ERR_NOT_FOUND,
	GSC_ERR_UNSUPPORTED,	/* names the Go version or arch */
	GSC_ERR_INVALID_ARG,
	GSC_ERR_DISASM,
};

struct gsc_error {
	enum gsc_error_code code;
	bool needs_destroy;
	int errnum;
	uint64_t address;
	char *message;
};

#define GSC_WUR __attribute__((warn_unused_result))
#define GSC_PRINTF(f, a) __attribute__((format(printf, f, a)))

extern struct gsc_error gsc_enomem;

struct gsc_error *gsc_error_create(enum gsc_error_code code, const char *fmt, ...)
	GSC_PRINTF(2, 3) GSC_WUR;
struct gsc_error *gsc_error_vcreate(enum gsc_error_code code, const char *fmt, va_list ap)
	GSC_PRINTF(2, 0) GSC_WUR;
/* "<what>: <strerror(errnum)>" */
struct gsc_error *gsc_error_errno(int errnum, const char *fmt, ...) GSC_PRINTF(2, 3) GSC_WUR;
/* GSC_ERR_FAULT: "cannot read memory at 0x<address>" plus an optional context. */
struct gsc_error *gsc_error_fault(uint64_t address, uint64_t size) GSC_WUR;
/* GSC_ERR_ELF with libelf's current elf_errmsg(-1). */
struct gsc_error *gsc_error_libelf(const char *what) GSC_WUR;
/* Prefix an error's message with "<context>: ", keeping the code.  Returns err. */
struct gsc_error *gsc_error_wrap(struct gsc_error *err, const char *fmt, ...) GSC_PRINTF(2, 3);
void gsc_error_destroy(struct gsc_error *err);

/* Bad-data errors are the most common kind; a short name for them. */
#define gsc_bad_data(...) gsc_error_create(GSC_ERR_BAD_DATA, __VA_ARGS__)

#endif
