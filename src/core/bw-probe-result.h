// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "bw-observation.h"

G_BEGIN_DECLS

#define BW_TYPE_PROBE_RESULT (bw_probe_result_get_type ())

/* Timings for the phases that have a duration; -1 means "not reached". */
typedef enum {
  BW_TIMING_RESOLVE,
  BW_TIMING_CONNECT,
  BW_TIMING_BANNER,
  BW_TIMING_KEX,
  BW_TIMING_AUTH,
  BW_TIMING_EXEC,
  BW_TIMING_TOTAL,
  BW_N_TIMINGS
} BwTiming;

/**
 * BwProbeResult:
 *
 * The outcome of one probe: exactly one observation, where it happened and what was
 * seen on the way. A plain value, filled in by the prober and read everywhere else.
 */
typedef struct {
  BwObservation observation;
  BwPhase       phase;
  char         *message;        /* what happened, for a person */
  char         *hint;           /* what to do about it, or NULL */
  char         *host;
  guint16       port;
  char         *user;
  char         *address;        /* the address that answered (or was tried last), or NULL */
  char         *banner;         /* the server's identification string, or NULL */
  char         *fingerprint;    /* "SHA256:…" of the host key, or NULL */
  char         *hostkey_type;   /* "ssh-ed25519", …, for pinning ("hostkey" in the JSON) */
  char         *hostkey_base64; /* the host key blob, for pinning ("hostkey" in the JSON) */
  guint         auth_requests;  /* authentication requests sent: 0 or 1 */
  gboolean      hostkey_stored; /* the host key was added to known_hosts by this probe */
  gint64        timings_ms[BW_N_TIMINGS];
  gint64        finished_at;    /* wall clock, microseconds since the epoch */
} BwProbeResult;

GType          bw_probe_result_get_type    (void) G_GNUC_CONST;
BwProbeResult *bw_probe_result_new         (void);
BwProbeResult *bw_probe_result_ref         (BwProbeResult *self);
void           bw_probe_result_unref       (BwProbeResult *self);
void           bw_probe_result_set_outcome (BwProbeResult *self,
                                            BwObservation  observation,
                                            BwPhase        phase,
                                            const char    *hint,
                                            const char    *message_format,
                                            ...) G_GNUC_PRINTF (5, 6);
const char    *bw_timing_to_string         (BwTiming       timing);
JsonNode      *bw_probe_result_to_json     (const BwProbeResult *self);
BwProbeResult *bw_probe_result_from_json   (JsonNode            *node,
                                            GError             **error);
char          *bw_probe_result_to_text     (const BwProbeResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwProbeResult, bw_probe_result_unref)

G_END_DECLS
