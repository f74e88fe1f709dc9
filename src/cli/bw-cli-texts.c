// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "core/bw-audit.h"
#include "core/bw-command.h"
#include "core/bw-decoder.h"
#include "core/bw-texts.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

#define MAX_DECODE_INPUT (1024 * 1024)

static char *
default_client_language (void)
{
  g_autoptr(GSettings) settings = bw_settings_new_if_installed ();

  return settings != NULL ? g_settings_get_string (settings, "client-language") : g_strdup ("en");
}

/**
 * bw_cli_explain:
 *
 * `banwatch explain NAME [--lang en|ja] [--for client|operator]`: the text for the site's
 * current state, from the history; nothing is probed.
 */
int
bw_cli_explain (int    argc,
                char **argv)
{
  g_autofree char *lang = NULL;
  g_autofree char *audience = NULL;
  const GOptionEntry entries[] = {
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang, N_("Language of the text: en or ja (default: the client-language preference)"), "LANG" },
    { "for", 0, 0, G_OPTION_ARG_STRING, &audience, N_("client (default) or operator"), "WHO" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) since = NULL;
  g_autoptr(GDateTime) expected = NULL;
  g_autofree char *known_hosts = bw_cli_known_hosts_path (NULL);
  g_autofree char *command = NULL;
  g_autofree char *estimate_text = NULL;
  g_autofree char *text = NULL;
  BwSiteStatus status = { 0 };
  BwEstimate estimate;
  BwTextVars vars = { 0 };
  gboolean for_client = TRUE;
  BwSite *site;
  int exit_code;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("explain", context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return bw_cli_usage_error ("explain", _("give exactly one site name"));
  if (lang == NULL)
    lang = default_client_language ();
  if (!bw_texts_is_language (lang))
    return bw_cli_usage_error ("explain", _("--lang “%s” is not available; use en or ja"), lang);
  if (audience != NULL && !g_str_equal (audience, "client") && !g_str_equal (audience, "operator"))
    return bw_cli_usage_error ("explain", _("--for “%s” is neither client nor operator"), audience);
  for_client = audience == NULL || g_str_equal (audience, "client");

  store = bw_cli_open_store ("explain", &exit_code);
  if (store == NULL)
    return exit_code;
  site = bw_site_store_find_by_name (store, argv[1], &error);
  if (site == NULL)
    return bw_cli_fail ("explain", error);

  monitor = bw_cli_new_monitor ("explain", store, known_hosts, BW_PROBE_DEFAULT_TIMEOUT_S, &exit_code);
  if (monitor == NULL)
    return exit_code;
  while (!bw_monitor_is_idle (monitor))
    g_main_context_iteration (NULL, TRUE);

  bw_monitor_get_status (monitor, site, &status);
  if (status.since > 0)
    since = g_date_time_new_from_unix_local (status.since / G_USEC_PER_SEC);
  if (bw_site_state_is_ban (status.state) && bw_monitor_get_estimate (monitor, site, &estimate))
    {
      if (estimate.expected_at > 0)
        expected = g_date_time_new_from_unix_local (estimate.expected_at / G_USEC_PER_SEC);
      estimate_text = bw_texts_format_estimate (estimate.min_hours, estimate.max_hours, expected, lang, NULL);
    }
  command = bw_command_build_for_site (BW_COMMAND_FORMAT_SSH, site, NULL);

  vars.site = bw_site_get_name (site);
  vars.since = since;
  vars.estimate = estimate_text;
  vars.web_answered = status.web_answered;
  vars.command = command;

  text = for_client ? bw_texts_client (status.state, &vars, lang, &error)
                    : bw_texts_operator (status.state, &vars, lang, &error);
  if (text == NULL)
    return bw_cli_fail ("explain", error);

  g_print ("%s\n", text);
  return BW_EXIT_OK;
}

/**
 * bw_cli_command:
 *
 * `banwatch command NAME [--format …]`: the hardened first-touch command.
 */
int
bw_cli_command (int    argc,
                char **argv)
{
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("ssh (default), ssh-config, paramiko, rsync or scp"), "FORMAT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  BwCommandFormat f = BW_COMMAND_FORMAT_SSH;
  BwSite *site;
  int exit_code;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("command", context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc != 2)
    return bw_cli_usage_error ("command", _("give exactly one site name"));
  if (format != NULL && !bw_command_format_from_string (format, &f))
    return bw_cli_usage_error ("command", _("--format “%s” is not one of ssh, ssh-config, paramiko, rsync, scp"),
                               format);

  store = bw_cli_open_store ("command", &exit_code);
  if (store == NULL)
    return exit_code;
  site = bw_site_store_find_by_name (store, argv[1], &error);
  if (site == NULL)
    return bw_cli_fail ("command", error);

  text = bw_command_build_for_site (f, site, &error);
  if (text == NULL)
    return bw_cli_fail ("command", error);

  g_print ("%s\n", text);
  return BW_EXIT_OK;
}

static GBytes *
read_stdin (gsize    limit,
            GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    {
      if (text->len + n > limit)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("the text is longer than %zu bytes; paste only the error"), limit);
          return NULL;
        }
      g_string_append_len (text, buffer, (gssize) n);
    }

  return g_string_free_to_bytes (g_steal_pointer (&text));
}

