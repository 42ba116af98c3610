# kill.gdb - the second gdb session of tests/run-gdb-remote.sh: stop at
# @FUNC@, then `kill`. Same substitutions as remote.gdb.
### setup
set pagination off
set confirm off
set width 0
set height 0
### connect
file @PROG@
target remote @ADDR@
### break
break @FUNC@
### continue
continue
### kill
kill
info inferiors
