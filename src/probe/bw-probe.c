// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-probe"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <libssh/libssh.h>
#include <openssl/crypto.h>

#include "bw-key-load-private.h"
#include "bw-probe.h"
#include "bw-tcp.h"

/* What the remote command must print for an `ok`. */
#define PROBE_COMMAND "echo ok"
#define MAX_EXEC_OUTPUT 4096
#define BANNER_PEEK_SIZE 256

typedef enum {
  ABORT_NONE,
  ABORT_CANCELLED,
  ABORT_DEADLINE,
} AbortReason;

typedef struct {
  const BwProbeRequest *request;
  BwProbeResult        *result;

  /* Fires on the caller's cancellation and on the deadline; every blocking step either
   * polls its fd or is unblocked by the shutdown() it triggers. */
  GCancellable         *abort;
  gint                  abort_reason;
  GMutex                sock_lock;
  int                   sock;

  gint64                start_us;
  gint64                deadline_us;
  gint64                phase_start_us;

  GMutex                watchdog_lock;
  GCond                 watchdog_cond;
  gboolean              finished;
} ProbeRun;

/* The first call into OpenSSL decides whether it registers an atexit() handler that frees
 * every internal table when the process ends: about 1 ms of CPU per `banwatch probe`
 * here (measured with a minimal libssh client: 16.0 → 15.1 ms), spent only to hand
 * memory back to a process that is going away. Each probe still frees its key with
 * ssh_key_free() as before, and the system's OpenSSL configuration is still loaded. */
static void
probe_init_crypto (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      OPENSSL_init_crypto (OPENSSL_INIT_NO_ATEXIT, NULL);
      g_once_init_leave (&initialized, 1);
    }
}

static void
run_abort (ProbeRun    *run,
           AbortReason  reason)
{
  g_atomic_int_compare_and_exchange (&run->abort_reason, ABORT_NONE, reason);
  g_cancellable_cancel (run->abort);
}

static void
on_abort_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  ProbeRun *run = user_data;

  /* shutdown() on our own fd reaches the socket that libssh reads through its dup(),
   * and unblocks its poll() at once. The fd stays open until the run ends, so this
   * never hits a recycled descriptor. */
  g_mutex_lock (&run->sock_lock);
  if (run->sock >= 0)
    shutdown (run->sock, SHUT_RDWR);
  g_mutex_unlock (&run->sock_lock);
}

static void
on_caller_cancelled_cb (GCancellable *cancellable,
                        gpointer      user_data)
{
  run_abort (user_data, ABORT_CANCELLED);
}

static gpointer
watchdog_thread (gpointer user_data)
{
  ProbeRun *run = user_data;
  gboolean expired = FALSE;

  g_mutex_lock (&run->watchdog_lock);
  while (!run->finished && !expired)
    expired = !g_cond_wait_until (&run->watchdog_cond, &run->watchdog_lock, run->deadline_us);
  expired = expired && !run->finished;
  g_mutex_unlock (&run->watchdog_lock);

  if (expired)
    run_abort (run, ABORT_DEADLINE);

  return NULL;
}

static AbortReason
run_get_abort (ProbeRun *run)
{
  return g_atomic_int_get (&run->abort_reason);
}

static void
run_set_sock (ProbeRun *run,
              int       sock)
{
  g_mutex_lock (&run->sock_lock);
  run->sock = sock;
  g_mutex_unlock (&run->sock_lock);

  /* A cancellation that raced with the connect must still unblock what comes next. */
  if (sock >= 0 && g_cancellable_is_cancelled (run->abort))
    shutdown (sock, SHUT_RDWR);
}

static void
run_close_sock (ProbeRun *run)
{
  g_mutex_lock (&run->sock_lock);
  if (run->sock >= 0)
    close (run->sock);
  run->sock = -1;
  g_mutex_unlock (&run->sock_lock);
}

