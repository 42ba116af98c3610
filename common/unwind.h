/* unwind.h - placeholder: being written. */
#ifndef GSC_UNWIND_H
#define GSC_UNWIND_H
#endif
