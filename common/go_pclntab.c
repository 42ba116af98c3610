/* go_pclntab.c - placeholder: being written. */
#include "config.h"
#include "go_pclntab.h"
