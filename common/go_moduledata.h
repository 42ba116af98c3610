/* go_moduledata.h - placeholder: being written. */
#ifndef GSC_GO_MODULEDATA_H
#define GSC_GO_MODULEDATA_H
#endif
