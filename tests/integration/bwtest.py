# SPDX-License-Identifier: GPL-3.0-or-later
"""Real-services integration harness for Banwatch (stdlib only, run with /usr/bin/python3).

Everything a test starts is owned by this module: each process runs in its own process
group (and dies with the test through PR_SET_PDEATHSIG), network namespaces carry the
test's pid in their names, and every resource registers a cleanup that runs on normal
exit, on an exception, on SIGTERM/SIGINT/SIGHUP and from atexit.

Rules kept here (see /work/shared/TESTING.md for the measured facts behind them):
  * traffic only to 127.0.0.0/8 or into namespaces created by the test;
  * nothing on the host's /run, /dev, /etc or home changes: sshd and banwatch get private
    mount namespaces for /run/sshd, /dev/log, /etc/hosts.deny and a fake home;
  * every wait and every subprocess is bounded in time;
  * a missing requirement is never a silent pass: CI=true turns it into a failure,
    otherwise the test is reported as skipped (exit 77, or a TAP skip plan under meson).
"""

import atexit
import collections
import json as jsonlib
import os
import pwd
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
HELPER = os.path.join(HERE, 'bwhelper.py')
PYTHON = '/usr/bin/python3'
SSHD = '/usr/sbin/sshd'

# ---------------------------------------------------------------------------------------
# The `banwatch probe` contract
# ---------------------------------------------------------------------------------------

EXIT_CODES = {
    'ok': 0, 'auth-partial': 0,
    'closed-before-banner': 10, 'refused': 11, 'timeout': 12,
    'auth-rejected': 20, 'hostkey-unknown': 21, 'hostkey-changed': 22,
    'closed-during-handshake': 23, 'banner-timeout': 23, 'protocol-mismatch': 23,
    'dns-failed': 24, 'key-unusable': 30, 'network-unreachable': 31,
}
EXIT_USAGE = 2
EXIT_INTERNAL = 3
AUTH_OBSERVATIONS = ('ok', 'auth-rejected', 'auth-partial')
PHASES = ('key-check', 'resolve', 'connect', 'banner', 'kex', 'hostkey', 'auth', 'exec', 'done')
TIMING_KEYS = ('resolve', 'connect', 'banner', 'kex', 'auth', 'exec', 'total')
JSON_KEYS = ('observation', 'phase', 'message', 'hint', 'host', 'port', 'user', 'address',
             'timings_ms', 'banner', 'fingerprint', 'auth_requests', 'hostkey_stored')
# Observations for which no SSH banner can have been seen.
NO_BANNER_OBSERVATIONS = ('key-unusable', 'dns-failed', 'network-unreachable', 'refused',
                          'timeout', 'closed-before-banner', 'banner-timeout')
# The phase each observation must report where it is unambiguous.
EXPECTED_PHASE = {
    'ok': 'done', 'auth-rejected': 'auth', 'auth-partial': 'auth',
    'hostkey-unknown': 'hostkey', 'hostkey-changed': 'hostkey',
    'closed-before-banner': 'banner', 'banner-timeout': 'banner',
    'closed-during-handshake': 'kex', 'protocol-mismatch': 'kex',
    'refused': 'connect', 'timeout': 'connect', 'network-unreachable': 'connect',
    'dns-failed': 'resolve', 'key-unusable': 'key-check',
}

# ---------------------------------------------------------------------------------------
# Requirements, skipping and failing
# ---------------------------------------------------------------------------------------

BASE_BINARIES = ('/usr/bin/unshare', '/usr/bin/setpriv', '/usr/bin/mount', SSHD,
                 '/usr/bin/ssh-keygen', PYTHON)


class Requirement(Exception):
    pass


def skip_or_fail(message):
    """A requirement is missing: fail under CI=true, otherwise report a skip."""
    message = ' '.join(message.split())
    if os.environ.get('CI') == 'true':
        print('1..1')
        print('not ok 1 - requirement missing: %s' % message)
        print('# CI=true: a missing requirement is a failure, never a skip')
        sys.stdout.flush()
        sys.exit(1)
    print('1..0 # SKIP %s' % message)
    sys.stdout.flush()
    # meson (protocol: tap) treats any non-zero exit as an error, so under meson the
    # skip plan alone says "skipped"; run by hand we use the autotools skip code 77.
    sys.exit(0 if os.environ.get('BW_TEST_MESON') == '1' else 77)


def check_requirements(binaries=(), need_banwatch=True, need_netns=False):
    if os.geteuid() != 0:
        raise Requirement('must run as root (namespaces, mounts, nftables)')
    for b in tuple(BASE_BINARIES) + tuple(binaries):
        path = b if os.path.isabs(b) else shutil.which(b, path='/usr/sbin:/usr/bin:/sbin:/bin')
        if not path or not os.access(path, os.X_OK):
            raise Requirement('missing binary: %s' % b)
    if not os.path.exists('/etc/hosts.deny'):
        raise Requirement('/etc/hosts.deny missing (needed as a bind-mount target)')
    if need_netns:
        for b in ('ip', 'nft'):
            if not shutil.which(b, path='/usr/sbin:/usr/bin:/sbin:/bin'):
                raise Requirement('missing binary: %s' % b)
    if need_banwatch:
        exe = os.environ.get('BANWATCH', '')
        if not exe:
            raise Requirement('BANWATCH is not set (meson sets it to the built binary)')
        if not os.access(exe, os.X_OK):
            raise Requirement('BANWATCH=%s is not an executable file' % exe)


# ---------------------------------------------------------------------------------------
# Cleanup registry and process ownership
# ---------------------------------------------------------------------------------------

_cleanups = []
_cleanup_lock = threading.Lock()


def on_cleanup(fn, *args):
    """Registers fn(*args) to run at cleanup (last registered runs first)."""
    entry = [fn, args]
    with _cleanup_lock:
        _cleanups.append(entry)
    return entry


def cancel_cleanup(entry):
    with _cleanup_lock:
        if entry in _cleanups:
            _cleanups.remove(entry)


def run_cleanups():
    while True:
        with _cleanup_lock:
            if not _cleanups:
                return
            fn, args = _cleanups.pop()
        try:
            fn(*args)
        except Exception as e:  # keep cleaning up
            sys.stderr.write('bwtest: cleanup %r failed: %s\n' % (fn, e))


atexit.register(run_cleanups)


def _on_signal(signum, frame):
    raise SystemExit('bwtest: terminated by signal %d' % signum)


def install_signal_handlers():
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _on_signal)


