// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "core/bw-monitor.h"
#include "core/bw-validate.h"
#include "probe/bw-probe.h"
#include "probe/bw-ssh-prober.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

typedef struct {
  GMainLoop *loop;
  gboolean   interrupted;
} Interrupt;

static gboolean
on_interrupt_cb (gpointer user_data)
{
  Interrupt *interrupt = user_data;

  interrupt->interrupted = TRUE;
  g_main_loop_quit (interrupt->loop);
  return G_SOURCE_CONTINUE;
}

static char *
lookup_passphrase_cb (BwSite   *site,
                      gpointer  user_data,
                      GError  **error)
{
  return bw_site_store_lookup_passphrase_sync (user_data, site, NULL, error);
}

/**
 * bw_cli_monitor_config:
 *
 * The monitor's settings; BANWATCH_TIME_SCALE compresses every interval (tests, demos).
 */
void
bw_cli_monitor_config (BwMonitorConfig *config)
{
  const char *scale = g_getenv ("BANWATCH_TIME_SCALE");
  g_autoptr(GSettings) settings = bw_settings_new_if_installed ();

  bw_monitor_config_load (config, settings);
  if (scale != NULL)
    {
      double factor = g_ascii_strtod (scale, NULL);

      if (factor > 0 && factor <= 1)
        bw_monitor_config_scale (config, factor);
      else
        g_printerr ("banwatch: %s\n", _("ignoring BANWATCH_TIME_SCALE: it must be a number in (0, 1]"));
    }
}

/**
 * bw_cli_new_monitor:
 *
 * Builds the monitor the CLI commands share: the real prober with the keyring's
 * passphrases, the real clock, and the history database.
 *
 * Returns: (transfer full) (nullable): the monitor, or %NULL after printing why
 */
BwMonitor *
bw_cli_new_monitor (const char  *command,
                    BwSiteStore *store,
                    const char  *known_hosts,
                    guint        timeout_s,
                    int         *out_exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BwHistory) history = bw_history_open (NULL, &error);
  g_autoptr(BwProber) prober = NULL;
  g_autoptr(BwClock) clock = bw_system_clock_new ();
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
  BwMonitorConfig config;
  BwMonitor *monitor;

  if (history == NULL)
    {
      *out_exit_code = BW_EXIT_INTERNAL;
      g_printerr ("banwatch %s: %s\n", command, error->message);
      return NULL;
    }

  bw_cli_monitor_config (&config);
  prober = bw_ssh_prober_new (known_hosts, timeout_s, bw_probe_async, bw_probe_finish, lookup_passphrase_cb, store);
  monitor = bw_monitor_new (prober, clock, history, &config);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    g_ptr_array_add (sites, g_list_model_get_item (G_LIST_MODEL (store), i));
  bw_monitor_set_sites (monitor, sites);
  return monitor;
}

static gboolean
wait_until_idle (BwMonitor *monitor)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Interrupt interrupt = { .loop = loop };
  guint sigint_id = g_unix_signal_add (SIGINT, on_interrupt_cb, &interrupt);
  guint sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt_cb, &interrupt);

  /* Every probe has its own deadline, so this ends; a signal ends it sooner. */
  while (!bw_monitor_is_idle (monitor) && !interrupt.interrupted)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  return !interrupt.interrupted;
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       t)
{
  json_builder_set_member_name (builder, name);
  if (t > 0)
    {
      g_autofree char *text = bw_cli_format_iso8601 (t);
      json_builder_add_string_value (builder, text);
    }
  else
    json_builder_add_null_value (builder);
}

/**
 * bw_cli_status_to_json:
 *
 * The documented per-site object of `check --json` and `status --json`.
 */
