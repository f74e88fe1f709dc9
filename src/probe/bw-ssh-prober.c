// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-ssh-prober"

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "bw-key-check.h"
#include "bw-ssh-prober.h"
#include "bw-tcp.h"

/* The web cross-check: one TCP connect per port, never to the SSH port. */
#define WEB_CHECK_DEADLINE_S 5
static const guint16 web_ports[] = { 443, 80 };

/**
 * BwSshProber:
 *
 * The monitor's #BwProber for real: GResolver for names, the given runner for probes
 * (in this process or in a child), and the web cross-check as a bare TCP connect to
 * port 443, then 80. This file does not use libssh.
 */
struct _BwSshProber
{
  GObject           parent_instance;

  char             *known_hosts;
  guint             timeout_s;
  BwProbeRunAsync   run_async;
  BwProbeRunFinish  run_finish;
  BwPassphraseFunc  passphrase_func;
  gpointer          passphrase_data;
};

static void bw_ssh_prober_iface_init (BwProberInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BwSshProber, bw_ssh_prober, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (BW_TYPE_PROBER, bw_ssh_prober_iface_init))

static void
on_resolved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autolist(GInetAddress) addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  if (addresses == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_inet_address_to_string (addresses->data), g_free);
}

static void
bw_ssh_prober_resolve_async (BwProber            *prober,
                             const char          *host,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  GTask *task = g_task_new (prober, cancellable, callback, user_data);

  g_task_set_source_tag (task, bw_ssh_prober_resolve_async);
  g_resolver_lookup_by_name_async (resolver, host, cancellable, on_resolved_cb, task);
}

static char *
bw_ssh_prober_resolve_finish (BwProber      *prober,
                              GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_probe_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BwSshProber *self = g_task_get_source_object (task);
  GError *error = NULL;
  BwProbeResult *probe = self->run_finish (result, &error);

  if (probe == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, probe, (GDestroyNotify) bw_probe_result_unref);
}

static void
bw_ssh_prober_probe_async (BwProber            *prober,
                           BwSite              *site,
                           const char          *address,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  BwSshProber *self = BW_SSH_PROBER (prober);
  GTask *task = g_task_new (prober, cancellable, callback, user_data);
  g_autoptr(BwProbeRequest) request = bw_probe_request_new ();
  GError *error = NULL;

  g_task_set_source_tag (task, bw_ssh_prober_probe_async);

  request->host = g_strdup (bw_site_get_host (site));
  request->port = (guint16) bw_site_get_port (site);
  request->user = g_strdup (bw_site_get_user (site));
  request->key_path = g_strdup (bw_site_get_key_path (site));
  request->known_hosts = g_strdup (self->known_hosts);
  request->timeout_s = self->timeout_s;
  request->address = g_strdup (address);

  if (bw_site_get_has_passphrase (site) && self->passphrase_func != NULL)
    {
      request->passphrase = self->passphrase_func (site, self->passphrase_data, &error);
      if (request->passphrase == NULL)
        {
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
    }

  self->run_async (request, cancellable, on_probe_done_cb, task);
}

static BwProbeResult *
bw_ssh_prober_probe_finish (BwProber      *prober,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
web_check_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (task_data);
  gboolean answered = FALSE;

  if (address == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "not an address: %s", (const char *) task_data);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (web_ports) && !answered; i++)
    {
      g_autoptr(GError) error = NULL;
      GList single = { .data = address };
      gint64 deadline = g_get_monotonic_time () + WEB_CHECK_DEADLINE_S * G_USEC_PER_SEC;
      int fd = bw_tcp_connect (&single, web_ports[i], deadline, cancellable, NULL, &error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      if (fd >= 0)
        {
          answered = TRUE;
          close (fd);
        }
    }

  g_task_return_boolean (task, answered);
}

static void
bw_ssh_prober_web_check_async (BwProber            *prober,
                               const char          *address,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (prober, cancellable, callback, user_data);

  g_task_set_source_tag (task, bw_ssh_prober_web_check_async);
  g_task_set_task_data (task, g_strdup (address), g_free);
  g_task_run_in_thread (task, web_check_thread);
}

static gboolean
bw_ssh_prober_web_check_finish (BwProber      *prober,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
bw_ssh_prober_check_site (BwProber  *prober,
                          BwSite    *site,
                          GError   **error)
{
  g_autoptr(BwKeyInfo) info = NULL;

  if (bw_site_get_key_path (site) == NULL)
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_NOT_FOUND,
                   _("No key is chosen for this site; Banwatch never uses the agent. Choose one with "
                     "“banwatch sites edit NAME --key FILE”."));
      return FALSE;
    }

  /* Structure only: decrypting needs the keyring, and the probe does it anyway. */
  info = bw_key_inspect (bw_site_get_key_path (site), error);
  if (info == NULL)
    return FALSE;

  if (info->encrypted && !bw_site_get_has_passphrase (site))
    {
      g_set_error (error, BW_KEY_ERROR, BW_KEY_ERROR_PASSPHRASE_REQUIRED,
                   _("The key %s is encrypted and no passphrase is stored for this site. Store it with "
                     "“banwatch sites edit NAME --passphrase-fd N”."), bw_site_get_key_path (site));
      return FALSE;
    }

  return TRUE;
}

static void
bw_ssh_prober_iface_init (BwProberInterface *iface)
{
  iface->resolve_async = bw_ssh_prober_resolve_async;
  iface->resolve_finish = bw_ssh_prober_resolve_finish;
  iface->probe_async = bw_ssh_prober_probe_async;
  iface->probe_finish = bw_ssh_prober_probe_finish;
  iface->web_check_async = bw_ssh_prober_web_check_async;
  iface->web_check_finish = bw_ssh_prober_web_check_finish;
  iface->check_site = bw_ssh_prober_check_site;
}

static void
bw_ssh_prober_finalize (GObject *object)
{
  BwSshProber *self = (BwSshProber *) object;

  g_clear_pointer (&self->known_hosts, g_free);

  G_OBJECT_CLASS (bw_ssh_prober_parent_class)->finalize (object);
}

static void
bw_ssh_prober_class_init (BwSshProberClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bw_ssh_prober_finalize;
}

static void
bw_ssh_prober_init (BwSshProber *self)
{
}

/**
 * bw_ssh_prober_new:
 * @known_hosts: Banwatch's known_hosts file
 * @timeout_s: each probe's overall deadline
 * @run_async: (scope forever): runs one probe
 * @run_finish: (scope forever): its result
 * @passphrase_func: (nullable): supplies stored passphrases
 *
 * Returns: (transfer full): the real prober
 */
BwProber *
bw_ssh_prober_new (const char       *known_hosts,
                   guint             timeout_s,
                   BwProbeRunAsync   run_async,
                   BwProbeRunFinish  run_finish,
                   BwPassphraseFunc  passphrase_func,
                   gpointer          user_data)
{
  BwSshProber *self = g_object_new (BW_TYPE_SSH_PROBER, NULL);

  self->known_hosts = g_strdup (known_hosts);
  self->timeout_s = timeout_s;
  self->run_async = run_async;
  self->run_finish = run_finish;
  self->passphrase_func = passphrase_func;
  self->passphrase_data = user_data;
  return BW_PROBER (self);
}
