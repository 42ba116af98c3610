#!/bin/bash
# run-stub-safety.sh - what gostub promises whatever the client does:
#  1. `gostub :PORT` listens on 127.0.0.1 only; another address is used only
#     when written out, with a warning on stderr.
#  2. A launched process never outlives the stub: not after the client
#     drops the connection (--once), not after the stub is killed with
#     SIGTERM, not even after SIGKILL.
#  3. Malformed, oversized and hostile packets on a raw socket get an error
#     reply (or the empty reply) and the session goes on: after each, qC
#     still answers.
#  4. An attached process is left running after the stub is killed with
#     SIGTERM, with none of the breakpoint bytes it had inserted.
# Exit: 0 pass, 1 a promise broken, 77 gcc or python3 missing, 99 hard error.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set -u
need gcc python3
GOSTUB=${GOSTUB:-$top_builddir/stub/gostub}
[ -x "$GOSTUB" ] || fail "no gostub at $GOSTUB (build it first)"
make_tmpdir
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
status=0
bad() { echo "not ok - $*"; status=1; }
ok() { echo "ok - $*"; }

cat >"$TMP/sleeper.c" <<'EOF'
#include <unistd.h>
volatile int ticks;
void tick(void) { ticks++; }
int main(void) { for (int i = 0; i < 600; i++) { tick(); usleep(100000); } return 0; }
EOF
gcc -g -O0 -o "$TMP/sleeper" "$TMP/sleeper.c" || hard_error "gcc"

