# lldb_bench.py - timed `thread step-inst` for bench/gostub-vs-gdbserver.sh.
# Loaded with `command script import` once lldb is stopped in the target;
# BENCH_STEPS says how many.  Each step is the real command, run through the
# command interpreter (its output discarded).  Prints
# "RESULT lldb-stepi <seconds> <check>".
import os
import time

import lldb


def __lldb_init_module(debugger, internal_dict):
    n = int(os.environ["BENCH_STEPS"])
    ci = debugger.GetCommandInterpreter()
    thread = debugger.GetSelectedTarget().GetProcess().GetSelectedThread()
    frame = thread.GetFrameAtIndex(0)
    pc0 = frame.GetPC()
    if frame.GetFunctionName() != "ready":
        print("RESULT lldb-stepi - not stopped in ready but at %s (%s)"
              % (frame.GetFunctionName(), thread.GetStopDescription(100)), flush=True)
        return
    res = lldb.SBCommandReturnObject()
    failed = 0
    t = time.perf_counter()
    for _ in range(n):
        ci.HandleCommand("thread step-inst", res)
        if not res.Succeeded():
            failed += 1
            if failed > 3:
                break
    dt = time.perf_counter() - t
    pc = thread.GetFrameAtIndex(0).GetPC()
    if failed:
        check = "%d steps failed: %s" % (failed, (res.GetError() or "").strip())
    elif pc == pc0:
        check = "pc did not move"
    else:
        check = "ok"
    print("RESULT lldb-stepi %.4f %s" % (dt, check.replace("\n", " ")), flush=True)
