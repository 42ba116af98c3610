/* disasm.c - placeholder: being written. */
#include "config.h"
#include "disasm.h"
