#!/usr/bin/env python3
"""dlv_compare.py GOCORE_JSON DLV_OUTPUT [LABEL]

Checks that gocore --json and Delve's `goroutines` listing of the same core
agree: the same goroutine ids; for each goroutine Delve shows waiting
("[wait reason]"), the same wait reason; for each it shows on a thread
("(thread N)"), the same thread; and Delve's "User" frame function is one of
gocore's frames (Delve picks the topmost non-runtime frame and prints the
line at the pc, not pc-1, so only the function is compared; a goroutine in
a syscall is left out of that check: Delve walks its thread from the
registers, the runtime and gocore start at g.syscallpc).
Exit 0 when they agree, 1 otherwise.
"""
import json
import re
import sys

LINE = re.compile(r'^[* ] Goroutine (\d+) - User: (\S+):(\d+) (.+?) \(0x[0-9a-f]+\)'
                  r'(?: \(thread (\d+)\))?(?: \[(.*)\])?\s*$')


def main():
    doc = json.load(open(sys.argv[1]))
    label = sys.argv[3] if len(sys.argv) > 3 else 'dlv'
    ours = {g['id']: g for g in doc['goroutines']}
    theirs = {}
    for line in open(sys.argv[2], errors='replace'):
        m = LINE.match(line.rstrip('\n'))
        if m:
            theirs[int(m.group(1))] = m
    bad = []
    if set(ours) != set(theirs):
        bad.append('ids differ: only gocore %s, only dlv %s' %
                   (sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))))
    checked = 0
    for goid in sorted(set(ours) & set(theirs)):
        g, m = ours[goid], theirs[goid]
        func, tid, reason = m.group(4), m.group(5), m.group(6)
        funcs = [f['func'] for f in g['frames']]
        # In a syscall the runtime (and gocore) start at g.syscallpc; Delve
        # walks the thread, which is deeper in the syscall wrapper.
        if func not in funcs and g['status'] != 'syscall':
            bad.append('goroutine %d: dlv user frame %s not in gocore frames %s' % (goid, func, funcs[:6]))
        if reason is not None:
            # Delve prints "[reason]" or "[reason N minutes]"-like suffixes: compare the start
            mine = g['wait_reason'] or g['status']
            if not reason.startswith(mine):
                bad.append('goroutine %d: dlv [%s], gocore %s' % (goid, reason, mine))
        if tid is not None and g['thread'] != int(tid):
            bad.append('goroutine %d: dlv thread %s, gocore %s' % (goid, tid, g['thread']))
        checked += 1
    for b in bad:
        print(b)
    print('%s: %d goroutines compared with Delve, %d disagreements' % (label, checked, len(bad)))
    return 0 if checked and not bad else 1


if __name__ == '__main__':
    sys.exit(main())
