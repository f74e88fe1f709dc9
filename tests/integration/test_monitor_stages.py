#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ban monitor's verdicts for real network conditions, through `banwatch check`.

Two real sshd servers in one server namespace (same address, two ports, so two
destinations): A (PerSourceMaxStartups 1, LoginGraceTime 0) carries 5 sites, two of them
with the Xserver provider preset; B carries 3 sites. Every site has its own key, so sshd's
log names the site that was probed. Banwatch runs in the client namespace with a private
D-Bus session and gnome-keyring; its known_hosts is written directly. An nftables table of
our own counts each new TCP connection attempt from the client per port (refused and
dropped ones too, a retransmitted SYN once).

Time scale F = 0.005: lighter-stage first recheck 9 s, heavier 108 s, budget 3 per 0.3 s and
10 per 3 s.

  * lighter stage: one held pre-auth connection from the client address; `check --all` →
    A's 5 sites lighter-ban after exactly one connection; `status --json` gives the provider
    estimate (Xserver 12–24 h) for a banned Xserver site; a second `check --all` and a
    `check NAME` right after make no connection ("Not checked"); after the backoff one
    probe brings A back and the history shows the closed episode;
  * a drop rule on A's SSH port with no web port → server-down; with a web port → silent-
    block (web cross-check: one connect to 443, one to 80, never the SSH port); the estimate
    now comes from A's history;
  * every server fails at the TCP level (both SSH ports dropped, no web port) →
    local-network for all sites, never a ban; a single server with no route →
    local-network;
  * representatives: each `check --all` probes the site of a server verified least
    recently, so that successive runs rotate through the sites.

Runtime: about 20 s (the drop cases wait for the 2 s connect deadline of a 10 s probe).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwmonitor as M  # noqa: E402

F = 0.005
A_SITES = ['a1', 'a2', 'a3', 'a4', 'a5']
B_SITES = ['b1', 'b2', 'b3']
XSERVER = ('a1', 'a2')
LIGHTER = M.scaled('lighter_first_recheck', F)


class Drop:
    """Our own nft table dropping the client's TCP to some ports of the server."""

    def __init__(self, netns, ports):
        self.netns = netns
        rules = ''.join('    ip saddr %s tcp dport %d drop\n' % (netns.cli_ip, p) for p in ports)
        netns.nft('table inet bwdrop {\n  chain input {\n    type filter hook input priority 0; '
                  'policy accept;\n%s  }\n}\n' % rules)
        self._cleanup = B.on_cleanup(self.remove)

    def remove(self):
        B.cancel_cleanup(self._cleanup)
        self.netns.srv_exec(['nft', 'delete', 'table', 'inet', 'bwdrop'], check=False)


