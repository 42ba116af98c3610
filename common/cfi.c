/* cfi.c - placeholder: being written. */
#include "config.h"
#include "cfi.h"
