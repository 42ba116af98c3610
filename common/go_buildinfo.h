/* go_buildinfo.h - placeholder: being written. */
#ifndef GSC_GO_BUILDINFO_H
#define GSC_GO_BUILDINFO_H
#endif
