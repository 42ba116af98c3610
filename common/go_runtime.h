/* go_runtime.h - placeholder: being written. */
#ifndef GSC_GO_RUNTIME_H
#define GSC_GO_RUNTIME_H
#endif
