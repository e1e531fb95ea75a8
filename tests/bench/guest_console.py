#!/usr/bin/env python3
"""Runs one shell command in a guest through its QEMU serial console socket (when the gateway, which
normally holds that console, is stopped) and prints what the command printed.
Usage: guest_console.py CONSOLE_SOCKET COMMAND [TIMEOUT_S]"""
import random
import socket
import sys
import time

path, command = sys.argv[1], sys.argv[2]
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
tag = str(random.randrange(1 << 30))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
deadline = time.time() + 10
while True:
    try:
        s.connect(path)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("cannot connect to " + path)
        time.sleep(0.1)
# The tty echoes the input; quotes split the markers there so only the output carries them whole.
s.sendall(('echo B"EGIN-%s"; %s; echo E"ND-%s"\n' % (tag, command, tag)).encode())
buf = b""
s.settimeout(1.0)
deadline = time.time() + timeout
while time.time() < deadline:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        continue
    if not chunk:
        break
    buf += chunk
    text = buf.decode(errors="replace").replace("\r", "")
    begin, end = text.find("\nBEGIN-" + tag + "\n"), text.find("\nEND-" + tag + "\n")
    if begin >= 0 and end > begin:
        sys.stdout.write(text[begin + len(tag) + 8:end + 1])
        sys.exit(0)
sys.exit("no answer from the guest within %s s" % timeout)
