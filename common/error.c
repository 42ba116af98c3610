/* error.c - error values and the adapters from library errors to them. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct gsc_error gsc_enomem = {
	.code = GSC_ERR_NOMEM,
	.message = (char *)"out of memory",
};

struct gsc_error *gsc_error_vcreate(enum gsc_error_code code, const char *fmt, va_list ap)
{
	struct gsc_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &gsc_enomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &gsc_enomem;
	}
	err->code = code;
	err->needs_destroy = true;
	return err;
}

struct gsc_error *gsc_error_create(enum gsc_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct gsc_error *err = gsc_error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct gsc_error *gsc_error_errno(int errnum, const char *fmt, ...)
{
	char *what;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return &gsc_enomem;
	struct gsc_error *err = errnum == ENOMEM ? &gsc_enomem :
		gsc_error_create(GSC_ERR_OS, "%s: %s", what, strerror(errnum));
	free(what);
	if (err != &gsc_enomem)
		err->errnum = errnum;
	return err;
}

struct gsc_error *gsc_error_fault(uint64_t address, uint64_t size)
{
	struct gsc_error *err = gsc_error_create(GSC_ERR_FAULT,
		"cannot read %" PRIu64 " byte%s at 0x%" PRIx64, size, size == 1 ? "" : "s", address);
	if (err != &gsc_enomem)
		err->address = address;
	return err;
}

struct gsc_error *gsc_error_libelf(const char *what)
{
	return gsc_error_create(GSC_ERR_ELF, "%s: %s", what, elf_errmsg(-1));
}

struct gsc_error *gsc_error_wrap(struct gsc_error *err, const char *fmt, ...)
{
	char *ctx, *msg;
	va_list ap;
	if (!err || !err->needs_destroy)
		return err;
	va_start(ap, fmt);
	int n = vasprintf(&ctx, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err;
	if (asprintf(&msg, "%s: %s", ctx, err->message) >= 0) {
		free(err->message);
		err->message = msg;
	}
	free(ctx);
	return err;
}

void gsc_error_destroy(struct gsc_error *err)
{
	if (!err || !err->needs_destroy)
		return;
	free(err->message);
	free(err);
}
