#!/usr/bin/env python3
"""refuse-z2.py LISTEN_PORT SERVER_PORT: a relay between lldb and lldb-server
that answers every Z1-Z4 (hardware breakpoint and watchpoint) packet itself
with the empty reply, as gostub does on a machine whose debug registers never
trap.  It lets tests/run-lldb-*.sh prove, against lldb-server, the branch of
its watchpoint check that gostub takes (LLDB_SERVER=refuse-z2).  Everything
else passes through unchanged.  Exits when either side closes."""
import socket
import sys
import threading


def relay(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def client_to_server(client, server):
    """Forward client packets, answering Z1-Z4 (and z1-z4) with $#00."""
    buf = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            buf += data
            out = b""
            while buf:
                if buf[:1] != b"$":
                    # acks, 0x03 interrupts: pass one byte through
                    out += buf[:1]
                    buf = buf[1:]
                    continue
                end = buf.find(b"#")
                if end < 0 or len(buf) < end + 3:
                    break  # incomplete packet
                pkt, buf = buf[:end + 3], buf[end + 3:]
                if pkt[1:2] in (b"Z", b"z") and pkt[2:3] in b"1234" and pkt[3:4] == b",":
                    if out:
                        server.sendall(out)
                        out = b""
                    client.sendall(b"$#00")
                else:
                    out += pkt
            if out:
                server.sendall(out)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    listen_port, server_port = int(sys.argv[1]), int(sys.argv[2])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(1)
    client, _ = ls.accept()
    ls.close()
    server = socket.create_connection(("127.0.0.1", server_port))
    for s in (client, server):
        # one small packet per round trip: Nagle + delayed ACK would add 40 ms each
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = threading.Thread(target=relay, args=(server, client), daemon=True)
    t.start()
    client_to_server(client, server)
    t.join(2)


if __name__ == "__main__":
    main()
