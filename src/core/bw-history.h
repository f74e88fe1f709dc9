// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "bw-probe-result.h"
#include "bw-site-state.h"

G_BEGIN_DECLS

#define BW_HISTORY_ERROR (bw_history_error_quark ())

typedef enum {
  BW_HISTORY_ERROR_OPEN,
  BW_HISTORY_ERROR_SCHEMA,
  BW_HISTORY_ERROR_QUERY,
} BwHistoryError;

GQuark bw_history_error_quark (void);

#define BW_HISTORY_SCHEMA_VERSION 1
#define BW_HISTORY_DEFAULT_RETENTION_DAYS 90

typedef struct {
  char        *site_id;
  BwSiteState  state;
  gint64       since;
  gint64       last_check;
  char        *verified_via;
  gboolean     acknowledged;
  gint64       last_notified;
} BwSiteRecord;

typedef struct {
  char        *key;
  BwSiteState  state;
  gint64       banned_since;
  gint64       backoff_until;
  gint64       backoff_interval;
  guint        rechecks;
} BwDestinationRecord;

typedef struct {
  gint64  id;
  char   *destination;
  gint64  start;
  gint64  end;      /* 0 while open */
  char   *path;     /* "lighter-ban,heavier-ban" */
} BwEpisode;

typedef struct {
  gint64  time;
  char   *site_name;
  char   *destination;
  char   *observation;
  char   *phase;
  char   *state;
  char   *message;
  char   *timings;  /* the timings_ms JSON object, as text */
} BwProbeRecord;

void bw_site_record_free        (BwSiteRecord        *record);
void bw_destination_record_free (BwDestinationRecord *record);
void bw_episode_free            (BwEpisode           *episode);
void bw_probe_record_free       (BwProbeRecord       *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwSiteRecord, bw_site_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwDestinationRecord, bw_destination_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwEpisode, bw_episode_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwProbeRecord, bw_probe_record_free)

#define BW_TYPE_HISTORY (bw_history_get_type ())

G_DECLARE_FINAL_TYPE (BwHistory, bw_history, BW, HISTORY, GObject)

char       *bw_history_default_path      (void);
BwHistory  *bw_history_open              (const char           *path,
                                          GError              **error);
gboolean    bw_history_record_probe      (BwHistory            *self,
                                          const char           *site_id,
                                          const char           *site_name,
                                          const char           *destination,
                                          const BwProbeResult  *result,
                                          BwSiteState           state,
                                          GError              **error);
gboolean    bw_history_record_connection (BwHistory            *self,
                                          const char           *destination,
                                          gint64                at,
                                          GError              **error);
GArray     *bw_history_connections_since (BwHistory            *self,
                                          const char           *destination,
                                          gint64                since);
gboolean    bw_history_save_site         (BwHistory            *self,
                                          const BwSiteRecord   *record,
                                          GError              **error);
BwSiteRecord *bw_history_load_site       (BwHistory            *self,
                                          const char           *site_id);
gboolean    bw_history_save_destination  (BwHistory            *self,
                                          const BwDestinationRecord *record,
                                          GError              **error);
BwDestinationRecord *bw_history_load_destination (BwHistory    *self,
                                          const char           *key);
gint64      bw_history_episode_begin     (BwHistory            *self,
                                          const char           *destination,
                                          BwSiteState           state,
                                          gint64                start,
                                          GError              **error);
gboolean    bw_history_episode_extend    (BwHistory            *self,
                                          gint64                id,
                                          BwSiteState           state,
                                          GError              **error);
gboolean    bw_history_episode_end       (BwHistory            *self,
                                          gint64                id,
                                          gint64                end,
                                          GError              **error);
BwEpisode  *bw_history_open_episode      (BwHistory            *self,
                                          const char           *destination);
GPtrArray  *bw_history_list_episodes     (BwHistory            *self,
                                          const char           *destination);
GPtrArray  *bw_history_list_probes       (BwHistory            *self,
                                          const char           *site_id,
                                          guint                 limit);
gboolean    bw_history_prune             (BwHistory            *self,
                                          gint64                older_than,
                                          GError              **error);
int         bw_history_get_schema_version (BwHistory           *self);

G_END_DECLS
