// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "bw-clock.h"
#include "bw-history.h"
#include "bw-prober.h"
#include "bw-site.h"
#include "bw-site-state.h"

G_BEGIN_DECLS

/**
 * BwMonitorConfig:
 *
 * Every interval the monitor uses, in microseconds. The defaults follow DESIGN.md §4;
 * tests compress them with bw_monitor_config_scale().
 */
typedef struct {
  gint64  interval;               /* a server's regular check, default 30 min */
  gint64  verify_interval;        /* each site's own credentials, default 6 h */
  guint   max_parallel;           /* servers probed at once, default 4 */
  guint   budget_short_count;     /* new connections per server … */
  gint64  budget_short_window;    /* … in this window: 3 per 60 s */
  guint   budget_long_count;
  gint64  budget_long_window;     /* 10 per 10 min */
  gint64  lighter_first_recheck;  /* 30 min */
  gint64  heavier_first_recheck;  /* 6 h, or the history estimate */
  gint64  backoff_cap;            /* 4 h */
  gint64  reminder_interval;      /* 6 h */
  gint64  maintenance_interval;   /* 5 min */
  double  jitter;                 /* ± fraction of an interval, default 0.1 */
  guint32 seed;                   /* 0: random */
} BwMonitorConfig;

void bw_monitor_config_init  (BwMonitorConfig *config);
void bw_monitor_config_scale (BwMonitorConfig *config,
                              double           factor);
void bw_monitor_config_load  (BwMonitorConfig *config,
                              GSettings       *settings);
GSettings *bw_settings_new_if_installed (void);

typedef enum {
  BW_WEB_NOT_CHECKED,
  BW_WEB_ANSWERED,
  BW_WEB_SILENT,
} BwWebCheck;

BwSiteState bw_monitor_classify (BwObservation observation,
                                 BwWebCheck    web);

typedef enum {
  BW_MONITOR_EVENT_TRANSITION,
  BW_MONITOR_EVENT_REMINDER,
} BwMonitorEventKind;

/**
 * BwMonitorEvent:
 *
 * A site changed state (or is still banned, for a reminder). @notify says whether a
 * desktop notification is due: only for entering a ban stage or a host-key alarm, and for
 * recovery, and never while muted, acknowledged or for a state that merely repeats the
 * one known before start-up.
 */
typedef struct {
  BwMonitorEventKind  kind;
  BwSite             *site;
  BwSiteState         from;
  BwSiteState         to;
  gint64              since;
  const char         *reason;
  const char         *via;        /* the site whose probe decided, when not @site itself */
  gboolean            notify;
  gboolean            critical;   /* heavier ban, silent block, host-key alarm */
  gboolean            maintenance;
  gboolean            recovery;
} BwMonitorEvent;

typedef struct {
  BwSiteState    state;
  gint64         since;          /* 0: never known */
  gint64         last_check;     /* when the state was last established */
  gint64         last_verified;  /* the site's own last probe */
  gint64         next_check;     /* 0: not scheduled */
  const char    *verified_via;   /* name of the representative, or NULL */
  const char    *message;
  const char    *destination;    /* "address:port" */
  gboolean       probed;         /* the last state came from this site's own probe */
  gboolean       acknowledged;
  gboolean       web_answered;   /* the last web cross-check reached port 443 or 80 */
  BwProbeResult *last_result;    /* (nullable) this site's own last probe */
} BwSiteStatus;

typedef struct {
  double  min_hours;
  double  max_hours;
  double  median_hours;
  gint64  expected_at;   /* 0 when not banned */
  const char *source;    /* "history", "provider" or "unknown" */
} BwEstimate;

typedef enum {
  BW_CHECK_STARTED,
  BW_CHECK_DEFERRED,     /* over budget: *next_possible says when */
  BW_CHECK_BANNED,       /* in backoff: retrying can extend the ban; needs force */
  BW_CHECK_BUSY,         /* a probe of that server is running; it will answer */
  BW_CHECK_UNUSABLE,     /* the site fails its local checks (key, passphrase): no probe */
} BwCheckVerdict;

#define BW_TYPE_MONITOR (bw_monitor_get_type ())

G_DECLARE_FINAL_TYPE (BwMonitor, bw_monitor, BW, MONITOR, GObject)

BwMonitor      *bw_monitor_new            (BwProber              *prober,
                                           BwClock               *clock,
                                           BwHistory             *history,
                                           const BwMonitorConfig *config);
void            bw_monitor_set_config     (BwMonitor             *self,
                                           const BwMonitorConfig *config);
void            bw_monitor_set_sites      (BwMonitor             *self,
                                           GPtrArray             *sites);
void            bw_monitor_start          (BwMonitor             *self,
                                           gboolean               periodic);
void            bw_monitor_stop           (BwMonitor             *self);
BwCheckVerdict  bw_monitor_check_now      (BwMonitor             *self,
                                           BwSite                *site,
                                           gboolean               force,
                                           gint64                *out_next_possible);
BwCheckVerdict  bw_monitor_peek_verdict   (BwMonitor             *self,
                                           BwSite                *site,
                                           gint64                *out_next_possible);
BwCheckVerdict  bw_monitor_check_all      (BwMonitor             *self,
                                           gboolean               force,
                                           guint                 *out_started,
                                           guint                 *out_deferred,
                                           gint64                *out_next_possible);
gboolean        bw_monitor_is_idle        (BwMonitor             *self);
gboolean        bw_monitor_get_status     (BwMonitor             *self,
                                           BwSite                *site,
                                           BwSiteStatus          *out_status);
gboolean        bw_monitor_get_estimate   (BwMonitor             *self,
                                           BwSite                *site,
                                           BwEstimate            *out_estimate);
char           *bw_monitor_format_estimate (const BwEstimate     *estimate);
void            bw_monitor_mute           (BwMonitor             *self,
                                           gint64                 until);
gint64          bw_monitor_get_muted_until (BwMonitor            *self);
void            bw_monitor_acknowledge    (BwMonitor             *self,
                                           BwSite                *site);
void            bw_monitor_set_maintenance (BwMonitor            *self,
                                           const char * const    *site_ids,
                                           gint64                 until);
guint           bw_monitor_get_connections (BwMonitor            *self);
const char     *bw_monitor_reserve_connection (BwMonitor         *self,
                                              BwSite            *site);

G_END_DECLS
