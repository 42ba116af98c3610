#!/bin/bash
# run-gocore-group.sh - `gocore --group` on a core with 10k goroutines.
#
# Builds corpora/src/many with /usr/local/go and Go 1.19 (amd64, and arm64
# under qemu-aarch64 when present), runs it with 10000 goroutines in "abort"
# mode (the kernel dumps core, the runtime prints nothing), and checks that
# --group prints a few dozen lines; that the four workers' groups hold 2500
# goroutines each; that the counts add up to the goroutine total (as
# `gocore --json` counts it); and that the ids, expanded from their runs
# (--all-ids), are exactly the goroutines' ids.
# Exit: 0 pass, 1 fail, 77 skip, 99 hard error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
[ -x "$GOCORE" ] || hard_error "no gocore at $GOCORE"
need python3
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ "$pattern" != core ] && ! echo core >/proc/sys/kernel/core_pattern 2>/dev/null; then
	skip "core_pattern is '$pattern' and cannot be set to 'core'"
fi
make_tmpdir
N=10000
failures=0 ran=0
arches=(amd64)
command -v qemu-aarch64 >/dev/null && arches+=(arm64)

for goroot in /usr/local/go /usr/lib/go-1.19; do
	[ -x "$goroot/bin/go" ] || continue
	for arch in "${arches[@]}"; do
		exe=$("$top_srcdir/corpora/build.sh" --go "$goroot" --arch "$arch" --case many \
			--variant stripped 2>"$TMP/build.log" | tail -1)
		[ -x "$exe" ] || { cat "$TMP/build.log"; hard_error "build with $goroot failed"; }
		ver=$(basename "$(dirname "$(dirname "$exe")")")
		d=$TMP/$ver-$arch
		mkdir -p "$d"
		runner=()
		[ "$arch" = amd64 ] || runner=(qemu-aarch64)
		(cd "$d" && ulimit -c unlimited && timeout 120 "${runner[@]}" "$exe" $N abort >/dev/null 2>&1; true) 2>/dev/null
		core=$(ls "$d"/qemu_*.core 2>/dev/null | head -1)
		if [ -n "$core" ]; then rm -f "$d/core"; else core=$d/core; fi
		[ -f "$core" ] || { echo "FAIL: $ver $arch: no core"; failures=$((failures + 1)); continue; }
		if ! timeout 60 "$GOCORE" --group "$exe" "$core" >"$d/group.txt" 2>"$d/err" ||
			! timeout 60 "$GOCORE" --group --all-ids "$exe" "$core" >"$d/all.txt" 2>>"$d/err" ||
			! timeout 60 "$GOCORE" --json "$exe" "$core" >"$d/all.json" 2>>"$d/err"; then
			echo "FAIL: $ver $arch: gocore failed: $(head -3 "$d/err")"; failures=$((failures + 1)); continue
		fi
		ran=1
		if python3 - "$d/group.txt" "$d/all.txt" "$d/all.json" $N "$ver $arch" <<'EOF'; then :; else failures=$((failures + 1)); fi
import json, re, sys
group, allids, js, n, label = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
HDR = re.compile(r'^(\d+) goroutines? \[(.*)\]: (.*)$')
text = open(group).read().split('\n')
doc = json.load(open(js))
total = doc['goroutine_count']
ids = sorted(g['id'] for g in doc['goroutines'])
bad = []
heads = [HDR.match(l) for l in text]
counts = [int(m.group(1)) for m in heads if m]
if sum(counts) != total:
    bad.append('counts add up to %d, not %d' % (sum(counts), total))
first = re.match(r'^(\d+) goroutines in (\d+) groups$', text[0])
if not first or int(first.group(1)) != total or int(first.group(2)) != len(counts):
    bad.append('first line %r' % text[0])
if len(text) > 80:
    bad.append('%d lines: not "a few dozen"' % len(text))
workers = {'main.recvInner': 'chan receive', 'main.lockWorker': 'sync.Mutex.Lock',
           'main.selectWorker': 'select', 'main.sleepWorker': 'sleep'}
blocks = '\n'.join(text).split('\n\n')
for func, state in workers.items():
    b = [b for b in blocks if ('\n\t%s at ' % func) in b]
    if len(b) != 1 or not b[0].startswith('%d goroutines [' % (n // 4)):
        bad.append('%s: expected one group of %d, got %s' % (func, n // 4, [x.split('\n')[0] for x in b]))
# --all-ids: the runs expand to exactly the goroutines' ids
expanded = []
for l in open(allids).read().split('\n'):
    m = HDR.match(l)
    if not m:
        continue
    for run in m.group(3).split(','):
        a, _, b = run.partition('-')
        expanded += range(int(a), int(b or a) + 1)
if sorted(expanded) != ids:
    bad.append('--all-ids: %d ids, not the %d goroutines' % (len(expanded), len(ids)))
if not any(',... (' in l for l in text) and len(counts) < 4:
    bad.append('too few groups')
for b in bad:
    print('FAIL: %s: %s' % (label, b))
print('%s: %d goroutines in %d groups, %d lines%s' % (label, total, len(counts), len(text),
      '' if not bad else ' -- FAIL'))
sys.exit(1 if bad else 0)
EOF
		rm -f "$core"
	done
done
[ $ran = 1 ] || [ $failures -gt 0 ] || skip "nothing could run"
[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: gocore --group"
