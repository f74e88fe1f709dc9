// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-prober"

#include "config.h"

#include "bw-prober.h"

G_DEFINE_INTERFACE (BwProber, bw_prober, G_TYPE_OBJECT)

static void
bw_prober_default_init (BwProberInterface *iface)
{
}

void
bw_prober_resolve_async (BwProber            *self,
                         const char          *host,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (BW_IS_PROBER (self));
  BW_PROBER_GET_IFACE (self)->resolve_async (self, host, cancellable, callback, user_data);
}

/**
 * bw_prober_resolve_finish:
 *
 * Returns: (transfer full): the first address, as a string, or %NULL with @error set
 */
char *
bw_prober_resolve_finish (BwProber      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (BW_IS_PROBER (self), NULL);
  return BW_PROBER_GET_IFACE (self)->resolve_finish (self, result, error);
}

void
bw_prober_probe_async (BwProber            *self,
                       BwSite              *site,
                       const char          *address,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (BW_IS_PROBER (self));
  BW_PROBER_GET_IFACE (self)->probe_async (self, site, address, cancellable, callback, user_data);
}

/**
 * bw_prober_probe_finish:
 *
 * Returns: (transfer full): the result, or %NULL with @error set (cancelled, or the
 *   site's secret could not be read)
 */
BwProbeResult *
bw_prober_probe_finish (BwProber      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (BW_IS_PROBER (self), NULL);
  return BW_PROBER_GET_IFACE (self)->probe_finish (self, result, error);
}

void
bw_prober_web_check_async (BwProber            *self,
                           const char          *address,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (BW_IS_PROBER (self));
  BW_PROBER_GET_IFACE (self)->web_check_async (self, address, cancellable, callback, user_data);
}

/**
 * bw_prober_web_check_finish:
 *
 * Returns: %TRUE when port 443 or 80 of the address accepted a TCP connection
 */
gboolean
bw_prober_web_check_finish (BwProber      *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (BW_IS_PROBER (self), FALSE);
  return BW_PROBER_GET_IFACE (self)->web_check_finish (self, result, error);
}

/**
 * bw_prober_check_site:
 *
 * Returns: %TRUE when nothing local stands in the way of probing @site
 */
gboolean
bw_prober_check_site (BwProber  *self,
                      BwSite    *site,
                      GError   **error)
{
  g_return_val_if_fail (BW_IS_PROBER (self), FALSE);

  if (BW_PROBER_GET_IFACE (self)->check_site == NULL)
    return TRUE;
  return BW_PROBER_GET_IFACE (self)->check_site (self, site, error);
}
