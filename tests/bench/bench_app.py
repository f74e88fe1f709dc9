#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the tray app with 200 stored sites, idle after start-up.

    /usr/bin/python3 tests/bench/bench_app.py build/src/banwatch [IDLE_SECONDS]

Reports, in one private desktop session (bus, keyring, Xvfb, SNI watcher and host):
- the time from starting `banwatch --gapplication-service` (the autostart command) to its
  tray item answering on D-Bus;
- its private dirty memory (/proc/PID/smaps_rollup) once idle, against a bare GTK 3 +
  AppIndicator program built and run in the same session (target <= 1.3x);
- main-loop wake-ups per minute while idle, counted as context switches of all its
  threads (target: none between scheduled events; the next one is 30 min away).

The 200 sites point at 20 loopback ports where nothing listens, so the first round ends
quickly (refused, on 127.0.0.1 only) and the app then has nothing to do for 30 minutes.
The tray title after that round is printed (sites still "unknown" would mean no probe ran),
and so is whether libssh or libcrypto is mapped in the app (its probes run in children).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))
import bwtest as B  # noqa: E402
import bwtray as T  # noqa: E402

BARE_C = r'''
#include <gtk/gtk.h>
#include <libayatana-appindicator/app-indicator.h>
int main (int argc, char **argv) {
  gtk_init (&argc, &argv);
  AppIndicator *ai = app_indicator_new ("bench-bare", "dialog-information", APP_INDICATOR_CATEGORY_APPLICATION_STATUS);
  GtkWidget *menu = gtk_menu_new ();
  gtk_menu_shell_append (GTK_MENU_SHELL (menu), gtk_menu_item_new_with_label ("Quit"));
  gtk_widget_show_all (menu);
  app_indicator_set_menu (ai, GTK_MENU (menu));
  app_indicator_set_status (ai, APP_INDICATOR_STATUS_ACTIVE);
  gtk_main ();
  return 0;
}
'''


def private_dirty_kib(pid):
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            if line.startswith('Private_Dirty:'):
                return int(line.split()[1])
    return -1


def top_dirty(pid, n=8):
    rows, current = [], None
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            parts = line.split()
            if '-' in parts[0] and len(parts) >= 5 and not parts[0].endswith(':'):
                current = parts[5] if len(parts) > 5 else '[anon]'
                if current == '[anon]' and os.environ.get('BENCH_APP_DETAIL') == '2':
                    lo, hi = (int(x, 16) for x in parts[0].split('-'))
                    current = '[anon %d KiB at %x]' % ((hi - lo) // 1024, lo)
            elif parts[0] == 'Private_Dirty:':
                rows.append((int(parts[1]), current))
    merged = {}
    for kib, name in rows:
        merged[name] = merged.get(name, 0) + kib
    return sorted(((v, k) for k, v in merged.items()), reverse=True)[:n]


def context_switches(pid):
    """Of the main thread, which runs the main loop: each wake-up is a switch."""
    total = 0
    with open('/proc/%d/task/%d/status' % (pid, pid)) as f:
        for line in f:
            if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')):
                total += int(line.split()[1])
    return total


def thread_count(pid):
    return len(os.listdir('/proc/%d/task' % pid))


def tray_title(session):
    owner = session.name_owner('io.github.banwatch.Banwatch')
    if not owner:
        return None
    try:
        return session.call(owner, '/org/ayatana/NotificationItem/io_github_banwatch_Banwatch',
                            'org.freedesktop.DBus.Properties', 'Get',
                            T.GLib.Variant('(ss)', ('org.kde.StatusNotifierItem', 'Title')))
    except T.GLib.Error:
        return None


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    os.environ['BANWATCH'] = os.path.abspath(sys.argv[1])
    idle = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    T.requirements()
    B.install_signal_handlers()
    tmp = tempfile.mkdtemp(prefix='bw-bench-app-')
    B.on_cleanup(lambda: subprocess.run(['rm', '-rf', tmp]))

    session = T.TraySession(tmp)
    session.start_sni()
    key = B.keygen(os.path.join(tmp, 'id_bench'))
    sites = [{'name': 'site-%03d' % i, 'host': '127.0.0.1', 'port': 40000 + i % 20, 'user': 'u', 'key': key}
             for i in range(int(os.environ.get('BENCH_SITES', '200')))]
    path = os.path.join(tmp, 'sites.json')
    json.dump({'format': 'banwatch-sites', 'version': 1, 'sites': sites}, open(path, 'w'))
    r = session.desktop.run_banwatch(['sites', 'import', path], timeout=120)
    assert r[0] == 0, r

    # The bare program, for the memory comparison.
    bare = os.path.join(tmp, 'bare')
    flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'gtk+-3.0', 'ayatana-appindicator3-0.1'],
                           capture_output=True, text=True, check=True).stdout.split()
    src = os.path.join(tmp, 'bare.c')
    open(src, 'w').write(BARE_C)
    subprocess.run(['gcc', '-O2', src, '-o', bare] + flags, check=True, timeout=120)

    env = session.app_env(dict(x.split('=', 1) for x in os.environ.get('BENCH_APP_ENV', '').split() if '=' in x))
    start = time.monotonic()
    app = session._spawn('app', os.environ.get('BENCH_APP_WRAP', '').split() + [os.environ['BANWATCH'], '--gapplication-service'], env=env)
    B.wait_until(lambda: tray_title(session), 30, interval=0.01, what='the tray item on D-Bus')
    to_tray = time.monotonic() - start

    # Let the first round finish (20 servers, refused at once), then measure.
    time.sleep(15)
    title = tray_title(session)
    with open('/proc/%d/maps' % app.pid) as f:
        loaded = f.read()
    app_dirty = private_dirty_kib(app.pid)
    before = context_switches(app.pid)
    time.sleep(idle)
    wakeups = context_switches(app.pid) - before
    threads = thread_count(app.pid)

    bare_proc = session._spawn('bare', [bare], env=env)
    time.sleep(15)
    bare_dirty = private_dirty_kib(bare_proc.pid)

    print('sites: 200 on 20 servers; idle window %d s' % idle)
    print('start to tray item on D-Bus: %.0f ms' % (to_tray * 1000))
    print('private dirty memory: banwatch %d KiB, bare GTK 3 + AppIndicator %d KiB, ratio %.2f (target <= 1.3)'
          % (app_dirty, bare_dirty, app_dirty / bare_dirty))
    print('main-loop wake-ups (context switches of the main thread): %d in %d s = %.1f per minute (target: 0 between events)'
          % (wakeups, idle, wakeups * 60.0 / idle))
    print('threads while idle: %d' % threads)
    print('tray title after the first round: %s' % title)
    print('libssh / libcrypto mapped in the app: %s / %s'
          % ('yes' if 'libssh' in loaded else 'no', 'yes' if 'libcrypto' in loaded else 'no'))
    if os.environ.get('BENCH_APP_DETAIL'):
        print('  bare program:')
        for kib, name in top_dirty(bare_proc.pid, 6):
            print('  %6d KiB  %s' % (kib, name))
        print('  banwatch:')
        for kib, name in top_dirty(app.pid, int(os.environ.get('BENCH_APP_TOP', '16' if os.environ.get('BENCH_APP_DETAIL') == '2' else '8'))):
            print('  %6d KiB  %s' % (kib, name))
    session.stop()
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    finally:
        B.run_cleanups()