static void
phase_done (ProbeRun *run,
            BwTiming  timing)
{
  gint64 now = g_get_monotonic_time ();

  run->result->timings_ms[timing] = (now - run->phase_start_us) / 1000;
  run->phase_start_us = now;
}

static gint64
remaining_us (ProbeRun *run)
{
  return MAX (run->deadline_us - g_get_monotonic_time (), 0);
}

/* libssh gives each blocking call its own full timeout; keep it at what is left. */
static void
session_set_remaining_timeout (ssh_session session,
                               ProbeRun   *run)
{
  gint64 left = MAX (remaining_us (run), 1000);
  long seconds = (long) (left / G_USEC_PER_SEC);
  long usec = (long) (left % G_USEC_PER_SEC);

  ssh_options_set (session, SSH_OPTIONS_TIMEOUT, &seconds);
  ssh_options_set (session, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

static char *
printable_excerpt (const char *data,
                   gsize       length)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < length && out->len < 60; i++)
    {
      if (data[i] == '\r' || data[i] == '\n')
        break;
      g_string_append_c (out, g_ascii_isprint (data[i]) ? data[i] : '?');
    }

  return g_string_free (out, FALSE);
}

/* Waits for the server's first bytes without consuming them. This is not an extra
 * connection or a banner grab: the same connection goes on to log in. It tells a close
 * before the banner from a silent server precisely, whatever libssh's error strings say. */
static gboolean
wait_for_banner (ProbeRun  *run,
                 int        sock,
                 char     **out_non_ssh_text)
{
  int cancel_fd = g_cancellable_get_fd (run->abort);
  gboolean ok = FALSE;

  for (;;)
    {
      struct pollfd fds[2] = {
        { .fd = sock, .events = POLLIN },
        { .fd = cancel_fd, .events = POLLIN },
      };
      char peek[BANNER_PEEK_SIZE];
      gint64 left = remaining_us (run);
      ssize_t n;

      if (g_cancellable_is_cancelled (run->abort) || left == 0)
        break;

      if (poll (fds, cancel_fd >= 0 ? 2 : 1, (int) ((left + 999) / 1000)) < 0)
        {
          if (errno == EINTR)
            continue;
          bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_BEFORE_BANNER,
                                       BW_PHASE_BANNER, NULL, "poll: %s", g_strerror (errno));
          break;
        }

      if (fds[0].revents == 0)
        continue;

      n = recv (sock, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;

      if (n <= 0)
        {
          if (g_cancellable_is_cancelled (run->abort))
            break;
          bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_BEFORE_BANNER,
                                       BW_PHASE_BANNER,
                                       _("This is how an sshd-level ban looks (for example fail2ban, "
                                         "TCP wrappers or MaxStartups). Retrying can make it worse: wait."),
                                       n == 0
                                       ? _("The server accepted the TCP connection, then closed it before "
                                           "sending the SSH banner")
                                       : _("The server accepted the TCP connection, then reset it before "
                                           "sending the SSH banner"));
          break;
        }

      if (n >= 4 && memcmp (peek, "SSH-", 4) == 0)
        {
          ok = TRUE;
          break;
        }

      /* RFC 4253 lets a server send other lines first; libssh skips them. Remember what
       * was said in case no banner ever follows. */
      if (*out_non_ssh_text == NULL)
        *out_non_ssh_text = printable_excerpt (peek, n);
      ok = TRUE;
      break;
    }

  if (cancel_fd >= 0)
    g_cancellable_release_fd (run->abort);

  if (!ok && run->result->message == NULL && run_get_abort (run) != ABORT_CANCELLED)
    bw_probe_result_set_outcome (run->result, BW_OBSERVATION_BANNER_TIMEOUT, BW_PHASE_BANNER,
                                 _("An overloaded or tarpitting sshd looks like this."),
                                 _("Connected, but the server sent no SSH banner within %u s"),
                                 run->request->timeout_s);

  return ok;
}

