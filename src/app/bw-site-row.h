// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <gtk/gtk.h>

#include "core/bw-monitor.h"
#include "core/bw-site.h"

G_BEGIN_DECLS

#define BW_TYPE_SITE_ROW (bw_site_row_get_type ())

G_DECLARE_FINAL_TYPE (BwSiteRow, bw_site_row, BW, SITE_ROW, GtkListBoxRow)

BwSiteRow  *bw_site_row_new             (BwSite      *site,
                                         BwMonitor   *monitor);
BwSite     *bw_site_row_get_site        (BwSiteRow   *self);
void        bw_site_row_update          (BwSiteRow   *self);

const char *bw_site_row_state_word      (BwSiteState  state);
void        bw_site_row_style_badge     (GtkWidget   *badge,
                                         BwSiteState  state);
char       *bw_site_row_format_time     (gint64       usec);

G_END_DECLS
