# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers for the ban-monitor integration tests (test_monitor_fail2ban.py,
test_monitor_stages.py) and the check-all benchmark. Stdlib only, /usr/bin/python3.

Built on bwtest.py (processes, namespaces, sshd, fail2ban, TAP) and bwdesktop.py (a private
D-Bus session with an unlocked gnome-keyring); neither is changed here, only wrapped:

  * MonSshd: bwtest.Sshd with a tmpfs over /root in sshd's mount namespace (root's shell
    start-up files would add ~0.4 s to every `echo ok`) and, in syslog mode, a receiver
    that writes the auth.log lines fail2ban reads AND a second file with the same lines
    stamped at receipt with sub-millisecond wall-clock time ("auth.precise"): syslog's
    own stamps have 1 s resolution, too coarse for compressed budget windows.
  * ConnCounter: an nftables table of our own in the server namespace that records every
    new TCP connection attempt from the client to chosen ports as an element
    (source address . source port . initial sequence number) of a dynamic set with a
    timeout. A dropped SYN that the kernel retransmits stays one element, a reused source
    port makes a new one, a refused connect (which never reaches sshd) is still counted,
    and the element's remaining timeout gives the time of its first SYN to the millisecond.
  * WebListener: a trivial TCP acceptor (a "web server") inside the server namespace.
  * Keyring: a bwdesktop.DesktopSession plus `banwatch` runs in it, optionally inside the
    client namespace, sites import, and Banwatch's own known_hosts written directly.
  * Watch: `banwatch watch --json` as an owned process; its JSON lines are collected with
    receipt times by a reader thread.
  * budget_violations(), overlaps(): the sliding-window and one-at-a-time checks.

Also a small command line for helper processes:
  bwmonitor.py syslog-receiver SOCKET AUTHLOG PRECISELOG HOSTNAME
  bwmonitor.py web-listener ADDR PORT
