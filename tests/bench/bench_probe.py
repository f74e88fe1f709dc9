#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: `banwatch probe` against OpenSSH's own hardened one-shot command.

Both clients log in to the same loopback sshd with the same key and run `echo ok`; runs
alternate between them. Prints the median wall and CPU time (user + system of the client
process, from wait4) for each, and the ratios banwatch / ssh.

A third peer runs in the same rounds: `min_libssh_probe.c` beside this file, compiled at
run time with gcc and `pkg-config libssh` into the temp dir. It is the least a
libssh-based probe can do (no key checks, no own TCP connect, no deadlines, no GLib), so
its CPU ratio is the floor that `banwatch probe` could reach while it uses libssh. Set
BENCH_PROBE_FLOOR=0 to skip it (for example without gcc).

    /usr/bin/python3 tests/bench/bench_probe.py build/src/banwatch [RUNS]

The sshd runs with a tmpfs over /root in its own mount namespace, so that root's shell
start-up files (a pyenv init costs ~0.4 s here) do not drown the difference between the
clients; both clients pay the same server cost either way. ssh gets
`-o UserKnownHostsFile=…` because with `-F /dev/null` and BatchMode it would otherwise
refuse the unknown host key; that option costs nothing.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'integration'))
import bwtest  # noqa: E402


class BenchSshd(bwtest.Sshd):
    def _script(self):
        return super()._script().replace('set -e', 'set -e\nmount -t tmpfs bench-home /root', 1)


def timed(argv, stdin=subprocess.DEVNULL):
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    wall = time.monotonic() - start
    # communicate() reaped the child; its rusage is the delta of RUSAGE_CHILDREN.
    return proc.returncode, out, err, wall


def cpu_of(fn):
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = fn()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, cpu


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    banwatch = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    bwtest.check_requirements(binaries=('/usr/bin/ssh',), need_banwatch=False)
    bwtest.install_signal_handlers()

    tmp = tempfile.mkdtemp(prefix='bw-bench-')
    bwtest.on_cleanup(lambda: subprocess.run(['rm', '-rf', tmp]))
    key = bwtest.keygen(os.path.join(tmp, 'id_bench'))
    sshd = BenchSshd(tmp, authorized=[key])
    sshd.start()
    known_hosts = sshd.write_known_hosts(os.path.join(tmp, 'known_hosts'))

    probe = [banwatch, 'probe', '--host', '127.0.0.1', '--port', str(sshd.port), '--user', 'root',
             '--key', key, '--known-hosts', known_hosts]
    peers = [('banwatch', probe)]
    floor = None
    if os.environ.get('BENCH_PROBE_FLOOR', '1') != '0':
        floor = os.path.join(tmp, 'min_libssh_probe')
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'min_libssh_probe.c')
        flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'libssh'], check=True,
                               capture_output=True, text=True, timeout=30).stdout.split()
        subprocess.run(['gcc', '-O2', '-o', floor, source] + flags, check=True, timeout=120)
        peers.append(('libssh floor', [floor, '127.0.0.1', str(sshd.port), 'root', key, known_hosts]))

    ssh = ['ssh', '-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none',
           '-o', 'BatchMode=yes', '-o', 'UserKnownHostsFile=' + known_hosts, '-p', str(sshd.port),
           'root@127.0.0.1', 'echo ok']

    peers.append(('ssh', ssh))
    samples = {name: ([], []) for name, _ in peers}
    mark = sshd.mark()
    for i in range(runs + 3):
        for name, argv in peers if i % 2 == 0 else reversed(peers):
            (rc, out, err, wall), cpu = cpu_of(lambda: timed(argv))
            if rc != 0 or (name != 'banwatch' and out.strip() != b'ok'):
                print('%s failed (exit %d): %s %s' % (name, rc, out.decode()[-500:], err.decode()[-500:]))
                return 1
            if i >= 3:  # the first rounds warm caches
                samples[name][0].append(wall)
                samples[name][1].append(cpu)

    counters = sshd.settle(since=mark)
    bw_wall, bw_cpu = (statistics.median(s) * 1000 for s in samples['banwatch'])
    ssh_wall, ssh_cpu = (statistics.median(s) * 1000 for s in samples['ssh'])
    print('runs: %d each, alternating, on 127.0.0.1:%d' % (runs, sshd.port))
    print('banwatch probe: median wall %.1f ms, median CPU %.1f ms' % (bw_wall, bw_cpu))
    print('ssh (OpenSSH):  median wall %.1f ms, median CPU %.1f ms' % (ssh_wall, ssh_cpu))
    print('server log: %d Accepted publickey, %d Failed publickey (expected %d and 0)'
          % (counters['accepted_publickey'], counters['failed_publickey'], len(peers) * (runs + 3)))
    print('wall ratio (banwatch/ssh): %.2f   (target <= 0.80)' % (bw_wall / ssh_wall))
    print('CPU ratio  (banwatch/ssh): %.3f  (target <= 0.15)' % (bw_cpu / ssh_cpu))
    if floor is not None:
        fl_wall, fl_cpu = (statistics.median(s) * 1000 for s in samples['libssh floor'])
        print('libssh floor (minimal libssh client, the least a libssh-based probe can cost): '
              'median wall %.1f ms, median CPU %.1f ms' % (fl_wall, fl_cpu))
        print('CPU ratio  (libssh floor/ssh): %.3f  (banwatch/floor: %.2f)'
              % (fl_cpu / ssh_cpu, bw_cpu / fl_cpu))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    finally:
        bwtest.run_cleanups()
