#!/usr/bin/env python3
"""compare.py RUNTIME_STDERR OURS [LABEL]

Compares the frames of every goroutine block the Go runtime printed
(GOTRACEBACK=crash) with unw_dump's output for the same goroutine id.
A block is "goroutine N ...:" up to the next blank line; the header line
itself is not compared (the unwinder does not print it).  Goroutine 0 blocks
(Ms) and "running on other thread" blocks are not counted.

Prints "LABEL: M/T blocks matched" and a diff of each mismatch; exit 0 when
every counted block matched, 1 otherwise.
"""
import difflib
import re
import sys

HDR = re.compile(r'^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[.*\]:$')
# The register dump a signal adds right after the signalled goroutine's frames
# (runtime dumpregs: amd64 "rax    0x0", arm64 "r0      0x0", "lr      0x...").
REGS = re.compile(r'^[a-z][a-z0-9]* +0x[0-9a-f]+$')


def runtime_blocks(path):
    lines = open(path, errors='replace').read().split('\n')
    blocks = []
    i = 0
    while i < len(lines):
        m = HDR.match(lines[i])
        if not m:
            i += 1
            continue
        goid = int(m.group(1))
        j = i + 1
        while j < len(lines) and lines[j] != '' and not REGS.match(lines[j]):
            j += 1
        blocks.append((goid, lines[i + 1:j]))
        i = j
    return blocks


def our_blocks(path):
    out = {}
    cur = None
    for line in open(path, errors='replace').read().split('\n'):
        m = re.match(r'^goroutine (\d+):$', line)
        if m:
            cur = int(m.group(1))
            out[cur] = []
        elif line == '':
            cur = None
        elif cur is not None:
            out[cur].append(line)
    return out


def main():
    rt = runtime_blocks(sys.argv[1])
    ours = our_blocks(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else sys.argv[1]
    total = matched = 0
    for goid, body in rt:
        if goid == 0:
            continue
        if body and body[0].startswith('\tgoroutine running on other thread'):
            continue
        total += 1
        mine = ours.get(goid)
        if mine == body:
            matched += 1
            continue
        print('--- goroutine %d: runtime vs unw_dump' % goid)
        for d in difflib.unified_diff(body, mine or ['<missing>'], lineterm='', n=1):
            print(d)
    print('%s: %d/%d blocks matched' % (label, matched, total))
    return 0 if total and matched == total else 1


if __name__ == '__main__':
    sys.exit(main())
