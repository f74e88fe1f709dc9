// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <gmodule.h>

#include "core/bw-observation.h"
#include "core/bw-validate.h"
#include "probe/bw-key-check.h"
#include "store/bw-known-hosts.h"
#include "core/bw-paths.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

#define MAX_PASSPHRASE_LENGTH 1024
#define PASSPHRASE_TIMEOUT_MS 10000

typedef struct {
  const char *name;
  const char *summary;
  int       (*run) (int argc, char **argv);
} Command;

static const Command commands[] = {
  { "audit", N_("Count the keys a plain ssh to a site would offer, and the fix"), bw_cli_audit },
  { "check", N_("Probe stored sites: check [SITE…|--all] [--json]"), bw_cli_check },
  { "command", N_("The hardened first-touch command for a site, in several forms"), bw_cli_command },
  { "decode", N_("Explain an SSH error message from any client"), bw_cli_decode },
  { "explain", N_("The plain-language explanation of a site's state, for the client or you"), bw_cli_explain },
  { "history", N_("A site's probes and its server's ban episodes"), bw_cli_history },
  { "key-check", N_("Check that a private key is one Banwatch can use, without connecting"), bw_cli_key_check },
  { "probe", N_("Run one hardened probe against a host (ad hoc)"), bw_cli_probe },
  { "sites", N_("List, add, edit, remove, import and export sites"), bw_cli_sites },
  { "status", N_("The last known state of every site, without probing"), bw_cli_status },
  { "trust", N_("Pin a site's host key after an explicit decision"), bw_cli_trust },
  { "watch", N_("Headless monitor: print transitions until stopped"), bw_cli_watch },
};

static void
print_help (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: banwatch [COMMAND] [OPTION…]"));
  fprintf (out, "%s\n\n",
           _("Banwatch tells whether a client's server refuses your SSH because it banned your "
             "address, without making the ban worse."));
  fprintf (out, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "  %-10s %s\n", "help", _("Show this help"));
  fprintf (out, "\n%s\n", _("Run “banwatch COMMAND --help” for the options of a command."));
}

/**
 * bw_cli_usage_error:
 *
 * Prints "banwatch COMMAND: MESSAGE" to stderr.
 *
 * Returns: %BW_EXIT_USAGE
 */
int
bw_cli_usage_error (const char *command,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("banwatch %s: %s\n", command, message);
  return BW_EXIT_USAGE;
}

/**
 * bw_cli_read_passphrase_fd:
 * @text: the file descriptor number as typed
 *
 * Reads a passphrase from an inherited file descriptor, up to the first newline or EOF,
 * so that it never appears in argv or the environment.
 */
gboolean
bw_cli_read_passphrase_fd (const char  *text,
                           char       **out_passphrase,
                           GError     **error)
{
  char buffer[MAX_PASSPHRASE_LENGTH + 1];
  gsize length = 0;
  guint fd;

  if (!bw_parse_bounded_uint (text, 0, G_MAXINT, &fd))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--passphrase-fd needs a file descriptor number, not “%s”"), text);
      return FALSE;
    }

  if (fcntl ((int) fd, F_GETFD) < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--passphrase-fd: file descriptor %u is not open"), fd);
      return FALSE;
    }

  while (length < sizeof buffer)
    {
      struct pollfd pfd = { .fd = (int) fd, .events = POLLIN };
      ssize_t n;

      /* Nothing may hang: a pipe that never delivers is an error, not a wait. */
      if (poll (&pfd, 1, PASSPHRASE_TIMEOUT_MS) == 0)
        {
          explicit_bzero (buffer, sizeof buffer);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("--passphrase-fd: nothing arrived on file descriptor %u within %d s"),
                       fd, PASSPHRASE_TIMEOUT_MS / 1000);
          return FALSE;
        }

      n = read ((int) fd, buffer + length, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          explicit_bzero (buffer, sizeof buffer);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("--passphrase-fd: cannot read file descriptor %u: %s"), fd,
                       g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0 || buffer[length] == '\n')
        break;
      length++;
    }

  if (length > MAX_PASSPHRASE_LENGTH)
    {
      explicit_bzero (buffer, sizeof buffer);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--passphrase-fd: the passphrase is longer than %d bytes"), MAX_PASSPHRASE_LENGTH);
      return FALSE;
    }

  if (length > 0 && buffer[length - 1] == '\r')
    length--;

  *out_passphrase = g_strndup (buffer, length);
  explicit_bzero (buffer, sizeof buffer);
  return TRUE;
}

/**
 * bw_cli_error_exit_code:
 *
 * Returns: the documented exit code for @error
 */
