/* dwarf_info.c - placeholder: being written. */
#include "config.h"
#include "dwarf_info.h"
