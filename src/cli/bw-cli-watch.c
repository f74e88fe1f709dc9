// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "core/bw-monitor.h"
#include "core/bw-validate.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

typedef GObject *(*NotifierNew) (BwMonitor *monitor);
typedef void     (*NotifierNotify) (GObject *notifier, const BwMonitorEvent *event);

typedef struct {
  GMainLoop      *loop;
  gboolean        json;
  GObject        *notifier;
  NotifierNotify  notify;
} Watch;

static gboolean
on_signal_cb (gpointer user_data)
{
  g_main_loop_quit (((Watch *) user_data)->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_event_cb (BwMonitor      *monitor,
             BwMonitorEvent *event,
             Watch          *watch)
{
  g_autofree char *since = bw_cli_format_iso8601 (event->since);
  const char *kind = event->kind == BW_MONITOR_EVENT_REMINDER ? "reminder" : "transition";

  if (watch->notifier != NULL)
    watch->notify (watch->notifier, event);

  if (watch->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, kind);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, bw_site_get_name (event->site));
      json_builder_set_member_name (builder, "from");
      json_builder_add_string_value (builder, bw_site_state_to_string (event->from));
      json_builder_set_member_name (builder, "to");
      json_builder_add_string_value (builder, bw_site_state_to_string (event->to));
      json_builder_set_member_name (builder, "since");
      json_builder_add_string_value (builder, since);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, event->reason != NULL ? event->reason : "");
      json_builder_set_member_name (builder, "via");
      if (event->via != NULL)
        json_builder_add_string_value (builder, event->via);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "notify");
      json_builder_add_boolean_value (builder, event->notify);
      json_builder_set_member_name (builder, "critical");
      json_builder_add_boolean_value (builder, event->critical);
      json_builder_set_member_name (builder, "recovery");
      json_builder_add_boolean_value (builder, event->recovery);
      json_builder_set_member_name (builder, "maintenance");
      json_builder_add_boolean_value (builder, event->maintenance);
      json_builder_end_object (builder);

      node = json_builder_get_root (builder);
      text = json_to_string (node, FALSE);
      g_print ("%s\n", text);
    }
  else if (event->kind == BW_MONITOR_EVENT_REMINDER)
    g_print (_("%s  %s  still %s since %s\n"), since, bw_site_get_name (event->site),
             bw_site_state_to_string (event->to), since);
  else
    g_print ("%s  %s  %s → %s  %s\n", since, bw_site_get_name (event->site),
             bw_site_state_to_string (event->from), bw_site_state_to_string (event->to),
             event->reason != NULL ? event->reason : "");

  fflush (stdout);
}

/**
 * bw_cli_watch:
 *
 * `banwatch watch [--json]`: the headless monitor. Prints every transition (one JSON
 * object per line with --json) until SIGINT or SIGTERM.
 */
