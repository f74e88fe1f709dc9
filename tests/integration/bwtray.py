#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A private desktop session for Banwatch's tray and notification tests (stdlib +
gi.repository GLib/Gio, run with /usr/bin/python3). Facts behind it: /work/shared/TESTING.md
("Private desktop session").

TraySession(tmpdir) builds on bwdesktop.DesktopSession (own bus config with no service
dirs, unlocked gnome-keyring) and adds, each started on demand and ended by pid:
  * Xvfb on a free display (-displayfd) with a private MIT-MAGIC-COOKIE; no TCP;
  * dunst with its OWN rc (nothing expires; `dmenu` is a script of ours that prints the
    menu entry chosen through a file, which is how `dunstctl context` picks an action);
  * a bus capture: `dbus-monitor --session --binary` of the whole bus, parsed here with
    Gio.DBusMessage (Notify calls, their replies, ActionInvoked signals), and a
    human-readable `dbus-monitor --session "interface='org.freedesktop.Notifications'"`;
  * the SNI tray: status-notifier-watcher + gtk-sni-tray-standalone (the host);
  * the XEmbed tray: trayer (the GtkStatusIcon fallback lands there);
  * the AT-SPI bus (at-spi-bus-launcher) for a look into the app's window.

The app: start_app() runs `$BANWATCH` with no arguments (it loads libbanwatch-app.so),
optionally inside the client network namespace (`ip netns exec`), with
GSETTINGS_SCHEMA_DIR=<build>/data, GSETTINGS_BACKEND=memory and
BANWATCH_ICON_PATH=<source>/data/icons. TrayApp reads the StatusNotifierItem at
/org/ayatana/NotificationItem/io_github_banwatch_Banwatch and drives its dbusmenu
(GetLayout, Event "clicked") over a private Gio connection of this process.

Helper modes of this file (each dies with its parent, every wait bounded):
  bwtray.py dmenu CHOICE LOG        dunst's dmenu: print the first stdin line that contains
                                    every string of the JSON list in CHOICE
  bwtray.py clipboard               print the CLIPBOARD text as JSON (Gtk 3)
  bwtray.py atspi-banner PID SECS   print the app's banner (AT-SPI) as JSON
  bwtray.py atspi-menu PID SECS     print the names of the app's showing menu entries as JSON
"""

import ctypes
import json as jsonlib
import os
import re
import secrets
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SELF = os.path.abspath(__file__)
sys.path.insert(0, HERE)
import bwtest as B  # noqa: E402
import bwdesktop as D  # noqa: E402

PYTHON = '/usr/bin/python3'
APP_ID = 'io.github.banwatch.Banwatch'
ITEM_PATH = '/org/ayatana/NotificationItem/io_github_banwatch_Banwatch'
MENU_PATH = ITEM_PATH + '/Menu'
SNI_IFACE = 'org.kde.StatusNotifierItem'
WATCHER_NAME = 'org.kde.StatusNotifierWatcher'
WATCHER_PATH = '/StatusNotifierWatcher'
NOTIFY_NAME = 'org.freedesktop.Notifications'
NOTIFY_PATH = '/org/freedesktop/Notifications'

TRAY_BINARIES = ('/usr/bin/Xvfb', '/usr/bin/xauth', '/usr/bin/xdotool', '/usr/bin/xwininfo',
                 '/usr/bin/import', '/usr/bin/convert', '/usr/bin/dunst', '/usr/bin/dunstctl',
                 '/usr/bin/dbus-send', '/usr/bin/dbus-monitor', '/usr/bin/status-notifier-watcher',
                 '/usr/bin/gtk-sni-tray-standalone', '/usr/bin/trayer',
                 '/usr/libexec/at-spi-bus-launcher', '/usr/bin/fail2ban-server',
                 '/usr/bin/fail2ban-client')
PACKAGES = ('xvfb xauth xdotool x11-utils imagemagick dunst dbus-bin '
            'haskell-status-notifier-item-utils haskell-gtk-sni-tray-utils trayer at-spi2-core '
            'fail2ban python3-gi gir1.2-glib-2.0 gir1.2-gtk-3.0 gir1.2-atspi-2.0')

GLib = Gio = None


def requirements():
    """Raises bwtest.Requirement when the tray session cannot be built here."""
    global GLib, Gio
    if os.geteuid() != 0:
        raise B.Requirement('must run as root (namespaces, sshd, fail2ban)')
    D.desktop_requirements()
    for b in TRAY_BINARIES:
        if not os.access(b, os.X_OK):
            raise B.Requirement('missing binary: %s (packages: %s)' % (b, PACKAGES))
    exe = os.environ.get('BANWATCH', '')
    if not exe or not os.access(exe, os.X_OK):
        raise B.Requirement('BANWATCH is not set to the built banwatch (meson sets it)')
    if not os.path.exists(os.path.join(os.path.dirname(exe), 'libbanwatch-app.so')):
        raise B.Requirement('libbanwatch-app.so is not next to %s' % exe)
    if not os.path.exists(os.path.join(build_dir(), 'data', 'gschemas.compiled')):
        raise B.Requirement('%s/data/gschemas.compiled is missing (build first)' % build_dir())
    if not os.path.isdir(os.path.join(source_dir(), 'data', 'icons')):
        raise B.Requirement('%s/data/icons is missing' % source_dir())
    code = ('import gi; gi.require_version("Gtk", "3.0"); gi.require_version("Atspi", "2.0"); '
            'from gi.repository import Gtk, Atspi, Gio, GLib')
    r = subprocess.run([PYTHON, '-c', code], capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise B.Requirement('%s lacks gi Gtk 3 / Atspi / Gio (python3-gi, gir1.2-gtk-3.0, '
                            'gir1.2-atspi-2.0): %s' % (PYTHON, r.stderr.strip()[-300:]))
    try:
        import gi
        gi.require_version('Gio', '2.0')
        from gi.repository import GLib as _GLib, Gio as _Gio
    except (ImportError, ValueError) as e:
        raise B.Requirement('this Python (%s) has no gi.repository Gio: %s' % (sys.executable, e))
    GLib, Gio = _GLib, _Gio


def build_dir():
    """The meson build tree: $MESON_BUILD_ROOT, else the one $BANWATCH was built in."""
    if os.environ.get('MESON_BUILD_ROOT'):
        return os.environ['MESON_BUILD_ROOT']
    return os.path.dirname(os.path.dirname(os.path.abspath(os.environ['BANWATCH'])))


def source_dir():
    here = os.environ.get('BW_TEST_SRCDIR') or HERE
    return os.path.dirname(os.path.dirname(os.path.abspath(here)))


def artefact_dir(name='screenshots'):
    d = os.path.join(build_dir(), name)
    os.makedirs(d, exist_ok=True)
    return d


def png_stddev(path):
    """Standard deviation of a picture's pixels (0 for a blank one), by /usr/bin/convert."""
    r = B.run(['/usr/bin/convert', path, '-format', '%[fx:standard_deviation]', 'info:'], timeout=30)
    return float(r.stdout.strip())


