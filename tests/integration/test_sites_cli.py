#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`banwatch sites …` against a real gnome-keyring in a private desktop session.

One DesktopSession (private dbus-daemon with no service files + gnome-keyring-daemon with an
unlocked `login` collection) serves the whole file. What is checked:
  * round trips of every field through add → list --json → show --json and the keyring
    item itself (`secret-tool search --all`), for ASCII and Unicode names, IPv4, IPv6 with
    and without brackets, IDN hosts (stored as punycode), ports, users, both providers
    (xserver's default port 10022), notes with line breaks, and a passphrase that is the
    item's secret but never appears in any output or attribute;
  * edit of every field, rename, key change with a new passphrase, --clear-passphrase,
    remove; list order (case-insensitive, Unicode case too); export; import-ssh-config;
  * a bad-input matrix over add, edit, import and import-ssh-config --apply: exit code,
    a specific stderr text, and a store that is unchanged byte for byte afterwards;
  * names stay unique under concurrent `sites add`; a relative --key is stored absolute;
    export → import round trip (file and stdin);
  * 200 sites through `sites import` plus `sites add`, listed in order, with timings.
"""

import difflib
import json
import os
import re
import sys
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwdesktop as D  # noqa: E402

PASS1 = 'correct horse battery staple'
PASS2 = 'Tr0ub4dor&3 second'
SITE_KEYS = {'id', 'name', 'host', 'port', 'user', 'key', 'provider', 'notes', 'has_passphrase'}
RE_UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def order_key(name):
    """The documented order: by name, case-insensitive (Unicode case folding), in the
    C.UTF-8 locale the tests run in (code point order of the folded names)."""
    return (unicodedata.normalize('NFKC', name).casefold(), name)


class Ctx:
    def __init__(self, t, s, tmp):
        self.t, self.s, self.tmp = t, s, tmp
        self.outputs = []  # every stdout/stderr banwatch printed (passphrase leak check)

    def bw(self, args, **kw):
        r = self.s.run_banwatch(args, timeout=kw.pop('timeout', 30), **kw)
        self.outputs.append((list(args), r.out, r.err))
        return r

    def listing(self):
        r = self.bw(['sites', 'list', '--json'])
        return r, (r.json if isinstance(r.json, list) else None)

    def show(self, name):
        return self.bw(['sites', 'show', name, '--json'])

    def snapshot(self):
        """Everything observable about the store: `sites list --json` bytes and the
        canonical `secret-tool search --all` text (secrets, timestamps, attributes)."""
        r = self.bw(['sites', 'list', '--json'])
        return 'list rc=%s\n%s\n---\n%s' % (r.rc, r.out, self.s.store_snapshot())

    def items_by_id(self):
        return {i.attributes.get('id'): i for i in self.s.search()}


def site_problems(got, want):
    """Differences between one site JSON object and the expected fields (id checked for
    form; `want` may omit fields)."""
    p = []
    if not isinstance(got, dict):
        return ['not a JSON object: %r' % (got,)]
    if not SITE_KEYS <= set(got):
        p.append('members %s lack %s' % (sorted(got), sorted(SITE_KEYS - set(got))))
    if 'passphrase' in got:
        p.append('a "passphrase" member is printed')
    if not isinstance(got.get('id'), str) or not RE_UUID.match(got.get('id') or ''):
        p.append('id %r is not a UUID' % got.get('id'))
    for k, v in want.items():
        if got.get(k) != v or type(got.get(k)) is not type(v):
            p.append('%s = %r, want %r' % (k, got.get(k), v))
    return p


def item_problems(item, site, secret):
    """The keyring item matches the site JSON: schema attributes, label and secret."""
    if item is None:
        return ['no keyring item with id %r' % site.get('id')]
    p = []
    want = {'id': site['id'], 'name': site['name'], 'host': site['host'],
            'port': str(site['port']), 'user': site['user'], 'provider': site['provider'],
            'notes': site['notes']}
    if site.get('key') is not None:
        want['key-path'] = site['key']
    for k, v in want.items():
        if item.attributes.get(k) != v:
            p.append('attribute %s = %r, want %r' % (k, item.attributes.get(k), v))
    extra = set(item.attributes) - set(D.SITE_ATTRIBUTES)
    if extra:
        p.append('undocumented attributes %s' % sorted(extra))
    if item.label != 'Banwatch: %s' % site['name']:
        p.append('label %r, want %r' % (item.label, 'Banwatch: %s' % site['name']))
    if item.schema != D.SCHEMA:
        p.append('schema %r' % item.schema)
    if (item.secret or '') != secret:
        p.append('secret %r, want %r' % (item.secret, secret))
    return p


def add_args(name, host, user, key, port=None, provider=None, notes=None, passfd=False):
    a = ['sites', 'add', '--name', name, '--host', host, '--user', user, '--key', key]
    if port is not None:
        a += ['--port', str(port)]
    if provider is not None:
        a += ['--provider', provider]
    if notes is not None:
        a += ['--notes', notes]
    if passfd:
        a += ['--passphrase-fd', '{fd}']
    return a


# ---------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------

def round_trips(c, keys):
    t = c.t
    r, lst = c.listing()
    t.ok(r.rc == 0 and lst == [], 'empty store: sites list --json prints [] (exit 0)', B.describe_run(r))

    cases = [
        # label, add kwargs, expected fields
        ('ASCII name, DNS host, generic, explicit port',
         dict(name='alpha', host='shop.example.com', user='deploy', key=keys['plain'], port=2222,
              provider='generic', notes='plain note'),
         dict(host='shop.example.com', port=2222, provider='generic', notes='plain note',
              has_passphrase=False)),
        ('Japanese name, IPv4',
         dict(name='本番サーバー', host='203.0.113.10', user='ubuntu', key=keys['plain'], port=22,
              provider='generic'),
         dict(host='203.0.113.10', port=22, notes='', has_passphrase=False)),
        ('emoji name, IPv6 without brackets',
         dict(name='🚀 ロケット 🛰️', host='2001:db8::1', user='root', key=keys['plain'], port=65535,
              provider='generic'),
         dict(host='2001:db8::1', port=65535)),
        ('RTL (Hebrew) name, IPv6 in brackets stored without',
         dict(name='שרת ראשי', host='[2001:db8::2]', user='admin', key=keys['plain'], port=1,
              provider='generic'),
         dict(host='2001:db8::2', port=1)),
        ('Arabic name, IDN host stored as punycode',
         dict(name='خادم الاختبار', host='bücher.example', user='web_admin.1', key=keys['plain'],
              port=22, provider='generic'),
         dict(host='xn--bcher-kva.example', user='web_admin.1')),
        ('Japanese IDN host stored as punycode',
         dict(name='例え', host='例え.テスト', user='u', key=keys['plain'], provider='generic'),
         dict(host='xn--r8jz45g.xn--zckzah', port=22)),
        ('xserver preset without --port: port 10022',
         dict(name='Xserver main', host='sv1234.xserver.jp', user='xuser', key=keys['plain'],
              provider='xserver'),
         dict(provider='xserver', port=10022)),
        ('xserver preset with --port 22 keeps 22',
         dict(name='xserver-alt', host='sv5678.xserver.jp', user='xuser', key=keys['plain'],
              provider='xserver', port=22),
         dict(provider='xserver', port=22)),
        ('generic without --port: 22',
         dict(name='Beta', host='beta.example.org', user='deploy', key=keys['plain'],
              provider='generic'),
         dict(provider='generic', port=22)),
        ('notes with line breaks, tabs and Unicode',
         dict(name='charlie', host='charlie.example.org', user='deploy', key=keys['plain'],
              provider='generic', notes='line one\nline two\twith tab — 日本語\n\nlast line'),
         dict(notes='line one\nline two\twith tab — 日本語\n\nlast line')),
    ]
    added = {}
    for label, kw, want in cases:
        r = c.bw(add_args(**kw))
        full = dict(name=kw['name'], user=kw['user'], key=kw['key'])
        full.update(want)
        if not t.ok(r.rc == 0, 'add: %s (exit 0)' % label, B.describe_run(r)):
            continue
        rs = c.show(kw['name'])
        p = site_problems(rs.json, full) if rs.rc == 0 else ['show exit %s' % rs.rc]
        t.ok(not p, 'show --json round trip: %s' % label, p + B.describe_run(rs))
        if rs.rc == 0 and isinstance(rs.json, dict):
            added[kw['name']] = (rs.json, '')

    # The encrypted key, passphrase through --passphrase-fd.
    kw = dict(name='encrypted', host='enc.example.net', user='deploy', key=keys['enc1'],
              provider='generic', passfd=True)
    r = c.bw(add_args(**kw), passphrase=PASS1)
    t.ok(r.rc == 0, 'add with an encrypted key and --passphrase-fd (exit 0)', B.describe_run(r))
    rs = c.show('encrypted')
    p = site_problems(rs.json, dict(name='encrypted', key=keys['enc1'], has_passphrase=True, port=22))
    t.ok(not p, 'show --json: has_passphrase true for the encrypted key', p + B.describe_run(rs))
    if isinstance(rs.json, dict):
        added['encrypted'] = (rs.json, PASS1)

    # list --json: every added site, equal to show, in order.
    r, lst = c.listing()
    names = [s.get('name') for s in lst] if lst else None
    want_names = sorted(added, key=order_key)
    t.eq(names, want_names, 'list --json has every site, ordered by name (case-insensitive)',
         B.describe_run(r))
    if lst:
        diffs = [s['name'] for s in lst if s.get('name') in added and s != added[s['name']][0]]
        t.ok(not diffs, 'list --json objects equal show --json objects', diffs)

    # The keyring items: one per site, every attribute, label, and the secret.
    items = c.s.search()
    ids = [i.attributes.get('id') for i in items]
    t.eq(sorted(ids), sorted(s['id'] for s, _ in added.values()),
         'secret-tool search --all: exactly one item of the Banwatch schema per site')
    by_id = {i.attributes.get('id'): i for i in items}
    for name, (site, secret) in sorted(added.items(), key=lambda kv: order_key(kv[0])):
        p = item_problems(by_id.get(site['id']), site, secret)
        t.ok(not p, 'keyring item of “%s”: attributes, label and secret' % name, p)

    # The passphrase is the secret, looked up by the site's attributes...
    enc = added.get('encrypted', ({}, ''))[0]
    rc, secret = c.s.lookup(id=enc.get('id', '?'))
    t.eq((rc, secret), (0, PASS1), 'secret-tool lookup id … returns the passphrase')
    rc, secret = c.s.lookup(name='encrypted', host='enc.example.net')
    t.eq((rc, secret), (0, PASS1), 'secret-tool lookup name … host … returns the passphrase')
    # ...and never an attribute or label.
    leaks = ['%s: %s=%r' % (i.path, k, v) for i in items for k, v in i.attributes.items() if PASS1 in v]
    leaks += ['%s: label' % i.path for i in items if PASS1 in (i.label or '')]
    t.ok(not leaks, 'the passphrase is in no attribute and no label', leaks)

    # Addressing: exact, then unique case-insensitive; unknown name exit 4.
    rs = c.show('ALPHA')
    t.ok(rs.rc == 0 and isinstance(rs.json, dict) and rs.json.get('name') == 'alpha',
         'show ALPHA finds “alpha” (unique case-insensitive match)', B.describe_run(rs))
    rs = c.show('xserver MAIN')
    t.ok(rs.rc == 0 and isinstance(rs.json, dict) and rs.json.get('name') == 'Xserver main',
         'show “xserver MAIN” finds “Xserver main”', B.describe_run(rs))
    rs = c.bw(['sites', 'show', 'no such site'])
    t.ok(rs.rc == D.EXIT_NO_SITE and 'No site named “no such site”.' in rs.err,
         'show of an unknown name: exit 4, “No site named “no such site”.”', B.describe_run(rs))
    rs = c.bw(['sites', 'show', 'encrypted'])
    t.ok(rs.rc == 0 and 'encrypted' in rs.out and PASS1 not in rs.out,
         'show (text) prints the site, not the passphrase', B.describe_run(rs))
    rs = c.bw(['sites', 'list'])
    t.ok(rs.rc == 0 and all(n.split()[0] in rs.out for n in added) and PASS1 not in rs.out,
         'list (text) names every site', B.describe_run(rs))
    return added


# ---------------------------------------------------------------------------------------
# Edit, remove, order, export, import-ssh-config
# ---------------------------------------------------------------------------------------

def edits(c, keys):
    t = c.t
    r = c.bw(add_args('edit me', 'edit.example.com', 'deploy', keys['plain'], port=22,
                      provider='generic', notes='before'))
    t.ok(r.rc == 0, 'add “edit me”', B.describe_run(r))
    first = c.show('edit me').json or {}
    sid = first.get('id')
    current = dict(first)

    def step(label, args, changes, name, secret, passphrase=None):
        r = c.bw(['sites', 'edit', name] + args, passphrase=passphrase)
        if not t.ok(r.rc == 0, 'edit %s (exit 0)' % label, B.describe_run(r)):
            return
        current.update(changes)
        rs = c.show(current['name'])
        p = site_problems(rs.json, current)
        if isinstance(rs.json, dict) and rs.json.get('id') != sid:
            p.append('id changed from %s to %s' % (sid, rs.json.get('id')))
        t.ok(not p, 'after edit %s: show --json has the change, the same id' % label, p + B.describe_run(rs))
        items = [i for i in c.s.search() if i.attributes.get('id') == sid]
        p = ['%d items with this id' % len(items)] if len(items) != 1 else \
            item_problems(items[0], current, secret)
        t.ok(not p, 'after edit %s: one keyring item, updated' % label, p)

    step('--host (IDN)', ['--host', 'müller.example'], dict(host='xn--mller-kva.example'), 'edit me', '')
    step('--host [IPv6]', ['--host', '[2001:db8::77]'], dict(host='2001:db8::77'), 'edit me', '')
    step('--port', ['--port', '2200'], dict(port=2200), 'edit me', '')
    step('--user', ['--user', 'other.user'], dict(user='other.user'), 'edit me', '')
    step('--provider xserver', ['--provider', 'xserver'], dict(provider='xserver'), 'edit me', '')
    step('--provider generic', ['--provider', 'generic'], dict(provider='generic'), 'edit me', '')
    step('--notes (multi-line)', ['--notes', 'after\nsecond line'], dict(notes='after\nsecond line'),
         'edit me', '')
    step('--notes ""', ['--notes', ''], dict(notes=''), 'edit me', '')
    step('--key', ['--key', keys['plain2']], dict(key=keys['plain2']), 'edit me', '')
    step('rename by a case-insensitive name', ['--name', 'Edited ✓'], dict(name='Edited ✓'), 'EDIT ME', '')
    rs = c.bw(['sites', 'show', 'edit me'])
    t.ok(rs.rc == D.EXIT_NO_SITE, 'the old name is gone after the rename (exit 4)', B.describe_run(rs))
    step('rename to a different case of itself', ['--name', 'EDITED ✓'], dict(name='EDITED ✓'), 'Edited ✓', '')
    step('--key to an encrypted key with --passphrase-fd', ['--key', keys['enc2'], '--passphrase-fd', '{fd}'],
         dict(key=keys['enc2'], has_passphrase=True), 'EDITED ✓', PASS2, passphrase=PASS2)
    rc, secret = c.s.lookup(id=sid)
    t.eq((rc, secret), (0, PASS2), 'after the key change: secret-tool lookup returns the new passphrase')
    step('several fields at once', ['--host', '198.51.100.7', '--port', '22', '--user', 'root',
                                    '--notes', 'many'],
         dict(host='198.51.100.7', port=22, user='root', notes='many'), 'EDITED ✓', PASS2)
    step('--key back to a plain key with --clear-passphrase', ['--key', keys['plain'], '--clear-passphrase'],
         dict(key=keys['plain'], has_passphrase=False), 'EDITED ✓', '')
    rc, secret = c.s.lookup(id=sid)
    t.eq((rc, secret), (0, ''), 'after --clear-passphrase: the secret is empty')

    # Remove.
    r = c.bw(['sites', 'remove', 'edited ✓'])
    t.ok(r.rc == 0, 'remove by a case-insensitive name (exit 0)', B.describe_run(r))
    t.ok(sid not in c.items_by_id(), 'after remove: no keyring item with its id')
    rs = c.bw(['sites', 'show', 'EDITED ✓'])
    t.ok(rs.rc == D.EXIT_NO_SITE, 'after remove: show exits 4', B.describe_run(rs))
    t.ok(os.path.exists(keys['plain']) and os.path.exists(keys['plain'] + '.pub'),
         'remove leaves the key file alone')
    r = c.bw(['sites', 'remove', 'EDITED ✓'])
    t.ok(r.rc == D.EXIT_NO_SITE and 'No site named “EDITED ✓”.' in r.err,
         'remove again: exit 4, “No site named …”', B.describe_run(r))

    # Order: case-insensitive, Unicode case folding.
    for n in ('zulu', 'Mike', 'mike-2', 'ÄPFEL', 'äpfel-2', 'Ωmega', 'ωmega-2', 'delta', 'DELTA-2', 'Ａfull'):
        r = c.bw(add_args(n, 'order.example.com', 'u', keys['plain'], provider='generic'))
        t.ok(r.rc == 0, 'add “%s” for the order test' % n, B.describe_run(r))
    r, lst = c.listing()
    names = [s.get('name') for s in lst or []]
    t.eq(names, sorted(names, key=order_key),
         'list --json is ordered by name, case-insensitively (Unicode case folding too)',
         B.describe_run(r))
    pos = {n: i for i, n in enumerate(names)}
    pairs = [('alpha', 'Beta'), ('Beta', 'charlie'), ('delta', 'DELTA-2'), ('Mike', 'mike-2'),
             ('mike-2', 'zulu'), ('ÄPFEL', 'äpfel-2'), ('Ωmega', 'ωmega-2')]
    bad = ['%s before %s' % (b, a) for a, b in pairs if a in pos and b in pos and pos[a] > pos[b]]
    t.ok(not bad, 'case never splits names apart (alpha < Beta < charlie, ÄPFEL < äpfel-2, …)', bad)

    # Export: the documented format, no passphrases, no ids.
    out = os.path.join(c.tmp, 'export.json')
    r = c.bw(['sites', 'export', out])
    ok = r.rc == 0 and os.path.exists(out)
    data = None
    if ok:
        with open(out, encoding='utf-8') as f:
            text = f.read()
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    p = []
    if not isinstance(data, dict):
        p.append('export is not a JSON object')
    else:
        if data.get('format') != 'banwatch-sites' or data.get('version') != 1:
            p.append('format/version %r/%r' % (data.get('format'), data.get('version')))
        sites = data.get('sites')
        if not isinstance(sites, list) or len(sites) != len(lst or []):
            p.append('sites has %s entries, want %d' % (len(sites) if isinstance(sites, list) else sites,
                                                         len(lst or [])))
        else:
            for e in sites:
                if set(e) != {'name', 'host', 'port', 'user', 'key', 'provider', 'notes'}:
                    p.append('entry members %s' % sorted(e))
                    break
        if PASS1 in text or PASS2 in text:
            p.append('a passphrase is in the export')
    t.ok(ok and not p, 'sites export FILE: format banwatch-sites v1, no ids, no passphrases',
         p + B.describe_run(r))
    r = c.bw(['sites', 'export', '-'])
    try:
        same = json.loads(r.out) == data
    except ValueError:
        same = False
    t.ok(r.rc == 0 and same, 'sites export - prints the same document on stdout', B.describe_run(r))

    # import-ssh-config: preview writes nothing, --apply --only writes the chosen alias.
    cfg = os.path.join(c.tmp, 'ssh_config')
    with open(cfg, 'w') as f:
        f.write('Host web-one\n  HostName 192.0.2.10\n  Port 2201\n  User deployer\n'
                '  IdentityFile %s\n\nHost web-two\n  HostName web2.example.net\n  User deployer\n'
                '  IdentityFile %s\n' % (keys['plain'], keys['plain']))
    before = c.snapshot()
    r = c.bw(['sites', 'import-ssh-config', cfg])
    t.ok(r.rc == 0 and 'web-one' in r.out and c.snapshot() == before,
         'import-ssh-config without --apply: a preview naming the entries, nothing stored',
         B.describe_run(r))
    r = c.bw(['sites', 'import-ssh-config', cfg, '--json'])
    t.ok(r.rc == 0 and r.json is not None and c.snapshot() == before,
         'import-ssh-config --json: a JSON preview, nothing stored', B.describe_run(r))
    r = c.bw(['sites', 'import-ssh-config', cfg, '--apply', '--only', 'web-one'])
    rs = c.show('web-one')
    p = site_problems(rs.json, dict(name='web-one', host='192.0.2.10', port=2201, user='deployer',
                                    key=keys['plain'], has_passphrase=False))
    t.ok(r.rc == 0 and not p, 'import-ssh-config --apply --only web-one stores exactly that entry',
         p + B.describe_run(r) + B.describe_run(rs))
    rs = c.bw(['sites', 'show', 'web-two'])
    t.ok(rs.rc == D.EXIT_NO_SITE, '… and not web-two', B.describe_run(rs))
    r = c.bw(['sites', 'remove', 'web-one'])
    t.ok(r.rc == 0, 'remove web-one', B.describe_run(r))


# ---------------------------------------------------------------------------------------
# Bad input: nothing changes
# ---------------------------------------------------------------------------------------

def write_import(path, sites, fmt='banwatch-sites', version=1, raw=None):
    with open(path, 'w', encoding='utf-8') as f:
        if raw is not None:
            f.write(raw)
        else:
            json.dump({'format': fmt, 'version': version, 'sites': sites}, f, ensure_ascii=False)
    return path


def bad_inputs(c, keys):
    t = c.t
    tmp = c.tmp
    kdir = os.path.join(tmp, 'badkeys')
    os.makedirs(kdir, exist_ok=True)
    garbage = os.path.join(kdir, 'garbage')
    with open(garbage, 'wb') as f:
        f.write(os.urandom(10 * 1024 * 1024))
    os.chmod(garbage, 0o600)
    open_key = B.keygen(os.path.join(kdir, 'id_0644'))
    os.chmod(open_key, 0o644)
    gcm = B.keygen(os.path.join(kdir, 'id_gcm'), passphrase=PASS1, cipher='aes256-gcm@openssh.com')
    missing = os.path.join(kdir, 'does_not_exist')
    enc = keys['enc1']
    plain = keys['plain']

    # The store the matrix runs against: the sites so far, plus a few known names.
    for n in ('alpha', 'Gamma', 'Ärger'):
        if c.bw(['sites', 'show', n]).rc != 0:
            r = c.bw(add_args(n, 'matrix.example.com', 'deploy', plain, provider='generic'))
            t.ok(r.rc == 0, 'matrix store: add “%s”' % n, B.describe_run(r))

    def A(**over):
        base = dict(name='newsite', host='new.example.com', user='deploy', key=plain, port=None,
                    provider='generic', notes=None)
        base.update(over)
        return add_args(**base)

    def P(v):
        return 'The port “%s” is not a number between 1 and 65535.' % v

    long_label = 'a' * 64 + '.example.com'
    good = dict(name='imp-ok', host='imp.example.com', port=22, user='deploy', key=plain,
                provider='generic', notes='')

    def entry(**over):
        e = dict(good)
        e.update(over)
        return {k: v for k, v in e.items() if v is not Ellipsis}

    def imp(label, sites=None, raw=None, fmt='banwatch-sites', version=1, doc=None):
        path = os.path.join(tmp, 'import-%d.json' % len(cases))
        if doc is not None:
            write_import(path, None, raw=json.dumps(doc))
        else:
            write_import(path, sites, fmt=fmt, version=version, raw=raw)
        return ['sites', 'import', path]

    cases = []

    def case(label, args, rc, want, passphrase=None, more=()):
        cases.append((label, args, rc, want, passphrase, more))

    # -- sites add: names
    case('add: empty name', A(name=''), 2, 'The name is empty')
    case('add: whitespace-only name', A(name='   \t '), 2, 'The name is empty')
    case('add: duplicate name', A(name='alpha'), 2, 'already exists')
    case('add: duplicate name differing only in case', A(name='ALPHA'), 2, 'already exists')
    case('add: duplicate name differing only in Unicode case', A(name='äRGER'), 2, 'already exists')
    case('add: name with a newline', A(name='two\nlines'), 2, 'control character')
    # -- hosts
    case('add: empty host', A(host=''), 2, 'The host is empty')
    case('add: host with a space', A(host='example.com evil'), 2, 'contains a space')
    case('add: host with a newline', A(host='example.com\nProxyCommand x'), 2, 'contains a line break')
    case('add: host with ;', A(host='example.com;id'), 2, 'contains “;”')
    case('add: host with $()', A(host='h$(id)'), 2, 'contains “$”')
    case('add: host with a backtick', A(host='h`id`'), 2, 'contains “`”')
    case('add: host with a leading -', ['sites', 'add', '--name', 'newsite', '--host=-oProxyCommand=id',
                                        '--user', 'deploy', '--key', plain], 2, 'starts with “-”')
    case('add: user@host as host', A(host='deploy@example.com'), 2, 'contains “@”')
    case('add: host:22 as host', A(host='example.com:22'), 2, 'give the port separately')
    case('add: unclosed [::1', A(host='[::1'), 2, 'does not close it')
    case('add: [::1]:22 as host', A(host='[::1]:22'), 2, 'give the port separately')
    case('add: a label longer than 63', A(host=long_label), 2, 'has a label longer than 63')
    # -- ports
    case('add: port 0', A(port='0'), 2, P('0'))
    case('add: port 65536', A(port='65536'), 2, P('65536'))
    case('add: port abc', A(port='abc'), 2, P('abc'))
    case('add: port -1', A() + ['--port=-1'], 2, P('-1'))
    # -- users
    case('add: user with ;', A(user='root;id'), 2, 'The user name “root;id” contains “;”')
    case('add: user with $', A(user='ro$ot'), 2, 'The user name “ro$ot” contains “$”')
    case('add: user with a space', A(user='ro ot'), 2, 'The user name contains a space')
    case('add: user with a leading -', ['sites', 'add', '--name', 'newsite', '--host', 'h.example.com',
                                        '--user=-oProxyCommand=id', '--key', plain], 2,
         'The user name starts with “-”')
    case('add: empty user', A(user=''), 2, 'The user name is empty')
    # -- keys (the key checker's messages)
    case('add: missing key file', A(key=missing), 2, 'does not exist')
    case('add: key is a directory', A(key=kdir), 2, 'is a folder, not a key file')
    case('add: key /dev/zero', A(key='/dev/zero'), 2, 'is not a regular file')
    case('add: key is 10 MB of garbage', A(key=garbage), 2, 'far too large for an SSH private key')
    case('add: key is a public key', A(key=plain + '.pub'), 2, 'is a public key')
    case('add: key with 0644 permissions', A(key=open_key), 2,
         'can be read by other users (permissions 0644)')
    case('add: aes256-gcm encrypted key', A(key=gcm) + ['--passphrase-fd', '{fd}'], 2,
         'is encrypted with aes256-gcm@openssh.com, which libssh cannot decrypt', passphrase=PASS1)
    case('add: encrypted key without a passphrase', A(key=enc), 2, 'is protected by a passphrase')
    case('add: encrypted key, wrong passphrase', A(key=enc) + ['--passphrase-fd', '{fd}'], 2,
         'passphrase for the key file %s is wrong' % enc, passphrase='wrong ' + PASS1)
    case('add: unknown provider', A(provider='aws'), 2, 'Unknown provider “aws”')
    case('add: missing --host', ['sites', 'add', '--name', 'newsite', '--user', 'deploy', '--key', plain],
         2, '--host is required')
    # -- sites edit
    case('edit: a missing site', ['sites', 'edit', 'nope', '--port', '2222'], 4, 'No site named “nope”.')
    case('edit: rename to an existing name', ['sites', 'edit', 'alpha', '--name', 'Gamma'], 2, 'already exists')
    case('edit: rename to an existing name in another case', ['sites', 'edit', 'alpha', '--name', 'gamma'],
         2, 'already exists')
    case('edit: port 0', ['sites', 'edit', 'alpha', '--port', '0'], 2, P('0'))
    case('edit: host with a space', ['sites', 'edit', 'alpha', '--host', 'a b'], 2, 'contains a space')
    case('edit: empty name', ['sites', 'edit', 'alpha', '--name', ''], 2, 'The name is empty')
    case('edit: user with ;', ['sites', 'edit', 'alpha', '--user', 'a;b'], 2, 'contains “;”')
    case('edit: missing key file', ['sites', 'edit', 'alpha', '--key', missing], 2, 'does not exist')
    case('edit: encrypted key without a passphrase', ['sites', 'edit', 'alpha', '--key', enc], 2,
         'is protected by a passphrase')
    case('edit: unknown provider', ['sites', 'edit', 'alpha', '--provider', 'aws'], 2, 'Unknown provider “aws”')
    case('edit: --passphrase-fd with --clear-passphrase',
         ['sites', 'edit', 'alpha', '--passphrase-fd', '{fd}', '--clear-passphrase'], 2, 'exclude each other',
         passphrase=PASS1)
    # -- sites import (JSON)
    case('import: not JSON', imp('x', raw='this is not json\n'), 2, 'JSON')
    case('import: truncated JSON', imp('x', raw='{"format": "banwatch-sites", "version": 1, "sites": [{"na'),
         2, 'JSON')
    case('import: wrong "format"', imp('x', [good], fmt='other-sites'), 2, 'format')
    case('import: wrong version', imp('x', [good], version=2), 2, 'version')
    case('import: version as a string', imp('x', [good], version='1'), 2, 'version')
    case('import: no "sites"', imp('x', doc={'format': 'banwatch-sites', 'version': 1}), 2, '“sites”')
    case('import: top level is a list', imp('x', raw='[]'), 2, 'Banwatch sites file')
    case('import: an unknown top-level member', imp('x', doc={'format': 'banwatch-sites', 'version': 1,
                                                             'sites': [entry(name='top')], 'passwords': []}),
         2, 'passwords')
    case('import: a site without "host"', imp('x', [entry(name='nohost', host=Ellipsis)]), 2,
         'entry 1 (“nohost”): “host” is missing')
    case('import: a site with an unknown field', imp('x', [entry(name='extra', password='hunter2')]), 2,
         'entry 1 (“extra”): Unknown field “password”')
    case('import: port as the string "22"', imp('x', [entry(name='strport', port='22')]), 2,
         'entry 1 (“strport”): ')
    case('import: port 0', imp('x', [entry(name='port0', port=0)]), 2, 'entry 1 (“port0”): ')
    case('import: duplicate names inside the file',
         imp('x', [entry(name='dup'), entry(name='other'), entry(name='DUP')]), 2, 'entry 3 (“DUP”): ')
    case('import: a name that exists in the store', imp('x', [entry(name='new-1'), entry(name='Alpha')]), 2,
         'entry 2 (“Alpha”): ')
    case('import: bad host', imp('x', [entry(name='semi', host='a;b')]), 2, 'entry 1 (“semi”): ')
    case('import: missing key file', imp('x', [entry(name='nokey', key=missing)]), 2,
         'entry 1 (“nokey”): ')
    case('import: unknown provider', imp('x', [entry(name='prov', provider='aws')]), 2,
         'entry 1 (“prov”): Unknown provider “aws”')
    five = [entry(name='good-%d' % i, host='good%d.example.com' % i) for i in range(1, 6)]
    one_bad = five[:2] + [entry(name='bad-port', port=70000)] + five[2:]
    case('import: one bad entry among 5 good ones', imp('x', one_bad), 2, 'entry 3 (“bad-port”): ',
         more=('1 of 6', '!entry 1 (', '!entry 2 (', '!entry 4 (', '!entry 5 (', '!entry 6 ('))
    two_bad = five[:1] + [entry(name='bad-host', host='-oProxyCommand=x')] + five[1:4] + \
        [entry(name='bad-user', user='a b')] + five[4:]
    case('import: every bad entry is reported', imp('x', two_bad), 2, 'entry 2 (“bad-host”): ',
         more=('entry 6 (“bad-user”): ', '2 of 7', '!entry 1 (', '!entry 3 (', '!entry 7 ('))
    case('import: a missing file', ['sites', 'import', missing], 2, 'does_not_exist')
    case('import: a directory', ['sites', 'import', kdir], 2, 'folder')
    # -- import-ssh-config --apply
    case('import-ssh-config --apply: a missing file', ['sites', 'import-ssh-config', missing, '--apply'],
         2, 'does not exist')
    case('import-ssh-config --apply: a directory', ['sites', 'import-ssh-config', kdir, '--apply'],
         2, 'is a folder')
    cfg = os.path.join(tmp, 'bad_ssh_config')
    with open(cfg, 'w') as f:
        f.write('Host fine\n  HostName fine.example.com\n  User deploy\n  IdentityFile %s\n' % plain)
    case('import-ssh-config --apply --only an unknown alias',
         ['sites', 'import-ssh-config', cfg, '--apply', '--only', 'nosuch'], 2, 'nosuch')

    t.diag('bad-input matrix: %d cases' % len(cases))
    before = c.snapshot()
    t.ok('rc=0' in before and 'alpha' in before, 'the matrix store can be snapshot', before[:2000])
    slow = []
    for label, args, rc, want, passphrase, more in cases:
        r = c.bw(args, passphrase=passphrase, timeout=20)
        after = c.snapshot()
        p = []
        if r.rc != rc:
            p.append('exit %s, want %d' % (r.rc, rc))
        if want not in r.err:
            p.append('stderr lacks %r' % want)
        for m in more:
            if m.startswith('!'):
                if m[1:] in r.err:
                    p.append('stderr has %r (a good entry reported as bad)' % m[1:])
            elif m not in r.err:
                p.append('stderr lacks %r' % m)
        if after != before:
            p.append('the store changed:')
            p += list(difflib.unified_diff(before.splitlines(), after.splitlines(), 'before', 'after',
                                           n=1, lineterm=''))[:60]
            before = after  # judge the next case on its own
        if r.wall > 5:
            slow.append('%s %.1fs' % (label, r.wall))
        t.ok(not p, 'bad input: %s → exit %d, "%s"' % (label, rc, want[:60]), p + B.describe_run(r))
    t.ok(not slow, 'every bad input is rejected within 5 s', slow)


# ---------------------------------------------------------------------------------------
# Encrypted key on import, 200 sites
# ---------------------------------------------------------------------------------------

def import_notes(c, keys):
    t = c.t
    path = write_import(os.path.join(c.tmp, 'import-enc.json'),
                        [dict(name='imported-enc', host='ie.example.com', port=22, user='deploy',
                              key=keys['enc1'], provider='generic', notes='from a file')])
    r = c.bw(['sites', 'import', path])
    rs = c.show('imported-enc')
    p = site_problems(rs.json, dict(name='imported-enc', key=keys['enc1'], has_passphrase=False,
                                    notes='from a file'))
    t.ok(r.rc == 0 and not p and 'passphrase' in (r.out + r.err),
         'import: an encrypted key without passphrase is accepted, with a note about the passphrase',
         p + B.describe_run(r))
    r = c.bw(['sites', 'edit', 'imported-enc', '--passphrase-fd', '{fd}'], passphrase=PASS1)
    rs = c.show('imported-enc')
    rc, secret = c.s.lookup(name='imported-enc')
    t.ok(r.rc == 0 and (rs.json or {}).get('has_passphrase') is True and secret == PASS1,
         '… and its passphrase is set later with sites edit --passphrase-fd', B.describe_run(r))


def concurrency(c, keys):
    """Names stay unique when several `sites add` run at once (the tray app and a script, or
    two scripts): exactly one of N concurrent adds of the same name succeeds."""
    t = c.t
    import threading
    for trial in range(6):
        name = 'race %d' % trial
        res = [None] * 4

        def go(i):
            res[i] = c.s.run_banwatch(add_args(name, 'race%d.example.com' % i, 'deploy', keys['plain'],
                                               provider='generic'), timeout=30)
        th = [threading.Thread(target=go, args=(i,)) for i in range(len(res))]
        for x in th:
            x.start()
        for x in th:
            x.join(60)
        rcs = [r.rc if r else None for r in res]
        r, lst = c.listing()
        same = [x for x in lst or [] if x.get('name', '').casefold() == name]
        t.ok(rcs.count(0) == 1 and len(same) == 1 and all(x in (0, 2) for x in rcs),
             'concurrent adds of “%s”: exactly one succeeds, one site stored (exits %s, stored %d)'
             % (name, rcs, len(same)),
             ['%s' % [(r.rc, r.err.strip()) for r in res if r]] + ['stored: %s' % same])
        if len(same) > 1:
            rs = c.bw(['sites', 'show', name])
            t.ok(rs.rc != 0 and 'Several sites' in rs.err,
                 'with several sites named “%s”, show refuses as ambiguous instead of picking one' % name,
                 B.describe_run(rs))
        for x in same:
            c.bw(['sites', 'remove', x['name']])
    # Different names at once: all stored, none lost.
    res = [None] * 6

    def go2(i):
        res[i] = c.s.run_banwatch(add_args('parallel %d' % i, 'p%d.example.com' % i, 'deploy', keys['plain'],
                                           provider='generic'), timeout=30)
    th = [threading.Thread(target=go2, args=(i,)) for i in range(len(res))]
    for x in th:
        x.start()
    for x in th:
        x.join(60)
    r, lst = c.listing()
    got = sorted(x['name'] for x in lst or [] if x.get('name', '').startswith('parallel '))
    t.ok([r.rc for r in res if r] == [0] * 6 and got == ['parallel %d' % i for i in range(6)],
         '6 concurrent adds of different names: all succeed and all are stored',
         ['exits %s' % [r.rc if r else None for r in res], 'stored %s' % got])
    for n in got:
        c.bw(['sites', 'remove', n])


def relative_key(c, keys):
    """A relative --key is stored as an absolute path (the tray app runs elsewhere)."""
    t = c.t
    kdir = os.path.dirname(keys['plain'])
    r = c.s.run([os.environ['BANWATCH']] + add_args('relative key', 'rel.example.com', 'deploy',
                                                     os.path.basename(keys['plain']), provider='generic'),
                cwd=kdir)
    rs = c.show('relative key')
    t.ok(r.returncode == 0 and (rs.json or {}).get('key') == keys['plain'],
         'sites add --key RELATIVE (run in the key\'s folder) stores the absolute path',
         ['exit %s: %s %s' % (r.returncode, r.stdout, r.stderr)] + B.describe_run(rs))
    c.bw(['sites', 'remove', 'relative key'])


def export_import(c):
    """export → remove everything → import (file, then stdin) gives the same sites (new ids,
    no passphrases)."""
    t = c.t
    r, before = c.listing()
    path = os.path.join(c.tmp, 'roundtrip.json')
    r = c.bw(['sites', 'export', path])
    t.ok(r.rc == 0, 'export of %d sites for the round trip' % len(before or []), B.describe_run(r))
    with open(path, encoding='utf-8') as f:
        doc = f.read()
    remove_all(c)
    r = c.bw(['sites', 'import', path])
    r2, after = c.listing()

    def strip(lst):
        return [{k: v for k, v in x.items() if k not in ('id', 'has_passphrase')} for x in lst or []]
    t.ok(r.rc == 0 and strip(after) == strip(before) and all(x['has_passphrase'] is False for x in after or []),
         'export → remove all → import FILE: the same sites, without passphrases', B.describe_run(r))
    old_ids = {x['id'] for x in before or []}
    t.ok(not old_ids & {x['id'] for x in after or []}, 'imported sites get new ids')
    remove_all(c)
    r = c.bw(['sites', 'import', '-'], stdin=doc)
    r2, again = c.listing()
    t.ok(r.rc == 0 and strip(again) == strip(before), 'sites import - reads the document from stdin',
         B.describe_run(r))


def remove_all(c):
    r, lst = c.listing()
    for s in lst or []:
        c.bw(['sites', 'remove', s['name']])
    r, lst = c.listing()
    c.t.ok(r.rc == 0 and lst == [] and not c.s.search(),
           'every site removed: list --json is [] and the keyring has no Banwatch item', B.describe_run(r))


def bulk(c, keys):
    t = c.t
    n_import, n_add = 195, 5
    sites = []
    for i in range(n_import):
        flavour = i % 5
        if flavour == 0:
            name = 'site %03d' % i
        elif flavour == 1:
            name = 'Site %03d upper' % i
        elif flavour == 2:
            name = 'サーバー %03d' % i
        elif flavour == 3:
            name = 'Élan %03d' % i
        else:
            name = 'ünit %03d' % i
        sites.append(dict(name=name, host='host%d.example.net' % i, port=1000 + i, user='u%d' % i,
                          key=keys['plain'], provider='xserver' if i % 2 else 'generic',
                          notes='bulk %d' % i))
    # Not in order in the file.
    sites = sites[1::2] + sites[0::2]
    path = write_import(os.path.join(c.tmp, 'bulk.json'), sites)
    t0 = time.monotonic()
    r = c.bw(['sites', 'import', path], timeout=120)
    t_import = time.monotonic() - t0
    t.diag('import 200: %.2f s (sites import of %d entries)' % (t_import, n_import))
    t.ok(r.rc == 0, 'import of %d sites (exit 0)' % n_import, B.describe_run(r))
    t0 = time.monotonic()
    for i in range(n_add):
        r = c.bw(add_args('added %d' % i, 'added%d.example.org' % i, 'deploy', keys['plain'],
                          provider='generic'))
        t.ok(r.rc == 0, 'add “added %d” to the imported sites' % i, B.describe_run(r))
    t.diag('add %d: %.2f s' % (n_add, time.monotonic() - t0))
    t0 = time.monotonic()
    r, lst = c.listing()
    t_list = time.monotonic() - t0
    t.diag('list 200: %.2f s' % t_list)
    names = [s.get('name') for s in lst or []]
    want = sorted([s['name'] for s in sites] + ['added %d' % i for i in range(n_add)], key=order_key)
    t.eq(len(names), 200, 'list --json returns all 200 sites', B.describe_run(r)[:2])
    t.ok(names == want, 'the 200 sites are ordered by name (case-insensitive)',
         ['first difference at %d: %r vs %r' % next(((i, a, b) for i, (a, b) in enumerate(zip(names, want))
                                                     if a != b), (-1, None, None))])
    by_name = {s['name']: s for s in lst or []}
    wrong = [s['name'] for s in sites
             if site_problems(by_name.get(s['name']), dict(host=s['host'], port=s['port'], user=s['user'],
                                                         key=s['key'], provider=s['provider'],
                                                         notes=s['notes'], has_passphrase=False))]
    t.ok(not wrong, 'every imported site has the fields of its entry', wrong[:10])
    items = c.s.search()
    t.eq(len(items), 200, 'secret-tool search --all: 200 items')
    t.ok(t_list < 10, 'list of 200 sites takes under 10 s (%.2f s)' % t_list)


def body(t, tmp):
    s = D.DesktopSession(tmp)
    t.diag('desktop session up in %.2f s' % s.startup_seconds)
    c = Ctx(t, s, tmp)
    kd = os.path.join(tmp, 'keys')
    os.makedirs(kd)
    keys = dict(plain=B.keygen(os.path.join(kd, 'id_plain')),
                plain2=B.keygen(os.path.join(kd, 'id_plain2'), type='ecdsa'),
                enc1=B.keygen(os.path.join(kd, 'id_enc1'), passphrase=PASS1),
                enc2=B.keygen(os.path.join(kd, 'id_enc2'), passphrase=PASS2))
    t0 = time.monotonic()
    round_trips(c, keys)
    edits(c, keys)
    bad_inputs(c, keys)
    import_notes(c, keys)
    concurrency(c, keys)
    relative_key(c, keys)
    export_import(c)
    remove_all(c)
    bulk(c, keys)
    leaks = ['%s: %s' % (' '.join(a), w) for a, out, err in c.outputs
             for w in (PASS1, PASS2) if w in out or w in err]
    t.ok(not leaks, 'no passphrase in any of the %d outputs of banwatch' % len(c.outputs), leaks[:10])
    t.diag('total %.1f s for %d banwatch runs' % (time.monotonic() - t0, len(c.outputs)))
    s.stop()


if __name__ == '__main__':
    try:
        D.desktop_requirements()
    except B.Requirement as e:
        B.skip_or_fail(str(e))
    B.main(body, binaries=D.DESKTOP_BINARIES, deadline=540)
