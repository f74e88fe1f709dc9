# SPDX-License-Identifier: GPL-3.0-or-later
"""A private desktop session for Banwatch's keyring tests (stdlib only, /usr/bin/python3).

DesktopSession(tmpdir) starts:
  * a dbus-daemon with its OWN configuration: session bus, `unix:dir=` inside tmpdir,
    EXTERNAL auth, allow-all policy and no <servicedir> at all, so nothing is ever
    bus-activated (Debian's default session config would activate a locked gnome-keyring
    whose first libsecret call hangs on an invisible "create keyring" prompt);
  * with keyring=True, `gnome-keyring-daemon --foreground --unlock --components=secrets`,
    the password on stdin from a file, and waits until the `login` collection exists, is
    unlocked and is the `default` alias (the bus name appears ~10 ms earlier, and a store
    in that gap fails). keyring=False leaves a bus with no Secret Service at all.

Everything lives in tmpdir: XDG_RUNTIME_DIR, XDG_DATA_HOME (keyrings/), XDG_CONFIG_HOME,
XDG_STATE_HOME, XDG_CACHE_HOME and HOME. `session.env` is the environment for every child.
Processes are started through bwtest.Proc (own process group, PR_SET_PDEATHSIG) and ended by
pid in stop(), which also runs from bwtest's cleanup registry.

Lock/unlock: lock() calls org.freedesktop.Secret.Service.Lock on the login collection over
`gdbus call`; unlock() sends the password over gnome-keyring's control socket
($XDG_RUNTIME_DIR/keyring/control, the protocol pam_gnome_keyring uses), because the
D-Bus Unlock method needs an interactive prompt and there is no prompter in this session.
"""

import collections
import hashlib
import json as jsonlib
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402

SCHEMA = 'io.github.banwatch.Banwatch.Site'
SECRETS_NAME = 'org.freedesktop.secrets'
SERVICE_PATH = '/org/freedesktop/secrets'
LOGIN_PATH = '/org/freedesktop/secrets/collection/login'
SITE_ATTRIBUTES = ('id', 'name', 'host', 'port', 'user', 'key-path', 'provider', 'notes')

DESKTOP_BINARIES = ('/usr/bin/dbus-daemon', '/usr/bin/gnome-keyring-daemon',
                    '/usr/bin/secret-tool', '/usr/bin/gdbus')

# Messages of the contract (exact substrings).
MSG_NO_SERVICE = 'No Secret Service is available'
MSG_NO_BUS = 'No D-Bus session bus'
MSG_LOCKED = "The keyring holding Banwatch's sites is locked"
EXIT_OK, EXIT_USAGE, EXIT_INTERNAL, EXIT_NO_SITE = 0, 2, 3, 4
EXIT_NO_KEYRING, EXIT_LOCKED, EXIT_WRITE = 5, 6, 7

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Banwatch test bus: no <servicedir>, so nothing is ever bus-activated. -->
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir=%(dir)s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <!-- The limits of Debian's session.conf: the built-in defaults are far lower (e.g. 128
       pending replies per connection, which libsecret exceeds when it loads 200 items). -->
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_incoming_unix_fds">250000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_outgoing_unix_fds">250000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="service_start_timeout">120000</limit>
  <limit name="auth_timeout">240000</limit>
  <limit name="pending_fd_timeout">150000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_incomplete_connections">10000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_pending_service_starts">10000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
