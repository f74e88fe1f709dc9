// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-history"

#include "config.h"

#include <errno.h>

#include <sqlite3.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "bw-history.h"

/**
 * BwHistory:
 *
 * Probe results, ban episodes, the monitor's per-site and per-server state and the
 * connection log that budgets are counted from, in SQLite under
 * `$XDG_STATE_HOME/banwatch/`. WAL journaling with every change in its own transaction
 * means a kill at any moment loses at most the change being written, never the file.
 */
struct _BwHistory
{
  GObject  parent_instance;

  sqlite3 *db;
};

G_DEFINE_FINAL_TYPE (BwHistory, bw_history, G_TYPE_OBJECT)

G_DEFINE_QUARK (bw-history-error-quark, bw_history_error)

/* Each entry upgrades the schema by one version; never edit a released one. */
static const char * const migrations[] = {
  /* 1 */
  "CREATE TABLE probes ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  site_id TEXT NOT NULL,"
  "  site_name TEXT NOT NULL,"
  "  destination TEXT NOT NULL,"
  "  observation TEXT NOT NULL,"
  "  phase TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  message TEXT,"
  "  timings TEXT);"
  "CREATE INDEX probes_by_site ON probes (site_id, time);"
  "CREATE INDEX probes_by_time ON probes (time);"
  "CREATE TABLE episodes ("
  "  id INTEGER PRIMARY KEY,"
  "  destination TEXT NOT NULL,"
  "  start INTEGER NOT NULL,"
  "  end INTEGER,"
  "  path TEXT NOT NULL);"
  "CREATE INDEX episodes_by_destination ON episodes (destination, start);"
  "CREATE TABLE sites ("
  "  site_id TEXT PRIMARY KEY,"
  "  state TEXT NOT NULL,"
  "  since INTEGER NOT NULL,"
  "  last_check INTEGER NOT NULL DEFAULT 0,"
  "  verified_via TEXT,"
  "  acknowledged INTEGER NOT NULL DEFAULT 0,"
  "  last_notified INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE destinations ("
  "  key TEXT PRIMARY KEY,"
  "  state TEXT NOT NULL,"
  "  banned_since INTEGER NOT NULL DEFAULT 0,"
  "  backoff_until INTEGER NOT NULL DEFAULT 0,"
  "  backoff_interval INTEGER NOT NULL DEFAULT 0,"
  "  rechecks INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE connections ("
  "  destination TEXT NOT NULL,"
  "  time INTEGER NOT NULL);"
  "CREATE INDEX connections_by_destination ON connections (destination, time);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == BW_HISTORY_SCHEMA_VERSION);

typedef sqlite3_stmt Statement;

static void
statement_finalize (Statement *statement)
{
  sqlite3_finalize (statement);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Statement, statement_finalize)

void
bw_site_record_free (BwSiteRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->site_id);
  g_free (record->verified_via);
  g_free (record);
}

void
bw_destination_record_free (BwDestinationRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->key);
  g_free (record);
}

void
bw_episode_free (BwEpisode *episode)
{
  if (episode == NULL)
    return;
  g_free (episode->destination);
  g_free (episode->path);
  g_free (episode);
}

void
bw_probe_record_free (BwProbeRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->site_name);
  g_free (record->destination);
  g_free (record->observation);
  g_free (record->phase);
  g_free (record->state);
  g_free (record->message);
  g_free (record->timings);
  g_free (record);
}

static gboolean
set_sqlite_error (BwHistory  *self,
                  int         code,
                  GError    **error)
{
  g_set_error (error, BW_HISTORY_ERROR, code, _("History database error: %s"),
               sqlite3_errmsg (self->db));
  return FALSE;
}

static gboolean
exec (BwHistory   *self,
      const char  *sql,
      GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, BW_HISTORY_ERROR, BW_HISTORY_ERROR_QUERY, _("History database error: %s"),
                   message != NULL ? message : "?");
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static Statement *
prepare (BwHistory   *self,
         const char  *sql,
         GError     **error)
{
  Statement *statement = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &statement, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, BW_HISTORY_ERROR_QUERY, error);
      return NULL;
    }
  return statement;
}

