/* unwind.c - placeholder: being written. */
#include "config.h"
#include "unwind.h"
