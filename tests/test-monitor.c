// SPDX-License-Identifier: GPL-3.0-or-later
/* The monitor under a fake clock and a fake prober: the state machine from a table, then
 * the scheduler's promises: budget, one connection per server, representatives, backoff,
 * maintenance, mute, acknowledge, reminders and start-up grace. */
#include "config.h"

#include <glib/gstdio.h>

#include "core/bw-monitor.h"
#include "fakes/bw-fake-clock.h"
#include "fakes/bw-fake-prober.h"

#define MIN_ (G_GINT64_CONSTANT (60) * G_USEC_PER_SEC)
#define HOUR_ (60 * MIN_)
#define T0 (G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC)

typedef struct {
  BwFakeClock  *clock;
  BwFakeProber *prober;
  BwHistory    *history;
  BwMonitor    *monitor;
  GPtrArray    *sites;
  GPtrArray    *events;   /* BwMonitorEvent copies (site borrowed) */
  char         *dir;
  BwMonitorConfig config;
} Fixture;

typedef struct {
  BwMonitorEventKind kind;
  BwSite            *site;
  BwSiteState        from;
  BwSiteState        to;
  gboolean           notify;
  gboolean           critical;
  gboolean           recovery;
  gboolean           maintenance;
} Event;

static void
on_event_cb (BwMonitor      *monitor,
             BwMonitorEvent *event,
             Fixture        *f)
{
  Event *copy = g_new0 (Event, 1);

  copy->kind = event->kind;
  copy->site = event->site;
  copy->from = event->from;
  copy->to = event->to;
  copy->notify = event->notify;
  copy->critical = event->critical;
  copy->recovery = event->recovery;
  copy->maintenance = event->maintenance;
  g_ptr_array_add (f->events, copy);
}

static BwSite *
make_site (const char *name,
           const char *host)
{
  BwSite *site = bw_site_new ();

  bw_site_set_name (site, name);
  bw_site_set_host (site, host);
  bw_site_set_port (site, 10022);
  bw_site_set_user (site, "u");
  bw_site_set_key_path (site, "/nonexistent/key");
  return site;
}

static void
fixture_open (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "history.db", NULL);
  g_autoptr(GError) error = NULL;

  f->history = bw_history_open (path, &error);
  g_assert_no_error (error);
  f->monitor = bw_monitor_new (BW_PROBER (f->prober), BW_CLOCK (f->clock), f->history, &f->config);
  g_signal_connect (f->monitor, "event", G_CALLBACK (on_event_cb), f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("bw-test-monitor-XXXXXX", &error);
  g_assert_no_error (error);
  f->clock = bw_fake_clock_new (T0);
  f->prober = bw_fake_prober_new ();
  f->sites = g_ptr_array_new_with_free_func (g_object_unref);
  f->events = g_ptr_array_new_with_free_func (g_free);
  bw_monitor_config_init (&f->config);
  f->config.seed = 42;
  f->config.jitter = 0;
  fixture_open (f);
}

static void
fixture_close (Fixture *f)
{
  bw_monitor_stop (f->monitor);
  g_clear_object (&f->monitor);
  g_clear_object (&f->history);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, "history.db", NULL);
  g_autofree char *wal = g_strconcat (db, "-wal", NULL);
  g_autofree char *shm = g_strconcat (db, "-shm", NULL);

  fixture_close (f);
  g_clear_object (&f->prober);
  g_clear_object (&f->clock);
  g_clear_pointer (&f->sites, g_ptr_array_unref);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  g_unlink (db);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* Runs the monitor until @until, firing its timers in order and letting the fake
 * prober's answers arrive. */
