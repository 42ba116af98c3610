# exit.gdb - the last gdb session of tests/run-gdb-extended.sh: connect to
# the --multi server again (it must still be there) and stop it.
### setup
set pagination off
set confirm off
### connect
target extended-remote @ADDR@
info inferiors
### monitor-exit
monitor exit
