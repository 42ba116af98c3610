/* arch.h - placeholder: being written. */
#ifndef GSC_ARCH_H
#define GSC_ARCH_H
#endif
