# SPDX-License-Identifier: GPL-3.0-or-later
"""A private graphical session for Banwatch's window tests (stdlib + gi.repository.Atspi,
run with /usr/bin/python3).

GuiSession(tmpdir) builds on bwdesktop.DesktopSession (private session bus, unlocked
gnome-keyring) and adds:
  * Xvfb on a free display (-displayfd), with a private MIT-MAGIC-COOKIE in a private
    XAUTHORITY file; nothing listens on TCP;
  * the AT-SPI bus: /usr/libexec/at-spi-bus-launcher --launch-immediately, started on the
    private session bus (it owns org.a11y.Bus; the registry daemon is activated on the
    accessibility bus it starts);
  * the app's environment: GSETTINGS_SCHEMA_DIR=<build>/data, GSETTINGS_BACKEND=memory,
    BANWATCH_ICON_PATH=<source>/data/icons, NO_AT_BRIDGE unset.

start_app() runs `$BANWATCH` with no arguments (it loads build/src/libbanwatch-app.so by
itself) as a Proc of ours; App finds its AT-SPI application by pid (name "banwatch", the
prgname) and offers: find widgets by role and name, click, type (EditableText), read
text, states, bounded waits, and screenshots of its visible windows (xdotool
--onlyvisible, /usr/bin/import).

This process talks to AT-SPI through gi.repository.Atspi, which binds to the session bus
named in os.environ when it is first used: one GuiSession per test process.
Everything is bounded in time and ended by pid. Under CI=true a missing requirement fails.
"""

import os
import re
import secrets
import select
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwdesktop as D  # noqa: E402

GUI_BINARIES = ('/usr/bin/Xvfb', '/usr/bin/xauth', '/usr/bin/xdotool', '/usr/bin/import',
                '/usr/bin/convert', '/usr/libexec/at-spi-bus-launcher')

Atspi = None


def gui_requirements():
    """Raises bwtest.Requirement when a graphical session cannot be built here."""
    if os.geteuid() != 0:
        # Only bwtest.Sshd needs root (mount namespaces); GUI-only tests could run without.
        raise B.Requirement('must run as root (sshd in a private mount namespace)')
    D.desktop_requirements()
    for b in GUI_BINARIES:
        if not os.access(b, os.X_OK):
            raise B.Requirement('missing binary: %s (packages xvfb, xauth, xdotool, imagemagick, '
                                'at-spi2-core)' % b)
    exe = os.environ.get('BANWATCH', '')
    if not exe or not os.access(exe, os.X_OK):
        raise B.Requirement('BANWATCH is not set to the built banwatch (meson sets it)')
    if not os.path.exists(os.path.join(os.path.dirname(exe), 'libbanwatch-app.so')):
        raise B.Requirement('libbanwatch-app.so is not next to %s' % exe)
    if not os.path.exists(os.path.join(build_dir(), 'data', 'gschemas.compiled')):
        raise B.Requirement('%s/data/gschemas.compiled is missing (build the project first)' % build_dir())
    global Atspi
    try:
        import gi
        gi.require_version('Atspi', '2.0')
        from gi.repository import Atspi as _Atspi
    except (ImportError, ValueError) as e:
        raise B.Requirement('gi.repository.Atspi is not available (python3-gi, gir1.2-atspi-2.0): %s' % e)
    Atspi = _Atspi


def build_dir():
    """The meson build tree: $MESON_BUILD_ROOT, else the one $BANWATCH was built in."""
    if os.environ.get('MESON_BUILD_ROOT'):
        return os.environ['MESON_BUILD_ROOT']
    return os.path.dirname(os.path.dirname(os.path.abspath(os.environ['BANWATCH'])))


def source_dir():
    """The source tree: BW_TEST_SRCDIR is tests/integration in it."""
    here = os.environ.get('BW_TEST_SRCDIR') or os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(os.path.abspath(here)))