static void
run_until (Fixture *f,
           gint64   until)
{
  for (guint guard = 0; guard < 100000; guard++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (!bw_fake_clock_fire_next (f->clock, until))
        break;
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  bw_fake_clock_set (f->clock, until);
}

static gint64
now (Fixture *f)
{
  return bw_clock_now (BW_CLOCK (f->clock));
}

static BwSiteState
state_of (Fixture *f,
          BwSite  *site)
{
  BwSiteStatus status;

  g_assert_true (bw_monitor_get_status (f->monitor, site, &status));
  return status.state;
}

/* ---------------------------------------------------------------------------------- */
/* The state machine, from a table                                                     */
/* ---------------------------------------------------------------------------------- */

typedef struct {
  BwObservation first;
  gboolean      first_web;
  BwObservation second;
  gboolean      second_web;
  const char   *expected;        /* state word after the second probe */
  gboolean      event;           /* the second probe made a transition */
  gboolean      notify;
  gboolean      critical;
  gboolean      recovery;
} Row;

#define OK BW_OBSERVATION_OK
#define PARTIAL BW_OBSERVATION_AUTH_PARTIAL
#define REJECTED BW_OBSERVATION_AUTH_REJECTED
#define UNKNOWN_KEY BW_OBSERVATION_HOSTKEY_UNKNOWN
#define CHANGED_KEY BW_OBSERVATION_HOSTKEY_CHANGED
#define CLOSED BW_OBSERVATION_CLOSED_BEFORE_BANNER
#define HANDSHAKE BW_OBSERVATION_CLOSED_DURING_HANDSHAKE
#define REFUSED BW_OBSERVATION_REFUSED
#define TIMEOUT BW_OBSERVATION_TIMEOUT
#define BANNER BW_OBSERVATION_BANNER_TIMEOUT
#define MISMATCH BW_OBSERVATION_PROTOCOL_MISMATCH
#define DNS BW_OBSERVATION_DNS_FAILED
#define UNREACH BW_OBSERVATION_NETWORK_UNREACHABLE
#define KEY BW_OBSERVATION_KEY_UNUSABLE

static const Row rows[] = {
  /* from healthy */
  { OK, 0, OK, 0, "healthy", FALSE, FALSE, FALSE, FALSE },
  { OK, 0, PARTIAL, 0, "healthy", FALSE, FALSE, FALSE, FALSE },
  { OK, 0, CLOSED, 1, "lighter-ban", TRUE, TRUE, FALSE, FALSE },
  { OK, 0, CLOSED, 0, "lighter-ban", TRUE, TRUE, FALSE, FALSE },
  { OK, 0, REFUSED, 1, "heavier-ban", TRUE, TRUE, TRUE, FALSE },
  { OK, 0, REFUSED, 0, "server-down", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, TIMEOUT, 1, "silent-block", TRUE, TRUE, TRUE, FALSE },
  { OK, 0, TIMEOUT, 0, "server-down", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, BANNER, 1, "server-down", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, HANDSHAKE, 0, "server-down", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, REJECTED, 0, "auth-problem", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, CHANGED_KEY, 0, "hostkey-alarm", TRUE, TRUE, TRUE, FALSE },
  { OK, 0, UNKNOWN_KEY, 0, "needs-trust", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, MISMATCH, 0, "config-error", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, KEY, 0, "config-error", TRUE, FALSE, FALSE, FALSE },
  { OK, 0, UNREACH, 0, "local-network", TRUE, FALSE, FALSE, FALSE },
  /* from the ban stages */
  { CLOSED, 1, OK, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { CLOSED, 1, CLOSED, 1, "lighter-ban", FALSE, FALSE, FALSE, FALSE },
  { CLOSED, 1, REFUSED, 1, "heavier-ban", TRUE, TRUE, TRUE, FALSE },
  { CLOSED, 1, TIMEOUT, 1, "silent-block", TRUE, TRUE, TRUE, FALSE },
  { CLOSED, 1, REJECTED, 0, "auth-problem", TRUE, FALSE, FALSE, FALSE },
  { REFUSED, 1, OK, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { REFUSED, 1, PARTIAL, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { REFUSED, 1, REFUSED, 1, "heavier-ban", FALSE, FALSE, FALSE, FALSE },
  { REFUSED, 1, CLOSED, 1, "lighter-ban", TRUE, TRUE, FALSE, FALSE },
  { REFUSED, 1, TIMEOUT, 1, "silent-block", TRUE, TRUE, TRUE, FALSE },
  { REFUSED, 1, REFUSED, 0, "server-down", TRUE, FALSE, FALSE, FALSE },
  { REFUSED, 1, UNREACH, 0, "local-network", TRUE, FALSE, FALSE, FALSE },
  { TIMEOUT, 1, OK, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { TIMEOUT, 1, TIMEOUT, 1, "silent-block", FALSE, FALSE, FALSE, FALSE },
  { TIMEOUT, 1, TIMEOUT, 0, "server-down", TRUE, FALSE, FALSE, FALSE },
  { TIMEOUT, 1, REFUSED, 1, "heavier-ban", TRUE, TRUE, TRUE, FALSE },
  /* from the other states */
  { TIMEOUT, 0, OK, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { TIMEOUT, 0, TIMEOUT, 1, "silent-block", TRUE, TRUE, TRUE, FALSE },
  { BANNER, 0, OK, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { HANDSHAKE, 0, CLOSED, 1, "lighter-ban", TRUE, TRUE, FALSE, FALSE },
  { REJECTED, 0, OK, 0, "healthy", TRUE, FALSE, FALSE, FALSE },
  { REJECTED, 0, REJECTED, 0, "auth-problem", FALSE, FALSE, FALSE, FALSE },
  { REJECTED, 0, REFUSED, 1, "heavier-ban", TRUE, TRUE, TRUE, FALSE },
  { CHANGED_KEY, 0, OK, 0, "healthy", TRUE, TRUE, FALSE, TRUE },
  { CHANGED_KEY, 0, CHANGED_KEY, 0, "hostkey-alarm", FALSE, FALSE, FALSE, FALSE },
  { UNKNOWN_KEY, 0, OK, 0, "healthy", TRUE, FALSE, FALSE, FALSE },
  { UNKNOWN_KEY, 0, CHANGED_KEY, 0, "hostkey-alarm", TRUE, TRUE, TRUE, FALSE },
  { UNREACH, 0, OK, 0, "healthy", TRUE, FALSE, FALSE, FALSE },
  { UNREACH, 0, REFUSED, 1, "heavier-ban", TRUE, TRUE, TRUE, FALSE },
  { DNS, 0, OK, 0, "healthy", TRUE, FALSE, FALSE, FALSE },
  { KEY, 0, KEY, 0, "config-error", FALSE, FALSE, FALSE, FALSE },
  { MISMATCH, 0, OK, 0, "healthy", TRUE, FALSE, FALSE, FALSE },
};

static void
test_state_table (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_cmpuint (G_N_ELEMENTS (rows), >=, 40);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Row *row = &rows[i];
      g_autoptr(BwSite) site = make_site ("shop", "shop.example");
      g_autoptr(GPtrArray) sites = g_ptr_array_new ();
      BwSiteState expected;
      Event *last;
      guint n_events;

      g_test_message ("row %u: %s%s → %s%s", i, bw_observation_to_string (row->first),
                      row->first_web ? "+web" : "", bw_observation_to_string (row->second),
                      row->second_web ? "+web" : "");

      /* A fresh monitor and history for every row. */
      fixture_teardown (f, NULL);
      fixture_setup (f, NULL);
      g_ptr_array_add (sites, site);
      bw_fake_prober_set_address (f->prober, "shop.example", "10.0.0.1");

      bw_fake_prober_set_outcome (f->prober, "10.0.0.1", row->first, row->first_web);
      bw_monitor_set_sites (f->monitor, sites);
      bw_monitor_start (f->monitor, FALSE);
      run_until (f, now (f));
      g_assert_cmpint (bw_monitor_check_now (f->monitor, site, TRUE, NULL), ==, BW_CHECK_STARTED);
      run_until (f, now (f) + MIN_);

      n_events = f->events->len;
      bw_fake_prober_set_outcome (f->prober, "10.0.0.1", row->second, row->second_web);
      g_assert_cmpint (bw_monitor_check_now (f->monitor, site, TRUE, NULL), ==, BW_CHECK_STARTED);
      run_until (f, now (f) + MIN_);

      g_assert_true (bw_site_state_from_string (row->expected, &expected));
      g_assert_cmpstr (bw_site_state_to_string (state_of (f, site)), ==, row->expected);
      g_assert_cmpuint (f->events->len, ==, n_events + (row->event ? 1 : 0));
      if (!row->event)
        continue;

      last = g_ptr_array_index (f->events, f->events->len - 1);
      g_assert_cmpint (last->kind, ==, BW_MONITOR_EVENT_TRANSITION);
      g_assert_cmpint (last->to, ==, expected);
      g_assert_cmpint (last->notify, ==, row->notify);
      g_assert_cmpint (last->critical, ==, row->critical);
      g_assert_cmpint (last->recovery, ==, row->recovery);
    }
}

static void
test_classify_is_pure (void)
{
  g_assert_cmpint (bw_monitor_classify (REFUSED, BW_WEB_ANSWERED), ==, BW_SITE_STATE_HEAVIER_BAN);
  g_assert_cmpint (bw_monitor_classify (REFUSED, BW_WEB_NOT_CHECKED), ==, BW_SITE_STATE_HEAVIER_BAN);
  g_assert_cmpint (bw_monitor_classify (REFUSED, BW_WEB_SILENT), ==, BW_SITE_STATE_SERVER_DOWN);
  g_assert_cmpint (bw_monitor_classify (TIMEOUT, BW_WEB_ANSWERED), ==, BW_SITE_STATE_SILENT_BLOCK);
  g_assert_cmpint (bw_monitor_classify (TIMEOUT, BW_WEB_SILENT), ==, BW_SITE_STATE_SERVER_DOWN);
  g_assert_cmpint (bw_monitor_classify (CLOSED, BW_WEB_SILENT), ==, BW_SITE_STATE_LIGHTER_BAN);
  g_assert_cmpint (bw_monitor_classify (UNREACH, BW_WEB_NOT_CHECKED), ==, BW_SITE_STATE_LOCAL_NETWORK);
}

/* ---------------------------------------------------------------------------------- */
/* The scheduler                                                                        */
/* ---------------------------------------------------------------------------------- */

static GPtrArray *
add_sites (Fixture    *f,
           const char *prefix,
           const char *address,
           guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%02u", prefix, i);
      g_autofree char *host = g_strdup_printf ("%s.example", name);

      bw_fake_prober_set_address (f->prober, host, address);
      g_ptr_array_add (f->sites, make_site (name, host));
    }
  bw_monitor_set_sites (f->monitor, f->sites);
  return f->sites;
}

/* Every sliding window of the default budget holds at most its count. */
static void
assert_budget_kept (Fixture    *f,
                    const char *address)
{
  GArray *times = bw_fake_prober_times (f->prober, address);

  for (guint i = 0; times != NULL && i < times->len; i++)
    {
      gint64 start = g_array_index (times, gint64, i);
      guint in_minute = 0;
      guint in_ten = 0;

      for (guint j = i; j < times->len; j++)
        {
          gint64 t = g_array_index (times, gint64, j);
          if (t < start + f->config.budget_short_window)
            in_minute++;
          if (t < start + f->config.budget_long_window)
            in_ten++;
        }
      g_assert_cmpuint (in_minute, <=, f->config.budget_short_count);
      g_assert_cmpuint (in_ten, <=, f->config.budget_long_count);
    }
}

static void
test_budget (Fixture       *f,
             gconstpointer  data)
{
  BwSite *site;
  gint64 next_possible = 0;
  gint64 first;

  bw_fake_prober_set_clock (f->prober, BW_CLOCK (f->clock));
  add_sites (f, "shop", "10.0.0.1", 1);
  site = g_ptr_array_index (f->sites, 0);
  bw_monitor_start (f->monitor, FALSE);
  run_until (f, now (f));

  /* Manual checks count too: three in a minute, then "next possible at". */
  first = now (f);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (bw_monitor_check_now (f->monitor, site, FALSE, NULL), ==, BW_CHECK_STARTED);
      run_until (f, now (f) + G_USEC_PER_SEC);
    }
  g_assert_cmpint (bw_monitor_check_now (f->monitor, site, FALSE, &next_possible), ==, BW_CHECK_DEFERRED);
  g_assert_cmpint (next_possible, >, first + f->config.budget_short_window);
  g_assert_cmpint (next_possible, <=, first + f->config.budget_short_window + G_USEC_PER_SEC);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 3);

  /* Force overrides, and still counts. */
  g_assert_cmpint (bw_monitor_check_now (f->monitor, site, TRUE, NULL), ==, BW_CHECK_STARTED);
  run_until (f, now (f) + G_USEC_PER_SEC);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 4);

  /* A schedule far tighter than the budget is held to it for hours. */
  fixture_close (f);
  g_clear_object (&f->prober);
  f->prober = bw_fake_prober_new ();
  bw_fake_prober_set_clock (f->prober, BW_CLOCK (f->clock));
  bw_fake_prober_set_address (f->prober, bw_site_get_host (site), "10.0.0.1");
  f->config.interval = 5 * G_USEC_PER_SEC;
  fixture_open (f);
  bw_monitor_set_sites (f->monitor, f->sites);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + 3 * HOUR_);
  assert_budget_kept (f, "10.0.0.1");
  /* 10 per 10 minutes for 3 hours is about 180. */
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), >=, 150);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), <=, 186);
}