int
bw_cli_error_exit_code (const GError *error)
{
  if (error->domain == BW_STORE_ERROR)
    {
      switch (error->code)
        {
        case BW_STORE_ERROR_NOT_FOUND:
        case BW_STORE_ERROR_AMBIGUOUS:
          return BW_EXIT_NOT_FOUND;
        case BW_STORE_ERROR_NO_BUS:
        case BW_STORE_ERROR_NO_SERVICE:
          return BW_EXIT_KEYRING_UNAVAILABLE;
        case BW_STORE_ERROR_LOCKED:
          return BW_EXIT_KEYRING_LOCKED;
        case BW_STORE_ERROR_WRITE_FAILED:
          return BW_EXIT_WRITE_FAILED;
        case BW_STORE_ERROR_DUPLICATE:
        default:
          return BW_EXIT_USAGE;
        }
    }

  if (error->domain == BW_VALIDATE_ERROR || error->domain == BW_KEY_ERROR ||
      error->domain == G_OPTION_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ||
      error->domain == G_FILE_ERROR || error->domain == JSON_PARSER_ERROR)
    return BW_EXIT_USAGE;

  return BW_EXIT_INTERNAL;
}

/**
 * bw_cli_fail:
 *
 * Prints @error for @command and returns its exit code.
 */
int
bw_cli_fail (const char   *command,
             const GError *error)
{
  g_printerr ("banwatch %s: %s\n", command, error->message);
  return bw_cli_error_exit_code (error);
}

/**
 * bw_cli_open_store:
 *
 * Loads the sites from the keyring, without prompts: the CLI never waits for a dialog.
 *
 * Returns: (transfer full) (nullable): the loaded store, or %NULL after printing why
 */
BwSiteStore *
bw_cli_open_store (const char *command,
                   int        *out_exit_code)
{
  g_autoptr(BwSiteStore) store = bw_site_store_new (FALSE);
  g_autoptr(GError) error = NULL;
  const char * const *warnings;

  if (!bw_site_store_load_sync (store, NULL, &error))
    {
      *out_exit_code = bw_cli_fail (command, error);
      return NULL;
    }

  warnings = bw_site_store_get_warnings (store);
  for (guint i = 0; warnings[i] != NULL; i++)
    g_printerr ("banwatch %s: %s %s\n", command, _("warning:"), warnings[i]);

  return g_steal_pointer (&store);
}

/**
 * bw_cli_format_iso8601:
 * @t: microseconds since the epoch
 *
 * Returns: (transfer full): "2026-11-22T04:28:46Z"
 */
char *
bw_cli_format_iso8601 (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);

  return g_date_time_format_iso8601 (dt);
}

/**
 * bw_cli_format_local:
 * @format: a g_date_time_format() format
 *
 * Returns: (transfer full): @t in local time
 */
char *
bw_cli_format_local (gint64      t,
                     const char *format)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (t / G_USEC_PER_SEC);

  return g_date_time_format (dt, format);
}

/**
 * bw_cli_known_hosts_path:
 * @option: (nullable): what --known-hosts said
 *
 * Returns: (transfer full): the known_hosts file to use
 */
char *
bw_cli_known_hosts_path (const char *option)
{
  if (option != NULL && *option != '\0')
    return g_canonicalize_filename (option, NULL);
  return bw_known_hosts_default_path ();
}

/**
 * bw_cli_parse_options:
 *
 * Parses with @context and rejects leftover arguments beyond the command's own.
 */
gboolean
bw_cli_parse_options (const char       *command,
                      GOptionContext   *context,
                      int              *argc,
                      char           ***argv,
                      int              *out_exit_code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strconcat ("banwatch ", command, NULL);

  /* --help then says "banwatch sites add [OPTION…]", not "add [OPTION…]". */
  g_set_prgname (prgname);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *out_exit_code = bw_cli_usage_error (command, "%s", error->message);
      return FALSE;
    }

  return TRUE;
}

/**
 * bw_cli_parse_options_no_args:
 *
 * bw_cli_parse_options() for a command that takes options only: a leftover argument is
 * a usage error.
 */