free_port() {
	$py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_listen FILE: until the stub said "Listening on port"
wait_listen() {
	local i
	for i in $(seq 200); do
		grep -q 'Listening on port' "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# child_of PID: the pid of PID's child running the sleeper
sleeper_of() {
	local i c
	for i in $(seq 100); do
		for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
			[ "$(cat /proc/$c/comm 2>/dev/null)" = sleeper ] && { echo "$c"; return 0; }
		done
		sleep 0.05
	done
	return 1
}
alive() { [ -d /proc/"$1" ] && ! grep -q '^State:.*Z' /proc/"$1"/status 2>/dev/null; }
gone_within() {
	local i
	for i in $(seq 100); do
		alive "$1" || return 0
		sleep 0.05
	done
	return 1
}

# 1. the default address is loopback
port=$(free_port)
"$GOSTUB" ":$port" "$TMP/sleeper" >"$TMP/s1.err" 2>&1 &
spid=$!
if wait_listen "$TMP/s1.err"; then
	hexport=$(printf '%04X' "$port")
	if grep -q "0100007F:$hexport .* 0A " /proc/net/tcp &&
		! grep -q "00000000:$hexport .* 0A " /proc/net/tcp; then
		ok "':$port' listens on 127.0.0.1 only"
	else
		bad "':$port' does not listen on 127.0.0.1 only: $(grep ":$hexport" /proc/net/tcp)"
	fi
	grep -qi warning "$TMP/s1.err" && bad "a warning for the default address: $(cat "$TMP/s1.err")"
else
	bad "gostub :$port did not listen: $(cat "$TMP/s1.err")"
fi
# 2a. SIGKILL of the stub kills the launched program
child=$(sleeper_of "$spid") || hard_error "no launched sleeper under gostub"
kill -9 "$spid"
wait "$spid" 2>/dev/null
if gone_within "$child"; then ok "SIGKILL of gostub: the launched process is gone"
else bad "SIGKILL of gostub: the launched process $child still runs"; kill -9 "$child"; fi

port=$(free_port)
"$GOSTUB" "0.0.0.0:$port" "$TMP/sleeper" >"$TMP/s2.err" 2>&1 &
spid=$!
if wait_listen "$TMP/s2.err"; then
	if grep -qi 'warning' "$TMP/s2.err"; then ok "0.0.0.0 explicitly: listens, with a warning"
	else bad "0.0.0.0 without a warning: $(cat "$TMP/s2.err")"; fi
else
	bad "gostub 0.0.0.0:$port did not listen: $(cat "$TMP/s2.err")"
fi
# 2b. SIGTERM of the stub kills the launched program
child=$(sleeper_of "$spid") || hard_error "no launched sleeper under gostub"
kill -TERM "$spid"
wait "$spid" 2>/dev/null
if gone_within "$child"; then ok "SIGTERM of gostub: the launched process is gone"
else bad "SIGTERM of gostub: the launched process $child still runs"; kill -9 "$child"; fi

# 3. hostile packets on a raw connection; 2c. --once: dropping it kills the program
port=$(free_port)
"$GOSTUB" --once ":$port" "$TMP/sleeper" >"$TMP/s3.err" 2>&1 &
spid=$!
wait_listen "$TMP/s3.err" || hard_error "gostub --once did not listen: $(cat "$TMP/s3.err")"
child=$(sleeper_of "$spid") || hard_error "no launched sleeper under gostub"
if $py - "$port" >"$TMP/hostile.out" 2>&1 <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
buf = b""
def frame(p):
    return b"$" + p + b"#%02x" % (sum(p) & 0xff)
def reply():
    global buf
    while True:
        i = buf.find(b"$")
        j = buf.find(b"#", i + 1) if i >= 0 else -1
        if i >= 0 and j >= 0 and len(buf) >= j + 3:
            p, buf = buf[i + 1:j], buf[j + 3:]
            s.sendall(b"+")
            return p
        d = s.recv(65536)
        if not d:
            raise SystemExit("connection closed")
        buf += d
def ask(p):
    s.sendall(frame(p))
    r = reply()
    # monitor output comes as O packets before the reply
    while p.startswith(b"qRcmd,") and r.startswith(b"O") and r != b"OK":
        r = reply()
    return r
hostile = [
    b"m0,ffffffffffffffff", b"mffffffffffffffff,10", b"m" + b"f" * 40 + b",1", b"m,", b"m",
    b"M0,4:zz", b"M10,ffffffff:00", b"X0,ffffffffffff:", b"g" * 5000, b"p" + b"9" * 30,
    b"P9999=00", b"Pzz", b"G00", b"Hg" + b"f" * 40, b"Hgp-5.-7", b"T" + b"1" * 64,
    b"Z0,0", b"Z9,0,1", b"z0", b"vCont;x", b"vCont;c:zz", b"vFile:pread:ffff,ffffffff,0",
    b"qXfer:features:read:target.xml:ffffffffffffffff,ffffffff", b"qXfer:nonsense:read::0,10",
    b"qRcmd,zz", b"qRcmd," + b"41" * 3000, b"qSymbol:zz", b"QPassSignals:fffffffff;",
    b"x0,ffffffffffff", b"qMemoryRegionInfo:zz", b"D;zz", b"vAttach;zz", b"\x00\x01\x02", b"}}}}",
]
for p in hostile:
    r = ask(p)
    if r.startswith(b"$") or len(r) > 1 << 20:
        raise SystemExit("odd reply to %r" % p[:40])
    c = ask(b"qC")
    if not c.startswith(b"QC"):
        raise SystemExit("after %r, qC got %r" % (p[:40], c[:80]))
# a packet with a bad checksum gets '-', then the session goes on
s.sendall(b"$qC#00")
d = s.recv(1)
if d != b"-":
    raise SystemExit("bad checksum answered %r, not '-'" % d)
c = ask(b"qC")
if not c.startswith(b"QC"):
    raise SystemExit("after a bad checksum, qC got %r" % c[:80])
# an oversized packet (1 MiB of junk)
s.sendall(frame(b"q" + b"A" * (1 << 20)))
r = reply()
if not r.startswith(b"E"):
    raise SystemExit("an oversized packet got %r, not an error" % r[:80])
c = ask(b"qC")
if not c.startswith(b"QC"):
    raise SystemExit("after an oversized packet, qC got %r" % c[:80])
print("%d hostile packets answered" % len(hostile))
s.close()
EOF
then
	ok "hostile packets: $(tail -1 "$TMP/hostile.out"); the session went on"
else
	bad "hostile packets: $(tail -3 "$TMP/hostile.out")"
fi
wait "$spid" 2>/dev/null
if gone_within "$child"; then ok "--once: the connection dropped, the launched process is gone"
else bad "--once: the launched process $child outlived the connection"; kill -9 "$child"; fi

# 4. SIGTERM while attached with a breakpoint inserted: detached, text clean
"$TMP/sleeper" &
tpid=$!
port=$(free_port)
"$GOSTUB" --attach ":$port" "$tpid" >"$TMP/s4.err" 2>&1 &
spid=$!
wait_listen "$TMP/s4.err" || hard_error "gostub --attach did not listen: $(cat "$TMP/s4.err")"
addr=$(nm "$TMP/sleeper" | awk '$3 == "tick" { print $1 }')
base=$(awk '/sleeper$/ { split($1, a, "-"); print a[1]; exit }' /proc/$tpid/maps)
if $py - "$port" "$addr" "$base" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
def frame(p):
    return b"$" + p + b"#%02x" % (sum(p) & 0xff)
def ask(p):
    s.sendall(frame(p))
    buf = b""
    while b"#" not in buf or len(buf) < buf.index(b"#") + 3:
        buf += s.recv(4096)
    s.sendall(b"+")
    return buf[buf.index(b"$") + 1:buf.index(b"#")]
ask(b"qSupported:swbreak+")
bp = int(sys.argv[3], 16) + int(sys.argv[2], 16)
r = ask(b"Z0,%x,1" % bp)
if r != b"OK":
    raise SystemExit("Z0 at %x: %r" % (bp, r))
EOF
then
	kill -TERM "$spid"
	wait "$spid" 2>/dev/null
	sleep 0.3
	if alive "$tpid" && [ "$(awk '/^State:/ { print $2 }' /proc/$tpid/status)" != t ]; then
		ok "SIGTERM while attached: the process runs on"
	else
		bad "SIGTERM while attached: the process is $(awk '/^State:/ { print $2, $3 }' /proc/$tpid/status 2>/dev/null || echo gone)"
	fi
	off=$((0x$addr))
	byte=$(dd if=/proc/$tpid/mem bs=1 skip=$((0x$base + off)) count=1 2>/dev/null | od -An -tx1 | tr -d ' ')
	file=$(dd if="$TMP/sleeper" bs=1 skip=$off count=1 2>/dev/null | od -An -tx1 | tr -d ' ')
	if [ -n "$byte" ] && [ "$byte" = "$file" ]; then ok "after SIGTERM the breakpoint byte is the file's ($byte)"
	else bad "after SIGTERM the text at tick is '$byte', the file has '$file'"; fi
else
	bad "could not insert a breakpoint through the attached stub"
fi
kill -9 "$tpid" "$spid" 2>/dev/null
wait 2>/dev/null
exit $status
