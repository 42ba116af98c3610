#!/bin/bash
# run-lldb-16.sh - Debian's lldb 16 in batch mode against gostub: gdb-remote,
# breakpoints by name and address, continue without SIGURG stops on a Go
# program, bt, register read, memory read, thread list, thread step-inst,
# watchpoint set, detach, process kill (tests/stub/lldb/lldb-lib.sh).
# LLDB_SERVER=1 runs the same checks against lldb-server gdbserver.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/stub/lldb/lldb-lib.sh"
lldb_main 16
