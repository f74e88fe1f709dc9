// SPDX-License-Identifier: GPL-3.0-or-later
/* The probe against tiny loopback listeners: cancellation in each phase that a listener
 * can hold open, and the failures that need no real sshd. The real-sshd, namespace and
 * fail2ban cases live in tests/integration/. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "probe/bw-probe.h"

typedef enum {
  LISTENER_BACKLOG_FULL,   /* SYNs go unanswered: the probe waits in "connect" */
  LISTENER_SILENT,         /* accepted, never speaks: "banner" */
  LISTENER_BANNER_ONLY,    /* sends a banner, then nothing: "kex" */
} ListenerKind;

typedef struct {
  ListenerKind kind;
  int          listen_fd;
  int          fillers[4];
  guint16      port;
  GThread     *thread;
  int          accepted_fd;
  gint64       peer_closed_at;
  gint         stop;
} Listener;

typedef struct {
  char *dir;
  char *key;
  char *known_hosts;
} Fixture;

static gpointer
listener_thread (gpointer data)
{
  Listener *l = data;
  struct pollfd pfd = { .fd = l->listen_fd, .events = POLLIN };
  int ready = 0;

  for (guint i = 0; i < 100 && ready == 0 && !g_atomic_int_get (&l->stop); i++)
    ready = poll (&pfd, 1, 50);
  if (ready <= 0)
    return NULL;

  l->accepted_fd = accept (l->listen_fd, NULL, NULL);
  if (l->accepted_fd < 0)
    return NULL;

  if (l->kind == LISTENER_BANNER_ONLY)
    {
      const char banner[] = "SSH-2.0-OpenSSH_9.9 test\r\n";
      g_assert_cmpint (write (l->accepted_fd, banner, sizeof banner - 1), ==, sizeof banner - 1);
    }

  /* Wait for the probe to go away: that proves its worker really stopped. */
  for (guint i = 0; i < 200 && !g_atomic_int_get (&l->stop); i++)
    {
      char buffer[4096];
      struct pollfd cfd = { .fd = l->accepted_fd, .events = POLLIN };

      if (poll (&cfd, 1, 50) > 0)
        {
          ssize_t n = recv (l->accepted_fd, buffer, sizeof buffer, 0);
          if (n <= 0)
            {
              l->peer_closed_at = g_get_monotonic_time ();
              break;
            }
        }
    }

  return NULL;
}

