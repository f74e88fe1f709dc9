#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: `banwatch check --all` over 200 sites on 20 real sshd servers.

    sudo /usr/bin/python3 tests/bench/bench_check_all.py build/src/banwatch [RUNS]

Set-up: 20 private sshd servers on 127.0.0.1 (free ports, each with its own host key, a
tmpfs over /root in sshd's mount namespace so root's shell start-up files do not slow every
`echo ok`), 10 sites per server (200 sites, each with its own key), imported into a private
gnome-keyring in a private D-Bus session; Banwatch's known_hosts (20 lines) is written
directly. Default monitor settings (no BANWATCH_TIME_SCALE): global cap of 4 probes at once,
budget 3 per 60 s and 10 per 10 min per server.

Measured in the same run:
  * p_i: the single-probe time of server i: `banwatch probe` to one of its sites, the
    probe's own timings_ms.total (median of 3 rounds, servers interleaved);
  * O: the fixed cost a check pays before any probe: the wall time of `banwatch status
    --json` on the same 200 sites (process start, keyring load of 200 items, history,
    resolving) — median of RUNS;
  * W: the wall time of `banwatch check --all --json` (RUNS runs; RUNS ≤ 3 so that the
    default budget of 3 per 60 s is never the limit).

Lower bound (documented formula): with default caps each server's chain is one probe, and
at most 4 probes run at once, so
    LB = O + max(max_i p_i, ceil(20 / 4) × mean_i p_i)
The figure of merit is W / LB (target ≤ 1.15). Also reported: the probe-only bound
without O, the mean probe time inside the check (from its JSON) against the single-probe
mean (on 2 cores, 4 parallel logins compete for the CPU with the 4 sshd processes), the
connections used (sshd logs) against the number of sites, and budget violations (per
server: more than 3 connections in any 60 s or 10 in 600 s, or two at once).

