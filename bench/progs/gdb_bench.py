# gdb_bench.py - timed gdb commands against a remote stub, for
# bench/gostub-vs-gdbserver.sh.  Run as `gdb -batch -nx -x gdb_bench.py PROG`
# on bench/progs/stepbreak.c; the environment says what to do:
#   BENCH_PORT   the stub's TCP port on 127.0.0.1
#   BENCH_DUMP   file for `dump binary memory` of buf[0, buf_size)
#   BENCH_STEPS  how many `stepi`, in one `stepi N` command
#   BENCH_HITS   how many breakpoint stops at f (`ignore` N-1, then continue)
# Prints one line per figure: "RESULT <name> <seconds> <check>", where check
# is "ok" or what went wrong.  Only the command itself is timed, not gdb's
# start or the connection.
import os
import time

import gdb


def run(cmd):
    return gdb.execute(cmd, to_string=True)


def timed(name, fn):
    try:
        t = time.perf_counter()
        check = fn()
        print("RESULT %s %.4f %s" % (name, time.perf_counter() - t, check), flush=True)
    except gdb.error as e:
        print("RESULT %s - %s" % (name, str(e).replace("\n", " ")), flush=True)


port = os.environ["BENCH_PORT"]
for s in ("pagination off", "confirm off", "sysroot /", "width 0", "tcp connect-timeout 20"):
    run("set " + s)
run("target remote 127.0.0.1:" + port)
run("break ready")
run("continue")
run("delete")
size = int(gdb.parse_and_eval("buf_size"))
out = os.environ["BENCH_DUMP"]


def dump():
    run("dump binary memory %s buf buf+%d" % (out, size))
    got = os.path.getsize(out)
    return "ok" if got == size else "dumped %d of %d bytes" % (got, size)


def stepi():
    n = int(os.environ["BENCH_STEPS"])
    pc0 = int(gdb.parse_and_eval("$pc"))
    run("stepi %d" % n)
    return "ok" if int(gdb.parse_and_eval("$pc")) != pc0 else "pc did not move"


def hits():
    n = int(os.environ["BENCH_HITS"])
    c0 = int(gdb.parse_and_eval("calls"))
    run("break f")
    bp = gdb.breakpoints()[-1]
    if n > 1:
        run("ignore %d %d" % (bp.number, n - 1))
    run("continue")
    calls = int(gdb.parse_and_eval("calls")) - c0
    # Stopped at f's entry: the n-th call has not counted itself yet.
    if bp.hit_count != n or calls != n - 1:
        return "stopped %d times, f ran %d times (want %d, %d)" % (bp.hit_count, calls, n, n - 1)
    return "ok"


timed("dump", dump)
timed("stepi", stepi)
timed("hits", hits)
run("kill")
