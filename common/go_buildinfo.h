/*
 * go_buildinfo.h - the Go build information in `.go.buildinfo`: the Go
 * version, the main package and module, and the build settings.
 *
 * Facts: ../shared/reference/go-runtime.md §8; debug/buildinfo and
 * cmd/link/internal/ld/data.go.  Works on stripped binaries (`-s -w` keeps
 * it).  Go 1.18+ stores both strings inline (flag bit 1); the older
 * pointer form is read too when the pointers land in the file.
 *
 * Does not: read runtime.buildVersion or DWARF producers.
 */
#ifndef GSC_GO_BUILDINFO_H
#define GSC_GO_BUILDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct gsc_elf;

struct gsc_build_setting {
	char *key;		/* "GOARCH", "-ldflags", "vcs.revision" */
	char *value;
};

struct gsc_buildinfo {
	char *go_version;	/* "go1.26.8", "devel go1.27-abcdef" */
	int go_major;		/* 1 */
	int go_minor;		/* 26; 0 if the version is not of the go1.N form */
	int go_patch;
	char *path;		/* main package path ("command-line-arguments") */
	char *main_module;	/* "" when built outside a module */
	char *main_version;	/* "(devel)" */
	char *modinfo;		/* the whole module text, sentinels removed */
	struct gsc_build_setting *settings;
	size_t nsettings;
};

/* Finds and parses the build info of an executable; NOT_FOUND if it has none. */
struct gsc_error *gsc_buildinfo_read(struct gsc_elf *elf, struct gsc_buildinfo **ret) GSC_WUR;
/*
 * Parses a build info blob starting at its 32-byte header; `addr` is its
 * link-time address (needed only for the pre-1.18 pointer form, read
 * through elf, which may then be NULL for inline blobs).
 */
struct gsc_error *gsc_buildinfo_parse(const uint8_t *data, size_t size, struct gsc_elf *elf,
				      struct gsc_buildinfo **ret) GSC_WUR;
void gsc_buildinfo_destroy(struct gsc_buildinfo *bi);

/* The value of a build setting, or NULL. */
const char *gsc_buildinfo_setting(const struct gsc_buildinfo *bi, const char *key);

/*
 * Parses "go1.21.3" / "go1.22rc1" / "devel go1.27-abc" into major.minor.patch.
 * Returns false if the string is not a Go version.
 */
bool gsc_go_version_parse(const char *s, int *major, int *minor, int *patch);

#endif
