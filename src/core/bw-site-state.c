// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-site-state"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-site-state.h"

typedef struct {
  const char *word;
  const char *description;
  int         severity;    /* higher is worse; orders the tray icon and check's exit code */
  int         exit_code;
} StateInfo;

static const StateInfo states[BW_N_SITE_STATES] = {
  [BW_SITE_STATE_UNKNOWN] = { "unknown", N_("Not checked yet"), 1, BW_EXIT_OK },
  [BW_SITE_STATE_HEALTHY] = { "healthy", N_("Reachable"), 0, BW_EXIT_OK },
  [BW_SITE_STATE_LIGHTER_BAN] = { "lighter-ban", N_("Likely banned (lighter stage: sshd closes the connection)"), 7, BW_EXIT_LIGHTER },
  [BW_SITE_STATE_HEAVIER_BAN] = { "heavier-ban", N_("Likely banned (heavier stage: firewall reject)"), 9, BW_EXIT_HEAVIER },
  [BW_SITE_STATE_SILENT_BLOCK] = { "silent-block", N_("Likely blocked silently (firewall drop)"), 8, BW_EXIT_SILENT },
  [BW_SITE_STATE_SERVER_DOWN] = { "server-down", N_("The server or its SSH service seems down"), 4, BW_EXIT_SERVER_PROBLEM },
  [BW_SITE_STATE_LOCAL_NETWORK] = { "local-network", N_("This computer's network is down"), 2, BW_EXIT_NETWORK_UNREACHABLE },
  [BW_SITE_STATE_AUTH_PROBLEM] = { "auth-problem", N_("The key or user is not accepted"), 6, BW_EXIT_AUTH_REJECTED },
  [BW_SITE_STATE_HOSTKEY_ALARM] = { "hostkey-alarm", N_("The host key changed: possible attack"), 10, BW_EXIT_HOSTKEY_CHANGED },
  [BW_SITE_STATE_NEEDS_TRUST] = { "needs-trust", N_("The host key must be trusted first"), 5, BW_EXIT_HOSTKEY_UNKNOWN },
  [BW_SITE_STATE_CONFIG_ERROR] = { "config-error", N_("The site's settings need fixing"), 3, BW_EXIT_KEY_UNUSABLE },
};

const char *
bw_site_state_to_string (BwSiteState state)
{
  g_return_val_if_fail (state < BW_N_SITE_STATES, NULL);
  return states[state].word;
}

gboolean
bw_site_state_from_string (const char  *word,
                           BwSiteState *out_state)
{
  for (guint i = 0; i < BW_N_SITE_STATES; i++)
    {
      if (g_strcmp0 (word, states[i].word) == 0)
        {
          if (out_state != NULL)
            *out_state = i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * bw_site_state_describe:
 *
 * Returns: a short translated description for a person
 */
const char *
bw_site_state_describe (BwSiteState state)
{
  g_return_val_if_fail (state < BW_N_SITE_STATES, NULL);
  return _(states[state].description);
}

/**
 * bw_site_state_from_observation:
 *
 * The state one observation suggests on its own, before history and correlation.
 */
BwSiteState
bw_site_state_from_observation (BwObservation observation)
{
  switch (observation)
    {
    case BW_OBSERVATION_OK:
    case BW_OBSERVATION_AUTH_PARTIAL:
      return BW_SITE_STATE_HEALTHY;
    case BW_OBSERVATION_CLOSED_BEFORE_BANNER:
      return BW_SITE_STATE_LIGHTER_BAN;
    case BW_OBSERVATION_REFUSED:
      return BW_SITE_STATE_HEAVIER_BAN;
    case BW_OBSERVATION_TIMEOUT:
      return BW_SITE_STATE_SILENT_BLOCK;
    case BW_OBSERVATION_AUTH_REJECTED:
      return BW_SITE_STATE_AUTH_PROBLEM;
    case BW_OBSERVATION_HOSTKEY_CHANGED:
      return BW_SITE_STATE_HOSTKEY_ALARM;
    case BW_OBSERVATION_HOSTKEY_UNKNOWN:
      return BW_SITE_STATE_NEEDS_TRUST;
    case BW_OBSERVATION_KEY_UNUSABLE:
    case BW_OBSERVATION_DNS_FAILED:
    case BW_OBSERVATION_PROTOCOL_MISMATCH:
      return BW_SITE_STATE_CONFIG_ERROR;
    case BW_OBSERVATION_NETWORK_UNREACHABLE:
      return BW_SITE_STATE_LOCAL_NETWORK;
    case BW_OBSERVATION_CLOSED_DURING_HANDSHAKE:
    case BW_OBSERVATION_BANNER_TIMEOUT:
      return BW_SITE_STATE_SERVER_DOWN;
    case BW_N_OBSERVATIONS:
    default:
      return BW_SITE_STATE_UNKNOWN;
    }
}

gboolean
bw_site_state_is_ban (BwSiteState state)
{
  return state == BW_SITE_STATE_LIGHTER_BAN ||
         state == BW_SITE_STATE_HEAVIER_BAN ||
         state == BW_SITE_STATE_SILENT_BLOCK;
}

/**
 * bw_site_state_severity:
 *
 * Returns: how bad @state is, to pick the worst of several (higher is worse)
 */
int
bw_site_state_severity (BwSiteState state)
{
  g_return_val_if_fail (state < BW_N_SITE_STATES, 0);
  return states[state].severity;
}

/**
 * bw_site_state_exit_code:
 *
 * Returns: the documented exit code of `banwatch check` when @state is the worst state
 */
int
bw_site_state_exit_code (BwSiteState state)
{
  g_return_val_if_fail (state < BW_N_SITE_STATES, BW_EXIT_INTERNAL);
  return states[state].exit_code;
}
