// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The client explanations and operator notes, in English and Japanese, and the .mo reader
 * behind them. BANWATCH_LOCALEDIR must point at the compiled catalogs (build/po); the
 * Japanese catalog must translate every string the texts use.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "core/bw-catalog.h"
#include "core/bw-texts.h"

#define SITE "Example Shop"

static const char * const langs[] = { "en", "ja" };

/* Words a client text must not contain: jargon, or the name of the mechanism. */
static const char * const jargon[] = {
  "fail2ban", "sshd", "SSH", "TCP", "banner", "firewall", "BAN", "ban", "banned", "port",
  "IP", "ファイアウォール", "バナー",
};

typedef struct {
  const char *lang;
  const char *web;          /* said when the web cross-check answered */
  const char *not_outage;   /* how a ban is said not to be an outage */
  const char *outage;       /* the word that may only appear negated */
  const char *no_estimate;
  const char *happened, *todo, *not;
  const char *switch_ip;
  const char *no_retry;
  const char *no_plain_ssh;
  const char *our_side;     /* config-error: our settings, never the client's */
  const char *dont_log_in;
} Words;

static const Words words[] = {
  { "en", "The website itself is working normally; visitors are not affected.",
    "not a fault or outage of the server", "outage",
    "lifts by itself after a while",
    "What happened", "What to do", "What not to do",
    "switch your source IP address (phone tethering", "Don't retry",
    "Don't connect with a plain “ssh HOST”", "our own configuration", "Do not log in" },
  { "ja", "ウェブサイト自体は通常どおり稼働しており、閲覧される方への影響はございません。",
    "サーバーの故障や障害ではございません", "障害",
    "しばらく時間がたつと自動的に解除されます",
    "状況", "対応", "避けること",
    "接続元の IP アドレスを変える（スマートフォンのテザリング", "再試行しないでください",
    "ただの「ssh HOST」で接続しないでください", "弊社の設定", "ログインしないでください" },
};

static const Words *
words_for (const char *lang)
{
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (words[i].lang, lang))
      return &words[i];
  g_assert_not_reached ();
}

static void
assert_no_variables (const char *text)
{
  for (const char *p = strchr (text, '{'); p != NULL; p = strchr (p + 1, '{'))
    {
      gsize length = strspn (p + 1, "abcdefghijklmnopqrstuvwxyz_");

      if (length > 0 && p[1 + length] == '}')
        g_error ("a variable was left in: %s", text);
    }
}

/* An ASCII word on its own ("port", not "report"), or any occurrence of other text. */
static gboolean
has_word (const char *text,
          const char *word)
{
  gsize length = strlen (word);

  for (const char *p = strstr (text, word); p != NULL; p = strstr (p + 1, word))
    {
      if (!g_ascii_isalpha (word[0]))
        return TRUE;
      if ((p == text || !g_ascii_isalnum (p[-1])) && !g_ascii_isalnum (p[length]))
        return TRUE;
    }
  return FALSE;
}

