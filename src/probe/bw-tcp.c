// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-tcp"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "bw-tcp.h"

G_DEFINE_QUARK (bw-tcp-error-quark, bw_tcp_error)

/* RFC 8305's "Connection Attempt Delay": start the next address if the previous one has
 * not answered by then, so one dead address never eats the whole deadline. */
#define ATTEMPT_DELAY_US (250 * G_TIME_SPAN_MILLISECOND)

typedef struct {
  GInetAddress *address;
  int           fd;
  int           error;    /* errno of a failed attempt, 0 while pending or untried */
  gboolean      started;
} Attempt;

static void
attempt_clear (Attempt *attempt)
{
  if (attempt->fd >= 0)
    close (attempt->fd);
  attempt->fd = -1;
}

/* Happy Eyeballs ordering: alternate address families, starting with the family the
 * resolver preferred. */
static GPtrArray *
interleave_families (GList *addresses)
{
  g_autoptr(GPtrArray) first = g_ptr_array_new ();
  g_autoptr(GPtrArray) second = g_ptr_array_new ();
  GPtrArray *ordered = g_ptr_array_new ();
  GSocketFamily preferred;

  if (addresses == NULL)
    return ordered;

  preferred = g_inet_address_get_family (addresses->data);
  for (GList *l = addresses; l != NULL; l = l->next)
    g_ptr_array_add (g_inet_address_get_family (l->data) == preferred ? first : second, l->data);

  for (guint i = 0; i < MAX (first->len, second->len); i++)
    {
      if (i < first->len)
        g_ptr_array_add (ordered, first->pdata[i]);
      if (i < second->len)
        g_ptr_array_add (ordered, second->pdata[i]);
    }

  return ordered;
}

static void
start_attempt (Attempt *attempt,
               guint16  port)
{
  g_autoptr(GSocketAddress) sockaddr = g_inet_socket_address_new (attempt->address, port);
  struct sockaddr_storage storage;
  gssize length = g_socket_address_get_native_size (sockaddr);
  int fd;

  attempt->started = TRUE;

  if (!g_socket_address_to_native (sockaddr, &storage, sizeof storage, NULL))
    {
      attempt->error = EAFNOSUPPORT;
      return;
    }

  fd = socket (storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      attempt->error = errno;
      return;
    }

  if (connect (fd, (struct sockaddr *) &storage, (socklen_t) length) == 0)
    {
      attempt->fd = fd;
      return;
    }

  if (errno == EINPROGRESS)
    {
      attempt->fd = fd;
      return;
    }

  attempt->error = errno;
  close (fd);
}

static gboolean
is_refusal (int error)
{
  return error == ECONNREFUSED || error == EHOSTUNREACH;
}

static gboolean
is_local_network_problem (int error)
{
  return error == ENETUNREACH || error == ENETDOWN || error == EADDRNOTAVAIL ||
         error == EAFNOSUPPORT || error == EPERM || error == EACCES;
}

/* Picks the most telling failure over all attempts: a refusal is an answer from the
 * server's side, a pending attempt at the deadline is a timeout, and only when every
 * address failed locally is the network unreachable. */
static void
set_failure (GError  **error,
             Attempt  *attempts,
             guint     n_attempts,
             gboolean  deadline_hit,
             guint16   port)
{
  int refusal = 0;
  int local = 0;
  int other = 0;

  for (guint i = 0; i < n_attempts; i++)
    {
      int e = attempts[i].error;

      if (is_refusal (e))
        refusal = refusal != 0 ? refusal : e;
      else if (is_local_network_problem (e))
        local = local != 0 ? local : e;
      else if (e != 0)
        other = other != 0 ? other : e;
    }

  if (refusal == ECONNREFUSED)
    g_set_error (error, BW_TCP_ERROR, BW_TCP_ERROR_REFUSED,
                 _("Connection refused on port %u"), port);
  else if (refusal == EHOSTUNREACH)
    g_set_error (error, BW_TCP_ERROR, BW_TCP_ERROR_REFUSED,
                 _("No route to host (an ICMP reject, which firewalls also send)"));
  else if (deadline_hit)
    g_set_error (error, BW_TCP_ERROR, BW_TCP_ERROR_TIMEOUT,
                 _("No answer to the TCP connection on port %u before the deadline"), port);
  else if (local != 0)
    g_set_error (error, BW_TCP_ERROR, BW_TCP_ERROR_UNREACHABLE,
                 _("Cannot reach the network: %s"), g_strerror (local));
  else
    g_set_error (error, BW_TCP_ERROR, BW_TCP_ERROR_FAILED,
                 _("The TCP connection failed: %s"), g_strerror (other != 0 ? other : EIO));
}