static void
test_serialized_and_capped (Fixture       *f,
                            gconstpointer  data)
{
  add_sites (f, "a", "10.0.0.1", 3);
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("s%u", i);
      g_autofree char *address = g_strdup_printf ("10.0.1.%u", i);
      add_sites (f, prefix, address, 2);
    }
  bw_monitor_start (f->monitor, FALSE);
  run_until (f, now (f));

  /* Three sites of one server asked for at once: one connection at a time. */
  g_assert_cmpint (bw_monitor_check_now (f->monitor, g_ptr_array_index (f->sites, 0), FALSE, NULL), ==, BW_CHECK_STARTED);
  g_assert_cmpint (bw_monitor_check_now (f->monitor, g_ptr_array_index (f->sites, 1), FALSE, NULL), ==, BW_CHECK_BUSY);
  run_until (f, now (f) + G_USEC_PER_SEC);
  g_assert_cmpuint (bw_fake_prober_max_parallel (f->prober, TRUE), ==, 1);

  /* Nine servers at once: never more than the global cap of 4 in flight. */
  bw_monitor_check_all (f->monitor, TRUE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (bw_fake_prober_max_parallel (f->prober, FALSE), ==, 4);
  g_assert_cmpuint (bw_fake_prober_max_parallel (f->prober, TRUE), ==, 1);
  g_assert_true (bw_monitor_is_idle (f->monitor));
}

