// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * BwObservation:
 *
 * Where one probe ended. The string forms ("ok", "auth-rejected", …) are public API:
 * the CLI, JSON and tests use them exactly as DESIGN.md §2 writes them.
 */
typedef enum {
  BW_OBSERVATION_OK,
  BW_OBSERVATION_AUTH_REJECTED,
  BW_OBSERVATION_AUTH_PARTIAL,
  BW_OBSERVATION_HOSTKEY_UNKNOWN,
  BW_OBSERVATION_HOSTKEY_CHANGED,
  BW_OBSERVATION_CLOSED_BEFORE_BANNER,
  BW_OBSERVATION_CLOSED_DURING_HANDSHAKE,
  BW_OBSERVATION_REFUSED,
  BW_OBSERVATION_TIMEOUT,
  BW_OBSERVATION_BANNER_TIMEOUT,
  BW_OBSERVATION_PROTOCOL_MISMATCH,
  BW_OBSERVATION_DNS_FAILED,
  BW_OBSERVATION_NETWORK_UNREACHABLE,
  BW_OBSERVATION_KEY_UNUSABLE,
  BW_N_OBSERVATIONS
} BwObservation;

/**
 * BwPhase:
 *
 * The step a probe had reached when it ended. BW_PHASE_DONE means every step ran.
 */
typedef enum {
  BW_PHASE_KEY_CHECK,
  BW_PHASE_RESOLVE,
  BW_PHASE_CONNECT,
  BW_PHASE_BANNER,
  BW_PHASE_KEX,
  BW_PHASE_HOSTKEY,
  BW_PHASE_AUTH,
  BW_PHASE_EXEC,
  BW_PHASE_DONE,
  BW_N_PHASES
} BwPhase;

/* Documented exit codes of `banwatch probe` and `banwatch check` (see README). */
typedef enum {
  BW_EXIT_OK = 0,
  BW_EXIT_USAGE = 2,
  BW_EXIT_INTERNAL = 3,
  BW_EXIT_LIGHTER = 10,
  BW_EXIT_HEAVIER = 11,
  BW_EXIT_SILENT = 12,
  BW_EXIT_AUTH_REJECTED = 20,
  BW_EXIT_HOSTKEY_UNKNOWN = 21,
  BW_EXIT_HOSTKEY_CHANGED = 22,
  BW_EXIT_SERVER_PROBLEM = 23,
  BW_EXIT_DNS_FAILED = 24,
  BW_EXIT_KEY_UNUSABLE = 30,
  BW_EXIT_NETWORK_UNREACHABLE = 31,
} BwExitCode;

const char    *bw_observation_to_string   (BwObservation  observation);
gboolean       bw_observation_from_string (const char    *word,
                                           BwObservation *out_observation);
const char    *bw_observation_describe    (BwObservation  observation);
int            bw_observation_exit_code   (BwObservation  observation);
gboolean       bw_observation_is_reachable (BwObservation observation);
gboolean       bw_observation_sent_auth   (BwObservation  observation);

const char    *bw_phase_to_string         (BwPhase        phase);
gboolean       bw_phase_from_string       (const char    *word,
                                           BwPhase       *out_phase);

G_END_DECLS
