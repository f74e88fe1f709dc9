// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-ssh-import"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "probe/bw-key-check.h"
#include "store/bw-ssh-import.h"

/*
 * How one ssh_config Host entry would become a site: the single reading behind both
 * `banwatch sites import-ssh-config` and the window's Import dialog.
 */

/**
 * bw_import_status_to_string:
 *
 * Returns: the status word of the CLI and its JSON: new, no-key, exists, invalid, skipped
 */
const char *
bw_import_status_to_string (BwImportStatus status)
{
  static const char * const words[BW_N_IMPORT_STATUSES] = { "new", "no-key", "exists", "invalid", "skipped" };

  g_return_val_if_fail (status < BW_N_IMPORT_STATUSES, "invalid");
  return words[status];
}

void
bw_import_entry_free (BwImportEntry *entry)
{
  g_clear_object (&entry->site);
  g_clear_pointer (&entry->notes, g_ptr_array_unref);
  g_free (entry);
}

static BwImportStatus
classify (BwImportEntry *entry,
          BwSiteStore   *store)
{
  BwSshConfigHost *host = entry->host;
  g_autoptr(BwSite) site = bw_site_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *port = NULL;
  const char *key = NULL;
  const char *user;
  BwSiteFields fields;

  if (host->proxy_jump != NULL || host->proxy_command != NULL)
    {
      g_ptr_array_add (entry->notes, g_strdup (_("reached through ProxyJump/ProxyCommand, which "
                                                 "Banwatch does not follow: not imported")));
      return BW_IMPORT_SKIPPED;
    }

  /* ssh offers the IdentityFiles in order; Banwatch takes the first that exists. */
  for (guint i = 0; host->identity_files != NULL && i < host->identity_files->len; i++)
    if (g_file_test (g_ptr_array_index (host->identity_files, i), G_FILE_TEST_EXISTS))
      {
        key = g_ptr_array_index (host->identity_files, i);
        break;
      }

  user = host->user != NULL ? host->user : g_get_user_name ();
  port = g_strdup_printf ("%u", host->port != 0 ? host->port : 22);
  fields = (BwSiteFields) {
    .name = host->alias,
    .host = host->hostname != NULL ? host->hostname : host->alias,
    .port = port,
    .user = user,
    .key = key,
  };
  if (host->user == NULL)
    g_ptr_array_add (entry->notes, g_strdup_printf (_("no User: using the local user name “%s”"), user));

  if (!bw_site_apply_fields (site, &fields, FALSE, &error))
    {
      g_ptr_array_add (entry->notes, g_strdup (error->message));
      return BW_IMPORT_INVALID;
    }

  if (key == NULL && host->identity_files != NULL && host->identity_files->len > 0)
    {
      g_ptr_array_add (entry->notes, g_strdup_printf (_("IdentityFile %s does not exist"),
                                                      (char *) g_ptr_array_index (host->identity_files, 0)));
      return BW_IMPORT_INVALID;
    }

  if (key != NULL)
    {
      g_autoptr(BwKeyInfo) info = bw_key_inspect (key, &error);

      if (info == NULL)
        {
          g_ptr_array_add (entry->notes, g_strdup (error->message));
          return BW_IMPORT_INVALID;
        }
      entry->key_encrypted = info->encrypted;
    }

  if (!bw_site_store_check_name (store, bw_site_get_name (site), NULL, &error))
    {
      g_ptr_array_add (entry->notes, g_strdup (error->message));
      return BW_IMPORT_EXISTS;
    }

  entry->site = g_steal_pointer (&site);
  return key != NULL ? BW_IMPORT_NEW : BW_IMPORT_NO_KEY;
}

/**
 * bw_import_entry_new:
 * @host: a Host entry of a parsed ssh_config; must outlive the entry
 * @store: the sites already stored, for name clashes
 *
 * Reads @host the way ssh would for Banwatch's purposes: HostName, Port, User and the
 * first IdentityFile that exists, validated as any site is; the key is inspected locally,
 * never used. The parser's own notes come first.
 *
 * Returns: (transfer full): the entry
 */
BwImportEntry *
bw_import_entry_new (BwSshConfigHost *host,
                     BwSiteStore     *store)
{
  BwImportEntry *entry = g_new0 (BwImportEntry, 1);

  entry->host = host;
  entry->notes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; host->notes != NULL && i < host->notes->len; i++)
    g_ptr_array_add (entry->notes, g_strdup (g_ptr_array_index (host->notes, i)));
  entry->status = classify (entry, store);
  return entry;
}
