// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-known-hosts"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "bw-known-hosts.h"

/* Banwatch's own known_hosts, in OpenSSH's format so that libssh reads it and a person
 * can too: "[host]:port type base64" (just "host" for port 22). Hashed "|1|salt|hash"
 * entries written by other tools are understood as well. */

void
bw_known_host_free (BwKnownHost *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->key_type);
  g_free (entry->fingerprint);
  g_free (entry);
}

/**
 * bw_known_hosts_default_path:
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/banwatch/known_hosts`
 */
char *
bw_known_hosts_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "banwatch", "known_hosts", NULL);
}

/**
 * bw_known_hosts_host_pattern:
 *
 * Returns: (transfer full): the name OpenSSH and libssh use for @host and @port
 */
char *
bw_known_hosts_host_pattern (const char *host,
                             guint       port)
{
  if (port == 22)
    return g_strdup (host);
  return g_strdup_printf ("[%s]:%u", host, port);
}

/**
 * bw_fingerprint_from_base64:
 *
 * Returns: (transfer full) (nullable): "SHA256:…" as ssh-keygen -l prints it, or %NULL
 *   for invalid base64
 */
char *
bw_fingerprint_from_base64 (const char *key_base64)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *blob = NULL;
  g_autofree char *encoded = NULL;
  guint8 digest[32];
  gsize blob_length = 0;
  gsize digest_length = sizeof digest;
  gsize length;

  if (key_base64 == NULL || *key_base64 == '\0' ||
      strspn (key_base64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
      strlen (key_base64))
    return NULL;

  blob = g_base64_decode (key_base64, &blob_length);
  if (blob_length < 8)
    return NULL;

  g_checksum_update (checksum, blob, blob_length);
  g_checksum_get_digest (checksum, digest, &digest_length);
  encoded = g_base64_encode (digest, digest_length);

  length = strlen (encoded);
  while (length > 0 && encoded[length - 1] == '=')
    encoded[--length] = '\0';

  return g_strconcat ("SHA256:", encoded, NULL);
}

static gboolean
hashed_entry_matches (const char *entry,
                      const char *pattern)
{
  g_auto(GStrv) parts = g_strsplit (entry, "|", -1);
  g_autofree guchar *salt = NULL;
  g_autoptr(GHmac) hmac = NULL;
  g_autofree char *encoded = NULL;
  guint8 digest[20];
  gsize salt_length = 0;
  gsize digest_length = sizeof digest;

  /* "|1|base64(salt)|base64(HMAC-SHA1(salt, host))" */
  if (g_strv_length (parts) != 4 || !g_str_equal (parts[1], "1"))
    return FALSE;

  salt = g_base64_decode (parts[2], &salt_length);
  if (salt_length == 0)
    return FALSE;

  hmac = g_hmac_new (G_CHECKSUM_SHA1, salt, salt_length);
  g_hmac_update (hmac, (const guchar *) pattern, strlen (pattern));
  g_hmac_get_digest (hmac, digest, &digest_length);
  encoded = g_base64_encode (digest, digest_length);

  return g_str_equal (encoded, parts[3]);
}

static gboolean
host_field_matches (const char *field,
                    const char *pattern)
{
  g_auto(GStrv) names = NULL;

  if (field[0] == '|')
    return hashed_entry_matches (field, pattern);

  names = g_strsplit (field, ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (names[i], pattern) == 0)
      return TRUE;

  return FALSE;
}

/* Splits a line into host field, key type and key; NULL for comments and markers. */
static gboolean
parse_line (const char  *line,
            char       **out_hosts,
            char       **out_type,
            char       **out_key)
{
  g_auto(GStrv) fields = NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (line));

  if (*trimmed == '\0' || *trimmed == '#' || *trimmed == '@')
    return FALSE;

  fields = g_strsplit_set (trimmed, " \t", -1);
  {
    guint n = 0;
    for (guint i = 0; fields[i] != NULL; i++)
      if (*fields[i] != '\0')
        fields[n++] = fields[i];
      else
        g_free (fields[i]);
    fields[n] = NULL;
    if (n < 3)
      return FALSE;
  }

  *out_hosts = g_strdup (fields[0]);
  *out_type = g_strdup (fields[1]);
  *out_key = g_strdup (fields[2]);
  return TRUE;
}

static char *
read_file (const char  *path,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_strdup ("");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return contents;
}

/**
 * bw_known_hosts_lookup:
 *
 * Returns: (transfer full) (element-type BwKnownHost): the keys pinned for @host and
 *   @port, possibly none; %NULL only on a read error
 */
GPtrArray *
bw_known_hosts_lookup (const char  *path,
                       const char  *host,
                       guint        port,
                       GError     **error)
{
  g_autofree char *contents = read_file (path, error);
  g_autofree char *pattern = bw_known_hosts_host_pattern (host, port);
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) bw_known_host_free);
  g_auto(GStrv) lines = NULL;

  if (contents == NULL)
    return NULL;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *hosts = NULL;
      g_autofree char *type = NULL;
      g_autofree char *key = NULL;
      BwKnownHost *entry;

      if (!parse_line (lines[i], &hosts, &type, &key) || !host_field_matches (hosts, pattern))
        continue;

      entry = g_new0 (BwKnownHost, 1);
      entry->key_type = g_steal_pointer (&type);
      entry->fingerprint = bw_fingerprint_from_base64 (key);
      entry->line = i + 1;
      g_ptr_array_add (entries, entry);
    }

  return g_steal_pointer (&entries);
}

static gboolean
write_atomically (const char  *path,
                  const char  *contents,
                  GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  return g_file_set_contents_full (path, contents, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/**
 * bw_known_hosts_add:
 *
 * Pins a host key by appending one line. The file is replaced atomically, so a crash
 * never leaves it half-written.
 */
gboolean
bw_known_hosts_add (const char  *path,
                    const char  *host,
                    guint        port,
                    const char  *key_type,
                    const char  *key_base64,
                    GError     **error)
{
  g_autofree char *contents = read_file (path, error);
  g_autofree char *pattern = bw_known_hosts_host_pattern (host, port);
  g_autoptr(GString) out = NULL;

  if (contents == NULL)
    return FALSE;

  out = g_string_new (contents);
  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
  g_string_append_printf (out, "%s %s %s\n", pattern, key_type, key_base64);

  return write_atomically (path, out->str, error);
}

/**
 * bw_known_hosts_forget:
 *
 * Removes every key pinned for @host and @port, and nothing else.
 */
gboolean
bw_known_hosts_forget (const char  *path,
                       const char  *host,
                       guint        port,
                       guint       *out_removed,
                       GError     **error)
{
  g_autofree char *contents = read_file (path, error);
  g_autofree char *pattern = bw_known_hosts_host_pattern (host, port);
  g_autoptr(GString) out = NULL;
  g_auto(GStrv) lines = NULL;
  guint removed = 0;

  if (contents == NULL)
    return FALSE;

  out = g_string_new (NULL);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *hosts = NULL;
      g_autofree char *type = NULL;
      g_autofree char *key = NULL;

      if (parse_line (lines[i], &hosts, &type, &key) && host_field_matches (hosts, pattern))
        {
          removed++;
          continue;
        }

      if (lines[i + 1] != NULL || *lines[i] != '\0')
        g_string_append_printf (out, "%s%s", lines[i], lines[i + 1] != NULL ? "\n" : "");
    }

  if (out_removed != NULL)
    *out_removed = removed;

  if (removed == 0)
    return TRUE;

  return write_atomically (path, out->str, error);
}
