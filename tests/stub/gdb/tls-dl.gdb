# tls-dl.gdb - tlsprog dl LIB: a dlopen'ed object's TLS before and after the
# thread first used it (before: no TLS yet, an error as gdbserver gives).
### setup
set pagination off
set confirm off
set width 0
set height 0
### connect
file @PROG@
target remote @ADDR@
### before-use
break stop_here
continue
p main_tls
p dl_tls
### after-use
continue
p dl_tls
p dl_buf
### exit
continue