def png_size(path):
    r = B.run(['/usr/bin/convert', path, '-format', '%w %h', 'info:'], timeout=30)
    w, h = r.stdout.split()
    return int(w), int(h)


def _read(path, tail=None):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            s = f.read()
    except OSError:
        return ''
    return s[-tail:] if tail else s


# ---------------------------------------------------------------------------------------
# The bus capture
# ---------------------------------------------------------------------------------------

class Capture:
    """`dbus-monitor --session --binary`: every message on the bus, raw, in a file. Parsed
    with Gio.DBusMessage.new_from_blob. `raw()` is the file's bytes (for secret searches)."""

    def __init__(self, session, name='bus-capture'):
        self.session = session
        self.path = os.path.join(session.dir, name + '.bin')
        self._f = open(self.path, 'wb')
        self.proc = B.Proc(['/usr/bin/dbus-monitor', '--session', '--binary'], name,
                           stdout=self._f, stderr=subprocess.DEVNULL, env=session.env)
        self._f.close()
        # Ready when a marker signal of ours shows up in the capture.
        marker = 'm%s' % secrets.token_hex(6)

        def seen():
            if not self.proc.alive():
                raise RuntimeError('dbus-monitor --binary exited')
            session.emit_marker(marker)
            return marker.encode() in self.raw()
        B.wait_until(seen, 10, interval=0.1, what='dbus-monitor --binary capturing')

    def raw(self):
        try:
            with open(self.path, 'rb') as f:
                return f.read()
        except OSError:
            return b''

    def messages(self):
        """[Gio.DBusMessage] in capture order (a torn last message is left out)."""
        data = self.raw()
        out = []
        i = 0
        while len(data) - i >= 16:
            try:
                n = Gio.DBusMessage.bytes_needed(data[i:i + 16])
            except GLib.Error:
                break
            if n <= 0 or len(data) - i < n:
                break
            try:
                out.append(Gio.DBusMessage.new_from_blob(data[i:i + n], Gio.DBusCapabilityFlags.UNIX_FD_PASSING))
            except GLib.Error:
                pass
            i += n
        return out

    def notifications(self):
        """Every Notify call with its reply: [dict(serial, sender, app_name, replaces_id,
        icon, summary, body, actions [(key, label)], hints {k: python value}, urgency,
        expire_timeout, id (from the reply, or None), text (a readable dump))]."""
        msgs = self.messages()
        calls = []
        replies = {}
        for m in msgs:
            t = m.get_message_type()
            if (t == Gio.DBusMessageType.METHOD_CALL and m.get_interface() == NOTIFY_NAME
                    and m.get_member() == 'Notify'):
                body = m.get_body().unpack()
                app, rid, icon, summary, text, actions, hints, expire = body
                calls.append({'serial': m.get_serial(), 'sender': m.get_sender(), 'app_name': app,
                              'replaces_id': rid, 'icon': icon, 'summary': summary, 'body': text,
                              'actions': list(zip(actions[0::2], actions[1::2])), 'hints': hints,
                              'urgency': hints.get('urgency'), 'expire_timeout': expire,
                              'id': None, 'text': m.print_(2)})
            elif t == Gio.DBusMessageType.METHOD_RETURN and m.get_body() is not None:
                replies[(m.get_destination(), m.get_reply_serial())] = m.get_body().unpack()
        for c in calls:
            r = replies.get((c['sender'], c['serial']))
            if r and len(r) == 1 and isinstance(r[0], int):
                c['id'] = r[0]
        return calls

    def signals(self, member, interface=NOTIFY_NAME):
        return [(m.get_sender(), m.get_destination(), m.get_body().unpack() if m.get_body() else ())
                for m in self.messages()
                if m.get_message_type() == Gio.DBusMessageType.SIGNAL and m.get_member() == member
                and m.get_interface() == interface]

    def calls_to(self, dest_name, member):
        return [m for m in self.messages() if m.get_message_type() == Gio.DBusMessageType.METHOD_CALL
                and m.get_destination() == dest_name and m.get_member() == member]

    def errors(self):
        return [m.print_(2) for m in self.messages() if m.get_message_type() == Gio.DBusMessageType.ERROR]

    def stop(self):
        if self.proc is not None:
            self.proc.stop(grace=2)
            self.proc = None


