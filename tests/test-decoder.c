// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The error decoder: every row of its table decides its own example; every paste in
 * tests/decoder/ decodes as tests/decoder/expected.tsv says; progress lines change what
 * a close means; nothing unknown is guessed; huge and binary input is handled.
 */
#include "config.h"

#include <string.h>

#include "core/bw-catalog.h"
#include "core/bw-decoder.h"

#define MIN_DECIDING_RULES 40

static char *
fixture_dir (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "decoder", NULL);

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *here = g_path_get_dirname (__FILE__);
      g_free (dir);
      dir = g_build_filename (here, "decoder", NULL);
    }
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
  return g_steal_pointer (&dir);
}

static void
test_rule_examples (void)
{
  guint deciding = 0;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < bw_decoder_get_n_rules (); i++)
    {
      BwDecoderRule rule;
      g_autoptr(BwDecodeResult) result = NULL;

      g_assert_true (bw_decoder_get_rule (i, &rule));
      g_assert_nonnull (rule.example);
      g_assert_false (g_hash_table_contains (ids, rule.id));
      g_hash_table_add (ids, (gpointer) rule.id);

      if (rule.progress != NULL)
        continue;
      deciding++;

      result = bw_decode (rule.example, -1);
      g_test_message ("rule %s: %s", rule.id, rule.example);
      g_assert_true (result->recognised);
      g_assert_cmpstr (result->rule, ==, rule.id);
      g_assert_nonnull (result->explanation);
      g_assert_nonnull (rule.explanation);
      if (rule.observation != NULL)
        g_assert_true (result->has_observation);
    }

  g_assert_false (bw_decoder_get_rule (bw_decoder_get_n_rules (), &(BwDecoderRule) { 0 }));
  g_test_message ("%u deciding rows, %u progress rows", deciding, bw_decoder_get_n_rules () - deciding);
  g_assert_cmpuint (deciding, >=, MIN_DECIDING_RULES);
}

/* A close line means what the progress before it says. */
static const struct {
  const char *progress;
  const char *observation;
} after_close[] = {
  { "connected", "closed-before-banner" },
  { "banner", "closed-during-handshake" },
  { "authenticating", "closed-during-handshake" },
  { "logged-in", "ok" },
};

static void
test_progress_rows (void)
{
  guint seen = 0;

  for (guint i = 0; i < bw_decoder_get_n_rules (); i++)
    {
      BwDecoderRule rule;
      const char *want = NULL;
      g_autofree char *text = NULL;
      g_autoptr(BwDecodeResult) result = NULL;
      g_autoptr(BwDecodeResult) alone = NULL;

      bw_decoder_get_rule (i, &rule);
      if (rule.progress == NULL)
        continue;
      seen++;

      for (guint j = 0; j < G_N_ELEMENTS (after_close); j++)
        if (g_str_equal (after_close[j].progress, rule.progress))
          want = after_close[j].observation;
      g_assert_nonnull (want);

      text = g_strconcat (rule.example, "\nConnection closed by 203.0.113.10 port 10022\n", NULL);
      result = bw_decode (text, -1);
      g_test_message ("progress %s: %s", rule.id, rule.example);
      g_assert_cmpstr (bw_decode_result_get_observation (result), ==, want);
      g_assert_cmpstr (result->rule, ==, "openssh-closed-by-host-port");

      /* A progress line after the close does not change it. */
      g_free (text);
      text = g_strconcat ("Connection closed by 203.0.113.10 port 10022\n", rule.example, "\n", NULL);
      alone = bw_decode (text, -1);
      if (g_strcmp0 (alone->rule, "openssh-closed-by-host-port") == 0)
        g_assert_cmpstr (bw_decode_result_get_observation (alone), ==, "closed-before-banner");
    }
  g_assert_cmpuint (seen, >=, 10);
}

