// SPDX-License-Identifier: GPL-3.0-or-later
/* The history database: schema versions, retention, episodes, and survival of SIGKILL at
 * any moment (a child writes without pause; the parent kills it at random times). */
#include "config.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "core/bw-history.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("bw-test-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "state", "banwatch", "history.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  const char *argv[] = { "rm", "-rf", f->dir, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (f->path);
  g_free (f->dir);
}

static BwProbeResult *
make_result (BwObservation observation, gint64 t)
{
  BwProbeResult *result = bw_probe_result_new ();

  bw_probe_result_set_outcome (result, observation, BW_PHASE_DONE, NULL, "test %" G_GINT64_FORMAT, t);
  result->finished_at = t;
  result->timings_ms[BW_TIMING_TOTAL] = 250;
  return result;
}

static gint64
count_rows (const char *path, const char *table)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &statement, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (statement, 0);
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return n;
}

static char *
integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  char *result;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &statement, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (statement), ==, SQLITE_ROW);
  result = g_strdup ((const char *) sqlite3_column_text (statement, 0));
  sqlite3_finalize (statement);
  sqlite3_close (db);
  return result;
}

static void
test_schema_and_records (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwHistory) history = bw_history_open (f->path, &error);
  g_autoptr(BwProbeResult) result = make_result (BW_OBSERVATION_REFUSED, 1000);
  g_autoptr(BwSiteRecord) loaded = NULL;
  g_autoptr(BwDestinationRecord) destination = NULL;
  g_autoptr(GPtrArray) probes = NULL;
  g_autoptr(GPtrArray) episodes = NULL;
  g_autoptr(GArray) connections = NULL;
  BwSiteRecord site = { .site_id = (char *) "id-1", .state = BW_SITE_STATE_HEAVIER_BAN, .since = 1000,
                        .last_check = 1000, .verified_via = (char *) "other" };
  BwDestinationRecord dest = { .key = (char *) "10.0.0.1:10022", .state = BW_SITE_STATE_HEAVIER_BAN,
                               .banned_since = 1000, .backoff_until = 5000, .backoff_interval = 4000 };
  gint64 id;

  g_assert_no_error (error);
  g_assert_cmpint (bw_history_get_schema_version (history), ==, BW_HISTORY_SCHEMA_VERSION);

  g_assert_true (bw_history_record_probe (history, "id-1", "Shop", "10.0.0.1:10022", result,
                                          BW_SITE_STATE_HEAVIER_BAN, &error));
  probes = bw_history_list_probes (history, "id-1", 10);
  g_assert_cmpuint (probes->len, ==, 1);
  g_assert_cmpstr (((BwProbeRecord *) probes->pdata[0])->observation, ==, "refused");
  g_assert_cmpstr (((BwProbeRecord *) probes->pdata[0])->state, ==, "heavier-ban");
  g_assert_nonnull (strstr (((BwProbeRecord *) probes->pdata[0])->timings, "\"total\":250"));

  g_assert_true (bw_history_save_site (history, &site, &error));
  loaded = bw_history_load_site (history, "id-1");
  g_assert_nonnull (loaded);
  g_assert_cmpint (loaded->state, ==, BW_SITE_STATE_HEAVIER_BAN);
  g_assert_cmpstr (loaded->verified_via, ==, "other");
  g_assert_null (bw_history_load_site (history, "nope"));

  g_assert_true (bw_history_save_destination (history, &dest, &error));
  destination = bw_history_load_destination (history, "10.0.0.1:10022");
  g_assert_cmpint (destination->backoff_until, ==, 5000);

  id = bw_history_episode_begin (history, "10.0.0.1:10022", BW_SITE_STATE_LIGHTER_BAN, 1000, &error);
  g_assert_cmpint (id, >, 0);
  g_assert_true (bw_history_episode_extend (history, id, BW_SITE_STATE_HEAVIER_BAN, &error));
  g_assert_nonnull (bw_history_open_episode (history, "10.0.0.1:10022"));
  g_assert_true (bw_history_episode_end (history, id, 9000, &error));
  g_assert_null (bw_history_open_episode (history, "10.0.0.1:10022"));
  episodes = bw_history_list_episodes (history, "10.0.0.1:10022");
  g_assert_cmpuint (episodes->len, ==, 1);
  g_assert_cmpstr (((BwEpisode *) episodes->pdata[0])->path, ==, "lighter-ban,heavier-ban");
  g_assert_cmpint (((BwEpisode *) episodes->pdata[0])->end, ==, 9000);

  g_assert_true (bw_history_record_connection (history, "10.0.0.1:10022", 100, &error));
  g_assert_true (bw_history_record_connection (history, "10.0.0.1:10022", 200, &error));
  connections = bw_history_connections_since (history, "10.0.0.1:10022", 150);
  g_assert_cmpuint (connections->len, ==, 1);

  /* Retention: the old probe and the closed episode go; nothing else does. */
  g_assert_true (bw_history_prune (history, 9500, &error));
  g_clear_pointer (&probes, g_ptr_array_unref);
  probes = bw_history_list_probes (history, "id-1", 10);
  g_assert_cmpuint (probes->len, ==, 0);
  g_clear_pointer (&episodes, g_ptr_array_unref);
  episodes = bw_history_list_episodes (history, NULL);
  g_assert_cmpuint (episodes->len, ==, 0);
  g_assert_nonnull (bw_history_load_site (history, "id-1"));
}

