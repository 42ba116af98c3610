/* core_file.c - placeholder: being written. */
#include "config.h"
#include "core_file.h"