static void
test_fixtures (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *table_path = g_build_filename (dir, "expected.tsv", NULL);
  g_autofree char *table = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) folder = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint count = 0;

  g_file_get_contents (table_path, &table, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (table, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;
      g_autofree char *path = NULL;
      g_autofree char *paste = NULL;
      g_autoptr(BwDecodeResult) result = NULL;
      gsize length = 0;
      const char *want_observation, *want_rule, *want_confidence;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      fields = g_strsplit (lines[i], "\t", -1);
      g_assert_cmpuint (g_strv_length (fields), ==, 4);
      want_observation = g_str_equal (fields[1], "-") ? NULL : fields[1];
      want_rule = g_str_equal (fields[2], "-") ? NULL : fields[2];
      want_confidence = fields[3];

      path = g_build_filename (dir, fields[0], NULL);
      g_file_get_contents (path, &paste, &length, &error);
      g_assert_no_error (error);
      g_hash_table_add (listed, g_strdup (fields[0]));

      result = bw_decode (paste, (gssize) length);
      g_test_message ("%s → %s (%s, %s)", fields[0], bw_decode_result_get_observation (result),
                      result->rule, bw_decode_confidence_to_string (result->confidence));
      g_assert_cmpstr (bw_decode_result_get_observation (result), ==, want_observation);
      g_assert_cmpstr (result->rule, ==, want_rule);
      g_assert_cmpstr (bw_decode_confidence_to_string (result->confidence), ==, want_confidence);
      g_assert_cmpint (result->recognised, ==, want_rule != NULL);
      if (want_rule != NULL)
        {
          g_assert_nonnull (result->line);
          g_assert_true (g_utf8_validate (result->line, -1, NULL));
        }
      count++;
    }

  folder = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (folder)) != NULL)
    if (g_str_has_suffix (name, ".txt") && !g_hash_table_contains (listed, name))
      g_error ("tests/decoder/%s is not in expected.tsv", name);

  g_test_message ("%u fixtures", count);
  g_assert_cmpuint (count, >=, 60);
}

typedef struct {
  const char *text;
  const char *observation;
  const char *rule;
} Case;

/* Multi-line pastes: the most specific line wins, and the progress lines count. */
static const Case cases[] = {
  /* -v: TCP connected, our version string (not theirs!), then closed: before the banner. */
  { "debug1: Connecting to h [203.0.113.10] port 10022.\n"
    "debug1: Connection established.\n"
    "debug1: Local version string SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n"
    "Connection closed by 203.0.113.10 port 10022\n",
    "closed-before-banner", "openssh-closed-by-host-port" },
  /* The same with the server's banner in between: during the handshake. */
  { "debug1: Connection established.\n"
    "debug1: Remote protocol version 2.0, remote software version OpenSSH_8.0\n"
    "Connection closed by 203.0.113.10 port 10022\n",
    "closed-during-handshake", "openssh-closed-by-host-port" },
  /* After keys were offered: during authentication, still before the login. */
  { "debug1: Remote protocol version 2.0, remote software version OpenSSH_8.0\n"
    "debug1: Offering public key: /home/web/.ssh/id_rsa RSA SHA256:x agent\n"
    "Connection closed by 203.0.113.10 port 10022\n",
    "closed-during-handshake", "openssh-closed-by-host-port" },
  /* The kex line is more specific than the close line that follows it. */
  { "kex_exchange_identification: Connection closed by remote host\n"
    "Connection closed by 203.0.113.10 port 10022\n",
    "closed-before-banner", "openssh-kex-closed" },
  /* CRLF pastes from Windows. */
  { "Error:\tConnection timed out after 20 seconds of inactivity\r\nError:\tCould not connect to server\r\n",
    "timeout", "filezilla-inactivity-timeout" },
  /* A host-key alarm outranks whatever follows. */
  { "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nPermission denied (publickey).\n",
    "hostkey-changed", "openssh-hostkey-changed" },
  /* A broken local key explains the rejection after it. */
  { "Load key \"/k\": bad permissions\nweb@h: Permission denied (publickey).\n",
    "key-unusable", "openssh-key-bad-permissions" },
  /* A summary loses to any line that names a cause, wherever it is. */
  { "Error:\tCould not connect to server\nError:\tNetwork error: Connection refused\n",
    "refused", "putty-refused" },
  /* The agent's "Connection refused" is not the server's. */
  { "Error connecting to agent: Connection refused\n", NULL, "openssh-agent-unreachable" },
  /* Case does not matter. */
  { "SSH: CONNECT TO HOST H PORT 22: CONNECTION REFUSED", "refused", "openssh-connect-refused" },
  /* sshd's own log line about a pre-auth close is not the client's close. */
  { "sshd[1]: Connection closed by 203.0.113.50 port 50514 [preauth]\n", NULL, NULL },
  /* Text without a known message: no guess. */
  { "", NULL, NULL },
  { "\n\n\r\n", NULL, NULL },
  { "the server is down", NULL, NULL },
  { "closed", NULL, NULL },
};

static void
test_cases (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BwDecodeResult) result = bw_decode (cases[i].text, -1);

      g_test_message ("case %u", i);
      g_assert_cmpstr (bw_decode_result_get_observation (result), ==, cases[i].observation);
      g_assert_cmpstr (result->rule, ==, cases[i].rule);
      g_assert_nonnull (result->explanation);
      if (cases[i].rule == NULL)
        {
          g_assert_false (result->recognised);
          g_assert_cmpint (result->confidence, ==, BW_DECODE_CONFIDENCE_NONE);
          g_assert_null (result->line);
          g_assert_nonnull (strstr (result->explanation, "does not guess"));
        }
    }
}