def body(t, tmp):
    t.diag('time scale %g: lighter first recheck %.1f s, heavier %.1f s, budget 3 per %.2f s, 10 per %.1f s'
           % (F, LIGHTER, M.scaled('heavier_first_recheck', F), M.scaled('budget_short_window', F),
              M.scaled('budget_long_window', F)))
    keys = {nm: B.keygen(os.path.join(tmp, 'id_' + nm)) for nm in A_SITES + B_SITES}
    fp_site = {B.fingerprint(k + '.pub'): nm for nm, k in keys.items()}
    n = B.Netns('mstg')
    t.diag('namespaces %s / %s, server %s, client %s' % (n.srv, n.cli, n.srv_ip, n.cli_ip))
    sa = M.MonSshd(tmp, name='sshd-a', netns=n, listen=n.srv_ip,
                   extra_config='PerSourceMaxStartups 1\nLoginGraceTime 0',
                   authorized=[keys[x] for x in A_SITES]).start()
    sb = M.MonSshd(tmp, name='sshd-b', netns=n, listen=n.srv_ip,
                   authorized=[keys[x] for x in B_SITES]).start()
    pa, pb = sa.port, sb.port
    cc = M.ConnCounter(n, n.cli_ip, [pa, pb, 80, 443])
    kr = M.Keyring(tmp)
    sites = [dict(name=x, host=n.srv_ip, port=pa, key=keys[x], provider='xserver' if x in XSERVER else 'generic')
             for x in A_SITES]
    sites += [dict(name=x, host=n.srv_ip, port=pb, key=keys[x]) for x in B_SITES]
    kr.import_sites(sites, os.path.join(tmp, 'sites.json'))
    kr.write_known_hosts([sa.known_hosts_line(), sb.known_hosts_line()])
    dest_a = "%s:%d" % (n.srv_ip, pa)
    a_probes = []   # the A site each check probed, in order (representative rotation)

    def check(args, label, force=False):
        a = ['check'] + list(args) + ['--json', '--timeout', '10'] + (['--force'] if force else [])
        mark = time.time()
        r = kr.bw(a, netns=n, scale=F, timeout=60)
        objs = r.json if isinstance(r.json, list) else []
        r.by = M.by_name(objs)
        r.delta = {p: cc.count(p, since=mark - 0.01) for p in (pa, pb, 80, 443)}
        r.label = label
        for o in objs:
            if o.get('probed') and o.get('name') in A_SITES:
                a_probes.append((label, o['name']))
        return r

    def expect(r, states, probed, name, exit_code=None, more=True):
        """states: {site: state}; probed: {destination port: 0 or 1} connection attempts."""
        bad = []
        for site, want in states.items():
            got = r.by.get(site, {}).get('state')
            if got != want:
                bad.append('%s: state %r, want %r' % (site, got, want))
        for p, want in probed.items():
            if r.delta[p] != want:
                bad.append('connection attempts to port %d: %d, want %d' % (p, r.delta[p], want))
        if exit_code is not None and r.rc != exit_code:
            bad.append('exit %s, want %s' % (r.rc, exit_code))
        ok = t.ok(not bad and more, name, bad + B.describe_run(r)[:3] + [
            '%s: %s probed=%s via=%s obs=%s msg=%r' % (k, v.get('state'), v.get('probed'), v.get('verified_via'),
                                                     v.get('observation'), (v.get('message') or '')[:140])
            for k, v in sorted(r.by.items())])
        return ok

    def one_rep(r, sites_, observation):
        """Exactly one of sites_ was probed, with observation, and the others name it."""
        probed = [x for x in sites_ if r.by.get(x, {}).get('probed')]
        if len(probed) != 1:
            return False
        rep = probed[0]
        return (r.by[rep].get('observation') == observation and
                all(r.by.get(x, {}).get('verified_via') == rep for x in sites_ if x != rep))

    # -- S0: baseline ------------------------------------------------------------------------------
    r = check(['--all'], 'baseline')
    expect(r, dict({x: 'healthy' for x in A_SITES + B_SITES}), {pa: 1, pb: 1},
           'baseline: check --all → 8 sites healthy with one probe per server', 0,
           one_rep(r, A_SITES, 'ok') and one_rep(r, B_SITES, 'ok'))

    # -- S1: lighter stage -------------------------------------------------------------------------
    held = B.HeldConnection(n.srv_ip, pa, netns=n)
    ma = sa.mark()
    r = check(['--all'], 'lighter')

    expect(r, dict({x: 'lighter-ban' for x in A_SITES}, **{x: 'healthy' for x in B_SITES}), {pa: 1, pb: 1},
           'lighter: with one held pre-auth connection check --all → A\'s 5 sites lighter-ban after '
           'exactly one connection (closed-before-banner), B healthy', 10,
           one_rep(r, A_SITES, 'closed-before-banner'))
    c = sa.counters(ma)
    t.ok(c['dropped'] == 1 and c['auth_lines'] == [],
         'lighter: sshd A dropped that one connection (PerSourceMaxStartups) and saw no authentication',
         sa.log_lines()[ma:])
    backoff = kr.destinations().get(dest_a, {})
    t.ok(abs(backoff.get('backoff_until', 0) - backoff.get('banned_since', 0) - LIGHTER) < 0.01,
         'lighter: the backoff is the lighter first recheck scaled (%.1f s)' % LIGHTER, repr(backoff))

    st = kr.bw(['status', '--json'], netns=n, scale=F)
    sb_ = M.by_name(st.json if isinstance(st.json, list) else [])
    bad = []
    for x in XSERVER:
        e = sb_.get(x, {}).get('estimate') or {}
        since = M.iso_to_epoch(sb_.get(x, {}).get('since'))
        exp_at = M.iso_to_epoch(e.get('expected_at'))
        if not (e.get('source') == 'provider' and e.get('min_hours') == 12 and e.get('max_hours') == 24
                and e.get('median_hours') == 18 and since and exp_at and abs(exp_at - since - 18 * 3600) <= 1
                and '12–24 h' in (e.get('text') or '')):
            bad.append('%s: estimate %r, since %r' % (x, e, sb_.get(x, {}).get('since')))
    for x in ('a3',) + tuple(B_SITES):
        if sb_.get(x, {}).get('estimate') is not None:
            bad.append('%s: estimate %r, want null' % (x, sb_[x]['estimate']))
    for x in A_SITES:
        if sb_.get(x, {}).get('state') != 'lighter-ban' or sb_.get(x, {}).get('probed') is not False:
            bad.append('%s: state %r probed %r' % (x, sb_.get(x, {}).get('state'), sb_.get(x, {}).get('probed')))
    t.ok(st.rc == 0 and not bad, 'status --json: the banned Xserver sites carry the provider estimate '
         '(12–24 h, median 18, expected_at = since + 18 h, text "usually lifts after 12–24 h"); a generic '
         'site and healthy sites have none', bad + B.describe_run(st)[:2])

    r = check(['--all'], 'lighter, again')
    notes = [r.by.get(x, {}).get('message', '') for x in A_SITES]
    expect(r, dict({x: 'lighter-ban' for x in A_SITES}, **{x: 'healthy' for x in B_SITES}), {pa: 0},
           'lighter: a second check --all right after makes no connection to A; its sites say "Not checked"',
           None, all(x.startswith('Not checked') and 'Retrying can extend the ban' in x for x in notes)
           and not any(r.by.get(x, {}).get('probed') for x in A_SITES))
    r = check(['a3'], 'lighter, by name')
    expect(r, {'a3': 'lighter-ban'}, {pa: 0, pb: 0},
           'lighter: check a3 during the backoff makes no connection and says "Not checked"', None,
           (r.by.get('a3', {}).get('message') or '').startswith('Not checked'))
    h = kr.bw(['history', 'a1', '--json'], netns=n)
    eps = (h.json or {}).get('episodes') if isinstance(h.json, dict) else None
    t.ok(isinstance(eps, list) and len(eps) == 1 and eps[0].get('end') is None and eps[0].get('hours') is None
         and eps[0].get('path') == ['lighter-ban'] and eps[0].get('destination') == dest_a,
         'history a1 --json: one open episode on %s, path [lighter-ban]' % dest_a, B.describe_run(h)[:3])

    # -- S2: recovery after the backoff ------------------------------------------------------------
    held.close()
    wait = kr.destinations()[dest_a]['backoff_until'] + 0.2 - time.time()
    if wait > 0:
        time.sleep(wait)
    r = check(['--all'], 'after the lighter backoff')
    expect(r, {x: 'healthy' for x in A_SITES + B_SITES}, {pa: 1},
           'after the backoff (%.1f s) one check --all probes A once: all healthy again' % LIGHTER, 0,
           one_rep(r, A_SITES, 'ok'))
    def episodes_of(site):
        h = kr.bw(['history', site, '--json'], netns=n)
        eps = (h.json or {}).get('episodes') if isinstance(h.json, dict) else None
        return h, eps

    def closed_lighter(eps):
        if not (isinstance(eps, list) and len(eps) == 1):
            return None
        e = eps[0]
        s0, e0 = M.iso_to_epoch(e.get('start')), M.iso_to_epoch(e.get('end'))
        if (e.get('path') == ['lighter-ban'] and e.get('destination') == dest_a and s0 and e0
                and e0 >= s0 + int(LIGHTER) - 1 and abs((e.get('hours') or 0) * 3600 - (e0 - s0)) <= 1.5):
            return e.get('hours')
        return None

    h, eps = episodes_of('a1')
    lighter_hours = closed_lighter(eps)
    t.ok(lighter_hours is not None, 'history a1 --json: the episode now has start, end after the backoff, '
         'hours and path [lighter-ban]', B.describe_run(h)[:3])
    h, eps = episodes_of('a4')
    t.ok(closed_lighter(eps) is not None, 'history a4 --json (another site on the same server) shows '
         'its server\'s ban episode too', B.describe_run(h)[:3] + [
             'the command looks episodes up by the destination of the site\'s own latest probe; a site '
             'that was only ever verified via a representative has none'])

    # -- S3: drop, no web port → server-down ---------------------------------------------------------
    drop = Drop(n, [pa])
    r = check(['--all'], 'drop, no web')
    expect(r, dict({x: 'server-down' for x in A_SITES}, **{x: 'healthy' for x in B_SITES}),
           {pa: 1, pb: 1, 443: 1, 80: 1},
           'drop on A\'s SSH port, no web port: A\'s sites server-down after one connection attempt (timeout) '
           'and the web cross-check (443, then 80)', 23, one_rep(r, A_SITES, 'timeout'))

    # -- S4: drop, web port open → silent-block -------------------------------------------------------
    web = M.WebListener(n, n.srv_ip, 80)
    r = check(['--all'], 'drop, web open')
    expect(r, dict({x: 'silent-block' for x in A_SITES}, **{x: 'healthy' for x in B_SITES}),
           {pa: 1, pb: 1, 443: 1, 80: 1},
           'drop on A\'s SSH port, web port 80 open: silent-block after one connection attempt; the web '
           'cross-check made one connect to 443 and one to 80', 12,
           one_rep(r, A_SITES, 'timeout') and all('web port answers' in (r.by.get(x, {}).get('message') or '')
                                                for x in A_SITES))
    st = kr.bw(['status', '--json'], netns=n, scale=F)
    e = (M.by_name(st.json if isinstance(st.json, list) else []).get('a1') or {}).get('estimate') or {}
    t.ok(e.get('source') == 'history' and lighter_hours is not None
         and abs(e.get('min_hours', -1) - lighter_hours) < 0.001 and abs(e.get('max_hours', -1) - lighter_hours) < 0.001,
         'status --json: with one finished episode the estimate comes from A\'s history, not the preset',
         'estimate %r, finished episode %r h' % (e, lighter_hours))
    text = e.get('text') or ''
    t.ok(text.startswith('usually lifts after ') and ' min h' not in text,
         'the history estimate\'s text is well-formed for a ban shorter than an hour (%r)' % text,
         'format_hours() gives "N min" below one hour and the template appends " h" to it')
    web.stop()

    # -- S5: every server fails at the TCP level → local-network, never a ban -----------------------
    drop.remove()
    drop = Drop(n, [pa, pb])
    r = check(['--all'], 'all dropped', force=True)
    states = {x: r.by.get(x, {}).get('state') for x in A_SITES + B_SITES}
    expect(r, {x: 'local-network' for x in A_SITES + B_SITES}, {pa: 1, pb: 1},
           'both SSH ports dropped, no web port: check --all --force → every site local-network, none '
           'banned (one attempt per server)', 31,
           not any(s in M.BAN_STATES for s in states.values()))
    t.ok(one_rep(r, A_SITES, 'timeout') and one_rep(r, B_SITES, 'timeout'),
         'all dropped: check --json reports each server\'s probed site (probed true, observation timeout) '
         'and names it as verified_via for the others',
         ['%s: probed=%s obs=%s via=%s' % (k, v.get('probed'), v.get('observation'), v.get('verified_via'))
          for k, v in sorted(r.by.items())] + [
             'when the second server\'s verdict turns the first server into local-network, the first '
             'server\'s probed site is re-set as not probed (set_state(..., probed FALSE)), so its probe '
             'disappears from the output'])
    drop.remove()
    r = check(['--all'], 'restored')
    expect(r, {x: 'healthy' for x in A_SITES + B_SITES}, {pa: 1, pb: 1},
           'path restored: check --all → all healthy, one probe per server', 0,
           one_rep(r, A_SITES, 'ok') and one_rep(r, B_SITES, 'ok'))

    # -- S6: one server, no route → local-network ------------------------------------------------------
    n.remove_client_address()
    try:
        r = check(['b1'], 'no route')
        expect(r, {'b1': 'local-network'}, {pa: 0, pb: 0},
               'no route to the server: check b1 → local-network (network-unreachable), no packet sent', 31,
               r.by.get('b1', {}).get('observation') == 'network-unreachable')
        st = kr.bw(['status', '--json'], netns=n, scale=F)
        sj = M.by_name(st.json if isinstance(st.json, list) else [])
        t.ok(all(sj.get(x, {}).get('state') == 'local-network' for x in B_SITES)
             and all(sj.get(x, {}).get('state') == 'healthy' for x in A_SITES),
             'status: B\'s 3 sites local-network (same server), A\'s untouched',
             ['%s: %s' % (k, v.get('state')) for k, v in sorted(sj.items())])
    finally:
        n.restore_client_address()
    time.sleep(0.2)
    r = check(['--all'], 'route back')
    expect(r, {x: 'healthy' for x in A_SITES + B_SITES}, {pa: 1, pb: 1},
           'route back: check --all → all healthy', 0)

    # -- history: the episodes, and never a ban on B -------------------------------------------------
    h = kr.bw(['history', 'a1', '--json'], netns=n)
    eps = (h.json or {}).get('episodes') if isinstance(h.json, dict) else None
    paths = [e.get('path') for e in eps] if isinstance(eps, list) else None
    t.ok(paths == [['lighter-ban'], ['silent-block']] and all(e.get('end') for e in eps),
         'history a1: two closed episodes, [lighter-ban] and [silent-block]; server-down and local-network '
         'opened none', 'episodes: %r' % eps)
    h = kr.bw(['history', 'b1', '--json'], netns=n)
    eps_b = (h.json or {}).get('episodes') if isinstance(h.json, dict) else None
    t.ok(eps_b == [], 'history b1: no episode on server B (local-network is never a ban)', 'episodes: %r' % eps_b)
    probes_b = (h.json or {}).get('probes', []) if isinstance(h.json, dict) else []
    t.ok(any(p.get('observation') == 'network-unreachable' and p.get('state') == 'local-network' for p in probes_b),
         'history b1 lists the network-unreachable probe as local-network',
         ['%s %s %s' % (p.get('time'), p.get('observation'), p.get('state')) for p in probes_b[:10]])

    # -- representatives across runs -------------------------------------------------------------
    seq = [nm for _, nm in a_probes]
    first5 = seq[:len(A_SITES)]
    t.ok(len(set(first5)) == len(first5) == len(A_SITES),
         'representatives: successive check --all runs probe the A site verified least recently, so the '
         'first %d probes of A cover all %d sites' % (len(A_SITES), len(A_SITES)),
         ['A probes in order: %s' % ', '.join('%s (%s)' % (nm, lb) for lb, nm in a_probes)])
    ca = sa.counters(0)
    seen = sorted({fp_site.get(f) for f in ca['accepted_fingerprints']})
    t.diag('sites whose own key logged in to A during the test: %s' % ', '.join(x for x in seen if x))


if __name__ == '__main__':
    M.requirements()
    B.main(body, binaries=('ip', 'nft'), need_netns=True, deadline=400)
