// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gio/gio.h>

#include "core/bw-site.h"

G_BEGIN_DECLS

#define BW_STORE_ERROR (bw_store_error_quark ())

typedef enum {
  BW_STORE_ERROR_NO_BUS,
  BW_STORE_ERROR_NO_SERVICE,
  BW_STORE_ERROR_LOCKED,
  BW_STORE_ERROR_NOT_FOUND,
  BW_STORE_ERROR_DUPLICATE,
  BW_STORE_ERROR_WRITE_FAILED,
  BW_STORE_ERROR_AMBIGUOUS,
} BwStoreError;

GQuark bw_store_error_quark (void);

#define BW_TYPE_SITE_STORE (bw_site_store_get_type ())

G_DECLARE_FINAL_TYPE (BwSiteStore, bw_site_store, BW, SITE_STORE, GObject)

BwSiteStore *bw_site_store_new                 (gboolean       allow_prompts);
gboolean     bw_site_store_load_sync           (BwSiteStore   *self,
                                                GCancellable  *cancellable,
                                                GError       **error);
void         bw_site_store_load_async          (BwSiteStore   *self,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
gboolean     bw_site_store_load_finish         (BwSiteStore   *self,
                                                GAsyncResult  *result,
                                                GError       **error);
BwSite      *bw_site_store_find_by_name        (BwSiteStore   *self,
                                                const char    *name,
                                                GError       **error);
BwSite      *bw_site_store_find_by_id          (BwSiteStore   *self,
                                                const char    *id);
gboolean     bw_site_store_check_name          (BwSiteStore   *self,
                                                const char    *name,
                                                const char    *except_id,
                                                GError       **error);
gboolean     bw_site_store_save_sync           (BwSiteStore   *self,
                                                BwSite        *site,
                                                const char    *passphrase,
                                                GCancellable  *cancellable,
                                                GError       **error);
void         bw_site_store_save_async          (BwSiteStore   *self,
                                                BwSite        *site,
                                                const char    *passphrase,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
gboolean     bw_site_store_save_finish         (BwSiteStore   *self,
                                                GAsyncResult  *result,
                                                GError       **error);
gboolean     bw_site_store_add_all_sync        (BwSiteStore   *self,
                                                GPtrArray     *sites,
                                                GCancellable  *cancellable,
                                                GError       **error);
gboolean     bw_site_store_remove_sync         (BwSiteStore   *self,
                                                BwSite        *site,
                                                GCancellable  *cancellable,
                                                GError       **error);
void         bw_site_store_remove_async        (BwSiteStore   *self,
                                                BwSite        *site,
                                                GCancellable  *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer       user_data);
gboolean     bw_site_store_remove_finish       (BwSiteStore   *self,
                                                GAsyncResult  *result,
                                                GError       **error);
char        *bw_site_store_lookup_passphrase_sync (BwSiteStore *self,
                                                   BwSite      *site,
                                                   GCancellable *cancellable,
                                                   GError     **error);
const char * const *bw_site_store_get_warnings (BwSiteStore   *self);

/* Passed as @passphrase to keep the stored one. */
#define BW_SITE_STORE_KEEP_PASSPHRASE NULL

G_END_DECLS
