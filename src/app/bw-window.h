// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_WINDOW (bw_window_get_type ())

G_DECLARE_FINAL_TYPE (BwWindow, bw_window, BW, WINDOW, GtkApplicationWindow)

BwWindow *bw_window_new              (BwApplication *app);
void      bw_window_set_store_error  (BwWindow      *self,
                                      const char    *message);
void      bw_window_select_site      (BwWindow      *self,
                                      BwSite        *site);
void      bw_window_explain_site     (BwWindow      *self,
                                      BwSite        *site);
void      bw_window_show_maintenance (BwWindow      *self);

G_END_DECLS
