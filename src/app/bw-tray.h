// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "bw-application.h"

G_BEGIN_DECLS

#define BW_TYPE_TRAY (bw_tray_get_type ())

G_DECLARE_FINAL_TYPE (BwTray, bw_tray, BW, TRAY, GObject)

BwTray     *bw_tray_new          (BwApplication *app);
void        bw_tray_update       (BwTray        *self);
const char *bw_tray_icon_for_state (BwSiteState  state);

G_END_DECLS
