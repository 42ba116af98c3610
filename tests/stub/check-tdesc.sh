#!/bin/bash
# check-tdesc.sh - our amd64 target.xml, as real gdb reads it, against gdbserver's.
#
# 1. tests/test_arch --target-xml writes common/arch*.c's description; it must
#    be well-formed XML and gdb 13 must take it without a word on stderr
#    (`set tdesc filename`; a description gdb rejects prints "Architecture
#    rejected target-supplied description").
# 2. `maint print remote-registers` gives, per register, name, size, type,
#    remote number and offset in the g packet.  For remote numbers 0..75 those
#    must equal what gdb shows for gdbserver's description: live (gdb
#    connected to `gdbserver -` on /bin/true) when gdbserver runs here, else
#    the file GOSCOPE_REF_TDESC names (the copy gdbserver 13 served on the
#    machine this was written on).
# 3. The g/G offsets and sizes gdb computes from our XML equal
#    gsc_arch_wire_reg's (tests/test_arch --wire-layout).  (`maint print
#    raw-registers` shows gdb's regcache offsets, which follow gdb's internal
#    numbering -- orig_rax and the segment bases sit after the pseudo
#    registers there -- so the g packet offsets are the remote-registers ones.)
. "$(dirname "$0")/../lib.sh"

need gdb python3
ARCH_TEST="$top_builddir/tests/test_arch"
[ -x "$ARCH_TEST" ] || skip "tests/test_arch is not built"
case "$(uname -m)" in x86_64) ;; *) skip "gdb here may lack i386:x86-64";; esac
make_tmpdir

"$ARCH_TEST" --target-xml >"$TMP/ours.xml" || hard_error "test_arch --target-xml failed"
"$ARCH_TEST" --wire-layout >"$TMP/layout.txt" || hard_error "test_arch --wire-layout failed"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$TMP/ours.xml" ||
	fail "target.xml is not well-formed"

GDB=(gdb -nx -batch -ex 'set architecture i386:x86-64')
"${GDB[@]}" -ex "set tdesc filename $TMP/ours.xml" -ex 'maint print remote-registers' \
	>"$TMP/ours.out" 2>"$TMP/ours.err" || hard_error "gdb failed on our description"
if [ -s "$TMP/ours.err" ]; then
	cat "$TMP/ours.err" >&2
	fail "gdb complained about our target.xml"
fi

if command -v gdbserver >/dev/null 2>&1 && [ -x /bin/true ] &&
	timeout 60 gdb -nx -batch -ex 'set sysroot /' -ex 'target remote | exec gdbserver - /bin/true' \
		-ex 'maint print remote-registers' -ex 'kill' >"$TMP/ref.out" 2>"$TMP/ref.err" &&
	grep -q 'g/G Offset' "$TMP/ref.out"; then
	ref="gdbserver $(gdbserver --version | head -1 | sed 's/.* //') (live)"
elif [ -n "${GOSCOPE_REF_TDESC:-}" ] && [ -f "$GOSCOPE_REF_TDESC" ]; then
	"${GDB[@]}" -ex "set tdesc filename $GOSCOPE_REF_TDESC" -ex 'maint print remote-registers' \
		>"$TMP/ref.out" 2>"$TMP/ref.err" || hard_error "gdb failed on $GOSCOPE_REF_TDESC"
	ref="$GOSCOPE_REF_TDESC"
else
	skip "no gdbserver to compare with (set GOSCOPE_REF_TDESC to a saved target.xml)"
fi

python3 - "$TMP/ours.out" "$TMP/ref.out" "$TMP/layout.txt" "$ref" <<'EOF' || exit 1
import sys

def remote_regs(path):
    """Remote number -> (name, size, type, g offset) from `maint print remote-registers`."""
    regs, on = {}, False
    for line in open(path):
        if 'g/G Offset' in line:
            on = True
            continue
        f = line.split()
        if not on or len(f) != 8:
            continue
        name, _nr, _rel, _off, size, typ, rnr, goff = f
        regs[int(rnr)] = (name, int(size), typ, int(goff))
    return regs

ours, ref = remote_regs(sys.argv[1]), remote_regs(sys.argv[2])
layout = {}
for line in open(sys.argv[3]):
    n, name, off, size = line.split()
    layout[int(n)] = (name, int(size), int(off))
bad = 0
if sorted(ours) != list(range(76)):
    print("FAIL: gdb sees remote numbers %s, want 0..75" % sorted(ours)); bad += 1
if len([n for n in ref if n < 76]) < 60:
    print("FAIL: the reference has only %d of registers 0..75" % len(ref)); bad += 1
for n in range(76):
    o = ours.get(n)
    if n in ref and o != ref[n]:
        print("FAIL: regnum %d: ours %s, %s %s" % (n, o, sys.argv[4], ref[n])); bad += 1
    if o and layout.get(n) != (o[0], o[1], o[3]):
        print("FAIL: regnum %d: gdb %s, gsc_arch_wire_reg %s" % (n, o, layout.get(n))); bad += 1
print("%d registers compared with %s and gsc_arch_wire_reg: %s" %
      (len(ours), sys.argv[4], "ok" if not bad else "%d differences" % bad))
sys.exit(1 if bad else 0)
EOF
