#!/bin/bash
# run-portable.sh - common/ and coredump/ build on any POSIX host: they include
# no Linux-only header (<sys/ptrace.h>, <sys/user.h>, <sys/procfs.h>, <asm/*>,
# <linux/*>, <sys/prctl.h>, <sys/epoll.h>...).  Only stub/ may.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(sys/(ptrace|user|procfs|prctl|epoll|signalfd|inotify|reg)\.h|asm/|linux/)' \
	"$top_srcdir/common" "$top_srcdir/coredump" --include='*.[ch]')
if [ -n "$bad" ]; then
	echo "FAIL: Linux-only headers outside stub/:"
	echo "$bad"
	exit 1
fi
echo "PASS: no Linux-only headers in common/ or coredump/"