static gboolean
error_is_protocol_mismatch (const char *message)
{
  static const char * const needles[] = {
    "kex error", "no match for method", "No version of SSH protocol usable",
    "Protocol mismatch", "too large banner", "Unsupported protocol", "no common",
  };

  for (guint i = 0; i < G_N_ELEMENTS (needles); i++)
    if (message != NULL && strstr (message, needles[i]) != NULL)
      return TRUE;

  return FALSE;
}

static void
classify_connect_failure (ProbeRun    *run,
                          ssh_session  session,
                          const char  *non_ssh_text)
{
  const char *banner = ssh_get_serverbanner (session);
  const char *error = ssh_get_error (session);

  if (banner == NULL)
    {
      /* RFC 4253 lets a server talk before its banner: sshd says "Exceeded MaxStartups"
       * and closes, which is the lighter ban stage. Only text that never turns into a
       * banner before the deadline means another service on the port. */
      if (non_ssh_text != NULL && run_get_abort (run) == ABORT_DEADLINE)
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_PROTOCOL_MISMATCH, BW_PHASE_BANNER,
                                     _("Check the port: another service may be listening on it."),
                                     _("The server is not speaking SSH; it said “%s”"), non_ssh_text);
      else if (non_ssh_text != NULL)
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_BEFORE_BANNER, BW_PHASE_BANNER,
                                     _("This is how an sshd-level ban looks (for example fail2ban, "
                                       "TCP wrappers or MaxStartups). Retrying can make it worse: wait."),
                                     _("The server said “%s” and closed the connection before the "
                                       "SSH banner"), non_ssh_text);
      else if (run_get_abort (run) == ABORT_DEADLINE)
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_BANNER_TIMEOUT, BW_PHASE_BANNER,
                                     NULL, _("The server sent no complete SSH banner before the deadline"));
      else
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_BEFORE_BANNER, BW_PHASE_BANNER,
                                     NULL, _("The connection closed before the SSH banner: %s"), error);
      return;
    }

  if (error_is_protocol_mismatch (error))
    bw_probe_result_set_outcome (run->result, BW_OBSERVATION_PROTOCOL_MISMATCH, BW_PHASE_KEX,
                                 _("The server and Banwatch share no key exchange, cipher or host key "
                                   "algorithm. This is a configuration matter, not a ban."),
                                 _("No common SSH algorithms: %s"), error);
  else if (run_get_abort (run) == ABORT_DEADLINE)
    bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_DURING_HANDSHAKE, BW_PHASE_KEX,
                                 NULL, _("The server stopped answering during the key exchange"));
  else
    bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_DURING_HANDSHAKE, BW_PHASE_KEX,
                                 _("An unstable or rejecting sshd looks like this."),
                                 _("The connection closed during the SSH handshake: %s"), error);
}

/* Records the host key's fingerprint, and its type and blob so that a caller can pin it
 * after asking the user, without a second connection. */
static void
record_server_key (BwProbeResult *result,
                   ssh_session    session)
{
  ssh_key server_key = NULL;
  unsigned char *hash = NULL;
  size_t hash_length = 0;
  char *base64 = NULL;

  if (ssh_get_server_publickey (session, &server_key) != SSH_OK)
    return;

  if (ssh_get_publickey_hash (server_key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_length) == 0)
    {
      char *fingerprint = ssh_get_fingerprint_hash (SSH_PUBLICKEY_HASH_SHA256, hash, hash_length);

      result->fingerprint = g_strdup (fingerprint);
      ssh_string_free_char (fingerprint);
      ssh_clean_pubkey_hash (&hash);
    }

  if (ssh_pki_export_pubkey_base64 (server_key, &base64) == SSH_OK)
    {
      result->hostkey_base64 = g_strdup (base64);
      ssh_string_free_char (base64);
      result->hostkey_type = g_strdup (ssh_key_type_to_char (ssh_key_type (server_key)));
    }

  ssh_key_free (server_key);
}