static void
test_representatives (Fixture       *f,
                      gconstpointer  data)
{
  BwSiteStatus status;
  guint via = 0;
  g_autofree char *first_rep = NULL;

  add_sites (f, "x", "10.0.0.1", 20);
  add_sites (f, "y", "10.0.0.2", 20);
  bw_monitor_start (f->monitor, FALSE);
  run_until (f, now (f));

  g_assert_cmpint (bw_monitor_check_all (f->monitor, FALSE, NULL, NULL, NULL), ==, BW_CHECK_STARTED);
  run_until (f, now (f) + MIN_);

  /* The cost is the number of servers, not the number of sites. */
  g_assert_cmpuint (bw_fake_prober_total (f->prober), ==, 2);
  for (guint i = 0; i < f->sites->len; i++)
    {
      g_assert_true (bw_monitor_get_status (f->monitor, g_ptr_array_index (f->sites, i), &status));
      g_assert_cmpint (status.state, ==, BW_SITE_STATE_HEALTHY);
      if (status.verified_via != NULL)
        via++;
    }
  g_assert_cmpuint (via, ==, 38);

  /* The next round takes the site verified least recently. */
  first_rep = g_strdup (bw_fake_prober_last_site (f->prober));
  run_until (f, now (f) + 2 * MIN_);
  bw_monitor_check_all (f->monitor, FALSE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (bw_fake_prober_total (f->prober), ==, 4);
  g_assert_cmpstr (bw_fake_prober_last_site (f->prober), !=, first_rep);
}

static void
test_ban_correlation_and_backoff (Fixture       *f,
                                  gconstpointer  data)
{
  GArray *times;
  gint64 next_possible = 0;
  gint64 banned_at;

  bw_fake_prober_set_clock (f->prober, BW_CLOCK (f->clock));
  add_sites (f, "x", "10.0.0.1", 5);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", REFUSED, TRUE);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + MIN_);

  /* One probe bans all five, and a notification is due for each. */
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);
  g_assert_cmpuint (bw_fake_prober_web_checks (f->prober), ==, 1);
  for (guint i = 0; i < f->sites->len; i++)
    g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, i)), ==, BW_SITE_STATE_HEAVIER_BAN);
  times = bw_fake_prober_times (f->prober, "10.0.0.1");
  banned_at = g_array_index (times, gint64, 0);

  /* A manual check now warns that retrying can extend the ban. */
  g_assert_cmpint (bw_monitor_check_now (f->monitor, g_ptr_array_index (f->sites, 2), FALSE, &next_possible),
                   ==, BW_CHECK_BANNED);
  g_assert_cmpint (next_possible, ==, banned_at + 6 * HOUR_);

  /* Nothing before the expected lift time (6 h for the heavier stage)… */
  run_until (f, banned_at + 6 * HOUR_ - G_USEC_PER_SEC);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);

  /* …then one recheck, then the interval doubles up to the 4 h cap. */
  run_until (f, banned_at + 6 * HOUR_ + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 2);
  run_until (f, banned_at + 14 * HOUR_ + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 4);
  g_assert_cmpint (g_array_index (times, gint64, 2) - g_array_index (times, gint64, 1), ==, 4 * HOUR_);

  /* The ban lifts: one probe shows recovery for all. */
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", OK, TRUE);
  run_until (f, banned_at + 18 * HOUR_ + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 5);
  for (guint i = 0; i < f->sites->len; i++)
    g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, i)), ==, BW_SITE_STATE_HEALTHY);
}

