#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`banwatch watch` sends desktop notifications when the session has a notification
server (a real dunst here): a heavier ban is a critical notification without secrets and
without actions (watch cannot act on them), naming the commands to run instead; without a
server, watch says so and still prints the transitions."""

import json
import os
import socket
import threading

import bwtest as B
import bwtray as T

WEB_ADDR = '127.0.0.5'


def web_listener(stop):
    """Port 80 of WEB_ADDR answers: the server is up, SSH is blocked for us."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((WEB_ADDR, 80))
    s.listen(8)
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            c, _ = s.accept()
            c.close()
        except socket.timeout:
            pass
    s.close()


def body(t, tmp):
    T.requirements()
    session = T.TraySession(tmp)
    session.start_dunst()
    notify_log = session.text_capture()
    key = B.keygen(os.path.join(tmp, 'id_watch'))
    closed_port = B.free_port()
    sites = {'format': 'banwatch-sites', 'version': 1,
             'sites': [{'name': 'shop', 'host': WEB_ADDR, 'port': closed_port, 'user': 'u', 'key': key}]}
    path = os.path.join(tmp, 'sites.json')
    json.dump(sites, open(path, 'w'))
    r = session.desktop.run_banwatch(['sites', 'import', path], timeout=60)
    t.ok(r[0] == 0, 'one site on a closed port of %s, whose port 80 answers' % WEB_ADDR, [r[1], r[2]])

    stop = threading.Event()
    thread = threading.Thread(target=web_listener, args=(stop,), daemon=True)
    thread.start()
    B.on_cleanup(stop.set)

    env = session.app_env({'BANWATCH_TIME_SCALE': '0.01'})
    watch = session._spawn('watch', [os.environ['BANWATCH'], 'watch', '--json'], env=env)

    def notified():
        text = session.log_text('notifications', tail=100000)
        return 'Notify' in text and 'likely banned' in text
    try:
        B.wait_until(notified, 40, interval=0.2, what='a Notify call from watch')
        ok = True
    except TimeoutError:
        ok = False
    text = session.log_text('notifications', tail=100000)
    t.ok(ok, 'watch sent a Notify call for the heavier ban', text[-3000:].splitlines())
    t.ok('"Banwatch"' in text, 'the app name is Banwatch', text[-1500:].splitlines())
    t.ok('byte 2' in text, 'critical urgency (byte 2)', text[-1500:].splitlines())
    t.ok('banwatch explain' in text and 'banwatch command' in text,
         'no actions to act on: the body names the commands to run instead', text[-1500:].splitlines())
    t.ok('copy-command' not in text, 'watch offers no actions it could not carry out', text[-1500:].splitlines())
    out = session.log_text('watch', tail=100000)
    lines = [json.loads(l) for l in out.splitlines() if l.startswith('{')]
    t.ok(any(e.get('to') == 'heavier-ban' and e.get('notify') for e in lines),
         'watch --json printed the transition to heavier-ban with notify true', out.splitlines()[-10:])
    watch.stop()

    # Without a notification server: it says so, and still prints.
    session.stop_dunst()
    watch = session._spawn('watch-quiet', [os.environ['BANWATCH'], 'watch'], env=env)
    B.wait_until(lambda: 'No notification server' in session.log_text('watch-quiet'), 20,
                 what='the no-server message')
    t.ok(True, 'without a notification server watch says “No notification server: transitions are printed only.”')
    watch.stop()
    stop.set()
    session.stop()


if __name__ == '__main__':
    B.main(body, deadline=240)
