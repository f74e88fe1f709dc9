// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-monitor"

#include "config.h"

#include <fcntl.h>
#include <math.h>
#include <sys/file.h>
#include <unistd.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bw-monitor.h"
#include "bw-provider.h"

/**
 * BwMonitor:
 *
 * Turns single probes into site states without ever causing or prolonging a ban:
 *
 * - sites that resolve to the same address and port share a server ("destination");
 *   a server gets one connection at a time and a budget of new connections;
 * - a round probes one representative per server, the site verified least recently;
 *   the server's verdict applies to all its sites;
 * - a ban stage stops scheduled probes until the expected lift time, then backs off;
 * - transitions become events, with notification decisions (mute, acknowledge,
 *   maintenance, start-up grace, reminders) made here, in one place.
 *
 * Time comes from a #BwClock and probes from a #BwProber, so all of it runs under a
 * fake clock in tests.
 */

#define MINUTE (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR (60 * MINUTE)
#define LOCAL_CHECK_INTERVAL (60 * G_USEC_PER_SEC)

typedef struct _Destination Destination;

typedef struct {
  BwSite        *site;
  Destination   *destination;   /* borrowed */
  BwSiteState    state;
  gint64         since;
  gint64         last_check;
  gint64         last_verified;
  gint64         last_notified;
  char          *via;
  char          *message;
  gboolean       probed;
  gboolean       acknowledged;
  char          *local_problem; /* why the site cannot be probed, from the local checks */
  gint64         local_checked; /* monotonic time of the last local check; 0 forces one */
  gboolean       web_answered;
  gboolean       grace;         /* the first verdict after start-up may repeat the last known one silently */
  BwSiteState    grace_state;
  BwProbeResult *last_result;
} SiteEntry;

struct _Destination {
  char        *key;             /* "address:port", or "host:port" when unresolved */
  char        *address;
  guint16      port;
  GPtrArray   *sites;           /* SiteEntry*, borrowed */
  GArray      *connections;     /* gint64 start times inside the long budget window */
  gboolean     busy;
  BwSiteState  server_state;
  gboolean     tcp_failed;
  gint64       last_probe;
  gint64       next_round;
  gint64       backoff_until;
  gint64       backoff_interval;
  guint        rechecks;
  gint64       banned_since;
  gint64       episode_id;
  gboolean     round_requested;
  gboolean     force;
  SiteEntry   *requested;       /* a site asked for by name */
};

struct _BwMonitor
{
  GObject          parent_instance;

  /* owned */
  BwProber        *prober;
  BwClock         *clock;
  BwHistory       *history;
  BwMonitorConfig  config;
  GRand           *rand;
  GCancellable    *cancellable;
  GHashTable      *entries;       /* site id → SiteEntry */
  GHashTable      *destinations;  /* key → Destination */
  GHashTable      *maintenance;   /* site id set */

  gint64           maintenance_until;
  gint64           muted_until;
  guint            wake_id;
  gint64           wake_at;
  guint            running;
  guint            resolving;
  guint            connections;   /* made by this monitor, for reports */
  gboolean         started;
  gboolean         periodic;
};

G_DEFINE_FINAL_TYPE (BwMonitor, bw_monitor, G_TYPE_OBJECT)

enum {
  SIGNAL_EVENT,
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void   schedule_wake  (BwMonitor   *self);
static gint64 round_interval (BwMonitor   *self,
                              Destination *d,
                              gint64       t);

/**
 * bw_monitor_config_init:
 *
 * Fills @config with the defaults of DESIGN.md §4.
 */
void
bw_monitor_config_init (BwMonitorConfig *config)
{
  *config = (BwMonitorConfig) {
    .interval = 30 * MINUTE,
    .verify_interval = 6 * HOUR,
    .max_parallel = 4,
    .budget_short_count = 3,
    .budget_short_window = MINUTE,
    .budget_long_count = 10,
    .budget_long_window = 10 * MINUTE,
    .lighter_first_recheck = 30 * MINUTE,
    .heavier_first_recheck = 6 * HOUR,
    .backoff_cap = 4 * HOUR,
    .reminder_interval = 6 * HOUR,
    .maintenance_interval = 5 * MINUTE,
    .jitter = 0.1,
    .seed = 0,
  };
}

/**
 * bw_monitor_config_scale:
 *
 * Multiplies every interval by @factor (counts stay), to compress time in tests.
 */
void
bw_monitor_config_scale (BwMonitorConfig *config,
                         double           factor)
{
  gint64 *fields[] = {
    &config->interval, &config->verify_interval, &config->budget_short_window,
    &config->budget_long_window, &config->lighter_first_recheck, &config->heavier_first_recheck,
    &config->backoff_cap, &config->reminder_interval, &config->maintenance_interval,
  };

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    *fields[i] = (gint64) llround ((double) *fields[i] * factor);
}

/**
 * bw_monitor_classify:
 * @web: what the one TCP connect to port 443, then 80, of the same address said
 *
 * The pure mapping from one observation to a site state. A failure at the TCP level is
 * a ban only if the web ports answer ("server up, SSH blocked for you"); otherwise the
 * server or the path is suspect.
 */
BwSiteState
bw_monitor_classify (BwObservation observation,
                     BwWebCheck    web)
{
  switch (observation)
    {
    case BW_OBSERVATION_REFUSED:
      return web == BW_WEB_SILENT ? BW_SITE_STATE_SERVER_DOWN : BW_SITE_STATE_HEAVIER_BAN;
    case BW_OBSERVATION_TIMEOUT:
      return web == BW_WEB_ANSWERED ? BW_SITE_STATE_SILENT_BLOCK : BW_SITE_STATE_SERVER_DOWN;
    default:
      return bw_site_state_from_observation (observation);
    }
}

static gboolean
is_tcp_failure (BwObservation observation)
{
  return observation == BW_OBSERVATION_REFUSED || observation == BW_OBSERVATION_TIMEOUT;
}

static gboolean
needs_web_check (BwObservation observation)
{
  return is_tcp_failure (observation) ||
         observation == BW_OBSERVATION_CLOSED_BEFORE_BANNER ||
         observation == BW_OBSERVATION_BANNER_TIMEOUT;
}

/* States that describe the server, and so hold for every site on it. A changed host key
 * is the server's too: no site on it should be logged in to until it is explained. */
static gboolean
is_server_state (BwSiteState state)
{
  return bw_site_state_is_ban (state) ||
         state == BW_SITE_STATE_SERVER_DOWN ||
         state == BW_SITE_STATE_LOCAL_NETWORK ||
         state == BW_SITE_STATE_HOSTKEY_ALARM;
}

static gboolean
is_alarm (BwSiteState state)
{
  return bw_site_state_is_ban (state) || state == BW_SITE_STATE_HOSTKEY_ALARM;
}

static gboolean
can_probe (SiteEntry *entry)
{
  return entry->local_problem == NULL;
}

/* The local checks (key file, stored passphrase) need no connection, so a site that
 * fails them is a configuration error at once, and is never "healthy via" another. */
static void
refresh_local_check (BwMonitor *self,
                     SiteEntry *entry)
{
  g_autoptr(GError) error = NULL;
  gint64 t = g_get_monotonic_time ();

  /* A key file is read at most once a minute per site, not on every tick. */
  if (entry->local_checked != 0 && t - entry->local_checked < LOCAL_CHECK_INTERVAL)
    return;
  entry->local_checked = t;

  g_clear_pointer (&entry->local_problem, g_free);
  if (!bw_prober_check_site (self->prober, entry->site, &error))
    entry->local_problem = g_strdup (error->message);
}

static void
site_entry_free (SiteEntry *entry)
{
  g_clear_object (&entry->site);
  g_clear_pointer (&entry->via, g_free);
  g_clear_pointer (&entry->message, g_free);
  g_clear_pointer (&entry->local_problem, g_free);
  g_clear_pointer (&entry->last_result, bw_probe_result_unref);
  g_free (entry);
}

static void
destination_free (Destination *destination)
{
  g_clear_pointer (&destination->key, g_free);
  g_clear_pointer (&destination->address, g_free);
  g_clear_pointer (&destination->sites, g_ptr_array_unref);
  g_clear_pointer (&destination->connections, g_array_unref);
  g_free (destination);
}

static void
bw_monitor_dispose (GObject *object)
{
  BwMonitor *self = (BwMonitor *) object;

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->wake_id != 0 && self->clock != NULL)
    bw_clock_unschedule (self->clock, self->wake_id);
  self->wake_id = 0;