"""

import ctypes
import json as jsonlib
import os
import re
import select
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bwtest as B  # noqa: E402

SELF = os.path.abspath(__file__)
PYTHON = B.PYTHON

BAN_STATES = ('lighter-ban', 'heavier-ban', 'silent-block')

# The monitor's defaults (DESIGN.md §4), in seconds; BANWATCH_TIME_SCALE multiplies them.
DEFAULTS = {
    'interval': 1800, 'verify_interval': 6 * 3600, 'budget_short_window': 60,
    'budget_long_window': 600, 'lighter_first_recheck': 1800,
    'heavier_first_recheck': 6 * 3600, 'backoff_cap': 4 * 3600, 'reminder_interval': 6 * 3600,
    'maintenance_interval': 300,
}
BUDGET_SHORT_COUNT = 3
BUDGET_LONG_COUNT = 10


def scaled(name, factor):
    return DEFAULTS[name] * factor


# ---------------------------------------------------------------------------------------
# Requirements
# ---------------------------------------------------------------------------------------

def requirements(extra_binaries=()):
    """Checks what bwtest.main() does not: the desktop session's binaries. Fails under
    CI=true, skips otherwise (never silently)."""
    import bwdesktop as D
    try:
        D.desktop_requirements()
        for b in extra_binaries:
            if not os.access(b, os.X_OK):
                raise B.Requirement('missing binary: %s' % b)
    except B.Requirement as e:
        B.skip_or_fail(str(e))


# ---------------------------------------------------------------------------------------
# sshd with a fast home and precise log stamps
# ---------------------------------------------------------------------------------------

RE_PRECISE = re.compile(r'^(\d+\.\d+)\t(.*)$')
RE_CONN_FROM = re.compile(r'Connection from (\S+) port (\d+) on')
RE_ACCEPTED = re.compile(r'Accepted publickey for (\S+) from (\S+) port (\d+) ssh2: \S+ (SHA256:\S+)')
RE_END = re.compile(r'(?:Received disconnect from|Disconnected from (?:user \S+ |authenticating user \S+ |invalid user \S+ )?|'
                    r'Connection closed by (?:authenticating user \S+ |invalid user \S+ )?|'
                    r'Connection reset by (?:authenticating user \S+ |invalid user \S+ )?|'
                    r'Read error from remote host|Timeout before authentication for|Closing connection to)'
                    r' ?\[?([0-9a-fA-F.:]+)\]? port (\d+)')
RE_SYSLOG_PID = re.compile(r' sshd\[(\d+)\]: ')


class MonSshd(B.Sshd):
    """bwtest.Sshd with a tmpfs over /root (fast `echo ok`) and, with syslog=True, a
    receiver that also writes `auth.precise` (receipt time TAB auth.log line)."""

    def __init__(self, tmpdir, fast_home=True, **kw):
        self.fast_home = fast_home
        super().__init__(tmpdir, **kw)
        self.precise_path = os.path.join(self.dir, 'auth.precise')
        open(self.precise_path, 'a').close()

    def _script(self):
        s = super()._script()
        if self.fast_home:
            s = s.replace('set -e', 'set -e\nmount -t tmpfs -o mode=700 bwmon-home /root', 1)
        if self.syslog:
            old = '%s %s syslog-receiver /dev/log %s bwtest-srv' % (
                PYTHON, shlex.quote(B.HELPER), shlex.quote(self.log_path))
            new = '%s %s syslog-receiver /dev/log %s %s bwtest-srv' % (
                PYTHON, shlex.quote(SELF), shlex.quote(self.log_path),
                shlex.quote(self.precise_path))
            if old not in s:
                raise RuntimeError('bwtest.Sshd changed its syslog receiver line; update bwmonitor.MonSshd')
            s = s.replace(old, new, 1)
        return s

    def precise_lines(self):
        """[(wall time, auth.log line)] in arrival order (syslog mode only)."""
        out = []
        for line in self._read(self.precise_path).splitlines():
            m = RE_PRECISE.match(line)
            if m:
                out.append((float(m.group(1)), m.group(2)))
        return out

    def connection_spans(self, since=0.0, until=None):
        """One dict per client connection that sshd saw (syslog mode): start (the
        'Connection from' time), end (the first line that ends it, or None while open),
        clean (a 'Received disconnect … 11:' was logged), fingerprint (of the accepted key,
        or None), port (the client's), lines. Lines are tied to a connection by sshd's pid,
        not by the client port: ports get reused in a long run."""
        spans = []
        current = {}
        for t, line in self.precise_lines():
            if t < since or (until is not None and t > until):
                continue
            m = RE_SYSLOG_PID.search(line)
            if not m:
                continue
            pid = m.group(1)
            c = RE_CONN_FROM.search(line)
            if c:
                current[pid] = {'addr': c.group(1), 'port': int(c.group(2)), 'start': t, 'end': None,
                                'clean': False, 'fingerprint': None, 'pid': pid, 'lines': [line]}
                spans.append(current[pid])
                continue
            sp = current.get(pid)
            if sp is None:
                continue
            sp['lines'].append(line)
            a = RE_ACCEPTED.search(line)
            if a:
                sp['fingerprint'] = a.group(4)
            if 'Received disconnect from' in line and ':11:' in line:
                sp['clean'] = True
            if sp['end'] is None and RE_END.search(line):
                sp['end'] = t
        return spans


# ---------------------------------------------------------------------------------------
# Connection counting with nftables
# ---------------------------------------------------------------------------------------

RE_ELEM = re.compile(r'([0-9a-fA-F.:]+) \. (\d+) \. (\d+) expires ((?:\d+h)?(?:\d+m)?(?:\d+s)?(?:\d+ms)?)')


def _parse_duration(text):
    total = 0.0
    for num, unit in re.findall(r'(\d+)(h|ms|m|s)', text):
        total += int(num) * {'h': 3600, 'm': 60, 's': 1, 'ms': 0.001}[unit]
    return total


class ConnCounter:
    """Counts new TCP connection attempts from `client_ip` to each of `ports` in the server
    namespace, in our own table (hook input, priority -400: before fail2ban's and the
    harness's filter chains, so refused and dropped attempts count too). An attempt is a
    set element (source address . source port . initial sequence number): a retransmitted
    SYN is the same element, a reused source port is not."""

    TIMEOUT = 3 * 3600

    def __init__(self, netns, client_ip, ports, table='bwmon'):
        self.netns = netns
        self.client_ip = client_ip
        self.ports = [int(p) for p in ports]
        self.table = table
        sets = ''.join('  set p%d {\n    typeof ip saddr . tcp sport . tcp sequence\n'
                       '    flags dynamic,timeout\n    timeout %ds\n    size 65535\n  }\n'
                       % (p, self.TIMEOUT) for p in self.ports)
        rules = ''.join('    ip saddr %s tcp dport %d tcp flags & (syn|ack) == syn add @p%d '
                        '{ ip saddr . tcp sport . tcp sequence }\n' % (client_ip, p, p) for p in self.ports)
        netns.nft('table inet %s {\n%s  chain input {\n    type filter hook input priority -400; '
                  'policy accept;\n%s  }\n}\n' % (table, sets, rules))
        self._cleanup = B.on_cleanup(self.delete)

    def attempts(self, port):
        """[(time of the first SYN, source port)] for port, sorted by time."""
        before = time.time()
        r = self.netns.srv_exec(['nft', 'list', 'set', 'inet', self.table, 'p%d' % int(port)])
        after = time.time()
        now = (before + after) / 2
        out = []
        for addr, sport, seq, expires in RE_ELEM.findall(r.stdout):
            out.append((now - (self.TIMEOUT - _parse_duration(expires)), int(sport)))
        return sorted(out)

    def count(self, port, since=None):
        return len([a for a in self.attempts(port) if since is None or a[0] >= since])

    def delete(self):
        B.cancel_cleanup(self._cleanup)
        self.netns.srv_exec(['nft', 'delete', 'table', 'inet', self.table], check=False)


def f2b_banned(netns, ip):
    """True when fail2ban's own nftables table in the server namespace names ip
    (Fail2ban.nft_has() looks at the whole ruleset, which includes our counter table)."""
    r = netns.srv_exec(['nft', 'list', 'table', 'inet', 'f2b-table'], check=False)
    return r.returncode == 0 and re.search(r'(?<![0-9.])%s(?![0-9])' % re.escape(ip), r.stdout) is not None


# ---------------------------------------------------------------------------------------
# A trivial web port inside the server namespace
# ---------------------------------------------------------------------------------------

class WebListener:
    """Accepts and closes TCP connections on addr:port inside the server namespace."""

    def __init__(self, netns, addr, port=80, name='web'):
        self.addr, self.port = addr, port
        self.proc = B.Proc(['ip', 'netns', 'exec', netns.srv, PYTHON, SELF, 'web-listener', addr,
                            str(port)], name, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        r, _, _ = select.select([self.proc.popen.stdout], [], [], 10)
        line = self.proc.popen.stdout.readline().decode() if r else ''
        if not line.startswith('listening'):
            self.stop()
            raise RuntimeError('web listener on %s:%d did not start (%r)' % (addr, port, line))

    def stop(self):
        if self.proc is not None:
            self.proc.stop(grace=2)
            self.proc = None


# ---------------------------------------------------------------------------------------
# The keyring session and banwatch runs in it
# ---------------------------------------------------------------------------------------

class Keyring:
    """A private D-Bus session with an unlocked gnome-keyring (bwdesktop.DesktopSession)."""

    def __init__(self, tmpdir, name='desktop'):
        import bwdesktop as D
        self.session = D.DesktopSession(tmpdir, name=name)
        self.env = dict(self.session.env)
        self.data_home = self.env['XDG_DATA_HOME']
        self.state_home = self.env['XDG_STATE_HOME']
        self.known_hosts = os.path.join(self.data_home, 'banwatch', 'known_hosts')
        self.history_db = os.path.join(self.state_home, 'banwatch', 'history.db')
        self.runs = []

    def bw(self, args, netns=None, timeout=60, scale=None, env=None):
        """Runs banwatch ARGS in the session (inside the client namespace with netns).
        Returns bwtest.ProbeRun with .started/.ended wall times; --json output that is
        an array is parsed too."""
        e = dict(self.env)
        if scale is not None:
            e['BANWATCH_TIME_SCALE'] = repr(float(scale))
        if env:
            e.update(env)
        started = time.time()
        r = B.run_banwatch([str(a) for a in args], netns=netns, timeout=timeout, env=e)
        ended = time.time()
        if r.json is None and r.out.strip()[:1] in ('[', '{'):
            try:
                argv = r.argv
                r = B.ProbeRun(r.rc, r.out, r.err, r.wall, jsonlib.loads(r.out))
                r.argv = argv
            except ValueError:
                pass
        r.started, r.ended = started, ended
        self.runs.append(r)
        return r

    def import_sites(self, sites, path):
        """sites: [{name, host, port, user, key, provider?, notes?}] via `sites import`."""
        doc = {'format': 'banwatch-sites', 'version': 1, 'sites': []}
        for s in sites:
            entry = {'name': s['name'], 'host': s['host'], 'port': int(s['port']),
                     'user': s.get('user', 'root'), 'key': s['key'],
                     'provider': s.get('provider', 'generic'), 'notes': s.get('notes', '')}
            doc['sites'].append(entry)
        with open(path, 'w') as f:
            jsonlib.dump(doc, f, indent=1)
        r = self.bw(['sites', 'import', path], timeout=60)
        if r.rc != 0:
            raise RuntimeError('sites import failed:\n' + '\n'.join(B.describe_run(r)))
        return r

    def write_known_hosts(self, lines):
        """Banwatch's own known_hosts, written directly (costs no connection)."""
        os.makedirs(os.path.dirname(self.known_hosts), mode=0o700, exist_ok=True)
        with open(self.known_hosts, 'w') as f:
            f.write(''.join(l if l.endswith('\n') else l + '\n' for l in lines))
        os.chmod(self.known_hosts, 0o600)

    def destinations(self):
        """{key: {state, backoff_until (s), banned_since (s)}} from the history database,
        read-only (for precise times; the JSON carries whole seconds)."""
        if not os.path.exists(self.history_db):
            return {}
        con = sqlite3.connect('file:%s?mode=ro' % self.history_db, uri=True, timeout=5)
        try:
            rows = con.execute('SELECT key, state, banned_since, backoff_until FROM destinations').fetchall()
        finally:
            con.close()
        return {k: {'state': s, 'banned_since': b / 1e6, 'backoff_until': u / 1e6} for k, s, b, u in rows}

    def logged_connections(self):
        """[(destination, wall time)] of the connection log banwatch keeps for budgets."""
        if not os.path.exists(self.history_db):
            return []
        con = sqlite3.connect('file:%s?mode=ro' % self.history_db, uri=True, timeout=5)
        try:
            rows = con.execute('SELECT destination, time FROM connections ORDER BY time').fetchall()
        finally:
            con.close()
        return [(d, t / 1e6) for d, t in rows]

    def stop(self):
        self.session.stop()


class Watch:
    """`banwatch watch --json` in the session (and client namespace), owned by us. Lines are
    collected with their receipt time; stop() sends SIGTERM and waits (bounded)."""

    def __init__(self, keyring, netns=None, scale=None, name='watch', log_dir=None):
        exe = os.environ['BANWATCH']
        argv = [exe, 'watch', '--json']
        if netns is not None:
            argv = ['ip', 'netns', 'exec', netns.cli if isinstance(netns, B.Netns) else netns] + argv
        env = dict(keyring.env)
        if scale is not None:
            env['BANWATCH_TIME_SCALE'] = repr(float(scale))
        self.err_path = os.path.join(log_dir or '/tmp', '%s.stderr' % name)
        self._err = open(self.err_path, 'ab')
        self.started = time.time()
        self.proc = B.Proc(argv, name, stdout=subprocess.PIPE, stderr=self._err, env=env)
        self.lines = []      # (receipt time, text)
        self.events = []     # (receipt time, parsed object)
        self.bad = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        self.rc = None

    def _read(self):
        f = self.proc.popen.stdout
        for raw in iter(f.readline, b''):
            t = time.time()
            text = raw.decode('utf-8', 'replace').rstrip('\n')
            with self._lock:
                self.lines.append((t, text))
                try:
                    obj = jsonlib.loads(text)
                    if isinstance(obj, dict):
                        self.events.append((t, obj))
                    else:
                        self.bad.append(text)
                except ValueError:
                    self.bad.append(text)

    def snapshot(self):
        with self._lock:
            return list(self.events)

    def wait_events(self, pred, timeout, what='watch events'):
        """Waits until pred(list of (t, event)) is truthy; returns its value."""
        def check():
            if not self.proc.alive():
                raise RuntimeError('banwatch watch exited early (%s); stderr: %s'
                                   % (self.proc.popen.returncode, self.stderr()[-2000:]))
            return pred(self.snapshot())
        return B.wait_until(check, timeout, interval=0.05, what=what)

    def stderr(self):
        return B.Sshd._read(self.err_path)

    def stop(self, grace=10):
        if self.proc is None:
            return self.rc
        if self.proc.alive():
            self.proc.signal_group(signal.SIGTERM)
            try:
                self.proc.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self.rc = self.proc.popen.poll()
        self.proc.stop(grace=2)
        self._thread.join(timeout=5)
        self._err.close()
        self.proc = None
        return self.rc


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------

def budget_violations(times, count, window, tolerance=0.0):
    """Every sliding window [t_i, t_i + window - tolerance) holding more than `count`
    connection starts: a list of (start time, the times inside)."""
    ts = sorted(times)
    bad = []
    j = 0
    for i, t0 in enumerate(ts):
        if j < i:
            j = i
        while j < len(ts) and ts[j] < t0 + window - tolerance:
            j += 1
        if j - i > count:
            bad.append((t0, ts[i:j]))
    return bad


def overlaps(spans, tolerance=0.0):
    """Pairs of connections where one starts before the previous one ended."""
    ss = sorted(spans, key=lambda s: s['start'])
    bad = []
    for a, b in zip(ss, ss[1:]):
        end = a['end'] if a['end'] is not None else float('inf')
        if b['start'] < end - tolerance:
            bad.append((a, b))
    return bad


def fmt_time(t):
    return time.strftime('%H:%M:%S', time.localtime(t)) + ('%.3f' % (t % 1))[1:]


def by_name(objs):
    return {o.get('name'): o for o in objs} if isinstance(objs, list) else {}


def iso_to_epoch(text):
    """'2026-11-22T04:31:33Z' (GLib's iso8601 of a UTC time) → epoch seconds."""
    if not text:
        return None
    import datetime
    t = text.replace('Z', '+00:00')
    return datetime.datetime.fromisoformat(t).timestamp()


# ---------------------------------------------------------------------------------------
# Helper processes
# ---------------------------------------------------------------------------------------

PR_SET_PDEATHSIG = 1
SYSLOG_PREFIX = re.compile(r'^<(\d{1,3})>')
SYSLOG_STAMP = re.compile(r'^[A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d ')


def _die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except Exception:
        pass
    if os.getppid() == 1:
        sys.exit(1)


def _syslog_receiver(sock_path, out_path, precise_path, hostname):
    try:
        os.unlink(sock_path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    os.chmod(sock_path, 0o666)
    out = open(out_path, 'a', buffering=1, encoding='utf-8', errors='replace')
    precise = open(precise_path, 'a', buffering=1, encoding='utf-8', errors='replace')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        data = sock.recv(65536)
        now = time.time()
        text = data.decode('utf-8', 'replace').rstrip('\n\0')
        for raw in text.split('\n'):
            line = SYSLOG_PREFIX.sub('', raw, count=1)
            if SYSLOG_STAMP.match(line):
                stamp, rest = line[:15], line[16:]
            else:
                stamp, rest = time.strftime('%b %e %H:%M:%S'), line
            full = '%s %s %s' % (stamp, hostname, rest)
            precise.write('%.6f\t%s\n' % (now, full))
            out.write(full + '\n')


def _web_listener(addr, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((addr, int(port)))
    sock.listen(64)
    print('listening', flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        r, _, _ = select.select([sock], [], [], 1.0)
        if os.getppid() == 1:
            break
        if r:
            try:
                conn, _ = sock.accept()
                conn.close()
            except OSError:
                pass


def _main(argv):
    _die_with_parent()
    if len(argv) == 6 and argv[1] == 'syslog-receiver':
        _syslog_receiver(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 4 and argv[1] == 'web-listener':
        _web_listener(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(_main(sys.argv))
