/* go_buildinfo.c - placeholder: being written. */
#include "config.h"
#include "go_buildinfo.h"
