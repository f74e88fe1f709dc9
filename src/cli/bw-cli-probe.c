// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "core/bw-validate.h"
#include "probe/bw-key-load.h"
#include "probe/bw-probe.h"
#include "store/bw-known-hosts.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

#define COMMAND "probe"

typedef struct {
  GMainLoop     *loop;
  GCancellable  *cancellable;
  BwProbeResult *result;
  GError        *error;
} ProbeWait;

static void
on_probe_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ProbeWait *wait = user_data;

  wait->result = bw_probe_finish (result, &wait->error);
  g_main_loop_quit (wait->loop);
}

static gboolean
on_interrupt_cb (gpointer user_data)
{
  ProbeWait *wait = user_data;

  g_cancellable_cancel (wait->cancellable);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_known_hosts_path (const char  *path,
                        GError     **error)
{
  struct stat st;

  if (*path == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("--known-hosts is empty"));
      return FALSE;
    }

  if (stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--known-hosts “%s” is not a regular file"), path);
      return FALSE;
    }

  return TRUE;
}

/**
 * bw_cli_run_probe:
 *
 * Runs one probe while the main loop turns, so that SIGINT and SIGTERM cancel it.
 *
 * Returns: (transfer full): the result, or %NULL when interrupted
 */
BwProbeResult *
bw_cli_run_probe (const BwProbeRequest  *request,
                  GError               **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  ProbeWait wait = { .loop = loop, .cancellable = cancellable };
  guint sigint_id = g_unix_signal_add (SIGINT, on_interrupt_cb, &wait);
  guint sigterm_id = g_unix_signal_add (SIGTERM, on_interrupt_cb, &wait);

  bw_probe_async (request, cancellable, on_probe_done_cb, &wait);
  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.result;
}

/**
 * bw_cli_probe:
 *
 * `banwatch probe --host H [--port P] --user U --key FILE …`: one ad hoc probe.
 *
 * Returns: the observation's documented exit code, or %BW_EXIT_USAGE
 */
int
bw_cli_probe (int    argc,
              char **argv)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *user = NULL;
  g_autofree char *key = NULL;
  g_autofree char *passphrase_fd = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *known_hosts = NULL;
  g_autofree char *address = NULL;
  gboolean accept_new = FALSE;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("Host name or address"), "HOST" },
    { "port", 0, 0, G_OPTION_ARG_STRING, &port, N_("SSH port (default 22)"), "PORT" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, N_("Remote user name"), "USER" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key, N_("The one private key to use"), "FILE" },
    { "passphrase-fd", 0, 0, G_OPTION_ARG_STRING, &passphrase_fd,
      N_("Read the key's passphrase from this file descriptor"), "N" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
      N_("Overall deadline in seconds, 10–300 (default 30)"), "S" },
    { "known-hosts", 0, 0, G_OPTION_ARG_FILENAME, &known_hosts,
      N_("Banwatch's known_hosts file (default $XDG_DATA_HOME/banwatch/known_hosts)"), "FILE" },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      N_("Connect to this IP address of the host only, without resolving its name"), "ADDRESS" },
    { "accept-new-hostkey", 0, 0, G_OPTION_ARG_NONE, &accept_new,
      N_("Trust and store an unknown host key (never a changed one)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BwProbeRequest) request = bw_probe_request_new ();
  g_autoptr(BwProbeResult) result = NULL;
  int exit_code;

  g_option_context_set_summary (context,
                                _("Runs one hardened SSH probe: exactly one explicit key, no agent, "
                                  "no ssh_config, strict host keys, at most one authentication request."));
  g_option_context_set_description (context,
                                    _("Exit codes: 0 reachable, 2 bad arguments, 3 internal error, "
                                      "10 closed-before-banner, 11 refused, 12 timeout, "
                                      "20 auth-rejected, 21 hostkey-unknown, 22 hostkey-changed, "
                                      "23 other server problem, 24 dns-failed, 30 key-unusable, "
                                      "31 network-unreachable."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, TRUE);

  if (!bw_cli_parse_options_no_args (COMMAND, context, &argc, &argv, &exit_code))
    return exit_code;

  if (host == NULL)
    return bw_cli_usage_error (COMMAND, _("--host is required"));
  if (user == NULL)
    return bw_cli_usage_error (COMMAND, _("--user is required"));
  if (key == NULL)
    return bw_cli_usage_error (COMMAND, _("--key is required"));

  request->host = bw_validate_host (host, &error);
  if (request->host == NULL)
    return bw_cli_usage_error (COMMAND, "%s", error->message);

  if (port != NULL && !bw_validate_port (port, &request->port, &error))
    return bw_cli_usage_error (COMMAND, "%s", error->message);

  if (!bw_validate_user (user, &error))
    return bw_cli_usage_error (COMMAND, "%s", error->message);
  request->user = g_strdup (user);

  if (*key == '\0')
    return bw_cli_usage_error (COMMAND, _("--key is empty"));
  request->key_path = g_canonicalize_filename (key, NULL);

  if (timeout != NULL &&
      !bw_parse_bounded_uint (timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S,
                              &request->timeout_s))
    return bw_cli_usage_error (COMMAND,
                               _("--timeout “%s” is not a whole number of seconds between %d and %d "
                                 "(the SSH banner alone may take %d s)"),
                               timeout, BW_PROBE_MIN_TIMEOUT_S, BW_PROBE_MAX_TIMEOUT_S,
                               BW_PROBE_BANNER_DEADLINE_S);

  if (known_hosts != NULL)
    {
      if (!check_known_hosts_path (known_hosts, &error))
        return bw_cli_usage_error (COMMAND, "%s", error->message);
      request->known_hosts = g_canonicalize_filename (known_hosts, NULL);
    }
  else
    request->known_hosts = bw_known_hosts_default_path ();

  if (address != NULL)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);

      if (inet == NULL)
        return bw_cli_usage_error (COMMAND, _("--address “%s” is not an IPv4 or IPv6 address"), address);
      request->address = g_inet_address_to_string (inet);
    }

  if (passphrase_fd != NULL &&
      !bw_cli_read_passphrase_fd (passphrase_fd, &request->passphrase, &error))
    return bw_cli_usage_error (COMMAND, "%s", error->message);

  request->accept_new_hostkey = accept_new;

  result = bw_cli_run_probe (request, &error);
  if (result == NULL)
    {
      g_printerr ("banwatch %s: %s\n", COMMAND, error->message);
      return BW_EXIT_INTERRUPTED;
    }

  if (json)
    {
      g_autoptr(JsonNode) node = bw_probe_result_to_json (result);
      bw_cli_print_json (node);
    }
  else
    {
      g_autofree char *text = bw_probe_result_to_text (result);
      g_print ("%s", text);
    }

  return bw_observation_exit_code (result->observation);
}