/* Returns TRUE when authentication may go on. */
static gboolean
check_host_key (ProbeRun    *run,
                ssh_session  session)
{
  const BwProbeRequest *request = run->request;
  enum ssh_known_hosts_e state;

  record_server_key (run->result, session);
  state = ssh_session_is_known_server (session);

  switch (state)
    {
    case SSH_KNOWN_HOSTS_OK:
      return TRUE;

    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_HOSTKEY_CHANGED, BW_PHASE_HOSTKEY,
                                   _("Do not log in. Ask the hosting provider for the server's "
                                     "fingerprint; replace the pinned key only if it matches."),
                                   _("The host key (%s) differs from the one pinned in %s; no "
                                     "authentication was sent"),
                                   run->result->fingerprint, request->known_hosts);
      return FALSE;

    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (request->accept_new_hostkey)
        {
          g_autofree char *dir = g_path_get_dirname (request->known_hosts);

          if (g_mkdir_with_parents (dir, 0700) == 0 &&
              ssh_session_update_known_hosts (session) == SSH_OK)
            {
              run->result->hostkey_stored = TRUE;
              return TRUE;
            }

          bw_probe_result_set_outcome (run->result, BW_OBSERVATION_HOSTKEY_UNKNOWN, BW_PHASE_HOSTKEY,
                                       NULL, _("Could not store the host key %s in %s: %s"),
                                       run->result->fingerprint, request->known_hosts,
                                       ssh_get_error (session));
          return FALSE;
        }

      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_HOSTKEY_UNKNOWN, BW_PHASE_HOSTKEY,
                                   _("Compare the fingerprint with the one your hosting provider "
                                     "publishes, then trust it explicitly."),
                                   _("The server's host key %s is not known yet; no authentication "
                                     "was sent"),
                                   run->result->fingerprint);
      return FALSE;

    case SSH_KNOWN_HOSTS_ERROR:
    default:
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_HOSTKEY_UNKNOWN, BW_PHASE_HOSTKEY,
                                   NULL, _("Could not check the host key against %s: %s; no "
                                           "authentication was sent"),
                                   request->known_hosts, ssh_get_error (session));
      return FALSE;
    }
}

static gboolean
authenticate (ProbeRun    *run,
              ssh_session  session,
              ssh_key      key)
{
  int rc;

  session_set_remaining_timeout (session, run);

  /* The one and only authentication request: signed, with the configured key. */
  run->result->auth_requests = 1;
  rc = ssh_userauth_publickey (session, NULL, key);
  phase_done (run, BW_TIMING_AUTH);

  switch (rc)
    {
    case SSH_AUTH_SUCCESS:
      return TRUE;

    case SSH_AUTH_PARTIAL:
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_AUTH_PARTIAL, BW_PHASE_AUTH,
                                   _("The server is reachable; it asks for a second factor, which "
                                     "Banwatch never sends."),
                                   _("The key was accepted, but the server requires another "
                                     "authentication method too"));
      return FALSE;

    case SSH_AUTH_DENIED:
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_AUTH_REJECTED, BW_PHASE_AUTH,
                                   _("Check the user name and that the public key is in the "
                                     "server's authorized_keys. This is not a ban."),
                                   _("The server rejected the key for user “%s”"), run->request->user);
      return FALSE;

    default:
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_DURING_HANDSHAKE, BW_PHASE_AUTH,
                                   NULL,
                                   run_get_abort (run) == ABORT_DEADLINE
                                   ? _("The server did not answer the authentication request in time")
                                   : _("The connection failed during authentication: %s"),
                                   ssh_get_error (session));
      return FALSE;
    }
}

/* The server answers our channel close with its own, and with its exit status; taking
 * them in before disconnecting means the DISCONNECT is the last thing sent and sshd logs
 * "Received disconnect" rather than a reset. Usually a millisecond; never past 300 ms. */
