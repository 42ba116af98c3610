/* cmd_info.c - gocore info EXE, gocore addr2line EXE PC... (placeholder until the binary layer lands). */
#include "config.h"

#include <stdio.h>

#include "gocore.h"

int gocore_cmd_info(int argc, char **argv)
{
	fprintf(stderr, "gocore: info: not yet\n");
	return 1;
}

int gocore_cmd_addr2line(int argc, char **argv)
{
	fprintf(stderr, "gocore: addr2line: not yet\n");
	return 1;
}
