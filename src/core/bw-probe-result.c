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

  json_builder_set_member_name (builder, "hostkey");
  if (self->hostkey_type != NULL && self->hostkey_base64 != NULL)
    {
      json_builder_begin_object (builder);
      add_nullable_string (builder, "type", self->hostkey_type);
      add_nullable_string (builder, "key", self->hostkey_base64);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
invalid_member (GError     **error,
                const char  *name)
{
  g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
               _("The probe result's “%s” is missing or not valid"), name);
  return FALSE;
}

/* A string member that may be null; %FALSE when it is there with another type. */
static gboolean
read_nullable_string (JsonObject  *object,
                      const char  *name,
                      char       **out_value,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid_member (error, name);

  g_free (*out_value);
  *out_value = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_int (JsonObject  *object,
          const char  *name,
          gint64       min,
          gint64       max,
          gint64      *out_value,
          GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    return invalid_member (error, name);

  *out_value = json_node_get_int (node);
  return TRUE;
}

static const char *
read_word (JsonObject *object,
           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Reads the members of @object into @result; see bw_probe_result_from_json(). */
static gboolean
read_result (JsonObject     *object,
             BwProbeResult  *result,
             GError        **error)
{
  JsonNode *node;
  JsonNode *timings;
  JsonNode *hostkey;
  const char *word;
  gint64 number = 0;


  word = read_word (object, "observation");
  if (word == NULL || !bw_observation_from_string (word, &result->observation))
    return invalid_member (error, "observation");
  word = read_word (object, "phase");
  if (word == NULL || !bw_phase_from_string (word, &result->phase))
    return invalid_member (error, "phase");

  if (!read_nullable_string (object, "message", &result->message, error) ||
      !read_nullable_string (object, "hint", &result->hint, error) ||
      !read_nullable_string (object, "host", &result->host, error) ||
      !read_nullable_string (object, "user", &result->user, error) ||
      !read_nullable_string (object, "address", &result->address, error) ||
      !read_nullable_string (object, "banner", &result->banner, error) ||
      !read_nullable_string (object, "fingerprint", &result->fingerprint, error))
    return FALSE;

  if (!read_int (object, "port", 0, G_MAXUINT16, &number, error))
    return FALSE;
  result->port = (guint16) number;
  if (!read_int (object, "auth_requests", 0, G_MAXUINT, &number, error))
    return FALSE;
  result->auth_requests = (guint) number;

  node = json_object_get_member (object, "hostkey_stored");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid_member (error, "hostkey_stored");
  result->hostkey_stored = json_node_get_boolean (node);

  timings = json_object_get_member (object, "timings_ms");
  if (timings == NULL || !JSON_NODE_HOLDS_OBJECT (timings))
    return invalid_member (error, "timings_ms");
  for (guint i = 0; i < BW_N_TIMINGS; i++)
    {
      JsonObject *t = json_node_get_object (timings);
      JsonNode *value = json_object_get_member (t, timing_names[i]);

      if (value == NULL || JSON_NODE_HOLDS_NULL (value))
        continue;
      if (!read_int (t, timing_names[i], 0, G_MAXINT64, &result->timings_ms[i], error))
        return FALSE;
    }

  hostkey = json_object_get_member (object, "hostkey");
  if (hostkey != NULL && JSON_NODE_HOLDS_OBJECT (hostkey))
    {
      JsonObject *k = json_node_get_object (hostkey);

      if (read_word (k, "type") == NULL || read_word (k, "key") == NULL)
        return invalid_member (error, "hostkey");
      result->hostkey_type = g_strdup (read_word (k, "type"));
      result->hostkey_base64 = g_strdup (read_word (k, "key"));
    }
  else if (hostkey != NULL && !JSON_NODE_HOLDS_NULL (hostkey))
    return invalid_member (error, "hostkey");

  return TRUE;
}

/**
 * bw_probe_result_from_json:
 * @node: what bw_probe_result_to_json() built, e.g. read back from `banwatch probe --json`
 *
 * Reads a probe result back, strictly: the observation and phase must be public words,
 * numbers must be in range, and the host key, when there is one, must have both parts.
 * `finished_at` is not in the JSON; it is left at 0.
 *
 * Returns: (transfer full): the result, or %NULL with @error set
 */
BwProbeResult *
bw_probe_result_from_json (JsonNode  *node,
                           GError   **error)
{
  g_autoptr(BwProbeResult) self = bw_probe_result_new ();

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                   _("The probe result is not a JSON object"));
      return NULL;
    }
  if (!read_result (json_node_get_object (node), self, error))
    return NULL;

  return g_steal_pointer (&self);
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