static void
test_lighter_backoff_doubles (Fixture       *f,
                              gconstpointer  data)
{
  GArray *times;
  const gint64 expected[] = { 30 * MIN_, 60 * MIN_, 120 * MIN_, 240 * MIN_, 240 * MIN_ };

  bw_fake_prober_set_clock (f->prober, BW_CLOCK (f->clock));
  add_sites (f, "x", "10.0.0.1", 1);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", CLOSED, TRUE);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + 12 * HOUR_);

  times = bw_fake_prober_times (f->prober, "10.0.0.1");
  g_assert_nonnull (times);
  g_assert_cmpuint (times->len, >=, G_N_ELEMENTS (expected) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (g_array_index (times, gint64, i + 1) - g_array_index (times, gint64, i), ==, expected[i]);
}

static guint
count_events (Fixture *f,
              BwMonitorEventKind kind,
              gboolean notify_only)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    {
      Event *e = g_ptr_array_index (f->events, i);
      if (e->kind == kind && (!notify_only || e->notify))
        n++;
    }
  return n;
}

static void
test_maintenance (Fixture       *f,
                  gconstpointer  data)
{
  const char *ids[2] = { NULL, NULL };
  gint64 start;
  guint before;

  add_sites (f, "x", "10.0.0.1", 1);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);

  ids[0] = bw_site_get_id (g_ptr_array_index (f->sites, 0));
  start = now (f);
  bw_monitor_set_maintenance (f->monitor, ids, start + HOUR_);
  run_until (f, start + HOUR_);
  /* Every 5 minutes for the hour, within budget. */
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), >=, 12);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), <=, 14);

  /* A ban during maintenance is urgent. */
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", CLOSED, TRUE);
  bw_monitor_set_maintenance (f->monitor, ids, now (f) + HOUR_);
  run_until (f, now (f) + 6 * MIN_);
  g_assert_true (((Event *) g_ptr_array_index (f->events, f->events->len - 1))->maintenance);

  /* It ends by itself, and the cadence returns to every 30 minutes (and the backoff). */
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", OK, TRUE);
  run_until (f, now (f) + 2 * HOUR_);
  before = bw_fake_prober_count (f->prober, "10.0.0.1");
  run_until (f, now (f) + 2 * HOUR_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1") - before, <=, 5);
}

