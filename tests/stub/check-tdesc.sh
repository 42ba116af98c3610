#!/bin/bash
# check-tdesc.sh - our amd64 target.xml, as real gdb reads it, against gdbserver's.
#
# 1. tests/test_arch --target-xml [avx512] writes common/arch*.c's two amd64
#    descriptions (AVX: 76 registers; AVX-512: 148); each must be well-formed
#    XML and gdb 13 must take it without a word on stderr (`set tdesc
#    filename`; a description gdb rejects prints "Architecture rejected
#    target-supplied description").
# 2. `maint print remote-registers` gives, per register, name, size, type,
#    remote number and offset in the g packet.  Those must equal what gdb
#    shows for gdbserver's description: live (gdb connected to `gdbserver -`
#    on /bin/true) when gdbserver runs here, else the file GOSCOPE_REF_TDESC
#    names (the copy gdbserver 13 served on the machine this was written on)
#    -- every register for the table of the reference's kind (AVX-512 when it
#    has k0), numbers 0..75 for the other.
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

GDB=(gdb -nx -batch -ex 'set architecture i386:x86-64')
# Both tables: AVX (76 registers) and AVX-512 (148).
for v in avx avx512; do
	"$ARCH_TEST" --target-xml $v >"$TMP/ours-$v.xml" || hard_error "test_arch --target-xml $v failed"
	"$ARCH_TEST" --wire-layout $v >"$TMP/layout-$v.txt" || hard_error "test_arch --wire-layout $v failed"
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$TMP/ours-$v.xml" ||
		fail "target.xml ($v) is not well-formed"
	"${GDB[@]}" -ex "set tdesc filename $TMP/ours-$v.xml" -ex 'maint print remote-registers' \
		>"$TMP/ours-$v.out" 2>"$TMP/ours-$v.err" || hard_error "gdb failed on our description ($v)"
	if [ -s "$TMP/ours-$v.err" ]; then
		cat "$TMP/ours-$v.err" >&2
		fail "gdb complained about our target.xml ($v)"
	fi
done

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

python3 - "$TMP" "$ref" <<'EOF' || exit 1
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

tmp, refname = sys.argv[1], sys.argv[2]
ref = remote_regs(tmp + "/ref.out")
bad = 0
if len([n for n in ref if n < 76]) < 60:
    print("FAIL: the reference has only %d of registers 0..75" % len(ref)); bad += 1
# The reference is one machine's: AVX-512 when it has k0 (108); the other table is compared on 0..75.
ref512 = 108 in ref
for v, count in (("avx", 76), ("avx512", 148)):
    ours = remote_regs("%s/ours-%s.out" % (tmp, v))
    layout = {}
    for line in open("%s/layout-%s.txt" % (tmp, v)):
        n, name, off, size = line.split()
        layout[int(n)] = (name, int(size), int(off))
    if sorted(ours) != list(range(count)):
        print("FAIL: %s: gdb sees remote numbers %s, want 0..%d" % (v, sorted(ours), count - 1)); bad += 1
    full = (v == "avx512") == ref512
    if full and sorted(ref) != sorted(ours):
        print("FAIL: %s: %s has remote numbers %s" % (v, refname, sorted(ref))); bad += 1
    for n in range(count):
        o = ours.get(n)
        if n in ref and (full or n < 76) and o != ref[n]:
            print("FAIL: %s regnum %d: ours %s, %s %s" % (v, n, o, refname, ref[n])); bad += 1
        if o and layout.get(n) != (o[0], o[1], o[3]):
            print("FAIL: %s regnum %d: gdb %s, gsc_arch_wire_reg %s" % (v, n, o, layout.get(n))); bad += 1
    print("%s: %d registers compared with %s (%s) and gsc_arch_wire_reg" %
          (v, len(ours), refname, "all" if full else "0..75"))
print("ok" if not bad else "%d differences" % bad)
sys.exit(1 if bad else 0)
EOF
