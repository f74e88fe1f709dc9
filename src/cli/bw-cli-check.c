// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "core/bw-site-state.h"
#include "core/bw-validate.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

#define COMMAND "check"
/* At most this many servers are probed at once; each server gets one connection at a time. */
#define MAX_PARALLEL_DESTINATIONS 4

typedef struct {
  BwSite         *site;
  BwProbeRequest *request;    /* NULL when the site cannot be probed */
  BwProbeResult  *result;
  BwSiteState     state;
  char           *message;
  GDateTime      *since;
} Check;

typedef struct {
  GPtrArray    *checks;       /* Check*, in output order */
  GPtrArray    *chains;       /* GPtrArray of Check*, one per destination */
  guint         next_chain;
  guint         running;
  GMainLoop    *loop;
  GCancellable *cancellable;
  gboolean      interrupted;
} Runner;

typedef struct {
  Runner    *runner;
  GPtrArray *chain;
  guint      position;
} ChainCursor;

static void
check_free (Check *check)
{
  g_clear_object (&check->site);
  g_clear_pointer (&check->request, bw_probe_request_free);
  g_clear_pointer (&check->result, bw_probe_result_unref);
  g_clear_pointer (&check->message, g_free);
  g_clear_pointer (&check->since, g_date_time_unref);
  g_free (check);
}

static void start_next_in_chain (ChainCursor *cursor);

static void
start_chains (Runner *runner)
{
  while (runner->running < MAX_PARALLEL_DESTINATIONS && runner->next_chain < runner->chains->len)
    {
      ChainCursor *cursor = g_new0 (ChainCursor, 1);

      cursor->runner = runner;
      cursor->chain = g_ptr_array_index (runner->chains, runner->next_chain++);
      runner->running++;
      start_next_in_chain (cursor);
    }

  if (runner->running == 0)
    g_main_loop_quit (runner->loop);
}

static void
on_probe_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ChainCursor *cursor = user_data;
  Check *check = g_ptr_array_index (cursor->chain, cursor->position);
  g_autoptr(GError) error = NULL;

  check->result = bw_probe_finish (result, &error);
  if (check->result != NULL)
    {
      check->state = bw_site_state_from_observation (check->result->observation);
      check->message = g_strdup (check->result->message);
      check->since = g_date_time_new_now_utc ();
    }
  else
    check->message = g_strdup (error->message);

  cursor->position++;
  start_next_in_chain (cursor);
}

static void
start_next_in_chain (ChainCursor *cursor)
{
  Runner *runner = cursor->runner;

  while (cursor->position < cursor->chain->len && !g_cancellable_is_cancelled (runner->cancellable))
    {
      Check *check = g_ptr_array_index (cursor->chain, cursor->position);

      if (check->request != NULL)
        {
          bw_probe_async (check->request, runner->cancellable, on_probe_done_cb, cursor);
          return;
        }
      cursor->position++;
    }

  g_free (cursor);
  runner->running--;
  start_chains (runner);
}

static gboolean
on_interrupt_cb (gpointer user_data)
{
  Runner *runner = user_data;

  runner->interrupted = TRUE;
  g_cancellable_cancel (runner->cancellable);
  return G_SOURCE_CONTINUE;
}

static Check *
prepare_check (BwSiteStore *store,
               BwSite      *site,
               const char  *known_hosts,
               guint        timeout_s)
{
  Check *check = g_new0 (Check, 1);
  g_autoptr(GError) error = NULL;
  char *passphrase = NULL;

  check->site = g_object_ref (site);
  check->state = BW_SITE_STATE_UNKNOWN;

  if (bw_site_get_key_path (site) == NULL)
    {
      check->state = BW_SITE_STATE_CONFIG_ERROR;
      check->message = g_strdup (_("No key is chosen for this site; Banwatch never uses the agent. "
                                   "Choose one with “banwatch sites edit NAME --key FILE”."));
      return check;
    }

  if (bw_site_get_has_passphrase (site))
    {
      passphrase = bw_site_store_lookup_passphrase_sync (store, site, NULL, &error);
      if (passphrase == NULL)
        {
          check->state = BW_SITE_STATE_CONFIG_ERROR;
          check->message = g_strdup (error->message);
          return check;
        }
    }

  check->request = bw_probe_request_new ();
  check->request->host = g_strdup (bw_site_get_host (site));
  check->request->port = bw_site_get_port (site);
  check->request->user = g_strdup (bw_site_get_user (site));
  check->request->key_path = g_strdup (bw_site_get_key_path (site));
  check->request->passphrase = passphrase;
  check->request->known_hosts = g_strdup (known_hosts);
  check->request->timeout_s = timeout_s;
  return check;
}

/* One chain per server (host and port as configured): its sites are probed one after
 * the other, never two connections at once to the same server. */
