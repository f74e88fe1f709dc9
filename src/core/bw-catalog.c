// SPDX-License-Identifier: GPL-3.0-or-later
#define G_LOG_DOMAIN "bw-catalog"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "bw-catalog.h"

/*
 * The .mo layout (GNU gettext manual, "The Format of GNU MO Files"):
 *
 *   0  magic 0x950412de, in the byte order of the machine that wrote the file
 *   4  revision: major << 16 | minor; readers must refuse a major revision above 1
 *   8  N, the number of strings
 *  12  O, the offset of the table of original strings
 *  16  T, the offset of the table of translations
 *  20  S, H: the hash table, which we do not need
 *
 * Each table holds N (length, offset) pairs of 32-bit words; every string is followed
 * by a NUL that the length does not count. msgfmt sorts the originals, so a binary
 * search finds a msgid; a file that is not sorted is still read, with a linear search.
 *
 * Every number comes from a file and is checked before it is used.
 */

#define MO_MAGIC           0x950412deU
#define MO_MAGIC_SWAPPED   0xde120495U
#define MO_HEADER_SIZE     28
#define MAX_CATALOG_SIZE   (16 * 1024 * 1024)
#define MAX_LANGUAGE_CHARS 32

G_DEFINE_QUARK (bw-catalog-error-quark, bw_catalog_error)

typedef struct {
  const char *original;      /* up to the first NUL: the msgid, without a plural */
  const char *translation;   /* up to the first NUL: msgstr or msgstr[0] */
} Message;

struct _BwCatalog {
  gatomicrefcount  ref_count;
  GBytes          *bytes;
  Message         *messages;
  guint            n_messages;
  gboolean         sorted;
};

static gboolean
read_word (const guint8 *data,
           gsize         size,
           guint64       offset,
           gboolean      swapped,
           guint32      *out)
{
  guint32 word;

  if (offset > size || size - offset < 4)
    return FALSE;

  memcpy (&word, data + offset, 4);
  *out = swapped ? GUINT32_SWAP_LE_BE (word) : word;
  return TRUE;
}

/* Checks that the string at @offset of @length bytes lies inside the file and is
 * NUL-terminated where the table says, and returns it. */
static const char *
string_at (const guint8 *data,
           gsize         size,
           guint32       length,
           guint32       offset)
{
  if ((guint64) offset + length >= size)
    return NULL;
  if (data[(gsize) offset + length] != '\0')
    return NULL;
  return (const char *) data + offset;
}

static gboolean
read_table_entry (const guint8 *data,
                  gsize         size,
                  guint32       table,
                  guint         index,
                  gboolean      swapped,
                  const char  **out_string,
                  guint32      *out_length)
{
  guint32 length, offset;
  guint64 entry = (guint64) table + (guint64) index * 8;

  if (!read_word (data, size, entry, swapped, &length) ||
      !read_word (data, size, entry + 4, swapped, &offset))
    return FALSE;

  *out_string = string_at (data, size, length, offset);
  *out_length = length;
  return *out_string != NULL;
}

/* The header is the translation of "": "Content-Type: text/plain; charset=UTF-8\n…".
 * Catalogs in another charset would need iconv; ours are UTF-8, so refuse the rest. */
static gboolean
header_is_utf8 (const char *header)
{
  const char *charset = strstr (header, "charset=");

  if (charset == NULL)
    return TRUE;
  charset += strlen ("charset=");
  return g_ascii_strncasecmp (charset, "UTF-8", 5) == 0 &&
         (charset[5] == '\0' || g_ascii_isspace (charset[5]) || charset[5] == ';');
}