int
bw_cli_watch (int    argc,
              char **argv)
{
  gboolean json = FALSE;
  g_autofree char *known_hosts_option = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object per event"), NULL },
    { "known-hosts", 0, 0, G_OPTION_ARG_FILENAME, &known_hosts_option, N_("Banwatch's known_hosts file"), "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwMonitor) monitor = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *known_hosts = NULL;
  Watch watch = { 0 };
  guint sigint_id;
  guint sigterm_id;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options_no_args ("watch", context, &argc, &argv, &status))
    return status;

  known_hosts = bw_cli_known_hosts_path (known_hosts_option);
  store = bw_cli_open_store ("watch", &status);
  if (store == NULL)
    return status;

  monitor = bw_cli_new_monitor ("watch", store, known_hosts, BW_PROBE_DEFAULT_TIMEOUT_S, &status);
  if (monitor == NULL)
    return status;

  loop = g_main_loop_new (NULL, FALSE);
  watch.loop = loop;
  watch.json = json;
  g_signal_connect (monitor, "event", G_CALLBACK (on_event_cb), &watch);

  /* Desktop notifications when the session has a notification server; the libnotify
   * part lives in the desktop module, loaded only then. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    {
      GModule *module = bw_cli_load_app_module ();
      NotifierNew notifier_new = NULL;

      if (module != NULL &&
          g_module_symbol (module, "bw_app_watch_notifier_new", (gpointer *) &notifier_new) &&
          g_module_symbol (module, "bw_app_watch_notify", (gpointer *) &watch.notify))
        watch.notifier = notifier_new (monitor);
      if (watch.notifier == NULL)
        g_printerr ("%s\n", _("No notification server: transitions are printed only."));
    }
  sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, &watch);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, &watch);

  g_printerr (_("Watching %u sites. Press Ctrl+C to stop.\n"), g_list_model_get_n_items (G_LIST_MODEL (store)));
  bw_monitor_start (monitor, TRUE);
  g_main_loop_run (loop);
  bw_monitor_stop (monitor);
  g_clear_object (&watch.notifier);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  return BW_EXIT_OK;
}

static void
print_status_line (BwMonitor *monitor,
                   BwSite    *site)
{
  BwSiteStatus s;
  BwEstimate estimate;

  bw_monitor_get_status (monitor, site, &s);
  g_print ("%-24s %-14s", bw_site_get_name (site), bw_site_state_to_string (s.state));
  if (s.since > 0)
    {
      g_autofree char *since = bw_cli_format_iso8601 (s.since);
      g_print (_(" since %s"), since);
    }
  if (s.verified_via != NULL)
    g_print (_(" (via %s)"), s.verified_via);
  if (bw_site_state_is_ban (s.state) && bw_monitor_get_estimate (monitor, site, &estimate))
    {
      g_autofree char *text = bw_monitor_format_estimate (&estimate);
      g_print ("; %s", text);
    }
  g_print ("\n");
}

/**
 * bw_cli_status:
 *
 * `banwatch status [--json]`: the last known state of every site, from the history,
 * without probing anything.
 */
int
bw_cli_status (int    argc,
               char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwMonitor) monitor = NULL;
  g_autofree char *known_hosts = bw_cli_known_hosts_path (NULL);
  guint n_items;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options_no_args ("status", context, &argc, &argv, &status))
    return status;

  store = bw_cli_open_store ("status", &status);
  if (store == NULL)
    return status;

  /* A monitor that is never started: it only reads what the history knows. */
  monitor = bw_cli_new_monitor ("status", store, known_hosts, BW_PROBE_DEFAULT_TIMEOUT_S, &status);
  if (monitor == NULL)
    return status;
  while (!bw_monitor_is_idle (monitor))
    g_main_context_iteration (NULL, TRUE);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
          json_array_add_element (array, bw_cli_status_to_json (monitor, site, FALSE, NULL));
        }
      json_node_set_array (node, array);
      bw_cli_print_json (node);
      return BW_EXIT_OK;
    }

  if (n_items == 0)
    g_print ("%s\n", _("No sites yet. Add one with “banwatch sites add”."));
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
      print_status_line (monitor, site);
    }
  return BW_EXIT_OK;
}

/**
 * bw_cli_history:
 *
 * `banwatch history NAME [--json] [--limit N]`: a site's recent probes and its server's
 * ban episodes.
 */
