#!/usr/bin/env python3
"""gdbtool.py - helpers for tests/run-gdb-remote.sh and run-gdb-extended.sh.

  gdbtool.py port
      print a TCP port on 127.0.0.1 that was free a moment ago
  gdbtool.py steps TEMPLATE OUTDIR [NAME=VALUE]...
      split TEMPLATE at its "### step" lines into OUTDIR/NN-step.gdb, each
      starting with an echo of "@@ step" so the transcript shows where every
      step begins, with @NAME@ replaced by VALUE; print the file names. gdb
      gets one -x per step: an error aborts only the step it happens in.
  gdbtool.py mask [--go COMM] FILE
      print the transcript FILE with what legitimately differs between two
      runs and two servers replaced by stable tokens (see Masker below)
  gdbtool.py textcheck PID
      compare every executable file-backed mapping of the running process
      PID (/proc/PID/mem) with the bytes of its file; print each difference
      (an int3 left behind shows as "cc"); exit 1 when there is one
  gdbtool.py reap STATUSFILE CMD [ARG]...
      run CMD as a child subreaper: wait for it and for every descendant it
      leaves behind (a program the server launched and then detached from is
      re-parented here), write "PID STATUS" per process to STATUSFILE, where
      STATUS is "exit N" or "signal N"; exit with CMD's own exit code
"""
import ctypes
import os
import re
import signal
import socket
import sys