static gboolean
parse_catalog (BwCatalog  *self,
               GError    **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (self->bytes, &size);
  guint32 magic, revision, n, originals, translations;
  gboolean swapped;
  guint kept = 0;

  if (data == NULL || size < MO_HEADER_SIZE)
    {
      g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                   _("The catalog is too short to be a compiled gettext (.mo) file."));
      return FALSE;
    }

  memcpy (&magic, data, 4);
  if (magic == MO_MAGIC)
    swapped = FALSE;
  else if (magic == MO_MAGIC_SWAPPED)
    swapped = TRUE;
  else
    {
      g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                   _("The catalog is not a compiled gettext (.mo) file (wrong magic number)."));
      return FALSE;
    }

  read_word (data, size, 4, swapped, &revision);
  read_word (data, size, 8, swapped, &n);
  read_word (data, size, 12, swapped, &originals);
  read_word (data, size, 16, swapped, &translations);

  if ((revision >> 16) > 1)
    {
      g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                   _("The catalog has format revision %u, which this reader does not know."),
                   revision >> 16);
      return FALSE;
    }

  /* Both tables must fit; this also bounds N by the file size. */
  if ((guint64) originals + (guint64) n * 8 > size ||
      (guint64) translations + (guint64) n * 8 > size)
    {
      g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                   _("The catalog's string tables reach past the end of the file."));
      return FALSE;
    }

  self->messages = g_new0 (Message, MAX (n, 1));
  self->sorted = TRUE;

  for (guint i = 0; i < n; i++)
    {
      const char *original, *translation;
      guint32 original_length, translation_length;

      if (!read_table_entry (data, size, originals, i, swapped, &original, &original_length) ||
          !read_table_entry (data, size, translations, i, swapped, &translation, &translation_length))
        {
          g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                       _("String %u of the catalog lies outside the file or is not terminated."), i);
          return FALSE;
        }

      if (*original == '\0')
        {
          if (!header_is_utf8 (translation))
            {
              g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                           _("The catalog is not encoded in UTF-8."));
              return FALSE;
            }
          continue;
        }

      /* A translation that is not valid UTF-8 is treated as missing rather than shown. */
      if (!g_utf8_validate (original, -1, NULL) || !g_utf8_validate (translation, -1, NULL))
        continue;

      if (kept > 0 && strcmp (self->messages[kept - 1].original, original) >= 0)
        self->sorted = FALSE;

      self->messages[kept].original = original;
      self->messages[kept].translation = translation;
      kept++;
    }

  self->n_messages = kept;
  return TRUE;
}

/**
 * bw_catalog_new_from_bytes:
 * @bytes: the contents of a .mo file
 *
 * Parses a catalog held in memory. Every offset is checked against the size.
 *
 * Returns: (transfer full) (nullable): the catalog, or %NULL with @error set
 */
BwCatalog *
bw_catalog_new_from_bytes (GBytes  *bytes,
                           GError **error)
{
  g_autoptr(BwCatalog) self = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);

  self = g_new0 (BwCatalog, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->bytes = g_bytes_ref (bytes);

  if (g_bytes_get_size (bytes) > MAX_CATALOG_SIZE)
    {
      g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_FORMAT,
                   _("The catalog is larger than %d MiB."), MAX_CATALOG_SIZE / (1024 * 1024));
      return NULL;
    }

  if (!parse_catalog (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * bw_catalog_new_from_file:
 * @path: a .mo file
 *
 * Returns: (transfer full) (nullable): the catalog, or %NULL with @error set;
 *   %BW_CATALOG_ERROR_NOT_FOUND when @path does not exist
 */
BwCatalog *
bw_catalog_new_from_file (const char  *path,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_NOT_FOUND,
                     _("There is no translation catalog at %s."), path);
      else
        g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_IO,
                     _("The translation catalog %s cannot be read: %s"), path, local_error->message);
      return NULL;
    }

  bytes = g_mapped_file_get_bytes (mapped);
  return bw_catalog_new_from_bytes (bytes, error);
}

/**
 * bw_catalog_ref:
 *
 * Returns: (transfer full): @self
 */
BwCatalog *
bw_catalog_ref (BwCatalog *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * bw_catalog_unref:
 *
 * Drops a reference; the last one frees the catalog.
 */
void
bw_catalog_unref (BwCatalog *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->messages);
  g_bytes_unref (self->bytes);
  g_free (self);
}

static int
compare_message (const void *key,
                 const void *element)
{
  return strcmp (key, ((const Message *) element)->original);
}

