// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-probe-request"

#include "config.h"

#include <string.h>

#include "bw-probe-request.h"

G_DEFINE_BOXED_TYPE (BwProbeRequest, bw_probe_request, bw_probe_request_copy, bw_probe_request_free)

/**
 * bw_probe_request_new:
 *
 * Returns: (transfer full): a request with the default port and deadline
 */
BwProbeRequest *
bw_probe_request_new (void)
{
  BwProbeRequest *request = g_new0 (BwProbeRequest, 1);

  request->port = 22;
  request->timeout_s = BW_PROBE_DEFAULT_TIMEOUT_S;
  return request;
}

/**
 * bw_probe_request_copy:
 *
 * Returns: (transfer full): a deep copy of @request
 */
BwProbeRequest *
bw_probe_request_copy (const BwProbeRequest *request)
{
  BwProbeRequest *copy = g_new0 (BwProbeRequest, 1);

  *copy = *request;
  copy->host = g_strdup (request->host);
  copy->user = g_strdup (request->user);
  copy->key_path = g_strdup (request->key_path);
  copy->passphrase = g_strdup (request->passphrase);
  copy->known_hosts = g_strdup (request->known_hosts);
  copy->address = g_strdup (request->address);
  return copy;
}

/**
 * bw_probe_request_free:
 *
 * Frees @request, wiping the passphrase first.
 */
void
bw_probe_request_free (BwProbeRequest *request)
{
  if (request == NULL)
    return;

  if (request->passphrase != NULL)
    explicit_bzero (request->passphrase, strlen (request->passphrase));

  g_free (request->host);
  g_free (request->user);
  g_free (request->key_path);
  g_free (request->passphrase);
  g_free (request->known_hosts);
  g_free (request->address);
  g_free (request);
}