static void
wait_for_remote_close (ProbeRun    *run,
                       ssh_session  session,
                       ssh_channel  channel)
{
  gint64 until = MIN (g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND, run->deadline_us);
  ssh_event event = ssh_event_new ();

  if (event == NULL || ssh_event_add_session (event, session) != SSH_OK)
    {
      g_clear_pointer (&event, ssh_event_free);
      return;
    }

  while (!ssh_channel_is_closed (channel) && g_get_monotonic_time () < until &&
         run_get_abort (run) == ABORT_NONE)
    if (ssh_event_dopoll (event, 20) == SSH_ERROR)
      break;

  ssh_event_remove_session (event, session);
  ssh_event_free (event);
}

static void
run_command (ProbeRun    *run,
             ssh_session  session)
{
  ssh_channel channel = ssh_channel_new (session);
  g_autoptr(GString) output = g_string_new (NULL);
  gboolean ran = FALSE;

  session_set_remaining_timeout (session, run);

  if (channel != NULL &&
      ssh_channel_open_session (channel) == SSH_OK &&
      ssh_channel_request_exec (channel, PROBE_COMMAND) == SSH_OK)
    {
      ran = TRUE;
      while (!ssh_channel_is_eof (channel) && output->len < MAX_EXEC_OUTPUT)
        {
          char buffer[512];
          gint64 left_ms = remaining_us (run) / 1000;
          int n;

          if (left_ms <= 0)
            break;

          n = ssh_channel_read_timeout (channel, buffer, sizeof buffer, 0, (int) left_ms);
          if (n < 0)
            break;
          g_string_append_len (output, buffer, n);
        }

      ssh_channel_send_eof (channel);
      ssh_channel_close (channel);
      wait_for_remote_close (run, session, channel);
    }

  phase_done (run, BW_TIMING_EXEC);
  g_clear_pointer (&channel, ssh_channel_free);

  if (ran && g_str_equal (g_strstrip (output->str), "ok"))
    bw_probe_result_set_outcome (run->result, BW_OBSERVATION_OK, BW_PHASE_DONE, NULL,
                                 _("Logged in with the configured key, and “%s” printed “ok”"),
                                 PROBE_COMMAND);
  else
    {
      g_autofree char *excerpt = printable_excerpt (output->str, output->len);

      /* The login itself succeeded, so the server is reachable and not banning us; a
       * forced command or a restricted shell is the usual reason. */
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_OK, BW_PHASE_EXEC,
                                   _("The account may have a forced command or a restricted shell."),
                                   ran
                                   ? _("Logged in, but “%s” printed “%s” instead of “ok”")
                                   : _("Logged in, but the server did not run “%s”: %s"),
                                   PROBE_COMMAND, ran ? excerpt : ssh_get_error (session));
    }
}

/* One pass of the event loop before disconnecting lets libssh take in the server's
 * channel close, so that its DISCONNECT goes out and sshd logs "Received disconnect". */
static void
say_goodbye (ssh_session session)
{
  ssh_event event = ssh_event_new ();

  if (event != NULL && ssh_event_add_session (event, session) == SSH_OK)
    {
      ssh_event_dopoll (event, 0);
      ssh_event_remove_session (event, session);
    }
  g_clear_pointer (&event, ssh_event_free);
}

/* Closing a socket with unread data sends a reset, which can overtake our DISCONNECT: the
 * server would log "Connection reset" instead of "Received disconnect". So: no more
 * writes, then read until the server closes its side, for a bounded moment. */
