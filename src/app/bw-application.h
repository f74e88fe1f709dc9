// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "core/bw-history.h"
#include "core/bw-monitor.h"
#include "store/bw-site-store.h"

G_BEGIN_DECLS

#define BW_TYPE_APPLICATION (bw_application_get_type ())

G_DECLARE_FINAL_TYPE (BwApplication, bw_application, BW, APPLICATION, GtkApplication)

BwApplication *bw_application_new               (void);
BwSiteStore   *bw_application_get_store         (BwApplication *self);
BwMonitor     *bw_application_get_monitor       (BwApplication *self);
BwHistory     *bw_application_get_history       (BwApplication *self);
GSettings     *bw_application_get_settings      (BwApplication *self);
const char    *bw_application_get_known_hosts   (BwApplication *self);
gboolean       bw_application_get_notifications_available (BwApplication *self);
void           bw_application_check_site        (BwApplication *self,
                                                 BwSite        *site,
                                                 GtkWindow     *parent);
void           bw_application_check_all         (BwApplication *self,
                                                 GtkWindow     *parent);
char          *bw_application_dup_client_text   (BwApplication *self,
                                                 BwSite        *site,
                                                 const char    *lang,
                                                 gboolean       for_client,
                                                 GError       **error);
char          *bw_application_dup_command       (BwApplication *self,
                                                 BwSite        *site,
                                                 const char    *format,
                                                 GError       **error);
void           bw_application_copy_to_clipboard (BwApplication *self,
                                                 const char    *text);
void           bw_application_show_site         (BwApplication *self,
                                                 BwSite        *site);
void           bw_application_explain_site      (BwApplication *self,
                                                 BwSite        *site);

G_END_DECLS