int
bw_cli_history (int    argc,
                char **argv)
{
  gboolean json = FALSE;
  g_autofree char *limit_text = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text, N_("How many probes to show (default 50)"), "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwHistory) history = NULL;
  g_autoptr(GPtrArray) probes = NULL;
  g_autoptr(GPtrArray) episodes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *destination = NULL;
  g_autofree char *known_hosts = bw_cli_known_hosts_path (NULL);
  guint limit = 50;
  BwSite *site;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("history", context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bw_cli_usage_error ("history", _("give exactly one site name"));
  if (limit_text != NULL && !bw_parse_bounded_uint (limit_text, 1, 100000, &limit))
    return bw_cli_usage_error ("history", _("--limit “%s” is not a number between 1 and 100000"), limit_text);

  store = bw_cli_open_store ("history", &status);
  if (store == NULL)
    return status;
  site = bw_site_store_find_by_name (store, argv[1], &error);
  if (site == NULL)
    return bw_cli_fail ("history", error);

  history = bw_history_open (NULL, &error);
  if (history == NULL)
    return bw_cli_fail ("history", error);

  probes = bw_history_list_probes (history, bw_site_get_id (site), limit);
  if (probes->len > 0)
    destination = g_strdup (((BwProbeRecord *) g_ptr_array_index (probes, 0))->destination);
  else
    {
      /* Never probed itself (checked "via" another site): its server is found by
       * resolving, as the monitor does; nothing is probed. */
      g_autoptr(BwMonitor) monitor = bw_cli_new_monitor ("history", store, known_hosts,
                                                        BW_PROBE_DEFAULT_TIMEOUT_S, &status);
      BwSiteStatus site_status = { 0 };

      if (monitor == NULL)
        return status;
      while (!bw_monitor_is_idle (monitor))
        g_main_context_iteration (NULL, TRUE);
      if (bw_monitor_get_status (monitor, site, &site_status))
        destination = g_strdup (site_status.destination);
    }
  episodes = bw_history_list_episodes (history, destination != NULL ? destination : "");

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, bw_site_get_name (site));
      json_builder_set_member_name (builder, "probes");
      json_builder_begin_array (builder);
      for (guint i = 0; i < probes->len; i++)
        {
          BwProbeRecord *record = g_ptr_array_index (probes, i);
          g_autofree char *time = bw_cli_format_iso8601 (record->time);
          g_autoptr(JsonNode) timings = json_from_string (record->timings, NULL);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "time");
          json_builder_add_string_value (builder, time);
          json_builder_set_member_name (builder, "destination");
          json_builder_add_string_value (builder, record->destination);
          json_builder_set_member_name (builder, "observation");
          json_builder_add_string_value (builder, record->observation);
          json_builder_set_member_name (builder, "phase");
          json_builder_add_string_value (builder, record->phase);
          json_builder_set_member_name (builder, "state");
          json_builder_add_string_value (builder, record->state);
          json_builder_set_member_name (builder, "message");
          json_builder_add_string_value (builder, record->message != NULL ? record->message : "");
          json_builder_set_member_name (builder, "timings_ms");
          if (timings != NULL)
            json_builder_add_value (builder, g_steal_pointer (&timings));
          else
            json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "episodes");
      json_builder_begin_array (builder);
      for (guint i = 0; i < episodes->len; i++)
        {
          BwEpisode *episode = g_ptr_array_index (episodes, i);
          g_autofree char *start = bw_cli_format_iso8601 (episode->start);
          g_autofree char *end = episode->end != 0 ? bw_cli_format_iso8601 (episode->end) : NULL;
          g_auto(GStrv) path = g_strsplit (episode->path, ",", -1);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "destination");
          json_builder_add_string_value (builder, episode->destination);
          json_builder_set_member_name (builder, "start");
          json_builder_add_string_value (builder, start);
          json_builder_set_member_name (builder, "end");
          if (end != NULL)
            json_builder_add_string_value (builder, end);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "hours");
          if (episode->end != 0)
            json_builder_add_double_value (builder, (double) (episode->end - episode->start) / 3600 / G_USEC_PER_SEC);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "path");
          json_builder_begin_array (builder);
          for (guint j = 0; path[j] != NULL; j++)
            json_builder_add_string_value (builder, path[j]);
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      bw_cli_print_json (node);
      return BW_EXIT_OK;
    }

  if (probes->len == 0)
    g_print (_("“%s” has not been checked yet.\n"), bw_site_get_name (site));
  for (guint i = 0; i < probes->len; i++)
    {
      BwProbeRecord *record = g_ptr_array_index (probes, i);
      g_autofree char *time = bw_cli_format_iso8601 (record->time);

      g_print ("%s  %-24s %-14s %s\n", time, record->observation, record->state,
               record->message != NULL ? record->message : "");
    }
  if (episodes->len > 0)
    g_print ("\n%s\n", _("Ban episodes of this server:"));
  for (guint i = 0; i < episodes->len; i++)
    {
      BwEpisode *episode = g_ptr_array_index (episodes, i);
      g_autofree char *start = bw_cli_format_iso8601 (episode->start);

      if (episode->end != 0)
        g_print (_("  %s  %.1f h  %s\n"), start, (double) (episode->end - episode->start) / 3600 / G_USEC_PER_SEC,
                 episode->path);
      else
        g_print (_("  %s  ongoing  %s\n"), start, episode->path);
    }
  return BW_EXIT_OK;
}
