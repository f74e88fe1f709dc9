#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ban monitor against a real fail2ban (aggressive mode, maxretry 3): it never causes a
ban, keeps its connection budget, and reads a real ban with one connection.

Set-up: sshd in a server namespace logs through syslog to an auth.log that fail2ban 1.0.2
watches (filter sshd[mode=aggressive], maxretry 3, findtime 600 s, nftables ban on the SSH
port). 20 sites with 20 different keys (all authorised) share that one server
(address:port); Banwatch's known_hosts is written directly. Banwatch runs inside the client
namespace with a private D-Bus session and an unlocked gnome-keyring. An nftables table of
our own in the server namespace records every new TCP connection attempt from the client
to the SSH port and to ports 80/443 with its time (ms), including refused ones.

Phase 1 (time scale F1 = 0.02: interval 36 s, per-site verification 432 s, so a site
every 21.6 s, budget 3 per 1.2 s and 10 per 12 s): `banwatch watch --json` runs for about
10 minutes. A second process fires manual checks meanwhile: single `check --all` and
`check NAME` runs spread over the run, and one sustained burst of back-to-back checks
(45 s, about twice the watch's 21.6 s cadence) that keeps the budget saturated, so that
watch probes fall inside saturated windows: the watch then has to count the manual
connections too (a correct monitor always passes; one that does not count them fails
most of the time, not always, since a watch probe may land in a gap of the burst). Asserted: 0 failures and 0 bans in fail2ban; every connection a clean
signed login; every sliding window within 3 per 1.2 s and 10 per 12 s (connection times
from the nft set, ms resolution, tolerance 50 ms for stamp jitter); never two connections
at once (sshd's own log, stamped at receipt); the burst proves manual checks are counted
across processes ("Not checked: … budget is spent"); the watch verified every site's own
key.

Phase 2 (F2 = 0.002: heavier-stage first recheck 43.2 s): with the web port 80 open,
`fail2ban-client set sshd banip CLIENT`; `check --all --json` marks all 20 sites
heavier-ban after exactly one connection attempt to the SSH port; a `check --all` and a
`check NAME` during the backoff say "Not checked" and make no attempt; a watch started
during the backoff makes no attempt before the backoff ends although the ban was lifted
(unbanip) half-way; at the end of the backoff one probe brings all 20 sites back with
recovery events.

Runtime: about 10.5 minutes on 2 cores (phase 1 is BW_TEST_WATCH_SECONDS, default 560 s).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402
import bwmonitor as M  # noqa: E402

N_SITES = 20
F1 = 0.02
F2 = 0.002
WATCH_SECONDS = int(os.environ.get('BW_TEST_WATCH_SECONDS', '560'))
BURST_SECONDS = 45
TOL = 0.05           # stamp jitter allowed when comparing with the budget windows (s)
SHORT_W = M.scaled('budget_short_window', F1)
LONG_W = M.scaled('budget_long_window', F1)
VERIFY_EVERY = M.scaled('verify_interval', F1) / N_SITES
HEAVIER_2 = M.scaled('heavier_first_recheck', F2)


def names():
    return ['s%02d' % i for i in range(1, N_SITES + 1)]


def body(t, tmp):
    t.diag('phase 1: F1=%g (interval %.0f s, a site verified every %.1f s, budget %d per %.2f s and '
           '%d per %.1f s), watch for %d s' % (F1, M.scaled('interval', F1), VERIFY_EVERY,
                                             M.BUDGET_SHORT_COUNT, SHORT_W, M.BUDGET_LONG_COUNT,
                                             LONG_W, WATCH_SECONDS))
    t.diag('phase 2: F2=%g (heavier first recheck %.1f s)' % (F2, HEAVIER_2))
    keys = [B.keygen(os.path.join(tmp, 'id_%s' % nm)) for nm in names()]
    fp_site = {B.fingerprint(k + '.pub'): nm for k, nm in zip(keys, names())}
    n = B.Netns('mf2b')
    t.diag('namespaces %s / %s, server %s, client %s' % (n.srv, n.cli, n.srv_ip, n.cli_ip))
    s = M.MonSshd(tmp, netns=n, listen=n.srv_ip, syslog=True, authorized=keys).start()
    port = s.port
    f = B.Fail2ban(tmp, n, s.log_path, mode='aggressive', maxretry=3, findtime=600, bantime=3600,
                   port=port).start()
    cc = M.ConnCounter(n, n.cli_ip, [port, 80, 443])
    kr = M.Keyring(tmp)
    kr.import_sites([dict(name=nm, host=n.srv_ip, port=port, key=k) for nm, k in zip(names(), keys)],
                    os.path.join(tmp, 'sites.json'))
    kr.write_known_hosts([s.known_hosts_line()])
    st = f.status()
    t.ok(st['total_failed'] == 0 and st['currently_banned'] == 0,
         'set-up: fail2ban (aggressive, maxretry 3) watches sshd; %d sites on %s:%d' % (N_SITES, n.srv_ip, port),
         st['raw'])

    phase1(t, tmp, n, s, f, cc, kr, fp_site)
    phase2(t, tmp, n, s, f, cc, kr)
    f.stop()


# ---------------------------------------------------------------------------------------
# Phase 1: a long compressed watch with manual checks from a second process
# ---------------------------------------------------------------------------------------

def manual_check(kr, n, args):
    return kr.bw(['check'] + args + ['--json', '--timeout', '10'], netns=n, scale=F1, timeout=40)


def phase1(t, tmp, n, s, f, cc, kr, fp_site):
    port = s.port
    t_start = time.time()
    w = M.Watch(kr, netns=n, scale=F1, name='watch1', log_dir=tmp)
    try:
        first = w.wait_events(lambda ev: ev if len(ev) >= N_SITES else None, 30,
                              what='the first round: %d transitions' % N_SITES)
    except TimeoutError:
        first = w.snapshot()
    evs = [e for _, e in first[:N_SITES]]
    probed = [e['name'] for e in evs if e.get('via') is None]
    ok_first = (len(evs) == N_SITES and all(e.get('event') == 'transition' and e.get('from') == 'unknown'
                                            and e.get('to') == 'healthy' for e in evs)
                and len(probed) == 1 and all(e.get('via') in (None, probed[0]) for e in evs)
                and sorted(e['name'] for e in evs) == names())
    t.ok(ok_first, 'watch: the first round is one probe; %d sites unknown → healthy, %d of them via '
         'the representative' % (N_SITES, N_SITES - 1), [repr(e) for e in evs] + [w.stderr()[-1500:]])

    # The second process: spread single checks and one saturating burst.
    spread = [(40, ['--all']), (95, ['s07']), (150, ['--all']), (300, ['s13', 's14']),
              (360, ['--all']), (420, ['s20']), (480, ['--all']), (WATCH_SECONDS - 30, ['s03'])]
    burst_at = 200 if WATCH_SECONDS >= 400 else WATCH_SECONDS // 3
    spread = [(off, a) for off, a in spread if off < WATCH_SECONDS - 20]
    runs = []          # (label, ProbeRun)
    burst = []
    plan = sorted(spread + [(burst_at, None)], key=lambda x: x[0])
    cycle = names()
    k = 0
    for off, args in plan:
        if off >= WATCH_SECONDS - 20:
            continue
        delay = t_start + off - time.time()
        if delay > 0:
            time.sleep(delay)
        if args is not None:
            runs.append((' '.join(args), manual_check(kr, n, args)))
            continue
        end = time.time() + BURST_SECONDS
        while time.time() < end:
            args = ['--all'] if k % 2 == 0 else [cycle[(k // 2) % N_SITES]]
            k += 1
            r = manual_check(kr, n, args)
            burst.append(r)
            runs.append(('burst: ' + ' '.join(args), r))
    delay = t_start + WATCH_SECONDS - time.time()
    if delay > 0:
        time.sleep(delay)
    if not w.proc.alive():
        t.ok(False, 'watch stayed up for the whole run', w.stderr()[-2000:])
    # Stop between two probes: a SIGTERM in the middle of one cancels it (a half-open
    # connection), which is not what this test is about.
    try:
        B.wait_until(lambda: all(sp['end'] is not None for sp in s.connection_spans(since=time.time() - 60))
                     and all(time.time() - sp['start'] > 0.3 for sp in s.connection_spans(since=time.time() - 60)),
                     30, interval=0.02, what='a moment with no connection open')
    except TimeoutError as e:
        t.diag(str(e))
    rc = w.stop()
    t_end = time.time()
    t.ok(rc == 0, 'watch ran %.0f s and stopped cleanly on SIGTERM (exit %s)' % (t_end - t_start, rc),
         w.stderr()[-1500:])
    s.settle(0, timeout=5)
    time.sleep(2.5)  # fail2ban's polling backend reads the file about once a second

    # -- the watch's output --------------------------------------------------------------------
    events = w.snapshot()
    later = [e for _, e in events[N_SITES:]]
    bad = [e for e in later if e.get('to') != 'healthy']
    t.ok(not w.bad and not bad,
         'watch: %d JSON lines, every one an object; no site ever left the healthy state during the run'
         % len(w.lines), ['not JSON: %r' % x for x in w.bad[:5]] + [repr(e) for e in bad[:10]])
    keys_ok = all(set(e) >= {'event', 'name', 'from', 'to', 'since', 'reason', 'via', 'notify',
                             'critical', 'recovery', 'maintenance'} for _, e in events)
    t.ok(keys_ok and events, 'watch --json events carry the documented fields',
         [repr(e) for _, e in events[:3]])

    # -- manual checks ----------------------------------------------------------------------------
    problems = []
    deferred = []
    probed_runs = 0
    for label, r in runs:
        if r.rc != 0 or not isinstance(r.json, list) or not r.json:
            problems += ['%s: exit %s' % (label, r.rc)] + B.describe_run(r)[:4]
            continue
        if any(o.get('state') != 'healthy' for o in r.json):
            problems.append('%s: states %r' % (label, sorted({o.get('state') for o in r.json})))
        if any(o.get('probed') for o in r.json):
            probed_runs += 1
        notes = [o.get('message', '') for o in r.json if o.get('message', '').startswith('Not checked')]
        if notes:
            deferred.append((label, r, notes[0]))
            if not all('budget' in x for x in notes):
                problems.append('%s: a "Not checked" that is not about the budget: %r' % (label, notes[0]))
    t.ok(not problems, '%d manual checks from a second process (%d in the %d s burst): valid JSON, '
         'every site healthy' % (len(runs), len(burst), BURST_SECONDS), problems[:40])
    t.ok(deferred and probed_runs, 'manual checks count toward the budget across processes: %d made a '
         'connection, %d were refused "Not checked: … budget is spent"' % (probed_runs, len(deferred)),
         ['first deferred: %s: %s' % (deferred[0][0], deferred[0][2])] if deferred else
         ['no check was ever deferred although the burst ran back to back'])

    # -- the server's view ----------------------------------------------------------------------
    attempts = [a for a in cc.attempts(port) if t_start - 1 <= a[0] <= t_end + 1]
    spans = s.connection_spans(since=t_start - 1, until=t_end + 5)
    c = s.counters(0)
    st = f.status()
    t.ok(st['total_failed'] == 0 and st['currently_banned'] == 0 and st['total_banned'] == 0,
         'fail2ban after %d connections: 0 failures, 0 bans' % len(attempts), [st['raw'], f.log_text()[-2000:]])
    unclean = [sp for sp in spans if not sp['clean']]
    t.ok(c['failed_publickey'] == 0 and c['auth_other'] == 0 and c['accepted_publickey'] == len(spans)
         and all(sp['fingerprint'] for sp in spans),
         'sshd: %d connections, each exactly one signed login (0 failed, no other method)' % len(spans),
         ['%s = %s' % (k2, c[k2]) for k2 in ('connections', 'accepted_publickey', 'failed_publickey', 'auth_other')])
    t.ok(len(attempts) == len(spans), 'every connection attempt (nft: %d) reached sshd (%d)'
         % (len(attempts), len(spans)))
    logged = [x for x in kr.logged_connections() if t_start - 1 <= x[1] <= t_end + 1]
    t.ok(len(logged) == len(attempts), "banwatch's own connection log holds every connection it made "
         '(%d logged, %d seen by the server)' % (len(logged), len(attempts)))

    # Who made each connection: a manual run made it when it falls inside that run's life
    # time AND carries the key of the site that run reports as probed; otherwise the watch.
    site_fp = {v: k2 for k2, v in fp_site.items()}
    manual_keys = set()
    for label, r in runs:
        for o in (r.json if isinstance(r.json, list) else []):
            if o.get('probed'):
                manual_keys.add((site_fp.get(o.get('name')), r.started - 0.05, r.ended + 0.05, label))
    span_start = {sp['start']: sp for sp in spans}
    sport_at = {a[0]: a[1] for a in attempts}

    def span_of(ts):
        """The sshd connection for an nft attempt time (same client port, started within 1 s
        after the SYN) or for a span start."""
        if ts in span_start:
            return span_start[ts]
        cands = [sp for sp in spans if sp['port'] == sport_at.get(ts) and 0 <= sp['start'] - ts < 1]
        return min(cands, key=lambda sp: sp['start']) if cands else None

    def who(ts):
        sp = span_of(ts)
        if sp is not None:
            for fp, a, b, label in manual_keys:
                if fp == sp['fingerprint'] and a <= ts <= b:
                    return 'manual (%s)' % label
        return 'watch'

    d = []
    for sp in unclean[:5]:
        d.append('%s connection from port %d at %s (%s) ended without "Received disconnect":'
                 % (fp_site.get(sp['fingerprint'], '?'), sp['port'], M.fmt_time(sp['start']), who(sp['start'])))
        d += ['  ' + x for x in sp['lines']]
    t.ok(not unclean, 'sshd: every connection ended with a clean SSH DISCONNECT (%d of %d did not)'
         % (len(unclean), len(spans)), d)

    times = [a[0] for a in attempts]
    manual_times = [x for x in times if who(x) != 'watch']
    v = (M.budget_violations(manual_times, M.BUDGET_SHORT_COUNT, SHORT_W, TOL) +
         M.budget_violations(manual_times, M.BUDGET_LONG_COUNT, LONG_W, TOL))
    t.ok(not v, 'budget across separate check processes: their own %d connections never exceed '
         '%d per %.2f s or %d per %.1f s' % (len(manual_times), M.BUDGET_SHORT_COUNT, SHORT_W,
                                             M.BUDGET_LONG_COUNT, LONG_W),
         ['window from %s: %s' % (M.fmt_time(t0), ', '.join(M.fmt_time(x) for x in ins)) for t0, ins in v[:5]])
    watch_times = [x for x in times if who(x) == 'watch']
    v = (M.budget_violations(watch_times, M.BUDGET_SHORT_COUNT, SHORT_W, TOL) +
         M.budget_violations(watch_times, M.BUDGET_LONG_COUNT, LONG_W, TOL))
    t.ok(not v, 'budget of the watch alone: its own %d connections never exceed %d per %.2f s or %d per %.1f s'
         % (len(watch_times), M.BUDGET_SHORT_COUNT, SHORT_W, M.BUDGET_LONG_COUNT, LONG_W),
         ['window from %s: %s' % (M.fmt_time(t0), ', '.join(M.fmt_time(x) for x in ins)) for t0, ins in v[:5]])
    for count, window, label in ((M.BUDGET_SHORT_COUNT, SHORT_W, 'short'), (M.BUDGET_LONG_COUNT, LONG_W, 'long')):
        v = M.budget_violations(times, count, window, TOL)
        d = []
        for t0, inside in v[:5]:
            d.append('window from %s holds %d connections:' % (M.fmt_time(t0), len(inside)))
            d += ['  %s  %s' % (M.fmt_time(x), who(x)) for x in inside]
        t.ok(not v, 'budget, all connections together, %s window: never more than %d in %.2f s (%d '
             'connections, %d windows over)' % (label, count, window, len(times), len(v)), d)
    ov = M.overlaps(spans)
    t.ok(not ov, 'one connection at a time: no connection starts before the previous one ended '
         '(%d connections)' % len(spans),
         ['%s–%s (%s) overlaps %s (%s)' % (M.fmt_time(a['start']), M.fmt_time(a['end'] or 0), who(a['start']),
                                           M.fmt_time(b['start']), who(b['start'])) for a, b in ov[:10]])
    watch_fps = {sp['fingerprint'] for sp in spans if who(sp['start']) == 'watch'}
    missing = sorted(set(fp_site.values()) - {fp_site.get(x) for x in watch_fps})
    if WATCH_SECONDS >= M.scaled('verify_interval', F1) + 30:
        t.ok(not missing, "the watch verified every site's own key within %.0f s (verify interval scaled)"
             % (M.scaled('verify_interval', F1)), 'never verified by the watch: %s' % ', '.join(missing))
    else:
        t.diag('BW_TEST_WATCH_SECONDS=%d is shorter than the scaled verify interval: the per-site '
               'verification is not judged in this run' % WATCH_SECONDS)
    n_watch = len([x for x in times if who(x) == 'watch'])
    t.diag('phase 1: %d connections in %.0f s: %d by the watch, %d by %d manual checks (%d deferred)'
           % (len(times), t_end - t_start, n_watch, len(times) - n_watch, len(runs), len(deferred)))


# ---------------------------------------------------------------------------------------
# Phase 2: a real ban, read with one connection, left alone, recovered with one probe
# ---------------------------------------------------------------------------------------

def phase2(t, tmp, n, s, f, cc, kr):
    port = s.port
    web = M.WebListener(n, n.srv_ip, 80)
    f.banip(n.cli_ip)
    B.wait_until(lambda: M.f2b_banned(n, n.cli_ip), 10, what="the ban in fail2ban's nftables table")
    mark = time.time()
    r = kr.bw(['check', '--all', '--json', '--timeout', '10'], netns=n, scale=F2, timeout=40)
    t_checked = time.time()
    objs = r.json if isinstance(r.json, list) else []
    probed = [o for o in objs if o.get('probed')]
    heavier = [o for o in objs if o.get('state') == 'heavier-ban']
    rep = probed[0]['name'] if len(probed) == 1 else None
    ssh_n = cc.count(port, since=mark)
    t.ok(len(objs) == N_SITES and len(heavier) == N_SITES and rep is not None
         and probed[0].get('observation') == 'refused'
         and all(o.get('verified_via') == rep for o in objs if o is not probed[0]),
         'banip: check --all shows all %d sites heavier-ban from one refused probe (the others via %s)'
         % (N_SITES, rep), B.describe_run(r))
    t.ok(ssh_n == 1, 'banip: exactly one connection attempt to the SSH port (nft: %d)' % ssh_n)
    web_n = (cc.count(443, since=mark), cc.count(80, since=mark))
    t.ok(web_n == (1, 1) and probed and 'web port answers' in probed[0].get('message', ''),
         'web cross-check: one connect to 443 (closed), then one to 80 (answers); the message says so',
         ['attempts 443/80: %r' % (web_n,), 'message: %r' % (probed[0].get('message') if probed else None)])
    t.ok(r.rc == 11, 'check exits with the refused code 11 (got %s)' % r.rc)
    dest = kr.destinations()
    key = '%s:%d' % (n.srv_ip, port)
    backoff_until = dest.get(key, {}).get('backoff_until', 0)
    expect = dest.get(key, {}).get('banned_since', 0) + HEAVIER_2
    t.ok(abs(backoff_until - expect) < 0.01 and backoff_until > t_checked,
         'the backoff is the heavier first recheck scaled: %.1f s after the ban was seen' % HEAVIER_2,
         'history destinations: %r' % dest)
    nc = [o.get('next_check') for o in objs]
    t.ok(all(x and abs(M.iso_to_epoch(x) - int(backoff_until)) <= 1 for x in nc),
         'check --json says next_check = the end of the backoff for every site', repr(set(nc)))

    m2 = time.time()
    r2 = kr.bw(['check', '--all', '--json'], netns=n, scale=F2, timeout=40)
    r3 = kr.bw(['check', 's07', '--json'], netns=n, scale=F2, timeout=40)
    notes2 = [o.get('message', '') for o in (r2.json or [])] + [o.get('message', '') for o in (r3.json or [])]
    t.ok(len(notes2) == N_SITES + 1 and all(x.startswith('Not checked') for x in notes2)
         and not any(o.get('probed') for o in (r2.json or []) + (r3.json or [])),
         'during the backoff check --all and check s07 say "Not checked" for every site',
         B.describe_run(r2)[:3] + B.describe_run(r3)[:3])
    t.ok(cc.count(port, since=m2) == 0 and cc.count(80, since=m2) == 0 and cc.count(443, since=m2) == 0,
         'during the backoff they make no connection at all')
    t.ok(time.time() < backoff_until - 10, 'timing: still %.1f s of backoff left for the watch'
         % (backoff_until - time.time()))

    # A watch started during the backoff; the ban is lifted half-way.
    w = M.Watch(kr, netns=n, scale=F2, name='watch2', log_dir=tmp)
    unban_at = mark + HEAVIER_2 / 2
    if unban_at > time.time():
        time.sleep(unban_at - time.time())
    f.unbanip(n.cli_ip)
    B.wait_until(lambda: not M.f2b_banned(n, n.cli_ip), 10, what="the unban in fail2ban's nftables table")
    t_unban = time.time()

    def recovered(ev):
        rec = [e for _, e in ev if e.get('event') == 'transition' and e.get('to') == 'healthy']
        return ev if len(rec) >= N_SITES else None
    try:
        w.wait_events(recovered, backoff_until - time.time() + 20, what='recovery of all sites')
    except (TimeoutError, RuntimeError) as e:
        t.diag('waiting for recovery: %s' % e)

    w.stop()
    ev = w.snapshot()
    att = cc.attempts(port)
    before_end = [a for a in att if t_checked < a[0] < backoff_until - TOL]
    after = [a for a in att if a[0] >= backoff_until - TOL]
    rec_events = [(ts, e) for ts, e in ev if e.get('event') == 'transition' and e.get('to') == 'healthy']
    t.ok(not before_end, 'no connection to the SSH port before the backoff ends (%.1f s), although '
         'the ban was lifted %.1f s before that' % (HEAVIER_2, backoff_until - t_unban),
         ['attempt at %s, backoff until %s' % (M.fmt_time(a[0]), M.fmt_time(backoff_until)) for a in before_end])
    first_rec = rec_events[0][0] if rec_events else None
    upto = [a for a in after if first_rec is not None and a[0] <= first_rec]
    rep_ev = [e for _, e in rec_events if e.get('via') is None]
    t.ok(len(rec_events) == N_SITES and len(upto) == 1 and len(rep_ev) == 1
         and all(e.get('from') == 'heavier-ban' and e.get('recovery') is True and e.get('notify') is True
                 for _, e in rec_events)
         and all(e.get('via') in (None, rep_ev[0]['name']) for _, e in rec_events),
         'after the backoff one probe brings all %d sites back: heavier-ban → healthy, recovery and '
         'notify set (%d attempt(s) up to the events, first at +%.2f s after the backoff)'
         % (N_SITES, len(upto), (upto[0][0] - backoff_until) if upto else -1),
         ['%s %r' % (M.fmt_time(ts), e) for ts, e in ev[:30]] + [w.stderr()[-1000:]])
    t.ok(all(e.get('critical') is False for _, e in rec_events), 'recovery events are not critical')

    hr = kr.bw(['history', 's01', '--json'], netns=n)
    eps = (hr.json or {}).get('episodes', []) if isinstance(hr.json, dict) else []
    ok_ep = (len(eps) == 1 and eps[0].get('path') == ['heavier-ban'] and eps[0].get('end')
             and M.iso_to_epoch(eps[0]['end']) >= int(backoff_until))
    t.ok(ok_ep, 'history: one ban episode, path [heavier-ban], ended after the backoff', B.describe_run(hr)[:3])
    time.sleep(2.5)
    st = f.status()
    t.ok(st['total_failed'] == 0 and st['total_banned'] == 1 and st['currently_banned'] == 0,
         'fail2ban at the end: 0 failures, the one explicit ban only', st['raw'])
    web.stop()


if __name__ == '__main__':
    M.requirements()
    B.main(body, binaries=('ip', 'nft', 'fail2ban-server', 'fail2ban-client'), need_netns=True,
           deadline=WATCH_SECONDS + 280)