static JsonNode *
key_check_to_json (const char      *path,
                   const BwKeyInfo *info,
                   const GError    *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "usable");
  json_builder_add_boolean_value (builder, info != NULL);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  if (info != NULL)
    {
      const char *names[] = { "type", "format", "cipher", "fingerprint" };
      const char *values[] = { info->type, info->format, info->cipher, info->fingerprint };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          json_builder_set_member_name (builder, names[i]);
          if (values[i] != NULL)
            json_builder_add_string_value (builder, values[i]);
          else
            json_builder_add_null_value (builder);
        }
      json_builder_set_member_name (builder, "encrypted");
      json_builder_add_boolean_value (builder, info->encrypted);
      json_builder_set_member_name (builder, "bits");
      json_builder_add_int_value (builder, info->bits);
    }
  else
    {
      json_builder_set_member_name (builder, "error");
      if (error->domain == BW_KEY_ERROR)
        json_builder_add_string_value (builder, bw_key_error_to_string (error->code));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, error->message);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/**
 * bw_cli_key_check:
 *
 * `banwatch key-check [--passphrase-fd N] [--json] KEY`: the local key checks a probe
 * makes before connecting, decryption included. Never connects anywhere. The tray app
 * runs it as a child so that it never loads libssh itself.
 *
 * Returns: 0 when the key is usable, %BW_EXIT_KEY_UNUSABLE when not, or %BW_EXIT_USAGE
 */
int
bw_cli_key_check (int    argc,
                  char **argv)
{
  static const char *command = "key-check";
  g_autofree char *passphrase_fd = NULL;
  g_autofree char *passphrase = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "passphrase-fd", 0, 0, G_OPTION_ARG_STRING, &passphrase_fd,
      N_("Read the key's passphrase from this file descriptor"), "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("KEY"));
  g_autoptr(GError) error = NULL;
  g_autoptr(BwKeyInfo) info = NULL;
  int exit_code;

  g_option_context_set_summary (context,
                                _("Checks that KEY is a private key Banwatch can use: a small private "
                                  "file of a supported type and cipher, and, with its passphrase, that "
                                  "it decrypts. Never connects anywhere."));
  g_option_context_set_description (context, _("Exit codes: 0 usable, 2 bad arguments, 30 key-unusable."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!bw_cli_parse_options (command, context, &argc, &argv, &exit_code))
    return exit_code;
  if (argc < 2)
    return bw_cli_usage_error (command, _("the key file is required"));
  if (argc > 2)
    return bw_cli_usage_error (command, _("unexpected argument “%s”"), argv[2]);
  if (*argv[1] == '\0')
    return bw_cli_usage_error (command, _("the key file name is empty"));

  if (passphrase_fd != NULL && !bw_cli_read_passphrase_fd (passphrase_fd, &passphrase, &error))
    return bw_cli_usage_error (command, "%s", error->message);

  info = bw_key_check (argv[1], passphrase, &error);
  if (passphrase != NULL)
    explicit_bzero (passphrase, strlen (passphrase));

  if (json)
    {
      g_autoptr(JsonNode) node = key_check_to_json (argv[1], info, error);
      bw_cli_print_json (node);
    }
  else if (info != NULL)
    {
      g_autofree char *display = g_filename_display_name (argv[1]);

      g_print (_("%s: usable (%s, %u bits, %s, %s)\n"), display, info->type, info->bits, info->fingerprint,
               info->encrypted ? _("encrypted") : _("not encrypted"));
    }
  else
    g_printerr ("banwatch %s: %s\n", command, error->message);

  return info != NULL ? BW_EXIT_OK : BW_EXIT_KEY_UNUSABLE;
}
