#!/bin/bash
# run-gocore-bad.sh - `gocore EXE CORE` on bad input: a clear error (exit 1,
# "gocore: ..." on stderr) or partial output with a "gocore: warning: ...";
# never a crash, a sanitizer report or a hang (20 s each).
#
# Cases, from a panic core of corpora/src/states (Go from /usr/local/go, amd64):
#   truncated core (half, and only the headers), a core of another program
#   (the states core with the many executable), a missing executable, an
#   executable that is not Go, corrupted g pointers in allgs (two entries of
#   the backing array patched in a copy: one unmapped, one pointing at
#   non-g data; found through the symbol table), a zeroed goroutine stack,
#   an ELF that is not a core (the executable itself), a file that is not
#   ELF, an empty file, the arguments swapped, bad options.
# Exit: 0 pass, 1 fail, 77 skip, 99 hard error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
[ -x "$GOCORE" ] || hard_error "no gocore at $GOCORE"
need python3
[ -x /usr/local/go/bin/go ] || skip "no /usr/local/go"
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
if [ "$pattern" != core ] && ! echo core >/proc/sys/kernel/core_pattern 2>/dev/null; then
	skip "core_pattern is '$pattern' and cannot be set to 'core'"
fi
make_tmpdir
mapfile -t exes < <("$top_srcdir/corpora/build.sh" --go /usr/local/go --arch amd64 \
	--case states --case many --variant plain 2>"$TMP/build.log")
[ ${#exes[@]} -eq 2 ] || { cat "$TMP/build.log"; hard_error "build failed"; }
states=$(printf '%s\n' "${exes[@]}" | grep /states-plain)
many=$(printf '%s\n' "${exes[@]}" | grep /many-plain)
(cd "$TMP" && ulimit -c unlimited && GOTRACEBACK=crash timeout 60 "$states" panic >/dev/null 2>&1; true) 2>/dev/null
core=$TMP/core
[ -f "$core" ] || hard_error "no core from $states"

failures=0
# check NAME EXPECT ARGS...: EXPECT is "error" (exit 1 with a message),
# "warning" (exit 0 or 1 with a "gocore: warning:" line) or "any" (exit 0 or 1).
check() {
	local name=$1 expect=$2 rc
	shift 2
	timeout 20 "$GOCORE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	local msg
	msg=$(grep -m1 '^gocore: ' "$TMP/err")
	if [ $rc = 124 ]; then
		echo "FAIL: $name: hung"; failures=$((failures + 1)); return
	fi
	if [ $rc -gt 2 ] || grep -qE 'Sanitizer|runtime error:.*\.c:' "$TMP/err"; then
		echo "FAIL: $name: exit $rc"; head -5 "$TMP/err"; failures=$((failures + 1)); return
	fi
	case $expect in
	error)
		if [ $rc != 1 ] || [ -z "$msg" ]; then
			echo "FAIL: $name: expected an error, got exit $rc: $msg"; failures=$((failures + 1)); return
		fi ;;
	warning)
		if ! grep -q '^gocore: warning: ' "$TMP/err" && [ $rc != 1 ]; then
			echo "FAIL: $name: expected a warning or an error, got exit $rc and none"
			failures=$((failures + 1)); return
		fi ;;
	esac
	if [ $rc = 1 ] && [ -z "$msg" ]; then
		echo "FAIL: $name: failed without a \"gocore: ...\" message"; failures=$((failures + 1)); return
	fi
	printf 'ok: %-28s exit %d, %d goroutine blocks: %s\n' "$name" $rc \
		"$(grep -c '^goroutine [0-9]' "$TMP/out")" "${msg:-(no message)}"
}

