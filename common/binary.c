/* binary.c - placeholder: being written. */
#include "config.h"
#include "binary.h"
