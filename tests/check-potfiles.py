#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""POTFILES must list every source file with translatable strings, and only existing
files. Prints TAP."""

import os
import re
import subprocess
import sys

root = sys.argv[1]
listed = [l.strip() for l in open(os.path.join(root, 'po', 'POTFILES'), encoding='utf-8') if l.strip() and not l.startswith('#')]
files = subprocess.run(['git', '-C', root, 'ls-files', 'src', 'ui', 'data'], capture_output=True, text=True,
                       check=True).stdout.split()
if not files:  # not a git checkout: walk the tree
    for top in ('src', 'ui', 'data'):
        for d, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]

pattern = re.compile(r'\b(N?_|C_|NC_|g_dgettext)\s*\(\s*"|translatable="yes"|<_?summary>|<_?description>')
needed = []
for f in files:
    if not re.search(r'\.(c|ui|xml|in)$', f):
        continue
    try:
        text = open(os.path.join(root, f), encoding='utf-8', errors='replace').read()
    except OSError:
        continue
    if f.endswith('.gschema.xml') or f.endswith('.gresource.xml'):
        if f.endswith('.gschema.xml'):
            needed.append(f)
        continue
    if pattern.search(text) or f.endswith(('.desktop.in', '.metainfo.xml.in')):
        needed.append(f)

missing = sorted(set(needed) - set(listed))
stale = sorted(f for f in listed if not os.path.exists(os.path.join(root, f)))
print('1..2')
print('%s 1 - every file with translatable strings is in po/POTFILES' % ('ok' if not missing else 'not ok'))
for f in missing:
    print('# missing: %s' % f)
print('%s 2 - po/POTFILES names only existing files' % ('ok' if not stale else 'not ok'))
for f in stale:
    print('# stale: %s' % f)
sys.exit(1 if missing or stale else 0)