static gboolean
step_done (BwHistory  *self,
           Statement  *statement,
           GError    **error)
{
  if (sqlite3_step (statement) != SQLITE_DONE)
    return set_sqlite_error (self, BW_HISTORY_ERROR_QUERY, error);
  return TRUE;
}

static char *
column_text (Statement *statement,
             int        column)
{
  return g_strdup ((const char *) sqlite3_column_text (statement, column));
}

static void
bw_history_finalize (GObject *object)
{
  BwHistory *self = (BwHistory *) object;

  g_clear_pointer (&self->db, sqlite3_close_v2);

  G_OBJECT_CLASS (bw_history_parent_class)->finalize (object);
}

static void
bw_history_class_init (BwHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bw_history_finalize;
}

static void
bw_history_init (BwHistory *self)
{
}

/**
 * bw_history_default_path:
 *
 * Returns: (transfer full): `$XDG_STATE_HOME/banwatch/history.db`
 */
char *
bw_history_default_path (void)
{
  const char *state_home = g_getenv ("XDG_STATE_HOME");

  /* GLib 2.74 has no g_get_user_state_dir(). */
  if (state_home != NULL && g_path_is_absolute (state_home))
    return g_build_filename (state_home, "banwatch", "history.db", NULL);
  return g_build_filename (g_get_home_dir (), ".local", "state", "banwatch", "history.db", NULL);
}

int
bw_history_get_schema_version (BwHistory *self)
{
  g_autoptr(Statement) statement = prepare (self, "PRAGMA user_version", NULL);

  if (statement == NULL || sqlite3_step (statement) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (statement, 0);
}

static gboolean
migrate (BwHistory  *self,
         GError    **error)
{
  int version = bw_history_get_schema_version (self);

  if (version < 0)
    return set_sqlite_error (self, BW_HISTORY_ERROR_SCHEMA, error);

  if (version > BW_HISTORY_SCHEMA_VERSION)
    {
      g_set_error (error, BW_HISTORY_ERROR, BW_HISTORY_ERROR_SCHEMA,
                   _("The history database was written by a newer Banwatch (schema %d; this one "
                     "knows %d). It was left untouched."),
                   version, BW_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }

  for (int v = version; v < BW_HISTORY_SCHEMA_VERSION; v++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", v + 1);

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (self, migrations[v], error) || !exec (self, bump, error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
      if (!exec (self, "COMMIT", error))
        return FALSE;
    }

  return TRUE;
}

/**
 * bw_history_open:
 * @path: (nullable): the database file, or %NULL for the default
 *
 * Opens (creating and migrating as needed) the history database and prunes entries
 * older than the retention period.
 *
 * Returns: (transfer full): the history, or %NULL with @error set
 */
BwHistory *
bw_history_open (const char  *path,
                 GError     **error)
{
  g_autoptr(BwHistory) self = g_object_new (BW_TYPE_HISTORY, NULL);
  g_autofree char *default_path = NULL;
  g_autofree char *dir = NULL;

  if (path == NULL)
    path = default_path = bw_history_default_path ();

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, BW_HISTORY_ERROR, BW_HISTORY_ERROR_OPEN,
                   _("Cannot create the folder %s for the history: %s"), dir, g_strerror (errno));
      return NULL;
    }

  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, BW_HISTORY_ERROR, BW_HISTORY_ERROR_OPEN,
                   _("Cannot open the history database %s: %s"), path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }

  /* The app and the CLI may write at the same time; wait for each other briefly. */
  sqlite3_busy_timeout (self->db, 5000);

  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = NORMAL", error) ||
      !exec (self, "PRAGMA cache_size = -512", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !migrate (self, error))
    return NULL;

  bw_history_prune (self, g_get_real_time () - (gint64) BW_HISTORY_DEFAULT_RETENTION_DAYS * 24 * 3600 * G_USEC_PER_SEC, NULL);
  return g_steal_pointer (&self);
}