  G_OBJECT_CLASS (bw_monitor_parent_class)->dispose (object);
}

static void
bw_monitor_finalize (GObject *object)
{
  BwMonitor *self = (BwMonitor *) object;

  g_clear_object (&self->prober);
  g_clear_object (&self->clock);
  g_clear_object (&self->history);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->destinations, g_hash_table_unref);
  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->maintenance, g_hash_table_unref);

  G_OBJECT_CLASS (bw_monitor_parent_class)->finalize (object);
}

static void
bw_monitor_class_init (BwMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bw_monitor_dispose;
  object_class->finalize = bw_monitor_finalize;

  /**
   * BwMonitor::event:
   * @event: (type gpointer): a #BwMonitorEvent, valid during the emission
   */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  /**
   * BwMonitor::status-changed:
   * @site: the site whose #BwSiteStatus changed
   */
  signals[SIGNAL_STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, BW_TYPE_SITE);
}

static void
bw_monitor_init (BwMonitor *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) site_entry_free);
  self->destinations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) destination_free);
  self->maintenance = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
}

/**
 * bw_monitor_new:
 * @history: (nullable): where states, episodes and the connection log persist
 *
 * Returns: (transfer full): a stopped monitor with no sites
 */
BwMonitor *
bw_monitor_new (BwProber              *prober,
                BwClock               *clock,
                BwHistory             *history,
                const BwMonitorConfig *config)
{
  BwMonitor *self = g_object_new (BW_TYPE_MONITOR, NULL);

  self->prober = g_object_ref (prober);
  self->clock = g_object_ref (clock);
  self->history = history != NULL ? g_object_ref (history) : NULL;
  if (config != NULL)
    self->config = *config;
  else
    bw_monitor_config_init (&self->config);
  self->rand = self->config.seed != 0 ? g_rand_new_with_seed (self->config.seed) : g_rand_new ();
  return self;
}

static gint64
now (BwMonitor *self)
{
  return bw_clock_now (self->clock);
}

static gint64
jittered (BwMonitor *self,
          gint64     interval)
{
  double spread = self->config.jitter * (double) interval;

  if (spread <= 0)
    return interval;
  return interval + (gint64) g_rand_double_range (self->rand, -spread, spread);
}

/* ------------------------------------------------------------------------------ */
/* Persistence                                                                     */
/* ------------------------------------------------------------------------------ */

static void
save_entry (BwMonitor *self,
            SiteEntry *entry)
{
  BwSiteRecord record = {
    .site_id = (char *) bw_site_get_id (entry->site),
    .state = entry->state,
    .since = entry->since,
    .last_check = entry->last_check,
    .verified_via = entry->via,
    .acknowledged = entry->acknowledged,
    .last_notified = entry->last_notified,
  };
  g_autoptr(GError) error = NULL;

  if (self->history != NULL && !bw_history_save_site (self->history, &record, &error))
    g_warning ("Could not save the state of “%s”: %s", bw_site_get_name (entry->site), error->message);
}

static void
save_destination (BwMonitor   *self,
                  Destination *d)
{
  BwDestinationRecord record = {
    .key = d->key,
    .state = d->server_state,
    .banned_since = d->banned_since,
    .backoff_until = d->backoff_until,
    .backoff_interval = d->backoff_interval,
    .rechecks = d->rechecks,
  };
  g_autoptr(GError) error = NULL;

  if (self->history != NULL && !bw_history_save_destination (self->history, &record, &error))
    g_warning ("Could not save the state of %s: %s", d->key, error->message);
}

/* ------------------------------------------------------------------------------ */
/* Events                                                                          */
/* ------------------------------------------------------------------------------ */

static gboolean
is_muted (BwMonitor *self,
          gint64     t)
{
  return self->muted_until > t;
}

static gboolean
in_maintenance (BwMonitor *self,
                SiteEntry *entry,
                gint64     t)
{
  return self->maintenance_until > t &&
         g_hash_table_contains (self->maintenance, bw_site_get_id (entry->site));
}

static void
emit_event (BwMonitor          *self,
            SiteEntry          *entry,
            BwMonitorEventKind  kind,
            BwSiteState         from,
            gint64              t)
{
  gboolean recovery = entry->state == BW_SITE_STATE_HEALTHY &&
                      (is_alarm (from) || from == BW_SITE_STATE_SERVER_DOWN);
  BwMonitorEvent event = {
    .kind = kind,
    .site = entry->site,
    .from = from,
    .to = entry->state,
    .since = entry->since,
    .reason = entry->message,
    .via = entry->via,
    .critical = entry->state == BW_SITE_STATE_HEAVIER_BAN ||
                entry->state == BW_SITE_STATE_SILENT_BLOCK ||
                entry->state == BW_SITE_STATE_HOSTKEY_ALARM,
    .maintenance = in_maintenance (self, entry, t),
    .recovery = kind == BW_MONITOR_EVENT_TRANSITION && recovery,
  };

  event.notify = !is_muted (self, t) &&
                 (kind == BW_MONITOR_EVENT_REMINDER ? !entry->acknowledged
                                                    : (is_alarm (entry->state) || event.recovery));
  if (event.notify)
    entry->last_notified = t;

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, &event);
}

/* The single place where a site's state changes. */
static void
set_state (BwMonitor   *self,
           SiteEntry   *entry,
           BwSiteState  state,
           const char  *via,
           const char  *message,
           gboolean     probed,
           gint64       t)
{
  BwSiteState from = entry->state;
  gboolean silent_repeat = entry->grace && state == entry->grace_state;

  /* Copies first: @via or @message may be the entry's own strings. */
  g_autofree char *new_via = g_strdup (via);
  g_autofree char *new_message = g_strdup (message);

  entry->grace = FALSE;
  entry->last_check = t;
  entry->probed = probed;
  g_free (entry->via);
  entry->via = g_steal_pointer (&new_via);
  g_free (entry->message);
  entry->message = g_steal_pointer (&new_message);

  if (state != from)
    {
      entry->state = state;
      entry->acknowledged = FALSE;
      if (!silent_repeat)
        {
          entry->since = t;
          emit_event (self, entry, BW_MONITOR_EVENT_TRANSITION, from, t);
        }
    }

  save_entry (self, entry);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0, entry->site);
}