def artefact_dir(name='screenshots'):
    d = os.path.join(build_dir(), name)
    os.makedirs(d, exist_ok=True)
    return d


def main(body, deadline=120):
    """bwtest.main with the GUI requirements checked first."""
    try:
        gui_requirements()
    except B.Requirement as e:
        B.skip_or_fail(str(e))
    B.main(body, deadline=deadline)


# ---------------------------------------------------------------------------------------
# The session
# ---------------------------------------------------------------------------------------

class GuiSession:
    """See the module docstring. Use as a context manager or call stop()."""

    def __init__(self, tmpdir, keyring=True, size='1280x900x24'):
        self.tmpdir = tmpdir
        self.desktop = D.DesktopSession(tmpdir, keyring=keyring, name='gui-desktop')
        self.dir = self.desktop.dir
        self.xvfb = None
        self.atspi = None
        self.apps = []
        self.display = None
        self._cleanup = B.on_cleanup(self.stop)
        try:
            self._start_xvfb(size)
            self._start_atspi()
        except BaseException:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def env(self):
        return self.desktop.env

    @property
    def paths(self):
        return self.desktop.paths

    def _start_xvfb(self, size, timeout=15):
        cookie = secrets.token_hex(16)
        server_auth = os.path.join(self.dir, 'xvfb.auth')
        client_auth = os.path.join(self.dir, 'Xauthority')
        # The server loads every cookie in its -auth file whatever the display number,
        # so the cookie can be written before the display is known.
        B.run(['/usr/bin/xauth', '-q', '-f', server_auth, 'add', ':0', 'MIT-MAGIC-COOKIE-1', cookie])
        r_fd, w_fd = os.pipe()
        log = open(os.path.join(self.dir, 'xvfb.log'), 'ab')
        try:
            self.xvfb = B.Proc(['/usr/bin/Xvfb', '-displayfd', str(w_fd), '-auth', server_auth,
                                '-nolisten', 'tcp', '-screen', '0', size, '-noreset'],
                               'Xvfb', stdout=log, stderr=log, env=self.env, pass_fds=(w_fd,))
        finally:
            os.close(w_fd)
            log.close()
        buf = b''
        deadline = time.monotonic() + timeout
        try:
            while not buf.endswith(b'\n'):
                left = deadline - time.monotonic()
                if left <= 0 or not self.xvfb.alive():
                    raise D.SessionError('Xvfb gave no display within %ss; log: %s'
                                         % (timeout, self.desktop.log_text('xvfb.log')))
                r, _, _ = select.select([r_fd], [], [], min(left, 0.2))
                if r:
                    chunk = os.read(r_fd, 64)
                    if not chunk:
                        raise D.SessionError('Xvfb closed -displayfd; log: %s' % self.desktop.log_text('xvfb.log'))
                    buf += chunk
        finally:
            os.close(r_fd)
        self.display = ':' + buf.decode().strip()
        B.run(['/usr/bin/xauth', '-q', '-f', client_auth, 'add', self.display, 'MIT-MAGIC-COOKIE-1', cookie])
        self.env.update(DISPLAY=self.display, XAUTHORITY=client_auth)
        self.env.pop('NO_AT_BRIDGE', None)
        self.env.pop('WAYLAND_DISPLAY', None)
        self.env['GDK_BACKEND'] = 'x11'
        # Only the cookie lets a client in: check it both ways.
        r = subprocess.run(['/usr/bin/xdotool', 'getdisplaygeometry'], env=self.env,
                           capture_output=True, text=True, timeout=10)
        if r.returncode != 0:
            raise D.SessionError('cannot use Xvfb display %s: %s' % (self.display, r.stderr.strip()))

    def _start_atspi(self, timeout=15):
        log = open(os.path.join(self.dir, 'at-spi-bus-launcher.log'), 'ab')
        try:
            self.atspi = B.Proc(['/usr/libexec/at-spi-bus-launcher', '--launch-immediately'],
                                'at-spi-bus-launcher', stdout=log, stderr=log, env=self.env)
        finally:
            log.close()

        def owned():
            if not self.atspi.alive():
                raise D.SessionError('at-spi-bus-launcher exited; log: %s'
                                     % self.desktop.log_text('at-spi-bus-launcher.log'))
            r = self.desktop.gdbus_call('org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus.GetAddress')
            return r.returncode == 0 and 'unix:' in r.stdout
        B.wait_until(owned, timeout, interval=0.05, what='org.a11y.Bus answering')
        # gi.repository.Atspi connects through this process's environment.
        for k in ('DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'XAUTHORITY'):
            os.environ[k] = self.env[k]
        os.environ.pop('NO_AT_BRIDGE', None)
        Atspi.init()

    # -- the app ----------------------------------------------------------------------
    def app_env(self, extra=None):
        e = dict(self.env)
        e.update(GSETTINGS_SCHEMA_DIR=os.path.join(build_dir(), 'data'),
                 GSETTINGS_BACKEND='memory',
                 BANWATCH_ICON_PATH=os.path.join(source_dir(), 'data', 'icons'),
                 # The client texts' catalogues (build/po), as the unit tests use them.
                 BANWATCH_LOCALEDIR=os.path.join(build_dir(), 'po'),
                 G_MESSAGES_DEBUG='')
        for k, v in (extra or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return e

    def start_app(self, env=None, args=(), name='banwatch-app', bind_mounts=(), timeout=20):
        """Starts $BANWATCH ARGS and returns its App once AT-SPI shows it. bind_mounts
        [(source, target)] are made in a private mount namespace of the app alone."""
        argv = [os.environ['BANWATCH']] + list(args)
        if bind_mounts:
            script = ' && '.join('mount --bind "$%d" "$%d"' % (2 * i + 1, 2 * i + 2)
                                 for i in range(len(bind_mounts)))
            flat = [p for pair in bind_mounts for p in pair]
            argv = ['/usr/bin/unshare', '-m', '--propagation', 'private', 'sh', '-c',
                    script + ' && shift %d && exec "$@"' % len(flat), 'sh'] + flat + argv
        log_path = os.path.join(self.dir, name + '.log')
        log = open(log_path, 'ab')
        try:
            proc = B.Proc(argv, name, stdout=log, stderr=log, env=self.app_env(env))
        finally:
            log.close()
        app = App(self, proc, log_path)
        self.apps.append(app)
        app.wait_registered(timeout)
        return app

    def stop(self):
        B.cancel_cleanup(self._cleanup)
        for app in self.apps:
            app.stop()
        self.apps = []
        for attr in ('atspi', 'xvfb'):
            p = getattr(self, attr)
            if p is not None:
                p.stop()
                setattr(self, attr, None)
        self.desktop.stop()


# ---------------------------------------------------------------------------------------
# AT-SPI helpers
# ---------------------------------------------------------------------------------------

def children(node):
    try:
        n = node.get_child_count()
    except Exception:
        return []
    out = []
    for i in range(n):
        try:
            c = node.get_child_at_index(i)
        except Exception:
            c = None
        if c is not None:
            out.append(c)
    return out


def role(node):
    try:
        return node.get_role_name()
    except Exception:
        return ''


def name(node):
    try:
        return node.get_name() or ''
    except Exception:
        return ''


def has_state(node, state):
    try:
        return node.get_state_set().contains(state)
    except Exception:
        return False


def showing(node):
    return has_state(node, Atspi.StateType.SHOWING)


def sensitive(node):
    return has_state(node, Atspi.StateType.SENSITIVE)


def text(node):
    """The text of a label, entry or text view (AtkText)."""
    try:
        return Atspi.Text.get_text(node, 0, -1) or ''
    except Exception:
        return ''


def description(node):
    try:
        return node.get_description() or ''
    except Exception:
        return ''


def walk(node, depth=0, max_depth=40, only_showing=False):
    yield node
    if depth >= max_depth:
        return
    for c in children(node):
        if only_showing and not showing(c):
            continue
        yield from walk(c, depth + 1, max_depth, only_showing)


def matches(node, role_name=None, name_=None, name_re=None, pred=None):
    if role_name is not None and role(node) != role_name:
        return False
    if name_ is not None and name(node) != name_:
        return False
    if name_re is not None and not re.search(name_re, name(node)):
        return False
    if pred is not None and not pred(node):
        return False
    return True


def find_all(root, role_name=None, name_=None, name_re=None, pred=None, only_showing=False):
    return [n for n in walk(root, only_showing=only_showing)
            if matches(n, role_name, name_, name_re, pred)]


def find(root, role_name=None, name_=None, name_re=None, pred=None, timeout=5, only_showing=True):
    """The first matching descendant of root, waiting up to timeout s for it."""
    found = []

    def look():
        found[:] = find_all(root, role_name, name_, name_re, pred, only_showing)
        return bool(found)
    B.wait_until(look, timeout, interval=0.1,
                 what='%s named %r%s' % (role_name or 'widget', name_ if name_ is not None else name_re,
                                         ' (showing)' if only_showing else ''))
    return found[0]


def do_action(node, action='click'):
    for i in range(node.get_n_actions()):
        if node.get_action_name(i) == action:
            return node.do_action(i)
    raise RuntimeError('%s %r has no %r action (has %s)' % (
        role(node), name(node), action, [node.get_action_name(i) for i in range(node.get_n_actions())]))


def set_text(node, value):
    if not Atspi.EditableText.set_text_contents(node, value):
        raise RuntimeError('cannot set the text of %s %r' % (role(node), name(node)))


def dump(node, depth=0, max_depth=12):
    """The tree as text, for diagnostics."""
    lines = []
    for c in [node]:
        lines.append('%s%s %r%s' % ('  ' * depth, role(c), name(c), '' if showing(c) else ' (hidden)'))
        if depth < max_depth:
            for k in children(c):
                lines.extend(dump(k, depth + 1, max_depth))
    return lines


class App:
    """A running banwatch and its AT-SPI application."""

    def __init__(self, session, proc, log_path):
        self.session = session
        self.proc = proc
        self.pid = proc.pid
        self.log_path = log_path
        self.root = None

    def log_text(self, tail=4000):
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as f:
                return f.read()[-tail:]
        except OSError:
            return ''

    def problems(self):
        """GLib/GTK criticals and warnings in the app's log, less the one expected here:
        libnotify's "Failed to connect to proxy" when no notification server runs."""
        out = []
        for line in self.log_text(tail=200000).splitlines():
            if re.search(r'-(CRITICAL|WARNING) \*\*', line) and 'libnotify-WARNING' not in line:
                out.append(line)
        return out

    def wait_registered(self, timeout=20):
        def look():
            if not self.proc.alive():
                raise RuntimeError('banwatch exited with %s; log:\n%s' % (self.proc.popen.returncode, self.log_text()))
            desktop = Atspi.get_desktop(0)
            for a in children(desktop):
                try:
                    if a.get_process_id() == self.pid:
                        self.root = a
                        return True
                except Exception:
                    continue
            return False
        B.wait_until(look, timeout, interval=0.1, what='banwatch (pid %d) on the AT-SPI bus' % self.pid)
        return self.root

    def window(self, name_=None, name_re=None, timeout=10):
        """A showing top-level (frame or dialog) of the app."""
        def pred(n):
            return role(n) in ('frame', 'dialog', 'alert', 'window')

        def look():
            for w in children(self.root):
                if pred(w) and showing(w) and matches(w, None, name_, name_re):
                    return w
            return None
        return B.wait_until(look, timeout, interval=0.1,
                            what='window %r of banwatch' % (name_ if name_ is not None else name_re))

    def windows(self):
        return [w for w in children(self.root) if showing(w)]

    def alive(self):
        return self.proc.alive()

    def stop(self):
        self.proc.stop()

    # -- X11 ----------------------------------------------------------------------------
    def x_windows(self, title=None):
        """Visible, named X windows of this process, largest first, as (id, width, height).
        xdotool --onlyvisible skips GTK's hidden leader window; the 1x1 helper windows and
        the tray icon's fallback window are left out by size."""
        argv = ['/usr/bin/xdotool', 'search', '--all', '--onlyvisible', '--pid', str(self.pid),
                '--name', '^%s$' % re.escape(title) if title is not None else '.+']
        r = subprocess.run(argv, env=self.session.env, capture_output=True, text=True, timeout=10)
        out = []
        for wid in r.stdout.split():
            g = subprocess.run(['/usr/bin/xdotool', 'getwindowgeometry', '--shell', wid],
                               env=self.session.env, capture_output=True, text=True, timeout=10)
            geo = dict(line.split('=', 1) for line in g.stdout.split() if '=' in line)
            w, h = int(geo.get('WIDTH', 0)), int(geo.get('HEIGHT', 0))
            if w >= 100 and h >= 60:
                out.append((int(wid), w, h))
        return sorted(out, key=lambda x: -x[1] * x[2])

    def screenshot(self, path, title, timeout=10):
        """PNG of the visible window titled title (the largest one of that title)."""
        found = B.wait_until(lambda: self.x_windows(title), timeout, interval=0.1,
                             what='visible X window %r of pid %d' % (title, self.pid))
        # Let GTK finish drawing (animations, the first frame of a dialog).
        time.sleep(0.6)
        B.run(['/usr/bin/import', '-window', str(found[0][0]), path], env=self.session.env, timeout=20)
        return path

    def key(self, keys, title=None):
        """Sends keys (xdotool key syntax) to a window of the app."""
        found = self.x_windows(title)
        if not found:
            raise RuntimeError('no visible window %r' % title)
        wid = str(found[0][0])
        # Real key events (XTEST) to the focused window: events sent with --window are
        # synthetic, and a synthetic press whose window goes away leaves its release
        # to whatever gets the focus next.
        B.run(['/usr/bin/xdotool', 'windowfocus', '--sync', wid], env=self.session.env, check=False)
        B.run(['/usr/bin/xdotool', 'key', '--clearmodifiers'] + keys.split(), env=self.session.env)


def png_stddev(path):
    """The standard deviation of a PNG's pixels (0 for a blank picture), by /usr/bin/convert."""
    r = B.run(['/usr/bin/convert', path, '-format', '%[fx:standard_deviation]', 'info:'], timeout=30)
    return float(r.stdout.strip())


def png_size(path):
    r = B.run(['/usr/bin/convert', path, '-format', '%w %h', 'info:'], timeout=30)
    w, h = r.stdout.split()
    return int(w), int(h)


def make_locale(tmpdir, name='ja_JP', charmap='UTF-8'):
    """Compiles a locale into a private LOCPATH (no change to the system); returns the
    LOCPATH, or None if the locale sources are missing."""
    if not os.path.exists('/usr/share/i18n/locales/%s' % name) or not shutil.which('localedef'):
        return None
    locpath = os.path.join(tmpdir, 'locales')
    os.makedirs(locpath, exist_ok=True)
    r = subprocess.run(['localedef', '-i', name, '-f', charmap, os.path.join(locpath, '%s.%s' % (name, charmap))],
                       capture_output=True, text=True, timeout=120)
    if not os.path.isdir(os.path.join(locpath, '%s.%s' % (name, charmap))):
        sys.stderr.write('localedef failed: %s\n' % r.stderr)
        return None
    return locpath
