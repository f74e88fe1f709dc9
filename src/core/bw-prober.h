// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "bw-probe-result.h"
#include "bw-site.h"

G_BEGIN_DECLS

#define BW_TYPE_PROBER (bw_prober_get_type ())

G_DECLARE_INTERFACE (BwProber, bw_prober, BW, PROBER, GObject)

/**
 * BwProberInterface:
 * @resolve_async: resolves a host name to the address the monitor budgets by
 * @probe_async: one hardened probe of @site, connecting to @address only
 * @web_check_async: one TCP connect to port 443, then 80, of @address; %TRUE when
 *   either answered
 * @check_site: the local checks that need no connection (the key file exists, is a
 *   usable private key, and has its passphrase stored if it is encrypted)
 *
 * What the monitor needs from the outside world. The real implementation lives in
 * probe/; tests use a fake.
 */
struct _BwProberInterface
{
  GTypeInterface parent_iface;

  void           (*resolve_async)    (BwProber            *self,
                                      const char          *host,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
  char          *(*resolve_finish)   (BwProber            *self,
                                      GAsyncResult        *result,
                                      GError             **error);
  void           (*probe_async)      (BwProber            *self,
                                      BwSite              *site,
                                      const char          *address,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
  BwProbeResult *(*probe_finish)     (BwProber            *self,
                                      GAsyncResult        *result,
                                      GError             **error);
  void           (*web_check_async)  (BwProber            *self,
                                      const char          *address,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
  gboolean       (*web_check_finish) (BwProber            *self,
                                      GAsyncResult        *result,
                                      GError             **error);
  gboolean       (*check_site)       (BwProber            *self,
                                      BwSite              *site,
                                      GError             **error);
};

void           bw_prober_resolve_async    (BwProber            *self,
                                           const char          *host,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
char          *bw_prober_resolve_finish   (BwProber            *self,
                                           GAsyncResult        *result,
                                           GError             **error);
void           bw_prober_probe_async      (BwProber            *self,
                                           BwSite              *site,
                                           const char          *address,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
BwProbeResult *bw_prober_probe_finish     (BwProber            *self,
                                           GAsyncResult        *result,
                                           GError             **error);
void           bw_prober_web_check_async  (BwProber            *self,
                                           const char          *address,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean       bw_prober_web_check_finish (BwProber            *self,
                                           GAsyncResult        *result,
                                           GError             **error);

gboolean       bw_prober_check_site       (BwProber            *self,
                                           BwSite              *site,
                                           GError             **error);

G_END_DECLS