/**
 * bw_cli_decode:
 *
 * `banwatch decode [--json] [TEXT]`: what an error message from OpenSSH, paramiko, libssh,
 * PuTTY, FileZilla or WinSCP means. Reads standard input without TEXT.
 */
int
bw_cli_decode (int    argc,
               char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[TEXT]");
  g_autoptr(BwDecodeResult) result = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("decode", context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2)
    return bw_cli_usage_error ("decode", _("give the text as one argument (quote it), or on standard input"));

  if (argc == 2)
    input = g_bytes_new (argv[1], strlen (argv[1]));
  else if ((input = read_stdin (MAX_DECODE_INPUT, &error)) == NULL)
    return bw_cli_usage_error ("decode", "%s", error->message);

  result = bw_decode (g_bytes_get_data (input, NULL), (gssize) g_bytes_get_size (input));

  if (json)
    {
      g_autoptr(JsonNode) node = bw_decode_result_to_json (result);
      bw_cli_print_json (node);
    }
  else if (!result->recognised)
    g_print ("%s\n", result->explanation);
  else
    {
      g_print ("%s (%s: %s)\n", result->has_observation ? bw_observation_to_string (result->observation) : "—",
               _("confidence"), bw_decode_confidence_to_string (result->confidence));
      g_print ("%s\n", result->explanation);
      if (result->line != NULL)
        g_print ("%s %s\n", _("Deciding line:"), result->line);
    }

  return result->recognised ? BW_EXIT_OK : BW_EXIT_NOT_RECOGNISED;
}

/**
 * bw_cli_audit:
 *
 * `banwatch audit [NAME] [--json]`: how many keys a plain `ssh` to a site would offer,
 * and the fix.
 */
int
bw_cli_audit (int    argc,
              char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[NAME]");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GError) error = NULL;
  int exit_code;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("audit", context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc > 2)
    return bw_cli_usage_error ("audit", _("give at most one site name"));

  store = bw_cli_open_store ("audit", &exit_code);
  if (store == NULL)
    return exit_code;

  if (argc == 2)
    {
      BwSite *site = bw_site_store_find_by_name (store, argv[1], &error);

      if (site == NULL)
        return bw_cli_fail ("audit", error);
      g_ptr_array_add (sites, g_object_ref (site));
    }
  else
    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
      g_ptr_array_add (sites, g_list_model_get_item (G_LIST_MODEL (store), i));

  for (guint i = 0; i < sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (sites, i);
      g_autoptr(BwAuditReport) report = NULL;
      BwAuditParams params = { 0 };

      bw_audit_params_init_for_site (&params, site);
      params.home_dir = g_get_home_dir ();
      params.auth_sock = g_getenv ("SSH_AUTH_SOCK");
      params.local_user = g_get_user_name ();

      report = bw_audit_run (&params, &error);
      if (report == NULL)
        return bw_cli_fail ("audit", error);

      if (json)
        {
          JsonNode *node = bw_audit_report_to_json (report);

          json_object_set_string_member (json_node_get_object (node), "name", bw_site_get_name (site));
          json_array_add_element (array, node);
        }
      else
        {
          g_autofree char *text = bw_audit_report_format (report);
          g_print ("== %s ==\n%s\n", bw_site_get_name (site), text);
        }
    }

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      json_node_set_array (node, array);
      bw_cli_print_json (node);
    }
  else if (sites->len == 0)
    g_print ("%s\n", _("No sites yet. Add one with “banwatch sites add”."));

  return BW_EXIT_OK;
}
