# inferiors.gdb - part 3 of tests/run-gdb-extended.sh: two inferiors on one
# --multi server (add-inferior, run in each: the first process stays),
# switching between them, thread apply all, a fork event in each (gdb
# detaches the children), an exec in the first, each run to its exit.
# @PROG@ is forkprog.c, @ADDR@ HOST:PORT.
### setup
set pagination off
set confirm off
set width 0
set height 0
set startup-with-shell off
### connect
file @PROG@
target extended-remote @ADDR@
set remote exec-file @PROG@
### first
break work
run
### second
add-inferior
inferior 2
file @PROG@
set remote exec-file @PROG@
run
info inferiors
thread apply all bt 1
### back-to-first
inferior 1
continue
continue
info inferiors
### second-again
inferior 2
continue
continue
info inferiors
### disconnect
disconnect
