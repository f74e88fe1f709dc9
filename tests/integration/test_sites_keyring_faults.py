#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A keyring that is missing or locked is an error, never an empty site list.

  (a) a private session bus with no Secret Service at all: every `sites` subcommand, `check`
      and `trust` exit 5 with "No Secret Service is available";
  (b) no session bus at all (DBUS_SESSION_BUS_ADDRESS pointing at a missing socket, no
      DISPLAY; and with no address at all): exit 5 with "No D-Bus session bus";
  (c) a real gnome-keyring whose login collection is locked: exit 6 with "The keyring
      holding Banwatch's sites is locked", `sites list` never prints an empty list, and no
      invisible unlock prompt makes anything hang;
  (d) after unlocking (and after restarting the keyring daemon), every site, attribute and
      passphrase is intact and nothing attempted while locked was written;
  (e) a Secret Service that owns its bus name but never answers (SIGSTOPped daemon, what a
      daemon blocked on an invisible prompt looks like): exit 5 within 10 s, not 25 s+;
  (f) a Secret Service with no collection at all: `sites add` exit 7 at once, no prompt.
Each fault of (a)–(d) and (f) is reported within 5 s.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwdesktop as D  # noqa: E402

PASS1 = 'correct horse battery staple'
FAST = 5.0
# A Secret Service that owns its name but never answers: GDBus alone would wait 25 s per call.
STALL_BOUND = 10.0
OTHER_FP = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'


def commands(tmp, key, enc_key):
    """(label, argv, passphrase, path that must not appear) for every command that needs
    the keyring. Site names are ones that exist in the locked keyring."""
    imp = os.path.join(tmp, 'import.json')
    with open(imp, 'w') as f:
        json.dump({'format': 'banwatch-sites', 'version': 1, 'sites': [
            {'name': 'imported', 'host': 'imp.example.com', 'port': 22, 'user': 'deploy',
             'key': key, 'provider': 'generic', 'notes': ''}]}, f)
    cfg = os.path.join(tmp, 'ssh_config')
    with open(cfg, 'w') as f:
        f.write('Host from-config\n  HostName 192.0.2.1\n  User deploy\n  IdentityFile %s\n' % key)
    export = os.path.join(tmp, 'export-%s.json')
    return [
        ('sites list', ['sites', 'list'], None, None),
        ('sites list --json', ['sites', 'list', '--json'], None, None),
        ('sites show', ['sites', 'show', 'alpha'], None, None),
        ('sites show --json', ['sites', 'show', 'alpha', '--json'], None, None),
        ('sites add', ['sites', 'add', '--name', 'new', '--host', 'new.example.com', '--user', 'u',
                       '--key', key], None, None),
        ('sites add --passphrase-fd', ['sites', 'add', '--name', 'new-enc', '--host', 'n.example.com',
                                       '--user', 'u', '--key', enc_key, '--passphrase-fd', '{fd}'],
         PASS1, None),
        ('sites edit', ['sites', 'edit', 'alpha', '--port', '2222'], None, None),
        ('sites edit --clear-passphrase', ['sites', 'edit', 'secret site', '--clear-passphrase'], None, None),
        ('sites remove', ['sites', 'remove', 'alpha'], None, None),
        ('sites import-ssh-config --apply', ['sites', 'import-ssh-config', cfg, '--apply'], None, None),
        ('sites export FILE', ['sites', 'export', export % 'file'], None, export % 'file'),
        ('sites export -', ['sites', 'export', '-'], None, None),
        ('sites import FILE', ['sites', 'import', imp], None, None),
        ('check --all', ['check', '--all'], None, None),
        ('check --all --json', ['check', '--all', '--json'], None, None),
        ('check NAME', ['check', 'alpha', '--json'], None, None),
        ('trust NAME --fingerprint', ['trust', 'alpha', '--fingerprint', OTHER_FP], None, None),
        ('trust NAME --forget', ['trust', 'alpha', '--forget'], None, None),
    ]


def empty_looking(r):
    """True if the output could be read as "there are no sites"."""
    out = r.out.strip()
    if out in ('[]', '{}') or 'No sites' in r.out or 'no sites' in r.out:
        return True
    try:
        v = json.loads(out) if out else None
    except ValueError:
        v = None
    return v == [] or (isinstance(v, dict) and v.get('sites') == [])


def expect_fault(t, r, label, rc, message, must_not_exist=None):
    p = []
    if r.rc is None:
        p.append('hung: killed after %.1f s' % r.wall)
    elif r.rc != rc:
        p.append('exit %s, want %d' % (r.rc, rc))
    if message not in r.err:
        p.append('stderr lacks %r' % message)
    if empty_looking(r):
        p.append('stdout reads like an empty site list')
    if r.wall > FAST:
        p.append('took %.2f s (> %.0f s)' % (r.wall, FAST))
    if must_not_exist and os.path.exists(must_not_exist):
        p.append('%s was written' % must_not_exist)
    return t.ok(not p, '%s → exit %d, "%s" (%.2f s)' % (label, rc, message, r.wall), p + B.describe_run(r))