static Listener *
listener_new (ListenerKind kind)
{
  Listener *l = g_new0 (Listener, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;

  l->kind = kind;
  l->accepted_fd = -1;
  l->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (l->listen_fd, >=, 0);
  g_assert_cmpint (bind (l->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (l->listen_fd, 0), ==, 0);
  g_assert_cmpint (getsockname (l->listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  l->port = ntohs (addr.sin_port);

  for (guint i = 0; i < G_N_ELEMENTS (l->fillers); i++)
    l->fillers[i] = -1;

  if (kind == LISTENER_BACKLOG_FULL)
    {
      /* With a backlog of 0 the queue holds one connection; later SYNs are dropped. */
      for (guint i = 0; i < G_N_ELEMENTS (l->fillers); i++)
        {
          l->fillers[i] = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
          connect (l->fillers[i], (struct sockaddr *) &addr, sizeof addr);
        }
      g_usleep (100 * 1000);
    }
  else
    l->thread = g_thread_new ("listener", listener_thread, l);

  return l;
}

static void
listener_free (Listener *l)
{
  g_atomic_int_set (&l->stop, TRUE);
  if (l->thread != NULL)
    g_thread_join (l->thread);
  for (guint i = 0; i < G_N_ELEMENTS (l->fillers); i++)
    if (l->fillers[i] >= 0)
      close (l->fillers[i]);
  if (l->accepted_fd >= 0)
    close (l->accepted_fd);
  close (l->listen_fd);
  g_free (l);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", NULL, NULL };
  int status = 0;

  f->dir = g_dir_make_tmp ("bw-test-probe-XXXXXX", &error);
  g_assert_no_error (error);
  f->key = g_build_filename (f->dir, "id_test", NULL);
  f->known_hosts = g_build_filename (f->dir, "known_hosts", NULL);

  argv[9] = f->key;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *pub = g_strconcat (f->key, ".pub", NULL);

  g_unlink (f->key);
  g_unlink (pub);
  g_unlink (f->known_hosts);
  g_rmdir (f->dir);
  g_free (f->key);
  g_free (f->known_hosts);
  g_free (f->dir);
}

static BwProbeRequest *
make_request (Fixture    *f,
              const char *host,
              guint16     port)
{
  BwProbeRequest *request = bw_probe_request_new ();

  request->host = g_strdup (host);
  request->port = port;
  request->user = g_strdup ("nobody");
  request->key_path = g_strdup (f->key);
  request->known_hosts = g_strdup (f->known_hosts);
  request->timeout_s = 20;
  return request;
}

typedef struct {
  GMainLoop     *loop;
  BwProbeResult *result;
  GError        *error;
  gint64         done_at;
} Wait;

static void
on_done_cb (GObject      *source,
            GAsyncResult *res,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = bw_probe_finish (res, &wait->error);
  wait->done_at = g_get_monotonic_time ();
  g_main_loop_quit (wait->loop);
}

static gboolean
on_cancel_timeout_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gboolean
on_guard_timeout_cb (gpointer data)
{
  g_error ("the probe did not finish in time");
  return G_SOURCE_REMOVE;
}

static BwProbeResult *
probe_and_wait (const BwProbeRequest  *request,
                GCancellable          *cancellable,
                guint                  cancel_after_ms,
                gint64                *out_cancel_at,
                gint64                *out_done_at,
                GError               **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait wait = { .loop = loop };
  guint guard = g_timeout_add_seconds (request->timeout_s + 5, on_guard_timeout_cb, NULL);
  gint64 start = g_get_monotonic_time ();

  if (cancellable != NULL)
    g_timeout_add (cancel_after_ms, on_cancel_timeout_cb, cancellable);

  bw_probe_async (request, cancellable, on_done_cb, &wait);
  g_main_loop_run (loop);
  g_source_remove (guard);

  if (out_cancel_at != NULL)
    *out_cancel_at = start + cancel_after_ms * 1000;
  if (out_done_at != NULL)
    *out_done_at = wait.done_at;

  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.result;
}

static void
check_cancel_in_phase (Fixture      *f,
                       ListenerKind  kind)
{
  Listener *l = listener_new (kind);
  g_autoptr(BwProbeRequest) request = make_request (f, "127.0.0.1", l->port);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BwProbeResult) result = NULL;
  gint64 cancel_at = 0;
  gint64 done_at = 0;

  result = probe_and_wait (request, cancellable, 700, &cancel_at, &done_at, &error);

  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("cancel latency: %" G_GINT64_FORMAT " µs", done_at - cancel_at);
  g_assert_cmpint (done_at - cancel_at, <, 100 * 1000);

  if (kind != LISTENER_BACKLOG_FULL)
    {
      /* The worker, not just the task, must have stopped: the server sees the close. */
      for (guint i = 0; i < 50 && l->peer_closed_at == 0; i++)
        g_usleep (10 * 1000);
      g_assert_cmpint (l->peer_closed_at, >, 0);
      g_test_message ("server saw the close %" G_GINT64_FORMAT " µs after the cancel",
                      l->peer_closed_at - cancel_at);
      g_assert_cmpint (l->peer_closed_at - cancel_at, <, 200 * 1000);
    }

  listener_free (l);
}

static void
test_cancel_connect (Fixture *f, gconstpointer data)
{
  check_cancel_in_phase (f, LISTENER_BACKLOG_FULL);
}

static void
test_cancel_banner (Fixture *f, gconstpointer data)
{
  check_cancel_in_phase (f, LISTENER_SILENT);
}

static void
test_cancel_kex (Fixture *f, gconstpointer data)
{
  check_cancel_in_phase (f, LISTENER_BANNER_ONLY);
}

static void
test_cancel_before_start (Fixture *f, gconstpointer data)
{
  Listener *l = listener_new (LISTENER_SILENT);
  g_autoptr(BwProbeRequest) request = make_request (f, "127.0.0.1", l->port);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BwProbeResult) result = NULL;

  g_cancellable_cancel (cancellable);
  result = probe_and_wait (request, cancellable, 0, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  listener_free (l);
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  /* Bind a port, then close it, so that nothing listens there. */
  Listener *l = listener_new (LISTENER_BACKLOG_FULL);
  guint16 port = l->port;
  g_autoptr(BwProbeRequest) request = NULL;
  g_autoptr(BwProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;

  listener_free (l);
  request = make_request (f, "127.0.0.1", port);
  result = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bw_observation_to_string (result->observation), ==, "refused");
  g_assert_cmpint (result->phase, ==, BW_PHASE_CONNECT);
  g_assert_cmpuint (result->auth_requests, ==, 0);
  g_assert_cmpstr (result->address, ==, "127.0.0.1");
  g_assert_cmpint (result->timings_ms[BW_TIMING_CONNECT], <, 1000);
  g_assert_cmpint (result->timings_ms[BW_TIMING_BANNER], ==, -1);
}

static void
test_dns_failed (Fixture *f, gconstpointer data)
{
  g_autoptr(BwProbeRequest) request = make_request (f, "nosuchhost.invalid", 22);
  g_autoptr(BwProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bw_observation_to_string (result->observation), ==, "dns-failed");
  g_assert_cmpint (result->phase, ==, BW_PHASE_RESOLVE);
  g_assert_nonnull (strstr (result->message, "nosuchhost.invalid"));
  g_assert_null (result->address);
}

static void
test_key_unusable_makes_no_connection (Fixture *f, gconstpointer data)
{
  Listener *l = listener_new (LISTENER_SILENT);
  g_autoptr(BwProbeRequest) request = make_request (f, "127.0.0.1", l->port);
  g_autoptr(BwProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_free (request->key_path);
  request->key_path = g_build_filename (f->dir, "missing", NULL);
  result = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bw_observation_to_string (result->observation), ==, "key-unusable");
  g_assert_cmpint (result->phase, ==, BW_PHASE_KEY_CHECK);
  g_assert_nonnull (strstr (result->message, "missing"));

  /* Nothing reached the listener. */
  g_atomic_int_set (&l->stop, TRUE);
  g_thread_join (g_steal_pointer (&l->thread));
  g_assert_cmpint (l->accepted_fd, <, 0);
  listener_free (l);
}

static void
test_closed_before_banner (Fixture *f, gconstpointer data)
{
  /* A listener that accepts and closes at once, the way sshd drops a refused source. */
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  g_autoptr(BwProbeRequest) request = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Wait wait = { .loop = loop };
  int conn;

  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (fd, 4), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);

  request = make_request (f, "127.0.0.1", ntohs (addr.sin_port));
  bw_probe_async (request, NULL, on_done_cb, &wait);

  conn = accept (fd, NULL, NULL);
  g_assert_cmpint (conn, >=, 0);
  close (conn);
  g_main_loop_run (loop);
  close (fd);

  g_assert_no_error (wait.error);
  g_assert_cmpstr (bw_observation_to_string (wait.result->observation), ==, "closed-before-banner");
  g_assert_cmpint (wait.result->phase, ==, BW_PHASE_BANNER);
  g_assert_null (wait.result->banner);
  g_assert_cmpuint (wait.result->auth_requests, ==, 0);
  bw_probe_result_unref (wait.result);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/probe/cancel/connect", test_cancel_connect);
  ADD ("/probe/cancel/banner", test_cancel_banner);
  ADD ("/probe/cancel/kex", test_cancel_kex);
  ADD ("/probe/cancel/before-start", test_cancel_before_start);
  ADD ("/probe/refused", test_refused);
  ADD ("/probe/dns-failed", test_dns_failed);
  ADD ("/probe/key-unusable-makes-no-connection", test_key_unusable_makes_no_connection);
  ADD ("/probe/closed-before-banner", test_closed_before_banner);

#undef ADD

  return g_test_run ();
}
