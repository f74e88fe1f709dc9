# SPDX-License-Identifier: GPL-3.0-or-later
"""The main window and the Add dialog, driven through AT-SPI in a private desktop session
(Xvfb, session bus, unlocked gnome-keyring, no notification server) against a real
loopback sshd.

  * the empty state explains how to start; the banner says that no notification server
    runs;
  * Add: bad input shows the validation messages under the fields (host "exa mple",
    port 0, user "-x", an emptied key path) and Save stays insensitive; choosing Xserver
    sets port 10022 while the port was untouched; a key that does not exist is refused on
    Save with the key checker's message, and nothing is stored;
  * valid input is saved to the keyring, the row appears, "Check now" turns its badge to
    "Healthy" within the probe time, and sshd saw exactly one signed login per probe;
  * the detail pane's timeline describes the server's (empty) ban history;
  * a second server whose host key is not pinned yet reads "Host key not trusted yet";
    Trust host key… shows the fingerprint sshd really has, pins it in Banwatch's own
    known_hosts, and the site turns Healthy;
  * Escape closes a dialog; Remove empties the list again; Import from ~/.ssh/config
    stores the checked host and lists the wildcard pattern as not imported;
  * with no Secret Service at all, the banner shows the store's error and the empty page
    does not claim that there are no sites.
"""

import os
import pwd
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwgui as G  # noqa: E402

PROBE_SECONDS = 30


