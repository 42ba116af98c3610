/* target.h - placeholder: being written. */
#ifndef GSC_TARGET_H
#define GSC_TARGET_H
#endif