static char *
timings_to_text (const BwProbeResult *result)
{
  g_autoptr(JsonNode) node = bw_probe_result_to_json (result);
  JsonNode *timings = json_object_get_member (json_node_get_object (node), "timings_ms");

  return json_to_string (timings, FALSE);
}

/**
 * bw_history_record_probe:
 *
 * Appends one probe result.
 */
gboolean
bw_history_record_probe (BwHistory            *self,
                         const char           *site_id,
                         const char           *site_name,
                         const char           *destination,
                         const BwProbeResult  *result,
                         BwSiteState           state,
                         GError              **error)
{
  g_autoptr(Statement) statement = NULL;
  g_autofree char *timings = timings_to_text (result);

  statement = prepare (self, "INSERT INTO probes (time, site_id, site_name, destination, observation, "
                             "phase, state, message, timings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (statement == NULL)
    return FALSE;

  sqlite3_bind_int64 (statement, 1, result->finished_at != 0 ? result->finished_at : g_get_real_time ());
  sqlite3_bind_text (statement, 2, site_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 3, site_name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 4, destination, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 5, bw_observation_to_string (result->observation), -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 6, bw_phase_to_string (result->phase), -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 7, bw_site_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_text (statement, 8, result->message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 9, timings, -1, SQLITE_TRANSIENT);
  return step_done (self, statement, error);
}

/**
 * bw_history_record_connection:
 *
 * Logs one new connection to @destination, the unit budgets are counted in.
 */
gboolean
bw_history_record_connection (BwHistory   *self,
                              const char  *destination,
                              gint64       at,
                              GError     **error)
{
  g_autoptr(Statement) statement = prepare (self, "INSERT INTO connections (destination, time) VALUES (?, ?)",
                                            error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, destination, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, at);
  return step_done (self, statement, error);
}

/**
 * bw_history_connections_since:
 *
 * Returns: (transfer full) (element-type gint64): connection times, oldest first
 */
GArray *
bw_history_connections_since (BwHistory  *self,
                              const char *destination,
                              gint64      since)
{
  g_autoptr(Statement) statement = prepare (self, "SELECT time FROM connections WHERE destination = ? "
                                                  "AND time >= ? ORDER BY time", NULL);
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (statement == NULL)
    return times;
  sqlite3_bind_text (statement, 1, destination, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, since);
  while (sqlite3_step (statement) == SQLITE_ROW)
    {
      gint64 t = sqlite3_column_int64 (statement, 0);
      g_array_append_val (times, t);
    }
  return times;
}

gboolean
bw_history_save_site (BwHistory           *self,
                      const BwSiteRecord  *record,
                      GError             **error)
{
  g_autoptr(Statement) statement = NULL;

  statement = prepare (self, "INSERT OR REPLACE INTO sites (site_id, state, since, last_check, "
                             "verified_via, acknowledged, last_notified) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, record->site_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, bw_site_state_to_string (record->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (statement, 3, record->since);
  sqlite3_bind_int64 (statement, 4, record->last_check);
  sqlite3_bind_text (statement, 5, record->verified_via, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (statement, 6, record->acknowledged);
  sqlite3_bind_int64 (statement, 7, record->last_notified);
  return step_done (self, statement, error);
}

/**
 * bw_history_load_site:
 *
 * Returns: (transfer full) (nullable): the last known state of a site
 */
BwSiteRecord *
bw_history_load_site (BwHistory  *self,
                      const char *site_id)
{
  g_autoptr(Statement) statement = prepare (self, "SELECT state, since, last_check, verified_via, "
                                                  "acknowledged, last_notified FROM sites WHERE site_id = ?",
                                            NULL);
  BwSiteRecord *record;
  BwSiteState state;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_text (statement, 1, site_id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (statement) != SQLITE_ROW ||
      !bw_site_state_from_string ((const char *) sqlite3_column_text (statement, 0), &state))
    return NULL;

  record = g_new0 (BwSiteRecord, 1);
  record->site_id = g_strdup (site_id);
  record->state = state;
  record->since = sqlite3_column_int64 (statement, 1);
  record->last_check = sqlite3_column_int64 (statement, 2);
  record->verified_via = column_text (statement, 3);
  record->acknowledged = sqlite3_column_int (statement, 4);
  record->last_notified = sqlite3_column_int64 (statement, 5);
  return record;
}

gboolean
bw_history_save_destination (BwHistory                  *self,
                             const BwDestinationRecord  *record,
                             GError                    **error)
{
  g_autoptr(Statement) statement = NULL;

  statement = prepare (self, "INSERT OR REPLACE INTO destinations (key, state, banned_since, "
                             "backoff_until, backoff_interval, rechecks) VALUES (?, ?, ?, ?, ?, ?)", error);
  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, record->key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (statement, 2, bw_site_state_to_string (record->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (statement, 3, record->banned_since);
  sqlite3_bind_int64 (statement, 4, record->backoff_until);
  sqlite3_bind_int64 (statement, 5, record->backoff_interval);
  sqlite3_bind_int (statement, 6, (int) record->rechecks);
  return step_done (self, statement, error);
}

/**
 * bw_history_load_destination:
 *
 * Returns: (transfer full) (nullable): a server's saved ban and backoff state
 */
BwDestinationRecord *
bw_history_load_destination (BwHistory  *self,
                             const char *key)
{
  g_autoptr(Statement) statement = prepare (self, "SELECT state, banned_since, backoff_until, "
                                                  "backoff_interval, rechecks FROM destinations WHERE key = ?",
                                            NULL);
  BwDestinationRecord *record;
  BwSiteState state;

  if (statement == NULL)
    return NULL;
  sqlite3_bind_text (statement, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (statement) != SQLITE_ROW ||
      !bw_site_state_from_string ((const char *) sqlite3_column_text (statement, 0), &state))
    return NULL;

  record = g_new0 (BwDestinationRecord, 1);
  record->key = g_strdup (key);
  record->state = state;
  record->banned_since = sqlite3_column_int64 (statement, 1);
  record->backoff_until = sqlite3_column_int64 (statement, 2);
  record->backoff_interval = sqlite3_column_int64 (statement, 3);
  record->rechecks = (guint) sqlite3_column_int (statement, 4);
  return record;
}

/**
 * bw_history_episode_begin:
 *
 * Returns: the new episode's id, or 0 with @error set
 */
gint64
bw_history_episode_begin (BwHistory   *self,
                          const char  *destination,
                          BwSiteState  state,
                          gint64       start,
                          GError     **error)
{
  g_autoptr(Statement) statement = prepare (self, "INSERT INTO episodes (destination, start, path) "
                                                  "VALUES (?, ?, ?)", error);

  if (statement == NULL)
    return 0;
  sqlite3_bind_text (statement, 1, destination, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (statement, 2, start);
  sqlite3_bind_text (statement, 3, bw_site_state_to_string (state), -1, SQLITE_STATIC);
  if (!step_done (self, statement, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

/**
 * bw_history_episode_extend:
 *
 * Appends a stage to an open episode's path, e.g. lighter-ban → heavier-ban.
 */
gboolean
bw_history_episode_extend (BwHistory   *self,
                           gint64       id,
                           BwSiteState  state,
                           GError     **error)
{
  g_autoptr(Statement) statement = prepare (self, "UPDATE episodes SET path = path || ',' || ? "
                                                  "WHERE id = ? AND end IS NULL", error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_text (statement, 1, bw_site_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (statement, 2, id);
  return step_done (self, statement, error);
}

gboolean
bw_history_episode_end (BwHistory  *self,
                        gint64      id,
                        gint64      end,
                        GError    **error)
{
  g_autoptr(Statement) statement = prepare (self, "UPDATE episodes SET end = ? WHERE id = ? AND end IS NULL",
                                            error);

  if (statement == NULL)
    return FALSE;
  sqlite3_bind_int64 (statement, 1, end);
  sqlite3_bind_int64 (statement, 2, id);
  return step_done (self, statement, error);
}

static BwEpisode *
episode_from_row (Statement *statement)
{
  BwEpisode *episode = g_new0 (BwEpisode, 1);

  episode->id = sqlite3_column_int64 (statement, 0);
  episode->destination = column_text (statement, 1);
  episode->start = sqlite3_column_int64 (statement, 2);
  episode->end = sqlite3_column_int64 (statement, 3);
  episode->path = column_text (statement, 4);
  return episode;
}

/**
 * bw_history_open_episode:
 *
 * Returns: (transfer full) (nullable): the server's ban episode that has not ended
 */
BwEpisode *
bw_history_open_episode (BwHistory  *self,
                         const char *destination)
{
  g_autoptr(Statement) statement = prepare (self, "SELECT id, destination, start, end, path FROM episodes "
                                                  "WHERE destination = ? AND end IS NULL "
                                                  "ORDER BY start DESC LIMIT 1", NULL);

  if (statement == NULL)
    return NULL;
  sqlite3_bind_text (statement, 1, destination, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (statement) != SQLITE_ROW)
    return NULL;
  return episode_from_row (statement);
}

/**
 * bw_history_list_episodes:
 * @destination: (nullable): one server, or %NULL for all
 *
 * Returns: (transfer full) (element-type BwEpisode): episodes, oldest first
 */
GPtrArray *
bw_history_list_episodes (BwHistory  *self,
                          const char *destination)
{
  g_autoptr(Statement) statement = prepare (self, "SELECT id, destination, start, end, path FROM episodes "
                                                  "WHERE ?1 IS NULL OR destination = ?1 ORDER BY start", NULL);
  GPtrArray *episodes = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_episode_free);

  if (statement == NULL)
    return episodes;
  sqlite3_bind_text (statement, 1, destination, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (statement) == SQLITE_ROW)
    g_ptr_array_add (episodes, episode_from_row (statement));
  return episodes;
}

/**
 * bw_history_list_probes:
 *
 * Returns: (transfer full) (element-type BwProbeRecord): the newest @limit probes of a
 *   site, newest first
 */
GPtrArray *
bw_history_list_probes (BwHistory  *self,
                        const char *site_id,
                        guint       limit)
{
  g_autoptr(Statement) statement = prepare (self, "SELECT time, site_name, destination, observation, phase, "
                                                  "state, message, timings FROM probes WHERE site_id = ? "
                                                  "ORDER BY time DESC, id DESC LIMIT ?", NULL);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_probe_record_free);

  if (statement == NULL)
    return records;
  sqlite3_bind_text (statement, 1, site_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (statement, 2, (int) MIN (limit, G_MAXINT));
  while (sqlite3_step (statement) == SQLITE_ROW)
    {
      BwProbeRecord *record = g_new0 (BwProbeRecord, 1);

      record->time = sqlite3_column_int64 (statement, 0);
      record->site_name = column_text (statement, 1);
      record->destination = column_text (statement, 2);
      record->observation = column_text (statement, 3);
      record->phase = column_text (statement, 4);
      record->state = column_text (statement, 5);
      record->message = column_text (statement, 6);
      record->timings = column_text (statement, 7);
      g_ptr_array_add (records, record);
    }
  return records;
}

/**
 * bw_history_prune:
 *
 * Deletes probes, closed episodes and connection log entries older than @older_than.
 */
gboolean
bw_history_prune (BwHistory  *self,
                  gint64      older_than,
                  GError    **error)
{
  g_autofree char *sql = g_strdup_printf ("BEGIN IMMEDIATE;"
                                          "DELETE FROM probes WHERE time < %" G_GINT64_FORMAT ";"
                                          "DELETE FROM episodes WHERE end IS NOT NULL AND end < %" G_GINT64_FORMAT ";"
                                          "DELETE FROM connections WHERE time < %" G_GINT64_FORMAT ";"
                                          "COMMIT;",
                                          older_than, older_than, older_than);

  if (!exec (self, sql, error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return TRUE;
}