static void
drain_until_closed (ProbeRun *run)
{
  gint64 until = MIN (g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND, run->deadline_us);

  if (shutdown (run->sock, SHUT_WR) != 0)
    return;

  while (g_get_monotonic_time () < until)
    {
      struct pollfd pfd = { .fd = run->sock, .events = POLLIN };
      char buffer[1024];
      ssize_t n;

      if (poll (&pfd, 1, (int) MAX (1, (until - g_get_monotonic_time ()) / 1000)) <= 0)
        break;
      n = recv (run->sock, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        break;
    }
}

static void
run_ssh (ProbeRun *run,
         ssh_key   key)
{
  const BwProbeRequest *request = run->request;
  g_autofree char *non_ssh_text = NULL;
  g_autofree char *ssh_dir = g_path_get_dirname (request->known_hosts);
  ssh_session session;
  int process_config = 0;
  int verbosity = SSH_LOG_NOLOG;
  unsigned int port = request->port;
  int ssh_fd;
  gboolean connected = FALSE;
  gboolean fd_still_ours;

  if (!wait_for_banner (run, run->sock, &non_ssh_text))
    return;
  phase_done (run, BW_TIMING_BANNER);

  session = ssh_new ();
  if (session == NULL)
    {
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_DURING_HANDSHAKE, BW_PHASE_KEX,
                                   NULL, _("Out of memory"));
      return;
    }

  /* libssh closes the fd it was given on some errors: give it a dup() and keep ours,
   * which also stays valid for shutdown() from the abort handler. */
  ssh_fd = fcntl (run->sock, F_DUPFD_CLOEXEC, 0);
  if (ssh_fd < 0)
    {
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_CLOSED_DURING_HANDSHAKE, BW_PHASE_KEX,
                                   NULL, "dup: %s", g_strerror (errno));
      ssh_free (session);
      return;
    }

  /* Never ~/.ssh/config or /etc/ssh/ssh_config: they silently override port and identity. */
  ssh_options_set (session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set (session, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  ssh_options_set (session, SSH_OPTIONS_HOST, request->host);
  ssh_options_set (session, SSH_OPTIONS_PORT, &port);
  ssh_options_set (session, SSH_OPTIONS_USER, request->user);
  ssh_options_set (session, SSH_OPTIONS_SSH_DIR, ssh_dir);
  ssh_options_set (session, SSH_OPTIONS_KNOWNHOSTS, request->known_hosts);
  ssh_options_set (session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, request->known_hosts);
  ssh_options_set (session, SSH_OPTIONS_FD, &ssh_fd);
  session_set_remaining_timeout (session, run);

  if (ssh_connect (session) != SSH_OK)
    {
      if (run_get_abort (run) != ABORT_CANCELLED)
        classify_connect_failure (run, session, non_ssh_text);
      run->result->banner = g_strdup (ssh_get_serverbanner (session));
    }
  else
    {
      connected = TRUE;
      run->result->banner = g_strdup (ssh_get_serverbanner (session));
      phase_done (run, BW_TIMING_KEX);

      if (check_host_key (run, session))
        {
          if (request->hostkey_only)
            bw_probe_result_set_outcome (run->result, BW_OBSERVATION_OK, BW_PHASE_HOSTKEY, NULL,
                                         _("The host key %s is trusted; no authentication was sent"),
                                         run->result->fingerprint);
          else if (authenticate (run, session, key))
            run_command (run, session);
        }
    }

  if (connected && run_get_abort (run) == ABORT_NONE)
    say_goodbye (session);

  /* libssh has closed its fd itself on socket and KEX errors; otherwise it is ours. */
  fd_still_ours = ssh_get_fd (session) == ssh_fd;
  ssh_disconnect (session);
  if (fd_still_ours)
    close (ssh_fd);
  ssh_free (session);

  if (connected && run_get_abort (run) == ABORT_NONE)
    drain_until_closed (run);
}

static BwProbeResult *
probe_run (ProbeRun  *run,
           GError   **error)
{
  const BwProbeRequest *request = run->request;
  g_autoptr(GResolver) resolver = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(BwKeyInfo) key_info = NULL;
  g_autolist(GInetAddress) addresses = NULL;
  g_autoptr(GInetAddress) pinned = NULL;
  g_autofree char *address = NULL;
  ssh_key key;
  gint64 connect_deadline;
  int sock;

  /* Phase 1: the key, locally, before any packet leaves the machine. */
  key = request->hostkey_only
        ? NULL
        : bw_key_load (request->key_path, request->passphrase, &key_info, &local_error);
  if (key == NULL && !request->hostkey_only)
    {
      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_KEY_UNUSABLE, BW_PHASE_KEY_CHECK,
                                   _("No connection was made."), "%s", local_error->message);
      return g_steal_pointer (&run->result);
    }

  /* Phase 2: resolve. GResolver runs getaddrinfo on its own thread and returns at once
   * when the abort cancellable fires. */
  run->phase_start_us = g_get_monotonic_time ();
  pinned = request->address != NULL ? g_inet_address_new_from_string (request->address) : NULL;
  if (pinned != NULL)
    addresses = g_list_prepend (NULL, g_object_ref (pinned));
  else
    {
      resolver = g_resolver_get_default ();
      addresses = g_resolver_lookup_by_name (resolver, request->host, run->abort, &local_error);
    }
  phase_done (run, BW_TIMING_RESOLVE);

  if (addresses == NULL)
    {
      if (run_get_abort (run) == ABORT_CANCELLED)
        goto cancelled;

      bw_probe_result_set_outcome (run->result, BW_OBSERVATION_DNS_FAILED, BW_PHASE_RESOLVE,
                                   _("Check the spelling of the host name and this computer's DNS."),
                                   run_get_abort (run) == ABORT_DEADLINE
                                   ? _("Resolving “%s” did not finish before the deadline")
                                   : _("The host name “%s” does not resolve: %s"),
                                   request->host, local_error->message);
      goto done;
    }
  g_clear_error (&local_error);

  /* Phase 3: our own TCP connect. It leaves the banner its 8 s. */
  connect_deadline = MIN (run->start_us + BW_PROBE_CONNECT_DEADLINE_S * G_USEC_PER_SEC,
                          run->deadline_us - BW_PROBE_BANNER_DEADLINE_S * G_USEC_PER_SEC);
  sock = bw_tcp_connect (addresses, request->port, connect_deadline, run->abort, &address,
                         &local_error);
  phase_done (run, BW_TIMING_CONNECT);
  run->result->address = g_steal_pointer (&address);

  if (sock < 0)
    {
      if (run_get_abort (run) == ABORT_CANCELLED)
        goto cancelled;

      if (g_error_matches (local_error, BW_TCP_ERROR, BW_TCP_ERROR_REFUSED))
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_REFUSED, BW_PHASE_CONNECT,
                                     _("A firewall ban (fail2ban's reject) looks like this, and so "
                                       "do a stopped sshd and a wrong port. Retrying can extend a ban."),
                                     "%s", local_error->message);
      else if (g_error_matches (local_error, BW_TCP_ERROR, BW_TCP_ERROR_TIMEOUT) ||
               run_get_abort (run) == ABORT_DEADLINE)
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_TIMEOUT, BW_PHASE_CONNECT,
                                     _("A DROP-style firewall ban looks like this, and so do a host "
                                       "that is down and a broken path."),
                                     _("No answer to the TCP connection on port %u"), request->port);
      else
        bw_probe_result_set_outcome (run->result, BW_OBSERVATION_NETWORK_UNREACHABLE, BW_PHASE_CONNECT,
                                     _("The problem is on this computer's side: check its network "
                                       "connection."),
                                     "%s", local_error->message);
      goto done;
    }
  run_set_sock (run, sock);

  /* Phases 4–8: banner, key exchange, host key, one signed publickey request, echo ok. */
  run_ssh (run, key);
  if (run_get_abort (run) == ABORT_CANCELLED)
    goto cancelled;