"""

# Environment variables that would let a child reach the real user's session.
_SCRUB_PREFIXES = ('DBUS_', 'XDG_', 'SSH_', 'GNOME_KEYRING', 'SECRET_', 'GPG_AGENT')
_SCRUB = ('DISPLAY', 'WAYLAND_DISPLAY', 'XAUTHORITY', 'SESSION_MANAGER', 'DESKTOP_SESSION',
          'GIO_LAUNCHED_DESKTOP_FILE', 'GSETTINGS_BACKEND')


class SessionError(RuntimeError):
    pass


def desktop_requirements():
    """Raises bwtest.Requirement when the session cannot be built here."""
    for b in DESKTOP_BINARIES:
        if not os.access(b, os.X_OK):
            raise B.Requirement('missing binary: %s (packages dbus-daemon, gnome-keyring, '
                                'libsecret-tools, libglib2.0-bin)' % b)


def _gvariant_bool(text):
    m = re.search(r'<(true|false)>', text)
    return None if not m else m.group(1) == 'true'


class Item(collections.namedtuple('ItemBase', 'path label secret schema attributes')):
    """One Secret Service item as `secret-tool search --all` shows it (attributes: dict)."""


def parse_search(text):
    """Parses `secret-tool search --all` output (stdout and stderr merged in order) into
    Items. Values that continue on the next lines (a note with line breaks) are joined."""
    items = []
    cur = None
    last = None
    for line in text.split('\n'):
        m = re.match(r'^\[(/[^\]]*)\]$', line)
        if m:
            cur = {'path': m.group(1), 'label': None, 'secret': None, 'schema': None,
                   'attributes': {}, 'created': None, 'modified': None}
            items.append(cur)
            last = None
            continue
        if cur is None:
            continue
        m = re.match(r'^attribute\.([^ ]+) = (.*)$', line)
        if m:
            cur['attributes'][m.group(1)] = m.group(2)
            last = ('attr', m.group(1))
            continue
        m = re.match(r'^(label|secret|schema|created|modified) = (.*)$', line)
        if m:
            cur[m.group(1)] = m.group(2)
            last = ('field', m.group(1))
            continue
        if last is not None and line != '':
            kind, key = last
            if kind == 'attr':
                cur['attributes'][key] += '\n' + line
            else:
                cur[key] = (cur[key] or '') + '\n' + line
        elif last is not None and line == '':
            # An empty line inside a multi-line value, or the end of the output.
            kind, key = last
            if kind == 'attr':
                cur['attributes'][key] += '\n'
            else:
                cur[key] = (cur[key] or '') + '\n'
    out = []
    for c in items:
        # Trailing newlines added by the output's own final newline are not part of values.
        attrs = {k: v.rstrip('\n') if v.endswith('\n') else v for k, v in c['attributes'].items()}
        out.append(Item(c['path'], c['label'], c['secret'], c['schema'], attrs))
    return out


class DesktopSession:
    """See the module docstring. Use as a context manager or call stop()."""

    def __init__(self, tmpdir, keyring=True, locked=False, password='test', name='desktop',
                 unlock=True):
        """keyring=False: a bus with no Secret Service. unlock=False: gnome-keyring runs
        without --unlock and without any keyring file, so there is no `login` collection
        and no `default` alias (a fresh account before its first login)."""
        self.dir = os.path.join(tmpdir, name)
        self.password = password
        self.keyring = keyring
        self.unlock_at_start = unlock
        self.frozen = False
        self.bus_proc = None
        self.keyring_proc = None
        self.address = None
        self._logs = []
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.paths = {}
        for k in ('runtime', 'data', 'config', 'state', 'cache', 'home', 'bus'):
            p = os.path.join(self.dir, k)
            os.makedirs(p, mode=0o700, exist_ok=True)
            os.chmod(p, 0o700)
            self.paths[k] = p
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB}
        env.update(LC_ALL='C.UTF-8', LANG='C.UTF-8', LANGUAGE='',
                   HOME=self.paths['home'],
                   XDG_RUNTIME_DIR=self.paths['runtime'],
                   XDG_DATA_HOME=self.paths['data'],
                   XDG_CONFIG_HOME=self.paths['config'],
                   XDG_STATE_HOME=self.paths['state'],
                   XDG_CACHE_HOME=self.paths['cache'],
                   GSETTINGS_BACKEND='memory',
                   NO_AT_BRIDGE='1')
        self.env = env
        self._cleanup = B.on_cleanup(self.stop)
        started = time.monotonic()
        try:
            self._start_bus()
            if keyring:
                self._start_keyring()
                if locked:
                    self.lock()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    # -- context manager ------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- bus ------------------------------------------------------------------------------
    def _start_bus(self, timeout=10):
        conf = os.path.join(self.dir, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG % {'dir': self.paths['bus']})
        log = open(os.path.join(self.dir, 'dbus-daemon.log'), 'ab')
        self._logs.append(log)
        self.bus_proc = B.Proc(['/usr/bin/dbus-daemon', '--config-file=' + conf, '--nofork',
                                '--nopidfile', '--print-address=1'],
                               'dbus-daemon', stdout=subprocess.PIPE, stderr=log, env=self.env)
        out = self.bus_proc.popen.stdout
        deadline = time.monotonic() + timeout
        buf = b''
        while b'\n' not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.bus_proc.alive():
                raise SessionError('dbus-daemon gave no address within %ss (alive: %s); log: %s'
                                   % (timeout, self.bus_proc.alive(), self.log_text('dbus-daemon.log')))
            r, _, _ = select.select([out], [], [], min(left, 0.2))
            if r:
                chunk = os.read(out.fileno(), 4096)
                if not chunk:
                    continue
                buf += chunk
        self.address = buf.split(b'\n')[0].decode().strip()
        if not self.address.startswith('unix:'):
            raise SessionError('dbus-daemon printed an unexpected address %r' % self.address)
        self.env['DBUS_SESSION_BUS_ADDRESS'] = self.address
        # The bus answers: a bounded round trip.
        r = self.gdbus_call('org.freedesktop.DBus', '/org/freedesktop/DBus',
                            'org.freedesktop.DBus.GetId')
        if r.returncode != 0:
            raise SessionError('private bus does not answer: %s' % r.stderr.strip())

    # -- keyring --------------------------------------------------------------------------
    def _start_keyring(self, timeout=15):
        if not self.unlock_at_start:
            log = open(os.path.join(self.dir, 'gnome-keyring.log'), 'ab')
            self._logs.append(log)
            self.keyring_proc = B.Proc(['/usr/bin/gnome-keyring-daemon', '--foreground',
                                        '--components=secrets'],
                                       'gnome-keyring-daemon', stdout=log, stderr=log, env=self.env)

            def answers():
                if not self.keyring_proc.alive():
                    raise SessionError('gnome-keyring-daemon exited; log: %s'
                                       % self.log_text('gnome-keyring.log'))
                r = self.gdbus_call(SECRETS_NAME, SERVICE_PATH, 'org.freedesktop.DBus.Properties.Get',
                                    'org.freedesktop.Secret.Service', 'Collections')
                return r.returncode == 0
            B.wait_until(answers, timeout, what='Secret Service answering')
            return
        pwfile = os.path.join(self.dir, 'keyring-password')
        with open(pwfile, 'w') as f:
            f.write(self.password)
        os.chmod(pwfile, 0o600)
        log = open(os.path.join(self.dir, 'gnome-keyring.log'), 'ab')
        self._logs.append(log)
        with open(pwfile, 'rb') as stdin:
            self.keyring_proc = B.Proc(['/usr/bin/gnome-keyring-daemon', '--foreground',
                                        '--unlock', '--components=secrets'],
                                       'gnome-keyring-daemon', stdin=stdin, stdout=log, stderr=log,
                                       env=self.env)
        self.wait_keyring_ready(timeout)

    def keyring_state(self):
        """(default alias path or None, login collection Locked bool or None)."""
        r = self.gdbus_call(SECRETS_NAME, SERVICE_PATH, 'org.freedesktop.Secret.Service.ReadAlias',
                            'default')
        alias = None
        if r.returncode == 0:
            m = re.search(r"objectpath '([^']*)'", r.stdout)
            alias = m.group(1) if m else None
        locked = self.collection_locked()
        return alias, locked

    def collection_locked(self, path=LOGIN_PATH):
        r = self.gdbus_call(SECRETS_NAME, path, 'org.freedesktop.DBus.Properties.Get',
                            'org.freedesktop.Secret.Collection', 'Locked')
        return _gvariant_bool(r.stdout) if r.returncode == 0 else None

    def wait_keyring_ready(self, timeout=15):
        state = [None]

        def ready():
            if self.keyring_proc is None or not self.keyring_proc.alive():
                raise SessionError('gnome-keyring-daemon exited; log: %s'
                                   % self.log_text('gnome-keyring.log'))
            state[0] = self.keyring_state()
            return state[0] == (LOGIN_PATH, False)
        try:
            B.wait_until(ready, timeout, interval=0.05, what='login collection unlocked as default')
        except TimeoutError as e:
            raise SessionError('%s (last state: alias, locked = %r); log: %s'
                               % (e, state[0], self.log_text('gnome-keyring.log')))

    def lock(self):
        """Locks the login collection (no prompt needed) and checks that it is locked."""
        r = self.gdbus_call(SECRETS_NAME, SERVICE_PATH, 'org.freedesktop.Secret.Service.Lock',
                            "['%s']" % LOGIN_PATH)
        if r.returncode != 0:
            raise SessionError('Lock failed: %s' % r.stderr.strip())
        B.wait_until(lambda: self.collection_locked() is True, 5, what='login collection locked')

    def unlock(self, password=None, timeout=5):
        """Unlocks the login collection through gnome-keyring's control socket."""
        pw = (self.password if password is None else password).encode()
        path = os.path.join(self.paths['runtime'], 'keyring', 'control')
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            s.sendall(b'\0')  # the credentials byte (the server reads SO_PEERCRED)
            body = struct.pack('>II', 1, len(pw)) + pw  # GKD_CONTROL_OP_UNLOCK, string
            s.sendall(struct.pack('>I', len(body) + 4) + body)
            data = b''
            while len(data) < 8:
                chunk = s.recv(64)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        if len(data) < 8:
            raise SessionError('keyring control socket closed early (%r)' % data)
        code = struct.unpack('>II', data[:8])[1]
        if code != 0:
            raise SessionError('keyring control socket refused to unlock (result %d)' % code)
        B.wait_until(lambda: self.collection_locked() is False, 5, what='login collection unlocked')

    def freeze_keyring(self):
        """SIGSTOP gnome-keyring-daemon: the bus name stays owned but nothing answers (what
        a daemon blocked on an invisible prompt looks like to a client)."""
        with open('/proc/%d/comm' % self.keyring_proc.pid) as f:
            comm = f.read().strip()
        if not comm.startswith('gnome-keyring'):
            raise SessionError('pid %d is %r, not gnome-keyring-daemon' % (self.keyring_proc.pid, comm))
        os.kill(self.keyring_proc.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw_keyring(self):
        if self.frozen and self.keyring_proc is not None:
            os.kill(self.keyring_proc.pid, signal.SIGCONT)
        self.frozen = False

    def restart_keyring(self, timeout=15):
        """Stops gnome-keyring-daemon and starts it again on the same files (proves the
        sites are on disk, not only in the daemon's memory)."""
        if self.keyring_proc is not None:
            self.keyring_proc.stop()
            self.keyring_proc = None
        # The old daemon's bus name must be gone before readiness means the new one.
        B.wait_until(lambda: self.gdbus_call('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                             'org.freedesktop.DBus.NameHasOwner', SECRETS_NAME
                                             ).stdout.strip() == '(false,)',
                     5, what='old keyring daemon gone from the bus')
        self._start_keyring(timeout)

    # -- running things in the session -------------------------------------------------------
    def gdbus_call(self, dest, path, method, *args, timeout=5):
        argv = ['/usr/bin/gdbus', 'call', '--session', '--timeout', str(int(timeout)),
                '--dest', dest, '--object-path', path, '--method', method, '--'] + list(args)
        try:
            return subprocess.run(argv, env=self.env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=timeout + 5)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(argv, None, '', 'gdbus call timed out')

    def run(self, argv, input=None, timeout=20, env=None, cwd=None):
        """Runs argv in the session (bounded); returns CompletedProcess (returncode None if
        it was killed by the timeout)."""
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.Popen(argv, env=e, cwd=cwd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = p.communicate(input=input.encode() if isinstance(input, str) else input,
                                     timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            out, err = p.communicate(timeout=5)
            rc = None
        return subprocess.CompletedProcess(argv, rc, out.decode('utf-8', 'replace'),
                                           err.decode('utf-8', 'replace'))

    def secret_tool(self, args, input=None, timeout=10, merge=False):
        """`secret-tool ARGS` in the session. merge=True puts stderr into stdout in write
        order (secret-tool search prints attributes on stderr, the rest on stdout)."""
        argv = ['/usr/bin/secret-tool'] + [str(a) for a in args]
        if not merge:
            return self.run(argv, input=input, timeout=timeout)
        p = subprocess.Popen(argv, env=self.env, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            out, _ = p.communicate(input=input.encode() if isinstance(input, str) else input,
                                   timeout=timeout)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            out, _ = p.communicate(timeout=5)
            rc = None
        return subprocess.CompletedProcess(argv, rc, out.decode('utf-8', 'replace'), '')

    def search(self, schema=SCHEMA, **attrs):
        """All items of schema (optionally matching attrs) as a list of Items, sorted by
        path. Raises SessionError when secret-tool fails for a reason other than "none"."""
        args = ['search', '--all', 'xdg:schema', schema]
        for k, v in attrs.items():
            args += [k.replace('_', '-'), v]
        r = self.secret_tool(args, merge=True)
        if r.returncode is None:
            raise SessionError('secret-tool search hung')
        items = parse_search(r.stdout)
        # No match is exit 1 with no output; anything else on failure is an error.
        if r.returncode != 0 and r.stdout.strip():
            raise SessionError('secret-tool search failed (%s): %s' % (r.returncode, r.stdout[-2000:]))
        return sorted(items, key=lambda i: i.path)

    def store_snapshot(self, schema=SCHEMA):
        """A canonical text of every item of schema (path, label, secret, created, modified
        and sorted attributes, items sorted by path) straight from `secret-tool search --all`:
        equal snapshots mean nothing was written."""
        r = self.secret_tool(['search', '--all', 'xdg:schema', schema], merge=True)
        blocks, cur = [], None
        for line in r.stdout.split('\n'):
            if re.match(r'^\[/[^\]]*\]$', line):
                cur = [line, [], []]
                blocks.append(cur)
            elif cur is not None:
                (cur[2] if line.startswith('attribute.') else cur[1]).append(line)
        canon = ['rc=%s' % r.returncode, 'keyring file: %s' % self.keyring_file_state()]
        for head, fields, attrs in sorted(blocks, key=lambda b: b[0]):
            canon.append(head)
            canon += fields + sorted(attrs)
        return '\n'.join(canon)

    def keyring_file_state(self):
        """sha256 and mtime (ns) of the login keyring on disk. gnome-keyring rewrites the
        file on every write, even one that changes nothing, and never on reads: a write
        detector finer than the items' one-second timestamps."""
        path = os.path.join(self.paths['data'], 'keyrings', 'login.keyring')
        try:
            with open(path, 'rb') as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            return '%s mtime_ns=%d' % (digest, os.stat(path).st_mtime_ns)
        except FileNotFoundError:
            return 'absent'

    def lookup(self, **attrs):
        """`secret-tool lookup` of the schema with attrs: (rc, secret text)."""
        args = ['lookup', 'xdg:schema', SCHEMA]
        for k, v in attrs.items():
            args += [k.replace('_', '-'), str(v)]
        r = self.secret_tool(args)
        return r.returncode, r.stdout

    def run_banwatch(self, args, stdin=None, timeout=30, passphrase=None, env=None,
                     pass_fds=()):
        """Runs $BANWATCH ARGS in the session: returns bwtest.ProbeRun, which unpacks as
        (rc, stdout, stderr, seconds, json-or-None); rc is None if the timeout killed it.
        passphrase (str) goes through a pipe: an argument '{fd}' is replaced by the pipe's
        fd number (use ['--passphrase-fd', '{fd}'])."""
        args = [str(a) for a in args]
        e = dict(self.env)
        if env:
            e.update(env)
            for k, v in env.items():
                if v is None:
                    e.pop(k, None)
        fds = list(pass_fds)
        r_fd = None
        if passphrase is not None:
            r_fd, w_fd = os.pipe()
            os.write(w_fd, (passphrase + '\n').encode())
            os.close(w_fd)
            fds.append(r_fd)
            args = [str(r_fd) if a == '{fd}' else a for a in args]
        try:
            r = B.run_banwatch(args, timeout=timeout, env=e, pass_fds=tuple(fds),
                               stdin_data=stdin)
        finally:
            if r_fd is not None:
                os.close(r_fd)
        if r.json is None and r.out.strip() and r.out.lstrip()[:1] in '[{':
            # --json may come through an option given as --json=… or in a different spot.
            try:
                parsed = jsonlib.loads(r.out)
                argv = r.argv
                r = B.ProbeRun(r.rc, r.out, r.err, r.wall, parsed)
                r.argv = argv
            except ValueError:
                pass
        return r

    def no_bus_env(self):
        """Overrides for a process with no reachable session bus at all."""
        return {'DBUS_SESSION_BUS_ADDRESS': 'unix:path=%s' % os.path.join(self.dir, 'no-such-bus'),
                'DISPLAY': None, 'WAYLAND_DISPLAY': None}

    # -- logs and shutdown ------------------------------------------------------------------
    def log_text(self, name, tail=3000):
        try:
            with open(os.path.join(self.dir, name), encoding='utf-8', errors='replace') as f:
                return f.read()[-tail:]
        except OSError:
            return ''

    def stop(self):
        B.cancel_cleanup(self._cleanup)
        try:
            self.thaw_keyring()
        except ProcessLookupError:
            pass
        for attr in ('keyring_proc', 'bus_proc'):
            p = getattr(self, attr)
            if p is not None:
                p.stop()
                setattr(self, attr, None)
        for f in self._logs:
            try:
                f.close()
            except OSError:
                pass
        self._logs = []


if __name__ == '__main__':
    # Self-test of the harness: python3 bwdesktop.py  (no banwatch needed)
    import tempfile
    d = tempfile.mkdtemp(prefix='bwdesktop-selftest-', dir='/tmp')
    ok = True
    try:
        t0 = time.monotonic()
        s = DesktopSession(d)
        print('session up in %.2fs, bus %s' % (s.startup_seconds, s.address))
        r = s.secret_tool(['store', '--label', 'Banwatch: self test', 'xdg:schema', SCHEMA,
                           'id', 'x1', 'name', 'self test', 'port', '22', 'notes', 'a\nb'],
                          input='pass phrase')
        print('store rc', r.returncode, r.stderr.strip())
        print('lookup', s.lookup(id='x1'))
        print('search', s.search())
        s.lock()
        print('locked: lookup', s.lookup(id='x1'), 'state', s.keyring_state())
        s.unlock()
        print('unlocked: lookup', s.lookup(id='x1'), 'state', s.keyring_state())
        s.restart_keyring()
        print('restarted: lookup', s.lookup(id='x1'))
        s.stop()
        n = DesktopSession(d, keyring=False, name='nokeyring')
        r = n.secret_tool(['lookup', 'id', 'x'])
        print('no secret service: rc', r.returncode, r.stderr.strip())
        n.stop()
        print('total %.2fs' % (time.monotonic() - t0))
    finally:
        B.run_cleanups()
        shutil.rmtree(d, ignore_errors=True)
    sys.exit(0 if ok else 1)
