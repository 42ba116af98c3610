# remote.gdb - the gdb session of tests/run-gdb-remote.sh, one step per
# "### name" (gdbtool.py steps splits it; an error ends only its own step).
# @PROG@ the program, @ADDR@ HOST:PORT, @FUNC@ the function to break on,
# @COUNTER@ @BYTES@ @WATCH@ globals (an int, 16 bytes, the int work() writes),
# @THREAD@ the name of a thread blocked in read(), @WATCHMODE@ a command run
# before `watch` (empty, or "set can-use-hw-watchpoints 0"), @BACKSTOP@ a
# line after the write (a watchpoint that never fires stops there instead of
# running on), @RUNDIR@ the program's directory (pid file), @HERE@ this
# directory.
### setup
set pagination off
set confirm off
set width 0
set height 0
set print frame-arguments scalars
### connect
file @PROG@
target remote @ADDR@
### break
break @FUNC@
### continue
continue
### bt
bt
### registers
info registers
info registers fs_base gs_base
p/x $fs_base
p $xmm0
p $ymm0
p/x $ymm0.v4_int64
p/x $zmm0.v8_int64
set var $zmm20.v8_int64[7] = 0x1122334455667788
p/x $zmm20.v8_int64[7]
set var $k2 = 0x55
p $k2
info registers rip
### locals
info args
info locals
### globals
p @COUNTER@
p/x @BYTES@
### examine
x/16xb &@BYTES@
x/xg $sp
### set
set var @COUNTER@ = 42
p @COUNTER@
x/dw &@COUNTER@
set $saved = $rax
set var $rax = 0x1234
p/x $rax
set var $rax = $saved
### watch
@WATCHMODE@
watch @WATCH@
tbreak @BACKSTOP@
# When the watchpoint cannot be inserted, say so (that is the difference)
# and go on with a software one, so that the later steps still compare.
python
try:
    gdb.execute("continue")
except gdb.error as e:
    print("continue: %s" % e)
    print("(retrying with set can-use-hw-watchpoints 0)")
    gdb.execute("delete 2")
    gdb.execute("set can-use-hw-watchpoints 0")
    gdb.execute("watch @WATCH@")
    gdb.execute("continue")
finally:
    for b in gdb.breakpoints():
        if b.number != 1:
            b.delete()
end
### stepi
stepi 100
x/i $pc
### next
next
info line *$pc
### finish
finish
p @COUNTER@
### threads
info threads
### thread
python [gdb.execute("thread %d" % t.num) for t in gdb.selected_inferior().threads() if t.name == "@THREAD@"]
bt
### interrupt
thread 1
shell touch @RUNDIR@/interrupting; sh @HERE@/interrupt.sh $PPID @RUNDIR@/pid @RUNDIR@/interrupting &
continue
shell rm -f @RUNDIR@/interrupting
### after-interrupt
info threads
### detach
detach
info inferiors