/* Preferences apply at once: a shorter interval brings the next check closer, a longer
 * one moves it away, and the budget still holds. */
static void
test_set_config (Fixture       *f,
                 gconstpointer  data)
{
  BwMonitorConfig config = f->config;
  guint before;

  add_sites (f, "x", "10.0.0.1", 1);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);

  /* Every 30 minutes: nothing more within the next 20. */
  run_until (f, now (f) + 20 * MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);

  /* Every 5 minutes from now on: the overdue check runs at once, then every 5. */
  config.interval = 5 * MIN_;
  bw_monitor_set_config (f->monitor, &config);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 2);
  before = bw_fake_prober_count (f->prober, "10.0.0.1");
  run_until (f, now (f) + 30 * MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1") - before, >=, 5);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1") - before, <=, 7);

  /* Every 2 hours: nothing within the next hour. */
  config.interval = 2 * HOUR_;
  bw_monitor_set_config (f->monitor, &config);
  before = bw_fake_prober_count (f->prober, "10.0.0.1");
  run_until (f, now (f) + HOUR_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, before);
  run_until (f, now (f) + 2 * HOUR_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), >, before);
}

static void
test_mute_acknowledge_reminders (Fixture       *f,
                                 gconstpointer  data)
{
  BwSite *site;
  Event *last;

  add_sites (f, "x", "10.0.0.1", 1);
  site = g_ptr_array_index (f->sites, 0);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + MIN_);

  /* Muted: the transition is an event, but no notification. */
  bw_monitor_mute (f->monitor, now (f) + HOUR_);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", CLOSED, TRUE);
  run_until (f, now (f) + 31 * MIN_);
  last = g_ptr_array_index (f->events, f->events->len - 1);
  g_assert_cmpint (last->to, ==, BW_SITE_STATE_LIGHTER_BAN);
  g_assert_false (last->notify);

  /* Unmuted: the escalation notifies. */
  run_until (f, now (f) + HOUR_);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", REFUSED, TRUE);
  run_until (f, now (f) + 5 * HOUR_);
  g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_TRANSITION, TRUE), ==, 1);

  /* Still banned: a reminder at most every 6 hours. */
  run_until (f, now (f) + 13 * HOUR_);
  g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_REMINDER, TRUE), >=, 2);
  g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_REMINDER, TRUE), <=, 3);

  /* Acknowledged: no more reminders until the next transition. */
  bw_monitor_acknowledge (f->monitor, site);
  {
    guint reminders = count_events (f, BW_MONITOR_EVENT_REMINDER, FALSE);
    run_until (f, now (f) + 24 * HOUR_);
    g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_REMINDER, FALSE), ==, reminders);
  }

  /* Recovery clears the acknowledgement and notifies. */
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", OK, TRUE);
  run_until (f, now (f) + 5 * HOUR_);
  last = g_ptr_array_index (f->events, f->events->len - 1);
  g_assert_true (last->recovery);
  g_assert_true (last->notify);
  {
    BwSiteStatus status;
    bw_monitor_get_status (f->monitor, site, &status);
    g_assert_false (status.acknowledged);
  }
}

