// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-probe-result"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "bw-probe-result.h"

G_DEFINE_BOXED_TYPE (BwProbeResult, bw_probe_result, bw_probe_result_ref, bw_probe_result_unref)

static const char * const timing_names[BW_N_TIMINGS] = {
  [BW_TIMING_RESOLVE] = "resolve",
  [BW_TIMING_CONNECT] = "connect",
  [BW_TIMING_BANNER] = "banner",
  [BW_TIMING_KEX] = "kex",
  [BW_TIMING_AUTH] = "auth",
  [BW_TIMING_EXEC] = "exec",
  [BW_TIMING_TOTAL] = "total",
};

static void
bw_probe_result_clear (BwProbeResult *self)
{
  g_clear_pointer (&self->message, g_free);
  g_clear_pointer (&self->hint, g_free);
  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->banner, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->hostkey_type, g_free);
  g_clear_pointer (&self->hostkey_base64, g_free);
}

/**
 * bw_probe_result_new:
 *
 * Returns: (transfer full): an empty result with every timing unset.
 */
BwProbeResult *
bw_probe_result_new (void)
{
  BwProbeResult *self = g_atomic_rc_box_new0 (BwProbeResult);

  for (guint i = 0; i < BW_N_TIMINGS; i++)
    self->timings_ms[i] = -1;

  return self;
}

/**
 * bw_probe_result_ref:
 *
 * Returns: (transfer full): @self
 */
BwProbeResult *
bw_probe_result_ref (BwProbeResult *self)
{
  return g_atomic_rc_box_acquire (self);
}

/**
 * bw_probe_result_unref:
 *
 * Drops a reference; the last one frees the result.
 */
void
bw_probe_result_unref (BwProbeResult *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) bw_probe_result_clear);
}

/**
 * bw_probe_result_set_outcome:
 *
 * Sets the observation, the phase it happened in, a hint and the message in one go,
 * so that no result is ever left with an observation but a stale message.
 */
void
bw_probe_result_set_outcome (BwProbeResult *self,
                             BwObservation  observation,
                             BwPhase        phase,
                             const char    *hint,
                             const char    *message_format,
                             ...)
{
  va_list args;

  self->observation = observation;
  self->phase = phase;
  g_free (self->hint);
  self->hint = g_strdup (hint);

  va_start (args, message_format);
  g_free (self->message);
  self->message = g_strdup_vprintf (message_format, args);
  va_end (args);
}

/**
 * bw_timing_to_string:
 *
 * Returns: the JSON key for @timing.
 */
const char *
bw_timing_to_string (BwTiming timing)
{
  g_return_val_if_fail (timing < BW_N_TIMINGS, NULL);
  return timing_names[timing];
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/**
 * bw_probe_result_to_json:
 *
 * Builds the documented JSON object (see README, "JSON formats").
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
bw_probe_result_to_json (const BwProbeResult *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_nullable_string (builder, "observation", bw_observation_to_string (self->observation));
  add_nullable_string (builder, "phase", bw_phase_to_string (self->phase));
  add_nullable_string (builder, "message", self->message);
  add_nullable_string (builder, "hint", self->hint);
  add_nullable_string (builder, "host", self->host);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, self->port);
  add_nullable_string (builder, "user", self->user);
  add_nullable_string (builder, "address", self->address);

  json_builder_set_member_name (builder, "timings_ms");
  json_builder_begin_object (builder);
  for (guint i = 0; i < BW_N_TIMINGS; i++)
    {
      json_builder_set_member_name (builder, timing_names[i]);
      if (self->timings_ms[i] >= 0)
        json_builder_add_int_value (builder, self->timings_ms[i]);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);

  add_nullable_string (builder, "banner", self->banner);
  add_nullable_string (builder, "fingerprint", self->fingerprint);
  json_builder_set_member_name (builder, "auth_requests");
  json_builder_add_int_value (builder, self->auth_requests);
  json_builder_set_member_name (builder, "hostkey_stored");
  json_builder_add_boolean_value (builder, self->hostkey_stored);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * bw_probe_result_to_text:
 *
 * Returns: (transfer full): the human form printed by `banwatch probe`.
 */
char *
bw_probe_result_to_text (const BwProbeResult *self)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%s: %s\n",
                          bw_observation_to_string (self->observation), self->message);
  if (self->hint != NULL)
    g_string_append_printf (out, "  %s %s\n", _("Hint:"), self->hint);
  g_string_append_printf (out, "  %s %s@%s port %u", _("Target:"),
                          self->user, self->host, self->port);
  if (self->address != NULL && g_strcmp0 (self->address, self->host) != 0)
    g_string_append_printf (out, " (%s)", self->address);
  g_string_append_c (out, '\n');
  g_string_append_printf (out, "  %s %s\n", _("Phase:"), bw_phase_to_string (self->phase));
  if (self->banner != NULL)
    g_string_append_printf (out, "  %s %s\n", _("Banner:"), self->banner);
  if (self->fingerprint != NULL)
    g_string_append_printf (out, "  %s %s\n", _("Host key:"), self->fingerprint);
  g_string_append_printf (out, "  %s %u\n", _("Authentication requests sent:"),
                          self->auth_requests);

  g_string_append_printf (out, "  %s", _("Timings (ms):"));
  for (guint i = 0; i < BW_N_TIMINGS; i++)
    if (self->timings_ms[i] >= 0)
      g_string_append_printf (out, " %s=%" G_GINT64_FORMAT, timing_names[i], self->timings_ms[i]);
  g_string_append_c (out, '\n');

  return g_string_free (out, FALSE);
}
