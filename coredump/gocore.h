/* gocore.h - the gocore front end: subcommands share these. */
#ifndef GOCORE_H
#define GOCORE_H

int gocore_cmd_info(int argc, char **argv);
int gocore_cmd_addr2line(int argc, char **argv);
/* Prints "gocore: <what>: <message>" and destroys err; returns exit status 1. */
struct gsc_error;
int gocore_fail(struct gsc_error *err, const char *what);

#endif