size=$(stat -c %s "$core")
head -c $((size / 2)) "$core" >"$TMP/half.core"
head -c 4096 "$core" >"$TMP/head.core"
check "truncated core (half)" warning "$states" "$TMP/half.core"
check "truncated core (headers)" warning "$states" "$TMP/head.core"
check "core of another program" warning "$many" "$core"
check "missing executable" error "$TMP/no-such-exe" "$core"
check "executable not Go" error /bin/true "$core"
check "not a core (the exe)" error "$states" "$states"
printf 'this is not an ELF file\n' >"$TMP/text.core"
check "not ELF" error "$states" "$TMP/text.core"
: >"$TMP/empty.core"
check "empty core" error "$states" "$TMP/empty.core"
check "arguments swapped" error "$core" "$states"
check "unknown option" any --frobnicate "$states" "$core"
check "bad regex" any --match '(' "$states" "$core"
check "-g without match" warning -g 99999 "$states" "$core"
check "--json on truncated" warning --json "$states" "$TMP/half.core"
check "--group on truncated" warning --group "$states" "$TMP/half.core"

# Corrupted g pointers: allgs from the symbol table (a non-PIE: link = run-time address).
allgs=$(readelf -sW "$states" 2>/dev/null | awk '$8 == "runtime.allgs" {print "0x" $2}')
[ -n "$allgs" ] || allgs=$(/usr/local/go/bin/go tool nm "$states" | awk '$3 == "runtime.allgs" {print "0x" $1}')
if [ -n "$allgs" ] && python3 "$top_srcdir/tests/gocore/patch_allgs.py" "$core" "$allgs" \
	"$TMP/badg.core" 3 7 >"$TMP/patch.log"; then
	check "corrupted g pointers" warning "$states" "$TMP/badg.core"
	n=$(grep -c '^goroutine [0-9]' "$TMP/out")
	full=$("$GOCORE" "$states" "$core" 2>/dev/null | grep -c '^goroutine [0-9]')
	if [ "$n" -lt $((full - 2)) ] || [ "$n" -ge "$full" ]; then
		echo "FAIL: corrupted g pointers: $n goroutines shown of $full (expected $((full - 2)))"
		failures=$((failures + 1))
	fi
	check "corrupted g pointers --json" warning --json "$states" "$TMP/badg.core"
	python3 "$top_srcdir/tests/gocore/validate.py" "$top_srcdir/docs/gocore.schema.json" "$TMP/out" >/dev/null ||
		{ echo "FAIL: corrupted g pointers: --json does not validate"; failures=$((failures + 1)); }
else
	echo "FAIL: could not patch allgs ($allgs): $(cat "$TMP/patch.log")"; failures=$((failures + 1))
fi

# A goroutine's stack overwritten with a repeating pattern that points into
# itself (a cyclic stack): gocore must end the walk and say so.
"$GOCORE" --json --match '^main\.chanSend$' "$states" "$core" >"$TMP/g7.json" 2>"$TMP/g7.err"
spec=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["goroutines"][0]["frames"]; print(f[0]["sp"], f[-1]["fp"], f[0]["pc"])' "$TMP/g7.json") ||
	{ cat "$TMP/g7.err"; head -c 2000 "$TMP/g7.json"; }
if python3 - "$core" "$TMP/cyc.core" "$spec" <<'EOF'
import shutil, struct, sys
core, out, spec = sys.argv[1], sys.argv[2], sys.argv[3].split()
sp, top, pc = (int(x, 16) for x in spec)
shutil.copyfile(core, out)
data = bytearray(open(out, 'rb').read())
phoff, = struct.unpack_from('<Q', data, 0x20)
phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
def off(addr):
    for i in range(phnum):
        t, _, o, v, _, fs, _, _ = struct.unpack_from('<IIQQQQQQ', data, phoff + i * phentsize)
        if t == 1 and v <= addr < v + fs:
            return o + addr - v
done = 0
for a in range(sp, top, 8):
    o = off(a)
    if o is not None:
        struct.pack_into('<Q', data, o, pc)	# every return address: the same pc
        done += 1
open(out, 'wb').write(data)
sys.exit(0 if done else 1)
EOF
then
	check "cyclic stack" any "$states" "$TMP/cyc.core"
	check "cyclic stack --json" any --json "$states" "$TMP/cyc.core"
else
	echo "FAIL: could not build the cyclic-stack core"; failures=$((failures + 1))
fi

[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: gocore bad input"
