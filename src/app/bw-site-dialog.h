// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_SITE_DIALOG (bw_site_dialog_get_type ())

G_DECLARE_FINAL_TYPE (BwSiteDialog, bw_site_dialog, BW, SITE_DIALOG, GtkDialog)

GtkWidget *bw_site_dialog_new (BwApplication *app,
                               BwSite        *site);

G_END_DECLS