static gsize
count (const char *haystack,
       const char *needle)
{
  gsize n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
require_catalog (void)
{
  if (g_getenv ("BANWATCH_LOCALEDIR") == NULL)
    g_error ("BANWATCH_LOCALEDIR is not set: point it at the compiled catalogs (build/po)");
}

/* ---- Every state, every language, every combination of what is known ---- */

static void
test_all_texts (void)
{
  g_autoptr(GDateTime) since = g_date_time_new_local (2025, 11, 22, 9, 5, 0);
  g_autoptr(GDateTime) expected = g_date_time_new_local (2025, 11, 23, 3, 0, 0);
  guint checked = 0;

  require_catalog ();

  for (guint l = 0; l < G_N_ELEMENTS (langs); l++)
    {
      const Words *w = words_for (langs[l]);
      g_autofree char *estimate = bw_texts_format_estimate (12, 24, expected, langs[l], NULL);
      g_autofree char *since_text = bw_texts_format_since (since, langs[l], NULL);

      for (guint state = 0; state < BW_N_SITE_STATES; state++)
        for (guint mask = 0; mask < 16; mask++)
          {
            gboolean with_since = !!(mask & 1), with_estimate = !!(mask & 2), web = !!(mask & 4), with_command = !!(mask & 8);
            BwTextVars vars = {
              .site = SITE,
              .since = with_since ? since : NULL,
              .estimate = with_estimate ? estimate : NULL,
              .web_answered = web,
              .command = with_command ? "ssh -i '/k' -o IdentitiesOnly=yes 'u@h' 'echo ok'" : NULL,
            };
            g_autoptr(GError) error = NULL;
            g_autofree char *client = bw_texts_client (state, &vars, langs[l], &error);
            g_autofree char *notes = NULL;
            gboolean ban = bw_site_state_is_ban (state);

            g_assert_no_error (error);
            notes = bw_texts_operator (state, &vars, langs[l], &error);
            g_assert_no_error (error);
            g_test_message ("%s %s mask %u", langs[l], bw_site_state_to_string (state), mask);

            assert_no_variables (client);
            assert_no_variables (notes);
            g_assert_nonnull (strstr (client, SITE));
            g_assert_true (g_utf8_validate (client, -1, NULL));

            /* Plain language: no jargon, and never one line per sentence. */
            for (guint j = 0; j < G_N_ELEMENTS (jargon); j++)
              if (has_word (client, jargon[j]))
                g_error ("jargon “%s” in the %s client text for %s:\n%s", jargon[j], langs[l],
                         bw_site_state_to_string (state), client);
            g_assert_null (strchr (client, '\n'));

            /* A ban is never an outage: the word appears only in the denial. */
            g_assert_cmpuint (count (client, w->outage), ==, count (client, w->not_outage));
            if (state == BW_SITE_STATE_LIGHTER_BAN || state == BW_SITE_STATE_HEAVIER_BAN)
              g_assert_cmpuint (count (client, w->not_outage), ==, 1);

            /* The website is said to be fine exactly when the web check answered. */
            if (state != BW_SITE_STATE_LOCAL_NETWORK)
              g_assert_cmpint (strstr (client, w->web) != NULL, ==, web);

            if (with_since && state != BW_SITE_STATE_UNKNOWN && state != BW_SITE_STATE_AUTH_PROBLEM &&
                state != BW_SITE_STATE_HOSTKEY_ALARM && state != BW_SITE_STATE_NEEDS_TRUST &&
                state != BW_SITE_STATE_CONFIG_ERROR)
              g_assert_nonnull (strstr (client, since_text));
            if (!with_since)
              g_assert_null (strstr (client, since_text));

            if (ban)
              {
                g_assert_cmpint (strstr (client, estimate) != NULL, ==, with_estimate);
                g_assert_cmpint (strstr (client, w->no_estimate) != NULL, ==, !with_estimate);
                g_assert_cmpint (strstr (notes, estimate) != NULL, ==, with_estimate);
                g_assert_nonnull (strstr (notes, w->switch_ip));
                g_assert_nonnull (strstr (notes, w->no_retry));
                g_assert_nonnull (strstr (notes, w->no_plain_ssh));
                if (with_command)
                  g_assert_nonnull (strstr (notes, "\n    ssh -i '/k' -o IdentitiesOnly=yes 'u@h' 'echo ok'"));
                else
                  g_assert_nonnull (strstr (notes, "IdentityAgent=none"));
              }
            if (state == BW_SITE_STATE_CONFIG_ERROR)
              g_assert_nonnull (strstr (client, w->our_side));
            if (state == BW_SITE_STATE_HOSTKEY_ALARM)
              g_assert_nonnull (strstr (notes, w->dont_log_in));

            /* The operator notes always have the three sections, in order. */
            {
              const char *a = strstr (notes, w->happened);
              const char *b = strstr (notes, w->todo);
              const char *c = strstr (notes, w->not);

              g_assert_true (a == notes);
              g_assert_true (b != NULL && b > a);
              g_assert_true (c != NULL && c > b);
            }
            checked++;
          }
    }
  g_test_message ("%u texts checked", checked);
}

/* ---- Exact texts ---- */

static void
test_examples (void)
{
  g_autoptr(GDateTime) since = g_date_time_new_local (2025, 11, 22, 9, 5, 0);
  BwTextVars vars = { .site = "layer2024.xsrv.jp", .since = since, .estimate = "usually within 12–24 hours", .web_answered = TRUE };
  g_autoptr(GError) error = NULL;
  g_autofree char *en = bw_texts_client (BW_SITE_STATE_HEAVIER_BAN, &vars, "en", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (en, ==,
                   "Since November 22, 09:05, the server of layer2024.xsrv.jp has been refusing our "
                   "maintenance connections. This is most likely the hosting provider's automatic "
                   "security protection, which blocks a network address for a while after repeated "
                   "connection attempts. It is a protective measure, not a fault or outage of the "
                   "server. The website itself is working normally; visitors are not affected. Based on "
                   "past experience, the restriction lifts by itself (usually within 12–24 hours). We "
                   "will resume the maintenance as soon as access is restored, or continue from a "
                   "different network connection in the meantime. No action is needed on your side.");
}

typedef struct {
  double      min, max;
  gboolean    with_when;
  const char *lang;
  const char *text;   /* NULL: nothing known */
} EstimateCase;

static const EstimateCase estimate_cases[] = {
  { 12, 24, TRUE, "en", "usually within 12–24 hours; expected around November 23, 03:00" },
  { 12, 24, TRUE, "ja", "通常 12〜24 時間以内、11月23日 03:00 頃の見込み" },
  { 12, 24, FALSE, "en", "usually within 12–24 hours" },
  { 1.5, 3, FALSE, "en", "usually within 1.5–3 hours" },
  { 6, 6, FALSE, "en", "usually within about 6 hours" },
  { 0, 6, FALSE, "ja", "通常 6 時間ほど" },
  { 0.25, 0.5, FALSE, "en", "usually within about 30 minutes" },
  { 0, 0, TRUE, "en", "expected around November 23, 03:00" },
  { 0, 0, FALSE, "en", NULL },
  { -1, 1.0 / 0.0, FALSE, "en", NULL },
};

static void
test_estimates (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_local (2025, 11, 23, 3, 0, 0);

  require_catalog ();
  for (guint i = 0; i < G_N_ELEMENTS (estimate_cases); i++)
    {
      const EstimateCase *c = &estimate_cases[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *text = bw_texts_format_estimate (c->min, c->max, c->with_when ? when : NULL, c->lang, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (text, ==, c->text);
    }
}

static void
test_since (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_local (2026, 1, 5, 17, 45, 0);
  g_autofree char *en = bw_texts_format_since (when, "en", NULL);
  g_autofree char *ja = bw_texts_format_since (when, "ja", NULL);

  require_catalog ();
  g_assert_cmpstr (en, ==, "January 5, 17:45");
  g_assert_cmpstr (ja, ==, "1月5日 17:45");
}

/* ---- Errors ---- */

static void
test_errors (void)
{
  BwTextVars vars = { .site = SITE };
  BwTextVars no_site = { .site = NULL };
  BwTextVars empty_site = { .site = "" };
  BwTextVars bad_site = { .site = "\xff" };
  struct {
    BwSiteState       state;
    const BwTextVars *vars;
    const char       *lang;
    int               code;
    const char       *message;
  } cases[] = {
    { BW_SITE_STATE_HEALTHY, &vars, "de", BW_TEXTS_ERROR_LANGUAGE, "There are no texts in “de”; choose one of: en, ja." },
    { BW_SITE_STATE_HEALTHY, &vars, NULL, BW_TEXTS_ERROR_LANGUAGE, "There are no texts in “”" },
    { BW_SITE_STATE_HEALTHY, &vars, "ja_JP", BW_TEXTS_ERROR_LANGUAGE, "choose one of: en, ja" },
    { BW_N_SITE_STATES, &vars, "en", BW_TEXTS_ERROR_STATE, "is not a site state" },
    { BW_SITE_STATE_HEALTHY, NULL, "en", BW_TEXTS_ERROR_VARS, "needs the site's name" },
    { BW_SITE_STATE_HEALTHY, &no_site, "en", BW_TEXTS_ERROR_VARS, "needs the site's name" },
    { BW_SITE_STATE_HEALTHY, &empty_site, "en", BW_TEXTS_ERROR_VARS, "needs the site's name" },
    { BW_SITE_STATE_HEALTHY, &bad_site, "ja", BW_TEXTS_ERROR_VARS, "UTF-8" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) client_error = NULL;
      g_autoptr(GError) operator_error = NULL;
      g_autofree char *client = bw_texts_client (cases[i].state, cases[i].vars, cases[i].lang, &client_error);
      g_autofree char *notes = bw_texts_operator (cases[i].state, cases[i].vars, cases[i].lang, &operator_error);

      g_assert_null (client);
      g_assert_null (notes);
      g_assert_error (client_error, BW_TEXTS_ERROR, cases[i].code);
      g_assert_error (operator_error, BW_TEXTS_ERROR, cases[i].code);
      g_assert_nonnull (strstr (client_error->message, cases[i].message));
    }

  g_assert_true (bw_texts_is_language ("ja"));
  g_assert_false (bw_texts_is_language ("fr"));
  g_assert_cmpstr (bw_texts_get_languages ()[1], ==, "ja");
}

/* A name that looks like a variable is copied, never expanded. */
static void
test_values_not_expanded (void)
{
  BwTextVars vars = { .site = "{since} {estimate} {command} {site}", .command = "echo {site}" };
  g_autofree char *text = bw_texts_operator (BW_SITE_STATE_HEAVIER_BAN, &vars, "en", NULL);

  g_assert_nonnull (strstr (text, "of {since} {estimate} {command} {site}'s server"));
  g_assert_nonnull (strstr (text, "\n    echo {site}"));
}

/* ---- The catalog ---- */

static void
test_catalog_complete (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = bw_texts_get_msgids ();

  require_catalog ();
  if (!bw_texts_check_catalog ("ja", &error))
    g_error ("%s", error->message);
  g_assert_true (bw_texts_check_catalog ("en", NULL));
  g_assert_cmpuint (keys->len, >, 80);
}

/* Without a catalog (ja_JP.UTF-8 not needed, but the .mo missing), Japanese falls back to
 * English instead of failing; the strict check reports it. */
static void
test_catalog_missing_falls_back (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("BANWATCH_LOCALEDIR"));
  g_autofree char *empty = g_dir_make_tmp ("bw-test-texts-XXXXXX", NULL);
  BwTextVars vars = { .site = SITE };
  g_autofree char *en = NULL, *ja = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("BANWATCH_LOCALEDIR", empty, TRUE);
  en = bw_texts_client (BW_SITE_STATE_LIGHTER_BAN, &vars, "en", NULL);
  ja = bw_texts_client (BW_SITE_STATE_LIGHTER_BAN, &vars, "ja", NULL);
  g_assert_cmpstr (ja, ==, en);
  g_assert_false (bw_texts_check_catalog ("ja", &error));
  g_assert_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, empty));

  if (saved != NULL)
    g_setenv ("BANWATCH_LOCALEDIR", saved, TRUE);
  else
    g_unsetenv ("BANWATCH_LOCALEDIR");
  g_rmdir (empty);
}

/* Builds a .mo file in memory: sorted pairs, either byte order. */
static GBytes *
make_mo (const char * const *pairs,
         guint               n,
         gboolean            big_endian,
         guint32             revision)
{
  GByteArray *data = g_byte_array_new ();
  guint32 originals = 28, translations = 28 + 8 * n, strings = 28 + 16 * n;
  g_autoptr(GByteArray) text = g_byte_array_new ();
  guint32 header[7] = { 0x950412de, revision, n, originals, translations, 0, strings };

#define PUT(value) G_STMT_START { guint32 v_ = big_endian ? GUINT32_TO_BE (value) : GUINT32_TO_LE (value); \
                                  g_byte_array_append (data, (guint8 *) &v_, 4); } G_STMT_END
  for (guint i = 0; i < 7; i++)
    PUT (header[i]);
  for (guint column = 0; column < 2; column++)
    for (guint i = 0; i < n; i++)
      {
        const char *s = pairs[2 * i + column];
        PUT ((guint32) strlen (s));
        PUT (strings + text->len);
        g_byte_array_append (text, (const guint8 *) s, (guint) strlen (s) + 1);
      }
#undef PUT
  g_byte_array_append (data, text->data, text->len);
  return g_byte_array_free_to_bytes (data);
}

