// SPDX-License-Identifier: GPL-3.0-or-later
#include "config.h"

#include <string.h>

#include "core/bw-observation.h"
#include "core/bw-probe-result.h"

/* The words are public API (DESIGN.md §2): this table is the contract. */
static const struct {
  BwObservation observation;
  const char   *word;
  int           exit_code;
} expected[] = {
  { BW_OBSERVATION_OK, "ok", 0 },
  { BW_OBSERVATION_AUTH_REJECTED, "auth-rejected", 20 },
  { BW_OBSERVATION_AUTH_PARTIAL, "auth-partial", 0 },
  { BW_OBSERVATION_HOSTKEY_UNKNOWN, "hostkey-unknown", 21 },
  { BW_OBSERVATION_HOSTKEY_CHANGED, "hostkey-changed", 22 },
  { BW_OBSERVATION_CLOSED_BEFORE_BANNER, "closed-before-banner", 10 },
  { BW_OBSERVATION_CLOSED_DURING_HANDSHAKE, "closed-during-handshake", 23 },
  { BW_OBSERVATION_REFUSED, "refused", 11 },
  { BW_OBSERVATION_TIMEOUT, "timeout", 12 },
  { BW_OBSERVATION_BANNER_TIMEOUT, "banner-timeout", 23 },
  { BW_OBSERVATION_PROTOCOL_MISMATCH, "protocol-mismatch", 23 },
  { BW_OBSERVATION_DNS_FAILED, "dns-failed", 24 },
  { BW_OBSERVATION_NETWORK_UNREACHABLE, "network-unreachable", 31 },
  { BW_OBSERVATION_KEY_UNUSABLE, "key-unusable", 30 },
};

static void
test_words (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (expected), ==, BW_N_OBSERVATIONS);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      BwObservation parsed;

      g_assert_cmpstr (bw_observation_to_string (expected[i].observation), ==, expected[i].word);
      g_assert_true (bw_observation_from_string (expected[i].word, &parsed));
      g_assert_cmpint (parsed, ==, expected[i].observation);
      g_assert_cmpint (bw_observation_exit_code (expected[i].observation), ==, expected[i].exit_code);
      g_assert_nonnull (bw_observation_describe (expected[i].observation));
    }

  g_assert_false (bw_observation_from_string ("OK", NULL));
  g_assert_false (bw_observation_from_string ("", NULL));
  g_assert_false (bw_observation_from_string ("closed_before_banner", NULL));
}

static void
test_phases (void)
{
  const char *words[] = { "key-check", "resolve", "connect", "banner", "kex", "hostkey", "auth",
                          "exec", "done" };

  g_assert_cmpuint (G_N_ELEMENTS (words), ==, BW_N_PHASES);
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      BwPhase phase;

      g_assert_cmpstr (bw_phase_to_string (i), ==, words[i]);
      g_assert_true (bw_phase_from_string (words[i], &phase));
      g_assert_cmpint (phase, ==, i);
    }
  g_assert_false (bw_phase_from_string ("handshake", NULL));
}

static void
test_result_json (void)
{
  g_autoptr(BwProbeResult) result = bw_probe_result_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonObject *timings;

  result->host = g_strdup ("example.com");
  result->port = 10022;
  result->user = g_strdup ("alice");
  result->timings_ms[BW_TIMING_CONNECT] = 12;
  bw_probe_result_set_outcome (result, BW_OBSERVATION_REFUSED, BW_PHASE_CONNECT, "wait", "refused on %d", 10022);

  node = bw_probe_result_to_json (result);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "observation"), ==, "refused");
  g_assert_cmpstr (json_object_get_string_member (object, "phase"), ==, "connect");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "refused on 10022");
  g_assert_cmpstr (json_object_get_string_member (object, "hint"), ==, "wait");
  g_assert_cmpint (json_object_get_int_member (object, "port"), ==, 10022);
  g_assert_cmpint (json_object_get_int_member (object, "auth_requests"), ==, 0);
  g_assert_true (json_object_get_null_member (object, "banner"));
  g_assert_true (json_object_get_null_member (object, "fingerprint"));
  g_assert_true (json_object_get_null_member (object, "address"));
  g_assert_false (json_object_get_boolean_member (object, "hostkey_stored"));

  timings = json_object_get_object_member (object, "timings_ms");
  g_assert_cmpint (json_object_get_int_member (timings, "connect"), ==, 12);
  for (guint i = 0; i < BW_N_TIMINGS; i++)
    g_assert_true (json_object_has_member (timings, bw_timing_to_string (i)));
  g_assert_true (json_object_get_null_member (timings, "resolve"));
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_node_ref (json_parser_get_root (parser));
}

