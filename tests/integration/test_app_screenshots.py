# SPDX-License-Identifier: GPL-3.0-or-later
"""Screenshots of every surface of the window, as test artefacts: the main window with a
few sites (one healthy, one healthy through it, one likely banned with the web port
answering, one whose server refuses), Add/Edit, Import, Explain, Preferences and
Maintenance mode; in the
light and the dark theme (GTK_THEME=Adwaita, Adwaita:dark), in English and in Japanese.

They are saved under BUILD/screenshots/ (BUILD is $MESON_BUILD_ROOT or the tree $BANWATCH
was built in), and each must exist and not be blank (/usr/bin/convert's standard
deviation of the pixels). The server is a real loopback sshd; the "banned" server is a
closed port on 127.0.0.2 whose web port 443 answers; the ban history of the healthy
server is two past episodes written into Banwatch's history database.

Japanese: the ja_JP.UTF-8 locale is compiled into a private LOCPATH with localedef, and
the build's po/ja/LC_MESSAGES/banwatch.mo is bind-mounted as /usr/local/share/locale in
the app's own mount namespace (LOCALEDIR of an uninstalled build). Strings that
po/ja.po does not translate yet stay English; GTK's own strings come from the system.
"""

import gettext
import os
import pwd
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwgui as G  # noqa: E402

HOUR = 3600 * 1000000