/**
 * bw_catalog_lookup:
 * @msgid: the English source string
 *
 * Returns: (nullable): the translation (the first form of a plural entry), or %NULL
 *   when the catalog has none. The string lives as long as @self.
 */
const char *
bw_catalog_lookup (BwCatalog  *self,
                   const char *msgid)
{
  const Message *found = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (msgid != NULL, NULL);

  if (*msgid == '\0' || self->n_messages == 0)
    return NULL;

  if (self->sorted)
    found = bsearch (msgid, self->messages, self->n_messages, sizeof (Message), compare_message);
  else
    for (guint i = 0; i < self->n_messages && found == NULL; i++)
      if (strcmp (msgid, self->messages[i].original) == 0)
        found = &self->messages[i];

  if (found == NULL || *found->translation == '\0')
    return NULL;
  return found->translation;
}

/**
 * bw_catalog_get_n_messages:
 *
 * Returns: how many translated messages the catalog holds (without the header)
 */
guint
bw_catalog_get_n_messages (BwCatalog *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_messages;
}

/**
 * bw_catalog_dup_locale_dir:
 *
 * The tests and an uninstalled build point BANWATCH_LOCALEDIR at build/po; an
 * installed Banwatch uses LOCALEDIR.
 *
 * Returns: (transfer full): the folder that holds `<lang>/LC_MESSAGES/banwatch.mo`
 */
char *
bw_catalog_dup_locale_dir (void)
{
  const char *dir = g_getenv ("BANWATCH_LOCALEDIR");

  return g_strdup (dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
}

static gboolean
check_language (const char  *lang,
                GError     **error)
{
  gsize length = lang != NULL ? strlen (lang) : 0;

  /* The code becomes a path component: letters, digits, "_", "-", "@" and "." only,
   * and never "." or ".." themselves. */
  if (length == 0 || length > MAX_LANGUAGE_CHARS ||
      strspn (lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@.") != length ||
      lang[0] == '.')
    {
      g_set_error (error, BW_CATALOG_ERROR, BW_CATALOG_ERROR_LANGUAGE,
                   _("“%s” is not a language code such as “ja”."), lang != NULL ? lang : "");
      return FALSE;
    }
  return TRUE;
}

/**
 * bw_catalog_dup_path:
 * @lang: a language code such as "ja"
 *
 * Returns: (transfer full) (nullable): `<dir>/<lang>/LC_MESSAGES/banwatch.mo`, or %NULL
 *   with @error set for a code that cannot be a language
 */
char *
bw_catalog_dup_path (const char  *lang,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;

  if (!check_language (lang, error))
    return NULL;

  dir = bw_catalog_dup_locale_dir ();
  file = g_strconcat (GETTEXT_PACKAGE, ".mo", NULL);
  return g_build_filename (dir, lang, "LC_MESSAGES", file, NULL);
}

G_LOCK_DEFINE_STATIC (catalogs);
static GHashTable *catalogs;   /* path → BwCatalog; kept for the life of the process */

/**
 * bw_catalog_get_for_language:
 * @lang: a language code such as "ja"
 *
 * Loads the catalog of @lang once per path and keeps it. Safe to call from any thread.
 *
 * Returns: (transfer full) (nullable): the catalog, or %NULL with @error set
 */
BwCatalog *
bw_catalog_get_for_language (const char  *lang,
                             GError     **error)
{
  g_autofree char *path = bw_catalog_dup_path (lang, error);
  BwCatalog *catalog;

  if (path == NULL)
    return NULL;

  G_LOCK (catalogs);

  if (catalogs == NULL)
    catalogs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) bw_catalog_unref);

  catalog = g_hash_table_lookup (catalogs, path);
  if (catalog == NULL)
    {
      catalog = bw_catalog_new_from_file (path, error);
      if (catalog != NULL)
        g_hash_table_insert (catalogs, g_strdup (path), catalog);
    }
  if (catalog != NULL)
    bw_catalog_ref (catalog);

  G_UNLOCK (catalogs);

  return catalog;
}