/* ------------------------------------------------------------------------------ */
/* Sites and destinations                                                          */
/* ------------------------------------------------------------------------------ */

static char *
destination_key (const char *address,
                 guint16     port)
{
  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address, port);
  return g_strdup_printf ("%s:%u", address, port);
}

static Destination *
get_destination (BwMonitor  *self,
                 const char *address,
                 guint16     port,
                 gboolean    resolved)
{
  g_autofree char *key = destination_key (address, port);
  Destination *d = g_hash_table_lookup (self->destinations, key);
  g_autoptr(BwDestinationRecord) record = NULL;
  g_autoptr(GArray) recent = NULL;
  g_autoptr(BwEpisode) episode = NULL;
  gint64 t = now (self);

  if (d != NULL)
    return d;

  d = g_new0 (Destination, 1);
  d->key = g_steal_pointer (&key);
  d->address = resolved ? g_strdup (address) : NULL;
  d->port = port;
  d->sites = g_ptr_array_new ();
  d->connections = g_array_new (FALSE, FALSE, sizeof (gint64));
  d->server_state = BW_SITE_STATE_UNKNOWN;
  d->next_round = t;

  if (self->history != NULL)
    {
      /* A restart must neither forget a ban nor reset the budget. */
      record = bw_history_load_destination (self->history, d->key);
      if (record != NULL)
        {
          d->server_state = record->state;
          d->banned_since = record->banned_since;
          d->backoff_until = record->backoff_until;
          d->backoff_interval = record->backoff_interval;
          d->rechecks = record->rechecks;
          if (d->backoff_until > t)
            d->next_round = d->backoff_until;
        }

      recent = bw_history_connections_since (self->history, d->key, t - self->config.budget_long_window);
      g_array_append_vals (d->connections, recent->data, recent->len);

      episode = bw_history_open_episode (self->history, d->key);
      if (episode != NULL)
        d->episode_id = episode->id;
    }

  g_hash_table_insert (self->destinations, d->key, d);
  return d;
}

static void
attach (BwMonitor  *self,
        SiteEntry  *entry,
        const char *address,
        gboolean    resolved)
{
  Destination *d = get_destination (self, address, (guint16) bw_site_get_port (entry->site), resolved);

  entry->destination = d;
  g_ptr_array_add (d->sites, entry);
  schedule_wake (self);
}

typedef struct {
  BwMonitor *monitor;
  char      *site_id;
} ResolveData;

static void
on_resolved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  ResolveData *data = user_data;
  g_autoptr(BwMonitor) self = data->monitor;
  g_autofree char *site_id = data->site_id;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = bw_prober_resolve_finish (BW_PROBER (source), result, &error);
  SiteEntry *entry;

  g_free (data);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->resolving--;
  entry = g_hash_table_lookup (self->entries, site_id);
  if (entry == NULL || entry->destination != NULL)
    return;

  /* An unresolvable name still gets its probe, which reports dns-failed without ever
   * connecting anywhere. */
  if (address != NULL)
    attach (self, entry, address, TRUE);
  else
    attach (self, entry, bw_site_get_host (entry->site), FALSE);
}

static void
start_resolve (BwMonitor *self,
               SiteEntry *entry)
{
  ResolveData *data = g_new0 (ResolveData, 1);

  data->monitor = g_object_ref (self);
  data->site_id = g_strdup (bw_site_get_id (entry->site));
  self->resolving++;
  bw_prober_resolve_async (self->prober, bw_site_get_host (entry->site), self->cancellable,
                           on_resolved_cb, data);
}

static void
detach (SiteEntry *entry)
{
  if (entry->destination != NULL)
    g_ptr_array_remove (entry->destination->sites, entry);
  entry->destination = NULL;
}

/* When the site last had its own probe, from any process: representatives rotate across
 * separate `check --all` runs too. */
static gint64
last_own_probe (BwMonitor  *self,
                const char *site_id)
{
  g_autoptr(GPtrArray) probes = NULL;

  if (self->history == NULL)
    return 0;
  probes = bw_history_list_probes (self->history, site_id, 1);
  return probes->len > 0 ? ((BwProbeRecord *) g_ptr_array_index (probes, 0))->time : 0;
}

/**
 * bw_monitor_set_sites:
 * @sites: (element-type BwSite): the sites to watch; copied
 *
 * Replaces the watched sites. Known sites keep their state; a site whose host or port
 * changed is placed anew.
 */
void
bw_monitor_set_sites (BwMonitor *self,
                      GPtrArray *sites)
{
  g_autoptr(GHashTable) keep = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  SiteEntry *entry;

  for (guint i = 0; i < sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (sites, i);
      const char *id = bw_site_get_id (site);
      g_autoptr(BwSiteRecord) record = NULL;

      g_hash_table_add (keep, (gpointer) id);
      entry = g_hash_table_lookup (self->entries, id);

      if (entry != NULL)
        {
          gboolean moved = g_strcmp0 (bw_site_get_host (entry->site), bw_site_get_host (site)) != 0 ||
                           bw_site_get_port (entry->site) != bw_site_get_port (site);

          g_clear_object (&entry->site);
          entry->site = bw_site_copy (site);
          entry->local_checked = 0;
          if (!moved)
            continue;
          detach (entry);
        }
      else
        {
          entry = g_new0 (SiteEntry, 1);
          entry->site = bw_site_copy (site);
          entry->state = BW_SITE_STATE_UNKNOWN;
          if (self->history != NULL && (record = bw_history_load_site (self->history, id)) != NULL)
            {
              entry->state = record->state;
              entry->since = record->since;
              entry->last_check = record->last_check;
              entry->acknowledged = record->acknowledged;
              entry->last_notified = record->last_notified;
              entry->via = g_strdup (record->verified_via);
            }
          entry->grace = TRUE;
          entry->grace_state = entry->state;
          entry->last_verified = last_own_probe (self, id);
          g_hash_table_insert (self->entries, g_strdup (id), entry);
        }

      start_resolve (self, entry);
    }

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (!g_hash_table_contains (keep, bw_site_get_id (entry->site)))
      {
        detach (entry);
        g_hash_table_iter_remove (&iter);
      }
}

/* ------------------------------------------------------------------------------ */
/* Budget and backoff                                                              */
/* ------------------------------------------------------------------------------ */

static void
prune_connections (BwMonitor   *self,
                   Destination *d,
                   gint64       t)
{
  guint drop = 0;

  while (drop < d->connections->len &&
         g_array_index (d->connections, gint64, drop) <= t - self->config.budget_long_window)
    drop++;
  if (drop > 0)
    g_array_remove_range (d->connections, 0, drop);
}

static guint
count_since (Destination *d,
             gint64       since)
{
  guint n = 0;

  for (guint i = 0; i < d->connections->len; i++)
    if (g_array_index (d->connections, gint64, i) > since)
      n++;
  return n;
}

/* Returns TRUE when one more connection fits both windows; otherwise sets when it will. */
/* Other processes (a `check` beside a running `watch`, the app) connect too: the history's
 * connection log and backoff are the truth, re-read before every decision. */
