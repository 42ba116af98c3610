/* rsp_dispatch.h - placeholder: packet tables (being written). */
#ifndef STUB_RSP_DISPATCH_H
#define STUB_RSP_DISPATCH_H
#endif
