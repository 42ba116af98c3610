# disconnect.gdb - tests/run-gdb-extended.sh: `SERVER --once --attach PORT
# PID`, breakpoints kept inserted while stopped, then gdb dies: the server
# must detach and take its int3s out of the text.
### setup
set pagination off
set confirm off
### connect
target remote @ADDR@
set breakpoint always-inserted on
break worker_wait
break work
info breakpoints
### die
shell kill -KILL $PPID