JsonNode *
bw_cli_status_to_json (BwMonitor  *monitor,
                       BwSite     *site,
                       gboolean    probed_now,
                       const char *note)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  BwSiteStatus status;
  BwEstimate estimate;
  gboolean have_estimate;

  bw_monitor_get_status (monitor, site, &status);
  have_estimate = bw_monitor_get_estimate (monitor, site, &estimate);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, bw_site_get_name (site));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, bw_site_state_to_string (status.state));
  json_builder_set_member_name (builder, "probed");
  json_builder_add_boolean_value (builder, probed_now);
  json_builder_set_member_name (builder, "observation");
  if (probed_now && status.last_result != NULL)
    json_builder_add_string_value (builder, bw_observation_to_string (status.last_result->observation));
  else
    json_builder_add_null_value (builder);
  add_time (builder, "since", status.since);
  add_time (builder, "last_check", status.last_check);
  json_builder_set_member_name (builder, "verified_via");
  if (status.verified_via != NULL)
    json_builder_add_string_value (builder, status.verified_via);
  else
    json_builder_add_null_value (builder);
  add_time (builder, "next_check", status.next_check);
  json_builder_set_member_name (builder, "destination");
  if (status.destination != NULL)
    json_builder_add_string_value (builder, status.destination);
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "estimate");
  if (have_estimate && bw_site_state_is_ban (status.state))
    {
      g_autofree char *text = bw_monitor_format_estimate (&estimate);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, estimate.source);
      json_builder_set_member_name (builder, "min_hours");
      json_builder_add_double_value (builder, estimate.min_hours);
      json_builder_set_member_name (builder, "max_hours");
      json_builder_add_double_value (builder, estimate.max_hours);
      json_builder_set_member_name (builder, "median_hours");
      json_builder_add_double_value (builder, estimate.median_hours);
      add_time (builder, "expected_at", estimate.expected_at);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, note != NULL ? note : status.message != NULL ? status.message : "");
  json_builder_set_member_name (builder, "probe");
  if (probed_now && status.last_result != NULL)
    json_builder_add_value (builder, bw_probe_result_to_json (status.last_result));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static char *
verdict_note (BwCheckVerdict verdict,
              gint64         next_possible)
{
  g_autofree char *when = next_possible > 0 ? bw_cli_format_local (next_possible, "%Y-%m-%d %H:%M") : g_strdup ("?");

  switch (verdict)
    {
    case BW_CHECK_DEFERRED:
      return g_strdup_printf (_("Not checked: this server's connection budget is spent; the next "
                                "check is possible at %s (--force overrides)."), when);
    case BW_CHECK_BANNED:
      return g_strdup_printf (_("Not checked: the server is likely banning this address and is left "
                                "alone until %s. Retrying can extend the ban (--force overrides)."), when);
    case BW_CHECK_UNUSABLE:
    case BW_CHECK_STARTED:
    case BW_CHECK_BUSY:
    default:
      return NULL;
    }
}

/* The worst site's probe exit code when its own probe explains its state, else the
 * state's. */
static int
exit_code_for (BwMonitor   *monitor,
               BwSite      *site,
               BwSiteState  state)
{
  BwSiteStatus s;

  bw_monitor_get_status (monitor, site, &s);
  if (s.last_result != NULL && bw_site_state_from_observation (s.last_result->observation) == state)
    return bw_observation_exit_code (s.last_result->observation);
  return bw_site_state_exit_code (state);
}

/**
 * bw_cli_check:
 *
 * `banwatch check [NAME…|--all] [--json] [--force]`: probes stored sites through the
 * monitor: one representative per server for --all, budgets and backoff respected.
 */