# ---------------------------------------------------------------------------------------
# The session
# ---------------------------------------------------------------------------------------

class TraySession:
    """See the module docstring. Use as a context manager or call stop()."""

    def __init__(self, tmpdir, size='1024x768x24', name='tray-desktop'):
        self.tmpdir = tmpdir
        self.desktop = D.DesktopSession(tmpdir, name=name)
        self.dir = self.desktop.dir
        self.env = self.desktop.env
        self.procs = {}
        self.logs = {}
        self.apps = []
        self.captures = []
        self.display = None
        self.bus = None
        self._cleanup = B.on_cleanup(self.stop)
        try:
            self._start_xvfb(size)
            self.bus = Gio.DBusConnection.new_for_address_sync(
                self.desktop.address,
                Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                None, None)
        except BaseException:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- processes ------------------------------------------------------------------------
    def _spawn(self, key, argv, env=None, stdin=subprocess.DEVNULL):
        log_path = os.path.join(self.dir, key + '.log')
        log = open(log_path, 'ab')
        try:
            p = B.Proc(argv, key, stdout=log, stderr=log, env=env or self.env, stdin=stdin)
        finally:
            log.close()
        self.procs[key] = p
        self.logs[key] = log_path
        return p

    def log_text(self, key, tail=3000):
        return _read(self.logs.get(key, ''), tail)

    def alive(self, key):
        p = self.procs.get(key)
        return p is not None and p.alive()

    def _stop_proc(self, key):
        p = self.procs.pop(key, None)
        if p is not None:
            p.stop(grace=3)

    def _start_xvfb(self, size, timeout=15):
        cookie = secrets.token_hex(16)
        server_auth = os.path.join(self.dir, 'xvfb.auth')
        client_auth = os.path.join(self.dir, 'Xauthority')
        # The server loads every cookie of its -auth file whatever the display number.
        B.run(['/usr/bin/xauth', '-q', '-f', server_auth, 'add', ':0', 'MIT-MAGIC-COOKIE-1', cookie])
        r_fd, w_fd = os.pipe()
        log_path = os.path.join(self.dir, 'xvfb.log')
        log = open(log_path, 'ab')
        try:
            self.procs['xvfb'] = B.Proc(['/usr/bin/Xvfb', '-displayfd', str(w_fd), '-auth', server_auth,
                                         '-nolisten', 'tcp', '-screen', '0', size, '-noreset'],
                                        'Xvfb', stdout=log, stderr=log, env=self.env, pass_fds=(w_fd,))
        finally:
            os.close(w_fd)
            log.close()
        self.logs['xvfb'] = log_path
        buf = b''
        deadline = time.monotonic() + timeout
        try:
            while not buf.endswith(b'\n'):
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive('xvfb'):
                    raise D.SessionError('Xvfb gave no display within %ss; log: %s'
                                         % (timeout, self.log_text('xvfb')))
                r, _, _ = select.select([r_fd], [], [], min(left, 0.2))
                if r:
                    chunk = os.read(r_fd, 64)
                    if not chunk:
                        raise D.SessionError('Xvfb closed -displayfd; log: %s' % self.log_text('xvfb'))
                    buf += chunk
        finally:
            os.close(r_fd)
        self.display = ':' + buf.decode().strip()
        B.run(['/usr/bin/xauth', '-q', '-f', client_auth, 'add', self.display, 'MIT-MAGIC-COOKIE-1', cookie])
        self.env.update(DISPLAY=self.display, XAUTHORITY=client_auth, GDK_BACKEND='x11')
        self.env.pop('WAYLAND_DISPLAY', None)
        r = subprocess.run(['/usr/bin/xdotool', 'getdisplaygeometry'], env=self.env,
                           capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
        if r.returncode != 0:
            raise D.SessionError('cannot use Xvfb display %s: %s' % (self.display, r.stderr.strip()))

    # -- D-Bus from this process -----------------------------------------------------------
    def call(self, dest, path, iface, method, args=None, reply=None, timeout=5):
        """A bounded method call; returns the unpacked reply tuple (raises GLib.Error)."""
        v = self.bus.call_sync(dest, path, iface, method, args,
                               GLib.VariantType(reply) if reply else None,
                               Gio.DBusCallFlags.NO_AUTO_START, int(timeout * 1000), None)
        return v.unpack() if v is not None else ()

    def name_owner(self, name):
        try:
            return self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                             'GetNameOwner', GLib.Variant('(s)', (name,)), '(s)')[0]
        except GLib.Error:
            return None

    def wait_name(self, name, present=True, timeout=10, proc_key=None):
        def check():
            if proc_key is not None and present and not self.alive(proc_key):
                raise D.SessionError('%s exited; log: %s' % (proc_key, self.log_text(proc_key)))
            return (self.name_owner(name) is not None) == present
        B.wait_until(check, timeout, interval=0.05,
                     what='bus name %s %s' % (name, 'owned' if present else 'gone'))

    def emit_marker(self, text):
        self.bus.emit_signal(None, '/io/github/banwatch/Test', 'io.github.banwatch.Test', 'Marker',
                             GLib.Variant('(s)', (text,)))
        self.bus.flush_sync(None)

    def capture(self, name='bus-capture'):
        c = Capture(self, name)
        self.captures.append(c)
        return c

    def text_capture(self, name='notifications'):
        """The TESTING.md recipe: a readable capture of the Notifications interface."""
        return self._spawn(name, ['/usr/bin/dbus-monitor', '--session',
                                  "interface='org.freedesktop.Notifications'"])

    # -- dunst ------------------------------------------------------------------------------
    def start_dunst(self, timeout=10):
        ddir = os.path.join(self.dir, 'dunst')
        os.makedirs(ddir, exist_ok=True)
        self.dmenu_choice = os.path.join(ddir, 'choice.json')
        self.dmenu_log = os.path.join(ddir, 'dmenu.log')
        script = os.path.join(ddir, 'dmenu.sh')
        with open(script, 'w') as f:
            f.write('#!/bin/sh\nexec %s %s dmenu %s %s\n' % (PYTHON, SELF, self.dmenu_choice, self.dmenu_log))
        os.chmod(script, 0o755)
        with open(self.dmenu_choice, 'w') as f:
            f.write('[]')
        rc = os.path.join(ddir, 'dunstrc')
        with open(rc, 'w') as f:
            f.write('[global]\n'
                    '    monitor = 0\n    follow = none\n    width = 360\n    height = 200\n'
                    '    origin = top-right\n    offset = 10x10\n    notification_limit = 0\n'
                    '    idle_threshold = 0\n    show_age_threshold = -1\n    sticky_history = yes\n'
                    '    history_length = 100\n    font = DejaVu Sans 9\n'
                    '    dmenu = %s\n    browser = /bin/false\n    always_run_script = false\n'
                    '    mouse_left_click = none\n    mouse_middle_click = none\n'
                    '    mouse_right_click = none\n\n'
                    '[urgency_low]\n    timeout = 0\n\n'
                    '[urgency_normal]\n    timeout = 0\n\n'
                    '[urgency_critical]\n    timeout = 0\n' % script)
        self._spawn('dunst', ['/usr/bin/dunst', '-config', rc])
        self.wait_name(NOTIFY_NAME, timeout=timeout, proc_key='dunst')
        # It answers: the capabilities include actions.
        caps = self.call(NOTIFY_NAME, NOTIFY_PATH, NOTIFY_NAME, 'GetCapabilities', None, '(as)')[0]
        if 'actions' not in caps:
            raise D.SessionError('dunst does not announce actions: %r' % caps)
        return caps

    def stop_dunst(self):
        self._stop_proc('dunst')
        self.wait_name(NOTIFY_NAME, present=False, timeout=10)

    def dunstctl(self, *args, timeout=10):
        return B.run(['/usr/bin/dunstctl'] + list(args), env=self.env, timeout=timeout, check=False)

    def dunst_history(self):
        r = self.dunstctl('history')
        try:
            doc = jsonlib.loads(r.stdout)
        except ValueError:
            return []
        out = []
        for entry in (doc.get('data') or [[]])[0]:
            out.append({k: (v.get('data') if isinstance(v, dict) else v) for k, v in entry.items()})
        return out

    def dunst_count(self, which='displayed'):
        r = self.dunstctl('count', which)
        try:
            return int(r.stdout.strip())
        except ValueError:
            return None

    def dunst_context(self, must_contain, timeout=10):
        """Opens dunst's context menu (`dunstctl context`); our dmenu prints the first entry
        holding every string of must_contain. Returns (entries offered, chosen entry)."""
        with open(self.dmenu_choice, 'w') as f:
            jsonlib.dump(list(must_contain), f)
        before = len(_read(self.dmenu_log).splitlines())
        r = self.dunstctl('context')
        if r.returncode != 0:
            raise RuntimeError('dunstctl context failed: %s %s' % (r.stdout, r.stderr))

        def done():
            lines = _read(self.dmenu_log).splitlines()[before:]
            return lines if any(l.startswith('chosen ') for l in lines) else None
        lines = B.wait_until(done, timeout, interval=0.05, what='dunst to run our dmenu')
        offered = [jsonlib.loads(l[len('offered '):]) for l in lines if l.startswith('offered ')]
        chosen = [jsonlib.loads(l[len('chosen '):]) for l in lines if l.startswith('chosen ')][-1]
        with open(self.dmenu_choice, 'w') as f:
            f.write('[]')
        return offered, chosen

    # -- trays -------------------------------------------------------------------------------
    def start_sni(self, timeout=15):
        """status-notifier-watcher, then gtk-sni-tray-standalone as the host."""
        self._spawn('sni-watcher', ['/usr/bin/status-notifier-watcher'])
        self.wait_name(WATCHER_NAME, timeout=timeout, proc_key='sni-watcher')
        self._spawn('sni-host', ['/usr/bin/gtk-sni-tray-standalone', '--bottom', '--size', '32',
                                     '--color', 'rgb(224,224,224)'])

        def host():
            if not self.alive('sni-host'):
                raise D.SessionError('gtk-sni-tray-standalone exited; log: %s' % self.log_text('sni-host'))
            return self.watcher_prop('IsStatusNotifierHostRegistered') is True
        B.wait_until(host, timeout, interval=0.1, what='an SNI host registered with the watcher')

    def watcher_prop(self, name):
        try:
            return self.call(WATCHER_NAME, WATCHER_PATH, 'org.freedesktop.DBus.Properties', 'Get',
                             GLib.Variant('(ss)', (WATCHER_NAME, name)), '(v)')[0]
        except GLib.Error:
            return None

    def stop_sni(self):
        self._stop_proc('sni-host')
        self._stop_proc('sni-watcher')
        self.wait_name(WATCHER_NAME, present=False, timeout=10)

    def start_trayer(self, timeout=15):
        """trayer at the bottom right (away from windows that open at +0+0 with no window
        manager); returns the X id of its "panel" window once it owns the tray selection."""
        self._spawn('trayer', ['/usr/bin/trayer', '--edge', 'bottom', '--align', 'right',
                               '--widthtype', 'pixel', '--width', '160', '--heighttype', 'pixel',
                               '--height', '48', '--SetDockType', 'true', '--transparent', 'false',
                               '--tint', '0xffffff', '--expand', 'false'])

        def window():
            if not self.alive('trayer'):
                raise D.SessionError('trayer exited; log: %s' % self.log_text('trayer'))
            found = self.x_toplevels(name='panel', cls='trayer')
            return found[0]['id'] if found else None
        self.trayer_window = B.wait_until(window, timeout, interval=0.1, what='trayer panel window')
        B.wait_until(lambda: self.x_selection_owner('_NET_SYSTEM_TRAY_S0'), timeout, interval=0.1,
                     what='trayer owning _NET_SYSTEM_TRAY_S0')
        return self.trayer_window

    def x_toplevels(self, name=None, cls=None):
        """Top-level X windows (children of the root) as dicts id, name, classes, w, h, x, y;
        filtered by exact name and/or class, largest first."""
        r = subprocess.run(['/usr/bin/xwininfo', '-root', '-children'], env=self.env,
                           capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
        out = []
        for m in re.finditer(r'^\s+(0x[0-9a-f]+) (?:"([^"]*)"|\(has no name\)): \(([^)]*)\)\s+'
                             r'(\d+)x(\d+)\+(-?\d+)\+(-?\d+)', r.stdout, re.M):
            wid, wname, classes, w, h, x, y = m.groups()
            classes = re.findall(r'"([^"]*)"', classes)
            if name is not None and wname != name:
                continue
            if cls is not None and cls not in classes:
                continue
            out.append({'id': int(wid, 16), 'name': wname, 'classes': classes, 'w': int(w), 'h': int(h),
                        'x': int(x), 'y': int(y)})
        return sorted(out, key=lambda d: -d['w'] * d['h'])

    def visible_windows(self, pid):
        """Mapped windows of pid bigger than a helper window: [(id, width, height, title)]."""
        r = subprocess.run(['/usr/bin/xdotool', 'search', '--all', '--onlyvisible', '--pid', str(pid),
                            '--name', '.+'], env=self.env, capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL)
        out = []
        for wid in r.stdout.split():
            g = subprocess.run(['/usr/bin/xwininfo', '-id', wid], env=self.env, capture_output=True,
                               text=True, timeout=10, stdin=subprocess.DEVNULL)
            if '(the root window)' in g.stdout:
                continue
            w = re.search(r'Width: (\d+)', g.stdout)
            h = re.search(r'Height: (\d+)', g.stdout)
            title = re.search(r'Window id: \S+ "([^"]*)"', g.stdout)
            if w and h and int(w.group(1)) >= 100 and int(h.group(1)) >= 60:
                out.append((int(wid), int(w.group(1)), int(h.group(1)), title.group(1) if title else ''))
        return out

    def sni_host_window(self):
        found = self.x_toplevels(name='gtk-sni-tray-standalone')
        return found[0]['id'] if found and found[0]['h'] > 10 else None

    def x_selection_owner(self, selection):
        """The X window owning selection (0 if none), by XGetSelectionOwner in a helper."""
        r = subprocess.run([PYTHON, SELF, 'selection-owner', selection], env=self.env,
                           capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
        try:
            return int(r.stdout.strip())
        except ValueError:
            return 0

    def stop_trayer(self):
        self._stop_proc('trayer')

    def window_children(self, wid):
        """Child X window ids of wid, recursively (xwininfo -tree)."""
        r = subprocess.run(['/usr/bin/xwininfo', '-tree', '-id', str(wid)], env=self.env,
                           capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
        return re.findall(r'^\s+(0x[0-9a-f]+) .*?(\d+)x(\d+)\+', r.stdout, re.M), r.stdout

    def screenshot(self, wid, path):
        B.run(['/usr/bin/import', '-window', str(wid), path], env=self.env, timeout=30)
        return path

    # -- AT-SPI -----------------------------------------------------------------------------
    def start_atspi(self, timeout=15):
        self._spawn('at-spi', ['/usr/libexec/at-spi-bus-launcher', '--launch-immediately'])

        def owned():
            if not self.alive('at-spi'):
                raise D.SessionError('at-spi-bus-launcher exited; log: %s' % self.log_text('at-spi'))
            try:
                return 'unix:' in self.call('org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus',
                                            'GetAddress', None, '(s)')[0]
            except GLib.Error:
                return False
        B.wait_until(owned, timeout, interval=0.05, what='org.a11y.Bus answering')
        return self.call('org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus', 'GetAddress', None, '(s)')[0]

    def _atspi_helper(self, what, pid, seconds):
        r = subprocess.run([PYTHON, SELF, what, str(pid), str(seconds)], env=self.env,
                           capture_output=True, text=True, timeout=seconds + 20, stdin=subprocess.DEVNULL)
        try:
            return jsonlib.loads(r.stdout)
        except ValueError:
            return {'error': 'helper failed (%s): %s %s' % (r.returncode, r.stdout[-500:], r.stderr[-1500:])}

    def atspi_banner(self, pid, seconds=10):
        return self._atspi_helper('atspi-banner', pid, seconds)

    def atspi_menu(self, pid, seconds=10):
        """Names of the app's menu entries that are showing (a popped-up GtkMenu), by AT-SPI."""
        return self._atspi_helper('atspi-menu', pid, seconds)

    def click_window(self, wid):
        """A left click in the middle of X window `wid` (xdotool)."""
        B.run(['/usr/bin/xdotool', 'mousemove', '--window', str(wid), '8', '8', 'click', '1'],
              env=self.env, timeout=10)

    # -- clipboard ----------------------------------------------------------------------------
    def clipboard(self, timeout=15):
        """The CLIPBOARD selection's text as another X client sees it (None if empty)."""
        r = subprocess.run([PYTHON, SELF, 'clipboard'], env=self.env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        try:
            return jsonlib.loads(r.stdout)
        except ValueError:
            raise RuntimeError('clipboard helper failed (%s): %s' % (r.returncode, r.stderr[-1500:]))

    # -- the app --------------------------------------------------------------------------------
    def app_env(self, extra=None):
        e = dict(self.env)
        e.update(GSETTINGS_SCHEMA_DIR=os.path.join(build_dir(), 'data'),
                 GSETTINGS_BACKEND='memory',
                 BANWATCH_ICON_PATH=os.path.join(source_dir(), 'data', 'icons'),
                 NO_AT_BRIDGE='1')
        e.pop('G_DEBUG', None)
        for k, v in (extra or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return e

    def start_app(self, netns=None, env=None, name='banwatch-app'):
        argv = [os.environ['BANWATCH']]
        if netns is not None:
            argv = ['ip', 'netns', 'exec', netns.cli if isinstance(netns, B.Netns) else netns] + argv
        key = name
        n = 1
        while key in self.procs:
            n += 1
            key = '%s-%d' % (name, n)
        p = self._spawn(key, argv, env=self.app_env(env))
        app = TrayApp(self, p, key)
        self.apps.append(app)
        return app

    def stop(self):
        B.cancel_cleanup(self._cleanup)
        for app in self.apps:
            app.stop()
        self.apps = []
        for c in self.captures:
            c.stop()
        for key in ('trayer', 'sni-host', 'sni-watcher', 'dunst', 'at-spi', 'notifications'):
            self._stop_proc(key)
        for key in list(self.procs):
            if key != 'xvfb':
                self._stop_proc(key)
        if self.bus is not None:
            try:
                self.bus.close_sync(None)
            except Exception:
                pass
            self.bus = None
        self._stop_proc('xvfb')
        self.desktop.stop()


class TrayApp:
    """A running banwatch: its StatusNotifierItem and dbusmenu over D-Bus."""

    def __init__(self, session, proc, key):
        self.session = session
        self.proc = proc
        self.key = key
        self.pid = proc.pid

    def log_text(self, tail=6000):
        return self.session.log_text(self.key, tail)

    def alive(self):
        return self.proc.alive()

    def stop(self):
        self.proc.stop(grace=5)

    def quit_and_wait(self, timeout=10):
        """SIGTERM by pid, bounded; returns the exit status."""
        self.proc.signal_group(signal.SIGTERM)
        try:
            return self.proc.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            self.proc.stop(grace=2)

    def _check_alive(self):
        if not self.alive():
            raise RuntimeError('banwatch exited with %s; log:\n%s' % (self.proc.popen.returncode, self.log_text()))

    def props(self):
        """The StatusNotifierItem's properties ({} if not exported)."""
        try:
            return self.session.call(APP_ID, ITEM_PATH, 'org.freedesktop.DBus.Properties', 'GetAll',
                                     GLib.Variant('(s)', (SNI_IFACE,)), '(a{sv})')[0]
        except GLib.Error:
            return {}

    def wait_props(self, pred, timeout, what='tray item state'):
        last = [None]

        def check():
            self._check_alive()
            p = self.props()
            last[0] = p
            return p if p and pred(p) else None
        try:
            return B.wait_until(check, timeout, interval=0.1, what=what)
        except TimeoutError as e:
            raise TimeoutError('%s; last properties: %s' % (e, brief_props(last[0])))

    def layout(self):
        """(revision, root) of the dbusmenu; a node is (id, {props}, [children])."""
        rev, root = self.session.call(APP_ID, MENU_PATH, 'com.canonical.dbusmenu', 'GetLayout',
                                      GLib.Variant('(iias)', (0, -1, [])), '(u(ia{sv}av))')
        return rev, root

    def submenu(self, cid):
        """The entries of a submenu as a host reads them: AboutToShow(id) first (Banwatch
        fills a site's submenu only then), then GetLayout of that entry. [(id, label)]"""
        self.session.call(APP_ID, MENU_PATH, 'com.canonical.dbusmenu', 'AboutToShow',
                          GLib.Variant('(i)', (cid,)), '(b)')
        _, node = self.session.call(APP_ID, MENU_PATH, 'com.canonical.dbusmenu', 'GetLayout',
                                    GLib.Variant('(iias)', (cid, 1, [])), '(u(ia{sv}av))')
        return [(k[0], k[1].get('label')) for k in node[2]]

    def items(self, root=None, expand=True):
        """Top-level menu entries as dicts: id, label, type, enabled, visible, children
        ((id, label) of the submenu entries, read the way a host opens a submenu when
        `expand`), children-display."""
        if root is None:
            root = self.layout()[1]
        out = []
        for child in root[2]:
            cid, props, kids = child
            display = props.get('children-display')
            children = [(k[0], k[1].get('label')) for k in kids]
            if expand and display == 'submenu':
                children = self.submenu(cid)
            out.append({'id': cid, 'label': props.get('label'), 'type': props.get('type', 'standard'),
                        'enabled': props.get('enabled', True), 'visible': props.get('visible', True),
                        'accessible-desc': props.get('accessible-desc'),
                        'children': children, 'children-display': display})
        return out

    def labels(self):
        return [i['label'] for i in self.items(expand=False) if i['type'] != 'separator']

    def click(self, label, submenu_of=None, attempts=3):
        """Event(id, "clicked") on the entry labelled `label` (inside the submenu of the
        top-level entry whose label starts with submenu_of, if given, opened with AboutToShow
        as a host does). The layout is read right before and an unknown id is retried with
        a fresh layout. Returns the id clicked."""
        last = None
        for _ in range(attempts):
            self._check_alive()
            items = self.items(expand=False)
            target = None
            if submenu_of is None:
                for i in items:
                    if i['label'] == label:
                        target = i['id']
            else:
                for i in items:
                    if (i['label'] or '').startswith(submenu_of):
                        i['children'] = self.submenu(i['id'])
                        for cid, clabel in i['children']:
                            if clabel == label:
                                target = cid
            if target is None:
                raise RuntimeError('no menu entry %r%s in %r' % (label, ' under %r' % submenu_of if submenu_of else '',
                                                                 [(i['label'], i['children']) for i in items]))
            try:
                self.session.call(APP_ID, MENU_PATH, 'com.canonical.dbusmenu', 'Event',
                                  GLib.Variant('(isvu)', (target, 'clicked', GLib.Variant('i', 0), 0)), None)
                return target
            except GLib.Error as e:
                last = e
                time.sleep(0.1)
        raise RuntimeError('clicking %r failed: %s' % (label, last))


def brief_props(p):
    if not p:
        return repr(p)
    return ', '.join('%s=%r' % (k, p.get(k)) for k in ('Status', 'IconName', 'AttentionIconName', 'Title', 'Id',
                                                      'IconThemePath') if k in p)


# ---------------------------------------------------------------------------------------
# Helper modes
# ---------------------------------------------------------------------------------------

def _die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _dmenu(choice_path, log_path):
    entries = [l.rstrip('\n') for l in sys.stdin.read().split('\n') if l.strip()]
    try:
        with open(choice_path) as f:
            want = jsonlib.load(f)
    except (OSError, ValueError):
        want = []
    chosen = ''
    if want:
        for e in entries:
            if all(w in e for w in want):
                chosen = e
                break
    with open(log_path, 'a') as log:
        for e in entries:
            log.write('offered %s\n' % jsonlib.dumps(e))
        log.write('chosen %s\n' % jsonlib.dumps(chosen))
    if chosen:
        sys.stdout.write(chosen + '\n')
    return 0


def _clipboard():
    import gi
    gi.require_version('Gtk', '3.0')
    gi.require_version('Gdk', '3.0')
    from gi.repository import Gtk, Gdk
    Gtk.init([])
    cb = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)
    text = cb.wait_for_text()
    print(jsonlib.dumps(text))
    return 0


def _selection_owner(name):
    # XGetSelectionOwner through Xlib by ctypes (no extra package).
    xlib = ctypes.CDLL('libX11.so.6')
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XGetSelectionOwner.restype = ctypes.c_ulong
    xlib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    d = xlib.XOpenDisplay(None)
    if not d:
        return 1
    atom = xlib.XInternAtom(d, name.encode(), 0)
    print(xlib.XGetSelectionOwner(d, atom))
    return 0


def _atspi():
    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi
    Atspi.init()
    return Atspi


def _atspi_kids(n):
    try:
        return [n.get_child_at_index(i) for i in range(n.get_child_count())]
    except Exception:
        return []


def _atspi_walk(n, depth=0):
    yield n
    if depth < 40:
        for c in _atspi_kids(n):
            if c is not None:
                yield from _atspi_walk(c, depth + 1)


def _atspi_app(Atspi, pid):
    for a in _atspi_kids(Atspi.get_desktop(0)):
        try:
            if a is not None and a.get_process_id() == pid:
                return a
        except Exception:
            pass
    return None


def _atspi_menu(pid, seconds):
    """Polls until a menu item of the app is showing; prints {found_app, items}."""
    Atspi = _atspi()
    deadline = time.monotonic() + seconds
    result = {'found_app': False, 'items': []}
    while time.monotonic() < deadline:
        app = _atspi_app(Atspi, pid)
        if app is not None:
            result['found_app'] = True
            items = []
            for n in _atspi_walk(app):
                try:
                    if n.get_role_name() in ('menu item', 'menu') and n.get_name() and \
                            n.get_state_set().contains(Atspi.StateType.SHOWING):
                        items.append(n.get_name())
                except Exception:
                    continue
            result['items'] = items
            if items:
                break
        time.sleep(0.2)
    print(jsonlib.dumps(result))
    return 0


def _atspi_banner(pid, seconds):
    Atspi = _atspi()
    kids, walk = _atspi_kids, _atspi_walk

    deadline = time.monotonic() + seconds
    result = {'found_app': False, 'windows': [], 'banner': None}
    while time.monotonic() < deadline:
        app = _atspi_app(Atspi, pid)
        if app is not None:
            result['found_app'] = True
            result['windows'] = [w.get_name() for w in kids(app) if w is not None]
            for n in walk(app):
                try:
                    if n.get_role_name() == 'info bar' and n.get_name() == 'Banner':
                        showing = n.get_state_set().contains(Atspi.StateType.SHOWING)
                        labels = []
                        for m in walk(n):
                            if m.get_role_name() == 'label':
                                labels.append({'name': m.get_name(),
                                               'text': Atspi.Text.get_text(m, 0, -1)})
                        result['banner'] = {'showing': showing, 'labels': labels}
                except Exception:
                    continue
            if result['banner'] and result['banner']['showing']:
                break
        time.sleep(0.2)
    print(jsonlib.dumps(result))
    return 0


def _main(argv):
    _die_with_parent()
    if len(argv) == 4 and argv[1] == 'dmenu':
        return _dmenu(argv[2], argv[3])
    if len(argv) == 2 and argv[1] == 'clipboard':
        return _clipboard()
    if len(argv) == 3 and argv[1] == 'selection-owner':
        return _selection_owner(argv[2])
    if len(argv) == 4 and argv[1] == 'atspi-menu':
        return _atspi_menu(int(argv[2]), float(argv[3]))
    if len(argv) == 4 and argv[1] == 'atspi-banner':
        return _atspi_banner(int(argv[2]), float(argv[3]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(_main(sys.argv))
