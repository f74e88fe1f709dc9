// SPDX-License-Identifier: GPL-3.0-or-later
/* The probe against tiny loopback listeners: cancellation in each phase that a listener
 * can hold open, and the failures that need no real sshd. The real-sshd, namespace and
 * fail2ban cases live in tests/integration/.
 *
 * Every case runs twice: in this process (bw_probe_async(), the command line) and in a
 * `banwatch probe` child (bw_probe_child_async(), the tray app), which must give the same
 * result and cancel just as promptly. The /probe-child/ cases at the end cover what only
 * a child can do wrong. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "probe/bw-probe.h"
#include "probe/bw-probe-child.h"

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

/* Set by fixture_setup() from the test's data: run the probe in a child. */
static gboolean in_child;

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

  in_child = GPOINTER_TO_INT (data);
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

  wait->result = in_child ? bw_probe_child_finish (res, &wait->error) : bw_probe_finish (res, &wait->error);
  wait->done_at = g_get_monotonic_time ();
  g_main_loop_quit (wait->loop);
}

static void
start_probe (const BwProbeRequest *request,
             GCancellable         *cancellable,
             Wait                 *wait)
{
  if (in_child)
    bw_probe_child_async (request, cancellable, on_done_cb, wait);
  else
    bw_probe_async (request, cancellable, on_done_cb, wait);
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
  guint guard = g_timeout_add_seconds (request->timeout_s + 10, on_guard_timeout_cb, NULL);
  gint64 start = g_get_monotonic_time ();

  if (cancellable != NULL)
    g_timeout_add (cancel_after_ms, on_cancel_timeout_cb, cancellable);

  start_probe (request, cancellable, &wait);
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
  /* A child also has to get its SIGTERM, cancel and exit. */
  g_test_message ("cancel latency: %" G_GINT64_FORMAT " µs", done_at - cancel_at);
  g_assert_cmpint (done_at - cancel_at, <, (in_child ? 300 : 100) * 1000);

  if (kind != LISTENER_BACKLOG_FULL)
    {
      /* The worker, not just the task, must have stopped: the server sees the close. */
      for (guint i = 0; i < 50 && l->peer_closed_at == 0; i++)
        g_usleep (10 * 1000);
      g_assert_cmpint (l->peer_closed_at, >, 0);
      g_test_message ("server saw the close %" G_GINT64_FORMAT " µs after the cancel",
                      l->peer_closed_at - cancel_at);
      g_assert_cmpint (l->peer_closed_at - cancel_at, <, (in_child ? 300 : 200) * 1000);
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

/* A loopback port bound, then closed, so that nothing listens there. */
static guint16
closed_port (void)
{
  Listener *l = listener_new (LISTENER_BACKLOG_FULL);
  guint16 port = l->port;

  listener_free (l);
  return port;
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  guint16 port = closed_port ();
  g_autoptr(BwProbeRequest) request = NULL;
  g_autoptr(BwProbeResult) result = NULL;
  g_autoptr(GError) error = NULL;

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
  start_probe (request, NULL, &wait);

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

/* An encrypted key goes to the child with its passphrase on stdin: the wrong one is a
 * key-unusable result before any connection, the right one gets as far as connecting. */
static void
test_child_passphrase (Fixture *f, gconstpointer data)
{
  guint16 port = closed_port ();
  g_autoptr(BwProbeRequest) request = NULL;
  g_autoptr(BwProbeResult) wrong = NULL;
  g_autoptr(BwProbeResult) right = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "ssh-keygen", "-q", "-p", "-P", "", "-N", "correct horse", "-f", f->key, NULL };
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  request = make_request (f, "127.0.0.1", port);
  request->passphrase = g_strdup ("battery staple");
  wrong = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bw_observation_to_string (wrong->observation), ==, "key-unusable");
  g_assert_nonnull (strstr (wrong->message, "passphrase"));
  g_assert_null (wrong->address);

  g_free (request->passphrase);
  request->passphrase = g_strdup ("correct horse");
  right = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bw_observation_to_string (right->observation), ==, "refused");
}

/* A child that ends without a result (crashed, or not a banwatch at all) is an error
 * that says how it ended, never a made-up observation. */
