/* arch.c - placeholder: being written. */
#include "config.h"
#include "arch.h"
