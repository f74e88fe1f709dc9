// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gunixinputstream.h>
#include <glib/gi18n-lib.h>

#include "core/bw-provider.h"
#include "core/bw-site-export.h"
#include "core/bw-ssh-config.h"
#include "core/bw-validate.h"
#include "probe/bw-key-load.h"
#include "store/bw-ssh-import.h"
#include "bw-cli.h"
#include "bw-cli-private.h"

#define EXPORT_FORMAT "banwatch-sites"
#define EXPORT_VERSION 1

typedef struct {
  char     *name;
  char     *host;
  char     *port;
  char     *user;
  char     *key;
  char     *passphrase_fd;
  char     *provider;
  char     *notes;
  gboolean  clear_passphrase;
} SiteOptions;

static void
site_options_clear (SiteOptions *o)
{
  g_clear_pointer (&o->name, g_free);
  g_clear_pointer (&o->host, g_free);
  g_clear_pointer (&o->port, g_free);
  g_clear_pointer (&o->user, g_free);
  g_clear_pointer (&o->key, g_free);
  g_clear_pointer (&o->passphrase_fd, g_free);
  g_clear_pointer (&o->provider, g_free);
  g_clear_pointer (&o->notes, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SiteOptions, site_options_clear)

static void
wipe_string (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

typedef char SecretString;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretString, wipe_string)

static GOptionContext *
site_options_context (SiteOptions *o,
                      gboolean     for_edit)
{
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &o->name, N_("Display name, unique"), "NAME" },
    { "host", 0, 0, G_OPTION_ARG_STRING, &o->host, N_("Host name or address"), "HOST" },
    { "port", 0, 0, G_OPTION_ARG_STRING, &o->port, N_("SSH port (default: the provider's)"), "PORT" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &o->user, N_("Remote user name"), "USER" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &o->key, N_("The private key file (referenced, never copied)"), "FILE" },
    { "passphrase-fd", 0, 0, G_OPTION_ARG_STRING, &o->passphrase_fd,
      N_("Read the key's passphrase from this file descriptor"), "N" },
    { "provider", 0, 0, G_OPTION_ARG_STRING, &o->provider, N_("Provider preset: xserver or generic"), "ID" },
    { "notes", 0, 0, G_OPTION_ARG_STRING, &o->notes, N_("Free notes"), "TEXT" },
    { NULL }
  };
  const GOptionEntry edit_entries[] = {
    { "clear-passphrase", 0, 0, G_OPTION_ARG_NONE, &o->clear_passphrase,
      N_("Forget the stored passphrase"), NULL },
    { NULL }
  };
  GOptionContext *context = g_option_context_new (for_edit ? "NAME" : NULL);

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (for_edit)
    g_option_context_add_main_entries (context, edit_entries, GETTEXT_PACKAGE);
  return context;
}

static gboolean
apply_site_options (SiteOptions  *o,
                    BwSite       *site,
                    gboolean      is_new,
                    GError      **error)
{
  const BwSiteFields fields = {
    .name = o->name, .host = o->host, .port = o->port, .user = o->user,
    .key = o->key, .provider = o->provider, .notes = o->notes,
  };

  return bw_site_apply_fields (site, &fields, is_new, error);
}

static gboolean
check_key (BwSite      *site,
           const char  *passphrase,
           GError     **error)
{
  g_autoptr(BwKeyInfo) info = NULL;

  if (bw_site_get_key_path (site) == NULL)
    return TRUE;

  info = bw_key_check (bw_site_get_key_path (site), passphrase, error);
  return info != NULL;
}

static void
print_site_line (BwSite *site)
{
  g_autofree char *destination = bw_site_dup_destination (site);
  const char *key = bw_site_get_key_path (site);

  g_print ("%-24s %s@%s  %s  %s\n", bw_site_get_name (site), bw_site_get_user (site),
           destination, bw_site_get_provider (site), key != NULL ? key : _("(no key chosen)"));
}

static int
sites_list (int    argc,
            char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BwSiteStore) store = NULL;
  guint n_items;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options_no_args ("sites list", context, &argc, &argv, &status))
    return status;

  store = bw_cli_open_store ("sites list", &status);
  if (store == NULL)
    return status;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < n_items; i++)
        {
          g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
          json_array_add_element (array, bw_site_to_json (site, FALSE));
        }
      json_node_set_array (node, array);
      bw_cli_print_json (node);
      return BW_EXIT_OK;
    }

  if (n_items == 0)
    {
      g_print ("%s\n", _("No sites yet. Add one with “banwatch sites add”, or bring them from "
                         "~/.ssh/config with “banwatch sites import-ssh-config”."));
      return BW_EXIT_OK;
    }

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(BwSite) site = g_list_model_get_item (G_LIST_MODEL (store), i);
      print_site_line (site);
    }
  return BW_EXIT_OK;
}

