#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Banwatch's probe costs nothing in fail2ban's strictest mode.

sshd logs through a /dev/log receiver in its own mount namespace (auth.log lines with
timestamps and sshd[pid], which the stock filter needs), fail2ban 1.0.2 watches that file
with `filter = sshd[mode=aggressive]`, maxretry 3, and bans with nftables in the server
namespace. 30 probes in a row must add zero failures; control steps prove that the jail
really counts (a rejected key and bare TCP connects do) and that a ban reads as `refused`."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402

N_PROBES = 30


def body(t, tmp):
    key = B.keygen(os.path.join(tmp, 'id_ed25519'))
    unauthorised = B.keygen(os.path.join(tmp, 'id_unauthorised'))
    n = B.Netns('f2b')
    t.diag('namespaces %s / %s, server %s, client %s' % (n.srv, n.cli, n.srv_ip, n.cli_ip))
    s = B.Sshd(tmp, netns=n, listen=n.srv_ip, syslog=True, authorized=[key]).start()
    kh = s.write_known_hosts(os.path.join(tmp, 'known_hosts'))
    f = B.Fail2ban(tmp, n, s.log_path, mode='aggressive', maxretry=3, findtime=60, bantime=60,
                   port=s.port).start()
    st = f.status()
    t.ok(st['total_failed'] == 0 and st['currently_banned'] == 0,
         'fail2ban (aggressive, maxretry 3) watches the sshd syslog file', st['raw'])
    common = dict(host=n.srv_ip, port=s.port, user='root')

    def probe(k=key):
        return B.probe(n.srv_ip, s.port, key=k, known_hosts=kh, netns=n, tmpdir=tmp)

    # -- 30 probes in a row --------------------------------------------------------------------
    m = s.mark()
    bad, walls = [], []
    for i in range(N_PROBES):
        r = probe()
        walls.append(r.wall)
        problems = B.contract_problems(r, 'ok', address=n.srv_ip, **common)
        if problems:
            bad.append('probe %d: %s' % (i + 1, '; '.join(problems)))
            bad += B.describe_run(r)
    t.ok(not bad, '%d probes in a row, each ok within its deadline (max %.2fs)'
         % (N_PROBES, max(walls)), bad[:60])
    B.server_expect(t, s, m, 'sshd log: %d Accepted publickey, 0 Failed, %d clean disconnects'
                    % (N_PROBES, N_PROBES), accepted_publickey=N_PROBES, failed_publickey=0,
                    postponed_publickey=0, auth_other=0, received_disconnect=N_PROBES,
                    connection_closed=0, connection_reset=0)
    time.sleep(2.5)  # the polling backend looks at the file about once a second
    st = f.status()
    t.ok(st['total_failed'] == 0 and st['currently_banned'] == 0 and st['banned'] == [],
         'after %d probes fail2ban counts 0 failures and bans nobody' % N_PROBES,
         [st['raw'], f.log_text()[-3000:]])

    # -- control: the jail counts; this also syncs with fail2ban's reader -------------------------
    m = s.mark()
    r = probe(unauthorised)
    t.contract(r, 'auth-rejected', 'control: an unauthorised key', sshd=s, since=m,
               address=n.srv_ip, **common)
    try:
        st = f.wait_failed(1, timeout=20)
    except TimeoutError:
        st = f.status()
    t.ok(st['total_failed'] == 1 and st['currently_banned'] == 0,
         'control: the rejected key is 1 failure, so the %d probes before it were 0 (the reader '
         'is sequential)' % N_PROBES, [st['raw'], f.log_text()[-3000:]])

    for i in range(2):
        B.bare_connect(n.srv_ip, s.port, netns=n)
    try:
        st = B.wait_until(lambda: (lambda x: x if x['currently_banned'] else None)(f.status()),
                          20, interval=0.2, what='fail2ban to ban')
        B.wait_until(lambda: f.nft_has(n.cli_ip), 10, what='the nftables ban')
    except TimeoutError:
        st = f.status()
    t.ok(st['total_failed'] == 3 and st['banned'] == [n.cli_ip],
         'control: 2 bare TCP connects are failures too; at maxretry 3 fail2ban banned %s'
         % n.cli_ip, [st['raw'], f.log_text()[-3000:]])

    # -- the ban reads as refused (heavier stage) -------------------------------------------------
    m = s.mark()
    r = probe()
    t.contract(r, 'refused', 'probe while fail2ban bans the client', address=n.srv_ip, **common)
    B.server_expect(t, s, m, 'refused: sshd saw no connection', settle=False, connections=0)

    f.unbanip(n.cli_ip)
    B.wait_until(lambda: not f.nft_has(n.cli_ip), 10, what='unban in nftables')
    m = s.mark()
    r = probe()
    t.contract(r, 'ok', 'after unbanip the probe is ok again', sshd=s, since=m,
               address=n.srv_ip, **common)

    # -- an explicit banip -------------------------------------------------------------------------
    f.banip(n.cli_ip)
    B.wait_until(lambda: f.nft_has(n.cli_ip), 10, what='banip in nftables')
    m = s.mark()
    r = probe()
    t.contract(r, 'refused', 'fail2ban-client set sshd banip %s' % n.cli_ip, address=n.srv_ip,
               **common)
    B.server_expect(t, s, m, 'banip: sshd saw no connection', settle=False, connections=0)
    st = f.status()
    t.ok(st['total_failed'] == 3, 'the refused probes added no failures', st['raw'])
    f.unbanip(n.cli_ip)
    B.wait_until(lambda: not f.nft_has(n.cli_ip), 10, what='unban in nftables')

    # -- measured: what a first contact costs ---------------------------------------------------
    # hostkey-unknown ends before authentication, which aggressive mode counts as a pre-auth
    # disconnect. A rejected key after it marks the end for the sequential reader.
    before = f.status()['total_failed']
    m = s.mark()
    r = B.probe(n.srv_ip, s.port, key=key, known_hosts=os.path.join(tmp, 'kh_empty'), netns=n,
                tmpdir=tmp)
    t.contract(r, 'hostkey-unknown', 'first contact', sshd=s, since=m, address=n.srv_ip, **common)
    probe(unauthorised)
    try:
        f.wait_failed(before + 1, timeout=20)
        time.sleep(1.5)
    except TimeoutError:
        pass
    cost = f.status()['total_failed'] - before - 1
    t.ok(cost <= 1, 'a first contact (hostkey-unknown) costs %d failure(s) in aggressive mode '
         '(at most 1: no authentication is sent)' % cost, s.log_lines()[m:])
    t.diag('measured: hostkey-unknown costs %d fail2ban failure(s) in aggressive mode' % cost)
    f.stop()


if __name__ == '__main__':
    B.main(body, binaries=('ip', 'nft', 'fail2ban-server', 'fail2ban-client'), need_netns=True)