def body(t, tmp):
    kd = os.path.join(tmp, 'keys')
    os.makedirs(kd)
    key = B.keygen(os.path.join(kd, 'id_plain'))
    enc_key = B.keygen(os.path.join(kd, 'id_enc'), passphrase=PASS1)
    cmds = commands(tmp, key, enc_key)

    # -- (a) a bus without a Secret Service ------------------------------------------------------
    nos = D.DesktopSession(tmp, keyring=False, name='no-secret-service')
    t.diag('bus without Secret Service up in %.2f s' % nos.startup_seconds)
    r = nos.secret_tool(['lookup', 'id', 'x'])
    t.ok('not provided by any .service files' in r.stderr,
         'control: secret-tool in this session finds no Secret Service', r.stderr)
    for label, argv, pw, path in cmds:
        r = nos.run_banwatch(argv, passphrase=pw, timeout=20)
        expect_fault(t, r, 'no Secret Service: ' + label, D.EXIT_NO_KEYRING, D.MSG_NO_SERVICE, path)
    nos.stop()

    # -- the keyring session used for (b), (c), (d) -------------------------------------------------
    s = D.DesktopSession(tmp, name='keyring')
    t.diag('keyring session up in %.2f s' % s.startup_seconds)

    # -- (b) no bus at all -------------------------------------------------------------------------
    for variant, env in (('a missing bus socket', s.no_bus_env()),
                         ('no bus address and no DISPLAY', {'DBUS_SESSION_BUS_ADDRESS': None,
                                                            'DISPLAY': None})):
        for label, argv, pw, path in cmds:
            r = s.run_banwatch(argv, passphrase=pw, timeout=20, env=env)
            expect_fault(t, r, 'no D-Bus (%s): %s' % (variant, label), D.EXIT_NO_KEYRING, D.MSG_NO_BUS, path)
            if variant != 'a missing bus socket':
                break  # one command is enough for the second variant

    # -- sites to protect --------------------------------------------------------------------------
    for argv, pw in ((['sites', 'add', '--name', 'alpha', '--host', 'alpha.example.com', '--user', 'deploy',
                       '--key', key, '--notes', 'first\nsecond'], None),
                     (['sites', 'add', '--name', 'secret site', '--host', '2001:db8::5', '--port', '2200',
                       '--user', 'deploy', '--key', enc_key, '--passphrase-fd', '{fd}', '--provider',
                       'xserver'], PASS1),
                     (['sites', 'add', '--name', 'ベータ', '--host', 'beta.example.com', '--user', 'b',
                       '--key', key], None)):
        r = s.run_banwatch(argv, passphrase=pw)
        t.ok(r.rc == 0, 'add “%s”' % argv[3], B.describe_run(r))
    r0 = s.run_banwatch(['sites', 'list', '--json'])
    t.ok(r0.rc == 0 and isinstance(r0.json, list) and len(r0.json) == 3, 'three sites stored',
         B.describe_run(r0))
    store0 = s.store_snapshot()
    items0 = s.search()

    # -- (c) locked -----------------------------------------------------------------------------
    s.lock()
    t.ok(s.collection_locked() is True, 'the login collection is locked (Service.Lock over D-Bus)')
    rc, secret = s.lookup(name='secret site')
    t.ok(rc != 0 and secret == '', 'control: secret-tool lookup gets no secret from the locked keyring',
         'rc %s, secret %r' % (rc, secret))
    for label, argv, pw, path in cmds:
        r = s.run_banwatch(argv, passphrase=pw, timeout=20)
        expect_fault(t, r, 'locked keyring: ' + label, D.EXIT_LOCKED, D.MSG_LOCKED, path)
    t.ok(s.collection_locked() is True, 'the collection is still locked afterwards (nothing unlocked it)')
    t.ok(s.keyring_proc.alive(), 'gnome-keyring-daemon survived')

    # -- (d) unlocked: everything intact --------------------------------------------------------
    s.unlock()
    t.ok(s.collection_locked() is False, 'unlocked through the keyring control socket')
    r1 = s.run_banwatch(['sites', 'list', '--json'])
    t.ok(r1.rc == 0 and r1.out == r0.out, 'after unlocking: sites list --json is byte-for-byte the same',
         B.describe_run(r1) + ['before: ' + r0.out[:1500]])
    store1 = s.store_snapshot()
    t.ok(store1 == store0, 'after unlocking: the keyring items (attributes, secrets, timestamps) are unchanged',
         ['before:', store0[:3000], 'after:', store1[:3000]])
    rc, secret = s.lookup(name='secret site')
    t.eq((rc, secret), (0, PASS1), 'after unlocking: the passphrase is the secret of “secret site”')
    for n in ('new', 'new-enc', 'imported', 'from-config'):
        r = s.run_banwatch(['sites', 'show', n])
        t.ok(r.rc == D.EXIT_NO_SITE, 'nothing attempted while locked was stored: no “%s”' % n, B.describe_run(r))
    r = s.run_banwatch(['sites', 'edit', 'alpha', '--port', '2222'])
    rs = s.run_banwatch(['sites', 'show', 'alpha', '--json'])
    t.ok(r.rc == 0 and (rs.json or {}).get('port') == 2222, 'after unlocking: edits work again',
         B.describe_run(r) + B.describe_run(rs))
    r = s.run_banwatch(['sites', 'edit', 'alpha', '--port', '22'])
    t.ok(r.rc == 0, 'edit back', B.describe_run(r))

    # Restart the daemon: the sites are on disk, not only in memory.
    s.restart_keyring()
    r2 = s.run_banwatch(['sites', 'list', '--json'])
    same = r2.rc == 0 and isinstance(r2.json, list) and \
        [dict(x) for x in r2.json] == [dict(x) for x in r0.json or []]
    t.ok(same, 'after restarting gnome-keyring-daemon: the same sites', B.describe_run(r2))
    rc, secret = s.lookup(name='secret site')
    t.eq((rc, secret), (0, PASS1), 'after restarting: the passphrase is still the secret')
    t.eq(len(s.search()), len(items0), 'after restarting: the same number of keyring items')

    # Locked once more, the listing again: never an empty list, also with --json.
    s.lock()
    for argv in (['sites', 'list'], ['sites', 'list', '--json'], ['check', '--all', '--json']):
        r = s.run_banwatch(argv, timeout=20)
        expect_fault(t, r, 'locked again: %s' % ' '.join(argv), D.EXIT_LOCKED, D.MSG_LOCKED)
    s.unlock()

    # -- (e) a Secret Service that does not answer (a daemon stuck on an invisible prompt) ------
    # The bus name is owned, every call waits. GDBus's default call timeout is 25 s; Banwatch
    # must give up much sooner and say the keyring is unavailable, not that there are no sites.
    s.freeze_keyring()
    try:
        for argv in (['sites', 'list', '--json'],
                     ['sites', 'add', '--name', 'while-frozen', '--host', 'f.example.com', '--user', 'u',
                      '--key', key]):
            r = s.run_banwatch(argv, timeout=20)
            p = []
            if r.rc is None:
                p.append('still running after %.0f s: killed' % r.wall)
            elif r.rc != D.EXIT_NO_KEYRING:
                p.append('exit %s, want 5' % r.rc)
            if r.rc is not None and D.MSG_NO_SERVICE not in r.err:
                p.append('stderr lacks %r' % D.MSG_NO_SERVICE)
            if empty_looking(r):
                p.append('stdout reads like an empty site list')
            if r.wall > STALL_BOUND:
                p.append('took %.1f s (> %.0f s)' % (r.wall, STALL_BOUND))
            t.ok(not p, 'Secret Service not answering: %s → exit 5 within %.0f s (%.1f s)'
                 % (' '.join(argv[:2]), STALL_BOUND, r.wall), p + B.describe_run(r))
    finally:
        s.thaw_keyring()
    r = s.run_banwatch(['sites', 'list', '--json'])
    have = [x for x in r.json if x.get('name') != 'while-frozen'] if isinstance(r.json, list) else None
    t.ok(r.rc == 0 and have == r0.json, 'after the daemon answers again: the stored sites are intact',
         B.describe_run(r))
    s.stop()

    # -- (f) a Secret Service without any collection (a fresh account, never logged in) ------------
    fresh = D.DesktopSession(tmp, name='no-login-collection', unlock=False)
    alias, _ = fresh.keyring_state()
    t.ok(alias in (None, '/'), 'control: gnome-keyring without --unlock has no default collection (%r)' % alias)
    r = fresh.run_banwatch(['sites', 'add', '--name', 'first', '--host', 'first.example.com', '--user', 'u',
                            '--key', key], timeout=20)
    t.ok(r.rc == D.EXIT_WRITE and 'no default keyring' in r.err and r.wall <= FAST,
         'no default collection: sites add → exit 7 “no default keyring …” within 5 s, no prompt (%.2f s)'
         % r.wall, B.describe_run(r))
    r = fresh.run_banwatch(['sites', 'list', '--json'], timeout=20)
    t.ok(r.rc == 0 and r.json == [] and r.wall <= FAST,
         'no default collection: sites list --json is truthfully [] (nothing was ever stored)', B.describe_run(r))
    fresh.stop()


if __name__ == '__main__':
    try:
        D.desktop_requirements()
    except B.Requirement as e:
        B.skip_or_fail(str(e))
    B.main(body, binaries=D.DESKTOP_BINARIES, deadline=300)
