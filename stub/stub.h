/* stub.h - placeholder: the session state shared by gostub's files (being written). */
#ifndef STUB_STUB_H
#define STUB_STUB_H
#endif
