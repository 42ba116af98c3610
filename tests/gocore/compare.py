#!/usr/bin/env python3
"""compare.py [--frames-only] RUNTIME_STDERR OURS [LABEL]

Compares every goroutine block the Go runtime printed under
GOTRACEBACK=crash with the block we printed for the same goroutine id,
byte for byte, header line included ("goroutine N gp=... [status]:" and
every frame and "created by" line up to the blank line).  OURS is gocore's
text (tests/run-gocore-traceback.sh) or, with --frames-only, unw_dump's
(tests/unwind/check-core.sh): its headers are "goroutine N:" and only the
lines after the header are compared.

Not counted: goroutine 0 blocks (Ms' g0 stacks in SIGQUIT relay sections)
and "goroutine running on other thread; stack unavailable" blocks (the
runtime could not walk them; gocore can).  A goroutine the runtime printed
twice (once in its M's signal section, once in the allgs pass) is compared
twice.  Also reports whether gocore printed the goroutines in the runtime's
order (first occurrence of each id).

Prints the differences, then "LABEL: M/T blocks matched[ (order differs)]"
(no order check with --frames-only); exit 0 when every counted block
matched, 1 otherwise.
"""
import difflib
import re
import sys

HDR = re.compile(r'^goroutine (\d+)(?:(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[.*\])?:$')
# Register dump lines a signal adds after the signalled goroutine's frames.
REGS = re.compile(r'^[a-z][a-z0-9]* +0x[0-9a-f]+$')


def blocks(path, stop_at_regs):
    lines = open(path, errors='replace').read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        m = HDR.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j] != '' and not (stop_at_regs and REGS.match(lines[j])):
            j += 1
        out.append((int(m.group(1)), lines[i:j]))
        i = j
    return out


def main():
    args = sys.argv[1:]
    frames_only = bool(args) and args[0] == '--frames-only'
    if frames_only:
        args = args[1:]
    if len(args) not in (2, 3):
        print(__doc__.split('\n')[0], file=sys.stderr)
        return 2
    rt = blocks(args[0], True)
    ours_list = blocks(args[1], False)
    if frames_only:
        rt = [(goid, b[1:]) for goid, b in rt]
        ours_list = [(goid, b[1:]) for goid, b in ours_list]
    ours = {}
    for goid, b in ours_list:
        ours.setdefault(goid, b)
    label = args[2] if len(args) > 2 else args[0]
    who = 'unw_dump' if frames_only else 'gocore'
    total = matched = 0
    order = []
    for goid, body in rt:
        if goid == 0:
            continue
        frames = body if frames_only else body[1:]
        if frames and frames[0].startswith('\tgoroutine running on other thread'):
            continue
        if goid not in order:
            order.append(goid)
        total += 1
        mine = ours.get(goid)
        if mine == body:
            matched += 1
            continue
        print('--- goroutine %d: runtime vs %s' % (goid, who))
        for d in difflib.unified_diff(body, mine or ['<missing>'], lineterm='', n=1):
            print(d)
    our_order = [g for g, _ in ours_list if g in order]
    same_order = frames_only or our_order == order
    print('%s: %d/%d blocks matched%s' % (label, matched, total,
                                          '' if same_order else ' (order differs)'))
    return 0 if total and matched == total else 1


if __name__ == '__main__':
    sys.exit(main())
