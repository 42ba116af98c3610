#!/usr/bin/env python3
"""gen-waitreasons.py GOROOT...: print each toolchain's waitReason strings in
enum order, one C array per toolchain, from runtime/runtime2.go.  A helper for
keeping the built-in tables of common/go_runtime.c in step with new releases;
the result is compared by hand (and by check-core.sh at run time)."""
import re, sys

def extract(root):
    src = open(root + "/src/runtime/runtime2.go").read()
    m = re.search(r"\n\twaitReasonZero\s+waitReason = iota.*?\n\)", src, re.S)
    names = []
    for line in m.group(0).splitlines():
        line = line.split("//")[0].strip()
        mm = re.match(r"^(waitReason\w+)", line)
        if mm:
            names.append(mm.group(1))
    m = re.search(r"var waitReasonStrings = \[\.\.\.\]string\{(.*?)\n\}", src, re.S)
    strs = dict(re.findall(r"(waitReason\w+):\s*\"([^\"]*)\"", m.group(1)))
    return [strs.get(n) for n in names]

for root in sys.argv[1:]:
    ver = open(root + "/VERSION").read().split()[0]
    print("/* %s */" % ver)
    for i, s in enumerate(extract(root)):
        print('\t"%s",\t/* %d */' % (s if s is not None else "?", i))