static void
sync_with_history (BwMonitor   *self,
                   Destination *d,
                   gint64       t)
{
  g_autoptr(GArray) recent = NULL;
  g_autoptr(BwDestinationRecord) record = NULL;

  if (self->history == NULL)
    return;

  recent = bw_history_connections_since (self->history, d->key, t - self->config.budget_long_window);
  if (recent->len >= d->connections->len)
    {
      g_array_set_size (d->connections, 0);
      g_array_append_vals (d->connections, recent->data, recent->len);
    }

  record = bw_history_load_destination (self->history, d->key);
  if (record != NULL && record->backoff_until > d->backoff_until && record->backoff_until > t)
    {
      d->server_state = record->state;
      d->banned_since = record->banned_since;
      d->backoff_until = record->backoff_until;
      d->backoff_interval = record->backoff_interval;
      d->rechecks = record->rechecks;
      d->next_round = MAX (d->next_round, d->backoff_until);
    }
}

static gboolean
budget_allows (BwMonitor   *self,
               Destination *d,
               gint64       t,
               gint64      *out_next_possible)
{
  const BwMonitorConfig *c = &self->config;
  guint len;
  gint64 next = t;

  sync_with_history (self, d, t);
  prune_connections (self, d, t);
  len = d->connections->len;

  if (count_since (d, t - c->budget_short_window) >= c->budget_short_count && len >= c->budget_short_count)
    next = MAX (next, g_array_index (d->connections, gint64, len - c->budget_short_count) +
                      c->budget_short_window + 1);
  if (len >= c->budget_long_count)
    next = MAX (next, g_array_index (d->connections, gint64, len - c->budget_long_count) +
                      c->budget_long_window + 1);

  if (out_next_possible != NULL)
    *out_next_possible = next;
  return next <= t;
}

static gboolean
in_backoff (Destination *d,
            gint64       t)
{
  return d->backoff_until > t;
}

static gint64
first_recheck (BwMonitor   *self,
               Destination *d,
               BwSiteState  state)
{
  BwEstimate estimate;

  if (state == BW_SITE_STATE_LIGHTER_BAN)
    return self->config.lighter_first_recheck;

  /* The heavier stages wait 6 h, or as long as this server's bans have usually lasted. */
  if (d->sites->len > 0 &&
      bw_monitor_get_estimate (self, ((SiteEntry *) g_ptr_array_index (d->sites, 0))->site, &estimate) &&
      g_str_equal (estimate.source, "history"))
    return MAX (self->config.lighter_first_recheck, (gint64) (estimate.min_hours * HOUR));

  return self->config.heavier_first_recheck;
}

static void
update_episode (BwMonitor   *self,
                Destination *d,
                BwSiteState  previous,
                BwSiteState  state,
                gint64       t)
{
  g_autoptr(GError) error = NULL;

  if (self->history == NULL)
    return;

  if (bw_site_state_is_ban (state) && d->episode_id == 0)
    d->episode_id = bw_history_episode_begin (self->history, d->key, state, t, &error);
  else if (bw_site_state_is_ban (state) && state != previous)
    bw_history_episode_extend (self->history, d->episode_id, state, &error);
  else if (!bw_site_state_is_ban (state) && d->episode_id != 0)
    {
      bw_history_episode_end (self->history, d->episode_id, t, &error);
      d->episode_id = 0;
    }

  if (error != NULL)
    g_warning ("Could not record the ban episode of %s: %s", d->key, error->message);
}

static void
update_backoff (BwMonitor   *self,
                Destination *d,
                BwSiteState  previous,
                BwSiteState  state,
                gint64       t)
{
  if (bw_site_state_is_ban (state))
    {
      if (!bw_site_state_is_ban (previous))
        {
          d->banned_since = t;
          d->backoff_interval = first_recheck (self, d, state);
          d->rechecks = 0;
        }
      else
        {
          /* Still banned at a recheck: wait twice as long, up to the cap. */
          d->backoff_interval = MIN (self->config.backoff_cap, d->backoff_interval * 2);
          d->rechecks++;
        }
      d->backoff_until = t + d->backoff_interval;
      d->next_round = d->backoff_until;
    }
  else
    {
      d->banned_since = 0;
      d->backoff_until = 0;
      d->backoff_interval = 0;
      d->rechecks = 0;
    }
}

/* ------------------------------------------------------------------------------ */
/* Probing                                                                         */
/* ------------------------------------------------------------------------------ */

typedef struct {
  BwMonitor     *monitor;
  Destination   *destination;
  SiteEntry     *entry;
  BwProbeResult *result;
  int            lock_fd;
} ProbeJob;

static void
probe_job_free (ProbeJob *job)
{
  if (job->lock_fd >= 0)
    close (job->lock_fd);
  g_clear_object (&job->monitor);
  g_clear_pointer (&job->result, bw_probe_result_unref);
  g_free (job);
}

static gboolean
other_servers_all_failed_at_tcp (BwMonitor   *self,
                                 Destination *d,
                                 gint64       t)
{
  GHashTableIter iter;
  Destination *other;
  guint n_others = 0;

  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    {
      if (other == d || other->sites->len == 0)
        continue;
      n_others++;
      if (!other->tcp_failed || t - other->last_probe > 2 * self->config.interval)
        return FALSE;
    }

  return n_others > 0;
}