def _children_of(pid):
    kids = []
    try:
        for tid in os.listdir('/proc/%d/task' % pid):
            with open('/proc/%d/task/%s/children' % (pid, tid)) as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def descendants(pid):
    """All live descendants of pid (children that left our process group, e.g. sshd's
    per-connection processes after setsid(), included)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in _children_of(p):
            if k not in out:
                out.append(k)
                todo.append(k)
    return out


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


class Proc:
    """A process we started, alone in its own process group, that dies with us."""

    def __init__(self, argv, name, stdout=None, stderr=None, env=None, stdin=subprocess.DEVNULL,
                 pass_fds=(), pdeathsig=True):
        self.name = name
        if pdeathsig:
            argv = ['/usr/bin/setpriv', '--pdeathsig', 'TERM', '--'] + list(argv)
        self.argv = argv
        self.popen = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env,
                                      pass_fds=pass_fds, start_new_session=True, close_fds=True)
        self.pid = self.popen.pid
        self._cleanup = on_cleanup(self.stop)

    def alive(self):
        return self.popen.poll() is None

    def signal_group(self, sig):
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, grace=5.0):
        cancel_cleanup(self._cleanup)
        # Processes that escaped the group (setsid children) are still ours: end them by pid.
        strays = descendants(self.pid) if self.alive() else []
        if self.alive():
            self.signal_group(signal.SIGTERM)
        for p in strays:
            try:
                if os.getpgid(p) != self.pid:
                    os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(timeout=5)
        # Anything left in the group (e.g. a helper child) goes too.
        self.signal_group(signal.SIGKILL)
        deadline = time.monotonic() + 3
        for p in strays:
            while _pid_alive(p) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _pid_alive(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for f in (self.popen.stdout, self.popen.stderr, self.popen.stdin):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass


def run(argv, timeout=20, check=True, **kw):
    """subprocess.run with a mandatory timeout and a readable error."""
    kw.setdefault('stdin', subprocess.DEVNULL)
    kw.setdefault('capture_output', True)
    kw.setdefault('text', True)
    try:
        r = subprocess.run(argv, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise RuntimeError('timed out after %ss: %s' % (timeout, shlex.join(map(str, argv))))
    if check and r.returncode != 0:
        raise RuntimeError('failed (%d): %s\nstdout: %s\nstderr: %s'
                           % (r.returncode, shlex.join(map(str, argv)), r.stdout, r.stderr))
    return r


def wait_until(pred, timeout, interval=0.05, what='condition'):
    """Polls pred() until truthy; returns its value, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError('timed out after %.1fs waiting for %s' % (timeout, what))
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def listening_ports(pid):
    """TCP ports in LISTEN state in the network namespace of pid, read from /proc without
    connecting (a bare connect counts as a failure in fail2ban's ddos/aggressive modes)."""
    ports = set()
    for name in ('tcp', 'tcp6'):
        try:
            with open('/proc/%d/net/%s' % (pid, name)) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if len(parts) > 3 and parts[3] == '0A':
                        ports.add(int(parts[1].rsplit(':', 1)[1], 16))
        except (OSError, StopIteration):
            pass
    return ports


# ---------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------

def keygen(path, type='ed25519', passphrase='', cipher=None, fmt=None, bits=None, comment=None):
    """Generates a key pair at path (+ .pub) with ssh-keygen; returns path."""
    for p in (path, path + '.pub'):
        if os.path.exists(p):
            os.unlink(p)
    argv = ['ssh-keygen', '-q', '-t', type, '-N', passphrase, '-f', path,
            '-C', comment or 'bwtest-%s' % os.path.basename(path)]
    if cipher:
        argv += ['-Z', cipher]
    if fmt:
        argv += ['-m', fmt]
    if bits:
        argv += ['-b', str(bits)]
    run(argv, timeout=60)
    os.chmod(path, 0o600)
    return path


def fingerprint(pubkey_path):
    """'SHA256:…' of a public key file, as `ssh-keygen -lf` prints it."""
    out = run(['ssh-keygen', '-lf', pubkey_path]).stdout.split()
    return out[1]


def pubkey_text(path):
    p = path if path.endswith('.pub') else path + '.pub'
    with open(p) as f:
        return f.read().strip()


# ---------------------------------------------------------------------------------------
# sshd
# ---------------------------------------------------------------------------------------

RE_AUTH = re.compile(r'\b(Accepted|Failed|Postponed|Partial) (\S+) for (?:invalid user )?(\S+) '
                     r'from (\S+) port (\d+) ssh2(?:: (\S+) (SHA256:\S+))?')
RE_ENDPOINT = re.compile(r'(?:from|by|user \S+) (?:authenticating user \S+ |invalid user \S+ )?'
                         r'\[?([0-9a-fA-F.:]+)\]? port (\d+)')
RE_CONN_FROM = re.compile(r'Connection from (\S+) port (\d+) on')
RE_RECV_DISC = re.compile(r'Received disconnect from (\S+) port (\d+):11:')
RE_CONN_CLOSED = re.compile(r'Connection closed by (?:authenticating user \S+ |invalid user \S+ )?'
                            r'(\S+) port (\d+)')
RE_CONN_RESET = re.compile(r'Connection reset by (?:authenticating user \S+ |invalid user \S+ )?'
                           r'(\S+) port (\d+)')
RE_SYSLOG_PID = re.compile(r'^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ sshd\[(\d+)\]: ')


def count_log(lines):
    """Server-side counters from sshd log lines (-E or syslog form)."""
    c = collections.OrderedDict((k, 0) for k in (
        'connections', 'accepted_publickey', 'failed_publickey', 'postponed_publickey',
        'partial_publickey', 'auth_other', 'received_disconnect', 'connection_closed',
        'connection_reset', 'refused_connect', 'dropped', 'listening', 'publickey_lines'))
    c['accepted_fingerprints'] = []
    c['failed_fingerprints'] = []
    c['auth_lines'] = []
    for line in lines:
        m = RE_AUTH.search(line)
        if m:
            verdict, method = m.group(1), m.group(2)
            c['auth_lines'].append(line)
            if method == 'publickey':
                key = verdict.lower() + '_publickey'
                c[key] += 1
                if verdict == 'Accepted':
                    c['accepted_fingerprints'].append(m.group(7))
                elif verdict == 'Failed':
                    c['failed_fingerprints'].append(m.group(7))
            else:
                c['auth_other'] += 1
        if 'publickey' in line or 'Accepted key ' in line:
            c['publickey_lines'] += 1
        if RE_CONN_FROM.search(line):
            c['connections'] += 1
        if RE_RECV_DISC.search(line):
            c['received_disconnect'] += 1
        if RE_CONN_CLOSED.search(line):
            c['connection_closed'] += 1
        if RE_CONN_RESET.search(line):
            c['connection_reset'] += 1
        if 'refused connect from' in line:
            c['refused_connect'] += 1
        if 'drop connection #' in line:
            c['dropped'] += 1
        if 'Server listening on' in line:
            c['listening'] += 1
    return c


