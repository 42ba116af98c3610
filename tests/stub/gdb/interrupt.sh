#!/bin/sh
# interrupt.sh GDBPID PIDFILE FLAG - send gdb a SIGINT (which gdb turns into
# an interrupt of the remote target) once the program whose pid is in
# PIDFILE runs, and again every second while FLAG exists and the program
# still runs; give up after 20 s. Started in the background by a gdb
# `shell` command just before `continue`; the step removes FLAG once the
# continue has returned. "Runs" means its main thread is not in a
# tracing stop (state t): a SIGINT while gdb is not waiting for the target
# would abort the step instead.
gdb=$1 pidfile=$2 flag=$3
pid=$(cat "$pidfile") || exit 1
n=0
while [ -e "$flag" ] && [ $n -lt 100 ]; do
	state=$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null) || exit 0
	if [ "$state" != t ] && [ "$state" != T ]; then
		kill -INT "$gdb" 2>/dev/null || exit 0
		sleep 1
		n=$((n + 5))
	else
		sleep 0.2
		n=$((n + 1))
	fi
done