static void
apply_verdict (BwMonitor  *self,
               ProbeJob   *job,
               BwWebCheck  web)
{
  Destination *d = job->destination;
  SiteEntry *probed = job->entry;
  BwProbeResult *result = job->result;
  BwSiteState previous = d->server_state;
  BwSiteState state = bw_monitor_classify (result->observation, web);
  gint64 t = now (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  d->tcp_failed = is_tcp_failure (result->observation) && web != BW_WEB_ANSWERED;
  d->last_probe = t;

  /* Every server failing at the TCP level, with no web port answering anywhere, is
   * this computer's network, not a ban. */
  if (result->observation == BW_OBSERVATION_NETWORK_UNREACHABLE ||
      (d->tcp_failed && other_servers_all_failed_at_tcp (self, d, t)))
    {
      GHashTableIter iter;
      Destination *other;

      state = BW_SITE_STATE_LOCAL_NETWORK;
      g_hash_table_iter_init (&iter, self->destinations);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
        {
          if (other == d || !other->tcp_failed)
            continue;
          update_episode (self, other, other->server_state, BW_SITE_STATE_LOCAL_NETWORK, t);
          update_backoff (self, other, other->server_state, BW_SITE_STATE_LOCAL_NETWORK, t);
          other->server_state = BW_SITE_STATE_LOCAL_NETWORK;
          save_destination (self, other);
          for (guint i = 0; i < other->sites->len; i++)
            {
              SiteEntry *e = g_ptr_array_index (other->sites, i);

              /* The verdict changes; who was probed, and through whom, does not. */
              set_state (self, e, BW_SITE_STATE_LOCAL_NETWORK, e->via,
                         _("Every server fails at the TCP level: this computer's network is down"),
                         e->probed, t);
            }
        }
    }

  if (web == BW_WEB_ANSWERED && is_server_state (state))
    message = g_strdup_printf (_("%s. The server's web port answers, so the server is up and SSH "
                                 "is blocked for this address."), result->message);
  else if (web == BW_WEB_SILENT && is_server_state (state))
    message = g_strdup_printf (_("%s. The server's web ports do not answer either: the server or "
                                 "the path is suspect."), result->message);
  else
    message = g_strdup (result->message);

  g_clear_pointer (&probed->last_result, bw_probe_result_unref);
  probed->last_result = bw_probe_result_ref (result);
  probed->last_verified = t;

  if (self->history != NULL &&
      !bw_history_record_probe (self->history, bw_site_get_id (probed->site), bw_site_get_name (probed->site),
                                d->key, result, state, &error))
    g_warning ("Could not record a probe of “%s”: %s", bw_site_get_name (probed->site), error->message);

  for (guint i = 0; i < d->sites->len; i++)
    ((SiteEntry *) g_ptr_array_index (d->sites, i))->web_answered = web == BW_WEB_ANSWERED;

  set_state (self, probed, state, NULL, message, TRUE, t);

  if (is_server_state (state))
    {
      /* The server's verdict holds for all its sites, without probing them. */
      for (guint i = 0; i < d->sites->len; i++)
        {
          SiteEntry *entry = g_ptr_array_index (d->sites, i);

          if (entry != probed && can_probe (entry))
            set_state (self, entry, state, bw_site_get_name (probed->site), message, FALSE, t);
        }
      d->server_state = state;
    }
  else
    {
      /* The server let us in as far as authentication: it is up and not banning us. Its
       * other sites are healthy "via" this one only when this one logged in; otherwise
       * whatever the server-level state was is over, and their own check is pending. */
      gboolean logged_in = state == BW_SITE_STATE_HEALTHY;

      for (guint i = 0; i < d->sites->len; i++)
        {
          SiteEntry *entry = g_ptr_array_index (d->sites, i);

          if (entry == probed || !can_probe (entry))
            continue;
          if (logged_in && (is_server_state (entry->state) || entry->state == BW_SITE_STATE_UNKNOWN ||
                            (entry->state == BW_SITE_STATE_HEALTHY && !entry->probed)))
            set_state (self, entry, BW_SITE_STATE_HEALTHY, bw_site_get_name (probed->site),
                       _("The server is reachable"), FALSE, t);
          else if (!logged_in && is_server_state (entry->state))
            set_state (self, entry, BW_SITE_STATE_UNKNOWN, bw_site_get_name (probed->site),
                       _("The server is reachable again; this site's own check is pending"), FALSE, t);
        }
      d->server_state = BW_SITE_STATE_HEALTHY;
    }

  update_episode (self, d, previous, d->server_state, t);
  update_backoff (self, d, previous, d->server_state, t);
  if (!bw_site_state_is_ban (d->server_state))
    d->next_round = t + jittered (self, round_interval (self, d, t));
  save_destination (self, d);
}

static void
finish_job (BwMonitor *self,
            ProbeJob  *job)
{
  job->destination->busy = FALSE;
  self->running--;
  probe_job_free (job);
  schedule_wake (self);
}

static void
on_web_check_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ProbeJob *job = user_data;
  g_autoptr(GError) error = NULL;
  gboolean answered = bw_prober_web_check_finish (BW_PROBER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      probe_job_free (job);
      return;
    }

  apply_verdict (job->monitor, job, answered ? BW_WEB_ANSWERED : BW_WEB_SILENT);
  finish_job (job->monitor, job);
}

static void
on_probe_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ProbeJob *job = user_data;
  BwMonitor *self = job->monitor;
  g_autoptr(GError) error = NULL;

  job->result = bw_prober_probe_finish (BW_PROBER (source), result, &error);
  if (job->result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          probe_job_free (job);
          return;
        }
      set_state (self, job->entry, BW_SITE_STATE_CONFIG_ERROR, NULL, error->message, FALSE, now (self));
      finish_job (self, job);
      return;
    }

  /* Only after an SSH failure at the TCP or banner level, and never to the SSH port. */
  if (needs_web_check (job->result->observation) && job->destination->address != NULL)
    {
      bw_prober_web_check_async (self->prober, job->destination->address, self->cancellable,
                                 on_web_check_cb, job);
      return;
    }

  apply_verdict (self, job, BW_WEB_NOT_CHECKED);
  finish_job (self, job);
}

/* One connection at a time to a server across every Banwatch process: a lock file per
 * destination, held for the probe. Returns -1 when another process holds it. */
static int
lock_destination (Destination *d)
{
  g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "banwatch", "destinations", NULL);
  g_autofree char *name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, d->key, -1);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd;

  g_mkdir_with_parents (dir, 0700);
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return -2;  /* no lock possible: go on rather than never probe */
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static void
start_probe (BwMonitor   *self,
             Destination *d,
             SiteEntry   *entry,
             gint64       t,
             int          lock)
{
  ProbeJob *job = g_new0 (ProbeJob, 1);
  g_autoptr(GError) error = NULL;

  job->monitor = g_object_ref (self);
  job->destination = d;
  job->entry = entry;
  job->lock_fd = lock >= 0 ? lock : -1;

  d->busy = TRUE;
  d->round_requested = FALSE;
  d->force = FALSE;
  d->requested = NULL;
  self->running++;
  self->connections++;

  g_array_append_val (d->connections, t);
  if (self->history != NULL && !bw_history_record_connection (self->history, d->key, t, &error))
    g_warning ("Could not log a connection to %s: %s", d->key, error->message);

  bw_prober_probe_async (self->prober, entry->site, d->address, self->cancellable, on_probe_cb, job);
}

/* ------------------------------------------------------------------------------ */
/* Scheduling                                                                      */
/* ------------------------------------------------------------------------------ */

static SiteEntry *
least_recently_verified (Destination *d)
{
  SiteEntry *best = NULL;

  for (guint i = 0; i < d->sites->len; i++)
    {
      SiteEntry *entry = g_ptr_array_index (d->sites, i);

      if (!can_probe (entry))
        continue;
      if (best == NULL || entry->last_verified < best->last_verified ||
          (entry->last_verified == best->last_verified &&
           bw_site_compare (entry->site, best->site) < 0))
        best = entry;
    }
  return best;
}

static gint64
round_interval (BwMonitor   *self,
                Destination *d,
                gint64       t)
{
  for (guint i = 0; i < d->sites->len; i++)
    if (in_maintenance (self, g_ptr_array_index (d->sites, i), t))
      return MIN (self->config.interval, self->config.maintenance_interval);
  return self->config.interval;
}

static gint64
next_verification (BwMonitor   *self,
                   Destination *d)
{
  return d->last_probe + self->config.verify_interval / MAX (d->sites->len, 1);
}

/* What this server should be probed for now, if anything. */
static SiteEntry *
pick_target (BwMonitor   *self,
             Destination *d,
             gint64       t)
{
  if (d->requested != NULL)
    return d->requested;

  if (d->round_requested)
    return least_recently_verified (d);

  if (!self->periodic || in_backoff (d, t))
    return NULL;

  if (t >= d->next_round)
    return least_recently_verified (d);

  /* Between rounds, a healthy server's other sites get their own credentials verified,
   * spread evenly over the verification interval. */
  if (d->server_state == BW_SITE_STATE_HEALTHY && t >= next_verification (self, d))
    for (guint i = 0; i < d->sites->len; i++)
      {
        SiteEntry *entry = g_ptr_array_index (d->sites, i);

        if (can_probe (entry) && t >= entry->last_verified + self->config.verify_interval)
          return entry;
      }

  return NULL;
}