def cmd_port(_args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def cmd_steps(args):
    template, outdir = args[0], args[1]
    subst = dict(a.split("=", 1) for a in args[2:])
    steps, cur = [], None
    with open(template) as f:
        for line in f:
            m = re.match(r"^### (\S+)", line)
            if m:
                cur = [m.group(1), []]
                steps.append(cur)
                continue
            if cur is None or line.startswith("#"):
                continue
            for k, v in subst.items():
                line = line.replace("@" + k + "@", v)
            left = re.search(r"@[A-Z_]+@", line)
            if left:
                sys.exit("gdbtool: %s: %s is not given" % (template, left.group(0)))
            cur[1].append(line)
    os.makedirs(outdir, exist_ok=True)
    for i, (name, lines) in enumerate(steps):
        path = os.path.join(outdir, "%02d-%s.gdb" % (i, name))
        with open(path, "w") as f:
            f.write("echo \\n@@ %s\\n\n" % name)
            f.writelines(lines)
        print(path)


# What may differ between a gdbserver run and a gostub run (or two runs of
# the same server) and is replaced before the diff. Nothing else is masked:
# ASLR is off for both (setarch -R), both launch the program with the same
# argv and environment and without a shell, so code, stack, heap and TLS
# addresses and register values are the same in both (the C program clears
# the two registers libc leaves random values in).
#  - the port in "Remote debugging using HOST:PORT" and "(extended-remote
#    HOST:PORT)";
#  - process and thread ids: "process N", "Thread P.T", "LWP N", "pid N"
#    become PID1, PID2... and TID1, TID2... in order of first appearance;
#  - runs of blanks (gdb pads table columns to the widest id);
#  - "Hardware watchpoint N" is "Watchpoint N": gdb's software watchpoint
#    (which the gdbserver session asks for) and a hardware one the stub
#    might emulate must both stop at the write;
#  - the pc of a thread blocked in a system call (frames in the wrappers
#    SYSCALL_FNS): a thread stopped there is reported at the instruction
#    after `syscall` or, when the kernel has already rewound its pc to
#    restart the call, at the `syscall` itself, depending on timing (seen
#    with gdbserver's attach): "0x... in FN" is "FN", the line number is
#    LINE, and the source line gdb shows after such a frame is dropped.
# With --go COMM (a Go program, whose runtime starts its threads in an order
# and number that vary from run to run, and whose goroutine stacks and heap
# objects move with that order), in addition:
#  - every thread id other than the main thread's is TID, and gdb's thread
#    numbers in `info threads` tables and "[Switching to thread N" are
#    dropped; "[New Thread" and "[Thread ... exited]" lines are dropped (the
#    tables list the threads); the rows of a table are sorted and made unique, and the frame of a runtime thread (one still named
#    COMM, not the current one) is dropped: the table shows the main thread,
#    the named threads and that runtime threads exist;
#  - Go heap addresses (0xc000000000-0xc0ffffffff, in hex or decimal) are
#    HEAP;
#  - in the "registers" step, the values of the registers Go's ABI leaves
#    undefined at a function's entry (what the scheduler left in rcx, rdx,
#    rsi, rdi, r8-r13, r15, k0-k7 varies with timing) are VALUE.
SYSCALL_FNS = (r"(?:__GI___libc_read|__GI___sigtimedwait|runtime\.futex|runtime\.usleep|"
               r"internal/runtime/syscall/linux\.Syscall6)")


class Masker:
    SYSCALL_PC = re.compile(r"\b0x[0-9a-f]+ in (%s) \(" % SYSCALL_FNS)
    SYSCALL_LINE = re.compile(r"(\b%s \(.*\) at \S+):\d+$" % SYSCALL_FNS)
    GO_SCRATCH = re.compile(r"^(rcx|rdx|rsi|rdi|r8|r9|r1[0-35]|k[0-7]) .*")

    def __init__(self, go_comm=None):
        self.pids, self.tids = {}, {}
        self.go = go_comm
        self.step = ""
        self.after_syscall_frame = False

    def pid(self, n):
        return self.pids.setdefault(n, "PID%d" % (len(self.pids) + 1))

    def tid(self, n):
        if n in self.pids:
            return self.pids[n]
        if self.go:
            return "TID"
        return self.tids.setdefault(n, "TID%d" % (len(self.tids) + 1))

    def line(self, s):
        s = re.sub(r"^Remote debugging using .*", "Remote debugging using HOST:PORT", s)
        s = re.sub(r"\b(extended-remote|remote) [\w.-]*:\d+", r"\1 HOST:PORT", s)
        s = re.sub(r"\b(process|pid|Process) (\d+)",
                   lambda m: "%s %s" % (m.group(1), self.pid(m.group(2))), s)
        s = re.sub(r"\bThread (\d+)\.(\d+)",
                   lambda m: "Thread %s.%s" % (self.pid(m.group(1)), self.tid(m.group(2))), s)
        s = re.sub(r"\bLWP (\d+)", lambda m: "LWP %s" % self.tid(m.group(1)), s)
        s = re.sub(r"[ \t]+", " ", s).rstrip()
        s = re.sub(r"\bHardware watchpoint (\d+)", r"Watchpoint \1", s)
        if self.after_syscall_frame and re.match(r"^\d+ ", s):
            s = "LINE (source)"
        s = self.SYSCALL_PC.sub(r"\1 (", s)
        s, n = self.SYSCALL_LINE.subn(r"\1:LINE", s)
        self.after_syscall_frame = n > 0
        if self.go:
            s = re.sub(r"\b0x0*c0[0-9a-f]{8}\b", "HEAP", s)
            s = re.sub(r"\b\d{12}\b",
                       lambda m: "HEAP" if 0xc000000000 <= int(m.group(0)) < 0xc100000000 else m.group(0), s)
            s = re.sub(r"^\[Switching to thread \d+ ", "[Switching to thread N ", s)
            if self.step == "registers":
                s = self.GO_SCRATCH.sub(r"\1 VALUE", s)
        if s.startswith("@@ "):
            self.step = s[3:]
        return s

    # Go: a row of an `info threads` table or a "[New Thread" line, made
    # independent of thread order; None for other lines.
    def go_thread_row(self, s):
        m = re.match(r"^(\*?) ?\d+ (Thread \S+ \"([^\"]*)\") ?(.*)$", s)
        if m:
            frame = m.group(4)
            if not m.group(1) and m.group(3) == self.go:
                frame = "..."
            return ("* " if m.group(1) else "  ") + m.group(2) + " " + frame
        return None


def cmd_mask(args):
    go = None
    if args and args[0] == "--go":
        go, args = args[1], args[2:]
    m = Masker(go)
    out, rows = [], []

    def flush():
        out.extend(sorted(set(rows)))
        rows.clear()
    with open(args[0], errors="replace") as f:
        for raw in f:
            s = m.line(raw.rstrip("\n"))
            if go and re.match(r"^\[(New Thread |Thread .* exited\]$)", s):
                continue
            row = m.go_thread_row(s) if go else None
            if row is not None:
                rows.append(row)
                continue
            flush()
            out.append(s)
    flush()
    print("\n".join(out))


def maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            p = line.split()
            if len(p) < 6 or "x" not in p[1] or not p[5].startswith("/"):
                continue
            lo, hi = (int(x, 16) for x in p[0].split("-"))
            yield lo, hi, int(p[2], 16), p[5]


def cmd_textcheck(args):
    pid = int(args[0])
    bad = 0
    checked = 0
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for lo, hi, off, path in maps(pid):
            with open(path, "rb") as f:
                f.seek(off)
                want = f.read(hi - lo)
            mem.seek(lo)
            got = mem.read(len(want))
            checked += len(want)
            if got == want:
                continue
            for i, (a, b) in enumerate(zip(got, want)):
                if a != b:
                    bad += 1
                    if bad <= 20:
                        print("%s+%#x (%#x): memory %02x, file %02x"
                              % (path, off + i, lo + i, a, b))
    if bad:
        print("%d byte(s) of text differ from the files" % bad)
        sys.exit(1)
    if not checked:
        sys.exit("gdbtool: no executable mapping of %d to check" % pid)
    print("text of %d matches its files (%d bytes)" % (pid, checked))


PR_SET_CHILD_SUBREAPER = 36


def cmd_reap(args):
    statusfile, cmd = args[0], args[1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("gdbtool: prctl(PR_SET_CHILD_SUBREAPER) failed")
    child = os.fork()
    if child == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    # The test stops us with SIGTERM: pass it on to the server.
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGTERM))
    code = 99
    with open(statusfile, "w", buffering=1) as out:
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            if os.WIFEXITED(status):
                what = "exit %d" % os.WEXITSTATUS(status)
            elif os.WIFSIGNALED(status):
                what = "signal %d" % os.WTERMSIG(status)
            else:
                continue
            out.write("%d %s\n" % (pid, what))
            if pid == child:
                code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
    sys.exit(code)


def main():
    cmds = {"port": cmd_port, "steps": cmd_steps, "mask": cmd_mask,
            "textcheck": cmd_textcheck, "reap": cmd_reap}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
