# extended.gdb - the gdb session of tests/run-gdb-extended.sh, split like
# remote.gdb. @PROG@ the C program, @ADDR@ HOST:PORT, @PID1@ a copy of it
# started by the test (blocked in sigwaitinfo).
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
info inferiors
### run-exit
run exit 3
### run-again
break work
run exit 4
bt
info threads
continue
### run-kill
run exit 5
kill
### attach
delete
attach @PID1@
bt
info threads
### attach-thread
python [gdb.execute("thread %d" % t.num) for t in gdb.selected_inferior().threads() if t.name == "worker-2"]
bt
### attach-detach
detach
info inferiors
### disconnect
disconnect