static void
test_startup_grace_and_persistence (Fixture       *f,
                                    gconstpointer  data)
{
  BwSiteStatus status;
  gint64 since;

  add_sites (f, "x", "10.0.0.1", 2);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", REFUSED, TRUE);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_TRANSITION, TRUE), ==, 2);
  bw_monitor_get_status (f->monitor, g_ptr_array_index (f->sites, 0), &status);
  since = status.since;

  /* Restart an hour later: the ban and its backoff are remembered, nothing is probed,
   * and nothing is announced again. */
  fixture_close (f);
  g_ptr_array_set_size (f->events, 0);
  run_until (f, now (f) + HOUR_);
  fixture_open (f);
  bw_monitor_set_sites (f->monitor, f->sites);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + MIN_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);
  bw_monitor_get_status (f->monitor, g_ptr_array_index (f->sites, 0), &status);
  g_assert_cmpint (status.state, ==, BW_SITE_STATE_HEAVIER_BAN);
  g_assert_cmpint (status.since, ==, since);

  /* The first verdict after the restart repeats the known state: silent, same "since". */
  run_until (f, now (f) + 6 * HOUR_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 2);
  g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_TRANSITION, FALSE), ==, 0);
  bw_monitor_get_status (f->monitor, g_ptr_array_index (f->sites, 0), &status);
  g_assert_cmpint (status.since, ==, since);
}

static void
test_local_network (Fixture       *f,
                    gconstpointer  data)
{
  add_sites (f, "a", "10.0.0.1", 1);
  add_sites (f, "b", "10.0.0.2", 1);
  add_sites (f, "c", "10.0.0.3", 1);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", TIMEOUT, FALSE);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.2", REFUSED, FALSE);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.3", TIMEOUT, FALSE);
  bw_monitor_start (f->monitor, FALSE);
  run_until (f, now (f));
  bw_monitor_check_all (f->monitor, FALSE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);

  /* Every server failing at the TCP level, no web port anywhere: our network, no ban. */
  for (guint i = 0; i < f->sites->len; i++)
    g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, i)), ==, BW_SITE_STATE_LOCAL_NETWORK);
  g_assert_cmpuint (count_events (f, BW_MONITOR_EVENT_TRANSITION, TRUE), ==, 0);

  /* One server alone failing with its web port silent is that server's problem. */
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", OK, TRUE);
  bw_fake_prober_set_outcome (f->prober, "10.0.0.2", OK, TRUE);
  bw_monitor_check_all (f->monitor, TRUE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);
  g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, 2)), ==, BW_SITE_STATE_SERVER_DOWN);
}

static void
test_no_key_and_unresolvable (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(BwSite) keyless = make_site ("keyless", "k.example");
  g_autoptr(BwSite) lost = make_site ("lost", "nowhere.invalid");

  bw_site_set_key_path (keyless, NULL);
  bw_fake_prober_set_address (f->prober, "k.example", "10.0.0.9");
  g_ptr_array_add (f->sites, g_object_ref (keyless));
  g_ptr_array_add (f->sites, g_object_ref (lost));
  bw_monitor_set_sites (f->monitor, f->sites);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + HOUR_);

  g_assert_cmpint (state_of (f, keyless), ==, BW_SITE_STATE_CONFIG_ERROR);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.9"), ==, 0);
  g_assert_cmpint (bw_monitor_check_now (f->monitor, keyless, TRUE, NULL), ==, BW_CHECK_UNUSABLE);
  g_assert_cmpint (state_of (f, lost), ==, BW_SITE_STATE_CONFIG_ERROR);
}

static void
test_broken_key_never_healthy_via (Fixture       *f,
                                   gconstpointer  data)
{
  BwSite *broken;
  BwSiteStatus status;

  add_sites (f, "x", "10.0.0.1", 3);
  broken = g_ptr_array_index (f->sites, 2);
  bw_site_set_key_path (broken, "/broken/key");
  bw_monitor_set_sites (f->monitor, f->sites);
  bw_monitor_start (f->monitor, FALSE);
  run_until (f, now (f));
  bw_monitor_check_all (f->monitor, FALSE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);

  g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, 0)), ==, BW_SITE_STATE_HEALTHY);
  g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, 1)), ==, BW_SITE_STATE_HEALTHY);
  bw_monitor_get_status (f->monitor, broken, &status);
  g_assert_cmpint (status.state, ==, BW_SITE_STATE_CONFIG_ERROR);
  g_assert_null (status.verified_via);
  g_assert_cmpstr (status.message, ==, "fake: no usable key for x-02");
}

static void
test_hostkey_alarm_holds_for_the_server (Fixture       *f,
                                         gconstpointer  data)
{
  add_sites (f, "x", "10.0.0.1", 3);
  bw_monitor_start (f->monitor, FALSE);
  run_until (f, now (f));
  bw_monitor_check_all (f->monitor, FALSE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);

  /* A changed host key on one site is the server's: none of its sites is healthy "via". */
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", CHANGED_KEY, FALSE);
  bw_monitor_check_all (f->monitor, TRUE, NULL, NULL, NULL);
  run_until (f, now (f) + MIN_);
  for (guint i = 0; i < f->sites->len; i++)
    g_assert_cmpint (state_of (f, g_ptr_array_index (f->sites, i)), ==, BW_SITE_STATE_HOSTKEY_ALARM);
}

