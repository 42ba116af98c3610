# tls.gdb - the thread-local storage session of tests/run-gdb-remote.sh
# (tlsprog.c): qGetTLSAddr for the program's and a shared object's
# variables in three threads (tls-dl.gdb: a dlopen'ed object's).  @PROG@, @ADDR@.
### setup
set pagination off
set confirm off
set width 0
set height 0
### connect
file @PROG@
target remote @ADDR@
### first-thread
break stop_here
continue
p main_tls
p lib_tls
p main_big
p lib_buf
p main_tls == *&main_tls
### second-thread
continue
p main_tls
p lib_tls
### main-thread
continue
p main_tls
p lib_tls
up
p main_tls
### exit
continue
