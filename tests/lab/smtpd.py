#!/usr/bin/python3
# tests/lab/smtpd.py PORT CHAIN KEY MODE: a small SMTP server on
# 127.0.0.1:PORT for the --check tests (check.sh, checkdane.sh): greeting,
# EHLO (STARTTLS offered unless MODE is notls), STARTTLS, TLS with the
# certificate chain CHAIN (PEM: the leaf, then any CA) and KEY, QUIT.
# Prints "ready" once it listens; runs until killed.
import socket, ssl, sys, threading
port, chain, key, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
def handle(c):
    try:
        c.settimeout(10)
        f = c.makefile("rb")
        c.sendall(b"220 mx.test ESMTP\r\n")
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO"):
                last = b"250 SIZE 1000\r\n" if mode == "notls" else b"250 STARTTLS\r\n"
                c.sendall(b"250-mx.test\r\n250-PIPELINING\r\n" + last)
            elif cmd == b"STARTTLS" and mode != "notls":
                c.sendall(b"220 go ahead\r\n")
                t = ctx.wrap_socket(c, server_side=True)
                t.recv(64)
                t.sendall(b"221 bye\r\n")
                t.close()
                return
            elif cmd == b"QUIT":
                c.sendall(b"221 bye\r\n")
                return
            else:
                c.sendall(b"502 not implemented\r\n")
    except Exception:
        pass
    finally:
        c.close()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