static GPtrArray *
group_by_destination (GPtrArray *checks)
{
  g_autoptr(GHashTable) by_destination = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *chains = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < checks->len; i++)
    {
      Check *check = g_ptr_array_index (checks, i);
      g_autofree char *destination = bw_site_dup_destination (check->site);
      GPtrArray *chain = g_hash_table_lookup (by_destination, destination);

      if (chain == NULL)
        {
          chain = g_ptr_array_new ();
          g_ptr_array_add (chains, chain);
          g_hash_table_insert (by_destination, g_ascii_strdown (destination, -1), chain);
        }
      g_ptr_array_add (chain, check);
    }

  return chains;
}

static JsonNode *
check_to_json (Check *check)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, bw_site_get_name (check->site));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, bw_site_state_to_string (check->state));
  json_builder_set_member_name (builder, "probed");
  json_builder_add_boolean_value (builder, check->result != NULL);
  json_builder_set_member_name (builder, "observation");
  if (check->result != NULL)
    json_builder_add_string_value (builder, bw_observation_to_string (check->result->observation));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "since");
  if (check->since != NULL)
    {
      g_autofree char *since = g_date_time_format_iso8601 (check->since);
      json_builder_add_string_value (builder, since);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, check->message != NULL ? check->message : "");
  json_builder_set_member_name (builder, "probe");
  if (check->result != NULL)
    json_builder_add_value (builder, bw_probe_result_to_json (check->result));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * bw_cli_check:
 *
 * `banwatch check [NAME…|--all] [--json]`: probes stored sites with their stored
 * passphrases, one connection at a time per server.
 */
int
bw_cli_check (int    argc,
              char **argv)
{
  gboolean all = FALSE;
  gboolean json = FALSE;
  g_autofree char *known_hosts_option = NULL;
  g_autofree char *timeout = NULL;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Check every site"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { "known-hosts", 0, 0, G_OPTION_ARG_FILENAME, &known_hosts_option, N_("Banwatch's known_hosts file"), "FILE" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout, N_("Deadline per probe in seconds, 10–300"), "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[NAME…]");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GPtrArray) checks = g_ptr_array_new_with_free_func ((GDestroyNotify) check_free);
  g_autoptr(GPtrArray) chains = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autofree char *known_hosts = NULL;
  Runner runner = { 0 };
  guint timeout_s = BW_PROBE_DEFAULT_TIMEOUT_S;
  guint sigint_id;
  guint sigterm_id;
  Check *worst = NULL;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options (COMMAND, context, &argc, &argv, &status))
    return status;
  if (all && argc > 1)
    return bw_cli_usage_error (COMMAND, _("give site names or --all, not both"));
  if (!all && argc < 2)
    return bw_cli_usage_error (COMMAND, _("give one or more site names, or --all"));
  if (timeout != NULL &&
      !bw_parse_bounded_uint (timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S, &timeout_s))
    return bw_cli_usage_error (COMMAND, _("--timeout “%s” is not a whole number of seconds between %d and %d"),
                               timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S);

  known_hosts = bw_cli_known_hosts_path (known_hosts_option);
  store = bw_cli_open_store (COMMAND, &status);
  if (store == NULL)
    return status;

  if (all)
    {
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
        {
          g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
          g_ptr_array_add (checks, prepare_check (store, site, known_hosts, timeout_s));
        }
    }
  else
    {
      for (int i = 1; i < argc; i++)
        {
          g_autoptr(GError) error = NULL;
          BwSite *site = bw_site_store_find_by_name (store, argv[i], &error);

          if (site == NULL)
            return bw_cli_fail (COMMAND, error);
          g_ptr_array_add (checks, prepare_check (store, site, known_hosts, timeout_s));
        }
    }

  chains = group_by_destination (checks);
  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();
  runner.checks = checks;
  runner.chains = chains;
  runner.loop = loop;
  runner.cancellable = cancellable;
  sigint_id = g_unix_signal_add (SIGINT, on_interrupt_cb, &runner);
  sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt_cb, &runner);

  start_chains (&runner);
  if (runner.running > 0)
    g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (runner.interrupted)
    {
      g_printerr ("banwatch %s: %s\n", COMMAND, _("interrupted"));
      return BW_EXIT_INTERRUPTED;
    }

  for (guint i = 0; i < checks->len; i++)
    {
      Check *check = g_ptr_array_index (checks, i);

      if (worst == NULL || bw_site_state_severity (check->state) > bw_site_state_severity (worst->state))
        worst = check;
    }

  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < checks->len; i++)
        json_array_add_element (array, check_to_json (g_ptr_array_index (checks, i)));
      json_node_set_array (node, array);
      bw_cli_print_json (node);
    }
  else if (checks->len == 0)
    g_print ("%s\n", _("No sites to check. Add one with “banwatch sites add”."));
  else
    {
      for (guint i = 0; i < checks->len; i++)
        {
          Check *check = g_ptr_array_index (checks, i);

          g_print ("%-24s %-14s %s\n", bw_site_get_name (check->site),
                   bw_site_state_to_string (check->state), check->message != NULL ? check->message : "");
        }
    }

  if (worst == NULL || worst->state == BW_SITE_STATE_HEALTHY)
    return BW_EXIT_OK;
  if (worst->result != NULL)
    return bw_observation_exit_code (worst->result->observation);
  return bw_site_state_exit_code (worst->state);
}