static void
mark_unprobeable (BwMonitor   *self,
                  Destination *d,
                  gint64       t)
{
  for (guint i = 0; i < d->sites->len; i++)
    {
      SiteEntry *entry = g_ptr_array_index (d->sites, i);

      refresh_local_check (self, entry);
      if (!can_probe (entry) &&
          (entry->state != BW_SITE_STATE_CONFIG_ERROR || g_strcmp0 (entry->message, entry->local_problem) != 0))
        set_state (self, entry, BW_SITE_STATE_CONFIG_ERROR, NULL, entry->local_problem, FALSE, t);
    }
}

static void
send_reminders (BwMonitor *self,
                gint64     t)
{
  GHashTableIter iter;
  SiteEntry *entry;

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (is_alarm (entry->state) && !entry->acknowledged && entry->last_notified != 0 &&
        t - entry->last_notified >= self->config.reminder_interval && !is_muted (self, t))
      emit_event (self, entry, BW_MONITOR_EVENT_REMINDER, entry->state, t);
}

/* Starts whatever is due, and returns when something next becomes due. */
static gint64
tick (BwMonitor *self)
{
  gint64 t = now (self);
  gint64 wake = G_MAXINT64;
  GHashTableIter iter;
  Destination *d;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  if (!self->started)
    return wake;

  send_reminders (self, t);

  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    g_ptr_array_add (order, d);

  for (guint i = 0; i < order->len; i++)
    {
      SiteEntry *target;
      gint64 next_possible = t;
      int lock;

      d = g_ptr_array_index (order, i);
      mark_unprobeable (self, d, t);
      if (d->busy || d->sites->len == 0)
        continue;

      target = pick_target (self, d, t);
      if (target == NULL)
        {
          if (self->periodic)
            {
              gint64 due = in_backoff (d, t) ? d->backoff_until : d->next_round;

              if (d->server_state == BW_SITE_STATE_HEALTHY)
                for (guint j = 0; j < d->sites->len; j++)
                  {
                    SiteEntry *entry = g_ptr_array_index (d->sites, j);
                    if (can_probe (entry))
                      due = MIN (due, MAX (entry->last_verified + self->config.verify_interval,
                                           next_verification (self, d)));
                  }
              wake = MIN (wake, due);
            }
          continue;
        }

      if (!d->force && !budget_allows (self, d, t, &next_possible))
        {
          wake = MIN (wake, next_possible);
          continue;
        }

      if (self->running >= self->config.max_parallel)
        continue;

      lock = lock_destination (d);
      if (lock == -1)
        {
          /* Another Banwatch process is connected to this server right now. */
          wake = MIN (wake, t + G_USEC_PER_SEC);
          continue;
        }

      start_probe (self, d, target, t, lock);
      d->next_round = MAX (d->next_round, t + jittered (self, round_interval (self, d, t)));
    }

  if (self->muted_until > t)
    wake = MIN (wake, self->muted_until);
  if (self->maintenance_until > t)
    wake = MIN (wake, self->maintenance_until);

  g_hash_table_iter_init (&iter, self->entries);
  {
    SiteEntry *entry;
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
      if (is_alarm (entry->state) && !entry->acknowledged && entry->last_notified != 0)
        wake = MIN (wake, entry->last_notified + self->config.reminder_interval);
  }

  return wake;
}

static gboolean
on_wake_cb (gpointer user_data)
{
  BwMonitor *self = user_data;

  self->wake_id = 0;
  self->wake_at = 0;
  schedule_wake (self);
  return G_SOURCE_REMOVE;
}

/* One timer at a time, set to the next thing that is due: nothing wakes up between
 * scheduled events. */
static void
schedule_wake (BwMonitor *self)
{
  gint64 next = tick (self);

  if (self->wake_id != 0 && self->wake_at == next)
    return;

  if (self->wake_id != 0)
    bw_clock_unschedule (self->clock, self->wake_id);
  self->wake_id = 0;
  self->wake_at = 0;

  if (next == G_MAXINT64)
    return;

  self->wake_at = next;
  self->wake_id = bw_clock_schedule (self->clock, MAX (next, now (self)), on_wake_cb, self);
}

/* ------------------------------------------------------------------------------ */
/* Public API                                                                      */
/* ------------------------------------------------------------------------------ */

/**
 * bw_monitor_set_config:
 * @config: the new intervals, caps and budgets
 *
 * Applies changed preferences at once: the next wake-up is computed again from the new
 * intervals (a shorter check interval brings the next check closer, a longer one moves it
 * away). The random seed and the jitter stay as they were. Budgets and backoffs already
 * running keep their history: a budget counts the connections of its window either way.
 */
void
bw_monitor_set_config (BwMonitor             *self,
                       const BwMonitorConfig *config)
{
  guint32 seed = self->config.seed;
  double jitter = self->config.jitter;
  gint64 t = now (self);
  GHashTableIter iter;
  Destination *d;

  g_return_if_fail (BW_IS_MONITOR (self));
  g_return_if_fail (config != NULL);

  self->config = *config;
  self->config.seed = seed;
  self->config.jitter = jitter;

  /* A server's next regular round counts from its last probe with the new interval; a
   * ban keeps its backoff. */
  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    {
      gint64 before = d->next_round;

      if (d->last_probe <= 0 || bw_site_state_is_ban (d->server_state))
        continue;
      d->next_round = MAX (d->last_probe + jittered (self, round_interval (self, d, t)), d->backoff_until);
      /* The sites' next check changed: views showing it read the status again. */
      for (guint i = 0; d->next_round != before && i < d->sites->len; i++)
        g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0,
                       ((SiteEntry *) g_ptr_array_index (d->sites, i))->site);
    }

  if (self->started)
    schedule_wake (self);
}

/**
 * bw_monitor_start:
 * @periodic: keep checking on a schedule (the app, `watch`); %FALSE probes only what
 *   bw_monitor_check_now() and bw_monitor_check_all() ask for (`check`)
 *
 * Starts scheduling. The first verdict for each site is silent when it equals the state
 * known before start-up.
 */
void
bw_monitor_start (BwMonitor *self,
                  gboolean   periodic)
{
  GHashTableIter iter;
  Destination *d;
  gint64 t = now (self);

  self->started = TRUE;
  self->periodic = periodic;

  /* Spread the first round over a short while rather than connecting everywhere at once. */
  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    if (!in_backoff (d, t))
      d->next_round = MIN (d->next_round, t);

  schedule_wake (self);
}

/**
 * bw_monitor_stop:
 *
 * Cancels running probes and stops scheduling.
 */
void
bw_monitor_stop (BwMonitor *self)
{
  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->wake_id != 0)
    bw_clock_unschedule (self->clock, self->wake_id);
  self->wake_id = 0;
}

static BwCheckVerdict
request_check (BwMonitor   *self,
               Destination *d,
               SiteEntry   *entry,
               gboolean     force,
               gint64       t,
               gint64      *out_next_possible)
{
  gint64 next_possible = t;

  if (!force && in_backoff (d, t))
    {
      *out_next_possible = d->backoff_until;
      return BW_CHECK_BANNED;
    }

  if (d->busy)
    {
      *out_next_possible = t;
      return BW_CHECK_BUSY;
    }

  if (!force && !budget_allows (self, d, t, &next_possible))
    {
      *out_next_possible = next_possible;
      return BW_CHECK_DEFERRED;
    }

  d->round_requested = TRUE;
  d->force = force;
  if (entry != NULL)
    d->requested = entry;
  *out_next_possible = t;
  return BW_CHECK_STARTED;
}