static int
sites_show (int    argc,
            char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const BwProvider *provider;
  BwSite *site;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("sites show", context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bw_cli_usage_error ("sites show", _("give exactly one site name"));

  store = bw_cli_open_store ("sites show", &status);
  if (store == NULL)
    return status;

  site = bw_site_store_find_by_name (store, argv[1], &error);
  if (site == NULL)
    return bw_cli_fail ("sites show", error);

  if (json)
    {
      g_autoptr(JsonNode) node = bw_site_to_json (site, FALSE);
      bw_cli_print_json (node);
      return BW_EXIT_OK;
    }

  provider = bw_provider_lookup (bw_site_get_provider (site));
  g_print ("%s: %s\n", _("Name"), bw_site_get_name (site));
  g_print ("%s: %s\n", _("Host"), bw_site_get_host (site));
  g_print ("%s: %u\n", _("Port"), bw_site_get_port (site));
  g_print ("%s: %s\n", _("User"), bw_site_get_user (site));
  g_print ("%s: %s\n", _("Key"), bw_site_get_key_path (site) != NULL
                                 ? bw_site_get_key_path (site) : _("(no key chosen)"));
  g_print ("%s: %s\n", _("Passphrase stored"), bw_site_get_has_passphrase (site) ? _("yes") : _("no"));
  g_print ("%s: %s\n", _("Provider"), provider != NULL ? _(provider->display_name) : bw_site_get_provider (site));
  if (provider != NULL && provider->notes != NULL)
    g_print ("%s: %s\n", _("Provider notes"), _(provider->notes));
  if (*bw_site_get_notes (site) != '\0')
    g_print ("%s: %s\n", _("Notes"), bw_site_get_notes (site));
  g_print ("%s: %s\n", _("Id"), bw_site_get_id (site));
  return BW_EXIT_OK;
}

static int
sites_add (int    argc,
           char **argv)
{
  g_auto(SiteOptions) o = { 0 };
  g_autoptr(GOptionContext) context = site_options_context (&o, FALSE);
  g_autoptr(SecretString) passphrase = NULL;
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwSite) site = bw_site_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *destination = NULL;
  int status;

  if (!bw_cli_parse_options_no_args ("sites add", context, &argc, &argv, &status))
    return status;
  if (o.name == NULL)
    return bw_cli_usage_error ("sites add", _("--name is required"));
  if (o.host == NULL)
    return bw_cli_usage_error ("sites add", _("--host is required"));
  if (o.user == NULL)
    return bw_cli_usage_error ("sites add", _("--user is required"));
  if (o.key == NULL)
    return bw_cli_usage_error ("sites add", _("--key is required"));

  if (!apply_site_options (&o, site, TRUE, &error))
    return bw_cli_fail ("sites add", error);

  if (o.passphrase_fd != NULL && !bw_cli_read_passphrase_fd (o.passphrase_fd, &passphrase, &error))
    return bw_cli_fail ("sites add", error);

  if (!check_key (site, passphrase, &error))
    return bw_cli_fail ("sites add", error);

  store = bw_cli_open_store ("sites add", &status);
  if (store == NULL)
    return status;

  if (!bw_site_store_save_sync (store, site, passphrase != NULL ? passphrase : "", NULL, &error))
    return bw_cli_fail ("sites add", error);

  destination = bw_site_dup_destination (site);
  g_print (_("Added “%s” (%s@%s).\n"), bw_site_get_name (site), bw_site_get_user (site), destination);
  return BW_EXIT_OK;
}

