/* binary.h - placeholder: being written. */
#ifndef GSC_BINARY_H
#define GSC_BINARY_H
#endif
