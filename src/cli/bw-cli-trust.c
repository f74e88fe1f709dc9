// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "core/bw-validate.h"
#include "store/bw-known-hosts.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

#define COMMAND "trust"

/* "SHA256:" and 43 characters of unpadded base64, as ssh-keygen -l and hosting panels
 * print it. */
static gboolean
is_sha256_fingerprint (const char *text)
{
  const char *b64 = text + strlen ("SHA256:");

  return g_str_has_prefix (text, "SHA256:") && strlen (b64) == 43 &&
         strspn (b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") == 43;
}

static gboolean
ask_confirmation (void)
{
  char answer[16] = { 0 };

  g_print ("%s ", _("Trust this host key? [y/N]"));
  fflush (stdout);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    return FALSE;
  g_strstrip (answer);
  return g_ascii_strcasecmp (answer, "y") == 0 || g_ascii_strcasecmp (answer, "yes") == 0;
}

static int
pin (const char    *known_hosts,
     BwSite        *site,
     BwProbeResult *result)
{
  g_autoptr(GError) error = NULL;

  if (!bw_known_hosts_add (known_hosts, bw_site_get_host (site), bw_site_get_port (site),
                           result->hostkey_type, result->hostkey_base64, &error))
    {
      g_printerr ("banwatch %s: %s\n", COMMAND, error->message);
      return BW_EXIT_WRITE_FAILED;
    }

  g_print (_("Trusted the host key %s for “%s”.\n"), result->fingerprint, bw_site_get_name (site));
  return BW_EXIT_OK;
}

/**
 * bw_cli_trust:
 *
 * `banwatch trust NAME [--fingerprint SHA256:…] [--yes] [--forget]`: pins a site's host key
 * after an explicit decision. One connection, no authentication; a changed key is never
 * replaced without --forget first.
 */
int
bw_cli_trust (int    argc,
              char **argv)
{
  g_autofree char *fingerprint = NULL;
  g_autofree char *known_hosts_option = NULL;
  g_autofree char *timeout = NULL;
  gboolean yes = FALSE;
  gboolean forget = FALSE;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "fingerprint", 0, 0, G_OPTION_ARG_STRING, &fingerprint,
      N_("Pin the key only if it has this fingerprint (from your hosting panel)"), "SHA256:…" },
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes, N_("Trust the presented key without asking"), NULL },
    { "forget", 0, 0, G_OPTION_ARG_NONE, &forget, N_("Forget the pinned key(s) of this site's server"), NULL },
    { "known-hosts", 0, 0, G_OPTION_ARG_FILENAME, &known_hosts_option, N_("Banwatch's known_hosts file"), "FILE" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout, N_("Overall deadline in seconds, 10–300"), "S" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Connect even over the server's budget or during a ban's backoff"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwMonitor) monitor = NULL;
  g_autoptr(BwProbeRequest) request = bw_probe_request_new ();
  g_autoptr(BwProbeResult) result = NULL;
  g_autoptr(GPtrArray) pinned = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *known_hosts = NULL;
  BwSite *site;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options (COMMAND, context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bw_cli_usage_error (COMMAND, _("give exactly one site name"));
  if (fingerprint != NULL && !is_sha256_fingerprint (fingerprint))
    return bw_cli_usage_error (COMMAND, _("--fingerprint “%s” is not a SHA256 fingerprint like "
                                          "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"),
                               fingerprint);
  if (timeout != NULL &&
      !bw_parse_bounded_uint (timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S, &request->timeout_s))
    return bw_cli_usage_error (COMMAND, _("--timeout “%s” is not a whole number of seconds between %d and %d"),
                               timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S);

  /* Decide before connecting whether a decision can be made at all. */
  if (!forget && fingerprint == NULL && !yes && !isatty (STDIN_FILENO))
    return bw_cli_usage_error (COMMAND, _("refusing to trust without confirmation: pass --yes, or better "
                                          "--fingerprint with the fingerprint your hosting provider publishes"));

  known_hosts = bw_cli_known_hosts_path (known_hosts_option);
  store = bw_cli_open_store (COMMAND, &status);
  if (store == NULL)
    return status;

  site = bw_site_store_find_by_name (store, argv[1], &error);
  if (site == NULL)
    return bw_cli_fail (COMMAND, error);

  if (forget)
    {
      guint removed = 0;

      if (!bw_known_hosts_forget (known_hosts, bw_site_get_host (site), bw_site_get_port (site),
                                  &removed, &error))
        return bw_cli_fail (COMMAND, error);
      g_print (_("Forgot %u pinned key(s) for “%s”.\n"), removed, bw_site_get_name (site));
      if (fingerprint == NULL && !yes)
        return BW_EXIT_OK;
    }

  pinned = bw_known_hosts_lookup (known_hosts, bw_site_get_host (site), bw_site_get_port (site), &error);
  if (pinned == NULL)
    return bw_cli_fail (COMMAND, error);

  /* The trust connection counts toward the server's budget like any other, and is not
   * made during a ban's backoff. */
  monitor = bw_cli_new_monitor (COMMAND, store, known_hosts, request->timeout_s, &status);
  if (monitor == NULL)
    return status;
  while (!bw_monitor_is_idle (monitor))
    g_main_context_iteration (NULL, TRUE);
  if (!force)
    {
      gint64 next_possible = 0;
      BwCheckVerdict verdict = bw_monitor_peek_verdict (monitor, site, &next_possible);

      if (verdict == BW_CHECK_DEFERRED || verdict == BW_CHECK_BANNED)
        {
          g_autofree char *clock = bw_cli_format_local (next_possible, "%H:%M:%S");

          g_printerr (verdict == BW_CHECK_BANNED
                      ? _("banwatch %s: the server is likely banning this address; no connection before "
                          "%s (--force overrides; retrying can extend the ban).\n")
                      : _("banwatch %s: this server's connection budget is spent; the next connection is "
                          "possible at %s (--force overrides).\n"),
                      COMMAND, clock);
          return BW_EXIT_DEFERRED;
        }
    }
  request->address = g_strdup (bw_monitor_reserve_connection (monitor, site));

  request->host = g_strdup (bw_site_get_host (site));
  request->port = bw_site_get_port (site);
  request->user = g_strdup (bw_site_get_user (site));
  request->known_hosts = g_strdup (known_hosts);
  request->hostkey_only = TRUE;

  result = bw_cli_run_probe (request, &error);
  if (result == NULL)
    {
      g_printerr ("banwatch %s: %s\n", COMMAND, error->message);
      return BW_EXIT_INTERRUPTED;
    }

  switch (result->observation)
    {
    case BW_OBSERVATION_OK:
      if (fingerprint != NULL && g_strcmp0 (fingerprint, result->fingerprint) != 0)
        {
          g_printerr (_("banwatch %s: the pinned key %s is not the expected %s; nothing changed.\n"),
                      COMMAND, result->fingerprint, fingerprint);
          return BW_EXIT_HOSTKEY_CHANGED;
        }
      g_print (_("The host key %s of “%s” is already trusted.\n"), result->fingerprint,
               bw_site_get_name (site));
      return BW_EXIT_OK;

    case BW_OBSERVATION_HOSTKEY_CHANGED:
      g_printerr (_("banwatch %s: the server presents %s, which differs from the pinned key "
                    "(%s). A changed key is never replaced silently: if your hosting provider "
                    "confirms the new fingerprint, run “banwatch trust %s --forget” first.\n"),
                  COMMAND, result->fingerprint,
                  pinned->len > 0 ? ((BwKnownHost *) g_ptr_array_index (pinned, 0))->fingerprint : "?",
                  bw_site_get_name (site));
      return BW_EXIT_HOSTKEY_CHANGED;

    case BW_OBSERVATION_HOSTKEY_UNKNOWN:
      if (result->fingerprint == NULL || result->hostkey_base64 == NULL)
        break;

      g_print (_("“%s” (%s port %u) presents the host key %s %s.\n"), bw_site_get_name (site),
               bw_site_get_host (site), bw_site_get_port (site), result->hostkey_type, result->fingerprint);

      if (fingerprint != NULL)
        {
          if (!g_str_equal (fingerprint, result->fingerprint))
            {
              g_printerr (_("banwatch %s: the server presented %s, not the expected %s: nothing "
                            "was trusted.\n"), COMMAND, result->fingerprint, fingerprint);
              return BW_EXIT_HOSTKEY_CHANGED;
            }
          return pin (known_hosts, site, result);
        }

      if (yes || ask_confirmation ())
        return pin (known_hosts, site, result);

      g_print ("%s\n", _("Not trusted."));
      return BW_EXIT_HOSTKEY_UNKNOWN;

    default:
      break;
    }

  g_printerr (_("banwatch %s: could not read the host key: %s: %s\n"), COMMAND,
              bw_observation_to_string (result->observation), result->message);
  return bw_observation_exit_code (result->observation);
}