static int
sites_edit (int    argc,
            char **argv)
{
  g_auto(SiteOptions) o = { 0 };
  g_autoptr(GOptionContext) context = site_options_context (&o, TRUE);
  g_autoptr(SecretString) passphrase = NULL;
  g_autoptr(SecretString) stored = NULL;
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(BwSite) site = NULL;
  g_autoptr(GError) error = NULL;
  BwSite *existing;
  int status;

  if (!bw_cli_parse_options ("sites edit", context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bw_cli_usage_error ("sites edit", _("give exactly one site name"));
  if (o.passphrase_fd != NULL && o.clear_passphrase)
    return bw_cli_usage_error ("sites edit", _("--passphrase-fd and --clear-passphrase exclude each other"));

  if (o.passphrase_fd != NULL && !bw_cli_read_passphrase_fd (o.passphrase_fd, &passphrase, &error))
    return bw_cli_fail ("sites edit", error);
  if (o.clear_passphrase)
    passphrase = g_strdup ("");

  store = bw_cli_open_store ("sites edit", &status);
  if (store == NULL)
    return status;

  existing = bw_site_store_find_by_name (store, argv[1], &error);
  if (existing == NULL)
    return bw_cli_fail ("sites edit", error);

  site = bw_site_copy (existing);
  if (!apply_site_options (&o, site, FALSE, &error))
    return bw_cli_fail ("sites edit", error);

  if (!bw_site_store_check_name (store, bw_site_get_name (site), bw_site_get_id (site), &error))
    return bw_cli_fail ("sites edit", error);

  /* The key is checked on every save, with the passphrase it will be used with. */
  if (passphrase == NULL && bw_site_get_has_passphrase (existing))
    {
      stored = bw_site_store_lookup_passphrase_sync (store, existing, NULL, &error);
      if (stored == NULL)
        return bw_cli_fail ("sites edit", error);
    }
  if (!check_key (site, passphrase != NULL ? passphrase : stored, &error))
    return bw_cli_fail ("sites edit", error);

  if (!bw_site_store_save_sync (store, site, passphrase, NULL, &error))
    return bw_cli_fail ("sites edit", error);

  g_print (_("Saved “%s”.\n"), bw_site_get_name (site));
  return BW_EXIT_OK;
}

static int
sites_remove (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BwSite) site = NULL;
  BwSite *found;
  int status;

  if (!bw_cli_parse_options ("sites remove", context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return bw_cli_usage_error ("sites remove", _("give exactly one site name"));

  store = bw_cli_open_store ("sites remove", &status);
  if (store == NULL)
    return status;

  found = bw_site_store_find_by_name (store, argv[1], &error);
  if (found == NULL)
    return bw_cli_fail ("sites remove", error);

  site = g_object_ref (found);
  if (!bw_site_store_remove_sync (store, site, NULL, &error))
    return bw_cli_fail ("sites remove", error);

  g_print (_("Removed “%s”. Its key file was not touched.\n"), bw_site_get_name (site));
  return BW_EXIT_OK;
}

static int
sites_export (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE|-");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int status;

  if (!bw_cli_parse_options ("sites export", context, &argc, &argv, &status))
    return status;
  if (argc != 2 || *argv[1] == '\0')
    return bw_cli_usage_error ("sites export", _("give one file name, or - for standard output"));

  store = bw_cli_open_store ("sites export", &status);
  if (store == NULL)
    return status;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    g_ptr_array_add (sites, g_list_model_get_item (G_LIST_MODEL (store), i));
  text = bw_sites_export (sites);

  if (g_str_equal (argv[1], "-"))
    {
      g_print ("%s\n", text);
      return BW_EXIT_OK;
    }

  if (!g_file_set_contents_full (argv[1], text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    return bw_cli_fail ("sites export", error);

  g_printerr (_("Exported %u sites to %s (no passphrases).\n"), sites->len, argv[1]);
  return BW_EXIT_OK;
}

static GBytes *
read_input (const char  *path,
            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_str_equal (path, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
      g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

      if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
        return NULL;
      return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
    }

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, _("“%s” is a folder, not a file."), path);
      return NULL;
    }

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&contents), length);
}

static int
compare_problems (gconstpointer a,
                  gconstpointer b)
{
  const BwImportProblem *x = *(BwImportProblem * const *) a;
  const BwImportProblem *y = *(BwImportProblem * const *) b;

  return (int) x->index - (int) y->index;
}

static int
sites_import (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE|-");
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GArray) indices = NULL;
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint n_entries;
  int status;

  if (!bw_cli_parse_options ("sites import", context, &argc, &argv, &status))
    return status;
  if (argc != 2 || *argv[1] == '\0')
    return bw_cli_usage_error ("sites import", _("give one file name, or - for standard input"));

  bytes = read_input (argv[1], &error);
  if (bytes == NULL)
    return bw_cli_fail ("sites import", error);

  parsed = bw_sites_import_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &indices, &problems, &error);
  if (parsed == NULL)
    return bw_cli_usage_error ("sites import", "%s", error->message);

  store = bw_cli_open_store ("sites import", &status);
  if (store == NULL)
    return status;

  n_entries = parsed->len + problems->len;

  /* Every entry is checked, and every problem reported, before anything is written. */
  for (guint i = 0; i < parsed->len; i++)
    {
      BwSite *site = g_ptr_array_index (parsed, i);
      g_autoptr(GError) entry_error = NULL;
      g_autoptr(BwKeyInfo) info = NULL;

      if (bw_site_store_check_name (store, bw_site_get_name (site), NULL, &entry_error) &&
          (bw_site_get_key_path (site) == NULL ||
           (info = bw_key_inspect (bw_site_get_key_path (site), &entry_error)) != NULL))
        {
          g_ptr_array_add (sites, g_object_ref (site));
          continue;
        }

      g_ptr_array_add (problems, bw_import_problem_new (g_array_index (indices, guint, i),
                                                        bw_site_get_name (site), entry_error->message));
    }

  if (problems->len > 0)
    {
      g_ptr_array_sort (problems, compare_problems);
      for (guint i = 0; i < problems->len; i++)
        {
          BwImportProblem *problem = g_ptr_array_index (problems, i);

          g_printerr ("banwatch sites import: entry %u (“%s”): %s\n", problem->index,
                      problem->name != NULL ? problem->name : "?", problem->message);
        }
      g_printerr (_("banwatch sites import: %u of %u entries are invalid; nothing was imported.\n"),
                  problems->len, n_entries);
      return BW_EXIT_USAGE;
    }

  if (!bw_site_store_add_all_sync (store, sites, NULL, &error))
    return bw_cli_fail ("sites import", error);

  g_print (_("Imported %u sites.\n"), sites->len);
  for (guint i = 0; i < sites->len; i++)
    {
      BwSite *site = g_ptr_array_index (sites, i);
      g_autoptr(BwKeyInfo) info = NULL;

      if (bw_site_get_key_path (site) != NULL &&
          (info = bw_key_inspect (bw_site_get_key_path (site), NULL)) != NULL && info->encrypted)
        g_print (_("  “%s”: the key is encrypted; store its passphrase with “banwatch sites edit "
                   "NAME --passphrase-fd N”.\n"), bw_site_get_name (site));
    }
  return BW_EXIT_OK;
}

