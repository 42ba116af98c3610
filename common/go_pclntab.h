/* go_pclntab.h - placeholder: being written. */
#ifndef GSC_GO_PCLNTAB_H
#define GSC_GO_PCLNTAB_H
#endif
