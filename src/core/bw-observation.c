// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-observation"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-observation.h"

typedef struct {
  const char *word;
  const char *description;
  int         exit_code;
} ObservationInfo;

/* Indexed by BwObservation; the words are public API (DESIGN.md §2). */
static const ObservationInfo observations[BW_N_OBSERVATIONS] = {
  [BW_OBSERVATION_OK] = { "ok", N_("Logged in with the configured key"), BW_EXIT_OK },
  [BW_OBSERVATION_AUTH_REJECTED] = { "auth-rejected", N_("The server denied the key"), BW_EXIT_AUTH_REJECTED },
  [BW_OBSERVATION_AUTH_PARTIAL] = { "auth-partial", N_("The key was accepted, but the server requires another method too"), BW_EXIT_OK },
  [BW_OBSERVATION_HOSTKEY_UNKNOWN] = { "hostkey-unknown", N_("The server's host key is not trusted yet"), BW_EXIT_HOSTKEY_UNKNOWN },
  [BW_OBSERVATION_HOSTKEY_CHANGED] = { "hostkey-changed", N_("The server's host key differs from the pinned one"), BW_EXIT_HOSTKEY_CHANGED },
  [BW_OBSERVATION_CLOSED_BEFORE_BANNER] = { "closed-before-banner", N_("The connection was closed before the SSH banner"), BW_EXIT_LIGHTER },
  [BW_OBSERVATION_CLOSED_DURING_HANDSHAKE] = { "closed-during-handshake", N_("The connection was closed during the SSH handshake"), BW_EXIT_SERVER_PROBLEM },
  [BW_OBSERVATION_REFUSED] = { "refused", N_("The connection was refused"), BW_EXIT_HEAVIER },
  [BW_OBSERVATION_TIMEOUT] = { "timeout", N_("No answer to the connection attempt"), BW_EXIT_SILENT },
  [BW_OBSERVATION_BANNER_TIMEOUT] = { "banner-timeout", N_("Connected, but the server sent no SSH banner in time"), BW_EXIT_SERVER_PROBLEM },
  [BW_OBSERVATION_PROTOCOL_MISMATCH] = { "protocol-mismatch", N_("The server does not speak a compatible SSH protocol"), BW_EXIT_SERVER_PROBLEM },
  [BW_OBSERVATION_DNS_FAILED] = { "dns-failed", N_("The host name does not resolve"), BW_EXIT_DNS_FAILED },
  [BW_OBSERVATION_NETWORK_UNREACHABLE] = { "network-unreachable", N_("The network is unreachable from this computer"), BW_EXIT_NETWORK_UNREACHABLE },
  [BW_OBSERVATION_KEY_UNUSABLE] = { "key-unusable", N_("The configured key cannot be used"), BW_EXIT_KEY_UNUSABLE },
};

static const char * const phases[BW_N_PHASES] = {
  [BW_PHASE_KEY_CHECK] = "key-check",
  [BW_PHASE_RESOLVE] = "resolve",
  [BW_PHASE_CONNECT] = "connect",
  [BW_PHASE_BANNER] = "banner",
  [BW_PHASE_KEX] = "kex",
  [BW_PHASE_HOSTKEY] = "hostkey",
  [BW_PHASE_AUTH] = "auth",
  [BW_PHASE_EXEC] = "exec",
  [BW_PHASE_DONE] = "done",
};

/**
 * bw_observation_to_string:
 *
 * Returns: the public word for @observation, e.g. "closed-before-banner".
 */
const char *
bw_observation_to_string (BwObservation observation)
{
  g_return_val_if_fail (observation < BW_N_OBSERVATIONS, NULL);
  return observations[observation].word;
}

/**
 * bw_observation_from_string:
 *
 * Parses a public word. Returns %FALSE for anything else.
 */
gboolean
bw_observation_from_string (const char    *word,
                            BwObservation *out_observation)
{
  g_return_val_if_fail (word != NULL, FALSE);

  for (guint i = 0; i < BW_N_OBSERVATIONS; i++)
    {
      if (g_str_equal (word, observations[i].word))
        {
          if (out_observation != NULL)
            *out_observation = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * bw_observation_describe:
 *
 * Returns: a short translated sentence saying what @observation means.
 */
const char *
bw_observation_describe (BwObservation observation)
{
  g_return_val_if_fail (observation < BW_N_OBSERVATIONS, NULL);
  return _(observations[observation].description);
}

/**
 * bw_observation_exit_code:
 *
 * Returns: the documented exit code for @observation.
 */
int
bw_observation_exit_code (BwObservation observation)
{
  g_return_val_if_fail (observation < BW_N_OBSERVATIONS, BW_EXIT_INTERNAL);
  return observations[observation].exit_code;
}

/**
 * bw_observation_is_reachable:
 *
 * Returns: %TRUE when the observation proves the server let us log in.
 */
gboolean
bw_observation_is_reachable (BwObservation observation)
{
  return observation == BW_OBSERVATION_OK || observation == BW_OBSERVATION_AUTH_PARTIAL;
}

/**
 * bw_observation_sent_auth:
 *
 * Returns: %TRUE for the observations that can only be reached after the one
 * authentication request was sent.
 */
gboolean
bw_observation_sent_auth (BwObservation observation)
{
  return observation == BW_OBSERVATION_OK ||
         observation == BW_OBSERVATION_AUTH_PARTIAL ||
         observation == BW_OBSERVATION_AUTH_REJECTED;
}

/**
 * bw_phase_to_string:
 *
 * Returns: the public word for @phase, e.g. "banner".
 */
const char *
bw_phase_to_string (BwPhase phase)
{
  g_return_val_if_fail (phase < BW_N_PHASES, NULL);
  return phases[phase];
}

/**
 * bw_phase_from_string:
 *
 * Parses a phase word. Returns %FALSE for anything else.
 */
gboolean
bw_phase_from_string (const char *word,
                      BwPhase    *out_phase)
{
  g_return_val_if_fail (word != NULL, FALSE);

  for (guint i = 0; i < BW_N_PHASES; i++)
    {
      if (g_str_equal (word, phases[i]))
        {
          if (out_phase != NULL)
            *out_phase = i;
          return TRUE;
        }
    }

  return FALSE;
}
