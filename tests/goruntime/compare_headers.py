#!/usr/bin/env python3
"""compare_headers.py STDERR DUMP: every goroutine header Go printed under
GOTRACEBACK=crash (STDERR) must be in gor_dump's listing (DUMP) with the same
id and bracket text, and, since Go 1.21, the same "created by ... in goroutine
N" parent.  Goroutines gor_dump lists that Go did not print are errors too.
The crashing thread (the core's first) must run the goroutine Go printed
first, and every running goroutine's M must be a thread of the core.
Prints a summary line; exit 0 when everything matches, 1 otherwise."""
import re
import sys

HDR = re.compile(r"^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[(.*)\]:$")
CREATED = re.compile(r"^created by .* in goroutine (\d+)$")


def runtime_view(path):
    gs, order, cur = {}, [], None
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = HDR.match(line)
        if m:
            goid = int(m.group(1))
            cur = None
            if goid == 0:  # an M's g0 / gsignal block, not in allgs
                continue
            cur = goid
            gs[goid] = {"bracket": m.group(2), "parent": None}
            order.append(goid)
            continue
        m = CREATED.match(line)
        if m and cur is not None:
            gs[cur]["parent"] = int(m.group(1))
    return gs, order


def dump_view(path):
    gs, threads, tids = {}, [], set()
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or line.startswith("m\t"):
            continue
        if f[0] == "thread":
            threads.append(f)
            tids.add(int(f[1]))
            continue
        gs[int(f[0])] = {"bracket": f[1][1:-1], "parent": int(f[2]), "status": int(f[4], 16),
                         "procid": int(f[6])}
    return gs, threads, tids


def main():
    rt, order = runtime_view(sys.argv[1])
    ours, threads, tids = dump_view(sys.argv[2])
    errors = []
    matched = 0
    for goid, g in rt.items():
        o = ours.get(goid)
        if o is None:
            errors.append("goroutine %d [%s]: not found" % (goid, g["bracket"]))
            continue
        ok = True
        if o["bracket"] != g["bracket"]:
            errors.append("goroutine %d: runtime [%s], ours [%s]" % (goid, g["bracket"], o["bracket"]))
            ok = False
        if g["parent"] is not None and g["parent"] != o["parent"]:
            errors.append("goroutine %d: created in goroutine %d, ours %d" % (goid, g["parent"], o["parent"]))
            ok = False
        matched += ok
    for goid in sorted(set(ours) - set(rt)):
        errors.append("goroutine %d [%s]: listed by us, not printed by the runtime" % (goid, ours[goid]["bracket"]))
    if order and threads:
        first = threads[0]
        if not re.search(r"curg=%d\b" % order[0], "\t".join(first)):
            errors.append("crashing thread %s does not run goroutine %d: %s" % (first[1], order[0], " ".join(first)))
    for goid, o in ours.items():
        if o["status"] & ~0x1000 == 2 and o["procid"] not in tids:
            errors.append("running goroutine %d: m.procid %d is not a thread of the core" % (goid, o["procid"]))
    for e in errors:
        print("  " + e)
    print("%d/%d goroutines matched" % (matched, len(rt)))
    return 1 if errors else 0


sys.exit(main())