static void
test_newer_schema_is_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwHistory) history = bw_history_open (f->path, &error);
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  g_clear_object (&history);

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  history = bw_history_open (f->path, &error);
  g_assert_null (history);
  g_assert_error (error, BW_HISTORY_ERROR, BW_HISTORY_ERROR_SCHEMA);
  g_assert_nonnull (strstr (error->message, "newer Banwatch"));
  g_assert_nonnull (strstr (error->message, "left untouched"));
}

static void
test_unopenable_path (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->dir, "plain-file", NULL);
  g_autofree char *below = g_build_filename (file, "history.db", NULL);
  g_autoptr(BwHistory) history = NULL;

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  history = bw_history_open (below, &error);
  g_assert_null (history);
  g_assert_error (error, BW_HISTORY_ERROR, BW_HISTORY_ERROR_OPEN);
  g_assert_nonnull (strstr (error->message, "Cannot create the folder"));
}

/* The child writes probes, states and episodes as fast as it can, each in its own
 * transaction, until it is killed. */
G_GNUC_NORETURN static void
writer (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwHistory) history = bw_history_open (path, &error);

  if (history == NULL)
    _exit (3);

  /* Recent times: opening the history prunes anything older than the retention. */
  for (gint64 i = g_get_real_time ();; i++)
    {
      g_autoptr(BwProbeResult) result = make_result (i % 2 ? BW_OBSERVATION_OK : BW_OBSERVATION_REFUSED, i);
      BwSiteRecord site = { .site_id = (char *) "s", .state = BW_SITE_STATE_HEALTHY, .since = i, .last_check = i };
      gint64 id;

      bw_history_record_probe (history, "s", "S", "d:22", result, BW_SITE_STATE_HEALTHY, NULL);
      bw_history_save_site (history, &site, NULL);
      bw_history_record_connection (history, "d:22", i, NULL);
      id = bw_history_episode_begin (history, "d:22", BW_SITE_STATE_HEAVIER_BAN, i, NULL);
      bw_history_episode_end (history, id, i + 1, NULL);
    }
}

static void
test_survives_sigkill (Fixture *f, gconstpointer data)
{
  gint64 previous = 0;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwHistory) created = bw_history_open (f->path, &error);

  g_assert_no_error (error);
  g_clear_object (&created);

  for (guint round = 0; round < 25; round++)
    {
      g_autofree char *check = NULL;
      int status = 0;
      gint64 probes;
      pid_t pid = fork ();

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        writer (f->path);

      g_usleep (g_rand_int_range (rand, 5, 120) * 1000);
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFSIGNALED (status));

      /* After every kill: the file is whole, nothing committed was lost, and it opens. */
      check = integrity (f->path);
      g_assert_cmpstr (check, ==, "ok");
      probes = count_rows (f->path, "probes");
      g_assert_cmpint (probes, >=, previous);
      g_assert_cmpint (count_rows (f->path, "sites"), <=, 1);
      previous = probes;

      {
        g_autoptr(BwHistory) reopened = bw_history_open (f->path, &error);
        g_assert_no_error (error);
        g_assert_cmpint (bw_history_get_schema_version (reopened), ==, BW_HISTORY_SCHEMA_VERSION);
      }
    }

  g_test_message ("%" G_GINT64_FORMAT " probes written across 25 kills", previous);
  g_assert_cmpint (previous, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/history/schema-and-records", Fixture, NULL, fixture_setup, test_schema_and_records, fixture_teardown);
  g_test_add ("/history/newer-schema-is-refused", Fixture, NULL, fixture_setup, test_newer_schema_is_refused, fixture_teardown);
  g_test_add ("/history/unopenable-path", Fixture, NULL, fixture_setup, test_unopenable_path, fixture_teardown);
  g_test_add ("/history/survives-sigkill", Fixture, NULL, fixture_setup, test_survives_sigkill, fixture_teardown);

  return g_test_run ();
}