gboolean
bw_cli_parse_options_no_args (const char       *command,
                              GOptionContext   *context,
                              int              *argc,
                              char           ***argv,
                              int              *out_exit_code)
{
  if (!bw_cli_parse_options (command, context, argc, argv, out_exit_code))
    return FALSE;
  if (*argc > 1)
    {
      *out_exit_code = bw_cli_usage_error (command, _("unexpected argument “%s”"), (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

/**
 * bw_cli_print_json:
 *
 * Prints @node, pretty and newline-terminated, to stdout.
 */
void
bw_cli_print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

typedef int (*AppMain) (int argc, char **argv);

static char *
find_app_module (void)
{
  const char *override = g_getenv ("BANWATCH_APP_MODULE");

  if (override != NULL)
    return g_strdup (override);
  return bw_paths_find_installed_file ("libbanwatch-app.so", PKGLIBDIR);
}

/**
 * bw_cli_load_app_module:
 *
 * Loads the desktop module, which stays loaded until exit (GTK cannot be unloaded).
 *
 * Returns: (transfer none) (nullable): the module
 */
GModule *
bw_cli_load_app_module (void)
{
  g_autofree char *path = find_app_module ();
  GModule *module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

  if (module != NULL)
    g_module_make_resident (module);
  return module;
}

/* GLib 2.74's slice allocator keeps freed blocks in per-thread magazines and slabs that
 * are never given back; in a process that idles for hours that is 1–1.5 MB of dirty
 * memory for nothing. GLib 2.76 replaced it with plain malloc. GLib reads G_SLICE once,
 * before main() runs, so it is set for the long-running processes before they are
 * executed. A G_SLICE the user set is left alone. Returns whether it was set. */
static gboolean
set_malloc_slices (void)
{
  if (g_getenv (BW_SLICE_MARKER) != NULL)
    {
      bw_paths_forget_slice_env ();
      return FALSE;
    }
  if (glib_check_version (2, 76, 0) == NULL || g_getenv ("G_SLICE") != NULL)
    return FALSE;

  g_setenv ("G_SLICE", "always-malloc", TRUE);
  g_setenv (BW_SLICE_MARKER, "1", TRUE);
  return TRUE;
}

/* `banwatch watch` executes itself again (same PID, about 10 ms once) for the slices. */
static void
reexec_with_malloc_slices (char **argv)
{
  if (!set_malloc_slices ())
    return;

  execv ("/proc/self/exe", argv);
  g_debug ("Could not execute /proc/self/exe again: %s", g_strerror (errno));
  bw_paths_forget_slice_env ();
}

/* The tray app is its own executable, `banwatch-app`, which does not link libssh: it
 * stays up all day, and probes run in `banwatch probe` children. Executing it keeps the
 * PID that D-Bus activation and the session know. Without it (a partial install), the
 * desktop module runs in this process. */
static int
start_app (int    argc,
           char **argv)
{
  g_autofree char *program = bw_paths_find_installed_file ("banwatch-app", LIBEXECDIR);
  gboolean slices;
  GModule *module;
  AppMain app_main = NULL;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr (_("banwatch: no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set), so the "
                    "tray app cannot start. Start it from your desktop, or use the command line: "
                    "“banwatch --help”.\n"));
      return BW_EXIT_INTERNAL;
    }

  slices = set_malloc_slices ();
  execv (program, argv);
  g_debug ("Could not execute %s: %s; running the desktop module in this process",
           program, g_strerror (errno));
  if (slices)
    bw_paths_forget_slice_env ();

  module = bw_cli_load_app_module ();
  if (module == NULL || !g_module_symbol (module, "bw_app_main", (gpointer *) &app_main))
    {
      g_printerr (_("banwatch: the desktop part of Banwatch could not be loaded (%s). The command line "
                    "still works: see “banwatch --help”.\n"), g_module_error ());
      return BW_EXIT_INTERNAL;
    }

  return app_main (argc, argv);
}

/**
 * bw_cli_run:
 *
 * Dispatches `banwatch COMMAND …` to the command's handler.
 *
 * Returns: the process exit code
 */
int
bw_cli_run (int    argc,
            char **argv)
{
  const char *name;

  /* No command, or GApplication's own options (D-Bus activation): the desktop app. */
  if (argc < 2 || g_str_has_prefix (argv[1], "--gapplication-"))
    return start_app (argc, argv);

  name = argv[1];
  if (g_str_equal (name, "help") || g_str_equal (name, "--help") || g_str_equal (name, "-h"))
    {
      print_help (stdout);
      return BW_EXIT_OK;
    }

  if (g_str_equal (name, "--version"))
    {
      g_print ("banwatch %s\n", PACKAGE_VERSION);
      return BW_EXIT_OK;
    }

  /* The headless monitor idles for hours too. */
  if (g_str_equal (name, "watch"))
    reexec_with_malloc_slices (argv);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("banwatch: %s\n", _("unknown command"));
  g_printerr (_("“%s” is not a Banwatch command. Run “banwatch --help” for the list.\n"), name);
  return BW_EXIT_USAGE;
}
