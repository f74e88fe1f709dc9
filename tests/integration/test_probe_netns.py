#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`banwatch probe` across a veth pair between two private network namespaces, with real
firewall verdicts (nftables in the server namespace), real routing failures, real TCP
wrappers (hosts.deny bind-mounted in sshd's namespace) and a real resolver failure."""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402


def body(t, tmp):
    key = B.keygen(os.path.join(tmp, 'id_ed25519'))
    n = B.Netns('nt')
    t.diag('namespaces %s / %s, server %s, client %s' % (n.srv, n.cli, n.srv_ip, n.cli_ip))
    s = B.Sshd(tmp, netns=n, listen=n.srv_ip, authorized=[key]).start()
    kh = s.write_known_hosts(os.path.join(tmp, 'known_hosts'))
    fpr = s.hostkey_fingerprint()
    common = dict(host=n.srv_ip, port=s.port, user='root')

    def probe(port=None, host=None, **kw):
        return B.probe(host or n.srv_ip, port or s.port, key=key, known_hosts=kh, netns=n,
                       tmpdir=tmp, **kw)

    # -- ok across the veth ------------------------------------------------------------------
    m = s.mark()
    r = probe()
    t.contract(r, 'ok', 'client namespace to server namespace', sshd=s, since=m,
               address=n.srv_ip, fingerprint=fpr, **common)
    B.server_expect(t, s, m, 'ok: one signed login from %s, clean disconnect' % n.cli_ip,
                    accepted_publickey=1, failed_publickey=0, postponed_publickey=0, auth_other=0,
                    received_disconnect=1, connection_closed=0)

    # -- refused: nftables reject (what fail2ban's nftables action does) ------------------------
    n.reject_client(s.port)
    m = s.mark()
    r = probe()
    t.contract(r, 'refused', 'nft reject from the client address', address=n.srv_ip, **common)
    B.server_expect(t, s, m, 'refused: sshd saw no connection', connections=0)
    n.flush()

    # -- refused: nobody listens on the port ------------------------------------------------------
    closed_port = B.free_port()
    r = probe(port=closed_port)
    t.contract(r, 'refused', 'no listener on the port (RST)', host=n.srv_ip, port=closed_port,
               user='root', address=n.srv_ip)

    # -- timeout: nftables drop --------------------------------------------------------------------
    n.drop_client(s.port)
    m = s.mark()
    r = probe(timeout=10)
    t.contract(r, 'timeout', 'nft drop, --timeout 10', timeout=10, address=n.srv_ip, **common)
    B.server_expect(t, s, m, 'timeout: sshd saw no connection', connections=0)
    n.flush()

    # -- network-unreachable: the client loses its address and route ---------------------------
    n.remove_client_address()
    try:
        r = probe()
        t.contract(r, 'network-unreachable', 'client address and route removed', **common)
        t.ok(r.wall < 2, 'network-unreachable is immediate (%.2fs)' % r.wall)
    finally:
        n.restore_client_address()

    # -- control: everything restored ---------------------------------------------------------------
    m = s.mark()
    r = probe()
    t.contract(r, 'ok', 'control after restoring the path', sshd=s, since=m, **common)

    # -- stalls in every phase: the deadline holds ------------------------------------------------
    # Per port, nft drops the client's packets after the first N of the connection (conntrack
    # accounting, enabled in the server namespace only). N = 2..15 stalls the exchange
    # somewhere between the banner and `echo ok`; all probes run in parallel.
    cuts = list(range(2, 16))
    ports = [B.free_port() for _ in cuts]
    st = B.Sshd(tmp, name='sshd-stall', netns=n, listen=n.srv_ip, authorized=[key],
                extra_config='MaxStartups 100\n' + '\n'.join('Port %d' % p for p in ports)).start()
    khs = os.path.join(tmp, 'known_hosts_stall')
    with open(khs, 'w') as f:
        f.write(''.join(st.known_hosts_line(n.srv_ip, port=p) for p in ports))
    n.srv_sysctl('net.netfilter.nf_conntrack_acct', 1)
    n.nft('table inet bwtest {\n  chain input {\n'
          '    type filter hook input priority 0; policy accept;\n' +
          ''.join('    ip saddr %s tcp dport %d ct original packets > %d drop\n' % (n.cli_ip, p, c)
                  for p, c in zip(ports, cuts)) +
          '  }\n}\n')
    results = {}

    def stalled(port, cut):
        results[cut] = B.probe(n.srv_ip, port, key=key, known_hosts=khs, netns=n, tmpdir=tmp,
                               timeout=10)
    threads = [threading.Thread(target=stalled, args=(p, c)) for p, c in zip(ports, cuts)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=40)
    n.flush()
    phases_seen = set()
    for cut in cuts:
        r = results.get(cut)
        if r is None:
            t.ok(False, 'stall after %d client packets: no result' % cut)
            continue
        j = r.json if isinstance(r.json, dict) else {}
        obs, phase = j.get('observation'), j.get('phase')
        phases_seen.add(phase)
        problems = []
        if r.rc is None or r.wall > 11:
            problems.append('took %.2fs: more than --timeout 10 + 1 s' % r.wall)
        if obs not in B.EXIT_CODES:
            problems.append('no valid observation')
        elif r.rc != B.EXIT_CODES[obs]:
            problems.append('exit %s does not match %s' % (r.rc, obs))
        if phase not in B.PHASES:
            problems.append('phase %r' % phase)
        elif j.get('auth_requests') != (1 if B.PHASES.index(phase) >= B.PHASES.index('auth') else 0):
            problems.append('auth_requests %r in phase %s' % (j.get('auth_requests'), phase))
        if obs in ('refused', 'timeout', 'network-unreachable', 'dns-failed', 'key-unusable'):
            problems.append('%s is impossible once TCP is up' % obs)
        t.ok(not problems, 'stall after %d client packets: ends in %.2fs as %s in phase %s'
             % (cut, r.wall, obs, phase), problems + B.describe_run(r))
    t.ok('kex' in phases_seen and phases_seen & {'auth', 'exec'},
         'the stall sweep covered the key exchange and authentication or exec',
         'phases seen: %s' % sorted(str(p) for p in phases_seen))
    st.stop()

    # -- closed-before-banner through TCP wrappers ---------------------------------------------------
    w = B.Sshd(tmp, name='sshd-wrapped', netns=n, listen=n.srv_ip, syslog=True,
               hosts_deny='sshd: %s\n' % n.cli_ip, authorized=[key]).start()
    khw = w.write_known_hosts(os.path.join(tmp, 'known_hosts_wrapped'))
    m = w.mark()
    r = B.probe(n.srv_ip, w.port, key=key, known_hosts=khw, netns=n, tmpdir=tmp, timeout=10)
    t.contract(r, 'closed-before-banner', 'hosts.deny "sshd: %s" (libwrap closes after ~5 s)'
               % n.cli_ip, sshd=w, since=m, host=n.srv_ip, port=w.port, user='root', timeout=10)
    t.ok(r.json is None or r.json.get('observation') != 'banner-timeout',
         'TCP wrappers close is not mistaken for banner-timeout')
    B.server_expect(t, w, m, 'TCP wrappers: sshd logged "refused connect from %s", no '
                    'authentication' % n.cli_ip, refused_connect=1, auth_lines=[])
    w.stop()

    # -- IPv6: literals, and a name with an IPv4 and an IPv6 address ------------------------------
    v6 = B.Sshd(tmp, name='sshd-v6', netns=n, listen=n.srv_ip6, authorized=[key]).start()
    kh6 = os.path.join(tmp, 'known_hosts_v6')
    for label, host in (('IPv6 literal', n.srv_ip6), ('bracketed IPv6 literal', '[%s]' % n.srv_ip6)):
        m = v6.mark()
        r = B.probe(host, v6.port, key=key, known_hosts=kh6, netns=n, tmpdir=tmp,
                    accept_new=not os.path.exists(kh6))
        t.contract(r, 'ok', '%s %s' % (label, host), sshd=v6, since=m, port=v6.port,
                   user='root', address=n.srv_ip6, fingerprint=v6.hostkey_fingerprint())
        B.server_expect(t, v6, m, '%s: one signed login from %s' % (label, n.cli_ip6),
                        accepted_publickey=1, failed_publickey=0, postponed_publickey=0,
                        auth_other=0, received_disconnect=1)
    found = B.run(['ssh-keygen', '-F', '[%s]:%d' % (n.srv_ip6, v6.port), '-f', kh6], check=False)
    t.ok(found.returncode == 0, 'the stored IPv6 host key is readable by OpenSSH '
         '(ssh-keygen -F [ADDR]:PORT)', [found.stdout, found.stderr, open(kh6).read()])

    # A name with an IPv4 and an IPv6 address: whichever getaddrinfo puts first has no
    # listener on the probed port, so the probe must go on to the second address.
    hosts = os.path.join(tmp, 'hosts')
    with open(hosts, 'w') as f:
        f.write('127.0.0.1 localhost\n%s bwtest-dual\n%s bwtest-dual\n' % (n.srv_ip, n.srv_ip6))
    res = n.cli_exec(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
                      'mount --bind %s /etc/hosts && exec getent ahosts bwtest-dual' % hosts])
    order = [l.split()[0] for l in res.stdout.splitlines() if 'STREAM' in l]
    t.diag('getent ahosts bwtest-dual in the client namespace: %s' % ', '.join(order))
    if order and order[0] == n.srv_ip6:
        target, second = s, n.srv_ip     # nothing on IPv6 at s.port
    else:
        target, second = v6, n.srv_ip6   # nothing on IPv4 at v6.port
    khd = os.path.join(tmp, 'known_hosts_dual')
    with open(khd, 'w') as f:
        f.write(target.known_hosts_line('bwtest-dual'))
    m = target.mark()
    r = B.probe('bwtest-dual', target.port, key=key, known_hosts=khd, netns=n, tmpdir=tmp,
                bind_mounts=[(hosts, '/etc/hosts')])
    t.contract(r, 'ok', 'name with IPv4 and IPv6 addresses, the first refuses: every address is '
               'tried', sshd=target, since=m, host='bwtest-dual', port=target.port, user='root',
               address=second)
    B.server_expect(t, target, m, 'dual-stack name: one signed login', accepted_publickey=1,
                    failed_publickey=0, postponed_publickey=0, auth_other=0)
    v6.stop()

    # -- dns-failed ---------------------------------------------------------------------------------
    r = B.probe('nosuchhost.invalid', 22, key=key, known_hosts=kh, netns=n, tmpdir=tmp)
    t.contract(r, 'dns-failed', 'nosuchhost.invalid', host='nosuchhost.invalid', port=22,
               user='root')
    t.ok(r.wall < 11, 'dns-failed within the deadline (%.2fs)' % r.wall)


if __name__ == '__main__':
    B.main(body, binaries=('ip', 'nft'), need_netns=True)