/**
 * bw_tcp_connect:
 * @addresses: (element-type GInetAddress): every resolved address, in resolver order
 * @deadline_us: monotonic time by which the connection must be up
 * @out_address: (out) (optional): the address that answered, or the last one tried
 *
 * Connects to @port on each address with non-blocking sockets, staggered as in Happy
 * Eyeballs, until one succeeds, all fail, the deadline passes or @cancellable fires.
 * A refusal is seen at once because nothing blocks on a locked socket.
 *
 * Returns: a connected, blocking socket the caller owns, or -1 with @error set
 */
int
bw_tcp_connect (GList         *addresses,
                guint16        port,
                gint64         deadline_us,
                GCancellable  *cancellable,
                char         **out_address,
                GError       **error)
{
  g_autoptr(GPtrArray) ordered = interleave_families (addresses);
  g_autofree Attempt *attempts = g_new0 (Attempt, MAX (ordered->len, 1));
  guint n_attempts = ordered->len;
  guint next = 0;
  gint64 last_start = 0;
  int connected = -1;
  int cancel_fd = -1;
  gboolean deadline_hit = FALSE;

  g_return_val_if_fail (addresses != NULL, -1);

  for (guint i = 0; i < n_attempts; i++)
    {
      attempts[i].address = ordered->pdata[i];
      attempts[i].fd = -1;
    }

  if (cancellable != NULL)
    cancel_fd = g_cancellable_get_fd (cancellable);

  while (connected < 0)
    {
      struct pollfd fds[n_attempts + 1];
      guint map[n_attempts + 1];
      guint n_fds = 0;
      guint n_pending = 0;
      gint64 now = g_get_monotonic_time ();
      gint64 wake = deadline_us;
      int timeout_ms;

      if (g_cancellable_is_cancelled (cancellable))
        break;

      if (now >= deadline_us)
        {
          deadline_hit = TRUE;
          break;
        }

      for (guint i = 0; i < next; i++)
        if (attempts[i].fd >= 0)
          n_pending++;

      if (next < n_attempts && (n_pending == 0 || now - last_start >= ATTEMPT_DELAY_US))
        {
          start_attempt (&attempts[next], port);
          last_start = now;
          if (attempts[next].fd >= 0)
            n_pending++;
          next++;
        }

      if (n_pending == 0 && next >= n_attempts)
        break;

      for (guint i = 0; i < next; i++)
        {
          if (attempts[i].fd < 0)
            continue;
          fds[n_fds] = (struct pollfd) { .fd = attempts[i].fd, .events = POLLOUT };
          map[n_fds++] = i;
        }
      if (cancel_fd >= 0)
        fds[n_fds++] = (struct pollfd) { .fd = cancel_fd, .events = POLLIN };

      if (next < n_attempts)
        wake = MIN (wake, last_start + ATTEMPT_DELAY_US);
      timeout_ms = (int) MAX (0, (wake - now + 999) / 1000);

      if (poll (fds, n_fds, timeout_ms) < 0 && errno != EINTR)
        {
          g_set_error (error, BW_TCP_ERROR, BW_TCP_ERROR_FAILED, "poll: %s", g_strerror (errno));
          goto out;
        }

      for (guint j = 0; j < n_fds; j++)
        {
          Attempt *attempt;
          int so_error = 0;
          socklen_t len = sizeof so_error;

          if (fds[j].fd == cancel_fd || fds[j].revents == 0)
            continue;

          attempt = &attempts[map[j]];
          if (getsockopt (attempt->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0)
            so_error = errno;

          if (so_error == 0 && connected < 0)
            {
              connected = attempt->fd;
              attempt->fd = -1;
              if (out_address != NULL)
                *out_address = g_inet_address_to_string (attempt->address);
            }
          else if (so_error != 0)
            {
              attempt->error = so_error;
              attempt_clear (attempt);
            }
        }
    }

  if (connected < 0)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto out;

      if (out_address != NULL && next > 0)
        *out_address = g_inet_address_to_string (attempts[next - 1].address);
      set_failure (error, attempts, n_attempts, deadline_hit, port);
    }

out:
  for (guint i = 0; i < n_attempts; i++)
    attempt_clear (&attempts[i]);
  if (cancel_fd >= 0)
    g_cancellable_release_fd (cancellable);

  if (connected >= 0)
    {
      if (!g_unix_set_fd_nonblocking (connected, FALSE, error))
        {
          close (connected);
          return -1;
        }
    }

  return connected;
}
