# fork.gdb - the fork session of tests/run-gdb-remote.sh (forkprog.c):
# catchpoints on fork, vfork and exec with a breakpoint the children run
# into too; gdb detaches each child (its default), which must end normally.
### setup
set pagination off
set confirm off
set width 0
set height 0
### connect
file @PROG@
target remote @ADDR@
### catch
catch fork
catch vfork
catch exec
break work
### to-work
continue
### to-fork
continue
info inferiors
### to-vfork
continue
### to-exec
continue
### to-work-again
continue
info breakpoints
### to-exit
continue
