// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A tiny reader of compiled gettext catalogs (.mo files).
 *
 * gettext picks one language per process, from the locale, and only works when that
 * locale is generated on the system. The client explanations must be written in a
 * language chosen apart from the UI's, also on machines without ja_JP.UTF-8, so
 * Banwatch reads its own catalog for them.
 */

#define BW_CATALOG_ERROR (bw_catalog_error_quark ())

typedef enum {
  BW_CATALOG_ERROR_LANGUAGE,   /* not a plausible language code */
  BW_CATALOG_ERROR_NOT_FOUND,  /* no catalog file for that language */
  BW_CATALOG_ERROR_IO,         /* the file exists but cannot be read */
  BW_CATALOG_ERROR_FORMAT,     /* not a valid, UTF-8 .mo file */
} BwCatalogError;

typedef struct _BwCatalog BwCatalog;

GQuark      bw_catalog_error_quark       (void);

BwCatalog  *bw_catalog_new_from_bytes    (GBytes      *bytes,
                                          GError     **error);
BwCatalog  *bw_catalog_new_from_file     (const char  *path,
                                          GError     **error);
BwCatalog  *bw_catalog_get_for_language  (const char  *lang,
                                          GError     **error);
BwCatalog  *bw_catalog_ref               (BwCatalog   *self);
void        bw_catalog_unref             (BwCatalog   *self);

const char *bw_catalog_lookup            (BwCatalog   *self,
                                          const char  *msgid);
guint       bw_catalog_get_n_messages    (BwCatalog   *self);

char       *bw_catalog_dup_locale_dir    (void);
char       *bw_catalog_dup_path          (const char  *lang,
                                          GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BwCatalog, bw_catalog_unref)

G_END_DECLS
