// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define BW_TYPE_SITE (bw_site_get_type ())

G_DECLARE_FINAL_TYPE (BwSite, bw_site, BW, SITE, GObject)

/**
 * BwSiteFields:
 *
 * A site as text, the way a person enters it. %NULL means "not given".
 */
typedef struct {
  const char *name;
  const char *host;
  const char *port;
  const char *user;
  const char *key;
  const char *provider;
  const char *notes;
} BwSiteFields;

BwSite     *bw_site_new            (void);
BwSite     *bw_site_copy           (BwSite      *self);
const char *bw_site_get_id         (BwSite      *self);
void        bw_site_set_id         (BwSite      *self,
                                    const char  *id);
const char *bw_site_get_name       (BwSite      *self);
void        bw_site_set_name       (BwSite      *self,
                                    const char  *name);
const char *bw_site_get_host       (BwSite      *self);
void        bw_site_set_host       (BwSite      *self,
                                    const char  *host);
guint       bw_site_get_port       (BwSite      *self);
void        bw_site_set_port       (BwSite      *self,
                                    guint        port);
const char *bw_site_get_user       (BwSite      *self);
void        bw_site_set_user       (BwSite      *self,
                                    const char  *user);
const char *bw_site_get_key_path   (BwSite      *self);
void        bw_site_set_key_path   (BwSite      *self,
                                    const char  *key_path);
const char *bw_site_get_provider   (BwSite      *self);
void        bw_site_set_provider   (BwSite      *self,
                                    const char  *provider);
const char *bw_site_get_notes      (BwSite      *self);
void        bw_site_set_notes      (BwSite      *self,
                                    const char  *notes);
gboolean    bw_site_get_has_passphrase (BwSite *self);
void        bw_site_set_has_passphrase (BwSite *self,
                                        gboolean has_passphrase);

char       *bw_site_dup_destination (BwSite     *self);
gboolean    bw_site_validate       (BwSite      *self,
                                    GError     **error);
gboolean    bw_site_apply_fields   (BwSite             *site,
                                    const BwSiteFields *fields,
                                    gboolean            is_new,
                                    GError            **error);
JsonNode   *bw_site_to_json        (BwSite      *self,
                                    gboolean     for_export);
int         bw_site_compare        (BwSite      *a,
                                    BwSite      *b);
char       *bw_site_name_fold      (const char  *name);

G_END_DECLS