class WebPort:
    """Accepts and closes TCP connections on 127.0.0.2:443: the web cross-check's answer."""

    def __init__(self, addr='127.0.0.2', port=443):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((addr, port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        B.on_cleanup(self.stop)

    def _loop(self):
        while self.running:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                continue

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


def write_ssh_config(home, key):
    d = os.path.join(home, '.ssh')
    os.makedirs(d, mode=0o700, exist_ok=True)
    with open(os.path.join(d, 'config'), 'w') as f:
        f.write('Host staging-shop\n  HostName 127.0.0.1\n  Port 2222\n  User deploy\n  IdentityFile %s\n\n'
                'Host legacy-crm\n  HostName 127.0.0.3\n  User www\n\n'
                'Host shop\n  HostName 127.0.0.1\n  User root\n  IdentityFile %s\n\n'
                'Host bastion-*\n  User admin\n\n'
                'Host internal-db\n  HostName 10.0.0.5\n  ProxyJump bastion-1\n' % (key, key))


def add_episodes(state_home, destination):
    """Two past ban episodes of one server, written the way the monitor writes them."""
    path = os.path.join(state_home, 'banwatch', 'history.db')
    B.wait_until(lambda: os.path.exists(path), 10, what='history.db')
    now = int(time.time() * 1000000)
    db = sqlite3.connect(path, timeout=5)
    try:
        db.execute('INSERT INTO episodes (destination, start, end, path) VALUES (?, ?, ?, ?)',
                   (destination, now - 6 * 24 * HOUR, now - 6 * 24 * HOUR + 14 * HOUR, 'lighter-ban,heavier-ban'))
        db.execute('INSERT INTO episodes (destination, start, end, path) VALUES (?, ?, ?, ?)',
                   (destination, now - 2 * 24 * HOUR - 20 * HOUR, now - 2 * 24 * HOUR, 'heavier-ban'))
        db.commit()
    finally:
        db.close()


def select_row(list_box, site):
    row = G.find(list_box, 'list item', name_re='^%s, ' % site)
    G.Atspi.Selection.select_child(list_box, row.get_index_in_parent())
    time.sleep(0.2)


def wait_closed(app, dlg):
    title = G.name(dlg)
    B.wait_until(lambda: not [w for w in app.windows() if G.name(w) == title], 5, what='%s closed' % title)


def body(t, tmpdir):
    key = B.keygen(os.path.join(tmpdir, 'id_site'))
    sshd = B.Sshd(tmpdir, authorized=[key]).start()
    web = WebPort()
    user = pwd.getpwuid(os.getuid()).pw_name
    closed_port = B.free_port()

    s = G.GuiSession(tmpdir)
    kh_dir = os.path.join(s.paths['data'], 'banwatch')
    os.makedirs(kh_dir, exist_ok=True)
    with open(os.path.join(kh_dir, 'known_hosts'), 'w') as f:
        f.write(sshd.known_hosts_line('127.0.0.1'))
    write_ssh_config(s.paths['home'], key)

    sites = [
        ('shop', '127.0.0.1', sshd.port, 'generic', 'Client: Tanaka Bakery'),
        ('blog', '127.0.0.1', sshd.port, 'generic', ''),
        ('cafe', '127.0.0.2', 10022, 'xserver', 'Xserver plan, fail2ban'),
        ('clinic', '127.0.0.1', closed_port, 'generic', ''),
    ]
    for name, host, port, provider, notes in sites:
        r = s.desktop.run_banwatch(['sites', 'add', '--name', name, '--host', host, '--port', port,
                                    '--user', user, '--key', key, '--provider', provider,
                                    '--notes', notes], env=s.app_env())
        if r.rc != 0:
            raise RuntimeError('sites add %s: %s' % (name, r.err))

    out = G.artefact_dir('screenshots')
    t.diag('screenshots: %s' % out)

    locpath = G.make_locale(tmpdir)
    mo = os.path.join(G.build_dir(), 'po', 'ja', 'LC_MESSAGES', 'banwatch.mo')
    share = os.path.join(tmpdir, 'share')
    os.makedirs(os.path.join(share, 'locale', 'ja', 'LC_MESSAGES'), exist_ok=True)
    if os.path.exists(mo):
        with open(mo, 'rb') as src, open(os.path.join(share, 'locale', 'ja', 'LC_MESSAGES', 'banwatch.mo'), 'wb') as dst:
            dst.write(src.read())
    t.diag('ja locale: %s; ja catalogue: %s' % (locpath or 'not available (no localedef or locale sources)',
                                                 mo if os.path.exists(mo) else 'none built'))

    variants = [('light', 'en'), ('dark', 'en'), ('light', 'ja'), ('dark', 'ja')]
    shots = []
    for i, (theme, lang) in enumerate(variants):
        env = {'GTK_THEME': 'Adwaita:dark' if theme == 'dark' else 'Adwaita'}
        mounts = ()
        tr = gettext.NullTranslations()
        if lang == 'ja':
            if locpath is None:
                # tools/deps.sh installs `locales`; without it this is a missing requirement,
                # which fails under CI=true and is reported as a TODO only by hand.
                if os.environ.get('CI') == 'true':
                    t.ok(False, 'ja variant: the ja_JP locale cannot be compiled here (package locales)')
                else:
                    t.ok(True, 'ja variant skipped: the ja_JP locale cannot be compiled here',
                         todo='no ja_JP locale sources')
                continue
            env.update(LANG='ja_JP.UTF-8', LANGUAGE='ja', LC_ALL='ja_JP.UTF-8', LOCPATH=locpath)
            mounts = ((share, '/usr/local/share'),)
            tr = gettext.translation('banwatch', localedir=os.path.join(share, 'locale'), languages=['ja'],
                                     fallback=True)
        _ = tr.gettext
        variant = '%s-%s' % (theme, lang)
        app = s.start_app(env=env, bind_mounts=mounts, name='banwatch-%s' % variant)
        win = app.window(_('Banwatch'))
        if i == 0:
            add_episodes(s.paths['state'], '127.0.0.1:%d' % sshd.port)
            G.do_action(G.find(win, 'push button', _('Check all now')))
        list_box = G.find(win, 'list box', _('Sites'))
        G.find(list_box, 'list item', name_re=r'^shop, ', timeout=10)
        # Wait until every site has been checked once (the states persist across restarts).
        unchecked = _('Not checked yet')
        try:
            B.wait_until(lambda: not [r for r in G.find_all(list_box, 'list item') if G.name(r).endswith(unchecked)],
                         20, interval=0.2, what='every site checked')
        except TimeoutError:
            t.diag('%s: some sites still unchecked: %s' % (variant, [G.name(r) for r in G.find_all(list_box, 'list item')]))
        select_row(list_box, 'shop')  # healthy, with a ban history
        time.sleep(0.3)

        def shot(what, title):
            path = os.path.join(out, '%s-%s.png' % (variant, what))
            if os.path.exists(path):
                os.unlink(path)
            app.screenshot(path, title)
            shots.append(path)
            return path

        shot('main', _('Banwatch'))

        # Add with one invalid field, so that an inline message shows.
        G.do_action(G.find(win, 'push button', _('Add site')))
        dlg = app.window(_('Add Site'))
        G.set_text(G.find(dlg, 'text', _('Name')), 'new client')
        G.set_text(G.find(dlg, 'text', _('Host')), 'exa mple.jp')
        G.set_text(G.find(dlg, 'text', _('User')), 'deploy')
        G.find(dlg, 'label', _('Host error'))
        shot('add', G.name(dlg))
        G.do_action(G.find(dlg, 'push button', _('Cancel')))
        wait_closed(app, dlg)

        G.do_action(G.find(win, 'push button', _('Edit')))
        dlg = app.window(name_re='shop')
        shot('edit', G.name(dlg))
        G.do_action(G.find(dlg, 'push button', _('Cancel')))
        wait_closed(app, dlg)

        G.do_action(G.find(win, 'push button', _('Import from ~/.ssh/config'), only_showing=False))
        dlg = app.window(_('Import from ~/.ssh/config'))
        G.find(dlg, 'check box', name_re='^staging-shop')
        shot('import', G.name(dlg))
        G.do_action(G.find(dlg, 'push button', _('Cancel')))
        wait_closed(app, dlg)

        # Explain the likely banned site.
        select_row(list_box, 'cafe')
        G.do_action(G.find(win, 'push button', _('Explain')))
        dlg = app.window(name_re='cafe')
        if lang == 'ja':
            # The client text's language is its own setting: show the Japanese one too.
            G.Atspi.Selection.select_child(G.find(dlg, 'combo box', _('Language')), 1)
        shot('explain', G.name(dlg))
        G.do_action(G.find(dlg, 'radio button', _('Safe command')))
        command = G.text(G.find(dlg, 'text', _('Command')))
        if i == 0:
            t.ok('IdentitiesOnly=yes' in command and 'IdentityAgent=none' in command,
                 'Explain shows the hardened command', command)
        shot('explain-command', G.name(dlg))
        G.do_action(G.find(dlg, 'push button', _('Close')))
        wait_closed(app, dlg)

        G.do_action(G.find(win, 'toggle button', _('Main menu')))
        # A menu item's name is its label without the mnemonic underscore.
        G.do_action(G.find(win, 'push button', _('_Preferences').replace('_', ''), timeout=5))
        dlg = app.window(_('Preferences'))
        shot('preferences', G.name(dlg))
        app.key('Escape', title=G.name(dlg))
        wait_closed(app, dlg)

        G.do_action(G.find(win, 'toggle button', _('Main menu')))
        G.do_action(G.find(win, 'push button', _('_Maintenance Mode…').replace('_', ''), timeout=5))
        dlg = app.window(_('Maintenance Mode'))
        G.do_action(G.find(dlg, 'check box', 'shop'))
        shot('maintenance', G.name(dlg))
        G.do_action(G.find(dlg, 'push button', _('Cancel')))
        wait_closed(app, dlg)

        if i == 0:
            states = {G.name(r) for r in G.find_all(list_box, 'list item')}
            t.diag('rows: %s' % sorted(states))
            t.ok('shop, Healthy' in states and 'blog, Healthy' in states,
                 'the main window shows the checked sites', sorted(states))
        t.ok(app.alive(), '%s: banwatch is still running' % variant, app.log_text())
        t.eq(app.problems(), [], '%s: no GLib or GTK critical or warning in the log' % variant)
        app.stop()

    for path in shots:
        ok = os.path.exists(path)
        size = G.png_size(path) if ok else (0, 0)
        dev = G.png_stddev(path) if ok else 0.0
        t.ok(ok and size[0] >= 300 and size[1] >= 200 and dev > 0.02,
             '%s is a picture (%dx%d, stddev %.3f)' % (os.path.basename(path), size[0], size[1], dev))
    sshd.stop()
    web.stop()


if __name__ == '__main__':
    G.main(body, deadline=110)
