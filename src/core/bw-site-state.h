// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

#include "bw-observation.h"

G_BEGIN_DECLS

/**
 * BwSiteState:
 *
 * What Banwatch believes about a site, from its observations, history and correlation.
 * The string forms are public API (DESIGN.md §4). The three ban stages are always
 * worded as "likely".
 */
typedef enum {
  BW_SITE_STATE_UNKNOWN,
  BW_SITE_STATE_HEALTHY,
  BW_SITE_STATE_LIGHTER_BAN,
  BW_SITE_STATE_HEAVIER_BAN,
  BW_SITE_STATE_SILENT_BLOCK,
  BW_SITE_STATE_SERVER_DOWN,
  BW_SITE_STATE_LOCAL_NETWORK,
  BW_SITE_STATE_AUTH_PROBLEM,
  BW_SITE_STATE_HOSTKEY_ALARM,
  BW_SITE_STATE_NEEDS_TRUST,
  BW_SITE_STATE_CONFIG_ERROR,
  BW_N_SITE_STATES
} BwSiteState;

const char  *bw_site_state_to_string    (BwSiteState    state);
gboolean     bw_site_state_from_string  (const char    *word,
                                         BwSiteState   *out_state);
const char  *bw_site_state_describe     (BwSiteState    state);
BwSiteState  bw_site_state_from_observation (BwObservation observation);
gboolean     bw_site_state_is_ban       (BwSiteState    state);
int          bw_site_state_severity     (BwSiteState    state);
int          bw_site_state_exit_code    (BwSiteState    state);

G_END_DECLS