static void
print_import_preview (GPtrArray *entries,
                      GPtrArray *skipped)
{
  for (guint i = 0; i < entries->len; i++)
    {
      BwImportEntry *entry = g_ptr_array_index (entries, i);

      if (entry->site != NULL)
        {
          g_autofree char *destination = bw_site_dup_destination (entry->site);
          const char *key = bw_site_get_key_path (entry->site);

          g_print ("  %-8s %-24s %s@%s  %s\n", bw_import_status_to_string (entry->status),
                   entry->host->alias, bw_site_get_user (entry->site), destination,
                   key != NULL ? key : _("(no key)"));
        }
      else
        g_print ("  %-8s %s\n", bw_import_status_to_string (entry->status), entry->host->alias);

      for (guint j = 0; j < entry->notes->len; j++)
        g_print ("           - %s\n", (char *) g_ptr_array_index (entry->notes, j));
    }

  for (guint i = 0; i < skipped->len; i++)
    {
      BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);
      g_print ("  %-8s %s (%s:%u): %s\n", "skipped", skip->text, skip->file, skip->line, skip->reason);
    }
}

static JsonNode *
import_preview_json (GPtrArray *entries,
                     GPtrArray *skipped)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      BwImportEntry *entry = g_ptr_array_index (entries, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "alias");
      json_builder_add_string_value (builder, entry->host->alias);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, bw_import_status_to_string (entry->status));
      json_builder_set_member_name (builder, "site");
      if (entry->site != NULL)
        json_builder_add_value (builder, bw_site_to_json (entry->site, TRUE));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "notes");
      json_builder_begin_array (builder);
      for (guint j = 0; j < entry->notes->len; j++)
        json_builder_add_string_value (builder, g_ptr_array_index (entry->notes, j));
      json_builder_end_array (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "skipped");
  json_builder_begin_array (builder);
  for (guint i = 0; i < skipped->len; i++)
    {
      BwSshConfigSkip *skip = g_ptr_array_index (skipped, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "file");
      json_builder_add_string_value (builder, skip->file);
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, skip->line);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, skip->text);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, skip->reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static int
sites_import_ssh_config (int    argc,
                         char **argv)
{
  gboolean apply = FALSE;
  gboolean json = FALSE;
  g_auto(GStrv) only = NULL;
  const GOptionEntry entries[] = {
    { "apply", 0, 0, G_OPTION_ARG_NONE, &apply, N_("Store the selected entries (default: preview only)"), NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING_ARRAY, &only, N_("Select this Host alias (repeatable)"), "ALIAS" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the preview as JSON"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[FILE]");
  g_autoptr(BwSshConfig) config = NULL;
  g_autoptr(BwSiteStore) store = NULL;
  g_autoptr(GPtrArray) import = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_import_entry_free);
  g_autoptr(GPtrArray) selected = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GPtrArray *hosts;
  int status;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!bw_cli_parse_options ("sites import-ssh-config", context, &argc, &argv, &status))
    return status;
  if (argc > 2)
    return bw_cli_usage_error ("sites import-ssh-config", _("give at most one file"));

  path = argc == 2 ? g_strdup (argv[1]) : g_build_filename (g_get_home_dir (), ".ssh", "config", NULL);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return bw_cli_usage_error ("sites import-ssh-config", _("“%s” is a folder, not an ssh_config file"), path);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return bw_cli_usage_error ("sites import-ssh-config", _("“%s” does not exist"), path);

  config = bw_ssh_config_load_file (path, NULL, &error);
  if (config == NULL)
    return bw_cli_usage_error ("sites import-ssh-config", "%s", error->message);

  store = bw_cli_open_store ("sites import-ssh-config", &status);
  if (store == NULL)
    return status;

  hosts = bw_ssh_config_get_hosts (config);
  for (guint i = 0; i < hosts->len; i++)
    {
      BwImportEntry *entry = bw_import_entry_new (g_ptr_array_index (hosts, i), store);

      if (entry->key_encrypted)
        g_ptr_array_add (entry->notes, g_strdup (_("the key is encrypted: store its passphrase "
                                                   "afterwards with “banwatch sites edit”")));
      g_ptr_array_add (import, entry);
    }

  for (guint i = 0; only != NULL && only[i] != NULL; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < import->len && !found; j++)
        found = g_str_equal (((BwImportEntry *) g_ptr_array_index (import, j))->host->alias, only[i]);
      if (!found)
        return bw_cli_usage_error ("sites import-ssh-config", _("no Host entry named “%s” in %s"),
                                   only[i], path);
    }

  if (json)
    {
      g_autoptr(JsonNode) node = import_preview_json (import, bw_ssh_config_get_skipped (config));
      bw_cli_print_json (node);
    }
  else
    {
      g_print (_("From %s:\n"), path);
      print_import_preview (import, bw_ssh_config_get_skipped (config));
    }

  for (guint i = 0; i < import->len; i++)
    {
      BwImportEntry *entry = g_ptr_array_index (import, i);

      if (entry->site == NULL)
        continue;
      if (only != NULL && !g_strv_contains ((const char * const *) only, entry->host->alias))
        continue;
      g_ptr_array_add (selected, g_object_ref (entry->site));
    }

  if (!apply)
    {
      if (!json)
        g_print (_("%u entries can be imported. Run again with --apply (and --only ALIAS to pick) "
                   "to store them.\n"), selected->len);
      return BW_EXIT_OK;
    }

  if (!bw_site_store_add_all_sync (store, selected, NULL, &error))
    return bw_cli_fail ("sites import-ssh-config", error);

  g_printerr (_("Imported %u sites.\n"), selected->len);
  return BW_EXIT_OK;
}

typedef struct {
  const char *name;
  int       (*run) (int argc, char **argv);
} Subcommand;

static const Subcommand subcommands[] = {
  { "list", sites_list },
  { "show", sites_show },
  { "add", sites_add },
  { "edit", sites_edit },
  { "remove", sites_remove },
  { "import-ssh-config", sites_import_ssh_config },
  { "export", sites_export },
  { "import", sites_import },
};

/**
 * bw_cli_sites:
 *
 * `banwatch sites SUBCOMMAND …`
 */
int
bw_cli_sites (int    argc,
              char **argv)
{
  if (argc >= 2)
    for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
      if (g_str_equal (argv[1], subcommands[i].name))
        return subcommands[i].run (argc - 1, argv + 1);

  g_printerr ("%s\n", _("Usage: banwatch sites list|show|add|edit|remove|import-ssh-config|export|import …"));
  if (argc >= 2 && !g_str_equal (argv[1], "--help") && !g_str_equal (argv[1], "help"))
    return bw_cli_usage_error ("sites", _("unknown subcommand “%s”"), argv[1]);
  return argc >= 2 ? BW_EXIT_OK : BW_EXIT_USAGE;
}