def body(t, tmpdir):
    key = B.keygen(os.path.join(tmpdir, 'id_site'))
    sshd = B.Sshd(tmpdir, authorized=[key]).start()
    user = pwd.getpwuid(os.getuid()).pw_name

    s = G.GuiSession(tmpdir)
    # Banwatch's own known_hosts already pins the server: no trust step in this test.
    kh_dir = os.path.join(s.paths['data'], 'banwatch')
    os.makedirs(kh_dir, exist_ok=True)
    with open(os.path.join(kh_dir, 'known_hosts'), 'w') as f:
        f.write(sshd.known_hosts_line('127.0.0.1'))

    # -- no Secret Service: an error, never "no sites" ------------------------------------
    s.desktop.keyring_proc.stop()
    s.desktop.keyring_proc = None
    broken = s.start_app(name='banwatch-no-keyring')
    bwin = broken.window('Banwatch')
    error = G.find(bwin, 'label', 'Error', timeout=10)
    t.ok('Secret Service' in G.text(error), 'without a Secret Service the banner shows the store’s error',
         G.text(error))
    titles = [G.text(n) for n in G.find_all(bwin, 'label', only_showing=True)]
    t.ok('No sites yet' not in titles and 'Banwatch cannot read your sites' in titles,
         'the empty page says the sites cannot be read instead of "No sites yet"', titles)
    broken.stop()
    s.desktop.restart_keyring()

    app = s.start_app()
    win = app.window('Banwatch')

    # -- empty state and banner ---------------------------------------------------------
    start = G.find(win, 'filler', 'Getting started')
    t.ok(G.showing(start), 'the empty state is shown when there are no sites')
    labels = [G.text(n) for n in G.find_all(start, 'label')]
    t.ok(any('~/.ssh/config' in x for x in labels) and any('never' in x for x in labels),
         'the empty state explains adding, importing and what Banwatch never does', labels)
    t.ok(G.find_all(start, 'push button', 'Add a site') and G.find_all(start, 'push button', 'Import from ~/.ssh/config'),
         'the empty state offers Add and Import')
    banner = G.find(win, 'info bar', 'Banner', timeout=5)
    warning = G.find(banner, 'label', 'Warning')
    t.ok(G.showing(banner) and 'No notification server' in G.text(warning),
         'the banner says that no notification server runs', G.text(warning))

    # -- Add: inline validation -------------------------------------------------------
    G.do_action(G.find(win, 'push button', 'Add site'))
    dlg = app.window('Add Site')
    fields = {n: G.find(dlg, 'text', n) for n in ('Name', 'Host', 'Port', 'User', 'Key file')}
    save = G.find(dlg, 'push button', 'Save')
    t.ok(not G.sensitive(save), 'Save is insensitive on an empty form')
    t.eq(G.text(fields['Port']), '22', 'the port starts at 22')

    provider = G.find(dlg, 'combo box', 'Provider')
    G.Atspi.Selection.select_child(provider, 1)
    B.wait_until(lambda: G.text(fields['Port']) == '10022', 5, what='port 10022')
    t.eq(G.text(fields['Port']), '10022', 'choosing Xserver sets port 10022 while the port is untouched')
    G.Atspi.Selection.select_child(provider, 0)

    G.set_text(fields['Name'], 'shop')
    G.set_text(fields['Host'], 'exa mple')
    G.set_text(fields['Port'], '0')
    G.set_text(fields['User'], '-x')
    G.set_text(fields['Key file'], '/nonexistent')
    G.set_text(fields['Key file'], '')
    want = {
        'Host error': 'The host contains a space; spaces and control characters are not allowed.',
        'Port error': 'The port “0” is not a number between 1 and 65535.',
        'User error': 'The user name starts with “-”, which ssh would read as an option.',
        'Key error': 'The key path is empty.',
    }
    for label, message in want.items():
        node = G.find(dlg, 'label', label, timeout=5)
        t.eq(G.text(node), message, 'inline message under the field: %s' % label)
    t.ok(not G.find_all(dlg, 'label', 'Name error', only_showing=True), 'no message under a valid name')
    t.ok(not G.sensitive(save), 'Save is insensitive while the form is invalid')

    # Fields valid, but the key file does not exist: the key checker answers on Save.
    G.set_text(fields['Host'], '127.0.0.1')
    G.set_text(fields['Port'], str(sshd.port))
    G.set_text(fields['User'], user)
    G.set_text(fields['Key file'], os.path.join(tmpdir, 'no-such-key'))
    t.ok(not G.find_all(dlg, 'label', 'Host error', only_showing=True) and
         not G.find_all(dlg, 'label', 'Port error', only_showing=True) and
         not G.find_all(dlg, 'label', 'User error', only_showing=True),
         'the messages go away once the fields are valid')
    B.wait_until(lambda: G.sensitive(save), 5, what='Save sensitive')
    G.do_action(save)
    key_error = G.find(dlg, 'label', 'Key error', timeout=10)
    t.ok('no-such-key' in G.text(key_error), 'Save runs the key check: its message is under Key',
         G.text(key_error))
    t.eq(s.desktop.search(), [], 'nothing was stored for a form whose key is unusable')

    # An encrypted key and the wrong passphrase: decrypting runs in a `banwatch key-check`
    # child (the app never loads libssh), the passphrase on its stdin; the message goes
    # under Key and nothing is stored.
    enc = B.keygen(os.path.join(tmpdir, 'id_enc'), passphrase='right horse')
    passphrase = G.find(dlg, 'password text', 'Passphrase')
    G.set_text(fields['Key file'], enc)
    G.set_text(passphrase, 'wrong horse')
    B.wait_until(lambda: G.sensitive(save), 5, what='Save sensitive')
    G.do_action(save)
    try:
        B.wait_until(lambda: 'wrong' in G.text(G.find(dlg, 'label', 'Key error')), 15, interval=0.2,
                     what='the wrong-passphrase message')
    except TimeoutError:
        pass
    shown = G.text(G.find(dlg, 'label', 'Key error'))
    t.ok('The passphrase for the key file' in shown and 'is wrong' in shown and 'id_enc' in shown,
         'a wrong passphrase is caught on Save, by the key check child: its message is under Key',
         [shown, app.log_text()])
    t.eq(s.desktop.search(), [], 'nothing was stored for a wrong passphrase')
    G.set_text(passphrase, '')

    # -- Add a valid site -----------------------------------------------------------------
    mark = sshd.mark()
    G.set_text(fields['Key file'], key)
    B.wait_until(lambda: G.sensitive(save), 5, what='Save sensitive')
    G.do_action(save)
    B.wait_until(lambda: not [w for w in app.windows() if G.name(w) == 'Add Site'], 15,
                 what='the Add dialog to close after saving')
    items = s.desktop.search()
    t.ok(len(items) == 1 and items[0].attributes.get('name') == 'shop' and
         items[0].attributes.get('port') == str(sshd.port),
         'the site is in the keyring', [i.attributes for i in items])

    sites = G.find(win, 'list box', 'Sites')
    row = G.find(sites, 'list item', name_re=r'^shop, ', timeout=10)
    t.ok(True, 'the row appears in the list: %s' % G.name(row))
    address = G.text(G.find(row, 'label', 'Address'))
    t.eq(address, '%s@127.0.0.1:%d' % (user, sshd.port), 'the row shows user@host:port')

    G.do_action(G.find(win, 'push button', 'Check now', timeout=10))
    badge = G.find(row, 'label', 'State')
    try:
        B.wait_until(lambda: G.text(badge) == 'Healthy', PROBE_SECONDS, interval=0.2, what='Healthy')
    except TimeoutError:
        pass
    t.eq(G.text(badge), 'Healthy', 'after Check now the row’s badge reads Healthy',
         ['app log:', app.log_text()] + sshd.log_lines()[mark:][-20:])
    c = sshd.settle(mark)
    t.ok(c['accepted_publickey'] >= 1 and c['failed_publickey'] == 0 and c['auth_other'] == 0,
         'sshd saw signed logins with the one key and no failure',
         ['%s = %r' % (k, c[k]) for k in ('connections', 'accepted_publickey', 'failed_publickey', 'auth_other')])
    last = G.text(G.find(row, 'label', 'Last check'))
    t.ok(last.startswith('Checked '), 'the row shows the last check', last)
    with open('/proc/%d/maps' % app.pid) as f:
        maps = f.read()
    t.ok('libssh' not in maps and 'libcrypto' not in maps,
         'the app process never loaded libssh or libcrypto: the check ran in a banwatch probe child',
         sorted({line.split()[-1] for line in maps.splitlines() if 'libssh' in line or 'libcrypto' in line}))
    exe = os.readlink('/proc/%d/exe' % app.pid)
    t.ok(os.path.basename(exe) == 'banwatch-app',
         '`banwatch` executed the tray app’s own executable, keeping its PID', exe)
    with open('/proc/%d/environ' % app.pid, 'rb') as f:
        environ = f.read().split(b'\0')
    glib = tuple(int(x) for x in B.run(['pkg-config', '--modversion', 'glib-2.0']).stdout.split('.')[:2])
    t.ok((b'G_SLICE=always-malloc' in environ) == (glib < (2, 76)),
         'GLib %d.%d: the app was executed with G_SLICE=always-malloc exactly when GLib still has '
         'its slice allocator' % glib, [e for e in environ if e.startswith(b'G_SLICE')])

    # -- preferences apply at once ------------------------------------------------------------
    def minutes_ahead(label):
        """'Next check HH:MM' → minutes from now (local time, across midnight)."""
        m = re.search(r'(\d\d):(\d\d)$', label or '')
        if not m:
            return None
        lt = time.localtime()
        return (int(m.group(1)) * 60 + int(m.group(2)) - (lt.tm_hour * 60 + lt.tm_min)) % 1440
    next_label = G.find(row, 'label', 'Next check')
    before = G.text(next_label)
    ahead_before = minutes_ahead(before)
    t.ok(ahead_before is not None and 25 <= ahead_before <= 34,
         'the next check is about 30 minutes away (the default interval): %r' % before)
    G.do_action(G.find(win, 'toggle button', 'Main menu'))
    G.do_action(G.find(win, 'push button', 'Preferences', timeout=5))
    prefs = app.window('Preferences')
    G.Atspi.Value.set_current_value(G.find(prefs, 'spin button', 'Check interval'), 5.0)
    try:
        B.wait_until(lambda: (minutes_ahead(G.text(next_label)) or 99) <= 6, 5, interval=0.2,
                     what='the next check to move')
    except TimeoutError:
        pass
    after = G.text(next_label)
    t.ok((minutes_ahead(after) or 99) <= 6,
         'a check interval of 5 minutes set in Preferences applies at once: %r → %r' % (before, after))
    app.key('Escape', title=G.name(prefs))
    B.wait_until(lambda: not [w for w in app.windows() if G.name(w) == 'Preferences'], 10,
                 what='Preferences to close')

    # -- detail pane ---------------------------------------------------------------------
    detail_badge = G.find(win, 'label', 'Selected site state')
    t.eq(G.text(detail_badge), 'Healthy', 'the detail pane shows the selected site’s state')
    timeline = G.find(win, 'chart', 'Ban timeline')
    t.ok('No ban episodes' in G.description(timeline),
         'the timeline describes the server’s ban history', G.description(timeline))
    t.ok(not G.sensitive(G.find(win, 'push button', 'Trust host key')),
         'Trust host key is insensitive for a trusted server')

    # -- a server whose host key is not trusted yet ----------------------------------------
    sshd2 = B.Sshd(tmpdir, name='sshd2', authorized=[key]).start()
    G.do_action(G.find(win, 'push button', 'Add site'))
    dlg = app.window('Add Site')
    for field, value in (('Name', 'blog'), ('Host', '127.0.0.1'), ('Port', str(sshd2.port)),
                         ('User', user), ('Key file', key)):
        G.set_text(G.find(dlg, 'text', field), value)
    save = G.find(dlg, 'push button', 'Save')
    B.wait_until(lambda: G.sensitive(save), 5, what='Save sensitive')
    G.do_action(save)
    B.wait_until(lambda: not [w for w in app.windows() if G.name(w) == 'Add Site'], 15,
                 what='the Add dialog to close after saving')
    row2 = G.find(sites, 'list item', name_re=r'^blog, ', timeout=10)
    badge2 = G.find(row2, 'label', 'State')
    G.Atspi.Selection.select_child(sites, row2.get_index_in_parent())
    try:
        B.wait_until(lambda: G.text(badge2) != 'Not checked yet', 3, interval=0.2, what='a first check')
    except TimeoutError:
        G.do_action(G.find(win, 'push button', 'Check now'))
    try:
        B.wait_until(lambda: G.text(badge2) == 'Host key not trusted yet', PROBE_SECONDS, interval=0.2,
                     what='needs trust')
    except TimeoutError:
        pass
    t.eq(G.text(badge2), 'Host key not trusted yet', 'an unpinned server reads "Host key not trusted yet"')
    trust = G.find(win, 'push button', 'Trust host key')
    B.wait_until(lambda: G.sensitive(trust), 5, what='Trust host key sensitive')
    G.do_action(trust)
    confirm = app.window(name_re='^Trust the host key')
    shown = ' '.join(G.text(n) for n in G.find_all(confirm, 'label'))
    t.ok(sshd2.hostkey_fingerprint() in shown, 'the trust dialog shows the server’s real fingerprint',
         [shown, sshd2.hostkey_fingerprint()])
    G.do_action(G.find(confirm, 'push button', 'Trust'))
    try:
        B.wait_until(lambda: G.text(badge2) == 'Healthy', PROBE_SECONDS, interval=0.2, what='Healthy')
    except TimeoutError:
        pass
    t.eq(G.text(badge2), 'Healthy', 'after trusting, the check reads Healthy', app.log_text())
    with open(os.path.join(kh_dir, 'known_hosts')) as f:
        pinned = f.read()
    t.ok('[127.0.0.1]:%d ' % sshd2.port in pinned, 'the key is pinned in Banwatch’s own known_hosts', pinned)
    sshd2.stop()

    # -- keyboard: Escape closes a dialog --------------------------------------------------
    G.do_action(G.find(win, 'push button', 'Edit'))
    edit = app.window(name_re='^Edit ')
    t.eq(G.text(G.find(edit, 'text', 'Name')), 'blog', 'Edit opens with the selected site’s values')
    app.key('Escape', title=G.name(edit))
    try:
        B.wait_until(lambda: not [w for w in app.windows() if G.name(w).startswith('Edit ')], 5,
                     what='Edit to close')
        closed = True
    except TimeoutError:
        closed = False
    t.ok(closed, 'Escape closes the Edit dialog')

    # -- Remove ----------------------------------------------------------------------------
    for n in (2, 1):
        G.do_action(G.find(win, 'push button', 'Remove'))
        confirm = app.window(name_re='^Remove ')
        G.do_action(G.find(confirm, 'push button', 'Remove'))
        B.wait_until(lambda: len(s.desktop.search()) == n - 1, 10, what='a site removed from the keyring')
    start = G.find(win, 'filler', 'Getting started', timeout=10)
    t.ok(G.showing(start), 'after Remove the empty state is back')

    # -- Import from ~/.ssh/config -------------------------------------------------------------
    ssh_dir = os.path.join(s.paths['home'], '.ssh')
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    with open(os.path.join(ssh_dir, 'config'), 'w') as f:
        f.write('Host imported-shop\n  HostName 127.0.0.1\n  Port %d\n  User %s\n  IdentityFile %s\n\n'
                'Host *.example.com\n  User deploy\n' % (sshd.port, user, key))
    G.do_action(G.find(start, 'push button', 'Import from ~/.ssh/config'))
    imp = app.window('Import from ~/.ssh/config')
    entry = G.find(imp, 'check box', 'imported-shop (new)')
    t.ok(G.has_state(entry, G.Atspi.StateType.CHECKED), 'Import lists the new host, checked')
    skipped = G.find(imp, 'label', 'Skipped lines', only_showing=False)
    t.ok('*.example.com' in G.text(skipped), 'Import lists the wildcard Host as not imported', G.text(skipped))
    G.do_action(G.find(imp, 'push button', 'Import checked sites'))
    B.wait_until(lambda: not [w for w in app.windows() if G.name(w) == 'Import from ~/.ssh/config'], 15,
                 what='the Import dialog to close')
    items = s.desktop.search()
    t.ok([i.attributes.get('name') for i in items] == ['imported-shop'] and
         items[0].attributes.get('key-path') == key and items[0].attributes.get('port') == str(sshd.port),
         'Import stored the checked host with its key and port', [i.attributes for i in items])
    G.find(G.find(win, 'list box', 'Sites'), 'list item', name_re=r'^imported-shop, ', timeout=10)
    t.ok(True, 'the imported site is listed')
    t.ok(app.alive(), 'banwatch is still running', app.log_text())
    t.eq(app.problems(), [], 'no GLib or GTK critical or warning in the log')
    app.stop()
    sshd.stop()


if __name__ == '__main__':
    G.main(body, deadline=90)
