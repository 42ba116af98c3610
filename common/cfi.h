/* cfi.h - placeholder: being written. */
#ifndef GSC_CFI_H
#define GSC_CFI_H
#endif
