#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest: the GNOME runtime, every module pinned (an archive by
sha256, a git source by commit), the AppIndicator stack and libssh present, and the
sandbox holes exactly the minimal set. Prints TAP."""

import json
import re
import sys

path = sys.argv[1]
results = []


def check(ok, name, detail=''):
    results.append((ok, name, detail))


try:
    manifest = json.load(open(path, encoding='utf-8'))
except (OSError, ValueError) as e:
    print('1..1\nnot ok 1 - the manifest parses as JSON\n# %s' % e)
    sys.exit(1)

check(manifest.get('id') == 'io.github.banwatch.Banwatch', 'app id io.github.banwatch.Banwatch')
check(manifest.get('runtime') == 'org.gnome.Platform' and manifest.get('sdk') == 'org.gnome.Sdk',
      'the GNOME runtime and SDK')
check(str(manifest.get('runtime-version', '')).isdigit(), 'a numbered GNOME runtime version')
check(manifest.get('command') == 'banwatch', 'the command is banwatch')

modules = {m.get('name'): m for m in manifest.get('modules', []) if isinstance(m, dict)}
for name in ('libssh', 'libdbusmenu', 'ayatana-ido', 'libayatana-indicator', 'libayatana-appindicator', 'banwatch'):
    check(name in modules, 'module %s is built' % name)

order = [m.get('name') for m in manifest.get('modules', []) if isinstance(m, dict)]
check(order and order[-1] == 'banwatch', 'banwatch is built last, after its dependencies', repr(order))

for name, module in modules.items():
    if name == 'banwatch':
        continue
    sources = module.get('sources', [])
    pinned = bool(sources)
    for source in sources:
        kind = source.get('type')
        if kind in ('archive', 'file'):
            pinned &= bool(re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', ''))) and \
                      source.get('url', '').startswith('https://')
        elif kind == 'git':
            pinned &= bool(re.fullmatch(r'[0-9a-f]{40}', source.get('commit', '')))
        else:
            pinned = False
    check(pinned, 'module %s: every source is pinned (sha256 or commit) and fetched over https' % name)

expected = {
    '--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
    '--talk-name=org.kde.StatusNotifierWatcher', '--talk-name=org.freedesktop.Notifications',
    '--talk-name=org.freedesktop.secrets', '--filesystem=~/.ssh:ro',
}
args = manifest.get('finish-args', [])
check(set(args) == expected and len(args) == len(expected),
      'finish-args are exactly the minimal set', 'extra: %s; missing: %s' % (
          sorted(set(args) - expected), sorted(expected - set(args))))
check(not any(a.startswith('--filesystem=home') or a.startswith('--filesystem=host') for a in args),
      'no access to the home folder or the host file system beyond ~/.ssh, read-only')

print('1..%d' % len(results))
for i, (ok, name, detail) in enumerate(results, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
    if not ok and detail:
        print('# %s' % detail)
sys.exit(0 if all(r[0] for r in results) else 1)
