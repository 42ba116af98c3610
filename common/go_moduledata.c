/* go_moduledata.c - placeholder: being written. */
#include "config.h"
#include "go_moduledata.h"