Exit status: 1 when a correctness check fails (a site not healthy, a connection count or
a budget violation); the ratio is reported against its target but does not fail the run.
"""

import math
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
import bwtest as B  # noqa: E402
import bwmonitor as M  # noqa: E402

N_SERVERS = 20
PER_SERVER = 10
CAP = 4
TARGET = 1.15


def probe_ends(kr):
    """Wall times at which banwatch recorded probe results (history.db, read-only)."""
    import sqlite3
    if not os.path.exists(kr.history_db):
        return []
    con = sqlite3.connect('file:%s?mode=ro' % kr.history_db, uri=True, timeout=5)
    try:
        return [t / 1e6 for (t,) in con.execute('SELECT time FROM probes')]
    finally:
        con.close()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    os.environ['BANWATCH'] = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    if not 1 <= runs <= 3:
        print('RUNS must be 1–3: more check runs within a minute would meet the default budget')
        return 2
    try:
        B.check_requirements(need_banwatch=True)
        import bwdesktop as D
        D.desktop_requirements()
    except B.Requirement as e:
        print('cannot run: %s' % e)
        return 77
    B.install_signal_handlers()
    tmp = tempfile.mkdtemp(prefix='bw-bench-check-all-', dir='/tmp')
    os.chmod(tmp, 0o755)
    B.on_cleanup(lambda: B.run(['rm', '-rf', tmp], check=False))
    t_setup = time.monotonic()

    servers = []
    sites = []
    keys = {}
    for i in range(N_SERVERS):
        names = ['srv%02d-site%02d' % (i + 1, j + 1) for j in range(PER_SERVER)]
        for nm in names:
            keys[nm] = B.keygen(os.path.join(tmp, 'id_' + nm))
        s = M.MonSshd(tmp, name='sshd%02d' % (i + 1), authorized=[keys[nm] for nm in names])
        servers.append((s, names))
    for s, names in servers:
        s.start()
        for nm in names:
            sites.append(dict(name=nm, host='127.0.0.1', port=s.port, key=keys[nm]))
    kr = M.Keyring(tmp)
    kr.import_sites(sites, os.path.join(tmp, 'sites.json'))
    kr.write_known_hosts([s.known_hosts_line() for s, _ in servers])
    print('set-up: %d sshd servers on 127.0.0.1, %d sites, in %.1f s'
          % (N_SERVERS, len(sites), time.monotonic() - t_setup))

    problems = []

    # -- single probes per server -----------------------------------------------------------
    single = {s.port: [] for s, _ in servers}
    walls = []
    for rnd in range(3):
        for s, names in servers:
            r = B.probe('127.0.0.1', s.port, key=keys[names[rnd % PER_SERVER]], known_hosts=kr.known_hosts,
                        env=kr.env, timeout=10)
            if r.rc != 0 or not isinstance(r.json, dict):
                problems.append('probe of %d failed: %s' % (s.port, ' '.join(B.describe_run(r))))
                continue
            single[s.port].append(r.json['timings_ms']['total'] / 1000.0)
            walls.append(r.wall)
    p = {port: statistics.median(v) for port, v in single.items() if v}
    if len(p) != N_SERVERS:
        print('\n'.join(problems))
        return 1

    # -- reference: the same 20 probes, 4 at a time, as separate `banwatch probe` processes ------
    import threading
    par_walls = []
    for rnd in range(runs):
        sem = threading.Semaphore(CAP)
        failed = []

        def one(s, k):
            with sem:
                r = B.probe('127.0.0.1', s.port, key=k, known_hosts=kr.known_hosts, env=kr.env, timeout=10)
                if r.rc != 0:
                    failed.append(s.port)
        threads = [threading.Thread(target=one, args=(s, keys[names[0]])) for s, names in servers]
        t0 = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        par_walls.append(time.monotonic() - t0)
        if failed:
            problems.append('parallel reference: probes of %r failed' % failed)
    P4 = statistics.median(par_walls)

    # -- the fixed cost ------------------------------------------------------------------------
    overhead = []
    for _ in range(runs):
        r = kr.bw(['status', '--json'], timeout=60)
        if r.rc != 0 or not isinstance(r.json, list) or len(r.json) != len(sites):
            problems.append('status failed: %s' % ' '.join(B.describe_run(r)[:3]))
        overhead.append(r.wall)
    O = statistics.median(overhead)

    # -- check --all -------------------------------------------------------------------------------
    check_walls, inside, windows, phases = [], [], [], []
    per_run = []        # per run: {port: connections sshd saw during that run}
    for k in range(runs):
        marks = [s.mark() for s, _ in servers]
        r = kr.bw(['check', '--all', '--json'], timeout=120)
        windows.append((r.started, r.ended))
        check_walls.append(r.wall)
        counts = {}
        for (s, _), m in zip(servers, marks):
            c = s.settle(m, timeout=5, quiet=0.1)
            counts[s.port] = c['connections']
            if c['failed_publickey'] or c['accepted_publickey'] != c['connections'] or \
                    c['received_disconnect'] != c['connections']:
                problems.append('run %d, sshd %d: %r' % (k + 1, s.port, {x: c[x] for x in (
                    'connections', 'accepted_publickey', 'failed_publickey', 'received_disconnect')}))
        per_run.append(counts)
        objs = r.json if isinstance(r.json, list) else []
        healthy = [o for o in objs if o.get('state') == 'healthy']
        probed = [o for o in objs if o.get('probed')]
        via = [o for o in objs if not o.get('probed') and o.get('verified_via')]
        notes = [o for o in objs if (o.get('message') or '').startswith('Not checked')]
        if r.rc != 0 or len(objs) != len(sites) or len(healthy) != len(sites) or len(probed) != N_SERVERS \
                or len(via) != len(sites) - N_SERVERS or notes:
            problems.append('check run %d: exit %s, %d objects, %d healthy, %d probed, %d via, %d "Not checked"'
                            % (k + 1, r.rc, len(objs), len(healthy), len(probed), len(via), len(notes)))
        inside += [o['probe']['timings_ms']['total'] / 1000.0 for o in probed
                   if isinstance(o.get('probe'), dict)]
        # Where the time went, from banwatch's own history: connection starts and probe ends.
        conns = [x[1] for x in kr.logged_connections() if r.started <= x[1] <= r.ended]
        ends = [x for x in probe_ends(kr) if r.started <= x <= r.ended]
        if conns and ends:
            phases.append((min(conns) - r.started, max(ends) - min(conns), r.ended - max(ends)))

    # -- the servers' view: budgets per server -------------------------------------------------
    # One connection per server per run means one at a time per server; all runs fall within
    # `span` seconds, so a server's connections over all runs must fit 3 per 60 s / 10 per 600 s.
    span = windows[-1][1] - windows[0][0]
    violations = []
    for s, _ in servers:
        seq = [pr[s.port] for pr in per_run]
        if any(x > 1 for x in seq):
            violations.append('%d: %r connections per run (more than one per check)' % (s.port, seq))
        if span < 60 and sum(seq) > 3:
            violations.append('%d: %d connections within %.0f s' % (s.port, sum(seq), span))
        if span < 600 and sum(seq) > 10:
            violations.append('%d: %d connections within %.0f s' % (s.port, sum(seq), span))
    total_conns = sum(sum(pr.values()) for pr in per_run)
    for k, pr in enumerate(per_run):
        if sum(pr.values()) != N_SERVERS:
            problems.append('check run %d made %d connections, want %d' % (k + 1, sum(pr.values()), N_SERVERS))

    vals = sorted(p.values())
    mean_p = statistics.mean(vals)
    lb_probe = max(vals[-1], math.ceil(N_SERVERS / CAP) * mean_p)
    lb = O + lb_probe
    W = statistics.median(check_walls)
    ratio = W / lb

    print()
    print('single probe per server (banwatch probe, timings total, median of 3):')
    print('  min %.0f ms, mean %.0f ms, max %.0f ms   (process wall: median %.0f ms)'
          % (vals[0] * 1000, mean_p * 1000, vals[-1] * 1000, statistics.median(walls) * 1000))
    print('fixed cost O (banwatch status --json, 200 sites): %s → median %.0f ms'
          % (', '.join('%.0f' % (x * 1000) for x in overhead), O * 1000))
    print('probe time inside check --all (4 at once on %d cores): mean %.0f ms (%.2f× the single probe)'
          % (os.cpu_count() or 0, statistics.mean(inside) * 1000 if inside else -1,
             (statistics.mean(inside) / mean_p) if inside else -1))
    print()
    print('lower bound, probes only: max(%.0f, ceil(%d/%d) × %.0f) = %.0f ms'
          % (vals[-1] * 1000, N_SERVERS, CAP, mean_p * 1000, lb_probe * 1000))
    print('lower bound LB = O + that = %.0f ms' % (lb * 1000))
    print('check --all wall W: %s → median %.0f ms' % (', '.join('%.0f' % (x * 1000) for x in check_walls), W * 1000))
    print('ratio W / LB = %.2f   (target <= %.2f: %s)' % (ratio, TARGET, 'met' if ratio <= TARGET else 'MISSED'))
    print('ratio W / probe-only bound = %.2f' % (W / lb_probe))
    if phases:
        print('inside check --all (median): %.0f ms before the first connection, %.0f ms from the first '
              'connection to the last probe result, %.0f ms after it'
              % tuple(statistics.median(x[i] for x in phases) * 1000 for i in range(3)))
    print('reference: the same 20 probes as `banwatch probe` processes, %d at a time: %s → median %.0f ms; '
          'O + that = %.0f ms, W / (O + that) = %.2f'
          % (CAP, ', '.join('%.0f' % (x * 1000) for x in par_walls), P4 * 1000, (O + P4) * 1000, W / (O + P4)))
    print('connections used per check --all: %d for %d sites on %d servers (%d in %d runs)'
          % (total_conns / runs, len(sites), N_SERVERS, total_conns, runs))
    print('budget violations: %d%s' % (len(violations), (': ' + '; '.join(violations)) if violations else ''))
    if problems:
        print()
        print('PROBLEMS:')
        for x in problems:
            print('  ' + x)
    return 1 if problems or violations else 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    finally:
        B.run_cleanups()
