#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to `banwatch probe` never reaches the network.

Usage errors exit 2 with one message on stderr starting "banwatch probe: "; key problems
are not usage errors but the observation `key-unusable` (exit 30) from the local key check.
Either way the probe ends in under a second and a real sshd, listening on the port every
case names, logs no connection at all."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402

LOOP = '127.0.0.1'
PASSPHRASE = 'correct horse battery staple'
CLOSED_FD = 57
FAST = 1.0


def argv_for(base, **over):
    """probe argv from base options; an override of None drops the option, a (name, value)
    tuple list in over['raw'] is appended verbatim."""
    opts = dict(base)
    raw = over.pop('raw', [])
    opts.update(over)
    a = ['probe']
    for name in ('host', 'port', 'user', 'key', 'timeout', 'known_hosts', 'passphrase_fd'):
        if opts.get(name) is not None:
            a += ['--' + name.replace('_', '-'), opts[name]]
    return a + list(raw)


def body(t, tmp):
    key = B.keygen(os.path.join(tmp, 'id_ed25519'))
    s = B.Sshd(tmp, authorized=[key]).start()
    kh = s.write_known_hosts(os.path.join(tmp, 'known_hosts'))
    base = dict(host=LOOP, port=str(s.port), user='root', key=key, timeout='10', known_hosts=kh)
    start_mark = s.mark()

    # Control: the base arguments really reach the server (so "no connection" means something).
    m = s.mark()
    r = B.run_banwatch(argv_for(base, raw=['--json']), tmpdir=tmp)
    t.contract(r, 'ok', 'control: the base arguments probe the sshd', sshd=s, since=m,
               host=LOOP, port=s.port, user='root')
    s.settle(m)
    start_mark = s.mark()

    def P(port):
        return 'The port “%s” is not a number between 1 and 65535' % port

    def T(v):
        return '--timeout “%s” is not a whole number of seconds between 10 and 300' % v

    usage = [
        # ports
        ('--port 0', dict(port='0'), P('0')),
        ('--port 65536', dict(port='65536'), P('65536')),
        ('--port abc', dict(port='abc'), P('abc')),
        ('--port=-1', dict(port=None, raw=['--port=-1']), P('-1')),
        ('--port 22x', dict(port='22x'), P('22x')),
        ('--port " 22"', dict(port=' 22'), P(' 22')),
        ('--port ""', dict(port=''), 'The port is empty'),
        # hosts
        ('--host ""', dict(host=''), 'The host is empty'),
        ('host with a space', dict(host='example.com evil'), 'contains a space'),
        ('host with a newline', dict(host='example.com\nProxyCommand x'), 'contains a line break'),
        ('host with ;', dict(host='example.com;id'), 'contains “;”'),
        ('host with $(x)', dict(host='h$(id)'), 'contains “$”'),
        ('host with a backtick', dict(host='h`id`'), 'contains “`”'),
        ('host starting with -', dict(host=None, raw=['--host=-oProxyCommand=id']),
         'starts with “-”, which ssh would read as an option'),
        ('host 1.2.3.999', dict(host='1.2.3.999'), '“1.2.3.999” is not a valid IPv4 address'),
        ('host with an empty label', dict(host='a..example'), 'has an empty label'),
        ('host "[::1" unclosed', dict(host='[::1'), 'does not close it'),
        ('host:port in --host', dict(host='example.com:22'), 'give the port separately'),
        # users
        ('user with ;', dict(user='root;id'), 'The user name “root;id” contains “;”'),
        ('user with $', dict(user='ro$ot'), 'The user name “ro$ot” contains “$”'),
        ('user starting with -', dict(user=None, raw=['--user=-oProxyCommand=id']),
         'The user name starts with “-”'),
        ('user with a space', dict(user='ro ot'), 'The user name contains a space'),
        ('--user ""', dict(user=''), 'The user name is empty'),
        # timeout
        ('--timeout 0', dict(timeout='0'), T('0')),
        ('--timeout abc', dict(timeout='abc'), T('abc')),
        ('--timeout 9', dict(timeout='9'), T('9')),
        ('--timeout 301', dict(timeout='301'), T('301')),
        ('--timeout -5', dict(timeout=None, raw=['--timeout=-5']), T('-5')),
        # missing and unknown options
        ('missing --host', dict(host=None), '--host is required'),
        ('missing --user', dict(user=None), '--user is required'),
        ('missing --key', dict(key=None), '--key is required'),
        ('--key ""', dict(key=''), '--key is empty'),
        ('unknown option', dict(raw=['--bogus']), 'Unknown option --bogus'),
        ('stray argument', dict(raw=['extra']), 'unexpected argument “extra”'),
        ('--known-hosts ""', dict(known_hosts=''), '--known-hosts is empty'),
        ('--known-hosts a directory', dict(known_hosts=tmp), 'is not a regular file'),
        # passphrase fd
        ('--passphrase-fd to a closed fd', dict(passphrase_fd=str(CLOSED_FD)),
         '--passphrase-fd: file descriptor %d is not open' % CLOSED_FD),
        ('--passphrase-fd abc', dict(passphrase_fd='abc'),
         '--passphrase-fd needs a file descriptor number, not “abc”'),
        # address
        ('--address not an address', dict(raw=['--address', 'nope']),
         '--address “nope” is not an IPv4 or IPv6 address'),
        ('--address 127.0.0.999', dict(raw=['--address=127.0.0.999']),
         '--address “127.0.0.999” is not an IPv4 or IPv6 address'),
        ('--address ""', dict(raw=['--address=']), '--address “” is not an IPv4 or IPv6 address'),
    ]

    for label, over, want in usage:
        m = s.mark()
        r = B.run_banwatch(argv_for(base, **over), tmpdir=tmp, timeout=10)
        c = s.counters(m)
        first = r.err.splitlines()[0] if r.err else ''
        problems = []
        if r.rc != B.EXIT_USAGE:
            problems.append('exit %s, want 2' % r.rc)
        if not first.startswith('banwatch probe: '):
            problems.append('stderr does not start with "banwatch probe: "')
        if want not in r.err:
            problems.append('stderr lacks %r' % want)
        if r.wall >= FAST:
            problems.append('took %.2fs (>= %.1fs)' % (r.wall, FAST))
        if c['connections']:
            problems.append('sshd logged %d connection(s)' % c['connections'])
        t.ok(not problems, 'usage error: %s → exit 2, "%s"' % (label, want[:60]),
             problems + B.describe_run(r))

    # -- key problems: observation key-unusable, still no connection ------------------------------
    keydir = os.path.join(tmp, 'keys')
    os.makedirs(keydir)
    garbage = os.path.join(keydir, 'garbage')
    with open(garbage, 'wb') as f:
        f.write(os.urandom(10 * 1024 * 1024))
    os.chmod(garbage, 0o600)
    empty = os.path.join(keydir, 'empty')
    open(empty, 'w').close()
    os.chmod(empty, 0o600)
    open_key = B.keygen(os.path.join(keydir, 'id_open'))
    os.chmod(open_key, 0o644)
    encrypted = B.keygen(os.path.join(keydir, 'id_encrypted'), passphrase=PASSPHRASE)
    gcm = B.keygen(os.path.join(keydir, 'id_gcm'), passphrase=PASSPHRASE,
                   cipher='aes256-gcm@openssh.com')
    chacha = B.keygen(os.path.join(keydir, 'id_chacha'), passphrase=PASSPHRASE,
                      cipher='chacha20-poly1305@openssh.com')
    missing = os.path.join(keydir, 'does_not_exist')

    key_cases = [
        ('a directory', keydir, None, 'is a folder, not a key file'),
        ('a missing file', missing, None, 'does not exist'),
        ('/dev/zero', '/dev/zero', None, 'is not a regular file'),
        ('a 10 MB garbage file', garbage, None, 'far too large for an SSH private key'),
        ('an empty file', empty, None, 'the file is empty'),
        ('a .pub file', key + '.pub', None, 'is a public key'),
        ('a 0644 key', open_key, None, 'can be read by other users (permissions 0644)'),
        ('an encrypted key, no passphrase', encrypted, None,
         'is protected by a passphrase, and none is stored'),
        ('an encrypted key, wrong passphrase', encrypted, 'wrong ' + PASSPHRASE,
         'passphrase for the key file %s is wrong' % encrypted),
        ('an aes256-gcm encrypted key (libssh would crash)', gcm, PASSPHRASE,
         'is encrypted with aes256-gcm@openssh.com, which libssh cannot decrypt'),
        ('a chacha20-poly1305 encrypted key (libssh would crash)', chacha, PASSPHRASE,
         'is encrypted with chacha20-poly1305@openssh.com, which libssh cannot decrypt'),
    ]
    for label, path, pw, want in key_cases:
        m = s.mark()
        r = B.probe(LOOP, s.port, key=path, known_hosts=kh, passphrase=pw, tmpdir=tmp)
        c = s.counters(m)
        problems = B.contract_problems(r, 'key-unusable', host=LOOP, port=s.port, user='root',
                                       timeout=10)
        msg = (r.json or {}).get('message') or ''
        if want not in msg:
            problems.append('message lacks %r' % want)
        if r.wall >= FAST:
            problems.append('took %.2fs (>= %.1fs)' % (r.wall, FAST))
        if c['connections']:
            problems.append('sshd logged %d connection(s)' % c['connections'])
        t.ok(not problems, 'key-unusable: %s → exit 30, "%s"' % (label, want[:50]),
             problems + B.describe_run(r))

    time.sleep(0.5)
    c = s.counters(start_mark)
    t.ok(c['connections'] == 0, 'sshd saw no connection from any of the %d bad inputs'
         % (len(usage) + len(key_cases)), s.log_lines()[start_mark:])

    # -- a passphrase fd that never delivers --------------------------------------------------------
    # Nothing may hang (DESIGN §3.7): the read is bounded (10 s) and ends in a usage error.
    r_fd, w_fd = os.pipe()
    try:
        r = B.run_banwatch(argv_for(base, key=encrypted, passphrase_fd=str(r_fd), raw=['--json']),
                           tmpdir=tmp, pass_fds=(r_fd,), timeout=15)
    finally:
        os.close(r_fd)
        os.close(w_fd)
    t.ok(r.rc == B.EXIT_USAGE and r.wall <= 11 and 'nothing arrived on file descriptor' in r.err,
         'a --passphrase-fd that never delivers ends within 11 s with exit 2 and a clear message',
         B.describe_run(r))

    # -- --address: connect to that address without resolving the host -----------------------
    # The tray app's children probe the address the monitor budgets by. An unresolvable name
    # with --address still reaches the sshd; its key is then unknown under that name.
    m = s.mark()
    r = B.run_banwatch(argv_for(base, host='banwatch-test.invalid', raw=['--address', LOOP, '--json']),
                       tmpdir=tmp)
    j = r.json or {}
    t.ok(r.rc == 21 and j.get('observation') == 'hostkey-unknown' and j.get('address') == LOOP and
         (j.get('hostkey') or {}).get('type') == 'ssh-ed25519' and (j.get('hostkey') or {}).get('key'),
         '--address connects without resolving: hostkey-unknown for the unknown name, with the '
         'host key for pinning in the JSON', B.describe_run(r))
    c = s.settle(m)
    t.ok(c['connections'] == 1 and c['accepted_publickey'] == 0 and c['failed_publickey'] == 0,
         'sshd saw that one connection and no authentication', s.log_lines()[m:])

    # -- key-check: the local checks, decryption included, without connecting ------------------
    mark = s.mark()

    def key_check(args, **kw):
        return B.run_banwatch(['key-check'] + args, tmpdir=tmp, timeout=15, **kw)

    for label, args, want in [
            ('no key', [], 'the key file is required'),
            ('two keys', [key, key], 'unexpected argument'),
            ('an empty name', [''], 'the key file name is empty'),
            ('--passphrase-fd to a closed fd', ['--passphrase-fd', str(CLOSED_FD), key],
             'file descriptor %d is not open' % CLOSED_FD)]:
        r = key_check(args)
        t.ok(r.rc == B.EXIT_USAGE and r.err.startswith('banwatch key-check: ') and want in r.err,
             'key-check usage error: %s → exit 2, "%s"' % (label, want), B.describe_run(r))

    r = key_check(['--json', key])
    j = r.json or {}
    t.ok(r.rc == 0 and j.get('usable') is True and j.get('type') == 'ssh-ed25519' and
         j.get('bits') == 256 and j.get('encrypted') is False and
         j.get('fingerprint') == B.fingerprint(key + '.pub'),
         'key-check --json: a plain ed25519 key is usable, with the fingerprint ssh-keygen prints',
         B.describe_run(r))
    for label, args, stdin, word in [
            ('encrypted, no passphrase', ['--json', encrypted], None, 'passphrase-required'),
            ('encrypted, wrong passphrase on stdin', ['--json', '--passphrase-fd', '0', encrypted],
             'wrong horse\n', 'wrong-passphrase'),
            ('missing file', ['--json', os.path.join(tmp, 'nope')], None, 'not-found')]:
        r = key_check(args, stdin_data=stdin)
        j = r.json or {}
        t.ok(r.rc == 30 and j.get('usable') is False and j.get('error') == word and j.get('message'),
             'key-check: %s → exit 30, "%s", with its message' % (label, word), B.describe_run(r))
    r = key_check(['--passphrase-fd', '0', encrypted], stdin_data=PASSPHRASE + '\n')
    t.ok(r.rc == 0 and 'usable' in r.out and 'encrypted' in r.out,
         'key-check: the right passphrase on stdin decrypts the key', B.describe_run(r))
    time.sleep(0.3)
    t.ok(s.counters(mark)['connections'] == 0, 'key-check never connects', s.log_lines()[mark:])


if __name__ == '__main__':
    B.main(body)