/**
 * bw_monitor_peek_verdict:
 * @out_next_possible: (out) (optional): when a check would become possible
 *
 * Says what bw_monitor_check_now() would answer for @site without @force, without
 * asking for anything.
 */
BwCheckVerdict
bw_monitor_peek_verdict (BwMonitor *self,
                         BwSite    *site,
                         gint64    *out_next_possible)
{
  SiteEntry *entry = g_hash_table_lookup (self->entries, bw_site_get_id (site));
  gint64 t = now (self);
  gint64 next_possible = t;
  BwCheckVerdict verdict = BW_CHECK_STARTED;

  g_return_val_if_fail (entry != NULL && entry->destination != NULL, BW_CHECK_BUSY);

  if (!can_probe (entry))
    verdict = BW_CHECK_UNUSABLE;
  else if (in_backoff (entry->destination, t))
    {
      verdict = BW_CHECK_BANNED;
      next_possible = entry->destination->backoff_until;
    }
  else if (entry->destination->busy)
    verdict = BW_CHECK_BUSY;
  else if (!budget_allows (self, entry->destination, t, &next_possible))
    verdict = BW_CHECK_DEFERRED;

  if (out_next_possible != NULL)
    *out_next_possible = next_possible;
  return verdict;
}

/**
 * bw_monitor_check_now:
 * @force: override the budget and the backoff; retrying a banned server can extend
 *   the ban, so the UI asks first
 * @out_next_possible: (out) (optional): when a deferred or refused check becomes possible
 *
 * Asks for a probe of @site itself, counted against its server's budget like any other.
 */
BwCheckVerdict
bw_monitor_check_now (BwMonitor *self,
                      BwSite    *site,
                      gboolean   force,
                      gint64    *out_next_possible)
{
  SiteEntry *entry = g_hash_table_lookup (self->entries, bw_site_get_id (site));
  gint64 next_possible = 0;
  BwCheckVerdict verdict;

  g_return_val_if_fail (entry != NULL && entry->destination != NULL, BW_CHECK_BUSY);

  entry->local_checked = 0;
  mark_unprobeable (self, entry->destination, now (self));
  if (!can_probe (entry))
    return BW_CHECK_UNUSABLE;

  verdict = request_check (self, entry->destination, entry, force, now (self), &next_possible);
  if (out_next_possible != NULL)
    *out_next_possible = next_possible;
  schedule_wake (self);
  return verdict;
}

/**
 * bw_monitor_check_all:
 *
 * The quick health check: one representative per server, all servers in parallel (up to
 * the global cap), within budgets and backoff unless @force.
 *
 * Returns: %BW_CHECK_STARTED when every server's check started, else the verdict of a
 *   server that could not be checked
 */
BwCheckVerdict
bw_monitor_check_all (BwMonitor *self,
                      gboolean   force,
                      guint     *out_started,
                      guint     *out_deferred,
                      gint64    *out_next_possible)
{
  BwCheckVerdict worst = BW_CHECK_STARTED;
  gint64 earliest = G_MAXINT64;
  guint started = 0;
  guint deferred = 0;
  GHashTableIter iter;
  Destination *d;
  gint64 t = now (self);

  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    {
      gint64 next_possible = t;
      BwCheckVerdict verdict;

      if (d->sites->len == 0 || least_recently_verified (d) == NULL)
        continue;

      verdict = request_check (self, d, NULL, force, t, &next_possible);
      if (verdict == BW_CHECK_STARTED || verdict == BW_CHECK_BUSY)
        started++;
      else
        {
          deferred++;
          worst = verdict;
          earliest = MIN (earliest, next_possible);
        }
    }

  if (out_started != NULL)
    *out_started = started;
  if (out_deferred != NULL)
    *out_deferred = deferred;
  if (out_next_possible != NULL)
    *out_next_possible = earliest == G_MAXINT64 ? 0 : earliest;

  schedule_wake (self);
  return worst;
}

/**
 * bw_monitor_is_idle:
 *
 * Returns: %TRUE when nothing is being resolved or probed and no requested check waits
 */
gboolean
bw_monitor_is_idle (BwMonitor *self)
{
  GHashTableIter iter;
  Destination *d;

  if (self->running > 0 || self->resolving > 0)
    return FALSE;

  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    if (d->round_requested || d->busy)
      return FALSE;

  return TRUE;
}

/**
 * bw_monitor_get_status:
 *
 * Fills @out_status with borrowed values, valid until the monitor next changes.
 */
