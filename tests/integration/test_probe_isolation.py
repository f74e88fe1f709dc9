#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe uses exactly the one configured key, port and user, whatever the user's SSH
setup says (DESIGN.md §3.1). The environment is hostile on purpose:

  * a real ssh-agent holding three other keys, one of them authorised (SSH_AUTH_SOCK set);
  * a fake home bind-mounted over the real home directory in banwatch's private mount
    namespace (libssh finds the home through getpwuid, not $HOME; HOME points there too) with
    ~/.ssh/config naming a decoy Port, User and IdentityFile, ~/.ssh/id_ed25519 being an
    authorised-but-not-configured key, and ~/.ssh/known_hosts trusting the server;
  * /etc/ssh/ssh_config and /etc/ssh/ssh_known_hosts replaced (bind mounts, same namespace)
    with the same traps.

A decoy sshd on the config's port accepts every key, so any use of the config shows up in
its log. A control run of plain OpenSSH `ssh` in the same environment proves the traps bite.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtest as B  # noqa: E402

LOOP = '127.0.0.1'


def body(t, tmp):
    configured = B.keygen(os.path.join(tmp, 'configured'))
    agent_keys = [B.keygen(os.path.join(tmp, 'agent%d' % i)) for i in range(3)]
    decoy_key = B.keygen(os.path.join(tmp, 'config_identity'))

    fake_home = os.path.join(tmp, 'home')
    ssh_dir = os.path.join(fake_home, '.ssh')
    os.makedirs(ssh_dir, mode=0o700)
    home_id = B.keygen(os.path.join(ssh_dir, 'id_ed25519'))
    home_cfg_key = B.keygen(os.path.join(ssh_dir, 'config_key'))

    # The real server authorises the configured key, one agent key and ~/.ssh/id_ed25519.
    s = B.Sshd(tmp, authorized=[configured, agent_keys[2], home_id]).start()
    # The decoy authorises everything that might be offered.
    everything = [configured, home_id, home_cfg_key, decoy_key] + agent_keys
    decoy = B.Sshd(tmp, name='sshd-decoy', authorized=everything).start()

    kh = s.write_known_hosts(os.path.join(tmp, 'banwatch_known_hosts'))
    openssh_kh = s.known_hosts_line() + decoy.known_hosts_line()
    with open(os.path.join(ssh_dir, 'known_hosts'), 'w') as f:
        f.write(openssh_kh)
    ssh_config = ('Host *\n'
                  '    HostName 127.0.0.1\n'
                  '    Port %d\n'
                  '    User nobody\n'
                  '    IdentityFile ~/.ssh/config_key\n'
                  '    IdentityFile %s\n'
                  '    IdentitiesOnly no\n'
                  '    StrictHostKeyChecking no\n'
                  '    BatchMode yes\n' % (decoy.port, decoy_key))
    with open(os.path.join(ssh_dir, 'config'), 'w') as f:
        f.write(ssh_config)
    etc_ssh_config = os.path.join(tmp, 'etc_ssh_config')
    with open(etc_ssh_config, 'w') as f:
        f.write(ssh_config.replace('~/.ssh/config_key', home_cfg_key))
    etc_known_hosts = os.path.join(tmp, 'etc_ssh_known_hosts')
    with open(etc_known_hosts, 'w') as f:
        f.write(openssh_kh)

    agent = B.Agent(tmp, agent_keys)
    t.eq(len(agent.list()), 3, 'ssh-agent holds three other keys')

    real_home = B.home_dir()
    mounts = [(fake_home, real_home), (etc_ssh_config, '/etc/ssh/ssh_config')]
    if os.path.exists('/etc/ssh/ssh_known_hosts'):
        mounts.append((etc_known_hosts, '/etc/ssh/ssh_known_hosts'))
    env = B.banwatch_env(tmp, {'SSH_AUTH_SOCK': agent.sock, 'HOME': fake_home, 'USER': 'root'})

    def probe(**kw):
        kw.setdefault('known_hosts', kh)
        return B.probe(LOOP, s.port, key=configured, env=env, bind_mounts=mounts, **kw)

    # -- controls: plain OpenSSH in the same environment falls into the traps -----------------
    def plain_ssh(*args):
        return B.run(['/usr/bin/unshare', '-m', '--propagation', 'private', 'sh', '-c',
                      ' && '.join('mount --bind %s %s' % (a, b) for a, b in mounts) +
                      ' && exec ssh "$@"', 'sh'] + list(args),
                     env=env, timeout=30, check=False)

    m = s.mark()
    ctl = plain_ssh('-p', str(s.port), 'root@127.0.0.1', 'true')
    c = s.settle(m)
    t.ok(c['failed_publickey'] >= 1, 'control: plain `ssh -p PORT root@127.0.0.1` offers other keys '
         '(agent/config) first: %d Failed publickey before its login' % c['failed_publickey'],
         ['ssh exit %d: %s' % (ctl.returncode, ctl.stderr.strip())] + s.log_lines()[m:])
    md = decoy.mark()
    ctl = plain_ssh('root@127.0.0.1', 'true')
    c = decoy.settle(md)
    t.ok(c['connections'] == 1, 'control: plain `ssh root@127.0.0.1` goes to the decoy port '
         'named in ~/.ssh/config', ['ssh exit %d: %s' % (ctl.returncode, ctl.stderr.strip())]
         + decoy.log_lines()[md:])

    # -- the configured key is authorised: one login, on the right port, with that key -------
    m, md = s.mark(), decoy.mark()
    r = probe()
    t.contract(r, 'ok', 'hostile setup, configured key authorised', sshd=s, since=m,
               host=LOOP, port=s.port, user='root', fingerprint=s.hostkey_fingerprint())
    B.server_expect(t, s, m, 'ok: exactly one Accepted publickey, with the configured key, '
                    'zero Failed', accepted_publickey=1, failed_publickey=0, postponed_publickey=0,
                    partial_publickey=0, auth_other=0,
                    accepted_fingerprints=[B.fingerprint(configured + '.pub')])
    B.server_expect(t, decoy, md, 'ok: the decoy port from ~/.ssh/config was never contacted',
                    connections=0, auth_lines=[])

    # -- the configured key is not authorised: one Failed, no fallback ------------------------
    s.set_authorized([agent_keys[2], home_id])
    m, md = s.mark(), decoy.mark()
    r = probe()
    t.contract(r, 'auth-rejected', 'hostile setup, configured key not authorised', sshd=s,
               since=m, host=LOOP, port=s.port, user='root')
    B.server_expect(t, s, m, 'auth-rejected: exactly one Failed publickey (the configured key), '
                    'zero Accepted: neither agent keys nor ~/.ssh/id_* were tried',
                    accepted_publickey=0, failed_publickey=1, postponed_publickey=0,
                    partial_publickey=0, auth_other=0,
                    failed_fingerprints=[B.fingerprint(configured + '.pub')])
    B.server_expect(t, decoy, md, 'auth-rejected: the decoy port was never contacted',
                    connections=0)

    # -- OpenSSH's known_hosts files are not Banwatch's trust store ----------------------------
    s.set_authorized([configured])
    m = s.mark()
    r = probe(known_hosts=os.path.join(tmp, 'empty', 'known_hosts'))
    t.contract(r, 'hostkey-unknown', '~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts trust the '
               'server, Banwatch\'s own file does not', sshd=s, since=m,
               fingerprint=s.hostkey_fingerprint())
    B.server_expect(t, s, m, 'hostkey-unknown: no authentication or publickey line',
                    auth_lines=[], publickey_lines=0)

    with open(os.path.join(ssh_dir, 'known_hosts')) as f:
        t.ok(f.read() == openssh_kh, '~/.ssh/known_hosts was not modified')
    t.eq(len(agent.list()), 3, 'the agent still holds its three keys')
    agent.stop()


if __name__ == '__main__':
    B.main(body, binaries=('ssh', 'ssh-agent', 'ssh-add'))