static void
test_child_without_result (Fixture *f, gconstpointer data)
{
  g_autoptr(BwProbeRequest) request = make_request (f, "127.0.0.1", 9);
  g_autofree char *saved = g_strdup (g_getenv ("BANWATCH_CLI"));
  g_autofree char *script = g_build_filename (f->dir, "banwatch", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwProbeResult) result = NULL;

  g_assert_true (g_file_set_contents (script, "#!/bin/sh\necho 'not json'\necho 'it broke' >&2\nkill -SEGV $$\n",
                                      -1, NULL));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_setenv ("BANWATCH_CLI", script, TRUE);
  result = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "signal 11"));
  g_assert_nonnull (strstr (error->message, "it broke"));
  g_clear_error (&error);

  g_setenv ("BANWATCH_CLI", "/nonexistent/banwatch", TRUE);
  result = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/banwatch"));

  g_setenv ("BANWATCH_CLI", saved, TRUE);
  g_unlink (script);
}

/* A child that ignores SIGTERM and its own deadline is killed CHILD_GRACE_S (5 s) after
 * the deadline; the caller gets a timed-out error then, not never. */
static void
test_child_killed_at_deadline (Fixture *f, gconstpointer data)
{
  g_autoptr(BwProbeRequest) request = make_request (f, "127.0.0.1", 9);
  g_autofree char *saved = g_strdup (g_getenv ("BANWATCH_CLI"));
  g_autofree char *script = g_build_filename (f->dir, "banwatch", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BwProbeResult) result = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 done_at = 0;

  g_assert_true (g_file_set_contents (script, "#!/bin/sh\ntrap '' TERM\nexec sleep 60\n", -1, NULL));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_setenv ("BANWATCH_CLI", script, TRUE);
  request->timeout_s = BW_PROBE_MIN_TIMEOUT_S;
  /* Cancelled after 0.5 s: the SIGTERM is ignored, so only the kill ends it. */
  result = probe_and_wait (request, cancellable, 500, NULL, &done_at, &error);
  g_assert_null (result);
  g_test_message ("ended after %" G_GINT64_FORMAT " ms: %s", (done_at - start) / 1000, error->message);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (done_at - start, >=, (BW_PROBE_MIN_TIMEOUT_S + 5) * G_USEC_PER_SEC - 200000);
  g_assert_cmpint (done_at - start, <, (BW_PROBE_MIN_TIMEOUT_S + 7) * G_USEC_PER_SEC);
  g_clear_error (&error);

  result = probe_and_wait (request, NULL, 0, NULL, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);

  g_setenv ("BANWATCH_CLI", saved, TRUE);
  g_unlink (script);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* The children run the banwatch this build made (meson's test environment sets it). */
  if (g_getenv ("BANWATCH") == NULL)
    g_error ("BANWATCH is not set: run this test with meson test");
  g_setenv ("BANWATCH_CLI", g_getenv ("BANWATCH"), TRUE);

#define ADD(path, func) \
  g_test_add ("/probe" path, Fixture, GINT_TO_POINTER (FALSE), fixture_setup, func, fixture_teardown); \
  g_test_add ("/probe-child" path, Fixture, GINT_TO_POINTER (TRUE), fixture_setup, func, fixture_teardown)
#define ADD_CHILD(path, func) \
  g_test_add ("/probe-child" path, Fixture, GINT_TO_POINTER (TRUE), fixture_setup, func, fixture_teardown)

  ADD ("/cancel/connect", test_cancel_connect);
  ADD ("/cancel/banner", test_cancel_banner);
  ADD ("/cancel/kex", test_cancel_kex);
  ADD ("/cancel/before-start", test_cancel_before_start);
  ADD ("/refused", test_refused);
  ADD ("/dns-failed", test_dns_failed);
  ADD ("/key-unusable-makes-no-connection", test_key_unusable_makes_no_connection);
  ADD ("/closed-before-banner", test_closed_before_banner);

  ADD_CHILD ("/passphrase-on-stdin", test_child_passphrase);
  ADD_CHILD ("/without-result", test_child_without_result);
  ADD_CHILD ("/killed-at-deadline", test_child_killed_at_deadline);

#undef ADD
#undef ADD_CHILD

  return g_test_run ();
}