/* What the tray app reads back from a `banwatch probe --json` child: every field. */
static void
test_result_json_round_trip (void)
{
  g_autoptr(BwProbeResult) result = bw_probe_result_new ();
  g_autoptr(BwProbeResult) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  result->host = g_strdup ("例え.jp");
  result->port = 10022;
  result->user = g_strdup ("alice");
  result->address = g_strdup ("2001:db8::1");
  result->banner = g_strdup ("SSH-2.0-OpenSSH_9.2p1");
  result->fingerprint = g_strdup ("SHA256:abc");
  result->hostkey_type = g_strdup ("ssh-ed25519");
  result->hostkey_base64 = g_strdup ("AAAAC3NzaC1lZDI1NTE5AAAAIA==");
  result->auth_requests = 1;
  result->hostkey_stored = TRUE;
  result->timings_ms[BW_TIMING_BANNER] = 16;
  result->timings_ms[BW_TIMING_TOTAL] = 511;
  bw_probe_result_set_outcome (result, BW_OBSERVATION_HOSTKEY_UNKNOWN, BW_PHASE_HOSTKEY, "trust it", "unknown key");

  node = bw_probe_result_to_json (result);
  back = bw_probe_result_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->observation, ==, BW_OBSERVATION_HOSTKEY_UNKNOWN);
  g_assert_cmpint (back->phase, ==, BW_PHASE_HOSTKEY);
  g_assert_cmpstr (back->message, ==, "unknown key");
  g_assert_cmpstr (back->hint, ==, "trust it");
  g_assert_cmpstr (back->host, ==, "例え.jp");
  g_assert_cmpint (back->port, ==, 10022);
  g_assert_cmpstr (back->user, ==, "alice");
  g_assert_cmpstr (back->address, ==, "2001:db8::1");
  g_assert_cmpstr (back->banner, ==, "SSH-2.0-OpenSSH_9.2p1");
  g_assert_cmpstr (back->fingerprint, ==, "SHA256:abc");
  g_assert_cmpstr (back->hostkey_type, ==, "ssh-ed25519");
  g_assert_cmpstr (back->hostkey_base64, ==, "AAAAC3NzaC1lZDI1NTE5AAAAIA==");
  g_assert_cmpuint (back->auth_requests, ==, 1);
  g_assert_true (back->hostkey_stored);
  for (guint i = 0; i < BW_N_TIMINGS; i++)
    g_assert_cmpint (back->timings_ms[i], ==, result->timings_ms[i]);
}

/* Whatever a child prints, the app gets a result it can trust or a specific error. */
static void
test_result_json_bad_input (void)
{
  static const struct {
    const char *json;
    const char *names;   /* in the message */
  } cases[] = {
    { "[]", "JSON object" },
    { "{}", "observation" },
    { "{\"observation\":\"banned\",\"phase\":\"connect\"}", "observation" },
    { "{\"observation\":\"refused\",\"phase\":\"dial\"}", "phase" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"message\":3}", "message" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":70000}", "port" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":22,\"auth_requests\":-1}", "auth_requests" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":22,\"auth_requests\":0}", "hostkey_stored" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":22,\"auth_requests\":0,"
      "\"hostkey_stored\":false}", "timings_ms" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":22,\"auth_requests\":0,"
      "\"hostkey_stored\":false,\"timings_ms\":{\"connect\":\"12\"}}", "connect" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":22,\"auth_requests\":0,"
      "\"hostkey_stored\":false,\"timings_ms\":{},\"hostkey\":{\"type\":\"ssh-ed25519\"}}", "hostkey" },
    { "{\"observation\":\"refused\",\"phase\":\"connect\",\"port\":22,\"auth_requests\":0,"
      "\"hostkey_stored\":false,\"timings_ms\":{},\"hostkey\":\"AAAA\"}", "hostkey" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (cases[i].json);
      g_autoptr(GError) error = NULL;
      g_autoptr(BwProbeResult) result = bw_probe_result_from_json (node, &error);

      g_test_message ("%s", cases[i].json);
      g_assert_null (result);
      g_assert_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA);
      g_assert_nonnull (strstr (error->message, cases[i].names));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/observation/words", test_words);
  g_test_add_func ("/observation/phases", test_phases);
  g_test_add_func ("/observation/result-json", test_result_json);
  g_test_add_func ("/observation/result-json-round-trip", test_result_json_round_trip);
  g_test_add_func ("/observation/result-json-bad-input", test_result_json_bad_input);

  return g_test_run ();
}
