// SPDX-License-Identifier: GPL-3.0-or-later
/* The floor for a libssh-based probe: bench_probe.py compiles this with gcc and
 * `pkg-config libssh` into its temp dir and times it beside `banwatch probe` and ssh.
 *
 * It does what the probe must do and nothing else: no ssh_config, strict host key check
 * against the given known_hosts, one key, one publickey request, `echo ok`, one event
 * pass, disconnect. It has none of Banwatch's own work (key checks, own TCP connect,
 * banner wait, deadlines, GLib), so no libssh-based probe can cost less CPU than this.
 *
 *   min_libssh_probe HOST PORT USER KEY KNOWN_HOSTS
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

int
main (int    argc,
      char **argv)
{
  ssh_session session;
  ssh_channel channel;
  ssh_event event;
  ssh_key key = NULL;
  unsigned int port;
  int process_config = 0;
  char buffer[256];
  size_t used = 0;
  int n;

  if (argc != 6)
    {
      fprintf (stderr, "usage: %s HOST PORT USER KEY KNOWN_HOSTS\n", argv[0]);
      return 2;
    }
  port = (unsigned int) strtoul (argv[2], NULL, 10);

  session = ssh_new ();
  if (session == NULL)
    return 3;
  ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set (session, SSH_OPTIONS_HOST, argv[1]);
  ssh_options_set (session, SSH_OPTIONS_PORT, &port);
  ssh_options_set (session, SSH_OPTIONS_USER, argv[3]);
  ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, argv[5]);
  ssh_options_set (session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, argv[5]);

  if (ssh_connect (session) != SSH_OK)
    {
      fprintf (stderr, "connect: %s\n", ssh_get_error (session));
      return 4;
    }
  if (ssh_session_is_known_server (session) != SSH_KNOWN_HOSTS_OK)
    {
      fprintf (stderr, "host key not known\n");
      return 5;
    }
  if (ssh_pki_import_privkey_file (argv[4], NULL, NULL, NULL, &key) != SSH_OK ||
      ssh_userauth_publickey (session, NULL, key) != SSH_AUTH_SUCCESS)
    {
      fprintf (stderr, "auth: %s\n", ssh_get_error (session));
      return 6;
    }

  channel = ssh_channel_new (session);
  if (channel == NULL || ssh_channel_open_session (channel) != SSH_OK ||
      ssh_channel_request_exec (channel, "echo ok") != SSH_OK)
    {
      fprintf (stderr, "exec: %s\n", ssh_get_error (session));
      return 7;
    }
  while (used < sizeof buffer - 1 &&
         (n = ssh_channel_read (channel, buffer + used, sizeof buffer - 1 - used, 0)) > 0)
    used += (size_t) n;
  buffer[used] = '\0';
  ssh_channel_send_eof (channel);
  ssh_channel_close (channel);
  ssh_channel_free (channel);

  event = ssh_event_new ();
  if (event != NULL && ssh_event_add_session (event, session) == SSH_OK)
    {
      ssh_event_dopoll (event, 0);
      ssh_event_remove_session (event, session);
    }
  if (event != NULL)
    ssh_event_free (event);

  ssh_disconnect (session);
  ssh_free (session);
  ssh_key_free (key);

  fputs (buffer, stdout);
  return strcmp (buffer, "ok\n") == 0 ? 0 : 1;
}