class Sshd:
    """A private OpenSSH server.

    Runs `/usr/sbin/sshd -D` inside `unshare -m --propagation private` with a tmpfs on /run
    (for /run/sshd), optionally inside a network namespace. With syslog=True, sshd logs to
    a /dev/log receiver bound in its own mount namespace (tmpfs /dev with null, zero,
    urandom and random bind-mounted) which writes auth.log lines for fail2ban; otherwise
    sshd logs with -E to a file. hosts_deny (text) is bind-mounted over /etc/hosts.deny in
    sshd's namespace only (with an empty /etc/hosts.allow next to it).
    """

    def __init__(self, tmpdir, port=None, extra_config='', netns=None, listen='127.0.0.1',
                 syslog=False, hosts_deny=None, name='sshd', hostkey_types=('ed25519',),
                 authorized=()):
        self.dir = os.path.join(tmpdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.port = port or free_port()
        self.netns = netns
        self.listen = listen
        self.syslog = syslog
        self.extra_config = extra_config
        self.hostkey_types = tuple(hostkey_types)
        self.config_path = os.path.join(self.dir, 'sshd_config')
        self.authorized_keys = os.path.join(self.dir, 'authorized_keys')
        self.log_path = os.path.join(self.dir, 'auth.log' if syslog else 'sshd.log')
        self.stderr_path = os.path.join(self.dir, 'sshd.stderr')
        self.hosts_deny_path = None
        self.hosts_allow_path = None
        if hosts_deny is not None:
            self.hosts_deny_path = os.path.join(self.dir, 'hosts.deny')
            self.hosts_allow_path = os.path.join(self.dir, 'hosts.allow')
            with open(self.hosts_deny_path, 'w') as f:
                f.write(hosts_deny if hosts_deny.endswith('\n') else hosts_deny + '\n')
            with open(self.hosts_allow_path, 'w') as f:
                f.write('')
        self.devdir = os.path.join(self.dir, 'dev')
        open(self.log_path, 'a').close()
        with open(self.authorized_keys, 'w'):
            pass
        for k in authorized:
            self.authorize(k)
        for t in self.hostkey_types:
            keygen(self.hostkey_path(t), type=t, comment='bwtest-host')
        self.proc = None

    # -- keys -----------------------------------------------------------------------------
    def hostkey_path(self, type='ed25519'):
        return os.path.join(self.dir, 'ssh_host_%s_key' % type)

    def hostkey_fingerprint(self, type='ed25519'):
        return fingerprint(self.hostkey_path(type) + '.pub')

    def regenerate_hostkey(self, type='ed25519'):
        """New host key on disk; takes effect on restart() (or reload())."""
        keygen(self.hostkey_path(type), type=type, comment='bwtest-host-new')

    def known_hosts_line(self, host=None, type='ed25519', port=None):
        host = host or self.listen
        port = port or self.port
        name = host if port == 22 else '[%s]:%d' % (host, port)
        kt, blob = pubkey_text(self.hostkey_path(type)).split()[:2]
        return '%s %s %s\n' % (name, kt, blob)

    def write_known_hosts(self, path, host=None):
        with open(path, 'w') as f:
            f.write(self.known_hosts_line(host))
        return path

    def authorize(self, key_path):
        with open(self.authorized_keys, 'a') as f:
            f.write(pubkey_text(key_path) + '\n')

    def set_authorized(self, key_paths):
        """Replaces authorized_keys (sshd reads it per connection: no reload needed)."""
        with open(self.authorized_keys, 'w') as f:
            for k in key_paths:
                f.write(pubkey_text(k) + '\n')

    # -- config and life cycle ---------------------------------------------------------
    def set_extra_config(self, text):
        self.extra_config = text

    def write_config(self):
        # The extra lines come first: for most keywords sshd keeps the first value seen.
        lines = [self.extra_config.strip(), '']
        lines += ['Port %d' % self.port, 'ListenAddress %s' % self.listen]
        lines += ['HostKey %s' % self.hostkey_path(t) for t in self.hostkey_types]
        lines += [
            'AuthorizedKeysFile %s' % self.authorized_keys,
            'PidFile none',
            'StrictModes no',
            'UsePAM no',
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'LogLevel VERBOSE',
            'UseDNS no',
            'PrintMotd no',
            'Subsystem sftp internal-sftp',
        ]
        with open(self.config_path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        # `sshd -t` wants /run/sshd too: check the config in a throwaway mount namespace.
        run(['/usr/bin/unshare', '-m', '--propagation', 'private', 'sh', '-c',
             'mount -t tmpfs bwtest-run /run && mkdir /run/sshd && exec %s -t -f %s'
             % (SSHD, shlex.quote(self.config_path))], timeout=20)

    def _script(self):
        q = shlex.quote
        s = ['set -e',
             'mount -t tmpfs -o mode=755 bwtest-run /run',
             'mkdir -m 755 /run/sshd']
        if self.hosts_deny_path:
            s += ['mount --bind %s /etc/hosts.deny' % q(self.hosts_deny_path),
                  'mount --bind %s /etc/hosts.allow' % q(self.hosts_allow_path)]
        if not self.syslog:
            s += ['exec %s -D -f %s -E %s' % (SSHD, q(self.config_path), q(self.log_path))]
            return '\n'.join(s)
        os.makedirs(self.devdir, exist_ok=True)
        d = q(self.devdir)
        s += ['mount -t tmpfs -o mode=755 bwtest-dev %s' % d]
        for n in ('null', 'zero', 'urandom', 'random'):
            s += ['touch %s/%s' % (d, n), 'mount --bind /dev/%s %s/%s' % (n, d, n)]
        s += ['mount --move %s /dev' % d,
              '%s %s syslog-receiver /dev/log %s bwtest-srv </dev/null &'
              % (PYTHON, q(HELPER), q(self.log_path)),
              'i=0',
              'while [ ! -S /dev/log ]; do i=$((i+1)); [ $i -le 200 ] || exit 97; sleep 0.05; done',
              'exec %s -D -f %s' % (SSHD, q(self.config_path))]
        return '\n'.join(s)

    def start(self, timeout=15):
        self.write_config()
        mark = self.mark()
        argv = ['/usr/bin/unshare', '-m', '--propagation', 'private', 'sh', '-c', self._script()]
        if self.netns is not None:
            # setpriv goes first (Proc adds it) so that PR_SET_PDEATHSIG names us as parent.
            argv = ['ip', 'netns', 'exec', self.netns.srv] + argv
        self._stderr = open(self.stderr_path, 'ab')
        self.proc = Proc(argv, self.name, stdout=self._stderr, stderr=self._stderr)
        self.wait_ready(timeout, since=mark)
        return self

    def wait_ready(self, timeout=15, since=0):
        """Ready = the port is in LISTEN state in sshd's namespace (/proc/PID/net/tcp, no
        connect) and sshd has logged 'Server listening' (which also proves the syslog path)."""
        def ready():
            if not self.proc.alive():
                raise RuntimeError('%s exited with %s; stderr: %s; log: %s' % (
                    self.name, self.proc.popen.returncode, self._read(self.stderr_path)[-2000:],
                    '\n'.join(self.log_lines()[-20:])))
            return (self.port in listening_ports(self.proc.pid) and
                    count_log(self.log_lines()[since:])['listening'] > 0)
        wait_until(ready, timeout, what='%s listening on port %d' % (self.name, self.port))

    def stop(self):
        if self.proc is not None:
            self.proc.stop()
            self.proc = None
            self._stderr.close()

    def restart(self, timeout=15):
        self.stop()
        return self.start(timeout)

    def reload(self, timeout=15):
        """SIGHUP: sshd re-executes itself with the (re-written) config."""
        self.write_config()
        mark = self.mark()
        os.kill(self.proc.pid, signal.SIGHUP)
        self.wait_ready(timeout, since=mark)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    # -- log ---------------------------------------------------------------------------
    @staticmethod
    def _read(path):
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                return f.read()
        except FileNotFoundError:
            return ''

    def log_lines(self):
        return self._read(self.log_path).splitlines()

    def mark(self):
        """A position in the log; pass it as since= to look only at later lines."""
        return len(self.log_lines())

    def counters(self, since=0):
        return count_log(self.log_lines()[since:])

    def connections(self, since=0):
        """Log lines grouped per connection, keyed by the client 'ADDR:PORT' (sshd names
        the client endpoint in nearly every line); lines naming no endpoint are grouped by
        sshd pid in syslog mode, and under '' otherwise."""
        groups = collections.OrderedDict()
        pid_to_key = {}
        last_key = ''
        for line in self.log_lines()[since:]:
            m = RE_SYSLOG_PID.match(line)
            pid = m.group(1) if m else None
            body = line[m.end():] if m else line
            e = RE_CONN_FROM.search(body) or RE_ENDPOINT.search(body)
            if e and not body.startswith('Server listening'):
                key = '%s:%s' % (e.group(1), e.group(2))
                if pid:
                    pid_to_key[pid] = key
            elif pid:
                key = pid_to_key.get(pid, 'pid %s' % pid)
            else:
                # -E lines carry no pid: attach to the connection seen last (probes are serial).
                key = last_key
            last_key = key
            groups.setdefault(key, []).append(line)
        return groups

    def wait_log(self, pred, since=0, timeout=5, what='sshd log condition'):
        """Waits until pred(counters(since)) is true; returns the counters."""
        def check():
            c = self.counters(since)
            return c if pred(c) else None
        return wait_until(check, timeout, what=what)

    def settle(self, since=0, timeout=5, quiet=0.3):
        """Waits until every connection seen since the mark has ended in the log (a
        'Received disconnect', 'Connection closed/reset', 'Disconnected' or a drop line),
        then for `quiet` seconds without new lines. Returns the counters."""
        def done():
            for key, lines in self.connections(since).items():
                if not key:
                    continue
                text = '\n'.join(lines)
                if ('Connection from' in text and not any(s in text for s in (
                        'Received disconnect', 'Connection closed', 'Connection reset',
                        'Disconnected from', 'Disconnecting', 'drop connection',
                        'refused connect', 'Timeout before authentication',
                        'banner exchange', 'kex_exchange_identification', 'Unable to negotiate',
                        'ssh_dispatch_run_fatal', 'not allowed because'))):
                    return False
            return True
        try:
            wait_until(done, timeout, what='sshd connections to finish')
        except TimeoutError:
            pass
        n = -1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.mark()
            if m == n:
                break
            n = m
            time.sleep(quiet)
        return self.counters(since)


# ---------------------------------------------------------------------------------------
# Network namespaces
# ---------------------------------------------------------------------------------------

_netns_seq = [0]
RE_OUR_NETNS = re.compile(r'^bwt-[A-Za-z0-9]+-(\d+)-[sc]$')


def sweep_stale_netns():
    """Deletes namespaces this harness left behind when a run was SIGKILLed (its processes
    died with it through PR_SET_PDEATHSIG; namespaces cannot). Only names of our own form
    whose pid is gone and which hold no process are touched."""
    r = run(['ip', 'netns', 'list'], check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ''
        m = RE_OUR_NETNS.match(name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        if run(['ip', 'netns', 'pids', name], check=False).stdout.strip():
            continue
        run(['ip', 'netns', 'del', name], check=False)


class Netns:
    """Two namespaces joined by a veth pair: server 10.231.X.1/30, client 10.231.X.2/30, and
    (ULA, no DAD) server fd5b:7761:7463:X::1/64, client fd5b:7761:7463:X::2/64.

    Names include the test's pid; both ends of the veth are created inside the namespaces,
    so nothing appears in the host's namespace. Cleanup deletes both namespaces."""

    def __init__(self, tag):
        if _netns_seq[0] == 0:
            sweep_stale_netns()
        _netns_seq[0] += 1
        pid = os.getpid()
        self.x = (pid + 7 * _netns_seq[0]) % 250 + 1
        self.srv = 'bwt-%s-%d-s' % (tag, pid)
        self.cli = 'bwt-%s-%d-c' % (tag, pid)
        self.srv_dev, self.cli_dev = 'bwt-s', 'bwt-c'
        self.srv_ip = '10.231.%d.1' % self.x
        self.cli_ip = '10.231.%d.2' % self.x
        self.srv_ip6 = 'fd5b:7761:7463:%x::1' % self.x
        self.cli_ip6 = 'fd5b:7761:7463:%x::2' % self.x
        self._created = []
        self._cleanup = on_cleanup(self.delete)
        try:
            for ns in (self.srv, self.cli):
                run(['ip', 'netns', 'add', ns])
                self._created.append(ns)
            run(['ip', '-n', self.srv, 'link', 'add', self.srv_dev, 'type', 'veth',
                 'peer', 'name', self.cli_dev, 'netns', self.cli])
            run(['ip', '-n', self.srv, 'addr', 'add', self.srv_ip + '/30', 'dev', self.srv_dev])
            run(['ip', '-n', self.cli, 'addr', 'add', self.cli_ip + '/30', 'dev', self.cli_dev])
            run(['ip', '-n', self.srv, 'addr', 'add', self.srv_ip6 + '/64', 'dev', self.srv_dev,
                 'nodad'])
            run(['ip', '-n', self.cli, 'addr', 'add', self.cli_ip6 + '/64', 'dev', self.cli_dev,
                 'nodad'])
            for ns, dev in ((self.srv, self.srv_dev), (self.cli, self.cli_dev)):
                run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
                run(['ip', '-n', ns, 'link', 'set', dev, 'up'])
            # veth carrier comes up asynchronously; wait until the address is usable.
            wait_until(lambda: 'state UP' in run(['ip', '-n', self.cli, 'link', 'show',
                                                  self.cli_dev]).stdout,
                       5, what='veth up')
        except Exception:
            self.delete()
            raise

    def delete(self):
        cancel_cleanup(self._cleanup)
        for ns in self._created:
            run(['ip', 'netns', 'del', ns], check=False, timeout=20)
        self._created = []

    def srv_exec(self, argv, timeout=20, check=True, **kw):
        return run(['ip', 'netns', 'exec', self.srv] + list(argv), timeout=timeout, check=check, **kw)

    def cli_exec(self, argv, timeout=20, check=True, **kw):
        return run(['ip', 'netns', 'exec', self.cli] + list(argv), timeout=timeout, check=check, **kw)

    def nft(self, ruleset_text):
        """Applies a multi-line nft ruleset in the server namespace with `nft -f`."""
        fd, path = tempfile.mkstemp(prefix='bwtest-nft-', suffix='.nft')
        try:
            with os.fdopen(fd, 'w') as f:
                f.write(ruleset_text)
            self.srv_exec(['nft', '-f', path])
        finally:
            os.unlink(path)

    def _client_rule(self, port, verdict):
        self.flush()
        dport = ' tcp dport %d' % port if port else ' meta l4proto tcp'
        self.nft('table inet bwtest {\n'
                 '  chain input {\n'
                 '    type filter hook input priority 0; policy accept;\n'
                 '    ip saddr %s%s %s\n'
                 '  }\n'
                 '}\n' % (self.cli_ip, dport, verdict))

    def drop_client(self, port=None):
        self._client_rule(port, 'drop')

    def reject_client(self, port=None):
        """ICMP port-unreachable for the client's TCP (what fail2ban's nftables action does)."""
        self._client_rule(port, 'reject')

    def flush(self):
        """Removes the harness's own nft table (fail2ban's table is left alone)."""
        r = self.srv_exec(['nft', 'list', 'tables'], check=False)
        if 'table inet bwtest' in r.stdout:
            self.srv_exec(['nft', 'delete', 'table', 'inet', 'bwtest'])

    def srv_sysctl(self, name, value):
        """Sets a per-namespace sysctl in the server namespace only."""
        self.srv_exec(['sysctl', '-q', '-w', '%s=%s' % (name, value)])

    def remove_client_address(self):
        """Client loses its address and thereby its route: connects fail with ENETUNREACH."""
        self.cli_exec(['ip', 'addr', 'del', self.cli_ip + '/30', 'dev', self.cli_dev])

    def restore_client_address(self):
        r = self.cli_exec(['ip', '-4', 'addr', 'show', 'dev', self.cli_dev])
        if self.cli_ip not in r.stdout:
            self.cli_exec(['ip', 'addr', 'add', self.cli_ip + '/30', 'dev', self.cli_dev])


# ---------------------------------------------------------------------------------------
# fail2ban
# ---------------------------------------------------------------------------------------

class Fail2ban:
    """fail2ban-server with its own config dir, socket, pidfile and database, running in
    the server namespace (so its nftables ban applies there)."""

    def __init__(self, tmpdir, netns, logpath, mode='aggressive', maxretry=3, findtime=60,
                 bantime=60, port=22, name='fail2ban'):
        self.dir = os.path.join(tmpdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.netns = netns
        self.logpath = logpath
        self.sock = os.path.join(self.dir, 'fail2ban.sock')
        self.pidfile = os.path.join(self.dir, 'fail2ban.pid')
        self.log = os.path.join(self.dir, 'fail2ban.log')
        self.db = os.path.join(self.dir, 'fail2ban.sqlite3')
        for sub in ('filter.d', 'action.d'):
            shutil.copytree(os.path.join('/etc/fail2ban', sub), os.path.join(self.dir, sub))
        for f in os.listdir('/etc/fail2ban'):
            if f.startswith('paths-') or f == 'jail.conf':
                shutil.copy(os.path.join('/etc/fail2ban', f), self.dir)
        with open(os.path.join(self.dir, 'fail2ban.conf'), 'w') as f:
            f.write('[Definition]\nloglevel = INFO\nlogtarget = %s\nsocket = %s\npidfile = %s\n'
                    'dbfile = %s\ndbpurgeage = 1d\ndbmaxmatches = 10\n\n[Thread]\n'
                    % (self.log, self.sock, self.pidfile, self.db))
        with open(os.path.join(self.dir, 'jail.local'), 'w') as f:
            f.write('[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\nusedns = no\n'
                    'banaction = nftables-multiport\nbanaction_allports = nftables-allports\n\n'
                    '[sshd]\nenabled = true\nfilter = sshd[mode=%s]\nbackend = polling\n'
                    'logpath = %s\nport = %d\nmaxretry = %d\nfindtime = %d\nbantime = %d\n'
                    % (mode, logpath, port, maxretry, findtime, bantime))
        self.proc = None

    def start(self, timeout=30):
        argv = ['ip', 'netns', 'exec', self.netns.srv,
                'fail2ban-server', '-f', '-x', '-c', self.dir, '-s', self.sock, '-p', self.pidfile,
                '--logtarget', self.log]
        self._out = open(os.path.join(self.dir, 'server.out'), 'ab')
        self.proc = Proc(argv, 'fail2ban', stdout=self._out, stderr=self._out)
        self.wait_ready(timeout)
        return self

    def client(self, *args, timeout=15, check=True):
        return run(['fail2ban-client', '-c', self.dir, '-s', self.sock] + list(args),
                   timeout=timeout, check=check)

    def wait_ready(self, timeout=30):
        def ready():
            if not self.proc.alive():
                raise RuntimeError('fail2ban-server exited: %s' % self.log_text()[-3000:])
            return self.client('status', 'sshd', check=False, timeout=10).returncode == 0
        wait_until(ready, timeout, interval=0.2, what='fail2ban jail sshd')

    def status(self):
        out = self.client('status', 'sshd').stdout

        def num(label):
            m = re.search(label + r':\s*(\d+)', out)
            return int(m.group(1)) if m else None
        m = re.search(r'Banned IP list:[ \t]*(.*)', out)
        return {'currently_failed': num('Currently failed'), 'total_failed': num('Total failed'),
                'currently_banned': num('Currently banned'), 'total_banned': num('Total banned'),
                'banned': m.group(1).split() if m else [], 'raw': out}

    def banip(self, ip):
        self.client('set', 'sshd', 'banip', ip)

    def unbanip(self, ip):
        self.client('set', 'sshd', 'unbanip', ip)

    def nft_has(self, ip):
        r = self.netns.srv_exec(['nft', 'list', 'ruleset'], check=False)
        return ip in r.stdout

    def wait_failed(self, n, timeout=15):
        return wait_until(lambda: (lambda s: s if s['total_failed'] >= n else None)(self.status()),
                          timeout, interval=0.2, what='fail2ban total failed >= %d' % n)

    def log_text(self):
        return Sshd._read(self.log)

    def stop(self):
        if self.proc is not None:
            self.client('stop', check=False, timeout=15)
            try:
                self.proc.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.proc.stop()
            self.proc = None
            self._out.close()


# ---------------------------------------------------------------------------------------
# Fake endpoints, held connections, agent
# ---------------------------------------------------------------------------------------

class FakeListener:
    """A TCP listener on 127.0.0.1 for what a real sshd can't do on demand:
    'silent' accepts and never speaks; 'banner-then-close' sends an OpenSSH banner, reads
    the client's banner line, then closes."""

    BANNER = b'SSH-2.0-OpenSSH_9.9\r\n'

    def __init__(self, kind):
        assert kind in ('silent', 'banner-then-close')
        self.kind = kind
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.client_banners = []
        self._held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        self._cleanup = on_cleanup(self.stop)

    def _loop(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self.sock], [], [], 0.1)
            if not r:
                continue
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            if self.kind == 'silent':
                self._held.append(conn)
                continue
            try:
                conn.settimeout(5)
                conn.sendall(self.BANNER)
                data = b''
                deadline = time.monotonic() + 5
                while b'\n' not in data and time.monotonic() < deadline:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                self.client_banners.append(data.split(b'\n')[0].decode('ascii', 'replace').strip())
            except OSError:
                pass
            finally:
                conn.close()

    def stop(self):
        cancel_cleanup(self._cleanup)
        self._stop.set()
        self._thread.join(timeout=5)
        for c in self._held:
            c.close()
        self.sock.close()


class HeldConnection:
    """Opens and holds one pre-auth TCP connection (waits for the server's banner, which
    proves sshd accepted and counted it). With netns, it is opened from the client
    namespace by a helper process."""

    def __init__(self, addr, port, netns=None, timeout=10):
        self.banner = None
        self.sock = None
        self.proc = None
        self._cleanup = on_cleanup(self.close)
        if netns is None:
            self.sock = socket.create_connection((addr, port), timeout=timeout)
            self.sock.settimeout(timeout)
            data = b''
            deadline = time.monotonic() + timeout
            while b'\n' not in data and time.monotonic() < deadline:
                chunk = self.sock.recv(256)
                if not chunk:
                    break
                data += chunk
            self.banner = data.decode('ascii', 'replace').strip()
        else:
            self.proc = Proc(['ip', 'netns', 'exec', netns.cli, PYTHON, HELPER, 'hold', addr,
                              str(port)], 'hold', stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
            r, _, _ = select.select([self.proc.popen.stdout], [], [], timeout)
            line = self.proc.popen.stdout.readline().decode() if r else ''
            self.banner = line[5:].strip() if line.startswith('held ') else ''
        if not self.banner.startswith('SSH-'):
            self.close()
            raise RuntimeError('held connection to %s:%d got no banner (%r)' % (addr, port, self.banner))

    def close(self):
        cancel_cleanup(self._cleanup)
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            self.proc.stop(grace=2)
            self.proc = None


def bare_connect(addr, port, netns=None):
    """One bare TCP connect+close (from the client namespace with netns)."""
    if netns is None:
        socket.create_connection((addr, port), timeout=5).close()
    else:
        netns.cli_exec([PYTHON, HELPER, 'connect', addr, str(port)], timeout=15)


class Agent:
    """A real ssh-agent (-D, own socket), stopped by pid."""

    def __init__(self, tmpdir=None, keys=()):
        self.dir = tempfile.mkdtemp(prefix='bwtest-agent-', dir=tmpdir or '/tmp')
        self._own_dir = tmpdir is None
        self.sock = os.path.join(self.dir, 'agent.sock')
        self.proc = Proc(['ssh-agent', '-D', '-a', self.sock], 'ssh-agent',
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(self.sock), 10, what='ssh-agent socket')
        for k in keys:
            self.add(k)

    def env(self):
        return dict(os.environ, SSH_AUTH_SOCK=self.sock)

    def add(self, key):
        run(['ssh-add', '-q', key], env=self.env(), timeout=15)

    def list(self):
        r = run(['ssh-add', '-l'], env=self.env(), timeout=15, check=False)
        return [l for l in r.stdout.splitlines() if l.strip()]

    def stop(self):
        self.proc.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# Running banwatch
# ---------------------------------------------------------------------------------------

class ProbeRun(collections.namedtuple('ProbeRunBase', 'rc out err wall json')):
    """(exit code or None if killed, stdout, stderr, wall seconds, parsed JSON or None);
    .argv holds the command line that ran."""
    argv = ()


def banwatch_env(tmpdir, extra=None):
    base = os.path.join(tmpdir, 'xdg')
    env = {k: v for k, v in os.environ.items() if not k.startswith(('SSH_', 'XDG_'))}
    env.update(LC_ALL='C.UTF-8', LANG='C.UTF-8', LANGUAGE='',
               XDG_DATA_HOME=os.path.join(base, 'data'), XDG_CONFIG_HOME=os.path.join(base, 'config'),
               XDG_STATE_HOME=os.path.join(base, 'state'), XDG_CACHE_HOME=os.path.join(base, 'cache'),
               XDG_RUNTIME_DIR=os.path.join(base, 'runtime'))
    for k in ('XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR'):
        os.makedirs(env[k], mode=0o700, exist_ok=True)
    env.pop('DISPLAY', None)
    env.pop('WAYLAND_DISPLAY', None)
    env.pop('DBUS_SESSION_BUS_ADDRESS', None)
    if extra:
        env.update(extra)
    return env


def run_banwatch(args, netns=None, timeout=None, tmpdir=None, env=None, pass_fds=(),
                 bind_mounts=(), stdin_data=None):
    """Runs $BANWATCH ARGS, optionally inside the client namespace (`ip netns exec`) and/or
    a private mount namespace with bind mounts [(source, target)] (e.g. a fake home over
    the real one). Returns ProbeRun(rc, out, err, wall, json, argv); rc is None when the
    hard timeout killed it. The hard timeout defaults to --timeout + 10 s."""
    exe = os.environ['BANWATCH']
    args = [str(a) for a in args]
    argv = [exe] + args
    if bind_mounts:
        script = ' && '.join('mount --bind %s %s' % (shlex.quote(s), shlex.quote(t))
                             for s, t in bind_mounts) + ' && exec "$@"'
        argv = ['/usr/bin/unshare', '-m', '--propagation', 'private', 'sh', '-c', script,
                'sh'] + argv
    if netns is not None:
        argv = ['ip', 'netns', 'exec', netns.cli if isinstance(netns, Netns) else netns] + argv
    if timeout is None:
        t = 30
        for i, a in enumerate(args):
            if a == '--timeout' and i + 1 < len(args) and args[i + 1].isdigit():
                t = int(args[i + 1])
            elif a.startswith('--timeout=') and a[10:].isdigit():
                t = int(a[10:])
        timeout = min(t, 300) + 10
    if env is None:
        env = banwatch_env(tmpdir or tempfile.gettempdir())
    start = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                         pass_fds=pass_fds, start_new_session=True)
    entry = on_cleanup(lambda: _kill_group(p))
    try:
        out, err = p.communicate(input=stdin_data.encode() if stdin_data is not None else None,
                                 timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        _kill_group(p)
        out, err = p.communicate(timeout=5)
        rc = None
    finally:
        cancel_cleanup(entry)
    wall = time.monotonic() - start
    out = out.decode('utf-8', 'replace')
    err = err.decode('utf-8', 'replace')
    parsed = None
    if '--json' in args and out.strip():
        try:
            parsed = jsonlib.loads(out)
        except ValueError:
            parsed = None
    result = ProbeRun(rc, out, err, wall, parsed)
    result.argv = argv
    return result


def _kill_group(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def probe_args(host, port=None, user='root', key=None, timeout=10, known_hosts=None,
               accept_new=False, json=True, passphrase_fd=None, extra=()):
    a = ['probe', '--host', host]
    if port is not None:
        a += ['--port', str(port)]
    a += ['--user', user]
    if key is not None:
        a += ['--key', key]
    if passphrase_fd is not None:
        a += ['--passphrase-fd', str(passphrase_fd)]
    if timeout is not None:
        a += ['--timeout', str(timeout)]
    if known_hosts is not None:
        a += ['--known-hosts', known_hosts]
    if accept_new:
        a.append('--accept-new-hostkey')
    if json:
        a.append('--json')
    return a + list(extra)


def probe(host, port=None, user='root', key=None, timeout=10, known_hosts=None,
          accept_new=False, passphrase=None, netns=None, tmpdir=None, env=None, bind_mounts=(),
          extra=(), json=True):
    """Runs `banwatch probe … --json`; passphrase (str) is fed through --passphrase-fd."""
    fds = ()
    r_fd = None
    if passphrase is not None:
        r_fd, w_fd = os.pipe()
        os.write(w_fd, (passphrase + '\n').encode())
        os.close(w_fd)
        fds = (r_fd,)
    try:
        return run_banwatch(probe_args(host, port, user, key, timeout, known_hosts, accept_new,
                                       json, r_fd, extra),
                            netns=netns, tmpdir=tmpdir, env=env, pass_fds=fds,
                            bind_mounts=bind_mounts)
    finally:
        if r_fd is not None:
            os.close(r_fd)


def contract_problems(r, observation, timeout=10, host=None, port=None, user=None,
                      phase='auto', fingerprint=None, banner=None, address=None,
                      hostkey_stored=None, min_wall=None):
    """Everything wrong with one probe run against the documented contract."""
    p = []
    if r.rc is None:
        p.append('hung: killed after %.1fs' % r.wall)
    elif r.rc != EXIT_CODES[observation]:
        p.append('exit code %s, want %d for %s' % (r.rc, EXIT_CODES[observation], observation))
    if timeout is not None and r.wall > timeout + 1:
        p.append('took %.2fs, more than --timeout %d + 1 s' % (r.wall, timeout))
    if min_wall is not None and r.wall < min_wall:
        p.append('took only %.2fs, expected at least %.1fs' % (r.wall, min_wall))
    j = r.json
    if not isinstance(j, dict):
        p.append('stdout is not one JSON object: %r' % r.out[:300])
        return p
    missing = [k for k in JSON_KEYS if k not in j]
    if missing:
        p.append('JSON lacks %s' % ', '.join(missing))
    if j.get('observation') != observation:
        p.append('observation %r, want %r' % (j.get('observation'), observation))
    want_phase = EXPECTED_PHASE.get(observation) if phase == 'auto' else phase
    if j.get('phase') not in PHASES:
        p.append('phase %r is not a documented phase' % j.get('phase'))
    elif want_phase is not None and j.get('phase') != want_phase:
        p.append('phase %r, want %r' % (j.get('phase'), want_phase))
    if not isinstance(j.get('message'), str) or not j.get('message').strip():
        p.append('message empty')
    if j.get('hint') is not None and not isinstance(j.get('hint'), str):
        p.append('hint is neither a string nor null')
    want_auth = 1 if observation in AUTH_OBSERVATIONS else 0
    if j.get('auth_requests') != want_auth:
        p.append('auth_requests %r, want %d' % (j.get('auth_requests'), want_auth))
    if host is not None and j.get('host') != host:
        p.append('host %r, want %r' % (j.get('host'), host))
    if port is not None and j.get('port') != port:
        p.append('port %r, want %r' % (j.get('port'), port))
    if user is not None and j.get('user') != user:
        p.append('user %r, want %r' % (j.get('user'), user))
    if address is not None and j.get('address') != address:
        p.append('address %r, want %r' % (j.get('address'), address))
    if not isinstance(j.get('hostkey_stored'), bool):
        p.append('hostkey_stored %r is not a bool' % j.get('hostkey_stored'))
    elif hostkey_stored is not None and j.get('hostkey_stored') != hostkey_stored:
        p.append('hostkey_stored %r, want %r' % (j.get('hostkey_stored'), hostkey_stored))
    t = j.get('timings_ms')
    if not isinstance(t, dict):
        p.append('timings_ms is not an object')
    else:
        for k in TIMING_KEYS:
            if k not in t:
                p.append('timings_ms lacks %s' % k)
            elif t[k] is not None and (not isinstance(t[k], int) or t[k] < 0):
                p.append('timings_ms.%s = %r is not a non-negative integer' % (k, t[k]))
        if t.get('total') is None:
            p.append('timings_ms.total is null')
        elif r.rc is not None and t['total'] > r.wall * 1000 + 50:
            p.append('timings_ms.total %d exceeds the wall time %.0f ms' % (t['total'], r.wall * 1000))
        if observation == 'ok':
            nulls = [k for k in TIMING_KEYS if t.get(k) is None and k != 'resolve']
            if nulls:
                p.append('ok but timings %s are null' % ', '.join(nulls))
        if j.get('phase') in PHASES:
            fail_at = PHASES.index(j['phase'])
            for k in ('resolve', 'connect', 'banner', 'kex', 'auth', 'exec'):
                if PHASES.index(k) > fail_at and t.get(k) is not None:
                    p.append('timings_ms.%s = %r for a phase not reached (failed in %s)'
                             % (k, t.get(k), j['phase']))
    if observation in NO_BANNER_OBSERVATIONS:
        if j.get('banner') is not None:
            p.append('banner %r for %s' % (j.get('banner'), observation))
        if j.get('fingerprint') is not None:
            p.append('fingerprint %r for %s' % (j.get('fingerprint'), observation))
    elif not (isinstance(j.get('banner'), str) and j['banner'].startswith('SSH-')):
        p.append('banner %r, want the server identification' % j.get('banner'))
    if banner is not None and j.get('banner') != banner:
        p.append('banner %r, want %r' % (j.get('banner'), banner))
    if observation in ('ok', 'auth-rejected', 'auth-partial', 'hostkey-unknown', 'hostkey-changed'):
        if not (isinstance(j.get('fingerprint'), str) and j['fingerprint'].startswith('SHA256:')):
            p.append('fingerprint %r, want SHA256:…' % j.get('fingerprint'))
    if fingerprint is not None and j.get('fingerprint') != fingerprint:
        p.append('fingerprint %r, want %r' % (j.get('fingerprint'), fingerprint))
    if observation in ('key-unusable', 'dns-failed') and j.get('address') is not None:
        p.append('address %r for %s' % (j.get('address'), observation))
    return p


def describe_run(r):
    lines = ['command: %s' % shlex.join(r.argv), 'exit: %s  wall: %.2fs' % (r.rc, r.wall)]
    if r.out.strip():
        lines.append('stdout: %s' % r.out.strip()[:2000])
    if r.err.strip():
        lines.append('stderr: %s' % r.err.strip()[:2000])
    return lines


# ---------------------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------------------

class Tap:
    """Minimal TAP producer: `ok N - name` / `not ok N - name` with `#` diagnostics, and the
    plan `1..N` at the end."""

    def __init__(self):
        self.n = 0
        self.failed = []
        print('TAP version 13')
        sys.stdout.flush()

    def diag(self, *lines):
        for text in lines:
            for line in str(text).splitlines() or ['']:
                print('# ' + line)
        sys.stdout.flush()

    def ok(self, cond, name, diag=(), todo=None):
        """One subtest. todo='reason' marks a known gap: reported, never a failure."""
        self.n += 1
        name = ' '.join(str(name).split()).replace('#', '\\#')
        directive = ' # TODO %s' % ' '.join(todo.split()) if todo else ''
        print('%s %d - %s%s' % ('ok' if cond else 'not ok', self.n, name, directive))
        if not cond:
            if not todo:
                self.failed.append(name)
            if isinstance(diag, str):
                diag = [diag]
            self.diag(*diag)
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, name, diag=()):
        d = ['got:  %r' % (got,), 'want: %r' % (want,)]
        d += [diag] if isinstance(diag, str) else list(diag)
        return self.ok(got == want, name, d)

    def contract(self, r, observation, name, sshd=None, since=None, **kw):
        """One subtest: the run obeys the probe contract for `observation`."""
        problems = contract_problems(r, observation, **kw)
        d = problems + describe_run(r)
        if problems and sshd is not None and since is not None:
            d += ['sshd log since mark:'] + ['  ' + l for l in sshd.log_lines()[since:][-40:]]
        return self.ok(not problems, '%s (%s, %.2fs)' % (name, observation, r.wall), d)

    def finish(self):
        print('1..%d' % self.n)
        if self.failed:
            print('# %d of %d failed: %s' % (len(self.failed), self.n, '; '.join(self.failed)))
        sys.stdout.flush()
        return 1 if self.failed else 0


def main(body, binaries=(), need_netns=False, deadline=270):
    """Runs body(t, tmpdir) as one TAP test file with full cleanup. A missing requirement
    fails under CI=true and skips otherwise; an exception is a failed subtest."""
    try:
        check_requirements(binaries, need_banwatch=True, need_netns=need_netns)
    except Requirement as e:
        skip_or_fail(str(e))
    install_signal_handlers()

    def on_alarm(signum, frame):
        raise TimeoutError('test file exceeded its %d s deadline' % deadline)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(deadline)
    t = Tap()
    tmpdir = tempfile.mkdtemp(prefix='bwtest-%s-' % os.path.splitext(os.path.basename(sys.argv[0]))[0],
                              dir='/tmp')
    os.chmod(tmpdir, 0o755)
    t.diag('tmpdir: %s' % tmpdir, 'banwatch: %s' % os.environ.get('BANWATCH'))
    try:
        body(t, tmpdir)
    except BaseException as e:
        t.ok(False, 'test body raised %s: %s' % (type(e).__name__, str(e).splitlines()[0] if str(e) else ''),
             traceback.format_exc())
    finally:
        signal.alarm(0)
        run_cleanups()
        if t.failed and os.environ.get('BW_TEST_KEEP_ON_FAILURE', '1') == '1':
            t.diag('kept for inspection: %s' % tmpdir)
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
    sys.exit(t.finish())


def home_dir():
    """The home libssh finds (getpwuid, not $HOME)."""
    return pwd.getpwuid(os.getuid()).pw_dir


def server_expect(t, sshd, since, name, settle=True, **want):
    """One subtest comparing sshd's counters since `since` with want (e.g.
    accepted_publickey=1, failed_publickey=0, accepted_fingerprints=['SHA256:…'])."""
    c = sshd.settle(since) if settle else sshd.counters(since)
    bad = ['%s = %r, want %r' % (k, c.get(k), v) for k, v in want.items() if c.get(k) != v]
    d = bad + ['sshd (%s) log since mark:' % sshd.name] + ['  ' + l for l in sshd.log_lines()[since:][-40:]]
    return t.ok(not bad, name, d)