static const char * const mo_pairs[] = {
  "", "Content-Type: text/plain; charset=UTF-8\n",
  "Apple", "りんご",
  "month\004May", "5月",
  "Zebra", "しまうま",
};

static void
test_catalog_reader (void)
{
  for (guint big = 0; big < 2; big++)
    {
      g_autoptr(GBytes) bytes = make_mo (mo_pairs, 4, big, 0);
      g_autoptr(GError) error = NULL;
      g_autoptr(BwCatalog) catalog = bw_catalog_new_from_bytes (bytes, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (bw_catalog_get_n_messages (catalog), ==, 3);
      g_assert_cmpstr (bw_catalog_lookup (catalog, "Apple"), ==, "りんご");
      g_assert_cmpstr (bw_catalog_lookup (catalog, "Zebra"), ==, "しまうま");
      g_assert_cmpstr (bw_catalog_lookup (catalog, "month\004May"), ==, "5月");
      g_assert_null (bw_catalog_lookup (catalog, "May"));
      g_assert_null (bw_catalog_lookup (catalog, "Banana"));
      g_assert_null (bw_catalog_lookup (catalog, ""));
    }

  /* An unsorted file still works, with a linear search. */
  {
    const char * const unsorted[] = { "Zebra", "しまうま", "Apple", "りんご" };
    g_autoptr(GBytes) bytes = make_mo (unsorted, 2, FALSE, 0);
    g_autoptr(BwCatalog) catalog = bw_catalog_new_from_bytes (bytes, NULL);

    g_assert_cmpstr (bw_catalog_lookup (catalog, "Apple"), ==, "りんご");
  }
}

typedef struct {
  const char *name;
  const char *message;
} BadCase;

static void
test_catalog_rejects (void)
{
  g_autoptr(GBytes) good = make_mo (mo_pairs, 4, FALSE, 0);
  gsize size;
  const guint8 *data = g_bytes_get_data (good, &size);

  /* Every truncation is refused or read safely, never read past the end. */
  for (gsize length = 0; length < size; length++)
    {
      g_autofree guint8 *copy = g_memdup2 (data, length);
      g_autoptr(GBytes) cut = g_bytes_new_take (g_steal_pointer (&copy), length);
      g_autoptr(GError) error = NULL;
      g_autoptr(BwCatalog) catalog = bw_catalog_new_from_bytes (cut, &error);

      g_assert_null (catalog);
      g_assert_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT);
    }

  {
    struct {
      gsize       offset;
      guint32     value;
      const char *message;
    } patches[] = {
      { 0, 0x12345678, "wrong magic number" },
      { 4, 2 << 16, "format revision 2" },
      { 8, 0x10000000, "reach past the end" },
      { 12, 0xfffffff0, "reach past the end" },
      { 28 + 8 + 4, 0xffffff00, "lies outside the file" },      /* offset of original 1 */
      { 28 + 8, 0x7fffffff, "lies outside the file" },          /* length of original 1 */
    };

    for (guint i = 0; i < G_N_ELEMENTS (patches); i++)
      {
        g_autofree guint8 *copy = g_memdup2 (data, size);
        guint32 le = GUINT32_TO_LE (patches[i].value);
        g_autoptr(GBytes) bad = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(BwCatalog) catalog = NULL;

        memcpy (copy + patches[i].offset, &le, 4);
        bad = g_bytes_new_take (g_steal_pointer (&copy), size);
        catalog = bw_catalog_new_from_bytes (bad, &error);
        g_assert_null (catalog);
        g_assert_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT);
        g_assert_nonnull (strstr (error->message, patches[i].message));
      }
  }

  /* A string whose terminating NUL is missing. */
  {
    g_autofree guint8 *copy = g_memdup2 (data, size);
    g_autoptr(GBytes) bad = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(BwCatalog) catalog = NULL;
    guint32 offset;

    memcpy (&offset, copy + 28 + 8 + 4, 4);
    copy[GUINT32_FROM_LE (offset) + strlen ("Apple")] = 'X';
    bad = g_bytes_new_take (g_steal_pointer (&copy), size);
    catalog = bw_catalog_new_from_bytes (bad, &error);
    g_assert_null (catalog);
    g_assert_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT);
  }

  /* Another charset, and a translation that is not UTF-8 (treated as missing). */
  {
    const char * const latin1[] = { "", "Content-Type: text/plain; charset=ISO-8859-1\n", "A", "\xe9" };
    const char * const broken[] = { "", "Content-Type: text/plain; charset=UTF-8\n", "A", "\xe9" };
    g_autoptr(GBytes) latin1_bytes = make_mo (latin1, 2, FALSE, 0);
    g_autoptr(GBytes) broken_bytes = make_mo (broken, 2, FALSE, 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(BwCatalog) none = bw_catalog_new_from_bytes (latin1_bytes, &error);
    g_autoptr(BwCatalog) catalog = bw_catalog_new_from_bytes (broken_bytes, NULL);

    g_assert_null (none);
    g_assert_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT);
    g_assert_nonnull (strstr (error->message, "UTF-8"));
    g_assert_null (bw_catalog_lookup (catalog, "A"));
  }

  /* Language codes cannot leave the locale folder. */
  {
    const char *bad_langs[] = { "", "..", "../etc", "ja/../x", "a b", NULL };

    for (guint i = 0; bad_langs[i] != NULL; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = bw_catalog_dup_path (bad_langs[i], &error);

        g_assert_null (path);
        g_assert_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_LANGUAGE);
      }
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/texts/all", test_all_texts);
  g_test_add_func ("/texts/examples", test_examples);
  g_test_add_func ("/texts/estimates", test_estimates);
  g_test_add_func ("/texts/since", test_since);
  g_test_add_func ("/texts/errors", test_errors);
  g_test_add_func ("/texts/values-not-expanded", test_values_not_expanded);
  g_test_add_func ("/texts/catalog/complete", test_catalog_complete);
  g_test_add_func ("/texts/catalog/missing-falls-back", test_catalog_missing_falls_back);
  g_test_add_func ("/texts/catalog/reader", test_catalog_reader);
  g_test_add_func ("/texts/catalog/rejects", test_catalog_rejects);

  return g_test_run ();
}