gboolean
bw_monitor_get_status (BwMonitor    *self,
                       BwSite       *site,
                       BwSiteStatus *out_status)
{
  SiteEntry *entry = g_hash_table_lookup (self->entries, bw_site_get_id (site));
  Destination *d;

  if (entry == NULL)
    return FALSE;

  d = entry->destination;
  *out_status = (BwSiteStatus) {
    .state = entry->state,
    .since = entry->since,
    .last_check = entry->last_check,
    .last_verified = entry->last_verified,
    .verified_via = entry->via,
    .message = entry->message,
    .destination = d != NULL ? d->key : NULL,
    .probed = entry->probed,
    .acknowledged = entry->acknowledged,
    .web_answered = entry->web_answered,
    .last_result = entry->last_result,
  };

  if (d != NULL && self->periodic)
    out_status->next_check = in_backoff (d, now (self)) ? d->backoff_until : d->next_round;
  else if (d != NULL && in_backoff (d, now (self)))
    out_status->next_check = d->backoff_until;

  return TRUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/**
 * bw_monitor_get_estimate:
 *
 * How long this site's server usually stays banned: the median and range of its past
 * ban episodes; else the provider preset; else unknown.
 *
 * Returns: %TRUE when anything is known
 */
gboolean
bw_monitor_get_estimate (BwMonitor  *self,
                         BwSite     *site,
                         BwEstimate *out_estimate)
{
  SiteEntry *entry = g_hash_table_lookup (self->entries, bw_site_get_id (site));
  Destination *d = entry != NULL ? entry->destination : NULL;
  const BwProvider *provider = bw_provider_lookup (bw_site_get_provider (site));
  g_autoptr(GArray) durations = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 start = d != NULL && d->banned_since != 0 ? d->banned_since : 0;

  *out_estimate = (BwEstimate) { .source = "unknown" };

  if (self->history != NULL && d != NULL)
    {
      g_autoptr(GPtrArray) episodes = bw_history_list_episodes (self->history, d->key);

      for (guint i = 0; i < episodes->len; i++)
        {
          BwEpisode *episode = g_ptr_array_index (episodes, i);
          gint64 duration = episode->end - episode->start;

          if (episode->end != 0 && duration > 0)
            g_array_append_val (durations, duration);
        }
    }

  if (durations->len > 0)
    {
      guint n = durations->len;

      g_array_sort (durations, compare_gint64);
      out_estimate->min_hours = (double) g_array_index (durations, gint64, 0) / HOUR;
      out_estimate->max_hours = (double) g_array_index (durations, gint64, n - 1) / HOUR;
      out_estimate->median_hours = n % 2 == 1
        ? (double) g_array_index (durations, gint64, n / 2) / HOUR
        : ((double) g_array_index (durations, gint64, n / 2 - 1) +
           (double) g_array_index (durations, gint64, n / 2)) / 2 / HOUR;
      out_estimate->source = "history";
    }
  else if (provider != NULL && provider->ban_max_hours > 0)
    {
      out_estimate->min_hours = provider->ban_min_hours;
      out_estimate->max_hours = provider->ban_max_hours;
      out_estimate->median_hours = (provider->ban_min_hours + provider->ban_max_hours) / 2.0;
      out_estimate->source = "provider";
    }
  else
    return FALSE;

  if (start != 0)
    out_estimate->expected_at = start + (gint64) (out_estimate->median_hours * HOUR);
  return TRUE;
}

/* "45 min" below an hour, "1.5 h" below ten hours, "12 h" above; without the unit when
 * @with_unit is FALSE, for "12–24 h". */
static char *
format_duration (double   hours,
                 gboolean with_unit)
{
  if (hours < 1.0)
    return g_strdup_printf (_("%.0f min"), MAX (1.0, hours * 60));
  if (!with_unit)
    return g_strdup_printf (hours < 10.0 ? "%.1f" : "%.0f", hours);
  if (hours < 10.0)
    return g_strdup_printf (_("%.1f h"), hours);
  return g_strdup_printf (_("%.0f h"), hours);
}

/**
 * bw_monitor_format_estimate:
 *
 * Returns: (transfer full): "usually lifts after 12–24 h; expected around 15:30", or
 *   "unknown"
 */
char *
bw_monitor_format_estimate (const BwEstimate *estimate)
{
  g_autofree char *low = NULL;
  g_autofree char *high = NULL;
  GString *out;

  if (g_str_equal (estimate->source, "unknown"))
    return g_strdup (_("unknown"));

  out = g_string_new (NULL);
  if (estimate->min_hours >= 1.0)
    {
      /* Both in hours: "12–24 h". */
      low = format_duration (estimate->min_hours, FALSE);
      high = format_duration (estimate->max_hours, FALSE);
      if (g_str_equal (low, high))
        g_string_append_printf (out, _("usually lifts after %s h"), low);
      else
        g_string_append_printf (out, _("usually lifts after %s–%s h"), low, high);
    }
  else
    {
      low = format_duration (estimate->min_hours, TRUE);
      high = format_duration (estimate->max_hours, TRUE);
      if (g_str_equal (low, high))
        g_string_append_printf (out, _("usually lifts after %s"), low);
      else
        g_string_append_printf (out, _("usually lifts after %s–%s"), low, high);
    }

  if (estimate->expected_at != 0)
    {
      g_autoptr(GDateTime) expected = g_date_time_new_from_unix_local (estimate->expected_at / G_USEC_PER_SEC);
      g_autofree char *clock = g_date_time_format (expected, "%H:%M");

      g_string_append_printf (out, _("; expected around %s"), clock);
    }

  return g_string_free (out, FALSE);
}

/**
 * bw_monitor_mute:
 * @until: wall-clock time; 0 unmutes
 *
 * Silences notifications (events still flow, with notify %FALSE).
 */
void
bw_monitor_mute (BwMonitor *self,
                 gint64     until)
{
  self->muted_until = until;
  schedule_wake (self);
}

gint64
bw_monitor_get_muted_until (BwMonitor *self)
{
  return self->muted_until > now (self) ? self->muted_until : 0;
}

/**
 * bw_monitor_acknowledge:
 *
 * Stops reminders for @site until its next transition.
 */
void
bw_monitor_acknowledge (BwMonitor *self,
                        BwSite    *site)
{
  SiteEntry *entry = g_hash_table_lookup (self->entries, bw_site_get_id (site));

  if (entry == NULL)
    return;
  entry->acknowledged = TRUE;
  save_entry (self, entry);
  g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0, entry->site);
}

/**
 * bw_monitor_set_maintenance:
 * @site_ids: (nullable): the sites, or %NULL to end maintenance
 * @until: when maintenance ends by itself
 *
 * During maintenance the chosen sites' servers are checked every few minutes, within
 * budget and never during a ban's backoff, and their notifications are urgent.
 */
void
bw_monitor_set_maintenance (BwMonitor          *self,
                            const char * const *site_ids,
                            gint64              until)
{
  GHashTableIter iter;
  Destination *d;
  gint64 t = now (self);

  g_hash_table_remove_all (self->maintenance);
  for (guint i = 0; site_ids != NULL && site_ids[i] != NULL; i++)
    g_hash_table_add (self->maintenance, g_strdup (site_ids[i]));
  self->maintenance_until = site_ids != NULL ? until : 0;

  /* Bring the chosen servers' next round forward to the maintenance cadence. */
  g_hash_table_iter_init (&iter, self->destinations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &d))
    d->next_round = MIN (d->next_round, t + round_interval (self, d, t));

  schedule_wake (self);
}

/**
 * bw_monitor_reserve_connection:
 *
 * Counts one connection made outside the monitor (a host-key trust) against @site's
 * server budget, as every connection counts.
 *
 * Returns: (nullable): the address to connect to, the one the budget is kept for
 */
const char *
bw_monitor_reserve_connection (BwMonitor *self,
                               BwSite    *site)
{
  SiteEntry *entry = g_hash_table_lookup (self->entries, bw_site_get_id (site));
  g_autoptr(GError) error = NULL;
  gint64 t = now (self);

  g_return_val_if_fail (entry != NULL && entry->destination != NULL, NULL);

  g_array_append_val (entry->destination->connections, t);
  self->connections++;
  if (self->history != NULL && !bw_history_record_connection (self->history, entry->destination->key, t, &error))
    g_warning ("Could not log a connection to %s: %s", entry->destination->key, error->message);
  return entry->destination->address;
}

/**
 * bw_monitor_get_connections:
 *
 * Returns: how many connections this monitor has made, for reports and benchmarks
 */
guint
bw_monitor_get_connections (BwMonitor *self)
{
  return self->connections;
}

/**
 * bw_monitor_config_load:
 * @settings: (nullable): Banwatch's #GSettings, or %NULL for the defaults
 *
 * Fills @config from the preferences the user set.
 */
void
bw_monitor_config_load (BwMonitorConfig *config,
                        GSettings       *settings)
{
  bw_monitor_config_init (config);
  if (settings == NULL)
    return;

  config->interval = g_settings_get_uint (settings, "check-interval") * MINUTE;
  config->verify_interval = g_settings_get_uint (settings, "verify-interval") * HOUR;
  config->max_parallel = g_settings_get_uint (settings, "max-parallel");
  config->budget_short_count = g_settings_get_uint (settings, "budget-per-minute");
  config->budget_long_count = g_settings_get_uint (settings, "budget-per-ten-minutes");
  config->lighter_first_recheck = g_settings_get_uint (settings, "lighter-first-recheck") * MINUTE;
  config->heavier_first_recheck = g_settings_get_uint (settings, "heavier-first-recheck") * MINUTE;
  config->backoff_cap = g_settings_get_uint (settings, "backoff-cap") * MINUTE;
  config->reminder_interval = g_settings_get_uint (settings, "reminder-interval") * HOUR;
  config->maintenance_interval = g_settings_get_uint (settings, "maintenance-interval") * MINUTE;
}

/**
 * bw_settings_new_if_installed:
 *
 * Returns: (transfer full) (nullable): Banwatch's settings, or %NULL when the schema is
 *   not installed (an uninstalled CLI then uses the defaults instead of aborting)
 */
GSettings *
bw_settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}
