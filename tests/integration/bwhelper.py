#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small helper processes for the integration harness (stdlib only).

  bwhelper.py syslog-receiver SOCKET OUTFILE HOSTNAME
      Binds a datagram syslog socket (meant to be /dev/log inside sshd's private mount
      namespace) and appends auth.log-style lines "Nov 22 03:18:46 HOST sshd[PID]: MSG"
      to OUTFILE, which is what fail2ban's stock sshd filter reads.

  bwhelper.py hold ADDR PORT
      Opens one TCP connection, waits for the server's SSH banner, prints "held <banner>"
      and then holds the pre-auth connection until stdin reaches EOF or it is killed.

  bwhelper.py connect ADDR PORT
      One bare TCP connect and close (a "port check"), for fail2ban control tests.

Every mode dies with its parent (PR_SET_PDEATHSIG) and has bounded waits.
"""

import ctypes
import os
import re
import select
import signal
import socket
import sys
import time

PR_SET_PDEATHSIG = 1


def die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:  # best effort: the harness kills us by process group anyway
        pass
    if os.getppid() == 1:
        sys.exit(1)


SYSLOG_PREFIX = re.compile(r'^<(\d{1,3})>')
SYSLOG_STAMP = re.compile(r'^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d ')


def syslog_receiver(sock_path, out_path, hostname):
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    os.chmod(sock_path, 0o666)
    out = open(out_path, 'a', buffering=1, encoding='utf-8', errors='replace')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        data = sock.recv(65536)
        text = data.decode('utf-8', 'replace').rstrip('\n\0')
        for raw in text.split('\n'):
            line = SYSLOG_PREFIX.sub('', raw, count=1)
            if SYSLOG_STAMP.match(line):
                stamp, rest = line[:15], line[16:]
            else:
                stamp, rest = time.strftime('%b %e %H:%M:%S'), line
            out.write('%s %s %s\n' % (stamp, hostname, rest))


def hold(addr, port):
    sock = socket.create_connection((addr, int(port)), timeout=10)
    sock.settimeout(10)
    banner = b''
    deadline = time.monotonic() + 10
    while b'\n' not in banner and time.monotonic() < deadline:
        chunk = sock.recv(256)
        if not chunk:
            break
        banner += chunk
    print('held ' + banner.decode('ascii', 'replace').strip(), flush=True)
    # Hold until the harness closes our stdin or kills us; re-check the parent now and then.
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], 1.0)
        if ready and not sys.stdin.buffer.read1(4096):
            break
        if os.getppid() == 1:
            break
    sock.close()


def bare_connect(addr, port):
    sock = socket.create_connection((addr, int(port)), timeout=10)
    sock.close()
    print('connected', flush=True)


def main(argv):
    die_with_parent()
    if len(argv) == 5 and argv[1] == 'syslog-receiver':
        syslog_receiver(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == 'hold':
        hold(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == 'connect':
        bare_connect(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