int
bw_cli_check (int    argc,
              char **argv)
{
  gboolean all = FALSE;
  gboolean json = FALSE;
  gboolean force = FALSE;
  g_autofree char *known_hosts_option = NULL;
  g_autofree char *timeout = NULL;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Check every server, one site each"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Check even over budget or during a ban's backoff (retrying can extend a ban)"), NULL },
    { "known-hosts", 0, 0, G_OPTION_ARG_FILENAME, &known_hosts_option, N_("Banwatch's known_hosts file"), "FILE" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout, N_("Deadline per probe in seconds, 10–300"), "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[NAME…]");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwMonitor) monitor = NULL;
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) notes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) before = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *known_hosts = NULL;
  guint timeout_s = BW_PROBE_DEFAULT_TIMEOUT_S;
  BwSiteState worst_state = BW_SITE_STATE_HEALTHY;
  BwSite *worst = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("check", context, &argc, &argv, &status))
    return status;
  if (all && argc > 1)
    return bw_cli_usage_error ("check", _("give site names or --all, not both"));
  if (!all && argc < 2)
    return bw_cli_usage_error ("check", _("give one or more site names, or --all"));
  if (timeout != NULL &&
      !bw_parse_bounded_uint (timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S, &timeout_s))
    return bw_cli_usage_error ("check", _("--timeout “%s” is not a whole number of seconds between %d and %d"),
                               timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S);

  known_hosts = bw_cli_known_hosts_path (known_hosts_option);
  store = bw_cli_open_store ("check", &status);
  if (store == NULL)
    return status;

  if (all)
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
      g_ptr_array_add (targets, g_list_model_get_item (G_LIST_MODEL (store), i));
  else
    for (int i = 1; i < argc; i++)
      {
        g_autoptr(GError) error = NULL;
        BwSite *site = bw_site_store_find_by_name (store, argv[i], &error);

        if (site == NULL)
          return bw_cli_fail ("check", error);
        g_ptr_array_add (targets, g_object_ref (site));
      }

  monitor = bw_cli_new_monitor ("check", store, known_hosts, timeout_s, &status);
  if (monitor == NULL)
    return status;

  bw_monitor_start (monitor, FALSE);
  if (!wait_until_idle (monitor))
    return BW_EXIT_INTERRUPTED;

  for (guint i = 0; i < targets->len; i++)
    {
      BwSiteStatus s;
      BwSite *site = g_ptr_array_index (targets, i);

      bw_monitor_get_status (monitor, site, &s);
      g_hash_table_insert (before, (gpointer) bw_site_get_id (site), s.last_result);
    }

  if (all)
    {
      /* Note first which servers will not be checked, and why: asking changes nothing. */
      for (guint i = 0; i < targets->len && !force; i++)
        {
          BwSite *site = g_ptr_array_index (targets, i);
          gint64 next_possible = 0;
          char *note = verdict_note (bw_monitor_peek_verdict (monitor, site, &next_possible), next_possible);

          if (note != NULL)
            g_hash_table_insert (notes, (gpointer) bw_site_get_id (site), note);
        }
      bw_monitor_check_all (monitor, force, NULL, NULL, NULL);
    }
  else
    for (guint i = 0; i < targets->len; i++)
      {
        BwSite *site = g_ptr_array_index (targets, i);
        gint64 next_possible = 0;
        BwCheckVerdict verdict = bw_monitor_check_now (monitor, site, force, &next_possible);
        char *note = verdict_note (verdict, next_possible);

        if (note != NULL)
          g_hash_table_insert (notes, (gpointer) bw_site_get_id (site), note);
        /* One site at a time per server: wait for this one before asking for the next. */
        if (!wait_until_idle (monitor))
          return BW_EXIT_INTERRUPTED;
      }

  if (!wait_until_idle (monitor))
    return BW_EXIT_INTERRUPTED;

  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < targets->len; i++)
        {
          BwSite *site = g_ptr_array_index (targets, i);
          BwSiteStatus s;

          bw_monitor_get_status (monitor, site, &s);
          json_array_add_element (array, bw_cli_status_to_json (monitor, site,
                                                                s.probed && s.last_result != NULL &&
                                                                s.last_result != g_hash_table_lookup (before, bw_site_get_id (site)),
                                                                g_hash_table_lookup (notes, bw_site_get_id (site))));
        }
      json_node_set_array (node, array);
      bw_cli_print_json (node);
    }
  else if (targets->len == 0)
    g_print ("%s\n", _("No sites to check. Add one with “banwatch sites add”."));

  for (guint i = 0; i < targets->len; i++)
    {
      BwSite *site = g_ptr_array_index (targets, i);
      const char *note = g_hash_table_lookup (notes, bw_site_get_id (site));
      BwSiteStatus s;

      bw_monitor_get_status (monitor, site, &s);
      if (!json)
        {
          g_print ("%-24s %-14s %s", bw_site_get_name (site), bw_site_state_to_string (s.state),
                   note != NULL ? note : s.message != NULL ? s.message : "");
          if (s.verified_via != NULL)
            g_print (_(" (via %s)"), s.verified_via);
          g_print ("\n");
        }

      if (bw_site_state_severity (s.state) > bw_site_state_severity (worst_state))
        {
          worst_state = s.state;
          worst = site;
        }
    }

  return worst != NULL ? exit_code_for (monitor, worst, worst_state) : BW_EXIT_OK;
}
