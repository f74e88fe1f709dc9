#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that banwatch(1) and `--help` agree: every command the binary lists is
documented, and every long option each command's --help shows is named in the man page's
entry for that command. Prints TAP."""

import os
import re
import subprocess
import sys

banwatch, manpage = sys.argv[1], sys.argv[2]
text = open(manpage, encoding='utf-8').read()
# Unescape roff: "\-" is a dash.
plain = text.replace('\\-', '-')

entries = {}
current = None
for line in plain.splitlines():
    m = re.match(r'^\.B (sites [a-z-]+|[a-z-]+)\b', line)
    if m and current == 'TP':
        key = m.group(1)
        entries.setdefault(key, [])
        section = key
    current = 'TP' if line.startswith('.TP') else None
    if 'section' in dir() and section:
        entries.setdefault(section, []).append(line)

env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')


def help_of(args):
    r = subprocess.run([banwatch] + args + ['--help'], capture_output=True, text=True, timeout=20, env=env,
                       stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout + r.stderr


results = []
rc, top = help_of([])
commands = re.findall(r'^  ([a-z]+) ', top, flags=re.M)
results.append((rc == 0 and len(commands) >= 12, 'banwatch --help lists the commands (%d)' % len(commands), top))

sites_sub = ['list', 'show', 'add', 'edit', 'remove', 'import-ssh-config', 'export', 'import']
for command in commands:
    if command == 'help':
        continue
    names = ['sites ' + s for s in sites_sub] if command == 'sites' else [command]
    for name in names:
        body = '\n'.join(entries.get(name, []))
        results.append((bool(body), 'banwatch(1) documents “%s”' % name, ''))
        rc, out = help_of(name.split())
        options = sorted(set(re.findall(r'--([a-z][a-z-]+)', out)) - {'help', 'help-all'})
        missing = [o for o in options if '--' + o not in body]
        results.append((rc == 0 and not missing,
                        '“%s --help” options are all in banwatch(1): %s' % (name, ', '.join(options) or 'none'),
                        'missing: %s\n%s' % (missing, out)))

for word in ('EXIT STATUS', 'FILES', 'ENVIRONMENT'):
    results.append(('.SH ' + word in text, 'banwatch(1) has a %s section' % word, ''))

print('1..%d' % len(results))
for i, (ok, name, detail) in enumerate(results, 1):
    print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
    if not ok:
        for line in detail.splitlines()[:20]:
            print('# ' + line)
sys.exit(0 if all(r[0] for r in results) else 1)