static void
test_estimates (Fixture       *f,
                gconstpointer  data)
{
  BwSite *site;
  BwEstimate estimate;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id;

  add_sites (f, "x", "10.0.0.1", 1);
  site = g_ptr_array_index (f->sites, 0);
  run_until (f, now (f));

  /* No history, generic provider: unknown. Xserver: the preset. */
  g_assert_false (bw_monitor_get_estimate (f->monitor, site, &estimate));
  g_assert_cmpstr (estimate.source, ==, "unknown");
  bw_site_set_provider (site, "xserver");
  bw_monitor_set_sites (f->monitor, f->sites);
  run_until (f, now (f));
  g_assert_true (bw_monitor_get_estimate (f->monitor, site, &estimate));
  g_assert_cmpstr (estimate.source, ==, "provider");
  g_assert_cmpfloat (estimate.min_hours, ==, 12);
  g_assert_cmpfloat (estimate.max_hours, ==, 24);

  /* Past episodes: median and range. */
  for (guint i = 0; i < 3; i++)
    {
      gint64 hours[] = { 10, 14, 11 };
      id = bw_history_episode_begin (f->history, "10.0.0.1:10022", BW_SITE_STATE_HEAVIER_BAN,
                                     T0 - 100 * HOUR_ + i * 20 * HOUR_, &error);
      g_assert_no_error (error);
      g_assert_true (bw_history_episode_end (f->history, id, T0 - 100 * HOUR_ + i * 20 * HOUR_ + hours[i] * HOUR_, &error));
    }
  g_assert_true (bw_monitor_get_estimate (f->monitor, site, &estimate));
  g_assert_cmpstr (estimate.source, ==, "history");
  g_assert_cmpfloat (estimate.min_hours, ==, 10);
  g_assert_cmpfloat (estimate.max_hours, ==, 14);
  g_assert_cmpfloat (estimate.median_hours, ==, 11);
  text = bw_monitor_format_estimate (&estimate);
  g_assert_cmpstr (text, ==, "usually lifts after 10–14 h");
  {
    BwEstimate short_ban = { .min_hours = 0.25, .max_hours = 1.5, .source = "history" };
    g_autofree char *short_text = bw_monitor_format_estimate (&short_ban);
    g_assert_cmpstr (short_text, ==, "usually lifts after 15 min–1.5 h");
  }

  /* A heavier ban now waits for the history's lower bound (10 h), not the default 6 h. */
  bw_fake_prober_set_clock (f->prober, BW_CLOCK (f->clock));
  bw_fake_prober_set_outcome (f->prober, "10.0.0.1", REFUSED, TRUE);
  bw_monitor_start (f->monitor, TRUE);
  run_until (f, now (f) + 9 * HOUR_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 1);
  g_assert_true (bw_monitor_get_estimate (f->monitor, site, &estimate));
  g_assert_cmpint (estimate.expected_at, >, 0);
  run_until (f, now (f) + 2 * HOUR_);
  g_assert_cmpuint (bw_fake_prober_count (f->prober, "10.0.0.1"), ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_setenv ("TZ", "UTC", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/monitor/classify", test_classify_is_pure);
  ADD ("/monitor/state-table", test_state_table);
  ADD ("/monitor/budget", test_budget);
  ADD ("/monitor/serialized-and-capped", test_serialized_and_capped);
  ADD ("/monitor/representatives", test_representatives);
  ADD ("/monitor/ban-correlation-and-backoff", test_ban_correlation_and_backoff);
  ADD ("/monitor/lighter-backoff-doubles", test_lighter_backoff_doubles);
  ADD ("/monitor/maintenance", test_maintenance);
  ADD ("/monitor/mute-acknowledge-reminders", test_mute_acknowledge_reminders);
  ADD ("/monitor/set-config", test_set_config);
  ADD ("/monitor/startup-grace-and-persistence", test_startup_grace_and_persistence);
  ADD ("/monitor/local-network", test_local_network);
  ADD ("/monitor/no-key-and-unresolvable", test_no_key_and_unresolvable);
  ADD ("/monitor/estimates", test_estimates);
  ADD ("/monitor/broken-key-never-healthy-via", test_broken_key_never_healthy_via);
  ADD ("/monitor/hostkey-alarm-holds-for-the-server", test_hostkey_alarm_holds_for_the_server);
#undef ADD

  return g_test_run ();
}