done:
  g_clear_pointer (&key, ssh_key_free);
  return g_steal_pointer (&run->result);

cancelled:
  g_clear_pointer (&key, ssh_key_free);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The probe was cancelled"));
  return NULL;
}

/**
 * bw_probe_run:
 * @request: what to probe
 * @cancellable: (nullable): cancels the probe within milliseconds, in every phase
 *
 * Runs one hardened probe on the calling thread: one explicit key, no agent, no
 * ssh_config, strict host keys against Banwatch's own known_hosts, at most one signed
 * publickey request, `echo ok`, a clean disconnect. Blocks: call it from a worker thread.
 *
 * Returns: (transfer full): the result, or %NULL only when cancelled
 */
BwProbeResult *
bw_probe_run (const BwProbeRequest  *request,
              GCancellable          *cancellable,
              GError               **error)
{
  ProbeRun run = { 0 };
  g_autoptr(BwProbeResult) result = NULL;
  g_autoptr(GThread) watchdog = NULL;
  gulong cancel_handler = 0;
  gulong abort_handler;

  g_return_val_if_fail (request != NULL, NULL);
  g_return_val_if_fail (request->host != NULL && request->user != NULL, NULL);
  g_return_val_if_fail (request->key_path != NULL || request->hostkey_only, NULL);
  g_return_val_if_fail (request->known_hosts != NULL, NULL);

  probe_init_crypto ();

  run.request = request;
  run.result = bw_probe_result_new ();
  run.result->host = g_strdup (request->host);
  run.result->port = request->port;
  run.result->user = g_strdup (request->user);
  run.sock = -1;
  run.abort = g_cancellable_new ();
  run.start_us = g_get_monotonic_time ();
  run.phase_start_us = run.start_us;
  run.deadline_us = run.start_us + (gint64) MAX (request->timeout_s, BW_PROBE_MIN_TIMEOUT_S) * G_USEC_PER_SEC;
  g_mutex_init (&run.sock_lock);
  g_mutex_init (&run.watchdog_lock);
  g_cond_init (&run.watchdog_cond);

  abort_handler = g_cancellable_connect (run.abort, G_CALLBACK (on_abort_cancelled_cb), &run, NULL);
  if (cancellable != NULL)
    cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled_cb), &run, NULL);
  watchdog = g_thread_new ("bw-probe-watchdog", watchdog_thread, &run);

  result = probe_run (&run, error);

  g_mutex_lock (&run.watchdog_lock);
  run.finished = TRUE;
  g_cond_signal (&run.watchdog_cond);
  g_mutex_unlock (&run.watchdog_lock);
  g_thread_join (g_steal_pointer (&watchdog));

  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, cancel_handler);
  g_cancellable_disconnect (run.abort, abort_handler);
  run_close_sock (&run);

  if (result != NULL)
    {
      result->timings_ms[BW_TIMING_TOTAL] = (g_get_monotonic_time () - run.start_us) / 1000;
      result->finished_at = g_get_real_time ();
    }

  g_clear_pointer (&run.result, bw_probe_result_unref);
  g_clear_object (&run.abort);
  g_mutex_clear (&run.sock_lock);
  g_mutex_clear (&run.watchdog_lock);
  g_cond_clear (&run.watchdog_cond);

  return g_steal_pointer (&result);
}

static void
probe_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  GError *error = NULL;
  BwProbeResult *result = bw_probe_run (task_data, cancellable, &error);

  if (result != NULL)
    g_task_return_pointer (task, result, (GDestroyNotify) bw_probe_result_unref);
  else
    g_task_return_error (task, error);
}

/**
 * bw_probe_async:
 * @request: what to probe; copied
 * @cancellable: (nullable): cancelling completes the task at once
 *
 * Runs bw_probe_run() on a GTask worker thread.
 */
void
bw_probe_async (const BwProbeRequest *request,
                GCancellable         *cancellable,
                GAsyncReadyCallback   callback,
                gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, bw_probe_async);
  g_task_set_name (task, "banwatch probe");
  g_task_set_task_data (task, bw_probe_request_copy (request), (GDestroyNotify) bw_probe_request_free);
  /* The worker also stops within milliseconds (shutdown() unblocks libssh), but the
   * caller is told at once. */
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, probe_thread);
}

/**
 * bw_probe_finish:
 *
 * Returns: (transfer full): the result, or %NULL with @error set when cancelled
 */
BwProbeResult *
bw_probe_finish (GAsyncResult  *result,
                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bw_probe_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
