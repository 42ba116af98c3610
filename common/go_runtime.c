/* go_runtime.c - placeholder: being written. */
#include "config.h"
#include "go_runtime.h"
