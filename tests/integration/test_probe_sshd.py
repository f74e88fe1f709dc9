#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`banwatch probe` against real OpenSSH servers on loopback (plus two fake listeners for
what a real sshd cannot do on demand). Every observation is checked against the JSON/exit
code contract and, where a server is involved, against sshd's own log: one signed
publickey request for a login, none before the host key is trusted."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402

LOOP = '127.0.0.1'
PASSPHRASE = 'correct horse battery staple'


def body(t, tmp):
    keys = {
        'ed25519': B.keygen(os.path.join(tmp, 'id_ed25519')),
        'ecdsa': B.keygen(os.path.join(tmp, 'id_ecdsa'), type='ecdsa', bits=256),
        'rsa': B.keygen(os.path.join(tmp, 'id_rsa'), type='rsa', bits=3072),
        'encrypted ed25519': B.keygen(os.path.join(tmp, 'id_enc'), passphrase=PASSPHRASE),
    }
    other = B.keygen(os.path.join(tmp, 'id_other'))
    s = B.Sshd(tmp, authorized=keys.values()).start()
    host_fpr = s.hostkey_fingerprint()
    kh = s.write_known_hosts(os.path.join(tmp, 'known_hosts'))
    common = dict(host=LOOP, port=s.port, user='root', address=LOOP)

    # -- ok with every supported key type -------------------------------------------------
    for label, key in keys.items():
        pw = PASSPHRASE if label.startswith('encrypted') else None
        m = s.mark()
        r = B.probe(LOOP, s.port, key=key, known_hosts=kh, passphrase=pw, tmpdir=tmp)
        t.contract(r, 'ok', 'probe with %s key%s' % (label, ' via --passphrase-fd' if pw else ''),
                   sshd=s, since=m, fingerprint=host_fpr, hostkey_stored=False, **common)
        B.server_expect(t, s, m, '%s: sshd saw exactly one signed publickey login with that key'
                        % label, accepted_publickey=1, failed_publickey=0, postponed_publickey=0,
                        partial_publickey=0, auth_other=0,
                        accepted_fingerprints=[B.fingerprint(key + '.pub')])
        B.server_expect(t, s, m, '%s: clean disconnect (Received disconnect 11, no Connection '
                        'closed)' % label, connections=1, received_disconnect=1,
                        connection_closed=0, connection_reset=0)

    # -- the human form ---------------------------------------------------------------------
    m = s.mark()
    r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=kh, tmpdir=tmp, json=False)
    t.ok(r.rc == 0 and r.out.startswith('ok: ') and r.wall <= 11,
         'without --json: exit 0 and a line starting "ok: "', B.describe_run(r))
    B.server_expect(t, s, m, 'without --json: one signed login', accepted_publickey=1,
                    failed_publickey=0, postponed_publickey=0, auth_other=0)

    # -- auth-rejected ------------------------------------------------------------------------
    m = s.mark()
    r = B.probe(LOOP, s.port, key=other, known_hosts=kh, tmpdir=tmp)
    t.contract(r, 'auth-rejected', 'key not authorised', sshd=s, since=m,
               fingerprint=host_fpr, **common)
    B.server_expect(t, s, m, 'auth-rejected: sshd saw exactly one Failed publickey for that key '
                    'and nothing else', accepted_publickey=0, failed_publickey=1,
                    postponed_publickey=0, auth_other=0,
                    failed_fingerprints=[B.fingerprint(other + '.pub')])

    # -- hostkey-unknown, then --accept-new-hostkey -------------------------------------------
    kh_new = os.path.join(tmp, 'trust', 'known_hosts')
    m = s.mark()
    r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=kh_new, tmpdir=tmp)
    t.contract(r, 'hostkey-unknown', 'no known_hosts entry', sshd=s, since=m,
               fingerprint=host_fpr, hostkey_stored=False, **common)
    B.server_expect(t, s, m, 'hostkey-unknown: sshd log has no authentication or publickey line',
                    connections=1, auth_lines=[], publickey_lines=0)
    t.ok(not os.path.exists(kh_new), 'hostkey-unknown: known_hosts was not written',
         'exists: %s' % kh_new)

    m = s.mark()
    r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=kh_new, accept_new=True, tmpdir=tmp)
    t.contract(r, 'ok', '--accept-new-hostkey stores the key and logs in', sshd=s, since=m,
               fingerprint=host_fpr, hostkey_stored=True, **common)
    B.server_expect(t, s, m, '--accept-new-hostkey: one signed login', accepted_publickey=1,
                    failed_publickey=0, postponed_publickey=0, auth_other=0)
    found = B.run(['ssh-keygen', '-F', '[%s]:%d' % (LOOP, s.port), '-f', kh_new], check=False)
    t.ok(found.returncode == 0 and B.pubkey_text(s.hostkey_path() + '.pub').split()[1] in found.stdout,
         'stored entry is readable by OpenSSH (ssh-keygen -F [127.0.0.1]:PORT)',
         [found.stdout, found.stderr])

    m = s.mark()
    r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=kh_new, tmpdir=tmp)
    t.contract(r, 'ok', 'next probe with the stored key', sshd=s, since=m,
               fingerprint=host_fpr, hostkey_stored=False, **common)

    # -- hostkey-changed ------------------------------------------------------------------------
    with open(kh_new, 'rb') as f:
        pinned = f.read()
    s.regenerate_hostkey()
    s.restart()
    new_fpr = s.hostkey_fingerprint()
    t.ok(new_fpr != host_fpr, 'sshd restarted with a new host key', [host_fpr, new_fpr])
    for accept in (False, True):
        label = 'changed host key' + (' with --accept-new-hostkey' if accept else '')
        m = s.mark()
        r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=kh_new, accept_new=accept,
                    tmpdir=tmp)
        t.contract(r, 'hostkey-changed', label, sshd=s, since=m, fingerprint=new_fpr,
                   hostkey_stored=False, **common)
        B.server_expect(t, s, m, '%s: sshd log has no authentication or publickey line' % label,
                        connections=1, auth_lines=[], publickey_lines=0)
        with open(kh_new, 'rb') as f:
            t.ok(f.read() == pinned, '%s: known_hosts unchanged' % label)

    # -- the default known_hosts: $XDG_DATA_HOME/banwatch/known_hosts ------------------------------
    default_kh = os.path.join(B.banwatch_env(tmp)['XDG_DATA_HOME'], 'banwatch', 'known_hosts')
    r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=None, accept_new=True, tmpdir=tmp)
    t.contract(r, 'ok', 'no --known-hosts, --accept-new-hostkey', fingerprint=new_fpr,
               hostkey_stored=True, **common)
    t.ok(os.path.exists(default_kh) and
         B.pubkey_text(s.hostkey_path() + '.pub').split()[1] in open(default_kh).read(),
         'the key went to $XDG_DATA_HOME/banwatch/known_hosts', default_kh)
    r = B.probe(LOOP, s.port, key=keys['ed25519'], known_hosts=None, tmpdir=tmp)
    t.contract(r, 'ok', 'no --known-hosts: the default file is used', fingerprint=new_fpr,
               hostkey_stored=False, **common)
    s.stop()

    # -- auth-partial ---------------------------------------------------------------------------
    p = B.Sshd(tmp, name='sshd-partial', authorized=[keys['ed25519']],
               extra_config='AuthenticationMethods publickey,password\n'
                            'PasswordAuthentication yes').start()
    khp = p.write_known_hosts(os.path.join(tmp, 'known_hosts_partial'))
    m = p.mark()
    r = B.probe(LOOP, p.port, key=keys['ed25519'], known_hosts=khp, tmpdir=tmp)
    t.contract(r, 'auth-partial', 'AuthenticationMethods publickey,password', sshd=p, since=m,
               host=LOOP, port=p.port, user='root', fingerprint=p.hostkey_fingerprint())
    B.server_expect(t, p, m, 'auth-partial: one Partial publickey, no password/none/other attempt',
                    partial_publickey=1, accepted_publickey=0, failed_publickey=0,
                    postponed_publickey=0, auth_other=0)
    p.stop()

    # -- protocol-mismatch ------------------------------------------------------------------------
    pq = B.Sshd(tmp, name='sshd-pq', authorized=[keys['ed25519']],
                extra_config='KexAlgorithms sntrup761x25519-sha512@openssh.com').start()
    khq = pq.write_known_hosts(os.path.join(tmp, 'known_hosts_pq'))
    m = pq.mark()
    r = B.probe(LOOP, pq.port, key=keys['ed25519'], known_hosts=khq, tmpdir=tmp)
    t.contract(r, 'protocol-mismatch', 'sshd offers only sntrup761x25519 KEX', sshd=pq, since=m,
               host=LOOP, port=pq.port, user='root')
    B.server_expect(t, pq, m, 'protocol-mismatch: no authentication line', auth_lines=[])
    pq.stop()

    # -- closed-before-banner: PerSourceMaxStartups, then MaxStartups ----------------------------
    lim = B.Sshd(tmp, name='sshd-limited', authorized=[keys['ed25519']],
                 extra_config='PerSourceMaxStartups 1\nLoginGraceTime 0').start()
    khl = lim.write_known_hosts(os.path.join(tmp, 'known_hosts_limited'))
    for label, extra in (('PerSourceMaxStartups 1', None),
                         ('MaxStartups 1:100:1', 'MaxStartups 1:100:1\nLoginGraceTime 0')):
        if extra is not None:
            lim.set_extra_config(extra)
            lim.reload()
        held = B.HeldConnection(LOOP, lim.port)
        m = lim.mark()
        r = B.probe(LOOP, lim.port, key=keys['ed25519'], known_hosts=khl, tmpdir=tmp)
        t.contract(r, 'closed-before-banner', '%s with one held pre-auth connection' % label,
                   sshd=lim, since=m, host=LOOP, port=lim.port, user='root')
        t.ok(r.wall < 3, '%s: the close is reported at once, not after a deadline (%.2fs)'
             % (label, r.wall))
        B.server_expect(t, lim, m, '%s: sshd dropped it, no authentication line' % label,
                        settle=False, dropped=1, auth_lines=[])
        held.close()
        # Control: with the held connection gone the same probe logs in.
        B.wait_until(lambda: not B.descendants(lim.pid), 10, what='held connection to end')
        m = lim.mark()
        r = B.probe(LOOP, lim.port, key=keys['ed25519'], known_hosts=khl, tmpdir=tmp)
        t.contract(r, 'ok', '%s: control probe without the held connection' % label,
                   sshd=lim, since=m, host=LOOP, port=lim.port, user='root')
    lim.stop()

    # -- fake listeners: banner-timeout, closed-during-handshake ----------------------------------
    silent = B.FakeListener('silent')
    r = B.probe(LOOP, silent.port, key=keys['ed25519'], known_hosts=kh, timeout=10, tmpdir=tmp)
    t.contract(r, 'banner-timeout', 'silent listener, --timeout 10', host=LOOP, port=silent.port,
               user='root', timeout=10, min_wall=7.9)
    t.eq(silent.accepted, 1, 'banner-timeout: exactly one TCP connection')
    silent.stop()

    fake = B.FakeListener('banner-then-close')
    r = B.probe(LOOP, fake.port, key=keys['ed25519'], known_hosts=kh, tmpdir=tmp)
    t.contract(r, 'closed-during-handshake', 'banner, then close', host=LOOP, port=fake.port,
               user='root', banner='SSH-2.0-OpenSSH_9.9')
    t.ok(fake.accepted == 1 and len(fake.client_banners) == 1 and
         fake.client_banners[0].startswith('SSH-2.0-'),
         'closed-during-handshake: one connection, the client sent its banner',
         'accepted=%d banners=%r' % (fake.accepted, fake.client_banners))
    fake.stop()


if __name__ == '__main__':
    B.main(body)
