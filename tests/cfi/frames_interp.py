#!/usr/bin/env python3
"""frames_interp.py - compare cfa_dump's rows with readelf's interpreted CFI.

usage: frames_interp.py READELF_FRAMES_INTERP_TXT CFA_DUMP ELF N

Parses `readelf --debug-dump=frames-interp ELF` (the oracle), samples N pcs
inside FDE ranges (row boundaries, the pc before each boundary, midpoints,
the last pc of each FDE), runs CFA_DUMP ELF on them and compares rows in one
normal form: "<cfa> <reg>=<rule>..." with readelf's "u" left out and the
registers sorted.  Prints every mismatch and "compared K pcs"; exits 1 on a
mismatch, 99 when the oracle cannot be parsed.
"""
import re
import subprocess
import sys

ENTRY = re.compile(r'^([0-9a-f]{8,16}) ([0-9a-f]+) ([0-9a-f]+) (CIE|FDE)(.*)$')
FDE = re.compile(r'cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)')
ROW = re.compile(r'^([0-9a-f]{8,16}) +(\S.*)$')


def normal(cfa, pairs):
    toks = sorted('%s=%s' % (n, v) for n, v in pairs if v != 'u')
    return ' '.join([cfa] + toks)


def parse(path):
    """[(section, fde_start, fde_end, rows)] with rows [(loc, normal form)]."""
    section = None
    cies = {}           # (section, offset) -> rows
    fdes = []
    cur = None          # the rows list being filled
    cols = []
    for line in open(path, encoding='utf-8', errors='replace'):
        line = line.rstrip('\n')
        m = re.match(r'^Contents of the (\S+) section:', line)
        if m:
            section = m.group(1)
            continue
        m = ENTRY.match(line)
        if m:
            off = int(m.group(1), 16)
            cur = []
            if m.group(4) == 'CIE':
                cies[(section, off)] = cur
            else:
                f = FDE.search(m.group(5))
                if not f:
                    sys.exit('frames_interp.py: cannot parse: ' + line)
                fdes.append([section, int(f.group(2), 16), int(f.group(3), 16), cur,
                             int(f.group(1), 16)])
            continue
        if 'ZERO terminator' in line:
            cur = None
            continue
        if line.startswith('   LOC'):
            cols = line.split()[2:]
            continue
        m = ROW.match(line)
        if m and cur is not None:
            vals = m.group(2).split()
            if len(vals) != len(cols) + 1:
                sys.exit('frames_interp.py: row does not match its columns: ' + line)
            cur.append((int(m.group(1), 16), normal(vals[0], zip(cols, vals[1:]))))
    for f in fdes:
        if not f[3]:    # no instructions: the CIE's initial row
            f[3] = [(f[1], r[1]) for r in cies.get((f[0], f[4]), [])] or [(f[1], 'none')]
    return [tuple(f[:4]) for f in fdes if f[1] < f[2]]


def candidates(fdes, every_pc):
    """Row boundaries, the pc before each, midpoints; or every pc."""
    out = []
    for sec, start, end, rows in fdes:
        rows = [r for r in rows if start <= r[0] < end]
        for i, (loc, want) in enumerate(rows):
            nxt = rows[i + 1][0] if i + 1 < len(rows) else end
            if nxt == loc:
                continue        # superseded by a later row at the same pc
            pcs = range(loc, nxt) if every_pc else sorted({loc, (loc + nxt) // 2, nxt - 1})
            out.extend((pc, want) for pc in pcs)
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    txt, dump, elf, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    fdes = parse(txt)
    cands = candidates(fdes, False)
    if len(cands) < n:
        cands = candidates(fdes, True)
    if not cands:
        print('frames_interp.py: no FDE rows in ' + txt)
        sys.exit(99)
    # Evenly spread over every FDE; a pc in two FDEs is ambiguous and skipped.
    ranges = [(s, e) for _, s, e, _ in fdes]
    picked = []
    step = max(1, len(cands) // n)
    for pc, want in cands[::step]:
        if sum(1 for s, e in ranges if s <= pc < e) == 1:
            picked.append((pc, want))
        if len(picked) == n:
            break
    out = subprocess.run([dump, elf], input=''.join('%x\n' % pc for pc, _ in picked),
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print('frames_interp.py: %s failed: %s' % (dump, out.stderr.strip()))
        sys.exit(99)
    got = out.stdout.splitlines()
    bad = 0
    for (pc, want), line in zip(picked, got):
        toks = line.split(' ', 1)
        rest = toks[1] if len(toks) > 1 else ''
        parts = rest.split()
        have = normal(parts[0], [p.split('=', 1) for p in parts[1:]]) if parts else ''
        if int(toks[0], 16) != pc or have != want:
            bad += 1
            print('MISMATCH pc %x: readelf "%s", goscope "%s"' % (pc, want, rest))
    if len(got) != len(picked):
        print('frames_interp.py: %d rows for %d pcs' % (len(got), len(picked)))
        bad += 1
    print('%s: compared %d pcs over %d FDEs, %d mismatches' % (elf, len(picked), len(fdes), bad))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