static void
test_null_and_binary (void)
{
  g_autoptr(BwDecodeResult) null_result = bw_decode (NULL, -1);
  const char binary[] = "\xff\xfe\0Connection refused by server\0\xc3(";
  g_autoptr(BwDecodeResult) binary_result = bw_decode (binary, sizeof binary - 1);

  g_assert_false (null_result->recognised);
  g_assert_cmpstr (bw_decode_result_get_observation (binary_result), ==, "refused");
  g_assert_true (g_utf8_validate (binary_result->line, -1, NULL));
}

static void
test_huge_input (void)
{
  g_autoptr(GString) text = g_string_new ("debug1: Remote protocol version 2.0, remote software version X\n");
  g_autoptr(BwDecodeResult) result = NULL;
  g_autoptr(BwDecodeResult) cut = NULL;
  g_autofree char *long_line = g_strnfill (100000, 'x');
  gint64 start;

  /* 2 MiB of noise between the progress at the top and the error at the bottom. */
  while (text->len < 2 * 1024 * 1024)
    g_string_append (text, "debug3: noise noise noise noise noise noise noise noise noise\n");
  g_string_append (text, "Connection closed by 203.0.113.10 port 10022\n");

  start = g_get_monotonic_time ();
  result = bw_decode (text->str, (gssize) text->len);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpstr (bw_decode_result_get_observation (result), ==, "closed-during-handshake");

  /* A line of 100 000 characters around the message is shown shortened. */
  g_string_assign (text, long_line);
  g_string_append (text, " Connection refused by server ");
  g_string_append (text, long_line);
  cut = bw_decode (text->str, (gssize) text->len);
  g_assert_cmpstr (bw_decode_result_get_observation (cut), ==, "refused");
  g_assert_cmpint (g_utf8_strlen (cut->line, -1), <=, 401);
}

static void
test_json (void)
{
  g_autoptr(BwDecodeResult) found = bw_decode ("ssh: connect to host h port 10022: Connection refused", -1);
  g_autoptr(BwDecodeResult) unknown = bw_decode ("hello", -1);
  g_autoptr(JsonNode) found_json = bw_decode_result_to_json (found);
  g_autoptr(JsonNode) unknown_json = bw_decode_result_to_json (unknown);
  JsonObject *object = json_node_get_object (found_json);

  g_assert_cmpstr (json_object_get_string_member (object, "observation"), ==, "refused");
  g_assert_cmpstr (json_object_get_string_member (object, "confidence"), ==, "high");
  g_assert_cmpstr (json_object_get_string_member (object, "rule"), ==, "openssh-connect-refused");
  g_assert_nonnull (json_object_get_string_member (object, "explanation"));

  object = json_node_get_object (unknown_json);
  g_assert_true (json_object_get_null_member (object, "observation"));
  g_assert_true (json_object_get_null_member (object, "rule"));
  g_assert_cmpstr (json_object_get_string_member (object, "confidence"), ==, "none");
}

/* The explanations are translated: every row's explanation is in the Japanese catalog. */
static void
test_translations (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwCatalog) catalog = bw_catalog_get_for_language ("ja", &error);
  guint missing = 0;

  if (g_getenv ("BANWATCH_LOCALEDIR") == NULL)
    g_error ("BANWATCH_LOCALEDIR is not set: point it at the compiled catalogs (build/po)");
  g_assert_no_error (error);

  for (guint i = 0; i < bw_decoder_get_n_rules (); i++)
    {
      BwDecoderRule rule;

      bw_decoder_get_rule (i, &rule);
      if (rule.explanation != NULL && bw_catalog_lookup (catalog, rule.explanation) == NULL)
        {
          g_test_message ("untranslated: %s", rule.explanation);
          missing++;
        }
    }
  g_assert_cmpuint (missing, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/decoder/rule-examples", test_rule_examples);
  g_test_add_func ("/decoder/progress-rows", test_progress_rows);
  g_test_add_func ("/decoder/fixtures", test_fixtures);
  g_test_add_func ("/decoder/cases", test_cases);
  g_test_add_func ("/decoder/null-and-binary", test_null_and_binary);
  g_test_add_func ("/decoder/huge-input", test_huge_input);
  g_test_add_func ("/decoder/json", test_json);
  g_test_add_func ("/decoder/translations", test_translations);

  return g_test_run ();
}
